// The firmware driver (firmware/src/loom_driver.c) on the native CPU against
// the Loom model in the full SoC: descriptors written to SRAM by the driver,
// chains started with loom_start_chain and awaited with loom_wait_chain, and
// the same layers in single-layer register mode.
#include <catch2/catch.hpp>

#include <random>

#include "firmware/include/loom_driver.h"
#include "firmware/include/mmio.h"
#include "firmware/include/soc_map.h"
#include "models/loom/bitplane.h"
#include "platform/config.h"
#include "platform/golden_reference.h"
#include "platform/soc.h"

using namespace loomvp;

namespace {

constexpr uint32_t kDescs = 0x90000, kGoodDescs = 0x91000;  // in SRAM
constexpr uint32_t kIn = SOC_DRAM_BASE, kPoolOut = SOC_DRAM_BASE + 0x1000, kAvgOut = SOC_DRAM_BASE + 0x2000;
constexpr uint32_t kPoolOutRegs = SOC_DRAM_BASE + 0x3000, kAvgOutRegs = SOC_DRAM_BASE + 0x4000;

// 2x2 stride-2 pool of C=16 channels at 8 bits.
loom_layer_t pool(uint32_t type, uint32_t in, uint32_t out, uint32_t size) {
  loom_layer_t l{};
  l.layer_type = type;
  l.in_addr = in;
  l.out_addr = out;
  l.in_c = 16;
  l.in_h = l.in_w = size;
  l.kernel = l.stride = LOOM_YX(2, 2);
  l.prec = LOOM_PREC(8, 0, 8, 0);
  return l;
}

void write_desc(uint32_t address, const loom_layer_t& layer) {
  loom_desc_t desc;
  loom_desc_init(&desc, &layer);
  const uint32_t* words = reinterpret_cast<const uint32_t*>(&desc);
  for (uint32_t i = 0; i < LOOM_DESC_WORDS; ++i) mmio_write32(address + 4 * i, words[i]);
}

struct Seen {
  uint32_t bad_status = 0, bad_interrupts = 0, bad_index = 0;
  uint32_t good_status = 0, good_interrupts = 0, good_index = 0, fetch_bytes = 0;
  uint32_t register_status[2] = {};
};

int driver_firmware(Seen& seen) {
  const uint32_t base = SOC_LOOM_BASE;
  if (loom_init(base) != 0) return 1;
  const loom_layer_t max_pool = pool(LOOM_LAYER_MAXPOOL, kIn, kPoolOut, 4);
  const loom_layer_t avg_pool = pool(LOOM_LAYER_AVGPOOL, kPoolOut, kAvgOut, 2);
  loom_layer_t bad = avg_pool;
  bad.prec = LOOM_PREC(17, 0, 8, 0);
  write_desc(kDescs, max_pool);
  write_desc(kDescs + LOOM_DESC_BYTES, bad);
  write_desc(kDescs + 2 * LOOM_DESC_BYTES, avg_pool);
  loom_start_chain(base, kDescs, 3, 1);
  seen.bad_status = loom_wait_chain(base, &seen.bad_interrupts);
  seen.bad_index = mmio_read32(base + LOOM_REG_CHAIN_INDEX);

  write_desc(kGoodDescs, max_pool);
  write_desc(kGoodDescs + LOOM_DESC_BYTES, avg_pool);
  loom_start_chain(base, kGoodDescs, 2, 0);
  seen.good_status = loom_wait_chain(base, &seen.good_interrupts);
  seen.good_index = mmio_read32(base + LOOM_REG_CHAIN_INDEX);
  seen.fetch_bytes = mmio_read32(base + LOOM_REG_CHAIN_FETCH_BYTES);

  const loom_layer_t singles[2] = {pool(LOOM_LAYER_MAXPOOL, kIn, kPoolOutRegs, 4),
                                   pool(LOOM_LAYER_AVGPOOL, kPoolOutRegs, kAvgOutRegs, 2)};
  for (int i = 0; i < 2; ++i) {
    loom_program(base, &singles[i]);
    loom_start(base);
    seen.register_status[i] = loom_wait(base);
  }
  mmio_write32(SOC_SYSCTRL_BASE + SYSCTRL_REG_EXIT, 0);
  return 0;
}

std::vector<int32_t> read_tensor(Memory& dram, uint32_t address, uint32_t h) {
  std::vector<uint8_t> packed(bitplane::activation_bytes(16, h, h, 8));
  dram.backdoor_read(address - SOC_DRAM_BASE, packed.data(), packed.size());
  std::vector<int32_t> values(16 * h * h);
  bitplane::unpack_activations(packed.data(), 16, h, h, 8, false, values.data());
  return values;
}

}  // namespace

