#include "test.h"
/* Each faulting instruction traps to `handler`, which appends
 * {mcause, mepc, mtval} to `records` and resumes after the instruction
 * (after a fetch fault: at ra, the caller's return address). */
_start:
  la t0, handler
  csrw mtvec, t0
  la s11, records
  la s0, data
t_ecall:
  ecall
t_ebreak:
  ebreak
t_illegal:
  .word 0x00000000        /* all-zero: illegal */
t_csr_missing:
  csrr a0, 0x7c0          /* no such CSR */
t_csr_readonly:
  csrw mhartid, a0        /* read-only CSR */
t_load_misaligned:
  lw a0, 1(s0)
t_store_misaligned:
  sh a0, 3(s0)
t_load_fault:
  li t1, 0x20000000       /* unmapped */
  lw a0, 4(t1)
t_store_fault:
  sw a0, 8(t1)
t_jump_misaligned:
  la t2, t_after_jump
  jalr ra, 2(t2)          /* target t_after_jump + 2: misaligned */
t_after_jump:
t_fetch_fault:
  jalr ra, 0(t1)          /* fetch from 0x20000000: access fault, resume at ra */
  sub s10, s11, x0        /* records end */
  PASS

handler:
  csrr t3, mcause
  csrr t4, mepc
  csrr t5, mtval
  sw t3, 0(s11)
  sw t4, 4(s11)
  sw t5, 8(s11)
  addi s11, s11, 12
  li t6, 1
  beq t3, t6, 1f
  addi t4, t4, 4
  csrw mepc, t4
  mret
1:
  csrw mepc, ra
  mret

  .data
  .align 2
data: .word 0x01020304, 0x05060708
records: .space 12 * 16
