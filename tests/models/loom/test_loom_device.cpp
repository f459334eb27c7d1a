// The Loom device on a small bus: a test initiator programs its registers,
// tensors are backdoor-loaded into DRAM, and each case checks the interrupt,
// the status and the data the device wrote.
#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "models/loom/bitplane.h"
#include "platform/golden_reference.h"
#include "tests/support/loom_test_soc.h"

using namespace loomvp;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

using test::kDramBase;
using test::kLoomBase;
constexpr uint64_t kDramSize = 16 << 20;

struct LoomBench : sc_core::sc_module, test::LoomTestSoc {
  std::function<void(LoomBench&)> scenario;
  bool scenario_done = false;
  int irq_rising_edges = 0;

  static LoomConfig loom_config(uint64_t limit_dram_size, const BufferConfig& buffers) {
    LoomConfig c;
    c.limits.dram_base = kDramBase;
    c.limits.dram_size = limit_dram_size;
    c.buffers = buffers;
    return c;
  }

  SC_HAS_PROCESS(LoomBench);
  LoomBench(std::function<void(LoomBench&)> body, uint64_t limit_dram_size = kDramSize,
            const BufferConfig& buffers = BufferConfig{})
      : LoomBench(std::move(body), loom_config(limit_dram_size, buffers)) {}
  LoomBench(std::function<void(LoomBench&)> body, const LoomConfig& config)
      : sc_module("bench"), LoomTestSoc(kDramSize, config), scenario(std::move(body)) {
    SC_THREAD(run);
    SC_METHOD(count_edges);
    sensitive << irq.posedge_event();
    dont_initialize();
  }
  void count_edges() { ++irq_rising_edges; }
  void run() {
    scenario(*this);
    scenario_done = true;
  }

  uint32_t reg(uint32_t offset) { return cpu.read32(kLoomBase + offset); }
  void set(uint32_t offset, uint32_t value) { REQUIRE(cpu.write32(kLoomBase + offset, value) == tlm::TLM_OK_RESPONSE); }
  // As the driver does: sleep until an interrupt cause is pending (the line
  // itself may still be high from a cause acknowledged a delta ago).
  void wait_irq() {
    while (reg(LOOM_REG_IRQ_STATUS) == 0) wait(irq.posedge_event());
    if (!irq.read()) wait(irq.posedge_event());
  }
  void program(const LayerRegs& r) {
    set(LOOM_REG_LAYER_TYPE, r.layer_type);
    set(LOOM_REG_IN_ADDR, r.in_addr);
    set(LOOM_REG_IN2_ADDR, r.in2_addr);
    set(LOOM_REG_WEIGHT_ADDR, r.weight_addr);
    set(LOOM_REG_BIAS_ADDR, r.bias_addr);
    set(LOOM_REG_OUT_ADDR, r.out_addr);
    set(LOOM_REG_IN_C, r.in_c);
    set(LOOM_REG_IN_H, r.in_h);
    set(LOOM_REG_IN_W, r.in_w);
    set(LOOM_REG_OUT_C, r.out_c);
    set(LOOM_REG_KERNEL, r.kernel);
    set(LOOM_REG_STRIDE, r.stride);
    set(LOOM_REG_PAD, r.pad);
    set(LOOM_REG_GROUPS, r.groups);
    set(LOOM_REG_PREC, r.prec);
    set(LOOM_REG_QUANT, r.quant);
    set(LOOM_REG_OUT_C_OFFSET, r.out_c_offset);
    set(LOOM_REG_OUT_C_TOTAL, r.out_c_total);
  }
  // Programs, starts, waits for the interrupt, acknowledges it; returns STATUS.
  uint32_t run_layer(const LayerRegs& r) {
    program(r);
    set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
    wait_irq();
    set(LOOM_REG_IRQ_STATUS, reg(LOOM_REG_IRQ_STATUS));
    return reg(LOOM_REG_STATUS);
  }
};

void simulate(LoomBench& bench) {
  sc_core::sc_start(sc_time(1, sc_core::SC_SEC));
  REQUIRE(bench.scenario_done);
}

// A conv layer with awkward shapes, its tensors packed into DRAM, and the
// golden output to expect.
struct ConvFixture {
  WorkloadLayer layer;
  std::vector<int32_t> input;
  LayerRegs regs;

  explicit ConvFixture(Memory& dram) {
    std::mt19937 rng(11);
    layer.type = LayerType::Conv;
    layer.in_shape = {19, 9, 11};
    layer.out_shape = {130, 5, 6};
    layer.kh = layer.kw = 3;
    layer.sy = layer.sx = 2;
    layer.py = layer.px = 1;
    layer.pa = 6;
    layer.pw = 5;
    layer.out_prec = 8;
    layer.shift = 8;
    layer.relu = true;
    std::uniform_int_distribution<int32_t> act(0, 63), weight(-16, 15), bias(-2000, 2000);
    input.resize(layer.in_shape.elements());
    for (auto& v : input) v = act(rng);
    layer.weights.resize(130 * 19 * 9);
    for (auto& v : layer.weights) v = static_cast<int16_t>(weight(rng));
    for (int i = 0; i < 130; ++i) layer.bias.push_back(bias(rng));

    regs.layer_type = LOOM_LAYER_CONV;
    regs.in_addr = kDramBase;
    regs.weight_addr = kDramBase + 0x10000;
    regs.bias_addr = kDramBase + 0x30000;
    regs.out_addr = kDramBase + 0x40000;
    regs.in_c = 19;
    regs.in_h = 9;
    regs.in_w = 11;
    regs.out_c = 130;
    regs.kernel = LOOM_YX(3, 3);
    regs.stride = LOOM_YX(2, 2);
    regs.pad = LOOM_YX(1, 1);
    regs.groups = 1;
    regs.prec = LOOM_PREC(6, 5, 8, 0);
    regs.quant = 8 | LOOM_QUANT_RELU;

    std::vector<uint8_t> packed(bitplane::activation_bytes(19, 9, 11, 6));
    bitplane::pack_activations(input.data(), 19, 9, 11, 6, packed.data());
    dram.backdoor_write(0, packed.data(), packed.size());
    packed.assign(bitplane::weight_bytes(130, 19, 3, 3, 5), 0);
    bitplane::pack_weights(layer.weights.data(), 130, 19, 3, 3, 5, packed.data());
    dram.backdoor_write(0x10000, packed.data(), packed.size());
    dram.backdoor_write(0x30000, layer.bias.data(), layer.bias.size() * 4);
  }

  std::vector<int32_t> device_output(Memory& dram) const {
    std::vector<uint8_t> packed(bitplane::activation_bytes(130, 5, 6, 8));
    dram.backdoor_read(0x40000, packed.data(), packed.size());
    std::vector<int32_t> values(130 * 5 * 6);
    bitplane::unpack_activations(packed.data(), 130, 5, 6, 8, false, values.data());
    return values;
  }
};

}  // namespace

