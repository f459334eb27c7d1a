#include "bitplane.h"

#include <algorithm>

namespace loomvp::bitplane {
namespace {

// Bit-matrix transposes on 8 lanes at a time, one byte per lane in a uint64.
constexpr uint64_t kByteLsbs = 0x0101010101010101ull;

// Bit 0 of each of the 8 bytes of x -> an 8-bit word (byte j -> bit j).
inline uint32_t gather_lsbs(uint64_t x) {
  return static_cast<uint32_t>(((x & kByteLsbs) * 0x0102040810204080ull) >> 56);
}

// byte -> uint64 whose byte j is bit j of the byte.
struct SpreadTable {
  uint64_t entry[256];
  constexpr SpreadTable() : entry() {
    for (int b = 0; b < 256; ++b)
      for (int j = 0; j < 8; ++j) entry[b] |= uint64_t((b >> j) & 1) << (8 * j);
  }
};
constexpr SpreadTable kSpread;

}  // namespace

void pack_brick(const uint32_t (&lane_bits)[kLanes], uint32_t prec, uint8_t* out) {
  uint64_t low[2] = {}, high[2] = {};  // low / high byte of lanes 0-7 and 8-15
  for (uint32_t i = 0; i < kLanes; ++i) {
    low[i / 8] |= uint64_t(lane_bits[i] & 0xFFu) << (8 * (i % 8));
    high[i / 8] |= uint64_t((lane_bits[i] >> 8) & 0xFFu) << (8 * (i % 8));
  }
  for (uint32_t p = 0; p < prec; ++p) {
    const uint64_t* bytes = p < 8 ? low : high;
    const uint32_t shift = p % 8;
    const uint32_t plane = gather_lsbs(bytes[0] >> shift) | (gather_lsbs(bytes[1] >> shift) << 8);
    out[2 * p] = static_cast<uint8_t>(plane);
    out[2 * p + 1] = static_cast<uint8_t>(plane >> 8);
  }
}

void unpack_brick(const uint8_t* in, uint32_t prec, bool is_signed, int32_t (&lanes)[kLanes]) {
  uint64_t low[2] = {}, high[2] = {};
  for (uint32_t p = 0; p < prec; ++p) {
    uint64_t* bytes = p < 8 ? low : high;
    const uint32_t shift = p % 8;
    bytes[0] |= kSpread.entry[in[2 * p]] << shift;
    bytes[1] |= kSpread.entry[in[2 * p + 1]] << shift;
  }
  const int32_t sign = int32_t{1} << (prec - 1);
  for (uint32_t i = 0; i < kLanes; ++i) {
    const uint32_t shift = 8 * (i % 8);
    const int32_t bits = static_cast<int32_t>(((low[i / 8] >> shift) & 0xFFu) | (((high[i / 8] >> shift) & 0xFFu) << 8));
    lanes[i] = (is_signed && (bits & sign)) ? bits - (sign << 1) : bits;
  }
}

namespace {

// Positions are (outer, inner) pairs; the value of channel ch at a position
// is values[outer * outer_stride + ch * channel_stride + inner].
struct Layout {
  uint64_t outer_count, inner_count, outer_stride, channel_stride;
  uint32_t channels;
};

template <typename T>
void pack(const T* values, const Layout& l, uint32_t prec, uint8_t* out) {
  const uint32_t mask = (1u << prec) - 1;
  const uint64_t brick_count = bricks(l.channels);
  for (uint64_t o = 0; o < l.outer_count; ++o)
    for (uint64_t in = 0; in < l.inner_count; ++in) {
      const T* base = values + o * l.outer_stride + in;
      for (uint64_t b = 0; b < brick_count; ++b) {
        uint32_t lane_bits[kLanes] = {};
        const uint32_t lanes = std::min<uint32_t>(kLanes, l.channels - b * kLanes);
        for (uint32_t i = 0; i < lanes; ++i)
          lane_bits[i] = static_cast<uint32_t>(base[(b * kLanes + i) * l.channel_stride]) & mask;
        pack_brick(lane_bits, prec, out);
        out += 2 * prec;
      }
    }
}

template <typename T>
void unpack(const uint8_t* in, const Layout& l, uint32_t prec, bool is_signed, T* values) {
  const uint64_t brick_count = bricks(l.channels);
  for (uint64_t o = 0; o < l.outer_count; ++o)
    for (uint64_t inner = 0; inner < l.inner_count; ++inner) {
      T* base = values + o * l.outer_stride + inner;
      for (uint64_t b = 0; b < brick_count; ++b) {
        int32_t lanes[kLanes];
        unpack_brick(in, prec, is_signed, lanes);
        in += 2 * prec;
        const uint32_t count = std::min<uint32_t>(kLanes, l.channels - b * kLanes);
        for (uint32_t i = 0; i < count; ++i) base[(b * kLanes + i) * l.channel_stride] = static_cast<T>(lanes[i]);
      }
    }
}

// Activations C x H x W: one outer position, H*W inner ones, channels H*W apart.
Layout activation_layout(uint32_t c, uint32_t h, uint32_t w) {
  const uint64_t plane = uint64_t{h} * w;
  return {1, plane, 0, plane, c};
}

// Weights F x Cg x KH x KW: filters outer, kernel positions inner.
Layout weight_layout(uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw) {
  const uint64_t kernel = uint64_t{kh} * kw;
  return {f, kernel, cg * kernel, kernel, cg};
}

// Weights F x KH x KW x Cg: one position per filter and kernel position,
// channels adjacent.
Layout weight_layout_channels_last(uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw) {
  return {uint64_t{f} * kh * kw, 1, cg, 1, cg};
}

}  // namespace

void pack_activations(const int32_t* values, uint32_t c, uint32_t h, uint32_t w, uint32_t prec,
                      uint8_t* out) {
  pack(values, activation_layout(c, h, w), prec, out);
}

void unpack_activations(const uint8_t* in, uint32_t c, uint32_t h, uint32_t w, uint32_t prec,
                        bool is_signed, int32_t* values) {
  unpack(in, activation_layout(c, h, w), prec, is_signed, values);
}

void pack_weights(const int16_t* values, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw,
                  uint32_t prec, uint8_t* out) {
  pack(values, weight_layout(f, cg, kh, kw), prec, out);
}

void unpack_weights(const uint8_t* in, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw,
                    uint32_t prec, int16_t* values) {
  unpack(in, weight_layout(f, cg, kh, kw), prec, true, values);
}

void unpack_weights_channels_last(const uint8_t* in, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw,
                                  uint32_t prec, int16_t* values) {
  unpack(in, weight_layout_channels_last(f, cg, kh, kw), prec, true, values);
}

}  // namespace loomvp::bitplane
