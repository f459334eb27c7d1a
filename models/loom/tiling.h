// How the sequencer splits a layer into tiles that fit the on-chip buffers
// (docs/timing-model.md section 1.1): which tiles, in which order, which DRAM
// bytes each one loads and stores, and how many compute cycles it costs. A
// pure function of the layer, the engine and the buffer sizes, so every byte
// count is checkable by hand without a simulation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/loom/layer_desc.h"
#include "models/loom/timing.h"

namespace loomvp {

struct BufferConfig {
  uint64_t weight_bytes = 768 * 1024;      // weight memory (WM): weights and bias
  uint64_t activation_bytes = 256 * 1024;  // activation memory (AM): input row bands
  uint64_t output_bytes = 128 * 1024;      // output buffer: packed outputs (fc: int32 accumulators)
};

enum class TensorKind : uint32_t { Input, Input2, Weights, Bias, Output, Count };
const char* tensor_kind_name(TensorKind kind);

// `count` pieces of `bytes` each, `stride` bytes apart, from `address`.
// Stores also say where the pieces are in the layer's packed output (out_c
// channels): piece k at image_offset + k * image_stride.
struct Transfer {
  TensorKind kind = TensorKind::Input;
  uint64_t address = 0;
  uint64_t bytes = 0;
  uint64_t count = 1;
  uint64_t stride = 0;
  uint64_t image_offset = 0, image_stride = 0;
  uint64_t total() const { return bytes * count; }
};

enum class Buffer : uint32_t { Activation, Weight, Output, Count };
const char* buffer_setting(Buffer buffer);  // "loom.activation_buffer_bytes", ...

struct Tile {
  // Geometry: output rows [row_begin, row_end) (conv, pools, add), filters
  // [filter_begin, filter_end) (conv, fc), fc input bricks [brick_begin, brick_end).
  uint32_t row_begin = 0, row_end = 0;
  uint32_t filter_begin = 0, filter_end = 0;
  uint64_t brick_begin = 0, brick_end = 0;
  // A buffer's content changes when its load index changes; the loads below
  // fill it. A tile that keeps the previous tile's content loads nothing.
  uint32_t load_index[static_cast<uint32_t>(Buffer::Count)] = {0, 0, 0};
  std::vector<Transfer> loads;
  std::vector<Transfer> stores;  // empty: the result stays in the output buffer (fc partial sums)
  uint64_t compute_cycles = 0;
};

enum class LoopOrder { FiltersOuter, RowsOuter };
const char* loop_order_name(LoopOrder order);

struct TilePlan {
  uint32_t error = LOOM_ERR_NONE;  // LOOM_ERR_BUFFER_TOO_SMALL: `setting` cannot hold one tile
  std::string detail;
  Buffer short_buffer = Buffer::Count;
  uint64_t needed_bytes = 0;  // what one tile needs in that buffer

  LoopOrder order = LoopOrder::FiltersOuter;
  uint32_t rows_per_tile = 0, filters_per_tile = 0;
  uint64_t bricks_per_tile = 0;
  uint32_t slots[static_cast<uint32_t>(Buffer::Count)] = {1, 1, 1};  // 2: double buffered
  std::vector<Tile> tiles;
  uint64_t bytes[static_cast<uint32_t>(TensorKind::Count)] = {};  // DRAM bytes moved per kind
  uint64_t bytes_read() const;
  uint64_t bytes_written() const { return bytes[static_cast<uint32_t>(TensorKind::Output)]; }
};

// The geometry and DRAM transfers of every tile; compute_cycles stay 0.
// A PW_GROUPS layer's weights are sized by `weight_groups` (its table), or
// at PW for every group (the worst case) when that is null.
TilePlan plan_tiles(const LayerDesc& desc, const EngineSpec& engine, const BufferConfig& buffers,
                    const WeightGroups* weight_groups = nullptr);

// Fills each tile's compute_cycles from the layer's cycle breakdown: a window
// block is charged to the tile whose row band holds its first window, fc's
// drain to the last tile. The tiles' cycles sum to compute_timing's exactly.
void assign_compute_cycles(TilePlan& plan, const LayerDesc& desc, const CycleBreakdown& cycles);

}  // namespace loomvp
