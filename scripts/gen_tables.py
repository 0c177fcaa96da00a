#!/usr/bin/python3
"""Generate the built-in reference tables of smartmatch as C source.

Usage: scripts/gen_tables.py [--shared DIR]

DIR defaults to ../shared/data next to the repository root. The script reads
the reference data there (it is never copied into the project) and writes:

  lib/core/tables/gen_regions.c   sm__region_table, sm__adjacency_table
  lib/core/tables/gen_sectors.c   sm__sector_table
  lib/core/tables/gen_affinity.c  sm__affinity_table

  data/nuts2021_60m.txt  map outlines for the overview's maps (installed data,
                         not built into the library)

Only the Python standard library is used and the output is deterministic.

Regions (nuts/nuts2021_regions.csv, nuts/countries.csv)
-------------------------------------------------------
One row per NUTS 2021 region, ordered by level, then code, so every parent
precedes its children. name = GISCO NAME_LATN (non-breaking and doubled
spaces normalised to one space); level-0 rows use the English country name.
lat/lon = the GISCO label point. The four CADSES countries without NUTS codes
(BA, UA, MD, XK) are added as level-0 rows with a hand-entered approximate
capital-city point. Official languages (ISO 639-1) of level-0 rows are typed
in by hand below (LANGUAGES).

Adjacency (nuts/NUTS_RG_60M_2021_4326.geojson)
----------------------------------------------
Two regions of the same NUTS level are adjacent when their boundaries share
at least one vertex. The 1:60 million polygons are generalised from a single
topology, so a boundary shared by two regions has identical vertices in both;
coordinates are compared after rounding to 3 decimals. (The script also
checks a 0.01-degree proximity rule and reports the pairs it would add; it
is used only if --tolerance is given.) The countries without NUTS polygons
get hand-entered land borders (EXTRA_BORDERS) at level 0.

Every other country (world/countries.csv, ODbL)
----------------------------------------------
Each ISO 3166-1 country or territory that is not one of the above (ISO GR
and GB are NUTS EL and UK) is added at level 0 with its approximate country
point, its official languages mapped from ISO 639-3 to ISO 639-1 with
Debian's iso-codes data (languages without an ISO 639-1 code are left out;
at most 8 per country; languages not used by the NUTS countries are kept
only while the built-in set stays within 48 distinct languages, the most
widely official first) and its land borders, as level-0 adjacency, where
one side of the border is such a country (borders between NUTS countries
come from the polygons).

Map geometry (nuts/NUTS_RG_60M_2021_4326.geojson)
--------------------------------------------------
Every feature (NUTS levels 0 to 3) as one line "CODE LEVEL RING;RING...",
a ring being "lon,lat lon,lat ..." in thousandths of a degree (the file's
3-decimal coordinates as integers), without the closing point; consecutive
repeated points and rings with fewer than 3 distinct points are dropped.
The library projects the points to ETRS89-LAEA when it reads the file.
GISCO's licence allows the boundaries for non-commercial use only, with the
credit line in the file's header; the file is therefore separate data that
a user may leave out.

Sectors (nace/nace_rev2_en.csv)
-------------------------------
All 996 NACE Rev. 2 rows in file (hierarchical) order, code as given (A, 01,
01.1, 01.11), English title. Section titles, upper case in the source, are
converted to sentence case (a typo in the source title of section T,
"U0NDIFFERENTIATED", is corrected).

Sector affinity (io/sector_flows.csv, io/industry_codes.csv,
io/nace_division_to_io_code.csv; OECD IOT Belgium 2020, 50 industries)
----------------------------------------------------------------------
Let o_I be the gross output of table industry I (column `output`) and
f(I->J) the intermediate use of I's products by industry J (USD million).

  r(I,J) = max( f(I->J)/o_J, f(J->I)/o_I, f(I->J)/o_I, f(J->I)/o_J )

i.e. the larger of the two input coefficients and the two sales shares; a
term whose denominator is 0 is skipped (treated as 0). Then

  a(I,J) = min(1, sqrt(r(I,J) / 0.20))

so an interaction worth 20% of either industry's output or purchases counts
as full affinity, 5% gives 0.5, and the square root spreads the long tail. I = J uses the
same formula with the diagonal (intra-industry) flow.

Table keys 0..99 are NACE division numbers; 100..120 are sections A..U.

  Divisions d, e (two-digit codes present in NACE):
    a_div(d,e) = max over IO codes I of d, J of e of a(I,J)
                 (divisions 24 and 30 map to two IO codes each)
    a_div(d,e) = max(a_div(d,e), 0.5)   when d = e or d and e share an IO
                                        industry (same division or the same
                                        industry aggregate: at least moderate)
    division 99 (no IO code): row and column 0, except a_div(99,99) = 1.
  Numbers that are not NACE divisions (00, 04, 34, ...): 0 everywhere.
  Sections S, T (keys 100 + letter - 'A'):
    a_sec(S,T) = mean of a_div(d,e) over d in S, e in T (d = e included)
  Section S and division key e:
    a(S,e) = a(e,S) = mean over d in S of a_div(d,e)

Values are rounded to 4 decimals. The table is symmetric by construction.
"""

