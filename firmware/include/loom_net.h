/* The network table the runner walks: a header followed by `layer_count`
 * chain descriptors (loom_desc_t), all little-endian 32-bit words
 * (docs/architecture.md). The records are the device's descriptor chain
 * itself: in chain mode the firmware starts the chain on them in place. */
#ifndef LOOM_NET_H
#define LOOM_NET_H

#include <stdint.h>

#include "loom_driver.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LOOM_NET_MAGIC 0x54454E4Cu /* "LNET" */
#define LOOM_NET_VERSION 2u

/* header flags: how the firmware drives the device */
#define LOOM_NET_FLAG_REGISTERS (1u << 0)     /* one layer at a time through the registers */
#define LOOM_NET_FLAG_IRQ_PER_LAYER (1u << 1) /* chain mode: an interrupt after every layer */

typedef struct {
  uint32_t magic;
  uint32_t version;
  uint32_t layer_count;
  uint32_t flags; /* LOOM_NET_FLAG_* */
} loom_net_header_t;

#define LOOM_NET_HEADER_WORDS (sizeof(loom_net_header_t) / 4u)

/* Runs every layer of the table at `table_addr` on the Loom at `loom_base`.
 * Returns 0 when every layer completed, 1 otherwise (reported on the console). */
int loom_run_network(uint32_t loom_base, uint32_t table_addr);

/* Firmware entry point: runs the table at SOC_NET_TABLE_ADDR and reports the
 * result to the system controller. */
int loom_app_main(void);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_NET_H */