TEST_CASE("driver: a chain stops at a bad descriptor with its index - a good chain equals single starts") {
  Seen seen;
  const PlatformConfig config = load_platform("", "", {});
  Soc soc("soc", config, [&seen] { return driver_firmware(seen); }, nullptr);
  std::mt19937 rng(5);
  std::uniform_int_distribution<int32_t> value(0, 255);
  std::vector<int32_t> input(16 * 4 * 4);
  for (auto& v : input) v = value(rng);
  std::vector<uint8_t> packed(bitplane::activation_bytes(16, 4, 4, 8));
  bitplane::pack_activations(input.data(), 16, 4, 4, 8, packed.data());
  soc.dram().backdoor_write(0, packed.data(), packed.size());
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_SEC));
  REQUIRE(soc.sysctrl().exit_code() == 0);

  // Per-layer interrupts: layer 0's DONE, then the ERROR at descriptor 1.
  CHECK(seen.bad_status == (LOOM_STATUS_ERROR | (LOOM_ERR_BAD_PRECISION << LOOM_STATUS_ERR_SHIFT)));
  CHECK(seen.bad_interrupts == 2);
  CHECK(seen.bad_index == 1);
  CHECK(seen.good_status == LOOM_STATUS_DONE);
  CHECK(seen.good_interrupts == 1);
  CHECK(seen.good_index == 2);
  CHECK(seen.fetch_bytes == 2 * LOOM_DESC_BYTES);
  CHECK(seen.register_status[0] == LOOM_STATUS_DONE);
  CHECK(seen.register_status[1] == LOOM_STATUS_DONE);

  WorkloadLayer max_pool;
  max_pool.type = LayerType::MaxPool;
  max_pool.in_shape = {16, 4, 4};
  max_pool.out_shape = {16, 2, 2};
  max_pool.kh = max_pool.kw = max_pool.sy = max_pool.sx = 2;
  max_pool.pa = max_pool.out_prec = 8;
  WorkloadLayer avg_pool = max_pool;
  avg_pool.type = LayerType::AvgPool;
  avg_pool.in_shape = {16, 2, 2};
  avg_pool.out_shape = {16, 1, 1};
  const std::vector<int32_t> pooled = golden_layer(max_pool, input, nullptr);
  const std::vector<int32_t> averaged = golden_layer(avg_pool, pooled, nullptr);
  CHECK(read_tensor(soc.dram(), kPoolOut, 2) == pooled);
  CHECK(read_tensor(soc.dram(), kAvgOut, 1) == averaged);
  CHECK(read_tensor(soc.dram(), kPoolOutRegs, 2) == pooled);
  CHECK(read_tensor(soc.dram(), kAvgOutRegs, 1) == averaged);

  // The device's log: 1 + 1 (failed) + 2 chained + 2 single; chained and
  // single layers cost the same cycles.
  const auto& log = soc.loom().layer_log();
  REQUIRE(log.size() == 6);
  CHECK(log[1].error == LOOM_ERR_BAD_PRECISION);
  for (int i = 0; i < 2; ++i) {
    CHECK(log[2 + i].cycles == log[4 + i].cycles);
    CHECK(log[2 + i].descriptor_fetch_cycles > 0);
    CHECK(log[4 + i].descriptor_fetch_cycles == 0);
  }
}
