// Fuzzes the device with random register programming followed by START.
// Each input is a list of 5-byte records (register index, 32-bit value,
// little-endian) written in order after a soft reset; then START. The device
// must end in DONE or ERROR with a documented code (loom_regs.h) within a
// bounded simulated time, never crash or hang (tests/fuzz/loom_fuzz_bench.h).
#include <cstring>

#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/loom_fuzz_bench.h"

using namespace loomvp_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LoomFuzzBench& b = bench();
  b.give_up = sc_core::sc_time(1, sc_core::SC_SEC);  // far beyond any layer the bench's limits allow
  b.program = [&b, data, size] {
    for (size_t i = 0; i + 5 <= size; i += 5) {
      uint32_t value;
      std::memcpy(&value, data + i + 1, 4);
      b.write((data[i] % (LOOM_REG_SPACE_BYTES / 4)) * 4, value);
    }
    b.write(LOOM_REG_CTRL, LOOM_CTRL_START | LOOM_CTRL_IRQ_ENABLE);
  };
  b.check = nullptr;
  b.run_input();
  return 0;
}
