#include "test.h"
/* Loads and stores to SRAM and DRAM and device writes, for comparing
 * simulated time with DMI on and off. */
_start:
  li s0, 0x1000           /* SRAM */
  la s1, buffer           /* DRAM */
  li s2, TESTDEV_BASE
  li t0, 64
1:
  sw t0, 0(s0)
  lw t1, 0(s0)
  sh t1, 2(s1)
  lbu t2, 2(s1)
  add a0, a0, t2
  addi s0, s0, 4
  addi s1, s1, 4
  addi t0, t0, -1
  bnez t0, 1b
  sw a0, TESTDEV_LOG(s2)
  PASS
  .bss
buffer: .space 256
