"""The engine: regions, sectors and SMEs, and the queries over them."""

from __future__ import annotations

import ctypes
import math
import os
from ctypes import POINTER, byref, c_double, c_int, c_uint32, pointer
from typing import (Any, Callable, Collection, Dict, Iterable, Iterator, List, Mapping, Optional,
                    Sequence, Tuple, Union, TypeVar, TYPE_CHECKING)

from . import _callbacks, _ffi, explanations
from ._ffi import cstr, lib, read_str_list, str_array, text
from ._handle import Closable, Owner, callback, in_callback
from .errors import Error, InvalidArgument, NotFound, BadCode
from .records import Explanation, LoadReport, Problem, Region, Sector, SME, sme_rows
from .results import Matches, OutputArg, StreamWriter, convert, format_code
from .weighting import Weighting, resolve

if TYPE_CHECKING:
    from .overview import Overview

__all__ = ["Engine", "Regions", "Sectors"]

WeightingArg = Union[None, str, Mapping[str, float], Weighting]
PathArg = Union[str, "os.PathLike[str]"]
SmeArg = Union[SME, Mapping[str, Any]]

_TAXONOMIES = {"nuts": _ffi.TAXONOMY_NUTS, "nace": _ffi.TAXONOMY_NACE}


def _taxonomy_flags(value: Union[bool, str, Collection[str]]) -> int:
    if value is True:
        return _ffi.TAXONOMY_ALL
    if value is False or value is None:
        return _ffi.TAXONOMY_NONE
    if isinstance(value, str):
        value = [value]
    flags = 0
    for name in value:
        try:
            flags |= _TAXONOMIES[str(name).lower()]
        except KeyError:
            raise InvalidArgument(f"builtin_taxonomies: unknown taxonomy {name!r} (nuts, nace)",
                                  InvalidArgument.status, field="builtin_taxonomies", value=str(name)) from None
    return flags


def _nan_to_none(x: float) -> Optional[float]:
    return None if math.isnan(x) else x


def _region(info: Any) -> Region:
    return Region(code=text(info.code), name=text(info.name), country=text(info.country),
                  parent=text(info.parent), level=info.level, lat=info.lat, lon=info.lon,
                  development=_nan_to_none(info.development),
                  languages=tuple(read_str_list(info.languages, info.n_languages)))


def _sector(info: Any) -> Sector:
    return Sector(code=text(info.code), name=text(info.name), parent=text(info.parent),
                  section=text(info.section), level=info.level)


class _WeightingUse:
    """``with`` block lending the C handle of a weighting argument (None = library default)."""

    __slots__ = ("_w", "_temp", "_lend")

    def __init__(self, weighting: WeightingArg) -> None:
        self._w, self._temp = resolve(weighting)

    def __enter__(self) -> Any:
        if self._w is None:
            return None
        self._lend = self._w._owner.lend()
        try:
            return self._lend.__enter__()
        except BaseException:
            self._drop()
            raise

    def __exit__(self, *exc: Any) -> None:
        if self._w is not None:
            self._lend.__exit__()
            self._drop()

    def _drop(self) -> None:
        if self._temp and self._w is not None:
            self._w.close()


