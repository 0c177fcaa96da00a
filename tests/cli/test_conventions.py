#!/usr/bin/env python3
"""The command-line conventions of smartmatch: '-' for standard input and
output, outputs renamed into place only when complete (also under SIGINT,
SIGTERM and SIGKILL), data on stdout and everything else on stderr, 'help
CMD', did-you-mean for commands and options, unknown countries refused.

usage: test_conventions.py PATH/TO/smartmatch
"""
import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

CLI = None
ROOT = Path(os.environ.get("SM_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
SMES = ROOT / "examples" / "data" / "cadses_smes.csv"


def run(*args, stdin=None, check=True):
    p = subprocess.run([CLI, *map(str, args)], input=stdin, capture_output=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr.decode()}")
    return p


class Conventions(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    # ---- '-' ------------------------------------------------------------------------

    def test_data_from_stdin_equals_file(self):
        data = SMES.read_bytes()
        a = run("match", "--data", "-", "--id", "CZ-00032", "-k", "3", "--format", "csv", stdin=data).stdout
        b = run("match", "--data", SMES, "--id", "CZ-00032", "-k", "3", "--format", "csv").stdout
        self.assertEqual(a, b)
        self.assertIn(b"SK-00038", a)

    def test_validate_stdin(self):
        p = run("validate", "-", stdin=SMES.read_bytes())
        self.assertIn(b"2000 rows, 0 problems", p.stdout)
        bad = b"id,name,region,sectors\nX-1,x,ZZ999,25.11\n"
        p = run("validate", "-", stdin=bad, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"<stdin>", p.stdout)

    def test_ids_from_stdin_and_out_to_stdout(self):
        p = run("batch", "--data", SMES, "-k", "2", "--ids", "-", "--out", "-", "--format", "csv",
                stdin=b"CZ-00032\nSK-00038\n")
        rows = list(csv.DictReader(io.StringIO(p.stdout.decode())))
        # results come in the order the threads finish them
        self.assertEqual(sorted(r["query_id"] for r in rows), ["CZ-00032"] * 2 + ["SK-00038"] * 2)
        # data on stdout, the summary on stderr
        self.assertIn(b"batch: 2 SMEs", p.stderr)
        self.assertNotIn(b"batch:", p.stdout)
        self.assertFalse((Path.cwd() / "-").exists())

    def test_out_dev_stdout_keeps_header(self):
        p = run("batch", "--data", SMES, "-k", "1", "--ids", "-", "--out", "/dev/stdout", "--format", "json",
                stdin=b"CZ-00032\n")
        self.assertEqual(json.loads(p.stdout)[0]["query_id"], "CZ-00032")

    # ---- atomic output ---------------------------------------------------------------

    def _interrupt(self, sig):
        out = self.dir / "all.csv"
        out.write_text("previous good output\n")
        proc = subprocess.Popen([CLI, "batch", "--data", str(SMES), "-k", "50", "--threads", "1", "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # wait until the run writes its temporary file beside the target
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if any(p.name.startswith(".all.csv.") for p in self.dir.iterdir()):
                break
            time.sleep(0.005)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(sig)
        proc.wait(timeout=120)
        text = out.read_text()
        if finished or proc.returncode == 0:
            # the run won the race: then the output is complete
            self.assertTrue(text.endswith("\n") and text.startswith("query_id,"))
            return
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(text, "previous good output\n")  # never truncated, never destroyed
        leftovers = [p.name for p in self.dir.iterdir() if p.name.startswith(".all.csv.")]
        if sig != signal.SIGKILL:
            self.assertEqual(leftovers, [])  # the handler removed its temporary file

    def test_sigkill_leaves_previous_output(self):
        self._interrupt(signal.SIGKILL)

    def test_sigint_leaves_previous_output(self):
        self._interrupt(signal.SIGINT)

    def test_sigterm_leaves_previous_output(self):
        self._interrupt(signal.SIGTERM)

    def test_failed_run_keeps_previous_output(self):
        out = self.dir / "top.csv"
        out.write_text("previous\n")
        p = run("batch", "--data", SMES, "--ids", "-", "--out", out, stdin=b"NO-SUCH-ID\n", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(out.read_text(), "previous\n")
        self.assertEqual(sorted(x.name for x in self.dir.iterdir()), ["top.csv"])

    def test_complete_run_replaces_output(self):
        out = self.dir / "top.csv"
        out.write_text("previous\n")
        run("batch", "--data", SMES, "-k", "1", "--ids", "-", "--out", out, stdin=b"CZ-00032\n")
        self.assertTrue(out.read_text().startswith("query_id,"))
        self.assertEqual(sorted(x.name for x in self.dir.iterdir()), ["top.csv"])

    # ---- help and suggestions ---------------------------------------------------------

    def test_help_command(self):
        self.assertEqual(run("help", "match").stdout, run("match", "--help").stdout)

    def test_did_you_mean(self):
        p = run("expain", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"did you mean 'explain'", p.stderr)
        p = run("match", "--data", SMES, "--id", "CZ-00032", "--cross-boarder", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"did you mean '--cross-border'", p.stderr)
        p = run("zzzzzz", check=False)
        self.assertNotIn(b"did you mean", p.stderr)

    def test_unknown_country_is_an_error(self):
        p = run("match", "--data", SMES, "--id", "CZ-00032", "--country", "XX", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b'no country "XX"', p.stderr)
        self.assertEqual(p.stdout, b"")
        run("match", "--data", SMES, "--id", "CZ-00032", "--country", "hr")

    def test_info_and_validate_json(self):
        d = json.loads(run("info", "--data", SMES, "--format", "json").stdout)
        self.assertEqual(d["smes"], 2000)
        self.assertEqual(sum(c["smes"] for c in d["countries"]), 2000)
        self.assertEqual(sum(d["sizes"].values()), 2000)
        bad = b"id,name,region,sectors\nX-1,x,ZZ999,25.11\n"
        p = run("validate", "-", SMES, "--format", "json", stdin=bad, check=False)
        self.assertEqual(p.returncode, 1)
        v = json.loads(p.stdout)
        self.assertEqual(v["problem_count"], 1)
        self.assertEqual(v["files"][0]["problems"][0]["field"], "region")
        self.assertEqual(v["files"][0]["problems"][0]["value"], "ZZ999")
        self.assertEqual(v["files"][1]["rows"], 2000)
        p = run("info", "--data", SMES, "--format", "csv", check=False)
        self.assertEqual(p.returncode, 2)

    def test_table_fits_80_columns(self):
        p = run("match", "--data", SMES, "--id", "CZ-00032", "-k", "5")
        rows = [l for l in p.stdout.decode().splitlines() if l[:3].strip().isdigit()]
        self.assertTrue(rows and all(len(r) <= 80 for r in rows), rows)

    def test_explain_json_has_reasons(self):
        p = run("explain", "--data", SMES, "CZ-00032", "SK-00038", "--format", "json")
        m = json.loads(p.stdout)[0]["matches"][0]
        self.assertEqual(m["gives"][0]["tag"], "titanium laser welding")
        self.assertEqual(m["reasons"]["complementarity"]["code"], "tags_match")
        self.assertAlmostEqual(sum(m["contributions"].values()), m["score"], places=12)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main()
