// Whole runs with loom.weight_group_precision=true on awkward shapes (F not a
// multiple of 128, C not a multiple of 16, a grouped conv with 130 filters per
// group, an fc split into input chunks by a small weight buffer) whose weights
// need different precisions per group: outputs bit-exact on every engine, and
// on lm1b the weight traffic and pw_group_avg equal what plain loops over the
// weight tensors here give.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "platform/runner.h"
#include "test_helpers.h"

using namespace loomvp;
using loomvp_test::TempDir;
using loomvp_test::write_npy;
using loomvp_test::write_text;

namespace {

struct WeightSpec {
  const char* name;
  uint32_t f, cg, k, groups, pw;
};
// conv_a 20 -> 200, 3x3; conv_g 200 -> 260 in 2 groups, 1x1; fc 260 x 9 x 7 -> 130.
const WeightSpec kLayers[] = {{"conv_a", 200, 20, 9, 1, 7}, {"conv_g", 260, 100, 1, 2, 6}, {"fc", 130, 260, 63, 1, 8}};

// Magnitude by filter block, kernel position and brick, so groups differ (some all zero).
std::vector<int64_t> weights(const WeightSpec& s) {
  std::vector<int64_t> w(uint64_t{s.f} * s.cg * s.k);
  uint64_t state = s.f;
  const uint32_t fg = s.f / s.groups;
  for (uint32_t f = 0; f < s.f; ++f)
    for (uint32_t c = 0; c < s.cg; ++c)
      for (uint32_t p = 0; p < s.k; ++p) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        const uint32_t bits = ((f % fg) / 128 * 3 + p + c / 16) % s.pw;
        const int64_t bound = bits ? int64_t{1} << (bits - 1) : 0;
        w[(uint64_t{f} * s.cg + c) * s.k + p] = bits ? int64_t((state >> 33) % uint64_t(2 * bound)) - bound : 0;
      }
  return w;
}

std::string write_bundle(const TempDir& dir) {
  for (const WeightSpec& s : kLayers) {
    const std::vector<uint64_t> shape = s.k == 63 ? std::vector<uint64_t>{s.f, s.cg, 9, 7}
                                                  : std::vector<uint64_t>{s.f, s.cg, s.k == 9 ? 3u : 1u, s.k == 9 ? 3u : 1u};
    write_npy(dir / (std::string("data/") + s.name + ".npy"), shape, weights(s), 2);
  }
  write_text(dir / "network.json", R"({
  "format": "loomvp-workload", "version": 1, "name": "weight-groups-test",
  "input": {"name": "data", "shape": [20, 9, 7], "prec": 7, "signed": false,
            "data": {"uniform": {"seed": 3, "low": 0, "high": 127}}},
  "layers": [
    {"name": "conv_a", "type": "conv", "input": "data", "filters": 200, "kernel": [3, 3], "pad": [1, 1],
     "pa": 7, "pw": 7, "out_prec": 6, "shift": 9, "relu": true, "weights": {"file": "data/conv_a.npy"},
     "bias": {"uniform": {"seed": 4, "low": -300, "high": 300}}},
    {"name": "conv_g", "type": "conv", "input": "conv_a", "filters": 260, "kernel": [1, 1], "groups": 2,
     "pa": 6, "pw": 6, "out_prec": 5, "shift": 7, "relu": true, "weights": {"file": "data/conv_g.npy"}},
    {"name": "fc", "type": "fc", "input": "conv_g", "outputs": 130, "pa": 5, "pw": 8, "out_prec": 12,
     "out_signed": true, "shift": 6, "weights": {"file": "data/fc.npy"}}
  ]
})");
  return dir.str();
}

RunResult run(const std::string& engine, std::vector<std::string> overrides) {
  TempDir dir;
  RunOptions options;
  options.workload = write_bundle(dir);
  options.engine = engine;
  overrides.push_back("loom.weight_group_precision=true");
  options.overrides = overrides;
  RunResult r = run_workload(options);
  REQUIRE(r.layers.size() == 3);
  for (const LayerResult& l : r.layers) {
    INFO(l.layer->name);
    CHECK(l.ran);
    CHECK(l.mismatches == 0);
  }
  CHECK(r.passed());
  return r;
}