class Engine(Closable):
    """A smartmatch engine: regions (NUTS), sectors (NACE) and SMEs, and the
    queries that find, score and explain partners for an SME.

    Create one, fill it, query it::

        with smartmatch.Engine() as eng:             # NUTS 2021 + NACE Rev. 2 built in
            eng.load("smes.csv")
            for m in eng.top("SI-00001", k=5, cross_border=True):
                print(m.rank, m.id, round(m.score, 3), m.breakdown)

    The engine works like a collection of SMEs: ``len(eng)``,
    ``"SI-00001" in eng``, ``eng["SI-00001"]`` (an :class:`SME`),
    ``del eng["SI-00001"]`` and ``for sme in eng``. :attr:`regions` and
    :attr:`sectors` are read-only mappings of the taxonomies.

    Queries (:meth:`top`, :meth:`explain`, :meth:`match_all`) may run from
    many threads at once; changes (:meth:`add_sme`, :meth:`load`, ...) wait
    for running queries. The engine holds C memory: use it as a context
    manager or call :meth:`close`; after that every method raises
    :class:`InvalidArgument` ("engine is closed"). Records returned earlier
    stay valid.
    """

    def __init__(self, builtin_taxonomies: Union[bool, str, Collection[str]] = True) -> None:
        """Creates an engine.

        Args:
            builtin_taxonomies: ``True`` (default) preloads NUTS 2021 regions and
                NACE Rev. 2 sectors; ``False`` starts empty; or a set such as
                ``{"nace"}`` names the ones to preload.
        """
        opts = _ffi.EngineOptions()
        lib.sm_engine_options_init(byref(opts), _ffi.ENGINE_OPTIONS_VERSION)
        opts.taxonomies = _taxonomy_flags(builtin_taxonomies)
        out = _ffi._Engine()
        lib.sm_engine_new(byref(out), byref(opts))
        self._owner = Owner(out, lib.sm_engine_free, "engine")

    # ---- life cycle -------------------------------------------------------------

    def close(self) -> None:
        """Frees the engine: from now on every new call raises
        :class:`InvalidArgument` ("engine is closed"), even on other threads
        while this waits; calls already running (queries, batches, loads)
        finish; then the C engine is freed. Raises :class:`InvalidArgument`
        from inside a call on this engine (it would wait for itself).
        Changes queued with ``defer=True`` and not yet published are dropped
        with the engine (nothing can see them any more); call :meth:`flush`
        first to learn whether they could all be published."""
        self._owner.close()

    def __enter__(self) -> "Engine":
        return self

    def __repr__(self) -> str:
        """``<smartmatch.Engine 120 SMEs, 2014 regions, 996 sectors>``"""
        if self.closed:
            return "<smartmatch.Engine closed>"
        with self._owner as h:
            return (f"<smartmatch.Engine {lib.sm_sme_count(h)} SMEs, {lib.sm_region_count(h)} regions, "
                    f"{lib.sm_sector_count(h)} sectors>")

    def _changing(self) -> Owner:
        """The owner, for a call that changes the engine.

        A change waits for the queries running on the engine; from inside a
        callback of one of them it would wait for ever, so it is refused.
        """
        if in_callback():
            raise InvalidArgument("cannot change an engine from inside a smartmatch callback "
                                  "(custom criterion, combiner, progress, result or problem callback)",
                                  InvalidArgument.status)
        return self._owner

    @classmethod
    def open_snapshot(cls, path: PathArg) -> "Engine":
        """An engine holding what :meth:`save` wrote to ``path`` (see :mod:`smartmatch.snapshot`)."""
        from . import snapshot
        return snapshot.open_engine(cls, path)

    def save(self, path: PathArg) -> None:
        """Writes the whole engine to one snapshot file, atomically (see :mod:`smartmatch.snapshot`)."""
        from . import snapshot
        snapshot.save(self, path)

    def load_builtin(self, taxonomies: Union[bool, str, Collection[str]] = True) -> None:
        """Loads built-in taxonomies (``True``, ``"nuts"``, ``"nace"`` or a set); existing codes are kept."""
        with self._changing() as h:
            lib.sm_engine_load_builtin(h, _taxonomy_flags(taxonomies))

    # ---- loading ------------------------------------------------------------------

    def _load_options(self, format: Optional[str], kind: Optional[str], strict: bool, dry_run: bool,
                      sink: _callbacks.Sink, problems: List[Problem], delimiter: Optional[str] = None,
                      encoding: Optional[str] = None) -> Tuple[Any, Any]:
        opts = _ffi.LoadOptions()
        lib.sm_load_options_init(byref(opts), _ffi.LOAD_OPTIONS_VERSION)
        delimiters = {None: 0, ",": ord(","), ";": ord(";"), "\t": ord("\t"), "tab": ord("\t")}
        if delimiter not in delimiters:
            raise InvalidArgument(f"delimiter: expected ',', ';' or 'tab', not {delimiter!r}", InvalidArgument.status,
                                  field="delimiter", value=str(delimiter))
        opts.delimiter = delimiters[delimiter]
        enc = cstr(encoding, "encoding") if encoding is not None else None
        opts.encoding = enc
        try:
            opts.format = _ffi.FORMATS[format.lower() if format else None]
        except KeyError:
            raise InvalidArgument(f"format: unknown format {format!r} (csv, json)", InvalidArgument.status,
                                  field="format", value=str(format)) from None
        try:
            opts.kind = _ffi.DATA_KINDS[kind.lower() if kind else None]
        except KeyError:
            raise InvalidArgument(f"kind: unknown data kind {kind!r} (smes, regions, development, affinity)",
                                  InvalidArgument.status, field="kind", value=str(kind)) from None
        opts.lenient = 0 if strict else 1
        opts.dry_run = 1 if dry_run else 0

        def on_problem(diag: Any, _userdata: Any) -> int:
            try:
                with callback():
                    d = diag.contents
                    problems.append(Problem(status=d.status, message=text(d.message), file=text(d.file),
                                            line=int(d.line), column=int(d.column), field=text(d.field),
                                            value=text(d.value)))
                    return 0
            except BaseException as exc:  # noqa: B902
                sink.put(exc)
                return 1

        cb = _ffi.DIAG_FN(on_problem)
        opts.on_problem = cb
        return opts, (cb, enc)

    def load(self, path: PathArg, *, format: Optional[str] = None, kind: Optional[str] = None,
             strict: bool = True, dry_run: bool = False, delimiter: Optional[str] = None,
             encoding: Optional[str] = None) -> LoadReport:
        """Loads SMEs (or regions, development indices, affinities) from a CSV or JSON file.

        Args:
            path:    the file; its extension chooses the format unless ``format`` is given
            format:  ``"csv"`` or ``"json"``
            kind:    ``"smes"``, ``"regions"``, ``"development"`` or ``"affinity"``;
                     default: from the CSV header or the JSON keys
            strict:  True (default): the first problem raises (e.g.
                     :class:`ParseError` with ``file``, ``line`` and ``field``)
                     and nothing is loaded. False: bad records are skipped and
                     listed in the report's ``problems``.
            dry_run: validate only; change nothing
            delimiter: CSV delimiter ``","``, ``";"`` or ``"tab"``; default: detected from the header line
            encoding: the file's encoding as iconv names it (``"windows-1250"``); default UTF-8

        Returns:
            a :class:`LoadReport` (``rows``, ``loaded``, ``skipped``, ``problems``).
        """
        problems: List[Problem] = []
        sink = _callbacks.Sink()
        opts, _keep = self._load_options(format, kind, strict, dry_run, sink, problems, delimiter, encoding)
        report = _ffi.LoadReport()
        encoded = os.fsencode(os.fspath(path))
        with self._changing() as h:
            try:
                lib.sm_load_file(h, encoded, byref(opts), byref(report))
            except Error:
                sink.reraise()
                raise
        return LoadReport(rows=report.rows, loaded=report.loaded, skipped=report.skipped, problems=problems)

    def loads(self, data: Union[str, bytes], *, name: Optional[str] = None, format: Optional[str] = None,
              kind: Optional[str] = None, strict: bool = True, dry_run: bool = False,
              delimiter: Optional[str] = None, encoding: Optional[str] = None) -> LoadReport:
        """Like :meth:`load` for data in memory; ``name`` is used in messages.

        Without ``format``, data starting with ``{`` or ``[`` is JSON, otherwise CSV.
        ``encoding`` applies to ``bytes`` only (a ``str`` is sent as UTF-8).
        """
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if isinstance(data, str):
            encoding = None
        problems: List[Problem] = []
        sink = _callbacks.Sink()
        opts, _keep = self._load_options(format, kind, strict, dry_run, sink, problems, delimiter, encoding)
        report = _ffi.LoadReport()
        with self._changing() as h:
            try:
                lib.sm_load_buffer(h, raw, len(raw), cstr(name, "name") if name is not None else None,
                                   byref(opts), byref(report))
            except Error:
                sink.reraise()
                raise
        return LoadReport(rows=report.rows, loaded=report.loaded, skipped=report.skipped, problems=problems)

    # ---- SMEs ---------------------------------------------------------------------------

    def _desc(self, h: Any, sme: SmeArg) -> Tuple[Any, List[Any]]:
        """An sm_sme_desc for a record, and the objects that must outlive its use."""
        if isinstance(sme, SME):
            get = sme.__dict__.get
        elif isinstance(sme, Mapping):
            get = sme.get
            unknown = set(sme) - set(SME.__dataclass_fields__)
            if unknown:
                raise TypeError(f"unknown SME field(s): {', '.join(sorted(map(str, unknown)))}")
        else:
            raise TypeError(f"an SME must be an SME record or a mapping, not {type(sme).__name__}")
        keep: List[Any] = []
        d = _ffi.SmeDesc()
        lib.sm_sme_desc_init(byref(d), _ffi.SME_DESC_VERSION)
        sme_id = get("id")
        if sme_id is None:
            raise TypeError("an SME needs an id")
        d.id = cstr(sme_id, "id")
        name = get("name")
        d.name = cstr(name, "name") if name else None
        region = get("region")
        if region is None:
            raise TypeError(f"SME {sme_id!r} needs a region")
        d.region = cstr(region, "region")
        sectors = get("sectors")
        if sectors is None:
            raise TypeError(f"SME {sme_id!r} needs sectors")
        for attr, values in (("sectors", sectors), ("offers", get("offers")), ("needs", get("needs")),
                             ("languages", get("languages"))):
            arr, n = str_array(values, attr)
            keep.append(arr)
            setattr(d, attr, arr)
            setattr(d, "n_" + attr, n)
        size = get("size")
        if size is None or size == "":
            d.size = 0
        elif isinstance(size, int):
            d.size = size
        else:
            out = c_int()
            lib.sm_size_parse(byref(out), cstr(size, "size"))
            d.size = out.value
        employees = get("employees")
        d.employees = -1 if employees is None else int(employees)
        founded = get("founded")
        d.founded = 0 if founded is None else int(founded)
        d.cooperation = self._cooperation_bits(h, get("cooperation"))
        return d, keep

    def _cooperation_bits(self, h: Any, value: Any) -> int:
        if value is None:
            return 0
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            value = [value]
        bits = 0
        out = c_uint32()
        for name in value:
            lib.sm_cooperation_parse(byref(out), h, cstr(name, "cooperation"))
            bits |= out.value
        return bits

    def _cooperation_names(self, h: Any, bits: int) -> List[str]:
        names = []
        for i in range(32):
            if bits & (1 << i):
                names.append(text(lib.sm_cooperation_name(h, 1 << i)) or f"bit{i}")
        return names

    def add_sme(self, id: Union[str, SME], *, region: Optional[str] = None,
                sectors: Optional[Sequence[str]] = None, name: Optional[str] = None,
                size: Union[str, int, None] = None, employees: Optional[int] = None,
                founded: Optional[int] = None, offers: Sequence[str] = (), needs: Sequence[str] = (),
                cooperation: Union[Sequence[str], int] = (), languages: Sequence[str] = (),
                defer: bool = False) -> None:
        """Inserts an SME, or replaces the one with the same id.

        Pass the fields as keywords, or an :class:`SME` record as the only
        argument. ``sectors``: NACE codes in any usual spelling, the first is
        primary. ``size``: ``"micro"``, ``"small"``, ``"medium"``, ``"large"``
        (derived from ``employees`` if omitted). ``cooperation``: names such as
        ``"subcontracting"``, ``"rnd"``, or names added with
        :meth:`register_cooperation`.

        Raises :class:`BadId`, :class:`BadCode` (malformed code or tag),
        :class:`UnknownCode` (region or sector not in the engine),
        :class:`RangeError`, :class:`UnknownName` (size or cooperation type),
        :class:`LimitExceeded`; the engine is then unchanged.

        ``defer=True`` checks the record the same way, queues it and returns
        without waiting for running queries; it is published within about a
        millisecond (:meth:`configure_defer`), and :meth:`flush` waits until
        it is visible (docs/embedding.md, "Deferred changes").
        """
        if isinstance(id, SME):
            record: SmeArg = id
        else:
            record = dict(id=id, region=region, sectors=sectors, name=name, size=size, employees=employees,
                          founded=founded, offers=offers, needs=needs, cooperation=cooperation,
                          languages=languages)
        with self._changing() as h:
            d, _keep = self._desc(h, record)
            if defer:
                lib.sm_sme_put_deferred(h, byref(d))
            else:
                lib.sm_sme_put(h, byref(d))

    def add_smes(self, smes: Union[Iterable[SmeArg], Any]) -> int:
        """Inserts or replaces many SMEs at once, all or nothing.

        ``smes`` is a pandas DataFrame (one row per SME, columns named as in
        the CSV format), or yields :class:`SME` records or mappings (a row of
        ``csv.DictReader``, ``df.to_dict("records")``). Rows are read as the
        CSV loader reads them: ``;``-joined text in a list column is split,
        None, NaN and empty text are missing, whole numbers written as floats
        (``46.0``) are accepted, other columns are ignored. If any row is bad,
        the exception (with ``index``, the row's position, and a note naming
        the row and, for a value Python rejects, the column) is raised and the
        engine is unchanged. Returns the number applied.
        """
        bulk = _ffi._Bulk()
        with self._changing() as h:
            lib.sm_bulk_new(byref(bulk), h)
            try:
                rows = sme_rows(smes)
                i = 0
                while True:
                    try:
                        label, sme = next(rows)
                    except StopIteration:
                        break
                    except (TypeError, ValueError) as exc:
                        exc.index = i  # type: ignore[attr-defined]
                        raise
                    try:
                        d, _keep = self._desc(h, sme)
                        lib.sm_bulk_put(bulk, byref(d))
                    except (Error, TypeError, ValueError) as exc:
                        exc.index = i  # type: ignore[attr-defined]
                        if hasattr(exc, "add_note"):
                            field = getattr(exc, "field", None)
                            exc.add_note(f"in SME record {i} (row {label})" + (f", column {field!r}" if field else ""))
                        raise
                    i += 1
                n = lib.sm_bulk_count(bulk)
                lib.sm_bulk_commit(bulk)
                return n
            finally:
                lib.sm_bulk_free(bulk)

    def _record(self, ptr: Any, h: Any) -> SME:
        d = ptr.contents
        try:
            return SME(id=text(d.id), name=text(d.name), region=text(d.region),
                       sectors=read_str_list(d.sectors, d.n_sectors),
                       size=text(lib.sm_size_name(d.size)) or "unknown",
                       employees=d.employees if d.employees >= 0 else None,
                       founded=d.founded or None,
                       offers=read_str_list(d.offers, d.n_offers), needs=read_str_list(d.needs, d.n_needs),
                       cooperation=self._cooperation_names(h, d.cooperation),
                       languages=read_str_list(d.languages, d.n_languages))
        finally:
            lib.sm_sme_desc_free(ptr)

    def get(self, id: str, default: Any = None) -> Any:
        """The SME with this id, or ``default``."""
        if isinstance(id, str) and "\0" in id:
            return default
        try:
            return self[id]
        except NotFound:
            return default

    def __getitem__(self, id: str) -> SME:
        """The SME with this id (a copy); :class:`NotFound` (a KeyError) if none."""
        out = POINTER(_ffi.SmeDesc)()
        with self._owner as h:
            lib.sm_sme_get(byref(out), h, cstr(id, "id"))
            return self._record(out, h)

    def __contains__(self, id: object) -> bool:
        """Whether an SME with this id is in the engine."""
        if not isinstance(id, str) or "\0" in id:
            return False
        with self._owner as h:
            return bool(lib.sm_sme_contains(h, id.encode("utf-8")))

    def __len__(self) -> int:
        """The number of SMEs."""
        with self._owner as h:
            return lib.sm_sme_count(h)

    def __iter__(self) -> Iterator[SME]:
        """Yields every SME record (do not add or remove SMEs meanwhile)."""
        i = 0
        while True:
            out = POINTER(_ffi.SmeDesc)()
            with self._owner as h:
                if i >= lib.sm_sme_count(h):
                    return
                lib.sm_sme_at(byref(out), h, i)
                rec = self._record(out, h)
            yield rec
            i += 1

    def ids(self) -> List[str]:
        """The ids of all SMEs, in engine order."""
        return [s.id for s in self]

    def remove(self, id: str, *, defer: bool = False) -> None:
        """Removes the SME with this id; :class:`NotFound` if none.

        ``defer=True`` queues the removal instead (as :meth:`add_sme` does);
        :class:`NotFound` then means that neither the engine nor the queue
        holds the id."""
        with self._changing() as h:
            if defer:
                lib.sm_sme_remove_deferred(h, cstr(id, "id"))
            else:
                lib.sm_sme_remove(h, cstr(id, "id"))

    def flush(self) -> None:
        """Waits until every change queued with ``defer=True`` before this
        call is visible to queries. Raises the first error met in publishing
        them since the last flush (that change was dropped, the others were
        published)."""
        with self._changing() as h:
            lib.sm_engine_flush(h)

    def configure_defer(self, *, max_delay_ms: float = 1.0, max_queued: int = 4096) -> None:
        """How deferred changes are published: a queued change waits at most
        ``max_delay_ms`` (0..10000) before its batch is published; at most
        ``max_queued`` (1..1048576) changes are queued at once, and a deferred
        call that finds the queue full waits for room."""
        opts = _ffi.DeferOptions(_ffi.DEFER_OPTIONS_VERSION, float(max_delay_ms), int(max_queued))
        with self._owner as h:
            lib.sm_engine_defer_configure(h, byref(opts))

    __delitem__ = remove

    # ---- taxonomies, affinity, cooperation types -----------------------------------------

    @property
    def regions(self) -> "Regions":
        """The regions: a read-only mapping code -> :class:`Region`, plus add() and friends."""
        return Regions(self)  # a new view each time: no reference cycle keeps the engine alive

    @property
    def sectors(self) -> "Sectors":
        """The sectors: a read-only mapping code (any NACE spelling) -> :class:`Sector`."""
        return Sectors(self)

    def affinity(self, sector_a: str, sector_b: str) -> float:
        """The sector affinity of two codes as scoring uses it (in [0, 1])."""
        out = c_double()
        with self._owner as h:
            lib.sm_affinity_get(byref(out), h, cstr(sector_a, "sector_a"), cstr(sector_b, "sector_b"))
        return out.value

    def set_affinity(self, sector_a: str, sector_b: str, value: float) -> None:
        """Sets one symmetric entry of the affinity matrix (divisions or sections)."""
        with self._changing() as h:
            lib.sm_affinity_set(h, cstr(sector_a, "sector_a"), cstr(sector_b, "sector_b"), float(value))

    def set_affinity_matrix(self, codes: Sequence[str], values: Sequence[Sequence[float]]) -> None:
        """Replaces the affinity matrix: ``values[i][j]`` for ``codes[i]``, ``codes[j]``
        (divisions or sections; made symmetric by the mean; pairs not covered get 0)."""
        n = len(codes)
        flat = [float(x) for row in values for x in row]
        if len(values) != n or len(flat) != n * n:
            raise InvalidArgument(f"values must be a {n} x {n} matrix", InvalidArgument.status)
        arr, _ = str_array(codes, "codes")
        mat = (c_double * max(1, n * n))(*flat)
        with self._changing() as h:
            lib.sm_affinity_set_matrix(h, arr, n, mat)

    def reset_affinity(self) -> None:
        """Restores the built-in affinity table."""
        with self._changing() as h:
            lib.sm_affinity_reset(h)

    def register_cooperation(self, name: str) -> int:
        """Adds a cooperation type name (returns its bit; the existing bit if known)."""
        out = c_uint32()
        with self._changing() as h:
            lib.sm_cooperation_register(byref(out), h, cstr(name, "name"))
        return out.value

    @property
    def cooperation_types(self) -> List[str]:
        """Every cooperation type name known to the engine, in bit order."""
        with self._owner as h:
            return [text(n) for n in (lib.sm_cooperation_name(h, 1 << i) for i in range(32)) if n]

    # ---- queries -------------------------------------------------------------------------

    @staticmethod
    def _query_options(h: Any, k: int, *, min_score: float = 0.0, cross_region: Optional[int] = None,
                       cross_border: bool = False, cross_sector: Optional[int] = None,
                       countries: Optional[Iterable[str]] = None,
                       exclude_countries: Optional[Iterable[str]] = None,
                       sizes: Optional[Iterable[Union[str, int]]] = None, max_km: Optional[float] = None,
                       exclude_ids: Optional[Iterable[str]] = None) -> Tuple[Any, List[Any]]:
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise InvalidArgument(f"k must be an int >= 0, not {k!r}", InvalidArgument.status, field="k",
                                  value=str(k))
        o = _ffi.QueryOptions()
        lib.sm_query_options_init(byref(o), _ffi.QUERY_OPTIONS_VERSION)
        keep: List[Any] = []
        o.k = k
        o.min_score = float(min_score)
        o.cross_region_level = _ffi.LEVEL_ANY if cross_region is None else _level(cross_region, "cross_region")
        o.cross_border = 1 if cross_border else 0
        o.cross_sector_level = _ffi.LEVEL_ANY if cross_sector is None else _level(cross_sector, "cross_sector")
        for attr, values in (("countries", countries), ("exclude_countries", exclude_countries),
                             ("exclude_ids", exclude_ids)):
            arr, n = str_array(values, attr)
            keep.append(arr)
            setattr(o, attr, arr)
            setattr(o, "n_" + attr, n)
        bits = 0
        if sizes is not None:
            if isinstance(sizes, (str, int)):
                sizes = [sizes]
            out = c_int()
            for s in sizes:
                if isinstance(s, int):
                    value = s
                else:
                    lib.sm_size_parse(byref(out), cstr(s, "sizes"))
                    value = out.value
                if not 0 <= value < 32:
                    raise InvalidArgument(f"sizes: bad size class {s!r}", InvalidArgument.status, field="sizes",
                                          value=str(s))
                bits |= 1 << value
        o.size_classes = bits
        o.max_km = 0.0 if max_km is None else float(max_km)
        return o, keep

    def top(self, id: str, k: int = 10, *, weighting: WeightingArg = None, min_score: float = 0.0,
            cross_region: Optional[int] = None, cross_border: bool = False, cross_sector: Optional[int] = None,
            countries: Optional[Iterable[str]] = None, exclude_countries: Optional[Iterable[str]] = None,
            sizes: Optional[Iterable[Union[str, int]]] = None, max_km: Optional[float] = None,
            exclude_ids: Optional[Iterable[str]] = None, explain: bool = True) -> Matches:
        """The best ``k`` partners of SME ``id``, best first.

        Args:
            id:                the querying SME
            k:                 how many partners (0 = none)
            weighting:         a :class:`Weighting`, a preset or :meth:`Weighting.parse`
                               text, a dict of weights, or None for ``"balanced"``
            min_score:         keep only totals >= this
            cross_region:      the partner's region must differ at this NUTS level (0..3)
            cross_border:      the partner must be in another country
            cross_sector:      the primary sectors must differ at this NACE level (1..4)
            countries:         the partner's country must be one of these
            exclude_countries: ... and not one of these
            sizes:             allowed size classes (``"micro"``, ``"small"``, ...)
            max_km:            maximum distance between the regions' points
            exclude_ids:       SMEs never returned
            explain:           fill each match's ``gives``, ``gets`` and ``reasons``
                               (and add them to :meth:`Matches.to_csv`/``to_json``)

        Returns:
            a :class:`Matches`: a list of :class:`Match` (``id``, ``score``,
            ``rank``, ``distance_km``, ``breakdown``, ``weights``) that can also
            be written as CSV or JSON (:meth:`Matches.to_csv`,
            :meth:`Matches.write`). Ties are broken by id, so results do not
            depend on insertion order or threads.

        Raises :class:`NotFound` for an unknown id; an exception raised by a
        custom criterion or combiner propagates as is.
        """
        out = _ffi._Result()
        with self._owner as h, _WeightingUse(weighting) as wh:
            opts, _keep = self._query_options(
                h, k, min_score=min_score, cross_region=cross_region, cross_border=cross_border,
                cross_sector=cross_sector, countries=countries, exclude_countries=exclude_countries,
                sizes=sizes, max_km=max_km, exclude_ids=exclude_ids)
            opts.weighting = wh
            with _callbacks.call_scope() as sink:
                try:
                    lib.sm_query_top(byref(out), h, cstr(id, "id"), byref(opts))
                except Error:
                    sink.reraise()
                    raise
            try:  # gives, gets and reasons come from the library (Match.reasons)
                if explain:
                    lib.sm_result_explain(out, h)
            except Error:
                lib.sm_result_free(out)
                raise
        # The result is independent of the engine; the Matches owns it from here on.
        return Matches._from_c(out, keep=True)

    def rank(self, id_a: str, id_b: str, k: int = 10, **filters: Any) -> "explanations.Rank":
        """"Why not b?": the rank and score of ``id_b`` in :meth:`top` ``(id_a, k, **filters)``
        and, when it is not in that result, the filter or bound that keeps it out
        (:class:`smartmatch.explanations.Rank`)."""
        weighting = filters.pop("weighting", None)
        with self._owner as h, _WeightingUse(weighting) as wh:
            opts, _keep = self._query_options(h, k, **filters)
            opts.weighting = wh
            with _callbacks.call_scope() as sink:
                try:
                    return explanations.rank(h, cstr(id_a, "id_a"), cstr(id_b, "id_b"), opts)
                except Error:
                    sink.reraise()
                    raise

    @property
    def history(self) -> "History":
        """The engine's cooperation history (experimental): :class:`smartmatch.history.History`."""
        from .history import History
        return History(self)

    def explain(self, id_a: str, id_b: str, *, weighting: WeightingArg = None) -> Explanation:
        """How SME ``id_b`` scores as a partner of ``id_a``, ignoring filters.

        Returns an :class:`Explanation` (a :class:`Match`) whose ``breakdown``
        gives every criterion's score and ``weights`` the weight it carried;
        ``print()`` shows them as a table. Raises :class:`InvalidArgument` if
        the two ids are equal, :class:`NotFound` for an unknown id.
        """
        out = _ffi._Result()
        with self._owner as h, _WeightingUse(weighting) as wh:
            with _callbacks.call_scope() as sink:
                try:
                    lib.sm_query_explain(byref(out), h, cstr(id_a, "id_a"), cstr(id_b, "id_b"), wh)
                except Error:
                    sink.reraise()
                    raise
        try:
            matches = convert(out)[3]
        finally:
            lib.sm_result_free(out)
        if len(matches) != 1:
            raise Error(f"explain returned {len(matches)} matches", -1)
        return Explanation(**matches[0].__dict__)

    def build_consortia(self, call: Any = None, *, lead: Optional[str] = None, weighting: WeightingArg = None,
                        k: int = 5, **options: Any) -> Any:
        """The best ``k`` eligible consortia for a funding call (experimental; docs/consortium.md).

        ``call`` is a preset name ("horizon-europe", "interreg-ce",
        "interreg-europe", "interreg-euro-med"), a :class:`~smartmatch.consortium.Call`
        or None (no rules); further keywords are keys of the call-profile
        format (``topics=["sensors"]``, ``size=(4, 8)``, ``min_countries=3``,
        ...) or search options (``pool``, ``leads``, ``min_differ``,
        ``max_nodes``). Without ``lead`` (or a ``lead`` key in the call) the
        lead is chosen by the call's lead rules. Returns a
        :class:`~smartmatch.consortium.Consortia` list, best first; when it is
        empty, its ``infeasible`` says which rule cannot be met and why.
        """
        from .consortium import build_consortia
        return build_consortia(self, call, lead=lead, weighting=weighting, k=k, **options)

    def plan_event(self, participants: Iterable[Any], *, slots: int, tables: int, **options: Any) -> Any:
        """Plans a brokerage event among ``participants`` (ids, or dicts with ``id``,
        ``capacity``, ``group``, ``unavailable``): which wished meetings take place
        (fairness first, then weight), in which slot and at which table.

        Options: ``wishes`` (tuples ``(a, b[, priority[, status[, slot[, table[, score]]]]])``
        or dicts), ``from_top`` (each participant's top-k partners among the participants),
        ``capacity`` (default 8), ``availability`` ({id: unavailable slots or session names}),
        ``sessions`` (``"morning=1-8@09:00,afternoon=10-16@13:30"`` or ``{"morning": (1, 8, "09:00"), ...}``:
        named slot ranges, breaks between them; idle gaps count within a session), ``files``
        ({"participants" | "requests" | "availability" | "locks": path}, each CSV or, named *.json, JSON), ``breaks``,
        ``locks`` (a schedule CSV whose meetings stay), ``fairness``, ``effort``,
        ``weighting``, ``steps`` ("all", "select", "schedule").

        Returns a :class:`smartmatch.events.EventPlan` with ``.meetings``,
        ``.agenda(id)``, ``.unscheduled`` (with reasons), ``.stats`` and ``.to_pandas()``.
        See docs/events.md.
        """
        from . import events
        return events.plan(self, participants, slots=slots, tables=tables, **options)

    def match_all(self, k: int = 10, *, threads: Optional[int] = None, weighting: WeightingArg = None,
                  ids: Optional[Iterable[str]] = None,
                  progress: Optional[Callable[[int, int], Any]] = None,
                  on_result: Optional[Callable[[str, Matches], Any]] = None,
                  output: Optional[OutputArg] = None, format: Optional[str] = None,
                  shard: Optional[Tuple[int, int]] = None, **filters: Any) -> Dict[str, Matches]:
        """Top-``k`` partners of every SME (or of ``ids``), computed on several threads.

        Args:
            k:         partners per SME
            threads:   worker threads; None = all CPUs
            weighting: as for :meth:`top`
            ids:       the SMEs to match; None = all
            progress:  called as ``progress(done, total)``; return a true value to
                       stop (then :class:`Cancelled` is raised)
            on_result: called as ``on_result(query_id, matches)`` for each SME as
                       it completes, instead of collecting the results (memory
                       then does not grow with the number of SMEs)
            output:    a file name or an open file: each SME's matches are
                       written to it as they complete, in the library's CSV or
                       JSON format (the bytes ``smartmatch batch`` writes),
                       instead of being collected. A file this call created is
                       removed if the run fails.
            format:    ``"csv"`` or ``"json"`` for ``output``; default from the
                       file name's extension
            shard:     ``(i, n)``: only the SMEs of shard ``i`` of ``n`` (by a
                       hash of the id, the same on every machine); the shards
                       0..n-1 together give the whole result, each SME once
            **filters: the filters of :meth:`top` (``cross_border=True``, ...)

        Returns:
            ``{query_id: Matches}`` in the order of ``ids``, or sorted by id
            when matching all; empty when ``on_result`` or ``output`` is given.
            Each entry equals ``top(query_id, k, ...)``.

        Callbacks (``progress``, ``on_result``, custom criteria) run on worker
        threads, one at a time for ``progress`` and ``on_result``; they must
        not change the engine. An exception raised in any of them stops the
        run and propagates.
        """
        if threads is None:
            nthreads = 0
        elif isinstance(threads, int) and not isinstance(threads, bool) and threads > 0:
            nthreads = threads
        else:
            raise InvalidArgument(f"threads must be a positive int or None, not {threads!r}",
                                  InvalidArgument.status, field="threads", value=str(threads))
        id_list = None if ids is None else [ids] if isinstance(ids, str) else list(ids)
        code = format_code(format, output) if output is not None else None
        collect = on_result is None and output is None
        results: Dict[str, Matches] = {}
        sink = _callbacks.Sink()
        writer: Optional[StreamWriter] = None

        def result_cb(res: Optional[int], _userdata: Any) -> int:
            try:
                with callback():
                    handle = _ffi._Result(res)
                    if writer is not None:
                        writer.put(handle)
                    if on_result is not None or collect:
                        matches = Matches._from_c(handle, keep=False)  # borrowed: the library frees it
                        if on_result is not None:
                            on_result(matches.query_id, matches)
                        else:
                            results[matches.query_id] = matches
                    return 0
            except BaseException as exc:  # noqa: B902
                sink.put(exc)
                return 1

        def progress_cb(done: int, total: int, _userdata: Any) -> int:
            try:
                with callback():
                    return 1 if progress(done, total) else 0  # type: ignore[misc]
            except BaseException as exc:  # noqa: B902
                sink.put(exc)
                return 1

        c_result = _ffi.BATCH_RESULT_FN(result_cb)
        c_progress = _ffi.PROGRESS_FN(progress_cb) if progress is not None else _ffi.PROGRESS_FN()
        with self._owner as h, _WeightingUse(weighting) as wh:
            qopts, _keep = self._query_options(h, k, **filters)
            qopts.weighting = wh
            bopts = _ffi.BatchOptions()
            lib.sm_batch_options_init(byref(bopts), _ffi.BATCH_OPTIONS_VERSION)
            bopts.query = pointer(qopts)
            bopts.threads = nthreads
            id_arr, n_ids = str_array(id_list, "ids")
            bopts.ids = id_arr
            bopts.n_ids = n_ids
            bopts.on_result = c_result
            bopts.on_progress = c_progress
            if output is not None:
                writer = StreamWriter(output, code)  # type: ignore[arg-type]
            ok = False
            try:
                # The library reads "no ids" as "all SMEs"; an empty list here means none.
                if id_list is None or id_list:
                    with _callbacks.batch_scope(h.value or 0, sink):
                        try:
                            if shard is None:
                                lib.sm_batch_run(h, byref(bopts))
                            else:
                                lib.sm_batch_run_shard(h, byref(bopts), *_shard(shard))
                        except Error:
                            sink.reraise()
                            raise
                if writer is not None:
                    writer.finish(_criteria(wh))
                ok = True
            finally:
                if writer is not None:
                    writer.close()
                    if not ok and isinstance(output, (str, os.PathLike)):
                        try:
                            os.remove(output)  # no truncated output left behind
                        except OSError:
                            pass
        if not collect:
            return {}
        order = id_list if id_list is not None else sorted(results)
        return {q: results[q] for q in order if q in results}


    def overview(self, k: int = 10, *, level: int = 2, sector_level: int = 1, best: int = 5,
                 threads: Optional[int] = None, weighting: WeightingArg = None,
                 progress: Optional[Callable[[int, int], Any]] = None, themes: Any = None, history: Any = None,
                 **filters: Any) -> "Overview":
        """The regional-networking overview of every SME's top-``k`` partners
        (experimental): region x region at NUTS ``level``, sector x sector at
        NACE ``sector_level``, region x theme, ``best`` potential cooperations
        per cell. ``weighting``, ``progress`` and ``**filters`` as for
        :meth:`match_all`. ``themes``: user-defined themes for region x theme
        (a :class:`~smartmatch.overview.Themes`, a ``theme,tag`` CSV or JSON
        path, or a dict ``{theme: [tags]}``). ``history``: a cooperation file
        (or a list of them) loaded into :attr:`history` first; with any history
        the overview has ``realised`` and ``untapped``. See
        :mod:`smartmatch.overview` and docs/overview.md.
        """
        from .overview import make, themes_use
        if history is not None:
            for path in [history] if isinstance(history, (str, bytes, os.PathLike)) else list(history):
                self.history.load(path)
        with self._owner as h, _WeightingUse(weighting) as wh, themes_use(themes) as th:
            qopts, _keep = self._query_options(h, k, **filters)
            return make(self, h, qopts, wh, level=level, sector_level=sector_level, best=best, threads=threads,
                        progress=progress, themes=th)


