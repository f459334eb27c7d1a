#include "loom.h"

#include <cmath>

#include "models/loom/bitplane.h"
#include "models/loom/datapath.h"

namespace loomvp {

using sc_core::sc_time;

Loom::Loom(sc_core::sc_module_name name, const LoomConfig& config)
    : sc_module(name),
      reg_socket("reg_socket"),
      dma_socket("dma_socket"),
      irq("irq"),
      config_(config),
      engine_(engine_spec(config.engine)) {
  reg_socket.register_b_transport(this, &Loom::b_transport);
  dma_ = std::make_unique<DmaEngine>(dma_socket, config_.dma);
  dma_->set_cancel([this] { return generation_ != running_generation_; }, &reset_event_);
  declare_registers();
  SC_THREAD(sequencer_thread);
  SC_METHOD(drive_irq);
  sensitive << irq_update_event_;
}

void Loom::declare_registers() {
  const auto ro = [this](const char* name, uint32_t offset, uint32_t value = 0) {
    regs_.add({name, offset, value, RegAccess::ReadOnly, 0, nullptr, nullptr});
  };
  const auto rw = [this](const char* name, uint32_t offset) {
    regs_.add({name, offset, 0, RegAccess::ReadWrite, 0xFFFFFFFFu, nullptr, nullptr});
  };
  const auto irq_changed = [this](uint32_t) { irq_update_event_.notify(sc_core::SC_ZERO_TIME); };

  ro("ID", LOOM_REG_ID, LOOM_ID_VALUE);
  ro("VERSION", LOOM_REG_VERSION, LOOM_VERSION_VALUE);
  ro("CAPS", LOOM_REG_CAPS,
     static_cast<uint32_t>(engine_.engine) | (engine_.act_bits_per_cycle << 4) | (16u << 8));
  ro("GRID", LOOM_REG_GRID,
     engine_.filter_rows | (engine_.window_columns << 16) | (kLanes << 24));
  regs_.add({"CTRL", LOOM_REG_CTRL, 0, RegAccess::ReadWrite, LOOM_CTRL_IRQ_ENABLE,
             [this](uint32_t value) { on_ctrl_write(value); }, nullptr});
  ro("STATUS", LOOM_REG_STATUS);
  regs_.add({"IRQ_STATUS", LOOM_REG_IRQ_STATUS, 0, RegAccess::WriteOneToClear,
             LOOM_IRQ_DONE | LOOM_IRQ_ERROR, irq_changed, nullptr});
  regs_.add({"IRQ_MASK", LOOM_REG_IRQ_MASK, LOOM_IRQ_DONE | LOOM_IRQ_ERROR, RegAccess::ReadWrite,
             LOOM_IRQ_DONE | LOOM_IRQ_ERROR, irq_changed, nullptr});
  rw("LAYER_TYPE", LOOM_REG_LAYER_TYPE);
  rw("IN_ADDR", LOOM_REG_IN_ADDR);
  rw("IN2_ADDR", LOOM_REG_IN2_ADDR);
  rw("WEIGHT_ADDR", LOOM_REG_WEIGHT_ADDR);
  rw("BIAS_ADDR", LOOM_REG_BIAS_ADDR);
  rw("OUT_ADDR", LOOM_REG_OUT_ADDR);
  rw("IN_C", LOOM_REG_IN_C);
  rw("IN_H", LOOM_REG_IN_H);
  rw("IN_W", LOOM_REG_IN_W);
  rw("OUT_C", LOOM_REG_OUT_C);
  rw("KERNEL", LOOM_REG_KERNEL);
  rw("STRIDE", LOOM_REG_STRIDE);
  rw("PAD", LOOM_REG_PAD);
  rw("GROUPS", LOOM_REG_GROUPS);
  rw("PREC", LOOM_REG_PREC);
  rw("QUANT", LOOM_REG_QUANT);
  // Output shape of what is programmed now, so a driver can size buffers.
  const auto out_dim = [this](bool height) {
    const DecodeResult r = decode_layer(programmed_layer(), config_.limits);
    return r.error ? 0u : (height ? r.desc.out_h : r.desc.out_w);
  };
  regs_.add({"OUT_H", LOOM_REG_OUT_H, 0, RegAccess::ReadOnly, 0, nullptr, [out_dim] { return out_dim(true); }});
  regs_.add({"OUT_W", LOOM_REG_OUT_W, 0, RegAccess::ReadOnly, 0, nullptr, [out_dim] { return out_dim(false); }});
  const char* const counters[] = {"CYCLES", "COMPUTE_CYCLES", "DMA_CYCLES", "DRAM_RD_BYTES",
                                  "DRAM_WR_BYTES"};
  for (uint32_t i = 0; i < 5; ++i) {
    ro((std::string(counters[i]) + "_LO").c_str(), LOOM_REG_CYCLES_LO + 8 * i);
    ro((std::string(counters[i]) + "_HI").c_str(), LOOM_REG_CYCLES_LO + 8 * i + 4);
  }
  ro("LAYERS_DONE", LOOM_REG_LAYERS_DONE);
}

LayerRegs Loom::programmed_layer() const {
  LayerRegs r;
  r.layer_type = regs_.get(LOOM_REG_LAYER_TYPE);
  r.in_addr = regs_.get(LOOM_REG_IN_ADDR);
  r.in2_addr = regs_.get(LOOM_REG_IN2_ADDR);
  r.weight_addr = regs_.get(LOOM_REG_WEIGHT_ADDR);
  r.bias_addr = regs_.get(LOOM_REG_BIAS_ADDR);
  r.out_addr = regs_.get(LOOM_REG_OUT_ADDR);
  r.in_c = regs_.get(LOOM_REG_IN_C);
  r.in_h = regs_.get(LOOM_REG_IN_H);
  r.in_w = regs_.get(LOOM_REG_IN_W);
  r.out_c = regs_.get(LOOM_REG_OUT_C);
  r.kernel = regs_.get(LOOM_REG_KERNEL);
  r.stride = regs_.get(LOOM_REG_STRIDE);
  r.pad = regs_.get(LOOM_REG_PAD);
  r.groups = regs_.get(LOOM_REG_GROUPS);
  r.prec = regs_.get(LOOM_REG_PREC);
  r.quant = regs_.get(LOOM_REG_QUANT);
  return r;
}

void Loom::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  access_delay_ = delay;  // a START takes effect at the initiator's time, not the kernel's
  regs_.transport(trans, static_cast<uint32_t>(trans.get_address()));
  delay += config_.clock_period;
}

