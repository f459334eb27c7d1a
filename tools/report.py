#!/usr/bin/python3
"""`loomvp report`: networks x engines x profiles, in the style of the Loom paper.

Runs every network (x profile) on every engine at several DRAM bandwidths
through the spec sweep (tools/sweep.py: one shared-work `loomvp sweep` per
network and profile, resumable: OUT/runs/NAME/points/), then writes to OUT:
  report.md      speedup and energy efficiency per network vs the baseline
                 engine at the platform's bandwidth, geometric mean
  report.json    the same numbers at full precision, with the stats files used
  speedup.*, layers-NET.*, bandwidth.*, energy.*   PNG + SVG plots
  index.html     the tables and plots (relative links, opens offline)
docs/user-guide.md ("report") defines every number.
"""
import argparse
import html
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep  # noqa: E402  (tools/sweep.py, next to this file)

ENGINES = ("base", "stripes", "lm1b", "lm2b", "lm4b")
QUICK = ("alexnet", "fmnist", "tiny-conv", "tiny-resnet", "tiny-1x1")
ENERGY_PARTS = ("compute", "weight_buffer", "activation_buffer", "output_buffer", "dram", "interconnect", "static")
STACK = (("compute_cycles", "compute"), ("stall_data_cycles", "stall: waiting for data"),
         ("stall_space_cycles", "stall: waiting for output space"), ("drain_cycles", "drain"))


def project_dir():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def available_networks():
    """name -> list of profiles (None: the bundle's own) of every network and built-in bundle."""
    nets = {}
    index = os.path.join(project_dir(), "workloads", "networks.json")
    try:
        with open(index) as f:
            for name, entry in json.load(f)["networks"].items():
                nets[name] = list(entry["profiles"])
    except (OSError, ValueError, KeyError):
        pass
    workloads = os.path.join(project_dir(), "workloads")
    for name in sorted(os.listdir(workloads)) if os.path.isdir(workloads) else []:
        if name not in nets and os.path.exists(os.path.join(workloads, name, "network.json")):
            nets[name] = [None]
    return nets


def comma_list(text):
    return [item for item in (text or "").split(",") if item]


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def fmt(value, digits=2):
    return "n/a" if value is None else "%.*f" % (digits, value)


def plot_save(fig, out, name):
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out, name + "." + ext), format=ext, metadata=sweep.plot_metadata(ext))


