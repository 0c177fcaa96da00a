"""Weightings: which criteria count, how much, and how they combine."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_char_p, c_double, c_void_p
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _callbacks, _ffi
from ._ffi import cstr, lib, text
from ._handle import Closable, Owner
from .errors import InvalidArgument, UnknownName
from .records import Pair

__all__ = ["Weighting", "PARAMS"]

#: Parameters of the built-in criteria (docs/scoring.md gives their defaults).
PARAMS: Tuple[str, ...] = (
    "complementarity.reciprocity",
    "region_reach.scale_km",
    "region_reach.cross_border_bonus",
    "region_reach.neighbour_bonus",
    "cohesion.full_ratio",
    "sector_affinity.secondary_factor",
)

def _fold(name: str) -> str:
    """A name as the library compares it: ASCII case ignored, "-" read as "_"."""
    return name.lower().replace("-", "_")


CriterionFn = Callable[[Pair], float]
CombinerFn = Callable[[Sequence[float], Sequence[float]], float]


class Weighting(Closable):
    """A weight per criterion, the parameters of the built-in criteria,
    optional custom criteria written in Python, and a combiner.

    ``Weighting()`` equals the ``"balanced"`` preset. Other ways to make one::

        w = Weighting.preset("cross_border")
        w = Weighting.parse("supply_chain,complementarity=3,combiner=geometric")

    It behaves like a mapping from criterion name to weight::

        w["complementarity"] = 3.0
        dict(w.items())          # {'complementarity': 3.0, 'sector_affinity': ...}

    Custom criteria are Python callables taking a :class:`~smartmatch.Pair`
    and returning a score in [0, 1] (clamped; NaN fails the query with
    :class:`~smartmatch.CallbackError`; an exception propagates to the caller
    of the query)::

        w.add_criterion("same_country", lambda p: float(p.a.country == p.b.country), weight=0.5)

    Queries on many threads may share one weighting; changing it while a
    query uses it raises :class:`~smartmatch.InvalidArgument` (the library
    reads it without a lock): change a :meth:`copy` instead. It holds a C object: use it as a context manager
    or call :meth:`close` to free it at once; otherwise garbage collection
    frees it.
    """

    __slots__ = ("_owner", "_combiner_fn", "__weakref__")

    def __init__(self) -> None:
        out = _ffi._Weighting()
        lib.sm_weighting_new(byref(out))
        self._adopt(out)

    def _adopt(self, handle: Any) -> None:
        self._owner = Owner(handle, lib.sm_weighting_free, "weighting")
        self._combiner_fn: Optional[CombinerFn] = None

    @classmethod
    def _wrap(cls, handle: Any, combiner_fn: Optional[CombinerFn] = None) -> "Weighting":
        self = cls.__new__(cls)
        self._adopt(handle)
        self._combiner_fn = combiner_fn
        return self

    # ---- constructors ------------------------------------------------------

    @classmethod
    def preset(cls, name: str) -> "Weighting":
        """A named preset: see :meth:`presets` (``-`` and ``_`` are interchangeable).

        Raises :class:`~smartmatch.UnknownName` for an unknown name.
        """
        out = _ffi._Weighting()
        lib.sm_weighting_preset(byref(out), cstr(name, "name"))
        return cls._wrap(out)

    @classmethod
    def parse(cls, spec: str) -> "Weighting":
        """Parses text such as ``"cross_border,complementarity=3,cohesion=0.5"``.

        An optional preset name comes first; then ``name=value`` items naming
        criteria, parameters (``region_reach.scale_km=300``) or
        ``combiner=mean|geometric|min``. Without a preset, criteria not named
        get weight 0. Raises :class:`~smartmatch.UnknownName`,
        :class:`~smartmatch.RangeError` or :class:`~smartmatch.ParseError`
        naming the bad item.
        """
        out = _ffi._Weighting()
        lib.sm_weighting_parse(byref(out), cstr(spec, "spec"))
        return cls._wrap(out)

    @staticmethod
    def presets() -> List[str]:
        """Names of the built-in presets."""
        return [text(lib.sm_weighting_preset_name(i)) for i in range(lib.sm_weighting_preset_count())]

    def copy(self) -> "Weighting":
        """An independent copy (custom criteria share their Python callables)."""
        out = _ffi._Weighting()
        with self._owner as h:
            lib.sm_weighting_copy(byref(out), h)
        return Weighting._wrap(out, self._combiner_fn)

    __copy__ = copy

    def __deepcopy__(self, memo: Any) -> "Weighting":
        return self.copy()

    # ---- life cycle ----------------------------------------------------------

    def __enter__(self) -> "Weighting":
        return self

    # ---- weights as a mapping ------------------------------------------------

    def __getitem__(self, name: str) -> float:
        """The weight of a criterion; :class:`~smartmatch.UnknownName` (a ValueError) if none."""
        out = c_double()
        with self._owner as h:
            lib.sm_weighting_get(byref(out), h, cstr(name, "name"))
        return out.value

    def __setitem__(self, name: str, weight: float) -> None:
        """Sets the weight (>= 0, finite) of a built-in or custom criterion."""
        with self._owner.modify() as h:
            lib.sm_weighting_set(h, cstr(name, "name"), float(weight))

    def __len__(self) -> int:
        with self._owner as h:
            return lib.sm_weighting_count(h)

    def items(self) -> List[Tuple[str, float]]:
        """(criterion, weight) pairs: built-in criteria first, then custom ones in order of addition."""
        name = c_char_p()
        weight = c_double()
        out = []
        with self._owner as h:
            for i in range(lib.sm_weighting_count(h)):
                lib.sm_weighting_at(byref(name), byref(weight), h, i)
                out.append((text(name.value), weight.value))
        return out

    def keys(self) -> List[str]:
        """Criterion names, in order."""
        return [k for k, _ in self.items()]

    def values(self) -> List[float]:
        """Weights, in the order of :meth:`keys`."""
        return [v for _, v in self.items()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, name: object) -> bool:
        """Whether the weighting has this criterion (names match as in the
        library: ignoring ASCII case, ``-`` and ``_`` alike)."""
        if not isinstance(name, str) or "\0" in name:
            return False
        try:
            self[name]
        except UnknownName:
            return False
        return True

    def as_dict(self) -> Dict[str, float]:
        """The weights as a plain dict."""
        return dict(self.items())

    def update(self, weights: Union[Mapping[str, float], None] = None, **kw: float) -> None:
        """Sets several weights at once, like :meth:`dict.update`."""
        for name, w in dict(weights or {}, **kw).items():
            self[name] = w

    # ---- parameters ------------------------------------------------------------

    def set_param(self, name: str, value: Union[float, str]) -> None:
        """Sets a parameter of a built-in criterion (see :data:`PARAMS`).

        ``complementarity.reciprocity`` also takes its name: ``"harmonic"``,
        ``"arithmetic"``, ``"max"`` or ``"min"``.
        """
        if isinstance(value, str):
            if _fold(name) != "complementarity.reciprocity" or _fold(value) not in _ffi.RECIPROCITIES:
                raise InvalidArgument(f"{name}: not a number: {value!r}", InvalidArgument.status,
                                      field=name, value=value)
            value = _ffi.RECIPROCITIES.index(_fold(value))
        with self._owner.modify() as h:
            lib.sm_weighting_set_param(h, cstr(name, "name"), float(value))

    def get_param(self, name: str) -> float:
        """A parameter of a built-in criterion; :class:`~smartmatch.UnknownName` if none."""
        out = c_double()
        with self._owner as h:
            lib.sm_weighting_get_param(byref(out), h, cstr(name, "name"))
        return out.value

    @property
    def params(self) -> Dict[str, float]:
        """Every parameter of :data:`PARAMS` with its value."""
        return {name: self.get_param(name) for name in PARAMS}

    # ---- combiner and custom criteria ---------------------------------------------

    @property
    def combiner(self) -> Union[str, CombinerFn]:
        """``"mean"`` (default), ``"geometric"``, ``"min"``, or the Python callable set.

        Assign a name or a callable ``fn(scores, weights) -> float`` receiving
        two equal-length lists (every criterion, built-in first, weights 0
        included) and returning the total in [0, 1].
        """
        with self._owner as h:
            idx = lib.sm_weighting_combiner(h)
        if idx == 3 and self._combiner_fn is not None:
            return self._combiner_fn
        return _ffi.COMBINERS[idx] if 0 <= idx < len(_ffi.COMBINERS) else str(idx)

    @combiner.setter
    def combiner(self, value: Union[str, CombinerFn]) -> None:
        if isinstance(value, str):
            if _fold(value) not in _ffi.COMBINERS[:3]:
                raise InvalidArgument(f"combiner: unknown combiner {value!r} (mean, geometric, min or a callable)",
                                      InvalidArgument.status, field="combiner", value=value)
            with self._owner.modify() as h:
                lib.sm_weighting_set_combiner(h, _ffi.COMBINERS.index(_fold(value)), _ffi.COMBINE_FN(), None,
                                              _ffi.DESTROY_FN())
            self._combiner_fn = None
            return
        if not callable(value):
            raise TypeError("combiner must be 'mean', 'geometric', 'min' or a callable")
        key = _callbacks.register(value)
        try:
            with self._owner.modify() as h:
                lib.sm_weighting_set_combiner(h, 3, _callbacks.COMBINE, c_void_p(key), _callbacks.DESTROY)
        except BaseException:
            _callbacks.unregister(key)
            raise
        self._combiner_fn = value

    def add_criterion(self, name: str, fn: CriterionFn, weight: float = 1.0) -> None:
        """Adds a custom criterion, or replaces the function of the one with that name.

        ``fn(pair)`` gets a :class:`~smartmatch.Pair` and returns a score in
        [0, 1]. It may run on several threads at once (batch runs call it from
        worker threads) and must not modify the engine. The weighting keeps
        ``fn`` alive as long as any copy of it uses it (so a function that
        refers to its own weighting keeps both alive until :meth:`close`).

        Raises :class:`~smartmatch.BadCode` (name not ``[a-z0-9_]{1,32}``),
        :class:`~smartmatch.Duplicate` (a built-in name),
        :class:`~smartmatch.RangeError` or :class:`~smartmatch.LimitExceeded`.
        """
        if not callable(fn):
            raise TypeError("fn must be callable")
        key = _callbacks.register(fn)
        try:
            with self._owner.modify() as h:
                lib.sm_weighting_add_criterion(h, cstr(name, "name"), _callbacks.CRITERION, c_void_p(key),
                                               _callbacks.DESTROY, float(weight))
        except BaseException:
            _callbacks.unregister(key)  # on failure the library does not take the user data
            raise

    # ---- text -------------------------------------------------------------------

    def __str__(self) -> str:
        """The weighting as text that :meth:`parse` reads back (custom criteria cannot be recreated)."""
        out = c_void_p()
        with self._owner as h:
            lib.sm_weighting_to_string(byref(out), h)
        try:
            return text(ctypes.string_at(out.value))
        finally:
            lib.sm_free(out)

    def __repr__(self) -> str:
        if self.closed:
            return "<smartmatch.Weighting closed>"
        try:
            return f"<smartmatch.Weighting {str(self)!r}>"
        except Exception:
            return "<smartmatch.Weighting>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Weighting):
            return NotImplemented
        return (self.items() == other.items() and self.params == other.params
                and self.combiner == other.combiner)

    __hash__ = None  # type: ignore[assignment]  # mutable


def resolve(weighting: Union[None, str, Mapping[str, float], Weighting]) -> Tuple[Optional[Weighting], bool]:
    """The Weighting for a ``weighting=`` argument and whether it is a temporary.

    Accepts None (the library's "balanced"), a Weighting, a text for
    :meth:`Weighting.parse` (a preset name is valid text), or a mapping of
    weights (criteria not named get 0, as in :meth:`Weighting.parse`).
    """
    if weighting is None or isinstance(weighting, Weighting):
        return weighting, False
    if isinstance(weighting, str):
        return Weighting.parse(weighting), True
    if isinstance(weighting, Mapping):
        w = Weighting()
        try:
            for name in w.keys():
                w[name] = 0.0
            for name, value in weighting.items():
                w[name] = value
        except BaseException:
            w.close()
            raise
        return w, True
    raise TypeError("weighting must be a Weighting, a str, a mapping of weights or None")
