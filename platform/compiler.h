// The host's workload compiler: rewrites layers into a form the device runs
// faster, with bit-identical outputs, before the runner places tensors in
// DRAM. The workload itself is left untouched (the golden reference and the
// statistics keep the original layers); the compiled form only lists the
// layers and the network input it replaces.
//
// Pass: space-to-depth (docs/workload-format.md "Compiler passes"). A conv
// layer with few input channels and stride s wastes lanes (AlexNet conv1: 3
// of 16). Its input C x H x W becomes C*sy*sx channels of sy x sx pixel
// blocks, kernel ceil(K/s), stride 1, pad 0, weights re-arranged and zero
// where the original kernel does not reach. Only a layer that reads the
// network input qualifies: the host lays that input out; a mid-network layer
// would need the device to re-lay its input tensor.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "platform/workload.h"

namespace loomvp {

struct CompilerOptions {
  bool space_to_depth = true;  // compiler.space_to_depth
};

// What the compiler did to one layer (shown in the statistics).
struct Relayout {
  bool space_to_depth = false;
  uint32_t block_y = 1, block_x = 1;  // pixel block folded into channels
  Shape device_in_shape;              // the input the device reads
  uint32_t device_kh = 0, device_kw = 0;
};

struct CompiledWorkload {
  std::optional<std::vector<int32_t>> input;  // replaced network input values
  Shape input_shape;                          // the network input as stored
  std::vector<std::optional<WorkloadLayer>> replaced;  // per layer
  std::vector<Relayout> relayout;                      // per layer

  // The layer the device runs in place of `workload.layers[i]`.
  const WorkloadLayer& layer(const Workload& workload, size_t i) const {
    return replaced[i] ? *replaced[i] : workload.layers[i];
  }
  const std::vector<int32_t>& input_values(const Workload& workload) const {
    return input ? *input : workload.input;
  }
};

// A workload whose tensors are still pending (read_network) compiles to the
// shapes only, which is all the memory plan needs.
CompiledWorkload compile_workload(const Workload& workload, const CompilerOptions& options);

// The pass's pieces, public for tests.
// True for a conv with groups 1, < 16 input channels and stride > 1 that is
// the only reader of the network input, when the re-laid layer needs fewer
// brick x kernel-position steps.
bool space_to_depth_applies(const Workload& workload, size_t layer_index);
// The stride-1 layer equivalent to `layer` on the re-laid input.
WorkloadLayer space_to_depth_layer(const WorkloadLayer& layer);
// `input` (C x H x W of `layer`) re-laid for space_to_depth_layer(layer):
// padding made explicit, every sy x sx block of pixels folded into channels
// c*sy*sx + dy*sx + dx, zero beyond the padded input.
std::vector<int32_t> space_to_depth_input(const WorkloadLayer& layer, const std::vector<int32_t>& input);

}  // namespace loomvp
