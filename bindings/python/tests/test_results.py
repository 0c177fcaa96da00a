"""Matches: the list returned by top(), written as CSV or JSON by the library;
streaming batch output; explanations."""

from __future__ import annotations

import copy
import csv
import io
import json
import pickle

import pytest

import smartmatch as sm
from smartmatch import _ffi


def test_matches_is_a_list_with_context(engine, ids):
    q = ids[0]
    res = engine.top(q, k=4, weighting="cohesion")
    assert isinstance(res, sm.Matches) and isinstance(res, list)
    assert res.query_id == q and res.criteria == tuple(sm.CRITERIA)
    assert res.weights == sm.Weighting.preset("cohesion").as_dict()
    assert res == list(res) and res[:2] == list(res)[:2]
    assert repr(res).startswith("Matches([Match(") and res.formattable
    empty = engine.top(q, k=0)
    assert empty == [] and empty.query_id == q and empty.criteria == tuple(sm.CRITERIA)


def test_csv_and_json_round_trip(engine, ids):
    q = ids[1]
    w = sm.Weighting.parse("complementarity=2,region_reach=1")
    w.add_criterion("half", lambda p: 0.5)
    res = engine.top(q, k=5, weighting=w, explain=False)
    rows = list(csv.DictReader(io.StringIO(res.to_csv())))
    assert [r["id"] for r in rows] == [m.id for m in res]
    assert list(rows[0]) == ["query_id", "rank", "id", "score", "distance_km", *res.criteria]
    for r, m in zip(rows, res):
        assert r["query_id"] == q and int(r["rank"]) == m.rank
        assert float(r["score"]) == m.score  # shortest round-trip form: exact
        assert {k: float(r[k]) for k in res.criteria} == m.breakdown
    doc = json.loads(res.to_json())
    assert doc[0]["query_id"] == q
    assert [(d["id"], d["score"], d["breakdown"]) for d in doc[0]["matches"]] == \
        [(m.id, m.score, m.breakdown) for m in res]


def test_format_results_many(engine, ids):
    results = [engine.top(q, k=2) for q in ids[:3]]
    text = sm.format_results(results, "csv")
    lines = text.splitlines()
    assert lines[0].startswith("query_id,rank,id,score,distance_km,") and len(lines) == 1 + 6
    assert sm.format_results({r.query_id: r for r in results}, "csv") == text
    doc = json.loads(sm.format_results(results, "json"))
    assert [d["query_id"] for d in doc] == ids[:3]
    assert json.loads(sm.format_results([], "json")) == []
    assert sm.format_results([], "csv") == "query_id,rank,id,score,distance_km\n"
    with pytest.raises(sm.InvalidArgument):
        sm.format_results(results, "xml")
    with pytest.raises(sm.InvalidArgument):
        sm.format_results(results, "auto")
    with pytest.raises(TypeError):
        sm.format_results([list(results[0])])
    # CSV has one header: results of different criteria do not fit (the library says so)
    other = engine.top(ids[0], k=2, weighting={"complementarity": 1})
    w = sm.Weighting()
    w.add_criterion("extra", lambda p: 0.5)
    with pytest.raises(sm.InvalidArgument, match="criteria"):
        sm.format_results([other, engine.top(ids[0], k=2, weighting=w)], "csv")


