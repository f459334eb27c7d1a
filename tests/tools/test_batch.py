"""`loomvp run --batch` on the committed Fashion-MNIST bundle: the device's top-1 accuracy
over the fixed 500-image input set equals the one computed here by the independent numpy
reference (tools/loomvp_ref.py), image by image; bad --batch / --profile values exit 2.
Needs LOOMVP_BIN (set by CTest)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))
import loomvp_ref as ref  # noqa: E402

BIN = os.environ.get("LOOMVP_BIN")
BUNDLE = os.path.join(REPO, "workloads", "fmnist")


def reference_correct(count):
    """Images the integer reference classifies correctly among the first `count` set images,
    and those the float model (the set's float_predictions) does."""
    with open(os.path.join(BUNDLE, "network.json")) as f:
        net = json.load(f)
    images = np.load(os.path.join(BUNDLE, net["input_set"]["images"]["file"]))
    labels = np.load(os.path.join(BUNDLE, net["input_set"]["labels"]["file"]))
    floats = np.load(os.path.join(BUNDLE, net["input_set"]["float_predictions"]["file"]))
    last = net["layers"][-1]["name"]
    correct = 0
    with tempfile.TemporaryDirectory() as d:
        copy = os.path.join(d, "b")
        shutil.copytree(BUNDLE, copy)
        for i in range(count):
            np.save(os.path.join(copy, net["input"]["data"]["file"]), images[i])
            scores = ref.run_network(copy)[last].reshape(-1)
            correct += int(np.argmax(scores) == labels[i])  # argmax: first maximum wins
    return correct, int((floats[:count] == labels[:count]).sum())


@unittest.skipUnless(BIN, "LOOMVP_BIN not set")
class BatchTest(unittest.TestCase):
    def run_loomvp(self, *args):
        return subprocess.run([BIN, "run", "--workload", "fmnist", *args], capture_output=True,
                              text=True)

    def test_device_accuracy_equals_reference_on_500_images(self):
        r = self.run_loomvp("--batch", "500", "--jobs", "2", "--engine", "lm1b")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-2000:])
        m = re.search(r"device ([0-9.]+)%, host integer reference ([0-9.]+)%, float model "
                      r"([0-9.]+)%", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        want, want_float = reference_correct(500)
        # exactly: with 500 images a count k prints as 0.2 k with two decimals, so the
        # device classifies exactly as many images right as the numpy reference
        self.assertEqual(m.group(1), f"{100 * want / 500:.2f}")
        self.assertEqual(m.group(2), f"{100 * want / 500:.2f}")
        self.assertEqual(m.group(3), f"{100 * want_float / 500:.2f}")
        self.assertIn("batch: 500/500 images", r.stderr)

    def test_bad_batch_and_profile_exit_2(self):
        for args, text in ((["--batch", "0"], "--batch: 0: allowed 1..500"),
                           (["--batch", "501"], "--batch: 501: allowed 1..500"),
                           (["--profile", "stripes-99"], "--profile: stripes-99: network 'fmnist' "
                                                         "has profiles learned, uniform16, uniform8")):
            r = self.run_loomvp(*args)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(text, r.stderr)
        r = subprocess.run([BIN, "run", "--workload", "tiny-conv", "--batch", "2"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("has no input set", r.stderr)


if __name__ == "__main__":
    unittest.main()
