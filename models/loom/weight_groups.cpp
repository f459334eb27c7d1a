#include "weight_groups.h"

#include <algorithm>

#include "models/loom/bitplane.h"
#include "models/loom/timing.h"

namespace loomvp {
namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

}  // namespace

WeightGroups::WeightGroups(uint32_t conv_groups, uint32_t filters, uint32_t cg, uint32_t kh, uint32_t kw,
                           uint32_t pw)
    : conv_groups_(conv_groups),
      filters_per_group_(filters / conv_groups),
      cg_(cg),
      pw_(pw),
      kernel_(uint64_t{kh} * kw),
      bricks_(bitplane::bricks(cg)),
      blocks_(static_cast<uint32_t>(ceil_div(filters / conv_groups, kFilters))) {
  precision_.assign(uint64_t{conv_groups_} * blocks_ * kernel_ * bricks_, static_cast<uint8_t>(pw));
  update_offsets();
}

WeightGroups::WeightGroups(const LayerDesc& d)
    : WeightGroups(d.groups, d.out_c, d.in_c_per_group(), d.kh, d.kw, d.pw) {}

uint32_t WeightGroups::filters_in_block(uint32_t block) const {
  return std::min(kFilters, filters_per_group_ - block * kFilters);
}

void WeightGroups::update_offsets() {
  offset_.assign(count() + 1, 0);
  for (uint64_t i = 0; i < count(); ++i) {
    const uint32_t block = static_cast<uint32_t>(i / per_block() % blocks_);
    offset_[i + 1] = offset_[i] + uint64_t{filters_in_block(block)} * precision_[i] * 2;
  }
}

bool WeightGroups::set_precisions(const std::vector<uint8_t>& precisions) {
  if (precisions.size() != count()) return false;
  for (uint8_t p : precisions)
    if (p == 0 || p > pw_) return false;
  precision_ = precisions;
  update_offsets();
  return true;
}

uint64_t WeightGroups::table_bytes() const { return ceil_div(count(), kTableAlignment) * kTableAlignment; }

template <typename Fn>
void WeightGroups::for_each_brick(Fn fn) const {
  for (uint32_t g = 0; g < conv_groups_; ++g)
    for (uint32_t block = 0; block < blocks_; ++block) {
      const uint32_t first_filter = g * filters_per_group_ + block * kFilters;
      const uint32_t filters = filters_in_block(block);
      for (uint64_t k = 0; k < kernel_; ++k)
        for (uint64_t b = 0; b < bricks_; ++b) {
          const uint64_t i = index(g, block, k, b);
          const uint32_t c0 = static_cast<uint32_t>(b * bitplane::kLanes);
          const uint32_t lanes = std::min<uint32_t>(bitplane::kLanes, cg_ - c0);
          for (uint32_t f = first_filter; f < first_filter + filters; ++f) fn(i, f, c0, lanes, k);
        }
    }
}

std::vector<uint8_t> WeightGroups::detect(const int16_t* weights) const {
  std::vector<uint32_t> mask(count(), 0);
  for_each_brick([&](uint64_t i, uint32_t f, uint32_t c0, uint32_t lanes, uint64_t k) {
    const int16_t* w = weights + (uint64_t{f} * cg_ + c0) * kernel_ + k;
    for (uint32_t c = 0; c < lanes; ++c) {
      const int32_t v = w[c * kernel_];
      mask[i] |= static_cast<uint32_t>(v ^ (v >> 31));  // |v| bits; ~v for v < 0
    }
  });
  std::vector<uint8_t> precisions(count());
  for (uint64_t i = 0; i < count(); ++i)
    precisions[i] = static_cast<uint8_t>(std::min(precision_needed(mask[i], true), pw_));
  return precisions;
}

double WeightGroups::mean_precision() const {
  uint64_t sum = 0, weights = 0;
  for (uint64_t i = 0; i < count(); ++i) {
    const uint64_t b = i % bricks_;
    const uint32_t block = static_cast<uint32_t>(i / per_block() % blocks_);
    const uint64_t n = uint64_t{filters_in_block(block)} * std::min<uint64_t>(bitplane::kLanes, cg_ - b * bitplane::kLanes);
    sum += n * precision_[i];
    weights += n;
  }
  return weights ? double(sum) / weights : 0;
}

void WeightGroups::pack(const int16_t* weights, uint8_t* out) const {
  std::copy(precision_.begin(), precision_.end(), out);
  std::fill(out + count(), out + table_bytes(), 0);
  uint8_t* planes = out + table_bytes();
  for_each_brick([&](uint64_t i, uint32_t f, uint32_t c0, uint32_t lanes, uint64_t k) {
    const uint32_t prec = precision_[i], mask = (1u << prec) - 1;
    const int16_t* w = weights + (uint64_t{f} * cg_ + c0) * kernel_ + k;
    uint32_t lane_bits[bitplane::kLanes] = {};
    for (uint32_t c = 0; c < lanes; ++c) lane_bits[c] = static_cast<uint32_t>(w[c * kernel_]) & mask;
    bitplane::pack_brick(lane_bits, prec, planes);
    planes += 2 * prec;
  });
}

void WeightGroups::unpack_strided(const uint8_t* in, int16_t* weights, uint64_t f_stride, uint64_t c_stride,
                                  uint64_t k_stride) const {
  const uint8_t* planes = in + table_bytes();
  for_each_brick([&](uint64_t i, uint32_t f, uint32_t c0, uint32_t lanes, uint64_t k) {
    const uint32_t prec = precision_[i];
    int32_t values[bitplane::kLanes];
    bitplane::unpack_brick(planes, prec, true, values);
    planes += 2 * prec;
    int16_t* w = weights + f * f_stride + c0 * c_stride + k * k_stride;
    for (uint32_t c = 0; c < lanes; ++c) w[c * c_stride] = static_cast<int16_t>(values[c]);
  });
}

void WeightGroups::unpack(const uint8_t* in, int16_t* weights) const {
  unpack_strided(in, weights, uint64_t{cg_} * kernel_, kernel_, 1);
}

void WeightGroups::unpack_channels_last(const uint8_t* in, int16_t* weights) const {
  unpack_strided(in, weights, kernel_ * cg_, 1, cg_);
}

}  // namespace loomvp
