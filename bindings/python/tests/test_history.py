"""History and network criteria from Python: adding and loading cooperations,
the network criteria in queries, evaluate and fit on the sample data, and
agreement with the CLI."""

from __future__ import annotations

import math
import os
import subprocess

import pytest

import smartmatch as sm
from smartmatch.history import format_rows, network_criteria

from conftest import REPO, SAMPLE_CSV

HISTORY_CSV = REPO / "examples" / "data" / "cadses_history.csv"


@pytest.fixture
def sample():
    eng = sm.Engine()
    eng.load(SAMPLE_CSV)
    assert eng.history.load(HISTORY_CSV) > 500
    yield eng
    eng.close()


def test_add_and_formulas():
    with sm.Engine() as eng:
        for i in "ABC":
            eng.add_sme(i, region="SI032", sectors=["C"], offers=["x"], needs=["y"])
        eng.history.add(["A", "B"], "2020-01-01", "deal")
        eng.history.add(["A", "B", "C"], "2021-01-01", "project")
        eng.history.set_decay("2022-01-01", 365)
        info = eng.history.info()
        assert (info.cooperations, info.links, info.last_date) == (2, 3, "2021-01-01")
        m = eng.explain("A", "B", weighting="complementarity=1,past_partners=1,activity=1")
        assert m.breakdown["past_partners"] == pytest.approx(0.5 * 0.75)
        assert m.breakdown["activity"] == pytest.approx(1.0)
        with pytest.raises(sm.NotFound):
            eng.history.add(["A", "Z"], "2020-01-01")
        with pytest.raises(sm.ParseError):
            eng.history.add(["A", "B"], "2020-13-01")
        assert eng.history.loads("a,b,date\nB,C,2019-05-01\n") == 1
        assert eng.history.loads('[{"members": ["A", "C"], "date": "2019"}]', name="x.json") == 1
        with pytest.raises(sm.ParseError):
            eng.history.loads("a,b\nA,B\n")
        assert eng.history.info().cooperations == 4
        eng.history.clear()
        assert eng.history.info().cooperations == 0
    assert network_criteria() == ["past_partners", "common_partners", "activity", "sector_history"]


def test_network_preset_in_queries(sample):
    w = sm.Weighting.preset("network")
    assert w["past_partners"] > 0 and "activity" in w.keys()
    top = sample.top("PL-00231", k=5, weighting=w)
    assert len(top) == 5 and "common_partners" in top[0].breakdown
    # a weighting without a preset or network criteria is untouched by the history
    spelled = "complementarity=3,sector_affinity=2,region_reach=1,cohesion=1,size_fit=0.5,cooperation_fit=1,language=1"
    plain = sm.Engine()
    plain.load(SAMPLE_CSV)
    assert [m.id for m in plain.top("PL-00231", k=5)] == [m.id for m in sample.top("PL-00231", k=5,
                                                                                   weighting=spelled)]
    # the default (balanced) gains the preset's network criteria with a history
    assert "past_partners" not in plain.top("PL-00231", k=1)[0].breakdown
    assert "activity" in sample.top("PL-00231", k=1)[0].breakdown
    assert "sector_history" not in sample.top("PL-00231", k=1)[0].breakdown
    plain.close()


def test_presets_cold_start():
    """An SME with no offers, no needs and no partner: the preset's weights of
    past and common partners go to activity; with a partner it is warm."""
    with sm.Engine() as eng:
        for i in "ABCD":
            eng.add_sme(i, region="SI032", sectors=["62.01"], offers=["x"], needs=["y"])
        eng.add_sme("NEW", region="SI032", sectors=["62.01"])
        eng.history.add(["A", "B", "C"], "2021-01-01", "project")
        cold = eng.explain("NEW", "A")
        assert (cold.weights["past_partners"], cold.weights["common_partners"], cold.weights["activity"]) == (0, 0, 12)
        assert "sector_history" not in cold.weights
        assert [m.id for m in eng.top("NEW", k=4)] == [m.id for m in eng.top(
            "NEW", k=4, weighting="balanced,past_partners=0,common_partners=0,activity=12")]
        warm = eng.explain("D", "A")  # tags, no partner: the preset's own weights
        assert (warm.weights["past_partners"], warm.weights["activity"]) == (3, 3)
        eng.history.add(["NEW", "D"], "2021-06-01", "deal")
        assert eng.explain("NEW", "A").weights["activity"] == 3


