#include "timing.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace loomvp {
namespace {

const EngineSpec kEngines[] = {
    {Engine::Base, "base", 0, kBaseFilters, 1, false, 16, 16},
    {Engine::Stripes, "stripes", 1, kBaseFilters, 16, false, 0, 16},
    {Engine::Lm1b, "lm1b", 1, 128, 16, true, 0, 0},
    {Engine::Lm2b, "lm2b", 2, 128, 8, true, 0, 0},
    {Engine::Lm4b, "lm4b", 4, 128, 4, true, 0, 0},
};

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Magnitude bits of each input pixel OR-ed over one 16-channel brick of one
// group: mask[(group * bricks + brick) * H * W + pixel].
std::vector<uint32_t> brick_masks(const LayerDesc& d, const int32_t* input) {
  const uint32_t cg = d.in_c_per_group();
  const uint64_t bricks = ceil_div(cg, kLanes), pixels = uint64_t{d.in_h} * d.in_w;
  std::vector<uint32_t> mask(d.groups * bricks * pixels, 0);
  for (uint32_t c = 0; c < d.in_c; ++c) {
    const uint32_t group = c / cg, brick = (c % cg) / kLanes;
    uint32_t* dst = mask.data() + (group * bricks + brick) * pixels;
    const int32_t* src = input + c * pixels;
    for (uint64_t p = 0; p < pixels; ++p)
      dst[p] |= static_cast<uint32_t>(src[p] ^ (src[p] >> 31));  // |v| bits; ~v for v < 0
  }
  return mask;
}

// Loom convolution: each step is `window_columns` windows x 128 filters x one
// kernel position x one brick, and costs ceil(pa / b) * pw cycles where pa is
// trimmed to what the step's activations need. Fills `out` with the cycles of
// each (group, window block) per filter block.
void loom_conv_blocks(const LayerDesc& d, const EngineSpec& e, bool dynamic, uint32_t group_windows,
                      const int32_t* input, const WeightGroups* wg, CycleBreakdown& out, ComputeTiming& t) {
  const uint32_t cg = d.in_c_per_group();
  const uint64_t bricks = ceil_div(cg, kLanes), pixels = uint64_t{d.in_h} * d.in_w;
  const uint64_t windows = uint64_t{d.out_h} * d.out_w;
  const uint64_t kernel = uint64_t{d.kh} * d.kw;
  // A step's pa holds every value of the precision groups its windows touch:
  // aligned runs of `group` windows (the step's own windows by default).
  const uint64_t group = std::max<uint64_t>(group_windows, e.window_columns);
  std::vector<uint32_t> mask;
  if (dynamic) mask = brick_masks(d, input);
  out.block_cycles.assign(d.groups * out.blocks_per_group, 0);
  const uint32_t filter_blocks = wg ? wg->blocks_per_group() : 0;
  if (wg) {
    out.filter_blocks_per_group = filter_blocks;
    out.filter_block_cycles.assign(uint64_t{d.groups} * filter_blocks * out.blocks_per_group, 0);
  }
  // Per kernel position, the last window range's bits: consecutive steps of one group share them.
  std::vector<std::pair<uint64_t, uint64_t>> cached_range(kernel, {UINT64_MAX, 0});
  std::vector<uint32_t> cached_bits(kernel, 0);

  uint64_t pa_sum = 0, groups_of_values = 0;  // per filter block
  for (uint32_t g = 0; g < d.groups; ++g)
    for (uint64_t brick = 0; brick < bricks; ++brick) {
      const uint32_t* brick_mask = dynamic ? mask.data() + (g * bricks + brick) * pixels : nullptr;
      std::fill(cached_range.begin(), cached_range.end(), std::make_pair(UINT64_MAX, uint64_t{0}));
      for (uint64_t first = 0, block = 0; first < windows; first += e.window_columns, ++block) {
        uint64_t slices = 0;
        const uint64_t last = std::min<uint64_t>(first + e.window_columns, windows);
        const uint64_t range_first = first / group * group;
        const uint64_t range_last = std::min<uint64_t>(ceil_div(last, group) * group, windows);
        for (uint32_t ky = 0; ky < d.kh; ++ky)
          for (uint32_t kx = 0; kx < d.kw; ++kx) {
            uint32_t pa = d.pa;
            if (dynamic) {
              const uint64_t k = uint64_t{ky} * d.kw + kx;
              if (cached_range[k] != std::make_pair(range_first, range_last)) {
                uint32_t bits = 0;
                for (uint64_t w = range_first; w < range_last; ++w) {
                  const int64_t iy = int64_t(w / d.out_w) * d.sy + ky - d.py;
                  const int64_t ix = int64_t(w % d.out_w) * d.sx + kx - d.px;
                  if (iy >= 0 && iy < d.in_h && ix >= 0 && ix < d.in_w)
                    bits |= brick_mask[iy * d.in_w + ix];
                }
                cached_range[k] = {range_first, range_last};
                cached_bits[k] = bits;
              }
              pa = std::min(precision_needed(cached_bits[k], d.in_signed), d.pa);
            }
            const uint64_t step_slices = ceil_div(pa, e.act_bits_per_cycle);
            slices += step_slices;
            pa_sum += pa;
            ++groups_of_values;
            for (uint32_t fb = 0; fb < filter_blocks; ++fb)  // each filter block at its group's Pw_g
              out.filter_block_cycles[(uint64_t{g} * filter_blocks + fb) * out.blocks_per_group + block] +=
                  step_slices * wg->precision(wg->index(g, fb, uint64_t{ky} * d.kw + kx, brick));
          }
        out.block_cycles[g * out.blocks_per_group + block] += slices * d.pw;
      }
    }
  t.steps = groups_of_values * out.filter_blocks(d.out_c_per_group());
  t.pa_dynamic_avg = groups_of_values ? double(pa_sum) / groups_of_values : 0;
}

}  // namespace

