// Per-filter-group weight precision (docs/timing-model.md section 3.6,
// docs/workload-format.md section 9.1): the weights one Loom step consumes
// together (up to 128 filters x one 16-channel brick at one kernel position,
// per convolution group; fc: 128 filters x 16 inputs) are stored in the
// fewest bit planes that hold all of them, Pw_g, with a table of every
// group's Pw_g in front. Shared by the runner (packs) and the device (reads,
// plans traffic and charges Pw_g per step), like the bit-plane format.
#pragma once

#include <cstdint>
#include <vector>

#include "models/loom/layer_desc.h"

namespace loomvp {

class WeightGroups {
 public:
  static constexpr uint32_t kFilters = 128;        // filters per group: one Loom filter block
  static constexpr uint64_t kTableAlignment = 64;  // the planes start one DMA burst after the table

  // Geometry of a weight tensor F x Cg x KH x KW in `conv_groups` groups;
  // every group at `pw` until set_precisions (the worst case).
  WeightGroups(uint32_t conv_groups, uint32_t filters, uint32_t cg, uint32_t kh, uint32_t kw, uint32_t pw);
  explicit WeightGroups(const LayerDesc& d);  // conv or fc (kernel = the fc input's H x W)

  uint64_t count() const { return precision_.size(); }
  uint32_t blocks_per_group() const { return blocks_; }  // filter blocks per convolution group
  uint64_t kernel() const { return kernel_; }
  uint64_t bricks() const { return bricks_; }
  uint64_t per_block() const { return kernel_ * bricks_; }  // groups per filter block
  // Group of (convolution group, filter block in it, kernel position, brick).
  uint64_t index(uint32_t conv_group, uint32_t block, uint64_t k, uint64_t brick) const {
    return ((uint64_t{conv_group} * blocks_ + block) * kernel_ + k) * bricks_ + brick;
  }
  uint32_t filters_in_block(uint32_t block) const;  // 128, or fewer in a group's last block
  uint32_t precision(uint64_t i) const { return precision_[i]; }
  uint32_t layer_pw() const { return pw_; }

  // Replaces the table; false (table unchanged) if an entry is 0 or above the layer's Pw.
  bool set_precisions(const std::vector<uint8_t>& precisions);
  // Pw_g of every group of the weights (F x Cg x KH x KW, two's complement).
  std::vector<uint8_t> detect(const int16_t* weights) const;

  uint64_t table_bytes() const;  // one byte per group, padded to kTableAlignment
  uint64_t data_offset(uint64_t i) const { return offset_[i]; }  // of group i's planes, from the planes' start
  uint64_t stored_bytes() const { return table_bytes() + offset_.back(); }
  // Mean Pw_g over the weights (each weight's MACs are the same, so MAC-weighted).
  double mean_precision() const;

  // Table and planes (stored_bytes) <-> weights F x Cg x KH x KW.
  void pack(const int16_t* weights, uint8_t* out) const;
  void unpack(const uint8_t* in, int16_t* weights) const;
  // The same into F x KH x KW x Cg, the device datapath's order.
  void unpack_channels_last(const uint8_t* in, int16_t* weights) const;

 private:
  void update_offsets();
  // Unpacks group by group; weight (f, c, k) goes to weights[f * f_stride + c * c_stride + k * k_stride].
  void unpack_strided(const uint8_t* in, int16_t* weights, uint64_t f_stride, uint64_t c_stride,
                      uint64_t k_stride) const;
  template <typename Fn>
  void for_each_brick(Fn fn) const;  // fn(group index, filter, first channel, lanes, k)

  uint32_t conv_groups_, filters_per_group_, cg_, pw_;
  uint64_t kernel_, bricks_;
  uint32_t blocks_;
  std::vector<uint8_t> precision_;
  std::vector<uint64_t> offset_;  // count + 1 prefix sums of group bytes
};

}  // namespace loomvp
