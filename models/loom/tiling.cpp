#include "tiling.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>

#include "models/loom/bitplane.h"

namespace loomvp {
namespace {

constexpr uint32_t kBrickBytesPerPlane = 2;  // 16 lanes x 1 bit
constexpr uint32_t kAccumulatorBytes = 4;    // fc partial sums stay int32 in the output buffer

uint32_t idx(Buffer b) { return static_cast<uint32_t>(b); }
uint32_t idx(TensorKind k) { return static_cast<uint32_t>(k); }
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Largest n in [1, limit] with fits(n), or 0; `fits` is monotonic (true up to a point).
uint64_t largest_fitting(uint64_t limit, const std::function<bool(uint64_t)>& fits) {
  uint64_t lo = 0, hi = limit;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    if (fits(mid)) lo = mid; else hi = mid - 1;
  }
  return lo;
}

// Picks a size for a streamed operand: the whole extent if it fits the
// buffer (resident), else the largest that fits half of it (double
// buffered), else the largest that fits all of it (single buffered).
uint64_t choose_size(uint64_t whole, uint64_t unit, const std::function<bool(uint64_t, uint64_t)>& fits) {
  if (fits(whole, 1)) return whole;
  const uint64_t units = ceil_div(whole, unit);
  for (uint64_t divisor : {2, 1}) {
    const uint64_t n = largest_fitting(units, [&](uint64_t k) { return fits(std::min(whole, k * unit), divisor); });
    if (n) return std::min(whole, n * unit);
  }
  return 0;
}

// A filter chunk: filters [begin, end), inside one group unless `group` < 0.
struct FilterChunk {
  uint32_t begin, end;
  int32_t group;
};

class Planner {
 public:
  Planner(const LayerDesc& d, const EngineSpec& e, const BufferConfig& b, const WeightGroups* wg) : d_(d), b_(b) {
    unit_ = std::lcm<uint32_t>(e.filter_rows, kLanes);  // whole filter blocks and whole output bricks
    if (d.weight_groups) {  // chunks of whole weight groups, so each chunk's table and planes are contiguous
      unit_ = std::lcm<uint32_t>(unit_, WeightGroups::kFilters);
      if (!wg) wg = &worst_case_.emplace(d);
      wg_ = wg;
      block_bytes_.resize(uint64_t{d.groups} * wg->blocks_per_group());
      for (uint64_t i = 0; i < block_bytes_.size(); ++i) block_bytes_[i] = group_range_bytes(i * wg->per_block(), (i + 1) * wg->per_block());
    }
    grouped_input_ = d.has_weights() && d.groups > 1 && d.in_c_per_group() % kLanes == 0;
    filter_tiling_ = d.has_weights() && (d.groups == 1 || d.out_c_per_group() % kLanes == 0);
  }

  TilePlan plan() {
    TilePlan p;
    if (d_.type == LayerType::Fc) plan_fc(p); else plan_rows(p);
    if (!p.error)
      for (const Tile& t : p.tiles) {
        for (const Transfer& x : t.loads) p.bytes[idx(x.kind)] += x.total();
        for (const Transfer& x : t.stores) p.bytes[idx(x.kind)] += x.total();
      }
    return p;
  }

