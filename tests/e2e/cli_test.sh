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

  determinism)  # [ENGINE]: two runs, identical statistics (output hashes included) apart from host wall time
    engine=(); [ $# -gt 0 ] && engine=(--engine "$1")
    for i in 1 2; do
      run_loomvp run --workload tiny-resnet --quiet --stats "$TMP/stats$i.json" --csv "$TMP/run$i.csv" "${engine[@]}"
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
assert all(len(l["output_fnv1a64"]) == 16 for l in a["layers"])
EOF
    cmp -s "$TMP/run1.csv" "$TMP/run2.csv" || fail "the CSV files differ"
    ;;

  # ---- issue 7 regressions: each was a crash, hang or wrong exit code ----
  stray-positional)  # `run tiny-conv` silently ran AlexNet
    expect_bad_input "positional" -- run tiny-1x1 --quiet
    ;;
  empty-option)  # OPTION: an empty value was silently ignored
    workload=(--workload tiny-1x1); [ "$1" = --workload ] && workload=()
    expect_bad_input "$1" "empty value" -- run "${workload[@]}" --quiet "$1" ''
    ;;
  csv-dev-full)  # a full device lost the CSV and exited 0; the stats file was left behind
    mkdir "$TMP/out"
    expect_bad_input "--csv" "/dev/full" "cannot write" -- \
      run --workload tiny-1x1 --quiet --stats "$TMP/out/stats.json" --csv /dev/full
    [ -z "$(ls "$TMP/out")" ] || fail "files left behind although --csv failed: $(ls "$TMP/out")"
    ;;
  output-checked-first)  # an unwritable output is refused before simulating
    expect_bad_input "--junit" "$TMP" "is a directory" -- run --workload tiny-1x1 --junit "$TMP"
    [ ! -s "$TMP/stdout" ] || fail "the run printed a summary: it simulated before checking the output"
    ;;
  loomvp-home-nowhere)
    LOOMVP_HOME="$TMP/nowhere" run_loomvp list
    [ "$RC" -eq 2 ] || fail "expected exit code 2, got $RC"
    grep -qF "LOOMVP_HOME" "$TMP/stderr" || fail "the message does not name LOOMVP_HOME"
    ;;
  fifo-input)  # WHAT: network.json, tensor or platform as a FIFO blocked forever
    case "$1" in
      network.json) make_bundle "$TMP/bundle"; rm "$TMP/bundle/network.json"; mkfifo "$TMP/bundle/network.json"
                    args=(--workload "$TMP/bundle") ;;
      platform) mkfifo "$TMP/p.json"; args=(--workload tiny-1x1 --platform "$TMP/p.json") ;;
      tensor) cp -r "$SOURCE_DIR/workloads/tiny-conv" "$TMP/conv"; rm "$TMP/conv/data/data.npy"
              mkfifo "$TMP/conv/data/data.npy"; args=(--workload "$TMP/conv") ;;
    esac
    "$LOOMVP" run "${args[@]}" --quiet >"$TMP/stdout" 2>"$TMP/stderr" &
    pid=$!
    for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    if kill -0 $pid 2>/dev/null; then kill $pid; fail "loomvp blocked on a FIFO"; fi
    wait $pid
    RC=$?
    [ "$RC" -eq 2 ] || fail "expected exit code 2, got $RC"
    grep -qF "not a regular file" "$TMP/stderr" || fail "the message does not say 'not a regular file'"
    ;;
  directory-input)  # a directory as network.json or platform file was an internal error
    make_bundle "$TMP/bundle"
    rm "$TMP/bundle/network.json"
    mkdir "$TMP/bundle/network.json"
    expect_bad_input "network.json" "is a directory" -- run --workload "$TMP/bundle"
    expect_bad_input "$TMP" "is a directory" -- run --workload tiny-1x1 --platform "$TMP"
    ;;
  platform-number-overflow)  # 1e309 in a platform file was an internal error
    echo '{"dram": {"latency_ns": 1e309}}' >"$TMP/p.json"
    expect_bad_input "$TMP/p.json" "dram.latency_ns" "out of range" -- run --workload tiny-1x1 --platform "$TMP/p.json"
    ;;
  bundle-number-overflow)  # 1e400 in network.json named no field
    make_bundle "$TMP/bundle"
    sed -i 's/"version": 1/"version": 1e400/' "$TMP/bundle/network.json"
    expect_bad_input "network.json: version" "out of range" -- run --workload "$TMP/bundle"
    ;;
  set-object-blame)  # an error inside a --set object was blamed on the platform file
    expect_bad_input "--set: dram.latency_ns" -- run --workload tiny-1x1 --set 'dram={"latency_ns": -5}'
    grep -qF "mobile-soc.json" "$TMP/stderr" && fail "the message blames the platform file"
    ;;
  long-name)  # a 30000-character name crashed std::regex (stack overflow)
    make_bundle "$TMP/bundle"
    edit_json "$TMP/bundle/network.json" 'd["layers"][0]["name"] = "a" * 30000 + "!"'
    expect_bad_input "layers[0].name" "30001 characters" -- run --workload "$TMP/bundle"
    [ "$(wc -c <"$TMP/stderr")" -lt 1000 ] || fail "the message echoes too much"
    ;;
  npy-long-header)  # long whitespace in a .npy shape crashed std::regex_search
    cp -r "$SOURCE_DIR/workloads/tiny-conv" "$TMP/conv"
    /usr/bin/python3 -c '
