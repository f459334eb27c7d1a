/* The SoC address map, shared by the platform (platform/soc.cpp) and the
 * firmware. Sizes of memories are configurable; bases are not. */
#ifndef SOC_MAP_H
#define SOC_MAP_H

#define SOC_SRAM_BASE 0x00000000u
#define SOC_UART_BASE 0x10000000u
#define SOC_SYSCTRL_BASE 0x10001000u
#define SOC_LOOM_BASE 0x10010000u
#define SOC_CLINT_BASE 0x10020000u
#define SOC_PLIC_BASE 0x10400000u
#define SOC_DRAM_BASE 0x80000000u
#define SOC_PERIPHERAL_WINDOW 0x1000u
#define SOC_CLINT_WINDOW 0x10000u
#define SOC_PLIC_WINDOW 0x400000u

/* Where the platform leaves the network table for the firmware (in SRAM). */
#define SOC_NET_TABLE_ADDR 0x00080000u

/* UART: write a byte to TXDATA to print it. */
#define UART_REG_TXDATA 0x0u

/* System control: writing EXIT ends the simulation with that exit code. */
#define SYSCTRL_REG_EXIT 0x0u
#define SYSCTRL_REG_SCRATCH 0x4u

/* CLINT (SiFive layout, one hart): software interrupt, timer compare, time.
 * mtime counts at SOC_TIMEBASE_HZ whatever the CPU clock. */
#define CLINT_REG_MSIP 0x0000u
#define CLINT_REG_MTIMECMP_LO 0x4000u
#define CLINT_REG_MTIMECMP_HI 0x4004u
#define CLINT_REG_MTIME_LO 0xBFF8u
#define CLINT_REG_MTIME_HI 0xBFFCu
#define SOC_TIMEBASE_HZ 10000000u

/* PLIC (standard layout, one context: hart 0 machine mode). Source 0 does
 * not exist; priorities 0..7, a source interrupts when its priority is above
 * THRESHOLD. Reading CLAIM claims the best pending source, writing its id
 * back completes it. */
#define PLIC_REG_PRIORITY(source) (4u * (source))
#define PLIC_REG_PENDING 0x1000u
#define PLIC_REG_ENABLE 0x2000u
#define PLIC_REG_THRESHOLD 0x200000u
#define PLIC_REG_CLAIM 0x200004u
#define PLIC_SOURCES 32u /* ids 1..31 */
#define PLIC_MAX_PRIORITY 7u
#define PLIC_SOURCE_LOOM 1u

#endif /* SOC_MAP_H */