import argparse
import csv
import json
import math
import os
import sys
from collections import defaultdict

GEN_NOTE = ("do not edit. Regenerate with: "
            "/usr/bin/python3 scripts/gen_tables.py")
ATTR_NUTS = ("\u00a9 EuroGeographics for the administrative boundaries; "
             "source: Eurostat GISCO, NUTS 2021")
ATTR_NACE = "NACE Rev. 2, Eurostat"
ATTR_IO = "OECD Input-Output Tables (IOTs), Belgium 2020"
ATTR_WORLD = ("Countries data by Mohammed Le Doze (mledoze/countries), ODbL; the country rows "
              "taken from it are a derived database offered under the ODbL 1.0")
# ISO 3166-1 codes that NUTS spells differently.
ISO_TO_NUTS = {"GR": "EL", "GB": "UK"}
ISO_639_3 = "/usr/share/iso-codes/json/iso_639-3.json"  # Debian package iso-codes
# Most distinct languages the built-in regions may use: an engine holds 64
# (SM_LANGUAGE_MAX), and the rest stay free for the user's own.
BUILTIN_LANGUAGES_MAX = 48
LANGS_PER_ROW_MAX = 8  # builtin.c reads at most 8 per row

# Official languages (ISO 639-1) per level-0 code, hand-entered.
# Montenegrin has no ISO 639-1 code; "sr" is used for ME.
LANGUAGES = {
    "AT": "de", "BE": "nl;fr;de", "BG": "bg", "CH": "de;fr;it",
    "CY": "el;tr", "CZ": "cs", "DE": "de", "DK": "da", "EE": "et",
    "EL": "el", "ES": "es", "FI": "fi;sv", "FR": "fr", "HR": "hr",
    "HU": "hu", "IE": "en;ga", "IS": "is", "IT": "it", "LI": "de",
    "LT": "lt", "LU": "lb;fr;de", "LV": "lv", "MT": "mt;en", "NL": "nl",
    "NO": "no", "PL": "pl", "PT": "pt", "RO": "ro", "SE": "sv", "SI": "sl",
    "SK": "sk", "TR": "tr", "UK": "en", "AL": "sq", "ME": "sr",
    "MK": "mk;sq", "RS": "sr", "BA": "bs;hr;sr", "UA": "uk", "MD": "ro",
    "XK": "sq;sr",
}

NO_NUTS = ("BA", "UA", "MD", "XK")

# Land borders of the countries without NUTS polygons (level 0), hand-entered
# (only partners that are in the table).
EXTRA_BORDERS = {
    "BA": ("HR", "RS", "ME"),
    "UA": ("PL", "SK", "HU", "RO", "MD"),
    "MD": ("RO", "UA"),
    "XK": ("RS", "ME", "AL", "MK"),
}

TOLERANCE_DEG = 0.01
AFF_SCALE = 0.20
AFF_SAME_DIVISION_MIN = 0.5


