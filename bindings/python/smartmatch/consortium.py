"""The consortium builder (experimental C API): call profiles and eligible
project consortia for a funding call, explained rule by rule.

::

    with sm.Engine() as eng:
        eng.load("examples/data/cadses_smes.csv")
        eng.load("examples/data/cadses_development.csv")
        for c in eng.build_consortia("interreg-ce", lead="SI-00001",
                                     topics=["sensors", "iot connectivity"], size=(4, 6), k=3):
            print(c.rank, f"{c.score:.3f}", [m.id for m in c.members])

A call is a :class:`Call` (a preset name, a call-profile text, or built key by
key) and every keyword that is a key of the call-profile format
(docs/consortium.md) refines it: ``topics``, ``sectors``, ``size``,
``min_countries``, ``min_partners``, ``max_per_country``, ``allowed``,
``min_smes``, ``min_less_developed``, ``lead_countries``, ``lead_sizes``,
``include``, ``exclude``, ``weights``, ``coverage_decay``,
``cohesion_threshold``. Values may be text as in the format, or Python
values: lists (joined with ``;``), a ``{tag: weight}`` dict for topics and
sectors, a ``(min, max)`` tuple for ``size``, numbers.
"""

from __future__ import annotations

import ctypes
import json
from ctypes import byref, c_void_p
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from . import _ffi
from ._ffi import cstr, lib, text
from ._handle import Closable, Owner

__all__ = ["Call", "Consortium", "ConsortiumMember", "ConsortiumRule", "Consortia", "CALL_PRESETS",
           "build_consortia"]


def _presets() -> tuple:
    n = lib.sm_call_preset_count()
    return tuple(text(lib.sm_call_preset_name(i)) for i in range(n))


def _value_text(key: str, value: Any) -> str:
    """A Python value as the text of a call-profile key."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise TypeError(f"{key}: a bool is not a call-profile value")
    if isinstance(value, (int, float)):
        return repr(value)
    if key == "size" and isinstance(value, tuple) and len(value) == 2:
        return f"{value[0]}..{value[1]}"
    if isinstance(value, Mapping):
        return ";".join(f"{k}:{v!r}" for k, v in value.items())
    if isinstance(value, Iterable):
        return ";".join(_value_text(key, v) for v in value)
    raise TypeError(f"{key}: cannot use a {type(value).__name__} as a call-profile value")


class Call(Closable):
    """A call profile: the rules of a funding call, its topics and sectors, the objective weights.

    ``Call()`` is the empty profile, ``Call("interreg-ce")`` a preset,
    ``Call.parse(text)`` reads the text or JSON form; keywords set keys.
    ``str(call)`` is the text form.
    """

    def __init__(self, preset: Optional[str] = None, **keys: Any) -> None:
        out = _ffi._Call()
        if preset is None:
            lib.sm_call_new(byref(out))
        else:
            lib.sm_call_preset(byref(out), cstr(preset, "preset"))
        self._owner = Owner(out, lib.sm_call_free, "call profile")
        try:
            self.update(**keys)
        except BaseException:
            self.close()
            raise

    @classmethod
    def parse(cls, data: Union[str, bytes], name: Optional[str] = None) -> "Call":
        """A profile from text: ``key = value`` lines or a JSON object (docs/consortium.md)."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        out = _ffi._Call()
        lib.sm_call_parse(byref(out), raw, len(raw), cstr(name, "name") if name is not None else None)
        self = cls.__new__(cls)
        self._owner = Owner(out, lib.sm_call_free, "call profile")
        return self

    def set(self, key: str, value: Any) -> None:
        """Sets one key; on an error the profile is unchanged."""
        with self._owner as h:
            lib.sm_call_set(h, cstr(key.replace("-", "_"), "key"), cstr(_value_text(key, value), key))

    def update(self, **keys: Any) -> None:
        """Sets several keys, a ``preset`` first."""
        if "preset" in keys:
            self.set("preset", keys.pop("preset"))
        for k, v in keys.items():
            if k == "min_partners" and not isinstance(v, str) and isinstance(v, Iterable):
                self.set(k, "")
                for rule in v:
                    self.set(k, rule)
                continue
            self.set(k, v)

    def __str__(self) -> str:
        out = c_void_p()
        with self._owner as h:
            lib.sm_call_to_string(byref(out), h)
        try:
            return text(ctypes.string_at(out.value))
        finally:
            lib.sm_free(out)

    def __repr__(self) -> str:
        return "<smartmatch.Call closed>" if self.closed else f"<smartmatch.Call {str(self)!r}>"


