#include <catch2/catch.hpp>

#include "models/loom/layer_desc.h"

using namespace loomvp;

namespace {

// A valid 3x3 conv: 20 channels 8x8 -> 40 filters, stride 1, pad 1, 2 groups.
LayerRegs valid_conv() {
  LayerRegs r;
  r.layer_type = LOOM_LAYER_CONV;
  r.in_addr = 0x80000000;
  r.weight_addr = 0x80100000;
  r.bias_addr = 0x80200000;
  r.out_addr = 0x80300000;
  r.in_c = 20;
  r.in_h = 8;
  r.in_w = 8;
  r.out_c = 40;
  r.kernel = LOOM_YX(3, 3);
  r.stride = LOOM_YX(1, 1);
  r.pad = LOOM_YX(1, 1);
  r.groups = 2;
  r.prec = LOOM_PREC(8, 9, 7, 0);
  r.quant = LOOM_QUANT_RELU | 12;
  return r;
}

uint32_t error_of(const LayerRegs& r) { return decode_layer(r, DeviceLimits{}).error; }

}  // namespace

TEST_CASE("a valid conv decodes with derived shapes and sizes") {
  const DecodeResult result = decode_layer(valid_conv(), DeviceLimits{});
  REQUIRE(result.error == LOOM_ERR_NONE);
  const LayerDesc& d = result.desc;
  CHECK(d.out_h == 8);
  CHECK(d.out_w == 8);
  CHECK(d.sat_prec == 7);
  CHECK(d.shift == 12);
  CHECK(d.relu);
  CHECK(d.in_c_per_group() == 10);
  CHECK(d.input_bytes() == 8 * 8 * 2 * 8 * 2);       // 2 bricks of 20 channels, 8 planes
  CHECK(d.weight_bytes() == 40 * 9 * 1 * 9 * 2);     // 10 channels per group: 1 brick
  CHECK(d.output_bytes() == 8 * 8 * 3 * 7 * 2);      // 40 channels: 3 bricks
  CHECK(d.macs() == 40ull * 64 * 10 * 9);
}

TEST_CASE("fc takes its kernel from the input map - pools keep the channel count") {
  LayerRegs r = valid_conv();
  r.layer_type = LOOM_LAYER_FC;
  r.in_h = 6;
  r.in_w = 6;
  r.groups = 0;  // ignored for fc
  r.kernel = 0;
  const DecodeResult fc = decode_layer(r, DeviceLimits{});
  REQUIRE(fc.error == LOOM_ERR_NONE);
  CHECK(fc.desc.kh == 6);
  CHECK(fc.desc.out_h == 1);
  CHECK(fc.desc.groups == 1);

  r = valid_conv();
  r.layer_type = LOOM_LAYER_MAXPOOL;
  r.kernel = LOOM_YX(3, 3);
  r.stride = LOOM_YX(2, 2);
  r.pad = 0;
  const DecodeResult pool = decode_layer(r, DeviceLimits{});
  REQUIRE(pool.error == LOOM_ERR_NONE);
  CHECK(pool.desc.out_c == 20);
  CHECK(pool.desc.out_h == 3);
  CHECK(pool.desc.weight_bytes() == 0);
}

TEST_CASE("every decode error code has its trigger") {
  LayerRegs r = valid_conv();
  r.layer_type = 5;
  CHECK(error_of(r) == LOOM_ERR_BAD_LAYER_TYPE);

  for (uint32_t bad : {0u, 17u, 31u}) {
    r = valid_conv();
    r.prec = LOOM_PREC(bad, 9, 7, 0);
    CHECK(error_of(r) == LOOM_ERR_BAD_PRECISION);
    r.prec = LOOM_PREC(8, bad, 7, 0);
    CHECK(error_of(r) == LOOM_ERR_BAD_PRECISION);
    r.prec = LOOM_PREC(8, 9, bad, 0);
    CHECK(error_of(r) == LOOM_ERR_BAD_PRECISION);
  }
  r = valid_conv();
  r.quant |= LOOM_QUANT_SAT(8);  // saturation wider than the stored output
  CHECK(error_of(r) == LOOM_ERR_BAD_PRECISION);
  r = valid_conv();
  r.layer_type = LOOM_LAYER_ADD;
  r.in2_addr = 0x80400000;
  CHECK(error_of(r) == LOOM_ERR_BAD_PRECISION);  // PA2 = 0
  r.prec = LOOM_PREC(8, 0, 7, 8);                 // PW unused by add
  CHECK(error_of(r) == LOOM_ERR_NONE);

  r = valid_conv();
  r.in_c = 0;
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);
  r = valid_conv();
  r.in_w = 70000;
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);
  r = valid_conv();
  r.kernel = LOOM_YX(11, 3);  // 11 > 8 + 2
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);
  r = valid_conv();
  r.kernel = LOOM_YX(0, 3);
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);
  r = valid_conv();
  r.out_c = 0;
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);
  r = valid_conv();
  r.layer_type = LOOM_LAYER_AVGPOOL;
  r.pad = LOOM_YX(3, 3);  // pooling pad must be < window
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);

  r = valid_conv();
  r.stride = LOOM_YX(1, 0);
  CHECK(error_of(r) == LOOM_ERR_BAD_STRIDE);

  r = valid_conv();
  r.groups = 0;
  CHECK(error_of(r) == LOOM_ERR_BAD_GROUPS);
  r.groups = 3;  // does not divide 20 channels
  CHECK(error_of(r) == LOOM_ERR_BAD_GROUPS);
  r.in_c = 21;
  r.out_c = 40;  // 3 divides 21 but not 40
  CHECK(error_of(r) == LOOM_ERR_BAD_GROUPS);

  r = valid_conv();
  r.in_addr = 0x10000000;  // below DRAM
  CHECK(error_of(r) == LOOM_ERR_BAD_ADDRESS);
  r = valid_conv();
  r.out_addr = 0x80000000u + (1u << 30) - 16;  // runs past the end of DRAM
  CHECK(error_of(r) == LOOM_ERR_BAD_ADDRESS);
  r = valid_conv();
  r.weight_addr = 0xFFFFFFF0u;
  CHECK(error_of(r) == LOOM_ERR_BAD_ADDRESS);

  r = valid_conv();
  DeviceLimits small;
  small.max_tensor_elements = 1000;  // input has 1280 elements
  CHECK(decode_layer(r, small).error == LOOM_ERR_TOO_LARGE);
  CHECK_FALSE(decode_layer(r, small).detail.empty());
  DeviceLimits little_work;
  little_work.max_layer_macs = 40ull * 64 * 10 * 9 - 1;  // one MAC short of this conv
  CHECK(decode_layer(r, little_work).error == LOOM_ERR_TOO_LARGE);
  little_work.max_layer_macs += 1;
  CHECK(decode_layer(r, little_work).error == LOOM_ERR_NONE);
}

