#include "loom_net.h"

#include "console.h"
#include "mmio.h"
#include "soc_map.h"

/* Reads the table through ordinary memory loads: on RV32 it is plain memory,
 * natively each load is a bus transaction. */
static void read_words(uint32_t address, uint32_t *words, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) words[i] = mmio_read32(address + 4u * i);
}

static int report_failure(uint32_t layer, uint32_t status) {
  console_puts("loom: layer ");
  console_put_u64(layer);
  console_puts(" failed: ");
  console_puts(loom_error_name(LOOM_STATUS_ERR_CODE(status)));
  console_puts("\n");
  return 1;
}

/* Single-layer register mode: program, start and wait for each layer. */
static int run_registers(uint32_t loom_base, uint32_t descs, uint32_t count, uint64_t *cycles) {
  for (uint32_t i = 0; i < count; ++i) {
    loom_desc_t desc;
    read_words(descs + i * LOOM_DESC_BYTES, (uint32_t *)&desc, LOOM_DESC_WORDS);
    loom_program(loom_base, &desc.layer);
    loom_start(loom_base);
    const uint32_t status = loom_wait(loom_base);
    if (status & LOOM_STATUS_ERROR) return report_failure(i, status);
    loom_perf_t perf;
    loom_read_perf(loom_base, &perf);
    *cycles += perf.cycles;
  }
  return 0;
}

/* Chain mode: the device fetches the table's descriptors itself. */
static int run_chain(uint32_t loom_base, uint32_t descs, uint32_t count, int irq_per_layer,
                     uint64_t *cycles) {
  if (count == 0u) return 0;
  uint32_t interrupts = 0u;
  loom_start_chain(loom_base, descs, count, irq_per_layer);
  const uint32_t status = loom_wait_chain(loom_base, &interrupts);
  if (status & LOOM_STATUS_ERROR)
    return report_failure(mmio_read32(loom_base + LOOM_REG_CHAIN_INDEX), status);
  *cycles = ((uint64_t)mmio_read32(loom_base + LOOM_REG_CHAIN_CYCLES_HI) << 32) |
            mmio_read32(loom_base + LOOM_REG_CHAIN_CYCLES_LO);
  console_put_line_u64("loom: chain interrupts ", interrupts);
  return 0;
}

int loom_run_network(uint32_t loom_base, uint32_t table_addr) {
  loom_net_header_t header;
  read_words(table_addr, (uint32_t *)&header, LOOM_NET_HEADER_WORDS);
  if (header.magic != LOOM_NET_MAGIC || header.version != LOOM_NET_VERSION) {
    console_puts("loom: no valid network table\n");
    return 1;
  }
  if (loom_init(loom_base) != 0) {
    console_puts("loom: device not found\n");
    return 1;
  }
  const uint32_t descs = table_addr + sizeof(header);
  uint64_t total_cycles = 0;
  const int failed =
      (header.flags & LOOM_NET_FLAG_REGISTERS)
          ? run_registers(loom_base, descs, header.layer_count, &total_cycles)
          : run_chain(loom_base, descs, header.layer_count,
                      (header.flags & LOOM_NET_FLAG_IRQ_PER_LAYER) != 0u, &total_cycles);
  if (failed) return 1;
  console_puts("loom: ");
  console_put_u64(header.layer_count);
  console_puts(" layers done in ");
  console_put_u64(total_cycles);
  console_puts(" accelerator cycles\n");
  return 0;
}

int loom_app_main(void) {
  const int result = loom_run_network(SOC_LOOM_BASE, SOC_NET_TABLE_ADDR);
  mmio_write32(SOC_SYSCTRL_BASE + SYSCTRL_REG_EXIT, (uint32_t)result);
  return result;
}
