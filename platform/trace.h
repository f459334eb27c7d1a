// Trace sinks for --trace (Chrome/Perfetto trace-event JSON) and --vcd
// (busy, irq and dma_active through sc_trace). Both are Tracer
// implementations handed to the models only when asked for (docs/user-guide.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "models/common/tracer.h"

namespace loomvp {

// Keeps every event in memory; trace_event_json turns them into text.
class TraceRecorder : public Tracer {
 public:
  struct Event {
    char phase;  // 'B', 'E', 'i'
    TraceTrack track;
    const char* name;
    uint64_t ps;
    const char* arg_name;
    uint64_t arg;
  };
  void begin(TraceTrack track, const char* name, const sc_core::sc_time& at, const char* arg_name,
             uint64_t arg) override {
    events_.push_back({'B', track, name, at.value(), arg_name, arg});
  }
  void end(TraceTrack track, const sc_core::sc_time& at) override {
    events_.push_back({'E', track, nullptr, at.value(), nullptr, 0});
  }
  void instant(TraceTrack track, const char* name, const sc_core::sc_time& at) override {
    events_.push_back({'i', track, name, at.value(), nullptr, 0});
  }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
};

// The trace-event JSON (docs/stats-format.md section 4): Loom spans as X
// events named by `layer_names` (layer track) or by what they are, CPU
// spans as B/E, interrupts as instants, and a counter of the Loom DMA's
// achieved bandwidth. Spans still open at `end_ps` end there.
std::string trace_event_json(const TraceRecorder& recorder, const std::vector<std::string>& layer_names,
                             uint64_t end_ps);

// Drives busy (a layer runs), dma_active (a Loom DMA transfer is in flight)
// and irq (one Loom clock period high from each rising edge of the Loom
// interrupt line: the native driver clears the line at the same simulated
// instant it wakes, which a VCD could not show) into a VCD file. Construct
// before the simulation starts; close() after it ends.
class VcdTracer : public sc_core::sc_module, public Tracer {
 public:
  VcdTracer(sc_core::sc_module_name name, const std::string& file_base, const sc_core::sc_time& loom_period);
  ~VcdTracer() override;
  void begin(TraceTrack track, const char* name, const sc_core::sc_time& at, const char* arg_name,
             uint64_t arg) override;
  void end(TraceTrack track, const sc_core::sc_time& at) override;
  void instant(TraceTrack track, const char* name, const sc_core::sc_time& at) override;
  void close();

 private:
  SC_HAS_PROCESS(VcdTracer);
  void lower_irq() { irq_.write(false); }

  sc_core::sc_trace_file* file_ = nullptr;
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> busy_{"busy"}, dma_active_{"dma_active"}, irq_{"irq"};
  sc_core::sc_time irq_width_;
  sc_core::sc_event irq_fall_;
  uint32_t open_dma_ = 0;
};

// Forwards every event to both sinks (either may be null).
class TraceFanout : public Tracer {
 public:
  TraceFanout(Tracer* a, Tracer* b) : a_(a), b_(b) {}
  void begin(TraceTrack track, const char* name, const sc_core::sc_time& at, const char* arg_name,
             uint64_t arg) override {
    if (a_) a_->begin(track, name, at, arg_name, arg);
    if (b_) b_->begin(track, name, at, arg_name, arg);
  }
  void end(TraceTrack track, const sc_core::sc_time& at) override {
    if (a_) a_->end(track, at);
    if (b_) b_->end(track, at);
  }
  void instant(TraceTrack track, const char* name, const sc_core::sc_time& at) override {
    if (a_) a_->instant(track, name, at);
    if (b_) b_->instant(track, name, at);
  }

 private:
  Tracer *a_, *b_;
};

}  // namespace loomvp
