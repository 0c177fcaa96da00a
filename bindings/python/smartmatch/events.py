"""The event planner: a brokerage event's schedule of one-to-one meetings.

:meth:`smartmatch.Engine.plan_event` delegates here. It builds a C event from
participants and wishes (given, or each participant's top-k partners among
the participants), plans it (selection with fairness first, then slots and
tables) and returns an :class:`EventPlan`: the meetings, each participant's
agenda, the wishes left out with their reason, the figures, and writers for
CSV, JSON, text agendas and iCalendar files. See docs/events.md.
"""

from __future__ import annotations

import math
import os
from ctypes import byref
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _ffi
from ._ffi import cstr, lib, text
from ._handle import Closable, Owner
from .errors import InvalidArgument

PathArg = Union[str, "os.PathLike[str]"]


class Meeting(NamedTuple):
    """One scheduled meeting (slot and table 0 when only selection ran)."""
    slot: int
    table: int
    a: str
    b: str
    weight: float
    score: float
    status: str
    session: str = ""


class Unscheduled(NamedTuple):
    """A wish that is not in the schedule, with the reason code and, for the
    capacity reasons, the weakest meeting that won (``"x-y"``)."""
    a: str
    b: str
    weight: float
    reason: str
    other: str


class Session(NamedTuple):
    """A named range of slots; ``start`` is its "HH:MM" start time of day, or
    None when it follows the slots before it."""
    name: str
    first: int
    last: int
    start: Optional[str]


def _session(s: Any) -> Session:
    start = None if s.start_minute < 0 else f"{s.start_minute // 60:02d}:{s.start_minute % 60:02d}"
    return Session(text(s.name), s.first, s.last, start)


class AgendaItem(NamedTuple):
    """One slot of a participant's agenda."""
    slot: int
    table: int
    partner: str
    score: float
    session: str = ""


_STEPS = {"all": 3, "select": 1, "schedule": 2}


class EventPlan(Closable):
    """A computed plan. The lists are plain Python data; the C plan is kept
    for the writers until :meth:`close` (or the end of a ``with`` block)."""

    def __init__(self, handle: Any) -> None:
        self._owner = Owner(handle, lib.sm_event_plan_free, "event plan")
        with self._owner as h:
            st = lib.sm_event_plan_stats(h).contents
            self.stats: Dict[str, Any] = {name: getattr(st, name) for name, _ in _ffi.EventStats._fields_}
            self.stats["bipartite"] = bool(self.stats["bipartite"])
            self.stats["selection_optimal"] = bool(self.stats["selection_optimal"])
            self.meetings: List[Meeting] = []
            for i in range(lib.sm_event_plan_meeting_count(h)):
                m = lib.sm_event_plan_meeting_at(h, i).contents
                self.meetings.append(Meeting(m.slot, m.table, text(m.a), text(m.b), m.weight, m.score,
                                             text(lib.sm_wish_status_name(m.status)), text(m.session)))
            self.sessions: List[Session] = []
            for i in range(lib.sm_event_plan_session_count(h)):
                s = _ffi.EventSession()
                lib.sm_event_plan_session_at(byref(s), h, i)
                self.sessions.append(_session(s))
            self.unscheduled: List[Unscheduled] = []
            for i in range(lib.sm_event_plan_unscheduled_count(h)):
                u = lib.sm_event_plan_unscheduled_at(h, i).contents
                self.unscheduled.append(Unscheduled(text(u.a), text(u.b), u.weight,
                                                    text(lib.sm_event_reason_name(u.reason)), text(u.other)))

    def close(self) -> None:
        """Frees the C plan; the lists stay usable, the writers do not."""
        self._owner.close()

    def __enter__(self) -> "EventPlan":
        return self

    def __repr__(self) -> str:
        s = self.stats
        return (f"<smartmatch.EventPlan {s['meetings']} meetings in {s['slots_used']} slots, "
                f"{s['unscheduled']} unscheduled>")

    def agenda(self, id: str) -> List[AgendaItem]:
        """The meetings of participant ``id``, by slot."""
        items = [AgendaItem(m.slot, m.table, m.b if m.a == id else m.a, m.score, m.session)
                 for m in self.meetings if id in (m.a, m.b)]
        return sorted(items)

    def to_pandas(self) -> Any:
        """The meetings as a pandas DataFrame (columns as :class:`Meeting`)."""
        import pandas as pd
        return pd.DataFrame(self.meetings, columns=list(Meeting._fields))

    def unscheduled_to_pandas(self) -> Any:
        """The unscheduled wishes as a pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame(self.unscheduled, columns=list(Unscheduled._fields))

    def write_csv(self, path: PathArg) -> None:
        """The schedule as CSV (slot,table,a,b,weight,score,status); readable back as ``locks``."""
        with self._owner as h:
            lib.sm_event_plan_write_csv(h, cstr(os.fspath(path), "path"))

    def write_unscheduled_csv(self, path: PathArg) -> None:
        """The unscheduled wishes as CSV (a,b,weight,reason,other)."""
        with self._owner as h:
            lib.sm_event_plan_write_unscheduled_csv(h, cstr(os.fspath(path), "path"))

    def write_json(self, path: PathArg) -> None:
        """The whole plan as JSON."""
        with self._owner as h:
            lib.sm_event_plan_write_json(h, cstr(os.fspath(path), "path"))

    def write_agenda(self, id: str, path: PathArg, start: Optional[str] = None, slot_minutes: int = 30) -> None:
        """Participant ``id``'s agenda as text; with ``start`` ("2027-03-10T09:00") with times."""
        with self._owner as h:
            lib.sm_event_plan_write_agenda(h, cstr(id, "id"), cstr(os.fspath(path), "path"),
                                           cstr(start, "start") if start is not None else None, slot_minutes)

    def write_ics(self, id: str, path: PathArg, start: str, slot_minutes: int = 30) -> None:
        """Participant ``id``'s meetings as an iCalendar file."""
        with self._owner as h:
            lib.sm_event_plan_write_ics(h, cstr(id, "id"), cstr(os.fspath(path), "path"), cstr(start, "start"),
                                        slot_minutes)


