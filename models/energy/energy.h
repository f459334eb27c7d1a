// Energy of one layer (docs/energy-model.md): pure functions of the layer's
// counters (steps, compute cycles, stored precisions, DRAM bytes, cycles) and
// the per-operation energies of the platform file's `energy` section, so every
// figure can be checked by hand. Kept apart from timing and function.
#pragma once

#include <cstdint>

#include "models/loom/layer_desc.h"
#include "models/loom/timing.h"

namespace loomvp {

// Per-operation energies (platform file `energy.*`; sources in docs/energy-model.md).
struct EnergyParams {
  double mac16_pj = 0;                      // one bit-parallel 16b x 16b multiply-accumulate
  double sip_bit_op_pj = 0;                 // one 1-bit x 1-bit product in a bit-serial SIP, with its accumulation
  double elementwise_op_pj = 0;             // one pool compare/add or residual add (16 bits)
  double weight_buffer_pj_per_bit = 0;      // WM, per bit written or read
  double activation_buffer_pj_per_bit = 0;  // AM, per bit written or read
  double output_buffer_pj_per_bit = 0;      // OB, per bit written or read
  double dram_pj_per_byte = 0;              // DRAM read or write
  double interconnect_pj_per_byte = 0;      // moved over the on-chip interconnect
  double static_power_mw = 0;               // accelerator leakage while a layer runs
};

// What one layer did, as the device counted it.
struct LayerCounters {
  LayerType type = LayerType::Conv;
  uint64_t steps = 0;           // engine steps (docs/timing-model.md section 3)
  uint64_t compute_cycles = 0;  // sum over the tiles
  uint64_t cycles = 0;          // START to interrupt
  uint32_t stored_pa = 0, stored_pw = 0;  // precisions as stored (bits)
  uint64_t weight_bytes = 0;    // weights + bias loaded into WM
  uint64_t input_bytes = 0;     // input (+ input2) loaded into AM
  uint64_t output_bytes = 0;    // stored from OB
  uint64_t dram_bytes = 0;      // read + written by the Loom DMA
};

// The operation counts the energy components multiply (docs/energy-model.md 2).
struct EnergyOps {
  uint64_t mac16 = 0, sip_bit_ops = 0, elementwise_ops = 0;
  uint64_t weight_buffer_bits = 0, activation_buffer_bits = 0, output_buffer_bits = 0;
};

// Whole picojoules per component, each rounded to the nearest pJ;
// total = the sum of the rounded components, exactly.
struct LayerEnergy {
  uint64_t compute = 0, weight_buffer = 0, activation_buffer = 0, output_buffer = 0;
  uint64_t dram = 0, interconnect = 0, static_energy = 0, total = 0;
  LayerEnergy& operator+=(const LayerEnergy& other);
};

EnergyOps energy_ops(const LayerCounters& counters, const EngineSpec& engine);
LayerEnergy layer_energy(const LayerCounters& counters, const EngineSpec& engine, const EnergyParams& params,
                         double clock_period_ns);

}  // namespace loomvp
