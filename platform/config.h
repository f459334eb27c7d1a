// Platform configuration: a JSON platform file (platform/configs/*.json),
// then --engine and --set key=value overrides, validated against the default
// platform's keys and types, then turned into each model's config struct.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/cpu/native_cpu.h"
#include "models/energy/energy.h"
#include "models/fault/fault_injector.h"
#include "models/cpu/rv32/rv32_cpu.h"
#include "models/interconnect/router.h"
#include "models/loom/loom.h"
#include "models/memory/memory.h"
#include "models/traffic/traffic_generator.h"
#include "platform/compiler.h"

namespace loomvp {

// Limits that end a run which would otherwise never finish (docs/errors.md).
struct RunLimits {
  sc_core::sc_time max_simulated;  // simulation.max_simulated_ns
  double max_host_seconds = 0;     // simulation.max_host_seconds; 0: no watchdog
};

struct PlatformConfig {
  std::string name;
  nlohmann::json json;  // the full, effective configuration (goes into stats)
  LoomConfig loom;
  // cpu.model: the host-compiled driver (native) or the cross-built driver on
  // the RV32 ISS (rv32); the other struct is unused.
  enum class CpuModel { Native, Rv32 } cpu_model = CpuModel::Native;
  NativeCpuConfig cpu;
  Rv32Config rv32;
  MemoryConfig sram;
  MemoryConfig dram;
  RouterConfig interconnect;
  // How the firmware's network runner drives Loom (docs/register-map.md).
  struct Firmware {
    bool register_mode = false;  // one START per layer instead of one descriptor chain
    bool irq_per_layer = false;  // chain mode: an interrupt after every layer
  } firmware;
  RunLimits limits;
  FaultConfig dram_fault;  // between the interconnect and DRAM
  CompilerOptions compiler;
  TrafficConfig traffic;
  EnergyParams energy;  // per-operation energies (docs/energy-model.md)
};

// Directory holding the built-in platform files.
std::string platform_config_dir();
std::vector<std::string> builtin_platforms();

// `name_or_file` is a built-in platform name or a path to a JSON file.
PlatformConfig load_platform(const std::string& name_or_file, const std::string& engine,
                             const std::vector<std::string>& overrides);

// Builds the model configs from a JSON value already merged and checked.
// `overridden` maps fields set on the command line to the option that set
// them, so an out-of-range value is blamed on the right source.
PlatformConfig platform_from_json(const nlohmann::json& json, const std::string& source,
                                  const std::map<std::string, std::string>& overridden = {});

}  // namespace loomvp
