"""Python functions called from C: custom criteria and combiners, and the
plumbing that carries their exceptions back to the Python caller.

Custom criteria and combiners stay registered with a weighting for its whole
life, and weightings are copied in C with shared user data. So the C user
data is an integer key into :data:`_registry`, and a C destructor
(:data:`DESTROY`) drops the entry when the library says the last owner is
gone: the Python callable lives exactly as long as C can call it. There is one
C trampoline per kind (:data:`CRITERION`, :data:`COMBINE`), alive for the
whole process, so no ``CFUNCTYPE`` object can be collected while C holds it.

A Python exception cannot cross C. A trampoline catches it, stores it in a
:class:`Sink` and returns NaN, which makes the C call fail with
``SM_ERR_CALLBACK``; the Python wrapper of that call then re-raises the stored
exception. Which sink: queries run their callbacks on the calling thread, so a
thread-local sink set around the call (:func:`call_scope`) is exact. Batch
runs call them on C worker threads; there the sink is found through the
engine the pair belongs to (:func:`batch_scope`).
"""

from __future__ import annotations

import itertools
import math
import threading
from typing import Any, Dict, List, Optional

from . import _ffi
from ._ffi import lib, text
from ._handle import callback
from .records import Pair, PairSide

_NAN = math.nan

# ---- registry of Python objects referred to by C user data ----------------

_registry: Dict[int, Any] = {}
_keys = itertools.count(1)


def register(obj: Any) -> int:
    """Keeps obj alive until C destroys the returned key."""
    key = next(_keys)
    _registry[key] = obj
    return key


def unregister(key: int) -> None:
    """Drops an entry C never took ownership of (the registering call failed)."""
    _registry.pop(key, None)


def _destroy(userdata: Optional[int]) -> None:
    _registry.pop(userdata or 0, None)


DESTROY = _ffi.DESTROY_FN(_destroy)


def registered_count() -> int:
    """Number of live callback registrations (for tests of lifetimes)."""
    return len(_registry)


# ---- sinks for exceptions raised inside callbacks -----------------------------


class Sink:
    """The first exception raised by a callback during one library call."""

    __slots__ = ("exc",)

    def __init__(self) -> None:
        self.exc: Optional[BaseException] = None

    def put(self, exc: BaseException) -> None:
        if self.exc is None:
            self.exc = exc

    def reraise(self) -> None:
        """Raises the stored exception, if any (the library's own error is then dropped)."""
        exc, self.exc = self.exc, None
        if exc is not None:
            raise exc.with_traceback(exc.__traceback__) from None


_local = threading.local()
_batch_lock = threading.Lock()
_batches: Dict[int, List[Sink]] = {}  # engine address -> sinks of batch runs in progress


class call_scope:
    """Routes exceptions of callbacks run on this thread to a fresh sink."""

    __slots__ = ("sink", "_prev")

    def __init__(self, sink: Optional[Sink] = None) -> None:
        self.sink = sink if sink is not None else Sink()

    def __enter__(self) -> Sink:
        self._prev = getattr(_local, "sink", None)
        _local.sink = self.sink
        return self.sink

    def __exit__(self, *exc: Any) -> None:
        _local.sink = self._prev


class batch_scope(call_scope):
    """Like :class:`call_scope`, and also for worker threads of a batch on one engine."""

    __slots__ = ("_engine",)

    def __init__(self, engine_address: int, sink: Optional[Sink] = None) -> None:
        super().__init__(sink)
        self._engine = engine_address

    def __enter__(self) -> Sink:
        with _batch_lock:
            _batches.setdefault(self._engine, []).append(self.sink)
        return super().__enter__()

    def __exit__(self, *exc: Any) -> None:
        super().__exit__(*exc)
        with _batch_lock:
            sinks = _batches[self._engine]
            sinks.remove(self.sink)
            if not sinks:
                del _batches[self._engine]


def _report(exc: BaseException, engine_address: Optional[int]) -> None:
    sink = getattr(_local, "sink", None)
    if sink is not None:
        sink.put(exc)
        return
    with _batch_lock:
        targets = _batches.get(engine_address or 0)
        if not targets:  # a combiner (no engine given) or an unexpected thread
            targets = [s for sinks in _batches.values() for s in sinks]
        for s in targets:
            s.put(exc)


# ---- trampolines --------------------------------------------------------------

_SIZES = _ffi.SIZES
_BUILTIN = _ffi.BUILTIN_CRITERIA
_coop_cache: Dict[int, frozenset] = {}


def _cooperation(engine: Optional[int], bits: int) -> frozenset:
    names = _coop_cache.get(bits)
    if names is not None:
        return names
    out = []
    for i in range(32):
        bit = 1 << i
        if bits & bit:
            if i < len(_ffi.BUILTIN_COOPERATION):
                out.append(_ffi.BUILTIN_COOPERATION[i])
            else:
                out.append(text(lib.sm_cooperation_name(engine, bit)) or f"bit{i}")
    names = frozenset(out)
    if bits < 256:  # only built-in names are the same in every engine
        _coop_cache[bits] = names
    return names


def _side(s: Any, engine: Optional[int]) -> PairSide:
    size = s.size
    return PairSide(
        id=text(s.id), region=text(s.region), country=text(s.country), sector=text(s.sector),
        size=_SIZES[size] if 0 <= size < len(_SIZES) else "unknown",
        employees=s.employees if s.employees >= 0 else None,
        founded=s.founded or None,
        cooperation=_cooperation(engine, s.cooperation),
        n_offers=s.n_offers, n_needs=s.n_needs)


def make_pair(p: Any) -> Pair:
    """A Python :class:`Pair` copied from a C ``sm_pair``."""
    engine = p.engine
    builtin = p.builtin
    scores = dict(zip(_BUILTIN, builtin[:len(_BUILTIN)])) if builtin else {}
    return Pair(a=_side(p.a, engine), b=_side(p.b, engine), distance_km=p.distance_km, builtin=scores)


def _criterion(pair_p: Any, userdata: Optional[int]) -> float:
    engine = None
    try:
        with callback():
            p = pair_p.contents
            engine = p.engine
            fn = _registry[userdata or 0]
            return float(fn(make_pair(p)))
    except BaseException as exc:  # noqa: B902 - even KeyboardInterrupt must not cross C
        _report(exc, engine)
        return _NAN


def _combine(scores_p: Any, weights_p: Any, n: int, userdata: Optional[int]) -> float:
    try:
        with callback():
            fn = _registry[userdata or 0]
            scores = scores_p[:n] if n else []
            weights = weights_p[:n] if n else []
            return float(fn(scores, weights))
    except BaseException as exc:  # noqa: B902
        _report(exc, None)
        return _NAN


CRITERION = _ffi.CRITERION_FN(_criterion)
COMBINE = _ffi.COMBINE_FN(_combine)
