// Fuzzes the device with random register programming followed by START.
// Each input is a list of 5-byte records (register index, 32-bit value,
// little-endian) written in order after a soft reset; then START. The device
// must end in DONE or ERROR with a documented code (loom_regs.h) within a
// bounded simulated time, never crash or hang. One SystemC elaboration serves
// every input: the kernel is resumed with sc_start for each.
#include <cstdlib>
#include <cstring>

#include "models/interconnect/router.h"
#include "models/loom/loom.h"
#include "models/memory/memory.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/test_initiator.h"

using namespace loomvp;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

constexpr uint64_t kLoomBase = 0x10010000, kDramBase = 0x80000000, kDramSize = 1 << 20;
const sc_time kGiveUp(1, sc_core::SC_SEC);  // far beyond any layer the limits below allow

struct Bench : sc_core::sc_module {
  Router router{"router", RouterConfig{}};
  Memory dram{"dram", dram_config()};
  Loom loom{"loom", loom_config()};
  test::TestInitiator cpu{"cpu"};
  sc_core::sc_signal<bool> irq{"irq"};
  sc_core::sc_event go;
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool pending = false;  // an input waits to be run
  bool finished = false;

  static MemoryConfig dram_config() {
    MemoryConfig m;
    m.size_bytes = kDramSize;
    return m;
  }
  // Small limits keep each layer's host time short.
  static LoomConfig loom_config() {
    LoomConfig c;
    c.limits.dram_base = kDramBase;
    c.limits.dram_size = kDramSize;
    c.limits.max_tensor_elements = 1 << 16;
    c.limits.max_layer_macs = 1 << 22;
    return c;
  }

  SC_HAS_PROCESS(Bench);
  explicit Bench(sc_core::sc_module_name name) : sc_module(name) {
    router.connect_initiator(cpu.socket, "cpu");
    router.connect_initiator(loom.dma_socket, "loom_dma");
    router.connect_target(loom.reg_socket, "loom", kLoomBase, LOOM_REG_SPACE_BYTES);
    router.connect_target(dram.socket, "dram", kDramBase, kDramSize);
    loom.irq(irq);
    SC_THREAD(run);
  }

  void write(uint32_t offset, uint32_t value) { cpu.write32(kLoomBase + offset, value); }
  uint32_t read(uint32_t offset) { return cpu.read32(kLoomBase + offset); }

  void run() {
    for (;;) {
      while (!pending) wait(go);
      pending = false;
      write(LOOM_REG_CTRL, LOOM_CTRL_SOFT_RESET);
      write(LOOM_REG_IRQ_STATUS, ~0u);
      write(LOOM_REG_IRQ_MASK, ~0u);
      for (size_t i = 0; i + 5 <= size; i += 5) {
        uint32_t value;
        std::memcpy(&value, data + i + 1, 4);
        write((data[i] % (LOOM_REG_SPACE_BYTES / 4)) * 4, value);
      }
      write(LOOM_REG_CTRL, LOOM_CTRL_START | LOOM_CTRL_IRQ_ENABLE);
      const sc_time deadline = sc_core::sc_time_stamp() + kGiveUp;
      uint32_t status = read(LOOM_REG_STATUS);
      while ((status & LOOM_STATUS_BUSY) && sc_core::sc_time_stamp() < deadline) {
        wait(sc_time(10, sc_core::SC_US), irq.posedge_event());
        status = read(LOOM_REG_STATUS);
      }
      if (status & LOOM_STATUS_BUSY) {
        std::fprintf(stderr, "device still busy 1 s (simulated) after START\n");
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
      finished = true;
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Bench* bench = [] {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    return new Bench("bench");
  }();
  bench->data = data;
  bench->size = size;
  bench->finished = false;
  bench->pending = true;
  bench->go.notify(sc_core::SC_ZERO_TIME);  // before the first sc_start the thread sees `pending` at once
  sc_core::sc_start(sc_core::sc_max_time() - sc_core::sc_time_stamp(), sc_core::SC_EXIT_ON_STARVATION);
  if (!bench->finished) std::abort();
  return 0;
}
