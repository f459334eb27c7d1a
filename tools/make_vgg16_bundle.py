#!/usr/bin/python3
"""Writes workloads/vgg16-224/network.json: VGG-16 (configuration D) at
224x224, all tensors seeded "uniform" sources, for `loomvp bench --vgg16`
(host-speed figures, not accuracy). 8-bit activations and weights; each
shift puts a typical accumulator (sqrt(K) * weight std * mean activation)
near the top of the 8-bit output range, so outputs are neither all zero
nor all saturated."""
import json
import math
import os
import sys

PREC = 8


def shift_for(k):
    w_std = (2 ** (PREC - 1) - 1) / math.sqrt(3)  # uniform in +-(2^(P-1)-1)
    a_mean = (2 ** PREC - 1) / 4  # ReLU outputs: about half zero
    return max(0, round(math.log2(math.sqrt(k) * w_std * a_mean)) - PREC + 1)


def main(out_dir):
    layers, seed, prev, c, hw = [], 100, "data", 3, 224
    blocks = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    for b, (filters, repeat) in enumerate(blocks, 1):
        for r in range(1, repeat + 1):
            name = "conv%d_%d" % (b, r)
            k = c * 9
            wmax = 2 ** (PREC - 1) - 1
            layers.append({"name": name, "type": "conv", "input": prev, "filters": filters, "kernel": [3, 3],
                           "stride": [1, 1], "pad": [1, 1], "pa": PREC, "pw": PREC, "out_prec": PREC,
                           "shift": shift_for(k), "relu": True,
                           "weights": {"uniform": {"seed": seed, "low": -wmax, "high": wmax}},
                           "bias": {"uniform": {"seed": seed + 1, "low": -1024, "high": 1024}}})
            seed, prev, c = seed + 2, name, filters
        name = "pool%d" % b
        layers.append({"name": name, "type": "maxpool", "input": prev, "kernel": [2, 2], "stride": [2, 2],
                       "pa": PREC, "out_prec": PREC})
        prev, hw = name, hw // 2
    k = c * hw * hw
    for i, outputs in enumerate([4096, 4096, 1000]):
        name = "fc%d" % (6 + i)
        last = outputs == 1000
        wmax = 2 ** (PREC - 1) - 1
        layers.append({"name": name, "type": "fc", "input": prev, "outputs": outputs, "pa": PREC, "pw": PREC,
                       "out_prec": 16 if last else PREC, "out_signed": last, "shift": shift_for(k),
                       "relu": not last,
                       "weights": {"uniform": {"seed": seed, "low": -wmax, "high": wmax}},
                       "bias": {"uniform": {"seed": seed + 1, "low": -1024, "high": 1024}}})
        seed, prev, k = seed + 2, name, outputs
    doc = {"format": "loomvp-workload", "version": 1, "name": "vgg16-224",
           "description": "VGG-16 (configuration D) at 224x224, 15.5 G MACs; synthetic seeded uniform tensors, "
                          "8-bit activations and weights; for host-speed benchmarks (tools/make_vgg16_bundle.py).",
           "input": {"name": "data", "shape": [3, 224, 224], "prec": PREC, "signed": False,
                     "data": {"uniform": {"seed": 1, "low": 0, "high": 2 ** PREC - 1}}},
           "layers": layers}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "network.json"), "w") as f:
        f.write(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workloads", "vgg16-224"))
