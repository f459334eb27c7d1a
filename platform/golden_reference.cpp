#include "golden_reference.h"

#include <algorithm>
#include <map>

namespace loomvp {
namespace {

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

}  // namespace

std::vector<int32_t> golden_layer(const WorkloadLayer& L, const std::vector<int32_t>& in,
                                  const std::vector<int32_t>* in2) {
  const Shape& is = L.in_shape;
  const Shape& os = L.out_shape;
  std::vector<int32_t> out(os.elements());
  const int64_t in_per_group = is.c / L.groups, out_per_group = os.c / L.groups;

  for (int64_t o = 0; o < os.c; ++o)
    for (int64_t oy = 0; oy < os.h; ++oy)
      for (int64_t ox = 0; ox < os.w; ++ox) {
        int64_t acc = 0;
        if (L.type == LayerType::Conv || L.type == LayerType::Fc) {
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
  return out;
}

std::vector<int32_t> concat_channels(const ConcatTensor& cat, const std::vector<std::vector<int32_t>>& outputs) {
  std::vector<int32_t> values;
  values.reserve(cat.shape.elements());
  for (size_t part : cat.parts) values.insert(values.end(), outputs[part].begin(), outputs[part].end());
  return values;
}

std::vector<std::vector<int32_t>> golden_outputs(const Workload& w) {
  std::map<std::string, const std::vector<int32_t>*> tensors{{w.input_name, &w.input}};
  std::vector<std::vector<int32_t>> outputs;
  std::vector<std::vector<int32_t>> concats(w.concats.size());
  outputs.reserve(w.layers.size());
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const WorkloadLayer& layer = w.layers[i];
    const std::vector<int32_t>* in2 = layer.inputs.size() > 1 ? tensors.at(layer.inputs[1]) : nullptr;
    outputs.push_back(golden_layer(layer, *tensors.at(layer.inputs[0]), in2));
    tensors[layer.name] = &outputs.back();
    // Channels are C-major, so a concatenation is its parts one after another.
    if (layer.concat >= 0 && w.concats[layer.concat].parts.back() == i) {
      concats[layer.concat] = concat_channels(w.concats[layer.concat], outputs);
      tensors[w.concats[layer.concat].name] = &concats[layer.concat];
    }
  }
  return outputs;
}

}  // namespace loomvp