TEST_CASE("Loom runs a conv layer: interrupt - status - counters and bit-exact output") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    CHECK(b.reg(LOOM_REG_ID) == LOOM_ID_VALUE);
    CHECK(LOOM_CAPS_ENGINE(b.reg(LOOM_REG_CAPS)) == LOOM_ENGINE_LM1B);
    b.program(fixture->regs);
    CHECK(b.reg(LOOM_REG_OUT_H) == 5);
    CHECK(b.reg(LOOM_REG_OUT_W) == 6);
    const sc_time start = sc_core::sc_time_stamp();
    uint32_t ctrl = LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START;
    sc_time write_delay = sc_core::SC_ZERO_TIME;
    REQUIRE(b.cpu.transport(tlm::TLM_WRITE_COMMAND, kLoomBase + LOOM_REG_CTRL, &ctrl, 4, write_delay) ==
            tlm::TLM_OK_RESPONSE);
    // START takes effect when the write reaches the device: its reply carries
    // one more register cycle and the 2-cycle return through the router.
    const sc_time start_effective = start + write_delay - sc_time(3, SC_NS);
    CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_BUSY);
    b.wait_irq();
    const double elapsed_cycles = (sc_core::sc_time_stamp() - start_effective) / sc_time(1, SC_NS);
    CHECK(b.reg(LOOM_REG_IRQ_STATUS) == LOOM_IRQ_DONE);
    CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_DONE);
    const uint64_t cycles = b.reg(LOOM_REG_CYCLES_LO), compute = b.reg(LOOM_REG_COMPUTE_CYCLES_LO),
                   dma = b.reg(LOOM_REG_DMA_CYCLES_LO), stall_data = b.reg(LOOM_REG_STALL_DATA_CYCLES_LO);
    // One tile: load (compute waits for it), compute, store (the drain).
    CHECK(b.reg(LOOM_REG_TILES) == 1);
    CHECK(b.reg(LOOM_REG_STALL_SPACE_CYCLES_LO) == 0);
    CHECK(stall_data > 0);
    CHECK(cycles > 1 + compute + stall_data);
    CHECK(cycles <= 1 + compute + dma + 1);  // the load and the store, each rounded up
    CHECK(elapsed_cycles == Approx(double(cycles)));
    CHECK(compute > 0);
    CHECK(b.reg(LOOM_REG_DRAM_RD_BYTES_LO) ==
          bitplane::activation_bytes(19, 9, 11, 6) + bitplane::weight_bytes(130, 19, 3, 3, 5) + 130 * 4);
    CHECK(b.reg(LOOM_REG_DRAM_WR_BYTES_LO) == bitplane::activation_bytes(130, 5, 6, 8));
    CHECK(b.reg(LOOM_REG_LAYERS_DONE) == 1);
    // Write one to clear drops the line.
    b.set(LOOM_REG_IRQ_STATUS, LOOM_IRQ_DONE);
    wait(sc_core::SC_ZERO_TIME);
    wait(sc_core::SC_ZERO_TIME);
    CHECK_FALSE(b.irq.read());
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
  const std::vector<int32_t> golden = golden_layer(fixture->layer, fixture->input, nullptr);
  CHECK(fixture->device_output(bench.dram) == golden);
  REQUIRE(bench.loom.layer_log().size() == 1);
  CHECK(bench.router.initiator_stats()[1].bytes_read == bench.loom.layer_log()[0].dram_bytes_read);
}

