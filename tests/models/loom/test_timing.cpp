// Timing formulas on hand-computed cases (docs/timing-model.md).
#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

#include "models/loom/timing.h"

using namespace loomvp;

namespace {

LayerDesc conv(uint32_t c, uint32_t hw, uint32_t f, uint32_t k, uint32_t pad, uint32_t groups, uint32_t pa,
               uint32_t pw) {
  LayerDesc d;
  d.type = LayerType::Conv;
  d.in_c = c;
  d.in_h = d.in_w = hw;
  d.out_c = f;
  d.kh = d.kw = k;
  d.py = d.px = pad;
  d.groups = groups;
  d.out_h = d.out_w = hw + 2 * pad - k + 1;
  d.pa = pa;
  d.pw = pw;
  d.po = 8;
  return d;
}

uint64_t cycles(const LayerDesc& d, Engine e, bool dynamic = false, const int32_t* input = nullptr) {
  return compute_timing(d, engine_spec(e), dynamic, input).cycles;
}

}  // namespace

TEST_CASE("conv cycles per engine with partial blocks and groups") {
  // 20 channels 8x8 -> 40 filters, 3x3 pad 1, 2 groups: 64 windows, Fg 20, Cg 10 (1 brick).
  const LayerDesc d = conv(20, 8, 40, 3, 1, 2, 8, 9);
  CHECK(cycles(d, Engine::Base) == 64 * 3 * 9 * 1 * 2);              // ceil(20/8) = 3
  CHECK(cycles(d, Engine::Stripes) == 4 * 3 * 9 * 1 * 2 * 8);        // 16 windows per step, pa cycles
  CHECK(cycles(d, Engine::Lm1b) == 4 * 1 * 9 * 1 * 2 * (8 * 9));     // ceil(pa/1) * pw
  CHECK(cycles(d, Engine::Lm2b) == 8 * 1 * 9 * 1 * 2 * (4 * 9));     // 8 windows per step, ceil(8/2)
  CHECK(cycles(d, Engine::Lm4b) == 16 * 1 * 9 * 1 * 2 * (2 * 9));    // 4 windows per step, ceil(8/4)
}

TEST_CASE("full blocks: Loom's conv speedup over base is 256 / (Pa * Pw)") {
  // 32 channels (2 bricks), 4x4 map, 1x1 kernel: 16 windows, 128 filters.
  CHECK(cycles(conv(32, 4, 128, 1, 0, 1, 16, 16), Engine::Base) == 16 * 16 * 2);
  CHECK(cycles(conv(32, 4, 128, 1, 0, 1, 16, 16), Engine::Lm1b) == 16 * 16 * 2);
  const uint64_t base = cycles(conv(32, 4, 128, 1, 0, 1, 4, 2), Engine::Base);
  const uint64_t loom = cycles(conv(32, 4, 128, 1, 0, 1, 4, 2), Engine::Lm1b);
  CHECK(base == 512);
  CHECK(base / loom == 256 / (4 * 2));
}

TEST_CASE("dynamic precision trims pa per group of values a step reads") {
  // 1x1 conv over 16 channels, 1 x 32 map: windows 0-15 hold values <= 3
  // (2 bits), windows 16-31 are zero (1 bit minimum). Pa = 8, Pw = 4.
  LayerDesc d = conv(16, 1, 128, 1, 0, 1, 8, 4);
  d.in_w = 32;
  d.out_w = 32;
  std::vector<int32_t> input(16 * 32, 0);
  for (uint32_t ch = 0; ch < 16; ++ch)
    for (uint32_t x = 0; x < 16; ++x) input[ch * 32 + x] = (ch + x) % 4;
  const ComputeTiming lm1b = compute_timing(d, engine_spec(Engine::Lm1b), true, input.data());
  CHECK(lm1b.cycles == 2 * 4 + 1 * 4);  // ceil(2/1)*4 + ceil(1/1)*4
  CHECK(lm1b.pa_dynamic_avg == Approx(1.5));
  CHECK(cycles(d, Engine::Lm2b, true, input.data()) == 4 * (1 * 4));  // 4 groups of 8 windows, 1 slice each
  CHECK(cycles(d, Engine::Lm4b, true, input.data()) == 8 * (1 * 4));
  CHECK(cycles(d, Engine::Lm1b, false, input.data()) == 2 * 8 * 4);   // without trimming: Pa
  // Never above the programmed Pa, even for a value that needs more.
  input[0] = 1000;
  CHECK(cycles(d, Engine::Lm1b, true, input.data()) == 8 * 4 + 1 * 4);
}

