// `loomvp bench --iss`: host speed of the RV32 ISS on a compute-bound
// program (firmware/bench, a CoreMark-like kernel), in millions of simulated
// instructions per host second.
#pragma once

#include <ostream>
#include <string>

namespace loomvp {

// Path of the benchmark ELF built with the cross compiler ("" when not built).
std::string iss_bench_program();
// Runs `elf` to its tohost exit on CPU + SRAM + DRAM and prints one line.
// Returns 0 when the program passed, 1 otherwise.
int run_iss_bench(const std::string& elf, std::ostream& out);

}  // namespace loomvp
