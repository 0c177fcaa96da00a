"""Ownership of one C handle: freed exactly once, never while a call uses it.

Each Python object that owns a C handle (an engine, a weighting) keeps one
:class:`Owner`. Every method that calls into C does so inside
``with owner as handle:``, which fails cleanly once the object is closed and
counts the calls in progress, so that ``close()`` from another thread waits
for them instead of freeing memory a running query still reads.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, Dict, Optional

from .errors import InvalidArgument


class Owner:
    """Holds a C handle and its free function."""

    __slots__ = ("_handle", "_free", "_what", "_cond", "_busy", "_users")

    def __init__(self, handle: Any, free: Callable[[Any], None], what: str) -> None:
        self._handle: Optional[Any] = handle
        self._free = free
        self._what = what
        self._cond = threading.Condition(threading.Lock())
        self._busy = 0
        self._users: Dict[int, int] = {}  # thread ident -> calls in progress on it

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> Any:
        ident = threading.get_ident()
        with self._cond:
            if self._handle is None:
                raise InvalidArgument(f"{self._what} is closed", InvalidArgument.status)
            self._busy += 1
            self._users[ident] = self._users.get(ident, 0) + 1
            return self._handle

    def __exit__(self, *exc: Any) -> None:
        ident = threading.get_ident()
        with self._cond:
            self._busy -= 1
            left = self._users[ident] - 1
            if left:
                self._users[ident] = left
            else:
                del self._users[ident]
            if self._busy == 0:
                self._cond.notify_all()

    def close(self) -> None:
        """Frees the handle once; waits for calls in progress on other threads."""
        with self._cond:
            if self._handle is None:
                return
            if threading.get_ident() in self._users:
                raise InvalidArgument(f"cannot close the {self._what} from inside a call that uses it",
                                      InvalidArgument.status)
            while self._busy:
                self._cond.wait()
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
