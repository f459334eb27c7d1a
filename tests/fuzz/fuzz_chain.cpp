// Fuzzes descriptor chains: a random chain in DRAM, then START_CHAIN. Input:
//   byte 0      CHAIN_COUNT (taken mod 17: 0..16 descriptors)
//   byte 1      CHAIN_CTRL
//   bytes 2..5  CHAIN_ADDR - DRAM base (little-endian; past 1 MiB is off the map)
//   the rest    descriptor bytes, written at CHAIN_ADDR when that is in DRAM
// The chain must end in DONE with CHAIN_INDEX = CHAIN_COUNT and the
// CHAIN_DONE cause, or in ERROR with a documented code and CHAIN_INDEX at
// the failing descriptor; never crash or hang (docs/register-map.md).
#include <algorithm>
#include <cstring>

#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/loom_fuzz_bench.h"

using namespace loomvp_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 6) return 0;
  const uint32_t count = data[0] % 17, ctrl = data[1];
  uint32_t offset;
  std::memcpy(&offset, data + 2, 4);
  LoomFuzzBench& b = bench();
  b.give_up = sc_core::sc_time(1 + count, sc_core::SC_SEC);  // 1 s per layer is far beyond the limits
  b.program = [&b, data, size, count, ctrl, offset] {
    if (offset < kDramSize)
      b.dram.backdoor_write(offset, data + 6, std::min<uint64_t>(size - 6, kDramSize - offset));
    b.write(LOOM_REG_CHAIN_ADDR, static_cast<uint32_t>(kDramBase + offset));
    b.write(LOOM_REG_CHAIN_COUNT, count);
    b.write(LOOM_REG_CHAIN_CTRL, ctrl);
    b.write(LOOM_REG_CTRL, LOOM_CTRL_START_CHAIN | LOOM_CTRL_IRQ_ENABLE);
  };
  b.check = [&b, count](uint32_t status) {
    const uint32_t index = b.read(LOOM_REG_CHAIN_INDEX), causes = b.read(LOOM_REG_IRQ_STATUS);
    const bool ok = (status & LOOM_STATUS_ERROR)
                        ? (index < count || (count == 0 && index == 0)) && (causes & LOOM_IRQ_ERROR)
                        : index == count && (causes & LOOM_IRQ_CHAIN_DONE);
    if (!ok) {
      std::fprintf(stderr, "chain of %u ended with STATUS 0x%08x, CHAIN_INDEX %u, IRQ_STATUS 0x%x\n", count,
                   status, index, causes);
      std::abort();
    }
  };
  b.run_input();
  return 0;
}
