"""Importer tests: the integer reference (tools/loomvp_ref.py, numpy im2col) of an imported
bundle equals an independent PyTorch computation of the same quantized network (torch
conv/pool/linear in float64 on integer tensors, exact below 2^53), layer by layer.

The big networks run only with LOOMVP_BIG_TESTS=1 (CTest label `big`)."""
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))
import import_model as im  # noqa: E402
import loomvp_ref as ref  # noqa: E402
import networks  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(1)


def torch_integer_forward(bundle):
    """Every layer of a bundle computed with torch ops on float64 integer tensors."""
    with open(os.path.join(bundle, "network.json")) as f:
        net = json.load(f)

    def load(src):
        return torch.from_numpy(np.load(os.path.join(bundle, src["file"])).astype(np.float64))

    t = {net["input"]["name"]: load(net["input"]["data"])[None]}
    for L in net["layers"]:
        if L["type"] == "concat":
            t[L["name"]] = torch.cat([t[n] for n in L["inputs"]], 1)
            continue
        x = t[L["input"]] if "input" in L else None
        if L["type"] == "conv":
            acc = F.conv2d(x, load(L["weights"]), load(L["bias"]), L["stride"], L["pad"], 1,
                           L["groups"])
        elif L["type"] == "fc":
            w = load(L["weights"]).reshape(L["outputs"], -1)
            acc = (x.reshape(1, -1) @ w.T + load(L["bias"]))[:, :, None, None]
        elif L["type"] == "maxpool":
            acc = F.max_pool2d(x, L["kernel"], L["stride"], L["pad"])
        elif L["type"] == "avgpool":
            n = L["kernel"][0] * L["kernel"][1]
            s = torch.round(F.avg_pool2d(x, L["kernel"], L["stride"], L["pad"]) * n)
            acc = torch.floor((2 * s + n) / (2 * n))
        else:
            acc = t[L["inputs"][0]] + t[L["inputs"][1]]
        if L.get("relu"):
            acc = torch.clamp(acc, min=0)
        if L.get("shift"):
            acc = torch.floor((acc + 2 ** (L["shift"] - 1)) / 2 ** L["shift"])
        p = L["out_prec"]
        lo, hi = (-2 ** (p - 1), 2 ** (p - 1) - 1) if L.get("out_signed") else (0, 2 ** p - 1)
        t[L["name"]] = torch.clamp(acc, lo, hi)
    return {k: v[0].numpy().astype(np.int64) for k, v in t.items()}


