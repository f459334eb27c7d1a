// Loom's hardware sequencer: runs a tiling plan (tiling.h) as three SystemC
// processes, load -> compute -> store, connected by bounded buffers whose
// slot counts the plan gives (2 = double buffered). DMA of the next tile
// overlaps compute of the current one, write-back overlaps the next tile.
// Each stage's waits are what the layer's counters report, so
// cycles = decode + compute + stalls + drain comes out of the simulation.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>

#include "models/common/tracer.h"
#include "models/loom/dma_engine.h"
#include "models/loom/tiling.h"

namespace loomvp {

struct SequencerCounters {
  uint64_t compute_cycles = 0;      // cycles the compute stage computed
  uint64_t stall_data_cycles = 0;   // compute waited for a tile's loads
  uint64_t stall_space_cycles = 0;  // compute waited for an output buffer slot
  uint64_t dma_busy_cycles = 0;     // some load or store transfer in progress (rounded up)
  uint64_t tiles = 0;
};

class Sequencer : public sc_core::sc_module {
 public:
  Sequencer(sc_core::sc_module_name name, tlm::tlm_initiator_socket<>& bus, const DmaConfig& dma,
            sc_core::sc_time clock_period);

  // `cancelled` true abandons the layer (soft reset); `wakeup` cuts waits short.
  void set_cancel(std::function<bool()> cancelled, const sc_core::sc_event* wakeup);
  void set_tracer(Tracer* tracer) { tracer_ = tracer; }  // null: no trace

  // Runs `plan` from now (a clock edge). Stores take their bytes from
  // `output_image`, the layer's packed output (out_c channels). Returns when
  // the last store has completed.
  DmaEngine::Result run(const TilePlan& plan, const uint8_t* output_image, SequencerCounters& counters);

  // Untimed read of DRAM through the bus (the datapath's operands).
  bool peek(uint64_t address, uint8_t* data, uint64_t bytes) { return load_dma_.peek(address, data, bytes); }

  uint64_t bytes_read() const { return load_dma_.bytes_read(); }
  uint64_t bytes_written() const { return store_dma_.bytes_written(); }

 private:
  SC_HAS_PROCESS(Sequencer);

  void load_thread();
  void compute_thread();
  void store_thread();
  // Waits until `ready()` or an abort; adds the whole clock cycles waited to
  // `stall` (if given), resuming on a clock edge. False on abort.
  bool wait_until(const std::function<bool()>& ready, uint64_t* stall);
  bool aborted() const { return result_ != DmaEngine::Result::Ok || (cancelled_ && cancelled_()); }
  void stage_finished();
  // One transfer of the plan, waited for; tracks when any DMA is busy.
  DmaEngine::Result move(DmaEngine& dma, tlm::tlm_command command, const Transfer& transfer, uint8_t* data,
                         uint64_t data_stride);
  // A span that has already ended (a stall), if it lasted at all.
  void trace_span(TraceTrack track, const char* name, const sc_core::sc_time& begin) const;

  DmaEngine load_dma_, store_dma_;  // separate read and write channels
  sc_core::sc_time period_;
  std::function<bool()> cancelled_;
  const sc_core::sc_event* wakeup_ = nullptr;
  sc_core::sc_event never_;  // wakeup_ when no cancel source is set
  Tracer* tracer_ = nullptr;

  // State of the layer in progress, shared by the three stages.
  const TilePlan* plan_ = nullptr;
  const uint8_t* output_image_ = nullptr;
  SequencerCounters* counters_ = nullptr;
  sc_core::sc_time origin_;  // a clock edge: edges are origin_ + k * period_
  uint64_t loaded_ = 0, computed_ = 0;          // tiles through each stage
  uint32_t released_[2] = {0, 0};               // loads of each input buffer no tile needs any more
  uint32_t stored_outputs_ = 0;                 // output slots written back
  int finished_stages_ = 0;
  int dma_active_ = 0;  // transfers in progress
  sc_core::sc_time dma_busy_since_, dma_busy_;
  DmaEngine::Result result_ = DmaEngine::Result::Ok;
  std::vector<uint8_t> scratch_;  // load destination (the datapath reads operands by peek)
  sc_core::sc_event start_event_, progress_event_;
};

}  // namespace loomvp
