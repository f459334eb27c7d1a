// The device datapath against the independent golden reference
// (platform/golden_reference.cpp) on awkward shapes and random data.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "models/loom/bitplane.h"
#include "models/loom/datapath.h"
#include "platform/golden_reference.h"

using namespace loomvp;

namespace {

struct Spec {
  LayerType type;
  uint32_t c, h, w, f;
  uint32_t kh, kw, sy, sx, py, px, groups;
  uint32_t pa, pw, po, shift;
  bool relu, in_signed, out_signed;
};

std::vector<int32_t> random_values(std::mt19937& rng, uint64_t n, uint32_t prec, bool is_signed) {
  std::uniform_int_distribution<int64_t> dist(bitplane::min_value(prec, is_signed), bitplane::max_value(prec, is_signed));
  std::vector<int32_t> v(n);
  for (auto& x : v) x = static_cast<int32_t>(dist(rng));
  return v;
}

// Weights F x Cg x KH x KW (the golden reference's order) as F x KH x KW x Cg
// (the device's).
std::vector<int16_t> channels_last(const std::vector<int16_t>& w, uint32_t f, uint32_t cg, uint32_t kh, uint32_t kw) {
  std::vector<int16_t> out(w.size());
  for (uint32_t i = 0; i < f; ++i)
    for (uint32_t c = 0; c < cg; ++c)
      for (uint32_t y = 0; y < kh; ++y)
        for (uint32_t x = 0; x < kw; ++x)
          out[((uint64_t{i} * kh + y) * kw + x) * cg + c] = w[((uint64_t{i} * cg + c) * kh + y) * kw + x];
  return out;
}

// Runs one layer through both implementations and compares every value.
void check_layer(const Spec& s, uint32_t seed) {
  std::mt19937 rng(seed);
  WorkloadLayer L;
  L.type = s.type;
  L.in_shape = {s.c, s.h, s.w};
  L.kh = s.kh;
  L.kw = s.kw;
  L.sy = s.sy;
  L.sx = s.sx;
  L.py = s.py;
  L.px = s.px;
  L.groups = s.groups;
  L.pa = s.pa;
  L.pa2 = s.pa;
  L.pw = s.pw;
  L.out_prec = s.po;
  L.shift = s.shift;
  L.relu = s.relu;
  L.in_signed = L.in2_signed = s.in_signed;
  L.out_signed = s.out_signed;
  const bool weights = s.type == LayerType::Conv || s.type == LayerType::Fc;
  if (s.type == LayerType::Fc) {
    L.kh = s.h;
    L.kw = s.w;
  }
  const uint32_t oh = s.type == LayerType::Fc ? 1 : (s.h + 2 * s.py - L.kh) / s.sy + 1;
  const uint32_t ow = s.type == LayerType::Fc ? 1 : (s.w + 2 * s.px - L.kw) / s.sx + 1;
  L.out_shape = {weights ? s.f : s.c, oh, ow};

  const std::vector<int32_t> in = random_values(rng, L.in_shape.elements(), s.pa, s.in_signed);
  const std::vector<int32_t> in2 = random_values(rng, L.in_shape.elements(), s.pa, s.in_signed);
  if (weights) {
    const std::vector<int32_t> w = random_values(rng, uint64_t{s.f} * (s.c / s.groups) * L.kh * L.kw, s.pw, true);
    L.weights.assign(w.begin(), w.end());
    std::uniform_int_distribution<int32_t> bias(-100000, 100000);
    for (uint32_t i = 0; i < s.f; ++i) L.bias.push_back(bias(rng));
  }

  LayerDesc d;
  d.type = s.type;
  d.in_c = s.c;
  d.in_h = s.h;
  d.in_w = s.w;
  d.out_c = L.out_shape.c;
  d.out_h = oh;
  d.out_w = ow;
  d.kh = L.kh;
  d.kw = L.kw;
  d.sy = s.sy;
  d.sx = s.sx;
  d.py = s.py;
  d.px = s.px;
  d.groups = s.groups;
  d.pa = d.pa2 = s.pa;
  d.pw = s.pw;
  d.po = d.sat_prec = s.po;
  d.shift = s.shift;
  d.relu = s.relu;
  d.in_signed = d.in2_signed = s.in_signed;
  d.out_signed = s.out_signed;

  const std::vector<int16_t> device_weights =
      weights ? channels_last(L.weights, d.out_c, s.c / s.groups, d.kh, d.kw) : std::vector<int16_t>{};
  const std::vector<int32_t> device = compute_layer(d, {in.data(), in2.data(), device_weights.data(), L.bias.data()});
  const std::vector<int32_t> golden = golden_layer(L, in, &in2);
  REQUIRE(device.size() == golden.size());
  uint64_t mismatches = 0, saturated = 0;
  const int64_t top = bitplane::max_value(s.po, s.out_signed);
  for (size_t i = 0; i < device.size(); ++i) {
    mismatches += device[i] != golden[i];
    saturated += golden[i] == top;
  }
  CHECK(mismatches == 0);
  // The case must exercise something: not every output saturated.
  CHECK(saturated < golden.size());
}

}  // namespace

TEST_CASE("conv: channels not a multiple of 16 - filters not a multiple of 128 - stride 2 - padding") {
  check_layer({LayerType::Conv, 19, 9, 11, 130, 3, 3, 2, 2, 1, 1, 1, 6, 5, 8, 9, true, false, false}, 1);
}

