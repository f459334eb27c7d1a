/* RV32 machine-mode runtime: trap handler, PLIC/CLINT interrupt dispatch,
 * wait for interrupt, and the HTIF tohost exit. */
#include "rv32.h"

#include "console.h"
#include "mmio.h"
#include "soc_map.h"

/* HTIF mailbox: a store here ends the simulation (value 1 = pass). */
volatile uint32_t tohost __attribute__((section(".tohost"), aligned(8)));
volatile uint32_t fromhost __attribute__((section(".tohost"), aligned(8)));

static rv32_irq_handler_t source_handlers[PLIC_SOURCES];
static void *source_contexts[PLIC_SOURCES];
static uint32_t attached_sources; /* PLIC enable bits of attached sources */
static uint32_t claimed_sources;  /* claimed, completion deferred to the next wait */
static rv32_irq_handler_t timer_handler;
static void *timer_context;
static volatile uint32_t external_count, timer_count;

void rv32_irq_attach(uint32_t source, rv32_irq_handler_t handler, void *context) {
  if (source == 0 || source >= PLIC_SOURCES) return;
  source_handlers[source] = handler;
  source_contexts[source] = context;
  attached_sources |= 1u << source;
  mmio_write32(SOC_PLIC_BASE + PLIC_REG_PRIORITY(source), 1u);
  mmio_write32(SOC_PLIC_BASE + PLIC_REG_THRESHOLD, 0u);
  mmio_write32(SOC_PLIC_BASE + PLIC_REG_ENABLE, attached_sources);
}

void rv32_timer_attach(rv32_irq_handler_t handler, void *context) {
  timer_handler = handler;
  timer_context = context;
}

void rv32_irq_enable(void) {
  RV32_CSR_SET(mie, RV32_MIE_MEIE | RV32_MIE_MTIE);
  RV32_CSR_SET(mstatus, RV32_MSTATUS_MIE);
}

void rv32_wait_for_interrupt(void) {
  RV32_CSR_CLEAR(mstatus, RV32_MSTATUS_MIE);
  for (uint32_t source = 1; claimed_sources; ++source) {
    if (!(claimed_sources & (1u << source))) continue;
    claimed_sources &= ~(1u << source);
    mmio_write32(SOC_PLIC_BASE + PLIC_REG_CLAIM, source);
  }
  mmio_write32(SOC_PLIC_BASE + PLIC_REG_ENABLE, attached_sources);
  __asm__ volatile("wfi");              /* wakes on mip & mie, whatever MIE says */
  RV32_CSR_SET(mstatus, RV32_MSTATUS_MIE); /* the pending interrupt is taken here */
}

uint32_t rv32_external_interrupts(void) { return external_count; }
uint32_t rv32_timer_interrupts(void) { return timer_count; }

void rv32_exit(int code) {
  tohost = code == 0 ? 1u : ((uint32_t)code << 1) | 1u;
  for (;;) __asm__ volatile("wfi");
}

static void serve_external(void) {
  uint32_t source;
  while ((source = mmio_read32(SOC_PLIC_BASE + PLIC_REG_CLAIM)) != 0u) {
    ++external_count;
    if (source >= PLIC_SOURCES) continue;
    claimed_sources |= 1u << source;
    /* Masking is a store, which a loosely-timed core lets the PLIC see
     * before it checks for interrupts again: no spurious second trap. */
    mmio_write32(SOC_PLIC_BASE + PLIC_REG_ENABLE, attached_sources & ~claimed_sources);
    if (source_handlers[source]) source_handlers[source](source_contexts[source]);
  }
}

static void serve_timer(void) {
  ++timer_count;
  /* Park the comparator first: the handler may set a new deadline. */
  mmio_write32(SOC_CLINT_BASE + CLINT_REG_MTIMECMP_LO, 0xFFFFFFFFu);
  mmio_write32(SOC_CLINT_BASE + CLINT_REG_MTIMECMP_HI, 0xFFFFFFFFu);
  if (timer_handler) timer_handler(timer_context);
}

static void put_hex(uint32_t value) {
  static const char digits[] = "0123456789abcdef";
  char text[11] = "0x";
  for (int i = 0; i < 8; ++i) text[2 + i] = digits[(value >> (28 - 4 * i)) & 0xFu];
  text[10] = '\0';
  console_puts(text);
}

void rv32_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval) {
  if (mcause == (RV32_MCAUSE_INTERRUPT | RV32_IRQ_EXTERNAL)) {
    serve_external();
    return;
  }
  if (mcause == (RV32_MCAUSE_INTERRUPT | RV32_IRQ_TIMER)) {
    serve_timer();
    return;
  }
  if (mcause == (RV32_MCAUSE_INTERRUPT | RV32_IRQ_SOFTWARE)) {
    mmio_write32(SOC_CLINT_BASE + CLINT_REG_MSIP, 0u);
    return;
  }
  /* An exception in the firmware is a bug: say where, and fail the run. */
  console_puts("trap: mcause ");
  put_hex(mcause);
  console_puts(" mepc ");
  put_hex(mepc);
  console_puts(" mtval ");
  put_hex(mtval);
  console_puts("\n");
  rv32_exit(0x40 | (int)(mcause & 0x3Fu));
}