def test_network_reasons():
    with sm.Engine() as eng:
        for i, sec in zip("ABCD", ["62.01", "25.11", "62.02", "25.11"]):
            eng.add_sme(i, region="SI032", sectors=[sec], offers=["x"], needs=["y"])
        eng.history.add(["A", "B"], "2016-03-01", "project")
        eng.history.add(["A", "B", "C"], "2017-05-01", "project")
        eng.history.add(["C", "D"], "2015-01-01", "project")
        m = eng.explain("A", "B", weighting="past_partners=1,common_partners=1,activity=1,sector_history=1")
        r = m.reasons
        assert r["past_partners"].code == "past_partners"
        assert r["past_partners"].params["count"] == "2"
        assert r["past_partners"].text == "worked together on 2 projects, last in 2017"
        assert r["common_partners"].text == "1 common partner"
        assert r["activity"].params["count"] == "2"
        assert r["sector_history"].params["division_a"] == "62"
        m = eng.explain("A", "D", weighting="past_partners=1")
        assert m.reasons["past_partners"].code == "past_none"


def test_evaluate_and_fit(sample):
    rows = sample.history.evaluate("2024-01-01", weighting="network", label="network", bootstrap=20)
    names = [r.method for r in rows]
    assert names == ["network", "random", "popularity", "past_partners", "tag_overlap", "tag_overlap_by_id"]
    net, rand = rows[0], rows[1]
    assert net.queries == rand.queries > 100
    assert net.recall1 > rand.recall1 and 0 <= net.auc <= 1 and net.mrr_se >= 0
    assert "| network |" in format_rows(rows)
    w, val = sample.history.fit("2024-01-01", max_queries=300, rounds=2)
    assert {r.method for r in val} >= {"start", "fitted"}
    assert sum(w.values()) > 0
    # the printed weighting is the weighting
    assert sm.Weighting.parse(str(w)) == w


def test_evaluate_queriers():
    # S3 and S4 have no tags and no cooperation before the split: cold
    eng = sm.Engine()
    for i, tags in enumerate([["x", "y"], ["y"], ["x"], [], [], ["x", "y"]]):
        eng.add_sme(f"S{i}", region="SI032", sectors=["C25"], offers=tags, needs=tags)
    for a, b, d in [("S0", "S1", "2015"), ("S2", "S5", "2015"), ("S0", "S3", "2018"), ("S3", "S4", "2018"),
                    ("S1", "S2", "2018")]:
        eng.history.add([a, b], d)
    rows = {q: {r.method: r for r in eng.history.evaluate("2017", bootstrap=0, queriers=q)}
            for q in ("all", "warm", "cold")}
    n = {q: rows[q]["popularity"].queries for q in rows}
    assert (n["all"], n["warm"], n["cold"]) == (6, 3, 3)
    for m in ("smartmatch", "popularity", "past_partners", "tag_overlap"):
        assert rows["all"][m].mrr * 6 == pytest.approx(rows["warm"][m].mrr * 3 + rows["cold"][m].mrr * 3)
        assert rows["all"][m].recall1 * 6 == pytest.approx(rows["warm"][m].recall1 * 3 + rows["cold"][m].recall1 * 3)
    # a cold querier's Jaccard is 0 for everyone: tag overlap is popularity
    assert rows["cold"]["tag_overlap"].mrr == pytest.approx(rows["cold"]["popularity"].mrr)
    with pytest.raises(ValueError, match="queriers"):
        eng.history.evaluate("2017", queriers="hot")
    eng.history.add(["S0", "S5"], "2019")
    with pytest.raises(sm.InvalidArgument, match="cold querier"):
        eng.history.evaluate("2018-06-01", queriers="cold")
    assert eng.history.evaluate("2018-06-01", queriers="warm", bootstrap=0)[0].queries == 2
    eng.close()


@pytest.mark.skipif(not os.environ.get("SMARTMATCH_CLI"), reason="CLI not built")
def test_cli_agrees(sample):
    out = subprocess.run([os.environ["SMARTMATCH_CLI"], "evaluate", "--data", str(SAMPLE_CSV), "--history",
                          str(HISTORY_CSV), "--split", "2024-01-01", "--preset", "network", "--bootstrap", "20"],
                         capture_output=True, text=True, check=True).stdout
    rows = sample.history.evaluate("2024-01-01", weighting="network", label="network", bootstrap=20)
    assert format_rows(rows) in out
