#include "test.h"
/* mtvec points at unmapped memory: the ecall's trap cannot be entered. */
_start:
  li t0, 0x20000000
  csrw mtvec, t0
  ecall
  PASS
