#include "test.h"
/* wfi waiting for a timer interrupt nobody will raise. */
_start:
  li t0, 0x80
  csrw mie, t0
  wfi
  PASS