TEST_CASE("error names cover every code") {
  for (uint32_t code = 0; code < LOOM_ERR_COUNT; ++code) CHECK(std::string(error_name(code)) != "UNKNOWN");
  CHECK(std::string(error_name(LOOM_ERR_COUNT)) == "UNKNOWN");
}

TEST_CASE("output channel offset and total: whole bricks inside the total, total 0 means OUT_C") {
  LayerRegs r = valid_conv();  // 40 filters, 8x8 output at PO 7
  DecodeResult d = decode_layer(r, DeviceLimits{});
  REQUIRE(d.error == LOOM_ERR_NONE);
  CHECK(d.desc.out_c_total == 40);
  CHECK_FALSE(d.desc.output_strided());

  r.out_c_offset = 32;
  r.out_c_total = 72;  // exactly fits: 32 + 40
  d = decode_layer(r, DeviceLimits{});
  REQUIRE(d.error == LOOM_ERR_NONE);
  CHECK(d.desc.output_bytes() == 8 * 8 * 3 * 7 * 2);         // the layer writes its 3 bricks
  CHECK(d.desc.output_tensor_bytes() == 8 * 8 * 5 * 7 * 2);  // of a 72-channel tensor (5 bricks)
  CHECK(d.desc.output_strided());

  r.out_c_total = 71;  // 32 + 40 > 71
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);
  r.out_c_total = 72;
  r.out_c_offset = 8;  // not a whole brick
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);
  r.out_c_offset = 0;
  r.out_c_total = 65536;
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);
  r.out_c_total = 16;  // total smaller than the layer itself
  CHECK(error_of(r) == LOOM_ERR_BAD_SHAPE);

  // The address check covers the whole tensor, not only this layer's part:
  // 8*8*5*7*2 = 4480 bytes from out_addr must lie in DRAM.
  r.out_c_offset = 32;
  r.out_c_total = 72;
  DeviceLimits limits;
  limits.dram_size = 0x300000 + 4480 - 1;
  CHECK(decode_layer(r, limits).error == LOOM_ERR_BAD_ADDRESS);
  limits.dram_size += 1;
  CHECK(decode_layer(r, limits).error == LOOM_ERR_NONE);

  // Pools take OUT_C = C and may be placed too.
  r.layer_type = LOOM_LAYER_MAXPOOL;
  r.kernel = LOOM_YX(2, 2);
  r.stride = LOOM_YX(2, 2);
  r.pad = 0;
  r.out_c_offset = 16;
  r.out_c_total = 36;  // 16 + 20
  CHECK(decode_layer(r, limits).error == LOOM_ERR_NONE);
}

TEST_CASE("a chain descriptor gives the layer registers in loom_layer_t order - a wrong tag or flags is BAD_DESCRIPTOR") {
  uint32_t w[LOOM_DESC_WORDS];
  w[0] = LOOM_DESC_TAG;
  w[1] = 0;
  for (uint32_t i = 0; i < LOOM_DESC_LAYER_WORDS; ++i) w[2 + i] = 100 + i;
  DescriptorResult d = parse_descriptor(w);
  REQUIRE(d.error == LOOM_ERR_NONE);
  CHECK(d.regs.layer_type == 100);
  CHECK(d.regs.out_addr == 105);
  CHECK(d.regs.out_c == 109);
  CHECK(d.regs.quant == 115);
  CHECK(d.regs.out_c_offset == 116);
  CHECK(d.regs.out_c_total == 117);
  CHECK(LOOM_DESC_TAG == 0x4C440001u);
  CHECK(LOOM_DESC_BYTES == 80);
  w[0] = 0x4C440002u;  // a future version
  CHECK(parse_descriptor(w).error == LOOM_ERR_BAD_DESCRIPTOR);
  w[0] = LOOM_DESC_TAG;
  w[1] = 1;
  CHECK(parse_descriptor(w).error == LOOM_ERR_BAD_DESCRIPTOR);
}
