/* Prints two lines through the UART and passes (tohost 1). */
#include "console.h"

int main(void) {
  console_puts("hello from rv32\n");
  console_put_line_u64("answer ", 42);
  return 0;
}
