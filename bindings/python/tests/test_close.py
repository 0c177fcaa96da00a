"""Engine.close() beside running calls: it refuses new calls at once, waits
for the running ones, then frees; threads that keep calling get
InvalidArgument ("engine is closed") instead of a hang or a crash."""

from __future__ import annotations

import threading

import pytest

import smartmatch as sm
from conftest import make_smes


def _engine() -> sm.Engine:
    eng = sm.Engine()
    eng.add_smes(make_smes(eng))
    return eng


def test_close_refuses_new_calls_while_it_waits():
    eng = _engine()
    ids = [s.id for s in eng]
    started, release = threading.Event(), threading.Event()

    def slow(pair):
        started.set()
        release.wait(10)
        return 0.5

    w = sm.Weighting()
    w.add_criterion("slow", slow)
    out = []
    runner = threading.Thread(target=lambda: out.append(eng.top(ids[0], k=1, weighting=w)))
    runner.start()
    assert started.wait(10)
    closer = threading.Thread(target=eng.close)
    closer.start()
    for _ in range(100):  # until close() has begun to wait
        if eng.closed:
            break
        closer.join(0.01)
    assert eng.closed and closer.is_alive()
    with pytest.raises(sm.InvalidArgument, match="closed"):
        eng.top(ids[1], k=1)  # a new call: refused at once, not queued
    with pytest.raises(sm.InvalidArgument, match="closed"):
        len(eng)
    release.set()
    runner.join(10)
    closer.join(10)
    assert not closer.is_alive() and out and len(out[0]) == 1  # the running call finished


def test_close_beside_four_busy_threads():
    eng = _engine()
    ids = [s.id for s in eng]
    extra = make_smes(eng, n=40, seed=9)
    for i, s in enumerate(extra):
        s.id = f"X-{i:03d}"
    counts = [0] * 4
    errors = []
    go = threading.Barrier(5)

    def work(t):
        go.wait()
        i = 0
        try:
            while True:
                if t == 0:
                    eng.match_all(k=3, threads=2)
                elif t == 1:
                    eng.add_smes(extra[i % 40:i % 40 + 5])
                elif t == 2:
                    eng.top(ids[i % len(ids)], k=5)
                else:
                    eng.explain(ids[i % len(ids)], ids[(i + 1) % len(ids)])
                counts[t] += 1
                i += 1
        except sm.InvalidArgument as exc:
            if "closed" not in str(exc):
                errors.append(exc)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    go.wait()
    while min(counts) == 0 and not errors:  # every kind of call ran at least once
        threads[0].join(0.01)
    closer = threading.Thread(target=eng.close)
    closer.start()
    closer.join(30)
    assert not closer.is_alive(), "close() did not return"
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    assert not errors, errors
    assert eng.closed
