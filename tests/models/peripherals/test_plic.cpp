// The PLIC on its own with two source lines driven by the test: gateway
// (level, not re-raised while in service), priority, threshold, enable,
// claim/complete, and the external interrupt output.
#include <catch2/catch.hpp>

#include <functional>

#include "firmware/include/soc_map.h"
#include "models/peripherals/plic.h"
#include "tests/support/test_initiator.h"

using namespace loomvp;

namespace {

struct PlicBench : sc_core::sc_module {
  Plic plic{"plic", 2};
  test::TestInitiator cpu{"cpu"};
  sc_core::sc_signal<bool> line1{"line1"}, line2{"line2"}, irq{"irq"};
  std::function<void(PlicBench&)> scenario;
  bool scenario_done = false;

  SC_HAS_PROCESS(PlicBench);
  explicit PlicBench(std::function<void(PlicBench&)> body) : sc_module("bench"), scenario(std::move(body)) {
    cpu.socket.bind(plic.socket);
    plic.sources[0](line1);
    plic.sources[1](line2);
    plic.external_irq(irq);
    SC_THREAD(run);
  }
  void run() {
    scenario(*this);
    scenario_done = true;
  }
  uint32_t reg(uint32_t offset) {
    tlm::tlm_response_status status;
    const uint32_t value = cpu.read32(offset, &status);
    REQUIRE(status == tlm::TLM_OK_RESPONSE);
    return value;
  }
  void write(uint32_t offset, uint32_t value) { REQUIRE(cpu.write32(offset, value) == tlm::TLM_OK_RESPONSE); }
  // Signal writes and the PLIC's reaction each take a delta cycle.
  static void settle() {
    for (int i = 0; i < 3; ++i) sc_core::wait(sc_core::SC_ZERO_TIME);
  }
};

void run_bench(std::function<void(PlicBench&)> body) {
  PlicBench bench(std::move(body));
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
  CHECK(bench.scenario_done);
}

}  // namespace

TEST_CASE("PLIC forwards a source only when enabled and its priority is above the threshold") {
  run_bench([](PlicBench& b) {
    b.line1.write(true);
    b.settle();
    CHECK(b.reg(PLIC_REG_PENDING) == 0x2u);  // the gateway latches even when disabled
    CHECK_FALSE(b.irq.read());               // priority 0 never interrupts
    b.write(PLIC_REG_PRIORITY(1), 1);
    b.settle();
    CHECK_FALSE(b.irq.read());  // not enabled
    b.write(PLIC_REG_ENABLE, 0xFFFFFFFFu);
    b.settle();
    CHECK(b.reg(PLIC_REG_ENABLE) == 0x6u);  // only ids 1 and 2 exist
    CHECK(b.irq.read());
    b.write(PLIC_REG_THRESHOLD, 1);
    b.settle();
    CHECK_FALSE(b.irq.read());  // 1 is not above 1
    CHECK(b.reg(PLIC_REG_CLAIM) == 0);
    b.write(PLIC_REG_PRIORITY(1), 0xFFu);
    CHECK(b.reg(PLIC_REG_PRIORITY(1)) == PLIC_MAX_PRIORITY);
    b.settle();
    CHECK(b.irq.read());
  });
}

TEST_CASE("PLIC level gateway: a claimed source is not pending again until completed") {
  run_bench([](PlicBench& b) {
    b.write(PLIC_REG_PRIORITY(1), 1);
    b.write(PLIC_REG_ENABLE, 0x2u);
    b.line1.write(true);
    b.settle();
    REQUIRE(b.irq.read());
    CHECK(b.reg(PLIC_REG_CLAIM) == 1);
    b.settle();
    CHECK_FALSE(b.irq.read());
    CHECK(b.reg(PLIC_REG_PENDING) == 0);
    CHECK(b.reg(PLIC_REG_CLAIM) == 0);  // nothing else to claim
    b.write(PLIC_REG_CLAIM, 2);         // completing an id not in service: ignored
    b.write(PLIC_REG_CLAIM, 1);         // line still high: pending again
    b.settle();
    CHECK(b.irq.read());
    CHECK(b.reg(PLIC_REG_CLAIM) == 1);
    b.line1.write(false);  // the device was served
    b.write(PLIC_REG_CLAIM, 1);
    b.settle();
    CHECK_FALSE(b.irq.read());
    CHECK(b.reg(PLIC_REG_PENDING) == 0);
  });
}

TEST_CASE("PLIC claims the highest priority first, the lowest id on a tie") {
  run_bench([](PlicBench& b) {
    b.write(PLIC_REG_ENABLE, 0x6u);
    b.write(PLIC_REG_PRIORITY(1), 1);
    b.write(PLIC_REG_PRIORITY(2), 3);
    b.line1.write(true);
    b.line2.write(true);
    b.settle();
    CHECK(b.reg(PLIC_REG_PENDING) == 0x6u);
    CHECK(b.reg(PLIC_REG_CLAIM) == 2);
    CHECK(b.reg(PLIC_REG_CLAIM) == 1);
    b.write(PLIC_REG_CLAIM, 1);
    b.write(PLIC_REG_CLAIM, 2);
    b.write(PLIC_REG_PRIORITY(2), 1);
    b.settle();
    CHECK(b.reg(PLIC_REG_CLAIM) == 1);
    CHECK(b.reg(PLIC_REG_CLAIM) == 2);
    // A pending source stays pending after its line drops (latched request).
    b.write(PLIC_REG_CLAIM, 1);
    b.write(PLIC_REG_CLAIM, 2);
    b.settle();
    b.line1.write(false);
    b.line2.write(false);
    b.settle();
    CHECK(b.reg(PLIC_REG_PENDING) == 0x6u);
    CHECK(b.cpu.write32(PLIC_REG_PENDING, 0) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(b.cpu.write32(PLIC_REG_PRIORITY(3), 1) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
}
