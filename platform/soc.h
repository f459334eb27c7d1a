// The mobile SoC: CPU, SRAM, DRAM, Loom, UART and system control on one
// address-decoding interconnect (address map in firmware/include/soc_map.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <systemc>

#include "models/cpu/native_cpu.h"
#include "models/fault/fault_injector.h"
#include "models/interconnect/router.h"
#include "models/loom/loom.h"
#include "models/memory/memory.h"
#include "models/peripherals/sysctrl.h"
#include "models/peripherals/uart.h"
#include "platform/config.h"

namespace loomvp {

class Soc : public sc_core::sc_module {
 public:
  Soc(sc_core::sc_module_name name, const PlatformConfig& config, std::function<int()> firmware,
      Uart::LineSink console);

  Router& router() { return *router_; }
  Memory& sram() { return *sram_; }
  Memory& dram() { return *dram_; }
  Loom& loom() { return *loom_; }
  NativeCpu& cpu() { return *cpu_; }
  Uart& uart() { return *uart_; }
  SysCtrl& sysctrl() { return *sysctrl_; }
  const FaultInjector* dram_fault() const { return dram_fault_.get(); }  // null unless configured

 private:
  std::unique_ptr<Router> router_;
  std::unique_ptr<Memory> sram_, dram_;
  std::unique_ptr<Loom> loom_;
  std::unique_ptr<NativeCpu> cpu_;
  std::unique_ptr<Uart> uart_;
  std::unique_ptr<SysCtrl> sysctrl_;
  std::unique_ptr<FaultInjector> dram_fault_;
  sc_core::sc_signal<bool> loom_irq_{"loom_irq"};
};

}  // namespace loomvp
