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
  mmio_write32(base + LOOM_REG_IRQ_MASK, LOOM_IRQ_DONE | LOOM_IRQ_ERROR);
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
}

void loom_start(uint32_t base) {
  mmio_write32(base + LOOM_REG_CTRL, LOOM_CTRL_IRQ_ENABLE | LOOM_CTRL_START);
}

uint32_t loom_wait(uint32_t base) {
  uint32_t pending;
  while ((pending = mmio_read32(base + LOOM_REG_IRQ_STATUS)) == 0u) cpu_wait_for_interrupt();
  mmio_write32(base + LOOM_REG_IRQ_STATUS, pending);
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
      "buffer too small"};
  return code < LOOM_ERR_COUNT ? names[code] : "unknown error";
}
