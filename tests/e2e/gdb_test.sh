#!/bin/bash
# gdb-multiarch debugs the cross-built driver through `loomvp run --cpu rv32
# --gdb 0`: a breakpoint in loom_start, a variable read in the caller's frame,
# an instruction step, then continue to the end.
#   gdb_test.sh LOOMVP FIRMWARE_ELF
set -u
LOOMVP=$1
ELF=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/loomvp-gdb.XXXXXX")
LOOMVP_PID=
cleanup() {
  [ -n "$LOOMVP_PID" ] && kill "$LOOMVP_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL [gdb]: $*" >&2
  for f in gdb.out loomvp.out loomvp.err; do
    [ -s "$TMP/$f" ] && { echo "--- $f:" >&2; head -c 4000 "$TMP/$f" >&2; }
  done
  exit 1
}

command -v gdb-multiarch >/dev/null || { echo "SKIPPED: gdb-multiarch not installed"; exit 77; }

timeout 120 "$LOOMVP" run --workload tiny-conv --cpu rv32 --gdb 0 >"$TMP/loomvp.out" 2>"$TMP/loomvp.err" &
LOOMVP_PID=$!
PORT=
for _ in $(seq 100); do
  PORT=$(sed -n 's/^loomvp: waiting for gdb on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$TMP/loomvp.err")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "loomvp did not announce its gdb port"

cat >"$TMP/commands" <<COMMANDS
set pagination off
set confirm off
file $ELF
target remote 127.0.0.1:$PORT
break loom_start
continue
print/x base
up
print header.layer_count
down
print/x \$pc
stepi
print/x \$pc
delete
continue
COMMANDS
timeout 120 gdb-multiarch -batch -x "$TMP/commands" >"$TMP/gdb.out" 2>&1 || fail "gdb-multiarch failed"
wait "$LOOMVP_PID"
RC=$?
LOOMVP_PID=
[ "$RC" -eq 0 ] || fail "loomvp exited with $RC"

grep -q "^Breakpoint 1, loom_start (base=" "$TMP/gdb.out" || fail "no stop at the breakpoint in loom_start"
grep -q '^\$1 = 0x10010000$' "$TMP/gdb.out" || fail "loom_start's base is not SOC_LOOM_BASE"
grep -q '^\$2 = 5$' "$TMP/gdb.out" || fail "header.layer_count is not 5 (tiny-conv has 5 layers)"
PC_BEFORE=$(sed -n 's/^\$3 = \(0x[0-9a-f]*\)$/\1/p' "$TMP/gdb.out")
PC_AFTER=$(sed -n 's/^\$4 = \(0x[0-9a-f]*\)$/\1/p' "$TMP/gdb.out")
[ -n "$PC_BEFORE" ] && [ -n "$PC_AFTER" ] || fail "pc not printed around stepi"
[ "$PC_BEFORE" != "$PC_AFTER" ] || fail "stepi did not move the pc ($PC_BEFORE)"
grep -q "exited normally" "$TMP/gdb.out" || fail "gdb did not see the program exit"
grep -q "^PASS: every layer's output matches" "$TMP/loomvp.out" || fail "the run under gdb did not pass"
echo "gdb: breakpoint, variables, stepi $PC_BEFORE -> $PC_AFTER, continue to exit: ok"
