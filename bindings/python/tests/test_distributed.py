"""smartmatch.distributed on a LocalCluster of 2 worker processes over the
sample data: the same results as the single-machine batch, in memory and
as shard files, also when a worker is killed in the middle of the run."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import smartmatch as sm

dd = pytest.importorskip("distributed", reason="dask.distributed not installed (Debian: python3-distributed)")


@pytest.fixture(scope="module")
def cluster():
    import dask
    try:
        with dask.config.set({"distributed.worker.daemon": False,
                              "distributed.scheduler.allowed-failures": 5}):
            lc = dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                 silence_logs=40)
            client = dd.Client(lc)
            client.wait_for_workers(2, timeout=60)
    except Exception as exc:  # noqa: BLE001 - any failure to start is a skip, not a test failure
        pytest.skip(f"dask cannot start a LocalCluster here: {exc!r}")
    yield client
    client.close()
    lc.close()


@pytest.fixture(scope="module")
def snapshot_and_expected(tmp_path_factory, sample_csv):
    path = tmp_path_factory.mktemp("dist") / "cadses.smsnap"
    with sm.Engine() as eng:
        eng.load(sample_csv)
        eng.save(path)
        expected = eng.match_all(k=5, threads=2, cross_border=True)
        csv_path = path.with_name("single.csv")
        eng.match_all(k=5, threads=2, cross_border=True, output=csv_path)
    return path, expected, csv_path


def test_same_as_single_machine(cluster, snapshot_and_expected):
    import smartmatch.distributed as smd
    path, expected, _ = snapshot_and_expected
    got = smd.match_all(cluster, path, k=5, cross_border=True, shards=6)
    assert list(got) == list(expected)
    assert got == expected


def test_files_idempotent(cluster, snapshot_and_expected, tmp_path):
    import smartmatch.distributed as smd
    path, _, single_csv = snapshot_and_expected
    paths = smd.match_all(cluster, path, k=5, cross_border=True, shards=4, out_dir=tmp_path)
    h = sm.snapshot.content_hash(path)
    assert [os.path.basename(p) for p in paths] == [smd.shard_file_name(h, i, 4) for i in range(4)]
    first = [open(p, "rb").read() for p in paths]
    # a second run (as a retried task would) rewrites the same bytes
    again = smd.match_all(cluster, path, k=5, cross_border=True, shards=4, out_dir=tmp_path)
    assert [open(p, "rb").read() for p in again] == first
    rows = []
    for blob in first:
        lines = blob.decode().splitlines()
        header = lines[0]
        rows += lines[1:]
    single = open(single_csv).read().splitlines()
    assert header == single[0]
    assert sorted(rows) == sorted(single[1:])
    assert not [n for n in os.listdir(tmp_path) if ".tmp." in n]


def test_worker_killed_mid_run(cluster, snapshot_and_expected):
    import smartmatch.distributed as smd
    path, expected, _ = snapshot_and_expected
    victim = sorted(cluster.scheduler_info()["workers"])[0]
    pid = cluster.run(os.getpid, workers=[victim])[victim]

    def kill_later():
        time.sleep(1.5)
        os.kill(pid, signal.SIGKILL)  # the worker process dies with its tasks running

    killer = threading.Thread(target=kill_later)
    killer.start()
    got = smd.match_all(cluster, path, k=5, cross_border=True, shards=16, _delay=0.3)
    killer.join()
    assert got == expected
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarted it, under a new address
    assert victim not in cluster.scheduler_info()["workers"]  # the kill did happen
