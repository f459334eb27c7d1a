#!/usr/bin/python3
"""Checks of the stats a run writes (docs/stats-format.md, docs/energy-model.md).

usage: check_stats.py LOOMVP MODE WORKLOAD [--expect-exit N] [loomvp run options...]

energy:    every layer's energy_pj recomputed here from the layer's own counters
           and the embedded platform's energy parameters (an independent
           implementation of docs/energy-model.md section 2), components summing
           exactly to `total`, totals.energy_pj the exact sums over the layers,
           and the terminal table showing the energy column and line.
schema:    the stats validate against docs/stats.schema.json (python3-jsonschema,
           draft 7); the CSV header is exactly the schema's layer fields
           flattened by the documented rules, and every cell is the JSON value
           flattened the same way.
reproduce: a second run with the platform embedded in the stats (written to a
           file and passed as --platform) and the bundle directory of the
           stats' workload.path gives identical stats, `host` excepted.
"""
import argparse
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


SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "stats.schema.json")


def run(loomvp, args, directory, expect_exit=0, tag="run"):
    stats, csv = os.path.join(directory, tag + ".json"), os.path.join(directory, tag + ".csv")
    proc = subprocess.run([loomvp, "run", "--stats", stats, "--csv", csv] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    if proc.returncode != expect_exit:
        fail(f"loomvp {' '.join(args)} exited {proc.returncode}, expected {expect_exit}: {proc.stderr[-2000:]}")
    with open(stats) as f, open(csv) as c:
        return json.load(f), proc.stdout, c.read()


def check_energy(stats, terminal):
    engine = stats["engine"]
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
    print(f"energy {stats['workload']['name']} {engine}: {len(stats['layers'])} layers recomputed, "
          f"total {sums['total']} pJ")


def schema_leaves(schema, node, prefix=""):
    """Dotted paths of the leaves of an object schema (docs/stats-format.md section 2)."""
    if "$ref" in node:
        node = schema["definitions"][node["$ref"].split("/")[-1]]
    objects = [n for n in node.get("oneOf", [node]) if n.get("type") == "object"]
    if not objects:
        return [prefix[:-1]]
    return [leaf for key, sub in objects[0]["properties"].items() for leaf in schema_leaves(schema, sub, prefix + key + ".")]


def flatten_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "x".join(json.dumps(v) for v in value)
    if isinstance(value, str):
        return value
    return json.dumps(value)


def lookup(layer, path):
    value = layer
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def check_schema(stats, csv_text):
    import jsonschema  # Debian python3-jsonschema
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(stats), key=lambda e: list(e.path))
    if errors:
        fail("; ".join(f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in errors[:5]))
    # The schema is tight: each of these edits of a valid file must be refused.
    edits = [("a missing layer energy total", lambda d: d["layers"][0]["energy_pj"].pop("total")),
             ("an unknown top-level field", lambda d: d.update(extra=1)),
             ("a bound outside its enum", lambda d: d["layers"][0].update(bound="io")),
             ("a string for a count", lambda d: d["totals"].update(cycles="7")),
             ("an unknown platform key", lambda d: d["platform"]["loom"].update(turbo=True)),
             ("another version", lambda d: d.update(version=1))]
    for what, edit in edits:
        broken = json.loads(json.dumps(stats))
        edit(broken)
        if jsonschema.Draft7Validator(schema).is_valid(broken):
            fail(f"the schema accepts stats with {what}")
    leaves = schema_leaves(schema, schema["definitions"]["layer"])
    columns = ["name", "type"] + sorted(leaf for leaf in leaves if leaf not in ("name", "type"))
    rows = [line.split(",") for line in csv_text.splitlines()]
    if rows[0] != columns:
        fail(f"CSV header {rows[0]} != the schema's layer fields flattened {columns}")
    if len(rows) != 1 + len(stats["layers"]):
        fail(f"CSV has {len(rows) - 1} rows for {len(stats['layers'])} layers")
    for row, layer in zip(rows[1:], stats["layers"]):
        for column, cell in zip(columns, row):
            value = lookup(layer, column)
            want = flatten_cell(value)
            # numbers: equal as numbers (C++ and Python may print a double differently)
            same = cell == want or (isinstance(value, float) and cell and float(cell) == value)
            if not same or len(row) != len(columns):
                fail(f"CSV layer {layer['name']} column {column}: {cell!r}, JSON says {want!r}")
    print(f"schema {stats['workload']['name']} {stats['engine']}: valid; CSV {len(columns)} columns match")


def check_reproduce(loomvp, stats, directory, expect_exit):
    platform = os.path.join(directory, "platform.json")
    with open(platform, "w") as f:
        json.dump(stats["platform"], f)
    # The bundle directory carries its own profile: no --profile.
    args = ["--quiet", "--workload", os.path.dirname(stats["workload"]["path"]), "--platform", platform]
    again, _, _ = run(loomvp, args, directory, expect_exit, "again")
    del stats["host"], again["host"]
    if again != stats:
        differ = [k for k in stats if stats[k] != again.get(k)]
        fail(f"the run from the embedded platform differs in {differ}")
    print(f"reproduce {stats['workload']['name']} {stats['engine']}: identical stats from the embedded platform")


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("loomvp")
    parser.add_argument("mode", choices=["energy", "schema", "reproduce"])
    parser.add_argument("workload")
    parser.add_argument("--expect-exit", type=int, default=0)
    options, loomvp_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as directory:
        stats, terminal, csv_text = run(options.loomvp, ["--workload", options.workload] + loomvp_args, directory,
                                        options.expect_exit)
        if options.mode == "energy":
            check_energy(stats, terminal)
        elif options.mode == "schema":
            check_schema(stats, csv_text)
        else:
            check_reproduce(options.loomvp, stats, directory, options.expect_exit)


if __name__ == "__main__":
    main()
