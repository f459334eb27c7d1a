#!/usr/bin/python3
"""Fashion-MNIST top-1 accuracy on the device over the full test set, one command.

1. Runs `loomvp run --workload fmnist-test10k --profile P --engine E --batch N --jobs J`
   for each profile (learned, uniform8, uniform16) on lm1b and base (nice'd; loomvp shows
   images done and the rate on stderr). `fmnist-test10k` is the fmnist network with all
   10,000 test images of the Debian package dataset-fashion-mnist as its input set; loomvp
   generates it on first use into the cache ($LOOMVP_CACHE_DIR, else
   $XDG_CACHE_HOME/loomvp, else ~/.cache/loomvp; v2/fmnist-test10k/PROFILE), not into the
   repository.
2. Writes --out (Markdown): device, host integer reference and float top-1 accuracy,
   cycles and DRAM bytes per image, the learned bitlengths (mean Pa, Pw; MAC-weighted)
   and the learned profile's speedup over uniform8, plus a JSON of the same numbers.

Each chunk's result is kept in the cache (v2/fmnist-test10k/chunks/) and reused unless
--rerun, so an interrupted run resumes and --update-docs after a full run costs nothing.
Exit 0 when every run passed (device == reference on every image), 1 otherwise, 2 bad args.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))

PROFILES = ["learned", "uniform8", "uniform16"]
ENGINES = ["lm1b", "base"]
FMNIST = os.path.join(REPO, "workloads", "fmnist")
# MACs per conv/fc layer of the network (tools/bitprune_train.py)
MACS = [28 * 28 * 16 * 9, 14 * 14 * 32 * 16 * 9, 7 * 7 * 64 * 32 * 9, 576 * 64, 64 * 10]


def cache_dir():
    for var, sub in (("LOOMVP_CACHE_DIR", ""), ("XDG_CACHE_HOME", "loomvp")):
        if os.environ.get(var):
            return os.path.join(os.environ[var], sub)
    return os.path.join(os.path.expanduser("~"), ".cache", "loomvp")


SUMMARY = re.compile(r"device ([0-9.]+)%, host integer reference ([0-9.]+)%, float model ([0-9.]+)%"
                     r".*?per image: ([0-9]+) cycles, ([0-9]+) DRAM bytes;.*?host ([0-9.]+) s", re.S)


def ensure_bundle(loomvp, profile, root):
    """The fmnist-test10k bundle of `profile` (loomvp generates it on first use)."""
    bundle = os.path.join(root, profile)
    if not os.path.exists(os.path.join(bundle, "network.json")):
        subprocess.run(["nice", "-n", "10", loomvp, "run", "--workload", "fmnist-test10k", "--profile",
                        profile, "--quiet"], stdout=subprocess.DEVNULL, check=True)
    return bundle


def chunk_bundle(bundle, first, count, out):
    """A copy of `bundle` whose input set is images first..first+count-1 (the loader
    refuses symlinks leaving a bundle, and the other tensors are a few KB)."""
    import numpy as np
    if os.path.exists(os.path.join(out, "network.json")):
        return out
    with open(os.path.join(bundle, "network.json")) as f:
        net = json.load(f)
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    sets = {v["file"] for k, v in net["input_set"].items() if k != "count"}
    for name in os.listdir(os.path.join(bundle, "data")):
        rel = os.path.join("data", name)
        if rel not in sets:
            shutil.copyfile(os.path.join(bundle, rel), os.path.join(out, rel))
    for rel in sets:
        np.save(os.path.join(out, rel), np.load(os.path.join(bundle, rel))[first:first + count])
    net["input_set"]["count"] = count
    with open(os.path.join(out, "network.json.tmp"), "w") as f:
        json.dump(net, f, indent=1)
    os.replace(os.path.join(out, "network.json.tmp"), os.path.join(out, "network.json"))
    return out



def run_batch(loomvp, workload, engine, images, jobs):
    cmd = ["nice", "-n", "10", loomvp, "run", "--workload", workload, "--engine", engine,
           "--batch", str(images), "--jobs", str(jobs)]
    # stderr (progress) goes straight to the terminal; stdout is the summary
    r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    m = SUMMARY.search(r.stdout)
    if not m:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}, no summary:\n{r.stdout[-2000:]}")
    return {"engine": engine, "images": images, "exit": r.returncode,
            "passed": r.returncode == 0 and "PASS:" in r.stdout,
            "device_top1": float(m.group(1)), "reference_top1": float(m.group(2)),
            "float_top1": float(m.group(3)), "cycles_per_image": int(m.group(4)),
            "dram_bytes_per_image": int(m.group(5)), "host_seconds": float(m.group(6)),
            # two decimals of a percentage of at most 10,000 images are an exact count
            "correct": {k: round(float(m.group(i)) * images / 100)
                        for i, k in ((1, "device"), (2, "reference"), (3, "float"))}}


def run_chunks(a, images, bundle, profile, engine, root, say):
    """The first `images` images in runs of a.chunk images, each on a copy of the bundle
    holding only its images: today every image's process reads the bundle's whole input set
    again (1.4 s per image for 10,000 images, 0.05 s for 500). Sums the chunks' counts."""
    size = a.chunk or images
    parts, start, ran = [], time.monotonic(), 0
    for first in range(0, images, size):
        count = min(size, images - first)
        workload = bundle if not a.chunk else chunk_bundle(
            bundle, first, count, os.path.join(root, "chunks", f"{profile}-{first}-{count}"))
        keep = os.path.join(root, "chunks", f"result-{profile}-{engine}-{first}-{count}.json")
        if os.path.exists(keep) and not a.rerun:
            with open(keep) as f:
                parts.append(json.load(f))
        else:
            parts.append(run_batch(a.loomvp, workload, engine, count, a.jobs))
            ran += count
            os.makedirs(os.path.dirname(keep), exist_ok=True)
            with open(keep, "w") as f:
                json.dump(parts[-1], f)
        done = first + count
        rate = f"{ran / max(time.monotonic() - start, 1e-9):.1f} images/s" if ran else "kept from an earlier run"
        say(f"profile {profile}, engine {engine}: {done}/{images} images, {rate}")
    n = sum(p["images"] for p in parts)
    correct = {k: sum(p["correct"][k] for p in parts) for k in ("device", "reference", "float")}
    mean = lambda key: round(sum(p[key] * p["images"] for p in parts) / n)  # noqa: E731
    return {"engine": engine, "images": n, "exit": max(p["exit"] for p in parts),
            "passed": all(p["passed"] for p in parts), "correct": correct,
            "device_top1": 100 * correct["device"] / n, "reference_top1": 100 * correct["reference"] / n,
            "float_top1": 100 * correct["float"] / n, "cycles_per_image": mean("cycles_per_image"),
            "dram_bytes_per_image": mean("dram_bytes_per_image"),
            "host_seconds": round(sum(p["host_seconds"] for p in parts), 1)}


