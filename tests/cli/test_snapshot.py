"""Tests of ``smartmatch snapshot save`` and of snapshots given as --data.

Run by meson as: python3 tests/cli/test_snapshot.py PATH/TO/smartmatch
On the sample data (examples/data): a command answers the same from the
snapshot as from the CSV files; a damaged snapshot is refused naming the
section and offset; a snapshot after another --data is a usage error.
``snapshot info`` lists the sections with their checksums and the counts;
``snapshot verify`` exits 0 for a good file and 1 naming the damaged section.
"""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

CLI = None  # set from argv in __main__
ROOT = Path(os.environ.get("SM_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
SMES = str(ROOT / "examples" / "data" / "cadses_smes.csv")
DEV = str(ROOT / "examples" / "data" / "cadses_development.csv")


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


class SnapshotCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.snap = os.path.join(cls.tmp.name, "cadses.smsnap")
        r = run("snapshot", "save", "--data", SMES, "--development", DEV, "--out", cls.snap)
        assert r.returncode == 0, r.stderr
        cls.save_output = r.stdout

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_save_reports(self):
        self.assertIn("2000 SMEs", self.save_output)
        self.assertIn("content hash", self.save_output)
        self.assertEqual(os.listdir(self.tmp.name).count("cadses.smsnap"), 1)

    def test_same_answers(self):
        for args in (["match", "--id", "CZ-00032", "-k", "5", "--format", "json"],
                     ["match", "--id", "SI-00001", "--cross-border", "--format", "csv"],
                     ["explain", "--format", "json", "CZ-00032", "SK-00038"],
                     ["info", "--format", "json"]):
            a = run(*args[:1], "--data", SMES, "--development", DEV, *args[1:])
            b = run(*args[:1], "--data", self.snap, *args[1:])
            self.assertEqual(a.returncode, 0, a.stderr)
            self.assertEqual(b.returncode, 0, b.stderr)
            self.assertEqual(a.stdout, b.stdout, args)

    def test_history_travels(self):
        hist = str(ROOT / "examples" / "data" / "cadses_history.csv")
        snap = os.path.join(self.tmp.name, "history.smsnap")
        r = run("snapshot", "save", "--data", SMES, "--development", DEV, "--history", hist, "--out", snap)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cooperations    588", run("snapshot", "info", snap).stdout)
        args = ["--id", "CZ-00032", "-k", "8", "--weights", "network", "--format", "json"]
        a = run("match", "--data", SMES, "--development", DEV, "--history", hist, *args)
        b = run("match", "--data", snap, *args)
        self.assertEqual((a.returncode, b.returncode), (0, 0), a.stderr + b.stderr)
        self.assertEqual(a.stdout, b.stdout)

    def test_batch_same_rows(self):
        out_a = os.path.join(self.tmp.name, "a.csv")
        out_b = os.path.join(self.tmp.name, "b.csv")
        a = run("batch", "--data", SMES, "--development", DEV, "-k", "5", "--out", out_a)
        b = run("batch", "--data", self.snap, "-k", "5", "--out", out_b)
        self.assertEqual((a.returncode, b.returncode), (0, 0), a.stderr + b.stderr)
        rows_a = sorted(Path(out_a).read_text().splitlines())
        rows_b = sorted(Path(out_b).read_text().splitlines())
        self.assertEqual(rows_a, rows_b)

    def test_more_data_on_top(self):
        extra = os.path.join(self.tmp.name, "extra.csv")
        Path(extra).write_text("id,name,region,sectors,size,offers,needs\n"
                               "NEW-1,New One,SI032,C25.62,small,titanium laser welding,cnc machining\n")
        r = run("match", "--data", self.snap, "--data", extra, "--id", "NEW-1", "-k", "2", "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_snapshot_not_first(self):
        r = run("info", "--data", SMES, "--data", self.snap)
        self.assertEqual(r.returncode, 2)
        self.assertIn("first --data", r.stderr)

    def test_damaged(self):
        data = bytearray(Path(self.snap).read_bytes())
        bad = os.path.join(self.tmp.name, "bad.smsnap")
        data[len(data) // 2] ^= 0xFF
        Path(bad).write_bytes(bytes(data))
        r = run("info", "--data", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("offset", r.stderr)
        self.assertIn("damaged", r.stderr)
        Path(bad).write_bytes(bytes(data[:1000]))
        r = run("info", "--data", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("truncated", r.stderr)

    def test_info(self):
        r = run("snapshot", "info", self.snap)
        self.assertEqual(r.returncode, 0, r.stderr)
        for text in ("format          1.", "SMEs            2000", "0 damaged", "SME column region",
                     "id map", "strings"):
            self.assertIn(text, r.stdout)
        self.assertNotIn("DAMAGED", r.stdout)
        size = os.path.getsize(self.snap)
        self.assertIn(f"size            {size} bytes", r.stdout)

    def test_verify(self):
        r = run("snapshot", "verify", self.snap)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok:", r.stdout)
        # a flipped byte inside the SME region column: that section is named
        info = run("snapshot", "info", self.snap).stdout
        line = next(l for l in info.splitlines() if "SME column region" in l)
        offset = int(line.split()[-5])
        data = bytearray(Path(self.snap).read_bytes())
        data[offset + 3] ^= 0x01
        bad = os.path.join(self.tmp.name, "flip.smsnap")
        Path(bad).write_bytes(bytes(data))
        r = run("snapshot", "verify", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("SME column region", r.stdout)
        self.assertIn("DAMAGED", r.stdout)
        r = run("snapshot", "info", bad)
        self.assertEqual(r.returncode, 0)
        self.assertIn("1 damaged", r.stdout)
        # not a snapshot at all, a missing file
        r = run("snapshot", "verify", SMES)
        self.assertEqual(r.returncode, 1)
        self.assertIn("header", r.stderr)
        self.assertEqual(run("snapshot", "info", os.path.join(self.tmp.name, "none.smsnap")).returncode, 1)

    def test_usage(self):
        self.assertEqual(run("snapshot", "info").returncode, 2)
        self.assertEqual(run("snapshot", "verify", self.snap, "--data", SMES).returncode, 2)
        self.assertEqual(run("snapshot", "info", self.snap, self.snap, self.snap).returncode, 2)
        self.assertEqual(run("snapshot", "save", "--data", SMES).returncode, 2)
        self.assertEqual(run("snapshot", "load", "--data", SMES, "--out", "x").returncode, 2)
        r = run("snapshot", "save", "--data", SMES, "--out", "/nonexistent-dir/x.smsnap")
        self.assertEqual(r.returncode, 1)
        self.assertIn("nonexistent-dir", r.stderr)
        self.assertEqual(run("snapshot", "--help").returncode, 0)


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main()
