// A layer as the device sees it: the raw register values, and the decoded,
// validated description the datapath, timing model and sequencer work from.
// Decoding is a pure function so every error code is testable without a
// simulation.
#pragma once

#include <cstdint>
#include <string>

#include "firmware/include/loom_regs.h"

namespace loomvp {

enum class LayerType : uint32_t {
  Conv = LOOM_LAYER_CONV,
  Fc = LOOM_LAYER_FC,
  MaxPool = LOOM_LAYER_MAXPOOL,
  AvgPool = LOOM_LAYER_AVGPOOL,
  Add = LOOM_LAYER_ADD,
};

const char* layer_type_name(LayerType type);

// Multiply-accumulates (conv, fc) or window elements visited (pools, add) of
// a layer: the one formula behind the device's work limit and the reports.
uint64_t layer_macs(LayerType type, uint64_t output_elements, uint64_t in_c_per_group, uint32_t kh,
                    uint32_t kw);
const char* error_name(uint32_t error_code);

// Register values as programmed (one field per register).
struct LayerRegs {
  uint32_t layer_type = 0;
  uint32_t in_addr = 0, in2_addr = 0, weight_addr = 0, bias_addr = 0, out_addr = 0;
  uint32_t in_c = 0, in_h = 0, in_w = 0, out_c = 0;
  uint32_t kernel = 0, stride = 0, pad = 0, groups = 0;
  uint32_t prec = 0, quant = 0;
  uint32_t out_c_offset = 0, out_c_total = 0;
};

// The layer registers of a chain descriptor (loom_layer_t word order), or
// an error code when its tag or flags are wrong.
struct DescriptorResult {
  LayerRegs regs;
  uint32_t error = LOOM_ERR_NONE;
};
DescriptorResult parse_descriptor(const uint32_t (&words)[LOOM_DESC_WORDS]);

struct DeviceLimits {
  uint64_t dram_base = 0x80000000ull;
  uint64_t dram_size = 1ull << 30;
  uint64_t max_tensor_elements = 1ull << 27;  // until tiling streams tensors
  uint64_t max_layer_macs = 1ull << 34;       // bounds host time for one layer
  uint32_t max_dimension = 65535;
};

struct LayerDesc {
  LayerType type = LayerType::Conv;
  uint32_t in_addr = 0, in2_addr = 0, weight_addr = 0, bias_addr = 0, out_addr = 0;
  uint32_t in_c = 0, in_h = 0, in_w = 0;
  uint32_t out_c = 0, out_h = 0, out_w = 0;
  // The layer writes channels [out_c_offset, out_c_offset + out_c) of a
  // tensor of out_c_total channels at out_addr (concatenation in place).
  uint32_t out_c_offset = 0, out_c_total = 0;
  uint32_t kh = 1, kw = 1, sy = 1, sx = 1, py = 0, px = 0, groups = 1;
  uint32_t pa = 0, pw = 0, po = 0, pa2 = 0;  // stored precisions (bit planes)
  uint32_t sat_prec = 0;                     // saturation precision, <= po
  uint32_t shift = 0;
  bool relu = false, in_signed = false, in2_signed = false, out_signed = false;
  bool weight_groups = false;  // PREC.PW_GROUPS: per-group precision table and planes (weight_groups.h)

  bool has_weights() const { return type == LayerType::Conv || type == LayerType::Fc; }
  uint32_t in_c_per_group() const { return in_c / groups; }
  uint32_t out_c_per_group() const { return out_c / groups; }
  uint64_t input_elements() const { return uint64_t{in_c} * in_h * in_w; }
  uint64_t output_elements() const { return uint64_t{out_c} * out_h * out_w; }
  uint64_t weight_elements() const {
    return has_weights() ? uint64_t{out_c} * in_c_per_group() * kh * kw : 0;
  }
  uint64_t input_bytes() const;
  uint64_t input2_bytes() const;
  uint64_t weight_bytes() const;        // all weights at PW (without PW_GROUPS)
  uint64_t weight_table_bytes() const;  // PW_GROUPS: the precision table in front of the planes
  uint64_t bias_bytes() const { return has_weights() ? uint64_t{out_c} * 4 : 0; }
  // Channels of the tensor at out_addr (out_c_total, or out_c when 0).
  uint32_t tensor_channels() const { return out_c_total ? out_c_total : out_c; }
  uint64_t output_bytes() const;         // what this layer writes
  uint64_t output_tensor_bytes() const;  // the whole tensor at out_addr
  bool output_strided() const { return output_bytes() != output_tensor_bytes(); }
  uint64_t macs() const { return layer_macs(type, output_elements(), in_c_per_group(), kh, kw); }
};

struct DecodeResult {
  LayerDesc desc;
  uint32_t error = LOOM_ERR_NONE;
  std::string detail;  // why, for logs and tests
};

DecodeResult decode_layer(const LayerRegs& regs, const DeviceLimits& limits);

}  // namespace loomvp
