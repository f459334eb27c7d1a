#include "golden_reference.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace loomvp {
namespace {

// Operand blocks of the GEMM path, in doubles: bound the host memory the
// reference adds (4 MiB of filters, 8 MiB of im2col) and the time between
// cancel checks. Filters longer than kMaxGemmK take the integer loops.
constexpr uint64_t kWeightBlockDoubles = uint64_t{1} << 19;
constexpr uint64_t kColumnBlockDoubles = uint64_t{1} << 20;
constexpr uint64_t kMaxGemmK = uint64_t{1} << 22;

void check_cancel(const std::atomic<bool>* cancel) {
  if (cancel && cancel->load(std::memory_order_relaxed)) throw ReferenceCancelled();
}

// ReLU, then round half up by 2^shift, then clamp to out_prec bits.
int32_t post_process(int64_t value, const WorkloadLayer& layer) {
  if (layer.relu && value < 0) value = 0;
  if (layer.shift > 0) {
    const int64_t half = int64_t{1} << (layer.shift - 1);
    value = (value + half) >> layer.shift;  // arithmetic shift floors negatives too
  }
  int64_t top, bottom;
  if (layer.out_signed) {
    top = (int64_t{1} << (layer.out_prec - 1)) - 1;
    bottom = -(int64_t{1} << (layer.out_prec - 1));
  } else {
    top = (int64_t{1} << layer.out_prec) - 1;
    bottom = 0;
  }
  if (value > top) return static_cast<int32_t>(top);
  if (value < bottom) return static_cast<int32_t>(bottom);
  return static_cast<int32_t>(value);
}

int32_t at(const std::vector<int32_t>& tensor, const Shape& s, int64_t c, int64_t y, int64_t x) {
  return tensor[(c * s.h + y) * s.w + x];
}

bool is_gemm_layer(const WorkloadLayer& L) { return L.type == LayerType::Conv || L.type == LayerType::Fc; }

// The GEMM of one layer and group: C[M x N] = A[M x K] * B[K x N] with
// A the group's filters (F/g x Cg*KH*KW, the weights' own order), B the
// im2col of the group's input channels, N the output positions.
struct GemmShape {
  uint64_t m, k, n;
};
GemmShape gemm_shape(const WorkloadLayer& L) {
  return {L.out_shape.c / L.groups, uint64_t{L.in_shape.c / L.groups} * L.kh * L.kw,
          uint64_t{L.out_shape.h} * L.out_shape.w};
}

// Rows k of B (one per input channel c, kernel row ky, column kx) for the
// output positions [n0, n0 + count), written as doubles; padding reads 0.
void im2col_block(const WorkloadLayer& L, const int32_t* in, uint64_t first_channel, uint64_t n0,
                  uint64_t count, double* b) {
  const Shape& is = L.in_shape;
  const uint64_t ow = L.out_shape.w;
  const uint64_t cg = is.c / L.groups;
  for (uint64_t c = 0; c < cg; ++c) {
    const int32_t* plane = in + (first_channel + c) * is.h * is.w;
    for (uint32_t ky = 0; ky < L.kh; ++ky)
      for (uint32_t kx = 0; kx < L.kw; ++kx) {
        double* row = b + ((c * L.kh + ky) * L.kw + kx) * count;
        uint64_t n = n0;
        while (n < n0 + count) {
          const int64_t oy = n / ow, ox0 = n % ow;
          const uint64_t run = std::min<uint64_t>(ow - ox0, n0 + count - n);  // rest of this output row
          const int64_t y = oy * L.sy + ky - int64_t{L.py};
          double* dst = row + (n - n0);
          if (y < 0 || y >= is.h) {
            std::fill(dst, dst + run, 0.0);
          } else {
            const int32_t* src = plane + y * is.w;
            for (uint64_t i = 0; i < run; ++i) {
              const int64_t x = (ox0 + int64_t(i)) * L.sx + kx - int64_t{L.px};
              dst[i] = (x < 0 || x >= is.w) ? 0.0 : double(src[x]);
            }
          }
          n += run;
        }
      }
  }
}

// Rows and columns per operand block, so A and B stay within their budgets.
struct Blocking {
  uint64_t rows, cols;
};
Blocking blocking(const GemmShape& g) {
  return {std::max<uint64_t>(1, std::min(g.m, kWeightBlockDoubles / g.k)),
          std::max<uint64_t>(1, std::min(g.n, kColumnBlockDoubles / g.k))};
}

// C block = A block * B block (dgemv when B is one column, as in fc).
void multiply(uint64_t rows, uint64_t cols, uint64_t k, const double* a, const double* b, double* c) {
  if (cols == 1)
    cblas_dgemv(CblasRowMajor, CblasNoTrans, int(rows), int(k), 1.0, a, int(k), b, 1, 0.0, c, 1);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows), int(cols), int(k), 1.0, a, int(k), b,
                int(cols), 0.0, c, int(cols));
}

