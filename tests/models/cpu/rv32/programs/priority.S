#include "test.h"
/* External, software and timer interrupts pending at once, vectored mtvec:
 * taken in the order external (11), software (3), timer (7), each through
 * its own vector. The harness holds the external and software lines high. */
_start:
  la t0, vectors
  ori t0, t0, 1           /* MODE = vectored */
  csrw mtvec, t0
  li s0, TESTDEV_BASE
  li t1, 10
  sw t1, TESTDEV_TIMER_IN(s0)
1: csrr t2, mip
  andi t2, t2, 0x80
  beqz t2, 1b
  li t0, 0x888
  csrw mie, t0
  csrsi mstatus, 8
  nop
  csrr s1, mip            /* 0x888: all three still pending */
  csrr s2, mie            /* 0: each handler disabled its source */
  PASS

  .align 2
vectors:
  j unexpected            /* 0: exceptions */
  j unexpected
  j unexpected
  j software              /* 3 */
  j unexpected
  j unexpected
  j unexpected
  j timer                 /* 7 */
  j unexpected
  j unexpected
  j unexpected
  j external              /* 11 */
software: li t6, 3
  j handler
timer: li t6, 7
  j handler
external: li t6, 11
  j handler
unexpected: li t6, 99
handler:
  csrr t3, mcause
  sw t3, TESTDEV_LOG(s0)
  sw t6, TESTDEV_LOG(s0)
  li t5, 1
  sll t5, t5, t6
  csrc mie, t5            /* the line stays high: disable its source */
  mret
