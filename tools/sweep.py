#!/usr/bin/python3
"""Grid sweeps from a spec file: `loomvp sweep SPEC.json` (docs/user-guide.md, "Sweep specs").

The grid is expanded here and run by the C++ shared-work sweep (`loomvp sweep
--points`, one process per workload/profile/platform group that loads the
network and computes its golden outputs once, then forks one child per
point): serially (--serial), in local processes (--jobs N), or as chunks of
points on a Dask distributed cluster (--dask ADDRESS), where each task runs
the same `loomvp sweep` on a worker. Every point's result is one file under
OUT/points/, so a re-run skips the points already done, and the results
table (results.csv, results.json) and plot (results.png, results.svg) are
rebuilt from those files in grid order: the same sweep gives the same table
however it ran.

Exit codes: 0 every point passed, 1 a point failed (the others are kept),
2 bad spec or options.
"""
import argparse
import csv
import hashlib
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

SPEC_KEYS = ("out", "workload", "profile", "engine", "platform", "set", "jobs")
AXES = ("workload", "profile", "engine", "platform")
MAX_POINTS = 100000
SET_KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\Z")
ENERGY_KEYS = ("compute", "weight_buffer", "activation_buffer", "output_buffer", "dram", "interconnect", "static", "total")
TOTAL_FIELDS = ("cycles", "compute_cycles", "stall_data_cycles", "stall_space_cycles", "drain_cycles", "dma_cycles",
                "dram_bytes_read", "dram_bytes_written", "macs", "accelerator_time_ns", "simulated_time_ns")


class SpecError(Exception):
    """Bad spec: reported as `SPEC: FIELD: problem`, exit 2."""


def clip(text, limit=200):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------- the spec

