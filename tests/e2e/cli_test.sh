#!/bin/bash
# End-to-end tests of the loomvp command line, one case per invocation:
#   cli_test.sh LOOMVP CASE [ARGS...]
# Exit status 0 when the case passes; otherwise a message on stderr says why.
set -u

LOOMVP=$1
CASE=$2
shift 2
SOURCE_DIR=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/loomvp-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() {
  echo "FAIL [$CASE]: $*" >&2
  if [ -s "$TMP/stderr" ]; then echo "--- stderr of loomvp:" >&2; cat "$TMP/stderr" >&2; fi
  exit 1
}

# run_loomvp ARGS...: runs loomvp, stdout/stderr to $TMP, status in $RC.
run_loomvp() {
  "$LOOMVP" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
  RC=$?
}

# expect_bad_input "SUBSTRING"... -- ARGS...: exit code exactly 2 and every
# substring on stderr.
expect_bad_input() {
  local needles=()
  while [ "$1" != "--" ]; do needles+=("$1"); shift; done
  shift
  run_loomvp "$@"
  [ "$RC" -eq 2 ] || fail "expected exit code 2, got $RC for: loomvp $*"
  for n in "${needles[@]}"; do
    grep -qF -- "$n" "$TMP/stderr" || fail "stderr does not mention '$n' for: loomvp $*"
  done
}

# expect_bad_input_fast: expect_bad_input, and loomvp used under a second of
# CPU (user + system; wall time would depend on the machine's load).
expect_bad_input_fast() {
  local TIMEFORMAT='%3U %3S'
  { time expect_bad_input "$@" 2>&3 ; } 3>&2 2>"$TMP/time"
  /usr/bin/python3 -c 'import sys; u, s = map(float, open(sys.argv[1]).read().split()[-2:]); sys.exit(0 if u + s < 1.0 else 1)' \
    "$TMP/time" || fail "took $(cat "$TMP/time") s of CPU (user system), expected under 1 s"
}

# make_bundle DIR: a copy of the tiny-1x1 bundle (all uniform sources) to modify.
make_bundle() {
  cp -r "$SOURCE_DIR/workloads/tiny-1x1" "$1"
}

# edit_json FILE PYTHON-STATEMENT: loads FILE as `d`, runs the statement, saves.
edit_json() {
  /usr/bin/python3 - "$1" "$2" <<'EOF' || fail "cannot edit $1"
import json, sys
path, stmt = sys.argv[1], sys.argv[2]
with open(path) as f:
    d = json.load(f)
exec(stmt)
with open(path, "w") as f:
    json.dump(d, f, indent=1)
EOF
}

# check_run WORKLOAD ENGINE [LOOMVP-ARGS...]: runs the workload; exit 0,
# PASS, and the stats agree with themselves (cycle and byte identities).
check_run() {
  local workload=$1 engine=$2
  shift 2
  run_loomvp run --workload "$workload" --engine "$engine" --stats "$TMP/stats.json" "$@"
  [ "$RC" -eq 0 ] || fail "loomvp run --workload $workload --engine $engine $* exited $RC"
  grep -q "^PASS" "$TMP/stdout" || fail "no PASS line in the summary"
  /usr/bin/python3 - "$TMP/stats.json" "$engine" "$SOURCE_DIR/workloads/$workload/network.json" <<'EOF' || fail "stats check failed"
import json, sys
stats = json.load(open(sys.argv[1]))
net = json.load(open(sys.argv[3]))
assert stats["engine"] == sys.argv[2], stats["engine"]
assert stats["result"]["passed"] is True
assert [l["name"] for l in stats["layers"]] == [l["name"] for l in net["layers"]]
dram_bytes_per_cycle = stats["platform"]["dram"]["bandwidth_gb_per_s"] * 1000 / stats["platform"]["loom"]["clock_mhz"]
for l in stats["layers"]:
    assert l["ran"] and l["mismatches"] == 0 and l["error"] is None, l["name"]
    assert l["expected_checked"] and l["expected_mismatches"] == 0, l["name"]
    assert l["compute_cycles"] > 0 and l["cycles"] >= l["compute_cycles"], l["name"]
    # cycles = decode + compute + stalls + drain; bytes by kind add up; DRAM never beats its bandwidth
    assert l["cycles"] == 1 + l["compute_cycles"] + l["stall_data_cycles"] + l["stall_space_cycles"] + l["drain_cycles"], l
    kinds = l["dram_bytes_by_kind"]
    assert l["dram_bytes_read"] == kinds["input"] + kinds["input2"] + kinds["weights"] + kinds["bias"], l["name"]
    assert l["dram_bytes_written"] == kinds["output"], l["name"]
    assert l["dram_bytes_read"] + l["dram_bytes_written"] <= l["cycles"] * dram_bytes_per_cycle, l["name"]
    assert l["bound"] == ("memory" if l["dma_cycles"] > l["compute_cycles"] else "compute"), l["name"]
    assert 0 < l["lane_utilisation"] <= 1, l["name"]
EOF
}

