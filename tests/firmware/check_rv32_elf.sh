#!/bin/sh
# Checks the cross-built RV32 firmware against the platform's memory map:
# ELF32 RISC-V executable, entry 0 (SRAM), the HTIF tohost symbol, the
# driver's entry points, and nothing placed at or above the network table.
set -eu
elf="$1"
net_table=$((0x80000))
readelf=riscv64-unknown-elf-readelf
nm=riscv64-unknown-elf-nm
fail() { echo "check_rv32_elf: $elf: $*" >&2; exit 1; }
header=$($readelf -h "$elf")
echo "$header" | grep -q "Class: *ELF32" || fail "not ELF32"
echo "$header" | grep -q "Machine: *RISC-V" || fail "not RISC-V"
echo "$header" | grep -q "Type: *EXEC" || fail "not an executable"
echo "$header" | grep -q "Entry point address: *0x0$" || fail "entry is not 0"
symbols=$($nm "$elf")
for name in _start tohost rv32_trap_entry rv32_trap loom_start loom_wait loom_run_network main; do
  echo "$symbols" | grep -q " $name\$" || fail "symbol $name missing"
done
# Every allocated section must end below the network table.
$readelf -SW "$elf" | sed -n 's/^ *\[ *[0-9]*\] *//p' | while read -r name type addr off size es flags rest; do
  case "$flags" in *A*) ;; *) continue ;; esac
  if [ $((0x$addr + 0x$size)) -gt $net_table ]; then fail "section $name ends above the network table at 0x80000"; fi
done
echo "check_rv32_elf: $elf ok"