def learned_bits():
    with open(os.path.join(FMNIST, "training.json")) as f:
        pa_pw = json.load(f)["learned_pa_pw"]
    n = len(pa_pw)
    mean = (sum(a for a, _ in pa_pw) / n, sum(w for _, w in pa_pw) / n)
    total = sum(MACS)
    weighted = (sum(m * a for m, (a, _) in zip(MACS, pa_pw)) / total,
                sum(m * w for m, (_, w) in zip(MACS, pa_pw)) / total)
    return pa_pw, mean, weighted


def table(results):
    pa_pw, mean, weighted = learned_bits()
    by = {(r["profile"], r["engine"]): r for r in results}
    lines = ["Top-1 over the first N Fashion-MNIST test images; cycles and DRAM bytes are means "
             "per image; speedup = uniform8 cycles / learned cycles on the same engine.", "",
             "| profile | engine | images N | device top-1 | reference top-1 | float top-1 | "
             "cycles / image | DRAM bytes / image | device = reference | learned speedup over "
             "uniform8 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for p in PROFILES:
        for e in ENGINES:
            r = by.get((p, e))
            if not r:
                lines.append(f"| {p} | {e} | not run | | | | | | | |")
                continue
            u8 = by.get(("uniform8", e))
            sp = f"{u8['cycles_per_image'] / r['cycles_per_image']:.2f}x" if p == "learned" and u8 else ""
            lines.append(f"| {p} | {e} | {r['images']:,} | {r['device_top1']:.2f}% | {r['reference_top1']:.2f}% | "
                         f"{r['float_top1']:.2f}% | {r['cycles_per_image']:,} | "
                         f"{r['dram_bytes_per_image']:,} | "
                         f"{'yes' if r['passed'] else 'NO'} | {sp} |")
    lines += ["", "Learned per-layer (Pa, Pw), conv1..fc2: " +
              ", ".join(f"({a}, {w})" for a, w in pa_pw) +
              f"; mean Pa {mean[0]:.2f}, Pw {mean[1]:.2f} bits; MAC-weighted mean Pa "
              f"{weighted[0]:.2f}, Pw {weighted[1]:.2f} bits."]
    return "\n".join(lines) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loomvp", default=os.path.join(REPO, "build", "loomvp"))
    ap.add_argument("--images", type=int, default=10000, help="first N test images (1..10000)")
    ap.add_argument("--update-docs", action="store_true",
                    help="put the table into README.md and docs/networks.md")
    ap.add_argument("--base-images", type=int, help="images on base (default --images): accuracy is "
                    "the same bundle's, only cycles and bytes per image differ")
    ap.add_argument("--limit", action="append", default=[], metavar="PROFILE,ENGINE=N",
                    help="images for one configuration (when time is short), e.g. uniform16,lm1b=5000")
    ap.add_argument("--jobs", type=int, default=2, help="images at once per run (1..64)")
    ap.add_argument("--profiles", default=",".join(PROFILES))
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--out", default=os.path.join(REPO, "build", "fmnist-accuracy.md"))
    ap.add_argument("--rerun", action="store_true", help="ignore results kept in the cache")
    ap.add_argument("--chunk", type=int, default=500,
                    help="images per loomvp run (0: one run); see run_chunks")
    a = ap.parse_args(argv)
    for opt, n in (("--images", a.images), ("--base-images", a.base_images or a.images)):
        if not 1 <= n <= 10000:
            ap.error(f"{opt} {n}: allowed 1..10000")
    if not 0 <= a.chunk <= 10000:
        ap.error(f"--chunk {a.chunk}: allowed 0..10000")
    if not 1 <= a.jobs <= 64:
        ap.error(f"--jobs {a.jobs}: allowed 1..64")
    profiles, engines = a.profiles.split(","), a.engines.split(",")
    limits = {}
    for item in a.limit:
        key, _, n = item.partition("=")
        p, _, e = key.partition(",")
        if p not in PROFILES or e not in ENGINES or not n.isdigit() or not 1 <= int(n) <= 10000:
            ap.error(f"--limit {item[:80]}: expected PROFILE,ENGINE=N with a profile of "
                     f"{', '.join(PROFILES)}, an engine of {', '.join(ENGINES)}, N 1..10000")
        limits[(p, e)] = int(n)
    for p in profiles:
        if p not in PROFILES:
            ap.error(f"--profiles: '{p[:80]}'; allowed: {', '.join(PROFILES)}")
    for e in engines:
        if e not in ENGINES:
            ap.error(f"--engines: '{e[:80]}'; allowed: {', '.join(ENGINES)}")
    if not os.access(a.loomvp, os.X_OK):
        ap.error(f"--loomvp {a.loomvp[:200]}: not an executable; build first")
    say = lambda m: print(f"fmnist_accuracy: {m}", file=sys.stderr, flush=True)  # noqa: E731
    root = os.path.join(cache_dir(), "v2", "fmnist-test10k")
    os.makedirs(root, exist_ok=True)
    results = []
    for e in engines:  # lm1b first: every profile's accuracy over the test set early
        for p in profiles:
            images = limits.get((p, e), a.base_images if e == "base" and a.base_images else a.images)
            say(f"profile {p}, engine {e}: {images} images")
            start = time.monotonic()
            r = dict(run_chunks(a, images, ensure_bundle(a.loomvp, p, root), p, e, root, say), profile=p)
            say(f"profile {p}, engine {e}: device {r['device_top1']:.2f}%, "
                f"{'passed' if r['passed'] else 'FAILED'} ({time.monotonic() - start:.0f} s)")
            results.append(r)
    text = table(results)
    with open(a.out, "w") as f:
        f.write(text)
    with open(os.path.splitext(a.out)[0] + ".json", "w") as f:
        json.dump(results, f, indent=1)
    sys.stdout.write(text)
    if a.update_docs:
        import doc_tables
        doc_tables.update_docs("fmnist-table", text, say)
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
