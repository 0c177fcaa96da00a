"""The regional-networking overview (experimental C API ``sm_overview_*``).

:meth:`Engine.overview <smartmatch.Engine.overview>` runs the all-pairs top-k
and returns an :class:`Overview`: the region x region, sector x sector and
region x theme matrices, with the indices defined in ``docs/overview.md``,
and the potential interregional cooperations. The tables come as plain
``dict`` of columns and lists of records, ready for ``pandas.DataFrame``; the
CSV, JSON, SVG and HTML writers are the library's own.

With a cooperation history in the engine (``history=`` or
:attr:`Engine.history <smartmatch.Engine.history>`) every matrix also has
``realised`` and ``untapped`` and each potential cooperation says how often
the pair ``cooperated``; :class:`Themes` (named tag groups) replace the NACE
sections as the columns of region x theme.
"""

from __future__ import annotations

import os
from ctypes import byref, c_double, c_size_t, c_void_p, pointer, string_at
from typing import Any, Callable, Dict, List, Optional, Union

from . import _callbacks, _ffi
from ._ffi import cstr, lib, str_array, text
from ._handle import Closable, Owner, callback
from .errors import Error, InvalidArgument

MATRICES = {"regions": 0, "sectors": 1, "themes": 2}
PICTURES = {"heatmap": 0, "chord": 1, "choropleth": 2, "flows": 3, "themes": 4, "untapped": 5}
_OUTPUTS = {"matrix_csv": 0, "potential_csv": 1, "json": 2, "svg": 3, "report": 4}
_AXES = {"regions": ("region_a", "region_b"), "sectors": ("sector_a", "sector_b"), "themes": ("region", "theme")}
_INDEX_COUNT = 9

#: the files :meth:`Overview.write_all` writes (name, output, which, needs geometry);
#: untapped.svg only with a history
FILES = [
    ("regions.csv", "matrix_csv", 0, False), ("sectors.csv", "matrix_csv", 1, False),
    ("themes.csv", "matrix_csv", 2, False), ("potential.csv", "potential_csv", 0, False),
    ("overview.json", "json", 0, False), ("heatmap.svg", "svg", 0, False), ("themes.svg", "svg", 4, False),
    ("chord.svg", "svg", 1, False), ("untapped.svg", "svg", 5, False), ("choropleth.svg", "svg", 2, True),
    ("flows.svg", "svg", 3, True), ("report.html", "report", 0, False),
]


class Themes(Closable):
    """User-defined themes: named groups of tags (``sm_themes``). An SME is in a
    theme when one of its offers or needs is a tag of the group.

    ``Themes(path)`` reads a ``theme,tag`` CSV or a JSON object ``{theme: [tags]}``;
    ``Themes({"green": ["solar panels", "heat pumps"]})`` adds a dict;
    :meth:`add` adds more.
    """

    __slots__ = ("_owner",)

    def __init__(self, source: Union[None, str, "os.PathLike[str]", Dict[str, List[str]]] = None) -> None:
        out = _ffi._Themes()
        lib.sm_themes_new(byref(out))
        self._owner = Owner(out, lib.sm_themes_free, "themes")
        if isinstance(source, dict):
            for name, tags in source.items():
                self.add(name, tags)
        elif source is not None:
            self.load(source)

    def add(self, theme: str, tags: List[str]) -> None:
        """Adds tags to a theme (made if new); all or nothing."""
        arr, n = str_array(list(tags), "tags")
        with self._owner as h:
            lib.sm_themes_add(h, cstr(theme, "theme"), arr, n)

    def load(self, path: Union[str, "os.PathLike[str]"]) -> int:
        """Adds the themes of a CSV or JSON file, all or nothing; returns the (theme, tag) entries read."""
        n = c_size_t()
        with self._owner as h:
            lib.sm_themes_load(h, cstr(os.fspath(path), "path"), byref(n))
        return n.value

    def as_dict(self) -> Dict[str, List[str]]:
        """The themes as ``{theme: [normalised tags]}``, in order."""
        with self._owner as h:
            return {text(lib.sm_themes_name(h, i)): [text(lib.sm_themes_tag(h, i, j))
                                                    for j in range(lib.sm_themes_tag_count(h, i))]
                    for i in range(lib.sm_themes_count(h))}

    def __len__(self) -> int:
        with self._owner as h:
            return int(lib.sm_themes_count(h))


