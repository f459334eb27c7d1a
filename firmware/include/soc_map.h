/* The SoC address map, shared by the platform (platform/soc.cpp) and the
 * firmware. Sizes of memories are configurable; bases are not. */
#ifndef SOC_MAP_H
#define SOC_MAP_H

#define SOC_SRAM_BASE 0x00000000u
#define SOC_UART_BASE 0x10000000u
#define SOC_SYSCTRL_BASE 0x10001000u
#define SOC_LOOM_BASE 0x10010000u
#define SOC_DRAM_BASE 0x80000000u
#define SOC_PERIPHERAL_WINDOW 0x1000u

/* Where the platform leaves the network table for the firmware (in SRAM). */
#define SOC_NET_TABLE_ADDR 0x00080000u

/* UART: write a byte to TXDATA to print it. */
#define UART_REG_TXDATA 0x0u

/* System control: writing EXIT ends the simulation with that exit code. */
#define SYSCTRL_REG_EXIT 0x0u
#define SYSCTRL_REG_SCRATCH 0x4u

#endif /* SOC_MAP_H */
