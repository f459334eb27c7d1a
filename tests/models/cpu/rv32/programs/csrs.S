#include "test.h"
/* Machine information CSRs, counters and mstatus bits. */
_start:
  csrr a0, misa
  csrr a1, mhartid
  csrr a2, mvendorid
  csrr a3, marchid
  csrr a4, mimpid
  csrr a5, mstatus        /* MPP = 3 */
  csrr s0, minstret
  nop
  nop
  nop
  csrr s1, minstret       /* s1 - s0 = 4 */
  csrr s2, mcycle
  nop
  csrr s3, mcycle         /* CPI 1, no memory access: s3 - s2 = 2 */
  li t0, 1000
  csrw minstret, t0
  csrr s4, minstret       /* 1000: the write holds, then this csrr reads it */
  csrr s5, minstreth      /* 0 */
  csrrsi s6, mstatus, 8   /* old value; sets MIE */
  csrrci s7, mstatus, 8   /* old value with MIE; clears it */
  csrrw s8, mscratch, t0  /* old 0; mscratch = 1000 */
  csrr s9, mscratch
  li t1, 0xffffffff
  csrw mepc, t1
  csrr s10, mepc          /* low two bits read zero: 0xfffffffc */
  csrw mie, t1
  csrr s11, mie           /* only MSIE, MTIE, MEIE: 0x888 */
  csrw mie, x0
  li t0, 5000
  csrw mcycle, t0         /* mcycle = 5000 as the csrw starts */
  csrr a6, mcycle         /* one cycle later: 5001 */
  csrr a7, mcycleh        /* 0 */
  rdcycle t2              /* cycle and instret are readable in M-mode */
  rdinstret t3
  PASS
