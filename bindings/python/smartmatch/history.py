"""Realised cooperations and what they teach (experimental C API "history and
network criteria"): the engine's history, the network criteria that read it
(``past_partners``, ``common_partners``, ``activity``; a weighting uses them
by name, e.g. ``"balanced,past_partners=2"`` or the preset ``"network"``),
:meth:`History.evaluate` and :meth:`History.fit`.

Reach it through :attr:`smartmatch.Engine.history`::

    eng.history.load("history.csv")            # a,b,date[,kind] or group,member,date[,kind]
    rows = eng.history.evaluate("2017-01-01", weighting="network")
    weighting, validation = eng.history.fit("2017-01-01")
"""

from __future__ import annotations

import ctypes
import os
from ctypes import byref, c_size_t, c_void_p
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Tuple, Union

from . import _ffi
from ._ffi import cstr, lib, str_array, text
from .weighting import Weighting, resolve


@dataclass(frozen=True)
class EvaluationRow:
    """One method's figures: means over the replayed queries and their bootstrap standard errors."""
    method: str
    queries: int
    recall1: float
    recall1_se: float
    recall2: float
    recall2_se: float
    mrr: float
    mrr_se: float
    auc: float
    auc_se: float


@dataclass(frozen=True)
class HistoryInfo:
    cooperations: int
    links: int
    smes_with_history: int
    last_date: str
    reference_date: str
    half_life_days: float


def _rows(ev: Any) -> List[EvaluationRow]:
    out = []
    for i in range(lib.sm_evaluation_count(ev)):
        r = lib.sm_evaluation_at(ev, i).contents
        out.append(EvaluationRow(text(r.method), int(r.queries), r.recall1, r.recall1_se, r.recall2,
                                 r.recall2_se, r.mrr, r.mrr_se, r.auc, r.auc_se))
    return out


def format_rows(rows: Iterable[EvaluationRow], k1: int = 10, k2: int = 50, mrr_k: int = 100) -> str:
    """The rows as the Markdown table ``smartmatch evaluate`` prints."""
    lines = [f"| method | queries | recall@{k1} | recall@{k2} | MRR@{mrr_k} | AUC |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r.method} | {r.queries} | {r.recall1:.3f} ± {r.recall1_se:.3f} | "
                     f"{r.recall2:.3f} ± {r.recall2_se:.3f} | {r.mrr:.3f} ± {r.mrr_se:.3f} | "
                     f"{r.auc:.3f} ± {r.auc_se:.3f} |")
    return "\n".join(lines) + "\n"


