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

Runs already done are kept in the cache (results-N-PROFILE-ENGINE.json) unless --rerun.
Exit 0 when every run passed (device == reference on every image), 1 otherwise, 2 bad args.
"""
import argparse
import json
import os
import re
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
                     r".*?per image: ([0-9]+) cycles, ([0-9]+) DRAM bytes; host ([0-9.]+) s", re.S)

COUNTS = re.compile(r"correct images: device ([0-9]+), reference ([0-9]+)(?:, float ([0-9]+))?")


def run_batch(loomvp, profile, engine, images, jobs):
    cmd = ["nice", "-n", "10", loomvp, "run", "--workload", "fmnist-test10k", "--profile", profile,
           "--engine", engine,
           "--batch", str(images), "--jobs", str(jobs)]
    # stderr (progress) goes straight to the terminal; stdout is the summary
    r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    m = SUMMARY.search(r.stdout)
    c = COUNTS.search(r.stdout)
    if not m:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}, no summary:\n{r.stdout[-2000:]}")
    return {"engine": engine, "images": images, "exit": r.returncode,
            "passed": r.returncode == 0 and "PASS:" in r.stdout,
            "device_top1": float(m.group(1)), "reference_top1": float(m.group(2)),
            "float_top1": float(m.group(3)), "cycles_per_image": int(m.group(4)),
            "dram_bytes_per_image": int(m.group(5)), "host_seconds": float(m.group(6)),
            "correct": {k: int(v) for k, v in zip(("device", "reference", "float"), c.groups())
                        if v is not None} if c else None}


def learned_bits():
    with open(os.path.join(FMNIST, "training.json")) as f:
        pa_pw = json.load(f)["learned_pa_pw"]
    n = len(pa_pw)
    mean = (sum(a for a, _ in pa_pw) / n, sum(w for _, w in pa_pw) / n)
    total = sum(MACS)
    weighted = (sum(m * a for m, (a, _) in zip(MACS, pa_pw)) / total,
                sum(m * w for m, (_, w) in zip(MACS, pa_pw)) / total)
    return pa_pw, mean, weighted


def table(results, images):
    pa_pw, mean, weighted = learned_bits()
    by = {(r["profile"], r["engine"]): r for r in results}
    lines = [f"Top-1 over {images:,} Fashion-MNIST test images; cycles and DRAM bytes are means "
             "per image; speedup = uniform8 cycles / learned cycles on the same engine.", "",
             "| profile | engine | device top-1 | reference top-1 | float top-1 | cycles / image | "
             "DRAM bytes / image | device = reference | learned speedup over uniform8 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for p in PROFILES:
        for e in ENGINES:
            r = by.get((p, e))
            if not r:
                lines.append(f"| {p} | {e} | not run | | | | | | |")
                continue
            u8 = by.get(("uniform8", e))
            sp = f"{u8['cycles_per_image'] / r['cycles_per_image']:.2f}x" if p == "learned" and u8 else ""
            lines.append(f"| {p} | {e} | {r['device_top1']:.2f}% | {r['reference_top1']:.2f}% | "
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
    ap.add_argument("--jobs", type=int, default=2, help="images at once per run (1..64)")
    ap.add_argument("--profiles", default=",".join(PROFILES))
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--out", default=os.path.join(REPO, "build", "fmnist-accuracy.md"))
    ap.add_argument("--rerun", action="store_true", help="ignore results kept in the cache")
    a = ap.parse_args(argv)
    if not 1 <= a.images <= 10000:
        ap.error(f"--images {a.images}: allowed 1..10000")
    if not 1 <= a.jobs <= 64:
        ap.error(f"--jobs {a.jobs}: allowed 1..64")
    profiles, engines = a.profiles.split(","), a.engines.split(",")
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
    for p in profiles:
        for e in engines:
            keep = os.path.join(root, f"results-{a.images}-{p}-{e}.json")
            if os.path.exists(keep) and not a.rerun:
                with open(keep) as f:
                    results.append(json.load(f))
                continue
            say(f"profile {p}, engine {e}: {a.images} images")
            start = time.monotonic()
            r = dict(run_batch(a.loomvp, p, e, a.images, a.jobs), profile=p)
            say(f"profile {p}, engine {e}: device {r['device_top1']:.2f}%, "
                f"{'passed' if r['passed'] else 'FAILED'} ({time.monotonic() - start:.0f} s)")
            with open(keep, "w") as f:
                json.dump(r, f)
            results.append(r)
    text = table(results, a.images)
    with open(a.out, "w") as f:
        f.write(text)
    with open(os.path.splitext(a.out)[0] + ".json", "w") as f:
        json.dump(results, f, indent=1)
    sys.stdout.write(text)
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
