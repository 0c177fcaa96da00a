"""Snapshots: the whole engine in one file that opens much faster than its
CSV or JSON sources parse (docs/snapshot.md)::

    eng.save("cadses.smsnap")                      # atomic: old file or new, never half
    eng2 = smartmatch.Engine.open_snapshot("cadses.smsnap")
    smartmatch.snapshot.content_hash("cadses.smsnap")   # names the content

An engine opened from a snapshot gives the same results as the saved one,
bit for bit, and takes changes like any other. A damaged or truncated file
raises :class:`ParseError` naming the section and offset; a file of a newer
major format version raises :class:`Unsupported`.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import byref
from typing import Any, Type, TypeVar, Union

from . import _ffi
from ._ffi import lib
from ._handle import Owner

__all__ = ["save", "open_engine", "content_hash"]

PathArg = Union[str, "os.PathLike[str]"]
E = TypeVar("E")


def save(engine: Any, path: PathArg) -> None:
    """Writes ``engine`` to ``path`` (temporary file, fsync, rename, fsync of the directory)."""
    with engine._owner as h:
        lib.sm_snapshot_save(h, os.fsencode(os.fspath(path)))


def open_engine(cls: Type[E], path: PathArg) -> E:
    """A new ``cls`` (an :class:`~smartmatch.Engine`) holding the snapshot at ``path``."""
    out = _ffi._Engine()
    lib.sm_snapshot_load(byref(out), os.fsencode(os.fspath(path)), None)
    eng = cls.__new__(cls)
    eng._owner = Owner(out, lib.sm_engine_free, "engine")  # type: ignore[attr-defined]
    return eng


def content_hash(path: PathArg) -> str:
    """The snapshot's content hash as 16 hex digits (checks every section's checksum)."""
    out = ctypes.c_uint64()
    lib.sm_snapshot_content_hash(byref(out), os.fsencode(os.fspath(path)))
    return f"{out.value:016x}"
