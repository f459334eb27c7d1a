// The fast golden reference (float64 GEMM over im2col) against the plain
// integer loops, which test_golden_reference.cpp checks by hand: every layer
// type, awkward shapes, operand-block boundaries, sums beyond 2^31, and a
// layer where float64 would not be exact (the integer fallback is taken).
#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <vector>

#include "platform/golden_reference.h"
#include "platform/workload.h"

using namespace loomvp;
using V = std::vector<int32_t>;

namespace {

struct Spec {
  LayerType type = LayerType::Conv;
  Shape in;
  uint32_t filters = 1, kh = 1, kw = 1, sy = 1, sx = 1, py = 0, px = 0, groups = 1;
  uint32_t pa = 8, pw = 8, out_prec = 16, shift = 0;
  bool in_signed = false, out_signed = true, relu = false;
};

int64_t draw(std::mt19937_64& rng, int64_t low, int64_t high) {
  return low + static_cast<int64_t>(rng() % static_cast<uint64_t>(high - low + 1));
}

// A layer with random weights and bias in range, and a random input.
WorkloadLayer make(const Spec& s, V& input, std::mt19937_64& rng) {
  WorkloadLayer L;
  L.name = "probe";
  L.type = s.type;
  L.in_shape = s.in;
  L.kh = s.kh, L.kw = s.kw, L.sy = s.sy, L.sx = s.sx, L.py = s.py, L.px = s.px, L.groups = s.groups;
  L.pa = s.pa, L.pw = s.pw, L.out_prec = s.out_prec, L.shift = s.shift;
  L.in_signed = s.in_signed, L.out_signed = s.out_signed, L.relu = s.relu;
  if (s.type == LayerType::Fc) {
    L.kh = s.in.h, L.kw = s.in.w;
    L.out_shape = {s.filters, 1, 1};
  } else {
    L.out_shape = {s.type == LayerType::Conv ? s.filters : s.in.c, (s.in.h + 2 * s.py - s.kh) / s.sy + 1,
                   (s.in.w + 2 * s.px - s.kw) / s.sx + 1};
  }
  if (s.type == LayerType::Conv || s.type == LayerType::Fc) {
    const int64_t wmax = (int64_t{1} << (s.pw - 1)) - 1;
    L.weights.resize(uint64_t{s.filters} * (s.in.c / s.groups) * L.kh * L.kw);
    for (auto& w : L.weights) w = static_cast<int16_t>(draw(rng, -wmax - 1, wmax));
    L.bias.resize(s.filters);
    for (auto& b : L.bias) b = static_cast<int32_t>(draw(rng, -100000, 100000));
  }
  const int64_t amax = s.in_signed ? (int64_t{1} << (s.pa - 1)) - 1 : (int64_t{1} << s.pa) - 1;
  const int64_t amin = s.in_signed ? -amax - 1 : 0;
  input.resize(s.in.elements());
  for (auto& v : input) v = static_cast<int32_t>(draw(rng, amin, amax));
  return L;
}

void check_same(const Spec& s, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  V input, input2;
  const WorkloadLayer L = make(s, input, rng);
  if (s.type == LayerType::Add) {
    make(s, input2, rng);
  }
  const V* in2 = s.type == LayerType::Add ? &input2 : nullptr;
  const V fast = golden_layer(L, input, in2);
  const V plain = golden_layer_plain(L, input, in2);
  REQUIRE(fast.size() == L.out_shape.elements());
  CHECK(fast == plain);
}

}  // namespace

TEST_CASE("fast reference: conv with odd kernel, stride and padding", "[golden-fast]") {
  Spec s;
  s.in = {3, 7, 5};
  s.filters = 5, s.kh = 3, s.kw = 2, s.sy = 2, s.sx = 1, s.py = 1, s.px = 0;
  check_same(s);
  s.in_signed = true, s.relu = true, s.shift = 3, s.out_prec = 8;
  check_same(s, 2);
}

TEST_CASE("fast reference: padding wider than the kernel reads zeros", "[golden-fast]") {
  Spec s;
  s.in = {2, 3, 4};
  s.filters = 3, s.kh = 1, s.kw = 2, s.py = 2, s.px = 3, s.sx = 2;
  check_same(s);
}

TEST_CASE("fast reference: grouped and depthwise conv", "[golden-fast]") {
  Spec s;
  s.in = {6, 5, 5};
  s.filters = 9, s.groups = 3, s.kh = s.kw = 3, s.py = s.px = 1;
  check_same(s);
  s.filters = 6, s.groups = 6, s.sy = s.sx = 2;
  check_same(s, 3);
}

