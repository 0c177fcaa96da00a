"""Plain records the package returns: SMEs, regions, sectors, matches, load
reports, and the pair a custom criterion sees.

They are ordinary dataclasses holding Python values (copied out of the C
library), so they stay valid after the engine is closed and can be pickled,
compared and printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

__all__ = ["SME", "Region", "Sector", "Match", "Explanation", "Problem", "LoadReport", "Pair", "PairSide",
           "RowError"]


@dataclass
class SME:
    """A small or medium enterprise, as put into and read back from an engine.

    Attributes:
        id:          unique external id (1..64 bytes, no control characters)
        region:      NUTS region code, e.g. ``"SI032"``
        sectors:     NACE codes, the first is the primary sector
                     (read back normalised: ``"25.11"``)
        name:        display name
        size:        ``"micro"``, ``"small"``, ``"medium"``, ``"large"`` or
                     ``"unknown"`` (derived from ``employees`` when unknown)
        employees:   employee count, or None
        founded:     founding year, or None
        offers:      what the SME offers (tags, shown as first spelt; compared
                     after Unicode folding, see :func:`smartmatch.fold`)
        needs:       what the SME needs (tags)
        cooperation: cooperation types sought, e.g. ``["subcontracting"]``
        languages:   working languages (ISO 639-1), e.g. ``["sl", "en"]``
    """

    id: str
    region: str
    sectors: List[str]
    name: str = ""
    size: str = "unknown"
    employees: Optional[int] = None
    founded: Optional[int] = None
    offers: List[str] = field(default_factory=list)
    needs: List[str] = field(default_factory=list)
    cooperation: List[str] = field(default_factory=list)
    languages: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class Region:
    """A NUTS-style region held by an engine.

    ``development`` is the index set on this region itself (None if not set);
    ``Engine.regions.development(code)`` gives the inherited one scoring uses.
    """

    code: str
    name: str
    country: str
    parent: str
    level: int
    lat: float
    lon: float
    development: Optional[float] = None
    languages: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Sector:
    """A NACE Rev. 2 sector held by an engine (``code`` normalised, e.g. ``"25.11"``)."""

    code: str
    name: str
    parent: str
    section: str
    level: int


@dataclass
class Match:
    """One partner in a ranked result.

    Attributes:
        id:          the partner's id
        score:       the total in [0, 1]
        rank:        1 for the best partner
        distance_km: distance between the two SMEs' regions
        breakdown:   criterion name -> score in [0, 1] (the explanation)
        weights:     criterion name -> the weight used (shared by all matches
                     of one result)
        query_id:    the id of the SME the partners were sought for
        gives:       (tag, idf weight) pairs: what the querying SME offers and
                     the partner needs, heaviest first
        gets:        the same the other way: what the partner offers and the
                     querying SME needs
        contributions: criterion name -> weight share x score (adds up to the
                     score under the weighted mean)
        reasons:     criterion name -> :class:`smartmatch.explanations.Reason`
                     (a code, its parameters and an English sentence)
    """

    id: str
    score: float
    rank: int
    distance_km: float
    breakdown: Dict[str, float]
    weights: Dict[str, float] = field(default_factory=dict, repr=False)
    query_id: str = ""
    # Explanations (compare=False: a batch's matches, which carry none, still
    # equal the same query's top() matches)
    gives: Tuple[Tuple[str, float], ...] = field(default=(), repr=False, compare=False)
    gets: Tuple[Tuple[str, float], ...] = field(default=(), repr=False, compare=False)
    contributions: Dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    reasons: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __str__(self) -> str:
        reasons = ", ".join(f"{k}={v:.3f}" for k, v in self.breakdown.items())
        return (f"{self.rank}. {self.id} {self.score:.4f} ({self.distance_km:.0f} km; {reasons})"
                if not math.isnan(self.distance_km) else
                f"{self.rank}. {self.id} {self.score:.4f} ({reasons})")


@dataclass(eq=False)
class Explanation(Match):
    """The score of one pair with every criterion, as :meth:`Engine.explain`
    returns it: a :class:`Match` whose ``str()`` is a small table::

        AT-00042 as a partner of SI-00001: 0.5088 (152 km)
          criterion          score  weight
          complementarity    0.712       3
          ...
    """

    def __str__(self) -> str:
        where = "" if math.isnan(self.distance_km) else f" ({self.distance_km:.0f} km)"
        width = max([len("criterion")] + [len(k) for k in self.breakdown])
        lines = [f"{self.id} as a partner of {self.query_id}: {self.score:.4f}{where}",
                 f"  {'criterion':<{width}}  score  weight"]
        for name, score in self.breakdown.items():
            weight = self.weights.get(name, math.nan)
            lines.append(f"  {name:<{width}}  {score:5.3f}  {weight:6g}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Problem:
    """One problem found while loading or validating a file.

    ``status`` is the C status code; :meth:`exception` gives the exception
    a strict load would have raised for it.
    """

    status: int
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    field: str = ""
    value: str = ""

    def exception(self):
        """The :class:`smartmatch.Error` subclass instance for this problem."""
        from .errors import error_class
        return error_class(self.status)(self.message, self.status, file=self.file, line=self.line,
                                        column=self.column, field=self.field, value=self.value)

    def __str__(self) -> str:
        return self.message


@dataclass
class LoadReport:
    """What a load did: records read, applied (or that would be, in a dry run),
    skipped as bad (lenient mode), and every problem reported."""

    rows: int = 0
    loaded: int = 0
    skipped: int = 0
    problems: List[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class PairSide:
    """One side of the pair a custom criterion scores (copied; safe to keep)."""

    id: str
    region: str
    country: str
    sector: str
    size: str
    employees: Optional[int]
    founded: Optional[int]
    cooperation: frozenset
    n_offers: int
    n_needs: int


@dataclass(frozen=True)
class Pair:
    """The pair handed to a custom criterion: ``a`` is the querying SME,
    ``b`` the candidate; ``builtin`` maps each built-in criterion name to its
    score for this pair."""

    a: PairSide
    b: PairSide
    distance_km: float
    builtin: Dict[str, float]


# ---- rows from spreadsheets and data frames -------------------------------------------

#: SME fields that hold lists; a string in one is split at ``;`` as in CSV.
_LIST_FIELDS = ("sectors", "offers", "needs", "cooperation", "languages")
_INT_FIELDS = ("employees", "founded")


def _missing(value: object) -> bool:
    """None, NaN, pandas' NA and NaT, and empty or blank text are missing values."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NaN-like (numpy.nan, pandas.NaT)
    except (TypeError, ValueError):
        return type(value).__name__ in ("NAType", "NaTType")


