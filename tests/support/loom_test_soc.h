// The small SoC that Loom's device tests and fuzz harnesses run on: a test
// initiator as the CPU, the router, DRAM, and Loom with its interrupt line.
// A bench derives from its sc_module first, then from this, so these parts
// are the bench's children.
#pragma once

#include <cstdint>

#include "models/interconnect/router.h"
#include "models/loom/loom.h"
#include "models/memory/memory.h"
#include "tests/support/test_initiator.h"

namespace loomvp::test {

constexpr uint64_t kLoomBase = 0x10010000, kDramBase = 0x80000000;

struct LoomTestSoc {
  Router router{"router", RouterConfig{}};
  Memory dram;
  Loom loom;
  TestInitiator cpu{"cpu"};
  sc_core::sc_signal<bool> irq{"irq"};

  // `dram_size` bytes of DRAM at kDramBase; Loom's registers at kLoomBase.
  LoomTestSoc(uint64_t dram_size, const LoomConfig& config) : dram("dram", dram_config(dram_size)), loom("loom", config) {
    router.connect_initiator(cpu.socket, "cpu");
    router.connect_initiator(loom.dma_socket, "loom_dma");
    router.connect_target(loom.reg_socket, "loom", kLoomBase, LOOM_REG_SPACE_BYTES);
    router.connect_target(dram.socket, "dram", kDramBase, dram_size);
    loom.irq(irq);
  }

  static MemoryConfig dram_config(uint64_t size) {
    MemoryConfig m;
    m.size_bytes = size;
    return m;
  }
};

}  // namespace loomvp::test
