/* Bare-metal start for the ISS benchmark: stack at the top of SRAM, main,
 * then tohost = 1 (HTIF pass). */
  .section .text.start, "ax", @progbits
  .globl _start
_start:
  li sp, 0x00100000
  call main
  la t0, tohost
  li t1, 1
  sw t1, 0(t0)
1: j 1b

  .section .tohost, "aw", @progbits
  .align 3
  .globl tohost
tohost: .dword 0
