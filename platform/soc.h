// The mobile SoC: CPU, SRAM, DRAM, Loom, UART, system control, CLINT and PLIC
// on one address-decoding interconnect (address map in
// firmware/include/soc_map.h). Loom's interrupt is PLIC source 1; the native
// CPU, which has no trap handler, also sees the Loom line directly.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <systemc>

#include "models/cpu/native_cpu.h"
#include "models/fault/fault_injector.h"
#include "models/cpu/rv32/rv32_cpu.h"
#include "models/interconnect/router.h"
#include "models/loom/loom.h"
#include "models/memory/memory.h"
#include "models/peripherals/clint.h"
#include "models/peripherals/plic.h"
#include "models/peripherals/sysctrl.h"
#include "models/peripherals/uart.h"
#include "models/traffic/traffic_generator.h"
#include "platform/config.h"
#include "platform/elf_loader.h"

namespace loomvp {

class Soc : public sc_core::sc_module {
 public:
  // `firmware` is the native CPU's program; with cpu.model = rv32 it is
  // unused and the caller loads an ELF (load_elf) instead.
  Soc(sc_core::sc_module_name name, const PlatformConfig& config, std::function<int()> firmware,
      Uart::LineSink console);

  // Loads an RV32 program into SRAM/DRAM, points the core at its entry and
  // its `tohost` (if any). Throws UserError when a segment is out of the map.
  void load_elf(const ElfImage& image);
  // Bus errors seen by whichever CPU runs.
  uint64_t cpu_bus_errors() const;

  Router& router() { return *router_; }
  Memory& sram() { return *sram_; }
  Memory& dram() { return *dram_; }
  Loom& loom() { return *loom_; }
  NativeCpu* native_cpu() { return cpu_.get(); }  // null with cpu.model = rv32
  Rv32Cpu* rv32_cpu() { return rv32_.get(); }     // null with cpu.model = native
  Uart& uart() { return *uart_; }
  SysCtrl& sysctrl() { return *sysctrl_; }
  const FaultInjector* dram_fault() const { return dram_fault_.get(); }  // null unless configured
  TrafficGenerator* traffic() { return traffic_.get(); }  // null unless traffic.enabled
  Clint& clint() { return *clint_; }
  Plic& plic() { return *plic_; }
  // Hands `tracer` to Loom and the CPU (null: no trace).
  void set_tracer(Tracer* tracer);

 private:
  std::unique_ptr<Router> router_;
  std::unique_ptr<Memory> sram_, dram_;
  std::unique_ptr<Loom> loom_;
  std::unique_ptr<NativeCpu> cpu_;
  std::unique_ptr<Rv32Cpu> rv32_;
  std::unique_ptr<Uart> uart_;
  std::unique_ptr<SysCtrl> sysctrl_;
  std::unique_ptr<FaultInjector> dram_fault_;
  std::unique_ptr<TrafficGenerator> traffic_;
  std::unique_ptr<Clint> clint_;
  std::unique_ptr<Plic> plic_;
  sc_core::sc_signal<bool> loom_irq_{"loom_irq"};
  sc_core::sc_signal<bool> timer_irq_{"timer_irq"}, software_irq_{"software_irq"}, external_irq_{"external_irq"};
};

}  // namespace loomvp