def read_spec(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(1 << 22)
    except OSError as e:
        raise SpecError("%s: cannot read (%s)" % (clip(path), e.strerror))
    try:
        spec = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise SpecError("%s: not valid JSON (%s)" % (clip(path), clip(e)))
    return validate_spec(spec, path)


def validate_spec(spec, path):
    def bad(field, problem):
        raise SpecError("%s: %s: %s" % (clip(path), field, problem))

    if not isinstance(spec, dict):
        bad("(top level)", "must be a JSON object with keys " + ", ".join(SPEC_KEYS))
    for key in spec:
        if key not in SPEC_KEYS:
            bad(clip(key, 60), "unknown key; allowed: " + ", ".join(SPEC_KEYS))
    if not isinstance(spec.get("out"), str) or not spec["out"]:
        bad("out", "required: the output directory (a non-empty string)")
    grid = {}
    for axis in AXES:
        values = spec.get(axis)
        if values is None:
            grid[axis] = [None]  # loomvp's default
            continue
        if not isinstance(values, list) or not values:
            bad(axis, "must be a non-empty list of names")
        for v in values:
            if not isinstance(v, str) or not v or any(c.isspace() for c in v):
                bad(axis, "must be names without spaces, got %s" % clip(json.dumps(v), 60))
        if len(set(values)) != len(values):
            bad(axis, "lists a value twice")
        grid[axis] = values
    sets = spec.get("set", {})
    if not isinstance(sets, dict):
        bad("set", "must be an object: platform key -> list of values")
    for key, values in sets.items():
        if not SET_KEY.match(key):
            bad("set." + clip(key, 60), "not a platform key (dotted lower-case names, e.g. dram.bandwidth_gb_per_s)")
        if not isinstance(values, list) or not values:
            bad("set." + key, "must be a non-empty list of values")
        for v in values:
            if v is None or isinstance(v, list) or any(c.isspace() or c == "#" for c in value_text(v)):
                bad("set." + key, "values are numbers, booleans, objects or strings without spaces; got %s"
                    % clip(json.dumps(v), 60))
    grid["set"] = sets
    jobs = spec.get("jobs", 0)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or not 0 <= jobs <= 256:
        bad("jobs", "must be a whole number 0..256 (0: one per CPU)")
    count = 1
    for axis in AXES:
        count *= len(grid[axis])
    for values in sets.values():
        count *= len(values)
    if count > MAX_POINTS:
        bad("(grid)", "%d points; at most %d" % (count, MAX_POINTS))
    return {"out": spec["out"], "grid": grid, "jobs": jobs}


def value_text(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def expand(grid):
    """Every point in grid order: axes first (workload outermost), then set keys in spec order."""
    set_keys = list(grid["set"])
    lists = [grid[a] for a in AXES] + [grid["set"][k] for k in set_keys]
    points = []
    for combo in itertools.product(*lists):
        point = dict(zip(AXES, combo))
        point["set"] = dict(zip(set_keys, combo[len(AXES):]))
        points.append(point)
    return points


def point_id(point):
    return hashlib.sha1(json.dumps(point, sort_keys=True).encode()).hexdigest()[:16]


def group_key(point):
    """Points sharing one `loomvp sweep` process (one load, one golden computation)."""
    return (point["workload"], point["profile"], point["platform"])


def point_settings(point):
    """The point's --set words for `loomvp sweep --points` (the engine is loom.engine)."""
    words = ["loom.engine=" + point["engine"]] if point["engine"] else []
    return words + ["%s=%s" % (k, value_text(v)) for k, v in point["set"].items()]


# ---------------------------------------------------------------- running a group

def run_group(loomvp, key, points, jobs, progress=None):
    """Runs points (list of (id, point)) of one group with `loomvp sweep`.

    Returns {id: result}; result: status pass/fail/error, exit_code, error, stats.
    A point that is bad input (exit 2 naming `--point N`) is reported as an
    error and the sweep runs again without it, so it loses nothing else.
    Runs on a Dask worker as well: only the standard library and loomvp.
    """
    workload, profile, platform = key
    results = {}
    pending = list(points)
    with tempfile.TemporaryDirectory(prefix="loomvp-sweep-") as tmp:
        while pending:
            points_file = os.path.join(tmp, "points.txt")
            with open(points_file, "w") as f:
                for _, point in pending:
                    f.write(" ".join(point_settings(point)) + "\n")
            stats_dir = tempfile.mkdtemp(dir=tmp)
            args = [loomvp, "sweep", "--points", points_file, "--stats-dir", stats_dir, "--jobs", str(jobs)]
            for option, value in (("--workload", workload), ("--profile", profile), ("--platform", platform)):
                if value is not None:
                    args += [option, value]
            with open(os.path.join(tmp, "stderr.txt"), "w+") as err:
                proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
                for line in proc.stdout:  # one table row per finished point
                    m = re.match(r"(\d+)\s+\d+\s+\S+\s+(pass|FAIL)\b", line)
                    if m and progress:
                        progress(pending[int(m.group(1))][0], m.group(2) == "pass")
                code = proc.wait()
                err.seek(0)
                err_lines = err.read(1 << 20).splitlines()
            err_text = clip("\n".join(line for line in err_lines if line.strip())[-400:], 400)
            if code == 2:
                m = re.search(r"--point (\d+)", err_text)
                if m and int(m.group(1)) < len(pending):
                    pid, point = pending.pop(int(m.group(1)))
                    # "--point N: SETTINGS: " is loomvp sweep's numbering, not this grid's.
                    prefix = "loomvp: error: --point %s: %s: " % (m.group(1), " ".join(point_settings(point)))
                    last = err_lines[-1] if err_lines else err_text
                    error = last[len(prefix):] if last.startswith(prefix) else err_text
                    results[pid] = {"status": "error", "exit_code": 2, "error": clip(error, 400), "stats": None}
                    if progress:
                        progress(pid, False)
                    continue
                for pid, _ in pending:  # the group itself is bad (e.g. no such workload)
                    results[pid] = {"status": "error", "exit_code": 2, "error": err_text, "stats": None}
                    if progress:
                        progress(pid, False)
                break
            for i, (pid, _) in enumerate(pending):
                try:
                    with open(os.path.join(stats_dir, "point-%d.json" % i)) as f:
                        stats = json.load(f)
                except (OSError, ValueError):
                    stats = None
                if stats is None:
                    results[pid] = {"status": "error", "exit_code": code, "stats": None,
                                    "error": err_text or "the point wrote no statistics (exit %d)" % code}
                else:
                    passed = bool(stats.get("result", {}).get("passed"))
                    results[pid] = {"status": "pass" if passed else "fail", "exit_code": 0 if passed else 1,
                                    "error": None if passed else first_failure(stats), "stats": stats}
            break
    return results


def first_failure(stats):
    for layer in stats.get("layers", []):
        if layer.get("error") or layer.get("mismatches") or not layer.get("ran"):
            return "layer %s: %s" % (layer.get("name"), layer.get("error") or
                                     ("%d mismatches" % layer.get("mismatches", 0) if layer.get("ran") else "not run"))
    return stats.get("result", {}).get("stop_reason") or "the run failed its checks"


# ---------------------------------------------------------------- results

def write_atomic(path, text):
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def load_done(points_dir, pid, point):
    """The stored result of a point, if it exists and was made for the same settings."""
    try:
        with open(os.path.join(points_dir, pid + ".json")) as f:
            stored = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("settings") != point:
        return None
    # Done: simulated (pass or fail) or bad input; a point whose process or
    # Dask task died (exit 3) runs again.
    return stored if stored.get("status") in ("pass", "fail") or stored.get("exit_code") == 2 else None


def table_row(pid, point, result):
    row = {"point": pid, "workload": point["workload"], "profile": point["profile"], "engine": point["engine"],
           "platform": point["platform"]}
    for k, v in point["set"].items():
        row[k] = v
    stats = result.get("stats") or {}
    row["engine"] = stats.get("engine", point["engine"])
    row["profile"] = stats.get("workload", {}).get("profile", point["profile"]) or point["profile"]
    row["status"] = result["status"]
    row["error"] = result.get("error")
    totals = stats.get("totals", {})
    for field in TOTAL_FIELDS:
        row[field] = totals.get(field)
    energy = totals.get("energy_pj") or {}
    for k in ENERGY_KEYS:
        row["energy_pj_" + k] = energy.get(k)
    return row


def write_table(out, rows):
    write_atomic(os.path.join(out, "results.json"),
                 json.dumps({"schema": "loomvp-sweep-results", "version": 1, "rows": rows}, indent=1) + "\n")
    columns = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    tmp = os.path.join(out, "results.csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for row in rows:
            w.writerow({k: ("" if v is None else value_text(v) if isinstance(v, (dict, bool)) else v)
                        for k, v in row.items()})
    os.replace(tmp, os.path.join(out, "results.csv"))


def write_plot(out, grid, rows):
    """totals.cycles against the first numeric swept key (log x), one line per combination of the rest."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    varying = [a for a in AXES if len(grid[a]) > 1] + [k for k, v in grid["set"].items() if len(v) > 1]
    numeric = [k for k in grid["set"] if len(grid["set"][k]) > 1
               and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in grid["set"][k])]
    x_key = numeric[0] if numeric else None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ok = [r for r in rows if r["status"] == "pass" and r["cycles"] is not None]
    if x_key:
        series = {}
        for r in ok:
            label = ", ".join("%s=%s" % (k, r[k]) for k in varying if k != x_key) or "cycles"
            series.setdefault(label, []).append((r[x_key], r["cycles"]))
        for label, xy in series.items():
            xy.sort()
            ax.plot([p[0] for p in xy], [p[1] for p in xy], marker="o", label=label)
        ax.set_xlabel(x_key)
        if min(grid["set"][x_key]) > 0 and max(grid["set"][x_key]) / min(grid["set"][x_key]) > 20:
            ax.set_xscale("log")
        if len(series) > 1:
            ax.legend(fontsize=7)
    else:
        labels = [", ".join("%s=%s" % (k, r[k]) for k in varying) or r["point"] for r in ok]
        ax.bar(range(len(ok)), [r["cycles"] for r in ok])
        ax.set_xticks(range(len(ok)))
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("total cycles (totals.cycles)")
    ax.set_title("LoomVP sweep: %d points (%d passed)" % (len(rows), len(ok)))
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out, "results." + ext) + ".tmp", format=ext, metadata=plot_metadata(ext))
        os.replace(os.path.join(out, "results." + ext) + ".tmp", os.path.join(out, "results." + ext))
    plt.close(fig)


def plot_metadata(ext):
    """No dates or versions in the files, so a re-run writes the same bytes."""
    return {"Software": None} if ext == "png" else {"Date": None, "Creator": None}


# ---------------------------------------------------------------- progress

class Progress:
    """`sweep: D/N points (F failed), elapsed, ETA` on stderr as points finish."""

    def __init__(self, total, skipped, stream=sys.stderr):
        self.total, self.done, self.failed = total, skipped, 0
        self.to_run = total - skipped
        self.run = 0
        self.start = time.monotonic()
        self.stream = stream
        self.tty = stream.isatty()

    def point_done(self, ok):
        self.done += 1
        self.run += 1
        self.failed += 0 if ok else 1
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.run * (self.to_run - self.run)
        self.stream.write("%ssweep: %d/%d points (%d failed), %s elapsed, ETA %s%s" % (
            "\r" if self.tty else "", self.done, self.total, self.failed, duration(elapsed), duration(eta),
            "" if self.tty and self.run < self.to_run else "\n"))
        self.stream.flush()


def duration(seconds):
    seconds = int(round(seconds))
    return "%dm%02ds" % (seconds // 60, seconds % 60) if seconds >= 60 else "%ds" % seconds


# ---------------------------------------------------------------- drivers

def run_local(loomvp, groups, jobs, on_result, progress):
    """Groups side by side when there are several: at most `jobs` simulations at a time in all."""
    from concurrent.futures import ThreadPoolExecutor

    lock = threading.Lock()
    side_by_side = max(1, min(jobs, len(groups)))

    def point_done(pid, ok):
        with lock:
            progress.point_done(ok)

    def run(item):
        key, members = item
        results = run_group(loomvp, key, members, max(1, jobs // side_by_side), progress=point_done)
        with lock:
            for pid, result in results.items():
                on_result(pid, result)

    with ThreadPoolExecutor(side_by_side) as pool:
        list(pool.map(run, groups.items()))


class QueueProgress:
    """run_group's progress on a Dask worker: each finished point goes to a
    named Dask queue that the client reads, so progress moves point by point."""

    def __init__(self, name):
        self.name = name

    def __call__(self, pid, ok):
        from distributed import Queue
        Queue(self.name).put([pid, ok])


def run_dask(loomvp, groups, address, chunk, on_result, progress):
    import uuid

    from distributed import Client, Queue

    with Client(address, timeout=10) as client:
        workers = max(1, len(client.scheduler_info()["workers"]))
        queue_name = "loomvp-sweep-" + uuid.uuid4().hex
        queue = Queue(queue_name, client=client)
        futures = {}
        for key, members in groups.items():
            # Four chunks per worker: each chunk loads the network once.
            size = chunk or max(1, math.ceil(len(members) / (4 * workers)))
            for start in range(0, len(members), size):
                part = members[start:start + size]
                # jobs=1: a worker thread runs one simulation at a time.
                future = client.submit(run_group, loomvp, key, part, 1, QueueProgress(queue_name), pure=False)
                futures[future] = part
        counted = set()

        def count(pid, ok):
            if pid not in counted:
                counted.add(pid)
                progress.point_done(ok)

        pending = set(futures)
        while pending:
            time.sleep(0.25)
            for pid, ok in queue.get(batch=True):
                count(pid, ok)
            for future in [f for f in pending if f.done()]:
                pending.discard(future)
                try:
                    results = future.result()
                except Exception as e:  # the task itself died (worker lost): its points fail, the rest go on
                    results = {pid: {"status": "error", "exit_code": 3, "stats": None,
                                     "error": clip("dask task: %r" % e)} for pid, _ in futures[future]}
                for pid, result in results.items():
                    on_result(pid, result)
                    count(pid, result["status"] == "pass")
        queue.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="loomvp sweep", description="Grid sweep from a spec file.")
    parser.add_argument("spec", help="SPEC.json (docs/user-guide.md, Sweep specs)")
    parser.add_argument("--out", help="output directory (default: the spec's `out`)")
    parser.add_argument("--jobs", type=int, help="points simulated at a time locally (default: the spec's, else CPUs)")
    parser.add_argument("--serial", action="store_true", help="one point at a time, in this machine")
    parser.add_argument("--dask", metavar="ADDRESS", help="run on a Dask distributed scheduler (tcp://HOST:PORT)")
    parser.add_argument("--chunk", type=int, default=0, help="--dask: points per task (default: a group / (4 x workers))")
    parser.add_argument("--loomvp", default=os.environ.get("LOOMVP_BIN", ""), help="the loomvp executable")
    parser.add_argument("--no-plot", action="store_true", help="skip results.png/svg")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if not args.loomvp or not os.access(args.loomvp, os.X_OK):
            raise SpecError("--loomvp: %s: not an executable (run through `loomvp sweep SPEC.json`)" % clip(args.loomvp))
        if args.jobs is not None and not 0 <= args.jobs <= 256:
            raise SpecError("--jobs: %d: allowed 0..256" % args.jobs)
        if args.serial and args.dask:
            raise SpecError("--serial/--dask: choose one")
        if args.chunk < 0:
            raise SpecError("--chunk: must be >= 0")
        spec = read_spec(args.spec)
        out = args.out or spec["out"]
        points_dir = os.path.join(out, "points")
        try:
            os.makedirs(points_dir, exist_ok=True)
        except OSError as e:
            raise SpecError("%s: out: %s: cannot create (%s)" % (clip(args.spec), clip(out), e.strerror))
    except SpecError as e:
        sys.stderr.write("loomvp: error: %s\n" % e)
        return 2
    jobs = 1 if args.serial else args.jobs if args.jobs is not None else spec["jobs"] or os.cpu_count() or 1

    grid = spec["grid"]
    points = [(point_id(p), p) for p in expand(grid)]
    results = {}
    groups = {}
    for pid, point in points:
        done = load_done(points_dir, pid, point)
        if done is not None:
            results[pid] = done
        else:
            groups.setdefault(group_key(point), []).append((pid, point))
    skipped = len(results)
    by_id = dict(points)
    sys.stderr.write("sweep: %d points, %d already done (%s), %d to run %s\n" % (
        len(points), skipped, points_dir, len(points) - skipped,
        "on Dask at " + args.dask if args.dask else "serially" if jobs == 1 else "in %d local processes" % jobs))
    progress = Progress(len(points), skipped)
    start = time.monotonic()

    def on_result(pid, result):
        stored = dict(result, settings=by_id[pid], point=pid)
        write_atomic(os.path.join(points_dir, pid + ".json"), json.dumps(stored, indent=1) + "\n")
        results[pid] = stored
        if result["status"] != "pass":
            sys.stderr.write("sweep: point %s (%s) %s: %s\n" % (
                pid, clip(" ".join(describe(by_id[pid]))), "FAILED" if result["status"] == "fail" else "ERROR",
                clip(result.get("error"), 400)))

    if groups:
        if args.dask:
            try:
                run_dask(args.loomvp, groups, args.dask, args.chunk, on_result, progress)
            except (OSError, ValueError) as e:  # unreachable, or not an address (ValueError from distributed)
                sys.stderr.write("loomvp: error: --dask: %s: cannot connect (%s)\n" % (clip(args.dask), clip(e)))
                return 2
        else:
            run_local(args.loomvp, groups, jobs, on_result, progress)
    rows = [table_row(pid, point, results[pid]) for pid, point in points]
    write_table(out, rows)
    if not args.no_plot:
        write_plot(out, grid, rows)
    failed = sum(1 for r in rows if r["status"] != "pass")
    sys.stderr.write("sweep: %d points, %d failed, %d run in %.1f s; results: %s/results.csv, results.json%s\n" % (
        len(rows), failed, len(points) - skipped, time.monotonic() - start, out,
        "" if args.no_plot else ", results.png, results.svg"))
    return 1 if failed else 0


def describe(point):
    words = ["%s=%s" % (a, point[a]) for a in AXES if point[a] is not None]
    return words + ["%s=%s" % (k, value_text(v)) for k, v in point["set"].items()]


if __name__ == "__main__":
    sys.exit(main())
