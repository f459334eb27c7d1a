// Workload compiler (platform/compiler.h): the space-to-depth re-layout gives
// the same accumulations as the original layer on awkward shapes (checked by
// a plain convolution loop written here), re-arranges weights as worked out
// by hand on a small case, applies only where it should, and a whole run with
// the pass on and off gives outputs equal to the golden reference of the
// ORIGINAL layers.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "platform/compiler.h"
#include "platform/runner.h"
#include "test_helpers.h"

using namespace loomvp;
using loomvp_test::TempDir;
using loomvp_test::write_text;

namespace {

// Plain direct convolution (groups = 1), raw int64 sums, zero padding.
std::vector<int64_t> conv_sums(const WorkloadLayer& L, const std::vector<int32_t>& in) {
  const Shape &is = L.in_shape, &os = L.out_shape;
  std::vector<int64_t> out;
  for (uint32_t f = 0; f < os.c; ++f)
    for (uint32_t oy = 0; oy < os.h; ++oy)
      for (uint32_t ox = 0; ox < os.w; ++ox) {
        int64_t sum = 0;
        for (uint32_t c = 0; c < is.c; ++c)
          for (uint32_t ky = 0; ky < L.kh; ++ky)
            for (uint32_t kx = 0; kx < L.kw; ++kx) {
              const int64_t y = int64_t{oy} * L.sy + ky - L.py, x = int64_t{ox} * L.sx + kx - L.px;
              if (y < 0 || y >= is.h || x < 0 || x >= is.w) continue;
              sum += int64_t{L.weights[((f * is.c + c) * L.kh + ky) * L.kw + kx]} * in[(c * is.h + y) * is.w + x];
            }
        out.push_back(sum);
      }
  return out;
}

// Deterministic values in [lo, hi] (a small LCG: independent of the code under test).
std::vector<int32_t> values(uint64_t n, uint32_t seed, int32_t lo, int32_t hi) {
  std::vector<int32_t> v(n);
  uint64_t s = seed * 2654435761u + 1;
  for (auto& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = lo + static_cast<int32_t>((s >> 33) % uint64_t(hi - lo + 1));
  }
  return v;
}

WorkloadLayer conv(uint32_t c, uint32_t h, uint32_t w, uint32_t f, uint32_t kh, uint32_t kw, uint32_t sy,
                   uint32_t sx, uint32_t py, uint32_t px) {
  WorkloadLayer L;
  L.name = "conv";
  L.inputs = {"data"};
  L.in_shape = {c, h, w};
  L.kh = kh, L.kw = kw, L.sy = sy, L.sx = sx, L.py = py, L.px = px;
  L.out_shape = {f, (h + 2 * py - kh) / sy + 1, (w + 2 * px - kw) / sx + 1};
  const auto wv = values(uint64_t{f} * c * kh * kw, f * 31 + kh, -128, 127);
  L.weights.assign(wv.begin(), wv.end());
  L.bias.assign(f, 0);
  L.pa = 8, L.pw = 8, L.out_prec = 16;
  return L;
}

}  // namespace

TEST_CASE("compiler: space-to-depth re-arranges a 1-channel 3x3 stride-2 kernel as worked out by hand") {
  // 1 x 5 x 5 input, kernel 3x3, stride 2, pad 1: OH = (5 + 2 - 3)/2 + 1 = 3.
  WorkloadLayer L = conv(1, 5, 5, 1, 3, 3, 2, 2, 1, 1);
  for (int i = 0; i < 9; ++i) L.weights[i] = static_cast<int16_t>(i + 1);  // w[ky][kx] = 3*ky + kx + 1
  const WorkloadLayer d = space_to_depth_layer(L);
  CHECK(d.in_shape.c == 4);  // channel = dy*2 + dx
  CHECK(d.kh == 2);          // ceil(3/2)
  CHECK(d.kw == 2);
  CHECK(d.in_shape.h == 4);  // OH + KH' - 1 = 3 + 1
  CHECK(d.in_shape.w == 4);
  CHECK((d.sy == 1 && d.sx == 1 && d.py == 0 && d.px == 0));
  CHECK(d.out_shape.h == 3);
  // W'[channel dy*2+dx][KY][KX] = w[2KY+dy][2KX+dx], 0 where 2K+d >= 3.
  const std::vector<int16_t> expected{
      1, 3, 7, 9,  // dy=0 dx=0: w[0][0] w[0][2] w[2][0] w[2][2]
      2, 0, 8, 0,  // dy=0 dx=1: w[0][1] -, w[2][1] -
      4, 6, 0, 0,  // dy=1 dx=0: w[1][0] w[1][2] - -
      5, 0, 0, 0,  // dy=1 dx=1: w[1][1]
  };
  CHECK(d.weights == expected);

  // Input 5x5 = 1..25; padded 7x7, block (Y, X) channel (dy, dx) = padded[2Y+dy][2X+dx].
  std::vector<int32_t> in(25);
  for (int i = 0; i < 25; ++i) in[i] = i + 1;
  const std::vector<int32_t> relaid = space_to_depth_input(L, in);
  REQUIRE(relaid.size() == 4 * 4 * 4);
  // Channel 0 (dy=0, dx=0): padded rows 0,2,4,6 cols 0,2,4,6 -> row 0 and col 0 are padding,
  // padded[2][2] = in[1][1] = 7, padded[6][*] is padding (input rows 0..4 = padded 1..5).
  CHECK(std::vector<int32_t>(relaid.begin(), relaid.begin() + 16) ==
        std::vector<int32_t>{0, 0, 0, 0, 0, 7, 9, 0, 0, 17, 19, 0, 0, 0, 0, 0});
  // Channel 3 (dy=1, dx=1): padded[2Y+1][2X+1] = in[2Y][2X] for Y, X <= 2.
  CHECK(std::vector<int32_t>(relaid.begin() + 48, relaid.end()) ==
        std::vector<int32_t>{1, 3, 5, 0, 11, 13, 15, 0, 21, 23, 25, 0, 0, 0, 0, 0});
}