 private:
  uint32_t in_bricks() const { return grouped_input_ ? d_.in_c_per_group() / kLanes : bitplane::bricks(d_.in_c); }
  uint64_t in_pixel_bytes() const {
    const uint64_t planes = d_.pa + (d_.type == LayerType::Add ? d_.pa2 : 0);
    return uint64_t{in_bricks()} * planes * kBrickBytesPerPlane;
  }
  uint64_t weight_chunk_bytes(uint64_t filters) const {
    if (wg_) return largest_run_bytes(filters) + filters * 4;
    return bitplane::weight_bytes(static_cast<uint32_t>(filters), d_.in_c_per_group(), d_.kh, d_.kw, d_.pw) +
           filters * 4;  // bias
  }
  // PW_GROUPS: table entries and planes of weight groups [i0, i1).
  uint64_t group_range_bytes(uint64_t i0, uint64_t i1) const {
    return (i1 - i0) + wg_->data_offset(i1) - wg_->data_offset(i0);
  }
  // The most bytes any chunk of `filters` (whole 128-filter blocks) inside
  // one group can take: the largest run of that many consecutive blocks, so
  // the size grows with `filters` (choose_size searches on it).
  uint64_t largest_run_bytes(uint64_t filters) const {
    const uint32_t per_group = wg_->blocks_per_group();
    if (!filter_tiling_) {  // one chunk of every filter
      uint64_t all = 0;
      for (uint64_t b : block_bytes_) all += b;
      return all;
    }
    const uint64_t run = std::min<uint64_t>(per_group, ceil_div(filters, WeightGroups::kFilters));
    uint64_t best = 0;
    for (uint32_t g = 0; g < d_.groups; ++g) {
      uint64_t sum = 0;
      for (uint32_t b = 0; b < per_group; ++b) {
        sum += block_bytes_[uint64_t{g} * per_group + b];
        if (b >= run) sum -= block_bytes_[uint64_t{g} * per_group + b - run];
        if (b + 1 >= run) best = std::max(best, sum);
      }
    }
    return best;
  }
  // fc, PW_GROUPS: the most bytes `bricks` consecutive inputs of one filter block take.
  uint64_t largest_brick_run_bytes(uint64_t bricks) const {
    const uint64_t j = wg_->per_block();
    uint64_t best = 0;
    for (uint32_t fb = 0; fb < wg_->blocks_per_group(); ++fb)
      for (uint64_t j0 = 0; j0 + bricks <= j; ++j0)
        best = std::max(best, group_range_bytes(fb * j + j0, fb * j + j0 + bricks));
    return best;
  }
  // PW_GROUPS: the loads of weight groups [i0, i1): their table entries and planes.
  void push_group_loads(Tile& t, uint64_t i0, uint64_t i1) const {
    t.loads.push_back({TensorKind::Weights, d_.weight_addr + i0, i1 - i0, 1, 0});
    t.loads.push_back({TensorKind::Weights, d_.weight_addr + wg_->table_bytes() + wg_->data_offset(i0),
                       wg_->data_offset(i1) - wg_->data_offset(i0), 1, 0});
  }
  uint64_t out_pixel_bytes(uint64_t channels) const { return bitplane::bricks(channels) * d_.po * kBrickBytesPerPlane; }
  // The output tensor in DRAM: the layer writes channels [out_channel_offset,
  // + out_c) of a tensor of out_channels_total (a multiple-of-16 offset).
  uint32_t out_channel_offset() const { return d_.out_c_offset; }
  uint32_t out_channels_total() const { return d_.tensor_channels(); }
  // DRAM address and packed-image offset of channel brick `brick` of output pixel `pixel`.
  uint64_t out_address(uint64_t pixel, uint32_t first_channel) const {
    return d_.out_addr + pixel * out_pixel_bytes(out_channels_total()) +
           uint64_t{(out_channel_offset() + first_channel) / kLanes} * d_.po * kBrickBytesPerPlane;
  }
  uint64_t image_offset(uint64_t pixel, uint32_t first_channel) const {
    return pixel * out_pixel_bytes(d_.out_c) + uint64_t{first_channel / kLanes} * d_.po * kBrickBytesPerPlane;
  }
  // Output pixels [first, first + pixels), channels [c0, c1): one piece per
  // pixel, or one piece when both the image and the tensor hold them contiguously.
  Transfer output_store(uint64_t first, uint64_t pixels, uint32_t c0, uint32_t c1) const {
    const uint64_t piece = out_pixel_bytes(c1 - c0), stride = out_pixel_bytes(out_channels_total());
    Transfer x{TensorKind::Output, out_address(first, c0), piece, pixels, stride, image_offset(first, c0),
               out_pixel_bytes(d_.out_c)};
    if (piece == stride && piece == x.image_stride) x = {TensorKind::Output, x.address, piece * pixels, 1, 0, x.image_offset, 0};
    return x;
  }
  // Input rows read by output rows [r0, r1), clipped to the tensor.
  std::pair<uint32_t, uint32_t> input_rows(uint32_t r0, uint32_t r1) const {
    const int64_t first = int64_t{r0} * d_.sy - d_.py, last = int64_t{r1 - 1} * d_.sy - d_.py + d_.kh;
    return {static_cast<uint32_t>(std::max<int64_t>(0, first)),
            static_cast<uint32_t>(std::clamp<int64_t>(last, 0, d_.in_h))};
  }
  uint64_t band_input_bytes(uint64_t rows) const {
    const uint64_t in_rows = std::min<uint64_t>(d_.in_h, (rows - 1) * d_.sy + d_.kh);
    return in_rows * d_.in_w * in_pixel_bytes();
  }

