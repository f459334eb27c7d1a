#include "bitplane.h"

#include <algorithm>
#include <cstring>

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

// Lanes j..j+3 of a brick as four int16 in one uint64 (lane j lowest), from
// the bytes that unpack_brick gathers: byte k of `low`/`high` is the
// low/high byte of lane 8 * (word) + k; `first` is 0 or 4.
inline uint64_t four_lanes(uint64_t low, uint64_t high, uint32_t first, uint32_t prec) {
  const auto spread = [first](uint64_t bytes) {  // 4 bytes -> 4 16-bit lanes
    uint64_t x = (bytes >> (8 * first)) & 0xFFFFFFFFull;
    x = (x | x << 16) & 0x0000FFFF0000FFFFull;
    return (x | x << 8) & 0x00FF00FF00FF00FFull;
  };
  const uint64_t v = spread(low) | spread(high) << 8;
  // Sign extension per lane: a lane whose bit prec - 1 is set gets every
  // bit from prec up (a 0/1 per lane times 0xFFFF cannot carry into the next).
  const uint64_t lane_ones = 0x0001000100010001ull;
  const uint64_t negative = (v >> (prec - 1)) & lane_ones;
  const uint64_t above = (0xFFFFull << prec & 0xFFFFull) * lane_ones;
  return v | (negative * 0xFFFF & above);
}

// Weights in F x KH x KW x Cg order: whole bricks go four lanes at a time
// straight into the int16 output (the hot path of the device's operand read).
void unpack_weights_contiguous(const uint8_t* in, uint64_t positions, uint32_t channels, uint32_t prec,
                               int16_t* values) {
  const uint64_t brick_count = bricks(channels);
  for (uint64_t pos = 0; pos < positions; ++pos)
    for (uint64_t b = 0; b < brick_count; ++b, in += 2 * prec) {
      int16_t* out = values + pos * channels + b * kLanes;
      const uint32_t count = std::min<uint32_t>(kLanes, channels - b * kLanes);
      if (count < kLanes) {
        int32_t lanes[kLanes];
        unpack_brick(in, prec, true, lanes);
        for (uint32_t i = 0; i < count; ++i) out[i] = static_cast<int16_t>(lanes[i]);
        continue;
      }
      uint64_t low0 = 0, low1 = 0, high0 = 0, high1 = 0;  // low/high bytes of lanes 0-7 and 8-15
      for (uint32_t p = 0; p < std::min(prec, 8u); ++p) {
        low0 |= kSpread.entry[in[2 * p]] << p;
        low1 |= kSpread.entry[in[2 * p + 1]] << p;
      }
      for (uint32_t p = 8; p < prec; ++p) {
        high0 |= kSpread.entry[in[2 * p]] << (p - 8);
        high1 |= kSpread.entry[in[2 * p + 1]] << (p - 8);
      }
      const uint64_t words[4] = {four_lanes(low0, high0, 0, prec), four_lanes(low0, high0, 4, prec),
                                 four_lanes(low1, high1, 0, prec), four_lanes(low1, high1, 4, prec)};
      static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "lane j's int16 is bytes 2j, 2j+1 of the words");
      std::memcpy(out, words, sizeof words);
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
  unpack_weights_contiguous(in, uint64_t{f} * kh * kw, cg, prec, values);
}

}  // namespace loomvp::bitplane