def test_write_to_paths_and_files(engine, ids, tmp_path):
    res = engine.top(ids[2], k=3)
    res.write(tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_text() == res.to_csv()
    sm.write_results(str(tmp_path / "r.json"), [res])
    assert (tmp_path / "r.json").read_text() == res.to_json()
    text = io.StringIO()
    res.write(text, format="json")
    assert text.getvalue() == res.to_json()
    raw = io.BytesIO()
    res.write(raw, format="csv")
    assert raw.getvalue().decode() == res.to_csv()
    with pytest.raises(sm.InvalidArgument, match="format"):
        res.write(tmp_path / "r.txt")
    with pytest.raises(sm.InvalidArgument, match="format"):
        res.write(io.StringIO())
    with pytest.raises(TypeError):
        res.write(42, format="csv")


def test_copies_and_pickles(engine, ids):
    res = engine.top(ids[3], k=3)
    c = copy.copy(res)
    d = copy.deepcopy(res)
    assert c == res == d and c.to_csv() == res.to_csv() == d.to_csv()
    p = pickle.loads(pickle.dumps(res))
    assert p == res and p.query_id == res.query_id and p.criteria == res.criteria and p.weights == res.weights
    assert not p.formattable  # the C result stays in this process
    with pytest.raises(sm.InvalidArgument):
        p.to_csv()


def test_c_result_freed_with_the_matches(engine, ids, monkeypatch):
    freed = []
    real = _ffi.lib.sm_result_free
    monkeypatch.setattr(_ffi.lib, "sm_result_free", lambda h: (freed.append(h.value), real(h)))
    res = engine.top(ids[0], k=2)
    c = copy.copy(res)
    del res
    assert freed == []  # the copy still uses it
    del c
    assert len(freed) == 1
    engine.explain(ids[0], ids[1])  # explain frees at once
    assert len(freed) == 2
    engine.match_all(k=1, ids=ids[:5])  # batch results belong to the library
    assert len(freed) == 2
    res = engine.top(ids[0], k=2)
    engine.close()
    assert res.to_csv()  # independent of the engine
    del res
    assert len(freed) == 3


def test_match_all_output(engine, ids, tmp_path):
    # collected results cannot be formatted; output= writes them as they stream
    got = engine.match_all(k=2, ids=ids[:3])
    assert not got[ids[0]].formattable
    with pytest.raises(sm.InvalidArgument, match="output="):
        sm.format_results(got.values())
    out = tmp_path / "all.csv"
    assert engine.match_all(k=2, ids=ids[:3], threads=1, output=out) == {}
    # SMEs come in no fixed order (a batch goes region by region): compare
    # the header, then the rows as a set
    expected = sm.format_results([engine.top(q, k=2, explain=False) for q in ids[:3]]).splitlines()
    written = out.read_text().splitlines()
    assert written[0] == expected[0]
    assert sorted(written[1:]) == sorted(expected[1:])
    buf = io.StringIO()
    engine.match_all(k=2, ids=ids[:3], threads=1, output=buf, format="json")
    key = lambda r: json.dumps(r, sort_keys=True)
    assert sorted(json.loads(buf.getvalue()), key=key) == sorted(
        json.loads(sm.format_results([engine.top(q, k=2, explain=False) for q in ids[:3]], "json")), key=key)
    # on_result and output together
    seen = []
    engine.match_all(k=2, ids=ids[:3], output=io.BytesIO(), format="csv", on_result=lambda q, m: seen.append(q))
    assert sorted(seen) == sorted(ids[:3])
    # no match at all: CSV still has its header (from the weighting), JSON an empty array
    w = sm.Weighting.parse("complementarity=1")
    w.add_criterion("extra", lambda p: 0.5)
    buf = io.StringIO()
    engine.match_all(k=0, weighting=w, output=buf, format="csv")
    assert buf.getvalue() == "query_id,rank,id,score,distance_km," + ",".join(w.keys()) + "\n"
    buf = io.StringIO()
    engine.match_all(k=0, ids=[], output=buf, format="json")
    assert buf.getvalue() == "[]\n"  # an empty list of ids means none, not all
    assert engine.match_all(k=3, ids=[]) == {}
    buf = io.StringIO()
    engine.match_all(k=0, ids=ids[:2], output=buf, format="json", threads=1)
    assert [d["matches"] for d in json.loads(buf.getvalue())] == [[], []]
    with pytest.raises(sm.InvalidArgument, match="format"):
        engine.match_all(k=1, output=io.StringIO())
    with pytest.raises(sm.InvalidArgument, match="format"):
        engine.match_all(k=1, output=tmp_path / "all.xml")


def test_failed_batch_removes_its_output(engine, ids, tmp_path):
    out = tmp_path / "all.json"

    def stop(done, total):
        return done >= 5

    with pytest.raises(sm.Cancelled):
        engine.match_all(k=2, threads=1, output=out, progress=stop)
    assert not out.exists()

    class Boom(Exception):
        pass

    w = sm.Weighting()
    w.add_criterion("boom", lambda p: (_ for _ in ()).throw(Boom("inside")))
    with pytest.raises(Boom):
        engine.match_all(k=2, weighting=w, output=out)
    assert not out.exists()
    # a file object given by the caller is left to the caller
    buf = io.StringIO()
    with pytest.raises(sm.Cancelled):
        engine.match_all(k=2, threads=1, output=buf, format="csv", progress=stop)
    assert buf.getvalue().startswith("query_id,")


def test_explanation(engine, ids):
    q, b = ids[0], ids[1]
    w = sm.Weighting.preset("local")
    e = engine.explain(q, b, weighting=w)
    assert isinstance(e, sm.Explanation) and isinstance(e, sm.Match)
    assert (e.query_id, e.id, e.rank) == (q, b, 1)
    text = str(e)
    first, header, *rows = text.splitlines()
    assert b in first and q in first and f"{e.score:.4f}" in first
    assert header.split() == ["criterion", "score", "weight"]
    assert [r.split()[0] for r in rows] == list(sm.CRITERIA)
    assert float(rows[0].split()[2]) == pytest.approx(w["complementarity"])
