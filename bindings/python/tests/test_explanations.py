"""Match.gives/.gets/.contributions/.reasons and Engine.rank, checked against
a recomputation in Python from the SME records (no reason is computed by the
bindings: they only read the library's)."""

from __future__ import annotations

import math

import smartmatch as sm
from smartmatch.explanations import Rank, Reason


def _idf(engine, tag):
    smes = [engine.get(i) for i in engine.ids()]
    df = sum(1 for s in smes if tag in s.offers or tag in s.needs)
    return math.log(1 + len(smes) / df)


def test_top_matches_carry_gives_gets_contributions_reasons(engine, ids):
    q = ids[0]
    a = engine.get(q)
    res = engine.top(q, k=5)
    assert res
    for m in res:
        b = engine.get(m.id)
        assert {t for t, _ in m.gives} == set(a.offers) & set(b.needs)
        assert {t for t, _ in m.gets} == set(b.offers) & set(a.needs)
        for tag, w in m.gives + m.gets:
            assert abs(w - _idf(engine, tag)) < 1e-9
        weights = [w for _, w in m.gives]
        assert weights == sorted(weights, reverse=True)
        assert set(m.contributions) == set(m.breakdown)
        assert abs(sum(m.contributions.values()) - m.score) < 1e-9
        assert set(m.reasons) == set(m.breakdown)
        for name, r in m.reasons.items():
            assert isinstance(r, Reason) and r.criterion == name and r.code and r.text and str(r) == r.text
        assert m.reasons["size_fit"].params == {"size_a": a.size, "size_b": b.size}


def test_explain_reason_sentence(engine, ids):
    a, b = ids[0], ids[1]
    x = engine.explain(a, b)
    r = x.reasons["complementarity"]
    assert r.code in ("tags_match", "tags_none")
    if r.code == "tags_match":
        assert r.text.startswith(f"{a} offers what {b} needs: ")
    assert x.reasons["region_reach"].code in ("same_region", "same_country", "cross_border")


def test_rank_agrees_with_top(engine, ids):
    q = ids[0]
    full = engine.top(q, k=len(ids))
    top = engine.top(q, k=3)
    for pos, m in enumerate(full, 1):
        r = engine.rank(q, m.id, k=3)
        assert isinstance(r, Rank)
        assert r.rank == pos and r.score == m.score and r.passing == len(full)
        assert r.in_result == (m.id in [t.id for t in top])
        assert r.excluded == ("none" if pos <= 3 else "rank")
    assert engine.rank(q, q).excluded == "self"
    other = next(i for i in ids if engine.get(i).region[:2] == engine.get(q).region[:2] and i != q)
    assert engine.rank(q, other, cross_border=True).excluded == "cross_border"
