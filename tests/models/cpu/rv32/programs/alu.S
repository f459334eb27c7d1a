#include "test.h"
/* Integer and M-extension edge cases; the harness checks the registers. */
_start:
  li a0, 7
  li a1, 0
  div s0, a0, a1          /* 7 / 0 = -1 */
  divu s1, a0, a1         /* 0xffffffff */
  rem s2, a0, a1          /* 7 */
  remu s3, a0, a1         /* 7 */
  li a2, 0x80000000
  li a3, -1
  div s4, a2, a3          /* overflow: 0x80000000 */
  rem s5, a2, a3          /* 0 */
  li a4, -7
  li a5, 2
  div s6, a4, a5          /* -3 (truncates toward zero) */
  rem s7, a4, a5          /* -1 */
  mulh s8, a2, a2         /* (-2^31)^2 >> 32 = 0x40000000 */
  mulhu s9, a3, a3        /* 0xfffffffe */
  mulhsu s10, a3, a3      /* -1 * 0xffffffff >> 32 = 0xffffffff */
  mul s11, a3, a3         /* 1 */
  li t0, 0x80000001
  srai t1, t0, 31         /* 0xffffffff */
  srli t2, t0, 31         /* 1 */
  slli t3, t0, 31         /* 0x80000000 */
  li t4, 63               /* register shifts use the low 5 bits: 63 -> 31 */
  sra a6, t0, t4          /* 0xffffffff */
  srl a7, t0, t4          /* 1 */
  sll gp, t0, t4          /* 0x80000000 */
  /* x0 writes are ignored */
  addi x0, x0, 5
  lui x0, 0x12345
  la tp, scratch
  lw x0, 0(tp)
  add ra, x0, x0          /* ra = 0 */
  slti a0, a3, 0          /* -1 < 0: 1 */
  sltiu a1, a3, 0         /* 0xffffffff < 0: 0 */
  sltu tp, x0, a3         /* 0 < 0xffffffff: 1 (snez) */
  /* Straight-line code across the 4 KiB page boundary at 0x80001000. */
  li sp, 0
  .rept 1100
  addi sp, sp, 1
  .endr
  PASS

  .data
scratch: .word 0x55aa55aa
