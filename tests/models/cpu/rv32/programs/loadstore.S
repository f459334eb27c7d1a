#include "test.h"
/* Loads sign- or zero-extend; stores write only their bytes. */
_start:
  la s0, data
  lb a0, 0(s0)            /* 0x80 -> 0xffffff80 */
  lbu a1, 0(s0)           /* 0x00000080 */
  lh a2, 2(s0)            /* 0x8001 -> 0xffff8001 */
  lhu a3, 2(s0)           /* 0x00008001 */
  lb a4, 1(s0)            /* 0x7f */
  lw a5, 4(s0)            /* 0xdeadbeef */
  li t0, 0x11223344
  sw t0, 8(s0)
  li t1, 0xab
  sb t1, 9(s0)            /* word 8 -> 0x1122ab44 */
  li t2, 0xcdef
  sh t2, 14(s0)           /* word 12 -> 0xcdef0000 */
  lw a6, 8(s0)
  lw a7, 12(s0)
  addi s2, s0, 6
  lh s1, -2(s2)           /* negative offset: the half at data+4 = 0xffffbeef */
  PASS

  .data
  .align 2
data:
  .byte 0x80, 0x7f, 0x01, 0x80
  .word 0xdeadbeef
  .word 0
  .word 0
