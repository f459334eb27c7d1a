// One run: load the platform and the workload, place tensors in DRAM in the
// engine's storage format, leave the layer table for the firmware, simulate
// until the firmware exits, then check every layer's output against the
// golden reference (computed concurrently on a second host thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/loom/loom.h"
#include "models/interconnect/router.h"
#include "models/memory/memory.h"
#include "platform/config.h"
#include "platform/workload.h"

namespace loomvp {

struct RunOptions {
  std::string workload = "alexnet";
  std::string engine;  // empty: the platform's
  std::string platform = "mobile-soc";
  std::vector<std::string> overrides;  // key=value
};

struct LayerResult {
  const WorkloadLayer* layer = nullptr;
  LayerRecord record;  // what the device measured
  bool ran = false;
  uint64_t mismatches = 0;           // vs the golden reference
  uint64_t expected_mismatches = 0;  // vs the bundle's expected tensor, if any
  bool has_expected = false;
  uint64_t output_fnv1a64 = 0;  // hash of the output tensor as read back (determinism checks)
  uint32_t stored_pa = 0, stored_pw = 0, stored_po = 0;
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
  std::vector<InitiatorStats> initiators;
  MemoryStats dram_stats;
  bool passed() const;
};

// Throws UserError for bad input (exit code 2).
RunResult run_workload(const RunOptions& options);

}  // namespace loomvp
