/* The network table the runner walks: a header followed by `layer_count`
 * loom_layer_t records, all little-endian 32-bit words (docs/architecture.md). */
#ifndef LOOM_NET_H
#define LOOM_NET_H

#include <stdint.h>

#include "loom_driver.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LOOM_NET_MAGIC 0x54454E4Cu /* "LNET" */
#define LOOM_NET_VERSION 1u

typedef struct {
  uint32_t magic;
  uint32_t version;
  uint32_t layer_count;
  uint32_t reserved;
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
