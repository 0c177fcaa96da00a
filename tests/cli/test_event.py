"""Tests of `smartmatch event plan` (examples/cli/cmd_event.c).

Run by meson as: python3 tests/cli/test_event.py PATH/TO/smartmatch
Plans the demo event of docs/events.md (examples/data: 200 participants of
the sample SMEs) and checks the files it writes, a re-run with the schedule
locked, and the usage errors.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

CLI = None  # set from argv in __main__
ROOT = Path(os.environ.get("SM_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
DATA = ROOT / "examples" / "data"


def run(*args):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)


class EventPlanTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def plan(self, *extra):
        return run("event", "plan", "--data", DATA / "cadses_smes.csv",
                   "--participants", DATA / "event_participants.csv", "--requests", DATA / "event_requests.csv",
                   "--from-top", 8, "--slots", 12, "--tables", 60, "--break", 7,
                   # short searches: the selection's quality is tested in test_events.py
                   "--effort", 1,
                   "--out", self.dir / "schedule.csv", "--unscheduled", self.dir / "unscheduled.csv", *extra)

    def test_demo_event(self):
        r = self.plan("--json", self.dir / "plan.json", "--agenda-dir", self.dir / "agenda",
                      "--start", "2027-03-10T09:00", "--slot-minutes", 30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("participants 200", r.stdout)
        self.assertIn("slots used", r.stdout)
        rows = list(csv.DictReader(open(self.dir / "schedule.csv")))
        self.assertTrue(rows)
        self.assertEqual(list(rows[0]), ["slot", "table", "a", "b", "weight", "score", "status"])
        busy = set()
        for row in rows:
            self.assertNotEqual(row["slot"], "7")  # the break
            for p in (row["a"], row["b"]):
                self.assertNotIn((p, row["slot"]), busy)
                busy.add((p, row["slot"]))
        unsched = list(csv.DictReader(open(self.dir / "unscheduled.csv")))
        self.assertEqual(sum(1 for u in unsched if u["reason"] == "declined"), 6)
        plan = json.load(open(self.dir / "plan.json"))
        self.assertEqual(len(plan["meetings"]), len(rows))
        who = rows[0]["a"]
        agenda = (self.dir / "agenda" / f"{who}.txt").read_text()
        self.assertIn("09:00-09:30", agenda)
        self.assertIn("(break)", agenda)
        ics = (self.dir / "agenda" / f"{who}.ics").read_bytes()
        self.assertTrue(ics.startswith(b"BEGIN:VCALENDAR\r\n"))
        # the same input gives the same schedule
        first = (self.dir / "schedule.csv").read_text()
        self.assertEqual(self.plan().returncode, 0)
        self.assertEqual((self.dir / "schedule.csv").read_text(), first)

    def test_sessions(self):
        avail = self.dir / "avail.csv"
        avail.write_text("id,unavailable\nAL-00001,afternoon\nAL-00011,morning;12\n")
        r = run("event", "plan", "--data", DATA / "cadses_smes.csv",
                "--participants", DATA / "event_participants.csv", "--requests", DATA / "event_requests.csv",
                "--from-top", 8, "--slots", 12, "--tables", 60, "--effort", 1,
                "--sessions", "morning=1-6@09:00,afternoon=8-12@13:30", "--availability", avail,
                "--out", self.dir / "schedule.csv", "--json", self.dir / "plan.json",
                "--agenda-dir", self.dir / "agenda", "--start", "2027-03-10T09:00", "--slot-minutes", 30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("idle gaps", r.stdout)
        self.assertIn("(within sessions)", r.stdout)
        self.assertIn("sessions: morning slots 1-6: ", r.stdout)
        rows = list(csv.DictReader(open(self.dir / "schedule.csv")))
        self.assertEqual(list(rows[0])[-1], "session")
        for row in rows:
            slot = int(row["slot"])
            self.assertNotEqual(slot, 7)  # lunch, between the sessions
            self.assertEqual(row["session"], "morning" if slot <= 6 else "afternoon")
            if "AL-00001" in (row["a"], row["b"]):
                self.assertEqual(row["session"], "morning")
            if "AL-00011" in (row["a"], row["b"]):
                self.assertTrue(8 <= slot <= 11)
        plan = json.load(open(self.dir / "plan.json"))
        self.assertEqual([s["name"] for s in plan["sessions"]], ["morning", "afternoon"])
        self.assertEqual(plan["sessions"][1]["start"], "13:30")
        late = next(x for x in rows if int(x["slot"]) == 8)
        agenda = (self.dir / "agenda" / f"{late['a']}.txt").read_text()
        self.assertIn("-- afternoon (slots 8-12)", agenda)
        self.assertIn("8     13:30-14:00", agenda)
        self.assertIn("7     12:00-12:30  -      (break)", agenda)
        ics = (self.dir / "agenda" / f"{late['a']}.ics").read_text()
        self.assertIn("DTSTART:20270310T133000", ics)
        self.assertIn("CATEGORIES:afternoon", ics)
        # a bad list names the option's value and shows the form
        r = run("event", "plan", "--data", DATA / "cadses_smes.csv",
                "--participants", DATA / "event_participants.csv", "--from-top", 3,
                "--slots", 12, "--tables", 60, "--sessions", "morning=1-6,afternoon=6-12", "--out", self.dir / "s.csv")
        self.assertEqual(r.returncode, 1)
        self.assertIn("sessions: \"afternoon=6-12\": sessions are listed in slot order and do not overlap", r.stderr)
        self.assertIn("e.g.", r.stderr)

    def test_json_files(self):
        # the demo's CSV files as JSON plan the same
        parts = [{k: v for k, v in row.items() if v} for row in csv.DictReader(open(DATA / "event_participants.csv"))]
        for p in parts:
            if "capacity" in p:
                p["capacity"] = int(p["capacity"])
        reqs = [{k: (int(v) if k == "priority" else v) for k, v in row.items() if v}
                for row in csv.DictReader(open(DATA / "event_requests.csv"))]
        (self.dir / "p.json").write_text(json.dumps({"participants": parts}))
        (self.dir / "r.json").write_text(json.dumps(reqs))
        common = ["event", "plan", "--data", DATA / "cadses_smes.csv", "--from-top", 8, "--slots", 12,
                  "--tables", 60, "--effort", 1]
        r = run(*common, "--participants", DATA / "event_participants.csv", "--requests", DATA / "event_requests.csv",
                "--out", self.dir / "a.csv", "--json", self.dir / "a.json")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run(*common, "--participants", self.dir / "p.json", "--requests", self.dir / "r.json",
                "--out", self.dir / "b.csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((self.dir / "a.csv").read_text(), (self.dir / "b.csv").read_text())
        # the plan's JSON locks a re-run
        r = run(*common, "--participants", self.dir / "p.json", "--lock", self.dir / "a.json",
                "--out", self.dir / "c.csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        before = {(x["slot"], x["table"], x["a"], x["b"]) for x in csv.DictReader(open(self.dir / "a.csv"))}
        after = {(x["slot"], x["table"], x["a"], x["b"]) for x in csv.DictReader(open(self.dir / "c.csv"))}
        self.assertLessEqual(before, after)
        # an error names the file, the JSON path and the value
        parts[3]["capacity"] = "many"
        (self.dir / "p.json").write_text(json.dumps({"participants": parts}))
        r = run(*common, "--participants", self.dir / "p.json", "--out", self.dir / "d.csv")
        self.assertEqual(r.returncode, 1)
        self.assertIn("p.json: participants[3].capacity: expected a whole number 0..64, got \"many\"", r.stderr)
        self.assertFalse((self.dir / "d.csv").exists())

    def test_rerun_keeps_locked_meetings(self):
        self.assertEqual(self.plan().returncode, 0)
        locked = self.dir / "locked.csv"
        os.rename(self.dir / "schedule.csv", locked)
        r = self.plan("--lock", locked)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = {(x["slot"], x["table"], x["a"], x["b"]) for x in csv.DictReader(open(locked))}
        after = {(x["slot"], x["table"], x["a"], x["b"]) for x in csv.DictReader(open(self.dir / "schedule.csv"))}
        self.assertLessEqual(before, after)

    def test_usage_errors(self):
        r = run("event", "plan", "--data", DATA / "cadses_smes.csv")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--participants is required", r.stderr)
        r = run("event", "plan", "--slots", "99")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--slots", r.stderr)
        r = run("event", "frobnicate")
        self.assertEqual(r.returncode, 2)
        r = run("event", "plan", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--from-top", r.stdout)

    def test_bad_file_names_line(self):
        bad = self.dir / "p.csv"
        bad.write_text("id,capacity\nAL-00001,2\nAL-00002,lots\n")
        r = run("event", "plan", "--data", DATA / "cadses_smes.csv", "--participants", bad, "--from-top", 3,
                "--slots", 4, "--tables", 4, "--out", self.dir / "s.csv")
        self.assertEqual(r.returncode, 1)
        self.assertIn("p.csv:3: capacity", r.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        CLI = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
