"""top() and explain(): ranking, filters, breakdowns, custom criteria and combiners."""

from __future__ import annotations

import math

import pytest

import smartmatch as sm


def test_top_basics(engine, ids):
    q = ids[0]
    res = engine.top(q, k=10)
    assert 0 < len(res) <= 10
    assert [m.rank for m in res] == list(range(1, len(res) + 1))
    assert all(isinstance(m, sm.Match) and m.query_id == q for m in res)
    assert q not in [m.id for m in res]
    keys = [(-m.score, m.id) for m in res]
    assert keys == sorted(keys)  # total descending, ties by id
    for m in res:
        assert 0.0 <= m.score <= 1.0
        assert list(m.breakdown) == list(sm.CRITERIA)
        assert all(0.0 <= v <= 1.0 for v in m.breakdown.values())
        assert m.distance_km >= 0
        assert set(m.weights) == set(m.breakdown)
    assert str(res[0]).startswith("1. ")
    assert engine.top(q, k=0) == []
    assert len(engine.top(q, k=1000)) == len(engine) - 1


def test_top_is_explained(engine, ids):
    q = ids[3]
    w = sm.Weighting.preset("supply_chain")
    for m in engine.top(q, k=5, weighting=w):
        e = engine.explain(q, m.id, weighting=w)
        assert e.id == m.id and e.query_id == q and e.rank == 1
        assert e.score == pytest.approx(m.score, abs=1e-12)
        assert e.breakdown == pytest.approx(m.breakdown, abs=1e-12)
        assert e.weights == w.as_dict()
        assert e.distance_km == pytest.approx(m.distance_km)


def test_weighting_arguments(engine, ids):
    q = ids[5]
    by_preset = engine.top(q, weighting="cross_border")
    with sm.Weighting.preset("cross_border") as w:
        assert engine.top(q, weighting=w) == by_preset
    default = engine.top(q)
    assert engine.top(q, weighting=sm.Weighting()) == default
    only = engine.top(q, weighting={"complementarity": 1})
    for m in only:
        assert m.score == pytest.approx(m.breakdown["complementarity"])
    with pytest.raises(TypeError):
        engine.top(q, weighting=42)
    with pytest.raises(sm.UnknownName):
        engine.top(q, weighting={"bogus": 1})


def test_filters(engine, ids):
    q = ids[0]
    me = engine[q]
    country = me.region[:2]
    regions = engine.regions
    res = engine.top(q, k=100, cross_border=True)
    assert res and all(regions[engine[m.id].region].country != country for m in res)
    res = engine.top(q, k=100, countries=["AT", "SI"])
    assert all(engine[m.id].region[:2] in {"AT", "SI"} for m in res)
    res = engine.top(q, k=100, exclude_countries=["AT", "SI"])
    assert all(engine[m.id].region[:2] not in {"AT", "SI"} for m in res)
    res = engine.top(q, k=100, sizes=["micro"])
    assert res and all(engine[m.id].size == "micro" for m in res)
    res = engine.top(q, k=100, max_km=300)
    assert all(m.distance_km <= 300 for m in res)
    res = engine.top(q, k=100, min_score=0.3)
    assert all(m.score >= 0.3 for m in res)
    top3 = [m.id for m in engine.top(q, k=3)]
    res = engine.top(q, k=3, exclude_ids=top3 + ["unknown-id"])
    assert not set(top3) & {m.id for m in res}
    res = engine.top(q, k=100, cross_region=2)
    assert all(engine[m.id].region[:4] != me.region[:4] for m in res)
    res = engine.top(q, k=100, cross_sector=2)
    assert all(sm.normalize_sector(engine[m.id].sectors[0])[:2] != me.sectors[0][:2] for m in res)
    with pytest.raises(sm.InvalidArgument):
        engine.top(q, cross_region=7)
    with pytest.raises(sm.InvalidArgument):
        engine.top(q, min_score=math.nan)
    with pytest.raises(sm.InvalidArgument):
        engine.top(q, k=-1)
    with pytest.raises(sm.InvalidArgument):
        engine.top(q, cross_region=True)
    with pytest.raises(TypeError):
        engine.top(q, colour="red")