TEST_CASE("fast reference: fc over a C x H x W input, several filter blocks", "[golden-fast]") {
  Spec s;
  s.type = LayerType::Fc;
  s.in = {5, 3, 3};
  s.filters = 7;
  check_same(s);
  // K = 9216: 2^19 / 9216 = 56 filters per block, so 130 filters take 3 blocks
  s.in = {256, 6, 6};
  s.filters = 130, s.pa = 4, s.pw = 4, s.shift = 8, s.out_prec = 8, s.out_signed = false, s.relu = true;
  check_same(s, 4);
}

TEST_CASE("fast reference: output positions split over im2col blocks mid-row", "[golden-fast]") {
  // K = 27: 2^20 / 27 = 38836 columns per block, 40000 positions (200 x 200)
  Spec s;
  s.in = {3, 200, 200};
  s.filters = 4, s.kh = s.kw = 3, s.py = s.px = 1, s.shift = 6;
  check_same(s);
}

TEST_CASE("fast reference: pooling and add", "[golden-fast]") {
  Spec s;
  s.in = {3, 7, 6};
  s.kh = s.kw = 3, s.sy = s.sx = 2, s.py = s.px = 1, s.in_signed = true;
  s.type = LayerType::MaxPool;
  check_same(s);
  s.type = LayerType::AvgPool;
  check_same(s);
  s.type = LayerType::Add;
  s.kh = s.kw = 1, s.sy = s.sx = 1, s.py = s.px = 0;
  check_same(s);
}

TEST_CASE("fast reference: sums beyond 2^31 stay exact on the GEMM path", "[golden-fast]") {
  // 1024 x 32767 x 65535 = 2198922593280 > 2^31, still far below 2^53
  Spec s;
  s.type = LayerType::Fc;
  s.in = {1024, 1, 1};
  s.pa = 16, s.pw = 16, s.shift = 31;
  std::mt19937_64 rng(5);
  V input;
  WorkloadLayer L = make(s, input, rng);
  std::fill(L.weights.begin(), L.weights.end(), int16_t{32767});
  L.bias = {0};
  std::fill(input.begin(), input.end(), 65535);
  REQUIRE(gemm_is_exact(L));
  // (2198922593280 + 2^30) >> 31 = 1024
  CHECK(golden_layer(L, input, nullptr) == V{1024});
  check_same(s, 6);
}

TEST_CASE("fast reference: a layer float64 cannot hold exactly takes the integer loops", "[golden-fast]") {
  // K = 2^22 + 65 with 16-bit unsigned activations and 16-bit weights:
  // K * 2^15 * 65535 >= 2^53, so float64 partial sums could round.
  Spec s;
  s.type = LayerType::Fc;
  s.in = {1, 1, (1u << 22) + 65};
  s.filters = 2, s.pa = 16, s.pw = 16, s.shift = 31;
  std::mt19937_64 rng(7);
  V input;
  WorkloadLayer L = make(s, input, rng);
  REQUIRE_FALSE(gemm_is_exact(L));
  // Filter 0: +32767 on the first half, -32768 on the rest, over 65535s:
  // the running sum climbs to about 2^52 and comes back down.
  const uint64_t k = s.in.w, half = k / 2;
  for (uint64_t i = 0; i < k; ++i) L.weights[i] = i < half ? 32767 : -32768;
  std::fill(input.begin(), input.end(), 65535);
  L.bias = {0, 0};
  const V fast = golden_layer(L, input, nullptr);
  CHECK(fast == golden_layer_plain(L, input, nullptr));
  // sum = 65535 * (32767 * half - 32768 * (k - half)), computed in int64 here
  const int64_t sum = 65535 * (32767 * int64_t(half) - 32768 * int64_t(k - half));
  const int64_t shifted = (sum + (int64_t{1} << 30)) >> 31;
  CHECK(fast[0] == std::max<int64_t>(-32768, std::min<int64_t>(32767, shifted)));
}

TEST_CASE("fast reference: exactness bound from the precisions", "[golden-fast]") {
  WorkloadLayer L;
  L.type = LayerType::Conv;
  L.in_shape = {512, 14, 14};
  L.out_shape = {512, 14, 14};
  L.kh = L.kw = 3;
  L.pa = 16, L.pw = 16;
  CHECK(gemm_is_exact(L));  // K = 4608: 4608 * 2^15 * 65535 < 2^53
  L.type = LayerType::MaxPool;
  CHECK_FALSE(gemm_is_exact(L));  // not a GEMM layer
}

TEST_CASE("fast reference: a raised cancel flag stops both paths", "[golden-fast]") {
  Spec s;
  s.in = {3, 8, 8};
  s.filters = 4, s.kh = s.kw = 3;
  std::mt19937_64 rng(8);
  V input;
  const WorkloadLayer L = make(s, input, rng);
  std::atomic<bool> cancel{true};
  CHECK_THROWS_AS(golden_layer(L, input, nullptr, &cancel), ReferenceCancelled);
  CHECK_THROWS_AS(golden_layer_plain(L, input, nullptr, &cancel), ReferenceCancelled);
}
