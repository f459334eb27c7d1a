/* The ISS benchmark program: runs the kernel `iterations` times (a host may
 * patch the variable before the run) and leaves the CRC in `result`. */
#include "iss_kernel.h"

volatile uint32_t iterations = 6000;
volatile uint32_t result;

int main(void) {
  result = iss_kernel_run(iterations);
  return 0;
}