class RowError(ValueError):
    """A value of one row that cannot be an SME field; names the row and column."""

    def __init__(self, row: object, column: str, message: str) -> None:
        super().__init__(f"row {row}, column {column!r}: {message}")
        self.row = row
        self.column = column


def _whole(value: object, row: object, column: str) -> int:
    if isinstance(value, bool):
        raise RowError(row, column, f"expected a whole number, got {value!r}")
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise RowError(row, column, f"not a whole number {value!r}") from None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RowError(row, column, f"expected a whole number, got {type(value).__name__}") from None
    if not f.is_integer():
        raise RowError(row, column, f"not a whole number {value!r}")
    return int(f)


def _items(value: object, row: object, column: str) -> List[str]:
    if isinstance(value, str):
        return [p.strip() for p in value.split(";") if p.strip()]
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        raise RowError(row, column, f"expected text or a list, got {type(value).__name__}") from None
    out = []
    for item in items:
        if _missing(item):
            continue
        if not isinstance(item, str):
            raise RowError(row, column, f"list items must be text, got {type(item).__name__}")
        out.append(item.strip())
    return out


def sme_from_row(row: object, values: "Mapping[object, object]") -> Dict[str, object]:
    """The SME fields of one spreadsheet row, as the CSV loader reads them.

    Column names match case-insensitively and without surrounding blanks;
    other columns are ignored. Missing values (None, NaN, empty text) are left
    out; ``;``-joined text in a list column is split; whole numbers written
    as floats (``46.0``) are accepted. Raises :class:`RowError` naming the row
    and the column.
    """
    fields = SME.__dataclass_fields__
    out: Dict[str, object] = {}
    for key, value in values.items():
        name = str(key).strip().lower()
        if name not in fields or _missing(value):
            continue
        if name in _LIST_FIELDS:
            out[name] = _items(value, row, str(key))
        elif name in _INT_FIELDS:
            out[name] = _whole(value, row, str(key))
        elif isinstance(value, str):
            out[name] = value.strip()
        elif name in ("id", "name", "region") and isinstance(value, (int, float)) and float(value).is_integer():
            out[name] = str(int(value))  # a numeric id read by a spreadsheet
        elif name == "size" and isinstance(value, (int, float)) and float(value).is_integer():
            out[name] = int(value)
        else:
            raise RowError(row, str(key), f"expected text, got {type(value).__name__} {value!r}")
    if "id" not in out:
        raise RowError(row, "id", "required value is empty")
    return out


def sme_rows(data: object) -> "Iterator[Tuple[object, object]]":
    """(row label, SME or field dict) for each row of a pandas DataFrame, or
    for each item of an iterable of SME records and mappings."""
    if hasattr(data, "columns") and hasattr(data, "itertuples") and hasattr(data, "index"):
        columns = [str(c) for c in data.columns]  # type: ignore[attr-defined]
        for label, tup in zip(data.index, data.itertuples(index=False, name=None)):  # type: ignore[attr-defined]
            yield label, sme_from_row(label, dict(zip(columns, tup)))
        return
    for i, item in enumerate(data):  # type: ignore[attr-defined]
        if isinstance(item, SME):
            yield i, item
        elif isinstance(item, Mapping):
            yield i, sme_from_row(i, item)
        else:
            raise TypeError(f"row {i}: an SME must be an SME record or a mapping, not {type(item).__name__}")
