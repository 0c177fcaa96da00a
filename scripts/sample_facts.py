"""The reference facts the sample generator needs beyond the built-in tables.

scripts/gen_tables.py calls write_facts() with its reference data directory
(the data are never copied into the project); it writes small derived files
that are committed, so that scripts/gen_sample.py runs on a checkout without
that directory:

  scripts/data/population.csv   nuts_id,year,population: the population on
                                1 January of each NUTS-2 region (NUTS 2016
                                codes) of the CADSES countries, latest year
                                with a figure (Eurostat tgs00096)
  scripts/data/development.csv  region,development,source: GDP per head in PPS,
                                EU27 = 100; country rows from tec00114, NUTS-2
                                rows derived with tgs00003/tgs00096 (see
                                examples/data/README.md for the method)

Regions (NUTS 2021) and sectors (NACE Rev. 2) are not written here: the sample
generator takes them from the library's built-in tables. Both files start with
`#` lines naming the sources; the values are copied as text (no rounding), so
the generator's output does not change. Only the Python standard library is
used and the output is deterministic.
"""

import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "scripts" / "data"
# The countries of the sample (scripts/gen_sample.py, CADSES); BA, UA and MD have no statistics.
CADSES = ["AL", "AT", "BA", "BG", "CZ", "DE", "EL", "HR", "HU", "IT",
          "MD", "ME", "MK", "PL", "RO", "RS", "SI", "SK", "UA"]

ATTRIBUTION = [
    "Source: Eurostat ({tables}), quoted from an educational repackaging of Eurostat data",
    "(GitHub andrea-ballatore/open-geo-data-education); for demonstration only,",
    "use the original Eurostat tables for any real analysis.",
    "Derived by scripts/gen_tables.py; do not edit. Regenerate with: scripts/gen_tables.py",
]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def population(stats2):
    """(nuts_id, year, population) of the latest year with a population, in first-seen order."""
    latest = {}
    for r in stats2:
        if r["nuts_id"][:2] not in CADSES or not r["region_population"]:
            continue
        if r["nuts_id"] not in latest or r["year"] > latest[r["nuts_id"]][0]:
            latest[r["nuts_id"]] = (r["year"], r["region_population"])
    return [(code, year, pop) for code, (year, pop) in latest.items()]


def development(stats0, stats2, nuts):
    """Rows (region, development, source): NUTS 0 from tec00114, NUTS 2 derived."""
    idx = {}
    for r in stats0:
        if r["nuts_id"] in CADSES and r["pc_gdp"]:
            if r["nuts_id"] not in idx or r["year"] > idx[r["nuts_id"]][0]:
                idx[r["nuts_id"]] = (r["year"], float(r["pc_gdp"]))
    gdp = {}   # (country, year) -> [sum gdp, sum pop]
    per = {}   # nuts2 -> (year, gdp per capita)
    for r in stats2:
        cc = r["country_code"]
        if cc not in idx or not r["gdp_per_capita_eur"] or not r["region_gdp"] or not r["region_population"]:
            continue
        s = gdp.setdefault((cc, r["year"]), [0.0, 0.0])
        s[0] += float(r["region_gdp"]) * 1e6
        s[1] += float(r["region_population"])
        if r["nuts_id"] not in per or r["year"] > per[r["nuts_id"]][0]:
            per[r["nuts_id"]] = (r["year"], float(r["gdp_per_capita_eur"]))
    rows = []
    for cc, (year, v) in idx.items():
        rows.append((cc, f"{v:.1f}", f"Eurostat tec00114 {year}"))
    for code, (year, v) in per.items():
        if nuts.get(code) != "2":
            continue      # not a NUTS 2021 code (e.g. HR04)
        g, p = gdp[(code[:2], year)]
        value = idx[code[:2]][1] * v / (g / p)
        rows.append((code, f"{value:.1f}", f"derived from Eurostat tgs00003/tgs00096 {year} and tec00114"))
    rows.sort()
    return rows


def write(path, tables, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        for line in ATTRIBUTION:
            f.write("# " + line.format(tables=tables) + "\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_facts(shared):
    """Writes scripts/data/population.csv and development.csv from the reference data in shared."""
    shared = Path(shared)
    if not (shared / "regional_stats").is_dir():
        sys.exit(f"gen_tables: reference data directory has no regional_stats: {shared}")
    stats2 = read_csv(shared / "regional_stats" / "nuts2_2016_indicators_2007_2018.csv")
    stats0 = read_csv(shared / "regional_stats" / "nuts0_country_indicators_2007_2018.csv")
    nuts = {r["nuts_id"]: r["level"] for r in read_csv(shared / "nuts" / "nuts2021_regions.csv")}
    OUT.mkdir(parents=True, exist_ok=True)
    pop = population(stats2)
    write(OUT / "population.csv", "tgs00096", ["nuts_id", "year", "population"], pop)
    dev = development(stats0, stats2, nuts)
    write(OUT / "development.csv", "tec00114, tgs00003, tgs00096", ["region", "development", "source"], dev)
    print(f"gen_tables: {len(pop)} population rows, {len(dev)} development rows in {OUT}", file=sys.stderr)
