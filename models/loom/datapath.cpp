#include "datapath.h"

#include <algorithm>
#include <cstdint>

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

// Output columns [lo, hi) whose input column ox * stride + offset is inside [0, width).
inline void valid_columns(int64_t offset, uint32_t stride, uint32_t width, uint32_t out_w,
                          uint32_t& lo, uint32_t& hi) {
  const int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t last = (int64_t{width} - 1 - offset) < 0 ? -1 : (int64_t{width} - 1 - offset) / stride;
  lo = static_cast<uint32_t>(std::min<int64_t>(first, out_w));
  hi = static_cast<uint32_t>(std::clamp<int64_t>(last + 1, lo, out_w));
}

// Convolution row by row: for one filter and output row, every weight is
// broadcast over the row's valid output columns (contiguous for stride 1, so
// the compiler vectorises it). Acc is int32 where the bound proves it safe.
template <typename Acc>
void convolve(const LayerDesc& d, const LayerOperands& op, std::vector<int32_t>& out) {
  const uint32_t cg = d.in_c_per_group(), fg = d.out_c_per_group();
  std::vector<Acc> row(d.out_w);
  std::vector<uint32_t> col_lo(d.kw), col_hi(d.kw);  // valid output columns per kernel column
  for (uint32_t kx = 0; kx < d.kw; ++kx)
    valid_columns(int64_t{kx} - d.px, d.sx, d.in_w, d.out_w, col_lo[kx], col_hi[kx]);
  for (uint32_t f = 0; f < d.out_c; ++f) {
    const uint32_t group = f / fg;
    const int16_t* filter = op.weights + uint64_t{f} * cg * d.kh * d.kw;
    for (uint32_t oy = 0; oy < d.out_h; ++oy) {
      std::fill(row.begin(), row.end(), Acc{0});
      for (uint32_t c = 0; c < cg; ++c) {
        const int32_t* plane = op.input + uint64_t{group * cg + c} * d.in_h * d.in_w;
        for (uint32_t ky = 0; ky < d.kh; ++ky) {
          const int64_t iy = int64_t{oy} * d.sy + ky - d.py;
          if (iy < 0 || iy >= d.in_h) continue;
          const int32_t* in_row = plane + iy * d.in_w;
          for (uint32_t kx = 0; kx < d.kw; ++kx) {
            const Acc w = filter[(uint64_t{c} * d.kh + ky) * d.kw + kx];
            if (w == 0) continue;
            const int64_t offset = int64_t{kx} - d.px;
            const uint32_t lo = col_lo[kx], hi = col_hi[kx];
            if (d.sx == 1)
              for (uint32_t ox = lo; ox < hi; ++ox) row[ox] += w * in_row[ox + offset];
            else
              for (uint32_t ox = lo; ox < hi; ++ox) row[ox] += w * in_row[int64_t{ox} * d.sx + offset];
          }
        }
      }
      int32_t* dst = out.data() + (uint64_t{f} * d.out_h + oy) * d.out_w;
      for (uint32_t ox = 0; ox < d.out_w; ++ox)
        dst[ox] = requantize(int64_t{row[ox]} + op.bias[f], d);
    }
  }
}

// Fully connected: weights F x (C x H x W) match the input's C x H x W order,
// so each output is one dot product.
template <typename Acc>
void fully_connected(const LayerDesc& d, const LayerOperands& op, std::vector<int32_t>& out) {
  const uint64_t n = d.input_elements();
  for (uint32_t f = 0; f < d.out_c; ++f) {
    const int16_t* w = op.weights + f * n;
    Acc acc = 0;
    for (uint64_t i = 0; i < n; ++i) acc += Acc{w[i]} * op.input[i];
    out[f] = requantize(int64_t{acc} + op.bias[f], d);
  }
}

// True when |sum of products| stays below 2^31 for any data of these
// precisions. Strict: two most-negative operands give +2^(pa-1) * 2^(pw-1)
// per term, and the sum may reach exactly +2^31, one past INT32_MAX.
// (At most 2^16 * 2^15 * 2^32 = 2^63: the product fits in 64 bits.)
bool products_fit_int32(const LayerDesc& d) {
  const uint64_t max_act = uint64_t{1} << (d.in_signed ? d.pa - 1 : d.pa);
  const uint64_t max_weight = uint64_t{1} << (d.pw - 1);
  const uint64_t terms = uint64_t{d.in_c_per_group()} * d.kh * d.kw;
  return max_act * max_weight * terms < (uint64_t{1} << 31);
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
      if (products_fit_int32(d))
        convolve<int32_t>(d, op, out);
      else
        convolve<int64_t>(d, op, out);
      break;
    case LayerType::Fc:
      if (products_fit_int32(d))
        fully_connected<int32_t>(d, op, out);
      else
        fully_connected<int64_t>(d, op, out);
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
