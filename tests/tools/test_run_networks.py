"""tools/run_networks.py on the committed Fashion-MNIST bundle (profile learned, no
generation): one run per engine, the CSV/Markdown rows carry each run's cycles from its
stats file and lm1b's speedup = base cycles / lm1b cycles; a bad network name is exit 2.
Needs LOOMVP_BIN (set by CTest)."""
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(REPO, "tools", "run_networks.py")
BIN = os.environ.get("LOOMVP_BIN")


@unittest.skipUnless(BIN, "LOOMVP_BIN not set")
class RunNetworksTest(unittest.TestCase):
    def test_fmnist_learned_table(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([sys.executable, TOOL, "--loomvp", BIN, "--out", d, "--networks",
                                "fmnist", "--profiles", "learned", "--jobs", "1"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            cycles = {}
            for e in ("lm1b", "base"):
                with open(os.path.join(d, f"fmnist__learned__{e}.json")) as f:
                    stats = json.load(f)
                self.assertTrue(stats["result"]["passed"])
                cycles[e] = sum(L["cycles"] for L in stats["layers"])
            self.assertLess(cycles["lm1b"], cycles["base"])
            with open(os.path.join(d, "networks.csv")) as f:
                rows = {row["engine"]: row for row in csv.DictReader(f)}
            self.assertEqual(set(rows), {"lm1b", "base"})
            for e in rows:
                self.assertEqual(int(rows[e]["cycles"]), cycles[e])
                self.assertEqual(rows[e]["passed"], "True")
            want = cycles["base"] / cycles["lm1b"]
            self.assertAlmostEqual(float(rows["lm1b"]["speedup_lm1b_over_base"]), want, places=3)
            with open(os.path.join(d, "networks.md")) as f:
                md = f.read()
            self.assertIn(f"| fmnist | learned | {cycles['base']:,} | {cycles['lm1b']:,} | yes, yes "
                          f"| {want:.2f}x |", md)

    def test_unknown_network_exit_2(self):
        r = subprocess.run([sys.executable, TOOL, "--loomvp", BIN, "--networks", "lenet"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("'lenet' is not a network", r.stderr)


if __name__ == "__main__":
    unittest.main()
