#!/usr/bin/python3
"""Checks docs/errors.md: every row of a catalogue table (a table whose last
column is "test") names at least one test, and every test the file names
exists: a CTest test in BUILD_DIR, or for fuzz tests a harness declared in
tests/fuzz/CMakeLists.txt (built only in the clang tree).

usage: check_error_catalogue.py SOURCE_DIR BUILD_DIR
"""
import re
import subprocess
import sys

TEST_NAME = re.compile(r"`((?:cli|rv32|test_\w+|fuzz|fuzz-regress|docs)[.:][^`]+)`")


def main():
    source_dir, build_dir = sys.argv[1], sys.argv[2]
    listing = subprocess.run(["ctest", "-N", "--test-dir", build_dir], capture_output=True, text=True, check=True).stdout
    tests = {m.group(1) for m in re.finditer(r"Test\s+#\d+: (.+)$", listing, re.M)}
    fuzz_cmake = open(source_dir + "/tests/fuzz/CMakeLists.txt").read()
    harnesses = set(re.findall(r"^loomvp_fuzz_harness\((\w+) ", fuzz_cmake, re.M))
    problems, entries, references = [], 0, 0
    header = None  # the current table's header line
    for number, line in enumerate(open(source_dir + "/docs/errors.md"), 1):
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = line
        elif not line.startswith("|---") and header.rstrip().endswith("| test |"):
            entries += 1
            if not TEST_NAME.search(line):
                problems.append(f"docs/errors.md:{number}: entry without a test: {line.strip()[:100]}")
        for name in TEST_NAME.findall(line):
            references += 1
            if name.startswith("fuzz"):
                if name.split(".", 1)[1] not in harnesses:
                    problems.append(f"docs/errors.md:{number}: no fuzz harness for '{name}'")
            elif name not in tests:
                problems.append(f"docs/errors.md:{number}: no CTest test '{name}'")
    for problem in problems:
        print(problem)
    print(f"{entries} catalogue entries, {references} test references checked")
    return 1 if problems or entries == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