class themes_use:
    """``with`` block giving the C handle of a themes argument (None, Themes, path or dict)."""

    def __init__(self, themes: Any) -> None:
        self._temp = themes is not None and not isinstance(themes, Themes)
        self._t = Themes(themes) if self._temp else themes

    def __enter__(self) -> Any:
        if self._t is None:
            return None
        self._h = self._t._owner.__enter__()
        return self._h

    def __exit__(self, *exc: Any) -> None:
        if self._t is not None:
            self._t._owner.__exit__()
            if self._temp:
                self._t.close()


class Geometry(Closable):
    """Map outlines from a geometry file (``data/nuts2021_60m.txt``), for the map pictures.

    The boundaries are © EuroGeographics, for non-commercial use (GISCO's
    licence); without a geometry every matrix and the other pictures still work.
    """

    __slots__ = ("_owner",)

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        out = _ffi._Geometry()
        lib.sm_geometry_load(byref(out), cstr(os.fspath(path), "path"))
        self._owner = Owner(out, lib.sm_geometry_free, "geometry")

    def __len__(self) -> int:
        with self._owner as h:
            return int(lib.sm_geometry_count(h))


GeometryArg = Union[None, Geometry, str, "os.PathLike[str]"]


class _GeometryUse:
    """``with`` block giving the C handle of a geometry argument (a path is loaded for the call)."""

    def __init__(self, geometry: GeometryArg) -> None:
        self._temp = not isinstance(geometry, Geometry) and geometry is not None
        self._g = Geometry(geometry) if self._temp else geometry  # type: ignore[arg-type]

    def __enter__(self) -> Any:
        if self._g is None:
            return None
        self._h = self._g._owner.__enter__()
        return self._h

    def __exit__(self, *exc: Any) -> None:
        if self._g is not None:
            self._g._owner.__exit__()
            if self._temp:
                self._g.close()


def _matrix(name: str) -> int:
    if name not in MATRICES:
        raise InvalidArgument(f"unknown matrix {name!r} (use one of {', '.join(MATRICES)})", InvalidArgument.status,
                              field="matrix", value=str(name))
    return MATRICES[name]


def laea(lat: float, lon: float) -> "tuple[float, float]":
    """ETRS89-LAEA (EPSG:3035) easting and northing in metres of a point, as the maps use."""
    x, y = c_double(), c_double()
    lib.sm_laea_project(byref(x), byref(y), float(lat), float(lon))
    return x.value, y.value


