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
  regs_.add({"IRQ_STATUS", LOOM_REG_IRQ_STATUS, 0, RegAccess::WriteOneToClear, LOOM_IRQ_ALL, irq_changed,
             nullptr});
  regs_.add({"IRQ_MASK", LOOM_REG_IRQ_MASK, LOOM_IRQ_ALL, RegAccess::ReadWrite, LOOM_IRQ_ALL, irq_changed,
             nullptr});
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
  rw("OUT_C_OFFSET", LOOM_REG_OUT_C_OFFSET);
  rw("OUT_C_TOTAL", LOOM_REG_OUT_C_TOTAL);
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
  rw("CHAIN_ADDR", LOOM_REG_CHAIN_ADDR);
  rw("CHAIN_COUNT", LOOM_REG_CHAIN_COUNT);
  regs_.add({"CHAIN_CTRL", LOOM_REG_CHAIN_CTRL, 0, RegAccess::ReadWrite, LOOM_CHAIN_IRQ_PER_LAYER, nullptr,
             nullptr});
  ro("CHAIN_INDEX", LOOM_REG_CHAIN_INDEX);
  ro("CHAIN_CYCLES_LO", LOOM_REG_CHAIN_CYCLES_LO);
  ro("CHAIN_CYCLES_HI", LOOM_REG_CHAIN_CYCLES_HI);
  ro("CHAIN_FETCH_BYTES", LOOM_REG_CHAIN_FETCH_BYTES);
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
  r.out_c_offset = regs_.get(LOOM_REG_OUT_C_OFFSET);
  r.out_c_total = regs_.get(LOOM_REG_OUT_C_TOTAL);
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
  if (!(value & (LOOM_CTRL_START | LOOM_CTRL_START_CHAIN))) return;
  if (busy_) {  // the running layer goes on; the driver is told it erred
    regs_.set(LOOM_REG_STATUS, regs_.get(LOOM_REG_STATUS) | LOOM_STATUS_ERROR |
                                   (LOOM_ERR_BUSY << LOOM_STATUS_ERR_SHIFT));
    regs_.set(LOOM_REG_IRQ_STATUS, regs_.get(LOOM_REG_IRQ_STATUS) | LOOM_IRQ_ERROR);
    return;
  }
  busy_ = true;
  start_pending_ = true;
  // What runs is what was programmed at the START write (START_CHAIN wins).
  chain_ = {(value & LOOM_CTRL_START_CHAIN) != 0, regs_.get(LOOM_REG_CHAIN_ADDR),
            regs_.get(LOOM_REG_CHAIN_COUNT),
            (regs_.get(LOOM_REG_CHAIN_CTRL) & LOOM_CHAIN_IRQ_PER_LAYER) != 0};
  latched_ = programmed_layer();
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
    if (chain_.active) {
      run_chain(generation);
      continue;
    }
    LayerRecord record;
    if (!run_layer(latched_, record) || generation != generation_) continue;  // soft reset
    record_layer(record);
    end_run(record.error, LOOM_IRQ_DONE);
  }
}

sc_time Loom::cycles_time(uint64_t cycles) const {
  return sc_time::from_value(config_.clock_period.value() * cycles);
}

uint64_t Loom::cycles_until(const sc_time& start, const sc_time& local_time) const {
  return static_cast<uint64_t>(std::ceil((sc_core::sc_time_stamp() + local_time - start) / config_.clock_period));
}

bool Loom::run_layer(const LayerRegs& regs, LayerRecord& record) {
  const sc_time start = sc_core::sc_time_stamp();
  sc_time local_time = config_.clock_period;  // one cycle to decode the registers
  const DecodeResult decoded = decode_layer(regs, config_.limits);
  record.error = decoded.error;
  if (!decoded.error) {
    const DmaEngine::Result result = execute(decoded.desc, record, local_time);
    if (result == DmaEngine::Result::Cancelled) return false;  // soft reset: abandon at once
    if (result == DmaEngine::Result::BusError) record.error = LOOM_ERR_DMA;
  }
  // The device is clocked: it signals completion on the next clock edge.
  record.cycles = cycles_until(start, local_time);
  // A soft reset cuts the wait short so a new START is served at once.
  sc_core::wait(start + cycles_time(record.cycles) - sc_core::sc_time_stamp(), reset_event_);
  if (!record.error) record.dma_cycles = record.cycles - 1 - record.compute_cycles;
  return true;
}

