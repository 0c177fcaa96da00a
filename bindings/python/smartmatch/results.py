"""Ranked results and writing them as CSV or JSON.

:meth:`Engine.top` returns a :class:`Matches`: a list of :class:`Match`
that also keeps the C result it was read from, so that it can be written in
the library's own CSV and JSON formats (``sm_result_format``: numbers in the
shortest form that reads back as the same double, identical to what the
``smartmatch`` command-line tool writes). Batch runs hand out results that
the library frees after the callback, so :meth:`Engine.match_all` writes
them as they stream (``output=``) instead.
"""

from __future__ import annotations

import ctypes
import io
import os
import sys
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Dict, IO, Iterable, List, Optional, Sequence, Tuple, Union

from . import _ffi, explanations
from ._ffi import lib, text
from .errors import InvalidArgument
from .records import Match

__all__ = ["Matches", "format_results", "write_results"]

OutputArg = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]
ResultsArg = Union["Matches", Iterable["Matches"], Dict[str, "Matches"]]


class _CResult:
    """Owns one ``sm_result``; freed with the last :class:`Matches` that uses it."""

    __slots__ = ("handle",)

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def __del__(self) -> None:
        handle, self.handle = self.handle, None
        # At interpreter exit the process releases everything anyway.
        if handle and sys is not None and not sys.is_finalizing():
            lib.sm_result_free(handle)


def convert(res: Any) -> Tuple[str, Tuple[str, ...], Dict[str, float], List[Match]]:
    """(query id, criteria, weights, matches) read from a C result, scores and breakdowns in bulk."""
    qid = text(lib.sm_result_query_id(res))
    m = lib.sm_result_criterion_count(res)
    names = tuple(text(lib.sm_result_criterion_name(res, j)) for j in range(m))
    weights = {names[j]: lib.sm_result_criterion_weight(res, j) for j in range(m)}
    n = lib.sm_result_count(res)
    if n == 0:
        return qid, names, weights, []
    scores = lib.sm_result_scores(res)[:n]
    flat = lib.sm_result_breakdowns(res)[:n * m] if m else []
    out = []
    for i in range(n):
        out.append(Match(id=text(lib.sm_result_id(res, i)), score=scores[i], rank=i + 1,
                         distance_km=lib.sm_result_distance_km(res, i),
                         breakdown=dict(zip(names, flat[i * m:(i + 1) * m])),
                         weights=weights, query_id=qid, **explanations.read(res, i, names)))
    return qid, names, weights, out


