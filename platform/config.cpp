#include "config.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "platform/input_checks.h"
#include "platform/paths.h"
#include "platform/user_error.h"

namespace loomvp {

using nlohmann::json;
namespace fs = std::filesystem;

std::string platform_config_dir() { return project_path("platform/configs"); }

std::vector<std::string> builtin_platforms() {
  std::vector<std::string> names;
  std::error_code error;
  if (!fs::is_directory(platform_config_dir(), error))
    throw UserError(std::getenv("LOOMVP_HOME") ? "LOOMVP_HOME" : "source tree", echo(project_root()),
                    "has no platform/configs directory; LOOMVP_HOME must name a LoomVP tree "
                    "(holding platform/configs/ and workloads/)");
  for (const auto& entry : fs::directory_iterator(platform_config_dir()))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

std::string keys_of(const json& object) {
  std::string keys;
  for (const auto& item : object.items()) keys += (keys.empty() ? "" : ", ") + item.key();
  return keys;
}

const char* type_name(const json& value) {
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  return "an object";
}

bool same_kind(const json& a, const json& b) {
  return (a.is_boolean() && b.is_boolean()) || (a.is_number() && b.is_number()) ||
         (a.is_string() && b.is_string()) || (a.is_object() && b.is_object());
}

// Overlays `update` on `base`, accepting only keys and types the default has.
void merge_checked(json& base, const json& update, const std::string& source, const std::string& path) {
  if (!update.is_object()) throw UserError(source, path.empty() ? "(top level)" : path, "must be an object");
  for (const auto& item : update.items()) {
    const std::string field = path.empty() ? echo(item.key()) : path + "." + echo(item.key());
    if (!base.contains(item.key()))
      throw UserError(source, field, "unknown key; allowed: " + keys_of(base));
    json& target = base[item.key()];
    if (!same_kind(target, item.value()))
      throw UserError(source, field, std::string("must be ") + type_name(target));
    if (target.is_object())
      merge_checked(target, item.value(), source, field);
    else
      target = item.value();
  }
}

void apply_override(json& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError("--set", echo(assignment), "expected key=value, e.g. dram.bandwidth_gb_per_s=25.6");
  const std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  // Text that starts like a number, object or array must be valid JSON (so
  // 1e400 is an error, not the string "1e400"); a bare word is a string.
  const char first = text.empty() ? '\0' : text[0];
  json value;
  if (std::strchr("{[-0123456789", first) && first)
    value = parse_json_text(text, "--set", key);
  else if (json::accept(text))
    value = json::parse(text);
  else
    value = text;
  // Turn "a.b.c" into {"a": {"b": {"c": value}}} and merge it checked.
  json update = std::move(value);
  std::string rest = key;
  for (auto dot = rest.rfind('.'); ; dot = rest.rfind('.')) {
    update = json{{rest.substr(dot == std::string::npos ? 0 : dot + 1), std::move(update)}};
    if (dot == std::string::npos) break;
    rest = rest.substr(0, dot);
  }
  merge_checked(config, update, "--set", "");
}

std::string number_text(double v) {
  std::ostringstream text;
  text << std::setprecision(12) << v;
  return text.str();
}

// Typed getters that name the field and the allowed range on failure.
struct Reader {
  const json& root;
  const std::string& source;
  const std::map<std::string, std::string>& overridden;  // field -> option that set it

  // Where a bad value came from: the command-line option that set it or an
  // object holding it (--set dram={...}), else the file.
  std::string origin(const std::string& field) const {
    for (std::string prefix = field;; prefix = prefix.substr(0, prefix.rfind('.'))) {
      const auto it = overridden.find(prefix);
      if (it != overridden.end()) return it->second;
      if (prefix.find('.') == std::string::npos) return source;
    }
  }

  const json& at(const std::string& section, const std::string& key) const { return root.at(section).at(key); }
  double number(const std::string& section, const std::string& key, double lo, double hi) const {
    const double v = at(section, key).get<double>();
    if (!(v >= lo && v <= hi))
      throw UserError(origin(section + "." + key), section + "." + key,
                      "value " + echo_json(at(section, key)) + " out of range; allowed " + number_text(lo) +
                          ".." + number_text(hi));
    return v;
  }
  uint64_t integer(const std::string& section, const std::string& key, double lo, double hi) const {
    const double v = number(section, key, lo, hi);
    if (v != std::floor(v)) throw UserError(origin(section + "." + key), section + "." + key, "must be a whole number");
    return static_cast<uint64_t>(v);
  }
  // A clock period must be a whole number of picoseconds (the simulation's
  // time resolution): refused rather than rounded, so every cycle count stays exact.
  sc_core::sc_time clock_period(const std::string& section) const {
    const double mhz = number(section, "clock_mhz", 1, 10000);
    const double period_ps = 1e6 / mhz, whole_ps = std::round(period_ps);
    if (std::abs(period_ps - whole_ps) > 1e-6)  // only floating-point noise is forgiven
      throw UserError(origin(section + ".clock_mhz"), section + ".clock_mhz",
                      "value " + number_text(mhz) + " gives a clock period of " + number_text(period_ps) +
                          " ps; allowed: a frequency whose period 1e6/clock_mhz is a whole number of ps "
                          "(e.g. 1000, 800, 500, 400, 250, 200, 125, 100)");
    return sc_core::sc_time(whole_ps, sc_core::SC_PS);
  }
  bool boolean(const std::string& section, const std::string& key) const { return at(section, key).get<bool>(); }
  std::string text(const std::string& section, const std::string& key) const { return at(section, key).get<std::string>(); }
};


// A channel moving `beat_bytes` per beat at `gb_per_s` takes beat_bytes / GB/s ns per beat.
sc_core::sc_time beat_time(uint64_t beat_bytes, double gb_per_s) {
  return sc_core::sc_time(std::ceil(beat_bytes * 1000.0 / gb_per_s), sc_core::SC_PS);
}

FaultConfig fault_from_json(const Reader& r, uint64_t dram_size) {
  static const std::map<std::string, FaultMode> modes{
      {"none", FaultMode::None}, {"error", FaultMode::Error}, {"flip", FaultMode::Flip}, {"stall", FaultMode::Stall}};
  FaultConfig f;
  const std::string mode = r.text("fault", "mode");
  if (!modes.count(mode))
    throw UserError(r.origin("fault.mode"), "fault.mode", "'" + echo(mode) + "' unknown; allowed: none, error, flip, stall");
  f.mode = modes.at(mode);
  f.offset = r.integer("fault", "dram_offset", 0, double(dram_size - 1));
  f.size_bytes = r.integer("fault", "size_bytes", f.mode == FaultMode::None ? 0 : 1, double(dram_size - f.offset));
  f.flip_mask = static_cast<uint8_t>(r.integer("fault", "flip_mask", 1, 255));
  f.stall = sc_core::sc_time(r.number("fault", "stall_ns", 0, 1e15), sc_core::SC_NS);
  return f;
}

// Energies are non-negative; the upper bounds only catch unit mistakes
// (pJ vs nJ) far beyond any published figure.
EnergyParams energy_from_json(const Reader& r) {
  EnergyParams e;
  e.mac16_pj = r.number("energy", "mac16_pj", 0, 1e4);
  e.sip_bit_op_pj = r.number("energy", "sip_bit_op_pj", 0, 1e4);
  e.elementwise_op_pj = r.number("energy", "elementwise_op_pj", 0, 1e4);
  e.weight_buffer_pj_per_bit = r.number("energy", "weight_buffer_pj_per_bit", 0, 1e4);
  e.activation_buffer_pj_per_bit = r.number("energy", "activation_buffer_pj_per_bit", 0, 1e4);
  e.output_buffer_pj_per_bit = r.number("energy", "output_buffer_pj_per_bit", 0, 1e4);
  e.dram_pj_per_byte = r.number("energy", "dram_pj_per_byte", 0, 1e6);
  e.interconnect_pj_per_byte = r.number("energy", "interconnect_pj_per_byte", 0, 1e6);
  e.static_power_mw = r.number("energy", "static_power_mw", 0, 1e6);
  return e;
}

}  // namespace

PlatformConfig platform_from_json(const json& j, const std::string& source,
                                  const std::map<std::string, std::string>& overridden) {
  const Reader r{j, source, overridden};
  PlatformConfig c;
  c.name = j.at("name").get<std::string>();
  c.json = j;

  const std::string engine = r.text("loom", "engine");
  const auto parsed = parse_engine(engine);
  if (!parsed)
    throw UserError(r.origin("loom.engine"), "loom.engine", "unknown engine '" + echo(engine) + "'; allowed: " + engine_names());
  c.loom.engine = *parsed;
  c.loom.clock_period = r.clock_period("loom");
  c.loom.dynamic_precision = r.boolean("loom", "dynamic_precision");
  c.loom.dynamic_precision_group = static_cast<uint32_t>(r.integer("loom", "dynamic_precision_group", 0, 65536));
  c.loom.weight_group_precision = r.boolean("loom", "weight_group_precision");
  c.loom.dma.burst_bytes = static_cast<uint32_t>(r.integer("loom", "dma_burst_bytes", 4, 4096));
  c.loom.dma.max_outstanding = static_cast<uint32_t>(r.integer("loom", "dma_max_outstanding", 1, 1024));
  c.loom.limits.max_tensor_elements = r.integer("loom", "max_tensor_elements", 1, 1ull << 30);
  c.loom.limits.max_layer_macs = r.integer("loom", "max_layer_macs", 1, 1e15);
  c.loom.buffers.weight_bytes = r.integer("loom", "weight_buffer_bytes", 64, UINT32_MAX);
  c.loom.buffers.activation_bytes = r.integer("loom", "activation_buffer_bytes", 64, UINT32_MAX);
  c.loom.buffers.output_bytes = r.integer("loom", "output_buffer_bytes", 64, UINT32_MAX);

  const std::string cpu_model = r.text("cpu", "model");
  if (cpu_model != "native" && cpu_model != "rv32")
    throw UserError(r.origin("cpu.model"), "cpu.model", "unknown CPU model '" + echo(cpu_model) + "'; allowed: native, rv32");
  c.cpu_model = cpu_model == "rv32" ? PlatformConfig::CpuModel::Rv32 : PlatformConfig::CpuModel::Native;
  c.cpu.clock_period = r.clock_period("cpu");
  c.cpu.use_dmi = r.boolean("cpu", "dmi");
  c.rv32.clock_period = c.cpu.clock_period;
  c.rv32.use_dmi = c.cpu.use_dmi;
  c.rv32.cycles_per_instruction = static_cast<uint32_t>(r.integer("cpu", "cycles_per_instruction", 1, 1000));

  const auto memory = [&r](const std::string& section, uint64_t max_size) {
    MemoryConfig m;
    m.size_bytes = r.integer(section, "size_bytes", 4096, double(max_size));
    m.latency = sc_core::sc_time(r.number(section, "latency_ns", 0, 1e6), sc_core::SC_NS);
    m.bytes_per_beat = static_cast<uint32_t>(r.integer(section, "bytes_per_beat", 1, 4096));
    m.beat_time = beat_time(m.bytes_per_beat, r.number(section, "bandwidth_gb_per_s", 0.001, 1e6));
    return m;
  };
  c.sram = memory("sram", 0x10000000ull);
  c.dram = memory("dram", 0x80000000ull);
  c.loom.limits.dram_base = 0x80000000ull;
  c.loom.limits.dram_size = c.dram.size_bytes;

  c.interconnect.bytes_per_cycle = static_cast<uint32_t>(r.integer("interconnect", "bytes_per_cycle", 1, 4096));
  c.interconnect.clock_period = r.clock_period("interconnect");
  c.interconnect.latency_cycles = static_cast<uint32_t>(r.integer("interconnect", "latency_cycles", 0, 100000));

  // Every DRAM access arbitrates (docs/timing-model.md section 7): DMI would
  // let an access skip the contended link and channel.
  c.dram.dmi_allowed = false;
  DramBankConfig& banks = c.dram.bank_timing;
  banks.enabled = r.boolean("dram", "bank_timing");
  banks.banks = static_cast<uint32_t>(r.integer("dram", "banks", 1, 1024));
  banks.row_bytes = r.integer("dram", "row_bytes", 64, 1 << 20);
  banks.t_rcd = sc_core::sc_time(r.number("dram", "t_rcd_ns", 0, 1e6), sc_core::SC_NS);
  banks.t_rp = sc_core::sc_time(r.number("dram", "t_rp_ns", 0, 1e6), sc_core::SC_NS);

  c.compiler.space_to_depth = r.boolean("compiler", "space_to_depth");

  c.traffic.enabled = r.boolean("traffic", "enabled");
  c.traffic.bandwidth_gb_per_s = r.number("traffic", "bandwidth_gb_per_s", 0.001, 1e6);
  c.traffic.burst_bytes = static_cast<uint32_t>(r.integer("traffic", "burst_bytes", 4, 4096));
  const std::string pattern = r.text("traffic", "pattern");
  if (pattern != "sequential" && pattern != "random")
    throw UserError(r.origin("traffic.pattern"), "traffic.pattern",
                    "unknown pattern '" + pattern.substr(0, 100) + "'; allowed: sequential, random");
  c.traffic.random = pattern == "random";
  c.traffic.seed = r.integer("traffic", "seed", 0, 9007199254740992.0);
  c.traffic.max_outstanding = static_cast<uint32_t>(r.integer("traffic", "max_outstanding", 1, 1024));
  // The window is the top of DRAM, away from the runner's tensors at the bottom.
  c.traffic.window_bytes = r.integer("traffic", "window_bytes", c.traffic.burst_bytes, double(c.dram.size_bytes));
  c.traffic.window_base = c.loom.limits.dram_base + c.dram.size_bytes - c.traffic.window_bytes;
  const std::string mode = r.text("firmware", "mode");
  if (mode != "chain" && mode != "registers")
    throw UserError(r.origin("firmware.mode"), "firmware.mode", "unknown mode '" + mode.substr(0, 100) + "'; allowed: chain, registers");
  c.firmware.register_mode = mode == "registers";
  c.firmware.irq_per_layer = r.boolean("firmware", "irq_per_layer");

  const sc_core::sc_time quantum(r.number("simulation", "quantum_ns", 1, 1e9), sc_core::SC_NS);
  c.cpu.quantum = quantum;
  c.rv32.quantum = quantum;
  c.loom.dma.quantum = quantum;
  c.limits.max_simulated = sc_core::sc_time(r.number("simulation", "max_simulated_ns", 1, 1e15), sc_core::SC_NS);
  c.limits.max_host_seconds = r.number("simulation", "max_host_seconds", 0, 1e6);
  c.dram_fault = fault_from_json(r, c.dram.size_bytes);
  c.traffic.quantum = quantum;
  c.energy = energy_from_json(r);
  return c;
}

PlatformConfig load_platform(const std::string& name_or_file, const std::string& engine,
                             const std::vector<std::string>& overrides) {
  const std::string default_file = platform_config_dir() + "/mobile-soc.json";
  json config = parse_json_file(default_file);
  std::string source = default_file;
  if (!name_or_file.empty() && name_or_file != "mobile-soc") {
    // A built-in name never holds '/', so it cannot reach outside the folder.
    std::error_code error;
    std::string file = name_or_file;
    const std::string builtin = platform_config_dir() + "/" + name_or_file + ".json";
    if (!fs::exists(file, error) && name_or_file.find('/') == std::string::npos && fs::exists(builtin, error))
      file = builtin;
    if (!fs::exists(file, error)) {
      std::string names;
      for (const auto& n : builtin_platforms()) names += (names.empty() ? "" : ", ") + n;
      throw UserError("--platform", echo(name_or_file), "no such platform or file; built-in platforms: " + names);
    }
    source = echo(file);
    merge_checked(config, parse_json_file(file), source, "");
  }
  std::map<std::string, std::string> overridden;
  if (!engine.empty()) {
    if (!parse_engine(engine))
      throw UserError("--engine", echo(engine), std::string("unknown engine; allowed: ") + engine_names());
    config["loom"]["engine"] = engine;
    overridden["loom.engine"] = "--engine";
  }
  for (const auto& assignment : overrides) {
    apply_override(config, assignment);
    const std::string key = assignment.substr(0, assignment.find('='));
    overridden[key] = "--set";
  }
  return platform_from_json(config, source, overridden);
}

}  // namespace loomvp
