#!/usr/bin/env python3
"""Writes examples/data/cadses_history.csv: a synthetic cooperation history for
the bundled sample SMEs (deterministic). Cooperations are deals between two
SMEs whose offers meet the other's needs, and projects of three to five SMEs;
a third of them repeat an earlier pair or extend an earlier partner's
network, as real cooperation does. Dates run from 2018 to 2025.

usage: scripts/gen_sample_history.py [SMES_CSV] [OUT_CSV]
"""
import csv
import os
import random
import sys

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "examples", "data", "cadses_smes.csv")
dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "examples", "data", "cadses_history.csv")

rng = random.Random(2024)
smes = list(csv.DictReader(open(src, encoding="utf-8")))
ids = [s["id"] for s in smes]
offers = {s["id"]: set(t.strip() for t in s["offers"].split(";") if t.strip()) for s in smes}
needs = {s["id"]: set(t.strip() for t in s["needs"].split(";") if t.strip()) for s in smes}
by_need = {}
for i in ids:
    for t in needs[i]:
        by_need.setdefault(t, []).append(i)

partners = {i: [] for i in ids}
rows = []
n_events = 600
for e in range(n_events):
    year = 2018 + e * 8 // n_events
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    a = rng.choice(ids)
    r = rng.random()
    if r < 0.2 and partners[a]:
        b = rng.choice(partners[a])                      # a repeat
    elif r < 0.33 and partners[a]:
        z = rng.choice(partners[a])                      # a partner's partner
        b = rng.choice(partners[z]) if partners[z] else rng.choice(ids)
    else:
        cands = [c for t in offers[a] for c in by_need.get(t, [])]
        b = rng.choice(cands) if cands else rng.choice(ids)
    if b == a:
        continue
    group = [a, b]
    kind = "deal"
    if rng.random() < 0.25:
        kind = "project"
        while len(group) < rng.randint(3, 5):
            c = rng.choice(ids)
            if c not in group:
                group.append(c)
    for x in group:
        for y in group:
            if x != y and y not in partners[x]:
                partners[x].append(y)
    for m in group:
        rows.append((f"E{e + 1:04d}", m, date, kind))

with open(dst, "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["group", "member", "date", "kind"])
    w.writerows(rows)
print(f"{dst}: {len(rows)} rows")
