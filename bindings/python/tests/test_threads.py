"""Queries from several Python threads at once give the single-thread results."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import smartmatch as sm


def test_eight_threads_agree_with_one(engine, ids):
    w = sm.Weighting.preset("balanced")
    expected = {q: engine.top(q, k=5, weighting=w) for q in ids}
    work = ids * 4

    def run(q):
        return q, engine.top(q, k=5, weighting=w)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for q, got in pool.map(run, work):
            assert got == expected[q]


def test_threads_with_python_criteria_and_explain(engine, ids):
    w = sm.Weighting.parse("complementarity=1,sector_affinity=1")
    w.add_criterion("same_country", lambda p: float(p.a.country == p.b.country))
    expected = {q: engine.top(q, k=3, weighting=w) for q in ids[:20]}
    errors = []

    def worker(offset):
        try:
            for i in range(40):
                q = ids[(offset + i) % 20]
                got = engine.top(q, k=3, weighting=w)
                assert got == expected[q]
                e = engine.explain(q, got[0].id, weighting=w)
                assert e.breakdown == got[0].breakdown
        except BaseException as exc:  # report in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_exceptions_stay_on_their_thread(engine, ids):
    """A criterion failing for one thread's query does not leak into another's."""
    w = sm.Weighting()
    bad = ids[0]

    def crit(pair):
        if pair.a.id == bad:
            raise LookupError("only for " + bad)
        return 0.5

    w.add_criterion("picky", crit)
    results = {}

    def worker(q):
        try:
            results[q] = engine.top(q, k=2, weighting=w)
        except LookupError as exc:
            results[q] = exc

    threads = [threading.Thread(target=worker, args=(q,)) for q in ids[:8]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert isinstance(results[bad], LookupError)
    assert all(isinstance(results[q], list) for q in ids[1:8])


def test_close_waits_for_running_queries(ids):
    from conftest import make_smes
    eng = sm.Engine()
    eng.add_smes(make_smes(eng))
    started = threading.Event()
    release = threading.Event()

    def slow(pair):
        started.set()
        release.wait(5)
        return 0.5

    w = sm.Weighting()
    w.add_criterion("slow", slow)
    out = []
    t = threading.Thread(target=lambda: out.append(eng.top(ids[0], k=1, weighting=w)))
    t.start()
    started.wait(5)
    closer = threading.Thread(target=eng.close)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive()  # waiting for the query
    release.set()
    t.join(10)
    closer.join(10)
    assert out and len(out[0]) == 1 and eng.closed


def test_queries_beside_updates(engine, ids):
    """Writers and readers from Python threads: no deadlock, no torn state.
    Every query sees the engine before or after each add, never half of it."""
    from conftest import make_smes

    extra = [s for s in make_smes(engine, n=60, seed=7)]
    for i, s in enumerate(extra):
        s.id = f"NEW-{i:03d}"
    errors = []
    stop = threading.Event()

    def reader(offset):
        try:
            i = 0
            while not stop.is_set():
                q = ids[(offset + i) % len(ids)]
                res = engine.top(q, k=200)
                n = len(res)
                assert n >= len(ids) - 1  # the original SMEs are always there
                assert all(m.id in engine for m in res)  # nothing is ever removed
                i += 1
        except BaseException as exc:
            errors.append(exc)

    def writer():
        try:
            for s in extra:
                engine.add_sme(s)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader, args=(i * 7,)) for i in range(4)]
    w = threading.Thread(target=writer)
    for t in readers:
        t.start()
    w.start()
    w.join(60)
    stop.set()
    for t in readers:
        t.join(60)
    assert not errors, errors[0]
    assert not w.is_alive() and len(engine) == len(ids) + len(extra)
    assert len(engine.top(ids[0], k=1000)) == len(engine) - 1