import struct, sys
h = b"{\x27descr\x27: \x27<i2\x27, \x27fortran_order\x27: False, \x27shape\x27: (" + b" " * 60000 + b"3, 4), }\n"
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h)' "$TMP/conv/data/data.npy" \
      || fail "cannot write the .npy"
    expect_bad_input "data.npy" "shape" -- run --workload "$TMP/conv"
    ;;
  npy-huge-header-length)  # a 12-byte file claiming a 4 GiB header allocated 4 GiB first
    cp -r "$SOURCE_DIR/workloads/tiny-conv" "$TMP/conv"
    printf '\x93NUMPY\x02\x00\xff\xff\xff\xff' >"$TMP/conv/data/data.npy"
    expect_bad_input "data.npy" "header length" "4294967295" -- run --workload "$TMP/conv"
    ;;
  npy-shape-number-overflow)  # a shape number beyond stoull was an internal error
    cp -r "$SOURCE_DIR/workloads/tiny-conv" "$TMP/conv"
    /usr/bin/python3 -c '
import struct, sys
h = b"{\x27descr\x27: \x27<i2\x27, \x27fortran_order\x27: False, \x27shape\x27: (99999999999999999999999999, ), }\n"
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h)' "$TMP/conv/data/data.npy" \
      || fail "cannot write the .npy"
    expect_bad_input "data.npy" "shape" "too large" -- run --workload "$TMP/conv"
    ;;
  symlink-outside-bundle)
    cp -r "$SOURCE_DIR/workloads/tiny-conv" "$TMP/conv"
    mv "$TMP/conv/data/data.npy" "$TMP/outside.npy"
    ln -s "$TMP/outside.npy" "$TMP/conv/data/data.npy"
    expect_bad_input "outside the bundle" -- run --workload "$TMP/conv"
    ;;
  workload-dotdot)  # a name with '..' reached outside the workloads folder
    cd "$TMP" || fail "cd"
    expect_bad_input "no such workload" -- run --workload ../workloads/tiny-1x1
    ;;
  internal-error)  # a bug is exit 3, distinct from 1 and 2
    run_loomvp internal-error-selftest
    [ "$RC" -eq 3 ] || fail "expected exit code 3, got $RC"
    grep -qF "internal error" "$TMP/stderr" || fail "the message does not say 'internal error'"
    ;;

  # ---- CI-friendly results ----
  quiet)  # --quiet prints only the verdict
    run_loomvp run --workload tiny-1x1 --quiet
    [ "$RC" -eq 0 ] || fail "exited $RC"
    [ "$(wc -l <"$TMP/stdout")" -eq 1 ] || fail "more than one line: $(cat "$TMP/stdout")"
    grep -q "^PASS" "$TMP/stdout" || fail "no PASS verdict"
    ;;
  junit)  # one test case per layer check, failures named
    run_loomvp run --workload tiny-resnet --quiet --junit "$TMP/pass.xml"
    [ "$RC" -eq 0 ] || fail "exited $RC"
    run_loomvp run --workload tiny-1x1 --quiet --junit "$TMP/fail.xml" --set fault.mode=error --set fault.size_bytes=1073741824
    [ "$RC" -eq 1 ] || fail "the faulty run exited $RC"
    /usr/bin/python3 - "$TMP/pass.xml" "$TMP/fail.xml" "$SOURCE_DIR" <<'EOF' || fail "JUnit check failed"
