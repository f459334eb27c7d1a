#include "layer_desc.h"

#include "models/loom/bitplane.h"
#include "models/loom/weight_groups.h"

namespace loomvp {

const char* layer_type_name(LayerType type) {
  switch (type) {
    case LayerType::Conv: return "conv";
    case LayerType::Fc: return "fc";
    case LayerType::MaxPool: return "maxpool";
    case LayerType::AvgPool: return "avgpool";
    case LayerType::Add: return "add";
  }
  return "unknown";
}

const char* error_name(uint32_t error_code) {
  static const char* const names[LOOM_ERR_COUNT] = {
      "NONE", "BAD_LAYER_TYPE", "BAD_PRECISION", "BAD_SHAPE", "BAD_STRIDE",
      "BAD_GROUPS", "BAD_ADDRESS", "BUSY", "DMA", "TOO_LARGE", "BUFFER_TOO_SMALL",
      "BAD_DESCRIPTOR"};
  return error_code < LOOM_ERR_COUNT ? names[error_code] : "UNKNOWN";
}

uint64_t LayerDesc::input_bytes() const { return bitplane::activation_bytes(in_c, in_h, in_w, pa); }
uint64_t LayerDesc::input2_bytes() const {
  return type == LayerType::Add ? bitplane::activation_bytes(in_c, in_h, in_w, pa2) : 0;
}
uint64_t LayerDesc::weight_bytes() const {
  return has_weights() ? bitplane::weight_bytes(out_c, in_c_per_group(), kh, kw, pw) : 0;
}
uint64_t LayerDesc::weight_table_bytes() const {
  if (!has_weights()) return 0;
  const uint64_t blocks = (out_c_per_group() + WeightGroups::kFilters - 1) / WeightGroups::kFilters;
  const uint64_t entries = groups * blocks * kh * kw * bitplane::bricks(in_c_per_group());
  return (entries + WeightGroups::kTableAlignment - 1) / WeightGroups::kTableAlignment * WeightGroups::kTableAlignment;
}
uint64_t LayerDesc::output_bytes() const {
  return bitplane::activation_bytes(out_c, out_h, out_w, po);
}
uint64_t LayerDesc::output_tensor_bytes() const {
  return bitplane::activation_bytes(tensor_channels(), out_h, out_w, po);
}

DescriptorResult parse_descriptor(const uint32_t (&w)[LOOM_DESC_WORDS]) {
  DescriptorResult result;
  if (w[0] != LOOM_DESC_TAG || w[1] != 0) {
    result.error = LOOM_ERR_BAD_DESCRIPTOR;
    return result;
  }
  LayerRegs& r = result.regs;
  uint32_t* const fields[LOOM_DESC_LAYER_WORDS] = {
      &r.layer_type, &r.in_addr, &r.in2_addr, &r.weight_addr, &r.bias_addr, &r.out_addr,
      &r.in_c,       &r.in_h,    &r.in_w,     &r.out_c,       &r.kernel,    &r.stride,
      &r.pad,        &r.groups,  &r.prec,     &r.quant,       &r.out_c_offset, &r.out_c_total};
  for (uint32_t i = 0; i < LOOM_DESC_LAYER_WORDS; ++i) *fields[i] = w[2 + i];
  return result;
}

uint64_t layer_macs(LayerType type, uint64_t output_elements, uint64_t in_c_per_group, uint32_t kh,
                    uint32_t kw) {
  switch (type) {
    case LayerType::Conv:
    case LayerType::Fc: return output_elements * in_c_per_group * kh * kw;
    case LayerType::MaxPool:
    case LayerType::AvgPool: return output_elements * kh * kw;
    case LayerType::Add: return output_elements;
  }
  return 0;
}

namespace {

DecodeResult fail(uint32_t code, std::string detail) {
  DecodeResult result;
  result.error = code;
  result.detail = std::move(detail);
  return result;
}

bool valid_precision(uint32_t p) { return p >= 1 && p <= 16; }

constexpr uint32_t kOutputChannelAlignment = 16;  // one brick

bool inside(uint64_t address, uint64_t bytes, const DeviceLimits& limits) {
  return address >= limits.dram_base && address - limits.dram_base <= limits.dram_size &&
         bytes <= limits.dram_size - (address - limits.dram_base);
}

}  // namespace

DecodeResult decode_layer(const LayerRegs& regs, const DeviceLimits& limits) {
  if (regs.layer_type >= LOOM_LAYER_TYPE_COUNT)
    return fail(LOOM_ERR_BAD_LAYER_TYPE, "layer type " + std::to_string(regs.layer_type));
  LayerDesc d;
  d.type = static_cast<LayerType>(regs.layer_type);
  d.in_addr = regs.in_addr;
  d.in2_addr = regs.in2_addr;
  d.weight_addr = regs.weight_addr;
  d.bias_addr = regs.bias_addr;
  d.out_addr = regs.out_addr;
  d.in_c = regs.in_c;
  d.in_h = regs.in_h;
  d.in_w = regs.in_w;
  d.pa = LOOM_PREC_PA(regs.prec);
  d.pw = LOOM_PREC_PW(regs.prec);
  d.po = LOOM_PREC_PO(regs.prec);
  d.pa2 = LOOM_PREC_PA2(regs.prec);
  d.shift = LOOM_QUANT_SHIFT(regs.quant);
  d.relu = regs.quant & LOOM_QUANT_RELU;
  d.in_signed = regs.quant & LOOM_QUANT_IN_SIGNED;
  d.in2_signed = regs.quant & LOOM_QUANT_IN2_SIGNED;
  d.out_signed = regs.quant & LOOM_QUANT_OUT_SIGNED;
  d.sat_prec = LOOM_QUANT_SAT_PREC(regs.quant);
  if (d.sat_prec == 0) d.sat_prec = d.po;
  d.weight_groups = (regs.prec & LOOM_PREC_PW_GROUPS) != 0;

  if (!valid_precision(d.pa) || !valid_precision(d.po) || (d.has_weights() && !valid_precision(d.pw)) ||
      (d.type == LayerType::Add && !valid_precision(d.pa2)) || d.sat_prec > d.po)
    return fail(LOOM_ERR_BAD_PRECISION, "precisions must be 1..16 and SAT <= PO");

  const auto dim_ok = [&](uint32_t v) { return v >= 1 && v <= limits.max_dimension; };
  if (!dim_ok(d.in_c) || !dim_ok(d.in_h) || !dim_ok(d.in_w))
    return fail(LOOM_ERR_BAD_SHAPE, "input dimensions must be 1..65535");

  switch (d.type) {
    case LayerType::Conv:
    case LayerType::MaxPool:
    case LayerType::AvgPool:
      d.kh = LOOM_Y(regs.kernel);
      d.kw = LOOM_X(regs.kernel);
      d.sy = LOOM_Y(regs.stride);
      d.sx = LOOM_X(regs.stride);
      d.py = LOOM_Y(regs.pad);
      d.px = LOOM_X(regs.pad);
      break;
    case LayerType::Fc:  // one window covering the whole input
      d.kh = d.in_h;
      d.kw = d.in_w;
      break;
    case LayerType::Add: break;
  }
  if (d.kh == 0 || d.kw == 0) return fail(LOOM_ERR_BAD_SHAPE, "kernel must be at least 1x1");
  if (d.sy == 0 || d.sx == 0) return fail(LOOM_ERR_BAD_STRIDE, "stride must be at least 1");
  if (uint64_t{d.in_h} + 2 * d.py < d.kh || uint64_t{d.in_w} + 2 * d.px < d.kw)
    return fail(LOOM_ERR_BAD_SHAPE, "kernel larger than the padded input");
  const bool is_pool = d.type == LayerType::MaxPool || d.type == LayerType::AvgPool;
  if (is_pool && (d.py >= d.kh || d.px >= d.kw))
    return fail(LOOM_ERR_BAD_SHAPE, "pooling padding must be smaller than the window");
  d.out_h = (d.in_h + 2 * d.py - d.kh) / d.sy + 1;
  d.out_w = (d.in_w + 2 * d.px - d.kw) / d.sx + 1;

  if (d.has_weights()) {
    d.out_c = regs.out_c;
    if (!dim_ok(d.out_c)) return fail(LOOM_ERR_BAD_SHAPE, "filters must be 1..65535");
    d.groups = d.type == LayerType::Conv ? regs.groups : 1;
    if (d.groups == 0 || d.in_c % d.groups != 0 || d.out_c % d.groups != 0)
      return fail(LOOM_ERR_BAD_GROUPS, "groups must divide input channels and filters");
  } else {
    d.out_c = d.in_c;
    d.weight_groups = false;
  }
  // Concatenation: whole bricks only, so no two layers share a brick.
  d.out_c_offset = regs.out_c_offset;
  d.out_c_total = regs.out_c_total ? regs.out_c_total : d.out_c;
  if (d.out_c_offset % kOutputChannelAlignment != 0 || d.out_c_total > limits.max_dimension ||
      uint64_t{d.out_c_offset} + d.out_c > d.out_c_total)
    return fail(LOOM_ERR_BAD_SHAPE, "output channel offset must be a multiple of 16 and offset + channels <= total <= 65535");

  if (d.input_elements() > limits.max_tensor_elements ||
      d.output_elements() > limits.max_tensor_elements ||
      d.weight_elements() > limits.max_tensor_elements)
    return fail(LOOM_ERR_TOO_LARGE, "a tensor exceeds the device element limit");
  if (d.macs() > limits.max_layer_macs)
    return fail(LOOM_ERR_TOO_LARGE, "the layer exceeds the device's work limit");

  if (!inside(d.in_addr, d.input_bytes(), limits) || !inside(d.out_addr, d.output_tensor_bytes(), limits) ||
      (d.type == LayerType::Add && !inside(d.in2_addr, d.input2_bytes(), limits)) ||
      // PW_GROUPS: the table here; the planes once the device has read it (their size is in it)
      (d.has_weights() && (!inside(d.weight_addr, d.weight_groups ? d.weight_table_bytes() : d.weight_bytes(), limits) ||
                           !inside(d.bias_addr, d.bias_bytes(), limits))))
    return fail(LOOM_ERR_BAD_ADDRESS, "a tensor does not lie inside DRAM");

  DecodeResult result;
  result.desc = d;
  return result;
}

}  // namespace loomvp
