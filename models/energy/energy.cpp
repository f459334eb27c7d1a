#include "models/energy/energy.h"

#include <cmath>

namespace loomvp {

namespace {

uint64_t whole_pj(double pj) { return static_cast<uint64_t>(std::llround(pj)); }

}  // namespace

LayerEnergy& LayerEnergy::operator+=(const LayerEnergy& o) {
  compute += o.compute;
  weight_buffer += o.weight_buffer;
  activation_buffer += o.activation_buffer;
  output_buffer += o.output_buffer;
  dram += o.dram;
  interconnect += o.interconnect;
  static_energy += o.static_energy;
  total += o.total;
  return *this;
}

// Counts what the engine's array is clocked for: partial bricks, filter and
// window blocks are charged in full, as they are in cycles.
EnergyOps energy_ops(const LayerCounters& c, const EngineSpec& e) {
  EnergyOps ops;
  const uint64_t rows = e.filter_rows, windows = e.window_columns, bits = e.act_bits_per_cycle;
  const uint64_t pool_values = uint64_t{kPoolWindowsPerCycle} * kLanes;  // per pool/add step
  uint64_t weights_read = 0, activations_read = 0;
  switch (c.type) {
    case LayerType::Conv:
      if (bits == 0)
        ops.mac16 = c.steps * rows * kLanes;
      else  // every SIP multiplies `bits` activation bits by 1 weight bit (16 without serial weights) per lane
        ops.sip_bit_ops = c.compute_cycles * rows * windows * kLanes * bits * (e.serial_weights ? 1 : 16);
      weights_read = c.steps * rows * kLanes * c.stored_pw;
      activations_read = c.steps * windows * kLanes * c.stored_pa;
      break;
    case LayerType::Fc:
      if (e.serial_weights)  // a step: R filters x 16 inputs, Pw x ceil(Pa/b)*b bit products each
        ops.sip_bit_ops = c.steps * rows * kLanes * c.stored_pw * ((c.stored_pa + bits - 1) / bits) * bits;
      else
        ops.mac16 = c.steps * kBaseFilters * kLanes;
      weights_read = c.steps * (e.serial_weights ? rows : kBaseFilters) * kLanes * c.stored_pw;
      activations_read = c.steps * kLanes * c.stored_pa;
      break;
    case LayerType::MaxPool:
    case LayerType::AvgPool:
      ops.elementwise_ops = c.steps * pool_values;
      activations_read = c.steps * pool_values * c.stored_pa;
      break;
    case LayerType::Add:
      ops.elementwise_ops = c.steps * pool_values;
      activations_read = 2 * c.steps * pool_values * c.stored_pa;
      break;
  }
  ops.weight_buffer_bits = 8 * c.weight_bytes + weights_read;
  ops.activation_buffer_bits = 8 * c.input_bytes + activations_read;
  ops.output_buffer_bits = 2 * 8 * c.output_bytes;  // written by the array, read by the store DMA
  return ops;
}

LayerEnergy layer_energy(const LayerCounters& c, const EngineSpec& e, const EnergyParams& p,
                         double clock_period_ns) {
  const EnergyOps ops = energy_ops(c, e);
  LayerEnergy energy;
  energy.compute = whole_pj(double(ops.mac16) * p.mac16_pj + double(ops.sip_bit_ops) * p.sip_bit_op_pj +
                            double(ops.elementwise_ops) * p.elementwise_op_pj);
  energy.weight_buffer = whole_pj(double(ops.weight_buffer_bits) * p.weight_buffer_pj_per_bit);
  energy.activation_buffer = whole_pj(double(ops.activation_buffer_bits) * p.activation_buffer_pj_per_bit);
  energy.output_buffer = whole_pj(double(ops.output_buffer_bits) * p.output_buffer_pj_per_bit);
  energy.dram = whole_pj(double(c.dram_bytes) * p.dram_pj_per_byte);
  energy.interconnect = whole_pj(double(c.dram_bytes) * p.interconnect_pj_per_byte);
  energy.static_energy = whole_pj(p.static_power_mw * double(c.cycles) * clock_period_ns);  // mW x ns = pJ
  energy.total = energy.compute + energy.weight_buffer + energy.activation_buffer + energy.output_buffer +
                 energy.dram + energy.interconnect + energy.static_energy;
  return energy;
}

}  // namespace loomvp