class Report:
    def __init__(self, args, out):
        self.args, self.out = args, out
        self.cases = []  # (label, workload, profile or None)

    def plan(self):
        nets = available_networks()
        names = list(nets) if self.args.all else comma_list(self.args.networks) or list(QUICK)
        profiles = comma_list(self.args.profiles)
        for name in names:
            if name not in nets:
                raise sweep.SpecError("--networks: %s: unknown; available: %s" % (sweep.clip(name, 60), ", ".join(nets)))
            choice = [None] if nets[name] == [None] else [p for p in profiles if p in nets[name]] if profiles \
                else [None]
            if not choice:
                sys.stderr.write("report: %s has none of the profiles %s; skipped\n" % (name, ", ".join(profiles)))
            for profile in choice:
                self.cases.append(("%s (%s)" % (name, profile) if profile else name, name, profile))
        if not self.cases:
            raise sweep.SpecError("--networks/--profiles: nothing to run")

    def run(self):
        """One spec sweep per case; returns {label: rows of that sweep}."""
        results = {}
        for label, workload, profile in self.cases:
            spec = {"out": os.path.join(self.out, "runs", workload + ("-" + profile if profile else "")),
                    "workload": [workload], "engine": list(self.engines),
                    "set": {"dram.bandwidth_gb_per_s": self.bandwidths}}
            if profile:
                spec["profile"] = [profile]
            spec_path = spec["out"] + ".json"
            os.makedirs(os.path.dirname(spec_path), exist_ok=True)
            with open(spec_path, "w") as f:
                json.dump(spec, f, indent=1)
            sys.stderr.write("report: %s\n" % label)
            argv = [spec_path, "--loomvp", self.args.loomvp, "--no-plot"]
            if self.args.jobs is not None:
                argv += ["--jobs", str(self.args.jobs)]
            if sweep.main(argv) == 2:
                raise sweep.SpecError("sweep of %s failed" % label)
            with open(os.path.join(spec["out"], "results.json")) as f:
                rows = json.load(f)["rows"]
            for row in rows:  # the per-layer stats, for the breakdown plot
                with open(os.path.join(spec["out"], "points", row["point"] + ".json")) as f:
                    row["stats"] = json.load(f).get("stats")
                row["stats_file"] = os.path.relpath(os.path.join(spec["out"], "points", row["point"] + ".json"), self.out)
            results[label] = rows
        return results

    def at_table_bandwidth(self, rows, engine):
        for row in rows:
            if row["engine"] == engine and row["dram.bandwidth_gb_per_s"] == self.table_bw and row["status"] == "pass":
                return row
        return None

    def tables(self, results):
        base = self.args.baseline
        others = [e for e in self.engines if e != base]
        table = {"baseline": base, "bandwidth_gb_per_s": self.table_bw, "networks": [], "geomean": {}}
        for label, rows in results.items():
            ref = self.at_table_bandwidth(rows, base)
            entry = {"network": label, "engines": {}}
            for engine in self.engines:
                row = self.at_table_bandwidth(rows, engine)
                speedup = ref["cycles"] / row["cycles"] if ref and row and row["cycles"] else None
                e_ref = ref and ref.get("energy_pj_total")
                e_row = row and row.get("energy_pj_total")
                efficiency = e_ref / e_row if e_ref and e_row else None
                entry["engines"][engine] = {"cycles": row and row["cycles"], "energy_pj": e_row, "speedup": speedup,
                                            "energy_efficiency": efficiency,
                                            "stats_file": row and row["stats_file"]}
            table["networks"].append(entry)
        for engine in self.engines:
            table["geomean"][engine] = {
                k: geomean([n["engines"][engine][k] for n in table["networks"]]) for k in ("speedup", "energy_efficiency")}
        lines = ["# LoomVP report", "",
                 "Speedup (performance, `totals.cycles` of %s / of the engine) and energy efficiency "
                 "(`totals.energy_pj.total` of %s / of the engine) at %g GB/s DRAM bandwidth; "
                 "geometric mean over the networks. n/a: no energy in the stats or the run failed." % (
                     base, base, self.table_bw), "",
                 "| network | " + " | ".join("%s speedup" % e for e in others) + " | "
                 + " | ".join("%s energy eff." % e for e in others) + " |",
                 "|---|" + "---:|" * (2 * len(others))]
        for n in table["networks"] + [{"network": "**geomean**", "engines": table["geomean"]}]:
            cells = [fmt(n["engines"][e]["speedup"]) for e in others] + \
                    [fmt(n["engines"][e]["energy_efficiency"]) for e in others]
            lines.append("| %s | %s |" % (n["network"], " | ".join(cells)))
        lines += ["", "Total cycles at %g GB/s:" % self.table_bw, "",
                  "| network | " + " | ".join(self.engines) + " |", "|---|" + "---:|" * len(self.engines)]
        for n in table["networks"]:
            lines.append("| %s | %s |" % (n["network"], " | ".join(
                "n/a" if n["engines"][e]["cycles"] is None else str(n["engines"][e]["cycles"]) for e in self.engines)))
        return table, "\n".join(lines) + "\n"

    def plots(self, results, table):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker

        written = []
        others = [e for e in self.engines if e != self.args.baseline]
        groups = table["networks"] + [{"network": "geomean", "engines": table["geomean"]}]
        width = 0.8 / max(1, len(others))
        for key, name, ylabel in (("speedup", "speedup", "speedup over %s" % self.args.baseline),
                                  ("energy_efficiency", "efficiency", "energy efficiency over %s" % self.args.baseline)):
            if key == "energy_efficiency" and not any(table["geomean"][e]["energy_efficiency"] for e in others):
                continue
            fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(groups)), 4))
            for i, engine in enumerate(others):
                ax.bar([g + i * width for g in range(len(groups))],
                       [n["engines"][engine][key] or 0 for n in groups], width, label=engine)
            ax.set_xticks([g + width * (len(others) - 1) / 2 for g in range(len(groups))])
            ax.set_xticklabels([n["network"] for n in groups], rotation=20, ha="right", fontsize=8)
            ax.axhline(1, color="black", lw=0.8)
            ax.set_ylabel(ylabel)
            ax.legend(fontsize=8)
            ax.set_title("%s at %g GB/s" % (ylabel, self.table_bw))
            fig.tight_layout()
            plot_save(fig, self.out, name)
            plt.close(fig)
            written.append((name, ylabel))

        for label, rows in results.items():  # per-layer breakdown, one panel per engine
            panels = [(e, self.at_table_bandwidth(rows, e)) for e in self.engines]
            panels = [(e, r) for e, r in panels if r and r["stats"]]
            if not panels:
                continue
            layers = panels[0][1]["stats"]["layers"]
            fig, axes = plt.subplots(1, len(panels), figsize=(max(6, 0.35 * len(layers) * len(panels) + 2), 4),
                                     sharey=True, squeeze=False)
            for ax, (engine, row) in zip(axes[0], panels):
                bottom = [0] * len(layers)
                for field, what in STACK:
                    values = [layer[field] for layer in row["stats"]["layers"]]
                    ax.bar(range(len(values)), values, bottom=bottom, label=what)
                    bottom = [b + v for b, v in zip(bottom, values)]
                ax.set_title(engine, fontsize=9)
                ax.set_xticks(range(len(layers)))
                ax.set_xticklabels([layer["name"] for layer in layers], rotation=90, fontsize=6)
            axes[0][0].set_ylabel("cycles")
            handles, labels = axes[0][0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="lower center", ncol=len(STACK), fontsize=7)
            fig.suptitle("%s: per-layer cycles, compute vs stalls, at %g GB/s" % (label, self.table_bw), fontsize=10)
            fig.tight_layout(rect=(0, 0.07, 1, 1))
            name = "layers-" + safe_name(label)
            plot_save(fig, self.out, name)
            plt.close(fig)
            written.append((name, "%s: per-layer cycle breakdown" % label))

        cols = min(3, len(results))
        fig, axes = plt.subplots(math.ceil(len(results) / cols), cols, figsize=(4.2 * cols, 3.3 * math.ceil(len(results) / cols)),
                                 squeeze=False)
        for ax, (label, rows) in zip(axes.flat, results.items()):
            for engine in self.engines:
                xy = sorted((r["dram.bandwidth_gb_per_s"], r["cycles"]) for r in rows
                            if r["engine"] == engine and r["status"] == "pass")
                ax.plot([p[0] for p in xy], [p[1] for p in xy], marker="o", label=engine)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_xticks(self.bandwidths)
            ax.set_title(label, fontsize=9)
            ax.set_xlabel("DRAM bandwidth (GB/s)", fontsize=8)
            ax.set_ylabel("total cycles", fontsize=8)
            ax.grid(True, alpha=0.3)
        for ax in list(axes.flat)[len(results):]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        fig.tight_layout()
        plot_save(fig, self.out, "bandwidth")
        plt.close(fig)
        written.append(("bandwidth", "total cycles vs DRAM bandwidth"))

        bars = [(n["network"], e, n["engines"][e]["stats_file"]) for n in table["networks"] for e in self.engines]
        energy = []
        for label, engine, _ in bars:
            row = self.at_table_bandwidth(results[label], engine)
            parts = (row and row["stats"] or {}).get("totals", {}).get("energy_pj")
            if parts:
                energy.append(("%s\n%s" % (label, engine), parts))
        if energy:
            fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(energy) + 2), 4.5))
            bottom = [0.0] * len(energy)
            for part in ENERGY_PARTS:
                values = [p.get(part, 0) / 1e6 for _, p in energy]
                ax.bar(range(len(energy)), values, bottom=bottom, label=part)
                bottom = [b + v for b, v in zip(bottom, values)]
            ax.set_xticks(range(len(energy)))
            ax.set_xticklabels([e[0] for e in energy], rotation=90, fontsize=6)
            ax.set_ylabel("energy (uJ)")
            ax.set_title("energy breakdown at %g GB/s" % self.table_bw)
            ax.legend(fontsize=7)
            fig.tight_layout()
            plot_save(fig, self.out, "energy")
            plt.close(fig)
            written.append(("energy", "energy breakdown"))
        return written

    def html_page(self, markdown, plots):
        body = [markdown_table_html(block) if block.startswith("|") else "<p>%s</p>" % html.escape(block.strip("# "))
                for block in markdown.split("\n\n") if block.strip()]
        figures = ['<figure><img src="%s.svg" alt="%s"><figcaption>%s (<a href="%s.png">PNG</a>)</figcaption></figure>'
                   % (name, html.escape(caption), html.escape(caption), name) for name, caption in plots]
        if not any(name == "energy" for name, _ in plots):
            figures.append("<p>No energy breakdown: the stats files hold no <code>totals.energy_pj</code>.</p>")
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>LoomVP report</title>\n<style>"
                "body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:1em 0}"
                "td,th{border:1px solid #999;padding:.2em .6em;text-align:right}td:first-child{text-align:left}"
                "img{max-width:100%}figure{margin:1.5em 0}</style></head><body>\n<h1>LoomVP report</h1>\n"
                + "\n".join(body[1:]) + "\n" + "\n".join(figures)
                + "\n<p>Data: <a href=\"report.json\">report.json</a>, <a href=\"report.md\">report.md</a>, "
                  "per-point stats under <code>runs/</code>.</p>\n</body></html>\n")


