"""The status -> exception mapping and the library's messages."""

from __future__ import annotations

import pickle

import pytest

import smartmatch as sm

EXPECTED = {
    1: sm.InvalidArgument, 2: sm.NoMemory, 3: sm.NotFound, 4: sm.Duplicate, 5: sm.BadId, 6: sm.BadCode,
    7: sm.UnknownCode, 8: sm.RangeError, 9: sm.ParseError, 10: sm.FileError, 11: sm.Unsupported,
    12: sm.CallbackError, 13: sm.Cancelled, 14: sm.LimitExceeded, 15: sm.UnknownName,
}


def test_every_status_has_a_class():
    for status, cls in EXPECTED.items():
        assert sm.error_class(status) is cls
        assert cls.status == status
        assert issubclass(cls, sm.Error)
        # names agree with the C library's sm_status_str()
        from smartmatch._ffi import lib, text
        assert sm.status_name(status) == text(lib.sm_status_str(status))
    assert sm.error_class(999) is sm.Error
    assert sm.status_name(999) == "SM_ERR_UNKNOWN"


def test_builtin_bases():
    assert issubclass(sm.NoMemory, MemoryError)
    assert issubclass(sm.NotFound, KeyError) and issubclass(sm.NotFound, LookupError)
    for cls in (sm.InvalidArgument, sm.RangeError, sm.ParseError, sm.BadId, sm.BadCode, sm.UnknownName):
        assert issubclass(cls, ValueError)
    assert issubclass(sm.FileError, OSError)
    e = sm.FileError("x.csv: cannot open", file="x.csv")
    assert str(e) == "x.csv: cannot open" and e.file == "x.csv" and e.status == 10
    assert isinstance(pickle.loads(pickle.dumps(e)), OSError)


def test_error_attributes_and_pickle():
    e = sm.ParseError("f.csv:3: region: bad", file="f.csv", line=3, column=4, field="region", value="x")
    assert (e.status, e.status_name) == (9, "SM_ERR_PARSE")
    assert str(e) == "f.csv:3: region: bad"
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is sm.ParseError and (e2.file, e2.line, e2.column, e2.field, e2.value) == \
        ("f.csv", 3, 4, "region", "x")
    assert str(sm.NotFound("no SME \"x\"")) == 'no SME "x"'  # not KeyError's quoted repr


def test_message_comes_from_the_library(empty_engine):
    with pytest.raises(sm.UnknownCode) as ei:
        empty_engine.add_sme("A", region="SI9", sectors=["25.11"])
    e = ei.value
    assert e.status == 7 and e.field == "region" and e.value == "SI9"
    assert 'SI9' in e.message and e.message == str(e)


def test_each_class_is_reachable(engine, ids, tmp_path):
    """Real calls that fail with each status the Python API can reach."""
    with pytest.raises(sm.InvalidArgument):
        engine.explain(ids[0], ids[0])
    with pytest.raises(sm.NotFound):
        engine.top("no-such-id")
    with pytest.raises(sm.Duplicate):
        sm.Weighting().add_criterion("cohesion", lambda p: 0)
    with pytest.raises(sm.BadId):
        engine.add_sme("bad\tid", region="SI032", sectors=["25"])
    with pytest.raises(sm.BadCode):
        engine.add_sme("X", region="si-032!", sectors=["25"])
    with pytest.raises(sm.UnknownCode):
        engine.add_sme("X", region="SI9", sectors=["25"])
    with pytest.raises(sm.RangeError):
        sm.Weighting.parse("complementarity=-2")
    with pytest.raises(sm.ParseError):
        sm.Weighting.parse("complementarity=x")
    with pytest.raises(sm.FileError):
        engine.load(tmp_path / "missing.csv")
    with pytest.raises(sm.CallbackError):
        w = sm.Weighting()
        w.add_criterion("nan", lambda p: float("nan"))
        engine.top(ids[0], weighting=w)
    with pytest.raises(sm.Cancelled):
        engine.match_all(k=3, threads=1, progress=lambda done, total: True)
    with pytest.raises(sm.LimitExceeded):
        w = sm.Weighting()
        for i in range(40):
            w.add_criterion(f"c{i}", lambda p: 0)
    with pytest.raises(sm.UnknownName):
        sm.Weighting.preset("no-such-preset")
    with pytest.raises(sm.BadCode):
        engine.top(ids[0], countries=["not a country"])
    if not sm.format_supported("json"):
        with pytest.raises(sm.Unsupported):
            engine.loads('{"smes": []}', format="json")


def test_strings_are_checked_before_c(engine, ids):
    """C would cut a string at a NUL, or take bytes(5) for five NULs: both refused up front."""
    with pytest.raises(sm.InvalidArgument, match="NUL"):
        engine.top(ids[0] + "\0junk")
    with pytest.raises(sm.InvalidArgument, match="NUL"):
        engine.add_sme("A\0B", region="SI032", sectors=["25"])
    with pytest.raises(sm.InvalidArgument, match="sectors"):
        engine.add_sme("A", region="SI032", sectors=["25\0"])
    with pytest.raises(TypeError, match="sectors"):
        engine.add_sme("A", region="SI032", sectors=[2511])
    with pytest.raises(TypeError):
        engine.top(42)
    assert (ids[0] + "\0junk") not in engine and ids[0] in engine and engine.get(ids[0] + "\0") is None
    assert "SI032\0" not in engine.regions and engine.regions.get("SI032\0") is None
    assert "25\0" not in engine.sectors and engine.sectors.get("25\0", 1) == 1
