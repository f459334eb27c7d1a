// Tiling plans on hand-computed cases (docs/timing-model.md section 1.1), and
// the split of compute cycles over tiles against compute_timing's totals.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "models/loom/tiling.h"

using namespace loomvp;

namespace {

constexpr uint32_t kIn = 0x80000000u, kWeights = 0x80100000u, kBias = 0x80200000u, kOut = 0x80300000u;

LayerDesc conv(uint32_t c, uint32_t hw, uint32_t f, uint32_t k, uint32_t stride, uint32_t pad, uint32_t groups,
               uint32_t pa, uint32_t pw, uint32_t po) {
  LayerDesc d;
  d.type = LayerType::Conv;
  d.in_addr = kIn, d.weight_addr = kWeights, d.bias_addr = kBias, d.out_addr = kOut;
  d.in_c = c;
  d.in_h = d.in_w = hw;
  d.out_c = f;
  d.kh = d.kw = k;
  d.sy = d.sx = stride;
  d.py = d.px = pad;
  d.groups = groups;
  d.out_h = d.out_w = (hw + 2 * pad - k) / stride + 1;
  d.pa = pa, d.pw = pw, d.po = po, d.sat_prec = po;
  return d;
}

uint64_t kind_bytes(const TilePlan& p, TensorKind k) { return p.bytes[static_cast<uint32_t>(k)]; }

// Every output byte is stored exactly once, from the same place of the
// packed output image (a whole tensor: the image has the DRAM layout).
void check_output_coverage(const TilePlan& p, const LayerDesc& d) {
  std::vector<int> written(d.output_bytes(), 0);
  for (const Tile& t : p.tiles)
    for (const Transfer& x : t.stores)
      for (uint64_t k = 0; k < x.count; ++k)
        for (uint64_t b = 0; b < x.bytes; ++b) {
          const uint64_t dram = x.address - d.out_addr + k * x.stride + b;
          REQUIRE(x.image_offset + k * x.image_stride + b == dram);
          ++written.at(dram);
        }
  for (size_t i = 0; i < written.size(); ++i) REQUIRE(written[i] == 1);
}

}  // namespace

TEST_CASE("conv: filter chunks x one-row bands, weights stationary because it moves fewer bytes") {
  // 32 channels (2 bricks) 8x8, 256 filters 3x3 pad 1, pa 4, pw 2, po 3 on lm1b (128-filter blocks).
  const LayerDesc d = conv(32, 8, 256, 3, 1, 1, 1, 4, 2, 3);
  // Per filter: 9 positions x 2 bricks x 2 planes x 2 B = 72 B + 4 B bias; 128 filters = 9728 B.
  // Input: 2 bricks x 4 planes x 2 B = 16 B per pixel, 128 B per row.
  // Output of 128 filters: 8 bricks x 3 planes x 2 B = 48 B per pixel, 384 B per row.
  BufferConfig b;
  b.weight_bytes = 19455;     // all 256 filters (19456 B) do not fit; one block of 128 does, once
  b.activation_bytes = 1024;  // the whole input would fit...
  b.output_bytes = 1024;      // ...but not the whole output (3072 B): one row per tile, double buffered
  const TilePlan p = plan_tiles(d, engine_spec(Engine::Lm1b), b);
  REQUIRE(p.error == LOOM_ERR_NONE);
  CHECK(p.filters_per_tile == 128);
  CHECK(p.rows_per_tile == 1);
  CHECK(p.tiles.size() == 16);
  CHECK(p.order == LoopOrder::FiltersOuter);
  CHECK(p.slots[static_cast<uint32_t>(Buffer::Weight)] == 1);
  CHECK(p.slots[static_cast<uint32_t>(Buffer::Activation)] == 2);  // largest band: 3 rows = 384 B
  CHECK(p.slots[static_cast<uint32_t>(Buffer::Output)] == 2);
  // Filters outer: weights once, the input (2 + 6 x 3 + 2 = 22 rows with halo) once per block.
  CHECK(kind_bytes(p, TensorKind::Weights) == 256 * 72);
  CHECK(kind_bytes(p, TensorKind::Bias) == 256 * 4);
  CHECK(kind_bytes(p, TensorKind::Input) == 2 * 22 * 128);
  CHECK(kind_bytes(p, TensorKind::Output) == 8 * 8 * 16 * 3 * 2);
  CHECK(p.bytes_read() == 18432 + 1024 + 5632);  // rows outer would read 2816 + 8 x 19456
  // Tile 1: block 0, output row 1 reads input rows 0..2 and writes 8 pieces of 48 B, 96 B apart.
  const Tile& t = p.tiles[1];
  CHECK(t.row_begin == 1);
  CHECK(t.filter_end == 128);
  REQUIRE(t.loads.size() == 1);  // the weights stay
  CHECK(t.loads[0].address == kIn);
  CHECK(t.loads[0].total() == 3 * 128);
  REQUIRE(t.stores.size() == 1);
  CHECK(t.stores[0].address == kOut + 8 * 96);
  CHECK(t.stores[0].bytes == 48);
  CHECK(t.stores[0].count == 8);
  CHECK(t.stores[0].stride == 96);
  CHECK(p.tiles[8].stores[0].address == kOut + 48);  // second block: bricks 8..15
  check_output_coverage(p, d);
}