class Inception(nn.Module):
    """An inception-like block: four branches (1x1, 1x1->3x3, 1x1->5x5, pool->1x1), concat,
    then a residual-style add with a projection, global pool and fc."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 24, 3, padding=1), nn.BatchNorm2d(24), nn.ReLU())
        self.b1 = nn.Sequential(nn.Conv2d(24, 16, 1), nn.ReLU())
        self.b2 = nn.Sequential(nn.Conv2d(24, 8, 1), nn.ReLU(), nn.Conv2d(8, 32, 3, padding=1),
                                nn.ReLU())
        self.b3 = nn.Sequential(nn.Conv2d(24, 8, 1), nn.ReLU(), nn.Conv2d(8, 16, 5, padding=2),
                                nn.ReLU())
        self.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(24, 9, 1), nn.ReLU())
        self.proj = nn.Conv2d(73, 40, 1, bias=False)
        self.side = nn.Conv2d(73, 40, 3, padding=1, groups=1)
        self.fc = nn.Linear(40, 10)

    def forward(self, x):
        x = self.stem(x)
        x = torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)
        x = torch.relu(self.proj(x) + self.side(x))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def _seeded(model, seed=3):
    torch.manual_seed(seed)
    networks.init_weights(model, torch, nn)
    return model.eval()


class ImportTest(unittest.TestCase):
    def assert_torch_equals_ref(self, bundle):
        got = ref.run_network(bundle)
        want = torch_integer_forward(bundle)
        self.assertEqual(set(got), set(want))
        for name in want:
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)
        return got

    def test_inception_block_concat_bit_exact(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "inc.onnx")
            m = _seeded(Inception())
            torch.onnx.export(m, torch.zeros(1, 3, 12, 10), path, opset_version=13)
            im.import_onnx(path, os.path.join(d, "b"), pa=7, pw=6)
            with open(os.path.join(d, "b", "network.json")) as f:
                net = json.load(f)
            kinds = [L["type"] for L in net["layers"]]
            self.assertEqual(kinds.count("concat"), 1)
            self.assertIn("add", kinds)
            out = self.assert_torch_equals_ref(os.path.join(d, "b"))
            cat = next(L for L in net["layers"] if L["type"] == "concat")
            np.testing.assert_array_equal(out[cat["name"]],
                                          np.concatenate([out[n] for n in cat["inputs"]]))
            # the float model's top class survives quantization on this sample
            final = out[net["layers"][-1]["name"]].reshape(-1)
            self.assertGreater(len(set(final.tolist())), 1)

    def test_quantized_output_tracks_float(self):
        """Integer logits times the output scale approximate the float logits."""
        m = _seeded(nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                  nn.Linear(16 * 4 * 4, 10)))
        name, shape, ops, final = im.ops_from_onnx(im.onnx_from_torch(m, (3, 10, 10)))
        imgs = networks.sample_images(5, (3, 10, 10), seed=4)
        layers, _, _, x_int, _, scale = im.import_ops(name, shape, ops, final, [(8, 8)] * 2,
                                                      imgs[:4], imgs[4])
        with torch.no_grad():
            want = m(torch.from_numpy(imgs[4:]).float()).numpy().reshape(-1)
        with tempfile.TemporaryDirectory() as d:
            net = im.write_bundle(d, "t", "", "uniform8", name, shape, 8, False, x_int, layers,
                                  [])
            got = ref.run_network(d)[net["layers"][-1]["name"]]
        err = np.abs(got.reshape(-1) * scale[final] - want).max()
        self.assertLess(err, 0.05 * np.abs(want).max())

    def test_unsupported_op_exit_2_names_node(self):
        m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Sigmoid())
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "sig.onnx")
            torch.onnx.export(m, torch.zeros(1, 3, 8, 8), path, opset_version=13)
            r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "import_model.py"),
                                "--onnx", path, "--out", os.path.join(d, "o")],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, r"node '[^']*Sigmoid[^']*': op Sigmoid cannot be mapped")

    def test_corrupt_onnx_exit_2(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.onnx")
            m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
            buf = io.BytesIO()
            torch.onnx.export(m, torch.zeros(1, 3, 8, 8), buf, opset_version=13)
            with open(path, "wb") as f:
                f.write(buf.getvalue()[: len(buf.getvalue()) // 2])
            r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "import_model.py"),
                                "--onnx", path, "--out", os.path.join(d, "o")],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("bad.onnx: not a valid ONNX model", r.stderr)

    def test_asymmetric_padding_names_node(self):
        import onnx
        from onnx import helper, TensorProto
        w = helper.make_tensor("w", TensorProto.FLOAT, [2, 1, 3, 3], [0.1] * 18)
        node = helper.make_node("Conv", ["x", "w"], ["y"], name="odd_pad", pads=[0, 0, 1, 1])
        g = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 5, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
        with self.assertRaisesRegex(im.ModelError, "node 'odd_pad' \\(Conv\\): pads"):
            im.ops_from_onnx(helper.make_model(g))
        self.assertTrue(onnx)


@unittest.skipUnless(os.environ.get("LOOMVP_BIG_TESTS"), "big networks: LOOMVP_BIG_TESTS=1")
class NetworksTest(unittest.TestCase):
    """Every built-in network, default profile: loomvp_ref == torch integer forward."""

    def test_networks(self):
        for name in networks.DESCRIPTIONS:
            with self.subTest(network=name), tempfile.TemporaryDirectory() as d:
                im.import_network(name, None, d, progress=lambda m: None)
                ImportTest.assert_torch_equals_ref(self, d)


if __name__ == "__main__":
    unittest.main()