TEST_CASE("tiles that fit small buffers: overlap, counters, hand-computed DMA bytes and bit-exact output") {
  std::unique_ptr<ConvFixture> fixture;
  // 130 filters x 9 positions x 2 bricks x 5 planes x 2 B + 4 B bias = 184 B each:
  // 128 fit the weight memory once (23552 B), all 130 do not (23920 B).
  // One output row reads 3 input rows of 11 x 24 B = 792 B; 128 filters write 6 x 128 B per row.
  BufferConfig buffers;
  buffers.weight_bytes = 23919;
  buffers.activation_bytes = 800;
  buffers.output_bytes = 4000;
  LoomBench bench(
      [&fixture](LoomBench& b) {
        CHECK(b.reg(LOOM_REG_WBUF_BYTES) == 23919);
        CHECK(b.reg(LOOM_REG_ABUF_BYTES) == 800);
        CHECK(b.reg(LOOM_REG_OBUF_BYTES) == 4000);
        CHECK(b.run_layer(fixture->regs) == LOOM_STATUS_DONE);
        CHECK(b.reg(LOOM_REG_TILES) == 2 * 5);  // 2 filter chunks x 5 one-row bands
        // Filters outer: weights once; the bands' input rows 2+3+3+3+2 = 13 once per chunk.
        CHECK(b.reg(LOOM_REG_DRAM_RD_BYTES_LO) == 130 * 184 + 2 * 13 * 264);
        CHECK(b.reg(LOOM_REG_DRAM_WR_BYTES_LO) == 5 * 6 * 9 * 8 * 2);
        CHECK(b.reg(LOOM_REG_STALL_DATA_CYCLES_LO) > 0);  // single-buffered input rows
      },
      kDramSize, buffers);
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
  CHECK(fixture->device_output(bench.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
  REQUIRE(bench.loom.layer_log().size() == 1);
  const LayerRecord& r = bench.loom.layer_log()[0];
  const DecodeResult decoded = decode_layer(fixture->regs, DeviceLimits{});
  CHECK(r.compute_cycles == compute_timing(decoded.desc, engine_spec(Engine::Lm1b), true, fixture->input.data()).cycles);
  CHECK(r.cycles == 1 + r.compute_cycles + r.stall_data_cycles + r.stall_space_cycles + r.drain_cycles);
  CHECK(r.drain_cycles > 0);  // the last tile's write-back
  CHECK(r.drain_cycles <= r.dma_cycles);
  // DRAM moves at most 12.8 B per 1 ns cycle.
  CHECK(double(r.dram_bytes_read + r.dram_bytes_written) / double(r.cycles) <= 12.8);
  CHECK(r.dram_bytes[static_cast<uint32_t>(TensorKind::Weights)] == 130 * 180);
  CHECK(r.dram_bytes[static_cast<uint32_t>(TensorKind::Bias)] == 130 * 4);
}

namespace {

// Random conv, fc and pool layers on one device with small buffers: each
// output equals the golden reference, the DMA moved what the plan says, and
// the cycle identity holds. Layers whose one tile does not fit are skipped.
void random_layers_on_small_buffers(Engine engine) {
  BufferConfig buffers;
  buffers.weight_bytes = 40000;
  buffers.activation_bytes = 1500;
  buffers.output_bytes = 700;
  LoomConfig config = LoomBench::loom_config(kDramSize, buffers);
  config.engine = engine;
  int ran = 0, multi_tile = 0;
  LoomBench bench(
      [&](LoomBench& b) {
        std::mt19937 rng(17 + static_cast<int>(engine));
        const auto pick = [&rng](uint32_t lo, uint32_t hi) { return static_cast<uint32_t>(lo + rng() % (hi - lo + 1)); };
        for (int i = 0; i < 60; ++i) {
          WorkloadLayer L;
          const uint32_t kind = pick(0, 3);
          L.type = kind == 0 ? LayerType::Fc : kind == 1 ? LayerType::MaxPool : LayerType::Conv;
          L.in_shape = {pick(1, 40), pick(1, 14), pick(1, 14)};
          L.groups = L.type == LayerType::Conv && L.in_shape.c % 2 == 0 && pick(0, 1) ? 2 : 1;
          L.kh = L.type == LayerType::Fc ? L.in_shape.h : std::min(L.in_shape.h, pick(1, 4));
          L.kw = L.type == LayerType::Fc ? L.in_shape.w : std::min(L.in_shape.w, pick(1, 4));
          if (L.type != LayerType::Fc) {
            L.sy = pick(1, 3), L.sx = pick(1, 3);
            L.py = std::min(L.kh - 1, pick(0, 1)), L.px = std::min(L.kw - 1, pick(0, 1));
          }
          const uint32_t filters = L.type == LayerType::MaxPool ? L.in_shape.c : L.groups * pick(1, 100);
          L.out_shape = {filters, (L.in_shape.h + 2 * L.py - L.kh) / L.sy + 1, (L.in_shape.w + 2 * L.px - L.kw) / L.sx + 1};
          L.pa = pick(2, 9), L.out_prec = pick(2, 9), L.shift = pick(0, 6), L.relu = true;
          L.pw = L.type == LayerType::MaxPool ? 0 : pick(2, 9);
          const EngineSpec& spec = engine_spec(engine);
          const uint32_t pa = spec.stored_act_prec ? spec.stored_act_prec : L.pa;
          const uint32_t pw = spec.stored_weight_prec ? spec.stored_weight_prec : L.pw;
          const uint32_t po = spec.stored_act_prec ? spec.stored_act_prec : L.out_prec;
          std::vector<int32_t> input(L.in_shape.elements());
          for (auto& v : input) v = static_cast<int32_t>(rng() % (1u << L.pa));
          const uint32_t cg = L.in_shape.c / L.groups;
          if (L.pw) {
            L.weights.resize(uint64_t{filters} * cg * L.kh * L.kw);
            for (auto& v : L.weights) v = static_cast<int16_t>(int(rng() % (1u << L.pw)) - (1 << (L.pw - 1)));
            for (uint32_t f = 0; f < filters; ++f) L.bias.push_back(int(rng() % 512) - 256);
          }
          LayerRegs r;
          r.layer_type = static_cast<uint32_t>(L.type);
          r.in_addr = kDramBase, r.weight_addr = kDramBase + 0x100000, r.bias_addr = kDramBase + 0x200000;
          r.out_addr = kDramBase + 0x300000;
          r.in_c = L.in_shape.c, r.in_h = L.in_shape.h, r.in_w = L.in_shape.w, r.out_c = filters;
          r.kernel = LOOM_YX(L.kh, L.kw), r.stride = LOOM_YX(L.sy, L.sx), r.pad = LOOM_YX(L.py, L.px);
          r.groups = L.groups;
          r.prec = LOOM_PREC(pa, pw, po, 0);
          r.quant = L.shift | LOOM_QUANT_RELU | LOOM_QUANT_SAT(L.out_prec);
          const DecodeResult decoded = decode_layer(r, config.limits);
          REQUIRE(decoded.error == LOOM_ERR_NONE);
          const TilePlan plan = plan_tiles(decoded.desc, spec, buffers);
          if (plan.error) continue;
          std::vector<uint8_t> packed(bitplane::activation_bytes(r.in_c, r.in_h, r.in_w, pa));
          bitplane::pack_activations(input.data(), r.in_c, r.in_h, r.in_w, pa, packed.data());
          b.dram.backdoor_write(0, packed.data(), packed.size());
          if (L.pw) {
            packed.assign(bitplane::weight_bytes(filters, cg, L.kh, L.kw, pw), 0);
            bitplane::pack_weights(L.weights.data(), filters, cg, L.kh, L.kw, pw, packed.data());
            b.dram.backdoor_write(0x100000, packed.data(), packed.size());
            b.dram.backdoor_write(0x200000, L.bias.data(), L.bias.size() * 4);
          }
          INFO("layer " << i << " " << layer_type_name(L.type) << " " << L.in_shape.str() << " -> "
                        << L.out_shape.str() << " k " << L.kh << "x" << L.kw << " s " << L.sy << "," << L.sx
                        << " groups " << L.groups << " tiles " << plan.tiles.size());
          REQUIRE(b.run_layer(r) == LOOM_STATUS_DONE);
          packed.assign(decoded.desc.output_bytes(), 0);
          b.dram.backdoor_read(0x300000, packed.data(), packed.size());
          std::vector<int32_t> out(L.out_shape.elements());
          bitplane::unpack_activations(packed.data(), filters, L.out_shape.h, L.out_shape.w, po, false, out.data());
          CHECK(out == golden_layer(L, input, nullptr));
          const LayerRecord& rec = b.loom.layer_log().back();
          CHECK(rec.tiles == plan.tiles.size());
          CHECK(rec.dram_bytes_read == plan.bytes_read());
          CHECK(rec.dram_bytes_written == plan.bytes_written());
          CHECK(rec.cycles == 1 + rec.compute_cycles + rec.stall_data_cycles + rec.stall_space_cycles + rec.drain_cycles);
          CHECK(rec.compute_cycles == compute_timing(decoded.desc, spec, true, input.data()).cycles);
          ++ran;
          multi_tile += plan.tiles.size() > 1;
        }
      },
      config);
  simulate(bench);
  INFO(ran << " layers ran, " << multi_tile << " of them in several tiles");
  CHECK(ran >= 20);
  CHECK(multi_tile >= 10);
}

}  // namespace

TEST_CASE("random layers on small buffers, lm1b: bit-exact, plan bytes, cycle identity") {
  random_layers_on_small_buffers(Engine::Lm1b);
}

TEST_CASE("random layers on small buffers, base: bit-exact, plan bytes, cycle identity") {
  random_layers_on_small_buffers(Engine::Base);
}

TEST_CASE("write-back slower than compute: the compute stage waits for output buffer space") {
  // 1x1 conv, 16 channels x 32 x 16 -> 128 filters at Pa = Pw = 1: one cycle
  // of compute per row, a 32 B input row, but 16 pixels x 8 bricks x 16 planes
  // x 2 B = 4 KiB of output per row. A 6000 B output buffer holds one row:
  // the next row's input is loaded while a row is stored (the activation
  // memory is double buffered), so compute waits for the store.
  WorkloadLayer L;
  L.type = LayerType::Conv;
  L.in_shape = {16, 32, 16};
  L.out_shape = {128, 32, 16};
  L.pa = 1, L.pw = 1, L.out_prec = 16;
  std::mt19937 rng(5);
  std::vector<int32_t> input(L.in_shape.elements());
  for (auto& v : input) v = static_cast<int32_t>(rng() % 2);
  for (int i = 0; i < 128 * 16; ++i) L.weights.push_back(static_cast<int16_t>(-int(rng() % 2)));
  for (int i = 0; i < 128; ++i) L.bias.push_back(int(rng() % 1000));
  BufferConfig buffers;
  buffers.output_bytes = 6000;
  LoomBench bench(
      [&](LoomBench& b) {
        LayerRegs r;
        r.layer_type = LOOM_LAYER_CONV;
        r.in_addr = kDramBase, r.weight_addr = kDramBase + 0x10000, r.bias_addr = kDramBase + 0x20000;
        r.out_addr = kDramBase + 0x30000;
        r.in_c = 16, r.in_h = 32, r.in_w = 16, r.out_c = 128;
        r.kernel = LOOM_YX(1, 1), r.stride = LOOM_YX(1, 1), r.pad = 0, r.groups = 1;
        r.prec = LOOM_PREC(1, 1, 16, 0);
        r.quant = LOOM_QUANT_SAT(16);
        std::vector<uint8_t> packed(bitplane::activation_bytes(16, 32, 16, 1));
        bitplane::pack_activations(input.data(), 16, 32, 16, 1, packed.data());
        b.dram.backdoor_write(0, packed.data(), packed.size());
        packed.assign(bitplane::weight_bytes(128, 16, 1, 1, 1), 0);
        bitplane::pack_weights(L.weights.data(), 128, 16, 1, 1, 1, packed.data());
        b.dram.backdoor_write(0x10000, packed.data(), packed.size());
        b.dram.backdoor_write(0x20000, L.bias.data(), L.bias.size() * 4);
        REQUIRE(b.run_layer(r) == LOOM_STATUS_DONE);
        CHECK(b.reg(LOOM_REG_TILES) == 32);
        CHECK(b.reg(LOOM_REG_STALL_SPACE_CYCLES_LO) > 0);
        CHECK(b.reg(LOOM_REG_BOUND) == 1);  // memory-bound
        packed.assign(bitplane::activation_bytes(128, 32, 16, 16), 0);
        b.dram.backdoor_read(0x30000, packed.data(), packed.size());
        std::vector<int32_t> out(128 * 32 * 16);
        bitplane::unpack_activations(packed.data(), 128, 32, 16, 16, false, out.data());
        CHECK(out == golden_layer(L, input, nullptr));
      },
      kDramSize, buffers);
  simulate(bench);
  const LayerRecord& rec = bench.loom.layer_log().back();
  CHECK(rec.cycles == 1 + rec.compute_cycles + rec.stall_data_cycles + rec.stall_space_cycles + rec.drain_cycles);
  CHECK(rec.compute_cycles == 32);  // 32 window blocks (one per row) x 1 brick x ceil(1/1) x 1 x 1 filter block
}

TEST_CASE("a buffer too small for one output row ends in BUFFER_TOO_SMALL after the decode cycle") {
  std::unique_ptr<ConvFixture> fixture;
  BufferConfig buffers;
  buffers.activation_bytes = 791;  // one output row reads 792 B
  LoomBench bench(
      [&fixture](LoomBench& b) {
        const uint32_t status = b.run_layer(fixture->regs);
        CHECK(LOOM_STATUS_ERR_CODE(status) == LOOM_ERR_BUFFER_TOO_SMALL);
        CHECK(b.reg(LOOM_REG_CYCLES_LO) == 1);
        CHECK(b.reg(LOOM_REG_DRAM_RD_BYTES_LO) == 0);
      },
      kDramSize, buffers);
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
}

TEST_CASE("bad programming ends in an error code and an interrupt - and the device keeps working") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    struct Bad { const char* what; std::function<void(LayerRegs&)> spoil; uint32_t code; };
    const Bad cases[] = {
        {"precision 0", [](LayerRegs& r) { r.prec = LOOM_PREC(0, 5, 8, 0); }, LOOM_ERR_BAD_PRECISION},
        {"precision 17", [](LayerRegs& r) { r.prec = LOOM_PREC(6, 17, 8, 0); }, LOOM_ERR_BAD_PRECISION},
        {"layer type 9", [](LayerRegs& r) { r.layer_type = 9; }, LOOM_ERR_BAD_LAYER_TYPE},
        {"zero width", [](LayerRegs& r) { r.in_w = 0; }, LOOM_ERR_BAD_SHAPE},
        {"kernel too big", [](LayerRegs& r) { r.kernel = LOOM_YX(12, 3); }, LOOM_ERR_BAD_SHAPE},
        {"stride 0", [](LayerRegs& r) { r.stride = 0; }, LOOM_ERR_BAD_STRIDE},
        {"groups 2 of 19", [](LayerRegs& r) { r.groups = 2; }, LOOM_ERR_BAD_GROUPS},
        {"out of DRAM", [](LayerRegs& r) { r.out_addr = kDramBase + kDramSize - 8; }, LOOM_ERR_BAD_ADDRESS},
        {"below DRAM", [](LayerRegs& r) { r.in_addr = 0x1000; }, LOOM_ERR_BAD_ADDRESS},
        {"too large", [](LayerRegs& r) { r.in_c = 60000; r.in_h = 3000; }, LOOM_ERR_TOO_LARGE},
    };
    for (const Bad& bad : cases) {
      INFO(bad.what);
      LayerRegs r = fixture->regs;
      bad.spoil(r);
      const uint32_t status = b.run_layer(r);
      CHECK((status & LOOM_STATUS_ERROR));
      CHECK_FALSE((status & (LOOM_STATUS_BUSY | LOOM_STATUS_DONE)));
      CHECK(LOOM_STATUS_ERR_CODE(status) == bad.code);
    }
    CHECK(b.run_layer(fixture->regs) == LOOM_STATUS_DONE);  // still works
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
  CHECK(fixture->device_output(bench.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
}

TEST_CASE("start while busy reports BUSY and the running layer still completes") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    b.program(fixture->regs);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
    wait(sc_time(10, SC_NS));
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
    const uint32_t status = b.reg(LOOM_REG_STATUS);
    CHECK((status & LOOM_STATUS_BUSY));
    CHECK((status & LOOM_STATUS_ERROR));
    CHECK(LOOM_STATUS_ERR_CODE(status) == LOOM_ERR_BUSY);
    b.wait_irq();
    CHECK(b.reg(LOOM_REG_IRQ_STATUS) == LOOM_IRQ_ERROR);
    b.set(LOOM_REG_IRQ_STATUS, LOOM_IRQ_ERROR);
    wait(sc_core::SC_ZERO_TIME);
    wait(sc_core::SC_ZERO_TIME);
    b.wait_irq();
    CHECK((b.reg(LOOM_REG_IRQ_STATUS) & LOOM_IRQ_DONE));
    CHECK((b.reg(LOOM_REG_STATUS) & LOOM_STATUS_DONE));
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
  CHECK(fixture->device_output(bench.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
}

TEST_CASE("a DMA burst answered with a bus error ends in the DMA error code") {
  std::unique_ptr<ConvFixture> fixture;
  // The device believes DRAM is 64 MiB; only 16 MiB are mapped on the bus.
  LoomBench bench(
      [&fixture](LoomBench& b) {
        LayerRegs r = fixture->regs;
        r.weight_addr = kDramBase + (32 << 20);
        const uint32_t status = b.run_layer(r);
        CHECK(LOOM_STATUS_ERR_CODE(status) == LOOM_ERR_DMA);
        CHECK(b.router.initiator_stats()[1].decode_errors == 1);
      },
      64 << 20);
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
}

TEST_CASE("soft reset abandons a running layer without an interrupt") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    b.program(fixture->regs);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
    wait(sc_time(10, SC_NS));
    b.set(LOOM_REG_CTRL, LOOM_CTRL_SOFT_RESET);
    CHECK(b.reg(LOOM_REG_STATUS) == 0);
    CHECK(b.reg(LOOM_REG_LAYER_TYPE) == 0);  // configuration back to reset values
    wait(sc_time(1, sc_core::SC_MS));
    CHECK_FALSE(b.irq.read());
    CHECK(b.reg(LOOM_REG_IRQ_STATUS) == 0);
    CHECK(b.loom.layer_log().empty());
    CHECK(b.run_layer(fixture->regs) == LOOM_STATUS_DONE);
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
}

TEST_CASE("register access mistakes get TLM error responses and a masked cause raises no interrupt") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    CHECK(b.cpu.write32(kLoomBase + LOOM_REG_ID, 1) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(b.cpu.write32(kLoomBase + LOOM_REG_STATUS, 1) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    tlm::tlm_response_status status;
    b.cpu.read32(kLoomBase + 0x0F0, &status);
    CHECK(status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    b.cpu.read32(kLoomBase + 0x002, &status);
    CHECK(status == tlm::TLM_BURST_ERROR_RESPONSE);
    uint16_t half = 0;
    sc_time delay;
    CHECK(b.cpu.transport(tlm::TLM_READ_COMMAND, kLoomBase, &half, 2, delay) == tlm::TLM_BURST_ERROR_RESPONSE);

    b.set(LOOM_REG_IRQ_MASK, LOOM_IRQ_ERROR);  // DONE masked
    b.program(fixture->regs);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
    wait(sc_time(1, sc_core::SC_MS));
    CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_DONE);
    CHECK(b.reg(LOOM_REG_IRQ_STATUS) == LOOM_IRQ_DONE);
    CHECK_FALSE(b.irq.read());
    b.set(LOOM_REG_IRQ_MASK, LOOM_IRQ_DONE);  // unmasking raises it
    wait(sc_core::SC_ZERO_TIME);
    wait(sc_core::SC_ZERO_TIME);
    CHECK(b.irq.read());
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
}

namespace {

// Soft reset `reset_after` into a layer, START again at once: the new layer
// must take one layer's time, not also the abandoned one's remainder.
void restart_after_soft_reset(sc_time reset_after) {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture, reset_after](LoomBench& b) {
    b.program(fixture->regs);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
    wait(reset_after);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_SOFT_RESET);
    const sc_time restart = sc_core::sc_time_stamp();
    CHECK(b.run_layer(fixture->regs) == LOOM_STATUS_DONE);
    CHECK(sc_core::sc_time_stamp() - restart < sc_time(1.2 * b.reg(LOOM_REG_CYCLES_LO), SC_NS));
    CHECK(b.loom.layer_log().size() == 1);
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
  CHECK(fixture->device_output(bench.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
}

}  // namespace

TEST_CASE("a START written right after a soft reset during the input DMA is served at once") {
  restart_after_soft_reset(sc_time(100, SC_NS));
}

TEST_CASE("a START written right after a soft reset during the compute phase is served at once") {
  // Input and weight reads take about 2 us here; compute about 2.2 us more.
  restart_after_soft_reset(sc_time(3, sc_core::SC_US));
}

TEST_CASE("the layer is latched at the START write: later register writes never change it (issue 7 defect 10)") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    b.program(fixture->regs);
    // A temporally decoupled CPU issues START at 60 ns and PREC = 0 at 66 ns
    // before the kernel reaches either time.
    uint32_t ctrl = LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START, zero = 0;
    sc_time delay(60, SC_NS);
    REQUIRE(b.cpu.transport(tlm::TLM_WRITE_COMMAND, kLoomBase + LOOM_REG_CTRL, &ctrl, 4, delay) ==
            tlm::TLM_OK_RESPONSE);
    delay = sc_time(66, SC_NS);
    REQUIRE(b.cpu.transport(tlm::TLM_WRITE_COMMAND, kLoomBase + LOOM_REG_PREC, &zero, 4, delay) ==
            tlm::TLM_OK_RESPONSE);
    // And while it runs, everything else too.
    wait(sc_time(500, SC_NS));
    CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_BUSY);
    for (uint32_t offset = LOOM_REG_LAYER_TYPE; offset <= LOOM_REG_OUT_C_TOTAL; offset += 4)
      if (offset != 0x038 && offset != 0x03C) b.set(offset, 0);
    CHECK(b.reg(LOOM_REG_OUT_H) == 0);  // OUT_H shows what is programmed now
    b.wait_irq();
    CHECK(b.reg(LOOM_REG_IRQ_STATUS) == LOOM_IRQ_DONE);
    CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_DONE);
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  simulate(bench);
  CHECK(fixture->device_output(bench.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
}

namespace {

constexpr uint64_t kChainOffset = 0x80000;  // descriptors, in DRAM

// Writes descriptors as docs/register-map.md lays them out, word by word.
void put_chain(Memory& dram, uint64_t offset, const std::vector<LayerRegs>& layers) {
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerRegs& r = layers[i];
    const uint32_t words[LOOM_DESC_WORDS] = {
        0x4C440001u, 0, r.layer_type, r.in_addr, r.in2_addr, r.weight_addr, r.bias_addr, r.out_addr,
        r.in_c, r.in_h, r.in_w, r.out_c, r.kernel, r.stride, r.pad, r.groups, r.prec, r.quant,
        r.out_c_offset, r.out_c_total};
    dram.backdoor_write(offset + i * 80, words, sizeof(words));
  }
}

// Starts the chain at kChainOffset and sleeps until it ends, acknowledging
// each interrupt as the driver does; returns how many it took.
int run_chain(LoomBench& b, uint32_t count, bool irq_per_layer, uint64_t offset = kChainOffset) {
  b.set(LOOM_REG_CHAIN_ADDR, static_cast<uint32_t>(kDramBase + offset));
  b.set(LOOM_REG_CHAIN_COUNT, count);
  b.set(LOOM_REG_CHAIN_CTRL, irq_per_layer ? LOOM_CHAIN_IRQ_PER_LAYER : 0);
  b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START_CHAIN);
  int interrupts = 0;
  for (;;) {
    b.wait_irq();
    const uint32_t pending = b.reg(LOOM_REG_IRQ_STATUS);
    b.set(LOOM_REG_IRQ_STATUS, pending);
    ++interrupts;
    if (pending & (LOOM_IRQ_CHAIN_DONE | LOOM_IRQ_ERROR)) return interrupts;
  }
}

// 2x2 stride-2 max pool over the fixture's conv output (130 x 5 x 6 at 8 bits).
LayerRegs pool_after(const LayerRegs& conv, uint32_t out_addr) {
  LayerRegs r;
  r.layer_type = LOOM_LAYER_MAXPOOL;
  r.in_addr = conv.out_addr;
  r.out_addr = out_addr;
  r.in_c = 130;
  r.in_h = 5;
  r.in_w = 6;
  r.kernel = r.stride = LOOM_YX(2, 2);
  r.prec = LOOM_PREC(8, 0, 8, 0);
  return r;
}

std::vector<int32_t> read_tensor(Memory& dram, uint64_t offset, uint32_t c, uint32_t h, uint32_t w, uint32_t p) {
  std::vector<uint8_t> packed(bitplane::activation_bytes(c, h, w, p));
  dram.backdoor_read(offset, packed.data(), packed.size());
  std::vector<int32_t> values(uint64_t{c} * h * w);
  bitplane::unpack_activations(packed.data(), c, h, w, p, false, values.data());
  return values;
}

}  // namespace

TEST_CASE("a chain of layers gives the outputs and cycles of single STARTs - plus the descriptor fetches") {
  std::unique_ptr<ConvFixture> fixture;
  uint64_t chain_cycles = 0;
  LoomBench bench([&fixture, &chain_cycles](LoomBench& b) {
    const LayerRegs conv = fixture->regs;  // output at 0x40000
    CHECK(b.run_layer(conv) == LOOM_STATUS_DONE);
    CHECK(b.run_layer(pool_after(conv, kDramBase + 0x50000)) == LOOM_STATUS_DONE);
    CHECK(run_chain(b, 2, false) == 1);
    CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_DONE);
    CHECK(b.reg(LOOM_REG_IRQ_STATUS) == 0);
    CHECK(b.reg(LOOM_REG_CHAIN_INDEX) == 2);
    CHECK(b.reg(LOOM_REG_CHAIN_FETCH_BYTES) == 2 * 80);
    CHECK(b.reg(LOOM_REG_LAYERS_DONE) == 4);
    chain_cycles = b.reg(LOOM_REG_CHAIN_CYCLES_LO) | uint64_t{b.reg(LOOM_REG_CHAIN_CYCLES_HI)} << 32;
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  LayerRegs conv2 = fixture->regs;
  conv2.out_addr = kDramBase + 0x60000;
  put_chain(bench.dram, kChainOffset, {conv2, pool_after(conv2, kDramBase + 0x70000)});
  simulate(bench);

  const auto& log = bench.loom.layer_log();
  REQUIRE(log.size() == 4);
  uint64_t expected_chain_cycles = 0, layer_bytes_read = 0;
  for (size_t i = 0; i < 2; ++i) {
    INFO("layer " << i);
    const LayerRecord &single = log[i], &chained = log[2 + i];
    CHECK(chained.error == LOOM_ERR_NONE);
    CHECK(chained.cycles == single.cycles);
    CHECK(chained.compute_cycles == single.compute_cycles);
    CHECK(chained.dma_cycles == single.dma_cycles);
    CHECK(chained.dram_bytes_read == single.dram_bytes_read);
    CHECK(chained.dram_bytes_written == single.dram_bytes_written);
    CHECK(single.descriptor_fetch_cycles == 0);
    // 80 bytes from DRAM: at least its 100 ns latency, well under two.
    CHECK(chained.descriptor_fetch_cycles >= 100);
    CHECK(chained.descriptor_fetch_cycles < 200);
    CHECK(chained.descriptor_bytes_read == 80);
    expected_chain_cycles += chained.descriptor_fetch_cycles + chained.cycles;
    layer_bytes_read += single.dram_bytes_read + chained.dram_bytes_read;
  }
  CHECK(chain_cycles == expected_chain_cycles);
  // The fetches are real bus transactions of the Loom DMA initiator.
  CHECK(bench.router.initiator_stats()[1].bytes_read == layer_bytes_read + 2 * 80);

  const std::vector<int32_t> conv_golden = golden_layer(fixture->layer, fixture->input, nullptr);
  WorkloadLayer pool;
  pool.type = LayerType::MaxPool;
  pool.in_shape = {130, 5, 6};
  pool.out_shape = {130, 2, 3};
  pool.kh = pool.kw = pool.sy = pool.sx = 2;
  pool.pa = pool.out_prec = 8;
  const std::vector<int32_t> pool_golden = golden_layer(pool, conv_golden, nullptr);
  CHECK(read_tensor(bench.dram, 0x40000, 130, 5, 6, 8) == conv_golden);
  CHECK(read_tensor(bench.dram, 0x60000, 130, 5, 6, 8) == conv_golden);
  CHECK(read_tensor(bench.dram, 0x50000, 130, 2, 3, 8) == pool_golden);
  CHECK(read_tensor(bench.dram, 0x70000, 130, 2, 3, 8) == pool_golden);
}

TEST_CASE("chain interrupts: one per layer or one per chain - as CHAIN_CTRL asks") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    CHECK(run_chain(b, 3, true) == 3);
    CHECK(b.irq_rising_edges == 3);
    CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_DONE);
    CHECK(run_chain(b, 3, false) == 1);
    CHECK(b.irq_rising_edges == 4);
    CHECK(b.reg(LOOM_REG_LAYERS_DONE) == 6);
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  put_chain(bench.dram, kChainOffset, {fixture->regs, fixture->regs, fixture->regs});
  simulate(bench);
  CHECK(fixture->device_output(bench.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
}

TEST_CASE("a bad descriptor stops the chain at its index with its code and an interrupt") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    // Descriptor 1 has precision 0: layer 0 runs (one DONE), then ERROR.
    CHECK(run_chain(b, 3, true) == 2);
    uint32_t status = b.reg(LOOM_REG_STATUS);
    CHECK(status == (LOOM_STATUS_ERROR | (LOOM_ERR_BAD_PRECISION << LOOM_STATUS_ERR_SHIFT)));
    CHECK(b.reg(LOOM_REG_CHAIN_INDEX) == 1);
    CHECK(b.reg(LOOM_REG_LAYERS_DONE) == 1);
    CHECK(b.loom.layer_log().size() == 2);

    // A wrong tag at index 1 of the chain at +0x1000.
    CHECK(run_chain(b, 2, false, kChainOffset + 0x1000) == 1);
    CHECK(LOOM_STATUS_ERR_CODE(b.reg(LOOM_REG_STATUS)) == LOOM_ERR_BAD_DESCRIPTOR);
    CHECK(b.reg(LOOM_REG_CHAIN_INDEX) == 1);
    CHECK(b.reg(LOOM_REG_LAYERS_DONE) == 2);

    // An empty chain.
    CHECK(run_chain(b, 0, false) == 1);
    CHECK(LOOM_STATUS_ERR_CODE(b.reg(LOOM_REG_STATUS)) == LOOM_ERR_BAD_DESCRIPTOR);
    CHECK(b.reg(LOOM_REG_CHAIN_INDEX) == 0);

    // Descriptors where nothing answers on the bus.
    b.set(LOOM_REG_CHAIN_ADDR, 0x20000000);
    b.set(LOOM_REG_CHAIN_COUNT, 1);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START_CHAIN);
    b.wait_irq();
    CHECK(b.reg(LOOM_REG_IRQ_STATUS) == LOOM_IRQ_ERROR);
    b.set(LOOM_REG_IRQ_STATUS, LOOM_IRQ_ERROR);
    CHECK(LOOM_STATUS_ERR_CODE(b.reg(LOOM_REG_STATUS)) == LOOM_ERR_DMA);
    CHECK(b.reg(LOOM_REG_CHAIN_INDEX) == 0);

    // START_CHAIN while busy is a BUSY error; the running chain goes on.
    b.set(LOOM_REG_CHAIN_ADDR, static_cast<uint32_t>(kDramBase + kChainOffset + 0x2000));
    b.set(LOOM_REG_CHAIN_COUNT, 1);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START_CHAIN);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START_CHAIN);
    CHECK(LOOM_STATUS_ERR_CODE(b.reg(LOOM_REG_STATUS)) == LOOM_ERR_BUSY);
    wait(sc_time(1, sc_core::SC_MS));
    CHECK((b.reg(LOOM_REG_IRQ_STATUS) & LOOM_IRQ_CHAIN_DONE));
    CHECK((b.reg(LOOM_REG_STATUS) & LOOM_STATUS_DONE));
    b.set(LOOM_REG_IRQ_STATUS, LOOM_IRQ_ALL);

    CHECK(b.run_layer(fixture->regs) == LOOM_STATUS_DONE);  // still works
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  LayerRegs bad = fixture->regs;
  bad.prec = LOOM_PREC(0, 5, 8, 0);
  put_chain(bench.dram, kChainOffset, {fixture->regs, bad, fixture->regs});
  put_chain(bench.dram, kChainOffset + 0x1000, {fixture->regs, fixture->regs});
  const uint32_t wrong_tag = 0x4C440002u;
  bench.dram.backdoor_write(kChainOffset + 0x1000 + 80, &wrong_tag, 4);
  put_chain(bench.dram, kChainOffset + 0x2000, {fixture->regs});
  simulate(bench);
  CHECK(fixture->device_output(bench.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
}

TEST_CASE("soft reset abandons a chain - a new chain then runs") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    b.set(LOOM_REG_CHAIN_ADDR, static_cast<uint32_t>(kDramBase + kChainOffset));
    b.set(LOOM_REG_CHAIN_COUNT, 3);
    b.set(LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START_CHAIN);
    wait(sc_time(6, sc_core::SC_US));  // inside layer 1
    b.set(LOOM_REG_CTRL, LOOM_CTRL_SOFT_RESET);
    wait(sc_time(1, sc_core::SC_MS));
    CHECK(b.reg(LOOM_REG_IRQ_STATUS) == 0);
    CHECK_FALSE(b.irq.read());
    const size_t abandoned_log = b.loom.layer_log().size();
    CHECK(abandoned_log < 3);
    b.set(LOOM_REG_IRQ_MASK, LOOM_IRQ_ALL);
    CHECK(run_chain(b, 3, false) == 1);
    CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_DONE);
    CHECK(b.loom.layer_log().size() == abandoned_log + 3);
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  put_chain(bench.dram, kChainOffset, {fixture->regs, fixture->regs, fixture->regs});
  simulate(bench);
}

