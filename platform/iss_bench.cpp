#include "iss_bench.h"

#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>

#include "firmware/include/soc_map.h"
#include "models/cpu/rv32/rv32_cpu.h"
#include "models/interconnect/router.h"
#include "models/memory/memory.h"
#include "platform/elf_loader.h"

namespace loomvp {

std::string iss_bench_program() {
#ifdef LOOMVP_ISS_BENCH_ELF
  if (std::ifstream(LOOMVP_ISS_BENCH_ELF)) return LOOMVP_ISS_BENCH_ELF;
#endif
  return "";
}

int run_iss_bench(const std::string& elf, std::ostream& out) {
  const ElfImage image = ElfImage::read_file(elf);
  MemoryConfig sram_config;
  sram_config.size_bytes = 1 << 20;
  sram_config.latency = sc_core::sc_time(1, sc_core::SC_NS);
  MemoryConfig dram_config;
  dram_config.size_bytes = 64 << 20;
  Rv32Config cpu_config;
  cpu_config.reset_pc = image.entry();

  Router bus("bus", RouterConfig{});
  Memory sram("sram", sram_config), dram("dram", dram_config);
  Rv32Cpu cpu("cpu", cpu_config);
  sc_core::sc_signal<bool> timer("timer"), external("external"), software("software");
  bus.connect_initiator(cpu.socket, "cpu");
  bus.connect_target(sram.socket, "sram", SOC_SRAM_BASE, sram_config.size_bytes);
  bus.connect_target(dram.socket, "dram", SOC_DRAM_BASE, dram_config.size_bytes);
  cpu.timer_irq(timer);
  cpu.external_irq(external);
  cpu.software_irq(software);
  image.load([&](uint64_t address, const uint8_t* data, uint64_t length) {
    if (address >= SOC_DRAM_BASE) return dram.backdoor_write(address - SOC_DRAM_BASE, data, length);
    return sram.backdoor_write(address - SOC_SRAM_BASE, data, length);
  });
  if (auto tohost = image.symbol("tohost")) cpu.set_tohost(*tohost);

  // Wall time and this process's CPU time: on a shared machine the CPU time
  // is the steadier measure of the simulator's own speed.
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  sc_core::sc_start();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const bool passed = cpu.halt_reason() == Rv32Cpu::Halt::ToHost && cpu.tohost_value() == 1;
  char line[256];
  const double instructions = static_cast<double>(cpu.instructions_retired());
  std::snprintf(line, sizeof line, "%-8s %8.2f %8.2f %14.0f %10.1f %10.1f  %s\n", "rv32-iss", seconds, cpu_seconds,
                instructions, instructions / seconds / 1e6, instructions / cpu_seconds / 1e6,
                passed ? "pass" : cpu.halt_message().c_str());
  out << "LoomVP bench: RV32 ISS on " << elf << "\n";
  char header[128];
  std::snprintf(header, sizeof header, "%-8s %8s %8s %14s %10s %10s  %s\n", "cpu", "host_s", "cpu_s", "instructions",
                "MIPS", "MIPS_cpu", "result");
  out << header << line << std::flush;
  return passed ? 0 : 1;
}

}  // namespace loomvp
