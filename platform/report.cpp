#include "report.h"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace loomvp {

using nlohmann::json;

namespace {

struct Totals {
  uint64_t cycles = 0, compute_cycles = 0, dma_cycles = 0, bytes_read = 0, bytes_written = 0, macs = 0;
};

Totals totals_of(const RunResult& r) {
  Totals t;
  for (const LayerResult& l : r.layers) {
    t.cycles += l.record.cycles;
    t.compute_cycles += l.record.compute_cycles;
    t.dma_cycles += l.record.dma_cycles;
    t.bytes_read += l.record.dram_bytes_read;
    t.bytes_written += l.record.dram_bytes_written;
    t.macs += l.layer->macs();
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

double clock_ghz(const RunResult& r) { return 1.0 / (r.platform.loom.clock_period.to_seconds() * 1e9); }

}  // namespace

void print_summary(std::ostream& out, const RunResult& r) {
  for (const std::string& line : r.console) out << "[console] " << line << "\n";
  out << "LoomVP  workload " << r.workload.name;
  if (!r.workload.profile.empty()) out << " (profile " << r.workload.profile << ")";
  out << "  engine " << engine_spec(r.platform.loom.engine).name << "  platform " << r.platform.name << "\n\n";

  char line[512];
  std::snprintf(line, sizeof line, "%-8s %-7s %-12s %-12s %-8s %6s %12s %12s %10s %12s %11s  %s\n", "layer",
                "type", "input", "output", "Pa/Pw/Po", "pa_dyn", "cycles", "compute", "dma", "DRAM read",
                "DRAM write", "check");
  out << line;
  for (const LayerResult& l : r.layers) {
    const WorkloadLayer& L = *l.layer;
    std::snprintf(line, sizeof line, "%-8s %-7s %-12s %-12s %-8s %6.2f %12llu %12llu %10llu %12llu %11llu  %s\n",
                  L.name.c_str(), layer_type_name(L.type), L.in_shape.str().c_str(), L.out_shape.str().c_str(),
                  precisions(l).c_str(), l.record.pa_dynamic_avg, (unsigned long long)l.record.cycles,
                  (unsigned long long)l.record.compute_cycles, (unsigned long long)l.record.dma_cycles,
                  (unsigned long long)l.record.dram_bytes_read, (unsigned long long)l.record.dram_bytes_written,
                  check_text(l).c_str());
    out << line;
  }
  const Totals t = totals_of(r);
  std::snprintf(line, sizeof line, "%-8s %-7s %-12s %-12s %-8s %6s %12llu %12llu %10llu %12llu %11llu\n", "total",
                "", "", "", "", "", (unsigned long long)t.cycles, (unsigned long long)t.compute_cycles,
                (unsigned long long)t.dma_cycles, (unsigned long long)t.bytes_read,
                (unsigned long long)t.bytes_written);
  out << line << "\n";
  out << std::fixed << std::setprecision(3) << "accelerator time " << t.cycles / clock_ghz(r) / 1e6
      << " ms at " << std::setprecision(2) << clock_ghz(r) << " GHz; " << std::setprecision(2)
      << t.macs / 1e9 << " GMAC; host " << std::setprecision(2) << r.host_seconds << " s\n";
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
  for (const LayerResult& l : r.layers) {
    const WorkloadLayer& L = *l.layer;
    const LayerRecord& rec = l.record;
    layers.push_back({
        {"name", L.name},
        {"type", layer_type_name(L.type)},
        {"input_shape", {L.in_shape.c, L.in_shape.h, L.in_shape.w}},
        {"output_shape", {L.out_shape.c, L.out_shape.h, L.out_shape.w}},
        {"kernel", {L.kh, L.kw}},
        {"stride", {L.sy, L.sx}},
        {"pad", {L.py, L.px}},
        {"groups", L.groups},
        {"pa", L.pa},
        {"pw", L.pw},
        {"out_prec", L.out_prec},
        {"stored_precision", {{"pa", l.stored_pa}, {"pw", l.stored_pw}, {"po", l.stored_po}}},
        {"pa_dynamic_avg", rec.pa_dynamic_avg},
        {"macs", L.macs()},
        {"cycles", rec.cycles},
        {"compute_cycles", rec.compute_cycles},
        {"dma_cycles", rec.dma_cycles},
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
    });
  }
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
      {"version", 1},
      {"workload", {{"name", r.workload.name}, {"path", r.workload.path}, {"profile", r.workload.profile}}},
      {"engine", engine_spec(r.platform.loom.engine).name},
      {"platform", r.platform.json},
      {"layers", layers},
      {"totals",
       {{"cycles", t.cycles},
        {"compute_cycles", t.compute_cycles},
        {"dma_cycles", t.dma_cycles},
        {"dram_bytes_read", t.bytes_read},
        {"dram_bytes_written", t.bytes_written},
        {"macs", t.macs},
        {"accelerator_time_ns", t.cycles / ghz},
        {"simulated_time_ns", r.simulated_ns}}},
      {"interconnect", initiators},
      {"dram", {{"bytes_read", r.dram_stats.bytes_read},
                {"bytes_written", r.dram_stats.bytes_written},
                {"transactions", r.dram_stats.transactions},
                {"queue_wait_ns", r.dram_stats.queue_wait.to_seconds() * 1e9},
                {"host_bytes_allocated", r.dram_host_bytes}}},
      {"console", r.console},
      {"result",
       {{"passed", r.passed()},
        {"firmware_exited", r.firmware_exited},
        {"firmware_exit_code", r.firmware_exit_code},
        {"stop_reason", r.stop_reason.empty() ? json(nullptr) : json(r.stop_reason)},
        {"cpu_bus_errors", r.cpu_bus_errors}}},
      {"host", {{"wall_seconds", r.host_seconds}}},
  };
}

void write_csv(std::ostream& out, const RunResult& r) {
  out << "name,type,input_shape,output_shape,pa,pw,out_prec,pa_dynamic_avg,macs,cycles,compute_cycles,"
         "dma_cycles,dram_bytes_read,dram_bytes_written,mismatches\n";
  for (const LayerResult& l : r.layers) {
    const WorkloadLayer& L = *l.layer;
    out << L.name << ',' << layer_type_name(L.type) << ',' << L.in_shape.str() << ',' << L.out_shape.str() << ','
        << L.pa << ',' << L.pw << ',' << L.out_prec << ',' << l.record.pa_dynamic_avg << ',' << L.macs() << ','
        << l.record.cycles << ',' << l.record.compute_cycles << ',' << l.record.dma_cycles << ','
        << l.record.dram_bytes_read << ',' << l.record.dram_bytes_written << ',' << l.mismatches << '\n';
  }
}

}  // namespace loomvp
