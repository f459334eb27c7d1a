// Per-filter-group weight precision (models/loom/weight_groups.h): sizes and
// Pw_g worked out by hand, a pack/unpack round trip on awkward shapes, Loom
// compute cycles against the formula summed over groups (computed here with
// plain loops over the weight tensor), and the tiling planner's traffic and
// capacity with the stored layout.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "models/loom/tiling.h"
#include "models/loom/weight_groups.h"

using namespace loomvp;

namespace {

// Smallest two's complement width holding v (independent of precision_needed).
uint32_t bits_for(int32_t v) {
  uint32_t p = 1;
  while (v < -(1 << (p - 1)) || v > (1 << (p - 1)) - 1) ++p;
  return p;
}

LayerDesc conv(uint32_t c, uint32_t hw, uint32_t f, uint32_t k, uint32_t pad, uint32_t groups, uint32_t pa,
               uint32_t pw) {
  LayerDesc d;
  d.type = LayerType::Conv;
  d.in_addr = 0x80000000u, d.weight_addr = 0x80100000u, d.bias_addr = 0x80800000u, d.out_addr = 0x80900000u;
  d.in_c = c;
  d.in_h = d.in_w = hw;
  d.out_c = f;
  d.kh = d.kw = k;
  d.py = d.px = pad;
  d.groups = groups;
  d.out_h = d.out_w = hw + 2 * pad - k + 1;
  d.pa = pa, d.pw = pw, d.po = 8, d.sat_prec = 8;
  d.weight_groups = true;
  return d;
}

LayerDesc fc(uint32_t c, uint32_t h, uint32_t w, uint32_t f, uint32_t pa, uint32_t pw) {
  LayerDesc d = conv(c, 1, f, 1, 0, 1, pa, pw);
  d.type = LayerType::Fc;
  d.in_h = d.kh = h;
  d.in_w = d.kw = w;
  d.out_h = d.out_w = 1;
  return d;
}

// Weights F x Cg x K whose magnitude depends on the filter block and kernel
// position, so the groups need different precisions (some all zero).
std::vector<int16_t> varied_weights(const LayerDesc& d, uint32_t seed) {
  const uint64_t cg = d.in_c_per_group(), k = uint64_t{d.kh} * d.kw, fg = d.out_c_per_group();
  std::vector<int16_t> w(uint64_t{d.out_c} * cg * k);
  uint64_t s = seed;
  for (uint64_t f = 0; f < d.out_c; ++f)
    for (uint64_t c = 0; c < cg; ++c)
      for (uint64_t p = 0; p < k; ++p) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const uint32_t bits = ((f % fg) / 128 + p + c / 16) % d.pw;  // 0: the group is all zero
        const int32_t bound = bits ? (1 << (bits - 1)) : 0;         // values in [-bound, bound - 1]
        w[(f * cg + c) * k + p] = static_cast<int16_t>(bits ? int32_t((s >> 33) % (2 * bound)) - bound : 0);
      }
  return w;
}

// Pw_g of (group, block, kernel position, brick), by plain loops.
uint32_t group_pw(const LayerDesc& d, const std::vector<int16_t>& w, uint32_t g, uint32_t fb, uint64_t k,
                  uint32_t brick) {
  const uint32_t cg = d.in_c_per_group(), fg = d.out_c_per_group(), kernel = d.kh * d.kw;
  uint32_t need = 1;
  for (uint32_t f = g * fg + fb * 128; f < std::min(g * fg + (fb + 1) * 128, (g + 1) * fg); ++f)
    for (uint32_t c = brick * 16; c < std::min(cg, brick * 16 + 16); ++c)
      need = std::max(need, bits_for(w[(uint64_t{f} * cg + c) * kernel + k]));
  return std::min(need, d.pw);
}

WeightGroups detected(const LayerDesc& d, const std::vector<int16_t>& w) {
  WeightGroups groups(d);
  REQUIRE(groups.set_precisions(groups.detect(w.data())));
  return groups;
}

}  // namespace

