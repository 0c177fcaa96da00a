"""Loading CSV and JSON: strict, lenient, dry runs, error locations, the sample data."""

from __future__ import annotations


import pytest

import smartmatch as sm
from conftest import csv_supported

HEADER = "id,name,region,sectors,size,employees,founded,offers,needs,cooperation,languages\n"
GOOD = [
    "SI-1,Kovina,SI032,C25.11;C25.62,small,12,1994,cnc machining;welding,export distribution,subcontracting,sl;en\n",
    "AT-1,Holz,AT221,C16.10,micro,5,2001,wood processing,cnc machining,supply;distribution,de;en\n",
    "HR-1,Vino,HR031,A01.21,medium,80,1970,wine,packaging;export distribution,distribution,hr\n",
]
BAD_REGION = "XX-1,Broken,SI9,C25.11,small,12,1994,x,y,supply,sl\n"

needs_csv = pytest.mark.skipif(not csv_supported(), reason="library built without CSV support")


@needs_csv
def test_loads_csv(empty_engine):
    rep = empty_engine.loads(HEADER + "".join(GOOD), name="smes.csv")
    assert isinstance(rep, sm.LoadReport)
    assert (rep.rows, rep.loaded, rep.skipped, rep.problems) == (3, 3, 0, [])
    assert len(empty_engine) == 3
    rec = empty_engine["SI-1"]
    assert rec.sectors == ["25.11", "25.62"] and rec.founded == 1994 and rec.employees == 12
    assert sorted(rec.offers) == ["cnc machining", "welding"] and sorted(rec.languages) == ["en", "sl"]


@needs_csv
def test_strict_error_has_location(empty_engine):
    text = HEADER + GOOD[0] + BAD_REGION + GOOD[1]
    with pytest.raises(sm.Error) as ei:
        empty_engine.loads(text, name="smes.csv")
    e = ei.value
    assert isinstance(e, (sm.UnknownCode, sm.ParseError))
    assert e.file == "smes.csv" and e.line == 3 and e.field == "region" and e.value == "SI9"
    assert "smes.csv" in str(e) and "SI9" in str(e)
    assert len(empty_engine) == 0  # strict: nothing loaded


@needs_csv
def test_broken_csv_is_parse_error(empty_engine, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(HEADER + GOOD[0] + 'SI-2,"unterminated,SI032,C25,small\n')
    with pytest.raises(sm.ParseError) as ei:
        empty_engine.load(path)
    e = ei.value
    assert e.file.endswith("broken.csv") and e.line >= 3
    path.write_text(HEADER + "SI-3,Bad year,SI032,C25,small,12,nineteen,x,y,supply,sl\n")
    with pytest.raises(sm.ParseError) as ei:
        empty_engine.load(str(path))
    e = ei.value
    assert (e.line, e.field, e.value) == (2, "founded", "nineteen")
    assert e.column == 7
    assert len(empty_engine) == 0


@needs_csv
def test_lenient_collects_problems(empty_engine):
    text = HEADER + GOOD[0] + BAD_REGION + GOOD[1] + "SI-3,Bad year,SI032,C25,small,12,nineteen,x,y,supply,sl\n"
    rep = empty_engine.loads(text, name="smes.csv", strict=False)
    assert (rep.rows, rep.loaded, rep.skipped) == (4, 2, 2)
    assert [p.line for p in rep.problems] == [3, 5]
    p = rep.problems[0]
    assert isinstance(p, sm.Problem) and p.field == "region" and p.value == "SI9" and p.file == "smes.csv"
    assert isinstance(p.exception(), sm.UnknownCode) and str(p) == p.message
    assert isinstance(rep.problems[1].exception(), sm.ParseError)
    assert sorted(empty_engine.ids()) == ["AT-1", "SI-1"]


@needs_csv
def test_dry_run_changes_nothing(empty_engine):
    rep = empty_engine.loads(HEADER + "".join(GOOD), dry_run=True)
    assert rep.loaded == 3 and len(empty_engine) == 0


def test_missing_file_and_bad_options(empty_engine, tmp_path):
    with pytest.raises(sm.FileError) as ei:
        empty_engine.load(tmp_path / "missing.csv")
    assert "missing.csv" in str(ei.value)
    with pytest.raises(sm.InvalidArgument):
        empty_engine.load(tmp_path / "x.csv", format="xml")
    with pytest.raises(sm.InvalidArgument):
        empty_engine.load(tmp_path / "x.csv", kind="people")


@pytest.mark.skipif(not sm.format_supported("json"), reason="library built without JSON support")
def test_loads_json(empty_engine):
    text = """{"smes": [
      {"id": "SI-1", "name": "Kovina", "region": "SI032", "sectors": ["C25.11"], "size": "small",
       "offers": ["cnc machining"], "needs": ["export distribution"], "cooperation": ["subcontracting"],
       "languages": ["sl", "en"]},
      {"id": "AT-1", "region": "AT221", "sectors": ["C16.10"], "employees": 5}
    ]}"""
    rep = empty_engine.loads(text, name="smes.json")
    assert rep.loaded == 2 and empty_engine["AT-1"].size == "micro"
    with pytest.raises(sm.ParseError) as ei:
        empty_engine.loads('{"smes": [ {"id": "X",, } ]}', name="bad.json")
    assert ei.value.file == "bad.json" and ei.value.line == 1


def test_sample_data(sample_csv):
    with sm.Engine() as eng:
        rep = eng.load(sample_csv)
        assert rep.loaded == len(eng) > 0 and rep.skipped == 0
        first = next(iter(eng))
        assert eng.top(first.id, k=5)
