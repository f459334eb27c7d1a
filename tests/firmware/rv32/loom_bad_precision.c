/* The RV32 driver meets a device error: a one-layer network table whose
 * layer has activation precision 0. The network runner must report
 * "bad precision" on the console and exit 1 through SYSCTRL. */
#include "loom_net.h"
#include "rv32.h"
#include "soc_map.h"

int main(void) {
  loom_net_header_t *header = (loom_net_header_t *)SOC_NET_TABLE_ADDR;
  loom_layer_t *layer = (loom_layer_t *)(SOC_NET_TABLE_ADDR + sizeof(*header));
  header->magic = LOOM_NET_MAGIC;
  header->version = LOOM_NET_VERSION;
  header->layer_count = 1u;
  header->reserved = 0u;
  *layer = (loom_layer_t){0};
  layer->layer_type = LOOM_LAYER_CONV;
  layer->in_addr = SOC_DRAM_BASE;
  layer->weight_addr = SOC_DRAM_BASE + 0x1000u;
  layer->bias_addr = SOC_DRAM_BASE + 0x2000u;
  layer->out_addr = SOC_DRAM_BASE + 0x3000u;
  layer->in_c = 16u;
  layer->in_h = 4u;
  layer->in_w = 4u;
  layer->out_c = 16u;
  layer->kernel = LOOM_YX(1u, 1u);
  layer->stride = LOOM_YX(1u, 1u);
  layer->groups = 1u;
  layer->prec = LOOM_PREC(0u, 8u, 8u, 0u); /* Pa = 0: not allowed */
  rv32_irq_attach(PLIC_SOURCE_LOOM, 0, 0);
  rv32_irq_enable();
  return loom_app_main();
}