TEST_CASE("conv: rows outer when re-reading the input would cost more than re-reading the weights") {
  // 16 channels 32x32, 32 filters 1x1 on base (16-filter chunks): small weights, big input.
  const LayerDesc d = conv(16, 32, 32, 1, 1, 0, 1, 16, 16, 16);
  BufferConfig b;
  b.weight_bytes = 1000;         // per filter 16 planes x 2 B + 4 B = 36 B; 32 filters = 1152 B: two chunks of 16
  b.activation_bytes = 32 * 1024;
  b.output_bytes = 32 * 32 * 32;  // 32 B per pixel per 16-filter chunk: whole chunk output fits
  const TilePlan p = plan_tiles(d, engine_spec(Engine::Base), b);
  REQUIRE(p.error == LOOM_ERR_NONE);
  CHECK(p.filters_per_tile == 16);
  // Input 32 KiB fits once: one band, so rows outer = filters outer; with a
  // smaller activation buffer the orders differ.
  CHECK(p.order == LoopOrder::FiltersOuter);
  CHECK(kind_bytes(p, TensorKind::Input) == 32 * 32 * 32);

  b.activation_bytes = 8 * 1024;  // 8 input rows of 1 KiB per band, double buffered: 4 rows
  const TilePlan q = plan_tiles(d, engine_spec(Engine::Base), b);
  REQUIRE(q.error == LOOM_ERR_NONE);
  CHECK(q.rows_per_tile == 4);
  CHECK(q.order == LoopOrder::RowsOuter);  // input once (32 KiB) + weights 8 times (8 x 1152 B)
  CHECK(kind_bytes(q, TensorKind::Input) == 32 * 1024);
  CHECK(kind_bytes(q, TensorKind::Weights) + kind_bytes(q, TensorKind::Bias) == 8 * 32 * 36);
  check_output_coverage(q, d);
}

TEST_CASE("fc: filter blocks x input chunks, the input resident") {
  // 64 channels x 2 x 2 = 16 bricks of input; 256 filters; pa 8, pw 4, po 8 on lm1b.
  LayerDesc d;
  d.type = LayerType::Fc;
  d.in_addr = kIn, d.weight_addr = kWeights, d.bias_addr = kBias, d.out_addr = kOut;
  d.in_c = 64, d.in_h = 2, d.in_w = 2, d.kh = 2, d.kw = 2;
  d.out_c = 256, d.out_h = d.out_w = 1;
  d.pa = 8, d.pw = 4, d.po = 8, d.sat_prec = 8;
  BufferConfig b;
  // One block's weights per brick: 128 x 8 B; tile bound 128 x (8 j + 4) <= 9216 / 2 gives j = 4.
  b.weight_bytes = 9216;
  b.activation_bytes = 1024;  // input 16 x 16 B = 256 B: resident
  b.output_bytes = 4096;
  TilePlan p = plan_tiles(d, engine_spec(Engine::Lm1b), b);
  REQUIRE(p.error == LOOM_ERR_NONE);
  CHECK(p.bricks_per_tile == 4);
  CHECK(p.filters_per_tile == 128);
  CHECK(p.tiles.size() == 8);
  CHECK(kind_bytes(p, TensorKind::Input) == 256);
  CHECK(kind_bytes(p, TensorKind::Weights) == 256 * 16 * 8);
  CHECK(kind_bytes(p, TensorKind::Bias) == 1024);
  CHECK(kind_bytes(p, TensorKind::Output) == 16 * 8 * 2);
  // Tile 1: filters 0..127, bricks 4..7: 128 pieces of 32 B, one filter (128 B) apart; no store yet.
  const Tile& t = p.tiles[1];
  REQUIRE(t.loads.size() == 1);
  CHECK(t.loads[0].address == kWeights + 4 * 8);
  CHECK(t.loads[0].bytes == 32);
  CHECK(t.loads[0].count == 128);
  CHECK(t.loads[0].stride == 128);
  CHECK(t.stores.empty());
  CHECK(p.tiles[3].stores.size() == 1);
  // Cycles: 2 blocks x 16 bricks x pw 4, plus the drain pw x pa = 32 on the last tile.
  const CycleBreakdown c = cycle_breakdown(d, engine_spec(Engine::Lm1b), false, nullptr);
  assign_compute_cycles(p, d, c);
  CHECK(p.tiles[0].compute_cycles == 4 * 4);
  CHECK(p.tiles[7].compute_cycles == 4 * 4 + 32);
  uint64_t sum = 0;
  for (const Tile& tile : p.tiles) sum += tile.compute_cycles;
  CHECK(sum == 2 * 16 * 4 + 32);
}