def die(msg):
    sys.stderr.write("gen_tables.py: error: %s\n" % msg)
    sys.exit(1)


def log(msg):
    sys.stderr.write(msg + "\n")


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def c_string(s):
    """C string literal: UTF-8 kept, '"', '\\', '?' and controls escaped."""
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "?":
            out.append("\\?")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\%03o" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def c_double(text):
    v = float(text)
    if not math.isfinite(v):
        die("non-finite coordinate %r" % text)
    return repr(v)


def c_affinity(v):
    s = ("%.4f" % v).rstrip("0")
    if s.endswith("."):
        s += "0"
    return s


def clean_name(s):
    return " ".join(s.replace("\u00a0", " ").split())


def header(sources, attributions, extra=""):
    lines = ["/* Generated by scripts/gen_tables.py from %s; %s" % (sources, GEN_NOTE)]
    for a in attributions:
        lines.append(" * " + a)
    if extra:
        for line in extra.splitlines():
            lines.append((" * " + line).rstrip())
    lines.append(" */")
    lines.append('#include "core/tables.h"')
    lines.append("")
    return "\n".join(lines) + "\n"


def write(path, text):
    for ch in ("??",):
        # c_string escapes every '?', so no trigraph can appear in literals;
        # comments are checked here too.
        if ch in text:
            die("%s would contain a trigraph-like '??'" % path)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    log("wrote %s" % path)


# --------------------------------------------------------------------------
# Regions and adjacency
# --------------------------------------------------------------------------

def load_regions(shared):
    regions = read_csv(os.path.join(shared, "nuts", "nuts2021_regions.csv"))
    countries = {r["eurostat_code"]: r
                 for r in read_csv(os.path.join(shared, "nuts", "countries.csv"))}
    rows = []  # (level, code, name, lat, lon, languages)
    seen = set()
    for r in regions:
        code = r["nuts_id"]
        level = int(r["level"])
        if code in seen:
            die("duplicate NUTS code %s" % code)
        seen.add(code)
        if level == 0:
            if code not in countries:
                die("country %s missing from countries.csv" % code)
            name = clean_name(countries[code]["name_en"])
        else:
            name = clean_name(r["name_latn"])
        rows.append((level, code, name, c_double(r["label_lat"]),
                     c_double(r["label_lon"])))
    for code in NO_NUTS:
        c = countries.get(code)
        if c is None or c["has_nuts2021"] != "0":
            die("expected %s in countries.csv without NUTS" % code)
        if code in seen:
            die("%s unexpectedly has NUTS regions" % code)
        rows.append((0, code, clean_name(c["name_en"]),
                     c_double(c["point_lat"]), c_double(c["point_lon"])))
    world, world_langs, world_borders = load_world(shared, seen | set(NO_NUTS))
    for code, name, lat, lon in world:
        rows.append((0, code, name, lat, lon))
    rows.sort(key=lambda t: (t[0], t[1]))
    out = []
    for level, code, name, lat, lon in rows:
        lang = None
        if level == 0:
            lang = LANGUAGES.get(code, world_langs.get(code))
            if lang is None and code not in world_langs:
                die("no official languages entered for country %s" % code)
        out.append((level, code, name, lat, lon, lang))
    codes = {r[1] for r in out}
    missing = set(LANGUAGES) - {r[1] for r in out if r[0] == 0}
    if missing:
        die("LANGUAGES has codes that are not countries: %s" % sorted(missing))
    for level, code, *_ in out:
        if level > 0 and code[:-1] not in codes:
            die("parent of %s missing" % code)
    return out, world_borders


