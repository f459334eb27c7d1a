#!/usr/bin/python3
"""(Re)create LoomVP's generated workload bundles and golden test data, deterministically.

  workloads/tiny-conv     awkward shapes, .npy tensors, expected outputs
  workloads/tiny-resnet   signed input, residual add, avgpool, expected outputs
  workloads/tiny-1x1      1x1 maps, all tensors "uniform", expected outputs
  workloads/alexnet       ImageNet shapes, profile dnnsim-example, all "uniform",
                          no expected files (too big to commit)
  tests/data/bitplane     packer golden files for the C++ unit tests
  tests/data/prng         splitmix64 "uniform" golden files

Every shift is calibrated on the real seeded data, layer by layer: the smallest
shift for which at most a target fraction of outputs saturate (0.5% for AlexNet;
3% for tiny nets, so that the saturation path is exercised by their tests).

usage: make_workloads.py [--root REPO] [--only NAME ...]
"""
import argparse
import json
import os
import shutil
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core is enough (and asked for)
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loomvp_ref as ref  # noqa: E402
import pack_bitplanes as pb  # noqa: E402
from loomvp_prng import uniform  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _rng(prec, signed):
    return (-(1 << (prec - 1)), (1 << (prec - 1)) - 1) if signed else (0, (1 << prec) - 1)