  void fail(TilePlan& p, Buffer buffer, uint64_t needed, const std::string& what) {
    const uint64_t have = buffer == Buffer::Weight ? b_.weight_bytes
                          : buffer == Buffer::Activation ? b_.activation_bytes : b_.output_bytes;
    p.error = LOOM_ERR_BUFFER_TOO_SMALL;
    p.short_buffer = buffer;
    p.needed_bytes = needed;
    p.detail = std::string(buffer_setting(buffer)) + " = " + std::to_string(have) + " cannot hold one tile: " + what +
               " needs " + std::to_string(needed) + " bytes";
  }

  std::vector<FilterChunk> filter_chunks(uint32_t per_chunk) const {
    std::vector<FilterChunk> chunks;
    if (!filter_tiling_) {
      chunks.push_back({0, d_.has_weights() ? d_.out_c : d_.in_c, -1});
      return chunks;
    }
    const uint32_t fg = d_.out_c_per_group();
    for (uint32_t g = 0; g < d_.groups; ++g)
      for (uint32_t f = g * fg; f < (g + 1) * fg; f += per_chunk)
        chunks.push_back({f, std::min(f + per_chunk, (g + 1) * fg), static_cast<int32_t>(g)});
    return chunks;
  }

  // conv, pools, add: filter chunks x output row bands.
  void plan_rows(TilePlan& p) {
    uint32_t tf = d_.out_c;
    if (d_.has_weights()) {
      const uint64_t whole = filter_tiling_ ? d_.out_c_per_group() : d_.out_c;
      const uint64_t unit = filter_tiling_ ? unit_ : whole;
      tf = static_cast<uint32_t>(choose_size(whole, unit, [&](uint64_t n, uint64_t div) {
        return weight_chunk_bytes(n) * div <= b_.weight_bytes;
      }));
      if (!tf) return fail(p, Buffer::Weight, weight_chunk_bytes(std::min<uint64_t>(unit, whole)),
                           "the weights and bias of one filter block");
    }
    const uint64_t out_channels = d_.has_weights() ? tf : d_.out_c;
    const auto out_band = [&](uint64_t rows) { return rows * d_.out_w * out_pixel_bytes(out_channels); };
    const uint32_t tr = static_cast<uint32_t>(choose_size(d_.out_h, 1, [&](uint64_t rows, uint64_t div) {
      return band_input_bytes(rows) * div <= b_.activation_bytes && out_band(rows) * div <= b_.output_bytes;
    }));
    if (!tr) {
      if (band_input_bytes(1) > b_.activation_bytes)
        return fail(p, Buffer::Activation, band_input_bytes(1), "the input rows of one output row");
      return fail(p, Buffer::Output, out_band(1), "one output row");
    }
    p.filters_per_tile = tf;
    p.rows_per_tile = tr;
    const std::vector<FilterChunk> chunks = filter_chunks(tf);
    std::vector<std::pair<uint32_t, uint32_t>> bands;
    for (uint32_t r = 0; r < d_.out_h; r += tr) bands.push_back({r, std::min<uint32_t>(r + tr, d_.out_h)});

    // The loop order that moves fewer DRAM bytes (ties: filters outer).
    TilePlan by_order[2];
    uint64_t moved[2] = {0, 0};
    for (const LoopOrder order : {LoopOrder::FiltersOuter, LoopOrder::RowsOuter}) {
      TilePlan& q = by_order[static_cast<int>(order)];
      q.order = order;
      const bool filters_outer = order == LoopOrder::FiltersOuter;
      const size_t outer = filters_outer ? chunks.size() : bands.size();
      const size_t inner = filters_outer ? bands.size() : chunks.size();
      int64_t last_key[3] = {-1, -1, -1};
      uint32_t load_index[3] = {0, 0, 0};
      for (size_t o = 0; o < outer; ++o)
        for (size_t i = 0; i < inner; ++i) {
          const FilterChunk& c = chunks[filters_outer ? o : i];
          const auto& band = bands[filters_outer ? i : o];
          const size_t chunk_index = filters_outer ? o : i, band_index = filters_outer ? i : o;
          q.tiles.push_back(row_tile(c, band, chunk_index, band_index, last_key, load_index));
          for (const Transfer& x : q.tiles.back().loads) moved[static_cast<int>(order)] += x.total();
        }
    }
    const int best = moved[1] < moved[0] ? 1 : 0;
    p.order = by_order[best].order;
    p.tiles = std::move(by_order[best].tiles);
    set_slots(p);
  }

