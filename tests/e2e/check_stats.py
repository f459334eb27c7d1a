#!/usr/bin/python3
"""Checks of the stats a run writes (docs/stats-format.md, docs/energy-model.md).

usage: check_stats.py LOOMVP energy WORKLOAD ENGINE [--set k=v]...

energy: every layer's energy_pj recomputed here from the layer's own counters
and the embedded platform's energy parameters (an independent implementation
of docs/energy-model.md section 2), components summing exactly to `total`,
totals.energy_pj the exact sums over the layers, and the terminal table
showing the energy column and line.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

# engine: (activation bits per cycle, 0 = bit-parallel; filter rows; windows per step; serial weights)
ENGINES = {"base": (0, 8, 1, False), "stripes": (1, 8, 16, False), "lm1b": (1, 128, 16, True),
           "lm2b": (2, 128, 8, True), "lm4b": (4, 128, 4, True)}
COMPONENTS = ["compute", "weight_buffer", "activation_buffer", "output_buffer", "dram", "interconnect", "static"]


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def whole_pj(x):
    return int(math.floor(x + 0.5))


def expected_energy(layer, engine, p, period_ns):
    bits, rows, windows, serial = ENGINES[engine]
    steps, cycles, compute_cycles = layer["steps"], layer["cycles"], layer["compute_cycles"]
    pa, pw = layer["stored_precision"]["pa"], layer["stored_precision"]["pw"]
    kind = layer["dram_bytes_by_kind"]
    mac16 = sip = elementwise = 0
    w_read = a_read = 0
    if layer["type"] == "conv":
        if bits == 0:
            mac16 = steps * rows * 16
        else:
            sip = compute_cycles * rows * windows * 16 * bits * (1 if serial else 16)
        w_read = steps * rows * 16 * pw
        a_read = steps * windows * 16 * pa
    elif layer["type"] == "fc":
        if serial:
            sip = steps * rows * 16 * pw * (-(-pa // bits)) * bits
        else:
            mac16 = steps * 8 * 16
        w_read = steps * (rows if serial else 8) * 16 * pw
        a_read = steps * 16 * pa
    else:  # pools and add: 16 windows x 16 channels per step
        elementwise = steps * 256
        a_read = steps * 256 * pa * (2 if layer["type"] == "add" else 1)
    dram = layer["dram_bytes_read"] + layer["dram_bytes_written"]
    e = {
        "compute": whole_pj(mac16 * p["mac16_pj"] + sip * p["sip_bit_op_pj"] + elementwise * p["elementwise_op_pj"]),
        "weight_buffer": whole_pj((8 * (kind["weights"] + kind["bias"]) + w_read) * p["weight_buffer_pj_per_bit"]),
        "activation_buffer": whole_pj((8 * (kind["input"] + kind["input2"]) + a_read)
                                      * p["activation_buffer_pj_per_bit"]),
        "output_buffer": whole_pj(16 * kind["output"] * p["output_buffer_pj_per_bit"]),
        "dram": whole_pj(dram * p["dram_pj_per_byte"]),
        "interconnect": whole_pj(dram * p["interconnect_pj_per_byte"]),
        "static": whole_pj(p["static_power_mw"] * cycles * period_ns),
    }
    e["total"] = sum(e[c] for c in COMPONENTS)
    return e


def run(loomvp, workload, engine, extra, directory):
    stats = os.path.join(directory, "stats.json")
    proc = subprocess.run([loomvp, "run", "--workload", workload, "--engine", engine, "--stats", stats] + extra,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    if proc.returncode != 0:
        fail(f"loomvp exited {proc.returncode}: {proc.stderr[-2000:]}")
    with open(stats) as f:
        return json.load(f), proc.stdout


def check_energy(loomvp, workload, engine, extra):
    with tempfile.TemporaryDirectory() as directory:
        stats, terminal = run(loomvp, workload, engine, extra, directory)
    params = stats["platform"]["energy"]
    period_ns = 1e3 / stats["platform"]["loom"]["clock_mhz"]
    sums = {c: 0 for c in COMPONENTS + ["total"]}
    for layer in stats["layers"]:
        got, want = layer["energy_pj"], expected_energy(layer, engine, params, period_ns)
        if got != want:
            fail(f"layer {layer['name']}: energy_pj {got}, recomputed from its counters {want}")
        if got["total"] != sum(got[c] for c in COMPONENTS):
            fail(f"layer {layer['name']}: total is not the sum of the components")
        for c in sums:
            sums[c] += got[c]
    if stats["totals"]["energy_pj"] != sums:
        fail(f"totals.energy_pj {stats['totals']['energy_pj']} != sums over the layers {sums}")
    if sums["total"] <= 0 or sums["compute"] <= 0 or sums["dram"] <= 0:
        fail(f"a run that moved data and computed has zero energy: {sums}")
    header = next((line for line in terminal.splitlines() if line.startswith("layer ")), "")
    if "energy_uJ" not in header.split():
        fail(f"terminal table header has no energy_uJ column: {header!r}")
    line = f"energy {sums['total'] / 1e6:.3f} uJ: compute {sums['compute'] / 1e6:.3f},"
    if line not in terminal:
        fail(f"terminal summary lacks {line!r}")
    print(f"energy {workload} {engine}: {len(stats['layers'])} layers recomputed, total {sums['total']} pJ")


def main():
    if len(sys.argv) < 5 or sys.argv[2] != "energy":
        print(__doc__)
        sys.exit(2)
    loomvp, _, workload, engine = sys.argv[1:5]
    check_energy(loomvp, workload, engine, sys.argv[5:])


if __name__ == "__main__":
    main()
