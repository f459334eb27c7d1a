#!/usr/bin/python3
"""Per-filter-group weight precision of a workload bundle (numpy).

A weight group is what one Loom step consumes together: up to 128 filters x
one brick of 16 input channels at one kernel position, per convolution group
(fc: 128 filters x 16 inputs, the input's H x W being the kernel). Its
precision Pw_g is the fewest two's complement bits holding every weight of
the group, at least 1 and at most the layer's Pw (docs/timing-model.md 3.6).
Written independently of the simulator (models/loom/weight_groups.cpp), whose
stats report the same average as `pw_group_avg` with
`--set loom.weight_group_precision=true`.

CLI: weight_groups.py BUNDLE [--json]
  prints per conv/fc layer: Pw, the number of groups, the mean Pw_g over the
  weights (MAC-weighted: every weight of a layer does the same MACs), the
  histogram of Pw_g, and the weight bytes stored flat (every brick at Pw) and
  per group (table + Pw_g planes, docs/workload-format.md 9.1).
  Exit 0, or 2 for a bad bundle.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loomvp_ref import BundleError, load_tensor, run_network  # noqa: E402

FILTERS = 128           # filters per group: a Loom filter block
LANES = 16              # input channels per brick
TABLE_ALIGNMENT = 64    # the planes start one burst after the table


def _ceil(a, b):
    return -(-a // b)


def group_precisions(w, groups, pw):
    """w: int array (F, Cg, K). Returns (Pw_g array (groups, blocks, K, bricks),
    weights per group array of the same shape)."""
    f, cg, k = w.shape
    fg = f // groups
    blocks, bricks = _ceil(fg, FILTERS), _ceil(cg, LANES)
    w = w.astype(np.int64).reshape(groups, fg, cg, k)
    padded = np.zeros((groups, blocks * FILTERS, bricks * LANES, k), dtype=np.int64)
    padded[:, :fg, :cg, :] = w ^ (w >> 63)  # magnitude bits: v, or ~v for v < 0
    mask = np.bitwise_or.reduce(
        np.bitwise_or.reduce(padded.reshape(groups, blocks, FILTERS, bricks, LANES, k), axis=4), axis=2)
    bits = np.zeros(mask.shape, dtype=np.int64)
    for b in range(1, 17):
        bits[mask >= (1 << (b - 1))] = b
    prec = np.minimum(bits + 1, pw).transpose(0, 1, 3, 2)  # (groups, blocks, K, bricks)
    filters = np.minimum(FILTERS, fg - FILTERS * np.arange(blocks))
    lanes = np.minimum(LANES, cg - LANES * np.arange(bricks))
    count = filters[None, :, None, None] * lanes[None, None, None, :] * np.ones_like(prec)
    return prec, count, filters


def layer_summary(name, typ, w, groups, pw):
    prec, count, filters = group_precisions(w, groups, pw)
    f, cg, k = w.shape
    planes = int((prec * filters[None, :, None, None]).sum()) * 2
    hist = np.bincount(prec.ravel(), minlength=17)
    return {
        "name": name, "type": typ, "pw": pw, "groups": int(prec.size),
        "pw_group_avg": float((prec * count).sum() / count.sum()),
        "histogram": {str(p): int(hist[p]) for p in range(1, 17) if hist[p]},
        "flat_bytes": f * k * _ceil(cg, LANES) * pw * 2,
        "grouped_bytes": _ceil(prec.size, TABLE_ALIGNMENT) * TABLE_ALIGNMENT + planes,
    }


def bundle_summary(bundle):
    """Every conv and fc layer of the bundle, in order."""
    layers = []

    def hook(L, out, tensors):
        if L["type"] not in ("conv", "fc"):
            return
        c, h, w = tensors[L["input"]].shape
        pw = L["pw"]
        if L["type"] == "conv":
            groups = L.get("groups", 1)
            kh, kw = L["kernel"]
            shape, alt = (L["filters"], c // groups, kh, kw), ()
        else:
            groups = 1
            shape, alt = (L["outputs"], c, h, w), ((L["outputs"], c * h * w),)
        lo = -(1 << (pw - 1))
        weights = load_tensor(L["weights"], shape, base, "weights", lo, -lo - 1, alt)
        layers.append(layer_summary(L["name"], L["type"], weights.reshape(shape[0], shape[1], -1), groups, pw))

    path = os.path.join(bundle, "network.json") if os.path.isdir(bundle) else bundle
    base = os.path.dirname(os.path.abspath(path))
    run_network(bundle, hook)
    return layers


def main(argv):
    args = [a for a in argv if a != "--json"]
    if len(args) != 1:
        print("usage: weight_groups.py BUNDLE [--json]", file=sys.stderr)
        return 2
    try:
        layers = bundle_summary(args[0])
    except BundleError as e:
        print(f"weight_groups: {e}", file=sys.stderr)
        return 2
    if "--json" in argv:
        print(json.dumps({"layers": layers}, indent=1))
        return 0
    print(f"{'layer':10s} {'type':4s} {'Pw':>3s} {'groups':>8s} {'Pw_g avg':>8s} {'flat B':>10s} "
          f"{'grouped B':>10s}  histogram (Pw_g: groups)")
    for L in layers:
        hist = " ".join(f"{p}:{n}" for p, n in L["histogram"].items())
        print(f"{L['name']:10s} {L['type']:4s} {L['pw']:3d} {L['groups']:8d} {L['pw_group_avg']:8.3f} "
              f"{L['flat_bytes']:10d} {L['grouped_bytes']:10d}  {hist}")
    flat = sum(L["flat_bytes"] for L in layers)
    grouped = sum(L["grouped_bytes"] for L in layers)
    print(f"{'total':10s} {'':4s} {'':3s} {'':8s} {'':8s} {flat:10d} {grouped:10d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
