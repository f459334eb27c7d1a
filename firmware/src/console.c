#include "console.h"

#include "mmio.h"
#include "soc_map.h"

void console_puts(const char *text) {
  while (*text) mmio_write32(SOC_UART_BASE + UART_REG_TXDATA, (uint8_t)*text++);
}

void console_put_u64(uint64_t value) {
  char digits[21];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value);
  while (n) mmio_write32(SOC_UART_BASE + UART_REG_TXDATA, (uint8_t)digits[--n]);
}

void console_put_line_u64(const char *label, uint64_t value) {
  console_puts(label);
  console_put_u64(value);
  console_puts("\n");
}