TEST_CASE("a buffer too small for one output row names its setting and the bytes needed") {
  const LayerDesc d = conv(32, 8, 256, 3, 1, 1, 1, 4, 2, 3);
  BufferConfig b;
  b.activation_bytes = 383;  // one output row reads 3 input rows of 128 B
  TilePlan p = plan_tiles(d, engine_spec(Engine::Lm1b), b);
  CHECK(p.error == LOOM_ERR_BUFFER_TOO_SMALL);
  CHECK(p.short_buffer == Buffer::Activation);
  CHECK(p.needed_bytes == 384);
  CHECK(p.detail.find("loom.activation_buffer_bytes") != std::string::npos);
  b = BufferConfig{};
  b.weight_bytes = 9727;  // one block of 128 filters: 9728 B
  p = plan_tiles(d, engine_spec(Engine::Lm1b), b);
  CHECK(p.short_buffer == Buffer::Weight);
  CHECK(p.needed_bytes == 9728);
  b = BufferConfig{};
  b.output_bytes = 767;  // one row of all 256 filters' output: 8 x 16 x 3 x 2 = 768 B
  p = plan_tiles(d, engine_spec(Engine::Lm1b), b);
  CHECK(p.short_buffer == Buffer::Output);
  CHECK(p.needed_bytes == 768);
}

TEST_CASE("per-tile compute cycles sum to compute_timing exactly, for any buffer size") {
  std::mt19937 rng(7);
  const Engine engines[] = {Engine::Base, Engine::Stripes, Engine::Lm1b, Engine::Lm2b, Engine::Lm4b};
  // Odd sizes, strides, groups and a pool: window blocks straddle row bands.
  std::vector<LayerDesc> layers = {conv(19, 11, 21, 3, 2, 1, 1, 7, 5, 6), conv(48, 9, 96, 5, 1, 2, 2, 6, 9, 5),
                                   conv(3, 23, 40, 7, 3, 0, 1, 8, 8, 7), conv(64, 6, 256, 3, 1, 1, 4, 5, 3, 4)};
  LayerDesc pool = conv(40, 13, 40, 3, 2, 0, 1, 5, 0, 5);
  pool.type = LayerType::MaxPool;
  layers.push_back(pool);
  for (const LayerDesc& d : layers) {
    std::vector<int32_t> input(d.input_elements());
    for (int32_t& v : input) v = static_cast<int32_t>(rng() % (1u << (rng() % d.pa + 1)));
    for (Engine e : engines) {
      const EngineSpec& spec = engine_spec(e);
      const uint64_t expected = compute_timing(d, spec, true, input.data()).cycles;
      const CycleBreakdown c = cycle_breakdown(d, spec, true, input.data());
      for (uint64_t act : {64u, 700u, 4096u, 1u << 20}) {
        BufferConfig b;
        b.activation_bytes = act;
        b.weight_bytes = 1u << 20;
        b.output_bytes = act;
        TilePlan p = plan_tiles(d, spec, b);
        if (p.error) continue;
        assign_compute_cycles(p, d, c);
        uint64_t sum = 0;
        for (const Tile& t : p.tiles) sum += t.compute_cycles;
        CAPTURE(spec.name, d.in_c, act, p.tiles.size());
        CHECK(sum == expected);
        check_output_coverage(p, d);
      }
    }
  }
}
