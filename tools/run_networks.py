#!/usr/bin/python3
"""Every network of `loomvp list` under each of its profiles on lm1b and base.

Runs `nice loomvp run --workload N --profile P --engine E --stats FILE` for every
network x profile x engine, a bounded number at once (--jobs); the engines of one
network/profile run one after the other, so the first generates and caches the bundle
and the second reuses it. Writes, into --out:

  NETWORK__PROFILE__ENGINE.json   the run's stats (loomvp --stats)
  NETWORK__PROFILE__ENGINE.log    its stdout and stderr
  NETWORK__PROFILE__ENGINE.result a one-line summary (exit code, cycles, DRAM bytes)
  networks.csv                    network, profile, engine, cycles, dram_bytes, passed, lm1b speedup over base
  networks.md                     the same as a Markdown table (README.md, docs/networks.md)

--resume keeps runs whose .result exists; --table-only rewrites the tables from them.
Exit 0 when every run passed (exit 0 of loomvp: every layer bit-exact).
"""
import argparse
import concurrent.futures
import csv
import json
import math
import re
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
import doc_tables  # noqa: E402
import networks  # noqa: E402

# Cheapest first, so a partial run still covers most networks.
ORDER = ["fmnist", "alexnet", "nin", "vgg_m", "vgg_s", "googlenet", "resnet18", "vgg19"]
# When one filter block does not fit the default weight buffer (ResNet-18's layer4 at 16
# bits, NiN's 1024-filter fc-like convs at Pw 16 on Loom), loomvp exits 2 naming the
# size it needs; the pair is rerun on both engines (one platform for the comparison)
# with the buffer rounded up to 64 KiB.
NEEDS_BUFFER = re.compile(r"loom\.weight_buffer_bytes = [0-9]+ cannot hold one tile.*allowed: at least "
                          r"([0-9]+)")


def all_networks():
    with open(networks.INDEX) as f:
        names = [n for n in json.load(f)["networks"] if n not in networks.INPUT_SET_VARIANTS]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def stem(network, profile, engine):
    return f"{network}__{profile}__{engine}"


def run_one(loomvp, out, network, profile, engine, settings):
    """One run; returns its summary dict (also written to .result)."""
    base = os.path.join(out, stem(network, profile, engine))
    cmd = ["nice", "-n", "10", loomvp, "run", "--workload", network, "--profile", profile,
           "--engine", engine, "--stats", base + ".json"]
    for s in settings:
        cmd += ["--set", s]
    start = time.monotonic()
    with open(base + ".log", "w") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
    res = {"network": network, "profile": profile, "engine": engine, "exit": rc,
           "host_seconds": round(time.monotonic() - start, 1), "settings": settings,
           "cycles": None, "dram_bytes": None, "passed": False}
    try:
        with open(base + ".json") as f:
            stats = json.load(f)
        t = stats["totals"]
        res["cycles"] = t["cycles"]
        res["dram_bytes"] = t["dram_bytes_read"] + t["dram_bytes_written"]
        res["passed"] = rc == 0 and bool(stats["result"]["passed"])
    except (OSError, ValueError, KeyError):
        pass  # no stats: the run failed before simulating (see the .log)
    with open(base + ".result", "w") as f:
        json.dump(res, f)
        f.write("\n")
    return res