class Matches(List[Match]):
    """The ranked partners of one SME: a list of :class:`Match`, best first.

    Besides the list itself:

    - :attr:`query_id`: the SME the partners were sought for;
    - :attr:`criteria`: the criteria of every breakdown, in order;
    - :attr:`weights`: criterion -> the weight used;
    - :meth:`to_csv`, :meth:`to_json`, :meth:`write`: the library's own
      output formats (results of :meth:`Engine.top` only; write batch
      results with ``Engine.match_all(output=...)``).

    It compares equal to a plain list of the same matches. Slicing gives a
    plain list.
    """

    __slots__ = ("query_id", "criteria", "weights", "_c")

    def __init__(self, matches: Iterable[Match] = (), query_id: str = "", criteria: Sequence[str] = (),
                 weights: Optional[Dict[str, float]] = None) -> None:
        super().__init__(matches)
        self.query_id = query_id
        self.criteria: Tuple[str, ...] = tuple(criteria)
        self.weights: Dict[str, float] = dict(weights or {})
        self._c: Optional[_CResult] = None

    @classmethod
    def _from_c(cls, handle: Any, keep: bool) -> "Matches":
        """Reads a C result; with ``keep`` the result is owned (and freed) by the new object."""
        owner = _CResult(handle) if keep else None  # owned from here on, even if reading fails
        qid, names, weights, matches = convert(handle)
        self = cls(matches, qid, names, weights)
        self._c = owner
        return self

    @property
    def formattable(self) -> bool:
        """Whether :meth:`to_csv` and friends work (the C result is kept)."""
        return self._c is not None

    def to_csv(self) -> str:
        """The matches as CSV: ``query_id,rank,id,score,distance_km,<criterion>...``."""
        return format_results(self, "csv")

    def to_json(self) -> str:
        """The matches as JSON: ``[{"query_id": ..., "matches": [{"rank", "id", "score", ...}]}]``."""
        return format_results(self, "json")

    def write(self, output: OutputArg, format: Optional[str] = None) -> None:
        """Writes the matches to a file name (format from its extension) or an open file."""
        write_results(output, self, format)

    def __repr__(self) -> str:
        return f"Matches({list.__repr__(self)}, query_id={self.query_id!r})"

    def _rows(self) -> Tuple[List[str], List[List[Any]]]:
        """Columns and rows as the CSV format has them."""
        columns = ["query_id", "rank", "id", "score", "distance_km", *self.criteria]
        rows = [[self.query_id, m.rank, m.id, m.score, m.distance_km, *(m.breakdown.get(c) for c in self.criteria)]
                for m in self]
        return columns, rows

    def to_pandas(self) -> Any:
        """The matches as a pandas DataFrame, one row per partner, with the
        columns of the CSV format (``query_id, rank, id, score, distance_km``,
        then one per criterion). pandas is imported here, only when used."""
        try:
            import pandas  # noqa: PLC0415 (optional dependency)
        except ImportError as exc:
            raise ImportError("Matches.to_pandas() needs pandas (Debian: python3-pandas)") from exc
        columns, rows = self._rows()
        return pandas.DataFrame(rows, columns=columns)

    def _repr_html_(self) -> str:
        """A table for Jupyter: rank, partner, score, distance and the breakdown."""
        from html import escape  # noqa: PLC0415

        columns, rows = self._rows()
        head = "".join(f"<th>{escape(c)}</th>" for c in columns[1:])
        body = []
        for r in rows:
            cells = [escape(str(r[1])), escape(r[2]), f"{r[3]:.3f}", f"{r[4]:.0f} km"]
            cells += ["" if v is None else f"{v:.3f}" for v in r[5:]]
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        title = f"<caption>partners of {escape(self.query_id)}</caption>" if self.query_id else ""
        return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    # Copies share the immutable C result; pickles carry the Python values only.
    def __copy__(self) -> "Matches":
        new = Matches(self, self.query_id, self.criteria, self.weights)
        new._c = self._c
        return new

    def __deepcopy__(self, memo: Any) -> "Matches":
        import copy
        new = Matches((copy.deepcopy(m, memo) for m in self), self.query_id, self.criteria,
                      copy.deepcopy(self.weights, memo))
        new._c = self._c
        return new

    def __reduce__(self) -> Any:
        return (_rebuild, (list(self), self.query_id, self.criteria, self.weights))


def _rebuild(matches: List[Match], query_id: str, criteria: Sequence[str], weights: Dict[str, float]) -> Matches:
    return Matches(matches, query_id, criteria, weights)


def format_code(format: Optional[str], output: Any = None) -> int:
    """SM_FORMAT_CSV or SM_FORMAT_JSON for a format name, or from the extension of a file name."""
    if format is None and isinstance(output, (str, os.PathLike)):
        ext = os.path.splitext(os.fspath(output))[1].lower()
        format = {".csv": "csv", ".json": "json"}.get(ext)
        if format is None:
            raise InvalidArgument(f"format: cannot tell the format of {os.fspath(output)!r} "
                                  "(name it .csv or .json, or pass format=)", InvalidArgument.status,
                                  field="format", value=os.fspath(output))
    if format is None:
        raise InvalidArgument("format: pass format='csv' or 'json' when writing to an open file",
                              InvalidArgument.status, field="format")
    code = _ffi.FORMATS.get(format.lower()) if isinstance(format, str) else None
    if code not in (_ffi.FORMAT_CSV, _ffi.FORMAT_JSON):
        raise InvalidArgument(f"format: results are written as csv or json, not {format!r}",
                              InvalidArgument.status, field="format", value=str(format))
    return code


def _collect(results: ResultsArg) -> List[Matches]:
    if isinstance(results, Matches):
        items: List[Any] = [results]
    elif isinstance(results, dict):
        items = list(results.values())
    else:
        items = list(results)
    for r in items:
        if not isinstance(r, Matches):
            raise TypeError(f"results must be Matches returned by Engine.top(), not {type(r).__name__}")
        if r._c is None:
            raise InvalidArgument("format: these matches carry no C result (results of match_all() are "
                                  "written while they stream: pass output= to match_all())",
                                  InvalidArgument.status, field="results")
    return items