class Overview(Closable):
    """An aggregated overview; immutable, independent of the engine that made it."""

    __slots__ = ("_owner",)

    def __init__(self, handle: Any) -> None:
        self._owner = Owner(handle, lib.sm_overview_free, "overview")

    # ---- facts ---------------------------------------------------------------------
    @property
    def sme_count(self) -> int:
        with self._owner as h:
            return int(lib.sm_overview_sme_count(h))

    @property
    def k(self) -> int:
        with self._owner as h:
            return int(lib.sm_overview_k(h))

    @property
    def region_level(self) -> int:
        with self._owner as h:
            return int(lib.sm_overview_region_level(h))

    @property
    def sector_level(self) -> int:
        with self._owner as h:
            return int(lib.sm_overview_sector_level(h))

    @property
    def has_history(self) -> bool:
        """Whether the engine held a cooperation history: ``realised``, ``untapped`` and ``cooperated`` are there."""
        with self._owner as h:
            return bool(lib.sm_overview_has_index(h, 8))

    def indices(self) -> List[str]:
        """Names of the indices held per cell, in CSV column order."""
        with self._owner as h:
            return [text(lib.sm_overview_index_name(i)) for i in range(_INDEX_COUNT) if lib.sm_overview_has_index(h, i)]

    # ---- matrices --------------------------------------------------------------------
    def labels(self, matrix: str = "regions", axis: int = 0) -> List[Dict[str, Any]]:
        """Rows (axis 0) or columns (axis 1) as records ``{code, name, smes}``."""
        m = _matrix(matrix)
        with self._owner as h:
            n = lib.sm_overview_cols(h, m) if axis else lib.sm_overview_rows(h, m)
            return [{"code": text(lib.sm_overview_label_code(h, m, axis, i)),
                     "name": text(lib.sm_overview_label_name(h, m, axis, i)),
                     "smes": int(lib.sm_overview_label_smes(h, m, axis, i))} for i in range(n)]

    def values(self, index: str = "links", matrix: str = "regions") -> List[List[float]]:
        """One index as a rows x cols list of lists (``pandas.DataFrame(v, index=rows, columns=cols)``)."""
        m = _matrix(matrix)
        names = {text(lib.sm_overview_index_name(i)): i for i in range(_INDEX_COUNT)}
        if index not in names:
            raise InvalidArgument(f"unknown index {index!r} (use one of {', '.join(names)})", InvalidArgument.status,
                                  field="index", value=str(index))
        with self._owner as h:
            rows, cols = lib.sm_overview_rows(h, m), lib.sm_overview_cols(h, m)
            buf = (c_double * max(1, rows * cols))()
            lib.sm_overview_values(buf, rows * cols, h, m, names[index])
            return [list(buf[i * cols:(i + 1) * cols]) for i in range(rows)]

    def matrix(self, name: str = "regions") -> Dict[str, List[Any]]:
        """One matrix in long form, a column per field (as ``regions.csv``):
        ``pandas.DataFrame(ov.matrix("regions"))``."""
        m = _matrix(name)
        a_key, b_key = _AXES[name]
        rows = [r["code"] for r in self.labels(name, 0)]
        cols = [c["code"] for c in self.labels(name, 1)]
        out: Dict[str, List[Any]] = {a_key: [], b_key: []}
        for r in rows:
            for c in cols:
                out[a_key].append(r)
                out[b_key].append(c)
        for index in self.indices():
            flat = [v for row in self.values(index, name) for v in row]
            out[index] = [int(v) for v in flat] if index in ("links", "pairs", "realised") else flat
        del m
        return out

    @property
    def regions(self) -> Dict[str, List[Any]]:
        """The region x region matrix in long form (see :meth:`matrix`)."""
        return self.matrix("regions")

    @property
    def sectors(self) -> Dict[str, List[Any]]:
        """The sector x sector matrix in long form."""
        return self.matrix("sectors")

    @property
    def themes(self) -> Dict[str, List[Any]]:
        """The region x theme matrix in long form."""
        return self.matrix("themes")

    def best(self, row: int, col: int, matrix: str = "regions") -> List[Dict[str, Any]]:
        """The best pairs of one cell, best first."""
        m = _matrix(matrix)
        out = []
        history = self.has_history
        with self._owner as h:
            for i in range(lib.sm_overview_best_count(h, m, row, col)):
                p = _ffi.OverviewPair()
                p.version = _ffi.OVERVIEW_PAIR_VERSION
                lib.sm_overview_best_at(byref(p), h, m, row, col, i)
                rec: Dict[str, Any] = {f: (p.score if f == "score" else text(getattr(p, f)))
                                       for f in ("a", "a_name", "a_region", "a_sector", "b", "b_name", "b_region",
                                                 "b_sector", "score", "reasons")}
                if history:
                    rec["cooperated"] = int(p.cooperations)
                out.append(rec)
        return out

    @property
    def potential(self) -> List[Dict[str, Any]]:
        """The potential interregional cooperations (``potential.csv``) as records."""
        rows = [r["code"] for r in self.labels("regions", 0)]
        out = []
        for i, ra in enumerate(rows):
            for j, rb in enumerate(rows):
                if i == j:
                    continue
                for rank, p in enumerate(self.best(i, j), 1):
                    out.append({"region_a": ra, "region_b": rb, "rank": rank, **p})
        return out

    # ---- writers ---------------------------------------------------------------------
    def format(self, output: str, which: Union[int, str] = 0, geometry: GeometryArg = None) -> str:
        """One output as text: ``"matrix_csv"`` (which = matrix name), ``"potential_csv"``,
        ``"json"``, ``"svg"`` (which = picture name) or ``"report"``."""
        if output not in _OUTPUTS:
            raise InvalidArgument(f"unknown output {output!r}", InvalidArgument.status, field="output", value=output)
        w = _which(output, which)
        out, n = c_void_p(), c_size_t()
        with self._owner as h, _GeometryUse(geometry) as gh:
            lib.sm_overview_format(byref(out), byref(n), h, _OUTPUTS[output], w, gh)
        try:
            return string_at(out, n.value).decode("utf-8")
        finally:
            lib.sm_free(out)

    def svg(self, picture: str = "heatmap", geometry: GeometryArg = None) -> str:
        """A picture as SVG text: heatmap, themes, chord, choropleth or flows (the last two need a geometry)."""
        return self.format("svg", picture, geometry)

    def focus_svg(self, region: str, geometry: GeometryArg) -> str:
        """A map of one region's potential partners (``--focus REGION``): every region shaded by the
        score of the top links between it and ``region``, both directions."""
        out, n = c_void_p(), c_size_t()
        with self._owner as h, _GeometryUse(geometry) as gh:
            lib.sm_overview_format_focus(byref(out), byref(n), h, cstr(region, "region"), gh)
        try:
            return string_at(out, n.value).decode("utf-8")
        finally:
            lib.sm_free(out)

    def report(self, geometry: GeometryArg = None) -> str:
        """The broker's report as one self-contained HTML document."""
        return self.format("report", 0, geometry)

    def write(self, path: Union[str, "os.PathLike[str]"], output: str, which: Union[int, str] = 0,
              geometry: GeometryArg = None) -> None:
        """Writes one output to ``path`` atomically (temporary file, then rename)."""
        if output not in _OUTPUTS:
            raise InvalidArgument(f"unknown output {output!r}", InvalidArgument.status, field="output", value=output)
        w = _which(output, which)
        with self._owner as h, _GeometryUse(geometry) as gh:
            lib.sm_overview_write(cstr(os.fspath(path), "path"), h, _OUTPUTS[output], w, gh)

    def write_all(self, directory: Union[str, "os.PathLike[str]"], geometry: GeometryArg = None) -> List[str]:
        """Writes every file of ``smartmatch overview`` into ``directory`` (made if missing);
        the maps only with a geometry. Returns the paths written."""
        os.makedirs(directory, exist_ok=True)
        written = []
        history = self.has_history
        with _GeometryUse(geometry) as gh:
            for name, output, which, needs_geo in FILES:
                if (needs_geo and gh is None) or (name == "untapped.svg" and not history):
                    continue
                path = os.path.join(os.fspath(directory), name)
                with self._owner as h:
                    lib.sm_overview_write(cstr(path, "path"), h, _OUTPUTS[output], which, gh)
                written.append(path)
        return written


