"""Tests of the smartmatch command-line tool (examples/cli).

Run by meson as: python3 tests/cli/test_cli.py PATH/TO/smartmatch
CliTest writes its own small data files into a temporary directory, so that
exact figures do not depend on the bundled sample data. SampleDataTest runs
the tool on the sample data (examples/data): batch against match, the
recall of the planted pairs under the default weighting, and the examples
of docs/cli.md (tests/cli/cli_docs.py).
"""

import csv
import io
import json
import os
import pty
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

CLI = None  # set from argv in __main__
ROOT = Path(os.environ.get("SM_SOURCE_ROOT", Path(__file__).resolve().parents[2]))

CRITERIA = ["complementarity", "sector_affinity", "region_reach", "cohesion", "size_fit", "cooperation_fit",
            "language"]

HEADER = "id,name,region,sectors,size,employees,founded,offers,needs,cooperation,languages\n"
SMES = [
    "SI-1,Kovinarstvo Novak d.o.o.,SI032,C25.62;C28.41,small,23,1998,cnc machining;welding,"
    "erp integration;export distribution,subcontracting;supply,sl;en;de\n",
    "AT-1,Holzbau Steiner GmbH,AT221,C16.10,micro,5,2001,wood processing;erp integration,cnc machining,"
    "supply;distribution,de;en\n",
    "HR-1,Vinarija Čačić,HR031,A01.21,medium,80,1970,wine;tourism packages,food packaging;export distribution,"
    "distribution,hr;en\n",
    "HR-2,Dubrovačko-neretvanska Softverska Kuća Žužić d.o.o.,HR037,J62.01,small,15,2010,"
    "erp integration;export distribution,welding;tourism packages,joint_venture;services,hr;en;it\n",
    "HU-1,Fejér Csomagoló Kft.,HU211,C17.21,small,30,1995,food packaging,wine,supply,hu;de\n",
    "IT-1,Trieste Logistica S.r.l.,ITH44,H52.29,medium,120,1985,export distribution,"
    "cnc machining;food packaging,distribution;services,it;en;sl\n",
    "SI-2,Pomurje Turizem,SI031,I55.10,micro,4,2015,tourism packages,wine;erp integration,joint_venture,sl;hu\n",
    "EL-1,Θεσσαλονίκη Trading,EL522,G46.69,small,12,2005,export distribution,welding,distribution,el;en\n",
]
IDS = [row.split(",", 1)[0] for row in SMES]
COUNTRY = {i: i.split("-")[0] for i in IDS}
DEVELOPMENT = "region,development,source\nSI03,85,test\nAT22,120,test\nHR03,60,test\nHU21,70,test\n" \
              "ITH4,110,test\n"
# Line numbers (1-based, header = 1) of the broken rows below.
BROKEN = HEADER + SMES[0] + \
    "XX-1,Bad Region,SI9,C25.11,small,12,1994,x,y,supply,sl\n" + \
    SMES[1] + \
    "XX-2,Bad Sector,SI032,Q99.99.9,small,12,1994,x,y,supply,sl\n" + \
    "XX-3,Bad Year,SI032,C25.11,small,12,3000,x,y,supply,sl\n"
BROKEN_LINES = [3, 5, 6]



def same_columns(single_csv, rows):
    """match's CSV rows cut to batch's columns: match adds the explanation columns at the end."""
    keys = list(rows[0].keys()) if rows else []
    return [{k: r[k] for k in keys} for r in csv.DictReader(io.StringIO(single_csv))]

def run(*args, check=None):
    """Runs the CLI; returns the CompletedProcess (text, UTF-8 strict)."""
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, timeout=120)
    proc.stdout = proc.stdout.decode("utf-8")  # raises if a cell was cut inside a character
    proc.stderr = proc.stderr.decode("utf-8")
    if check is not None and proc.returncode != check:
        raise AssertionError(f"exit {proc.returncode}, expected {check}: {args}\n{proc.stdout}\n{proc.stderr}")
    return proc


