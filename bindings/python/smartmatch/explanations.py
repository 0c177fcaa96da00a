"""Why a partner is in a result, read from the library (experimental API).

Every :class:`~smartmatch.Match` that :meth:`Engine.top` or
:meth:`Engine.explain` returns carries ``gives`` and ``gets`` (the tags where
offers meet needs, with their idf weights), ``contributions`` and
``reasons``: one :class:`Reason` per criterion, whose ``code`` and ``params``
are the data (to word it in another language) and ``text`` the English
sentence. :meth:`Engine.rank` answers "why not b?" with a :class:`Rank`.
Nothing here computes a reason: it is all read from the C result.
"""

from __future__ import annotations

from ctypes import byref
from dataclasses import dataclass, field
from typing import Any, Dict, Sequence, Tuple

from . import _ffi
from ._ffi import lib, text

__all__ = ["Reason", "Rank", "read"]


@dataclass(frozen=True)
class Reason:
    """The reason for one criterion's score: ``code`` (e.g. ``"tags_match"``),
    ``params`` (named values as text) and ``text`` (English); ``str()`` is the text."""

    criterion: str
    code: str
    params: Dict[str, str] = field(default_factory=dict)
    text: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Rank:
    """Where a candidate stands in a query (``sm_query_rank``).

    Attributes:
        rank:      1-based among all candidates passing the filters (may exceed k); 0 if filtered out
        passing:   how many candidates pass every filter
        score:     the candidate's total
        kth_score: the total of the last match in the result (NaN if empty)
        excluded:  ``"none"`` when in the result, else the filter or bound
                   that keeps it out (``"cross_border"``, ``"min_score"``, ``"rank"``, ...)
    """

    rank: int
    passing: int
    score: float
    kth_score: float
    excluded: str

    @property
    def in_result(self) -> bool:
        return self.excluded == "none"


def _tags(res: Any, i: int, gives: bool) -> Tuple[Tuple[str, float], ...]:
    if gives:
        n, tag, weight = lib.sm_result_gives_count(res, i), lib.sm_result_gives_tag, lib.sm_result_gives_weight
    else:
        n, tag, weight = lib.sm_result_gets_count(res, i), lib.sm_result_gets_tag, lib.sm_result_gets_weight
    return tuple((text(tag(res, i, t)), weight(res, i, t)) for t in range(n))


def read(res: Any, i: int, names: Sequence[str]) -> Dict[str, Any]:
    """The explanation fields of match ``i`` of a C result, as keyword arguments of :class:`Match`."""
    out: Dict[str, Any] = {
        "contributions": {names[j]: lib.sm_result_contribution(res, i, j) for j in range(len(names))}}
    if not lib.sm_result_is_explained(res):
        return out
    reasons = {}
    for j, name in enumerate(names):
        params = {text(lib.sm_result_reason_param_name(res, i, j, p)): text(lib.sm_result_reason_param_value(res, i, j, p))
                  for p in range(lib.sm_result_reason_param_count(res, i, j))}
        reasons[name] = Reason(name, text(lib.sm_reason_code_name(lib.sm_result_reason_code(res, i, j))), params,
                               text(lib.sm_result_reason_text(res, i, j)))
    out.update(gives=_tags(res, i, True), gets=_tags(res, i, False), reasons=reasons)
    return out


def rank(handle: Any, id_a: bytes, id_b: bytes, opts: Any) -> Rank:
    """Calls ``sm_query_rank`` (engine handle and options already made by :class:`Engine`)."""
    info = _ffi.RankInfo()
    lib.sm_query_rank(byref(info), handle, id_a, id_b, byref(opts))
    return Rank(int(info.rank), int(info.passing), float(info.score), float(info.kth_score),
                text(lib.sm_exclusion_name(info.excluded)))