ParticipantArg = Union[str, Mapping[str, Any], Sequence[Any]]
WishArg = Union[Sequence[Any], Mapping[str, Any]]


def _participant(p: ParticipantArg) -> Tuple[str, int, Optional[str], Iterable[int]]:
    if isinstance(p, str):
        return p, 0, None, ()
    if isinstance(p, Mapping):
        return p["id"], int(p.get("capacity") or 0), p.get("group"), p.get("unavailable") or ()
    p = list(p)
    return p[0], int(p[1]) if len(p) > 1 and p[1] else 0, p[2] if len(p) > 2 else None, (p[3] if len(p) > 3 else ())


def _wish(w: WishArg) -> Tuple[str, str, int, float, int, int, int]:
    if isinstance(w, Mapping):
        d = dict(w)
    else:
        keys = ("a", "b", "priority", "status", "slot", "table", "score")
        d = dict(zip(keys, w))
    status = d.get("status") or "requested"
    if status not in _ffi.WISH_STATUSES:
        raise InvalidArgument(f"wish {d.get('a')}-{d.get('b')}: status {status!r} is not one of "
                              f"{', '.join(_ffi.WISH_STATUSES)}", InvalidArgument.status)
    score = d.get("score")
    return (d["a"], d["b"], int(1 if d.get("priority") is None else d["priority"]),
            math.nan if score is None else float(score), _ffi.WISH_STATUSES.index(status),
            int(d.get("slot") or 0), int(d.get("table") or 0))


SessionsArg = Union[str, Mapping[str, Sequence[Any]]]


def _sessions_text(sessions: Optional[SessionsArg]) -> Optional[str]:
    """``"morning=1-8@09:00,..."`` as given, or built from a mapping
    ``{"morning": (1, 8, "09:00"), "afternoon": (9, 16)}`` (in slot order)."""
    if sessions is None or isinstance(sessions, str):
        return sessions
    items = []
    for name, spec in sessions.items():
        spec = list(spec)
        item = f"{name}={int(spec[0])}-{int(spec[1])}"
        if len(spec) > 2 and spec[2]:
            item += f"@{spec[2]}"
        items.append(item)
    return ",".join(items)


