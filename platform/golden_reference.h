// The golden reference: every layer of a workload computed by plain, direct
// integer loops on the host, written independently of the device datapath
// (models/loom/datapath.cpp), to check the device's outputs bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "platform/workload.h"

namespace loomvp {

// Output values of every layer, in layer order (each C x H x W).
std::vector<std::vector<int32_t>> golden_outputs(const Workload& workload);

// A concatenation's values from its parts' outputs (indexed like workload.layers).
std::vector<int32_t> concat_channels(const ConcatTensor& concat, const std::vector<std::vector<int32_t>>& outputs);

// One layer, given its input tensor(s) as values.
std::vector<int32_t> golden_layer(const WorkloadLayer& layer, const std::vector<int32_t>& input,
                                  const std::vector<int32_t>* input2);

}  // namespace loomvp
