/* Linked at 0x4000_0000, where the SoC has nothing: exec must refuse it (exit 2). */
  .text
  .globl _start
_start:
  j _start