def _dump(net):
    """network.json text: one line per layer / calibration row, stable across runs."""
    parts = []
    for k, v in net.items():
        if k in ("layers", "calibration"):
            rows = ",\n".join("    " + json.dumps(x) for x in v)
            parts.append(f'  "{k}": [\n{rows}\n  ]')
        else:
            parts.append(f'  "{k}": {json.dumps(v)}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


class Builder:
    """Builds a bundle layer by layer, computing outputs to calibrate shifts.

    files=True stores tensors as .npy under data/ (dtype chosen per tensor);
    otherwise tensors are {"uniform"} sources. Seeds: input seed0+1, the k-th
    layer with weights seed0+10k+1 (weights) and seed0+10k+2 (bias).
    """

    def __init__(self, name, shape, prec, signed, seed0=0, files=False, sat_target=0.03,
                 input_dtype="int16"):
        self.name, self.seed0, self.files, self.sat_target = name, seed0, files, sat_target
        self.layers, self.calib, self.npy = [], [], {}
        self.nweighted = 0
        lo, hi = _rng(prec, signed)
        x = uniform(shape, seed0 + 1, lo, hi)
        self.input = {"name": "data", "shape": list(shape), "prec": prec, "signed": signed,
                      "data": self._source("data", x, seed0 + 1, lo, hi, input_dtype)}
        self.t = {"data": x}
        self.meta = {"data": (prec, signed)}

    def _source(self, tname, arr, seed, lo, hi, dtype):
        if not self.files:
            return {"uniform": {"seed": seed, "low": lo, "high": hi}}
        rel = f"data/{tname}.npy"
        self.npy[rel] = arr.astype(dtype)
        return {"file": rel}

    def _finish(self, L, acc, out_prec, out_signed, relu, shift):
        out = ref.postprocess(acc, relu, shift, out_prec, out_signed)
        self.t[L["name"]], self.meta[L["name"]] = out, (out_prec, out_signed)
        self.layers.append(L)
        return out

    def _calibrate(self, raw, out_prec, out_signed, relu, bias_fn):
        """Smallest shift with <= sat_target saturated outputs; bias depends on the shift."""
        lo, hi = _rng(out_prec, out_signed)
        for s in range(32):
            b = bias_fn(s)
            acc = raw if b is None else raw + b.reshape((-1,) + (1,) * (raw.ndim - 1))
            v = np.maximum(acc, 0) if relu else acc
            if s:
                v = (v + (1 << (s - 1))) >> s
            if np.mean((v < lo) | (v > hi)) <= self.sat_target:
                return s, b, acc
        raise RuntimeError("no shift below 32 avoids saturation")

    def _record(self, name, shift, acc, out, out_prec, out_signed, relu):
        lo, hi = _rng(out_prec, out_signed)
        v = np.maximum(acc, 0) if relu else acc
        pre = (v + ((1 << shift) >> 1)) >> shift
        msb = (np.abs(out) >= (1 << (out_prec - 2))) if out_signed else (out >= (1 << (out_prec - 1)))
        self.calib.append({
            "layer": name, "shift": shift,
            "zeros_pct": round(100 * float(np.mean(out == 0)), 2),
            "saturated_pct": round(100 * float(np.mean((pre < lo) | (pre > hi))), 2),
            "top_bit_pct": round(100 * float(np.mean(msb)), 2),
            "acc_max": int(v.max()), "out_min": int(out.min()), "out_max": int(out.max()),
            "out_sum": int(out.sum())})

    def weighted(self, typ, name, src, n_out, pw, out_prec, out_signed=False, relu=True,
                 kernel=(1, 1), stride=(1, 1), pad=(0, 0), groups=1,
                 w_dtype="int16", fc_2d=False):
        """A conv (typ "conv") or fc (typ "fc") layer with calibrated shift."""
        self.nweighted += 1
        sw, sb = self.seed0 + 10 * self.nweighted + 1, self.seed0 + 10 * self.nweighted + 2
        x = self.t[src]
        c, h, w = x.shape
        # Symmetric range: the full two's complement range has mean -1/2, which with
        # low Pw and large fan-in (fc7: Pw 4, 4096 inputs) pushes every accumulator
        # negative (all zeros after ReLU). Pw bits are still needed for +-(2^(Pw-1)-1).
        whi = (1 << (pw - 1)) - 1
        wlo = -whi if pw > 1 else -1
        wshape = ((n_out, c // groups) + tuple(kernel) if typ == "conv" else
                  (n_out, c * h * w) if fc_2d else (n_out, c, h, w))
        wt = uniform(wshape, sw, wlo, whi)
        if self.files:  # .npy bundles also exercise the most negative code
            wt.reshape(-1)[0] = -(1 << (pw - 1))
        zero = np.zeros(n_out, np.int64)
        raw = (ref.conv_acc(x, wt, zero, stride, pad, groups) if typ == "conv"
               else ref.fc_acc(x, wt, zero))

        def bias_bound(s):  # +-(2^shift * 2^(out_prec-3)), kept inside int32
            return min(((1 << s) << out_prec) >> 3, 2**31 - 1)

        shift, b, acc = self._calibrate(
            raw, out_prec, out_signed, relu,
            lambda s: uniform(n_out, sb, -bias_bound(s), bias_bound(s)))
        L = {"name": name, "type": typ, "input": src}
        if typ == "conv":
            L.update(filters=n_out, kernel=list(kernel), stride=list(stride), pad=list(pad),
                     groups=groups)
        else:
            L.update(outputs=n_out)
        L.update(pa=self.meta[src][0], pw=pw, out_prec=out_prec, out_signed=out_signed,
                 shift=shift, relu=relu,
                 weights=self._source(f"{name}_weights", wt, sw, wlo, whi, w_dtype),
                 bias=self._source(f"{name}_bias", b, sb, -bias_bound(shift),
                                   bias_bound(shift), "int32"))
        out = self._finish(L, acc, out_prec, out_signed, relu, shift)
        self._record(name, shift, acc, out, out_prec, out_signed, relu)

    def pool(self, typ, name, src, kernel, stride=(1, 1), pad=(0, 0), shift=0, out_prec=None):
        """Pooling keeps its input's precision and signedness unless told otherwise."""
        prec, signed = self.meta[src]
        out_prec = prec if out_prec is None else out_prec
        fn = ref.maxpool_acc if typ == "maxpool" else ref.avgpool_acc
        acc = fn(self.t[src], kernel, stride, pad)
        L = {"name": name, "type": typ, "input": src, "kernel": list(kernel),
             "stride": list(stride), "pad": list(pad), "pa": prec, "out_prec": out_prec,
             "out_signed": signed, "shift": shift, "relu": False}
        self._finish(L, acc, out_prec, signed, False, shift)

    def add(self, name, a, b, out_prec, out_signed=False, relu=True):
        acc = self.t[a] + self.t[b]
        shift, _, _ = self._calibrate(acc, out_prec, out_signed, relu, lambda s: None)
        L = {"name": name, "type": "add", "inputs": [a, b], "out_prec": out_prec,
             "out_signed": out_signed, "shift": shift, "relu": relu}
        out = self._finish(L, acc, out_prec, out_signed, relu, shift)
        self._record(name, shift, acc, out, out_prec, out_signed, relu)

    def write(self, root, description, expected=True, profile=None):
        """Write the bundle, then re-run it from disk with loomvp_ref as a self-check."""
        d = os.path.join(root, "workloads", self.name)
        if os.path.isdir(d):
            shutil.rmtree(d)  # no stale tensors from an older layout
        os.makedirs(d)
        for rel, arr in self.npy.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            np.save(os.path.join(d, rel), arr)
        if expected:
            os.makedirs(os.path.join(d, "expected"))
            for L in self.layers:
                L["expected"] = {"file": f"expected/{L['name']}.npy"}
                np.save(os.path.join(d, L["expected"]["file"]), self.t[L["name"]].astype(np.int32))
        net = {"format": "loomvp-workload", "version": 1, "name": self.name,
               "description": description}
        if profile:
            net["profile"] = profile
        net.update(input=self.input, layers=self.layers)
        if self.calib:
            net["calibration"] = self.calib
        with open(os.path.join(d, "network.json"), "w") as f:
            f.write(_dump(net))
        again = ref.run_network(d)
        bad = [n for n in self.t if not np.array_equal(again[n], self.t[n])]
        if bad:
            raise RuntimeError(f"{self.name}: bundle re-run differs in {bad}")
        return d


def calib_table(b):
    rows = [f"{'layer':8s} {'shift':>5s} {'zeros%':>7s} {'sat%':>6s} {'top-bit%':>8s} "
            f"{'acc max':>10s} {'out range':>14s}"]
    for c in b.calib:
        rows.append(f"{c['layer']:8s} {c['shift']:5d} {c['zeros_pct']:7.2f} "
                    f"{c['saturated_pct']:6.2f} {c['top_bit_pct']:8.2f} {c['acc_max']:10d} "
                    f"{c['out_min']:6d}..{c['out_max']:<6d}")
    return "\n".join(rows)


# ------------------------------------------------------------------ bundles

def tiny_conv(root):
    b = Builder("tiny-conv", (19, 9, 11), 6, False, seed0=1000, files=True, input_dtype="uint8")
    b.weighted("conv", "conv1", "data", 21, pw=3, out_prec=5, kernel=(3, 3), stride=(2, 2),
               pad=(1, 1), w_dtype="int8")
    b.weighted("conv", "conv2", "conv1", 135, pw=5, out_prec=8, groups=3, w_dtype="int8")
    b.pool("maxpool", "pool1", "conv2", (3, 3), (2, 2), (1, 1))
    b.pool("avgpool", "pool2", "pool1", (2, 2), (2, 2), (1, 1), shift=1, out_prec=7)
    b.weighted("fc", "fc1", "pool2", 37, pw=11, out_prec=9, out_signed=True, relu=False,
               fc_2d=True)
    b.write(root, "Awkward shapes for bit-exact tests: 19 channels (partial bricks), stride 2 "
            "with padding, grouped 1x1 conv (3 groups of 7 channels, 135 filters), padded "
            "max/avg pooling (avgpool with a shift), fc with weights as [F, C*H*W], "
            "signed output. Tensors in .npy files of several integer dtypes.")
    return b


def tiny_resnet(root):
    b = Builder("tiny-resnet", (16, 8, 8), 7, True, seed0=2000, files=True, input_dtype="int8")
    b.weighted("conv", "conv_a", "data", 16, pw=6, out_prec=6, kernel=(3, 3), pad=(1, 1))
    b.weighted("conv", "conv_b", "conv_a", 16, pw=5, out_prec=7, out_signed=True, relu=False,
               kernel=(3, 3), pad=(1, 1), w_dtype="int8")
    b.add("res", "data", "conv_b", out_prec=7, relu=True)
    b.pool("avgpool", "pool", "res", (3, 3), (1, 1), (1, 1))
    b.weighted("fc", "fc", "pool", 10, pw=8, out_prec=12, out_signed=True, relu=False)
    b.write(root, "Residual block on a signed input: conv-relu, conv (signed output), "
            "add with the input + relu, 3x3 avgpool stride 1 pad 1, fc to 10 signed outputs.")
    return b


def tiny_1x1(root):
    b = Builder("tiny-1x1", (40, 1, 1), 8, False, seed0=3000, files=False)
    b.weighted("conv", "conv1", "data", 130, pw=6, out_prec=6)
    b.weighted("fc", "fc1", "conv1", 3, pw=8, out_prec=10, out_signed=True, relu=False)
    b.write(root, "1x1 maps: conv 1x1 40->130 filters (more than one 128-filter block), "
            "fc to 3. All tensors are \"uniform\" sources; expected outputs as .npy.")
    return b


# dnnsim-example profile (papers/PRECISIONS.md): Pa and Pw of conv1..fc8.
ALEXNET_PA = [8, 7, 5, 6, 6, 5, 5, 4]
ALEXNET_PW = [9, 9, 8, 9, 9, 6, 4, 7]


def alexnet(root):
    pa, pw = ALEXNET_PA, ALEXNET_PW
    b = Builder("alexnet", (3, 227, 227), 8, False, seed0=0, files=False, sat_target=0.005)
    # out_prec of each compute layer = the next compute layer's Pa; pools keep theirs.
    b.weighted("conv", "conv1", "data", 96, pw[0], pa[1], kernel=(11, 11), stride=(4, 4))
    b.pool("maxpool", "pool1", "conv1", (3, 3), (2, 2))
    b.weighted("conv", "conv2", "pool1", 256, pw[1], pa[2], kernel=(5, 5), pad=(2, 2), groups=2)
    b.pool("maxpool", "pool2", "conv2", (3, 3), (2, 2))
    b.weighted("conv", "conv3", "pool2", 384, pw[2], pa[3], kernel=(3, 3), pad=(1, 1))
    b.weighted("conv", "conv4", "conv3", 384, pw[3], pa[4], kernel=(3, 3), pad=(1, 1), groups=2)
    b.weighted("conv", "conv5", "conv4", 256, pw[4], pa[5], kernel=(3, 3), pad=(1, 1), groups=2)
    b.pool("maxpool", "pool5", "conv5", (3, 3), (2, 2))
    b.weighted("fc", "fc6", "pool5", 4096, pw[5], pa[6])
    b.weighted("fc", "fc7", "fc6", 4096, pw[6], pa[7])
    b.weighted("fc", "fc8", "fc7", 1000, pw[7], 16, out_signed=True, relu=False)
    shifts = ", ".join(f"{c['layer']} {c['shift']}" for c in b.calib)
    b.write(root, "AlexNet with ImageNet shapes (BVLC layout: groups 2 in conv2/4/5); LRN and "
            "dropout omitted. Synthetic data: all tensors are seeded \"uniform\" sources "
            "(input 0..255, weights uniform in +-(2^(Pw-1)-1), zero mean). Precisions from "
            "profile dnnsim-example. Shifts calibrated on this data so that at most 0.5% of "
            f"outputs saturate: {shifts}. No expected files (see calibration out_sum).",
            expected=False, profile="dnnsim-example")
    return b


def test_data(root):
    """Golden files for the C++ packer and PRNG unit tests."""
    bp = os.path.join(root, "tests", "data", "bitplane")
    pr = os.path.join(root, "tests", "data", "prng")
    for d in (bp, pr):
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    cases = [  # name, kind, shape, prec, signed, dtype, seed
        ("act_c19_h3_w2_p5_unsigned", "act", (19, 3, 2), 5, False, "int32", 101),
        ("act_c16_h1_w1_p16_signed", "act", (16, 1, 1), 16, True, "int16", 102),
        ("act_c35_h2_w3_p7_signed", "act", (35, 2, 3), 7, True, "int16", 103),
        ("weight_f3_c7_k3x2_p9", "weight", (3, 7, 3, 2), 9, True, "int16", 104),
        ("bias_f5", "bias", (5,), 32, True, "int32", 105),
    ]
    lines = []
    for name, kind, shape, prec, signed, dtype, seed in cases:
        lo, hi = _rng(prec, signed)
        x = uniform(shape, seed, lo, hi)
        x.reshape(-1)[:2] = (lo, hi)  # both range extremes are always present
        if kind == "act":
            data = pb.pack_act(x, prec, signed)
        elif kind == "weight":
            data = pb.pack_weights(x, prec)
        else:
            data = pb.pack_bias(x)
        np.save(os.path.join(bp, name + ".npy"), x.astype(dtype))
        with open(os.path.join(bp, name + ".bin"), "wb") as f:
            f.write(data)
        lines.append(f"- `{name}`: {kind} {list(shape)}, "
                     + (f"P={prec} {'signed' if signed else 'unsigned'}, " if kind != "bias" else "")
                     + f"{dtype} .npy, {len(data)} bytes packed")
    with open(os.path.join(bp, "README.md"), "w") as f:
        f.write("Generated by `tools/make_workloads.py --only test-data` with "
                "`tools/pack_bitplanes.py` (format: docs/workload-format.md). Do not edit.\n\n"
                + "\n".join(lines) + "\n")
    for seed, shape, lo, hi in ((42, (3, 5, 7), -100, 100), (7, (1000,), 0, 255)):
        sh = "x".join(map(str, shape))
        np.save(os.path.join(pr, f"uniform_seed{seed}_shape{sh}_lo{lo}_hi{hi}.npy"),
                uniform(shape, seed, lo, hi))
    with open(os.path.join(pr, "README.md"), "w") as f:
        f.write("Generated by `tools/make_workloads.py --only test-data` with "
                "`tools/loomvp_prng.py`: uniform(shape, seed, low, high), int64. Do not edit.\n")


TINY = {"tiny-conv": tiny_conv, "tiny-resnet": tiny_resnet, "tiny-1x1": tiny_1x1}
ALL = dict(TINY, alexnet=alexnet)


def main(argv=None):
    ap = argparse.ArgumentParser(description="(Re)create LoomVP workload bundles and test data.")
    ap.add_argument("--root", default=REPO, help="repository root to write into (default: %(default)s)")
    ap.add_argument("--only", nargs="+", choices=list(ALL) + ["test-data"],
                    help="generate only these (default: everything)")
    a = ap.parse_args(argv)
    for name in a.only or list(ALL) + ["test-data"]:
        if name == "test-data":
            test_data(a.root)
            print("tests/data: bitplane and prng golden files written")
            continue
        b = ALL[name](a.root)
        print(f"workloads/{name}: {len(b.layers)} layers\n{calib_table(b)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
