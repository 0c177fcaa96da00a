"""Ownership of one C handle: freed exactly once, never while a call uses it.

Each Python object that owns a C handle (an engine, a weighting) keeps one
:class:`Owner`. Every method that calls into C does so inside
``with owner as handle:``, which fails cleanly once the object is closed and
counts the calls in progress, so that ``close()`` from another thread waits
for them instead of freeing memory a running query still reads.

``close()`` first stops admitting new calls (they raise "... is closed" at
once, even while it waits), then waits for the calls in progress, then
frees. Only a thread that is itself inside a call in progress may still
enter (a method that calls another), so a running call is never cut short
by its own nested calls; callbacks on other threads are new calls.

Two more rules turn what would be a crash or a hang in C into an exception:

- A weighting lent to a running query (:meth:`Owner.lend`) cannot be
  changed (:meth:`Owner.modify`): the C library reads it without a lock.
- Code running inside a smartmatch callback (:func:`callback`) cannot wait
  for a call in progress: ``close()`` would wait for the very query that
  runs the callback.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, Dict, Optional

from .errors import InvalidArgument

# ---- which threads are running a smartmatch callback -----------------------------------

_local = threading.local()


class callback:
    """``with callback():`` around the Python code a C callback runs."""

    __slots__ = ()

    def __enter__(self) -> None:
        _local.depth = getattr(_local, "depth", 0) + 1

    def __exit__(self, *exc: Any) -> None:
        _local.depth -= 1


def in_callback() -> bool:
    """Whether the calling thread is inside a smartmatch callback."""
    return getattr(_local, "depth", 0) > 0


class Owner:
    """Holds a C handle and its free function."""

    __slots__ = ("_handle", "_free", "_what", "_cond", "_busy", "_users", "_lent", "_writing", "_closing")

    def __init__(self, handle: Any, free: Callable[[Any], None], what: str) -> None:
        self._handle: Optional[Any] = handle
        self._free = free
        self._what = what
        self._cond = threading.Condition(threading.Lock())
        self._busy = 0
        self._users: Dict[int, int] = {}  # thread ident -> calls in progress on it
        self._lent = 0     # queries reading the handle (a weighting lent to them)
        self._writing = 0  # changes in progress
        self._closing = False  # close() has begun: no new calls

    @property
    def closed(self) -> bool:
        return self._handle is None or self._closing

    def _closed_error(self) -> InvalidArgument:
        return InvalidArgument(f"{self._what} is closed", InvalidArgument.status)

    def _enter_locked(self) -> Any:
        ident = threading.get_ident()
        if self._handle is None or (self._closing and ident not in self._users):
            raise self._closed_error()
        self._busy += 1
        self._users[ident] = self._users.get(ident, 0) + 1
        return self._handle

    def __enter__(self) -> Any:
        with self._cond:
            return self._enter_locked()

    def __exit__(self, *exc: Any) -> None:
        ident = threading.get_ident()
        with self._cond:
            self._busy -= 1
            left = self._users[ident] - 1
            if left:
                self._users[ident] = left
            else:
                del self._users[ident]
            self._cond.notify_all()  # close() waits for no calls, lend() for no change

    # ---- readers and writers of a weighting ----------------------------------------------

    def lend(self) -> "_Lend":
        """``with owner.lend() as handle:`` for a query that reads the handle
        without a lock (waits for a change in progress on another thread)."""
        return _Lend(self)

    def modify(self) -> "_Modify":
        """``with owner.modify() as handle:`` for a change; raises
        :class:`InvalidArgument` while a query holds the handle."""
        return _Modify(self)

    # ---- freeing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the handle once: refuses new calls from now on, waits for
        the calls in progress on other threads, then frees."""
        with self._cond:
            if self._handle is None:
                return
            if self._busy and (threading.get_ident() in self._users or in_callback()):
                # Waiting would wait for the call that runs this code.
                raise InvalidArgument(f"cannot close the {self._what} from inside a call that uses it",
                                      InvalidArgument.status)
            self._closing = True
            while self._busy:
                self._cond.wait()
            if self._handle is None:  # another close() freed it meanwhile
                return
            handle, self._handle = self._handle, None
        self._free(handle)

    def finalize(self) -> None:
        """For ``__del__``: frees unless the interpreter is shutting down.

        At shutdown ctypes and the callback registry may already be gone, and
        the process is about to release everything anyway.
        """
        if self._handle is None or sys is None or sys.is_finalizing():
            return
        try:
            self.close()
        except Exception:  # never raise from __del__
            pass


class _Lend:
    __slots__ = ("_o",)

    def __init__(self, owner: Owner) -> None:
        self._o = owner

    def __enter__(self) -> Any:
        o = self._o
        with o._cond:
            # A change on another thread is short: wait for it. One on this
            # thread cannot be in progress (a change runs no callbacks).
            while o._writing and o._handle is not None:
                o._cond.wait()
            handle = o._enter_locked()
            o._lent += 1
            return handle

    def __exit__(self, *exc: Any) -> None:
        o = self._o
        with o._cond:
            o._lent -= 1
        o.__exit__()


class _Modify:
    __slots__ = ("_o",)

    def __init__(self, owner: Owner) -> None:
        self._o = owner

    def __enter__(self) -> Any:
        o = self._o
        with o._cond:
            if o._handle is not None and o._lent:
                raise InvalidArgument(f"the {o._what} is in use by a running query; change a copy() instead",
                                      InvalidArgument.status)
            handle = o._enter_locked()
            o._writing += 1
            return handle

    def __exit__(self, *exc: Any) -> None:
        o = self._o
        with o._cond:
            o._writing -= 1
        o.__exit__()


class Closable:
    """Life cycle shared by the objects that own a C handle through an
    :class:`Owner`: ``close()``, ``closed``, use as a context manager, and
    freeing on garbage collection."""

    __slots__ = ()
    _owner: Owner

    def close(self) -> None:
        """Frees the C object now. Further use raises :class:`~smartmatch.InvalidArgument`."""
        self._owner.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._owner.closed

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        owner = getattr(self, "_owner", None)
        if owner is not None:
            owner.finalize()
