// One run: load the platform and the workload, place tensors in DRAM in the
// engine's storage format, leave the layer table for the firmware, simulate
// until the firmware exits, then check every layer's output against the
// golden reference (computed concurrently on a second host thread).
//
// The stages are separate so sweeps and batches reuse the costly ones:
//   load (platform, network.json, limits, memory plan, tensors)
//   -> reference (golden outputs, once per workload)
//   -> simulate (once per platform configuration or image).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "firmware/include/loom_net.h"
#include "models/cpu/debug_target.h"
#include "models/loom/loom.h"
#include "models/interconnect/router.h"
#include "models/memory/memory.h"
#include "platform/compiler.h"
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
  bool trace = false;                  // record trace events (--trace)
  bool vcd = false;                    // record busy/irq/dma_active (--vcd)
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
  std::shared_ptr<const Workload> workload;
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
  std::string trace_json;  // --trace: trace-event JSON (docs/stats-format.md section 4)
  std::string vcd_text;    // --vcd: the VCD file's text
  bool passed() const;
};

// Where a tensor lives in DRAM, in the engine's storage format.
struct StoredTensor {
  uint32_t address = 0;
  uint32_t prec = 0;  // stored precision (bit planes)
  bool is_signed = false;
  Shape shape;
};

// The DRAM placement of every tensor and the firmware's layer table: a pure
// function of the platform and the shapes of the layers the device runs
// (compiled; no tensor data needed), so a too-small memory or on-chip buffer
// is reported before anything is generated.
struct MemoryPlan {
  std::map<std::string, StoredTensor> tensors;  // the input and every layer's output
  std::vector<uint32_t> weight_addr, bias_addr;  // per layer (0: none)
  std::vector<loom_layer_t> table;
};

// Throws UserError naming the setting (DRAM, SRAM, an on-chip buffer) or
// the device limit a layer exceeds.
MemoryPlan plan_memory(const PlatformConfig& platform, const Workload& workload, const CompiledWorkload& compiled);

// The planned tensors as DRAM bytes (input and weights packed, bias), for
// sweeps: packed once, written by every point whose plan has the same layout.
struct DramImage {
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> blocks;  // DRAM offset, bytes
};
DramImage pack_tensors(const Workload& workload, const CompiledWorkload& compiled, const MemoryPlan& plan);
// Packs the workload's (new) input into its block of `image`: a batch image.
void replace_input(DramImage& image, const Workload& workload, const CompiledWorkload& compiled,
                   const MemoryPlan& plan);
// True when two plans place every tensor at the same address and precision.
bool same_layout(const MemoryPlan& a, const MemoryPlan& b);

using GoldenOutputs = std::vector<std::vector<int32_t>>;

// Golden outputs computed on a host thread. Destroying the job before it is
// done (a run that failed on bad input) cancels the computation at once.
class ReferenceJob {
 public:
  explicit ReferenceJob(std::shared_ptr<const Workload> workload);
  ~ReferenceJob();
  ReferenceJob(const ReferenceJob&) = delete;
  ReferenceJob& operator=(const ReferenceJob&) = delete;
  const GoldenOutputs& outputs();  // waits; rethrows the thread's exception

 private:
  std::shared_ptr<const Workload> workload_;
  std::atomic<bool> cancel_{false};
  GoldenOutputs outputs_;
  std::exception_ptr error_;
  std::thread thread_;
};

// Builds the SoC, writes the planned tensors (from `image` when given, else
// packed one at a time), simulates and checks every layer against `golden`
// (called once the simulation ends). SystemC elaborates once per process:
// one simulate per process.
struct TraceRequest {
  bool json = false, vcd = false;
};
RunResult simulate(const PlatformConfig& platform, std::shared_ptr<const Workload> workload,
                   const CompiledWorkload& compiled, const MemoryPlan& plan,
                   const std::function<const GoldenOutputs&()>& golden, const DramImage* image = nullptr,
                   DebugHook* debug_hook = nullptr, TraceRequest trace = {});

// The load stage: platform, workload (checked, then its tensors read or
// generated) and memory plan. Throws UserError for bad input.
struct LoadedRun {
  PlatformConfig platform;
  std::shared_ptr<Workload> workload;
  MemoryPlan plan;
};
LoadedRun load_run(const RunOptions& options);

// Everything above for one configuration. Throws UserError for bad input
// (exit code 2).
RunResult run_workload(const RunOptions& options);

// The cross-built RV32 network runner, or "" when it was not built.
std::string rv32_firmware_path();
// Bad input when the platform's CPU needs firmware that was not built.
void check_cpu_firmware(const PlatformConfig& platform);

}  // namespace loomvp