void Loom::on_ctrl_write(uint32_t value) {
  if (value & LOOM_CTRL_SOFT_RESET) {
    soft_reset();
    return;
  }
  irq_update_event_.notify(sc_core::SC_ZERO_TIME);  // IRQ_ENABLE may have changed
  if (!(value & LOOM_CTRL_START)) return;
  if (busy_) {  // the running layer goes on; the driver is told it erred
    regs_.set(LOOM_REG_STATUS, regs_.get(LOOM_REG_STATUS) | LOOM_STATUS_ERROR |
                                   (LOOM_ERR_BUSY << LOOM_STATUS_ERR_SHIFT));
    regs_.set(LOOM_REG_IRQ_STATUS, regs_.get(LOOM_REG_IRQ_STATUS) | LOOM_IRQ_ERROR);
    return;
  }
  busy_ = true;
  start_pending_ = true;
  latched_ = programmed_layer();  // the layer is what was programmed at START
  regs_.set(LOOM_REG_STATUS, LOOM_STATUS_BUSY);
  start_event_.notify(access_delay_);
}

void Loom::soft_reset() {
  ++generation_;
  busy_ = false;
  start_pending_ = false;
  regs_.reset();
  start_event_.cancel();
  reset_event_.notify(sc_core::SC_ZERO_TIME);
  irq_update_event_.notify(sc_core::SC_ZERO_TIME);
}

void Loom::drive_irq() {
  const bool enabled = regs_.get(LOOM_REG_CTRL) & LOOM_CTRL_IRQ_ENABLE;
  irq.write(enabled && (regs_.get(LOOM_REG_IRQ_STATUS) & regs_.get(LOOM_REG_IRQ_MASK)));
}

void Loom::sequencer_thread() {
  for (;;) {
    while (!start_pending_) sc_core::wait(start_event_);
    start_pending_ = false;
    const uint64_t generation = running_generation_ = generation_;
    const sc_time start = sc_core::sc_time_stamp();
    LayerRecord record;
    sc_time local_time = config_.clock_period;  // one cycle to decode the registers
    const DecodeResult decoded = decode_layer(latched_, config_.limits);
    record.error = decoded.error;
    if (!decoded.error) {
      const DmaEngine::Result result = execute(decoded.desc, record, local_time);
      if (result == DmaEngine::Result::Cancelled) continue;  // soft reset: abandon at once
      if (result == DmaEngine::Result::BusError) record.error = LOOM_ERR_DMA;
    }
    // The device is clocked: it signals completion on the next clock edge.
    const sc_time end = sc_core::sc_time_stamp() + local_time;
    record.cycles = static_cast<uint64_t>(std::ceil((end - start) / config_.clock_period));
    // A soft reset cuts the wait short so a new START is served at once.
    sc_core::wait(start + sc_time::from_value(config_.clock_period.value() * record.cycles) -
                      sc_core::sc_time_stamp(),
                  reset_event_);
    if (!record.error) record.dma_cycles = record.cycles - 1 - record.compute_cycles;
    finish(record, generation);
  }
}

