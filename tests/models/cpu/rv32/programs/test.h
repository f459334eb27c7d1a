/* Shared by the ISS test programs: entry, the HTIF tohost word, and the
 * test device the harness maps at 0x10000000. */
#define TESTDEV_BASE 0x10000000
#define TESTDEV_LOG 0x0        /* write: the harness appends the value to its log */
#define TESTDEV_TIMER_ACK 0x4  /* write: lower the timer line */
#define TESTDEV_TIMER_IN 0x8   /* write N: raise the timer line N ns from now */

#define PASS            \
  la t6, tohost;        \
  li t5, 1;             \
  sw t5, 0(t6);         \
  1: j 1b

  .section .tohost, "aw", @progbits
  .align 3
  .globl tohost
tohost: .dword 0
  .section .text.start, "ax", @progbits
  .globl _start
