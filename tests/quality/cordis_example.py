#!/usr/bin/env python3
"""Measures the network criteria, evaluate and fit on real cooperations: the
Horizon 2020 participations of CORDIS (../shared/data/cordis, see its
SOURCES.md section 3). A measurement kept with the tests: it needs the
reference data beside the checkout and says so, exiting 0, when they are not
there; scripts/test does not run it.

Only projects that started up to 2018 are read: every row is filtered on its
start date before anything else is done with it, and projects starting in
2019 or later are never kept, counted or evaluated on (they are reserved for
an independent evaluation). Train up to 2016, validate on 2017-2018.

Organisations become SME rows (id = PIC, region = country, sector from the
activity type, offers = needs = the programme parts of their projects that
started before the split), projects become cooperations (group = project,
members = its participants, date = its start). The files are written into
--out (a build directory; nothing of it is committed), then `smartmatch fit`
learns a weighting from the cooperations before 2017 and `smartmatch
evaluate` replays 2017-2018 for balanced, network and the fitted weighting.

usage: tests/quality/cordis_example.py --build BUILD_DIR [--out DIR] [--data DIR]
                                 [--max-queries N]
"""
import argparse
import csv
import gzip
import os
import subprocess
import sys
from collections import defaultdict

LAST_START = "2019-01-01"  # projects starting on or after this day are never read further
SPLIT = "2017-01-01"       # train before, validate from here to LAST_START

# NACE sections/divisions for CORDIS activity types (there is no finer sector).
SECTOR = {"PRC": "C", "HES": "85.4", "REC": "72", "PUB": "84", "OTH": "94"}


def read_projects(data_dir):
    """Participations of projects that started before LAST_START."""
    rows = []
    with gzip.open(os.path.join(data_dir, "cordis", "h2020.csv.gz"), "rt", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            start = r["start_date"]
            # the filter comes first: later (or undated) projects go no further
            if len(start) != 10 or start >= LAST_START:
                continue
            rows.append((r["rcn"], r["pic"], r["type"], r["country"], start))
    return rows


def read_parts(data_dir, kept):
    parts = defaultdict(set)
    with gzip.open(os.path.join(data_dir, "cordis", "programme_parts.csv.gz"), "rt", encoding="utf-8",
                   newline="") as f:
        for r in csv.DictReader(f):
            if r["rcn"] in kept:  # parts of later projects are dropped unread
                parts[r["rcn"]].add(r["programme_part"].strip())
    return parts


def country_points(data_dir):
    """Level-0 NUTS codes (in the library's tables) and points of other countries."""
    nuts = set()
    with open(os.path.join(data_dir, "nuts", "nuts2021_regions.csv"), encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["level"] == "0":
                nuts.add(r["nuts_id"])
    nuts |= {"BA", "MD", "UA", "XK"}  # built in beside NUTS
    world = {}
    with open(os.path.join(data_dir, "world", "countries.csv"), encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            code = {"GR": "EL", "GB": "UK"}.get(r["cca2"], r["cca2"])
            if r["lat"] and r["lng"]:
                world[code] = (r["name"], float(r["lat"]), float(r["lng"]))
    return nuts, world


def run(cmd):
    print("$ " + " ".join(cmd), file=sys.stderr)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(p.stderr)
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True, help="meson build directory (examples/smartmatch)")
    ap.add_argument("--out", help="directory for the generated files (default BUILD/cordis)")
    ap.add_argument("--data", default=os.environ.get("SM_SHARED_DATA") or
                    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data"),
                    help="the shared reference data directory (default $SM_SHARED_DATA or ../shared/data)")
    ap.add_argument("--max-queries", type=int, default=5000)
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(a.data, "cordis")):
        print(f"cordis_example: skipped: no CORDIS data in {a.data} (the reference data beside the checkout, "
              "or --data DIR / SM_SHARED_DATA)")
        return 0
    out = a.out or os.path.join(a.build, "cordis")
    os.makedirs(out, exist_ok=True)
    cli = os.path.join(a.build, "examples", "smartmatch")

    rows = read_projects(a.data)
    kept = {r[0] for r in rows}
    parts = read_parts(a.data, kept)
    nuts, world = country_points(a.data)

    orgs = {}
    tags = defaultdict(set)
    members = defaultdict(list)
    start = {}
    dropped = set()
    for rcn, pic, typ, country, day in rows:
        if country not in nuts and country not in world:
            dropped.add(pic)
            continue
        orgs.setdefault(pic, (country, SECTOR.get(typ, "94")))
        if pic not in members[rcn]:
            members[rcn].append(pic)
        start[rcn] = day
        if day < SPLIT:
            tags[pic] |= parts.get(rcn, set())

    regions = sorted({c for c, _ in orgs.values() if c not in nuts})
    with open(os.path.join(out, "regions.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "lat", "lon"])
        for c in regions:
            name, lat, lon = world[c]
            w.writerow([c, name, lat, lon])
    with open(os.path.join(out, "smes.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "region", "sectors", "offers", "needs"])
        for pic in sorted(orgs):
            country, sector = orgs[pic]
            t = ";".join(sorted(tags[pic]))
            w.writerow([pic, "PIC " + pic, country, sector, t, t])
    n_coop = 0
    with open(os.path.join(out, "history.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["group", "member", "date", "kind"])
        for rcn in sorted(members, key=lambda r: (start[r], r)):
            if len(members[rcn]) < 2:
                continue  # single-beneficiary grants are no cooperation
            n_coop += 1
            for pic in members[rcn]:
                w.writerow([rcn, pic, start[rcn], "project"])
    print(f"{len(orgs)} organisations, {n_coop} projects with two or more partners, started before {LAST_START}; "
          f"{len(regions)} countries outside NUTS added as regions", file=sys.stderr)

    data = ["--data", os.path.join(out, "regions.csv"), "--data", os.path.join(out, "smes.csv"),
            "--history", os.path.join(out, "history.csv")]
    mq = ["--max-queries", str(a.max_queries)]
    fit = run([cli, "fit"] + data + ["--split", SPLIT] + mq)
    fitted = fit.splitlines()[0]
    print("fit (validation 2016, history before it):\n" + fit)
    table = []
    for label, wopt in (("balanced", ["--preset", "balanced"]), ("network", ["--preset", "network"]),
                        ("fitted", ["--weights", fitted])):
        ev = run([cli, "evaluate"] + data + ["--split", SPLIT, "--end", LAST_START] + mq + wopt)
        lines = [l for l in ev.splitlines() if l.startswith("|")]
        if not table:
            table = lines[:2]
            baselines = lines[3:]
        table.append("| " + label + " |" + lines[2].split("|", 2)[2])
    print("validation 2017-2018 (queries from every member; network criteria see the history before 2017):\n")
    print("\n".join(table + baselines))


if __name__ == "__main__":
    main()
