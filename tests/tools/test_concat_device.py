"""Inception concatenation on the device: an inception-like block (4 branches written in
place into one tensor through OUT_C_OFFSET / OUT_C_TOTAL, then two convs and a pool reading
the concatenation) imported from PyTorch runs on lm1b and base, and every layer's output
as read back from DRAM equals PyTorch's computation of the same quantized block
(test_import.torch_integer_forward), compared through the stats' per-layer FNV-1a hash.
Needs LOOMVP_BIN (set by CTest)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_import as ti  # noqa: E402

BIN = os.environ.get("LOOMVP_BIN")


def fnv1a64(values):
    """FNV-1a 64 over int32 values, each as 4 little-endian bytes (docs/stats-format.md)."""
    h = 0xcbf29ce484222325
    for b in np.asarray(values, dtype="<i4").tobytes():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


@unittest.skipUnless(BIN, "LOOMVP_BIN not set")
class ConcatDeviceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        path = os.path.join(d, "inc.onnx")
        torch.onnx.export(ti._seeded(ti.Inception()), torch.zeros(1, 3, 12, 10), path,
                          opset_version=13)
        cls.bundle = os.path.join(d, "inception")
        ti.im.import_onnx(path, cls.bundle, pa=7, pw=6)
        with open(os.path.join(cls.bundle, "network.json")) as f:
            cls.net = json.load(f)
        cls.want = ti.torch_integer_forward(cls.bundle)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_engine(self, engine):
        stats = os.path.join(self.tmp.name, f"{engine}.json")
        r = subprocess.run([BIN, "run", "--workload", self.bundle, "--engine", engine, "--stats",
                            stats], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        with open(stats) as f:
            return json.load(f)

    def test_block_bit_exact_against_torch(self):
        cat = next(L for L in self.net["layers"] if L["type"] == "concat")
        parts = cat["inputs"]
        # the parts are 16, 32, 16 and 9 channels: offsets 0, 16, 48, 64 of 73
        self.assertEqual([self.want[p].shape[0] for p in parts], [16, 32, 16, 9])
        readers = [L["name"] for L in self.net["layers"] if L.get("input") == cat["name"]]
        self.assertEqual(len(readers), 2)  # proj and side read the concatenation
        device_layers = [L["name"] for L in self.net["layers"] if L["type"] != "concat"]
        for engine in ("lm1b", "base"):
            with self.subTest(engine=engine):
                stats = self.run_engine(engine)
                got = {L["name"]: L for L in stats["layers"]}
                # no copy layer: the device ran exactly the bundle's non-concat layers
                self.assertEqual([L["name"] for L in stats["layers"]], device_layers)
                for name in device_layers:
                    self.assertTrue(got[name]["ran"], name)
                    self.assertEqual(got[name]["output_fnv1a64"],
                                     fnv1a64(self.want[name].reshape(-1)), name)
                # in place: the parts write the concatenation's 5 bricks of 16 channels
                # (73 channels, 12 x 10, at the stored precision) once between them, and
                # each reader reads exactly that tensor
                pa = got[readers[0]]["stored_precision"]["pa"]
                whole = 5 * 16 * 12 * 10 * pa // 8
                self.assertEqual(sum(got[p]["dram_bytes_by_kind"]["output"] for p in parts), whole)
                for r in readers:
                    self.assertEqual(got[r]["dram_bytes_by_kind"]["input"], whole, r)

    def test_hash_helper(self):
        # FNV-1a 64 of the empty input is the offset basis; of one zero int32 by hand
        self.assertEqual(fnv1a64([]), "cbf29ce484222325")
        h = 0xcbf29ce484222325
        for _ in range(4):
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        self.assertEqual(fnv1a64([0]), f"{h:016x}")


if __name__ == "__main__":
    unittest.main()
