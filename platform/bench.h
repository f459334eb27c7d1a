// `loomvp bench`: runs a workload once per engine, each in a fresh process
// (SystemC elaborates once per process), and prints host wall time, peak
// memory and simulated MACs per host second.
#pragma once

#include <ostream>
#include <string>

namespace loomvp {

int run_bench(const std::string& workload, const std::string& engines, std::ostream& out);

}  // namespace loomvp