import json, sys, xml.etree.ElementTree as ET
def cases(path):
    suite = ET.parse(path).getroot().find("testsuite")
    return suite, {c.get("name"): c.find("failure") for c in suite.findall("testcase")}
suite, c = cases(sys.argv[1])
names = ["layer " + l["name"] for l in json.load(open(sys.argv[3] + "/workloads/tiny-resnet/network.json"))["layers"]]
assert sorted(c) == sorted(names + ["firmware"]), sorted(c)
assert suite.get("failures") == "0" and suite.get("tests") == str(len(names) + 1)
assert all(f is None for f in c.values())
suite, c = cases(sys.argv[2])
assert suite.get("failures") == "3", suite.get("failures")  # firmware, conv1 (DMA error), fc1 (not run)
assert "DMA" in c["layer conv1"].get("message"), c["layer conv1"].get("message")
assert c["firmware"] is not None
EOF
    ;;

  # ---- fault injection and run limits ----
  fault)  # MODE: each fault ends in its documented error, exit 1, no hang
    case "$1" in
      error) args=(--set fault.mode=error); want="ERR DMA" ;;
      flip) args=(--set fault.mode=flip --set fault.flip_mask=4); want="MISMATCH" ;;
      stall) args=(--set fault.mode=stall --set fault.stall_ns=1e9 --set simulation.max_simulated_ns=1e8)
             want="simulated-time limit simulation.max_simulated_ns" ;;
    esac
    run_loomvp run --workload tiny-1x1 --set fault.size_bytes=1073741824 "${args[@]}"
    [ "$RC" -eq 1 ] || fail "expected exit code 1, got $RC"
    grep -qF "$want" "$TMP/stdout" || fail "the summary does not say '$want'"
    grep -q "^FAIL" "$TMP/stdout" || fail "no FAIL verdict"
    ;;
  fault-stall-short)  # a short stall only delays the run
    run_loomvp run --workload tiny-1x1 --quiet --stats "$TMP/a.json"
    run_loomvp run --workload tiny-1x1 --quiet --stats "$TMP/b.json" --set fault.mode=stall \
      --set fault.size_bytes=1073741824 --set fault.stall_ns=5000
    [ "$RC" -eq 0 ] || fail "exited $RC"
    /usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(p))["totals"]["simulated_time_ns"] for p in sys.argv[1:3])
