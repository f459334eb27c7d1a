#!/usr/bin/python3
"""`loomvp run --batch` gives every image the cycles and output of a single run of it.

Usage: check_batch_equals_runs.py LOOMVP WORKLOADS_DIR
Input-set batch (fmnist): single runs use a bundle copy whose input.npy is
set image i. Seeded batch (tiny-1x1, input generated with seed S): single
runs use a bundle copy whose input seed is S + i (docs/workload-format.md
3.2). Compared per image: the device cycles (sum over layers) and the last
layer's output hash, from the batch's --stats against each run's --stats.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

IMAGES = 3


def run(binary, *args):
    r = subprocess.run([binary, "run", *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"loomvp run {' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr[-2000:]}")


def single_run(binary, bundle, engine, stats):
    run(binary, "--workload", bundle, "--engine", engine, "--quiet", "--stats", stats)
    s = json.load(open(stats))
    return sum(layer["cycles"] for layer in s["layers"]), s["layers"][-1]["output_fnv1a64"]


def check(binary, source, engine, make_image_bundle, tmp):
    stats = os.path.join(tmp, "batch.json")
    run(binary, "--workload", source, "--engine", engine, "--batch", str(IMAGES), "--jobs", "2", "--quiet",
        "--stats", stats)
    batch = json.load(open(stats))
    if len(batch["per_image"]) != IMAGES:
        sys.exit(f"{source}: {len(batch['per_image'])} per-image entries, expected {IMAGES}")
    total = 0
    for i, image in enumerate(batch["per_image"]):
        bundle = os.path.join(tmp, f"image{i}")
        shutil.copytree(source, bundle)
        make_image_bundle(bundle, i)
        cycles, digest = single_run(binary, bundle, engine, os.path.join(tmp, f"run{i}.json"))
        got = (image["cycles"], image["output_fnv1a64"])
        if got != (cycles, digest):
            sys.exit(f"{source} image {i}: batch gives {got}, a single run {(cycles, digest)}")
        total += cycles
    if batch["totals"]["cycles"] != total:
        sys.exit(f"{source}: batch total {batch['totals']['cycles']} != {total}, the single runs' sum")
    hashes = {image["output_fnv1a64"] for image in batch["per_image"]}
    if len(hashes) < 2:
        sys.exit(f"{source}: every image gave the same output; the images were not different")
    print(f"{source} ({engine}): {IMAGES} images equal their single runs")


def main():
    binary, workloads = sys.argv[1:3]

    def set_image(bundle, i):
        net = json.load(open(os.path.join(bundle, "network.json")))
        images = np.load(os.path.join(bundle, net["input_set"]["images"]["file"]))
        np.save(os.path.join(bundle, net["input"]["data"]["file"]), images[i])

    def set_seed(bundle, i):
        path = os.path.join(bundle, "network.json")
        net = json.load(open(path))
        net["input"]["data"]["uniform"]["seed"] += i
        for layer in net["layers"]:
            layer.pop("expected", None)  # they hold for the bundle's own input only
        json.dump(net, open(path, "w"))

    with tempfile.TemporaryDirectory() as tmp:
        for name, engine, edit in (("fmnist", "lm1b", set_image), ("tiny-1x1", "lm2b", set_seed),
                                   ("tiny-1x1", "base", set_seed)):
            work = os.path.join(tmp, f"{name}-{engine}")
            os.mkdir(work)
            check(binary, os.path.join(workloads, name), engine, edit, work)


if __name__ == "__main__":
    main()
