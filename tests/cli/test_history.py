"""The history commands of the smartmatch tool: --history on match and
explain, evaluate and fit on a small planted history, and their errors.

Run by meson as: python3 tests/cli/test_history.py PATH/TO/smartmatch
"""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

CLI = None  # set from argv in __main__

SMES = "id,name,region,sectors,offers,needs\n" + "".join(
    f"S{i:02d},Firm {i},{['SI032', 'AT221', 'HR031', 'ITH44'][i % 4]},C25.62,tag{i % 5},tag{(i + 1) % 5}\n"
    for i in range(40))
# pairs (2i, 2i+1) cooperate in 2015 and again in 2018; noise in 2014
HISTORY = "a,b,date,kind\n" + "".join(
    f"S{i:02d},S{i + 1:02d},2015-03-01,deal\nS{i:02d},S{(i + 7) % 40:02d},2014-01-01,meeting\n"
    f"S{i:02d},S{i + 1:02d},2018-06-01,deal\n" for i in range(0, 40, 2))


def run(*args):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=120)


class HistoryCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = Path(cls.dir.name)
        (d / "smes.csv").write_text(SMES)
        (d / "history.csv").write_text(HISTORY)
        (d / "bad.csv").write_text("a,b,date\nS00,S99,2015-01-01\n")
        cls.smes, cls.history, cls.bad = d / "smes.csv", d / "history.csv", d / "bad.csv"

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_match_with_history(self):
        p = run("match", "--data", self.smes, "--history", self.history, "--id", "S00", "--preset", "network",
                "-k", "3")
        self.assertEqual(p.returncode, 0, p.stderr)
        first = [l for l in p.stdout.splitlines() if l.lstrip().startswith("1 ")][0]
        self.assertIn("S01", first)
        self.assertIn("past_partners", p.stdout)

    def test_explain_reasons(self):
        # the default weighting (balanced) gains the network criteria with a history
        p = run("explain", "--data", self.smes, "--history", self.history, "S00", "S01")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("worked together 2 times, last in 2018", p.stdout)  # two kinds: none named
        self.assertIn("common partner", p.stdout)
        self.assertIn("took part in", p.stdout)  # activity
        self.assertNotIn("sector_history", p.stdout)  # not among the presets' network weights
        q = run("explain", "--data", self.smes, "S00", "S01")
        self.assertEqual(q.returncode, 0, q.stderr)
        self.assertNotIn("past_partners", q.stdout)

    def test_evaluate(self):
        p = run("evaluate", "--data", self.smes, "--history", self.history, "--split", "2017-01-01",
                "--weights", "past_partners=1,complementarity=0.01", "--bootstrap", "10")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = {l.split("|")[1].strip(): l for l in p.stdout.splitlines() if l.startswith("| ")}
        self.assertIn("| weighting | 40 | 1.000 ± 0.000 |", rows["weighting"])
        for name in ("random", "popularity", "past_partners", "tag_overlap", "tag_overlap_by_id"):
            self.assertIn(name, rows)

    def test_evaluate_queriers(self):
        # every SME has tags: all 40 queries are warm, none cold
        base = ("evaluate", "--data", self.smes, "--history", self.history, "--split", "2017-01-01",
                "--bootstrap", "0")
        p = run(*base, "--queriers", "warm")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("(warm)", p.stdout)
        q = run(*base)
        self.assertEqual(q.returncode, 0, q.stderr)
        table = lambda out: [l for l in out.splitlines() if l.startswith("| ")]
        self.assertEqual(table(p.stdout), table(q.stdout))
        p = run(*base, "--queriers", "cold")
        self.assertEqual(p.returncode, 1)
        self.assertIn("none of the 40 queries from 2017-01-01 on comes from a cold querier", p.stderr)
        p = run(*base, "--queriers", "hot")
        self.assertEqual(p.returncode, 2)
        self.assertIn('--queriers: expected all, warm or cold, not "hot"', p.stderr)

    def test_fit(self):
        p = run("fit", "--data", self.smes, "--history", self.history, "--split", "2019-01-01",
                "--validation", "2016-01-01")
        self.assertEqual(p.returncode, 0, p.stderr)
        weights = p.stdout.splitlines()[0]
        self.assertIn("past_partners=", weights)
        # the printed weighting is accepted by --weights
        q = run("match", "--data", self.smes, "--history", self.history, "--id", "S02", "--weights", weights)
        self.assertEqual(q.returncode, 0, q.stderr)

    def test_errors(self):
        p = run("evaluate", "--data", self.smes, "--history", self.history)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--split DATE", p.stderr)
        p = run("evaluate", "--data", self.smes, "--history", self.bad, "--split", "2017")
        self.assertEqual(p.returncode, 1)
        self.assertIn('bad.csv:2: member: no SME "S99"', p.stderr)
        p = run("evaluate", "--data", self.smes, "--history", self.history, "--split", "2030")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no cooperation", p.stderr)
        p = run("fit", "--data", self.smes, "--history", self.history, "--split", "x")
        self.assertEqual(p.returncode, 1)
        p = run("fit", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--validation", p.stdout)


if __name__ == "__main__":
    CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main()
