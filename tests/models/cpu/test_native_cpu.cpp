#include <catch2/catch.hpp>

#include "firmware/include/console.h"
#include "firmware/include/mmio.h"
#include "firmware/include/soc_map.h"
#include "models/cpu/native_cpu.h"
#include "models/interconnect/router.h"
#include "models/memory/memory.h"
#include "models/peripherals/sysctrl.h"
#include "models/peripherals/uart.h"

using namespace loomvp;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

// A CPU with its own bus, SRAM, UART and system controller.
struct CpuSystem {
  Router router;
  Memory sram;
  Uart uart;
  SysCtrl sysctrl;
  NativeCpu cpu;
  sc_core::sc_signal<bool> irq;

  static MemoryConfig sram_config() {
    MemoryConfig m;
    m.size_bytes = 1 << 20;
    m.latency = sc_time(1, SC_NS);
    m.bytes_per_beat = 16;
    m.beat_time = sc_time(1, SC_NS);
    return m;
  }
  static NativeCpuConfig cpu_config(bool dmi) {
    NativeCpuConfig c;
    c.use_dmi = dmi;
    return c;
  }
  CpuSystem(const char* name, bool dmi, std::function<int()> firmware)
      : router((std::string(name) + "_bus").c_str(), RouterConfig{}),
        sram((std::string(name) + "_sram").c_str(), sram_config()),
        uart((std::string(name) + "_uart").c_str(), nullptr),
        sysctrl((std::string(name) + "_sysctrl").c_str()),
        cpu((std::string(name) + "_cpu").c_str(), cpu_config(dmi), std::move(firmware)),
        irq((std::string(name) + "_irq").c_str()) {
    router.connect_initiator(cpu.socket, "cpu");
    router.connect_target(sram.socket, "sram", SOC_SRAM_BASE, 1 << 20);
    router.connect_target(uart.socket, "uart", SOC_UART_BASE, SOC_PERIPHERAL_WINDOW);
    router.connect_target(sysctrl.socket, "sysctrl", SOC_SYSCTRL_BASE, SOC_PERIPHERAL_WINDOW);
    cpu.irq(irq);
  }
};

}  // namespace

TEST_CASE("simulated time of CPU memory accesses is the same with DMI on and off") {
  sc_time done_dmi, done_bus;
  uint32_t sum_dmi = 0, sum_bus = 0;
  std::unique_ptr<CpuSystem> with_dmi, without_dmi;
  const auto program = [](CpuSystem*& self, sc_time& done, uint32_t& sum) {
    return [&self, &done, &sum] {
      for (uint32_t i = 0; i < 64; ++i) self->cpu.write32(SOC_SRAM_BASE + 4 * i, i * 3);
      for (uint32_t i = 0; i < 64; ++i) sum += self->cpu.read32(SOC_SRAM_BASE + 4 * i);
      done = self->cpu.current_time();
      return 0;
    };
  };
  CpuSystem* a = nullptr;
  CpuSystem* b = nullptr;
  with_dmi = std::make_unique<CpuSystem>("a", true, program(a, done_dmi, sum_dmi));
  without_dmi = std::make_unique<CpuSystem>("b", false, program(b, done_bus, sum_bus));
  a = with_dmi.get();
  b = without_dmi.get();
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(sum_dmi == 3 * (63 * 64 / 2));
  CHECK(sum_bus == sum_dmi);
  CHECK(done_dmi == done_bus);
  // Each access: 1 ns issue + 1 beat on the link + 2 + 1 SRAM beat + 1 ns SRAM latency + 2 = 8 ns.
  CHECK(done_bus == sc_time(128 * 8, SC_NS));
  CHECK(b->router.initiator_stats()[0].transactions == 128);
  CHECK(a->router.initiator_stats()[0].transactions < 128);  // DMI took over after the first access
  CHECK(a->sram.stats().bytes_written + b->sram.stats().bytes_written > 0);
}

TEST_CASE("wait for interrupt syncs the CPU's local time and sleeps until the line rises") {
  sc_time before_sleep, woke;
  CpuSystem* self = nullptr;
  std::unique_ptr<CpuSystem> system = std::make_unique<CpuSystem>("s", false, [&] {
    for (int i = 0; i < 10; ++i) self->cpu.read32(SOC_SRAM_BASE);
    self->cpu.wait_for_interrupt();
    woke = sc_core::sc_time_stamp();
    return 0;
  });
  self = system.get();
  struct Raiser : sc_core::sc_module {
    sc_core::sc_signal<bool>& line;
    SC_HAS_PROCESS(Raiser);
    Raiser(sc_core::sc_signal<bool>& l) : sc_module("raiser"), line(l) { SC_THREAD(run); }
    void run() {
      wait(sc_time(5, sc_core::SC_US));
      line.write(true);
    }
  } raiser(system->irq);
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(self->cpu.finished());
  CHECK(woke == sc_time(5, sc_core::SC_US));
}

TEST_CASE("firmware C code reaches the UART and the system controller through the native CPU") {
  std::unique_ptr<CpuSystem> system = std::make_unique<CpuSystem>("f", false, [] {
    console_puts("hello ");
    console_put_line_u64("n=", 1234567890123ull);
    mmio_write32(SOC_SYSCTRL_BASE + SYSCTRL_REG_SCRATCH, 77);
    const uint32_t scratch = mmio_read32(SOC_SYSCTRL_BASE + SYSCTRL_REG_SCRATCH);
    mmio_write32(SOC_SYSCTRL_BASE + SYSCTRL_REG_EXIT, scratch == 77 ? 3 : 9);
    return 0;
  });
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(system->uart.transcript() == "hello n=1234567890123\n");
  REQUIRE(system->sysctrl.exit_code().has_value());
  CHECK(*system->sysctrl.exit_code() == 3);
  CHECK(sc_core::sc_time_stamp() < sc_time(1, sc_core::SC_MS));  // EXIT stopped the simulation
}

TEST_CASE("a CPU access to an unmapped address is counted - reads all ones - and the CPU goes on") {
  uint32_t value = 0;
  CpuSystem* self = nullptr;
  std::unique_ptr<CpuSystem> system = std::make_unique<CpuSystem>("e", false, [&] {
    value = self->cpu.read32(0x50000000);
    self->cpu.write32(0x50000000, 1);
    return 0;
  });
  self = system.get();
  sc_core::sc_start(sc_time(1, sc_core::SC_MS));
  CHECK(value == 0xFFFFFFFFu);
  CHECK(self->cpu.bus_errors() == 2);
  CHECK(self->cpu.finished());
}
