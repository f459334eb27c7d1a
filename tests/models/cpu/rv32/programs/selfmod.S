#include "test.h"
/* Rewrites an instruction it has already executed: the decoded copy must go. */
_start:
  li s0, 0
  li s1, 2
loop:
patch_site:
  addi s0, s0, 1          /* first pass: +1; rewritten to addi s0, s0, 16 */
  addi s1, s1, -1
  la t0, patch_site
  la t1, replacement
  lw t2, 0(t1)
  sw t2, 0(t0)
  bnez s1, loop
  PASS                    /* s0 = 1 + 16 = 17 */
replacement:
  addi s0, s0, 16
