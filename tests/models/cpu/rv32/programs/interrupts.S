#include "test.h"
/* Timer interrupts from the test device: pending while disabled, then
 * taken when enabled; masked in mie; and wfi that sleeps until the line rises. */
_start:
  la t0, handler
  csrw mtvec, t0
  li s0, TESTDEV_BASE
  li s1, 0                /* interrupts taken */
  /* 1. Enabled in mie, masked by mstatus.MIE: pending, not taken. */
  li t0, 0x80
  csrw mie, t0
  li t1, 100
  sw t1, TESTDEV_TIMER_IN(s0)
1: csrr t2, mip
  andi t2, t2, 0x80
  beqz t2, 1b
  mv s2, s1               /* 0: none taken while disabled */
  csrsi mstatus, 8        /* enable: taken right after this instruction */
after_enable:
  mv s3, s1               /* 1 */
  csrci mstatus, 8
  /* 2. Masked in mie: the line rises, mip shows it, nothing is taken even with MIE set. */
  csrw mie, x0
  csrsi mstatus, 8
  sw t1, TESTDEV_TIMER_IN(s0)
2: csrr t2, mip
  andi t2, t2, 0x80
  beqz t2, 2b
  mv s4, s1               /* still 1 */
  sw x0, TESTDEV_TIMER_ACK(s0)
  /* 3. wfi: sleep 50 us until the line rises, then the handler runs. */
  li t0, 0x80
  csrw mie, t0
  li t1, 50000
  sw t1, TESTDEV_TIMER_IN(s0)
wfi_site:
  wfi
  mv s5, s1               /* 2 */
  /* 4. wfi with mstatus.MIE clear wakes without a trap. */
  csrci mstatus, 8
  sw t1, TESTDEV_TIMER_IN(s0)
  wfi
  mv s6, s1               /* still 2 */
  csrr s7, mip            /* MTIP pending */
  sw x0, TESTDEV_TIMER_ACK(s0)
  PASS

handler:
  csrr t3, mcause
  csrr t4, mepc
  sw t3, TESTDEV_LOG(s0)
  sw t4, TESTDEV_LOG(s0)
  addi s1, s1, 1
  sw x0, TESTDEV_TIMER_ACK(s0)
  mret
