#include "report.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "loomvp_version.h"
#include "models/energy/energy.h"

namespace loomvp {

using nlohmann::json;

namespace {

struct Totals {
  uint64_t cycles = 0, compute_cycles = 0, dma_cycles = 0, bytes_read = 0, bytes_written = 0, macs = 0;
  uint64_t stall_data_cycles = 0, stall_space_cycles = 0, drain_cycles = 0, tiles = 0, memory_bound_layers = 0;
  uint64_t bytes[static_cast<uint32_t>(TensorKind::Count)] = {};
  LayerEnergy energy;
};

// The layer's energy from its counters (models/energy, docs/energy-model.md).
LayerEnergy energy_of(const LayerResult& l, const RunResult& r) {
  const LayerRecord& rec = l.record;
  const auto bytes = [&rec](TensorKind k) { return rec.dram_bytes[static_cast<uint32_t>(k)]; };
  LayerCounters c;
  c.type = l.layer->type;
  c.steps = rec.steps;
  c.compute_cycles = rec.compute_cycles;
  c.cycles = rec.cycles;
  c.stored_pa = l.stored_pa;
  c.stored_pw = l.stored_pw;
  c.weight_bytes = bytes(TensorKind::Weights) + bytes(TensorKind::Bias);
  c.input_bytes = bytes(TensorKind::Input) + bytes(TensorKind::Input2);
  c.output_bytes = bytes(TensorKind::Output);
  c.dram_bytes = rec.dram_bytes_read + rec.dram_bytes_written;
  return layer_energy(c, engine_spec(r.platform.loom.engine), r.platform.energy,
                      r.platform.loom.clock_period.to_seconds() * 1e9);
}

Totals totals_of(const RunResult& r) {
  Totals t;
  for (const LayerResult& l : r.layers) {
    t.cycles += l.record.cycles;
    t.compute_cycles += l.record.compute_cycles;
    t.dma_cycles += l.record.dma_cycles;
    t.stall_data_cycles += l.record.stall_data_cycles;
    t.stall_space_cycles += l.record.stall_space_cycles;
    t.drain_cycles += l.record.drain_cycles;
    t.tiles += l.record.tiles;
    t.memory_bound_layers += l.ran && l.record.memory_bound;
    for (uint32_t k = 0; k < static_cast<uint32_t>(TensorKind::Count); ++k) t.bytes[k] += l.record.dram_bytes[k];
    t.bytes_read += l.record.dram_bytes_read;
    t.bytes_written += l.record.dram_bytes_written;
    t.macs += l.layer->macs();
    t.energy += energy_of(l, r);
  }
  return t;
}

std::string check_text(const LayerResult& l) {
  if (!l.ran) return l.record.error ? std::string("ERR ") + error_name(l.record.error) : "not run";
  if (l.mismatches) return "MISMATCH " + std::to_string(l.mismatches);
  if (l.expected_mismatches) return "MISMATCH expected " + std::to_string(l.expected_mismatches);
  return l.has_expected ? "exact+exp" : "exact";
}

std::string precisions(const LayerResult& l) {
  const WorkloadLayer& L = *l.layer;
  std::ostringstream s;
  s << L.pa << "/" << (L.pw ? std::to_string(L.pw) : "-") << "/" << L.out_prec;
  return s.str();
}

std::string hex64(uint64_t v) {
  char text[19];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

// null, or how the workload compiler re-laid the layer for the device.
json relayout_json(const Relayout& r) {
  if (!r.space_to_depth) return nullptr;
  return {{"pass", "space_to_depth"},
          {"block", {r.block_y, r.block_x}},
          {"device_input_shape", {r.device_in_shape.c, r.device_in_shape.h, r.device_in_shape.w}},
          {"device_kernel", {r.device_kh, r.device_kw}},
          {"device_stride", {1, 1}},
          {"device_pad", {0, 0}}};
}

double clock_ghz(const RunResult& r) { return 1.0 / (r.platform.loom.clock_period.to_seconds() * 1e9); }

const char* bound_name(const LayerResult& l) {
  if (!l.ran) return "-";
  return l.record.memory_bound ? "memory" : "compute";
}

// Useful MACs over the lane operations the engine's steps offered: a step
// covers Q windows (1 for fc) x R filters x 16 lanes; pools and add 16 x 16.
double lane_utilisation(const LayerResult& l, const EngineSpec& e) {
  const WorkloadLayer& L = *l.layer;
  uint64_t per_step = 16 * kLanes;
  if (L.type == LayerType::Conv)
    per_step = uint64_t{e.window_columns} * e.filter_rows * kLanes;
  else if (L.type == LayerType::Fc)
    per_step = uint64_t{e.serial_weights ? e.filter_rows : kBaseFilters} * kLanes;
  return l.record.steps ? double(L.macs()) / double(l.record.steps * per_step) : 0.0;
}

json energy_json(const LayerEnergy& e) {
  return {{"compute", e.compute},
          {"weight_buffer", e.weight_buffer},
          {"activation_buffer", e.activation_buffer},
          {"output_buffer", e.output_buffer},
          {"dram", e.dram},
          {"interconnect", e.interconnect},
          {"static", e.static_energy},
          {"total", e.total}};
}

json bytes_by_kind(const uint64_t* bytes) {
  json j = json::object();
  for (uint32_t k = 0; k < static_cast<uint32_t>(TensorKind::Count); ++k)
    j[tensor_kind_name(static_cast<TensorKind>(k))] = bytes[k];
  return j;
}

// CSV flattening (docs/stats-format.md section 2): `name`, `type`, then the
// other leaves in the JSON's (alphabetical) order, nested objects as dotted paths.
void leaf_paths(const json& object, const std::string& prefix, std::vector<std::string>& paths) {
  for (const auto& item : object.items()) {
    const std::string path = prefix + item.key();
    if (item.value().is_object())
      leaf_paths(item.value(), path + ".", paths);
    else if (path != "name" && path != "type")
      paths.push_back(path);
  }
}

std::vector<std::string> csv_columns(const json& layer) {
  std::vector<std::string> columns{"name", "type"};
  leaf_paths(layer, "", columns);
  return columns;
}

// null (or a missing parent) is an empty cell, an array its elements joined by 'x'.
std::string csv_cell(const json& layer, const std::string& path) {
  const json* value = &layer;
  for (size_t begin = 0; begin <= path.size();) {
    const size_t dot = std::min(path.find('.', begin), path.size());
    if (!value->is_object()) return "";
    const auto it = value->find(path.substr(begin, dot - begin));
    if (it == value->end()) return "";
    value = &*it;
    begin = dot + 1;
  }
  if (value->is_null()) return "";
  if (value->is_string()) return value->get<std::string>();
  if (!value->is_array()) return value->dump();
  std::string text;
  for (const json& element : *value) text += (text.empty() ? "" : "x") + element.dump();
  return text;
}

// One layer's stats object (docs/stats-format.md 1.2); the CSV flattens it.
json layer_json(const LayerResult& l, const RunResult& r) {
  const WorkloadLayer& L = *l.layer;
  const LayerRecord& rec = l.record;
  const double ghz = clock_ghz(r);
  return {
      {"name", L.name},
      {"type", layer_type_name(L.type)},
      {"input_shape", {L.in_shape.c, L.in_shape.h, L.in_shape.w}},
      {"output_shape", {L.out_shape.c, L.out_shape.h, L.out_shape.w}},
      {"kernel", {L.kh, L.kw}},
      {"stride", {L.sy, L.sx}},
      {"pad", {L.py, L.px}},
      {"groups", L.groups},
      {"relayout", relayout_json(l.relayout)},
      {"pa", L.pa},
      {"pw", L.pw},
      {"out_prec", L.out_prec},
      {"stored_precision", {{"pa", l.stored_pa}, {"pw", l.stored_pw}, {"po", l.stored_po}}},
      {"pa_dynamic_avg", rec.pa_dynamic_avg},
      {"pw_group_avg", rec.pw_group_avg},
      {"macs", L.macs()},
      {"cycles", rec.cycles},
      {"compute_cycles", rec.compute_cycles},
      {"dma_cycles", rec.dma_cycles},
      {"descriptor_fetch_cycles", rec.descriptor_fetch_cycles},
      {"stall_data_cycles", rec.stall_data_cycles},
      {"stall_space_cycles", rec.stall_space_cycles},
      {"drain_cycles", rec.drain_cycles},
      {"bound", bound_name(l)},
      {"tiles", rec.tiles},
      {"loop_order", l.ran ? json(loop_order_name(rec.loop_order)) : json(nullptr)},
      {"lane_utilisation", lane_utilisation(l, engine_spec(r.platform.loom.engine))},
      {"dram_bytes_by_kind", bytes_by_kind(rec.dram_bytes)},
      {"steps", rec.steps},
      {"dram_bytes_read", rec.dram_bytes_read},
      {"dram_bytes_written", rec.dram_bytes_written},
      {"achieved_bandwidth_gb_per_s",
       rec.cycles ? double(rec.dram_bytes_read + rec.dram_bytes_written) * ghz / double(rec.cycles) : 0.0},
      {"error", rec.error ? json(error_name(rec.error)) : json(nullptr)},
      {"ran", l.ran},
      {"mismatches", l.mismatches},
      {"expected_checked", l.has_expected},
      {"expected_mismatches", l.expected_mismatches},
      {"output_fnv1a64", hex64(l.output_fnv1a64)},
      {"energy_pj", energy_json(energy_of(l, r))},
  };
}

}  // namespace

void print_summary(std::ostream& out, const RunResult& r) {
  for (const std::string& line : r.console) out << "[console] " << line << "\n";
  out << "LoomVP  workload " << r.workload->name;
  if (!r.workload->profile.empty()) out << " (profile " << r.workload->profile << ")";
  out << "  engine " << engine_spec(r.platform.loom.engine).name << "  platform " << r.platform.name << "\n";
  for (const std::string& note : r.workload->notes) out << "note: " << note << "\n";
  out << "\n";

  char line[512];
  const EngineSpec& engine = engine_spec(r.platform.loom.engine);
  std::snprintf(line, sizeof line,
                "%-8s %-7s %-12s %-12s %-8s %6s %11s %11s %10s %10s %10s %5s %-7s %5s %11s %10s %10s  %s\n", "layer",
                "type", "input", "output", "Pa/Pw/Po", "pa_dyn", "cycles", "compute", "stall_data", "stall_spc",
                "dma", "tiles", "bound", "util", "DRAM read", "DRAM write", "energy_uJ", "check");
  out << line;
  for (const LayerResult& l : r.layers) {
    const WorkloadLayer& L = *l.layer;
    const LayerRecord& rec = l.record;
    std::snprintf(line, sizeof line,
                  "%-8s %-7s %-12s %-12s %-8s %6.2f %11llu %11llu %10llu %10llu %10llu %5llu %-7s %5.2f %11llu "
                  "%10llu %10.3f  %s\n",
                  L.name.c_str(), layer_type_name(L.type), L.in_shape.str().c_str(), L.out_shape.str().c_str(),
                  precisions(l).c_str(), rec.pa_dynamic_avg, (unsigned long long)rec.cycles,
                  (unsigned long long)rec.compute_cycles, (unsigned long long)rec.stall_data_cycles,
                  (unsigned long long)rec.stall_space_cycles, (unsigned long long)rec.dma_cycles,
                  (unsigned long long)rec.tiles, bound_name(l), lane_utilisation(l, engine),
                  (unsigned long long)rec.dram_bytes_read, (unsigned long long)rec.dram_bytes_written,
                  energy_of(l, r).total / 1e6, check_text(l).c_str());
    out << line;
  }
  const Totals t = totals_of(r);
  for (const LayerResult& l : r.layers)
    if (l.relayout.space_to_depth)
      out << l.layer->name << ": re-laid space-to-depth " << l.relayout.block_y << "x" << l.relayout.block_x
          << " for the device (input " << l.relayout.device_in_shape.str() << ", kernel " << l.relayout.device_kh
          << "x" << l.relayout.device_kw << ", stride 1)\n";
  const std::string bound = std::to_string(t.memory_bound_layers) + " mem";
  std::snprintf(line, sizeof line,
                "%-8s %-7s %-12s %-12s %-8s %6s %11llu %11llu %10llu %10llu %10llu %5llu %-7s %5s %11llu %10llu "
                "%10.3f\n",
                "total", "", "", "", "", "", (unsigned long long)t.cycles, (unsigned long long)t.compute_cycles,
                (unsigned long long)t.stall_data_cycles, (unsigned long long)t.stall_space_cycles,
                (unsigned long long)t.dma_cycles, (unsigned long long)t.tiles, bound.c_str(), "",
                (unsigned long long)t.bytes_read, (unsigned long long)t.bytes_written, t.energy.total / 1e6);
  out << line << "\n";
  out << std::fixed << std::setprecision(3) << "accelerator time " << t.cycles / clock_ghz(r) / 1e6
      << " ms at " << std::setprecision(2) << clock_ghz(r) << " GHz; " << std::setprecision(2)
      << t.macs / 1e9 << " GMAC; host " << std::setprecision(2) << r.host_seconds << " s\n";
  const LayerEnergy& e = t.energy;
  out << std::setprecision(3) << "energy " << e.total / 1e6 << " uJ: compute " << e.compute / 1e6 << ", buffers "
      << (e.weight_buffer + e.activation_buffer + e.output_buffer) / 1e6 << ", DRAM " << e.dram / 1e6
      << ", interconnect " << e.interconnect / 1e6 << ", static " << e.static_energy / 1e6 << " uJ\n";
  if (r.traffic)
    out << std::setprecision(2) << "traffic generator: " << r.traffic->bytes << " B read, "
        << r.traffic->achieved_gb_per_s() << " GB/s achieved of " << r.platform.traffic.bandwidth_gb_per_s
        << " offered, mean latency " << std::setprecision(1) << r.traffic->mean_latency_ns() << " ns\n";
  if (r.cpu.model == "rv32")
    out << "cpu rv32: " << r.cpu.instructions_retired << " instructions, " << r.cpu.cycles << " cycles, "
        << std::setprecision(0) << r.cpu.wfi_ns << " ns in wfi, " << r.cpu.interrupts_taken
        << " interrupts taken\n";
  if (!r.cpu.halt_message.empty()) out << "cpu: " << r.cpu.halt_message << "\n";
  out << verdict(r) << "\n";
}

std::string verdict(const RunResult& r) {
  std::ostringstream out;
  if (r.passed())
    out << "PASS: every layer's output matches the golden reference bit for bit";
  else if (!r.stop_reason.empty())
    out << "FAIL: " << r.stop_reason;
  else if (!r.firmware_exited)
    out << "FAIL: the firmware did not finish (it stopped waiting for an interrupt)";
  else if (r.firmware_exit_code)
    out << "FAIL: the firmware reported failure (exit code " << r.firmware_exit_code << ")";
  else
    out << "FAIL: outputs differ from the golden reference";
  return out.str();
}

json stats_json(const RunResult& r) {
  json layers = json::array();
  const double ghz = clock_ghz(r);
  for (const LayerResult& l : r.layers) layers.push_back(layer_json(l, r));
  const Totals t = totals_of(r);
  json initiators = json::array();
  for (const InitiatorStats& s : r.initiators)
    initiators.push_back({{"name", s.name},
                          {"transactions", s.transactions},
                          {"bytes_read", s.bytes_read},
                          {"bytes_written", s.bytes_written},
                          {"decode_errors", s.decode_errors},
                          {"arbitration_wait_ns", s.arbitration_wait.to_seconds() * 1e9}});
  return {
      {"schema", "loomvp-stats"},
      {"version", 2},
      {"loomvp", {{"version", LOOMVP_VERSION}, {"revision", LOOMVP_REVISION}}},
      {"workload", {{"name", r.workload->name}, {"path", r.workload->path}, {"profile", r.workload->profile}}},
      {"engine", engine_spec(r.platform.loom.engine).name},
      {"platform", r.platform.json},
      {"layers", layers},
      {"totals",
       {{"cycles", t.cycles},
        {"compute_cycles", t.compute_cycles},
        {"dma_cycles", t.dma_cycles},
        {"stall_data_cycles", t.stall_data_cycles},
        {"stall_space_cycles", t.stall_space_cycles},
        {"drain_cycles", t.drain_cycles},
        {"tiles", t.tiles},
        {"memory_bound_layers", t.memory_bound_layers},
        {"dram_bytes_by_kind", bytes_by_kind(t.bytes)},
        {"dram_bytes_read", t.bytes_read},
        {"dram_bytes_written", t.bytes_written},
        {"macs", t.macs},
        {"accelerator_time_ns", t.cycles / ghz},
        {"simulated_time_ns", r.simulated_ns},
        {"energy_pj", energy_json(t.energy)}}},
      {"interconnect", initiators},
      {"dram", {{"bytes_read", r.dram_stats.bytes_read},
                {"bytes_written", r.dram_stats.bytes_written},
                {"transactions", r.dram_stats.transactions},
                {"queue_wait_ns", r.dram_stats.queue_wait.to_seconds() * 1e9},
                {"row_hits", r.dram_banks.row_hits},
                {"row_empty", r.dram_banks.row_empty},
                {"row_conflicts", r.dram_banks.row_conflicts},
                {"host_bytes_allocated", r.dram_host_bytes}}},
      {"traffic", r.traffic ? json{{"bursts", r.traffic->bursts},
                                   {"bytes_read", r.traffic->bytes},
                                   {"errors", r.traffic->errors},
                                   {"offered_gb_per_s", r.platform.traffic.bandwidth_gb_per_s},
                                   {"achieved_gb_per_s", r.traffic->achieved_gb_per_s()},
                                   {"mean_latency_ns", r.traffic->mean_latency_ns()},
                                   {"max_latency_ns", r.traffic->latency_max.to_seconds() * 1e9}}
                            : json(nullptr)},
      {"console", r.console},
      {"result",
       {{"passed", r.passed()},
        {"firmware_exited", r.firmware_exited},
        {"firmware_exit_code", r.firmware_exit_code},
        {"stop_reason", r.stop_reason.empty() ? json(nullptr) : json(r.stop_reason)},
        {"cpu_bus_errors", r.cpu_bus_errors}}},
      {"host", {{"wall_seconds", r.host_seconds}}},
      {"cpu",
       {{"model", r.cpu.model},
        {"instructions_retired", r.cpu.instructions_retired},
        {"cycles", r.cpu.cycles},
        {"wfi_ns", r.cpu.wfi_ns},
        {"interrupts_taken", r.cpu.interrupts_taken},
        {"halt", r.cpu.halt_message}}},
  };
}

void write_csv(std::ostream& out, const RunResult& r) {
  if (r.layers.empty()) return;
  // The columns every row has: a relayout object stands for the null ones too.
  json columns_of = layer_json(r.layers.front(), r);
  Relayout relayout;
  relayout.space_to_depth = true;
  columns_of["relayout"] = relayout_json(relayout);
  const std::vector<std::string> columns = csv_columns(columns_of);
  for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
  out << '\n';
  for (const LayerResult& l : r.layers) {
    const json layer = layer_json(l, r);
    for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << csv_cell(layer, columns[i]);
    out << '\n';
  }
}

}  // namespace loomvp
