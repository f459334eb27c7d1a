"""loomvp.run_workload: the stats dict of a run, with overrides, and bad
input as ValueError. Runs in child processes, so any number per process."""
import json
import os
import subprocess

import pytest

import loomvp


def test_run_returns_stats_dict_matching_the_cli(tmp_path):
    stats = loomvp.run_workload("tiny-conv", engine="lm1b")
    assert stats["schema"] == "loomvp-stats" and stats["passed"] is True
    assert stats["engine"] == "lm1b"
    assert stats["loomvp"] == {"version": loomvp.__version__, "revision": loomvp.REVISION}
    assert all(layer["mismatches"] == 0 for layer in stats["layers"])
    # The same run through the command line: the same layers and cycles.
    subprocess.run([os.environ["LOOMVP_BIN"], "run", "--workload", "tiny-conv", "--engine", "lm1b", "--quiet",
                    "--stats", str(tmp_path / "cli.json")], check=True)
    cli = json.loads((tmp_path / "cli.json").read_text())
    assert [l["cycles"] for l in stats["layers"]] == [l["cycles"] for l in cli["layers"]]
    assert stats["totals"] == cli["totals"]


def test_overrides_reach_the_platform():
    stats = loomvp.run_workload("tiny-conv", overrides=["loom.engine=stripes", "loom.clock_mhz=500"])
    assert stats["engine"] == "stripes"
    assert stats["platform"]["loom"]["clock_mhz"] == 500
    assert stats["passed"] is True


def test_bad_input_is_value_error():
    with pytest.raises(ValueError, match="engine"):
        loomvp.run_workload("tiny-conv", engine="lm3b")
    with pytest.raises(ValueError):
        loomvp.run_workload("no-such-workload")