case "$CASE" in
  run)  # run WORKLOAD ENGINE: exit 0, PASS, and the stats say the right engine
    check_run "$1" "$2"
    ;;

  run-min-buffers)  # run WORKLOAD ENGINE with each buffer shrunk to what one tile needs
    workload=$1 engine=$2
    sizes=(weight=64 activation=64 output=64)
    for attempt in $(seq 1 30); do
      sets=()
      for s in "${sizes[@]}"; do sets+=(--set "loom.${s%%=*}_buffer_bytes=${s#*=}"); done
      run_loomvp run --workload "$workload" --engine "$engine" --quiet "${sets[@]}"
      [ "$RC" -eq 2 ] || break
      # "--set loom.X_buffer_bytes: ... allowed: at least N": raise X to N
      which=$(sed -n 's/.*--set loom\.\([a-z]*\)_buffer_bytes.*/\1/p' "$TMP/stderr")
      need=$(sed -n 's/.*allowed: at least \([0-9]*\).*/\1/p' "$TMP/stderr")
      [ -n "$which" ] && [ -n "$need" ] || fail "exit 2 without a buffer setting to raise"
      for i in "${!sizes[@]}"; do [ "${sizes[$i]%%=*}" = "$which" ] && sizes[$i]="$which=$need"; done
    done
    check_run "$workload" "$engine" "${sets[@]}"
    # Some layer ran one output row (or one fc input brick) per tile.
    /usr/bin/python3 -c '
