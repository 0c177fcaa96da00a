"""Snapshots from Python: Engine.save / Engine.open_snapshot give the same
answers, content hashes, errors for damaged files; match_all shards."""

from __future__ import annotations

import os

import pytest

import smartmatch as sm
import smartmatch.snapshot


def test_save_open_same_answers(engine, ids, tmp_path):
    path = tmp_path / "e.smsnap"
    engine.save(path)
    with sm.Engine.open_snapshot(path) as back:
        assert len(back) == len(engine)
        assert sorted(back.ids()) == ids
        for q in ids[:20]:
            assert back.top(q, k=8) == engine.top(q, k=8)
            assert back.top(q, k=5, cross_border=True, weighting="cross_border") == \
                engine.top(q, k=5, cross_border=True, weighting="cross_border")
        assert back.explain(ids[0], ids[1]) == engine.explain(ids[0], ids[1])
        assert back.match_all(k=5, threads=2) == engine.match_all(k=5, threads=2)
        # a loaded engine saves to the same content
        again = tmp_path / "again.smsnap"
        back.save(again)
    assert sm.snapshot.content_hash(path) == sm.snapshot.content_hash(again)
    assert len(sm.snapshot.content_hash(path)) == 16
    assert not [n for n in os.listdir(tmp_path) if ".tmp." in n]


def test_shards_add_up(engine):
    whole = engine.match_all(k=4, threads=2)
    parts = {}
    for i in range(3):
        part = engine.match_all(k=4, threads=1, shard=(i, 3))
        assert not set(part) & set(parts)
        parts.update(part)
    assert {q: parts[q] for q in sorted(parts)} == whole
    with pytest.raises(sm.InvalidArgument):
        engine.match_all(shard=(3, 3))
    with pytest.raises(sm.InvalidArgument):
        engine.match_all(shard="x")


def test_damaged_and_missing(engine, tmp_path):
    path = tmp_path / "e.smsnap"
    engine.save(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x55
    bad = tmp_path / "bad.smsnap"
    bad.write_bytes(bytes(data))
    with pytest.raises(sm.ParseError) as info:
        sm.Engine.open_snapshot(bad)
    assert "offset" in str(info.value)
    bad.write_bytes(bytes(data[:100]))
    with pytest.raises(sm.ParseError):
        sm.Engine.open_snapshot(bad)
    with pytest.raises(sm.FileError):
        sm.Engine.open_snapshot(tmp_path / "missing.smsnap")
    with pytest.raises(sm.FileError):
        engine.save(tmp_path / "no-such-dir" / "x.smsnap")


def test_info(engine, tmp_path):
    path = tmp_path / "i.smsnap"
    engine.save(path)
    got = sm.snapshot.info(path)
    assert got["format"].startswith("1.")
    assert got["smes"] == len(engine)
    assert got["file_size"] == os.path.getsize(path)
    assert got["content_hash"] == sm.snapshot.content_hash(path)
    assert got["damaged"] == 0
    names = [s["name"] for s in got["sections"]]
    assert "id map" in names and "SME column region" in names
    # one flipped byte in the strings: that section is reported, not refused
    strings = next(s for s in got["sections"] if s["name"] == "strings")
    data = bytearray(path.read_bytes())
    data[strings["offset"] + 1] ^= 0x40
    bad = tmp_path / "bad.smsnap"
    bad.write_bytes(bytes(data))
    got = sm.snapshot.info(bad)
    assert got["damaged"] == 1
    assert [s["name"] for s in got["sections"] if not s["ok"]] == ["strings"]
    with pytest.raises(sm.ParseError):
        sm.Engine.open_snapshot(bad)
    not_one = tmp_path / "x.csv"
    not_one.write_text("id,name\nx,y\n")
    with pytest.raises(sm.ParseError):
        sm.snapshot.info(not_one)
