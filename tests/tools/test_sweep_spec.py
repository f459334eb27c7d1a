"""`loomvp sweep SPEC.json` (tools/sweep.py): serial, local processes and a
real Dask cluster give the same table; a bad point is reported and the rest
kept; a re-run resumes; a bad spec is exit 2 naming the field."""
import json
import os
import re
import subprocess
import tempfile
import unittest

from dask_cluster import LocalDaskCluster
from separate_run import LOOMVP, run_totals

# 8 points: 2 workloads (two groups, run side by side) x 2 engines x 2 bandwidths.
GRID = {"workload": ["tiny-conv", "tiny-1x1"], "engine": ["base", "lm1b"],
        "set": {"dram.bandwidth_gb_per_s": [2, 8]}}


def sweep(spec, *options, timeout=300):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    try:
        return subprocess.run([LOOMVP, "sweep", f.name] + list(options), capture_output=True, text=True,
                              timeout=timeout)
    finally:
        os.unlink(f.name)


def rows(out):
    with open(os.path.join(out, "results.json")) as f:
        return json.load(f)["rows"]


def point_files(out):
    """Every point's stored result, host timing removed."""
    files = {}
    for name in sorted(os.listdir(os.path.join(out, "points"))):
        with open(os.path.join(out, "points", name)) as f:
            stored = json.load(f)
        if stored.get("stats"):
            del stored["stats"]["host"]
        files[name] = stored
    return files


def separate_run(workload, engine, *settings):
    return run_totals(workload, engine, *settings)