TEST_CASE("weight groups: Pw_g - table and planes of a small layer by hand") {
  // 130 filters x 20 channels, 1x1, Pw 8: blocks of 128 and 2 filters, bricks of 16 and 4 channels.
  const LayerDesc d = conv(20, 1, 130, 1, 0, 1, 8, 8);
  std::vector<int16_t> w(130 * 20, 0);
  w[5 * 20 + 3] = 3;      // block 0, brick 0: 3 needs 3 bits (signed)
  w[7 * 20 + 15] = -4;    // block 0, brick 0: -4 needs 3 bits
  w[128 * 20 + 2] = -128; // block 1, brick 0: 8 bits
  w[129 * 20 + 17] = 5;   // block 1, brick 1: 4 bits; block 0, brick 1 stays all zero: 1 bit
  const WeightGroups groups = detected(d, w);
  REQUIRE(groups.count() == 4);
  CHECK(groups.precision(groups.index(0, 0, 0, 0)) == 3);
  CHECK(groups.precision(groups.index(0, 0, 0, 1)) == 1);
  CHECK(groups.precision(groups.index(0, 1, 0, 0)) == 8);
  CHECK(groups.precision(groups.index(0, 1, 0, 1)) == 4);
  CHECK(groups.table_bytes() == 64);  // 4 entries padded to one burst
  CHECK(groups.stored_bytes() == 64 + 128 * 3 * 2 + 128 * 1 * 2 + 2 * 8 * 2 + 2 * 4 * 2);
  CHECK(d.weight_table_bytes() == 64);
  // Weighted by the weights each group holds: 128x16, 128x4, 2x16, 2x4.
  CHECK(groups.mean_precision() == Approx((128.0 * 16 * 3 + 128 * 4 * 1 + 2 * 16 * 8 + 2 * 4 * 4) / (130 * 20)));

  std::vector<uint8_t> stored(groups.stored_bytes());
  groups.pack(w.data(), stored.data());
  CHECK(std::vector<uint8_t>(stored.begin(), stored.begin() + 5) == std::vector<uint8_t>{3, 1, 8, 4, 0});
  // Filter 5's brick 0 is the sixth brick of group 0: planes of bit 0..2 of lanes 0..15; lane 3 holds 3 = 0b011.
  const uint8_t* brick5 = stored.data() + 64 + 5 * 3 * 2;
  CHECK((brick5[0] | brick5[1] << 8) == 1 << 3);  // plane 0
  CHECK((brick5[2] | brick5[3] << 8) == 1 << 3);  // plane 1
  CHECK((brick5[4] | brick5[5] << 8) == 0);       // plane 2 (sign)

  WeightGroups wrong(d);
  CHECK_FALSE(wrong.set_precisions({3, 0, 8, 4}));  // 0 is not a precision
  CHECK_FALSE(wrong.set_precisions({3, 1, 9, 4}));  // above the layer's Pw
  CHECK_FALSE(wrong.set_precisions({3, 1, 8}));     // one entry per group
}

TEST_CASE("weight groups: pack then unpack returns the weights on awkward shapes") {
  const LayerDesc layers[] = {
      conv(21, 5, 405, 3, 1, 3, 8, 9),  // 3 groups of 7 channels x 135 filters (128 + 7)
      conv(20, 4, 130, 2, 0, 1, 6, 7),  // Cg 20: a brick of 4 channels
      fc(20, 3, 2, 130, 5, 6),          // fc over 20 x 3 x 2
  };
  for (const LayerDesc& d : layers) {
    const std::vector<int16_t> w = varied_weights(d, d.out_c);
    const WeightGroups groups = detected(d, w);
    // Every group at the precision the plain loops find.
    for (uint32_t g = 0; g < d.groups; ++g)
      for (uint32_t fb = 0; fb < groups.blocks_per_group(); ++fb)
        for (uint64_t k = 0; k < groups.kernel(); ++k)
          for (uint32_t b = 0; b < groups.bricks(); ++b)
            REQUIRE(groups.precision(groups.index(g, fb, k, b)) == group_pw(d, w, g, fb, k, b));
    std::vector<uint8_t> stored(groups.stored_bytes());
    groups.pack(w.data(), stored.data());
    std::vector<int16_t> back(w.size(), 77);
    groups.unpack(stored.data(), back.data());
    CHECK(back == w);
    // Channels last: weight (f, c, k) at (f * kernel + k) * Cg + c, transposed here by plain loops.
    const uint32_t cg = d.in_c_per_group();
    const uint64_t kernel = groups.kernel();
    std::vector<int16_t> last(w.size(), 77), expected_last(w.size());
    for (uint64_t f = 0; f < d.out_c; ++f)
      for (uint64_t c = 0; c < cg; ++c)
        for (uint64_t k = 0; k < kernel; ++k) expected_last[(f * kernel + k) * cg + c] = w[(f * cg + c) * kernel + k];
    groups.unpack_channels_last(stored.data(), last.data());
    CHECK(last == expected_last);
    CHECK(groups.stored_bytes() < WeightGroups(d).stored_bytes());  // some groups below Pw
  }
}

