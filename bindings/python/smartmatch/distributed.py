"""All-pairs top-k on a Dask cluster (docs/distributed.md)::

    from dask.distributed import Client
    import smartmatch.distributed as smd

    client = Client("tcp://scheduler:8786")
    results = smd.match_all(client, "/shared/eu.smsnap", k=10, cross_border=True)
    paths = smd.match_all(client, "/shared/eu.smsnap", k=10, out_dir="/shared/top10")

Every worker opens the snapshot once (a :class:`SnapshotPlugin`; ctypes
handles cannot be pickled, so engines never travel). A task is one shard of
the SMEs (:meth:`Engine.match_all` with ``shard=(i, n)``: a hash of the id,
the same on every machine), so the shards together are exactly the
single-machine batch. With ``out_dir`` each task writes its shard to
``<content hash>-<i>-of-<n>.csv`` (or ``.json``) through a temporary file and
a rename: a retried task rewrites the same bytes, and files of another
snapshot never mix in. The driver checks that every shard came back exactly
once.

Needs dask.distributed (Debian: python3-distributed); imported on first use.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Mapping, Optional, Union

from . import snapshot as _snapshot
from .engine import Engine
from .errors import InvalidArgument
from .results import Matches
from .weighting import Weighting

__all__ = ["match_all", "SnapshotPlugin", "shard_file_name"]

PathArg = Union[str, "os.PathLike[str]"]

# Engines opened on this worker process, by snapshot content hash.
_ENGINES: Dict[str, Engine] = {}


try:  # a plain class where dask is missing, so that the module imports and says so on use
    from distributed.diagnostics.plugin import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover
    _PluginBase = object


class SnapshotPlugin(_PluginBase):  # type: ignore[misc, valid-type]
    """A ``WorkerPlugin`` that opens the snapshot at ``path`` once per worker
    process (also on workers that join later) and checks its content hash,
    so every worker reads the same file; the tasks find the engine by hash."""

    def __init__(self, path: PathArg, content_hash: str) -> None:
        self.path = os.fspath(path)
        self.content_hash = content_hash
        self.name = f"smartmatch-snapshot-{content_hash}"

    def setup(self, worker: Any = None) -> None:
        _engine(self.path, self.content_hash)

    def teardown(self, worker: Any = None) -> None:
        eng = _ENGINES.pop(self.content_hash, None)
        if eng is not None:
            eng.close()


def _engine(path: str, content_hash: str) -> Engine:
    eng = _ENGINES.get(content_hash)
    if eng is None:
        got = _snapshot.content_hash(path)
        if got != content_hash:
            raise InvalidArgument(f"{path}: snapshot content hash {got} on this worker, {content_hash} on the "
                                  "driver: every worker must see the same file", InvalidArgument.status)
        eng = Engine.open_snapshot(path)
        _ENGINES[content_hash] = eng
    return eng


def shard_file_name(content_hash: str, shard: int, n_shards: int, format: str = "csv") -> str:
    """The file a shard's results go to: ``<hash>-<i>-of-<n>.<format>``."""
    return f"{content_hash}-{shard:05d}-of-{n_shards:05d}.{format}"


def _weighting_arg(weighting: Any) -> Any:
    """A weighting that pickles: preset names, text and mappings as they are,
    a :class:`Weighting` as its text form."""
    if weighting is None or isinstance(weighting, (str, Mapping)):
        return weighting
    if isinstance(weighting, Weighting):
        return str(weighting)
    raise TypeError(f"weighting must be None, a name, a mapping or a Weighting, not {type(weighting).__name__}")


def _run_shard(path: str, content_hash: str, shard: int, n_shards: int, k: int, weighting: Any,
               filters: Dict[str, Any], out_dir: Optional[str], format: str, delay: float) -> Any:
    eng = _engine(path, content_hash)
    if delay:
        time.sleep(delay)  # tests: keeps tasks running long enough to kill a worker under them
    if out_dir is None:
        return shard, eng.match_all(k, threads=1, weighting=weighting, shard=(shard, n_shards), **filters)
    # One thread: results come in a fixed order, so a retry writes the same bytes.
    final = os.path.join(out_dir, shard_file_name(content_hash, shard, n_shards, format))
    tmp = f"{final}.tmp.{os.getpid()}"
    try:
        eng.match_all(k, threads=1, weighting=weighting, shard=(shard, n_shards), output=tmp, format=format,
                      **filters)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return shard, final


def match_all(client: Any, snapshot_path: PathArg, k: int = 10, *, weighting: Any = None,
              shards: Optional[int] = None, out_dir: Optional[PathArg] = None, format: str = "csv",
              progress: bool = False, retries: int = 3, _delay: float = 0.0,
              **filters: Any) -> Union[Dict[str, Matches], List[str]]:
    """Top-``k`` partners of every SME of the snapshot, computed on the
    cluster of ``client``.

    Args:
        client:        a ``dask.distributed.Client``
        snapshot_path: a snapshot (:meth:`Engine.save`) at the same path on
                       every worker (a shared file system, or copied)
        k:             partners per SME
        weighting:     a preset name, weighting text, mapping or :class:`Weighting`
        shards:        number of tasks; default 4 per worker thread. Aim at
                       1-5 s of work each (docs/distributed.md)
        out_dir:       a directory every worker can write: each shard goes to
                       its own file there and the paths are returned, in
                       shard order; without it the results are returned
        format:        ``"csv"`` or ``"json"`` for ``out_dir``
        progress:      show Dask's progress bar
        retries:       times a failed task is tried again
        **filters:     the filters of :meth:`Engine.top` (``cross_border=True``, ...)

    Returns:
        ``{query_id: Matches}`` sorted by id, equal to ``Engine.match_all`` on
        the same data; or, with ``out_dir``, the list of shard files.
    """
    path = os.path.abspath(os.fspath(snapshot_path))
    content_hash = _snapshot.content_hash(path)
    if format not in ("csv", "json"):
        raise InvalidArgument(f"format must be 'csv' or 'json', not {format!r}", InvalidArgument.status)
    if shards is None:
        threads = sum(client.nthreads().values()) or 1
        shards = 4 * threads
    if not isinstance(shards, int) or shards < 1:
        raise InvalidArgument(f"shards must be a positive int, not {shards!r}", InvalidArgument.status)
    out = None
    if out_dir is not None:
        out = os.path.abspath(os.fspath(out_dir))
        os.makedirs(out, exist_ok=True)
    w = _weighting_arg(weighting)
    client.register_worker_plugin(SnapshotPlugin(path, content_hash))
    keys = [f"smartmatch-{content_hash}-{i}-of-{shards}" for i in range(shards)]
    futures = [client.submit(_run_shard, path, content_hash, i, shards, k, w, dict(filters), out, format, _delay,
                             key=keys[i], retries=retries, pure=False)
               for i in range(shards)]
    if progress:
        from distributed import progress as dask_progress
        dask_progress(futures)
    done = client.gather(futures)
    seen = sorted(i for i, _ in done)
    if seen != list(range(shards)):
        raise RuntimeError(f"distributed match_all: shards back {seen}, expected 0..{shards - 1} once each")
    if out is not None:
        paths = [p for _, p in sorted(done, key=lambda d: d[0])]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            raise RuntimeError(f"distributed match_all: shard files missing: {missing}")
        return paths
    merged: Dict[str, Matches] = {}
    for _, part in done:
        for q, m in part.items():
            if q in merged:
                raise RuntimeError(f"distributed match_all: SME {q!r} in two shards")
            merged[q] = m
    return {q: merged[q] for q in sorted(merged)}
