#!/usr/bin/env python3
"""`smartmatch overview` end to end: the files it writes, with and without
the map geometry; every SVG (and the report's inline SVG) is well-formed XML
(xmllint); the matrices add up to the rows `smartmatch batch` writes; and
report.html renders non-blank in headless Chromium (skipped, with a message,
when Chromium cannot start).

usage: test_pictures.py SMARTMATCH_CLI   (SM_SOURCE_ROOT = the repository)
"""
import csv
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

CLI = None
ROOT = os.environ.get("SM_SOURCE_ROOT") or os.path.join(os.path.dirname(__file__), "..", "..")
SMES = os.path.join(ROOT, "examples", "data", "cadses_smes.csv")
DEV = os.path.join(ROOT, "examples", "data", "cadses_development.csv")
GEO = os.path.join(ROOT, "data", "nuts2021_60m.txt")
MAPS = ["choropleth.svg", "flows.svg"]
ALWAYS = ["regions.csv", "sectors.csv", "themes.csv", "potential.csv", "overview.json", "heatmap.svg",
          "themes.svg", "chord.svg", "report.html"]


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("SM_GEOMETRY", None)
    if env:
        e.update(env)
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=e)


def png_pixels(path):
    """(width, height, rows of RGBA bytes) of an 8-bit RGB(A) non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            bpp = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


class Overview(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sm_overview_test_")
        cls.out = os.path.join(cls.tmp, "with_maps")
        r = run("overview", "--data", SMES, "--development", DEV, "--geometry", GEO, "-k", "10", "--threads", "2",
                "--out", cls.out)
        assert r.returncode == 0, r.stderr
        cls.stdout = r.stdout

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_writes_every_file_and_says_where_the_report_is(self):
        for name in ALWAYS + MAPS:
            self.assertTrue(os.path.getsize(os.path.join(self.out, name)) > 0, name)
        self.assertIn("report: " + os.path.join(self.out, "report.html"), self.stdout)
        self.assertEqual([n for n in os.listdir(self.out) if ".tmp." in n], [])  # no temporary file left

    def test_without_geometry_everything_but_the_maps(self):
        out = os.path.join(self.tmp, "no_maps")
        r = run("overview", "--data", SMES, "--no-maps", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(out)), sorted(ALWAYS))
        self.assertIn("no maps", r.stdout)

    def test_svgs_and_report_are_well_formed(self):
        if not shutil.which("xmllint"):
            self.skipTest("xmllint not installed (Debian: libxml2-utils)")
        for name in sorted(os.listdir(self.out)):
            if name.endswith(".svg"):
                r = subprocess.run(["xmllint", "--noout", os.path.join(self.out, name)], capture_output=True,
                                   text=True, errors="replace")
                self.assertEqual(r.returncode, 0, name + ": " + r.stderr)
        # the report is written as well-formed XML (XHTML syntax), so its
        # inline SVG and the rest are checked in one go
        r = subprocess.run(["xmllint", "--noout", os.path.join(self.out, "report.html")],
                           capture_output=True, text=True, errors="replace")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.out, "report.html"), encoding="utf-8") as f:
            html = f.read()
        self.assertNotIn("<script", html)
        self.assertNotIn("http://", html.replace('xmlns="http://www.w3.org/2000/svg"', ""))
        self.assertIn("EuroGeographics", html)

    def test_matrices_add_up_to_the_batch(self):
        batch = os.path.join(self.tmp, "batch.csv")
        r = run("batch", "--data", SMES, "--development", DEV, "-k", "10", "--out", batch)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(batch, newline="") as f:
            rows = sum(1 for _ in csv.DictReader(f))
        for name in ("regions.csv", "sectors.csv", "themes.csv"):
            with open(os.path.join(self.out, name), newline="") as f:
                self.assertEqual(sum(int(r["links"]) for r in csv.DictReader(f)), rows, name)
        with open(os.path.join(self.out, "potential.csv"), newline="") as f:
            pot = list(csv.DictReader(f))
        self.assertTrue(pot)
        self.assertTrue(all(p["region_a"] != p["region_b"] and p["reasons"] for p in pot))

    def test_json_holds_the_csv_cells(self):
        with open(os.path.join(self.out, "overview.json"), encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["smes"], 2000)
        self.assertEqual(doc["links"], 20000)
        with open(os.path.join(self.out, "regions.csv"), newline="") as f:
            rows = {(r["region_a"], r["region_b"]): r for r in csv.DictReader(f) if int(r["links"])}
        cells = doc["matrices"]["regions"]["cells"]
        self.assertEqual(len(cells), len(rows))  # cells without links are left out of the JSON
        for c in cells:
            r = rows[c["row"], c["col"]]
            self.assertEqual(c["links"], int(r["links"]))
            self.assertAlmostEqual(c["lift"], float(r["lift"]), places=6)
            self.assertLessEqual(len(c["best"]), 5)

    def test_usage_errors(self):
        self.assertEqual(run("overview", "--data", SMES).returncode, 2)
        self.assertEqual(run("overview", "--data", SMES, "--level", "5", "--out", self.tmp).returncode, 2)
        self.assertEqual(run("overview", "--data", SMES, "--sector-level", "0", "--out", self.tmp).returncode, 2)
        r = run("overview", "--data", SMES, "--geometry", "/nonexistent.txt", "--out", self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent.txt", r.stderr)
        self.assertEqual(run("overview", "--help").returncode, 0)

    def test_report_renders_non_blank_in_chromium(self):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            self.skipTest("chromium not installed: report rendering not checked")
        png = os.path.join(self.tmp, "report.png")
        try:
            r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                "--disable-background-networking", "--hide-scrollbars", "--window-size=1000,1400",
                                "--screenshot=" + png, "file://" + os.path.join(self.out, "report.html")],
                               capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            self.skipTest("chromium did not finish within 120 s: report rendering not checked")
        if r.returncode != 0 or not os.path.isfile(png):
            self.skipTest("chromium could not start (%s): report rendering not checked" % r.stderr.strip()[-200:])
        w, h, bpp, rows = png_pixels(png)
        self.assertEqual((w, h), (1000, 1400))
        dark = coloured = 0
        for row in rows[::4]:
            for x in range(0, w * bpp, 4 * bpp):
                r_, g, b = row[x], row[x + 1], row[x + 2]
                dark += r_ + g + b < 200
                coloured += max(r_, g, b) - min(r_, g, b) > 40
        samples = (h // 4) * (w // 4)
        self.assertGreater(dark / samples, 0.002, "no text drawn")
        self.assertGreater(coloured / samples, 0.02, "no picture drawn")


HISTORY = os.path.join(ROOT, "examples", "data", "cadses_history.csv")
THEMES = os.path.join(ROOT, "examples", "data", "cadses_themes.csv")


class WithHistoryThemesAndFocus(unittest.TestCase):
    """--history (realised, untapped, the cooperated flag, untapped.svg),
    --themes (region x theme over named tag groups) and --focus (the map of
    one region's potential partners)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sm_overview_history_")
        cls.out = os.path.join(cls.tmp, "out")
        r = run("overview", "--data", SMES, "--development", DEV, "--history", HISTORY, "--themes", THEMES,
                "--geometry", GEO, "--focus", "SI03", "--focus", "AT13", "-k", "10", "--threads", "2",
                "--out", cls.out)
        assert r.returncode == 0, r.stderr
        cls.stdout = r.stdout

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def rows(self, name):
        with open(os.path.join(self.out, name), newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def test_files_and_well_formed_pictures(self):
        for name in ALWAYS + MAPS + ["untapped.svg", "focus-SI03.svg", "focus-AT13.svg"]:
            self.assertTrue(os.path.getsize(os.path.join(self.out, name)) > 0, name)
        self.assertIn("history: realised and untapped", self.stdout)
        self.assertIn("themes: 7 from", self.stdout)
        if shutil.which("xmllint"):
            for name in ("untapped.svg", "focus-SI03.svg", "themes.svg", "report.html"):
                r = subprocess.run(["xmllint", "--noout", os.path.join(self.out, name)], capture_output=True,
                                   text=True, errors="replace")
                self.assertEqual(r.returncode, 0, name + ": " + r.stderr)

    def test_realised_counts_every_ordered_pair_of_the_history(self):
        groups = {}
        with open(HISTORY, newline="") as f:
            for r in csv.DictReader(f):
                groups.setdefault(r["group"], set()).add(r["member"])
        pairs = {(a, b) for g in groups.values() for a in g for b in g if a != b}
        regions = self.rows("regions.csv")
        self.assertEqual(list(regions[0])[-2:], ["realised", "untapped"])
        self.assertEqual(sum(int(r["realised"]) for r in regions), len(pairs))
        for r in regions:
            self.assertLessEqual(float(r["untapped"]), float(r["score_sum"]) + 1e-6)
        pot = self.rows("potential.csv")
        flagged = [p for p in pot if int(p["cooperated"])]
        self.assertTrue(flagged)
        self.assertTrue(all((p["a"], p["b"]) in pairs for p in flagged))
        self.assertTrue(all((p["a"], p["b"]) not in pairs for p in pot if not int(p["cooperated"])))

    def test_theme_columns_are_the_themes_of_the_file(self):
        with open(THEMES, newline="") as f:
            names = list(dict.fromkeys(r["theme"] for r in csv.DictReader(f)))
        themes = self.rows("themes.csv")
        self.assertEqual(list(dict.fromkeys(r["theme"] for r in themes)), names)

    def test_errors_name_the_file_line_and_value(self):
        bad = os.path.join(self.tmp, "bad_themes.csv")
        with open(bad, "w") as f:
            f.write("theme,tag\ngreen,solar\n,nameless\n")
        r = run("overview", "--data", SMES, "--no-maps", "--themes", bad, "--out", self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad_themes.csv:3", r.stderr)
        r = run("overview", "--data", SMES, "--geometry", GEO, "--focus", "XX99", "--out", self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("XX99", r.stderr)
        r = run("overview", "--data", SMES, "--no-maps", "--focus", "SI03", "--out", self.tmp)
        self.assertEqual(r.returncode, 2)
        self.assertIn("geometry", r.stderr)


if __name__ == "__main__":
    CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
