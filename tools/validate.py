#!/usr/bin/python3
"""Regenerates docs/validation.md: runs `loomvp run` over sweeps and checks.

    tools/validate.py [--loomvp PATH] [--out FILE] [--jobs N] [--quick]
    tools/validate.py --formulas-only WORKLOAD [--loomvp PATH]

(a) unlimited bandwidth and buffers, dynamic precision off: every engine's
    conv and fc compute cycles against the formulas of docs/timing-model.md
    section 3, computed here from the layer shapes alone;
(b) AlexNet DRAM bandwidth sweep per engine (total cycles, memory-bound
    layers), and the same on lm1b with every precision at 16 bits (the knee);
(c) on-chip buffer size sweep;
(d) AlexNet conv1 with and without the space-to-depth re-layout, every engine;
(e) speedup of stripes / lm1b / lm2b / lm4b over base, per layer and total;
(f) per-filter-group weight precision (loom.weight_group_precision) off and
    on, lm1b and lm2b: cycles and weight bytes per layer, on the workload and
    on the learned Fashion-MNIST bundle.

--quick runs a small subset on tiny-conv (the CTest smoke case) and writes
the same sections. Exit status 1 if a check of (a) fails or a run fails.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

ENGINES = ["base", "stripes", "lm1b", "lm2b", "lm4b"]
BITS_PER_CYCLE = {"stripes": 1, "lm1b": 1, "lm2b": 2, "lm4b": 4}
BANDWIDTHS = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2]
BUFFER_SCALES = [0.125, 0.25, 0.5, 1, 2, 4]
DEFAULT_BUFFERS = {"weight": 786432, "activation": 262144, "output": 131072}
# Links and DMA wide enough that the DRAM's bandwidth is the only limit in (b):
# 64 B/cycle interconnect; 128 x 64 B in flight covers 51.2 GB/s x 113 ns.
WIDE_PATH = ["interconnect.bytes_per_cycle=64", "loom.dma_max_outstanding=128"]
UNLIMITED = ["dram.bandwidth_gb_per_s=1000000", "dram.latency_ns=0", "interconnect.bytes_per_cycle=4096",
             "interconnect.latency_cycles=0", "loom.dma_max_outstanding=1024", "loom.dma_burst_bytes=4096",
             "loom.weight_buffer_bytes=4294967295", "loom.activation_buffer_bytes=4294967295",
             "loom.output_buffer_bytes=4294967295"]


def ceil_div(a, b):
    return -(-a // b)


def formula_cycles(layer, engine):
    """docs/timing-model.md section 3, dynamic precision off; None for pools and add."""
    relayout = layer.get("relayout")  # the shape the device ran (space-to-depth)
    c, _, _ = relayout["device_input_shape"] if relayout else layer["input_shape"]
    f, oh, ow = layer["output_shape"]
    kh, kw = relayout["device_kernel"] if relayout else layer["kernel"]
    pa, pw = layer["stored_precision"]["pa"], layer["stored_precision"]["pw"]
    k = kh * kw
    if layer["type"] == "conv":
        g = layer["groups"]
        n, fg, b = oh * ow, f // g, ceil_div(c // g, 16)
        if engine == "base":
            return n * ceil_div(fg, 8) * k * b * g
        if engine == "stripes":
            return ceil_div(n, 16) * ceil_div(fg, 8) * k * b * g * pa
        bits = BITS_PER_CYCLE[engine]
        q = 16 // bits
        return ceil_div(fg, 128) * g * b * ceil_div(n, q) * k * ceil_div(pa, bits) * pw
    if layer["type"] == "fc":
        b = ceil_div(c, 16)
        if engine in ("base", "stripes"):
            return ceil_div(f, 8) * k * b
        bits = BITS_PER_CYCLE[engine]
        q, s = 16 // bits, ceil_div(pa, bits)
        return ceil_div(f, 128) * k * b * pw * max(1, ceil_div(s, q)) + pw * s
    return None


class Runner:
    def __init__(self, loomvp, jobs, tmp):
        self.loomvp, self.jobs, self.tmp, self.count = loomvp, jobs, tmp, 0

    def run_all(self, specs):
        """specs: list of (workload, engine, [key=value]); returns stats dicts (or error text)."""
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
            return list(pool.map(lambda s: self.run(*s), specs))

    def run(self, workload, engine, sets):
        self.count += 1
        path = os.path.join(self.tmp, f"run{self.count}-{os.getpid()}-{id(sets)}.json")
        cmd = [self.loomvp, "run", "--workload", workload, "--engine", engine, "--quiet", "--stats", path]
        for s in sets:
            cmd += ["--set", s]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode == 2:
            return proc.stderr.strip()  # bad input, e.g. a buffer too small: reported, not fatal
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stderr[-2000:]}")
        with open(path) as f:
            stats = json.load(f)
        os.remove(path)
        return stats


def uniform16_bundle(workload_dir, tmp):
    """A copy of the bundle with every precision at 16 bits and no expected tensors."""
    out = os.path.join(tmp, "uniform16")
    shutil.copytree(workload_dir, out)
    with open(os.path.join(out, "network.json")) as f:
        net = json.load(f)
    net["input"]["prec"] = 16
    for layer in net["layers"]:
        layer.pop("expected", None)
        for key in ("pa", "pw", "out_prec"):
            if key in layer:
                layer[key] = 16
    net["name"] += "-uniform16"
    with open(os.path.join(out, "network.json"), "w") as f:
        json.dump(net, f)
    return out


def mcycles(x):
    return f"{x / 1e6:.3f}"


def memory_bound(stats):
    return [l["name"] for l in stats["layers"] if l["bound"] == "memory"]


def conv_memory_bound(stats):
    return [l["name"] for l in stats["layers"] if l["bound"] == "memory" and l["type"] == "conv"]


def section_a(runner, workload, lines):
    stats = runner.run_all([(workload, e, UNLIMITED + ["loom.dynamic_precision=false"]) for e in ENGINES])
    errors = []
    lines += ["## (a) Compute cycles equal the formulas (unlimited bandwidth and buffers)", "",
              f"`{workload}`, dynamic precision off, DRAM at 10^6 GB/s with no latency, a 4096 B/cycle "
              "interconnect without latency, 1024 DMA bursts of 4096 B in flight, every buffer 4 GiB "
              "(one tile per layer). Expected "
              "cycles are computed by this script from the layer shapes and stored precisions with the "
              "formulas of docs/timing-model.md section 3; `loomvp` must match them exactly.", "",
              "| engine | conv+fc layers | compute cycles | formula | match | total cycles | cycles / compute |",
              "|---|---|---|---|---|---|---|"]
    for engine, s in zip(ENGINES, stats):
        if isinstance(s, str):
            errors.append(f"{engine}: {s}")
            continue
        got = want = checked = 0
        for layer in s["layers"]:
            expected = formula_cycles(layer, engine)
            if expected is None:
                continue
            checked += 1
            got += layer["compute_cycles"]
            want += expected
            if layer["compute_cycles"] != expected or not layer["ran"] or layer["mismatches"]:
                errors.append(f"{engine} {layer['name']}: compute_cycles {layer['compute_cycles']}, "
                              f"formula {expected}, ran {layer['ran']}, mismatches {layer['mismatches']}")
        total = s["totals"]["cycles"]
        lines.append(f"| {engine} | {checked} | {got} | {want} | {'yes' if got == want else 'NO'} | {total} | "
                     f"{total / max(1, s['totals']['compute_cycles']):.4f} |")
    lines += ["", "`match` says whether every conv and fc layer's compute cycles equal the formula (the "
              "script fails otherwise). Total cycles still exceed the compute cycles by the per-layer "
              "decode cycle, the first tile's load and the last tile's write-back (each burst still "
              "takes one interconnect cycle: 4 KiB per ns), and by the pools' cycles, which are in the "
              "total and in `cycles / compute` but not in the formula columns.", ""]
    return errors


def section_b(runner, workload, lines, bandwidths, workload_dir, tmp):
    specs = [(workload, e, WIDE_PATH + [f"dram.bandwidth_gb_per_s={bw}"]) for bw in bandwidths for e in ENGINES]
    u16 = uniform16_bundle(workload_dir, tmp)
    specs += [(u16, "lm1b", WIDE_PATH + [f"dram.bandwidth_gb_per_s={bw}"]) for bw in bandwidths]
    results = runner.run_all(specs)
    table = {(bw, e): results[i * len(ENGINES) + j] for i, bw in enumerate(bandwidths) for j, e in enumerate(ENGINES)}
    u16_results = dict(zip(bandwidths, results[len(bandwidths) * len(ENGINES):]))
    lines += ["## (b) DRAM bandwidth sweep", "",
              f"`{workload}`, default buffers, DRAM bandwidth as given (latency 100 ns), interconnect "
              "widened to 64 B/cycle and 128 DMA bursts in flight so that the DRAM is the only limit. "
              "Total accelerator cycles in millions, and the number of memory-bound layers "
              "(`dma_cycles > compute_cycles`).", "",
              "| GB/s | " + " | ".join(ENGINES) + " | lm1b, all 16-bit |",
              "|---|" + "---|" * (len(ENGINES) + 1)]
    for bw in bandwidths:
        cells = [f"{mcycles(table[bw, e]['totals']['cycles'])} ({len(memory_bound(table[bw, e]))})" for e in ENGINES]
        u = u16_results[bw]
        cells.append(f"{mcycles(u['totals']['cycles'])} ({len(memory_bound(u))})")
        lines.append(f"| {bw} | " + " | ".join(cells) + " |")
    series = {e: [table[bw, e] for bw in bandwidths] for e in ENGINES}
    series["lm1b, all 16-bit"] = [u16_results[bw] for bw in bandwidths]
    lines += ["", "Memory-bound conv layers (fc and pool layers: see below):", "",
              "| GB/s | " + " | ".join(series) + " |", "|---|" + "---|" * len(series)]
    for i, bw in enumerate(bandwidths):
        lines.append(f"| {bw} | " + " | ".join(", ".join(conv_memory_bound(runs[i])) or "-"
                                             for runs in series.values()) + " |")
    always = sorted(set.intersection(*(set(memory_bound(r)) - set(conv_memory_bound(r))
                                       for runs in series.values() for r in runs)), key=str)
    lines += ["", "Memory-bound at every swept bandwidth on every engine: " + (", ".join(always) or "none") + ".", "",
              "Knee: the lowest swept bandwidth at which every conv layer is compute-bound; with the "
              "traffic and compute that set it:", "",
              "| variant | knee GB/s | DRAM MB per image | compute M cycles | compute cycles per DRAM byte |",
              "|---|---|---|---|---|"]
    for name, runs in series.items():
        knee = next((bw for bw, r in zip(bandwidths, runs) if not conv_memory_bound(r)), None)
        t = runs[-1]["totals"]
        moved = t["dram_bytes_read"] + t["dram_bytes_written"]
        lines.append(f"| {name} | {knee if knee is not None else '> ' + str(bandwidths[-1])} | {moved / 1e6:.1f} | "
                     f"{mcycles(t['compute_cycles'])} | {t['compute_cycles'] / moved:.3f} |")
    # Per layer, the bandwidth that just hides its traffic behind its compute:
    # bytes / compute cycles (B per cycle = GB/s at 1 GHz), from the widest run.
    lines += ["", "Bandwidth each layer needs to stay compute-bound, `DRAM bytes / compute cycles` in GB/s "
              "(bytes per cycle at 1 GHz; the plan's bytes do not depend on the bandwidth). A layer is "
              "memory-bound in the tables above roughly where the swept bandwidth is below this value "
              "(the exact rule compares the DMA's busy cycles, which include latency and contention "
              "between loads and stores):", "",
              "| layer | " + " | ".join(series) + " |", "|---|" + "---|" * len(series)]
    for i, layer in enumerate(series["base"][-1]["layers"]):
        cells = []
        for runs in series.values():
            l = runs[-1]["layers"][i]
            cells.append(f"{(l['dram_bytes_read'] + l['dram_bytes_written']) / max(1, l['compute_cycles']):.2f}")
        lines.append(f"| {layer['name']} ({layer['type']}) | " + " | ".join(cells) + " |")
    # Which way the stored precision moves the conv layers' need (lm1b profile against all 16-bit).
    def conv_need(stats):
        return [(l["dram_bytes_read"] + l["dram_bytes_written"]) / max(1, l["compute_cycles"])
                for l in stats["layers"] if l["type"] == "conv"]
    higher = sum(a > b for a, b in zip(conv_need(series["lm1b, all 16-bit"][-1]), conv_need(series["lm1b"][-1])))
    count = len(conv_need(series["lm1b"][-1]))
    lines += ["", f"Stored at 16 bits, {higher} of the {count} conv layers need more bandwidth than with the "
              "profile's precisions on lm1b, " + ("so in this network lower precision moves the conv knee to "
              "lower bandwidth." if 2 * higher > count else "so in this network lower precision moves the conv "
              "knee to higher bandwidth."), ""]
    return table


def section_c(runner, workload, lines, scales):
    engines = ["base", "lm1b"]
    specs = []
    for scale in scales:
        sets = [f"loom.{k}_buffer_bytes={int(v * scale)}" for k, v in DEFAULT_BUFFERS.items()]
        specs += [(workload, e, sets) for e in engines]
    results = runner.run_all(specs)
    lines += ["## (c) On-chip buffer size sweep", "",
              f"`{workload}` at the default platform (12.8 GB/s), all three buffers scaled together from the "
              "defaults (WM 768 KiB, AM 256 KiB, OB 128 KiB). Total cycles in millions, DRAM bytes read in "
              "MB, tiles.", "",
              "| scale | WM / AM / OB KiB | " + " | ".join(f"{e} cycles | {e} read MB | {e} tiles" for e in engines) + " |",
              "|---|---|" + "---|---|---|" * len(engines)]
    for i, scale in enumerate(scales):
        sizes = " / ".join(f"{v * scale / 1024:g}" for v in DEFAULT_BUFFERS.values())
        cells = []
        for j in range(len(engines)):
            r = results[i * len(engines) + j]
            if isinstance(r, str):
                setting = r.split("--set ")[1].split(":")[0] if "--set " in r else "?"
                cells += [f"too small ({setting})", "-", "-"]
            else:
                t = r["totals"]
                cells += [mcycles(t["cycles"]), f"{t['dram_bytes_read'] / 1e6:.2f}", str(t["tiles"])]
        lines.append(f"| {scale:g} | {sizes} | " + " | ".join(cells) + " |")
    lines += ["", "Why the smallest scales do not run (the runner's message, exit 2):", ""]
    for i, scale in enumerate(scales):
        for j, e in enumerate(engines):
            r = results[i * len(engines) + j]
            if isinstance(r, str):
                lines.append(f"- scale {scale:g}, {e}: `{r.splitlines()[0][:300]}`")
    lines.append("")


def section_d(runner, workload, lines):
    specs = [(workload, e, [f"compiler.space_to_depth={s}"]) for e in ENGINES for s in ("false", "true")]
    results = runner.run_all(specs)
    first = results[1]["layers"][0]
    lines += ["## (d) conv1 with and without the space-to-depth re-layout", "",
              f"`{workload}` at the default platform, first layer `{first['name']}` "
              f"(input {'x'.join(map(str, first['input_shape']))}, kernel {'x'.join(map(str, first['kernel']))}, "
              f"stride {first['stride'][0]}), run as it is and re-laid by the workload compiler "
              "(`compiler.space_to_depth`, docs/architecture.md): "
              + ("device input " + "x".join(map(str, first["relayout"]["device_input_shape"])) + ", kernel "
                 + "x".join(map(str, first["relayout"]["device_kernel"])) + ", stride 1"
                 if first.get("relayout") else "the pass does not apply to this layer")
              + ". Both runs check the device against the golden reference of the ORIGINAL layer "
              "(mismatches column). DMA = dma_cycles (overlapped with compute); lane utilisation = useful "
              "MACs of the original layer / (steps x lanes per step).", "",
              "| engine | re-layout | cycles | compute | stall (data) | DMA | tiles | lane util. | "
              "input read B | weights read B | written B | mismatches | network cycles |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(results):
        engine, relaid = specs[i][1], specs[i][2][0].endswith("true")
        l = r["layers"][0]
        kinds = l["dram_bytes_by_kind"]
        lines.append(f"| {engine} | {'on' if relaid else 'off'} | {l['cycles']:,} | {l['compute_cycles']:,} | "
                     f"{l['stall_data_cycles']:,} | {l['dma_cycles']:,} | {l['tiles']} | "
                     f"{l['lane_utilisation']:.3f} | {kinds['input']:,} | {kinds['weights']:,} | "
                     f"{l['dram_bytes_written']:,} | {l['mismatches']} | {r['totals']['cycles']:,} |")
    lines.append("")


def section_e(sweep, workload, lines):
    results = {e: sweep[12.8, e] for e in ENGINES}
    base = results["base"]
    others = ENGINES[1:]
    lines += ["## (e) Speedup over base, per layer and total", "",
              f"`{workload}` at the default 12.8 GB/s DRAM and default buffers, dynamic precision on (the "
              "12.8 GB/s runs of (b); the widened interconnect and DMA window change nothing at this "
              "bandwidth, where the DRAM is the limit either way). Each cell: speedup in total cycles "
              "(speedup in compute cycles).", "",
              "| layer | base cycles | " + " | ".join(others) + " |", "|---|---|" + "---|" * len(others)]
    for i, layer in enumerate(base["layers"]):
        cells = []
        for e in others:
            l = results[e]["layers"][i]
            cells.append(f"{layer['cycles'] / l['cycles']:.2f} ({layer['compute_cycles'] / l['compute_cycles']:.2f})")
        lines.append(f"| {layer['name']} | {layer['cycles']} | " + " | ".join(cells) + " |")
    t = base["totals"]
    lines.append(f"| total | {t['cycles']} | " + " | ".join(
        f"{t['cycles'] / results[e]['totals']['cycles']:.2f} ({t['compute_cycles'] / results[e]['totals']['compute_cycles']:.2f})"
        for e in others) + " |")
    lines.append("")


def section_f(runner, workloads, lines):
    engines = ["lm1b", "lm2b"]
    lines += ["## (f) Per-filter-group weight precision", "",
              "`loom.weight_group_precision` off and on (docs/timing-model.md section 3.6), default platform "
              "otherwise. `Pw_g avg` is `pw_group_avg`, the mean Pw_g over the weights the device stored "
              "(MAC-weighted); weight bytes are `dram_bytes_by_kind.weights` (table entries plus planes "
              "when on). The sentence under each table says whether every output matched the golden reference.", ""]
    for workload in workloads:
        specs = [(workload, e, [f"loom.weight_group_precision={o}"]) for e in engines for o in ("false", "true")]
        results = runner.run_all(specs)
        for j, e in enumerate(engines):
            off, on = results[2 * j], results[2 * j + 1]
            lines += [f"`{workload}` on {e}:", "",
                      "| layer | Pw | Pw_g avg | compute off | compute on | cycles off | cycles on | "
                      "weight B off | weight B on |", "|---|---|---|---|---|---|---|---|---|"]
            for a, b in zip(off["layers"], on["layers"]):
                if a["type"] not in ("conv", "fc"):
                    continue
                lines.append(f"| {a['name']} | {a['stored_precision']['pw']} | {b['pw_group_avg']:.3f} | "
                             f"{a['compute_cycles']:,} | {b['compute_cycles']:,} | {a['cycles']:,} | "
                             f"{b['cycles']:,} | {a['dram_bytes_by_kind']['weights']:,} | "
                             f"{b['dram_bytes_by_kind']['weights']:,} |")
            ta, tb = off["totals"], on["totals"]
            wa = sum(l["dram_bytes_by_kind"]["weights"] for l in off["layers"])
            wb = sum(l["dram_bytes_by_kind"]["weights"] for l in on["layers"])
            checked = all(l["mismatches"] == 0 for r in (off, on) for l in r["layers"])
            lines += [f"| total | | | {ta['compute_cycles']:,} | {tb['compute_cycles']:,} | {ta['cycles']:,} | "
                      f"{tb['cycles']:,} | {wa:,} | {wb:,} |", "",
                      f"Change with the option on: compute {100 * (tb['compute_cycles'] / ta['compute_cycles'] - 1):+.2f} %, "
                      f"total cycles {100 * (tb['cycles'] / ta['cycles'] - 1):+.2f} %, weight bytes "
                      f"{100 * (wb / wa - 1):+.2f} %; outputs {'bit-exact' if checked else 'MISMATCH'} both ways.", ""]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loomvp", default=os.path.join(root, "build", "loomvp"))
    parser.add_argument("--out", default=os.path.join(root, "docs", "validation.md"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="tiny-conv, few points (smoke test)")
    parser.add_argument("--formulas-only", metavar="WORKLOAD",
                        help="only check (a) on WORKLOAD; print the table, write nothing")
    args = parser.parse_args()
    if not os.access(args.loomvp, os.X_OK):
        print(f"validate.py: --loomvp: {args.loomvp}: not an executable; build first", file=sys.stderr)
        return 2
    workload = "tiny-conv" if args.quick else "alexnet"
    bandwidths = [0.8, 12.8] if args.quick else BANDWIDTHS
    scales = [0.125, 1] if args.quick else BUFFER_SCALES
    lines = ["# LoomVP validation", "",
             "Generated by `tools/validate.py" + (" --quick" if args.quick else "") + "` from `loomvp run` "
             "statistics; do not edit by hand (the explanations below the tables are part of the script). "
             "Timing definitions: docs/timing-model.md. Cycles are Loom cycles at 1 GHz.", ""]
    with tempfile.TemporaryDirectory(prefix="loomvp-validate-") as tmp:
        runner = Runner(args.loomvp, args.jobs, tmp)
        if args.formulas_only:
            table = []
            errors = section_a(runner, args.formulas_only, table)
            print("\n".join(table))
            if errors:
                print("FAIL (a):\n  " + "\n  ".join(errors), file=sys.stderr)
            return 1 if errors else 0
        try:
            errors = section_a(runner, workload, lines)
            sweep = section_b(runner, workload, lines, bandwidths, os.path.join(root, "workloads", workload), tmp)
            lines += EXPLAIN_B
            section_c(runner, workload, lines, scales)
            lines += EXPLAIN_C
            section_d(runner, workload, lines)
            lines += EXPLAIN_D
            section_e(sweep, workload, lines)
            lines += EXPLAIN_E
            learned = [] if args.quick else ["fmnist"]  # --quick: tiny-conv alone
            section_f(runner, [workload] + [w for w in learned if os.path.isdir(os.path.join(root, "workloads", w))],
                      lines)
            lines += EXPLAIN_F
        except RuntimeError as e:
            print(f"validate.py: {e}", file=sys.stderr)
            return 1
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    if errors:
        print("FAIL (a):\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


EXPLAIN_B = ["How to read it:", "",
             "- Pools and fc layers are memory-bound at every swept bandwidth on every engine. A pool does "
             "16 windows x 16 channels per cycle and kernel position but reads and writes every pixel "
             "once. An fc layer uses each weight once per image and consumes 256 B of weights per cycle on "
             "every engine (base: 8 filters x 16 lanes x 2 B; Loom: 128 filters x 16 lanes x one 1-bit "
             "plane), hence the ~256 GB/s it would need.",
             "- Convolutions reuse each weight over many windows and stay compute-bound down to a few "
             "GB/s. The 13x13 layers (conv3-5) turn memory-bound first: their weights are the largest and "
             "are reused over only 169 windows; conv1 and conv2 (3025 and 729 windows) follow only at the "
             "lowest bandwidths.",
             "- base computes the convolutions 3-4x slower than Loom while moving about 2.8x more "
             "bytes (everything at 16 bits), so its convolutions need less bandwidth per cycle of compute "
             "and its knee is lower. stripes keeps 16-bit weights but computes conv 2-3x faster than base, "
             "so its convolutions need 2-3x base's bandwidth, close to Loom's.",
             "- Precision and the knee: traffic scales with the stored precisions (input with Pa, weights "
             "with Pw), while Loom's conv compute scales with Pw and with the activation precision the "
             "values actually need: dynamic precision trims the stored Pa away whatever it is. Storing at "
             "16 bits therefore tends to raise traffic more than compute (the sentence under the per-layer "
             "table says which way it went here). Without dynamic precision, compute would grow with "
             "Pa x Pw, faster than traffic, and the knee would move the other way.",
             "- Below the knee, total cycles grow close to 1/bandwidth (halving the bandwidth nearly "
             "doubles the time): the DRAM is busy all the time and the compute hides behind it "
             "(double buffering). Above it, the fc layers still scale with bandwidth, so no engine "
             "flattens out completely within the sweep.", ""]
EXPLAIN_C = ["How to read it:", "",
             "- At the smallest scales one tile does not fit (messages above): Loom's smallest weight tile "
             "is a whole 128-filter block, base's 16 filters, so Loom runs out of weight memory first "
             "while base, storing everything at 16 bits, runs out of activation memory first. The run "
             "then reports the setting to raise instead of a result.",
             "- Smaller buffers mean more, smaller tiles. Row bands re-read their halo (`KH - SY` input "
             "rows per band boundary: 7 rows of conv1), and when neither operand fits whole one of them is "
             "re-read once per tile of the other (the order with fewer bytes), so DRAM bytes grow as the "
             "buffers shrink; the differences are small next to the fc weights, which are read once at "
             "any size.",
             "- Cycles are not monotonic in the buffer size: larger tiles cut halo and re-load traffic "
             "but lengthen the pipeline fill (the first tile's load, counted as stall_data) and the drain "
             "(the last tile's write-back), which double buffering cannot hide; smaller tiles also fall "
             "back to a single buffer when two tiles do not fit, losing the overlap for that operand.",
             ""]
EXPLAIN_D = ["How to read it (AlexNet conv1: 3 x 227 x 227, 96 filters 11 x 11, stride 4, Pa 8, Pw 9; re-laid "
             "as 48 x 57 x 57, kernel 3 x 3, stride 1):", "",
             "- Compute drops 4.48x on every engine: the formulas (docs/timing-model.md section 3) charge a "
             "whole 16-lane brick per kernel position. Before, 1 brick x 121 positions with 3 of 16 lanes "
             "busy; after, 3 bricks x 9 positions with all 16 lanes busy; 121 / 27 = 4.48. By hand, lm1b: "
             "ceil(3025/16) x 9 x 3 x 8 x 9 = 369,360 cycles; base: 3025 x 12 x 9 x 3 = 980,100.",
             "- Lane utilisation rises to 0.84 on base and stripes, not 1: the re-laid kernel holds 69 zero "
             "weights of 432 (363 / 432 = 0.84). The Loom variants also leave 32 of 128 filter rows idle and "
             "the last window block partly empty: 0.84 x 0.75 x 3025/3040 = 0.627 on lm1b.",
             "- Input bytes drop 5.8x (7.4x on base, whose 16-bit input needs more row bands): the "
             "3-channel input was stored as one 16-channel brick per "
             "pixel (227 x 227 x 1 x 8 bits x 2 B = 824,464 B on Loom), the re-laid one as 3 full bricks "
             "per 4 x 4 block (57 x 57 x 3 x 8 x 2 = 155,952 B). The reads are a little above the stored "
             "sizes because row bands re-read their halo rows, far fewer with a 3-row kernel than with an "
             "11-row one. Weights drop 4.48x the same way (96 x 121 x 1 x 9 x 2 = 209,088 B before, "
             "96 x 9 x 3 x 9 x 2 = 46,656 B after on Loom); the output is the same tensor either way.",
             "- Fewer, larger tiles fit the buffers, so the first tile's load (stall_data) is shorter.",
             "- The network total drops by the conv1 saving alone (the pass touches only a strided conv "
             "with fewer than 16 channels that is the only reader of the network input). A mid-network "
             "layer would need the device to re-lay its input, which the host cannot do.", ""]
EXPLAIN_E = ["How to read it:", "",
             "- Compute speedups follow docs/timing-model.md section 3.4: conv about 256 / (Pa x Pw) on "
             "lm1b, less for partial blocks (conv1: 96 of 128 filter rows; 13x13 maps fill 169 of 176 "
             "window slots), more with "
             "dynamic precision (pa_dynamic_avg below Pa); 16 / Pa on stripes; fc 16 / Pw on Loom, while "
             "stripes runs fc at base speed (1.00).",
             "- Pools compute equally fast on every engine (1.00) but are memory-bound, so their total "
             "speedup is the ratio of bytes: 16 bits on base against the profile's precision.",
             "- fc layers are memory-bound on every engine, so their total speedup is the ratio of weight "
             "bytes, 16 / Pw on Loom; this equals their compute speedup, 16 / Pw, by coincidence of the "
             "two formulas, not because compute sets their time.",
             "- The total speedup is below the conv speedups because fc6-fc8 (memory-bound at 16 / Pw) "
             "take a large share of base's time.",
             "- lm2b and lm4b have the same peak but pay whole b-bit slices, ceil(pa / b) (pa = 5 costs 3 "
             "slices on lm2b and 2 on lm4b, i.e. 6 and 8 bits); their smaller precision groups (128 and 64 "
             "values per step) trim better but do not make up for the rounding, so conv speedups drop from "
             "lm1b to lm4b. conv1 is the exception: Pa = 8 is a multiple of 2 and 4, and its 3025 windows "
             "fill blocks of 4 and 8 slightly better than blocks of 16.", ""]

EXPLAIN_F = ["How to read it:", "",
             "- A weight group is 128 filters x 16 input channels at one kernel position (fc: 128 filters x "
             "16 inputs), the weights one Loom step consumes; its Pw_g is set by its widest weight. The "
             "seeded AlexNet weights are uniform over the whole +-(2^(Pw-1) - 1) range, so among up to "
             "2,048 weights one nearly always needs every bit: Pw_g = Pw everywhere, compute does not "
             "change, and the table is pure overhead there. (conv1's space-to-depth zeros do not make "
             "a group narrower: each re-laid brick holds all 16 phases of one input channel, and some of "
             "them reach real weights.)",
             "- The overhead: one table byte per group of weight traffic (1 / (2 x 128 x Pw) of the "
             "planes, +0.07 % on AlexNet) and one more DMA transfer per weight load (the table's "
             "entries, then the planes), whose round trip adds about 100-130 cycles to each tile that "
             "loads weights (conv1-conv5: one weight load each; fc7: 32 tiles, +4,096 cycles); on a small "
             "network whose time is mostly DMA latency, such as Fashion-MNIST, that is a few percent.",
             "- The stored layout also changes the shape of the loads: a group keeps its 128 filters' "
             "bricks together, so an fc tile that takes a chunk of the inputs reads one contiguous range "
             "per 128-filter block instead of 128 strided pieces (one per filter) with partial bursts at "
             "their ends. fc6, whose weights are loaded in input chunks, gets a little faster that way "
             "despite its extra table bytes; fc layers loaded in whole rows only pay the table.",
             "- Learned weights are not uniform: a trained network's filters differ in range, so groups "
             "whose weights are all small are stored and computed at fewer bits. On the Fashion-MNIST "
             "bundle fc1's mean Pw_g is below its Pw (5.42 of 6): its weight bytes drop about 10 % and its "
             "compute cycles 8 %, and, being memory-bound, its total cycles drop too. Its convolutions' "
             "groups need their full Pw (the learned profile Pw is already what their widest weights "
             "need), so there only the table's transfer shows, and the network as a whole takes a little "
             "longer.",
             "- The option is off by default: with it off every number in (a)-(e) is unchanged, and it "
             "models extra hardware (a Pw_g table read with the weights and an address generator that "
             "sums group sizes), a design choice to evaluate rather than Loom as published.", ""]

if __name__ == "__main__":
    sys.exit(main())