// Column blocks outer (each im2col built once), filter blocks inner.
void gemm_layer(const WorkloadLayer& L, const std::vector<int32_t>& in, std::vector<int32_t>& out,
                const std::atomic<bool>* cancel) {
  const GemmShape g = gemm_shape(L);
  const Blocking blk = blocking(g);
  std::vector<double> a(blk.rows * g.k), b(g.k * blk.cols), c(blk.rows * blk.cols);
  for (uint32_t group = 0; group < L.groups; ++group)
    for (uint64_t n0 = 0; n0 < g.n; n0 += blk.cols) {
      const uint64_t cols = std::min(blk.cols, g.n - n0);
      im2col_block(L, in.data(), uint64_t{group} * (L.in_shape.c / L.groups), n0, cols, b.data());
      for (uint64_t m0 = 0; m0 < g.m; m0 += blk.rows) {
        check_cancel(cancel);
        const uint64_t rows = std::min(blk.rows, g.m - m0);
        const int16_t* w = L.weights.data() + (group * g.m + m0) * g.k;
        std::copy(w, w + rows * g.k, a.begin());
        multiply(rows, cols, g.k, a.data(), b.data(), c.data());
        for (uint64_t r = 0; r < rows; ++r) {
          const uint64_t o = group * g.m + m0 + r;
          int32_t* dst = out.data() + o * g.n + n0;
          const double* sums = c.data() + r * cols;
          for (uint64_t i = 0; i < cols; ++i)
            dst[i] = post_process(static_cast<int64_t>(sums[i]) + L.bias[o], L);
        }
      }
    }
}

}  // namespace

bool gemm_is_exact(const WorkloadLayer& L) {
  if (!is_gemm_layer(L)) return false;
  const unsigned __int128 max_a = L.in_signed ? uint64_t{1} << (L.pa - 1) : (uint64_t{1} << L.pa) - 1;
  const unsigned __int128 max_w = uint64_t{1} << (L.pw - 1);
  const uint64_t k = gemm_shape(L).k;
  // A filter longer than a weight block would need a K split; rare, so plain.
  return k <= kMaxGemmK && k * max_w * max_a < (unsigned __int128){1} << 53;
}

std::vector<int32_t> golden_layer_plain(const WorkloadLayer& L, const std::vector<int32_t>& in,
                                        const std::vector<int32_t>* in2, const std::atomic<bool>* cancel) {
  const Shape& is = L.in_shape;
  const Shape& os = L.out_shape;
  std::vector<int32_t> out(os.elements());
  const int64_t in_per_group = is.c / L.groups, out_per_group = os.c / L.groups;

  for (int64_t o = 0; o < os.c; ++o) {
    check_cancel(cancel);
    for (int64_t oy = 0; oy < os.h; ++oy)
      for (int64_t ox = 0; ox < os.w; ++ox) {
        int64_t acc = 0;
        if (is_gemm_layer(L)) {
          // fc: one window whose kernel is the whole input, no stride or padding
          const int64_t first_channel = (o / out_per_group) * in_per_group;
          // kernel columns whose input column lies inside the map
          const int64_t x0 = ox * L.sx - L.px;
          const int64_t kx_first = std::max<int64_t>(0, -x0);
          const int64_t kx_last = std::min<int64_t>(L.kw, is.w - x0);
          acc = L.bias[o];
          for (int64_t c = 0; c < in_per_group; ++c)
            for (int64_t ky = 0; ky < L.kh; ++ky) {
              const int64_t y = oy * L.sy + ky - L.py;
              if (y < 0 || y >= is.h) continue;
              const int16_t* w_row = &L.weights[((o * in_per_group + c) * L.kh + ky) * L.kw];
              const int32_t* in_row = in.data() + ((first_channel + c) * is.h + y) * is.w;
              for (int64_t kx = kx_first; kx < kx_last; ++kx) acc += int64_t{w_row[kx]} * in_row[x0 + kx];
            }
        } else if (L.type == LayerType::MaxPool || L.type == LayerType::AvgPool) {
          bool any = false;
          for (int64_t ky = 0; ky < L.kh; ++ky)
            for (int64_t kx = 0; kx < L.kw; ++kx) {
              const int64_t y = oy * L.sy + ky - L.py, x = ox * L.sx + kx - L.px;
              if (y < 0 || y >= is.h || x < 0 || x >= is.w) continue;
              const int64_t v = at(in, is, o, y, x);
              if (L.type == LayerType::AvgPool) acc += v;
              else if (!any || v > acc) acc = v;
              any = true;
            }
          if (L.type == LayerType::AvgPool) {
            // mean over the full window (padding counts), rounded half up
            const int64_t n = int64_t{L.kh} * L.kw;
            const int64_t twice = 2 * acc + n;
            int64_t q = twice / (2 * n);
            if (twice % (2 * n) != 0 && twice < 0) --q;  // floor for negatives
            acc = q;
          }
        } else {  // add
          acc = int64_t{at(in, is, o, oy, ox)} + at(*in2, is, o, oy, ox);
        }
        out[(o * os.h + oy) * os.w + ox] = post_process(acc, L);
      }
  }
  return out;
}

