#!/usr/bin/env python3
"""smartmatch from Python: load SMEs, tune a weighting, list, explain and write partners.

Run from a source checkout after building (meson setup build && ninja -C build):

    PYTHONPATH=bindings/python python3 examples/python/quickstart.py [smes.csv [SME-ID]]

Without arguments it uses the bundled synthetic sample data and SME CZ-00032,
one half of a pair planted in the data as a perfect match (SK-00038).
"""

import sys
from pathlib import Path

import smartmatch as sm

samples = Path(__file__).resolve().parents[1] / "data"
data = Path(sys.argv[1]) if len(sys.argv) > 1 else samples / "cadses_smes.csv"

with sm.Engine() as eng:                          # NUTS 2021 regions + NACE Rev. 2 sectors built in
    report = eng.load(data)                       # strict: a bad row raises sm.ParseError & co.
    print(f"loaded {report.loaded} SMEs from {data.name}")
    if len(sys.argv) <= 1:
        eng.load(samples / "cadses_development.csv")   # regional development indices, for "cohesion"

    me = eng[sys.argv[2]] if len(sys.argv) > 2 else eng.get("CZ-00032") or next(iter(eng))
    print(f"\npartners for {me.id} {me.name!r} ({eng.regions[me.region].name}, "
          f"{eng.sectors[me.sectors[0]].name})")

    # Start from a preset, weigh complementarity up, and add a criterion of our own:
    # any Python function of the pair returning a score in [0, 1].
    w = sm.Weighting.preset("cross_border")
    w["complementarity"] = 3.0
    w.add_criterion("older_partner",
                    lambda pair: 1.0 if (pair.b.founded or 9999) < (pair.a.founded or 0) else 0.0,
                    weight=0.5)

    matches = eng.top(me.id, k=5, weighting=w, cross_border=True)
    for m in matches:
        partner = eng[m.id]
        print(f"{m.rank}. {m.id:<10} {m.score:.3f}  {partner.region:<6} {m.distance_km:6.0f} km  {partner.name}")

    if matches:
        print()
        print(eng.explain(me.id, matches[0].id, weighting=w))   # every criterion: score and weight

    # The same ranking in the library's CSV format (matches.write("partners.csv") writes a file).
    print()
    matches.write(sys.stdout, format="csv")

    # Everyone's top 3, on all cores; match_all(..., output="all.csv") streams them to a file instead.
    everyone = eng.match_all(k=3, weighting="balanced")
    print(f"\nmatched {len(everyone)} SMEs; {me.id} -> {[m.id for m in everyone[me.id]]}")