TEST_CASE("compiler: space-to-depth gives the original layer's sums on awkward shapes") {
  struct Case {
    uint32_t c, h, w, f, kh, kw, sy, sx, py, px;
  };
  const std::vector<Case> cases{
      {3, 227, 227, 4, 11, 11, 4, 4, 0, 0},  // AlexNet conv1 shape (4 filters)
      {3, 13, 11, 5, 3, 3, 2, 2, 1, 1},      // odd sizes, padding
      {1, 9, 7, 2, 5, 5, 4, 4, 2, 2},        // stride 4, kernel not a multiple
      {5, 15, 17, 3, 7, 7, 2, 2, 3, 3},      // kernel 7 stride 2 (ResNet-like stem)
      {2, 8, 8, 3, 2, 2, 2, 2, 0, 0},        // kernel = stride: 1x1 after re-layout
      {3, 10, 12, 2, 1, 1, 2, 2, 0, 0},      // kernel < stride
      {4, 12, 9, 3, 3, 5, 2, 3, 1, 2},       // different strides and pads per axis
      {15, 7, 7, 2, 3, 3, 3, 3, 1, 1},       // 15 channels, stride 3
      {2, 6, 6, 2, 5, 5, 4, 4, 3, 3},        // padding > stride/2, output 2x2
  };
  for (const Case& k : cases) {
    INFO("C=" << k.c << " H=" << k.h << " W=" << k.w << " K=" << k.kh << "x" << k.kw << " s=" << k.sy << "x"
              << k.sx << " pad=" << k.py << "x" << k.px);
    const WorkloadLayer L = conv(k.c, k.h, k.w, k.f, k.kh, k.kw, k.sy, k.sx, k.py, k.px);
    const auto in = values(L.in_shape.elements(), k.h * 7 + k.c, -100, 100);  // signed: zero is not the minimum
    const WorkloadLayer d = space_to_depth_layer(L);
    CHECK(d.in_shape.c == k.c * k.sy * k.sx);
    CHECK(d.kh == (k.kh + k.sy - 1) / k.sy);
    CHECK(d.kw == (k.kw + k.sx - 1) / k.sx);
    CHECK(d.out_shape.h == L.out_shape.h);
    CHECK(d.out_shape.w == L.out_shape.w);
    // The device layer's output size from its own shape (no padding, stride 1).
    CHECK(d.in_shape.h - d.kh + 1 == L.out_shape.h);
    CHECK(d.in_shape.w - d.kw + 1 == L.out_shape.w);
    CHECK(conv_sums(d, space_to_depth_input(L, in)) == conv_sums(L, in));
  }
}