def test_custom_criterion_sees_the_pair(engine, ids):
    seen = []

    def same_country(pair: sm.Pair) -> float:
        seen.append(pair)
        return 1.0 if pair.a.country == pair.b.country else 0.0

    w = sm.Weighting.parse("complementarity=1")
    w.add_criterion("same_country", same_country, weight=1.0)
    q = ids[2]
    res = engine.top(q, k=5, weighting=w)
    assert seen
    p = seen[0]
    assert p.a.id == q and p.a.region == engine[q].region and p.a.country == engine[q].region[:2]
    assert p.b.size in sm.SIZES and isinstance(p.b.cooperation, frozenset)
    assert set(p.builtin) == set(sm.CRITERIA) and all(0 <= v <= 1 for v in p.builtin.values())
    assert p.distance_km >= 0
    for m in res:
        assert m.breakdown["same_country"] == (1.0 if engine[m.id].region[:2] == engine[q].region[:2] else 0.0)
        assert m.score == pytest.approx((m.breakdown["complementarity"] + m.breakdown["same_country"]) / 2)
    # out-of-range results are clamped
    w2 = sm.Weighting.parse("complementarity=1")
    w2.add_criterion("big", lambda p: 7.0)
    assert all(m.breakdown["big"] == 1.0 for m in engine.top(q, weighting=w2))


class Boom(Exception):
    pass


def test_criterion_exception_propagates(engine, ids):
    w = sm.Weighting()

    def bad(pair):
        raise Boom("from a criterion")

    w.add_criterion("bad", bad)
    with pytest.raises(Boom, match="from a criterion"):
        engine.top(ids[0], weighting=w)
    with pytest.raises(Boom):
        engine.explain(ids[0], ids[1], weighting=w)
    # the engine and the weighting still work afterwards
    w["bad"] = 0.0
    assert engine.top(ids[0], weighting=sm.Weighting())


def test_nan_criterion_is_callback_error(engine, ids):
    w = sm.Weighting()
    w.add_criterion("nan_score", lambda p: math.nan)
    with pytest.raises(sm.CallbackError) as ei:
        engine.top(ids[0], weighting=w)
    assert "nan_score" in str(ei.value)


def test_custom_combiner(engine, ids):
    w = sm.Weighting()
    calls = []

    def best(scores, weights):
        calls.append((list(scores), list(weights)))
        return max(s for s, wt in zip(scores, weights) if wt > 0)

    w.combiner = best
    res = engine.top(ids[0], k=5, weighting=w)
    assert calls and len(calls[0][0]) == len(calls[0][1]) == 7
    for m in res:
        assert m.score == pytest.approx(max(m.breakdown[k] for k, v in m.weights.items() if v > 0))

    def broken(scores, weights):
        raise ZeroDivisionError("combiner")

    w.combiner = broken
    with pytest.raises(ZeroDivisionError):
        engine.top(ids[0], weighting=w)
    w.combiner = lambda s, wt: math.nan
    with pytest.raises(sm.CallbackError):
        engine.top(ids[0], weighting=w)


def test_nested_query_inside_criterion(engine, ids):
    """A criterion may call read-only functions of the engine."""
    def partner_count(pair):
        return len(engine.top(pair.b.id, k=2)) / 2

    w = sm.Weighting.parse("complementarity=1")
    w.add_criterion("nested", partner_count)
    res = engine.top(ids[0], k=3, weighting=w)
    assert all(m.breakdown["nested"] == 1.0 for m in res)


def test_closed_engine_raises(engine, ids):
    q = ids[0]
    engine.close()
    assert engine.closed
    for call in (lambda: engine.top(q), lambda: engine.explain(q, ids[1]), lambda: len(engine),
                 lambda: engine[q], lambda: q in engine, lambda: engine.add_sme("A", region="SI032", sectors=["25"]),
                 lambda: engine.regions["SI032"], lambda: len(engine.sectors), lambda: engine.match_all(),
                 lambda: list(engine)):
        with pytest.raises(sm.InvalidArgument, match="closed"):
            call()
    engine.close()  # idempotent


def test_pair_names_registered_cooperation_types(empty_engine):
    eng = empty_engine
    eng.register_cooperation("mentoring")
    eng.add_sme("A", region="SI032", sectors=["25.11"], cooperation=["mentoring", "supply"])
    eng.add_sme("B", region="AT221", sectors=["28.41"], cooperation=["mentoring"])
    seen = []
    w = sm.Weighting()
    w.add_criterion("mentor", lambda p: seen.append((p.a.cooperation, p.b.cooperation)) or 1.0)
    assert eng.top("A", weighting=w)[0].breakdown["mentor"] == 1.0
    assert seen == [(frozenset({"mentoring", "supply"}), frozenset({"mentoring"}))]
