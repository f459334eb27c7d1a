/* A compute-bound integer kernel in the spirit of CoreMark (linked lists,
 * small matrices, a state machine, CRC), written for the ISS benchmark.
 * Portable C: the same file compiled for the host gives the expected result. */
#ifndef ISS_KERNEL_H
#define ISS_KERNEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint32_t iss_kernel_run(uint32_t iterations);

#ifdef __cplusplus
}
#endif

#endif