// Each descriptor is fetched by DMA (on its own clock edges, before its layer
// starts), then its layer runs exactly as after a START.
void Loom::run_chain(uint64_t generation) {
  const sc_time chain_start = sc_core::sc_time_stamp();
  const ChainStart chain = chain_;
  uint32_t error = chain.count == 0 ? LOOM_ERR_BAD_DESCRIPTOR : LOOM_ERR_NONE;
  uint32_t index = 0;
  uint64_t fetch_bytes = 0;
  for (; index < chain.count; ++index) {
    regs_.set(LOOM_REG_CHAIN_INDEX, index);
    LayerRecord record;
    uint32_t words[LOOM_DESC_WORDS] = {};
    sc_time local_time = sc_core::SC_ZERO_TIME;
    const DmaEngine::Result fetched = dma_->read(chain.addr + uint64_t{index} * LOOM_DESC_BYTES,
                                                 reinterpret_cast<uint8_t*>(words), LOOM_DESC_BYTES, local_time);
    if (fetched == DmaEngine::Result::Cancelled) return;
    record.descriptor_fetch_cycles = cycles_until(sc_core::sc_time_stamp(), local_time);
    sc_core::wait(cycles_time(record.descriptor_fetch_cycles), reset_event_);
    if (generation != generation_) return;
    DescriptorResult parsed;
    if (fetched == DmaEngine::Result::BusError) {
      parsed.error = LOOM_ERR_DMA;
    } else {
      fetch_bytes += LOOM_DESC_BYTES;
      record.descriptor_bytes_read = LOOM_DESC_BYTES;
      parsed = parse_descriptor(words);
    }
    record.error = parsed.error;
    if (!record.error && (!run_layer(parsed.regs, record) || generation != generation_)) return;
    record_layer(record);
    error = record.error;
    if (error) break;  // the chain stops at this descriptor
    if (chain.irq_per_layer && index + 1 < chain.count) raise(LOOM_IRQ_DONE);
  }
  regs_.set(LOOM_REG_CHAIN_INDEX, error ? index : chain.count);
  regs_.set64(LOOM_REG_CHAIN_CYCLES_LO, cycles_until(chain_start, sc_core::SC_ZERO_TIME));
  regs_.set(LOOM_REG_CHAIN_FETCH_BYTES, static_cast<uint32_t>(fetch_bytes));
  end_run(error, LOOM_IRQ_CHAIN_DONE | (chain.irq_per_layer ? LOOM_IRQ_DONE : 0));
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
  if (const Result r = write_output(d, buffer.data(), local_time); r != Result::Ok) return r;

  record.compute_cycles = timing.cycles;
  record.steps = timing.steps;
  record.pa_dynamic_avg = timing.pa_dynamic_avg;
  record.dram_bytes_read = dma_->bytes_read() - read_before;
  record.dram_bytes_written = dma_->bytes_written() - written_before;
  return Result::Ok;
}

// The packed output (out_c channels) goes to channels [out_c_offset, ...) of
// the out_c_total-channel tensor at out_addr: per pixel, one run of the
// layer's bricks at the offset's brick within the tensor's bricks.
DmaEngine::Result Loom::write_output(const LayerDesc& d, const uint8_t* packed, sc_time& local_time) {
  if (!d.output_strided()) return dma_->write(d.out_addr, packed, d.output_bytes(), local_time);
  const uint64_t brick_bytes = uint64_t{d.po} * 2;
  const uint64_t run_bytes = bitplane::activation_bytes(d.out_c, 1, 1, d.po);
  const uint64_t stride_bytes = bitplane::activation_bytes(d.out_c_total, 1, 1, d.po);
  return dma_->write_strided(d.out_addr + d.out_c_offset / kLanes * brick_bytes, packed, run_bytes, stride_bytes,
                             uint64_t{d.out_h} * d.out_w, local_time);
}

void Loom::record_layer(const LayerRecord& record) {
  log_.push_back(record);
  if (!record.error) regs_.set(LOOM_REG_LAYERS_DONE, regs_.get(LOOM_REG_LAYERS_DONE) + 1);
  regs_.set64(LOOM_REG_CYCLES_LO, record.cycles);
  regs_.set64(LOOM_REG_COMPUTE_CYCLES_LO, record.compute_cycles);
  regs_.set64(LOOM_REG_DMA_CYCLES_LO, record.dma_cycles);
  regs_.set64(LOOM_REG_DRAM_RD_BYTES_LO, record.dram_bytes_read);
  regs_.set64(LOOM_REG_DRAM_WR_BYTES_LO, record.dram_bytes_written);
}

void Loom::raise(uint32_t irq_causes) {
  regs_.set(LOOM_REG_IRQ_STATUS, regs_.get(LOOM_REG_IRQ_STATUS) | irq_causes);
  irq_update_event_.notify(sc_core::SC_ZERO_TIME);
}

void Loom::end_run(uint32_t error, uint32_t done_causes) {
  busy_ = false;
  const uint32_t status = regs_.get(LOOM_REG_STATUS) & ~LOOM_STATUS_BUSY;
  if (error) {
    regs_.set(LOOM_REG_STATUS, (status & ~LOOM_STATUS_ERR_MASK) | LOOM_STATUS_ERROR |
                                   (error << LOOM_STATUS_ERR_SHIFT));
    raise(LOOM_IRQ_ERROR);
  } else {
    regs_.set(LOOM_REG_STATUS, status | LOOM_STATUS_DONE);
    raise(done_causes);
  }
}

}  // namespace loomvp
