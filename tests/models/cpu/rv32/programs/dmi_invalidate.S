#include "test.h"
/* Runs patch_site, sleeps 1 us while the harness rewrites it behind the
 * core's back and invalidates DMI, then runs it again. */
_start:
  li s0, TESTDEV_BASE
  li s1, 0
  jal ra, patch_site      /* s1 = 1 */
  li t0, 0x80
  csrw mie, t0            /* MTIE; mstatus.MIE clear: wfi wakes without a trap */
  li t1, 1000
  sw t1, TESTDEV_TIMER_IN(s0)
  wfi
  sw x0, TESTDEV_TIMER_ACK(s0)
  jal ra, patch_site      /* rewritten to addi s1, s1, 16: s1 = 17 */
  PASS
patch_site:
  addi s1, s1, 1
  ret
