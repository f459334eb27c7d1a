// `loomvp exec`: runs a bare-metal RV32 ELF on the full SoC (the RV32 core,
// SRAM, DRAM, Loom, UART, SYSCTRL, CLINT, PLIC) until it exits through
// HTIF `tohost` or SYSCTRL, hits the instruction limit, or deadlocks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/cpu/debug_target.h"

namespace loomvp {

struct ExecOptions {
  std::string elf;
  std::string platform = "mobile-soc";
  std::vector<std::string> overrides;  // key=value
  uint64_t max_instructions = 0;       // 0: no limit
  DebugHook* debug_hook = nullptr;
  std::function<void(const std::string&)> console;  // each UART line as it is printed
};

struct ExecResult {
  bool passed = false;
  int exit_code = 0;           // the program's own code (tohost v >> 1, or SYSCTRL EXIT)
  std::string status;          // one line: how the program ended
  uint64_t instructions_retired = 0;
  double simulated_ns = 0;
};

// Throws UserError for a bad, foreign or out-of-map ELF (exit code 2).
ExecResult exec_elf(const ExecOptions& options);

}  // namespace loomvp
