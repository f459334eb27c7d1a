// Workload bundles (docs/workload-format.md): a network.json describing the
// layers and their precisions, plus tensors from .npy files or from the
// deterministic "uniform" initialiser. Loading validates everything, so the
// simulator only ever sees a consistent network.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/loom/layer_desc.h"

namespace loomvp {

struct Shape {
  uint32_t c = 0, h = 0, w = 0;
  uint64_t elements() const { return uint64_t{c} * h * w; }
  std::string str() const;
};

struct WorkloadLayer {
  std::string name;
  LayerType type = LayerType::Conv;
  std::vector<std::string> inputs;  // tensor names: one, or two for add
  Shape in_shape, out_shape;
  uint32_t kh = 1, kw = 1, sy = 1, sx = 1, py = 0, px = 0, groups = 1;
  uint32_t pa = 0, pa2 = 0, pw = 0, out_prec = 0, shift = 0;
  bool in_signed = false, in2_signed = false, out_signed = false, relu = false;
  std::vector<int16_t> weights;   // F x C/g x KH x KW
  std::vector<int32_t> bias;      // F
  std::vector<int32_t> expected;  // optional independent expected output
  // Part of a concatenation (format version 2): written in place into concats[concat]
  // starting at channel out_c_offset; -1 when the output is a tensor of its own.
  int concat = -1;
  uint32_t out_c_offset = 0;
  uint64_t macs() const;
  uint64_t weight_elements() const;  // F x C/g x KH x KW; 0 for layers without weights
};

// A channel concatenation: no device work, its parts are layers that write into it.
struct ConcatTensor {
  std::string name;
  std::vector<size_t> parts;  // layer indices, in channel order
  Shape shape;
  uint32_t prec = 0;
  bool is_signed = false;
};

// Images to run one after another (`loomvp run --batch`), format version 2.
struct InputSet {
  uint32_t count = 0;
  std::vector<int32_t> images;             // count x C x H x W, in the input's range
  std::vector<int32_t> labels;             // count: the true class
  std::vector<int32_t> float_predictions;  // count, optional: the float model's class
};

struct Workload {
  std::string name, description, profile, path;
  std::string input_name;
  Shape input_shape;
  uint32_t input_prec = 0;
  bool input_signed = false;
  std::vector<int32_t> input;  // C x H x W
  std::vector<WorkloadLayer> layers;
  std::vector<ConcatTensor> concats;
  std::vector<std::string> notes;
  InputSet input_set;  // shown with the results (e.g. profiled weight precisions)
  uint32_t version = 1;
  // Tensor reads and generations read_network defers until the shapes and
  // limits are checked; read_tensors runs them.
  std::vector<std::function<void(Workload&)>> pending_tensors;
};

std::string workloads_dir();
std::vector<std::string> builtin_workloads();

// Loading in three steps, so every shape, precision and device limit is
// checked before any tensor is read or generated (no allocation of a
// tensor's size happens before check_device_limits has passed).
// `name_or_dir`: a built-in workload name, a bundle directory, or a
// network.json path. Each throws UserError on any problem.
Workload read_network(const std::string& name_or_dir);  // network.json only; tensors pending
void check_device_limits(const Workload& workload, const DeviceLimits& limits);
// One layer against loom.max_tensor_elements and loom.max_layer_macs.
void check_layer_limits(const WorkloadLayer& layer, const DeviceLimits& limits, const std::string& file,
                        const std::string& field);
void read_tensors(Workload& workload);  // runs the pending reads and generations

// All three steps.
Workload load_workload(const std::string& name_or_dir, const DeviceLimits& limits = DeviceLimits{});

// The "uniform" initialiser: splitmix64, value = low + z % (high - low + 1).
std::vector<int64_t> uniform_values(uint64_t count, uint64_t seed, int64_t low, int64_t high);

}  // namespace loomvp