import json, sys
layers = json.load(open(sys.argv[1]))["layers"]
assert any(l["tiles"] >= l["output_shape"][1] > 1 or (l["type"] == "fc" and l["tiles"] > 1) for l in layers), layers
' "$TMP/stats.json" || fail "no layer was split down to one output row per tile"
    ;;

  list)
    run_loomvp list
    [ "$RC" -eq 0 ] || fail "loomvp list exited $RC"
    for w in tiny-conv tiny-resnet tiny-1x1 alexnet; do
      grep -qw -- "$w" "$TMP/stdout" || fail "loomvp list does not list $w"
    done
    grep -q "mobile-soc" "$TMP/stdout" || fail "loomvp list does not list the mobile-soc platform"
    ;;

  unknown-command)
    expect_bad_input "frobnicate" -- frobnicate
    ;;
  unknown-option)
    expect_bad_input "--bogus-option" -- run --workload tiny-1x1 --bogus-option
    ;;
  bad-engine)  # the line naming 'foo' lists every allowed engine
    expect_bad_input "foo" -- run --workload tiny-1x1 --engine foo
    for e in base stripes lm1b lm2b lm4b; do
      grep -F "foo" "$TMP/stderr" | grep -qw -- "$e" || fail "the error naming 'foo' does not list engine $e"
    done
    ;;
  no-workload)
    expect_bad_input "nosuch" "tiny-conv" -- run --workload nosuch
    ;;
  no-platform)
    expect_bad_input "nosuch" "mobile-soc" -- run --workload tiny-1x1 --platform nosuch
    ;;
  set-unknown-key)
    expect_bad_input "nokey" -- run --workload tiny-1x1 --set nokey=1
    ;;
  set-wrong-type)
    expect_bad_input "dram.latency_ns" "number" -- run --workload tiny-1x1 --set dram.latency_ns=abc
    ;;
  set-out-of-range)
    expect_bad_input "interconnect.bytes_per_cycle" "4096" -- run --workload tiny-1x1 --set interconnect.bytes_per_cycle=0
    ;;
  set-number-overflow)
    expect_bad_input "dram.latency_ns" -- run --workload tiny-1x1 --set dram.latency_ns=1e400
    ;;
  bundle-malformed-json)
    make_bundle "$TMP/bundle"
    printf '{"format": "loomvp-workload", "version": 1,\n' >"$TMP/bundle/network.json"
    expect_bad_input "$TMP/bundle/network.json" "malformed JSON" -- run --workload "$TMP/bundle"
    ;;
  bundle-precision-0)
    make_bundle "$TMP/bundle"
    edit_json "$TMP/bundle/network.json" 'd["layers"][0]["pw"] = 0'
    expect_bad_input "$TMP/bundle/network.json" "layers[0].pw" "1..16" -- run --workload "$TMP/bundle"
    ;;
  bundle-input-precision-0)
    make_bundle "$TMP/bundle"
    edit_json "$TMP/bundle/network.json" 'd["input"]["prec"] = 0'
    expect_bad_input "$TMP/bundle/network.json" "input.prec" "1..16" -- run --workload "$TMP/bundle"
    ;;
  bundle-format-number)
    make_bundle "$TMP/bundle"
    edit_json "$TMP/bundle/network.json" 'd["format"] = 1'
    expect_bad_input "$TMP/bundle/network.json" "format" -- run --workload "$TMP/bundle"
    ;;
  stats-bad-dir)
    expect_bad_input "--stats" "$TMP/no/such/dir/stats.json" -- \
      run --workload tiny-1x1 --quiet --stats "$TMP/no/such/dir/stats.json"
    ;;

  layer-over-mac-limit)
    expect_bad_input "layers[0]" "loom.max_layer_macs" -- run --workload tiny-1x1 --set loom.max_layer_macs=100
    ;;
  set-bad-firmware-mode)
    expect_bad_input "firmware.mode" "chain, registers" -- run --workload tiny-1x1 --set firmware.mode=dma
    ;;
  buffer-too-small)
    expect_bad_input "--set loom.activation_buffer_bytes" "layers[0] (conv1)" "792" -- \
      run --workload tiny-conv --set loom.activation_buffer_bytes=100
    ;;
  layer-over-element-limit)
    expect_bad_input "layers[0]" "loom.max_tensor_elements" -- run --workload tiny-1x1 --set loom.max_tensor_elements=100
    ;;

  huge-uniform-input)  # a 65535^3 uniform input: refused before anything is generated
    make_bundle "$TMP/bundle"
    edit_json "$TMP/bundle/network.json" 'd["input"]["shape"] = [65535, 65535, 65535]'
    expect_bad_input_fast "input.shape" "loom.max_tensor_elements" -- run --workload "$TMP/bundle"
    ;;
  weights-just-over-limit)  # 2^27 + 16384 weights (default limit 2^27): refused before generating any
    make_bundle "$TMP/bundle"
    edit_json "$TMP/bundle/network.json" 'd["input"]["shape"] = [16384, 1, 1]; d["layers"][0]["filters"] = 8193'
    expect_bad_input_fast "layers[0] (conv1)" "134234112 elements" "loom.max_tensor_elements" -- run --workload "$TMP/bundle"
    ;;
  large-workload-dram-too-small)  # AlexNet in 32 MiB of DRAM: refused before its 61 M weights are generated
    expect_bad_input_fast "dram.size_bytes" -- run --workload alexnet --set dram.size_bytes=33554432
    ;;

  bench-floor)  # bench prints per engine wall and CPU time, peak memory and the ratio to the GEMM floor
    run_loomvp bench --workload tiny-conv --engines base,lm2b
    [ "$RC" -eq 0 ] || fail "bench exit code $RC"
    for column in wall_s cpu_s peak_MiB MAC/wall_s floor_s x_floor; do
      grep -qF "$column" "$TMP/stdout" || fail "no column $column"
    done
    for engine in base lm2b; do
      # 10 columns: the floor and the ratio are positive numbers, the run passed
      awk -v e="$engine" '$1 == e && NF == 10 && $8 > 0 && $9 > 0 && $10 == "pass" { found = 1 } END { exit !found }' \
        "$TMP/stdout" || fail "no complete row for $engine"
    done
    ;;
  sweep-equals-runs)  # a shared-work sweep gives each point the stats of a separate run
    points=("dram.latency_ns=50" "dram.latency_ns=400 dram.bandwidth_gb_per_s=3.2" "loom.engine=stripes")
    mkdir "$TMP/sweep"
    run_loomvp sweep --workload tiny-resnet --jobs 2 --stats-dir "$TMP/sweep" \
      --point "${points[0]}" --point "${points[1]}" --point "${points[2]}"
    [ "$RC" -eq 0 ] || fail "sweep exit code $RC"
    grep -q "3 points" "$TMP/stdout" || fail "no '3 points' in the sweep table"
    for i in 0 1 2; do
      sets=()
      for setting in ${points[$i]}; do sets+=(--set "$setting"); done
      run_loomvp run --workload tiny-resnet "${sets[@]}" --quiet --stats "$TMP/run-$i.json"
      [ "$RC" -eq 0 ] || fail "run $i exit code $RC"
      /usr/bin/python3 - "$TMP/sweep/point-$i.json" "$TMP/run-$i.json" <<'EOF' || fail "point $i differs from its separate run"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    del d["host"]  # host wall time: the only field allowed to differ
