#!/usr/bin/python3
"""AlexNet compute cycles of the base and LM1b engines against the formulas of
SPEC 4.1 / 4.2, computed from the layer shapes in the stats JSON alone.

    check_conv_ratio.py LOOMVP

Runs `loomvp run --workload alexnet --set loom.dynamic_precision=false` with
--engine base and --engine lm1b, then checks every layer:

conv (windows = OH*OW, Fg = F/groups, Cg = C/groups):
  base: windows * ceil(Fg/8) * KH*KW * ceil(Cg/16) * groups
        (one window x 8 filters x 16 lanes per cycle)
  lm1b: ceil(windows/16) * ceil(Fg/128) * KH*KW * ceil(Cg/16) * groups * pa * pw
        (16 windows x 128 filters x 16 lanes in pa*pw cycles)
fc (input C x H x W, F outputs):
  base: ceil(F/8) * H*W * ceil(C/16)
  lm1b: ceil(F/128) * H*W * ceil(C/16) * pw + pw * pa
        (pw cycles per weight-block load, plus the last block's pa*pw drain)
with pa / pw the stored precisions (layer["stored_precision"]), and for a layer
the workload compiler re-laid (layer["relayout"], space-to-depth) the device's
input shape and kernel.
"""
import json
import os
import subprocess
import sys
import tempfile


def ceil_div(a, b):
    return -(-a // b)


def run(loomvp, engine, stats_path):
    cmd = [loomvp, "run", "--workload", "alexnet", "--engine", engine, "--quiet",
           "--set", "loom.dynamic_precision=false", "--stats", stats_path]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {proc.returncode}\n{proc.stderr}")
    with open(stats_path) as f:
        return json.load(f)


def expected_cycles(layer, engine):
    c, h, w = layer["input_shape"]
    f, oh, ow = layer["output_shape"]
    kh, kw = layer["kernel"]
    if layer.get("relayout"):  # the device runs the re-laid layer (same output shape)
        c, h, w = layer["relayout"]["device_input_shape"]
        kh, kw = layer["relayout"]["device_kernel"]
    pa = layer["stored_precision"]["pa"]
    pw = layer["stored_precision"]["pw"]
    if layer["type"] == "conv":
        g = layer["groups"]
        windows, fg, cg = oh * ow, f // g, c // g
        if engine == "base":
            return windows * ceil_div(fg, 8) * kh * kw * ceil_div(cg, 16) * g
        return (ceil_div(windows, 16) * ceil_div(fg, 128) * kh * kw * ceil_div(cg, 16) * g
                * pa * pw)
    if layer["type"] == "fc":
        assert (kh, kw) == (h, w), layer["name"]
        if engine == "base":
            return ceil_div(f, 8) * h * w * ceil_div(c, 16)
        return ceil_div(f, 128) * h * w * ceil_div(c, 16) * pw + pw * pa
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_conv_ratio.py LOOMVP")
    loomvp = sys.argv[1]
    errors = []
    checked = {"conv": 0, "fc": 0}
    with tempfile.TemporaryDirectory(prefix="loomvp-ratio-") as tmp:
        stats = {e: run(loomvp, e, os.path.join(tmp, e + ".json")) for e in ("base", "lm1b")}
    net_layers = {e: s["layers"] for e, s in stats.items()}
    if len(net_layers["base"]) != 11 or len(net_layers["lm1b"]) != 11:
        sys.exit("FAIL: expected the 11 AlexNet layers in both runs")
    for engine, layers in net_layers.items():
        if stats[engine]["engine"] != engine:
            errors.append(f"{engine}: stats say engine {stats[engine]['engine']}")
        if stats[engine]["platform"]["loom"]["dynamic_precision"] is not False:
            errors.append(f"{engine}: dynamic_precision was not switched off")
        for layer in layers:
            if not layer["ran"] or layer["mismatches"]:
                errors.append(f"{engine} {layer['name']}: ran={layer['ran']} "
                              f"mismatches={layer['mismatches']}")
            sp = layer["stored_precision"]
            if engine == "base" and (sp["pa"], sp["pw"], sp["po"]) != (16, 16 if layer["pw"] else 0, 16):
                errors.append(f"base {layer['name']}: stored precision {sp}, expected 16 bits")
            if engine == "lm1b" and sp["pa"] != layer["pa"]:
                errors.append(f"lm1b {layer['name']}: stored pa {sp['pa']} != profile {layer['pa']}")
            want = expected_cycles(layer, engine)
            if want is None:
                continue
            checked[layer["type"]] += 1
            got = layer["compute_cycles"]
            status = "ok" if got == want else "MISMATCH"
            print(f"{engine:5s} {layer['name']:6s} compute_cycles {got:>10d} expected {want:>10d} {status}")
            if got != want:
                errors.append(f"{engine} {layer['name']}: compute_cycles {got}, expected {want}")
    # AlexNet: 5 conv and 3 fc layers in each of the two runs
    if checked != {"conv": 10, "fc": 6}:
        errors.append(f"checked {checked}, expected 10 conv and 6 fc layer results")
    if errors:
        print("FAIL:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
