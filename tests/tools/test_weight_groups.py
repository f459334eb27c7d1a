"""tools/weight_groups.py: Pw_g on a hand-worked tensor, exit 2 on a bad bundle, and
the same per-layer MAC-weighted mean Pw_g as the simulator's `pw_group_avg` (and
the simulator's weight traffic equal to the table entries plus Pw_g planes) on
the learned Fashion-MNIST bundle and on tiny-conv. The comparison needs
LOOMVP_BIN (set by CTest)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(REPO, "tools", "weight_groups.py")
sys.path.insert(0, os.path.join(REPO, "tools"))
import weight_groups as wg  # noqa: E402

BIN = os.environ.get("LOOMVP_BIN")


class GroupPrecisionTest(unittest.TestCase):
    def test_hand_worked_groups(self):
        # 130 filters x 20 channels x 1: blocks of 128 and 2 filters, bricks of 16 and 4 channels.
        w = np.zeros((130, 20, 1), dtype=np.int64)
        w[5, 3, 0] = 3      # block 0, brick 0: 3 bits
        w[7, 15, 0] = -4    # block 0, brick 0: 3 bits
        w[128, 2, 0] = -128  # block 1, brick 0: 8 bits
        w[129, 17, 0] = 5   # block 1, brick 1: 4 bits; block 0, brick 1 all zero: 1 bit
        s = wg.layer_summary("x", "conv", w, 1, 8)
        self.assertEqual(s["groups"], 4)
        self.assertEqual(s["histogram"], {"1": 1, "3": 1, "4": 1, "8": 1})
        self.assertAlmostEqual(s["pw_group_avg"], (128 * 16 * 3 + 128 * 4 * 1 + 2 * 16 * 8 + 2 * 4 * 4) / 2600)
        self.assertEqual(s["flat_bytes"], 130 * 2 * 8 * 2)
        self.assertEqual(s["grouped_bytes"], 64 + 128 * 3 * 2 + 128 * 2 + 2 * 8 * 2 + 2 * 4 * 2)

    def test_clamped_to_the_layer_pw_and_grouped_conv(self):
        w = np.full((4, 3, 2), 5, dtype=np.int64)  # 2 groups of 2 filters x 3 channels x 2 positions
        w[2:, :, 1] = 0
        prec, _, _ = wg.group_precisions(w, 2, 3)  # 5 needs 4 bits: clamped to Pw 3
        self.assertEqual(prec.tolist(), [[[[3], [3]]], [[[3], [1]]]])

    def test_bad_bundle_exits_2(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "network.json"), "w") as f:
                f.write('{"format": "other"}')
            r = subprocess.run([sys.executable, TOOL, d], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("network.json", r.stderr)


@unittest.skipUnless(BIN, "LOOMVP_BIN not set (run through CTest)")
class SimulatorAgreesTest(unittest.TestCase):
    def check(self, bundle):
        out = subprocess.run([sys.executable, TOOL, bundle, "--json"], capture_output=True, text=True, check=True)
        tool = {L["name"]: L for L in json.loads(out.stdout)["layers"]}
        with tempfile.TemporaryDirectory() as d:
            stats_path = os.path.join(d, "stats.json")
            # Space-to-depth off: the device's conv1 keeps the bundle's weights.
            subprocess.run([BIN, "run", "--workload", bundle, "--engine", "lm1b",
                            "--set", "loom.weight_group_precision=true", "--set", "compiler.space_to_depth=false",
                            "--stats", stats_path], capture_output=True, check=True)
            with open(stats_path) as f:
                stats = json.load(f)
        sim = {L["name"]: L for L in stats["layers"] if L["type"] in ("conv", "fc")}
        self.assertEqual(sorted(sim), sorted(tool))
        for name, L in sim.items():
            with self.subTest(layer=name):
                self.assertAlmostEqual(L["pw_group_avg"], tool[name]["pw_group_avg"], places=9)
                # Weights read once: the table's entries plus the planes (no padding).
                t = tool[name]
                entries = t["groups"]
                planes = t["grouped_bytes"] - -(-entries // 64) * 64
                self.assertEqual(L["dram_bytes_by_kind"]["weights"], entries + planes)
        return sim, tool

    def test_fmnist(self):
        sim, tool = self.check(os.path.join(REPO, "workloads", "fmnist"))
        self.assertLess(tool["fc1"]["pw_group_avg"], tool["fc1"]["pw"])  # learned weights: some groups narrower

    def test_tiny_conv(self):
        self.check(os.path.join(REPO, "workloads", "tiny-conv"))


if __name__ == "__main__":
    unittest.main()