namespace {

// Two layers write halves of one tensor, by registers and by a chain;
// `min_tiles`: the sequencer must have split each half into at least that many.
void concat_halves(const BufferConfig& buffers, uint32_t min_tiles) {
  // Filters 0..31 and 32..51 of the fixture's conv as two layers: their
  // concatenation is the first 52 channels of the whole conv's output.
  std::unique_ptr<ConvFixture> fixture;
  const uint64_t concat_regs = 0x60000, concat_chain = 0x68000;
  const uint64_t tensor_bytes = bitplane::activation_bytes(52, 5, 6, 8);
  std::vector<LayerRegs> halves(2);
  LoomBench bench(
      [&fixture, &halves, concat_chain, min_tiles](LoomBench& b) {
        CHECK(b.run_layer(halves[0]) == LOOM_STATUS_DONE);
        CHECK(b.reg(LOOM_REG_DRAM_WR_BYTES_LO) == bitplane::activation_bytes(32, 5, 6, 8));
        CHECK(b.reg(LOOM_REG_TILES) >= min_tiles);
        CHECK(b.run_layer(halves[1]) == LOOM_STATUS_DONE);
        CHECK(b.reg(LOOM_REG_DRAM_WR_BYTES_LO) == bitplane::activation_bytes(20, 5, 6, 8));
        for (LayerRegs& r : halves) r.out_addr = static_cast<uint32_t>(kDramBase + concat_chain);
        put_chain(b.dram, kChainOffset, halves);
        CHECK(run_chain(b, 2, false) == 1);
        CHECK(b.reg(LOOM_REG_STATUS) == LOOM_STATUS_DONE);
      },
      kDramSize, buffers);
  fixture = std::make_unique<ConvFixture>(bench.dram);
  const uint64_t filter_bytes = bitplane::weight_bytes(1, 19, 3, 3, 5);
  for (uint32_t half = 0; half < 2; ++half) {
    LayerRegs& r = halves[half];
    r = fixture->regs;
    r.out_addr = static_cast<uint32_t>(kDramBase + concat_regs);
    r.out_c = half == 0 ? 32 : 20;
    r.weight_addr += half * 32 * filter_bytes;
    r.bias_addr += half * 32 * 4;
    r.out_c_offset = half * 32;
    r.out_c_total = 52;
  }
  // Guard bytes after each tensor must survive.
  const std::vector<uint8_t> guard(256, 0x5A);
  bench.dram.backdoor_write(concat_regs + tensor_bytes, guard.data(), guard.size());
  bench.dram.backdoor_write(concat_chain + tensor_bytes, guard.data(), guard.size());
  simulate(bench);

  const std::vector<int32_t> whole = golden_layer(fixture->layer, fixture->input, nullptr);
  const std::vector<int32_t> first_52(whole.begin(), whole.begin() + 52 * 5 * 6);  // C x H x W order
  CHECK(read_tensor(bench.dram, concat_regs, 52, 5, 6, 8) == first_52);
  CHECK(read_tensor(bench.dram, concat_chain, 52, 5, 6, 8) == first_52);
  for (const uint64_t at : {concat_regs, concat_chain}) {
    std::vector<uint8_t> after(guard.size());
    bench.dram.backdoor_read(at + tensor_bytes, after.data(), after.size());
    CHECK(after == guard);
  }
}

}  // namespace

