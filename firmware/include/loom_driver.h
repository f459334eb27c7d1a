/* Register-level driver for the Loom accelerator. */
#ifndef LOOM_DRIVER_H
#define LOOM_DRIVER_H

#include <stdint.h>

#include "loom_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One layer as the driver programs it: register values, laid out as 32-bit
 * words so the same table works on the host and on RV32. */
typedef struct {
  uint32_t layer_type;
  uint32_t in_addr, in2_addr, weight_addr, bias_addr, out_addr;
  uint32_t in_c, in_h, in_w, out_c;
  uint32_t kernel, stride, pad, groups;
  uint32_t prec, quant;
  uint32_t out_c_offset, out_c_total;
} loom_layer_t;

#define LOOM_LAYER_WORDS (sizeof(loom_layer_t) / 4u)

/* One descriptor of a chain (LOOM_DESC_* in loom_regs.h). */
typedef struct {
  uint32_t tag;   /* LOOM_DESC_TAG */
  uint32_t flags; /* 0 */
  loom_layer_t layer;
} loom_desc_t;

typedef char loom_desc_size_check[(sizeof(loom_desc_t) == LOOM_DESC_BYTES &&
                                   LOOM_LAYER_WORDS == LOOM_DESC_LAYER_WORDS) ? 1 : -1];

typedef struct {
  uint64_t cycles, compute_cycles, dma_cycles, dram_bytes_read, dram_bytes_written;
} loom_perf_t;

/* Checks the ID register, soft-resets the device and enables its interrupts.
 * Returns 0, or -1 when no Loom answers at `base`. */
int loom_init(uint32_t base);
void loom_program(uint32_t base, const loom_layer_t *layer);
void loom_start(uint32_t base);
/* Sleeps until the device interrupts, acknowledges it, and returns STATUS. */
uint32_t loom_wait(uint32_t base);
void loom_read_perf(uint32_t base, loom_perf_t *perf);

/* Descriptor chains: `descs` is the address, as the device sees it, of
 * `count` consecutive loom_desc_t. */
void loom_desc_init(loom_desc_t *desc, const loom_layer_t *layer);
/* Starts the chain with one CTRL write; `irq_per_layer` asks for a DONE
 * interrupt after every layer instead of only CHAIN_DONE at the end. */
void loom_start_chain(uint32_t base, uint32_t descs, uint32_t count, int irq_per_layer);
/* Sleeps until the chain ends (CHAIN_DONE or ERROR), acknowledging every
 * interrupt on the way and counting them in *interrupts (may be 0). Returns
 * STATUS; on error CHAIN_INDEX names the descriptor that failed. */
uint32_t loom_wait_chain(uint32_t base, uint32_t *interrupts);
const char *loom_error_name(uint32_t code);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_DRIVER_H */