def json_matches(doc):
    """The match objects of the library's JSON, whichever envelope it uses."""
    if isinstance(doc, dict):
        for key in ("matches", "results", "partners"):
            if key in doc:
                return json_matches(doc[key])
        raise AssertionError(f"unexpected JSON object: {sorted(doc)}")
    out = []
    for item in doc:
        if isinstance(item, dict) and "matches" in item:
            out.extend(json_matches(item["matches"]))
        else:
            out.append(item)
    return out


def breakdown(item):
    """criterion -> score of one JSON match."""
    b = item.get("breakdown", item.get("criteria", item))
    if isinstance(b, list):
        b = {e.get("name", e.get("criterion")): e.get("score") for e in b}
    return {k: float(b[k]) for k in CRITERIA if k in b}


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = Path(cls.tmp.name)
        cls.smes = d / "smes.csv"
        cls.smes.write_text(HEADER + "".join(SMES), encoding="utf-8")
        cls.dev = d / "development.csv"
        cls.dev.write_text(DEVELOPMENT, encoding="utf-8")
        cls.broken = d / "broken.csv"
        cls.broken.write_text(BROKEN, encoding="utf-8")
        cls.dir = d

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def data(self):
        return ["--data", self.smes, "--development", self.dev]

    def assertUsage(self, *args, msg=None):
        p = run(*args)
        self.assertEqual(p.returncode, 2, f"{args}: {p.stdout} {p.stderr}")
        self.assertTrue(p.stderr.startswith("smartmatch: "), p.stderr)
        if msg:
            self.assertIn(msg, p.stderr)
        return p

    def assertFailure(self, *args, msg=None):
        p = run(*args)
        self.assertEqual(p.returncode, 1, f"{args}: {p.stdout} {p.stderr}")
        self.assertTrue(p.stderr.startswith("smartmatch: "), p.stderr)
        if msg:
            self.assertIn(msg, p.stderr)
        return p

    # ---- help, version, usage errors ----------------------------------------

    def test_version(self):
        p = run("--version", check=0)
        self.assertRegex(p.stdout, r"^smartmatch \d+\.\d+\.\d+")

    def test_help(self):
        p = run("--help", check=0)
        for cmd in ("match", "explain", "info", "validate", "batch"):
            self.assertIn(cmd, p.stdout)
        self.assertEqual(run().returncode, 2)

    def test_subcommand_help(self):
        for cmd in ("match", "explain", "info", "validate", "batch"):
            p = run(cmd, "--help", check=0)
            self.assertIn(f"usage: smartmatch {cmd}", p.stdout)
            self.assertIn("--help", p.stdout)
            self.assertEqual(p.stderr, "")
        self.assertIn("--cross-border", run("match", "-h", check=0).stdout)
        self.assertIn("--threads", run("batch", "--help", check=0).stdout)

    def test_bad_usage(self):
        d = self.data()
        self.assertUsage("frobnicate", msg="unknown command")
        self.assertUsage("match", *d, "--id", "SI-1", "--bogus", msg="--bogus")
        self.assertUsage("match", *d, "--id", "SI-1", "-x", msg="-x")
        self.assertUsage("match", *d, "--id", msg="needs an argument")
        self.assertUsage("match", *d, "--id", "SI-1", "-k", msg="-k")
        self.assertUsage("match", *d, "--id", "SI-1", "-k", "ten", msg="-k")
        self.assertUsage("match", *d, "--id", "SI-1", "-k", "-1")
        self.assertUsage("match", *d, "--id", "SI-1", "-k", "5x")
        self.assertUsage("match", *d, "--id", "SI-1", "--max-km", "far", msg="--max-km")
        self.assertUsage("match", *d, "--id", "SI-1", "--min-score", "1.5", msg="--min-score")
        self.assertUsage("match", *d, "--id", "SI-1", "--format", "xml", msg="unknown format")
        self.assertUsage("match", *d, "--id", "SI-1", "--cross-region", "4", msg="--cross-region")
        self.assertUsage("match", *d, "--id", "SI-1", "--cross-sector", "0", msg="--cross-sector")
        self.assertUsage("match", *d, "--id", "SI-1", "--country", "Slovenia", msg="--country")
        self.assertUsage("match", *d, "--id", "SI-1", "--size", "huge", msg="--size")
        self.assertUsage("match", *d, "--id", "SI-1", "--preset", "nonsense", msg="--preset")
        self.assertUsage("match", *d, "--id", "SI-1", "--weights", "complementarity", msg="--weights")
        p = self.assertUsage("match", *d, "--id", "SI-1", "--weights", "bogus=1", msg="--weights")
        self.assertIn("bogus", p.stderr)
        self.assertNotIn("weights: weights", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertUsage("match", *d, msg="--id")
        self.assertUsage("match", "--id", "SI-1", msg="--data")
        self.assertUsage("match", *d, "--id", "SI-1", "extra", msg="extra")
        self.assertUsage("explain", *d, "SI-1", msg="missing argument")
        self.assertUsage("explain", *d, "SI-1", "AT-1", "HR-1")
        self.assertUsage("explain", *d, "--cross-border", "SI-1", "AT-1")  # filters do not apply
        self.assertUsage("explain", *d, "SI-1", "SI-1", msg="two different SMEs")
        self.assertUsage("explain", *d, "SI-1", "AT-1", "-k", "3", msg="-k")
        self.assertUsage("validate", "--data", self.smes, msg="--data")
        self.assertUsage("info", *d, "extra", msg="extra")
        self.assertUsage("info", *d, "--id", "SI-1", msg="--id")
        self.assertUsage("info", msg="--data")
        self.assertUsage("validate", msg="missing argument")
        self.assertUsage("batch", *d, "--out", self.dir / "x.txt", msg="format")
        self.assertUsage("batch", *d, msg="--out")
        self.assertUsage("batch", *d, "--out", self.dir / "x.csv", "--format", "table")
        self.assertUsage("batch", *d, "--out", self.dir / "x.csv", "--threads", "many")

    def test_failures(self):
        d = self.data()
        self.assertFailure("match", *d, "--id", "NOPE-1", msg="NOPE-1")
        self.assertFailure("explain", *d, "SI-1", "NOPE-2", msg="NOPE-2")
        missing = self.dir / "missing.csv"
        self.assertFailure("match", "--data", missing, "--id", "SI-1", msg="missing.csv")
        self.assertFailure("info", "--data", missing, msg="missing.csv")
        # A broken file is refused as a whole, naming file and line of the first problem.
        p = self.assertFailure("match", "--data", self.broken, "--id", "SI-1")
        self.assertIn("broken.csv:3", p.stderr)
        ids = self.dir / "ids_bad.txt"
        ids.write_text("SI-1\nNOPE-3\n")
        out = self.dir / "fail.csv"
        self.assertFailure("batch", *d, "--out", out, "--ids", ids, msg="ids_bad.txt:2")
        self.assertFalse(out.exists())
        self.assertFailure("batch", *d, "--out", out, "--ids", self.dir / "no_ids.txt", msg="no_ids.txt")
        self.assertFailure("batch", *d, "--out", self.dir / "no" / "such" / "dir.csv", msg="dir.csv")
        # Write errors: exit 1. A failed batch removes its partial output only when
        # it is a plain file (here a symbolic link to a full device stays).
        if os.path.exists("/dev/full"):
            link = self.dir / "full.csv"
            link.symlink_to("/dev/full")
            self.assertFailure("batch", *d, "--out", link, "--format", "csv", msg="write error")
            self.assertTrue(link.is_symlink())
            with open("/dev/full", "w") as full:
                p = subprocess.run([CLI, "match", *map(str, d), "--id", "SI-1"], stdout=full, stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"cannot write the output", p.stderr)
        self.assertFailure("match", "--data", self.smes, "--data", self.broken, "--id", "SI-1", msg="broken.csv:3")
        # Errors go to stderr only.
        p = self.assertFailure("match", *d, "--id", "NOPE-1")
        self.assertEqual(p.stdout, "")

    # ---- match -----------------------------------------------------------------

    def test_match_table(self):
        p = run("match", *self.data(), "--id", "SI-1", "-k", "7", check=0)
        lines = p.stdout.splitlines()
        # Header: the querying SME by id, name, region name and code, country, sector code and title.
        self.assertIn("SI-1", lines[0])
        self.assertIn("Kovinarstvo Novak", lines[0])
        self.assertIn("Podravska (SI032)", lines[0])
        self.assertIn("25.62", lines[0])
        self.assertIn("top 7 partners", p.stdout)
        rows = [line for line in lines if line[:3].strip().isdigit()]
        self.assertEqual(len(rows), 7)
        self.assertEqual([int(r[:3]) for r in rows], list(range(1, 8)))
        scores = [float(r.split()[1]) for r in rows]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertEqual(p.stdout.count("why: "), 7 + 1)  # one per row, plus the legend
        # AT-1 offers erp integration (SI-1 needs it) and needs cnc machining (SI-1 offers it).
        self.assertIn("gives: cnc machining", p.stdout)
        self.assertIn("gets: erp integration", p.stdout)

    def test_match_utf8_cells(self):
        p = run("match", *self.data(), "--id", "HR-1", "-k", "7", check=0)
        # The long name is cut with an ellipsis, between characters (stdout decoded as strict UTF-8).
        self.assertIn("…", p.stdout)
        self.assertIn("Dubrovačko-nere", p.stdout)  # the name column fits 80 columns when not a terminal
        self.assertNotIn("Dubrovačko-neretvanska Softverska Kuća Žužić d.o.o.", p.stdout)
        self.assertIn("Θεσσαλονίκη Tra…", p.stdout)
        # Columns line up by characters, not bytes: "km" column ends at the same place.
        rows = [line for line in p.stdout.splitlines() if line[:3].strip().isdigit()]
        self.assertEqual(len({len(r) for r in rows}), 1, rows)
        self.assertLessEqual(len(rows[0]), 80)

    def test_match_json(self):
        p = run("match", *self.data(), "--id", "SI-1", "-k", "3", "--format", "json", check=0)
        matches = json_matches(json.loads(p.stdout))
        self.assertEqual(len(matches), 3)
        for m in matches:
            self.assertIn(m["id"], IDS)
            self.assertNotEqual(m["id"], "SI-1")
            b = breakdown(m)
            self.assertEqual(sorted(b), sorted(CRITERIA))
            self.assertTrue(all(0.0 <= v <= 1.0 for v in b.values()))
        scores = [float(m["score"]) for m in matches]
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_match_csv(self):
        p = run("match", *self.data(), "--id", "SI-1", "-k", "5", "--format", "csv", check=0)
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual(len(rows), 5)
        self.assertEqual(list(rows[0])[:5], ["query_id", "rank", "id", "score", "distance_km"])
        for r in rows:
            self.assertEqual(r["query_id"], "SI-1")
            for c in CRITERIA:
                self.assertTrue(0.0 <= float(r[c]) <= 1.0)
        self.assertEqual([int(r["rank"]) for r in rows], [1, 2, 3, 4, 5])

    def match_ids(self, *args):
        p = run("match", *self.data(), "--id", "SI-1", "-k", "10", "--format", "csv", *args, check=0)
        return [r["id"] for r in csv.DictReader(io.StringIO(p.stdout))]

    def test_match_filters(self):
        every = self.match_ids()
        self.assertEqual(sorted(every), sorted(i for i in IDS if i != "SI-1"))
        self.assertEqual(sorted(self.match_ids("--cross-border")), sorted(i for i in every if COUNTRY[i] != "SI"))
        self.assertEqual(sorted(self.match_ids("--country", "hr")), ["HR-1", "HR-2"])
        self.assertEqual(sorted(self.match_ids("--country", "HR", "--country", "AT")), ["AT-1", "HR-1", "HR-2"])
        self.assertNotIn("HR-1", self.match_ids("--exclude-country", "HR"))
        self.assertNotIn("AT-1", self.match_ids("--exclude-id", "AT-1"))
        self.assertEqual(sorted(self.match_ids("--size", "medium")), ["HR-1", "IT-1"])
        self.assertEqual(sorted(self.match_ids("--size", "micro", "--size", "medium")),
                         ["AT-1", "HR-1", "IT-1", "SI-2"])
        self.assertEqual(self.match_ids("--cross-sector", "1", "--cross-border", "--max-km", "1"), [])
        self.assertEqual(len(self.match_ids("-k", "2")), 2)
        self.assertEqual(self.match_ids("--min-score", "1"), [])
        # A table with no partner still succeeds.
        p = run("match", *self.data(), "--id", "SI-1", "--max-km", "1", check=0)
        self.assertIn("no partner", p.stdout)

    def test_match_weighting(self):
        base = run("match", *self.data(), "--id", "SI-1", "--format", "csv", check=0).stdout
        only = run("match", *self.data(), "--id", "SI-1", "--format", "csv", "--weights", "complementarity=1",
                   check=0).stdout
        rows = list(csv.DictReader(io.StringIO(only)))
        for r in rows:  # only complementarity weighs: the total is its score
            self.assertAlmostEqual(float(r["score"]), float(r["complementarity"]), places=9)
        self.assertNotEqual(base, only)
        # --preset then --weights: the items change the preset.
        run("match", *self.data(), "--id", "SI-1", "--preset", "cross_border", "--weights", "cohesion=0", check=0)
        run("match", *self.data(), "--id", "SI-1", "--preset", "balanced", check=0)

    # ---- explain ---------------------------------------------------------------

    def test_explain(self):
        p = run("explain", *self.data(), "SI-1", "AT-1", check=0)
        out = p.stdout
        for c in CRITERIA:
            self.assertIn(c, out)
        self.assertIn("Kovinarstvo Novak", out)
        self.assertIn("Holzbau Steiner", out)
        self.assertIn("different countries (SI/AT)", out)
        self.assertIn("cnc machining", out)
        self.assertIn("development 85 (SI032) and 120 (AT221)", out)
        # Both SMEs by name, region name, country name and sector title; their distance.
        self.assertIn("Podravska (SI032) · Slovenia (SI)", out)
        self.assertIn("16.10 Sawmilling and planing of wood", out)
        self.assertRegex(out, r"(?m)^distance\s+\d+ km apart")
        total = [line for line in out.splitlines() if line.startswith("total")]
        self.assertEqual(len(total), 1)
        # The total equals the pair's score in match.
        rows = list(csv.DictReader(io.StringIO(
            run("match", *self.data(), "--id", "SI-1", "-k", "10", "--format", "csv", check=0).stdout)))
        score = {r["id"]: float(r["score"]) for r in rows}["AT-1"]
        self.assertAlmostEqual(float(total[0].split()[-1]), score, places=3)
        # Weighted contributions add up to the total under the mean combiner.
        crit = [line.split() for line in out.splitlines() if line.split() and line.split()[0] in CRITERIA]
        self.assertAlmostEqual(sum(float(c[3]) for c in crit), score, delta=0.004)

    def test_explain_formats(self):
        p = run("explain", *self.data(), "SI-1", "AT-1", "--format", "json", check=0)
        m = json_matches(json.loads(p.stdout))
        self.assertEqual([x["id"] for x in m], ["AT-1"])
        self.assertEqual(sorted(breakdown(m[0])), sorted(CRITERIA))
        p = run("explain", *self.data(), "SI-1", "AT-1", "--format", "csv", check=0)
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual([(r["query_id"], r["id"]) for r in rows], [("SI-1", "AT-1")])
        p = run("explain", "--data", self.smes, "SI-1", "HU-1", check=0)
        self.assertIn("development indices unknown", p.stdout)

    # ---- info --------------------------------------------------------------------

    def test_info(self):
        p = run("info", *self.data(), check=0)
        out = p.stdout
        self.assertIn("SMEs: 8", out)
        self.assertRegex(out, r"HR\s+\S.*\s2\s+25\.0%")
        self.assertRegex(out, r"SI\s+Slovenia\s+2\s+25\.0%")
        self.assertRegex(out, r"C\s+Manufacturing\s+3\s+37\.5%")  # SI-1, AT-1, HU-1
        self.assertRegex(out, r"small.*\s4\s+50\.0%")
        self.assertRegex(out, r"with a development index")

    # ---- validate ------------------------------------------------------------------

    def test_validate(self):
        p = run("validate", self.smes, check=0)
        self.assertIn("8 rows, 0 problems", p.stdout)
        p = run("validate", self.broken)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        for n in BROKEN_LINES:
            self.assertTrue(any(f"broken.csv:{n}:" in line for line in lines), (n, p.stdout))
        # Each problem exactly once (the load's own failure repeats the first one).
        self.assertEqual(len([line for line in lines if line.startswith(str(self.broken))]), len(BROKEN_LINES),
                         p.stdout)
        self.assertIn('region: unknown NUTS code "SI9"', p.stdout)
        self.assertIn("founded", p.stdout)
        self.assertIn(f"5 rows, {len(BROKEN_LINES)} problems", lines[-1])
        # Several files: one summary each and a total; the dry run loads nothing.
        p = run("validate", self.smes, self.broken, self.dev)
        self.assertEqual(p.returncode, 1)
        self.assertIn("total: 18 rows, 3 problems", p.stdout)
        p = run("validate", self.dir / "missing.csv")
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing.csv", p.stdout)
        # A fatal problem (broken quoting) ends the file; it is listed once.
        quoted = self.dir / "quoted.csv"
        quoted.write_text(HEADER + SMES[0] + 'XX-4,"Bad "quote",SI032,C25.11,small,12,1994,x,y,supply,sl\n'
                          + SMES[1], encoding="utf-8")
        p = run("validate", quoted)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual(len([line for line in p.stdout.splitlines() if "quoted.csv:3" in line]), 1, p.stdout)
        # JSON: the same checks, lines of the records.
        broken_json = self.dir / "broken.json"
        broken_json.write_text(json.dumps({"smes": [
            {"id": "J-1", "region": "SI032", "sectors": ["25.62"]},
            {"id": "J-2", "region": "SI9", "sectors": ["25.62"]},
            {"id": "J-3", "region": "SI032", "sectors": ["25.62"], "founded": "1990"},
        ]}, indent=1), encoding="utf-8")
        p = run("validate", broken_json)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("3 rows, 2 problems", p.stdout)
        self.assertIn("region", p.stdout)
        self.assertIn("founded", p.stdout)

    # ---- batch ------------------------------------------------------------------------

    def test_batch_csv_equals_match(self):
        out = self.dir / "top3.csv"
        p = run("batch", *self.data(), "-k", "3", "--threads", "2", "--out", out, check=0)
        self.assertIn("8 SMEs", p.stderr)  # the summary is not data: standard error
        self.assertIn("56 pairs", p.stderr)  # 8 x 7
        self.assertEqual(p.stdout, "")
        self.assertNotIn("\r", p.stderr)  # no progress bar when stderr is not a terminal
        text = out.read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual(len(rows), 8 * 3)
        self.assertEqual(text.count("query_id"), 1)
        self.assertEqual(sorted({r["query_id"] for r in rows}), sorted(IDS))
        for q in IDS:
            single = run("match", *self.data(), "--id", q, "-k", "3", "--format", "csv", check=0).stdout
            self.assertEqual([r for r in rows if r["query_id"] == q], same_columns(single, rows), q)

    def test_batch_json_and_ids(self):
        ids = self.dir / "ids.txt"
        ids.write_text("# two SMEs\nSI-1\n\n  HR-2  \n")
        out = self.dir / "top2.json"
        run("batch", *self.data(), "-k", "2", "--ids", ids, "--out", out, check=0)
        matches = json_matches(json.loads(out.read_text(encoding="utf-8")))
        self.assertEqual(len(matches), 2 * 2)
        for m in matches:
            self.assertEqual(sorted(breakdown(m)), sorted(CRITERIA))
        whole = self.dir / "all.json"
        run("batch", *self.data(), "-k", "4", "--threads", "1", "--out", whole, check=0)
        self.assertEqual(len(json_matches(json.loads(whole.read_text(encoding="utf-8")))), 8 * 4)
        # --format overrides the file name.
        odd = self.dir / "top.out"
        run("batch", *self.data(), "-k", "1", "--format", "csv", "--out", odd, check=0)
        self.assertEqual(len(list(csv.DictReader(io.StringIO(odd.read_text(encoding="utf-8"))))), 8)

    def test_batch_empty(self):
        out = self.dir / "none.csv"
        p = run("batch", *self.data(), "--min-score", "1", "--out", out, check=0)
        self.assertIn("0 rows", p.stderr)
        text = out.read_text(encoding="utf-8")
        self.assertEqual(text.splitlines(), [",".join(["query_id", "rank", "id", "score", "distance_km"] + CRITERIA)])
        out = self.dir / "none.json"
        run("batch", *self.data(), "--min-score", "1", "--out", out, check=0)
        self.assertEqual(json_matches(json.loads(out.read_text(encoding="utf-8"))), [])

    def test_batch_progress_on_terminal(self):
        """The progress bar is drawn only when stderr is a terminal."""
        master, slave = pty.openpty()
        out = self.dir / "tty.csv"
        proc = subprocess.Popen([CLI, "batch", *map(str, self.data()), "-k", "2", "--threads", "1", "--out",
                                 str(out)], stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        chunks = []

        def drain():  # read the terminal while the program writes, so it never blocks
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:  # EIO once the program has closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)

        reader = threading.Thread(target=drain)
        reader.start()
        stdout, _ = proc.communicate(timeout=120)
        reader.join(timeout=30)
        os.close(master)
        self.assertEqual(proc.returncode, 0)
        tty = b"".join(chunks).decode("utf-8")
        self.assertIn("100%", tty)
        self.assertIn("8/8 SMEs", tty)
        self.assertIn("/s", tty)  # the rate
        self.assertIn("\r\033[Kbatch: 8 SMEs", tty)  # the bar is cleared before the summary
        self.assertEqual(stdout, b"")
        self.assertEqual(len(list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))), 16)

    def test_batch_threads_agree(self):
        one, two = self.dir / "t1.csv", self.dir / "t2.csv"
        run("batch", *self.data(), "-k", "5", "--threads", "1", "--cross-border", "--out", one, check=0)
        run("batch", *self.data(), "-k", "5", "--threads", "2", "--cross-border", "--out", two, check=0)
        self.assertEqual(sorted(one.read_text().splitlines()), sorted(two.read_text().splitlines()))


