#include "platform/trace.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace loomvp {

namespace {

struct TrackInfo {
  int pid, tid;
  const char* name;
};

// One process per block, one thread per track (trace-event pid/tid).
constexpr int kLoomPid = 1, kCpuPid = 2, kDramPid = 3;
const TrackInfo kTracks[] = {
    {kLoomPid, 1, "layers"}, {kLoomPid, 2, "compute"}, {kLoomPid, 3, "load DMA"},
    {kLoomPid, 4, "store DMA"}, {kLoomPid, 5, "interrupts"}, {kCpuPid, 1, "driver"},
};
static_assert(sizeof kTracks / sizeof kTracks[0] == static_cast<size_t>(TraceTrack::Count), "one entry per track");

const TrackInfo& info(TraceTrack track) { return kTracks[static_cast<size_t>(track)]; }

// Simulated picoseconds as trace-event microseconds, exactly (6 decimals).
std::string us(uint64_t ps) {
  char text[32];
  std::snprintf(text, sizeof text, "%llu.%06llu", static_cast<unsigned long long>(ps / 1000000),
                static_cast<unsigned long long>(ps % 1000000));
  return text;
}

class Writer {
 public:
  void add(const std::string& event) {
    text_ += first_ ? "\n" : ",\n";
    text_ += event;
    first_ = false;
  }
  std::string finish() { return "{\"traceEvents\":[" + text_ + "\n],\"displayTimeUnit\":\"ns\"}\n"; }

 private:
  std::string text_;
  bool first_ = true;
};

std::string head(const char* name, char phase, const TrackInfo& t, uint64_t ps) {
  return std::string("{\"name\":\"") + name + "\",\"ph\":\"" + phase + "\",\"pid\":" + std::to_string(t.pid) +
         ",\"tid\":" + std::to_string(t.tid) + ",\"ts\":" + us(ps);
}

std::string args(const char* arg_name, uint64_t arg) {
  return arg_name ? std::string(",\"args\":{\"") + arg_name + "\":" + std::to_string(arg) + "}" : "";
}

void metadata(Writer& out) {
  const std::pair<int, const char*> processes[] = {{kLoomPid, "loom"}, {kCpuPid, "cpu"}, {kDramPid, "dram"}};
  for (const auto& [pid, name] : processes)
    out.add("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
            ",\"tid\":0,\"args\":{\"name\":\"" + name + "\"}}");
  for (const TrackInfo& t : kTracks)
    out.add("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":" + std::to_string(t.pid) + ",\"tid\":" +
            std::to_string(t.tid) + ",\"args\":{\"name\":\"" + t.name + "\"}}");
}

}  // namespace