@dataclass(frozen=True)
class ConsortiumMember:
    """A member: ``role`` is ``"lead"`` or ``"partner"``; ``reason`` says why it is there."""
    id: str
    role: str
    country: str
    reason: str


@dataclass(frozen=True)
class ConsortiumRule:
    """One rule of the call and its check on a consortium."""
    rule: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Consortium:
    """A consortium: rank, objective ``score`` (0..1), members (lead first), rule checks,
    ``coverage`` (members covering each required topic or sector) and the objective's ``terms``."""
    rank: int
    score: float
    members: List[ConsortiumMember]
    rules: List[ConsortiumRule]
    coverage: Dict[str, int] = field(default_factory=dict)
    terms: Dict[str, float] = field(default_factory=dict)

    @property
    def lead(self) -> ConsortiumMember:
        return self.members[0]

    @property
    def ids(self) -> List[str]:
        return [m.id for m in self.members]


class Consortia(list):
    """The consortia found, best first. Empty when none is eligible; then
    :attr:`infeasible` says which rule cannot be met and why."""

    infeasible: str = ""
    exact: bool = True


#: The call presets of the library.
CALL_PRESETS = _presets() if "sm_call_preset_count" not in lib.missing else ()

_OPTION_NAMES = ("k", "pool", "leads", "min_differ", "max_nodes")


def build_consortia(engine: Any, call: Union[None, str, Call] = None, *, lead: Optional[str] = None,
                    weighting: Any = None, k: int = 5, pool: int = 40, leads: int = 3, min_differ: int = 2,
                    max_nodes: int = 2_000_000, **keys: Any) -> Consortia:
    """The best ``k`` eligible consortia for a call (see :meth:`smartmatch.Engine.build_consortia`)."""
    from .engine import _WeightingUse  # engine imports this module lazily

    if isinstance(call, Call):
        own = None
        if keys:
            own = Call.parse(str(call))
            own.update(**keys)
        the_call = own or call
    else:
        own = Call(call, **keys)
        the_call = own
    try:
        opts = _ffi.ConsortiumOptions()
        lib.sm_consortium_options_init(byref(opts), _ffi.CONSORTIUM_OPTIONS_VERSION)
        opts.k, opts.pool, opts.leads, opts.min_differ, opts.max_nodes = k, pool, leads, min_differ, max_nodes
        lead_b = cstr(lead, "lead") if lead is not None else None
        opts.lead = lead_b
        out = _ffi._Consortia()
        with engine._owner as h, the_call._owner as ch, _WeightingUse(weighting) as wh:
            opts.weighting = wh
            lib.sm_consortium_build(byref(out), h, ch, byref(opts))
        try:
            raw = c_void_p()
            lib.sm_consortia_format(byref(raw), None, out, _ffi.FORMAT_JSON)
            try:
                data = json.loads(text(ctypes.string_at(raw.value)))
            finally:
                lib.sm_free(raw)
            result = Consortia(
                Consortium(rank=c["rank"], score=c["score"],
                           members=[ConsortiumMember(**m) for m in c["members"]],
                           rules=[ConsortiumRule(**r) for r in c["rules"]],
                           coverage=dict(c["coverage"]), terms=dict(c["terms"]))
                for c in data)
            result.infeasible = text(lib.sm_consortia_infeasible(out))
            result.exact = bool(lib.sm_consortia_exact(out))
            return result
        finally:
            lib.sm_consortia_free(out)
    finally:
        if own is not None:
            own.close()
