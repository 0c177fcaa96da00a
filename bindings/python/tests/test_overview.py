"""Engine.overview: every index of every matrix recomputed from match_all,
the best pairs, the DataFrame-ready tables and the writers."""

from __future__ import annotations

import os
from collections import defaultdict
from xml.dom import minidom

import pytest

import smartmatch as sm
from smartmatch.overview import FILES, Geometry, laea

from conftest import REPO

GEOMETRY = REPO / "data" / "nuts2021_60m.txt"


def region_label(code: str, level: int) -> str:
    return code[:level + 2]


def sector_label(eng: sm.Engine, code: str, level: int) -> str:
    s = eng.sectors[code]
    while s.level > level:
        s = eng.sectors[s.parent]
    return s.code


def labels_of(eng, smes, matrix, level, slevel):
    """(row label, column label) of every SME in a matrix."""
    out = {}
    for s in smes:
        region = region_label(s.region, level)
        sector = sector_label(eng, s.sectors[0], slevel)
        theme = eng.sectors[s.sectors[0]].section
        out[s.id] = {"regions": (region, region), "sectors": (sector, sector), "themes": (region, theme)}[matrix]
    return out


@pytest.mark.parametrize("k,level,slevel,filters", [
    (5, 2, 1, {}),
    (8, 0, 2, {"cross_border": True}),
    (3, 3, 4, {"min_score": 0.3}),
    (6, 1, 3, {"cross_sector": 1}),
])
def test_every_index_equals_a_direct_aggregation_of_match_all(engine, k, level, slevel, filters):
    smes = [engine.get(i) for i in engine.ids()]
    n = len(smes)
    results = engine.match_all(k, **filters)
    with engine.overview(k, level=level, sector_level=slevel, best=3, **filters) as ov:
        assert ov.sme_count == n and ov.k == k and ov.region_level == level and ov.sector_level == slevel
        for matrix in ("regions", "sectors", "themes"):
            lab = labels_of(engine, smes, matrix, level, slevel)
            rows = sorted({r for r, _ in lab.values()})
            cols = sorted({c for _, c in lab.values()})
            assert [r["code"] for r in ov.labels(matrix, 0)] == rows
            assert [c["code"] for c in ov.labels(matrix, 1)] == cols
            n_row = defaultdict(int)
            n_col = defaultdict(int)
            both = defaultdict(int)
            for r, c in lab.values():
                n_row[r] += 1
                n_col[c] += 1
                both[r, c] += 1
            assert [r["smes"] for r in ov.labels(matrix, 0)] == [n_row[r] for r in rows]
            links = defaultdict(int)
            sums = defaultdict(float)
            cell_pairs = defaultdict(list)
            for q, matches in results.items():
                for m in matches:
                    cell = (lab[q][0], lab[m.id][1])
                    links[cell] += 1
                    sums[cell] += m.score
                    cell_pairs[cell].append((-m.score, q, m.id))
            row_links = defaultdict(int)
            for (r, _c), v in links.items():
                row_links[r] += v
            table = ov.matrix(matrix)
            a_key, b_key = list(table)[:2]
            lift_grid = ov.values("lift", matrix)
            for t, (r, c) in enumerate(zip(table[a_key], table[b_key])):
                pairs = n_row[r] * n_col[c] - both[r, c]
                expected = row_links[r] * pairs / (n_row[r] * (n - 1))
                assert table["links"][t] == links[r, c]
                assert table["score_sum"][t] == pytest.approx(sums[r, c], abs=1e-6)
                assert table["score_mean"][t] == pytest.approx(sums[r, c] / links[r, c] if links[r, c] else 0,
                                                               abs=1e-9)
                assert table["pairs"][t] == pairs
                assert table["density"][t] == pytest.approx(links[r, c] / pairs if pairs else 0, abs=1e-12)
                assert table["expected"][t] == pytest.approx(expected, abs=1e-9)
                lift = links[r, c] / expected if expected else 0
                assert table["lift"][t] == pytest.approx(lift, abs=1e-9)
                assert lift_grid[rows.index(r)][cols.index(c)] == pytest.approx(lift, abs=1e-9)
            # the best pairs of each cell: a sort of the cell's pairs
            for i, r in enumerate(rows):
                for j, c in enumerate(cols):
                    want = sorted(cell_pairs[r, c])[:3]
                    got = ov.best(i, j, matrix)
                    assert [(-p["score"], p["a"], p["b"]) for p in got] == want


def test_potential_lists_interregional_best_pairs_with_reasons(engine):
    ov = engine.overview(10, level=2, best=2)
    pot = ov.potential
    assert pot and all(p["region_a"] != p["region_b"] for p in pot)
    assert all(p["reasons"] for p in pot)
    assert all(p["a_region"].startswith(p["region_a"]) for p in pot)
    csv_lines = ov.format("potential_csv").splitlines()
    assert len(csv_lines) == len(pot) + 1
    assert csv_lines[0].startswith("region_a,region_b,a,b,score,reasons")
    pandas = pytest.importorskip("pandas")
    df = pandas.DataFrame(ov.regions)
    assert list(df.columns[:5]) == ["region_a", "region_b", "links", "score_sum", "score_mean"]
    assert int(df["links"].sum()) == sum(len(m) for m in engine.match_all(10).values())
    assert len(pandas.DataFrame(pot)) == len(pot)
    ov.close()


def test_writers_and_pictures(engine, tmp_path):
    ov = engine.overview(5)
    written = ov.write_all(tmp_path / "out")
    names = sorted(os.path.basename(p) for p in written)
    assert names == sorted(name for name, _o, _w, geo in FILES if not geo and name != "untapped.svg")  # no history
    for p in written:
        if p.endswith(".svg"):
            minidom.parse(p)  # well-formed
    assert (tmp_path / "out" / "regions.csv").read_text().startswith("region_a,region_b,links,score_sum,score_mean")
    with pytest.raises(sm.Unsupported):
        ov.svg("flows")
    with pytest.raises(sm.InvalidArgument):
        ov.svg("pie")
    with pytest.raises(sm.InvalidArgument):
        ov.values("nope")
    html = ov.report()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    if GEOMETRY.is_file():
        with Geometry(GEOMETRY) as g:
            assert len(g) == 2010
            for pic in ("choropleth", "flows"):
                svg = ov.svg(pic, g)
                assert "EuroGeographics" in svg
                minidom.parseString(svg.encode())
        assert "Strongest interregional links" in ov.report(GEOMETRY)  # a path is loaded for the call


def test_bad_arguments_raise(engine):
    with pytest.raises(sm.InvalidArgument):
        engine.overview(level=5)
    with pytest.raises(sm.InvalidArgument):
        engine.overview(sector_level=0)
    with pytest.raises(sm.InvalidArgument):
        engine.overview(best=101)
    with pytest.raises(sm.InvalidArgument):
        engine.overview(threads=0)
    with pytest.raises(sm.Cancelled):
        engine.overview(progress=lambda done, total: True)
    with pytest.raises(ZeroDivisionError):
        engine.overview(progress=lambda done, total: 1 / 0)


def test_laea_projection():
    x, y = laea(50.0, 5.0)  # IOGP Guidance Note 7-2 example
    assert x == pytest.approx(3962799.45, abs=0.01)
    assert y == pytest.approx(2999718.85, abs=0.01)
