#include "datapath.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <type_traits>

#include "models/loom/bitplane.h"

namespace loomvp {

int32_t requantize(int64_t acc, const LayerDesc& d) {
  if (d.relu && acc < 0) acc = 0;
  if (d.shift > 0) acc = (acc + (int64_t{1} << (d.shift - 1))) >> d.shift;
  const int64_t hi = bitplane::max_value(d.sat_prec, d.out_signed);
  const int64_t lo = bitplane::min_value(d.sat_prec, d.out_signed);
  return static_cast<int32_t>(std::clamp(acc, lo, hi));
}

namespace {

// Conv and fc as one matrix product: out[f][p] = sum over k of W[f][k] *
// X[p][k], k = (ky * kw + kx) * cg + c (the weights' order in DRAM), X the
// im2col rows of the input, built a chunk of output positions at a time.

// Hot loops compiled for AVX2 too where the compiler can pick at run time
// (not under ASan, whose runtime starts after ifunc resolvers).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define LOOMVP_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LOOMVP_VECTOR_CLONES
#endif

constexpr uint64_t kChunkBytes = 512 * 1024;  // im2col rows per chunk: about half an L2
constexpr uint32_t kFilterBlock = 4;          // filters sharing each im2col row load

// acc[j * count + r] += sum over k in [k0, k1) of w[j][k] * rows[r][k], for
// the `filters` (1..4) weight rows at w (k_len apart). Acc holds any sum of
// k1 - k0 products (the caller guarantees it).
template <typename T, typename Acc>
inline void block_products(const T* rows, uint64_t count, uint64_t k_len, const int16_t* w, uint32_t filters,
                           uint64_t k0, uint64_t k1, int64_t* acc) {
  for (uint64_t r = 0; r < count; ++r) {
    const T* x = rows + r * k_len;
    if (filters == kFilterBlock) {
      const int16_t *w0 = w, *w1 = w + k_len, *w2 = w + 2 * k_len, *w3 = w + 3 * k_len;
      Acc a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (uint64_t k = k0; k < k1; ++k) {
        const Acc v = x[k];
        a0 += w0[k] * v;
        a1 += w1[k] * v;
        a2 += w2[k] * v;
        a3 += w3[k] * v;
      }
      acc[r] += a0, acc[count + r] += a1, acc[2 * count + r] += a2, acc[3 * count + r] += a3;
    } else {
      for (uint32_t j = 0; j < filters; ++j) {
        const int16_t* wj = w + j * k_len;
        Acc a = 0;
        for (uint64_t k = k0; k < k1; ++k) a += wj[k] * Acc{x[k]};
        acc[j * count + r] += a;
      }
    }
  }
}

// int16 values summed in int32 (pmaddwd when vectorised).
LOOMVP_VECTOR_CLONES void block_products_int16(const int16_t* rows, uint64_t count, uint64_t k_len,
                                               const int16_t* w, uint32_t filters, uint64_t k0, uint64_t k1,
                                               int64_t* acc) {
  block_products<int16_t, int32_t>(rows, count, k_len, w, filters, k0, k1, acc);
}

void block_products_wide(const int32_t* rows, uint64_t count, uint64_t k_len, const int16_t* w, uint32_t filters,
                         uint64_t k0, uint64_t k1, int64_t* acc) {
  block_products<int32_t, int64_t>(rows, count, k_len, w, filters, k0, k1, acc);
}

// The input C x H x W as H x W x C values of type T.
template <typename T>
std::vector<T> channels_last(const LayerDesc& d, const int32_t* input) {
  const uint64_t pixels = uint64_t{d.in_h} * d.in_w;
  std::vector<T> out(pixels * d.in_c);
  for (uint32_t c = 0; c < d.in_c; ++c) {
    const int32_t* plane = input + c * pixels;
    for (uint64_t p = 0; p < pixels; ++p) out[p * d.in_c + c] = static_cast<T>(plane[p]);
  }
  return out;
}

// im2col rows of output positions [first, first + count) in group g: row r
// holds the kh * kw * cg values the window of position first + r reads
// (zeros outside the input).
template <typename T>
void im2col(const LayerDesc& d, const T* hwc, uint32_t group, uint64_t first, uint64_t count, T* rows) {
  const uint32_t cg = d.in_c_per_group();
  for (uint64_t p = first; p < first + count; ++p) {
    const int64_t y0 = int64_t(p / d.out_w) * d.sy - d.py, x0 = int64_t(p % d.out_w) * d.sx - d.px;
    for (uint32_t ky = 0; ky < d.kh; ++ky) {
      const int64_t iy = y0 + ky;
      for (uint32_t kx = 0; kx < d.kw; ++kx, rows += cg) {
        const int64_t ix = x0 + kx;
        if (iy < 0 || iy >= d.in_h || ix < 0 || ix >= d.in_w)
          std::fill(rows, rows + cg, T{0});
        else
          std::copy_n(hwc + (uint64_t(iy) * d.in_w + ix) * d.in_c + uint64_t{group} * cg, cg, rows);
      }
    }
  }
}

int32_t max_magnitude(const int16_t* values, uint64_t count) {
  int32_t m = 0;
  for (uint64_t i = 0; i < count; ++i) m = std::max(m, std::abs(int32_t{values[i]}));
  return m;
}

// Conv or fc over input values of type T (H x W x C): int16 values are
// summed in int32 over runs of terms whose sum cannot overflow (from the
// largest activation and weight magnitudes), int32 values in int64.
template <typename T>
void matrix_layer(const LayerDesc& d, const LayerOperands& op, const std::vector<T>& hwc, int64_t max_activation,
                  std::vector<int32_t>& out) {
  const uint32_t cg = d.in_c_per_group(), fg = d.out_c_per_group();
  const uint64_t k_len = uint64_t{d.kh} * d.kw * cg, positions = uint64_t{d.out_h} * d.out_w;
  const uint64_t chunk = std::clamp<uint64_t>(kChunkBytes / (k_len * sizeof(T)), 1, positions);
  std::vector<T> rows(chunk * k_len);
  std::vector<int64_t> acc(kFilterBlock * chunk);
  for (uint32_t g = 0; g < d.groups; ++g)
    for (uint64_t first = 0; first < positions; first += chunk) {
      const uint64_t count = std::min(chunk, positions - first);
      im2col(d, hwc.data(), g, first, count, rows.data());
      for (uint32_t f0 = g * fg; f0 < (g + 1) * fg; f0 += kFilterBlock) {
        const uint32_t filters = std::min(kFilterBlock, (g + 1) * fg - f0);
        const int16_t* w = op.weights + f0 * k_len;
        std::fill(acc.begin(), acc.end(), 0);
        if constexpr (std::is_same_v<T, int16_t>) {
          const int64_t largest_product = max_activation * max_magnitude(w, filters * k_len);
          const uint64_t run = largest_product ? INT32_MAX / largest_product : k_len;  // >= 1: both <= 2^15
          for (uint64_t k0 = 0; k0 < k_len; k0 += run)
            block_products_int16(rows.data(), count, k_len, w, filters, k0, std::min(k_len, k0 + run), acc.data());
        } else {
          block_products_wide(rows.data(), count, k_len, w, filters, 0, k_len, acc.data());
        }
        for (uint32_t j = 0; j < filters; ++j)
          for (uint64_t r = 0; r < count; ++r)
            out[(f0 + j) * positions + first + r] = requantize(acc[j * count + r] + op.bias[f0 + j], d);
      }
    }
}

void weighted_layer(const LayerDesc& d, const LayerOperands& op, std::vector<int32_t>& out) {
  int64_t lo = 0, hi = 0;
  const uint64_t n = d.input_elements();
  for (uint64_t i = 0; i < n; ++i) lo = std::min<int64_t>(lo, op.input[i]), hi = std::max<int64_t>(hi, op.input[i]);
  if (lo >= INT16_MIN && hi <= INT16_MAX)
    matrix_layer(d, op, channels_last<int16_t>(d, op.input), std::max(-lo, hi), out);
  else
    matrix_layer(d, op, channels_last<int32_t>(d, op.input), 0, out);
}

void pool(const LayerDesc& d, const LayerOperands& op, std::vector<int32_t>& out) {
  const bool is_max = d.type == LayerType::MaxPool;
  const int64_t window = int64_t{d.kh} * d.kw;
  for (uint32_t c = 0; c < d.in_c; ++c) {
    const int32_t* plane = op.input + uint64_t{c} * d.in_h * d.in_w;
    for (uint32_t oy = 0; oy < d.out_h; ++oy)
      for (uint32_t ox = 0; ox < d.out_w; ++ox) {
        const int64_t y0 = int64_t{oy} * d.sy - d.py, x0 = int64_t{ox} * d.sx - d.px;
        const int64_t y_lo = std::max<int64_t>(y0, 0), y_hi = std::min<int64_t>(y0 + d.kh, d.in_h);
        const int64_t x_lo = std::max<int64_t>(x0, 0), x_hi = std::min<int64_t>(x0 + d.kw, d.in_w);
        int64_t acc = is_max ? INT64_MIN : 0;
        for (int64_t y = y_lo; y < y_hi; ++y)
          for (int64_t x = x_lo; x < x_hi; ++x) {
            const int64_t v = plane[y * d.in_w + x];
            acc = is_max ? std::max(acc, v) : acc + v;
          }
        if (!is_max) {  // round half up: floor((2 * sum + n) / (2 * n))
          const int64_t num = 2 * acc + window, den = 2 * window;
          acc = num >= 0 ? num / den : -((-num + den - 1) / den);
        }
        out[(uint64_t{c} * d.out_h + oy) * d.out_w + ox] = requantize(acc, d);
      }
  }
}

}  // namespace

std::vector<int32_t> compute_layer(const LayerDesc& d, const LayerOperands& op) {
  std::vector<int32_t> out(d.output_elements());
  switch (d.type) {
    case LayerType::Conv:
    case LayerType::Fc:
      weighted_layer(d, op, out);
      break;
    case LayerType::MaxPool:
    case LayerType::AvgPool:
      pool(d, op, out);
      break;
    case LayerType::Add:
      for (uint64_t i = 0; i < out.size(); ++i)
        out[i] = requantize(int64_t{op.input[i]} + op.input2[i], d);
      break;
  }
  return out;
}

}  // namespace loomvp
