/* The only way the driver touches hardware: 32-bit loads and stores and a
 * wait for an interrupt. On RV32 these are volatile accesses and WFI (through the RV32 runtime); in the
 * native build (LOOMVP_NATIVE) the simulator's host CPU model provides them
 * and turns each access into a TLM transaction. */
#ifndef MMIO_H
#define MMIO_H

#include <stdint.h>

#ifdef LOOMVP_NATIVE
#ifdef __cplusplus
extern "C" {
#endif
uint32_t loomvp_native_read32(uint32_t address);
void loomvp_native_write32(uint32_t address, uint32_t value);
void loomvp_native_wait_for_interrupt(void);
#ifdef __cplusplus
}
#endif

static inline uint32_t mmio_read32(uint32_t address) { return loomvp_native_read32(address); }
static inline void mmio_write32(uint32_t address, uint32_t value) {
  loomvp_native_write32(address, value);
}
static inline void cpu_wait_for_interrupt(void) { loomvp_native_wait_for_interrupt(); }
#else
static inline uint32_t mmio_read32(uint32_t address) {
  return *(volatile uint32_t *)(uintptr_t)address;
}
static inline void mmio_write32(uint32_t address, uint32_t value) {
  *(volatile uint32_t *)(uintptr_t)address = value;
}
/* The RV32 runtime (firmware/rv32/runtime.c) sleeps in wfi and serves the
 * interrupt in its trap handler. */
void rv32_wait_for_interrupt(void);
static inline void cpu_wait_for_interrupt(void) { rv32_wait_for_interrupt(); }
#endif

#endif /* MMIO_H */