TEST_CASE("conv: groups - asymmetric kernel - stride and padding") {
  check_layer({LayerType::Conv, 21, 10, 7, 135, 5, 3, 2, 1, 2, 0, 3, 7, 9, 6, 10, true, false, false}, 2);
}

TEST_CASE("conv: 1x1 map and 1x1 kernel - signed in and out") {
  check_layer({LayerType::Conv, 40, 1, 1, 130, 1, 1, 1, 1, 0, 0, 1, 5, 4, 9, 3, false, true, true}, 3);
}

TEST_CASE("conv: 16-bit data takes the 64-bit accumulator path") {
  check_layer({LayerType::Conv, 64, 5, 5, 20, 3, 3, 1, 1, 1, 1, 1, 16, 16, 16, 30, false, true, true}, 4);
}

TEST_CASE("conv: stride 4 and large kernel (AlexNet conv1 style)") {
  check_layer({LayerType::Conv, 3, 31, 31, 17, 11, 11, 4, 4, 0, 0, 1, 8, 9, 7, 14, true, false, false}, 5);
}

TEST_CASE("conv: unsigned 16-bit activations beyond int16 take the int32-operand loops") {
  check_layer({LayerType::Conv, 20, 6, 7, 9, 3, 3, 1, 1, 1, 1, 1, 16, 9, 16, 20, false, false, false}, 11);
}

TEST_CASE("fc: 1024 terms of 12-bit data - int32 runs of at most 511 terms added in int64") {
  // 12-bit signed data: products up to 2^22, so at most 511 terms per int32 run; 1024 terms.
  check_layer({LayerType::Fc, 64, 4, 4, 37, 0, 0, 1, 1, 0, 0, 1, 12, 12, 16, 16, false, true, true}, 12);
}

TEST_CASE("fc over a 3-D input - signed activations") {
  check_layer({LayerType::Fc, 35, 2, 3, 37, 0, 0, 1, 1, 0, 0, 1, 7, 11, 9, 12, false, true, true}, 6);
}

TEST_CASE("max pool with padding over signed values") {
  check_layer({LayerType::MaxPool, 21, 9, 8, 0, 3, 3, 2, 2, 1, 1, 1, 6, 0, 6, 0, false, true, true}, 7);
}

TEST_CASE("average pool rounds half up - negative sums included") {
  check_layer({LayerType::AvgPool, 18, 7, 7, 0, 3, 3, 1, 1, 1, 1, 1, 5, 0, 5, 0, false, true, true}, 8);
  check_layer({LayerType::AvgPool, 17, 8, 8, 0, 2, 2, 2, 2, 0, 0, 1, 8, 0, 7, 1, true, false, false}, 9);
}

TEST_CASE("element-wise add with ReLU - shift and saturation") {
  check_layer({LayerType::Add, 19, 5, 6, 0, 1, 1, 1, 1, 0, 0, 1, 7, 0, 6, 1, true, true, false}, 10);
}

TEST_CASE("requantize: ReLU - round half up - saturation") {
  LayerDesc d;
  d.sat_prec = 4;
  d.shift = 2;
  CHECK(requantize(6, d) == 2);    // 6/4 = 1.5 -> 2
  CHECK(requantize(5, d) == 1);    // 1.25 -> 1
  CHECK(requantize(100, d) == 15); // saturates at 2^4 - 1
  CHECK(requantize(-7, d) == 0);   // unsigned floor
  d.out_signed = true;
  CHECK(requantize(-6, d) == -1);  // -1.5 rounds half up to -1
  CHECK(requantize(-100, d) == -8);
  d.relu = true;
  CHECK(requantize(-100, d) == 0);
}

namespace {

// Signed activations at their minimum times weights at their minimum: each
// product is +2^(pa-1) * 2^(pw-1), and `terms` of them sum to exactly +2^31,
// one past INT32_MAX. By hand: saturated at 16 signed bits that is 32767.
std::vector<int32_t> most_negative_sum(LayerType type, uint32_t pa, uint32_t pw) {
  constexpr uint32_t c = 512, k = 16;  // 512 * 16 * 16 = 2^17 terms of 2^7 * 2^7
  LayerDesc d;
  d.type = type;
  d.in_c = c;
  d.in_h = d.in_w = d.kh = d.kw = k;
  d.out_c = 1;
  d.out_h = d.out_w = 1;
  d.pa = pa;
  d.pw = pw;
  d.po = d.sat_prec = 16;
  d.in_signed = d.out_signed = true;
  const std::vector<int32_t> input(uint64_t{c} * k * k, -128);
  const std::vector<int16_t> weights(uint64_t{c} * k * k, -128);
  const int32_t bias = 0;
  return compute_layer(d, {input.data(), nullptr, weights.data(), &bias});
}

}  // namespace

TEST_CASE("a sum of products of exactly +2^31 takes the 64-bit path on every precision (issue 7 defect 10)") {
  for (const LayerType type : {LayerType::Conv, LayerType::Fc}) {
    INFO(layer_type_name(type));
    // Stored at 8 bits (Loom profile) and at 16 bits (base): same values.
    CHECK(most_negative_sum(type, 8, 8) == std::vector<int32_t>{32767});
    CHECK(most_negative_sum(type, 16, 16) == std::vector<int32_t>{32767});
  }
}
