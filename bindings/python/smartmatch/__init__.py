"""smartmatch — find, score and explain cooperation partners for SMEs.

Python bindings (ctypes, standard library only) to the smartmatch C library::

    import smartmatch as sm

    with sm.Engine() as eng:                          # NUTS 2021 + NACE Rev. 2 built in
        eng.load("examples/data/cadses_smes.csv")
        w = sm.Weighting.preset("cross_border")
        w["complementarity"] = 3.0
        for m in eng.top("SI-00001", k=5, weighting=w):
            print(m.rank, m.id, f"{m.score:.3f}", m.breakdown)

Main classes: :class:`Engine` (SMEs, regions, sectors, queries) and
:class:`Weighting` (criteria weights, parameters, custom criteria). Records:
:class:`SME`, :class:`Region`, :class:`Sector`, :class:`Match` (in a
:class:`Matches` list, which writes itself as CSV or JSON),
:class:`Explanation`, :class:`LoadReport`, :class:`Problem`, :class:`Pair`. Errors: :class:`Error`
and one subclass per status of the C library.

The C library is found through ``SMARTMATCH_LIBRARY``, the package directory,
the build tree of a source checkout, or the system (see
:mod:`smartmatch._loader`); :data:`library_path` says which was used.
"""

from __future__ import annotations

from typing import List, Tuple

from . import _ffi
from ._ffi import lib as _lib
from ._ffi import text as _text
from ._loader import version_tuple as _version_tuple
from .engine import Engine, Regions, Sectors, fold, normalize_sector
from .events import AgendaItem, EventPlan, Meeting, Unscheduled
from .errors import (BadCode, BadId, CallbackError, Cancelled, Duplicate, Error, FileError, InvalidArgument,
                     LimitExceeded, NoMemory, NotFound, ParseError, RangeError, UnknownCode, UnknownName,
                     Unsupported, error_class, status_name)
from .records import SME, Explanation, LoadReport, Match, Pair, PairSide, Problem, Region, RowError, Sector
from .results import Matches, format_results, write_results
from .weighting import PARAMS, Weighting
from .overview import Geometry, Overview, Themes
from .consortium import CALL_PRESETS, Call, Consortia, Consortium, ConsortiumMember, ConsortiumRule

__version__ = "0.1.0"

#: Path (or name) of the C library that was loaded.
library_path: str = _ffi.library_path

#: The built-in criteria, in breakdown order.
CRITERIA: Tuple[str, ...] = _ffi.BUILTIN_CRITERIA

#: Size classes by their names.
SIZES: Tuple[str, ...] = _ffi.SIZES[1:]


def library_version() -> str:
    """The version of the loaded C library, e.g. ``"0.1.0"``."""
    return _text(_lib.sm_version_string())


def library_version_info() -> Tuple[int, int, int]:
    """The version of the loaded C library as (major, minor, patch)."""
    return _version_tuple(_lib.sm_version())


def format_supported(fmt: str) -> bool:
    """Whether the C library was built with a loader for ``"csv"`` or ``"json"``."""
    try:
        code = _ffi.FORMATS[fmt.lower()]
    except KeyError:
        raise InvalidArgument(f"unknown format {fmt!r} (csv, json)", InvalidArgument.status) from None
    return bool(_lib.sm_format_supported(code))


def presets() -> List[str]:
    """Names of the built-in weighting presets."""
    return Weighting.presets()


def size_from_employees(employees: int) -> str:
    """The EU size class for an employee count: ``"micro"`` (< 10) ... ``"large"`` (>= 250)."""
    return _text(_lib.sm_size_name(_lib.sm_size_from_employees(int(employees))))


__all__ = [
    # main classes
    "Engine", "Weighting", "Regions", "Sectors",
    # consortium builder (experimental)
    "Call", "Consortia", "Consortium", "ConsortiumMember", "ConsortiumRule", "CALL_PRESETS",
    # records
    "SME", "Region", "Sector", "Match", "Matches", "Explanation", "LoadReport", "Problem", "Pair", "PairSide",
    "RowError",
    # event planner
    "EventPlan", "Meeting", "Unscheduled", "AgendaItem",
    # errors
    "Error", "InvalidArgument", "NoMemory", "NotFound", "Duplicate", "BadId", "BadCode", "UnknownCode",
    "RangeError", "ParseError", "FileError", "Unsupported", "CallbackError", "Cancelled", "LimitExceeded",
    "UnknownName", "error_class", "status_name",
    # functions and constants
    "fold", "normalize_sector", "format_results", "write_results", "format_supported", "presets", "size_from_employees", "library_version",
    "library_version_info", "library_path", "CRITERIA", "SIZES", "PARAMS", "__version__",
]