TEST_CASE("signed activations need one more bit than their magnitude") {
  CHECK(precision_needed(0, false) == 1);
  CHECK(precision_needed(0, true) == 1);
  CHECK(precision_needed(3, false) == 2);
  CHECK(precision_needed(3, true) == 3);   // -4..3
  CHECK(precision_needed(255, false) == 8);
  CHECK(precision_needed(0x7FFF, true) == 16);

  LayerDesc d = conv(16, 1, 128, 1, 0, 1, 8, 1);
  d.in_w = d.out_w = 16;
  d.in_signed = true;
  std::vector<int32_t> input(16 * 16, 0);
  input[5] = -4;  // needs 3 bits signed
  input[7] = 3;
  CHECK(cycles(d, Engine::Lm1b, true, input.data()) == 3);
}

TEST_CASE("fc cycles: Loom pays pw per block of 128 filters x 16 inputs plus the drain") {
  LayerDesc d;
  d.type = LayerType::Fc;
  d.in_c = 100;  // 7 bricks
  d.in_h = d.in_w = 1;
  d.kh = d.kw = 1;
  d.out_c = 300;  // 3 blocks of 128
  d.out_h = d.out_w = 1;
  d.pa = 5;
  d.pw = 6;
  CHECK(cycles(d, Engine::Lm1b) == 3 * 7 * 6 + 6 * 5);
  CHECK(cycles(d, Engine::Lm4b) == 3 * 7 * 6 + 6 * 2);  // drain ceil(5/4) = 2 slices
  CHECK(cycles(d, Engine::Base) == 38 * 7);               // ceil(300/8) x 7
  CHECK(cycles(d, Engine::Stripes) == 38 * 7);            // fc runs at baseline speed
  // Speedup over base at full blocks tends to 16 / Pw.
  d.in_c = 16 * 64;
  d.out_c = 128 * 8;
  d.pw = 4;
  const double speedup = double(cycles(d, Engine::Base)) / cycles(d, Engine::Lm1b);
  CHECK(speedup == Approx(16.0 / 4).epsilon(0.02));
}

TEST_CASE("pool and add cycles are the same on every engine") {
  LayerDesc pool = conv(20, 9, 20, 3, 0, 1, 8, 0);
  pool.type = LayerType::MaxPool;
  pool.sy = pool.sx = 2;
  pool.out_h = pool.out_w = 4;  // 16 windows
  LayerDesc add = conv(20, 8, 20, 1, 0, 1, 8, 0);
  add.type = LayerType::Add;
  for (Engine e : {Engine::Base, Engine::Stripes, Engine::Lm1b, Engine::Lm2b, Engine::Lm4b}) {
    CHECK(cycles(pool, e) == 1 * 2 * 9);
    CHECK(cycles(add, e) == 4 * 2);
  }
}

TEST_CASE("engine names parse and unknown ones do not") {
  CHECK(parse_engine("lm2b") == Engine::Lm2b);
  CHECK_FALSE(parse_engine("lm8b"));
  CHECK(engine_spec(Engine::Stripes).stored_weight_prec == 16);
  CHECK(engine_spec(Engine::Base).stored_act_prec == 16);
}

TEST_CASE("an engine value no engine has is an error, not a silent fallback to base") {
  CHECK_THROWS_AS(engine_spec(static_cast<Engine>(7)), std::invalid_argument);
  CHECK(engine_spec(Engine::Lm4b).act_bits_per_cycle == 4);
}

TEST_CASE("a larger dynamic precision group trims to the precision of the whole group") {
  // 1x1 conv over 16 channels, 1 x 48 map on lm1b (16 windows per step):
  // windows 0-15 need 2 bits, 16-31 need 3 bits (value 4), 32-47 are zero.
  LayerDesc d = conv(16, 1, 128, 1, 0, 1, 8, 4);
  d.in_w = d.out_w = 48;
  std::vector<int32_t> input(16 * 48, 0);
  for (uint32_t x = 0; x < 16; ++x) input[x] = 3;
  input[20] = 4;
  const EngineSpec& lm1b = engine_spec(Engine::Lm1b);
  CHECK(compute_timing(d, lm1b, true, input.data()).cycles == (2 + 3 + 1) * 4);       // per step
  CHECK(compute_timing(d, lm1b, true, input.data(), 8).cycles == (2 + 3 + 1) * 4);    // smaller: still per step
  CHECK(compute_timing(d, lm1b, true, input.data(), 32).cycles == (3 + 3 + 1) * 4);   // windows 0-31 share 3 bits
  // Groups of 24: step 0 lies in windows 0-23 (3 bits: window 20), step 1 spans both
  // groups (3 bits), step 2 lies in windows 24-47 (zero: 1 bit).
  CHECK(compute_timing(d, lm1b, true, input.data(), 24).cycles == (3 + 3 + 1) * 4);
  CHECK(compute_timing(d, lm1b, true, input.data(), 64).cycles == (3 + 3 + 3) * 4);   // one group
  CHECK(compute_timing(d, lm1b, true, input.data(), 64).pa_dynamic_avg == Approx(3.0));
}
