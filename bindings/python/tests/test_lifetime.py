"""Ownership: close(), context managers, garbage collection, callback lifetimes."""

from __future__ import annotations

import gc
import weakref

import pytest

import smartmatch as sm
from smartmatch import _callbacks


def _baseline() -> int:
    gc.collect()
    return _callbacks.registered_count()


def test_many_engines_and_weightings():
    for i in range(200):
        eng = sm.Engine(builtin_taxonomies=(i % 2 == 0))
        w = sm.Weighting.preset("balanced")
        w.add_criterion("c", lambda p: 0.5)
        if i % 3 == 0:
            eng.close()
            w.close()
        # the rest is freed by garbage collection
        del eng, w
    gc.collect()


def test_context_managers_close():
    with sm.Engine(builtin_taxonomies=False) as eng, sm.Weighting() as w:
        assert not eng.closed and not w.closed
    assert eng.closed and w.closed
    with pytest.raises(sm.InvalidArgument):
        len(eng)


def test_exception_in_with_block_still_closes():
    with pytest.raises(RuntimeError):
        with sm.Engine(builtin_taxonomies=False) as eng:
            raise RuntimeError("x")
    assert eng.closed


def test_callable_lives_as_long_as_the_weighting():
    base = _baseline()

    class Crit:
        def __call__(self, pair):
            return 0.5

    fn = Crit()
    ref = weakref.ref(fn)
    w = sm.Weighting()
    w.add_criterion("half", fn)
    del fn
    gc.collect()
    assert ref() is not None  # kept by the weighting
    assert _callbacks.registered_count() == base + 1
    w.close()
    gc.collect()
    assert ref() is None and _callbacks.registered_count() == base


def test_copies_share_the_callable_until_the_last_is_freed(engine, ids):
    base = _baseline()
    calls = []

    def crit(pair):
        calls.append(1)
        return 0.5

    ref = weakref.ref(crit)
    w = sm.Weighting()
    w.add_criterion("half", crit)
    c1 = w.copy()
    c2 = c1.copy()
    del crit
    w.close()
    c1.close()
    gc.collect()
    assert ref() is not None
    engine.top(ids[0], k=2, weighting=c2)  # still callable through the last copy
    assert calls
    del c2  # garbage collection frees the last owner
    gc.collect()
    assert ref() is None and _callbacks.registered_count() == base


def test_replacing_a_criterion_drops_the_old_callable():
    base = _baseline()

    def first(pair):
        return 0.1

    def second(pair):
        return 0.2

    r1 = weakref.ref(first)
    w = sm.Weighting()
    w.add_criterion("c", first)
    w.add_criterion("c", second)
    del first
    gc.collect()
    assert r1() is None and _callbacks.registered_count() == base + 1
    w.combiner = lambda s, wt: 0.5
    assert _callbacks.registered_count() == base + 2
    w.combiner = "mean"
    assert _callbacks.registered_count() == base + 1
    w.close()
    assert _callbacks.registered_count() == base


def test_failed_registration_does_not_leak():
    base = _baseline()
    w = sm.Weighting()
    with pytest.raises(sm.Duplicate):
        w.add_criterion("complementarity", lambda p: 0)
    with pytest.raises(sm.BadCode):
        w.add_criterion("Not Valid", lambda p: 0)
    assert _callbacks.registered_count() == base
    w.close()


def test_records_outlive_the_engine(engine, ids):
    rec = engine[ids[0]]
    res = engine.top(ids[0], k=3)
    region = engine.regions["SI032"]
    engine.close()
    assert rec.id == ids[0] and len(res) == 3 and region.code == "SI032"


def test_close_inside_a_callback_is_refused(engine, ids):
    def crit(pair):
        engine.close()
        return 0.5

    w = sm.Weighting()
    w.add_criterion("closer", crit)
    with pytest.raises(sm.InvalidArgument, match="inside a call"):
        engine.top(ids[0], weighting=w)
    assert not engine.closed


def test_dropping_the_last_reference_frees_at_once():
    """No reference cycle: the engine goes as soon as the last reference does."""
    gc.disable()
    try:
        eng = sm.Engine(builtin_taxonomies=False)
        _ = eng.regions, eng.sectors
        ref = weakref.ref(eng)
        del eng, _
        assert ref() is None
        w = sm.Weighting()
        w.add_criterion("c", lambda p: 0.5)
        ref = weakref.ref(w)
        del w
        assert ref() is None
    finally:
        gc.enable()


def test_no_deadlock_when_callbacks_change_or_close_the_engine(engine, ids):
    """Changing or closing the engine from a callback would wait for the very
    query that runs the callback; it raises instead (also on worker threads)."""
    w = sm.Weighting()
    w.add_criterion("writer", lambda p: engine.add_sme("NEW-1", region="SI032", sectors=["25"]) or 0.5)
    with pytest.raises(sm.InvalidArgument, match="inside a smartmatch callback"):
        engine.top(ids[0], weighting=w)

    def progress(done, total):
        engine.remove(ids[0])

    with pytest.raises(sm.InvalidArgument, match="inside a smartmatch callback"):
        engine.match_all(k=1, threads=2, progress=progress)

    def closer(query_id, matches):
        engine.close()

    with pytest.raises(sm.InvalidArgument, match="inside a call"):
        engine.match_all(k=1, threads=2, on_result=closer)
    assert not engine.closed and "NEW-1" not in engine and ids[0] in engine
    # an engine no call uses may be freed from a callback (garbage collection does that)
    other = sm.Engine(builtin_taxonomies=False)
    w2 = sm.Weighting()
    w2.add_criterion("frees", lambda p: other.close() or 0.5)
    engine.top(ids[0], k=1, weighting=w2)
    assert other.closed


def test_weighting_in_use_cannot_change(engine, ids):
    import threading

    started = threading.Event()
    release = threading.Event()

    def slow(pair):
        started.set()
        release.wait(5)
        return 0.5

    w = sm.Weighting()
    w.add_criterion("slow", slow)
    t = threading.Thread(target=lambda: engine.top(ids[0], k=1, weighting=w))
    t.start()
    try:
        assert started.wait(5)
        with pytest.raises(sm.InvalidArgument, match="in use by a running query"):
            w["complementarity"] = 2.0
        with pytest.raises(sm.InvalidArgument, match="in use"):
            w.add_criterion("other", lambda p: 0.1)
        with pytest.raises(sm.InvalidArgument, match="in use"):
            w.combiner = "min"
        assert w["complementarity"] != 2.0  # reading is fine
        c = w.copy()  # and so is copying
        c["complementarity"] = 2.0
    finally:
        release.set()
        t.join(10)
    w["complementarity"] = 2.0  # free again after the query
    # from inside its own criterion
    w2 = sm.Weighting()

    def self_changing(pair):
        w2["cohesion"] = 0.0
        return 0.5

    w2.add_criterion("self_changing", self_changing)
    with pytest.raises(sm.InvalidArgument, match="in use"):
        engine.top(ids[0], weighting=w2)
