/* RV32 firmware entry: routes the Loom interrupt through the PLIC, then runs
 * the network table the platform left in SRAM (loom_app_main). */
#include "loom_net.h"
#include "rv32.h"
#include "soc_map.h"

int main(void) {
  rv32_irq_attach(PLIC_SOURCE_LOOM, 0, 0);
  rv32_irq_enable();
  return loom_app_main();
}
