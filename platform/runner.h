// One run: load the platform and the workload, place tensors in DRAM in the
// engine's storage format, leave the layer table for the firmware, simulate
// until the firmware exits, then check every layer's output against the
// golden reference (computed concurrently on a second host thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/cpu/debug_target.h"
#include "models/loom/loom.h"
#include "models/interconnect/router.h"
#include "models/memory/memory.h"
#include "platform/config.h"
#include "platform/workload.h"

namespace loomvp {

struct RunOptions {
  std::string workload = "alexnet";
  std::string profile;  // empty: the network's default (platform/networks.h)
  std::string engine;  // empty: the platform's
  std::string platform = "mobile-soc";
  std::vector<std::string> overrides;  // key=value
  const std::vector<int32_t>* input = nullptr;  // replaces the workload's input (--batch)
  DebugHook* debug_hook = nullptr;     // a debugger for the RV32 core (--gdb)
};

struct LayerResult {
  const WorkloadLayer* layer = nullptr;
  LayerRecord record;  // what the device measured
  bool ran = false;
  uint64_t mismatches = 0;           // vs the golden reference
  uint64_t expected_mismatches = 0;  // vs the bundle's expected tensor, if any
  bool has_expected = false;
  uint64_t output_fnv1a64 = 0;  // hash of the output tensor as read back (determinism checks)
  Relayout relayout;  // what the workload compiler changed for the device
  uint32_t stored_pa = 0, stored_pw = 0, stored_po = 0;
};

// What the host CPU did (docs/stats-format.md). The RV32 ISS fills every
// field; the native CPU only the model.
struct CpuStats {
  std::string model = "native";
  uint64_t instructions_retired = 0;
  uint64_t cycles = 0;
  double wfi_ns = 0;  // simulated time asleep in wfi
  uint64_t interrupts_taken = 0;
  std::string halt_message;  // why the core stopped, when not by a firmware exit
};

struct RunResult {
  PlatformConfig platform;
  Workload workload;
  std::vector<LayerResult> layers;
  std::vector<std::string> console;
  std::string stop_reason;  // set when a limit (time, watchdog) ended the run
  bool firmware_exited = false;
  uint32_t firmware_exit_code = 0;
  double simulated_ns = 0;
  double host_seconds = 0;
  uint64_t dram_host_bytes = 0;
  uint64_t cpu_bus_errors = 0;  // firmware accesses answered with a bus error
  CpuStats cpu;
  std::vector<InitiatorStats> initiators;
  std::vector<int32_t> final_output, final_reference;  // the last layer: device and golden values
  MemoryStats dram_stats;
  DramBankStats dram_banks;  // zero unless dram.bank_timing
  std::optional<TrafficStats> traffic;  // when traffic.enabled
  bool passed() const;
};

// Throws UserError for bad input (exit code 2).
RunResult run_workload(const RunOptions& options);

// The cross-built RV32 network runner, or "" when it was not built.
std::string rv32_firmware_path();

}  // namespace loomvp
