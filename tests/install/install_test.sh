#!/usr/bin/env bash
# Staged install (DESTDIR) of the build tree, then the installed loomvp runs
# tiny-conv from an unrelated directory and finds its data under the install,
# also after the prefix is moved; LOOMVP_HOME still overrides; --version
# matches what the stats file records.
#   install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work/elsewhere"
DESTDIR="$work/stage" cmake --install "$build" --prefix /opt/loomvp > "$work/install.log"
prefix="$work/stage/opt/loomvp"
unset LOOMVP_HOME

fail() { echo "FAIL: $*" >&2; exit 1; }
# stats_field FILE EXPR: a value from a stats JSON (independent of loomvp's own code)
stats_field() { /usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"; }

run_from_elsewhere() {  # BIN STATS
  (cd "$work/elsewhere" && "$1" run --workload tiny-conv --engine lm1b --quiet --stats "$2") || fail "$1 run exited $?"
}

for f in bin/loomvp share/loomvp/platform/configs/mobile-soc.json share/loomvp/workloads/tiny-conv/network.json \
         share/loomvp/firmware/include/loom_regs.h share/loomvp/firmware/src/loom_driver.c; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done

run_from_elsewhere "$prefix/bin/loomvp" "$work/installed.json"
path=$(stats_field "$work/installed.json" "s['workload']['path']")
case "$path" in "$prefix/bin/../share/loomvp/workloads/tiny-conv/"*) ;; *) fail "installed binary read $path";; esac

mv "$work/stage/opt/loomvp" "$work/moved"
run_from_elsewhere "$work/moved/bin/loomvp" "$work/moved.json"
path=$(stats_field "$work/moved.json" "s['workload']['path']")
case "$path" in "$work/moved/bin/../share/loomvp/workloads/tiny-conv/"*) ;; *) fail "moved binary read $path";; esac

# The Python verbs run the installed tools/ (spec sweep: one point).
echo '{"out": "spec-out", "workload": ["tiny-conv"], "engine": ["lm1b"]}' > "$work/elsewhere/spec.json"
(cd "$work/elsewhere" && "$work/moved/bin/loomvp" sweep spec.json --no-plot 2> sweep.log) || fail "installed spec sweep: $(tail -3 "$work/elsewhere/sweep.log")"
grep -q "share/loomvp/tools" <(LOOMVP_PYTHON=/bin/echo "$work/moved/bin/loomvp" sweep spec.json) || fail "spec sweep did not use the installed tools/"
[ "$(stats_field "$work/elsewhere/spec-out/results.json" "s['rows'][0]['cycles']")" = \
  "$(stats_field "$work/moved.json" "s['totals']['cycles']")" ] || fail "installed spec sweep cycles differ from the run's"

(cd "$work/elsewhere" && "$work/moved/bin/loomvp" report --out report --networks tiny-conv --engines base,lm1b \
   --bandwidths 12.8 > report.log 2>&1) || fail "installed report: $(tail -3 "$work/elsewhere/report.log")"
[ -s "$work/elsewhere/report/index.html" ] || fail "installed report wrote no index.html"

LOOMVP_HOME="$source" run_from_elsewhere "$work/moved/bin/loomvp" "$work/home.json"
path=$(stats_field "$work/home.json" "s['workload']['path']")
case "$path" in "$source/workloads/tiny-conv/"*) ;; *) fail "LOOMVP_HOME ignored: read $path";; esac

version=$("$work/moved/bin/loomvp" --version)
expected=$(stats_field "$work/moved.json" "'loomvp %s (revision %s)' % (s['loomvp']['version'], s['loomvp']['revision'])")
[ "$version" = "$expected" ] || fail "--version '$version' but stats say '$expected'"
echo "$version" | grep -Eq '^loomvp [0-9]+\.[0-9]+ \(revision [^ )]+\)$' || fail "--version format: $version"
echo "PASS"
