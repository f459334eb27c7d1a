#include "loom_net.h"

#include "console.h"
#include "mmio.h"
#include "soc_map.h"

/* Reads the table through ordinary memory loads: on RV32 it is plain memory,
 * natively each load is a bus transaction. */
static void read_words(uint32_t address, uint32_t *words, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) words[i] = mmio_read32(address + 4u * i);
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
  uint64_t total_cycles = 0;
  for (uint32_t i = 0; i < header.layer_count; ++i) {
    loom_layer_t layer;
    read_words(table_addr + sizeof(header) + i * sizeof(layer), (uint32_t *)&layer,
               LOOM_LAYER_WORDS);
    loom_program(loom_base, &layer);
    loom_start(loom_base);
    const uint32_t status = loom_wait(loom_base);
    if (status & LOOM_STATUS_ERROR) {
      console_puts("loom: layer ");
      console_put_u64(i);
      console_puts(" failed: ");
      console_puts(loom_error_name(LOOM_STATUS_ERR_CODE(status)));
      console_puts("\n");
      return 1;
    }
    loom_perf_t perf;
    loom_read_perf(loom_base, &perf);
    total_cycles += perf.cycles;
  }
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
