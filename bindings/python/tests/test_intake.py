"""Data intake from Python: DataFrames and spreadsheet rows, spreadsheet
exports with their delimiter and encoding, tags compared after Unicode
folding, results as DataFrames and HTML."""

import math
import os

import pytest

import smartmatch as sm

DATA = os.path.join(os.environ.get("SM_SOURCE_ROOT", "."), "tests", "io", "data")


def test_fold_meets_spellings():
    assert sm.fold("ŽELEZNÉ  ODLITKY") == sm.fold("železné odlitky") == "železné odlitky"
    assert sm.fold("o\u0308lmu\u0308hle service") == sm.fold("Ölmühle Service")
    assert sm.fold("cnc\u00a0machining") == "cnc machining"
    with pytest.raises(sm.BadCode):
        sm.fold("  ")


def test_tags_shown_as_first_spelt(empty_engine):
    eng = empty_engine
    eng.add_sme("A", region="SI041", sectors=["25"], offers=["ÖLMÜHLE SERVICE"], needs=["STRASSE"])
    eng.add_sme("B", region="AT130", sectors=["25"], needs=["ölmühle service"], offers=["Straße"])
    assert eng["B"].needs == ["ÖLMÜHLE SERVICE"]
    assert eng.explain("A", "B").breakdown["complementarity"] > 0


def test_load_spreadsheet_exports(empty_engine):
    eng = empty_engine
    with pytest.raises(sm.ParseError) as ei:
        eng.load(os.path.join(DATA, "excel_ce_smes.csv"))
    assert "--encoding windows-1250" in str(ei.value) and 'encoding="windows-1250"' in str(ei.value)
    eng.load(os.path.join(DATA, "excel_ce_smes.csv"), encoding="windows-1250")
    eng.load(os.path.join(DATA, "excel_ce_development.csv"), encoding="windows-1250")
    assert eng["SI-101"].name == "Livarna Štore d.o.o."
    assert math.isclose(eng.regions.development("CZ063"), 119.5)
    eng.loads("id|region|sectors\nX|SI041|25\n".replace("|", ";"), delimiter=";")
    assert "X" in eng
    with pytest.raises(sm.InvalidArgument):
        eng.loads("id\n", delimiter="|")


def test_add_smes_from_rows(empty_engine):
    eng = empty_engine
    rows = [
        {"ID": " SI-1 ", "region": "SI041", "sectors": "25.11;28.41", "offers": "cnc machining; welding",
         "employees": 46.0, "founded": float("nan"), "needs": None, "comment": "ignored"},
        {"id": "AT-2", "region": "AT130", "sectors": ["25"], "size": "", "languages": "de;en"},
    ]
    assert eng.add_smes(rows) == 2
    rec = eng["SI-1"]
    assert rec.sectors == ["25.11", "28.41"] and rec.offers == ["cnc machining", "welding"]
    assert rec.employees == 46 and rec.founded is None and rec.needs == []
    assert sorted(eng["AT-2"].languages) == ["de", "en"]
    with pytest.raises(sm.RowError) as ei:
        eng.add_smes([{"id": "B", "region": "SI041", "sectors": "25", "employees": 4.5}])
    assert ei.value.row == 0 and ei.value.column == "employees" and "row 0, column 'employees'" in str(ei.value)
    with pytest.raises(sm.UnknownCode) as ei:
        eng.add_smes([rows[1], {"id": "C", "region": "XX9", "sectors": "25"}])
    assert ei.value.index == 1
    assert len(eng) == 2


def test_add_smes_from_dataframe(empty_engine):
    pd = pytest.importorskip("pandas")
    eng = empty_engine
    df = pd.DataFrame({
        "id": ["SI-1", "HR-2", "RS-3"],
        "name": ["Kovina", None, "Metal"],
        "region": ["SI041", "HR033", "RS12"],
        "sectors": ["25.11", "30.11", "25.11;28"],
        "employees": [46, None, 12],  # a column with a NaN is float64
        "offers": ["cnc machining;welding", "ship repair", None],
        "needs": ["ship repair", "CNC Machining", "welding"],
        "notes": ["x", "y", "z"],
    }, index=["r1", "r2", "r3"])
    assert df["employees"].dtype.kind == "f"
    assert eng.add_smes(df) == 3
    assert eng["SI-1"].employees == 46 and eng["HR-2"].employees is None and eng["HR-2"].name == ""
    bad = df.copy()
    bad.loc["r2", "employees"] = 3.5
    with pytest.raises(sm.RowError) as ei:
        eng.add_smes(bad)
    assert ei.value.row == "r2" and ei.value.column == "employees"
    res = eng.top("SI-1", k=2)
    frame = res.to_pandas()
    assert list(frame.columns[:5]) == ["query_id", "rank", "id", "score", "distance_km"]
    assert list(frame["id"]) == [m.id for m in res] and frame["score"].iloc[0] == res[0].score
    html = res._repr_html_()
    assert html.startswith("<table>") and "HR-2" in html and "partners of SI-1" in html


def test_py_typed_is_shipped():
    import smartmatch
    assert os.path.exists(os.path.join(os.path.dirname(smartmatch.__file__), "py.typed"))