@unittest.skipUnless(LOOMVP, "LOOMVP_BIN not set")
class SweepSpecTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def out(self, name):
        return os.path.join(self.tmp.name, name)

    def test_serial_local_and_dask_identical(self):
        outs = {"serial": self.out("serial"), "local": self.out("local"), "dask": self.out("dask")}
        proc = sweep(dict(GRID, out=outs["serial"]), "--serial")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("serially", proc.stderr)
        self.assertIn("ETA", proc.stderr)
        proc = sweep(dict(GRID, out=outs["local"]), "--jobs", "2")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("in 2 local processes", proc.stderr)
        with LocalDaskCluster(workers=2) as cluster:
            proc = sweep(dict(GRID, out=outs["dask"]), "--dask", cluster.address, "--chunk", "2")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("on Dask at tcp://127.0.0.1:", proc.stderr)
        # Progress point by point (from the workers, through a Dask queue).
        self.assertEqual(len(re.findall(r"sweep: \d/8 points \(0 failed\), .* ETA ", proc.stderr)), 8, proc.stderr)

        table = rows(outs["serial"])
        self.assertEqual(len(table), 8)
        self.assertEqual(len({r["point"] for r in table}), 8)
        for mode in ("local", "dask"):
            self.assertEqual(rows(outs[mode]), table, mode)
            self.assertEqual(point_files(outs[mode]), point_files(outs["serial"]), mode)
        # Grid order: workload outer, then engine, then bandwidth.
        self.assertEqual([(r["workload"], r["engine"], r["dram.bandwidth_gb_per_s"]) for r in table],
                         [(w, e, b) for w in ("tiny-conv", "tiny-1x1") for e in ("base", "lm1b") for b in (2, 8)])
        # Each row holds the totals a separate run with those settings gives.
        for r in (table[1], table[6]):
            totals = separate_run(r["workload"], r["engine"], "dram.bandwidth_gb_per_s=%s" % r["dram.bandwidth_gb_per_s"])
            for field in ("cycles", "simulated_time_ns", "dram_bytes_read", "dram_bytes_written"):
                self.assertEqual(r[field], totals[field], field)
            for part, value in totals.get("energy_pj", {}).items():  # once the stats have energy
                self.assertEqual(r["energy_pj_" + part], value, part)
        # CSV: one header and 8 rows; plots written with valid headers.
        with open(os.path.join(outs["serial"], "results.csv")) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 9)
        self.assertTrue(lines[0].startswith("point,workload,profile,engine,platform,dram.bandwidth_gb_per_s"))
        with open(os.path.join(outs["serial"], "results.png"), "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        with open(os.path.join(outs["serial"], "results.svg")) as f:
            self.assertIn("<svg", f.read(2000))

    def test_bad_point_reported_rest_kept(self):
        spec = {"out": self.out("bad"), "workload": ["tiny-conv"], "engine": ["lm1b"],
                "set": {"dram.latency_ns": [50, -5, 100]}}
        proc = sweep(spec, "--jobs", "2", "--no-plot")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        table = rows(spec["out"])
        self.assertEqual([r["status"] for r in table], ["pass", "error", "pass"])
        self.assertIn("dram.latency_ns", table[1]["error"])
        self.assertIn("ERROR", proc.stderr)
        self.assertIn("dram.latency_ns=-5", proc.stderr)
        for r in (table[0], table[2]):
            totals = separate_run("tiny-conv", "lm1b", "dram.latency_ns=%s" % r["dram.latency_ns"])
            self.assertEqual(r["cycles"], totals["cycles"])

    def test_resume_skips_done_points(self):
        spec = {"out": self.out("resume"), "workload": ["tiny-conv"], "engine": ["lm1b"],
                "set": {"dram.bandwidth_gb_per_s": [1, 2, 4, 8]}}
        proc = sweep(spec, "--jobs", "2", "--no-plot")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("0 already done", proc.stderr)
        first = rows(spec["out"])
        points_dir = os.path.join(spec["out"], "points")
        names = sorted(os.listdir(points_dir))
        self.assertEqual(len(names), 4)
        # One result lost, one stored for other settings: both run again.
        os.unlink(os.path.join(points_dir, first[0]["point"] + ".json"))
        path = os.path.join(points_dir, first[1]["point"] + ".json")
        with open(path) as f:
            stored = json.load(f)
        stored["settings"]["set"]["dram.bandwidth_gb_per_s"] = 99
        with open(path, "w") as f:
            json.dump(stored, f)
        kept = {n: os.stat(os.path.join(points_dir, n)).st_mtime_ns for n in (first[2]["point"] + ".json",
                                                                               first[3]["point"] + ".json")}
        proc = sweep(spec, "--jobs", "2", "--no-plot")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("2 already done", proc.stderr)
        self.assertIn("2 to run", proc.stderr)
        for name, mtime in kept.items():
            self.assertEqual(os.stat(os.path.join(points_dir, name)).st_mtime_ns, mtime)
        self.assertEqual(rows(spec["out"]), first)

    def test_bad_spec_names_the_field(self):
        cases = [({"out": "x", "engines": ["lm1b"]}, "engines: unknown key"),
                 ({"engine": ["lm1b"]}, "out: required"),
                 ({"out": "x", "engine": "lm1b"}, "engine: must be a non-empty list"),
                 ({"out": "x", "set": {"dram.latency_ns": 5}}, "set.dram.latency_ns: must be a non-empty list"),
                 ({"out": "x", "set": {"Bad Key": [1]}}, "not a platform key"),
                 ({"out": "x", "set": {"dram.latency_ns": [None]}}, "set.dram.latency_ns: values are"),
                 ({"out": "x", "jobs": -1}, "jobs: must be a whole number"),
                 ([1, 2], "(top level)")]
        for spec, message in cases:
            proc = sweep(spec)
            self.assertEqual(proc.returncode, 2, (spec, proc.stderr))
            self.assertIn(message, proc.stderr)
        proc = sweep({"out": self.out("x"), "workload": ["tiny-conv"]}, "--dask", "no address")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--dask: no address: cannot connect", proc.stderr)
        proc = subprocess.run([LOOMVP, "sweep", self.out("missing.json")], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("cannot read", proc.stderr)


if __name__ == "__main__":
    unittest.main()
