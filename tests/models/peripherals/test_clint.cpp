// The CLINT on its own: a test initiator reads and writes its registers at
// chosen simulated times; expected mtime values are elapsed time / 100 ns.
#include <catch2/catch.hpp>

#include <functional>

#include "firmware/include/soc_map.h"
#include "models/peripherals/clint.h"
#include "tests/support/test_initiator.h"

using namespace loomvp;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;

namespace {

struct ClintBench : sc_core::sc_module {
  Clint clint{"clint", ClintConfig{}};  // 100 ns ticks
  test::TestInitiator cpu{"cpu"};
  sc_core::sc_signal<bool> timer{"timer"}, software{"software"};
  std::function<void(ClintBench&)> scenario;
  bool scenario_done = false;

  SC_HAS_PROCESS(ClintBench);
  explicit ClintBench(std::function<void(ClintBench&)> body) : sc_module("bench"), scenario(std::move(body)) {
    cpu.socket.bind(clint.socket);
    clint.timer_irq(timer);
    clint.software_irq(software);
    SC_THREAD(run);
  }
  void run() {
    scenario(*this);
    scenario_done = true;
  }
  uint32_t read_at(uint32_t offset, sc_time delay) {
    uint32_t value = 0;
    REQUIRE(cpu.transport(tlm::TLM_READ_COMMAND, offset, &value, 4, delay) == tlm::TLM_OK_RESPONSE);
    return value;
  }
  void write(uint32_t offset, uint32_t value) { REQUIRE(cpu.write32(offset, value) == tlm::TLM_OK_RESPONSE); }
  static void settle() { sc_core::wait(sc_core::SC_ZERO_TIME); }
};

void run_bench(std::function<void(ClintBench&)> body) {
  ClintBench bench(std::move(body));
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(bench.scenario_done);
}

}  // namespace

TEST_CASE("CLINT mtime counts 100 ns ticks, including the initiator's annotated delay") {
  run_bench([](ClintBench& b) {
    CHECK(b.read_at(CLINT_REG_MTIME_LO, sc_time(0, SC_NS)) == 0);
    sc_core::wait(1, SC_US);
    CHECK(b.read_at(CLINT_REG_MTIME_LO, sc_time(0, SC_NS)) == 10);
    CHECK(b.read_at(CLINT_REG_MTIME_LO, sc_time(250, SC_NS)) == 12);  // 1.25 us
    CHECK(b.read_at(CLINT_REG_MTIME_HI, sc_time(0, SC_NS)) == 0);
    // mtimecmp resets to all ones, so nothing fires before software sets it.
    CHECK(b.read_at(CLINT_REG_MTIMECMP_LO, sc_time(0, SC_NS)) == 0xFFFFFFFFu);
    CHECK(b.read_at(CLINT_REG_MTIMECMP_HI, sc_time(0, SC_NS)) == 0xFFFFFFFFu);
    CHECK_FALSE(b.timer.read());
  });
}

TEST_CASE("CLINT timer interrupt rises exactly when mtime reaches mtimecmp and falls when it moves away") {
  run_bench([](ClintBench& b) {
    sc_core::wait(1, SC_US);
    b.write(CLINT_REG_MTIMECMP_HI, 0);
    b.write(CLINT_REG_MTIMECMP_LO, 25);  // 2.5 us
    b.settle();
    CHECK_FALSE(b.timer.read());
    sc_core::wait(b.timer.posedge_event());
    CHECK(sc_core::sc_time_stamp() == sc_time(2500, SC_NS));
    CHECK(b.read_at(CLINT_REG_MTIME_LO, sc_time(0, SC_NS)) == 25);
    b.write(CLINT_REG_MTIMECMP_LO, 100);  // 10 us: the level drops at once
    b.settle();
    b.settle();
    CHECK_FALSE(b.timer.read());
    b.write(CLINT_REG_MTIMECMP_LO, 5);  // already past: rises at once
    b.settle();
    b.settle();
    CHECK(b.timer.read());
  });
}

TEST_CASE("CLINT mtime can be written and keeps counting from the written value") {
  run_bench([](ClintBench& b) {
    sc_core::wait(3, SC_US);
    b.write(CLINT_REG_MTIME_HI, 1);
    b.write(CLINT_REG_MTIME_LO, 1000);
    sc_core::wait(2, SC_US);
    CHECK(b.read_at(CLINT_REG_MTIME_LO, sc_time(0, SC_NS)) == 1020);
    CHECK(b.read_at(CLINT_REG_MTIME_HI, sc_time(0, SC_NS)) == 1);
    // mtimecmp compares all 64 bits: 0x1_0000_0400 is 4 ticks ahead.
    b.write(CLINT_REG_MTIMECMP_HI, 1);
    b.write(CLINT_REG_MTIMECMP_LO, 1024);
    sc_core::wait(b.timer.posedge_event());
    CHECK(sc_core::sc_time_stamp() == sc_time(5400, SC_NS));
  });
}

TEST_CASE("CLINT msip drives the software interrupt, bad accesses get TLM errors") {
  run_bench([](ClintBench& b) {
    b.write(CLINT_REG_MSIP, 0xFFFFFFFFu);
    b.settle();
    b.settle();
    CHECK(b.software.read());
    CHECK(b.read_at(CLINT_REG_MSIP, sc_time(0, SC_NS)) == 1);  // only bit 0 exists
    b.write(CLINT_REG_MSIP, 0);
    b.settle();
    b.settle();
    CHECK_FALSE(b.software.read());
    CHECK(b.cpu.write32(0x8, 1) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    uint16_t half = 0;
    sc_time delay = sc_core::SC_ZERO_TIME;
    CHECK(b.cpu.transport(tlm::TLM_READ_COMMAND, CLINT_REG_MTIME_LO, &half, 2, delay) ==
          tlm::TLM_BURST_ERROR_RESPONSE);
  });
}
