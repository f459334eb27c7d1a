#include "soc.h"

#include "firmware/include/soc_map.h"

namespace loomvp {

Soc::Soc(sc_core::sc_module_name name, const PlatformConfig& config, std::function<int()> firmware,
         Uart::LineSink console)
    : sc_module(name) {
  router_ = std::make_unique<Router>("bus", config.interconnect);
  sram_ = std::make_unique<Memory>("sram", config.sram);
  dram_ = std::make_unique<Memory>("dram", config.dram);
  loom_ = std::make_unique<Loom>("loom", config.loom);
  cpu_ = std::make_unique<NativeCpu>("cpu", config.cpu, std::move(firmware));
  uart_ = std::make_unique<Uart>("uart", std::move(console));
  sysctrl_ = std::make_unique<SysCtrl>("sysctrl");

  router_->connect_initiator(cpu_->socket, "cpu");
  router_->connect_initiator(loom_->dma_socket, "loom_dma");
  router_->connect_target(sram_->socket, "sram", SOC_SRAM_BASE, config.sram.size_bytes);
  router_->connect_target(uart_->socket, "uart", SOC_UART_BASE, SOC_PERIPHERAL_WINDOW);
  router_->connect_target(sysctrl_->socket, "sysctrl", SOC_SYSCTRL_BASE, SOC_PERIPHERAL_WINDOW);
  router_->connect_target(loom_->reg_socket, "loom", SOC_LOOM_BASE, LOOM_REG_SPACE_BYTES);
  if (config.dram_fault.mode == FaultMode::None) {
    router_->connect_target(dram_->socket, "dram", SOC_DRAM_BASE, config.dram.size_bytes);
  } else {
    dram_fault_ = std::make_unique<FaultInjector>("dram_fault", config.dram_fault);
    router_->connect_target(dram_fault_->target_socket, "dram", SOC_DRAM_BASE, config.dram.size_bytes);
    dram_fault_->initiator_socket.bind(dram_->socket);
  }

  loom_->irq(loom_irq_);
  cpu_->irq(loom_irq_);
}

}  // namespace loomvp