sys.exit(0 if a == b else 1)
EOF
    done
    ;;
  sweep-bad-point)  # bad input in any point: exit 2 naming the point, nothing simulated
    expect_bad_input_fast "--point 1" "dram.latency_ns" -- sweep --workload alexnet --point "dram.latency_ns=5" \
      --point "dram.latency_ns=-5"
    ;;

  expected-mismatch)  # a wrong expected tensor in the bundle: exit 1, named in the table
    make_bundle "$TMP/bundle"
    /usr/bin/python3 - "$TMP/bundle/expected" <<'EOF' || fail "cannot edit the expected tensor"
import glob, sys
import numpy as np
path = sorted(glob.glob(sys.argv[1] + "/*.npy"))[0]
x = np.load(path)
x.flat[0] = x.flat[0] - 1 if x.flat[0] > 0 else x.flat[0] + 1
np.save(path, x)
EOF
    run_loomvp run --workload "$TMP/bundle" --stats "$TMP/stats.json"
    [ "$RC" -eq 1 ] || fail "expected exit code 1, got $RC"
    grep -q "MISMATCH expected 1" "$TMP/stdout" || fail "the table does not show the mismatch"
    grep -q "^FAIL" "$TMP/stdout" || fail "no FAIL line"
    /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["result"]["passed"] is False' \
      "$TMP/stats.json" || fail "stats say passed"
    ;;

  determinism)  # two runs, identical statistics apart from host wall time
    for i in 1 2; do
      run_loomvp run --workload tiny-resnet --quiet --stats "$TMP/stats$i.json"
      [ "$RC" -eq 0 ] || fail "run $i exited $RC"
    done
    /usr/bin/python3 - "$TMP/stats1.json" "$TMP/stats2.json" <<'EOF' || fail "the two runs differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert len(a["layers"]) == 5
assert a["layers"] == b["layers"], "layers differ"
for doc in (a, b):
    del doc["host"]  # host wall time is the only thing allowed to differ
for key in a:
    assert a[key] == b[key], f"{key} differs"
assert a == b
EOF
    ;;

  firmware-modes)  # chain (default), chain with per-layer interrupts, registers: same layers, same checks
    for mode in chain chain-irq registers; do
      set_args=(--set firmware.mode=chain)
      [ "$mode" = chain-irq ] && set_args=(--set firmware.irq_per_layer=true)
      [ "$mode" = registers ] && set_args=(--set firmware.mode=registers)
      run_loomvp run --workload tiny-resnet "${set_args[@]}" --stats "$TMP/$mode.json"
      [ "$RC" -eq 0 ] || fail "firmware mode $mode exited $RC"
    done
    /usr/bin/python3 - "$TMP" <<'EOF' || fail "the modes disagree"
import json, re, sys
s = {m: json.load(open(f"{sys.argv[1]}/{m}.json")) for m in ("chain", "chain-irq", "registers")}
def total(m):  # the firmware's own total, from its console line
    line = [l for l in s[m]["console"] if "layers done in" in l][0]
    return int(re.search(r"done in (\d+) accelerator", line).group(1))
keys = ("cycles", "compute_cycles", "dram_bytes_read", "dram_bytes_written")
layers = [[{k: l[k] for k in keys} for l in s[m]["layers"]] for m in s]
assert layers[0] == layers[1] == layers[2], "per-layer figures differ between modes"
assert all(l["ran"] and l["mismatches"] == 0 for m in s for l in s[m]["layers"])
n, layer_sum = len(layers[0]), sum(l["cycles"] for l in layers[0])
assert n == 5
assert total("registers") == layer_sum, (total("registers"), layer_sum)
# A chain adds one descriptor fetch (80 bytes from SRAM) per layer.
assert all(l["descriptor_fetch_cycles"] == 0 for l in s["registers"]["layers"])
for m in ("chain", "chain-irq"):
    fetches = [l["descriptor_fetch_cycles"] for l in s[m]["layers"]]
    assert all(1 <= f <= 50 for f in fetches), fetches
    assert total(m) == layer_sum + sum(fetches), (m, total(m), layer_sum, fetches)
assert "loom: chain interrupts 1" in s["chain"]["console"], s["chain"]["console"]
assert f"loom: chain interrupts {n}" in s["chain-irq"]["console"], s["chain-irq"]["console"]
assert not any("chain" in l for l in s["registers"]["console"])
EOF
    ;;

  *)
    fail "unknown test case"
    ;;
esac
exit 0
