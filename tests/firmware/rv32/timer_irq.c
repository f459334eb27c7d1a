/* The CLINT timer through the runtime's trap handler: sets mtimecmp 20 ticks
 * (2 us) ahead, sleeps in wfi until the handler ran once, and checks that
 * mtime really moved that far. Fails with a code saying which check broke. */
#include "mmio.h"
#include "rv32.h"
#include "soc_map.h"

static uint32_t mtime_low(void) { return mmio_read32(SOC_CLINT_BASE + CLINT_REG_MTIME_LO); }

int main(void) {
  rv32_irq_enable();
  const uint32_t start = mtime_low();
  const uint32_t deadline = start + 20u;
  mmio_write32(SOC_CLINT_BASE + CLINT_REG_MTIMECMP_HI, 0u);
  mmio_write32(SOC_CLINT_BASE + CLINT_REG_MTIMECMP_LO, deadline);
  while (rv32_timer_interrupts() == 0u) rv32_wait_for_interrupt();
  if (rv32_timer_interrupts() != 1u) return 2;
  if ((int32_t)(mtime_low() - deadline) < 0) return 3; /* woke too early */
  if (rv32_external_interrupts() != 0u) return 4;
  return 0;
}
