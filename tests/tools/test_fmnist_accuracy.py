"""tools/fmnist_accuracy.py: the first 20 test images run in chunks of 7 give the same
correct-image counts and (within rounding of the chunks' printed means) the same cycles
and DRAM bytes per image as one 20-image run; the Markdown table carries them. The cache
is a temporary directory whose fmnist-test10k bundle is the committed fmnist bundle (the
same network; its input set is the first 500 test images), so nothing is generated.
doc_tables replaces only the text between its markers. Needs LOOMVP_BIN (set by CTest)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(REPO, "tools", "fmnist_accuracy.py")
BIN = os.environ.get("LOOMVP_BIN")
sys.path.insert(0, os.path.join(REPO, "tools"))
import doc_tables  # noqa: E402


class DocTablesTest(unittest.TestCase):
    def test_replace_between_markers(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.md")
            with open(path, "w") as f:
                f.write("a\n<!-- begin t -->\nold\n<!-- end t -->\nb\n")
            self.assertTrue(doc_tables.replace_between(path, "t", "| new |\n"))
            with open(path) as f:
                self.assertEqual(f.read(), "a\n<!-- begin t -->\n| new |\n<!-- end t -->\nb\n")
            self.assertFalse(doc_tables.replace_between(path, "other", "x"))


@unittest.skipUnless(BIN, "LOOMVP_BIN not set")
class FmnistAccuracyTest(unittest.TestCase):
    def run_tool(self, cache, chunk):
        out = os.path.join(cache, f"table-{chunk}.md")
        r = subprocess.run([sys.executable, TOOL, "--loomvp", BIN, "--images", "20", "--chunk",
                            str(chunk), "--profiles", "learned", "--engines", "lm1b", "--out", out],
                           capture_output=True, text=True,
                           env=dict(os.environ, LOOMVP_CACHE_DIR=cache))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-3000:])
        with open(os.path.splitext(out)[0] + ".json") as f:
            (res,) = json.load(f)
        with open(out) as f:
            return res, f.read(), r.stderr

    def test_chunks_equal_one_run(self):
        with tempfile.TemporaryDirectory() as cache:
            shutil.copytree(os.path.join(REPO, "workloads", "fmnist"),
                            os.path.join(cache, "v2", "fmnist-test10k", "learned"))
            whole, _, _ = self.run_tool(cache, 0)
            parts, md, log = self.run_tool(cache, 7)
            self.assertIn("14/20 images", log)
            self.assertEqual(parts["images"], 20)
            self.assertEqual(parts["correct"], whole["correct"])
            self.assertTrue(parts["passed"] and whole["passed"])
            self.assertGreater(parts["correct"]["device"], 10)  # a trained network
            for key in ("cycles_per_image", "dram_bytes_per_image"):
                self.assertLessEqual(abs(parts[key] - whole[key]), 1, key)
            self.assertIn(f"| learned | lm1b | 20 | {whole['device_top1']:.2f}% | "
                          f"{whole['reference_top1']:.2f}% |", md)


if __name__ == "__main__":
    unittest.main()
