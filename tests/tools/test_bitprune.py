"""The bitlength learner: a short run (a fraction of an epoch) writes a valid bundle whose
integer reference equals PyTorch's integer computation; the quantizer interpolates."""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bitprune_train as bt  # noqa: E402
import import_model as im  # noqa: E402
import loomvp_ref as ref  # noqa: E402
from test_import import torch_integer_forward  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(1)


class BitPruneTest(unittest.TestCase):
    def test_short_run_writes_valid_bundle(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "fm")
            r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "bitprune_train.py"),
                                "--out", out, "--fraction", "0.01", "--epochs-float", "0.5",
                                "--epochs-bits", "0.5", "--epochs-tune", "0.5"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            with open(os.path.join(out, "network.json")) as f:
                net = json.load(f)
            kinds = [L["type"] for L in net["layers"]]
            self.assertEqual((kinds.count("conv"), kinds.count("fc")), (3, 2))
            with open(os.path.join(out, "training.json")) as f:
                learned = json.load(f)["learned_pa_pw"]
            weighted = [L for L in net["layers"] if L["type"] in ("conv", "fc")]
            self.assertEqual([L["pw"] for L in weighted], [p[1] for p in learned])
            self.assertEqual([L["pa"] for L in weighted], [p[0] for p in learned])
            got, want = ref.run_network(out), torch_integer_forward(out)
            for name in want:
                np.testing.assert_array_equal(got[name], want[name], err_msg=name)
            self.assertTrue(os.path.exists(os.path.join(out, "model.npz")))

    def test_quantizer_interpolates_between_bitlengths(self):
        net = bt.make_model()
        q = net.conv1.qw
        q.enabled = True
        x = torch.tensor([0.3, -0.7, 1.0])
        q.bits.data = torch.tensor(3.25)
        y = q(x)
        # 3 bits: step 1/3 -> [1/3, -2/3, 1]; 4 bits: step 1/7 -> [2/7, -5/7, 1]
        want = 0.75 * np.array([1 / 3, -2 / 3, 1]) + 0.25 * np.array([2 / 7, -5 / 7, 1])
        np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-6)
        y.sum().backward()  # d/dbits = q4 - q3 summed
        self.assertAlmostEqual(float(q.bits.grad), (2 / 7 - 1 / 3) + (-5 / 7 + 2 / 3), places=5)

    def test_truncated_idx_is_model_error(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.gz")
            with gzip.open(path, "wb") as f:
                f.write(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))  # says 5 labels, has 2
            with self.assertRaisesRegex(im.ModelError, "size does not match"):
                bt.read_idx(path)


if __name__ == "__main__":
    unittest.main()