TEST_CASE("two layers writing halves of one tensor (OUT_C_OFFSET - OUT_C_TOTAL) give the golden concatenation") {
  concat_halves(BufferConfig{}, 1);
}

TEST_CASE("concatenation through a tiled layer: one-row bands store strided pieces of the whole tensor") {
  // Output buffer for one row of 32 channels at 8 bits (6 pixels x 2 bricks x
  // 16 bytes = 192 bytes): the 5 output rows become 5 tiles.
  BufferConfig small;
  small.output_bytes = 192;
  concat_halves(small, 5);
}

namespace {

constexpr uint64_t kGrouped = 0x50000;

// Filters 128 and 129 (the second block) get values in -2..1, so their groups
// need 2 bits; the weights go to DRAM flat at 0x10000 and per group at kGrouped.
void store_grouped_weights(ConvFixture& fixture, Memory& dram) {
  for (size_t i = 128 * 19 * 9; i < fixture.layer.weights.size(); ++i)
    fixture.layer.weights[i] = static_cast<int16_t>(fixture.layer.weights[i] / 8);
  std::vector<uint8_t> flat(bitplane::weight_bytes(130, 19, 3, 3, 5));
  bitplane::pack_weights(fixture.layer.weights.data(), 130, 19, 3, 3, 5, flat.data());
  dram.backdoor_write(0x10000, flat.data(), flat.size());
  WeightGroups groups(1, 130, 19, 3, 3, 5);
  REQUIRE(groups.set_precisions(groups.detect(fixture.layer.weights.data())));
  CHECK(groups.precision(groups.index(0, 1, 0, 0)) == 2);
  std::vector<uint8_t> stored(groups.stored_bytes());
  groups.pack(fixture.layer.weights.data(), stored.data());
  dram.backdoor_write(kGrouped, stored.data(), stored.size());
}

}  // namespace

