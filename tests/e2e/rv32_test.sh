#!/bin/bash
# End-to-end tests of the RV32 platform from the command line, one case per
# invocation:  rv32_test.sh LOOMVP RV32_DIR CASE
# RV32_DIR holds the cross-built programs (build/rv32). Exit 0 when the case
# passes; otherwise a message on stderr says why.
set -u

LOOMVP=$1
RV32=$2
CASE=$3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/loomvp-rv32.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() {
  echo "FAIL [$CASE]: $*" >&2
  for stream in stdout stderr; do
    if [ -s "$TMP/$stream" ]; then echo "--- $stream of loomvp:" >&2; head -c 4000 "$TMP/$stream" >&2; fi
  done
  exit 1
}

run_loomvp() {
  timeout 300 "$LOOMVP" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
  RC=$?
}

# expect CODE STREAM "SUBSTRING"... -- ARGS...
expect() {
  local code=$1 stream=$2
  shift 2
  local needles=()
  while [ "$1" != "--" ]; do needles+=("$1"); shift; done
  shift
  run_loomvp "$@"
  [ "$RC" -eq "$code" ] || fail "expected exit code $code, got $RC for: loomvp $*"
  for n in "${needles[@]}"; do
    grep -qF -- "$n" "$TMP/$stream" || fail "$stream does not mention '$n' for: loomvp $*"
  done
}

case "$CASE" in
  exec-pass-console)
    expect 0 stdout "hello from rv32" "answer 42" "exec: PASS: tohost 1 (pass)" -- \
      exec "$RV32/test_hello.elf" --console "$TMP/console.txt"
    printf 'hello from rv32\nanswer 42\n' | cmp -s - "$TMP/console.txt" || fail "--console file differs"
    ;;
  exec-console-dev-full)  # the console text was lost on a full device with exit 0
    expect 2 stderr "--console" "/dev/full" "No space left" -- exec "$RV32/test_hello.elf" --console /dev/full ;;
  exec-console-checked-first)  # an unwritable --console is refused before the program runs
    expect 2 stderr "--console" "does not exist" -- exec "$RV32/test_hello.elf" --console "$TMP/no/dir/console.txt"
    [ ! -s "$TMP/stdout" ] || fail "the program ran before --console was checked"
    ;;
  exec-exit-code)
    expect 1 stdout "exec: FAIL: tohost 7 (failure code 3)" -- exec "$RV32/test_exit_code.elf" ;;
  exec-timer-interrupt)
    expect 0 stdout "exec: PASS" -- exec "$RV32/test_timer_irq.elf" ;;
  exec-loom-bad-precision)
    expect 1 stdout "loom: layer 0 failed: bad precision" "exec: FAIL: SYSCTRL exit 1" -- \
      exec "$RV32/test_loom_bad_precision.elf" ;;
  exec-instruction-limit)
    expect 1 stdout "instruction limit" "after 10 instructions" -- \
      exec "$RV32/test_hello.elf" --max-instructions 10 ;;
  exec-not-elf)
    printf 'plain text, long enough to hold an ELF header but without its magic\n' >"$TMP/text.elf"
    expect 2 stderr "$TMP/text.elf" "not an ELF file" -- exec "$TMP/text.elf" ;;
  exec-foreign-elf)
    expect 2 stderr "EI_CLASS" "ELFCLASS32" -- exec "$LOOMVP" ;;
  exec-out-of-map)
    expect 2 stderr "test_out_of_map.elf" -- exec "$RV32/test_out_of_map.elf" ;;
  exec-missing-file)
    expect 2 stderr "$TMP/none.elf" -- exec "$TMP/none.elf" ;;
  run-rv32-console)
    # A descriptor chain with one interrupt per layer (firmware.irq_per_layer).
    expect 0 stdout "[console] loom: 5 layers done in" "[console] loom: chain interrupts 5" "cpu rv32:" \
      "5 interrupts taken" "PASS" -- \
      run --workload tiny-conv --cpu rv32 --set firmware.irq_per_layer=true --console "$TMP/console.txt"
    grep -q "^loom: 5 layers done in [0-9]* accelerator cycles$" "$TMP/console.txt" || fail "--console file"
    ;;
  run-rv32-deterministic)
    # Two runs: identical stats apart from the host's wall time.
    for n in 1 2; do
      run_loomvp run --workload tiny-resnet --cpu rv32 --quiet --stats "$TMP/$n.json"
      [ "$RC" -eq 0 ] || fail "run $n exited $RC"
      grep -v '"wall_seconds"' "$TMP/$n.json" >"$TMP/$n.stable"
    done
    cmp -s "$TMP/1.stable" "$TMP/2.stable" || fail "two --cpu rv32 runs differ"
    ;;
  run-gdb-native)
    expect 2 stderr "--gdb" "needs --cpu rv32" -- run --workload tiny-conv --gdb 0 ;;
  run-bad-cpu)
    expect 2 stderr "cpu.model" "allowed: native, rv32" -- run --workload tiny-conv --cpu arm ;;
  *)
    fail "unknown case" ;;
esac
exit 0