assert b - a >= 5000, (a, b)' "$TMP/a.json" "$TMP/b.json" || fail "the stall did not delay the run by 5000 ns"
    ;;
  time-limit)
    run_loomvp run --workload tiny-1x1 --quiet --set simulation.max_simulated_ns=1000
    [ "$RC" -eq 1 ] || fail "expected exit code 1, got $RC"
    grep -qF "simulated-time limit" "$TMP/stdout" || fail "no time-limit message"
    grep -qF "layer 0 (conv1) was running" "$TMP/stdout" || fail "the message does not name the running layer"
    ;;
  watchdog)  # a host wall-clock limit ends a long run, naming the layer
    run_loomvp run --workload alexnet --engine base --quiet --set simulation.max_host_seconds=0.2
    [ "$RC" -eq 1 ] || fail "expected exit code 1, got $RC"
    grep -qF "host watchdog: simulation.max_host_seconds" "$TMP/stdout" || fail "no watchdog message"
    grep -qE "layer [0-9]+ \(" "$TMP/stdout" || fail "the message does not name the running layer"
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

  # ---- issue 7 remainder: every verb's options, atomic sweep and console outputs ----
  bad-value)  # VERB OPTION VALUE (the word "empty" for ''): exit 2 naming the option, nothing run
    value=$3; [ "$value" = empty ] && value=''
    elf=(); [ "$1" = exec ] && [ "$2" != --elf ] && elf=("$TMP/none.elf")
    expect_bad_input_fast "$2" -- "$1" "${elf[@]}" "$2" "$value"
    [ ! -s "$TMP/stdout" ] || fail "loomvp printed on stdout: it ran instead of refusing"
    ;;
  stray-word)  # VERB ARGS...: a word no option takes is exit 2 for every verb
    expect_bad_input_fast "positional" -- "$@"
    [ ! -s "$TMP/stdout" ] || fail "loomvp printed on stdout: it ran instead of refusing"
    ;;
  console-dev-full)  # --console lost its text on a full device and exited 0; now exit 2, no --stats left
    mkdir "$TMP/out"
    expect_bad_input "--console" "/dev/full" "No space left" -- \
      run --workload tiny-1x1 --quiet --stats "$TMP/out/stats.json" --console /dev/full
    [ -z "$(ls "$TMP/out")" ] || fail "files left behind although --console failed: $(ls "$TMP/out")"
    ;;
  console-checked-first)  # an unwritable --console is refused before simulating
    expect_bad_input "--console" "$TMP/no/dir/console.txt" "does not exist" -- \
      run --workload tiny-1x1 --console "$TMP/no/dir/console.txt"
    [ ! -s "$TMP/stdout" ] || fail "the run printed a summary: it simulated before checking --console"
    ;;
  sweep-unwritable-dir)  # a directory no file can be created in (/proc, even for root): exit 2 at once
    expect_bad_input_fast "--stats-dir" "/proc/point-0.json" "cannot write" -- \
      sweep --workload alexnet --stats-dir /proc --point dram.latency_ns=50
    [ ! -s "$TMP/stdout" ] || fail "the sweep started before checking its point files"
    ;;
  sweep-point-file-checked-first)  # point-1.json is a directory: refused before point 0 is simulated
    mkdir -p "$TMP/sweep/point-1.json"
    expect_bad_input_fast "--stats-dir" "point-1.json" "is a directory" -- \
      sweep --workload alexnet --stats-dir "$TMP/sweep" --point dram.latency_ns=50 --point dram.latency_ns=60
    [ ! -e "$TMP/sweep/point-0.json" ] || fail "point 0 was written before every point file was checked"
    ;;
  sweep-point-dev-full)  # a point file on a full device: exit 2, the others whole, no temporary left
    mkdir "$TMP/sweep"
    ln -s /dev/full "$TMP/sweep/point-1.json"
    expect_bad_input "sweep point 1" "point-1.json" "No space left" -- \
      sweep --workload tiny-1x1 --jobs 1 --stats-dir "$TMP/sweep" --point dram.latency_ns=50 --point dram.latency_ns=60
    grep -q "^1 .* ERROR  dram.latency_ns=60" "$TMP/stdout" || fail "the table does not show point 1 as ERROR"
    /usr/bin/python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["result"]["passed"] is True' \
      "$TMP/sweep/point-0.json" || fail "point-0.json is not the whole stats of a passing run"
    [ "$(ls "$TMP/sweep" | tr '\n' ' ')" = "point-0.json point-1.json " ] || fail "left behind: $(ls "$TMP/sweep")"
    ;;

  *)
    fail "unknown test case"
    ;;
esac
exit 0