  Tile row_tile(const FilterChunk& c, std::pair<uint32_t, uint32_t> band, size_t chunk_index, size_t band_index,
                int64_t* last_key, uint32_t* load_index) {
    Tile t;
    t.row_begin = band.first;
    t.row_end = band.second;
    t.filter_begin = c.begin;
    t.filter_end = c.end;
    // Activation buffer: the input rows of the band (of the chunk's group if the input is split by group).
    const int64_t act_key = int64_t(band_index) * (d_.groups + 1) + (grouped_input_ ? c.group : 0);
    if (act_key != last_key[idx(Buffer::Activation)]) {
      last_key[idx(Buffer::Activation)] = act_key;
      ++load_index[idx(Buffer::Activation)];
      const auto rows = input_rows(band.first, band.second);
      const uint64_t pixel_stride = bitplane::bricks(d_.in_c) * d_.pa * kBrickBytesPerPlane;
      const uint64_t first_pixel = uint64_t{rows.first} * d_.in_w, pixels = uint64_t{rows.second - rows.first} * d_.in_w;
      if (grouped_input_) {
        const uint64_t brick_offset = uint64_t(c.group) * in_bricks() * d_.pa * kBrickBytesPerPlane;
        t.loads.push_back({TensorKind::Input, d_.in_addr + first_pixel * pixel_stride + brick_offset,
                           uint64_t{in_bricks()} * d_.pa * kBrickBytesPerPlane, pixels, pixel_stride});
      } else {
        t.loads.push_back({TensorKind::Input, d_.in_addr + first_pixel * pixel_stride, pixels * pixel_stride, 1, 0});
      }
      if (d_.type == LayerType::Add) {
        const uint64_t stride2 = bitplane::bricks(d_.in_c) * d_.pa2 * kBrickBytesPerPlane;
        t.loads.push_back({TensorKind::Input2, d_.in2_addr + first_pixel * stride2, pixels * stride2, 1, 0});
      }
    }
    if (d_.has_weights() && int64_t(chunk_index) != last_key[idx(Buffer::Weight)]) {
      last_key[idx(Buffer::Weight)] = int64_t(chunk_index);
      ++load_index[idx(Buffer::Weight)];
      const uint64_t per_filter = bitplane::weight_bytes(1, d_.in_c_per_group(), d_.kh, d_.kw, d_.pw);
      const uint64_t n = c.end - c.begin;
      if (wg_) {  // the chunk's whole blocks (all of them when the chunk is every filter)
        const uint32_t fg = d_.out_c_per_group(), g = c.group < 0 ? 0 : static_cast<uint32_t>(c.group);
        const uint64_t first = uint64_t{g} * wg_->blocks_per_group() + (c.begin - g * fg) / WeightGroups::kFilters;
        const uint64_t last = c.group < 0 ? block_bytes_.size()
                                          : uint64_t{g} * wg_->blocks_per_group() + ceil_div(c.end - g * fg, WeightGroups::kFilters);
        push_group_loads(t, first * wg_->per_block(), last * wg_->per_block());
      } else {
        t.loads.push_back({TensorKind::Weights, d_.weight_addr + c.begin * per_filter, n * per_filter, 1, 0});
      }
      t.loads.push_back({TensorKind::Bias, d_.bias_addr + uint64_t{c.begin} * 4, n * 4, 1, 0});
    }
    ++load_index[idx(Buffer::Output)];
    std::copy(load_index, load_index + 3, t.load_index);
    // Output: the band's pixels, the chunk's bricks of each.
    t.stores.push_back(output_store(uint64_t{band.first} * d_.out_w, uint64_t{band.second - band.first} * d_.out_w,
                                    c.begin, c.end));
    return t;
  }

