#include "exec.h"

#include "models/cpu/gdb_server.h"
#include "platform/config.h"
#include "platform/elf_loader.h"
#include "platform/soc.h"

namespace loomvp {

ExecResult exec_elf(const ExecOptions& options) {
  std::vector<std::string> overrides = options.overrides;
  overrides.push_back("cpu.model=rv32");
  PlatformConfig config = load_platform(options.platform, "", overrides);
  config.rv32.max_instructions = options.max_instructions;
  const ElfImage image = ElfImage::read_file(options.elf);

  Soc soc("soc", config, nullptr, options.console);
  soc.load_elf(image);
  Rv32Cpu& cpu = *soc.rv32_cpu();
  cpu.set_debug_hook(options.debug_hook);
  if (auto* gdb = dynamic_cast<GdbServer*>(options.debug_hook)) {
    // gdb learns the program's own code when it ends through tohost.
    gdb->set_exit_status([&cpu] {
      const uint32_t value = cpu.tohost_value();
      return static_cast<uint8_t>(value == 1 ? 0 : value >> 1);
    });
  }
  sc_core::sc_start();
  soc.uart().flush();

  ExecResult result;
  result.instructions_retired = cpu.instructions_retired();
  result.simulated_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  if (const auto code = soc.sysctrl().exit_code()) {
    result.exit_code = static_cast<int>(*code);
    result.passed = *code == 0;
    result.status = "SYSCTRL exit " + std::to_string(*code);
  } else if (cpu.halt_reason() == Rv32Cpu::Halt::ToHost) {
    const uint32_t value = cpu.tohost_value();
    result.passed = value == 1;
    result.exit_code = value % 2 ? static_cast<int>(value >> 1) : -1;
    result.status = "tohost " + std::to_string(value) +
                    (value == 1     ? " (pass)"
                     : value % 2    ? " (failure code " + std::to_string(value >> 1) + ")"
                                    : " (an even value is an HTIF system call, which this platform does not serve)");
  } else {
    result.exit_code = -1;
    result.status = cpu.halt_message();
    if (result.status.empty()) result.status = "the simulation ran out of events";
  }
  return result;
}

}  // namespace loomvp