def _unavailable(e: Any, pid: str, slots: Iterable[Union[int, str]]) -> None:
    """Slot numbers, or session names."""
    if isinstance(slots, str):
        slots = [slots]
    for s in slots:
        if isinstance(s, str) and not s.isdigit():
            lib.sm_event_set_unavailable_session(e, cstr(pid, "id"), cstr(s, "session"))
        else:
            lib.sm_event_set_unavailable(e, cstr(pid, "id"), int(s), int(s))


def _load(e: Any, kind: str, path: PathArg) -> None:
    """An event file: JSON when the name ends in .json, CSV otherwise."""
    name = os.fspath(path)
    load = lib.sm_event_load_json if str(name).lower().endswith(".json") else lib.sm_event_load_csv
    load(e, _ffi.EVENT_INPUTS[kind], cstr(name, kind))


def plan(engine: Any, participants: Iterable[ParticipantArg], *, slots: int, tables: int,
         wishes: Optional[Iterable[WishArg]] = None, from_top: Optional[int] = None, capacity: int = 8,
         availability: Optional[Mapping[str, Iterable[Union[int, str]]]] = None, breaks: Iterable[int] = (),
         sessions: Optional[SessionsArg] = None, files: Optional[Mapping[str, PathArg]] = None,
         locks: Optional[PathArg] = None, fairness: bool = True, effort: int = 2, weighting: Any = None,
         steps: str = "all") -> EventPlan:
    """See :meth:`smartmatch.Engine.plan_event`."""
    from .engine import _WeightingUse  # engine imports this module lazily
    if steps not in _STEPS:
        raise InvalidArgument(f"steps {steps!r}: use 'all', 'select' or 'schedule'", InvalidArgument.status)
    opts = _ffi.EventOptions()
    lib.sm_event_options_init(byref(opts), _ffi.EVENT_OPTIONS_VERSION)
    opts.slots, opts.tables, opts.capacity = slots, tables, capacity
    opts.fairness, opts.effort = int(bool(fairness)), effort
    sessions_text = _sessions_text(sessions)
    opts.sessions = cstr(sessions_text, "sessions") if sessions_text else None
    with engine._owner as h, _WeightingUse(weighting) as wh:
        ev = _ffi._Event()
        lib.sm_event_new(byref(ev), h, byref(opts))
        owner = Owner(ev, lib.sm_event_free, "event")
        try:
            with owner as e:
                for s in breaks:
                    lib.sm_event_set_slot_tables(e, int(s), 0)
                files = dict(files or {})
                for kind in files:
                    if kind not in _ffi.EVENT_INPUTS:
                        raise InvalidArgument(f"files: {kind!r} is not one of {', '.join(_ffi.EVENT_INPUTS)}",
                                              InvalidArgument.status)
                for p in participants:
                    pid, cap, group, unavailable = _participant(p)
                    lib.sm_event_add_participant(e, cstr(pid, "id"), cap, cstr(group, "group") if group else None)
                    _unavailable(e, pid, unavailable)
                if "participants" in files:
                    _load(e, "participants", files["participants"])
                for pid, unavailable in (availability or {}).items():
                    _unavailable(e, pid, unavailable)
                for kind in ("availability", "locks"):
                    if kind in files:
                        _load(e, kind, files[kind])
                if locks is not None:
                    _load(e, "locks", locks)
                if "requests" in files:
                    _load(e, "requests", files["requests"])
                for w in wishes or ():
                    a, b, prio, score, status, slot, table = _wish(w)
                    lib.sm_event_add_wish(e, cstr(a, "a"), cstr(b, "b"), prio, score, status, slot, table)
                if from_top:
                    q = _ffi.QueryOptions()
                    lib.sm_query_options_init(byref(q), _ffi.QUERY_OPTIONS_VERSION)
                    q.weighting = wh
                    lib.sm_event_wishes_from_top(e, int(from_top), byref(q))
                out = _ffi._EventPlan()
                lib.sm_event_plan_new(byref(out), e, _STEPS[steps])
        finally:
            owner.close()
    return EventPlan(out)