def run_pair(loomvp, out, network, profile, engines, resume, say):
    paths = [os.path.join(out, stem(network, profile, e) + ".result") for e in engines]
    if resume and all(os.path.exists(p) for p in paths):
        return
    settings = []
    while True:
        needs = None
        for engine in engines:
            r = run_one(loomvp, out, network, profile, engine, settings)
            say(f"{network} {profile} {engine} {' '.join(settings)}: exit {r['exit']}, "
                f"{r['cycles']} cycles, {'passed' if r['passed'] else 'FAILED'} ({r['host_seconds']} s)")
            with open(os.path.join(out, stem(network, profile, engine) + ".log")) as f:
                m = NEEDS_BUFFER.search(f.read())
            if r["exit"] == 2 and m:
                needs = -(-int(m.group(1)) // 65536) * 65536
                break
        if not needs or settings:
            return
        settings = [f"loom.weight_buffer_bytes={needs}"]


def load_results(out):
    rows = []
    for name in sorted(os.listdir(out)):
        if name.endswith(".result"):
            with open(os.path.join(out, name)) as f:
                rows.append(json.load(f))
    return rows


def speedups(rows):
    """(network, profile) -> base cycles / lm1b cycles, where both passed."""
    by = {(r["network"], r["profile"], r["engine"]): r for r in rows}
    out = {}
    for (n, p, e), r in by.items():
        b = by.get((n, p, "base"))
        if e == "lm1b" and b and r["passed"] and b["passed"]:
            out[(n, p)] = b["cycles"] / r["cycles"]
    return out


def write_tables(out, rows):
    order = {n: i for i, n in enumerate(all_networks())}
    rows = sorted(rows, key=lambda r: (order.get(r["network"], 99), r["network"],
                                       networks.profiles(r["network"]).index(r["profile"])
                                       if r["profile"] in networks.profiles(r["network"]) else 99,
                                       r["engine"] != "base"))
    sp = speedups(rows)
    with open(os.path.join(out, "networks.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["network", "profile", "engine", "cycles", "dram_bytes", "passed",
                    "speedup_lm1b_over_base"])
        for r in rows:
            s = sp.get((r["network"], r["profile"])) if r["engine"] == "lm1b" else None
            w.writerow([r["network"], r["profile"], r["engine"], r["cycles"], r["dram_bytes"],
                        r["passed"], f"{s:.3f}" if s else ""])
    lines = ["| network | profile | base cycles | lm1b cycles | bit-exact (base, lm1b) | "
             "lm1b speedup over base |", "|---|---|---|---|---|---|"]
    pairs = []
    for r in rows:
        if (r["network"], r["profile"]) not in pairs:
            pairs.append((r["network"], r["profile"]))
    by = {(r["network"], r["profile"], r["engine"]): r for r in rows}
    for n, p in pairs:
        b, m = by.get((n, p, "base")), by.get((n, p, "lm1b"))
        cyc = lambda r: f"{r['cycles']:,}" if r and r["cycles"] else "-"  # noqa: E731
        ok = lambda r: ("yes" if r["passed"] else f"NO (exit {r['exit']})") if r else "not run"  # noqa: E731
        s = sp.get((n, p))
        buf = [x.split("=")[1] for r in (b, m) if r for x in r["settings"]
               if x.startswith("loom.weight_buffer_bytes=")]
        note = f" (weight buffer {int(buf[0]) // 1024} KiB)" if buf else ""
        lines.append(f"| {n} | {p}{note} | {cyc(b)} | {cyc(m)} | {ok(b)}, {ok(m)} | "
                     f"{f'{s:.2f}x' if s else '-'} |")
    # Per network: the speedup under its first reduced-precision profile (the papers' or
    # learned precisions; uniform8 for ResNet-18) and the geometric mean over its profiles.
    lines += ["", "| network | lm1b speedup over base (profile) | geometric mean over "
              "profiles | profiles bit-exact on both engines |", "|---|---|---|---|"]
    fmt = lambda x: f"{x:.2f}x" if x else "-"  # noqa: E731
    for n in dict.fromkeys(n for n, _ in pairs):
        vals = [s for (nn, _), s in sp.items() if nn == n]
        total = len([1 for nn, _ in pairs if nn == n])
        g = math.exp(sum(map(math.log, vals)) / len(vals)) if vals else None
        first = next(p for p in networks.profiles(n) if p != "uniform16")
        lines.append(f"| {n} | {fmt(sp.get((n, first)))} ({first}) | {fmt(g)} | {len(vals)} of {total} |")
    with open(os.path.join(out, "networks.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return rows


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loomvp", default=os.path.join(REPO, "build", "loomvp"))
    ap.add_argument("--out", default=os.path.join(REPO, "build", "networks-run"))
    ap.add_argument("--update-docs", action="store_true",
                    help="put the table into README.md and docs/networks.md")
    ap.add_argument("--jobs", type=int, default=2, help="network/profile pairs at once (1..8)")
    ap.add_argument("--networks", help="comma-separated (default: every network of the index)")
    ap.add_argument("--profiles", help="comma-separated (default: every profile of each network)")
    ap.add_argument("--engines", default="lm1b,base")
    ap.add_argument("--resume", action="store_true", help="keep runs that already have a .result")
    ap.add_argument("--table-only", action="store_true", help="only rewrite the tables")
    a = ap.parse_args(argv)
    if not 1 <= a.jobs <= 8:
        ap.error(f"--jobs {a.jobs}: allowed 1..8")
    known = all_networks()
    names = a.networks.split(",") if a.networks else known
    for n in names:
        if n not in known:
            ap.error(f"--networks: '{n[:80]}' is not a network; allowed: {', '.join(known)}")
    engines = a.engines.split(",")
    os.makedirs(a.out, exist_ok=True)
    say = lambda m: print(f"run_networks: {m}", flush=True)  # noqa: E731
    if not a.table_only:
        if not os.access(a.loomvp, os.X_OK):
            ap.error(f"--loomvp {a.loomvp[:200]}: not an executable; build first")
        pairs = [(n, p) for n in names for p in networks.profiles(n)
                 if not a.profiles or p in a.profiles.split(",")]
        say(f"{len(pairs) * len(engines)} runs, {a.jobs} at once, into {a.out}")
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
            futures = [pool.submit(run_pair, a.loomvp, a.out, n, p, engines, a.resume, say)
                       for n, p in pairs]
            for fut in futures:
                fut.result()
    rows = write_tables(a.out, load_results(a.out))
    say(f"tables: {os.path.join(a.out, 'networks.md')}, {os.path.join(a.out, 'networks.csv')}")
    if a.update_docs:
        with open(os.path.join(a.out, "networks.md")) as f:
            doc_tables.update_docs("networks-table", f.read(), say)
    return 0 if rows and all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