const EngineSpec& engine_spec(Engine engine) {
  for (const EngineSpec& spec : kEngines)
    if (spec.engine == engine) return spec;
  // Only parse_engine makes an Engine from outside data; anything else is a bug.
  throw std::invalid_argument("engine_spec: unknown engine value " +
                              std::to_string(static_cast<uint32_t>(engine)));
}

std::optional<Engine> parse_engine(const std::string& name) {
  for (const EngineSpec& spec : kEngines)
    if (name == spec.name) return spec.engine;
  return std::nullopt;
}

const char* engine_names() { return "base, stripes, lm1b, lm2b, lm4b"; }

uint32_t precision_needed(uint32_t mask, bool is_signed) {
  uint32_t bits = 0;
  while (mask >> bits) ++bits;
  return std::max<uint32_t>(1, bits + (is_signed ? 1 : 0));
}

CycleBreakdown cycle_breakdown(const LayerDesc& d, const EngineSpec& e, bool dynamic_precision,
                               const int32_t* input, ComputeTiming* totals, uint32_t group_windows,
                               const WeightGroups* weight_groups) {
  CycleBreakdown b;
  ComputeTiming t;
  const uint64_t kernel = uint64_t{d.kh} * d.kw;
  const uint64_t windows = uint64_t{d.out_h} * d.out_w;
  const uint64_t bricks = ceil_div(d.in_c_per_group(), kLanes);
  const uint64_t filters = d.out_c_per_group();
  t.pa_dynamic_avg = d.pa;
  t.pw_group_avg = weight_groups ? weight_groups->mean_precision() : d.has_weights() ? d.pw : 0;
  // Pw_g changes the cost only where weights are serial, in 128-filter blocks (Loom).
  const WeightGroups* wg = e.serial_weights && e.filter_rows == WeightGroups::kFilters ? weight_groups : nullptr;
  switch (d.type) {
    case LayerType::Conv:
      b.windows_per_block = e.window_columns;
      b.filter_rows = e.filter_rows;
      b.blocks_per_group = ceil_div(windows, e.window_columns);
      if (e.serial_weights) {
        loom_conv_blocks(d, e, dynamic_precision, group_windows, input, wg, b, t);
      } else {
        // base: one window, 8 filters x 16 lanes per cycle; stripes: 16
        // windows x 8 filters x 16 lanes in pa cycles.
        const uint64_t act_cycles = e.act_bits_per_cycle ? ceil_div(d.pa, e.act_bits_per_cycle) : 1;
        b.block_cycles = {kernel * bricks * act_cycles};
        t.steps = b.blocks_per_group * b.filter_blocks(filters) * kernel * bricks * d.groups;
      }
      break;
    case LayerType::Fc: {
      b.filter_rows = e.serial_weights ? e.filter_rows : kBaseFilters;
      t.steps = b.filter_blocks(filters) * kernel * bricks;
      if (e.serial_weights) {
        // Columns take turns loading a block of 128 filters x 16 weights, pw
        // cycles each, and compute while the others load; the last block's
        // compute drains at the end.
        const uint64_t act_slices = ceil_div(d.pa, e.act_bits_per_cycle);
        const uint64_t factor = std::max<uint64_t>(1, ceil_div(act_slices, e.window_columns));
        b.fc_step_cycles = d.pw * factor;
        b.fc_drain_cycles = d.pw * act_slices;
        if (wg) {  // each step at its group's Pw_g; the drain at the last group's
          b.fc_bricks = wg->per_block();
          b.fc_group_step_cycles.resize(wg->count());
          for (uint64_t i = 0; i < wg->count(); ++i) b.fc_group_step_cycles[i] = wg->precision(i) * factor;
          b.fc_drain_cycles = wg->precision(wg->count() - 1) * act_slices;
        }
      } else {  // base and stripes: bit-parallel weights, 8 filters x 16 inputs per cycle
        b.fc_step_cycles = 1;
      }
      t.cycles = t.steps * b.fc_step_cycles + b.fc_drain_cycles;
      if (!b.fc_group_step_cycles.empty()) {
        t.cycles = b.fc_drain_cycles;
        for (uint64_t c : b.fc_group_step_cycles) t.cycles += c;
      }
      if (totals) *totals = t;
      return b;
    }
    case LayerType::MaxPool:
    case LayerType::AvgPool:
    case LayerType::Add: {  // 16 windows x 16 channels per cycle, per kernel position
      const uint64_t positions = d.type == LayerType::Add ? 1 : kernel;
      b.windows_per_block = kPoolWindowsPerCycle;
      b.blocks_per_group = ceil_div(windows, kPoolWindowsPerCycle);
      b.block_cycles = {ceil_div(d.in_c, kLanes) * positions};
      t.steps = b.blocks_per_group * b.block_cycles[0];
      break;
    }
  }
  const uint64_t groups = b.filter_rows ? d.groups : 1;
  for (uint64_t c : b.filter_block_cycles) t.cycles += c;
  for (uint32_t g = 0; g < groups && b.filter_block_cycles.empty(); ++g) {
    uint64_t sum = 0;
    if (b.block_cycles.size() == 1)
      sum = b.block_cycles[0] * b.blocks_per_group;
    else
      for (uint64_t k = 0; k < b.blocks_per_group; ++k) sum += b.block(g, k);
    t.cycles += sum * b.filter_blocks(filters);
  }
  if (totals) *totals = t;
  return b;
}

ComputeTiming compute_timing(const LayerDesc& d, const EngineSpec& e, bool dynamic_precision,
                             const int32_t* input, uint32_t group_windows, const WeightGroups* weight_groups) {
  ComputeTiming t;
  cycle_breakdown(d, e, dynamic_precision, input, &t, group_windows, weight_groups);
  return t;
}

}  // namespace loomvp
