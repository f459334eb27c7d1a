#include "loom.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>

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
  sequencer_ = std::make_unique<Sequencer>("sequencer", dma_socket, config_.dma, config_.clock_period);
  sequencer_->set_cancel([this] { return generation_ != running_generation_; }, &reset_event_);
  descriptor_dma_ = std::make_unique<DmaEngine>(dma_socket, config_.dma);
  descriptor_dma_->set_cancel([this] { return generation_ != running_generation_; }, &reset_event_);
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
  const std::pair<const char*, uint32_t> counters[] = {
      {"CYCLES", LOOM_REG_CYCLES_LO}, {"COMPUTE_CYCLES", LOOM_REG_COMPUTE_CYCLES_LO},
      {"DMA_CYCLES", LOOM_REG_DMA_CYCLES_LO}, {"DRAM_RD_BYTES", LOOM_REG_DRAM_RD_BYTES_LO},
      {"DRAM_WR_BYTES", LOOM_REG_DRAM_WR_BYTES_LO}, {"STALL_DATA_CYCLES", LOOM_REG_STALL_DATA_CYCLES_LO},
      {"STALL_SPACE_CYCLES", LOOM_REG_STALL_SPACE_CYCLES_LO}};
  for (const auto& [name, offset] : counters) {
    ro((std::string(name) + "_LO").c_str(), offset);
    ro((std::string(name) + "_HI").c_str(), offset + 4);
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
  ro("TILES", LOOM_REG_TILES);
  ro("BOUND", LOOM_REG_BOUND);
  const auto size_register = [](uint64_t bytes) { return static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX)); };
  ro("WBUF_BYTES", LOOM_REG_WBUF_BYTES, size_register(config_.buffers.weight_bytes));
  ro("ABUF_BYTES", LOOM_REG_ABUF_BYTES, size_register(config_.buffers.activation_bytes));
  ro("OBUF_BYTES", LOOM_REG_OBUF_BYTES, size_register(config_.buffers.output_bytes));
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

void Loom::set_tracer(Tracer* tracer) {
  tracer_ = tracer;
  sequencer_->set_tracer(tracer);
}

