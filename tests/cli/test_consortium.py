"""Tests of "smartmatch consortium" (examples/cli/cmd_consortium.c).

Run by meson as: python3 tests/cli/test_consortium.py PATH/TO/smartmatch
On the bundled sample data (examples/data): the JSON shape of the issue, every
rule checked on every consortium, the table and CSV forms, a call-profile
file, infeasible calls and bad usage with their exit statuses.
"""

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

CLI = None  # set from argv in __main__
ROOT = Path(os.environ.get("SM_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
DATA = ["--data", str(ROOT / "examples/data/cadses_smes.csv"),
        "--development", str(ROOT / "examples/data/cadses_development.csv")]
CE_AREA = ("AT", "CZ", "HR", "HU", "PL", "SI", "SK", "DE1", "DE2", "DE3", "DE4", "DE8", "DED", "DEE", "DEG",
           "ITC1", "ITC2", "ITC3", "ITC4", "ITH1", "ITH2", "ITH3", "ITH4", "ITH5")


def run(*args):
    return subprocess.run([CLI, "consortium", *map(str, args)], capture_output=True, text=True, timeout=120)


def regions():
    """SME id -> region code, from the sample data."""
    with open(ROOT / "examples/data/cadses_smes.csv", encoding="utf-8") as f:
        return {row["id"]: row["region"] for row in csv.DictReader(f)}


class ConsortiumCliTest(unittest.TestCase):
    def test_json_shape_and_rules(self):
        p = run(*DATA, "--call", "interreg-ce", "--lead", "SI-00001", "--require-tags", "sensors;pcb design",
                "--size", "4..6", "--min-countries", "4", "-k", "3", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(len(out), 3)
        reg = regions()
        for rank, c in enumerate(out, 1):
            self.assertEqual(set(c), {"rank", "score", "members", "rules", "coverage", "terms"})
            self.assertEqual(c["rank"], rank)
            self.assertEqual(c["members"][0], {**c["members"][0], "id": "SI-00001", "role": "lead"})
            ids = [m["id"] for m in c["members"]]
            self.assertTrue(4 <= len(ids) <= 6)
            self.assertEqual(len(set(ids)), len(ids))
            for m in c["members"]:
                self.assertEqual(set(m), {"id", "role", "country", "reason"})
                self.assertEqual(m["country"], reg[m["id"]][:2])
                self.assertIn("from " + m["country"], m["reason"])
            # the rules, checked here independently
            self.assertGreaterEqual(len({reg[i][:2] for i in ids}), 4)
            self.assertGreaterEqual(sum(reg[i].startswith(CE_AREA) for i in ids), 2)
            self.assertTrue(reg[ids[0]].startswith(CE_AREA))
            self.assertTrue(all(r["ok"] for r in c["rules"]), c["rules"])
            self.assertIn("min_partners 2 in interreg-ce-area", [r["rule"] for r in c["rules"]])
            self.assertEqual(set(c["coverage"]), {"sensors", "pcb design"})
            if rank > 1:
                self.assertLessEqual(c["score"], out[rank - 2]["score"])
                prev = {m["id"] for m in out[rank - 2]["members"]}
                self.assertTrue(len(set(ids) - prev) >= 2 or len(prev - set(ids)) >= 2)

    def test_deterministic(self):
        args = (*DATA, "--call", "horizon-europe", "--lead-from", "countries=AT;SI", "--require-tags", "sensors",
                "--format", "json", "-k", "2")
        a, b = run(*args), run(*args)
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertEqual(a.stdout, b.stdout)
        for c in json.loads(a.stdout):
            self.assertIn(c["members"][0]["country"], ("AT", "SI"))

    def test_table_and_csv(self):
        p = run(*DATA, "--call", "interreg-europe", "--lead", "AT-00001", "--size", "5..6", "-k", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("#1  score ", p.stdout)
        self.assertIn("  lead    AT-00001", p.stdout)
        self.assertIn("    ok   min_partners 2 in eu: ", p.stdout)
        self.assertNotIn("FAIL", p.stdout)
        p = run(*DATA, "--call", "interreg-europe", "--lead", "AT-00001", "--size", "5..6", "-k", "2",
                "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual(list(rows[0]), ["rank", "score", "id", "role", "country", "reason"])
        self.assertEqual([r["role"] for r in rows if r["rank"] == "1"][0], "lead")

    def test_profile_file_and_set(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "call.txt"
            path.write_text("preset = interreg-euro-med\ntopics = software:2;logistics\nsize = 4..5\n",
                            encoding="utf-8")
            p = run(*DATA, "--call", path, "--lead-from", "call", "--set", "max_per_country=1", "--format",
                    "json", "-k", "1")
            self.assertEqual(p.returncode, 0, p.stderr)
            c = json.loads(p.stdout)[0]
            countries = [m["country"] for m in c["members"]]
            self.assertEqual(len(countries), len(set(countries)))
            path.write_text("size = 4..x\n", encoding="utf-8")
            p = run(*DATA, "--call", path, "--lead", "SI-00001")
            self.assertEqual(p.returncode, 1)
            self.assertIn("call.txt:1:", p.stderr)

    def test_infeasible(self):
        p = run(*DATA, "--call", "interreg-ce", "--lead", "SI-00001", "--min-countries", "9", "--size", "3..5")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no eligible consortium: rule \"min_countries 9\" cannot be met because", p.stderr)
        p = run(*DATA, "--call", "interreg-ce", "--lead", "AL-00001", "--format", "json")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(json.loads(p.stdout), [])
        self.assertIn("lead_countries interreg-ce-area", p.stderr)

    def test_docs_examples(self):
        """Every console example of docs/consortium.md prints what the guide shows."""
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import cli_docs
        doc, cli_docs.DOC = cli_docs.DOC, ROOT / "docs" / "consortium.md"
        try:
            wrong = cli_docs.check(CLI)
        finally:
            cli_docs.DOC = doc
        self.assertEqual(wrong, [], "docs/consortium.md is out of date:\n"
                         + "\n".join(f"$ {c}\n--- docs\n{e}--- actual\n{a}" for c, e, a in wrong))

    def test_usage(self):
        for args in ([*DATA, "--call", "interreg-ce"],
                     [*DATA, "--call", "interreg-ce", "--lead", "X", "--lead-from", "call"],
                     [*DATA, "--call", "nonsense", "--lead", "SI-00001"],
                     [*DATA, "--call", "interreg-ce", "--lead", "SI-00001", "--size", "9..2"],
                     [*DATA, "--call", "interreg-ce", "--lead", "SI-00001", "--format", "xml"],
                     [*DATA, "--call", "interreg-ce", "--lead", "SI-00001", "-k", "0"],
                     [*DATA, "--call", "interreg-ce", "--lead-from", "planet=mars"]):
            p = run(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertTrue(p.stderr.startswith("smartmatch: "), p.stderr)
        p = run(*DATA, "--call", "interreg-ce", "--lead", "NOPE")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no SME \"NOPE\"", p.stderr)
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--lead-from RULES", p.stdout)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main()
