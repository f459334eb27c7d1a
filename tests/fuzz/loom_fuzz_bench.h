// The device bench the `registers` and `chain` harnesses share: CPU
// initiator, router, 1 MiB of DRAM and Loom with small limits. One SystemC
// elaboration serves every input; run_input() resumes the kernel for each.
// Per input: soft reset, IRQs cleared and unmasked, DRAM zeroed (so an input
// replays alone exactly as it ran), then the harness's `program` (register
// writes ending in a START); the device must then end in DONE or ERROR with
// a documented code within `give_up` simulated time, never crash or hang;
// `check` may add the harness's own checks on the final state.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "tests/support/loom_test_soc.h"

namespace loomvp_fuzz {

using namespace loomvp;

using test::kDramBase;
using test::kLoomBase;
constexpr uint64_t kDramSize = 1 << 20;

struct LoomFuzzBench : sc_core::sc_module, test::LoomTestSoc {
  sc_core::sc_event go;
  std::function<void()> program;                // register writes ending in a START
  std::function<void(uint32_t status)> check;  // extra checks once the device is idle
  sc_core::sc_time give_up;
  bool pending = false;  // an input waits to be run
  bool finished = false;

  // Small limits keep each layer's host time short.
  static LoomConfig loom_config() {
    LoomConfig c;
    c.limits.dram_base = kDramBase;
    c.limits.dram_size = kDramSize;
    c.limits.max_tensor_elements = 1 << 16;
    c.limits.max_layer_macs = 1 << 22;
    return c;
  }

  SC_HAS_PROCESS(LoomFuzzBench);
  explicit LoomFuzzBench(sc_core::sc_module_name name) : sc_module(name), LoomTestSoc(kDramSize, loom_config()) {
    SC_THREAD(run);
  }

  void write(uint32_t offset, uint32_t value) { cpu.write32(kLoomBase + offset, value); }
  uint32_t read(uint32_t offset) { return cpu.read32(kLoomBase + offset); }

  void run() {
    const std::vector<uint8_t> zeros(kDramSize);
    for (;;) {
      while (!pending) wait(go);
      pending = false;
      write(LOOM_REG_CTRL, LOOM_CTRL_SOFT_RESET);
      write(LOOM_REG_IRQ_STATUS, ~0u);
      write(LOOM_REG_IRQ_MASK, ~0u);
      dram.backdoor_write(0, zeros.data(), zeros.size());
      program();
      const sc_core::sc_time deadline = sc_core::sc_time_stamp() + give_up;
      uint32_t status = read(LOOM_REG_STATUS);
      while ((status & LOOM_STATUS_BUSY) && sc_core::sc_time_stamp() < deadline) {
        wait(sc_core::sc_time(10, sc_core::SC_US), irq.posedge_event());
        status = read(LOOM_REG_STATUS);
      }
      if (status & LOOM_STATUS_BUSY) {
        std::fprintf(stderr, "device still busy %s (simulated) after START\n", give_up.to_string().c_str());
        std::abort();
      }
      // DONE and ERROR together are legal: a START while busy flags BUSY and
      // the running layer still completes (docs/register-map.md).
      const bool done = status & LOOM_STATUS_DONE, error = status & LOOM_STATUS_ERROR;
      const uint32_t code = LOOM_STATUS_ERR_CODE(status);
      if ((!done && !error) || (error && (code == LOOM_ERR_NONE || code >= LOOM_ERR_COUNT))) {
        std::fprintf(stderr, "undocumented final STATUS 0x%08x\n", status);
        std::abort();
      }
      if (check) check(status);
      finished = true;
    }
  }

  // Runs one input to its end (called from LLVMFuzzerTestOneInput).
  void run_input() {
    finished = false;
    pending = true;
    go.notify(sc_core::SC_ZERO_TIME);  // before the first sc_start the thread sees `pending` at once
    sc_core::sc_start(sc_core::sc_max_time() - sc_core::sc_time_stamp(), sc_core::SC_EXIT_ON_STARVATION);
    if (!finished) std::abort();
  }
};

// The one bench of this process, elaborated on first use.
inline LoomFuzzBench& bench() {
  static LoomFuzzBench* bench = [] {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    return new LoomFuzzBench("bench");
  }();
  return *bench;
}

}  // namespace loomvp_fuzz
