#include "test.h"
/* Never ends: for the instruction limit. */
_start:
  addi a0, a0, 1
  j _start
