"""The independent check of the architect tools: one separate `loomvp run`
($LOOMVP_BIN) with --set settings, returning its stats' totals."""
import json
import os
import subprocess
import tempfile

LOOMVP = os.environ.get("LOOMVP_BIN", "")


def run_totals(workload, engine, *settings):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "stats.json")
        args = [LOOMVP, "run", "--workload", workload, "--engine", engine, "--quiet", "--stats", path]
        for s in settings:
            args += ["--set", s]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        with open(path) as f:
            return json.load(f)["totals"]
