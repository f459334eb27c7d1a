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
// trimmed to what the step's activations need.
ComputeTiming loom_conv(const LayerDesc& d, const EngineSpec& e, bool dynamic, const int32_t* input) {
  const uint32_t cg = d.in_c_per_group();
  const uint64_t bricks = ceil_div(cg, kLanes), pixels = uint64_t{d.in_h} * d.in_w;
  const uint64_t windows = uint64_t{d.out_h} * d.out_w;
  const uint64_t filter_blocks = ceil_div(d.out_c_per_group(), e.filter_rows);
  std::vector<uint32_t> mask;
  if (dynamic) mask = brick_masks(d, input);

  uint64_t slices = 0, pa_sum = 0, groups_of_values = 0;  // per filter block
  for (uint32_t group = 0; group < d.groups; ++group)
    for (uint64_t brick = 0; brick < bricks; ++brick) {
      const uint32_t* brick_mask = dynamic ? mask.data() + (group * bricks + brick) * pixels : nullptr;
      for (uint64_t first = 0; first < windows; first += e.window_columns)
        for (uint32_t ky = 0; ky < d.kh; ++ky)
          for (uint32_t kx = 0; kx < d.kw; ++kx) {
            uint32_t pa = d.pa;
            if (dynamic) {
              uint32_t bits = 0;
              const uint64_t last = std::min<uint64_t>(first + e.window_columns, windows);
              for (uint64_t w = first; w < last; ++w) {
                const int64_t iy = int64_t(w / d.out_w) * d.sy + ky - d.py;
                const int64_t ix = int64_t(w % d.out_w) * d.sx + kx - d.px;
                if (iy >= 0 && iy < d.in_h && ix >= 0 && ix < d.in_w)
                  bits |= brick_mask[iy * d.in_w + ix];
              }
              pa = std::min(precision_needed(bits, d.in_signed), d.pa);
            }
            slices += ceil_div(pa, e.act_bits_per_cycle);
            pa_sum += pa;
            ++groups_of_values;
          }
    }
  ComputeTiming t;
  t.steps = groups_of_values * filter_blocks;
  t.cycles = slices * d.pw * filter_blocks;
  t.pa_dynamic_avg = groups_of_values ? double(pa_sum) / groups_of_values : 0;
  return t;
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

ComputeTiming compute_timing(const LayerDesc& d, const EngineSpec& e, bool dynamic_precision,
                             const int32_t* input) {
  ComputeTiming t;
  const uint64_t kernel = uint64_t{d.kh} * d.kw;
  const uint64_t windows = uint64_t{d.out_h} * d.out_w;
  const uint64_t bricks = ceil_div(d.in_c_per_group(), kLanes);
  const uint64_t filters = d.out_c_per_group();
  t.pa_dynamic_avg = d.pa;
  switch (d.type) {
    case LayerType::Conv:
      if (e.serial_weights) return loom_conv(d, e, dynamic_precision, input);
      if (e.act_bits_per_cycle == 0) {  // base: one window, 8 filters x 16 lanes per cycle
        t.steps = windows * ceil_div(filters, e.filter_rows) * kernel * bricks * d.groups;
        t.cycles = t.steps;
      } else {  // stripes: 16 windows x 8 filters x 16 lanes in pa cycles
        t.steps = ceil_div(windows, e.window_columns) * ceil_div(filters, e.filter_rows) * kernel *
                  bricks * d.groups;
        t.cycles = t.steps * ceil_div(d.pa, e.act_bits_per_cycle);
      }
      return t;
    case LayerType::Fc:
      if (e.serial_weights) {
        // Columns take turns loading a block of 128 filters x 16 weights, pw
        // cycles each, and compute while the others load; the last block's
        // compute drains at the end.
        const uint64_t act_slices = ceil_div(d.pa, e.act_bits_per_cycle);
        t.steps = ceil_div(filters, e.filter_rows) * kernel * bricks;
        t.cycles = t.steps * d.pw * std::max<uint64_t>(1, ceil_div(act_slices, e.window_columns)) +
                   d.pw * act_slices;
      } else {  // base and stripes: bit-parallel weights, 8 filters x 16 inputs per cycle
        t.steps = ceil_div(filters, kBaseFilters) * kernel * bricks;
        t.cycles = t.steps;
      }
      return t;
    case LayerType::MaxPool:
    case LayerType::AvgPool:
      t.steps = ceil_div(windows, kPoolWindowsPerCycle) * ceil_div(d.in_c, kLanes) * kernel;
      t.cycles = t.steps;
      return t;
    case LayerType::Add:
      t.steps = ceil_div(windows, kPoolWindowsPerCycle) * ceil_div(d.in_c, kLanes);
      t.cycles = t.steps;
      return t;
  }
  return t;
}

}  // namespace loomvp
