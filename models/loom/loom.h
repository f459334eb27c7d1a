// Loom accelerator as a TLM peripheral: a register target socket, a DMA
// initiator socket and an interrupt output. A START write makes the device
// decode the registers, plan the layer's tiles for its on-chip buffers, run
// the datapath, let the sequencer (sequencer.h) move the tiles by DMA and
// charge their compute cycles with overlap, and raise the interrupt. Bad
// programming ends in an error code, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/register_bank.h"
#include "models/loom/dma_engine.h"
#include "models/loom/layer_desc.h"
#include "models/loom/sequencer.h"
#include "models/loom/tiling.h"
#include "models/loom/timing.h"

namespace loomvp {

struct LoomConfig {
  Engine engine = Engine::Lm1b;
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
  bool dynamic_precision = true;  // Loom variants trim pa per group of values
  uint32_t dynamic_precision_group = 0;  // windows per precision group; 0: a step's windows
  // The runner stores Loom conv/fc weights per filter group (PREC.PW_GROUPS);
  // the device follows each layer's PREC flag, not this.
  bool weight_group_precision = false;
  DeviceLimits limits;
  DmaConfig dma;
  BufferConfig buffers;
};

// What the device observed about one completed (or failed) layer.
struct LayerRecord {
  uint32_t error = LOOM_ERR_NONE;
  uint64_t cycles = 0;          // START to interrupt
  uint64_t compute_cycles = 0;  // timing model, summed over the tiles
  uint64_t dma_cycles = 0;      // some DMA transfer in progress
  uint64_t stall_data_cycles = 0, stall_space_cycles = 0;
  uint64_t drain_cycles = 0;    // after the last compute: cycles - 1 - compute - stalls
  bool memory_bound = false;    // dma_cycles > compute_cycles
  uint64_t tiles = 0;
  LoopOrder loop_order = LoopOrder::FiltersOuter;
  uint64_t dram_bytes_read = 0;
  uint64_t dram_bytes_written = 0;
  uint64_t dram_bytes[static_cast<uint32_t>(TensorKind::Count)] = {};  // per tensor kind
  uint64_t descriptor_fetch_cycles = 0;  // chain: fetching this layer's descriptor, before `cycles`
  uint64_t descriptor_bytes_read = 0;    // chain: the descriptor's bytes (not in dram_bytes_read)
  uint64_t steps = 0;
  double pa_dynamic_avg = 0;
  double pw_group_avg = 0;  // mean Pw_g over the weights; PW without PW_GROUPS
};

// A host buffer reused from layer to layer: grown when a layer needs more,
// never shrunk or zero-filled (a fresh zero-filled allocation per layer cost
// page faults on every large layer). Users write what they read.
template <typename T>
class ScratchBuffer {
 public:
  T* get(uint64_t count) {
    if (count > capacity_) {
      data_.reset(new T[count]);
      capacity_ = count;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<T[]> data_;
  uint64_t capacity_ = 0;
};

class Loom : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Loom> reg_socket;
  tlm_utils::simple_initiator_socket<Loom> dma_socket;
  sc_core::sc_out<bool> irq;

  Loom(sc_core::sc_module_name name, const LoomConfig& config);

  const std::vector<LayerRecord>& layer_log() const { return log_; }
  // Layers (arg: index in the log), tiles, DMA, stalls and interrupts; null: no trace.
  void set_tracer(Tracer* tracer);
  const sc_core::sc_time& clock_period() const { return config_.clock_period; }

 private:
  SC_HAS_PROCESS(Loom);

  void declare_registers();
  LayerRegs programmed_layer() const;
  void on_ctrl_write(uint32_t value);
  void soft_reset();
  void sequencer_thread();
  // Runs one layer from START (now) to its completion clock edge; false when
  // a soft reset abandoned it.
  bool serve_layer(const LayerRegs& regs, LayerRecord& record);
  void run_chain(uint64_t generation);
  void drive_irq();
  // Runs one decoded layer from sc_time_stamp() + local_time; on return
  // local_time is zero and the layer's last store has completed.
  DmaEngine::Result run_layer(const LayerDesc& desc, LayerRecord& record, sc_core::sc_time& local_time);
  void record_layer(const LayerRecord& record);  // log and counters
  void raise(uint32_t irq_causes);
  void end_run(uint32_t error, uint32_t done_causes);  // STATUS, interrupt, not busy
  sc_core::sc_time cycles_time(uint64_t cycles) const;
  // Whole cycles from `start` to now + local_time, rounded up to a clock edge.
  uint64_t cycles_until(const sc_core::sc_time& start, const sc_core::sc_time& local_time) const;
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  LoomConfig config_;
  const EngineSpec& engine_;
  RegisterBank regs_;
  Tracer* tracer_ = nullptr;
  std::unique_ptr<Sequencer> sequencer_;
  std::unique_ptr<DmaEngine> descriptor_dma_;  // fetches chain descriptors
  sc_core::sc_event start_event_;
  sc_core::sc_event reset_event_;
  sc_core::sc_time access_delay_;  // timing annotation of the register access in progress
  bool start_pending_ = false;
  LayerRegs latched_;  // configuration registers as they were at the accepted START
  struct ChainStart {
    bool active = false;  // START_CHAIN rather than START
    uint32_t addr = 0, count = 0;
    bool irq_per_layer = false;
  } chain_;  // chain registers as they were at the accepted START_CHAIN
  sc_core::sc_event irq_update_event_;
  bool busy_ = false;
  uint64_t generation_ = 0;  // bumped by soft reset: a running layer is abandoned
  uint64_t running_generation_ = 0;
  std::vector<LayerRecord> log_;
  // The datapath's operands: packed bytes as read, then unpacked values.
  ScratchBuffer<uint8_t> operand_bytes_;
  ScratchBuffer<int32_t> input_, input2_, bias_;
  ScratchBuffer<int16_t> weights_;
};

}  // namespace loomvp
