"""Engine.overview with a cooperation history and user-defined themes: the
realised and untapped indices and the region x theme matrix over themes,
each recomputed here from match_all and the history; the cooperated flag of
the potential cooperations; Themes; the focus map."""

from __future__ import annotations

import random
from collections import defaultdict
from xml.dom import minidom

import pytest

import smartmatch as sm
from smartmatch.overview import Themes

from conftest import REPO, TAGS

GEOMETRY = REPO / "data" / "nuts2021_60m.txt"


def add_history(eng: sm.Engine, seed: int = 7):
    """Random pairs and groups; returns the set of ordered pairs that cooperated and their counts."""
    rnd = random.Random(seed)
    ids = sorted(eng.ids())
    coop = defaultdict(int)
    for i in range(70):
        members = rnd.sample(ids, 3 if i % 5 == 0 else 2)
        eng.history.add(members, f"20{10 + i % 12}-0{1 + i % 9}-01", "project")
        for a in members:
            for b in members:
                if a != b:
                    coop[a, b] += 1
    return coop


def region_label(code: str, level: int) -> str:
    return code[:level + 2]


@pytest.mark.parametrize("k,level,filters", [(6, 1, {}), (4, 0, {"cross_border": True})])
def test_realised_and_untapped_equal_a_direct_aggregation(engine, k, level, filters):
    coop = add_history(engine)
    smes = {i: engine.get(i) for i in engine.ids()}
    results = engine.match_all(k, **filters)
    with engine.overview(k, level=level, best=4, **filters) as ov:
        assert ov.has_history
        assert ov.indices()[-2:] == ["realised", "untapped"]
        lab = {i: region_label(s.region, level) for i, s in smes.items()}
        realised = defaultdict(int)
        for (a, b), _n in coop.items():
            realised[lab[a], lab[b]] += 1
        untapped = defaultdict(float)
        for q, matches in results.items():
            for m in matches:
                if (q, m.id) not in coop:
                    untapped[lab[q], lab[m.id]] += m.score
        table = ov.regions
        for t, (r, c) in enumerate(zip(table["region_a"], table["region_b"])):
            assert table["realised"][t] == realised[r, c]
            assert table["untapped"][t] == pytest.approx(untapped[r, c], abs=1e-6)
            assert table["untapped"][t] <= table["score_sum"][t] + 1e-9
        assert sum(table["realised"]) == len(coop)
        for p in ov.potential:
            assert p["cooperated"] == coop.get((p["a"], p["b"]), 0)
        csv = ov.format("potential_csv").splitlines()
        assert csv[0].endswith(",cooperated")
        svg = ov.svg("untapped")
        minidom.parseString(svg.encode())
        assert "untapped potential" in svg
        assert 'id="untapped"' in ov.report()


def test_without_history_no_columns_and_no_picture(engine):
    with engine.overview(5) as ov:
        assert not ov.has_history
        assert "realised" not in ov.regions and "cooperated" not in (ov.potential or [{}])[0]
        with pytest.raises(sm.Unsupported):
            ov.svg("untapped")


def test_history_argument_loads_a_file():
    with sm.Engine() as eng:
        eng.load(REPO / "examples" / "data" / "cadses_smes.csv")
        ov = eng.overview(5, level=0, history=REPO / "examples" / "data" / "cadses_history.csv")
        assert eng.history.info().cooperations > 500
        assert ov.has_history and sum(ov.regions["realised"]) == 2 * eng.history.info().links
        ov.close()


def in_theme(s: sm.SME, tags) -> bool:
    return bool(set(s.offers or []) & set(tags) or set(s.needs or []) & set(tags))


def test_region_by_theme_over_user_themes_equals_a_direct_aggregation(engine):
    coop = add_history(engine, seed=3)
    themes = {"first": TAGS[:4], "second": TAGS[3:7], "nobody": ["no sme has this tag"]}
    smes = {i: engine.get(i) for i in engine.ids()}
    n = len(smes)
    results = engine.match_all(5)
    level = 0
    with engine.overview(5, level=level, themes=themes) as ov:
        assert [c["code"] for c in ov.labels("themes", 1)] == list(themes)
        lab = {i: region_label(s.region, level) for i, s in smes.items()}
        n_row = defaultdict(int)
        for i in smes:
            n_row[lab[i]] += 1
        row_links = defaultdict(int)
        for q, matches in results.items():
            row_links[lab[q]] += len(matches)
        table = ov.themes
        for t, (r, th) in enumerate(zip(table["region"], table["theme"])):
            tags = themes[th]
            links = sum(1 for q, ms in results.items() for m in ms if lab[q] == r and in_theme(smes[m.id], tags))
            ssum = sum(m.score for q, ms in results.items() for m in ms if lab[q] == r and in_theme(smes[m.id], tags))
            m_j = sum(1 for s in smes.values() if in_theme(s, tags))
            both = sum(1 for i, s in smes.items() if lab[i] == r and in_theme(s, tags))
            pairs = n_row[r] * m_j - both
            expected = row_links[r] * pairs / (n_row[r] * (n - 1))
            real = sum(c > 0 for (a, b), c in coop.items() if lab[a] == r and in_theme(smes[b], tags))
            assert table["links"][t] == links
            assert table["score_sum"][t] == pytest.approx(ssum, abs=1e-6)
            assert table["pairs"][t] == pairs
            assert table["expected"][t] == pytest.approx(expected, abs=1e-9)
            assert table["lift"][t] == pytest.approx(links / expected if expected else 0, abs=1e-9)
            assert table["realised"][t] == real
            if th == "nobody":
                assert links == 0 and pairs == 0
        minidom.parseString(ov.svg("themes").encode())


def test_themes_object_files_and_errors(tmp_path):
    t = Themes({"green": ["Solar Panels", "heat pumps"]})
    t.add("green", ["solar panels", "wind"])
    assert t.as_dict() == {"green": ["solar panels", "heat pumps", "wind"]}
    p = tmp_path / "themes.csv"
    p.write_text("theme,tag\ndigital,erp\ndigital,cloud hosting\n")
    assert t.load(p) == 2 and len(t) == 2
    j = tmp_path / "themes.json"
    j.write_text('{"food": ["cheese"]}')
    assert Themes(j).as_dict() == {"food": ["cheese"]}
    bad = tmp_path / "bad.csv"
    bad.write_text("theme,tag\nok,fine\n,empty theme\n")
    with pytest.raises(sm.InvalidArgument) as e:
        t.load(bad)
    assert "bad.csv:3" in str(e.value)
    assert len(t) == 2  # all or nothing
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(sm.ParseError):
        t.load(broken)
    with pytest.raises(sm.FileError):
        Themes(tmp_path / "none.csv")
    t.close()


@pytest.mark.skipif(not GEOMETRY.is_file(), reason="no geometry file")
def test_focus_map(engine):
    with engine.overview(5, level=0) as ov:
        code = ov.labels("regions", 0)[0]["code"]
        svg = ov.focus_svg(code, GEOMETRY)
        minidom.parseString(svg.encode())
        assert f"Potential partners of {code}" in svg
        with pytest.raises(sm.NotFound):
            ov.focus_svg("XX9", GEOMETRY)
        with pytest.raises(sm.Unsupported):
            ov.focus_svg(code, None)
