// What the accelerator computes, exactly, in integers: the function of a
// layer from unpacked input values to output values after bias, ReLU,
// rounding shift and saturation. No timing and no memory traffic here; the
// bit-serial cost is the timing model's business (timing.h).
#pragma once

#include <cstdint>
#include <vector>

#include "models/loom/layer_desc.h"

namespace loomvp {

struct LayerOperands {
  const int32_t* input = nullptr;   // in_c x in_h x in_w
  const int32_t* input2 = nullptr;  // add only, same shape
  // out_c x kh x kw x in_c/groups: channels last, the order of the weight
  // bricks in DRAM (bitplane::unpack_weights_channels_last)
  const int16_t* weights = nullptr;
  const int32_t* bias = nullptr;    // out_c
};

// Returns out_c x out_h x out_w values, each within the saturation range.
// Conv and fc run as int16 dot products over an im2col of the input when
// every activation fits int16 (always, unless unsigned 16-bit data exceeds
// 32767), summed in int32 over runs of terms short enough that no partial
// sum can overflow and then in int64; otherwise by plain int64 loops.
std::vector<int32_t> compute_layer(const LayerDesc& desc, const LayerOperands& operands);

// Post-processing shared by every layer type: ReLU, rounding right shift,
// saturation to sat_prec bits.
int32_t requantize(int64_t accumulator, const LayerDesc& desc);

}  // namespace loomvp