def _shard(shard: Any) -> Tuple[int, int]:
    try:
        i, n = (int(x) for x in shard)
    except (TypeError, ValueError):
        raise InvalidArgument(f"shard must be a pair (i, n), not {shard!r}", InvalidArgument.status,
                              field="shard", value=str(shard)) from None
    if not 0 <= i < n:
        raise InvalidArgument(f"shard {i} of {n}: shards are 0 .. n - 1", InvalidArgument.status, field="shard",
                              value=str(shard))
    return i, n


def _criteria(weighting_handle: Any) -> List[str]:
    """Criterion names of a weighting handle (None: the library's default, the built-in ones)."""
    if not weighting_handle:
        return list(_ffi.BUILTIN_CRITERIA)
    name = ctypes.c_char_p()
    names = []
    for i in range(lib.sm_weighting_count(weighting_handle)):
        lib.sm_weighting_at(byref(name), None, weighting_handle, i)
        names.append(text(name.value))
    return names


def _level(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{what} must be a level (int) or None, not {value!r}", InvalidArgument.status,
                              field=what, value=str(value))
    return value


_T = TypeVar("_T")


class _CodeTable(Mapping[str, _T]):
    """A read-only mapping from a code to the engine's record for it, over
    the C functions get/count/at of one kind (regions or sectors)."""

    _info: Any        # the ctypes struct of a record
    _what = "record"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # the three C functions and the converter, set by subclasses
    @staticmethod
    def _get(out: Any, h: Any, code: bytes) -> int: raise NotImplementedError
    @staticmethod
    def _count(h: Any) -> int: raise NotImplementedError
    @staticmethod
    def _at(out: Any, h: Any, i: int) -> int: raise NotImplementedError
    @staticmethod
    def _convert(info: Any) -> _T: raise NotImplementedError

    def __getitem__(self, code: str) -> _T:
        out = POINTER(self._info)()
        with self._engine._owner as h:
            self._get(byref(out), h, cstr(code, "code"))
            return self._convert(out.contents)

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str) or "\0" in code:
            return False
        try:
            self[code]
        except (NotFound, BadCode):
            return False
        return True

    def get(self, code: str, default: Any = None) -> Any:  # type: ignore[override]
        """The record for this code, or ``default`` (also for a malformed code)."""
        if isinstance(code, str) and "\0" in code:
            return default
        try:
            return self[code]
        except (NotFound, BadCode):
            return default

    def __len__(self) -> int:
        with self._engine._owner as h:
            return self._count(h)

    def __iter__(self) -> Iterator[str]:
        for rec in self.records():
            yield rec.code  # type: ignore[attr-defined]

    def records(self) -> Iterator[_T]:
        """Every record, in engine order."""
        i = 0
        out = POINTER(self._info)()
        while True:
            with self._engine._owner as h:
                if i >= self._count(h):
                    return
                self._at(byref(out), h, i)
                rec = self._convert(out.contents)
            yield rec
            i += 1