void Loom::drive_irq() {
  const bool enabled = regs_.get(LOOM_REG_CTRL) & LOOM_CTRL_IRQ_ENABLE;
  const bool level = enabled && (regs_.get(LOOM_REG_IRQ_STATUS) & regs_.get(LOOM_REG_IRQ_MASK));
  if (tracer_ && level && !irq.read()) tracer_->instant(TraceTrack::Irq, "irq", sc_core::sc_time_stamp());
  irq.write(level);
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
    if (!serve_layer(latched_, record) || generation != generation_) continue;  // soft reset
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

bool Loom::serve_layer(const LayerRegs& regs, LayerRecord& record) {
  const sc_time start = sc_core::sc_time_stamp();
  if (tracer_) tracer_->begin(TraceTrack::Layer, "layer", start, "layer", log_.size());
  sc_time local_time = config_.clock_period;  // one cycle to decode the registers
  const DecodeResult decoded = decode_layer(regs, config_.limits);
  record.error = decoded.error;
  if (!decoded.error) {
    const DmaEngine::Result result = run_layer(decoded.desc, record, local_time);
    if (result == DmaEngine::Result::Cancelled) {  // soft reset: abandon at once
      if (tracer_) tracer_->end(TraceTrack::Layer, sc_core::sc_time_stamp());
      return false;
    }
    if (result == DmaEngine::Result::BusError) record.error = LOOM_ERR_DMA;
  }
  // The device is clocked: it signals completion on the next clock edge.
  record.cycles = cycles_until(start, local_time);
  // A soft reset cuts the wait short so a new START is served at once.
  sc_core::wait(start + cycles_time(record.cycles) - sc_core::sc_time_stamp(), reset_event_);
  if (tracer_) tracer_->end(TraceTrack::Layer, sc_core::sc_time_stamp());
  if (!record.error)
    record.drain_cycles = record.cycles - 1 - record.compute_cycles - record.stall_data_cycles -
                          record.stall_space_cycles;
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
    const DmaEngine::Result fetched = descriptor_dma_->read(chain.addr + uint64_t{index} * LOOM_DESC_BYTES,
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
    if (!record.error && (!serve_layer(parsed.regs, record) || generation != generation_)) return;
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

// The datapath computes the whole layer from the operands as they are in
// DRAM (untimed, for host speed); the sequencer then moves the plan's tiles
// and charges their cycles, writing the computed output tile by tile.
DmaEngine::Result Loom::run_layer(const LayerDesc& d, LayerRecord& record, sc_time& local_time) {
  using Result = DmaEngine::Result;
  // PW_GROUPS: the precision table sizes the planes, the tiles and the steps.
  // (A table the bus cannot deliver leaves the worst case, every group at PW.)
  std::optional<WeightGroups> groups;
  std::vector<uint8_t> table;
  if (d.weight_groups) {
    groups.emplace(d);
    table.resize(groups->count());
    if (sequencer_->peek(d.weight_addr, table.data(), table.size()) && !groups->set_precisions(table)) {
      record.error = LOOM_ERR_BAD_PRECISION;  // a Pw_g of 0 or above PW
      return Result::Ok;
    }
    if (d.weight_addr - config_.limits.dram_base + groups->stored_bytes() > config_.limits.dram_size) {
      record.error = LOOM_ERR_BAD_ADDRESS;  // the planes run past the end of DRAM
      return Result::Ok;
    }
  }
  const WeightGroups* weight_groups = groups ? &*groups : nullptr;
  TilePlan plan = plan_tiles(d, engine_, config_.buffers, weight_groups);
  if (plan.error) {
    record.error = plan.error;
    return Result::Ok;
  }
  // An operand the bus cannot deliver fails when the load stage's burst gets
  // the error response; until then the layer runs on zeros.
  const uint64_t weight_bytes = groups ? groups->stored_bytes() : d.weight_bytes();
  uint8_t* buffer = operand_bytes_.get(std::max({d.input_bytes(), d.input2_bytes(), weight_bytes, d.bias_bytes()}));
  int32_t* input = input_.get(d.input_elements());
  int32_t* input2 = input2_.get(d.type == LayerType::Add ? d.input_elements() : 0);
  int32_t* bias = bias_.get(d.has_weights() ? d.out_c : 0);
  int16_t* weights = weights_.get(d.weight_elements());
  bool operands_ok = sequencer_->peek(d.in_addr, buffer, d.input_bytes());
  if (operands_ok)
    bitplane::unpack_activations(buffer, d.in_c, d.in_h, d.in_w, d.pa, d.in_signed, input);
  else
    std::fill_n(input, d.input_elements(), 0);  // the timing model reads it
  if (operands_ok && d.type == LayerType::Add) {
    operands_ok = sequencer_->peek(d.in2_addr, buffer, d.input2_bytes());
    if (operands_ok) bitplane::unpack_activations(buffer, d.in_c, d.in_h, d.in_w, d.pa2, d.in2_signed, input2);
  }
  if (operands_ok && d.has_weights()) {
    operands_ok = sequencer_->peek(d.weight_addr, buffer, weight_bytes) &&
                  sequencer_->peek(d.bias_addr, reinterpret_cast<uint8_t*>(bias), d.bias_bytes());
    if (operands_ok && groups)
      groups->unpack_channels_last(buffer, weights);
    else if (operands_ok)
      bitplane::unpack_weights_channels_last(buffer, d.out_c, d.in_c_per_group(), d.kh, d.kw, d.pw, weights);
  }
  ComputeTiming timing;
  assign_compute_cycles(plan, d, cycle_breakdown(d, engine_, config_.dynamic_precision, input, &timing,
                                                config_.dynamic_precision_group, weight_groups));
  std::vector<uint8_t> image(d.output_bytes());
  if (operands_ok) {
    const std::vector<int32_t> output = compute_layer(d, {input, input2, weights, bias});
    bitplane::pack_activations(output.data(), d.out_c, d.out_h, d.out_w, d.po, image.data());
  }

  sc_core::wait(local_time, reset_event_);  // the decode cycle; tiles start on a clock edge
  local_time = sc_core::SC_ZERO_TIME;
  if (generation_ != running_generation_) return Result::Cancelled;
  const uint64_t read_before = sequencer_->bytes_read(), written_before = sequencer_->bytes_written();
  SequencerCounters counters;
  const Result result = sequencer_->run(plan, image.data(), counters);
  if (result != Result::Ok) return result;
  if (!operands_ok) return Result::BusError;  // not expected: the timed loads read the same bytes

  record.compute_cycles = counters.compute_cycles;
  record.stall_data_cycles = counters.stall_data_cycles;
  record.stall_space_cycles = counters.stall_space_cycles;
  record.dma_cycles = counters.dma_busy_cycles;
  record.memory_bound = counters.dma_busy_cycles > counters.compute_cycles;
  record.tiles = counters.tiles;
  record.loop_order = plan.order;
  record.steps = timing.steps;
  record.pa_dynamic_avg = timing.pa_dynamic_avg;
  record.pw_group_avg = timing.pw_group_avg;
  record.dram_bytes_read = sequencer_->bytes_read() - read_before;
  record.dram_bytes_written = sequencer_->bytes_written() - written_before;
  std::copy(std::begin(plan.bytes), std::end(plan.bytes), std::begin(record.dram_bytes));
  return Result::Ok;
}

void Loom::record_layer(const LayerRecord& record) {
  log_.push_back(record);
  if (!record.error) regs_.set(LOOM_REG_LAYERS_DONE, regs_.get(LOOM_REG_LAYERS_DONE) + 1);
  regs_.set64(LOOM_REG_CYCLES_LO, record.cycles);
  regs_.set64(LOOM_REG_COMPUTE_CYCLES_LO, record.compute_cycles);
  regs_.set64(LOOM_REG_DMA_CYCLES_LO, record.dma_cycles);
  regs_.set64(LOOM_REG_DRAM_RD_BYTES_LO, record.dram_bytes_read);
  regs_.set64(LOOM_REG_DRAM_WR_BYTES_LO, record.dram_bytes_written);
  regs_.set64(LOOM_REG_STALL_DATA_CYCLES_LO, record.stall_data_cycles);
  regs_.set64(LOOM_REG_STALL_SPACE_CYCLES_LO, record.stall_space_cycles);
  regs_.set(LOOM_REG_TILES, static_cast<uint32_t>(std::min<uint64_t>(record.tiles, UINT32_MAX)));
  regs_.set(LOOM_REG_BOUND, record.memory_bound ? 1u : 0u);
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