// A 40,000-byte weight buffer on Loom: fc in input chunks (base and stripes
// store 16-bit weights: conv_g needs 59,280 bytes).
void check_engine(const std::string& engine) {
  const bool loom = engine.compare(0, 2, "lm") == 0;
  const RunResult r = run(engine, {loom ? "loom.weight_buffer_bytes=40000" : "loom.weight_buffer_bytes=60000"});
  if (loom) CHECK(r.layers[2].record.tiles > 1);
}

uint32_t bits_for(int64_t v) {
  uint32_t p = 1;
  while (v < -(int64_t{1} << (p - 1)) || v > (int64_t{1} << (p - 1)) - 1) ++p;
  return p;
}

}  // namespace

TEST_CASE("weight groups: bit-exact on lm1b with a small weight buffer") { check_engine("lm1b"); }
TEST_CASE("weight groups: bit-exact on lm2b with a small weight buffer") { check_engine("lm2b"); }
TEST_CASE("weight groups: bit-exact on lm4b with a small weight buffer") { check_engine("lm4b"); }
TEST_CASE("weight groups: bit-exact on stripes with a small weight buffer") { check_engine("stripes"); }
TEST_CASE("weight groups: bit-exact on base with a small weight buffer") { check_engine("base"); }

TEST_CASE("weight groups: lm1b compute cycles - weight traffic and pw_group_avg follow the Pw_g of plain loops") {
  const RunResult r = run("lm1b", {"loom.dynamic_precision=false"});
  const uint32_t pa[3] = {7, 6, 5};
  for (size_t i = 0; i < 3; ++i) {
    const WeightSpec& s = kLayers[i];
    const std::vector<int64_t> w = weights(s);
    const uint32_t fg = s.f / s.groups, bricks = (s.cg + 15) / 16;
    uint64_t entries = 0, planes = 0, weighted = 0, pw_sum = 0, last = 0;
    for (uint32_t g = 0; g < s.groups; ++g)
      for (uint32_t f0 = g * fg; f0 < (g + 1) * fg; f0 += 128)
        for (uint32_t p = 0; p < s.k; ++p)
          for (uint32_t b = 0; b < bricks; ++b) {
            const uint32_t f1 = std::min(f0 + 128, (g + 1) * fg), c1 = std::min(s.cg, b * 16 + 16);
            uint32_t need = 1;
            for (uint32_t f = f0; f < f1; ++f)
              for (uint32_t c = b * 16; c < c1; ++c) need = std::max(need, bits_for(w[(uint64_t{f} * s.cg + c) * s.k + p]));
            ++entries;
            pw_sum += need;
            last = need;
            planes += uint64_t{f1 - f0} * need * 2;
            weighted += uint64_t{f1 - f0} * (c1 - b * 16) * need;
          }
    const LayerResult& l = r.layers[i];
    INFO(s.name);
    CHECK(l.stored_pw == s.pw);
    // Each step at its group's Pw_g (docs/timing-model.md 3.6): conv over ceil(63/16) = 4 window
    // blocks at PA slices; fc one step per group plus the last group's drain of PA slices.
    CHECK(l.record.compute_cycles == (i < 2 ? pw_sum * 4 * pa[i] : pw_sum + last * pa[i]));
    // Default buffers hold each layer's weights: read once, table entries then planes.
    CHECK(l.record.dram_bytes[static_cast<uint32_t>(TensorKind::Weights)] == entries + planes);
    CHECK(planes < uint64_t{s.f} * s.k * bricks * s.pw * 2);
    CHECK(l.record.pw_group_avg == Approx(double(weighted) / (uint64_t{s.f} * s.cg * s.k)));
  }
}