TEST_CASE("compiler: space-to-depth applies only to a strided conv with < 16 channels reading the network input, when it saves steps") {
  Workload w;
  w.input_name = "data";
  w.input_shape = {3, 9, 9};
  w.input.assign(243, 1);
  w.layers.push_back(conv(3, 9, 9, 2, 3, 3, 2, 2, 1, 1));
  CHECK(space_to_depth_applies(w, 0));

  Workload wide = w;  // 16 channels fill a brick
  wide.layers[0] = conv(16, 9, 9, 2, 3, 3, 2, 2, 1, 1);
  CHECK_FALSE(space_to_depth_applies(wide, 0));
  Workload stride1 = w;
  stride1.layers[0] = conv(3, 9, 9, 2, 3, 3, 1, 1, 1, 1);
  CHECK_FALSE(space_to_depth_applies(stride1, 0));
  Workload no_gain = w;  // 5 channels, 1x1 kernel, stride 2: 20 channels = 2 bricks x 1 > 1 brick x 1
  no_gain.layers[0] = conv(5, 9, 9, 2, 1, 1, 2, 2, 0, 0);
  CHECK_FALSE(space_to_depth_applies(no_gain, 0));
  Workload alexnet_like = w;  // 3 channels 11x11 stride 4: 3 bricks x 9 < 1 brick x 121
  alexnet_like.layers[0] = conv(3, 227, 227, 2, 11, 11, 4, 4, 0, 0);
  CHECK(space_to_depth_applies(alexnet_like, 0));
  Workload grouped = w;
  grouped.layers[0].groups = 3;
  CHECK_FALSE(space_to_depth_applies(grouped, 0));
  Workload mid = w;  // reads another layer's output, not the network input
  mid.layers[0].inputs = {"conv0"};
  CHECK_FALSE(space_to_depth_applies(mid, 0));
  Workload two_readers = w;  // a second layer also reads the network input
  two_readers.layers.push_back(two_readers.layers[0]);
  two_readers.layers[1].name = "other";
  CHECK_FALSE(space_to_depth_applies(two_readers, 0));

  const CompiledWorkload on = compile_workload(w, {true});
  REQUIRE(on.replaced[0].has_value());
  CHECK(on.relayout[0].space_to_depth);
  CHECK(on.input_shape.c == 12);
  REQUIRE(on.input.has_value());
  CHECK(on.input->size() == on.input_shape.elements());
  const CompiledWorkload off = compile_workload(w, {false});
  CHECK_FALSE(off.replaced[0].has_value());
  CHECK_FALSE(off.relayout[0].space_to_depth);
  CHECK(&off.layer(w, 0) == &w.layers[0]);
  CHECK(&off.input_values(w) == &w.input);
}

namespace {

// A bundle whose first conv (3 channels, 7x7, stride 2, pad 3, odd 23x21
// input, signed) qualifies for the re-layout, followed by a 3x3 conv.
std::string write_bundle(const TempDir& dir) {
  write_text(dir / "network.json", R"({
  "format": "loomvp-workload", "version": 1, "name": "s2d-test",
  "input": {"name": "data", "shape": [3, 23, 21], "prec": 7, "signed": true,
            "data": {"uniform": {"seed": 5, "low": -64, "high": 63}}},
  "layers": [
    {"name": "stem", "type": "conv", "input": "data", "filters": 20, "kernel": [7, 7], "stride": [2, 2],
     "pad": [3, 3], "pa": 7, "pw": 6, "out_prec": 8, "shift": 7, "relu": true,
     "weights": {"uniform": {"seed": 6, "low": -32, "high": 31}}, "bias": {"uniform": {"seed": 7, "low": -500, "high": 500}}},
    {"name": "conv2", "type": "conv", "input": "stem", "filters": 9, "kernel": [3, 3], "stride": [1, 1],
     "pad": [1, 1], "pa": 8, "pw": 5, "out_prec": 8, "shift": 8, "relu": true,
     "weights": {"uniform": {"seed": 8, "low": -16, "high": 15}}, "bias": {"uniform": {"seed": 9, "low": -50, "high": 50}}}
  ]
})");
  return dir.str();
}

void check_run(bool space_to_depth, const std::string& engine) {
  TempDir dir;
  RunOptions options;
  options.workload = write_bundle(dir);
  options.engine = engine;
  options.overrides = {std::string("compiler.space_to_depth=") + (space_to_depth ? "true" : "false")};
  const RunResult r = run_workload(options);
  REQUIRE(r.layers.size() == 2);
  CHECK(r.firmware_exited);
  for (const LayerResult& l : r.layers) {
    INFO(l.layer->name);
    CHECK(l.ran);
    CHECK(l.mismatches == 0);  // against the golden reference of the ORIGINAL layer
  }
  const LayerResult& stem = r.layers[0];
  CHECK(stem.layer->name == "stem");  // statistics name the original layer
  CHECK(stem.layer->kh == 7);
  CHECK(stem.relayout.space_to_depth == space_to_depth);
  CHECK_FALSE(r.layers[1].relayout.space_to_depth);
  if (space_to_depth) {
    // 3*2*2 = 12 channels over OH + KH' - 1 = 12 + 3 = 15 rows (OH = (23+6-7)/2+1 = 12),
    // OW = (21+6-7)/2+1 = 11 -> 14 columns; kernel ceil(7/2) = 4.
    CHECK(stem.relayout.device_in_shape.c == 12);
    CHECK(stem.relayout.device_in_shape.h == 15);
    CHECK(stem.relayout.device_in_shape.w == 14);
    CHECK(stem.relayout.device_kh == 4);
    // The device reads the re-laid input: 15*14 positions x 1 brick x 7 planes x 2 B.
    CHECK(stem.record.dram_bytes_read >= uint64_t{15} * 14 * 7 * 2);
  }
  CHECK(r.passed());
}

}  // namespace

TEST_CASE("compiler: a run with space-to-depth on matches the original layers' golden reference (lm1b)") {
  check_run(true, "lm1b");
}
TEST_CASE("compiler: a run with space-to-depth on matches the original layers' golden reference (base)") {
  check_run(true, "base");
}
TEST_CASE("compiler: a run with space-to-depth off leaves the layer as it is") { check_run(false, "lm1b"); }
