#include "test.h"
/* auipc, jal and jalr offsets and branches at the ends of their ranges.
 * Markers in s-registers count the places reached; the harness checks them
 * and compares auipc/link values with the symbol addresses. */
_start:
auipc_site:
  auipc s0, 0x12345       /* s0 = auipc_site + 0x12345000 */
auipc_neg:
  auipc s1, 0xfffff       /* s1 = auipc_neg - 0x1000 */
jal_site:
  jal s2, jal_target      /* s2 = jal_site + 4 */
  li s3, 99               /* skipped */
jal_target:
  la t0, jalr_target
  addi t0, t0, -3
jalr_site:
  jalr s4, 3(t0)          /* target = jalr_target; s4 = jalr_site + 4 */
  li s3, 98               /* skipped */
jalr_target:
  la t1, jalr_odd
jalr_same:
  jalr t1, 1(t1)          /* rd == rs1, odd target: lowest bit cleared; t1 = jalr_same + 4 */
  li s3, 97               /* skipped */
jalr_odd:
  mv s5, t1
  /* Branch at +4092, the farthest aligned forward B-offset. */
  li a0, 1
branch_fwd:
  beq a0, a0, branch_fwd + 4092
  .space 4084
  li s3, 96               /* at branch_fwd + 4092 - 4: skipped */
  addi s6, s6, 1          /* branch_fwd + 4092 */
  j branch_back
back_target:              /* the backward branch lands here (-4096) */
  addi s7, s7, 1
  j far_jumps
  .space 4096 - 8         /* zeros: never executed */
branch_back:
  bne a0, x0, back_target /* offset -4096 */
far_jumps:
  call far_start          /* jal to .far_a (within the 1 MiB range) */
  PASS

  .section .far_a, "ax", @progbits
far_start:                /* 0x80200000 */
  jal t2, far_forward     /* +1048572: the farthest forward J-offset */
far_back_target:          /* 0x80200004 */
  addi s9, s9, 1
  ret

  .section .far_b, "ax", @progbits
far_forward:              /* 0x802ffffc */
  addi s8, s8, 1
  nop
far_back:                 /* 0x80300004 */
  jal x0, far_back_target /* -1048576: the farthest backward J-offset */
