"""Snapshots: the whole engine in one file that opens much faster than its
CSV or JSON sources parse (docs/snapshot.md)::

    eng.save("cadses.smsnap")                      # atomic: old file or new, never half
    eng2 = smartmatch.Engine.open_snapshot("cadses.smsnap")
    smartmatch.snapshot.content_hash("cadses.smsnap")   # names the content
    smartmatch.snapshot.info("cadses.smsnap")           # header, sections, checksums, counts

An engine opened from a snapshot gives the same results as the saved one,
bit for bit, and takes changes like any other. A damaged or truncated file
raises :class:`ParseError` naming the section and offset; a file of a newer
major format version raises :class:`Unsupported`.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import byref
from typing import Any, Dict, Type, TypeVar, Union

from . import _ffi
from ._ffi import lib
from ._handle import Owner

__all__ = ["save", "open_engine", "content_hash", "info"]

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


def info(path: PathArg) -> Dict[str, Any]:
    """What the snapshot at ``path`` holds, without opening an engine: the
    format, the counts of its META section and every section with its
    offset, length, element size, checksum and whether its bytes match it
    (``damaged`` counts those that do not; :meth:`Engine.open_snapshot`
    refuses such a file). Raises :class:`ParseError` when the header or the
    section table is damaged."""
    out = ctypes.POINTER(_ffi.SnapshotInfo)()
    lib.sm_snapshot_info_get(byref(out), os.fsencode(os.fspath(path)))
    try:
        i = out.contents
        v = i.library_version
        return {
            "format": f"{i.format_major}.{i.format_minor}",
            "library_version": f"{v >> 16}.{v >> 8 & 0xff}.{v & 0xff}" if v else None,
            "file_size": i.file_size,
            "content_hash": f"{i.content_hash:016x}",
            "smes": i.smes, "regions": i.regions, "sectors": i.sectors, "tags": i.tags,
            "list_entries": i.list_entries, "history_events": i.history_events,
            "builtin_affinity": bool(i.builtin_affinity),
            "damaged": i.n_damaged,
            "sections": [{"id": s.id, "name": s.name.decode(), "offset": s.offset, "length": s.length,
                          "element_size": s.element_size, "checksum": f"{s.checksum:016x}",
                          "ok": bool(s.checksum_ok)}
                         for s in (i.sections[k] for k in range(i.n_sections))],
        }
    finally:
        lib.sm_snapshot_info_free(out)