class Regions(_CodeTable[Region]):
    """The regions of an engine: a read-only mapping from NUTS code to :class:`Region`.

    ``eng.regions["SI032"]``, ``"SI032" in eng.regions``, ``len(eng.regions)``,
    ``for code in eng.regions``, ``eng.regions.values()``. Also adds regions
    and answers distance and development questions. ``records()`` yields
    every :class:`Region` in engine order (built-ins first by level, then code).
    """

    _info = _ffi.RegionInfo
    _get = staticmethod(lambda out, h, code: lib.sm_region_get(out, h, code))
    _count = staticmethod(lambda h: lib.sm_region_count(h))
    _at = staticmethod(lambda out, h, i: lib.sm_region_at(out, h, i))
    _convert = staticmethod(lambda info: _region(info))

    def add(self, code: str, name: str, lat: float, lon: float, *, development: Optional[float] = None,
            languages: Sequence[str] = ()) -> None:
        """Adds a region (its parent must exist) or replaces the name, point,
        development index and languages of an existing one."""
        d = _ffi.RegionDesc()
        d.version = _ffi.REGION_DESC_VERSION
        d.code = cstr(code, "code")
        d.name = cstr(name, "name")
        d.lat = float(lat)
        d.lon = float(lon)
        d.development = math.nan if development is None else float(development)
        arr, n = str_array(languages, "languages")
        d.languages = arr
        d.n_languages = n
        with self._engine._changing() as h:
            lib.sm_region_put(h, byref(d))

    def set_development(self, code: str, development: Optional[float]) -> None:
        """Sets (or with None clears) a region's development index (> 0, e.g. GDP/head PPS, EU = 100)."""
        with self._engine._changing() as h:
            lib.sm_region_set_development(h, cstr(code, "code"),
                                          math.nan if development is None else float(development))

    def development(self, code: str) -> Optional[float]:
        """The development index scoring uses: the region's own, else the nearest ancestor's; None if none."""
        with self._engine._owner as h:
            return _nan_to_none(lib.sm_region_development(h, cstr(code, "code")))

    def distance_km(self, code_a: str, code_b: str) -> float:
        """Great-circle distance between the representative points of two regions."""
        out = c_double()
        with self._engine._owner as h:
            lib.sm_region_distance_km(byref(out), h, cstr(code_a, "code_a"), cstr(code_b, "code_b"))
        return out.value

    def neighbours(self, code_a: str, code_b: str) -> bool:
        """Whether two regions are neighbours as the region-reach criterion sees them
        (their ancestors at the coarser of the two levels share a border).
        False if either code is unknown."""
        with self._engine._owner as h:
            return bool(lib.sm_region_neighbours(h, cstr(code_a, "code_a"), cstr(code_b, "code_b")))

    def __repr__(self) -> str:
        return f"<smartmatch.Regions of {self._engine!r}>"


