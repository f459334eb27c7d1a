#include "test.h"
/* Runs 16 KiB of words the harness fills with random bits: whatever they do,
 * every trap resumes at the next word of the area (wrapping round), so the
 * words keep running. Robustness only: the core must stop cleanly (a halt
 * reason), never crash or hang. */
_start:
  la t0, handler
  csrw mtvec, t0
  la t0, random_area
  jr t0
handler:
  csrr t0, mepc
  addi t0, t0, 4
  li t1, 0x3ffc
  and t0, t0, t1
  la t1, random_area
  add t0, t0, t1
  csrw mepc, t0
  mret

  .bss
  .align 12
  .globl random_area
random_area: .space 16384
