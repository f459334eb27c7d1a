// `loomvp bench`: runs a workload once per engine, each in a fresh process
// (SystemC elaborates once per process), and prints per run the host wall
// and CPU time, peak memory, simulated MACs per host second, and the ratio
// of the wall time to the floor: float64 GEMMs of the same layers' im2col
// shapes, timed in the bench process itself (docs/performance.md).
#pragma once

#include <ostream>
#include <string>

namespace loomvp {

// `vgg16_workload`, when not empty, adds one row: that workload on the
// platform's default engine.
int run_bench(const std::string& workload, const std::string& engines, const std::string& vgg16_workload,
              std::ostream& out);

}  // namespace loomvp
