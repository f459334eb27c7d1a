#include "test.h"
/* wfi with every interrupt disabled in mie: nothing can ever wake the core. */
_start:
  csrw mie, x0
  wfi
  PASS
