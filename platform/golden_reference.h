// The golden reference: every layer of a workload computed on the host,
// written independently of the device datapath (models/loom/), to check the
// device's outputs bit for bit.
//
// Two implementations that must agree: the plain one (direct integer loops,
// obviously right, slow) and the fast one the runner uses: conv and fc as
// float64 GEMMs over im2col through BLAS, which is exact while every partial
// sum stays below 2^53 (checked per layer from the precisions, otherwise the
// layer falls back to the plain loops). See docs/performance.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "platform/workload.h"

namespace loomvp {

// Thrown by a reference computation whose cancel flag was raised.
struct ReferenceCancelled : std::runtime_error {
  ReferenceCancelled() : std::runtime_error("golden reference cancelled") {}
};

// True when the fast path computes this conv/fc layer by float64 GEMM: the
// bound K * max|w| * max|a| on every partial sum (bias is added in int64) is
// below 2^53, so every sum is exact in any order, and the filter length K
// fits one operand block (2^22 values).
bool gemm_is_exact(const WorkloadLayer& layer);

// A concatenation's values from its parts' outputs (indexed like workload.layers).
std::vector<int32_t> concat_channels(const ConcatTensor& concat, const std::vector<std::vector<int32_t>>& outputs);

// One layer, given its input tensor(s) as values. `cancel`, when given and
// raised by another thread, makes the call throw ReferenceCancelled soon.
std::vector<int32_t> golden_layer(const WorkloadLayer& layer, const std::vector<int32_t>& input,
                                  const std::vector<int32_t>* input2,
                                  const std::atomic<bool>* cancel = nullptr);

// The same layer by the plain integer loops only (the fast path's oracle).
std::vector<int32_t> golden_layer_plain(const WorkloadLayer& layer, const std::vector<int32_t>& input,
                                        const std::vector<int32_t>* input2,
                                        const std::atomic<bool>* cancel = nullptr);

// Makes this process's reference GEMMs run on the calling thread only: for
// processes that run side by side (batch images), where OpenBLAS's own
// threads would spin (sched_yield) against each other for small GEMMs.
void single_threaded_reference();

// Output values of every layer, in layer order (each C x H x W).
std::vector<std::vector<int32_t>> golden_outputs(const Workload& workload,
                                                 const std::atomic<bool>* cancel = nullptr);

// Seconds one float64 GEMM of every conv/fc layer's im2col shape takes on
// this host (operands not initialised from the workload: the timing floor
// `loomvp bench` compares against).
double gemm_floor_seconds(const Workload& workload);

}  // namespace loomvp