  // fc: filter chunks (outer) x input brick chunks (inner). The input is
  // small next to the weights, so it stays resident when it fits; each
  // weight is read once either way.
  void plan_fc(TilePlan& p) {
    const uint64_t bricks = uint64_t{d_.kh} * d_.kw * bitplane::bricks(d_.in_c);  // J
    const uint64_t in_brick_bytes = uint64_t{d_.pa} * kBrickBytesPerPlane;
    const uint64_t w_brick_bytes = uint64_t{d_.pw} * kBrickBytesPerPlane;
    const bool input_resident = bricks * in_brick_bytes <= b_.activation_bytes;
    const uint64_t unit = std::min<uint64_t>(unit_, d_.out_c);
    const auto weights = [&](uint64_t f, uint64_t j) {
      if (wg_) return (j == bricks ? largest_run_bytes(f) : largest_brick_run_bytes(j)) + f * 4;
      return f * (j * w_brick_bytes + 4);
    };
    const auto input_ok = [&](uint64_t j, uint64_t div) {
      return input_resident || j * in_brick_bytes * div <= b_.activation_bytes;
    };
    // Accumulators of the chunk stay in the output buffer until its last input chunk.
    const auto output_ok = [&](uint64_t f, uint64_t div) { return f * kAccumulatorBytes * div <= b_.output_bytes; };
    if (!output_ok(unit, 1)) return fail(p, Buffer::Output, unit * kAccumulatorBytes, "the accumulators of one filter block");
    if (!input_ok(1, 1)) return fail(p, Buffer::Activation, in_brick_bytes, "one input brick");
    uint64_t tj = choose_size(bricks, 1, [&](uint64_t j, uint64_t div) {
      return weights(unit, j) * div <= b_.weight_bytes && input_ok(j, div);
    });
    if (!tj) return fail(p, Buffer::Weight, weights(unit, 1), "one filter block's weights for one input brick");
    uint64_t tf = unit;
    if (tj == bricks)
      tf = choose_size(d_.out_c, unit, [&](uint64_t f, uint64_t div) {
        return weights(f, tj) * div <= b_.weight_bytes && output_ok(f, div);
      });
    tf = std::max(tf, unit);
    p.filters_per_tile = static_cast<uint32_t>(tf);
    p.bricks_per_tile = tj;
    int64_t last_input = -1;
    uint32_t load_index[3] = {0, 0, 0};
    for (uint32_t f0 = 0; f0 < d_.out_c; f0 += static_cast<uint32_t>(tf)) {
      const uint32_t f1 = static_cast<uint32_t>(std::min<uint64_t>(d_.out_c, f0 + tf));
      ++load_index[idx(Buffer::Output)];
      for (uint64_t j0 = 0; j0 < bricks; j0 += tj) {
        const uint64_t j1 = std::min(bricks, j0 + tj);
        Tile t;
        t.filter_begin = f0;
        t.filter_end = f1;
        t.brick_begin = j0;
        t.brick_end = j1;
        t.row_end = 1;
        const int64_t input_key = input_resident ? 0 : int64_t(j0);
        if (input_key != last_input) {
          last_input = input_key;
          ++load_index[idx(Buffer::Activation)];
          const uint64_t first = input_resident ? 0 : j0, count = input_resident ? bricks : j1 - j0;
          t.loads.push_back({TensorKind::Input, d_.in_addr + first * in_brick_bytes, count * in_brick_bytes, 1, 0});
        }
        ++load_index[idx(Buffer::Weight)];
        const uint64_t row = bricks * w_brick_bytes;  // one filter's weights
        const uint64_t fb0 = f0 / WeightGroups::kFilters, fb1 = ceil_div(f1, WeightGroups::kFilters);
        if (wg_ && j1 - j0 == bricks) {  // whole rows of blocks: one range
          push_group_loads(t, fb0 * bricks, fb1 * bricks);
        } else if (wg_) {  // per 128-filter block: its groups of these input bricks
          for (uint64_t fb = fb0; fb < fb1; ++fb) push_group_loads(t, fb * bricks + j0, fb * bricks + j1);
        } else if (j1 - j0 == bricks)
          t.loads.push_back({TensorKind::Weights, d_.weight_addr + f0 * row, (f1 - f0) * row, 1, 0});
        else
          t.loads.push_back({TensorKind::Weights, d_.weight_addr + f0 * row + j0 * w_brick_bytes,
                             (j1 - j0) * w_brick_bytes, f1 - f0, row});
        if (j0 == 0) t.loads.push_back({TensorKind::Bias, d_.bias_addr + uint64_t{f0} * 4, uint64_t{f1 - f0} * 4, 1, 0});
        if (j1 == bricks) t.stores.push_back(output_store(0, 1, f0, f1));
        std::copy(load_index, load_index + 3, t.load_index);
        p.tiles.push_back(std::move(t));
      }
    }
    set_slots(p);
  }

