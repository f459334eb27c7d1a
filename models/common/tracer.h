// What the models report for traces (--trace, --vcd): begin/end of
// activities and instants on fixed tracks, with explicit simulated times.
// A model holds a Tracer pointer that is null unless a trace was asked for,
// so tracing off costs one pointer test per event; names are string
// literals and arguments numbers: models never format trace text (the
// writers in platform/trace.* do).
#pragma once

#include <cstdint>

#include <systemc>

namespace loomvp {

enum class TraceTrack : uint8_t {
  Layer,    // Loom: START to interrupt of each layer
  Compute,  // Loom: each tile's compute and the stalls before it
  Load,     // Loom: each tile's loads, the DMA transfers inside
  Store,    // Loom: each tile's write-back, the DMA transfers inside
  Irq,      // Loom: interrupt line raised (instants)
  Cpu,      // host CPU: driver running, waiting for an interrupt (native) or in wfi (RV32)
  Count
};

class Tracer {
 public:
  virtual ~Tracer() = default;
  // `name` and `arg_name` are string literals; spans on one track nest.
  virtual void begin(TraceTrack track, const char* name, const sc_core::sc_time& at, const char* arg_name = nullptr,
                     uint64_t arg = 0) = 0;
  virtual void end(TraceTrack track, const sc_core::sc_time& at) = 0;
  virtual void instant(TraceTrack track, const char* name, const sc_core::sc_time& at) = 0;
};

}  // namespace loomvp