TEST_CASE("weight groups: Loom conv cycles are the formula summed over groups - base and stripes unchanged") {
  const LayerDesc d = conv(21, 6, 405, 3, 1, 3, 7, 9);  // N = 36 windows
  const std::vector<int16_t> w = varied_weights(d, 3);
  const WeightGroups groups = detected(d, w);
  const uint64_t n = uint64_t{d.out_h} * d.out_w;
  for (Engine e : {Engine::Lm1b, Engine::Lm2b, Engine::Lm4b}) {
    const EngineSpec& spec = engine_spec(e);
    // cycles = sum over groups of ceil(N/Q) * K-position's Pw_g * ceil(PA/b) (dynamic precision off)
    uint64_t expected = 0;
    for (uint32_t g = 0; g < d.groups; ++g)
      for (uint32_t fb = 0; fb < 2; ++fb)  // Fg = 135: blocks of 128 and 7
        for (uint64_t k = 0; k < 9; ++k)
          expected += (n + spec.window_columns - 1) / spec.window_columns * group_pw(d, w, g, fb, k, 0) *
                      ((d.pa + spec.act_bits_per_cycle - 1) / spec.act_bits_per_cycle);
    INFO(spec.name);
    const ComputeTiming with = compute_timing(d, spec, false, nullptr, 0, &groups);
    CHECK(with.cycles == expected);
    CHECK(with.cycles < compute_timing(d, spec, false, nullptr).cycles);
    CHECK(with.pw_group_avg == Approx(groups.mean_precision()));
    // Every group at Pw gives today's cycles exactly.
    const WeightGroups all_pw(d);
    CHECK(compute_timing(d, spec, false, nullptr, 0, &all_pw).cycles == compute_timing(d, spec, false, nullptr).cycles);
  }
  for (Engine e : {Engine::Base, Engine::Stripes})
    CHECK(compute_timing(d, engine_spec(e), false, nullptr, 0, &groups).cycles ==
          compute_timing(d, engine_spec(e), false, nullptr).cycles);
}

TEST_CASE("weight groups: Loom fc cycles are each step at its Pw_g plus the last group's drain") {
  const LayerDesc d = fc(40, 3, 2, 300, 5, 8);  // J = 3*2*3 = 18 bricks, 3 filter blocks
  const std::vector<int16_t> w = varied_weights(d, 5);
  const WeightGroups groups = detected(d, w);
  for (Engine e : {Engine::Lm1b, Engine::Lm2b, Engine::Lm4b}) {
    const EngineSpec& spec = engine_spec(e);
    const uint64_t s = (d.pa + spec.act_bits_per_cycle - 1) / spec.act_bits_per_cycle;
    const uint64_t factor = std::max<uint64_t>(1, (s + spec.window_columns - 1) / spec.window_columns);
    uint64_t expected = 0;
    for (uint32_t fb = 0; fb < 3; ++fb)
      for (uint64_t k = 0; k < 6; ++k)
        for (uint32_t b = 0; b < 3; ++b) expected += group_pw(d, w, 0, fb, k, b) * factor;
    expected += group_pw(d, w, 0, 2, 5, 2) * s;  // the last block's last brick drains
    INFO(spec.name);
    CHECK(compute_timing(d, spec, false, nullptr, 0, &groups).cycles == expected);
  }
}

TEST_CASE("weight groups: tiles load the stored layout - their cycles sum to the layer's - more filters fit") {
  const LayerDesc layers[] = {conv(64, 6, 300, 3, 1, 1, 6, 8), conv(21, 6, 405, 3, 1, 3, 7, 9),
                              fc(40, 3, 2, 300, 5, 8)};
  for (const LayerDesc& d : layers) {
    const std::vector<int16_t> w = varied_weights(d, 9);
    const WeightGroups groups = detected(d, w);
    const uint64_t stored = groups.count() + groups.stored_bytes() - groups.table_bytes();  // entries + planes
    for (uint64_t wm : {uint64_t{64} << 10, uint64_t{128} << 10, uint64_t{1} << 20}) {
      INFO("layer " << d.out_c << " filters, weight buffer " << wm);
      BufferConfig buffers;
      buffers.weight_bytes = wm;
      buffers.activation_bytes = 4096;
      buffers.output_bytes = 8192;
      TilePlan plan = plan_tiles(d, engine_spec(Engine::Lm1b), buffers, &groups);
      REQUIRE(plan.error == LOOM_ERR_NONE);
      // Weights read once (filters outer, fc always): exactly the table entries and planes.
      if (plan.order == LoopOrder::FiltersOuter) CHECK(plan.bytes[uint32_t(TensorKind::Weights)] == stored);
      ComputeTiming total;
      assign_compute_cycles(plan, d, cycle_breakdown(d, engine_spec(Engine::Lm1b), true, std::vector<int32_t>(d.input_elements(), 3).data(), &total, 0, &groups));
      uint64_t sum = 0;
      for (const Tile& t : plan.tiles) sum += t.compute_cycles;
      CHECK(sum == total.cycles);
    }
  }
  // 256 filters x 64 channels x 3x3 at Pw 8: a block at Pw takes 73,728 B of planes, so a
  // 100,000 B weight buffer holds one block; at Pw_g = 2 both blocks (36,864 B) fit.
  const LayerDesc d = conv(64, 4, 256, 3, 1, 1, 6, 8);
  WeightGroups narrow(d);
  REQUIRE(narrow.set_precisions(std::vector<uint8_t>(narrow.count(), 2)));
  BufferConfig buffers;
  buffers.weight_bytes = 100000;
  CHECK(plan_tiles(d, engine_spec(Engine::Lm1b), buffers).filters_per_tile == 128);
  CHECK(plan_tiles(d, engine_spec(Engine::Lm1b), buffers, &narrow).filters_per_tile == 256);
}
