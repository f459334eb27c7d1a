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
} loom_layer_t;

#define LOOM_LAYER_WORDS (sizeof(loom_layer_t) / 4u)

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
const char *loom_error_name(uint32_t code);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_DRIVER_H */