def _which(output: str, which: Union[int, str]) -> int:
    if isinstance(which, str):
        table = MATRICES if output == "matrix_csv" else PICTURES
        if which not in table:
            raise InvalidArgument(f"unknown {'matrix' if table is MATRICES else 'picture'} {which!r}",
                                  InvalidArgument.status, field="which", value=which)
        return table[which]
    return int(which)


def make(engine: Any, h: Any, qopts: Any, wh: Any, *, level: int, sector_level: int, best: int,
         threads: Optional[int], progress: Optional[Callable[[int, int], Any]], themes: Any = None) -> Overview:
    """Runs sm_overview_new on an engine handle ``h`` (called by :meth:`Engine.overview`)."""
    for name, v, lo, hi in (("level", level, 0, 3), ("sector_level", sector_level, 1, 4), ("best", best, 0, 100)):
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise InvalidArgument(f"{name} must be an int from {lo} to {hi}, not {v!r}", InvalidArgument.status,
                                  field=name, value=str(v))
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads <= 0):
        raise InvalidArgument(f"threads must be a positive int or None, not {threads!r}", InvalidArgument.status,
                              field="threads", value=str(threads))
    sink = _callbacks.Sink()

    def progress_cb(done: int, total: int, _userdata: Any) -> int:
        try:
            with callback():
                return 1 if progress(done, total) else 0  # type: ignore[misc]
        except BaseException as exc:  # noqa: B902
            sink.put(exc)
            return 1

    c_progress = _ffi.PROGRESS_FN(progress_cb) if progress is not None else _ffi.PROGRESS_FN()
    o = _ffi.OverviewOptions()
    lib.sm_overview_options_init(byref(o), _ffi.OVERVIEW_OPTIONS_VERSION)
    qopts.weighting = wh
    o.query = pointer(qopts)
    o.threads = threads or 0
    o.region_level = level
    o.sector_level = sector_level
    o.best_per_cell = best
    o.on_progress = c_progress
    o.themes = themes
    out = _ffi._Overview()
    with _callbacks.batch_scope(h.value or 0, sink):
        try:
            lib.sm_overview_new(byref(out), h, byref(o))
        except Error:
            sink.reraise()
            raise
    return Overview(out)
