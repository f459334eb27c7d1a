/* RV32 machine-mode runtime: CSR access, interrupt sources, exit. */
#ifndef RV32_H
#define RV32_H

#include <stdint.h>

#define RV32_MSTATUS_MIE (1u << 3)
#define RV32_MIE_MSIE (1u << 3)
#define RV32_MIE_MTIE (1u << 7)
#define RV32_MIE_MEIE (1u << 11)
#define RV32_MCAUSE_INTERRUPT 0x80000000u
#define RV32_IRQ_SOFTWARE 3u
#define RV32_IRQ_TIMER 7u
#define RV32_IRQ_EXTERNAL 11u

#define RV32_CSR_READ(csr, value) __asm__ volatile("csrr %0, " #csr : "=r"(value))
#define RV32_CSR_SET(csr, bits) __asm__ volatile("csrs " #csr ", %0" ::"r"(bits))
#define RV32_CSR_CLEAR(csr, bits) __asm__ volatile("csrc " #csr ", %0" ::"r"(bits))

typedef void (*rv32_irq_handler_t)(void *context);

/* Routes PLIC source `source` (priority 1) to `handler` (may be NULL). The
 * trap handler claims the source and calls `handler`; the completion waits
 * for the next rv32_wait_for_interrupt(), by which time the driver has
 * acknowledged the device (the Loom driver does so in loom_wait). Completing
 * at once would let a level-sensitive line that is still high interrupt
 * again without end. */
void rv32_irq_attach(uint32_t source, rv32_irq_handler_t handler, void *context);
/* Timer handler (NULL: none); called with mtimecmp parked at its maximum. */
void rv32_timer_attach(rv32_irq_handler_t handler, void *context);
/* Enables machine external and timer interrupts globally. */
void rv32_irq_enable(void);
/* Completes the sources served since the last wait and sleeps (wfi) until an
 * interrupt has been taken; the check-then-sleep race is closed by sleeping
 * with MIE off. */
void rv32_wait_for_interrupt(void);
/* Interrupts taken so far, by kind. */
uint32_t rv32_external_interrupts(void);
uint32_t rv32_timer_interrupts(void);
/* Ends the run through HTIF tohost: code 0 writes 1 (pass), others (code << 1) | 1. */
void rv32_exit(int code) __attribute__((noreturn));
void rv32_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);

#endif /* RV32_H */
