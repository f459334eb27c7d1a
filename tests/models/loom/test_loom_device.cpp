// The Loom device on a small bus: a test initiator programs its registers,
// tensors are backdoor-loaded into DRAM, and each case checks the interrupt,
// the status and the data the device wrote.
#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "models/interconnect/router.h"
#include "models/loom/bitplane.h"
#include "models/loom/loom.h"
#include "models/memory/memory.h"
#include "platform/golden_reference.h"
#include "tests/support/test_initiator.h"

using namespace loomvp;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

constexpr uint64_t kLoomBase = 0x10010000, kDramBase = 0x80000000, kDramSize = 16 << 20;

struct LoomBench : sc_core::sc_module {
  Router router{"router", RouterConfig{}};
  Memory dram{"dram", dram_config()};
  Loom loom;
  test::TestInitiator cpu{"cpu"};
  sc_core::sc_signal<bool> irq{"irq"};
  std::function<void(LoomBench&)> scenario;
  bool scenario_done = false;

  static MemoryConfig dram_config() {
    MemoryConfig m;
    m.size_bytes = kDramSize;
    return m;
  }
  static LoomConfig loom_config(uint64_t limit_dram_size) {
    LoomConfig c;
    c.limits.dram_base = kDramBase;
    c.limits.dram_size = limit_dram_size;
    return c;
  }

  SC_HAS_PROCESS(LoomBench);
  LoomBench(std::function<void(LoomBench&)> body, uint64_t limit_dram_size = kDramSize)
      : sc_module("bench"), loom("loom", loom_config(limit_dram_size)), scenario(std::move(body)) {
    router.connect_initiator(cpu.socket, "cpu");
    router.connect_initiator(loom.dma_socket, "loom_dma");
    router.connect_target(loom.reg_socket, "loom", kLoomBase, LOOM_REG_SPACE_BYTES);
    router.connect_target(dram.socket, "dram", kDramBase, kDramSize);
    loom.irq(irq);
    SC_THREAD(run);
  }
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
                   dma = b.reg(LOOM_REG_DMA_CYCLES_LO);
    CHECK(cycles == 1 + compute + dma);  // decode cycle + DMA + compute, no overlap yet
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
    for (uint32_t offset = LOOM_REG_LAYER_TYPE; offset <= LOOM_REG_QUANT; offset += 4)
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
