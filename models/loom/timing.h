// What a layer costs in accelerator cycles (docs/timing-model.md), kept apart
// from what it computes (datapath.h) and from when data moves (loom.h). Pure
// functions of the layer, the engine and the activation values, so every
// formula can be checked by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/loom/layer_desc.h"
#include "models/loom/weight_groups.h"

namespace loomvp {

enum class Engine : uint32_t {
  Base = LOOM_ENGINE_BASE,
  Stripes = LOOM_ENGINE_STRIPES,
  Lm1b = LOOM_ENGINE_LM1B,
  Lm2b = LOOM_ENGINE_LM2B,
  Lm4b = LOOM_ENGINE_LM4B,
};

struct EngineSpec {
  Engine engine;
  const char* name;
  uint32_t act_bits_per_cycle;  // b; 0 for bit-parallel activations (base)
  uint32_t filter_rows;         // filters processed together
  uint32_t window_columns;      // windows processed together
  bool serial_weights;          // cost scales with Pw (Loom)
  uint32_t stored_act_prec;     // 0: the profile's precision, else fixed (16)
  uint32_t stored_weight_prec;  // 0: the profile's precision, else fixed (16)
};

const EngineSpec& engine_spec(Engine engine);
std::optional<Engine> parse_engine(const std::string& name);
const char* engine_names();  // "base, stripes, lm1b, lm2b, lm4b"

constexpr uint32_t kLanes = 16;             // input channels per brick and per SIP
constexpr uint32_t kBaseFilters = 8;        // base: 8 filters x 16 lanes per cycle
constexpr uint32_t kPoolWindowsPerCycle = 16;

struct ComputeTiming {
  uint64_t cycles = 0;
  uint64_t steps = 0;              // engine steps (see docs/timing-model.md)
  double pa_dynamic_avg = 0;       // mean activation precision the steps used
  double pw_group_avg = 0;         // mean weight precision (per-group Pw_g when stored so), per weight
};

// Compute cycles split into the pieces a tiling sequencer charges per tile
// (docs/timing-model.md section 3.5), so per-tile cycles sum to the layer's
// exactly. conv, pool, add:
//   cycles = sum over groups g of filter_blocks(Fg) * sum over window blocks b of block(g, b)
// where window block b is windows [b*Q, (b+1)*Q) in raster order and
// filter_blocks(n) = ceil(n / R) (1 for pools and add). fc:
//   cycles = ceil(F / R) * K * B * fc_step_cycles + fc_drain_cycles.
struct CycleBreakdown {
  uint32_t windows_per_block = 1;  // Q
  uint32_t filter_rows = 0;        // R; 0: the cost does not scale with filters
  uint64_t blocks_per_group = 0;
  std::vector<uint64_t> block_cycles;  // [group * blocks_per_group + b], or one value for every block
  uint64_t fc_step_cycles = 0;         // per filter block and 16-input brick
  uint64_t fc_drain_cycles = 0;        // once, after the last step
  // Per-group weight precision (Loom, section 3.6): the cost differs per
  // filter block, so conv keeps [(group * filter_blocks_per_group + fb) *
  // blocks_per_group + b] and fc the cycles of each step [fb * fc_bricks + j];
  // empty otherwise.
  uint32_t filter_blocks_per_group = 0;
  std::vector<uint64_t> filter_block_cycles;
  uint64_t fc_bricks = 0;
  std::vector<uint64_t> fc_group_step_cycles;

  uint64_t block(uint32_t group, uint64_t b) const {
    return block_cycles.size() == 1 ? block_cycles[0] : block_cycles[group * blocks_per_group + b];
  }
  uint64_t filter_blocks(uint64_t filters) const {
    return filter_rows ? (filters + filter_rows - 1) / filter_rows : 1;
  }
};

// `input` is the layer's unpacked input (C x H x W): Loom trims the
// activation precision per group of values a step reads, or per aligned run
// of `group_windows` windows (x 16 lanes) if that is larger than a step
// (loom.dynamic_precision_group; 0: the step). `totals`, if given,
// receives the whole layer's timing (the same as compute_timing).
// `weight_groups` (PW_GROUPS layers): a Loom step costs its group's Pw_g
// instead of PW.
CycleBreakdown cycle_breakdown(const LayerDesc& desc, const EngineSpec& engine, bool dynamic_precision,
                               const int32_t* input, ComputeTiming* totals = nullptr,
                               uint32_t group_windows = 0, const WeightGroups* weight_groups = nullptr);

ComputeTiming compute_timing(const LayerDesc& desc, const EngineSpec& engine,
                             bool dynamic_precision, const int32_t* input, uint32_t group_windows = 0,
                             const WeightGroups* weight_groups = nullptr);

// Bits needed to hold every value whose magnitude bits are OR-ed in `mask`
// (leading-one detection); signed values need one more for the sign.
uint32_t precision_needed(uint32_t mask, bool is_signed);

}  // namespace loomvp