def markdown_table_html(block):
    rows = [line.strip("|").split("|") for line in block.splitlines() if line.startswith("|")]
    out = ["<table>"]
    for i, cells in enumerate(rows):
        if i == 1:
            continue  # the |---| line
        tag = "th" if i == 0 else "td"
        out.append("<tr>" + "".join("<%s>%s</%s>" % (tag, html.escape(c.strip().strip("*")), tag) for c in cells) + "</tr>")
    return "\n".join(out + ["</table>"])


def safe_name(label):
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in label).strip("-")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="loomvp report", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--networks", help="comma-separated (default: %s)" % ",".join(QUICK))
    parser.add_argument("--all", action="store_true", help="every network and built-in bundle (slow: hours)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated (default: all five)")
    parser.add_argument("--profiles", help="comma-separated; networks without any of them are skipped "
                                           "(default: each network's default profile)")
    parser.add_argument("--baseline", default="base", help="engine the ratios are relative to (default: base)")
    parser.add_argument("--bandwidths", default="3.2,6.4,12.8,25.6,51.2", help="DRAM GB/s for the bandwidth plot")
    parser.add_argument("--table-bandwidth", type=float, default=12.8,
                        help="GB/s of the tables and bar plots (default: mobile-soc's 12.8; one of --bandwidths)")
    parser.add_argument("--jobs", type=int, help="simulations at a time (default: one per CPU)")
    parser.add_argument("--loomvp", default=os.environ.get("LOOMVP_BIN", ""), help="the loomvp executable")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if args.all and args.networks:
            raise sweep.SpecError("--all/--networks: choose one")
        engines = comma_list(args.engines)
        bad = [e for e in engines if e not in ENGINES] or ([] if args.baseline in ENGINES else [args.baseline])
        if bad or not engines:
            raise sweep.SpecError("--engines/--baseline: %s: allowed %s" % (sweep.clip(",".join(bad), 60), ", ".join(ENGINES)))
        if args.baseline not in engines:
            engines.insert(0, args.baseline)
        try:
            bandwidths = [float(b) for b in comma_list(args.bandwidths)]
        except ValueError:
            raise sweep.SpecError("--bandwidths: %s: numbers, comma-separated" % sweep.clip(args.bandwidths, 60))
        if not bandwidths or not all(0.001 <= b <= 1e6 for b in bandwidths):
            raise sweep.SpecError("--bandwidths: each 0.001..1000000 GB/s")
        if args.table_bandwidth not in bandwidths:
            bandwidths.append(args.table_bandwidth)
        bandwidths = [int(b) if b == int(b) else b for b in sorted(bandwidths)]
        out = args.out
        os.makedirs(out, exist_ok=True)
        report = Report(args, out)
        report.engines, report.bandwidths = engines, bandwidths
        report.table_bw = int(args.table_bandwidth) if args.table_bandwidth == int(args.table_bandwidth) \
            else args.table_bandwidth
        report.plan()
        results = report.run()
    except (sweep.SpecError, OSError) as e:
        sys.stderr.write("loomvp: error: %s\n" % e)
        return 2
    table, markdown = report.tables(results)
    plots = report.plots(results, table)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(markdown)
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(dict(table, schema="loomvp-report", version=1, engines=engines, bandwidths_gb_per_s=bandwidths),
                  f, indent=1)
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(report.html_page(markdown, plots))
    sys.stdout.write(markdown)
    failed = sum(1 for rows in results.values() for r in rows if r["status"] != "pass")
    sys.stderr.write("report: %s/index.html, report.md, %d plots%s\n" % (
        out, len(plots), "; %d runs failed" % failed if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
