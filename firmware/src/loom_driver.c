#include "loom_driver.h"

#include "mmio.h"

static uint64_t read64(uint32_t base, uint32_t lo_offset) {
  const uint32_t lo = mmio_read32(base + lo_offset);
  const uint32_t hi = mmio_read32(base + lo_offset + 4u);
  return ((uint64_t)hi << 32) | lo;
}

int loom_init(uint32_t base) {
  if (mmio_read32(base + LOOM_REG_ID) != LOOM_ID_VALUE) return -1;
  mmio_write32(base + LOOM_REG_CTRL, LOOM_CTRL_SOFT_RESET);
  mmio_write32(base + LOOM_REG_IRQ_MASK, LOOM_IRQ_ALL);
  mmio_write32(base + LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE);
  return 0;
}

void loom_program(uint32_t base, const loom_layer_t *layer) {
  mmio_write32(base + LOOM_REG_LAYER_TYPE, layer->layer_type);
  mmio_write32(base + LOOM_REG_IN_ADDR, layer->in_addr);
  mmio_write32(base + LOOM_REG_IN2_ADDR, layer->in2_addr);
  mmio_write32(base + LOOM_REG_WEIGHT_ADDR, layer->weight_addr);
  mmio_write32(base + LOOM_REG_BIAS_ADDR, layer->bias_addr);
  mmio_write32(base + LOOM_REG_OUT_ADDR, layer->out_addr);
  mmio_write32(base + LOOM_REG_IN_C, layer->in_c);
  mmio_write32(base + LOOM_REG_IN_H, layer->in_h);
  mmio_write32(base + LOOM_REG_IN_W, layer->in_w);
  mmio_write32(base + LOOM_REG_OUT_C, layer->out_c);
  mmio_write32(base + LOOM_REG_KERNEL, layer->kernel);
  mmio_write32(base + LOOM_REG_STRIDE, layer->stride);
  mmio_write32(base + LOOM_REG_PAD, layer->pad);
  mmio_write32(base + LOOM_REG_GROUPS, layer->groups);
  mmio_write32(base + LOOM_REG_PREC, layer->prec);
  mmio_write32(base + LOOM_REG_QUANT, layer->quant);
  mmio_write32(base + LOOM_REG_OUT_C_OFFSET, layer->out_c_offset);
  mmio_write32(base + LOOM_REG_OUT_C_TOTAL, layer->out_c_total);
}

void loom_start(uint32_t base) {
  mmio_write32(base + LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
}

/* Sleeps until an interrupt cause is pending, acknowledges it, returns it. */
static uint32_t wait_and_acknowledge(uint32_t base) {
  uint32_t pending;
  while ((pending = mmio_read32(base + LOOM_REG_IRQ_STATUS)) == 0u) cpu_wait_for_interrupt();
  mmio_write32(base + LOOM_REG_IRQ_STATUS, pending);
  return pending;
}

uint32_t loom_wait(uint32_t base) {
  wait_and_acknowledge(base);
  return mmio_read32(base + LOOM_REG_STATUS);
}

void loom_desc_init(loom_desc_t *desc, const loom_layer_t *layer) {
  desc->tag = LOOM_DESC_TAG;
  desc->flags = 0u;
  desc->layer = *layer;
}

void loom_start_chain(uint32_t base, uint32_t descs, uint32_t count, int irq_per_layer) {
  mmio_write32(base + LOOM_REG_CHAIN_ADDR, descs);
  mmio_write32(base + LOOM_REG_CHAIN_COUNT, count);
  mmio_write32(base + LOOM_REG_CHAIN_CTRL, irq_per_layer ? LOOM_CHAIN_IRQ_PER_LAYER : 0u);
  mmio_write32(base + LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START_CHAIN);
}

uint32_t loom_wait_chain(uint32_t base, uint32_t *interrupts) {
  uint32_t count = 0u;
  uint32_t pending;
  do {
    pending = wait_and_acknowledge(base);
    ++count;
  } while (!(pending & (LOOM_IRQ_CHAIN_DONE | LOOM_IRQ_ERROR)));
  if (interrupts) *interrupts = count;
  return mmio_read32(base + LOOM_REG_STATUS);
}

void loom_read_perf(uint32_t base, loom_perf_t *perf) {
  perf->cycles = read64(base, LOOM_REG_CYCLES_LO);
  perf->compute_cycles = read64(base, LOOM_REG_COMPUTE_CYCLES_LO);
  perf->dma_cycles = read64(base, LOOM_REG_DMA_CYCLES_LO);
  perf->dram_bytes_read = read64(base, LOOM_REG_DRAM_RD_BYTES_LO);
  perf->dram_bytes_written = read64(base, LOOM_REG_DRAM_WR_BYTES_LO);
}

const char *loom_error_name(uint32_t code) {
  static const char *const names[LOOM_ERR_COUNT] = {
      "none", "bad layer type", "bad precision", "bad shape", "bad stride",
      "bad groups", "bad address", "start while busy", "DMA error", "layer too large",
      "buffer too small", "bad descriptor"};
  return code < LOOM_ERR_COUNT ? names[code] : "unknown error";
}
