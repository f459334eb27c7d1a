"""Tests of the Python tools (tools/). Run: /usr/bin/python3 -m unittest discover -s tests/tools"""
import filecmp
import json
import os
import sys
import tempfile
import unittest

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tools"))
import loomvp_prng  # noqa: E402
import loomvp_ref as ref  # noqa: E402
import make_workloads  # noqa: E402
import pack_bitplanes as pb  # noqa: E402



class PackTest(unittest.TestCase):
    def test_act_round_trip(self):
        rng = np.random.default_rng(1)
        for c, h, w, p, signed in [(19, 3, 2, 5, False), (16, 1, 1, 16, True),
                                   (1, 2, 2, 1, False), (33, 2, 1, 7, True), (40, 1, 3, 1, True)]:
            lo, hi = (-(1 << (p - 1)), (1 << (p - 1)) - 1) if signed else (0, (1 << p) - 1)
            x = rng.integers(lo, hi + 1, (c, h, w))
            data = pb.pack_act(x, p, signed)
            self.assertEqual(len(data), h * w * -(-c // 16) * p * 2)
            np.testing.assert_array_equal(pb.unpack_act(data, x.shape, p, signed), x)

    def test_weight_round_trip(self):
        rng = np.random.default_rng(2)
        for f, cg, kh, kw, p in [(3, 7, 3, 2, 9), (2, 16, 1, 1, 16), (5, 17, 2, 3, 1)]:
            w = rng.integers(-(1 << (p - 1)), 1 << (p - 1), (f, cg, kh, kw))
            data = pb.pack_weights(w, p)
            self.assertEqual(len(data), f * kh * kw * -(-cg // 16) * p * 2)
            np.testing.assert_array_equal(pb.unpack_weights(data, w.shape, p), w)
        b = rng.integers(-2**31, 2**31, 9)
        np.testing.assert_array_equal(pb.unpack_bias(pb.pack_bias(b)), b)

    def test_layout(self):
        x = np.zeros((17, 1, 2), np.int64)
        x[3, 0, 0] = 3      # position (0,0), brick 0, bits 0 and 1 of lane 3
        x[16, 0, 1] = -1    # position (0,1), brick 1, lane 0, all planes (signed)
        words = np.frombuffer(pb.pack_act(x, 3, signed=True), "<u2").reshape(2, 2, 3)
        np.testing.assert_array_equal(words[0, 0], [8, 8, 0])
        np.testing.assert_array_equal(words[1, 1], [1, 1, 1])
        self.assertFalse(words[0, 1].any() or words[1, 0].any())

    def test_fc_weights_2d(self):
        w = np.arange(-12, 12).reshape(2, 12)  # [F, C*H*W] with C,H,W = 3,2,2
        self.assertEqual(pb.pack_weights(w, 5, chw=(3, 2, 2)),
                         pb.pack_weights(w.reshape(2, 3, 2, 2), 5))

    def test_rejects_out_of_range(self):
        with self.assertRaisesRegex(ValueError, "does not fit 5-bit unsigned"):
            pb.pack_act(np.full((2, 1, 1), 32), 5)
        with self.assertRaisesRegex(ValueError, "does not fit 5-bit unsigned"):
            pb.pack_act(np.full((2, 1, 1), -1), 5)
        with self.assertRaisesRegex(ValueError, "does not fit 4-bit signed"):
            pb.pack_act(np.full((2, 1, 1), 8), 4, signed=True)
        with self.assertRaisesRegex(ValueError, "does not fit 9-bit signed"):
            pb.pack_weights(np.full((1, 1, 1, 1), -257), 9)
        with self.assertRaises(ValueError):
            pb.pack_act(np.zeros((2, 1, 1), int), 17)
        with self.assertRaises(ValueError):
            pb.pack_bias(np.array([2**31]))

    def test_golden_files(self):
        d = os.path.join(REPO, "tests", "data", "bitplane")
        for name in ("act_c19_h3_w2_p5_unsigned", "act_c16_h1_w1_p16_signed",
                     "weight_f3_c7_k3x2_p9"):
            x = np.load(os.path.join(d, name + ".npy"))
            p = int(name.split("_p")[1].split("_")[0])
            packed = (pb.pack_weights(x, p) if name.startswith("weight")
                      else pb.pack_act(x, p, name.endswith("_signed")))
            with open(os.path.join(d, name + ".bin"), "rb") as f:
                self.assertEqual(f.read(), packed, name)


class PrngTest(unittest.TestCase):
    def test_first_value_seed0(self):
        self.assertEqual(int(loomvp_prng.splitmix64(0, 1)[0]), 0xE220A8397B1DCDAF)

    def test_matches_scalar_definition(self):
        m = (1 << 64) - 1
        state, expect = 42, []
        for _ in range(3 * 5 * 7):
            state = (state + 0x9E3779B97F4A7C15) & m
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
            expect.append(-100 + ((z ^ (z >> 31)) % 201))
        got = loomvp_prng.uniform((3, 5, 7), 42, -100, 100)
        self.assertEqual(got.dtype, np.int64)
        self.assertEqual(got.ravel().tolist(), expect)
        golden = np.load(os.path.join(REPO, "tests", "data", "prng",
                                      "uniform_seed42_shape3x5x7_lo-100_hi100.npy"))
        np.testing.assert_array_equal(golden, got)


class RefTest(unittest.TestCase):
    def test_conv_hand_computed(self):
        # 1 channel 3x3 input, one 2x2 filter, stride 1, pad 0, bias 10.
        x = np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]])
        w = np.array([[[[1, 0], [0, -1]]]])
        acc = ref.conv_acc(x, w, [10])
        np.testing.assert_array_equal(acc, [[[1 - 5 + 10, 2 - 6 + 10], [4 - 8 + 10, 5 - 9 + 10]]])
        # pad 1, stride 2: windows centred on the corners; top-left sees only x[0][0] * w[1][1].
        acc = ref.conv_acc(x, w, [0], stride=(2, 2), pad=(1, 1))
        np.testing.assert_array_equal(acc, [[[-1, -3], [-7, 5 - 9]]])

    def test_conv_matches_naive_loops(self):
        rng = np.random.default_rng(3)
        c, h, w, f, g, kh, kw, s, p = 6, 5, 7, 4, 2, 3, 2, (2, 1), (1, 0)
        x = rng.integers(-9, 10, (c, h, w))
        wt = rng.integers(-9, 10, (f, c // g, kh, kw))
        b = rng.integers(-50, 50, f)
        acc = ref.conv_acc(x, wt, b, s, p, g)
        oh, ow = ref.out_hw(h, w, (kh, kw), s, p)
        self.assertEqual(acc.shape, (f, oh, ow))
        for fi in range(f):
            gi = fi // (f // g)
            for oy in range(oh):
                for ox in range(ow):
                    t = b[fi]
                    for ci in range(c // g):
                        for ky in range(kh):
                            for kx in range(kw):
                                iy, ix = oy * s[0] + ky - p[0], ox * s[1] + kx - p[1]
                                if 0 <= iy < h and 0 <= ix < w:
                                    t += wt[fi, ci, ky, kx] * x[gi * c // g + ci, iy, ix]
                    self.assertEqual(acc[fi, oy, ox], t)

    def test_pools_and_postprocess(self):
        x = np.array([[[-5, 1], [2, -8]]])
        np.testing.assert_array_equal(ref.maxpool_acc(x, (2, 2), (1, 1), (1, 1))[0],
                                      [[-5, 1, 1], [2, 2, 1], [2, 2, -8]])
        # avg over 2x2 with padding counted: top-left = -5/4 = -1.25 -> -1; sum -10/4 -> -2.5 -> -2
        np.testing.assert_array_equal(ref.avgpool_acc(x, (2, 2), (1, 1), (1, 1))[0, 0, 0], -1)
        np.testing.assert_array_equal(ref.avgpool_acc(x, (2, 2))[0, 0, 0], -2)
        v = ref.postprocess([-7, -6, 5, 6, 300], relu=False, shift=2, prec=4, signed=True)
        np.testing.assert_array_equal(v, [-2, -1, 1, 2, 7])  # (-7+2)>>2 = -2, floor
        np.testing.assert_array_equal(ref.postprocess([-3, 70], relu=True, prec=6), [0, 63])

    def test_bundle_errors(self):
        with tempfile.TemporaryDirectory() as d:
            net = {"format": "loomvp-workload", "version": 1, "name": "t",
                   "input": {"name": "data", "shape": [2, 3, 3], "prec": 4,
                             "data": {"uniform": {"seed": 1, "low": 0, "high": 15}}},
                   "layers": [{"name": "c", "type": "conv", "input": "data", "filters": 3,
                               "kernel": [3, 3], "pa": 4, "pw": 3, "out_prec": 8,
                               "weights": {"uniform": {"seed": 2, "low": -4, "high": 3}}}]}
            path = os.path.join(d, "network.json")

            def run(layer_patch):
                n = json.loads(json.dumps(net))
                n["layers"][0].update(layer_patch)
                with open(path, "w") as f:
                    json.dump(n, f)
                return ref.run_network(d)

            self.assertEqual(run({})["c"].shape, (3, 1, 1))
            for patch, msg in [({"pa": 5}, r"\.pa: 5 differs"), ({"strides": [1, 1]}, "unknown key"),
                               ({"pw": 2}, r"weights: values .* outside \[-2, 1\]"),
                               ({"groups": 2}, "does not divide"), ({"input": "c"}, "earlier"),
                               ({"weights": {"file": "../w.npy"}}, "inside the bundle")]:
                with self.assertRaisesRegex(ref.BundleError, msg):
                    run(patch)


class WorkloadsTest(unittest.TestCase):
    def test_tiny_bundles_reproducible(self):
        with tempfile.TemporaryDirectory() as d:
            for name, fn in make_workloads.TINY.items():
                fn(d)
                new, old = (os.path.join(r, "workloads", name) for r in (d, REPO))
                self._same_tree(new, old)
                for layer, ok in ref.check_expected(new):
                    self.assertTrue(ok, f"{name}/{layer}")

    def _same_tree(self, a, b):
        cmp = filecmp.dircmp(a, b)
        self.assertFalse(cmp.left_only or cmp.right_only or cmp.funny_files,
                         f"{a} vs {b}: {cmp.left_only} {cmp.right_only}")
        _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
        self.assertFalse(mismatch or errors, f"{b}: differs in {mismatch + errors}")
        for sub in cmp.common_dirs:
            self._same_tree(os.path.join(a, sub), os.path.join(b, sub))


if __name__ == "__main__":
    unittest.main()