// Sequencer without tiling yet: read every operand, compute, write the output.
DmaEngine::Result Loom::execute(const LayerDesc& d, LayerRecord& record, sc_time& local_time) {
  using Result = DmaEngine::Result;
  const uint64_t read_before = dma_->bytes_read(), written_before = dma_->bytes_written();
  std::vector<uint8_t> buffer(std::max({d.input_bytes(), d.input2_bytes(), d.weight_bytes(),
                                        d.bias_bytes(), d.output_bytes()}));
  std::vector<int32_t> input(d.input_elements()), input2, bias;
  std::vector<int16_t> weights;

  if (const Result r = dma_->read(d.in_addr, buffer.data(), d.input_bytes(), local_time); r != Result::Ok)
    return r;
  bitplane::unpack_activations(buffer.data(), d.in_c, d.in_h, d.in_w, d.pa, d.in_signed, input.data());
  if (d.type == LayerType::Add) {
    input2.resize(d.input_elements());
    if (const Result r = dma_->read(d.in2_addr, buffer.data(), d.input2_bytes(), local_time); r != Result::Ok)
      return r;
    bitplane::unpack_activations(buffer.data(), d.in_c, d.in_h, d.in_w, d.pa2, d.in2_signed,
                                 input2.data());
  }
  if (d.has_weights()) {
    weights.resize(d.weight_elements());
    if (const Result r = dma_->read(d.weight_addr, buffer.data(), d.weight_bytes(), local_time); r != Result::Ok)
      return r;
    bitplane::unpack_weights(buffer.data(), d.out_c, d.in_c_per_group(), d.kh, d.kw, d.pw,
                             weights.data());
    bias.resize(d.out_c);
    if (const Result r = dma_->read(d.bias_addr, reinterpret_cast<uint8_t*>(bias.data()), d.bias_bytes(), local_time);
        r != Result::Ok)
      return r;
  }

  const ComputeTiming timing = compute_timing(d, engine_, config_.dynamic_precision, input.data());
  const std::vector<int32_t> output =
      compute_layer(d, {input.data(), input2.data(), weights.data(), bias.data()});
  local_time += sc_time::from_value(config_.clock_period.value() * timing.cycles);

  bitplane::pack_activations(output.data(), d.out_c, d.out_h, d.out_w, d.po, buffer.data());
  if (const Result r = dma_->write(d.out_addr, buffer.data(), d.output_bytes(), local_time); r != Result::Ok)
    return r;

  record.compute_cycles = timing.cycles;
  record.steps = timing.steps;
  record.pa_dynamic_avg = timing.pa_dynamic_avg;
  record.dram_bytes_read = dma_->bytes_read() - read_before;
  record.dram_bytes_written = dma_->bytes_written() - written_before;
  return Result::Ok;
}

void Loom::finish(const LayerRecord& record, uint64_t generation) {
  if (generation != generation_) return;  // soft reset abandoned this layer
  busy_ = false;
  log_.push_back(record);
  const uint32_t status = regs_.get(LOOM_REG_STATUS) & ~LOOM_STATUS_BUSY;
  uint32_t irq_status = regs_.get(LOOM_REG_IRQ_STATUS);
  if (record.error) {
    regs_.set(LOOM_REG_STATUS, (status & ~LOOM_STATUS_ERR_MASK) | LOOM_STATUS_ERROR |
                                   (record.error << LOOM_STATUS_ERR_SHIFT));
    irq_status |= LOOM_IRQ_ERROR;
  } else {
    regs_.set(LOOM_REG_STATUS, status | LOOM_STATUS_DONE);
    regs_.set(LOOM_REG_LAYERS_DONE, regs_.get(LOOM_REG_LAYERS_DONE) + 1);
    irq_status |= LOOM_IRQ_DONE;
  }
  regs_.set(LOOM_REG_IRQ_STATUS, irq_status);
  regs_.set64(LOOM_REG_CYCLES_LO, record.cycles);
  regs_.set64(LOOM_REG_COMPUTE_CYCLES_LO, record.compute_cycles);
  regs_.set64(LOOM_REG_DMA_CYCLES_LO, record.dma_cycles);
  regs_.set64(LOOM_REG_DRAM_RD_BYTES_LO, record.dram_bytes_read);
  regs_.set64(LOOM_REG_DRAM_WR_BYTES_LO, record.dram_bytes_written);
  irq_update_event_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace loomvp