def format_bytes(results: ResultsArg, code: int) -> bytes:
    """One sm_result_format() call over every result: the UTF-8 text as bytes."""
    items = _collect(results)
    arr = (_ffi._Result * max(1, len(items)))(*[r._c.handle for r in items])  # type: ignore[union-attr]
    out = c_void_p()
    n = c_size_t()
    lib.sm_result_format(byref(out), byref(n), ctypes.cast(arr, ctypes.POINTER(_ffi._Result)), len(items), code)
    try:
        return ctypes.string_at(out.value, n.value) if n.value else b""
    finally:
        lib.sm_free(out)


def format_results(results: ResultsArg, format: str = "csv") -> str:
    """Formats results of :meth:`Engine.top` as the library does: ``"csv"`` or ``"json"``.

    ``results`` is one :class:`Matches`, a sequence of them, or a dict of them
    (written in its order). CSV gets one header line for all (the results
    must share their criteria, as results of one weighting do); JSON is one
    array with an object per querying SME.
    """
    return format_bytes(results, format_code(format)).decode("utf-8")


class Output:
    """A destination for result text: a file name (opened binary, so bytes
    are written exactly), an open binary file, or an open text file."""

    def __init__(self, output: OutputArg) -> None:
        self._close = False
        if isinstance(output, (str, os.PathLike)):
            self.file: Any = open(output, "wb")
            self._close = True
            self._binary = True
        elif hasattr(output, "write"):
            self.file = output
            self._binary = not isinstance(output, io.TextIOBase) and "b" in getattr(output, "mode", "b")
        else:
            raise TypeError(f"output must be a file name or an open file, not {type(output).__name__}")

    def write(self, data: bytes) -> None:
        if self._binary:
            self.file.write(data)
        else:
            self.file.write(data.decode("utf-8"))

    def close(self) -> None:
        if self._close:
            self.file.close()


def write_results(output: OutputArg, results: ResultsArg, format: Optional[str] = None) -> None:
    """Writes results of :meth:`Engine.top` (see :func:`format_results`) to a
    file name (format from the extension unless given) or an open file."""
    data = format_bytes(results, format_code(format, output))
    out = Output(output)
    try:
        out.write(data)
    finally:
        out.close()


class StreamWriter:
    """Writes batch results as they arrive, as one CSV table or one JSON
    array (the same bytes as ``smartmatch batch``): every result is formatted
    by sm_result_format(); the CSV header is kept once and the JSON arrays
    are stitched into one."""

    def __init__(self, output: OutputArg, code: int) -> None:
        self.code = code
        self.out = Output(output)
        self.header_done = False
        self.written = 0
        self.rows = 0
        self._one = (_ffi._Result * 1)()
        if code == _ffi.FORMAT_JSON:
            self.out.write(b"[")

    def put(self, handle: Any) -> None:
        """Formats and writes one (borrowed) C result."""
        self._one[0] = handle
        out = c_void_p()
        n = c_size_t()
        lib.sm_result_format(byref(out), byref(n), ctypes.cast(self._one, ctypes.POINTER(_ffi._Result)), 1,
                             self.code)
        try:
            chunk = ctypes.string_at(out.value, n.value) if n.value else b""
        finally:
            lib.sm_free(out)
        self.rows += lib.sm_result_count(handle)
        if self.code == _ffi.FORMAT_CSV:
            if chunk.startswith(b"query_id,"):
                nl = chunk.find(b"\n")
                body = len(chunk) if nl < 0 else nl + 1
                if not self.header_done:
                    self.out.write(chunk[:body])
                self.header_done = True
                chunk = chunk[body:]
            if chunk:
                self.out.write(chunk)
        else:
            inner = chunk.strip()
            if inner.startswith(b"[") and inner.endswith(b"]"):
                inner = inner[1:-1].strip()
            if inner:
                self.out.write((b",\n" if self.written else b"\n") + inner)
                self.written += 1

    def finish(self, criteria: Sequence[str]) -> None:
        """Ends the table or array; ``criteria`` name the CSV columns if no result came."""
        if self.code == _ffi.FORMAT_CSV and not self.header_done:
            cols = ["query_id", "rank", "id", "score", "distance_km", *criteria]
            self.out.write((",".join(cols) + "\n").encode("utf-8"))
        if self.code == _ffi.FORMAT_JSON:
            self.out.write(b"\n]\n" if self.written else b"]\n")

    def close(self) -> None:
        self.out.close()
