/* Minimal console output through the UART (no libc needed). */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void console_puts(const char *text);
void console_put_u64(uint64_t value);
void console_put_line_u64(const char *label, uint64_t value);

#ifdef __cplusplus
}
#endif

#endif /* CONSOLE_H */
