#!/usr/bin/python3
"""Stats JSON files of two builds are identical but for what the host decides.

Usage: compare_stats.py BEFORE_DIR AFTER_DIR
Compares every *.json of BEFORE_DIR with the file of the same name in
AFTER_DIR, leaving out the host wall time ("host") and the build revision
("loomvp"). Exit 0 when all are equal; otherwise prints the first differing
paths. A host-speed change to the datapath must pass this on AlexNet on every
engine (docs/performance.md, "Checking a speed change"), e.g.

  for e in base stripes lm1b lm2b lm4b; do
    loomvp run --workload alexnet --engine $e --quiet --stats DIR/alexnet-$e.json; done
"""
import json
import os
import sys

HOST_FIELDS = ("host", "loomvp")


def differences(a, b, path=""):
    if type(a) is not type(b):
        yield path or "/"
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{path}/{key}"
            else:
                yield from differences(a[key], b[key], f"{path}/{key}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{path} (length {len(a)} vs {len(b)})"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {a!r} vs {b!r}"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    before, after = sys.argv[1:]
    names = sorted(n for n in os.listdir(before) if n.endswith(".json"))
    if not names:
        sys.exit(f"no .json files in {before}")
    failed = False
    for name in names:
        a, b = (json.load(open(os.path.join(d, name))) for d in (before, after))
        for field in HOST_FIELDS:
            a.pop(field, None)
            b.pop(field, None)
        diff = list(differences(a, b))
        print(f"{name}: {'identical' if not diff else f'{len(diff)} differences'}")
        for d in diff[:10]:
            print("  " + d)
        failed |= bool(diff)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
