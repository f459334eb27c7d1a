// Energy model on hand-computed layers (docs/energy-model.md section 2).
#include <catch2/catch.hpp>

#include "models/energy/energy.h"

using namespace loomvp;

namespace {

// Round numbers so every product below is easy to check by hand.
EnergyParams simple_params() {
  EnergyParams p;
  p.mac16_pj = 0.9;
  p.sip_bit_op_pj = 0.001;
  p.elementwise_op_pj = 0.05;
  p.weight_buffer_pj_per_bit = 0.5;
  p.activation_buffer_pj_per_bit = 0.25;
  p.output_buffer_pj_per_bit = 0.125;
  p.dram_pj_per_byte = 40;
  p.interconnect_pj_per_byte = 4;
  p.static_power_mw = 20;
  return p;
}

LayerCounters conv_counters() {
  LayerCounters c;
  c.type = LayerType::Conv;
  c.steps = 10;
  c.compute_cycles = 720;  // e.g. 10 steps x Pw 9 x Pa 8 on lm1b
  c.cycles = 1000;
  c.stored_pa = 8;
  c.stored_pw = 9;
  c.weight_bytes = 1000;
  c.input_bytes = 500;
  c.output_bytes = 200;
  c.dram_bytes = 1700;
  return c;
}

}  // namespace

TEST_CASE("lm1b conv layer, every component by hand", "[energy]") {
  const LayerEnergy e = layer_energy(conv_counters(), engine_spec(Engine::Lm1b), simple_params(), 1.0);
  // 720 cycles x 128 rows x 16 windows x 16 lanes x 1 bit = 23,592,960 bit products x 0.001 pJ
  CHECK(e.compute == 23593);
  // WM: 1000 B loaded = 8000 bits + 10 steps x 128 filters x 16 lanes x 9 bits read = 192,320 bits x 0.5
  CHECK(e.weight_buffer == 96160);
  // AM: 4000 bits + 10 x 16 windows x 16 lanes x 8 bits = 24,480 bits x 0.25
  CHECK(e.activation_buffer == 6120);
  // OB: 200 B written and read = 3200 bits x 0.125
  CHECK(e.output_buffer == 400);
  CHECK(e.dram == 68000);          // 1700 B x 40
  CHECK(e.interconnect == 6800);   // 1700 B x 4
  CHECK(e.static_energy == 20000); // 20 mW x 1000 ns
  CHECK(e.total == 23593 + 96160 + 6120 + 400 + 68000 + 6800 + 20000);
}

TEST_CASE("compute operations per engine and layer type", "[energy]") {
  LayerCounters c = conv_counters();
  // base conv: 10 steps x 8 filters x 16 lanes MACs; weights 16 bits, 1 window per step
  c.stored_pa = c.stored_pw = 16;
  EnergyOps ops = energy_ops(c, engine_spec(Engine::Base));
  CHECK(ops.mac16 == 1280);
  CHECK(ops.sip_bit_ops == 0);
  CHECK(ops.weight_buffer_bits == 8000 + 10 * 8 * 16 * 16);
  CHECK(ops.activation_buffer_bits == 4000 + 10 * 1 * 16 * 16);
  CHECK(layer_energy(c, engine_spec(Engine::Base), simple_params(), 1.0).compute == 1152);  // 1280 x 0.9

  // stripes conv: 80 cycles x 8 filters x 16 windows x 16 lanes x 1 act bit x 16 weight bits
  c.compute_cycles = 80;
  c.stored_pa = 8;
  ops = energy_ops(c, engine_spec(Engine::Stripes));
  CHECK(ops.sip_bit_ops == 2621440);
  CHECK(ops.mac16 == 0);

  // lm2b conv: 2 act bits per cycle, 8 windows per step
  c.compute_cycles = 360;
  c.stored_pw = 9;
  ops = energy_ops(c, engine_spec(Engine::Lm2b));
  CHECK(ops.sip_bit_ops == 360ull * 128 * 8 * 16 * 2);
  CHECK(ops.activation_buffer_bits == 4000 + 10 * 8 * 16 * 8);

  // lm2b fc: 5 steps x 128 filters x 16 inputs x Pw 6 x ceil(7/2)*2 = 8 act bits
  LayerCounters fc;
  fc.type = LayerType::Fc;
  fc.steps = 5;
  fc.stored_pa = 7;
  fc.stored_pw = 6;
  ops = energy_ops(fc, engine_spec(Engine::Lm2b));
  CHECK(ops.sip_bit_ops == 491520);
  CHECK(ops.weight_buffer_bits == 5 * 128 * 16 * 6);
  CHECK(ops.activation_buffer_bits == 5 * 16 * 7);
  // fc on stripes runs bit-parallel: MACs like base
  fc.stored_pw = 16;
  ops = energy_ops(fc, engine_spec(Engine::Stripes));
  CHECK(ops.mac16 == 5 * 8 * 16);
  CHECK(ops.sip_bit_ops == 0);

  // add: 3 steps x 16 x 16 element adds, both inputs read
  LayerCounters add;
  add.type = LayerType::Add;
  add.steps = 3;
  add.stored_pa = 5;
  ops = energy_ops(add, engine_spec(Engine::Lm1b));
  CHECK(ops.elementwise_ops == 768);
  CHECK(ops.activation_buffer_bits == 2 * 768 * 5);
  CHECK(ops.weight_buffer_bits == 0);
  LayerCounters pool = add;
  pool.type = LayerType::MaxPool;
  CHECK(energy_ops(pool, engine_spec(Engine::Base)).activation_buffer_bits == 768 * 5);
}

TEST_CASE("components round to whole pJ and the total is their exact sum", "[energy]") {
  EnergyParams p = simple_params();
  p.dram_pj_per_byte = 0.5;
  p.interconnect_pj_per_byte = 0.25;
  LayerCounters c = conv_counters();
  c.dram_bytes = 3;  // 1.5 pJ -> 2, 0.75 pJ -> 1
  const LayerEnergy e = layer_energy(c, engine_spec(Engine::Lm1b), p, 1.0);
  CHECK(e.dram == 2);
  CHECK(e.interconnect == 1);
  CHECK(e.total == e.compute + e.weight_buffer + e.activation_buffer + e.output_buffer + e.dram +
                       e.interconnect + e.static_energy);
  // a 2.5 ns period doubles-and-a-half the static energy
  CHECK(layer_energy(c, engine_spec(Engine::Lm1b), p, 2.5).static_energy == 50000);

  LayerEnergy sum;
  sum += e;
  sum += e;
  CHECK(sum.total == 2 * e.total);
  CHECK(sum.dram == 4);
}

TEST_CASE("a layer that did not run costs nothing; a failed one only static energy", "[energy]") {
  LayerCounters none;
  CHECK(layer_energy(none, engine_spec(Engine::Lm1b), simple_params(), 1.0).total == 0);
  LayerCounters failed;
  failed.cycles = 1;  // the decode cycle of an error
  const LayerEnergy e = layer_energy(failed, engine_spec(Engine::Lm1b), simple_params(), 1.0);
  CHECK(e.static_energy == 20);
  CHECK(e.total == 20);
}
