/* Never ends on its own: for the debugger's Ctrl-C and kill. */
int main(void) {
  for (volatile unsigned i = 0;; ++i) {
  }
}
