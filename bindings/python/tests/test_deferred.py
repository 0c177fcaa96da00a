"""Deferred changes: queued puts and removes, flush, errors, threads."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

import smartmatch as sm
from conftest import make_smes


def test_deferred_changes_equal_synchronous_ones(engine, ids):
    smes = make_smes(engine, n=30, seed=7)
    with sm.Engine() as ref:
        ref.add_smes(list(engine))
        for i, s in enumerate(smes):
            rec = replace(s, id=f"N-{i}")
            engine.add_sme(rec, defer=True)
            ref.add_sme(rec)
            if i % 3 == 0:
                engine.remove(ids[i], defer=True)
                ref.remove(ids[i])
        engine.flush()
        assert sorted(engine.ids()) == sorted(ref.ids())
        for q in sorted(ref.ids())[:10]:
            assert engine.top(q, k=5) == ref.top(q, k=5)


def test_errors_at_call_time(engine, ids):
    with pytest.raises(sm.UnknownCode):
        engine.add_sme("X-1", region="ZZ999", sectors=["62.01"], defer=True)
    with pytest.raises(sm.NotFound):
        engine.remove("no such id", defer=True)
    engine.remove(ids[0], defer=True)
    with pytest.raises(sm.NotFound):  # already queued for removal
        engine.remove(ids[0], defer=True)
    engine.flush()
    assert ids[0] not in engine


def test_order_put_remove_put(engine, ids):
    s = engine[ids[1]]
    engine.remove(ids[1], defer=True)
    engine.add_sme(s, defer=True)
    engine.remove(ids[1], defer=True)
    engine.add_sme(replace(s, name="Changed"), defer=True)
    engine.flush()
    assert engine[ids[1]].name == "Changed"
    with sm.Engine() as fresh:
        fresh.add_smes([r for r in engine])
        for q in ids[:10]:
            assert engine.top(q, k=5) == fresh.top(q, k=5)


def test_synchronous_change_publishes_the_queue_first(engine, ids):
    engine.configure_defer(max_delay_ms=10000)
    engine.remove(ids[2], defer=True)
    with pytest.raises(sm.NotFound):  # the queued remove went first
        engine.remove(ids[2])


def test_configure_defer_ranges(engine):
    with pytest.raises(sm.RangeError):
        engine.configure_defer(max_delay_ms=-1)
    with pytest.raises(sm.RangeError):
        engine.configure_defer(max_queued=0)


def test_threads_defer_beside_queries(engine, ids):
    smes = make_smes(engine, n=200, seed=11)
    errors = []
    stop = threading.Event()

    def query():
        try:
            while not stop.is_set():
                for q in ids[:5]:
                    engine.top(q, k=3)
        except BaseException as exc:
            errors.append(exc)

    def write(part):
        try:
            for i, s in enumerate(smes[part::2]):
                engine.add_sme(replace(s, id=f"T{part}-{i}"), defer=True)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=query) for _ in range(3)]
    writers = [threading.Thread(target=write, args=(p,)) for p in range(2)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    engine.flush()
    stop.set()
    for t in readers:
        t.join()
    assert not errors
    assert len(engine) == 80 + 200


def test_close_with_changes_queued():
    eng = sm.Engine()
    eng.add_smes(make_smes(eng, n=10))
    eng.configure_defer(max_delay_ms=10000)
    for s in make_smes(eng, n=10, seed=3):
        eng.add_sme(s, defer=True)
    eng.close()  # drops them, joins the publisher
    assert eng.closed
