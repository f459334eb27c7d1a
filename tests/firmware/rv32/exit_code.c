/* Fails with code 3: tohost = (3 << 1) | 1 = 7. */
int main(void) { return 3; }
