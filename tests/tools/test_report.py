"""`loomvp report` (tools/report.py): files written, plot headers valid, the
Markdown table's ratios equal those computed here from separate runs' stats."""
import json
import math
import os
import re
import subprocess
import tempfile
import unittest

from separate_run import LOOMVP, run_totals
NETWORKS = ("tiny-conv", "tiny-1x1")


def separate_totals(workload, engine, bandwidth):
    return run_totals(workload, engine, "dram.bandwidth_gb_per_s=%s" % bandwidth)


def markdown_rows(text):
    """First table: network -> list of cells."""
    rows = {}
    for line in text.split("\n\n")[2].splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("*")] = cells[1:]
    return rows


@unittest.skipUnless(LOOMVP, "LOOMVP_BIN not set")
class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "report")
        proc = subprocess.run([LOOMVP, "report", "--out", cls.out, "--networks", ",".join(NETWORKS),
                               "--engines", "base,lm1b", "--bandwidths", "2,12.8", "--jobs", "2"],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        cls.stdout = proc.stdout

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.out, name)

    def test_files_written_with_valid_headers(self):
        plots = ["speedup", "bandwidth"] + ["layers-" + n for n in NETWORKS]
        for name in ["report.md", "report.json", "index.html"] + [p + e for p in plots for e in (".png", ".svg")]:
            self.assertGreater(os.path.getsize(self.path(name)), 100, name)
        for name in plots:
            with open(self.path(name + ".png"), "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", name)
            with open(self.path(name + ".svg")) as f:
                head = f.read(4000)
            self.assertTrue(head.startswith("<?xml"), name)
            self.assertIn("<svg", head, name)

    def test_html_is_offline_and_links_exist(self):
        with open(self.path("index.html")) as f:
            page = f.read()
        self.assertTrue(page.startswith("<!DOCTYPE html>"))
        self.assertNotRegex(page, r"(src|href)=\"(https?:)?//")
        links = re.findall(r"(?:src|href)=\"([^\"]+)\"", page)
        self.assertIn("speedup.svg", links)
        for link in links:
            self.assertTrue(os.path.exists(self.path(link)), link)
        self.assertIn("<table>", page)

    def test_markdown_ratios_equal_separate_runs(self):
        with open(self.path("report.md")) as f:
            rows = markdown_rows(f.read())
        speedups, efficiencies = [], []
        for net in NETWORKS:
            base, lm1b = (separate_totals(net, e, 12.8) for e in ("base", "lm1b"))
            speedup = base["cycles"] / lm1b["cycles"]
            speedups.append(speedup)
            # Columns: lm1b speedup, lm1b energy efficiency.
            self.assertEqual(rows[net][0], "%.2f" % speedup, net)
            if "energy_pj" in base:
                efficiency = base["energy_pj"]["total"] / lm1b["energy_pj"]["total"]
                efficiencies.append(efficiency)
                self.assertEqual(rows[net][1], "%.2f" % efficiency, net)
            else:
                self.assertEqual(rows[net][1], "n/a", net)
        self.assertEqual(rows["geomean"][0], "%.2f" % math.sqrt(speedups[0] * speedups[1]))
        if efficiencies:
            self.assertEqual(rows["geomean"][1], "%.2f" % math.sqrt(efficiencies[0] * efficiencies[1]))
            self.assertTrue(os.path.exists(self.path("energy.png")))
        with open(self.path("report.json")) as f:
            doc = json.load(f)
        self.assertAlmostEqual(doc["networks"][0]["engines"]["lm1b"]["speedup"], speedups[0], places=12)

    def test_bad_input(self):
        for args, word in ((["--engines", "lm3b"], "lm3b"), (["--networks", "nonet"], "nonet"),
                           (["--bandwidths", "x"], "--bandwidths")):
            proc = subprocess.run([LOOMVP, "report", "--out", os.path.join(self.tmp.name, "bad")] + args,
                                  capture_output=True, text=True)
            self.assertEqual(proc.returncode, 2, args)
            self.assertIn(word, proc.stderr)


if __name__ == "__main__":
    unittest.main()