std::vector<int32_t> golden_layer(const WorkloadLayer& L, const std::vector<int32_t>& in,
                                  const std::vector<int32_t>* in2, const std::atomic<bool>* cancel) {
  if (!gemm_is_exact(L)) return golden_layer_plain(L, in, in2, cancel);
  std::vector<int32_t> out(L.out_shape.elements());
  gemm_layer(L, in, out, cancel);
  return out;
}

std::vector<int32_t> concat_channels(const ConcatTensor& cat, const std::vector<std::vector<int32_t>>& outputs) {
  std::vector<int32_t> values;
  values.reserve(cat.shape.elements());
  for (size_t part : cat.parts) values.insert(values.end(), outputs[part].begin(), outputs[part].end());
  return values;
}

std::vector<std::vector<int32_t>> golden_outputs(const Workload& w, const std::atomic<bool>* cancel) {
  std::map<std::string, const std::vector<int32_t>*> tensors{{w.input_name, &w.input}};
  std::vector<std::vector<int32_t>> outputs;
  std::vector<std::vector<int32_t>> concats(w.concats.size());
  outputs.reserve(w.layers.size());
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const WorkloadLayer& layer = w.layers[i];
    const std::vector<int32_t>* in2 = layer.inputs.size() > 1 ? tensors.at(layer.inputs[1]) : nullptr;
    outputs.push_back(golden_layer(layer, *tensors.at(layer.inputs[0]), in2, cancel));
    tensors[layer.name] = &outputs.back();
    // Channels are C-major, so a concatenation is its parts one after another.
    if (layer.concat >= 0 && w.concats[layer.concat].parts.back() == i) {
      concats[layer.concat] = concat_channels(w.concats[layer.concat], outputs);
      tensors[w.concats[layer.concat].name] = &concats[layer.concat];
    }
  }
  return outputs;
}

double gemm_floor_seconds(const Workload& w) {
  double seconds = 0;
  for (const WorkloadLayer& L : w.layers) {
    if (!is_gemm_layer(L)) continue;
    const GemmShape g = gemm_shape(L);
    const Blocking blk = blocking(g);  // as the reference, so the floor needs no more memory
    const std::vector<double> a(blk.rows * g.k, 1.0), b(g.k * blk.cols, 1.0);
    std::vector<double> c(blk.rows * blk.cols);
    const auto start = std::chrono::steady_clock::now();
    for (uint32_t group = 0; group < L.groups; ++group)
      for (uint64_t n0 = 0; n0 < g.n; n0 += blk.cols)
        for (uint64_t m0 = 0; m0 < g.m; m0 += blk.rows)
          multiply(std::min(blk.rows, g.m - m0), std::min(blk.cols, g.n - n0), g.k, a.data(), b.data(), c.data());
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return seconds;
}

void single_threaded_reference() { openblas_set_num_threads(1); }

}  // namespace loomvp