std::string trace_event_json(const TraceRecorder& recorder, const std::vector<std::string>& layer_names,
                             uint64_t end_ps) {
  Writer out;
  metadata(out);
  std::vector<std::vector<TraceRecorder::Event>> open(static_cast<size_t>(TraceTrack::Count));
  std::map<uint64_t, double> rate_change;  // ps -> GB/s added (DMA transfers start) or removed (end)
  const auto close = [&](const TraceRecorder::Event& b, uint64_t end) {
    const TrackInfo& t = info(b.track);
    if (b.track == TraceTrack::Cpu) {
      out.add(head(b.name, 'E', t, end) + "}");
      return;
    }
    const char* name = b.name;
    if (b.track == TraceTrack::Layer && b.arg < layer_names.size()) name = layer_names[b.arg].c_str();
    out.add(head(name, 'X', t, b.ps) + ",\"dur\":" + us(end - b.ps) + args(b.arg_name, b.arg) + "}");
    const bool transfer = (b.track == TraceTrack::Load || b.track == TraceTrack::Store) && b.arg_name &&
                          std::string(b.arg_name) == "bytes";
    if (transfer && end > b.ps) {
      const double gb_per_s = double(b.arg) * 1000.0 / double(end - b.ps);  // bytes per ns
      rate_change[b.ps] += gb_per_s;
      rate_change[end] -= gb_per_s;
    }
  };
  for (const TraceRecorder::Event& e : recorder.events()) {
    auto& stack = open[static_cast<size_t>(e.track)];
    if (e.phase == 'B') {
      if (e.track == TraceTrack::Cpu) out.add(head(e.name, 'B', info(e.track), e.ps) + args(e.arg_name, e.arg) + "}");
      stack.push_back(e);
    } else if (e.phase == 'E' && !stack.empty()) {
      close(stack.back(), e.ps);
      stack.pop_back();
    } else if (e.phase == 'i') {
      out.add(head(e.name, 'i', info(e.track), e.ps) + ",\"s\":\"t\"}");
    }
  }
  for (auto& stack : open)
    while (!stack.empty()) {
      close(stack.back(), std::max(end_ps, stack.back().ps));
      stack.pop_back();
    }
  double gb_per_s = 0;
  const TrackInfo counter{kDramPid, 0, ""};
  for (const auto& [ps, change] : rate_change) {
    gb_per_s += change;
    if (std::abs(gb_per_s) < 1e-9) gb_per_s = 0;  // rounding left by the sums
    char value[64];
    std::snprintf(value, sizeof value, "%.6f", gb_per_s);
    out.add(head("loom_dma_gb_per_s", 'C', counter, ps) + ",\"args\":{\"GB/s\":" + value + "}}");
  }
  return out.finish();
}

VcdTracer::VcdTracer(sc_core::sc_module_name name, const std::string& file_base, const sc_core::sc_time& loom_period)
    : sc_module(name), irq_width_(loom_period) {
  SC_METHOD(lower_irq);
  sensitive << irq_fall_;
  dont_initialize();
  // SystemC reports the unit it was given as information on stdout: say it in the file only.
  sc_core::sc_report_handler::set_actions("tracing timescale unit set", sc_core::SC_DO_NOTHING);
  file_ = sc_core::sc_create_vcd_trace_file(file_base.c_str());
  file_->set_time_unit(1, sc_core::SC_PS);
  sc_core::sc_trace(file_, busy_, "busy");
  sc_core::sc_trace(file_, irq_, "irq");
  sc_core::sc_trace(file_, dma_active_, "dma_active");
}

VcdTracer::~VcdTracer() { close(); }

namespace {
// The kernel traces a time step after its last delta, but a run ends by
// sc_stop inside its last step (the firmware's exit), which is never traced:
// write that step before closing. sc_trace_file::cycle is protected; naming
// it through a derived class is the standard way to reach it.
struct FinalStep : sc_core::sc_trace_file {
  static void write(sc_core::sc_trace_file* file) { (file->*(&FinalStep::cycle))(false); }
};
}  // namespace

void VcdTracer::close() {
  if (!file_) return;
  FinalStep::write(file_);
  sc_core::sc_close_vcd_trace_file(file_);
  file_ = nullptr;
}

// Models call at the current simulation time on these tracks, so writing the
// signal now puts the change at `at`.
void VcdTracer::begin(TraceTrack track, const char*, const sc_core::sc_time&, const char*, uint64_t) {
  if (track == TraceTrack::Layer) busy_.write(true);
  if ((track == TraceTrack::Load || track == TraceTrack::Store) && open_dma_++ == 0) dma_active_.write(true);
}

void VcdTracer::instant(TraceTrack track, const char*, const sc_core::sc_time&) {
  if (track != TraceTrack::Irq) return;
  irq_.write(true);
  irq_fall_.notify(irq_width_);
}

void VcdTracer::end(TraceTrack track, const sc_core::sc_time&) {
  if (track == TraceTrack::Layer) busy_.write(false);
  if ((track == TraceTrack::Load || track == TraceTrack::Store) && open_dma_ && --open_dma_ == 0)
    dma_active_.write(false);
}

}  // namespace loomvp