SAMPLE = ROOT / "examples" / "data"
SAMPLE_SMES = SAMPLE / "cadses_smes.csv"
SAMPLE_JSON = SAMPLE / "cadses_smes.json"
SAMPLE_DEV = SAMPLE / "cadses_development.csv"
SAMPLE_PAIRS = SAMPLE / "cadses_planted_pairs.csv"
RECALL_K = 10
RECALL_MIN = 0.95


def planted_pairs():
    """(a, b, note) of examples/data/cadses_planted_pairs.csv."""
    with SAMPLE_PAIRS.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [(r["a"], r["b"], r["note"]) for r in rows]


class SampleDataTest(unittest.TestCase):
    """The bundled sample data (examples/data): the CLI on 2,000 SMEs, and
    whether the default weighting finds the partners planted in it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.pairs = planted_pairs()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_sample_files(self):
        p = run("validate", SAMPLE_SMES, SAMPLE_JSON, SAMPLE_DEV, check=0)
        self.assertIn("total: 4160 rows, 0 problems", p.stdout)
        self.assertEqual(len(self.pairs), 40)
        info = run("info", "--data", SAMPLE_SMES, check=0).stdout
        self.assertIn("SMEs: 2,000", info)
        self.assertRegex(info, r"IT\s+Italy\s+441\s+22\.1%")
        self.assertRegex(info, r"G\s+Wholesale and retail trade.*\s454\s+22\.7%")
        # CSV and JSON hold the same SMEs: the same partners come out.
        a = self.pairs[0][0]
        from_csv = run("match", "--data", SAMPLE_SMES, "--id", a, "--format", "csv", check=0).stdout
        from_json = run("match", "--data", SAMPLE_JSON, "--id", a, "--format", "csv", check=0).stdout
        self.assertEqual(from_csv, from_json)

    def test_sample_match_explain(self):
        a, b, _ = self.pairs[0]
        data = ["--data", SAMPLE_SMES, "--development", SAMPLE_DEV]
        p = run("match", *data, "--id", a, "--cross-border", "-k", "5", check=0)
        self.assertIn(a, p.stdout.splitlines()[0])
        self.assertIn(b, p.stdout)
        p = run("explain", *data, a, b, check=0)
        self.assertIn("km", p.stdout)
        self.assertIn("total", p.stdout)

    def test_sample_batch_equals_match(self):
        """batch gives, for every SME, what match gives (a few ids, with filters)."""
        ids = [self.pairs[i][j] for i in (0, 7, 19) for j in (0, 1)]
        id_file = self.dir / "ids.txt"
        id_file.write_text("\n".join(ids) + "\n")
        opts = ["--data", SAMPLE_SMES, "--development", SAMPLE_DEV, "-k", "7", "--preset", "cross_border",
                "--exclude-country", "IT", "--max-km", "1500"]
        out = self.dir / "few.csv"
        run("batch", *opts, "--ids", id_file, "--threads", "3", "--out", out, check=0)
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        self.assertEqual(len(rows), len(ids) * 7)
        for q in ids:
            single = run("match", *opts, "--id", q, "--format", "csv", check=0).stdout
            self.assertEqual([r for r in rows if r["query_id"] == q], same_columns(single, rows), q)

    def recall(self, data):
        """Share of planted partners found in the querying SME's top RECALL_K
        (both directions of every pair) under the default weighting, and a
        description of each miss."""
        ids = [x for a, b, _ in self.pairs for x in (a, b)]
        id_file = self.dir / "planted.txt"
        id_file.write_text("\n".join(ids) + "\n")
        out = self.dir / "planted.csv"
        run("batch", *data, "-k", RECALL_K, "--ids", id_file, "--out", out, check=0)
        top = {}
        for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))):
            top.setdefault(r["query_id"], []).append(r["id"])
        hits, misses = 0, []
        for a, b, note in self.pairs:
            for q, partner in ((a, b), (b, a)):
                if partner in top.get(q, []):
                    hits += 1
                    continue
                full = run("match", *data, "--id", q, "-k", "5000", "--format", "csv", check=0).stdout
                ranked = [r["id"] for r in csv.DictReader(io.StringIO(full))]
                rank = ranked.index(partner) + 1 if partner in ranked else None
                misses.append(f"{q} -> {partner}: rank {rank} ({note})")
        return hits / (2 * len(self.pairs)), misses

    def test_planted_pairs_recall(self):
        """A planted partner is in the querying SME's top 10 for >= 95% of the
        80 directed queries (see examples/data/README.md), also with the
        sample's cooperation history loaded."""
        for label, data in (("with development indices", ["--data", SAMPLE_SMES, "--development", SAMPLE_DEV]),
                            ("without development indices", ["--data", SAMPLE_SMES]),
                            # the presets' network weights count: a history must not drown a profile match
                            ("with the sample history", ["--data", SAMPLE_SMES, "--development", SAMPLE_DEV,
                                                         "--history", SAMPLE / "cadses_history.csv"])):
            with self.subTest(label):
                share, misses = self.recall(data)
                self.assertGreaterEqual(share, RECALL_MIN,
                                        f"recall@{RECALL_K} {share:.3f} {label}; misses:\n" + "\n".join(misses))

    def test_docs_examples(self):
        """Every example in docs/cli.md prints what the document shows."""
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import cli_docs
        wrong = cli_docs.check(CLI)
        self.assertEqual(wrong, [], "docs/cli.md is out of date; after a deliberate change run "
                                   "python3 tests/cli/cli_docs.py PATH/TO/smartmatch --update\n"
                         + "\n".join(f"$ {c}\n--- docs\n{e}--- actual\n{a}" for c, e, a in wrong))


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        CLI = os.path.abspath(sys.argv.pop(1))
    else:
        CLI = os.environ.get("SMARTMATCH_CLI", "smartmatch")
    unittest.main(verbosity=2)