def load_world(shared, have):
    """The ISO 3166-1 countries not in `have` (NUTS spelling): rows (code,
    name, lat, lon), languages {code: "a;b" or None} and land borders
    {(a, b)} where a or b is one of them."""
    rows = read_csv(os.path.join(shared, "world", "countries.csv"))
    iso3 = json.load(open(ISO_639_3, encoding="utf-8"))["639-3"]
    to_639_1 = {r["alpha_3"]: r["alpha_2"] for r in iso3 if "alpha_2" in r}
    nuts = {r["cca3"]: ISO_TO_NUTS.get(r["cca2"], r["cca2"]) for r in rows}
    new, langs_of = [], {}
    for r in rows:
        code = nuts[r["cca3"]]
        if code in have:
            continue
        if not (r["lat"] and r["lng"]):
            die("world country %s has no point" % code)
        new.append((code, clean_name(r["name"]), c_double(r["lat"]), c_double(r["lng"])))
        ls = []
        for l3 in filter(None, r["languages_iso639_3"].split(";")):
            l1 = to_639_1.get(l3)
            if l1 and l1 not in ls:
                ls.append(l1)
        langs_of[code] = ls[:LANGS_PER_ROW_MAX]
    # languages: those of the NUTS countries, then the most widely official
    used = {l for v in LANGUAGES.values() for l in v.split(";")}
    spread = defaultdict(int)
    for ls in langs_of.values():
        for l in ls:
            if l not in used:
                spread[l] += 1
    for l in sorted(spread, key=lambda l: (-spread[l], l)):
        if len(used) >= BUILTIN_LANGUAGES_MAX:
            break
        used.add(l)
    langs = {c: (";".join(l for l in ls if l in used) or None) for c, ls in langs_of.items()}
    codes = {c for c, *_ in new}
    borders = set()
    for r in rows:
        a = nuts[r["cca3"]]
        for b3 in filter(None, r["borders_cca3"].split(";")):
            b = nuts.get(b3)
            if b is None:
                die("unknown border %s of %s" % (b3, a))
            if a != b and (a in codes or b in codes):
                borders.add(tuple(sorted((a, b))))
    log("world: %d more countries, %d languages in all, %d land borders" % (
        len(new), len(used), len(borders)))
    return new, langs, borders


def iter_rings(geom):
    if geom["type"] == "Polygon":
        polys = [geom["coordinates"]]
    elif geom["type"] == "MultiPolygon":
        polys = geom["coordinates"]
    else:
        die("unexpected geometry type %s" % geom["type"])
    for poly in polys:
        for ring in poly:
            yield ring


def load_vertices(shared):
    path = os.path.join(shared, "nuts", "NUTS_RG_60M_2021_4326.geojson")
    with open(path, encoding="utf-8") as fh:
        gj = json.load(fh)
    verts = {}  # code -> (level, set of (x, y) in 1/1000 degree integers)
    for f in gj["features"]:
        p = f["properties"]
        code = p["NUTS_ID"]
        s = set()
        for ring in iter_rings(f["geometry"]):
            for pt in ring:
                s.add((int(round(pt[0] * 1000)), int(round(pt[1] * 1000))))
        if code in verts:
            die("duplicate feature %s" % code)
        verts[code] = (int(p["LEVL_CODE"]), s)
    return verts


def shared_vertex_pairs(verts):
    pairs = set()
    for level in range(4):
        owner = defaultdict(set)
        for code, (lv, s) in verts.items():
            if lv == level:
                for v in s:
                    owner[v].add(code)
        for codes in owner.values():
            if len(codes) > 1:
                cs = sorted(codes)
                for i in range(len(cs)):
                    for j in range(i + 1, len(cs)):
                        pairs.add((cs[i], cs[j]))
    return pairs