class History:
    """The cooperation history of one :class:`~smartmatch.Engine`."""

    __slots__ = ("_engine",)

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def add(self, members: Iterable[str], date: str, kind: Optional[str] = None) -> None:
        """Adds one cooperation among two or more SMEs of the engine (a cheap update)."""
        arr, n = str_array(list(members), "member")
        with self._engine._changing() as h:
            lib.sm_history_add(h, arr, n, cstr(date, "date"), cstr(kind, "kind") if kind is not None else None)

    def load(self, path: Union[str, "os.PathLike[str]"]) -> int:
        """Loads a CSV or JSON history file, all or nothing; returns the number of cooperations."""
        n = c_size_t()
        with self._engine._changing() as h:
            lib.sm_history_load(h, os.fsencode(os.fspath(path)), byref(n))
        return n.value

    def loads(self, data: Union[str, bytes], name: Optional[str] = None) -> int:
        """Like :meth:`load` for data in memory."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        n = c_size_t()
        with self._engine._changing() as h:
            lib.sm_history_load_buffer(h, raw, len(raw), cstr(name, "name") if name else None, byref(n))
        return n.value

    def clear(self) -> None:
        """Removes every cooperation."""
        with self._engine._changing() as h:
            lib.sm_history_clear(h)

    def set_decay(self, reference_date: Optional[str] = None, half_life_days: float = 1095.0) -> None:
        """The reference day and half-life of ``past_partners`` (None: the latest cooperation)."""
        with self._engine._changing() as h:
            lib.sm_history_set_decay(h, cstr(reference_date, "reference_date") if reference_date else None,
                                     float(half_life_days))

    def info(self) -> HistoryInfo:
        out = _ffi.HistoryInfo()
        with self._engine._owner as h:
            lib.sm_history_info_get(byref(out), h)
        return HistoryInfo(int(out.cooperations), int(out.links), int(out.smes_with_history),
                           out.last_date.decode(), out.reference_date.decode(), out.half_life_days)

    def evaluate(self, split: str, *, end: Optional[str] = None, weighting: Any = None,
                 label: Optional[str] = None, k1: int = 10, k2: int = 50, mrr_k: int = 100,
                 max_queries: int = 0, negatives: int = 100, bootstrap: int = 200, seed: int = 1,
                 baselines: bool = True, queriers: str = "all") -> List[EvaluationRow]:
        """Replays the cooperations from ``split`` (to ``end``) as queries and returns the figures of
        the weighting (row ``label``, default "smartmatch") and of the baselines. ``queriers``
        "warm" keeps only queries whose SME had an offer, a need or a cooperation before the split,
        "cold" only the others (the cold-start breakdown); "all" (default) keeps every query."""
        if queriers not in _ffi.EVALUATE_QUERIERS:
            raise ValueError(f"queriers must be one of all, warm, cold, not {queriers!r}")
        o = _ffi.EvaluateOptions()
        lib.sm_evaluate_options_init(byref(o), _ffi.EVALUATE_OPTIONS_VERSION)
        o.queriers = _ffi.EVALUATE_QUERIERS[queriers]
        keep = [cstr(split, "split"), cstr(end, "end") if end else None, cstr(label, "label") if label else None]
        o.split_date, o.end_date, o.label = keep
        o.k1, o.k2, o.mrr_k, o.max_queries, o.negatives = k1, k2, mrr_k, max_queries, negatives
        o.bootstrap, o.seed, o.baselines = bootstrap, seed, int(bool(baselines))
        w, temp = resolve(weighting)
        ev = _ffi._Evaluation()
        try:
            with self._engine._owner as h:
                if w is not None:
                    with w._owner as wh:
                        o.weighting = wh
                        lib.sm_evaluate(byref(ev), h, byref(o))
                else:
                    lib.sm_evaluate(byref(ev), h, byref(o))
            return _rows(ev)
        finally:
            lib.sm_evaluation_free(ev)
            if temp and w is not None:
                w.close()

    def fit(self, split: str, *, validation: Optional[str] = None, start: Any = None, k: int = 10,
            max_queries: int = 5000, rounds: int = 4, seed: int = 1) -> Tuple[Weighting, List[EvaluationRow]]:
        """Learns a weighting from the cooperations before ``split``; returns it and the figures on the
        held-out third of the validation period (rows "start", "fitted" and the baselines)."""
        o = _ffi.FitOptions()
        lib.sm_fit_options_init(byref(o), _ffi.FIT_OPTIONS_VERSION)
        keep = [cstr(split, "split"), cstr(validation, "validation") if validation else None]
        o.split_date, o.validation_date = keep
        o.k, o.max_queries, o.rounds, o.seed = k, max_queries, rounds, seed
        w, temp = resolve(start)
        out = _ffi._Weighting()
        ev = _ffi._Evaluation()
        try:
            with self._engine._owner as h:
                if w is not None:
                    with w._owner as wh:
                        o.start = wh
                        lib.sm_fit(byref(out), byref(ev), h, byref(o))
                else:
                    lib.sm_fit(byref(out), byref(ev), h, byref(o))
            return Weighting._wrap(out), _rows(ev)
        finally:
            lib.sm_evaluation_free(ev)
            if temp and w is not None:
                w.close()


def network_criteria() -> List[str]:
    """The names of the network criteria."""
    out = []
    i = 0
    while True:
        name = lib.sm_network_criterion_name(i)
        if not name:
            return out
        out.append(name.decode())
        i += 1
