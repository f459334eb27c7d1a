#include "compiler.h"

#include "models/loom/bitplane.h"

namespace loomvp {

namespace {

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

// The re-laid layer's kernel and input shape. The input has exactly
// OH + KH' - 1 block rows, so the output shape is unchanged.
struct SpaceToDepthShape {
  uint32_t kh, kw;
  Shape in_shape;
};

SpaceToDepthShape space_to_depth_shape(const WorkloadLayer& L) {
  const uint32_t kh = ceil_div(L.kh, L.sy), kw = ceil_div(L.kw, L.sx);
  return {kh, kw, {L.in_shape.c * L.sy * L.sx, L.out_shape.h + kh - 1, L.out_shape.w + kw - 1}};
}

}  // namespace

bool space_to_depth_applies(const Workload& workload, size_t layer_index) {
  const WorkloadLayer& L = workload.layers[layer_index];
  // With a full brick of channels no lane is idle: nothing to gain.
  if (L.type != LayerType::Conv || L.groups != 1 || L.in_shape.c >= bitplane::kLanes) return false;
  if (L.sy == 1 && L.sx == 1) return false;
  if (L.inputs.size() != 1 || L.inputs[0] != workload.input_name) return false;
  // Only when it saves compute: the device pays per brick and kernel position
  // (a kernel smaller than the stride would just spread the same work over
  // more bricks).
  const SpaceToDepthShape relaid = space_to_depth_shape(L);
  if (bitplane::bricks(relaid.in_shape.c) * relaid.kh * relaid.kw >= bitplane::bricks(L.in_shape.c) * L.kh * L.kw)
    return false;
  // The re-laid input replaces the network input, so no other layer may read it.
  for (size_t i = 0; i < workload.layers.size(); ++i)
    for (const std::string& name : workload.layers[i].inputs)
      if (i != layer_index && name == workload.input_name) return false;
  return true;
}

// Output (oy, ox) of the original layer reads padded rows oy*sy + ky. With
// ky = KY*sy + dy that is row KY of block row oy + KY, block offset dy: a
// stride-1 conv over blocks with kernel ceil(KH/sy) computes the same sum;
// kernel positions past KH get zero weights.
WorkloadLayer space_to_depth_layer(const WorkloadLayer& L) {
  const SpaceToDepthShape shape = space_to_depth_shape(L);
  const uint32_t c = L.in_shape.c;
  WorkloadLayer d = L;
  d.kh = shape.kh;
  d.kw = shape.kw;
  d.sy = d.sx = 1;
  d.py = d.px = 0;
  d.in_shape = shape.in_shape;
  if (L.weights.empty()) return d;  // tensors still pending (read_network): shapes only
  d.weights.assign(uint64_t{L.out_shape.c} * d.in_shape.c * d.kh * d.kw, 0);
  for (uint32_t f = 0; f < L.out_shape.c; ++f)
    for (uint32_t ci = 0; ci < c; ++ci)
      for (uint32_t ky = 0; ky < L.kh; ++ky)
        for (uint32_t kx = 0; kx < L.kw; ++kx) {
          const uint32_t channel = (ci * L.sy + ky % L.sy) * L.sx + kx % L.sx;
          const uint64_t to = ((uint64_t{f} * d.in_shape.c + channel) * d.kh + ky / L.sy) * d.kw + kx / L.sx;
          d.weights[to] = L.weights[((uint64_t{f} * c + ci) * L.kh + ky) * L.kw + kx];
        }
  return d;
}

std::vector<int32_t> space_to_depth_input(const WorkloadLayer& L, const std::vector<int32_t>& input) {
  const Shape& in = L.in_shape;
  const Shape out = space_to_depth_shape(L).in_shape;
  std::vector<int32_t> relaid(out.elements(), 0);
  for (uint32_t ci = 0; ci < in.c; ++ci)
    for (uint32_t dy = 0; dy < L.sy; ++dy)
      for (uint32_t dx = 0; dx < L.sx; ++dx) {
        const uint32_t channel = (ci * L.sy + dy) * L.sx + dx;
        for (uint32_t y = 0; y < out.h; ++y) {
          // Row in the unpadded input; negative or past the end is padding.
          const int64_t iy = int64_t{y} * L.sy + dy - L.py;
          if (iy < 0 || iy >= in.h) continue;
          for (uint32_t x = 0; x < out.w; ++x) {
            const int64_t ix = int64_t{x} * L.sx + dx - L.px;
            if (ix < 0 || ix >= in.w) continue;
            relaid[(uint64_t{channel} * out.h + y) * out.w + x] = input[(uint64_t{ci} * in.h + iy) * in.w + ix];
          }
        }
      }
  return relaid;
}

CompiledWorkload compile_workload(const Workload& workload, const CompilerOptions& options) {
  CompiledWorkload compiled;
  compiled.input_shape = workload.input_shape;
  compiled.replaced.resize(workload.layers.size());
  compiled.relayout.resize(workload.layers.size());
  if (!options.space_to_depth) return compiled;
  for (size_t i = 0; i < workload.layers.size(); ++i) {
    if (!space_to_depth_applies(workload, i)) continue;
    const WorkloadLayer& L = workload.layers[i];
    compiled.replaced[i] = space_to_depth_layer(L);
    if (!workload.input.empty()) compiled.input = space_to_depth_input(L, workload.input);
    compiled.input_shape = compiled.replaced[i]->in_shape;
    compiled.relayout[i] = {true, L.sy, L.sx, compiled.input_shape, compiled.replaced[i]->kh,
                            compiled.replaced[i]->kw};
    break;  // the network input has one reader, so at most one layer qualifies
  }
  return compiled;
}

}  // namespace loomvp
