"""match_all(): agreement with top(), subsets, threads, progress, streaming, errors."""

from __future__ import annotations

import threading

import pytest

import smartmatch as sm


def test_match_all_equals_top(engine, ids):
    w = sm.Weighting.preset("cross_border")
    all_results = engine.match_all(k=5, threads=2, weighting=w)
    assert list(all_results) == ids  # sorted by id
    for q in ids:
        assert all_results[q] == engine.top(q, k=5, weighting=w)


def test_match_all_filters_and_subset(engine, ids):
    subset = [ids[7], ids[2], ids[40]]
    res = engine.match_all(k=4, ids=subset, cross_border=True, min_score=0.1, threads=1)
    assert list(res) == subset
    for q in subset:
        assert res[q] == engine.top(q, k=4, cross_border=True, min_score=0.1)
    with pytest.raises(sm.NotFound):
        engine.match_all(ids=["no-such-id"])
    with pytest.raises(TypeError):
        engine.match_all(colour="red")
    with pytest.raises(sm.InvalidArgument):
        engine.match_all(threads=0)


def test_threads_do_not_change_results(engine):
    one = engine.match_all(k=6, threads=1)
    many = engine.match_all(k=6, threads=4)
    default = engine.match_all(k=6)
    assert one == many == default


def test_progress_and_cancel(engine, ids):
    seen = []
    engine.match_all(k=2, threads=2, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (len(ids), len(ids))
    assert all(total == len(ids) for _, total in seen)
    with pytest.raises(sm.Cancelled):
        engine.match_all(k=2, threads=2, progress=lambda done, total: done >= 3)


def test_streaming(engine, ids):
    got = {}
    lock = threading.Lock()

    def on_result(query_id, matches):
        with lock:
            got[query_id] = matches

    assert engine.match_all(k=3, on_result=on_result) == {}
    assert sorted(got) == ids
    assert got[ids[0]] == engine.top(ids[0], k=3)


class Boom(Exception):
    pass


def test_exceptions_propagate_from_worker_threads(engine, ids):
    def on_result(query_id, matches):
        raise Boom("on_result")

    with pytest.raises(Boom, match="on_result"):
        engine.match_all(k=2, on_result=on_result, threads=2)

    def progress(done, total):
        raise Boom("progress")

    with pytest.raises(Boom, match="progress"):
        engine.match_all(k=2, progress=progress, threads=2)

    w = sm.Weighting()
    target = ids[10]

    def criterion(pair):
        if pair.a.id == target:
            raise Boom("criterion")
        return 0.5

    w.add_criterion("picky", criterion)
    with pytest.raises(Boom, match="criterion"):
        engine.match_all(k=2, weighting=w, threads=2)
    # still usable afterwards
    assert len(engine.match_all(k=1, threads=2)) == len(ids)


def test_python_criterion_in_batch(engine, ids):
    w = sm.Weighting.parse("complementarity=1")
    w.add_criterion("same_country", lambda p: float(p.a.country == p.b.country), weight=2.0)
    res = engine.match_all(k=3, weighting=w, threads=2)
    for q in ids[:10]:
        assert res[q] == engine.top(q, k=3, weighting=w)