class Sectors(_CodeTable[Sector]):
    """The sectors of an engine: a read-only mapping from NACE code to :class:`Sector`.

    Look-ups accept any usual spelling (``"C25.11"``, ``"2511"``, ``"25.11"``);
    iteration yields normalised codes.
    """

    _info = _ffi.SectorInfo
    _get = staticmethod(lambda out, h, code: lib.sm_sector_get(out, h, code))
    _count = staticmethod(lambda h: lib.sm_sector_count(h))
    _at = staticmethod(lambda out, h, i: lib.sm_sector_at(out, h, i))
    _convert = staticmethod(lambda info: _sector(info))

    def add(self, code: str, name: str, section: Optional[str] = None) -> None:
        """Adds a sector or renames one; a new division needs its ``section`` letter."""
        with self._engine._changing() as h:
            lib.sm_sector_put(h, cstr(code, "code"), cstr(name, "name"),
                              cstr(section, "section") if section is not None else None)

    @staticmethod
    def normalize(code: str) -> str:
        """The normalised spelling of a NACE code (``"C25.11"`` -> ``"25.11"``); does not check existence."""
        return normalize_sector(code)

    def __repr__(self) -> str:
        return f"<smartmatch.Sectors of {self._engine!r}>"


def fold(text_: str) -> str:
    """The key under which the engine compares tags (``sm_text_fold``):
    Unicode NFKC, full case folding and white space collapsed, so that
    ``fold("ŽELEZNÉ  ODLITKY") == fold("železné odlitky")``.

    Raises :class:`BadCode` (control characters, only white space) or
    :class:`LimitExceeded`.
    """
    buf = ctypes.create_string_buffer(4 * _ffi.TAG_MAX + 1)
    lib.sm_text_fold(buf, len(buf), cstr(text_, "text"))
    return text(buf.value)


def normalize_sector(code: str) -> str:
    """The normalised spelling of a NACE code (``"C 25.11"``, ``"2511"`` -> ``"25.11"``).

    Raises :class:`BadCode` if the text has no NACE shape. Does not check
    that the code exists.
    """
    buf = ctypes.create_string_buffer(_ffi.SECTOR_CODE_MAX + 1)
    lib.sm_sector_normalize(buf, len(buf), cstr(code, "code"))
    return text(buf.value)
