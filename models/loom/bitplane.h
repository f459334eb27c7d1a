// The bit-plane brick format of tensors in DRAM (docs/workload-format.md,
// SPEC 4.4): for each position, for each brick of 16 channels, P planes of 16
// bits, least significant plane first; bit i of a plane belongs to channel
// 16 * brick + i. Traffic therefore scales with the stored precision P.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loomvp::bitplane {

constexpr uint32_t kLanes = 16;

inline uint64_t bricks(uint64_t channels) { return (channels + kLanes - 1) / kLanes; }

// Bytes of an activation tensor C x H x W stored at precision P.
inline uint64_t activation_bytes(uint32_t c, uint32_t h, uint32_t w, uint32_t prec) {
  return uint64_t{h} * w * bricks(c) * prec * 2;
}
// Bytes of a weight tensor F x Cg x KH x KW stored at precision P.
inline uint64_t weight_bytes(uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw, uint32_t prec) {
  return uint64_t{f} * kh * kw * bricks(cg) * prec * 2;
}

// Largest and smallest value a P-bit tensor can hold.
inline int64_t max_value(uint32_t prec, bool is_signed) {
  return is_signed ? (int64_t{1} << (prec - 1)) - 1 : (int64_t{1} << prec) - 1;
}
inline int64_t min_value(uint32_t prec, bool is_signed) {
  return is_signed ? -(int64_t{1} << (prec - 1)) : 0;
}

// One brick: 16 lane values (already masked to `prec` bits) <-> `prec`
// 16-bit planes, little endian.
void pack_brick(const uint32_t (&lane_bits)[kLanes], uint32_t prec, uint8_t* out);
void unpack_brick(const uint8_t* in, uint32_t prec, bool is_signed, int32_t (&lanes)[kLanes]);

// Activations: values in C x H x W order (channel-major, as in the golden
// model); packed position by position (h, w).
void pack_activations(const int32_t* values, uint32_t c, uint32_t h, uint32_t w, uint32_t prec,
                      uint8_t* out);
void unpack_activations(const uint8_t* in, uint32_t c, uint32_t h, uint32_t w, uint32_t prec,
                        bool is_signed, int32_t* values);

// Weights: values in F x Cg x KH x KW order, always two's complement.
void pack_weights(const int16_t* values, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw,
                  uint32_t prec, uint8_t* out);
void unpack_weights(const uint8_t* in, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw,
                    uint32_t prec, int16_t* values);
// The same weights in F x KH x KW x Cg order, the order of their bricks in
// DRAM: every value lands next to the previous one.
void unpack_weights_channels_last(const uint8_t* in, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw,
                                  uint32_t prec, int16_t* values);

}  // namespace loomvp::bitplane