TEST_CASE("PW_GROUPS weights: bit-exact from the table and Pw_g planes with fewer cycles - a bad table or planes past DRAM end in an error") {
  std::unique_ptr<ConvFixture> fixture;
  LoomBench bench([&fixture](LoomBench& b) {
    CHECK(b.run_layer(fixture->regs) == LOOM_STATUS_DONE);
    const uint32_t flat_cycles = b.reg(LOOM_REG_COMPUTE_CYCLES_LO);
    LayerRegs r = fixture->regs;
    r.prec |= LOOM_PREC_PW_GROUPS;
    r.weight_addr = kDramBase + kGrouped;
    CHECK(b.run_layer(r) == LOOM_STATUS_DONE);
    CHECK(fixture->device_output(b.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
    CHECK(b.reg(LOOM_REG_COMPUTE_CYCLES_LO) < flat_cycles);  // filters 128-129 at 2 bits instead of 5
    uint8_t entry = 0;  // 0 is not a precision
    b.dram.backdoor_write(kGrouped + 1, &entry, 1);
    CHECK(LOOM_STATUS_ERR_CODE(b.run_layer(r)) == LOOM_ERR_BAD_PRECISION);
    entry = 6;  // above PW = 5
    b.dram.backdoor_write(kGrouped + 1, &entry, 1);
    CHECK(LOOM_STATUS_ERR_CODE(b.run_layer(r)) == LOOM_ERR_BAD_PRECISION);
    // A valid table in the last 64 bytes of DRAM: its planes would run past the end.
    std::vector<uint8_t> table(64, 5);
    b.dram.backdoor_write(kDramSize - 64, table.data(), table.size());
    r.weight_addr = kDramBase + kDramSize - 64;
    CHECK(LOOM_STATUS_ERR_CODE(b.run_layer(r)) == LOOM_ERR_BAD_ADDRESS);
    r.weight_addr = kDramBase + kDramSize - 32;  // not even the table fits: decode rejects it
    CHECK(LOOM_STATUS_ERR_CODE(b.run_layer(r)) == LOOM_ERR_BAD_ADDRESS);
  });
  fixture = std::make_unique<ConvFixture>(bench.dram);
  store_grouped_weights(*fixture, bench.dram);
  simulate(bench);
}

TEST_CASE("PW_GROUPS weights on base: read correctly - compute cycles as with flat weights (bit-parallel weights)") {
  std::unique_ptr<ConvFixture> fixture;
  LoomConfig config = LoomBench::loom_config(kDramSize, BufferConfig{});
  config.engine = Engine::Base;
  LoomBench bench([&fixture](LoomBench& b) {
    CHECK(b.run_layer(fixture->regs) == LOOM_STATUS_DONE);
    const uint32_t flat_cycles = b.reg(LOOM_REG_COMPUTE_CYCLES_LO);
    LayerRegs r = fixture->regs;
    r.prec |= LOOM_PREC_PW_GROUPS;
    r.weight_addr = kDramBase + kGrouped;
    CHECK(b.run_layer(r) == LOOM_STATUS_DONE);
    CHECK(fixture->device_output(b.dram) == golden_layer(fixture->layer, fixture->input, nullptr));
    CHECK(b.reg(LOOM_REG_COMPUTE_CYCLES_LO) == flat_cycles);
  }, config);
  fixture = std::make_unique<ConvFixture>(bench.dram);
  store_grouped_weights(*fixture, bench.dram);
  simulate(bench);
}