  // Double buffered where two of the largest loads fit, else one slot.
  void set_slots(TilePlan& p) const {
    uint64_t largest[3] = {0, 0, 0};
    for (const Tile& t : p.tiles) {
      uint64_t in = 0, w = 0;
      for (const Transfer& x : t.loads)
        (x.kind == TensorKind::Weights || x.kind == TensorKind::Bias ? w : in) += x.total();
      largest[idx(Buffer::Activation)] = std::max(largest[idx(Buffer::Activation)], in);
      largest[idx(Buffer::Weight)] = std::max(largest[idx(Buffer::Weight)], w);
      uint64_t out = 0;
      for (const Transfer& x : t.stores) out += x.total();
      if (d_.type == LayerType::Fc) out = uint64_t{t.filter_end - t.filter_begin} * kAccumulatorBytes;
      largest[idx(Buffer::Output)] = std::max(largest[idx(Buffer::Output)], out);
    }
    const uint64_t capacity[3] = {b_.activation_bytes, b_.weight_bytes, b_.output_bytes};
    for (uint32_t i = 0; i < 3; ++i)
      p.slots[i] = largest[i] && 2 * largest[i] <= capacity[i] ? 2 : 1;
  }

  const LayerDesc& d_;
  BufferConfig b_;
  std::optional<WeightGroups> worst_case_;
  const WeightGroups* wg_ = nullptr;  // PW_GROUPS layers only
  std::vector<uint64_t> block_bytes_;  // PW_GROUPS: table entries and planes of each 128-filter block
  uint32_t unit_ = kLanes;
  bool grouped_input_ = false, filter_tiling_ = false;
};

}  // namespace

const char* tensor_kind_name(TensorKind kind) {
  switch (kind) {
    case TensorKind::Input: return "input";
    case TensorKind::Input2: return "input2";
    case TensorKind::Weights: return "weights";
    case TensorKind::Bias: return "bias";
    case TensorKind::Output: return "output";
    case TensorKind::Count: break;
  }
  return "?";
}

const char* buffer_setting(Buffer buffer) {
  switch (buffer) {
    case Buffer::Activation: return "loom.activation_buffer_bytes";
    case Buffer::Weight: return "loom.weight_buffer_bytes";
    case Buffer::Output: return "loom.output_buffer_bytes";
    case Buffer::Count: break;
  }
  return "?";
}

const char* loop_order_name(LoopOrder order) {
  return order == LoopOrder::FiltersOuter ? "filters-outer" : "rows-outer";
}

uint64_t TilePlan::bytes_read() const {
  uint64_t sum = 0;
  for (TensorKind k : {TensorKind::Input, TensorKind::Input2, TensorKind::Weights, TensorKind::Bias})
    sum += bytes[static_cast<uint32_t>(k)];
  return sum;
}

