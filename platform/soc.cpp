#include "soc.h"

#include <stdexcept>

#include "firmware/include/soc_map.h"

namespace loomvp {

Soc::Soc(sc_core::sc_module_name name, const PlatformConfig& config, std::function<int()> firmware,
         Uart::LineSink console)
    : sc_module(name) {
  router_ = std::make_unique<Router>("bus", config.interconnect);
  sram_ = std::make_unique<Memory>("sram", config.sram);
  dram_ = std::make_unique<Memory>("dram", config.dram);
  loom_ = std::make_unique<Loom>("loom", config.loom);
  if (config.cpu_model == PlatformConfig::CpuModel::Rv32)
    rv32_ = std::make_unique<Rv32Cpu>("cpu", config.rv32);
  else
    cpu_ = std::make_unique<NativeCpu>("cpu", config.cpu, std::move(firmware));
  uart_ = std::make_unique<Uart>("uart", std::move(console));
  sysctrl_ = std::make_unique<SysCtrl>("sysctrl");
  clint_ = std::make_unique<Clint>("clint", ClintConfig{});
  plic_ = std::make_unique<Plic>("plic", PLIC_SOURCE_LOOM);

  if (rv32_)
    router_->connect_initiator(rv32_->socket, "cpu");
  else
    router_->connect_initiator(cpu_->socket, "cpu");
  router_->connect_initiator(loom_->dma_socket, "loom_dma");
  if (config.traffic.enabled) {
    traffic_ = std::make_unique<TrafficGenerator>("traffic", config.traffic);
    router_->connect_initiator(traffic_->socket, "traffic");
  }
  router_->connect_target(sram_->socket, "sram", SOC_SRAM_BASE, config.sram.size_bytes);
  router_->connect_target(uart_->socket, "uart", SOC_UART_BASE, SOC_PERIPHERAL_WINDOW);
  router_->connect_target(sysctrl_->socket, "sysctrl", SOC_SYSCTRL_BASE, SOC_PERIPHERAL_WINDOW);
  router_->connect_target(loom_->reg_socket, "loom", SOC_LOOM_BASE, LOOM_REG_SPACE_BYTES);
  router_->connect_target(clint_->socket, "clint", SOC_CLINT_BASE, SOC_CLINT_WINDOW);
  router_->connect_target(plic_->socket, "plic", SOC_PLIC_BASE, SOC_PLIC_WINDOW);
  if (config.dram_fault.mode == FaultMode::None) {
    router_->connect_target(dram_->socket, "dram", SOC_DRAM_BASE, config.dram.size_bytes);
  } else {
    dram_fault_ = std::make_unique<FaultInjector>("dram_fault", config.dram_fault);
    router_->connect_target(dram_fault_->target_socket, "dram", SOC_DRAM_BASE, config.dram.size_bytes);
    dram_fault_->initiator_socket.bind(dram_->socket);
  }

  loom_->irq(loom_irq_);
  if (rv32_) {
    rv32_->timer_irq(timer_irq_);
    rv32_->external_irq(external_irq_);
    rv32_->software_irq(software_irq_);
  } else {
    cpu_->irq(loom_irq_);
  }
  plic_->sources[PLIC_SOURCE_LOOM - 1](loom_irq_);
  plic_->external_irq(external_irq_);
  clint_->timer_irq(timer_irq_);
  clint_->software_irq(software_irq_);
}

void Soc::load_elf(const ElfImage& image) {
  if (!rv32_) throw std::logic_error("Soc::load_elf needs cpu.model = rv32");
  image.load([this](uint64_t address, const uint8_t* data, uint64_t length) {
    if (address >= SOC_DRAM_BASE) return dram_->backdoor_write(address - SOC_DRAM_BASE, data, length);
    return sram_->backdoor_write(address - SOC_SRAM_BASE, data, length);
  });
  rv32_->write_register(32, image.entry());
  if (const auto tohost = image.symbol("tohost")) rv32_->set_tohost(*tohost);
}

uint64_t Soc::cpu_bus_errors() const { return rv32_ ? rv32_->bus_errors() : cpu_->bus_errors(); }

void Soc::set_tracer(Tracer* tracer) {
  loom_->set_tracer(tracer);
  if (cpu_) cpu_->set_tracer(tracer);
  if (rv32_) rv32_->set_tracer(tracer);
}

}  // namespace loomvp
