#include "bitplane.h"

#include <algorithm>

namespace loomvp::bitplane {
namespace {

// One brick: up to 16 channel values -> `prec` 16-bit planes (little endian).
inline void pack_brick(const uint32_t (&lane_bits)[kLanes], uint32_t prec, uint8_t* out) {
  for (uint32_t p = 0; p < prec; ++p) {
    uint32_t plane = 0;
    for (uint32_t i = 0; i < kLanes; ++i) plane |= ((lane_bits[i] >> p) & 1u) << i;
    out[2 * p] = static_cast<uint8_t>(plane);
    out[2 * p + 1] = static_cast<uint8_t>(plane >> 8);
  }
}

inline void unpack_brick(const uint8_t* in, uint32_t prec, bool is_signed,
                         int32_t (&lanes)[kLanes]) {
  uint32_t bits[kLanes] = {};
  for (uint32_t p = 0; p < prec; ++p) {
    const uint32_t plane = in[2 * p] | (uint32_t{in[2 * p + 1]} << 8);
    for (uint32_t i = 0; i < kLanes; ++i) bits[i] |= ((plane >> i) & 1u) << p;
  }
  const uint32_t sign = 1u << (prec - 1);
  for (uint32_t i = 0; i < kLanes; ++i)
    lanes[i] = (is_signed && (bits[i] & sign)) ? static_cast<int32_t>(bits[i]) - (int32_t{1} << prec)
                                               : static_cast<int32_t>(bits[i]);
}

// Walks positions and bricks; `element(position, channel)` gives the index of
// a value in the caller's array.
template <typename T, typename Index>
void pack(const T* values, uint64_t positions, uint32_t channels, uint32_t prec, Index element,
          uint8_t* out) {
  const uint32_t mask = prec >= 32 ? 0xFFFFFFFFu : (1u << prec) - 1;
  const uint64_t brick_count = bricks(channels);
  for (uint64_t pos = 0; pos < positions; ++pos)
    for (uint64_t b = 0; b < brick_count; ++b) {
      uint32_t lane_bits[kLanes] = {};
      const uint32_t lanes = std::min<uint32_t>(kLanes, channels - b * kLanes);
      for (uint32_t i = 0; i < lanes; ++i)
        lane_bits[i] = static_cast<uint32_t>(values[element(pos, b * kLanes + i)]) & mask;
      pack_brick(lane_bits, prec, out);
      out += 2 * prec;
    }
}

template <typename T, typename Index>
void unpack(const uint8_t* in, uint64_t positions, uint32_t channels, uint32_t prec,
            bool is_signed, Index element, T* values) {
  const uint64_t brick_count = bricks(channels);
  for (uint64_t pos = 0; pos < positions; ++pos)
    for (uint64_t b = 0; b < brick_count; ++b) {
      int32_t lanes[kLanes];
      unpack_brick(in, prec, is_signed, lanes);
      in += 2 * prec;
      const uint32_t count = std::min<uint32_t>(kLanes, channels - b * kLanes);
      for (uint32_t i = 0; i < count; ++i)
        values[element(pos, b * kLanes + i)] = static_cast<T>(lanes[i]);
    }
}

}  // namespace

void pack_activations(const int32_t* values, uint32_t c, uint32_t h, uint32_t w, uint32_t prec,
                      uint8_t* out) {
  const uint64_t plane = uint64_t{h} * w;
  pack(values, plane, c, prec, [plane](uint64_t pos, uint64_t ch) { return ch * plane + pos; },
       out);
}

void unpack_activations(const uint8_t* in, uint32_t c, uint32_t h, uint32_t w, uint32_t prec,
                        bool is_signed, int32_t* values) {
  const uint64_t plane = uint64_t{h} * w;
  unpack(in, plane, c, prec, is_signed,
         [plane](uint64_t pos, uint64_t ch) { return ch * plane + pos; }, values);
}

void pack_weights(const int16_t* values, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw,
                  uint32_t prec, uint8_t* out) {
  const uint64_t kernel = uint64_t{kh} * kw;
  pack(values, f * kernel, cg, prec,
       [kernel, cg](uint64_t pos, uint64_t ch) {
         return (pos / kernel) * cg * kernel + ch * kernel + pos % kernel;
       },
       out);
}

void unpack_weights(const uint8_t* in, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw,
                    uint32_t prec, int16_t* values) {
  const uint64_t kernel = uint64_t{kh} * kw;
  unpack(in, f * kernel, cg, prec, true,
         [kernel, cg](uint64_t pos, uint64_t ch) {
           return (pos / kernel) * cg * kernel + ch * kernel + pos % kernel;
         },
         values);
}

}  // namespace loomvp::bitplane