def near_vertex_pairs(verts, tol_deg):
    """Pairs of same-level regions with boundary vertices within tol_deg."""
    tol = int(round(tol_deg * 1000))
    pairs = set()
    for level in range(4):
        grid = defaultdict(set)  # cell -> set of (code, x, y)
        for code, (lv, s) in verts.items():
            if lv == level:
                for x, y in s:
                    grid[(x // tol, y // tol)].add((code, x, y))
        for (cx, cy), members in grid.items():
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    other = grid.get((cx + dx, cy + dy))
                    if not other:
                        continue
                    for c1, x1, y1 in members:
                        for c2, x2, y2 in other:
                            if c1 < c2 and (x1 - x2) ** 2 + (y1 - y2) ** 2 <= tol * tol:
                                pairs.add((c1, c2))
    return pairs


def gen_regions(shared, repo, use_tolerance):
    rows, world_borders = load_regions(shared)
    index = {r[1]: i for i, r in enumerate(rows)}
    level_of = {r[1]: r[0] for r in rows}
    if len(rows) > 65535:
        die("too many regions for uint16 indices")

    verts = load_vertices(shared)
    csv_codes = {r[1] for r in rows if r[1] not in NO_NUTS and (r[0] > 0 or r[1] in verts)}
    if set(verts) != csv_codes:
        die("geojson and CSV codes differ: %s" % sorted(set(verts) ^ csv_codes))
    for code, (lv, _) in verts.items():
        if lv != level_of[code]:
            die("level mismatch for %s" % code)

    exact = shared_vertex_pairs(verts)
    near = near_vertex_pairs(verts, TOLERANCE_DEG)
    extra_near = sorted(near - exact)
    log("adjacency: %d pairs share a vertex; a %.2f-degree proximity rule "
        "would add %d" % (len(exact), TOLERANCE_DEG, len(extra_near)))
    for by_level in range(4):
        lst = [p for p in extra_near if level_of[p[0]] == by_level]
        if lst:
            log("  level %d, proximity only (%d): %s%s" % (
                by_level, len(lst), " ".join("%s-%s" % p for p in lst[:20]),
                " ..." if len(lst) > 20 else ""))
    pairs = set(near if use_tolerance else exact)
    method = ("shared vertex or vertices within %.2f degrees" % TOLERANCE_DEG
              if use_tolerance else
              "shared boundary vertex (coordinates rounded to 3 decimals)")

    for a, partners in EXTRA_BORDERS.items():
        for b in partners:
            if b not in index:
                die("EXTRA_BORDERS partner %s unknown" % b)
            pairs.add(tuple(sorted((a, b))))

    for a, b in world_borders:
        if a not in index or b not in index:
            die("world border %s-%s names an unknown country" % (a, b))
        pairs.add((a, b))

    for a, b in pairs:
        if level_of[a] != level_of[b]:
            die("cross-level pair %s-%s" % (a, b))

    checks_yes = [("AT", "SI"), ("HR", "SI"), ("IT", "SI"), ("AT", "HU"),
                  ("AT", "DE"), ("SI03", "SI04"), ("SI041", "SI042"),
                  ("AT21", "SI03"), ("BA", "HR")]
    checks_no = [("DE", "SI"), ("AT", "HR"), ("IT", "HR")]
    for p in checks_yes:
        if p not in pairs:
            die("sanity check failed: %s-%s should be adjacent" % p)
    for p in checks_no:
        if p in pairs:
            die("sanity check failed: %s-%s should not be adjacent" % p)
    log("adjacency sanity checks passed (%s adjacent; %s not)" % (
        ", ".join("%s-%s" % p for p in checks_yes),
        ", ".join("%s-%s" % p for p in checks_no)))

    idx_pairs = sorted(tuple(sorted((index[a], index[b]))) for a, b in pairs)
    per_level = [0, 0, 0, 0]
    for a, b in idx_pairs:
        per_level[rows[a][0]] += 1
    log("adjacency pairs per level: " + ", ".join(
        "%d: %d" % (lv, n) for lv, n in enumerate(per_level)) +
        " (total %d; level 0 includes %d hand-entered)" % (
            len(idx_pairs), sum(len(v) for v in EXTRA_BORDERS.values())))

    counts = [0, 0, 0, 0]
    for r in rows:
        counts[r[0]] += 1
    extra = (
        "Regions: nuts/nuts2021_regions.csv (GISCO label points, NAME_LATN) and\n"
        "nuts/countries.csv (English names; approximate capital points for\n"
        "BA, UA, MD, XK, which have no NUTS codes). Rows per level: %s.\n"
        "Official languages of level-0 rows: hand-entered in the generator.\n"
        "Adjacency: %s, from\n"
        "nuts/NUTS_RG_60M_2021_4326.geojson; pairs per level: %s.\n"
        "Land borders of BA, UA, MD, XK are hand-entered in the generator.\n"
        "Every other ISO 3166-1 country: world/countries.csv (approximate country\n"
        "point, official languages via Debian iso-codes, land borders)." % (
            ", ".join("%d: %d" % (lv, n) for lv, n in enumerate(counts)),
            method, ", ".join("%d: %d" % (lv, n) for lv, n in enumerate(per_level))))
    out = [header("nuts/nuts2021_regions.csv, nuts/countries.csv, "
                  "nuts/NUTS_RG_60M_2021_4326.geojson and world/countries.csv", [ATTR_NUTS, ATTR_WORLD], extra)]
    out.append("const sm__region_row sm__region_table[] = {\n")
    for level, code, name, lat, lon, lang in rows:
        out.append("    {%s, %s, %s, %s, %s},\n" % (
            c_string(code), c_string(name), lat, lon,
            c_string(lang) if lang is not None else "NULL"))
    out.append("};\n")
    out.append("const size_t sm__region_table_len = "
               "sizeof sm__region_table / sizeof sm__region_table[0];\n\n")
    out.append("const sm__adjacency_row sm__adjacency_table[] = {\n")
    for a, b in idx_pairs:
        out.append("    {%d, %d},\n" % (a, b))
    out.append("};\n")
    out.append("const size_t sm__adjacency_table_len = "
               "sizeof sm__adjacency_table / sizeof sm__adjacency_table[0];\n")
    write(os.path.join(repo, "lib", "core", "tables", "gen_regions.c"), "".join(out))
    log("regions: %d rows (per level %s)" % (len(rows), counts))
    return rows


# --------------------------------------------------------------------------
# NACE
# --------------------------------------------------------------------------

SOURCE_TYPOS = {"U0NDIFFERENTIATED": "UNDIFFERENTIATED"}


def sentence_case(title):
    for bad, good in SOURCE_TYPOS.items():
        title = title.replace(bad, good)
    low = title.lower()
    return low[:1].upper() + low[1:]


def load_nace(shared):
    rows = read_csv(os.path.join(shared, "nace", "nace_rev2_en.csv"))
    out = []
    counts = [0, 0, 0, 0]
    for r in rows:
        level = int(r["level"])
        name = clean_name(r["name_en"])
        if level == 1:
            name = sentence_case(name)
        out.append((level, r["code"], name, r["section"], r["division"]))
        counts[level - 1] += 1
    if len(out) != 996 or counts != [21, 88, 272, 615]:
        die("NACE: expected 996 rows (21/88/272/615), got %d %s" % (len(out), counts))
    return out


def gen_sectors(shared, repo, nace):
    extra = "Rows: 996 (21 sections, 88 divisions, 272 groups, 615 classes),\n" \
            "in classification order. Section titles converted to sentence case."
    out = [header("nace/nace_rev2_en.csv", [ATTR_NACE], extra)]
    out.append("const sm__sector_row sm__sector_table[] = {\n")
    for level, code, name, _, _ in nace:
        out.append("    {%s, %s},\n" % (c_string(code), c_string(name)))
    out.append("};\n")
    out.append("const size_t sm__sector_table_len = "
               "sizeof sm__sector_table / sizeof sm__sector_table[0];\n")
    write(os.path.join(repo, "lib", "core", "tables", "gen_sectors.c"), "".join(out))
    log("sectors: %d rows" % len(nace))


# --------------------------------------------------------------------------
# Affinity
# --------------------------------------------------------------------------

def industry_affinity(shared):
    inds = read_csv(os.path.join(shared, "io", "industry_codes.csv"))
    output = {r["code"]: float(r["output"]) for r in inds}
    flow = {}
    for r in read_csv(os.path.join(shared, "io", "sector_flows.csv")):
        if r["from_code"] not in output or r["to_code"] not in output:
            die("unknown industry in flows: %s" % r)
        flow[(r["from_code"], r["to_code"])] = float(r["flow"])
    if len(flow) != len(output) ** 2:
        die("sector_flows.csv is not a full %dx%d matrix" % (len(output), len(output)))

    def ratio(f, o):
        return f / o if o != 0 else 0.0

    aff = {}
    for i in output:
        for j in output:
            fij, fji = flow[(i, j)], flow[(j, i)]
            r = max(ratio(fij, output[j]), ratio(fji, output[i]),
                    ratio(fij, output[i]), ratio(fji, output[j]))
            aff[(i, j)] = min(1.0, math.sqrt(r / AFF_SCALE))
    return aff


def compute_affinity(shared, nace):
    aff = industry_affinity(shared)
    industries = {i for i, _ in aff}
    div_io = {}
    for r in read_csv(os.path.join(shared, "io", "nace_division_to_io_code.csv")):
        codes = [c for c in r["io_codes"].split(";") if c]
        for c in codes:
            if c not in industries:
                die("unknown IO code %s" % c)
        div_io[int(r["nace_division"])] = codes

    divisions = [int(d) for lv, d, _, _, _ in nace if lv == 2]
    sec_divs = defaultdict(list)
    for lv, code, _, sec, div in nace:
        if lv == 2:
            sec_divs[sec].append(int(code))
    sections = sorted(sec_divs)
    if sections != [chr(ord("A") + k) for k in range(21)]:
        die("unexpected NACE sections %s" % sections)
    if set(div_io) != set(divisions):
        die("division lookup does not match NACE divisions")

    n = 121
    t = [[0.0] * n for _ in range(n)]
    for d in divisions:
        for e in divisions:
            ci, cj = div_io[d], div_io[e]
            v = max((aff[(i, j)] for i in ci for j in cj), default=0.0)
            if d == e:
                v = 1.0 if not ci else max(v, AFF_SAME_DIVISION_MIN)
            elif set(ci) & set(cj):
                v = max(v, AFF_SAME_DIVISION_MIN)
            t[d][e] = v
    for k, s in enumerate(sections):
        sk = 100 + k
        ds = sec_divs[s]
        for e in range(100):
            v = sum(t[d][e] for d in ds) / len(ds)
            t[sk][e] = v
            t[e][sk] = v
        for m, s2 in enumerate(sections):
            es = sec_divs[s2]
            t[sk][100 + m] = sum(t[d][e] for d in ds for e in es) / (len(ds) * len(es))
    t = [[round(v, 4) for v in row] for row in t]
    for a in range(n):
        for b in range(n):
            if t[a][b] != t[b][a] or not 0.0 <= t[a][b] <= 1.0:
                die("affinity not symmetric or out of range at %d,%d" % (a, b))
    return t, divisions


def gen_affinity(shared, repo, nace):
    t, divisions = compute_affinity(shared, nace)

    def key(c):
        return 100 + ord(c) - ord("A") if c.isalpha() else int(c)

    examples = [("25", "28"), ("10", "01"), ("62", "70"), ("55", "79"),
                ("41", "43"), ("25", "25"), ("62", "62"), ("20", "21"),
                ("49", "52"), ("C", "C"), ("C", "25"), ("J", "M")]
    log("affinity examples:")
    ex_lines = []
    for a, b in examples:
        line = "%s vs %s: %.4f" % (a, b, t[key(a)][key(b)])
        ex_lines.append(line)
        log("  " + line)
    pairs = [(d, e) for i, d in enumerate(divisions) for e in divisions[i + 1:]]
    vals = [t[d][e] for d, e in pairs]
    ge05 = sum(1 for v in vals if v >= 0.5)
    ge1 = sum(1 for v in vals if v >= 1.0)
    zero = sum(1 for v in vals if v == 0.0)
    vals_sorted = sorted(vals)
    median = (vals_sorted[len(vals) // 2] + vals_sorted[(len(vals) - 1) // 2]) / 2
    dist = ("distinct division pairs: %d; >= 0.5: %d (%.1f%%); = 1: %d (%.1f%%); "
            "= 0: %d (%.1f%%); median %.4f; mean %.4f" % (
                len(vals), ge05, 100.0 * ge05 / len(vals), ge1,
                100.0 * ge1 / len(vals), zero, 100.0 * zero / len(vals),
                median, sum(vals) / len(vals)))
    log("affinity distribution: " + dist)

    extra = (
        "Input: io/sector_flows.csv, io/industry_codes.csv,\n"
        "io/nace_division_to_io_code.csv (50 industries, USD million).\n"
        "r(I,J) = max(f(I->J)/o_J, f(J->I)/o_I, f(I->J)/o_I, f(J->I)/o_J),\n"
        "a(I,J) = min(1, sqrt(r / %.2f)); division pairs take the max over IO\n"
        "codes; same division >= %.1f; division 99 only related to itself (1);\n"
        "section keys (100 + letter - 'A') are means over their divisions.\n"
        "Rows/columns: 0..99 NACE division, 100..120 section A..U." % (
            AFF_SCALE, AFF_SAME_DIVISION_MIN))
    out = [header("io/sector_flows.csv, io/industry_codes.csv and "
                  "io/nace_division_to_io_code.csv", [ATTR_IO], extra)]
    out.append("const double sm__affinity_table[SM__AFFINITY_KEYS][SM__AFFINITY_KEYS] = {\n")
    for k, row in enumerate(t):
        label = str(k) if k < 100 else chr(ord("A") + k - 100)
        out.append("    /* %s */ {%s},\n" % (label, ", ".join(c_affinity(v) for v in row)))
    out.append("};\n")
    write(os.path.join(repo, "lib", "core", "tables", "gen_affinity.c"), "".join(out))


def gen_geometry(shared, repo):
    path = os.path.join(shared, "nuts", "NUTS_RG_60M_2021_4326.geojson")
    with open(path, encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    lines = [
        "# smartmatch map geometry: NUTS 2021 region outlines, 1:60 million.",
        "# Generated by scripts/gen_tables.py from GISCO NUTS_RG_60M_2021_4326; " + GEN_NOTE,
        "# " + ATTR_NUTS + ".",
        "# Licence: Eurostat GISCO; the administrative boundaries may be used for",
        "# non-commercial purposes only. Leave this file out for commercial use:",
        "# smartmatch then writes every matrix and the pictures other than maps.",
        "# Format: CODE LEVEL RING[;RING...], RING = lon,lat lon,lat ... in 1/1000 degree.",
    ]
    rows = []
    points = 0
    for f in features:
        p = f["properties"]
        rings = []
        for ring in iter_rings(f["geometry"]):
            pts = []
            for lon, lat in ring:
                q = (int(round(lon * 1000)), int(round(lat * 1000)))
                if not pts or pts[-1] != q:
                    pts.append(q)
            if len(pts) > 1 and pts[0] == pts[-1]:
                pts.pop()
            if len(set(pts)) < 3:
                continue
            points += len(pts)
            rings.append(" ".join("%d,%d" % q for q in pts))
        if rings:
            rows.append((int(p["LEVL_CODE"]), p["NUTS_ID"], ";".join(rings)))
    rows.sort()
    for level, code, rings in rows:
        lines.append("%s %d %s" % (code, level, rings))
    os.makedirs(os.path.join(repo, "data"), exist_ok=True)
    out = os.path.join(repo, "data", "nuts2021_60m.txt")
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    log("wrote %s (%d regions, %d points)" % (out, len(rows), points))


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(repo, "..", "shared", "data"),
                    help="reference data directory (default: ../shared/data "
                         "next to the repository)")
    ap.add_argument("--tolerance", action="store_true",
                    help="also treat regions whose boundary vertices are within "
                         "%.2f degrees as adjacent" % TOLERANCE_DEG)
    args = ap.parse_args()
    shared = os.path.normpath(args.shared)
    if not os.path.isdir(shared):
        die("reference data directory not found: %s" % shared)
    gen_regions(shared, repo, args.tolerance)
    nace = load_nace(shared)
    gen_sectors(shared, repo, nace)
    gen_affinity(shared, repo, nace)
    gen_geometry(shared, repo)
    # the sample generator's facts (scripts/data/), beside the built-in tables
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import sample_facts
    sample_facts.write_facts(shared)


if __name__ == "__main__":
    main()