TilePlan plan_tiles(const LayerDesc& desc, const EngineSpec& engine, const BufferConfig& buffers,
                    const WeightGroups* weight_groups) {
  return Planner(desc, engine, buffers, weight_groups).plan();
}

namespace {

// Row r of `rows` prefix sums of the `width` values per row of `values`.
std::vector<uint64_t> row_prefix_sums(const std::vector<uint64_t>& values, uint64_t width) {
  const uint64_t rows = width ? values.size() / width : 0;
  std::vector<uint64_t> prefix(rows * (width + 1), 0);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t k = 0; k < width; ++k)
      prefix[r * (width + 1) + k + 1] = prefix[r * (width + 1) + k] + values[r * width + k];
  return prefix;
}

}  // namespace

void assign_compute_cycles(TilePlan& plan, const LayerDesc& d, const CycleBreakdown& c) {
  if (d.type == LayerType::Fc) {
    const uint64_t j = c.fc_bricks;
    const std::vector<uint64_t> prefix = row_prefix_sums(c.fc_group_step_cycles, j);
    for (Tile& t : plan.tiles) {
      if (prefix.empty()) {
        t.compute_cycles = c.filter_blocks(t.filter_end - t.filter_begin) * (t.brick_end - t.brick_begin) * c.fc_step_cycles;
        continue;
      }
      t.compute_cycles = 0;  // per-group Pw: the steps of each 128-filter block in the tile
      for (uint64_t fb = t.filter_begin / WeightGroups::kFilters; fb < ceil_div(t.filter_end, WeightGroups::kFilters); ++fb)
        t.compute_cycles += prefix[fb * (j + 1) + t.brick_end] - prefix[fb * (j + 1) + t.brick_begin];
    }
    if (!plan.tiles.empty()) plan.tiles.back().compute_cycles += c.fc_drain_cycles;
    return;
  }
  // Prefix sums of block cycles per group (per filter block with per-group
  // Pw); a block belongs to the band holding its first window.
  const uint32_t groups = c.filter_rows ? d.groups : 1;
  std::vector<uint64_t> per_group(groups * c.blocks_per_group);
  for (uint32_t g = 0; g < groups; ++g)
    for (uint64_t b = 0; b < c.blocks_per_group; ++b) per_group[g * c.blocks_per_group + b] = c.block(g, b);
  const std::vector<uint64_t> prefix = row_prefix_sums(per_group, c.blocks_per_group);
  const std::vector<uint64_t> fb_prefix = row_prefix_sums(c.filter_block_cycles, c.blocks_per_group);
  const auto first_block = [&](uint32_t row) {
    return std::min(c.blocks_per_group, ceil_div(uint64_t{row} * d.out_w, c.windows_per_block));
  };
  const uint32_t fg = c.filter_rows ? d.out_c_per_group() : 0;
  for (Tile& t : plan.tiles) {
    const uint64_t b0 = first_block(t.row_begin), b1 = first_block(t.row_end);
    t.compute_cycles = 0;
    for (uint32_t g = 0; g < groups; ++g) {
      uint64_t filters = 1;
      uint32_t lo = 0, hi = 0;
      if (c.filter_rows) {  // the chunk's filters inside group g
        lo = std::max(t.filter_begin, g * fg), hi = std::min(t.filter_end, (g + 1) * fg);
        if (lo >= hi) continue;
        filters = hi - lo;
      }
      if (!fb_prefix.empty()) {  // chunks are whole 128-filter blocks of the group
        const uint64_t first = (lo - g * fg) / WeightGroups::kFilters, last = ceil_div(hi - g * fg, WeightGroups::kFilters);
        for (uint64_t fb = first; fb < last; ++fb) {
          const uint64_t* row = fb_prefix.data() + (g * c.filter_blocks_per_group + fb) * (c.blocks_per_group + 1);
          t.compute_cycles += row[b1] - row[b0];
        }
        continue;
      }
      const uint64_t* row = prefix.data() + g * (c.blocks_per_group + 1);
      t.compute_cycles += c.filter_blocks(filters) * (row[b1] - row[b0]);
    }
  }
}

}  // namespace loomvp
