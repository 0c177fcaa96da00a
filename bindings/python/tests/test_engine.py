"""Engine life cycle, SMEs, regions, sectors, affinity and cooperation types."""

from __future__ import annotations


import pytest

import smartmatch as sm
from conftest import make_smes


def test_version_and_library():
    assert sm.__version__ == "0.1.0"
    major, minor, _ = sm.library_version_info()
    assert major == 0 and minor >= 1
    assert sm.library_version().startswith(f"{major}.{minor}.")
    assert set(sm.__all__) <= set(dir(sm))


def test_taxonomy_choices():
    with sm.Engine() as eng:
        assert len(eng.regions) > 1000 and len(eng.sectors) == 996
    with sm.Engine(builtin_taxonomies=False) as eng:
        assert len(eng.regions) == 0 and len(eng.sectors) == 0
        eng.load_builtin({"nace"})
        assert len(eng.sectors) == 996 and len(eng.regions) == 0
    with sm.Engine(builtin_taxonomies={"nuts"}) as eng:
        assert "SI032" in eng.regions and len(eng.sectors) == 0
    with pytest.raises(sm.InvalidArgument):
        sm.Engine(builtin_taxonomies={"isic"})


def test_add_and_read_back(empty_engine):
    eng = empty_engine
    eng.add_sme(id="SI-0001", name="Kovina d.o.o.", region="SI032", sectors=["C25.11", "2562"],
                size="small", offers=["CNC   Machining", "welding"], needs=["export distribution"],
                cooperation=["subcontracting", "r&d"], languages=["sl", "EN"], employees=None, founded=1994)
    assert len(eng) == 1 and "SI-0001" in eng and "SI-0002" not in eng and 42 not in eng
    rec = eng["SI-0001"]
    assert isinstance(rec, sm.SME)
    assert rec.id == "SI-0001" and rec.name == "Kovina d.o.o." and rec.region == "SI032"
    assert rec.sectors == ["25.11", "25.62"]
    assert rec.size == "small" and rec.employees is None and rec.founded == 1994
    assert sorted(rec.offers) == ["CNC Machining", "welding"]  # as first spelt, white space collapsed
    assert rec.needs == ["export distribution"]
    assert set(rec.cooperation) == {"subcontracting", "rnd"}
    assert sorted(rec.languages) == ["en", "sl"]
    # a record read back can be put again unchanged
    eng.add_sme(rec)
    assert eng["SI-0001"] == rec
    # replace by id
    eng.add_sme("SI-0001", region="AT130", sectors=["62.01"], employees=30)
    again = eng["SI-0001"]
    assert again.region == "AT130" and again.size == "small" and again.employees == 30
    assert len(eng) == 1


def test_get_iter_remove(engine, ids):
    assert len(engine) == 80
    records = list(engine)
    assert sorted(r.id for r in records) == ids
    assert all(isinstance(r, sm.SME) for r in records)
    assert engine.get("nope") is None and engine.get("nope", 7) == 7
    with pytest.raises(sm.NotFound) as ei:
        engine["nope"]
    assert isinstance(ei.value, KeyError) and isinstance(ei.value, LookupError)
    assert "nope" in str(ei.value)
    del engine[ids[0]]
    engine.remove(ids[1])
    assert len(engine) == 78 and ids[0] not in engine
    with pytest.raises(sm.NotFound):
        del engine[ids[0]]


def test_add_smes_is_atomic(empty_engine):
    eng = empty_engine
    smes = make_smes(eng, 20)
    bad = dict(id="BAD-1", region="XX999", sectors=["25.11"])
    with pytest.raises(sm.UnknownCode) as ei:
        eng.add_smes(smes[:10] + [bad] + smes[10:])
    assert ei.value.index == 10
    assert len(eng) == 0
    # dicts and records mixed
    as_dicts = [dict(s.__dict__) for s in smes[:5]]
    assert eng.add_smes(as_dicts + smes[5:]) == 20
    assert len(eng) == 20
    # duplicate id inside one bulk
    with pytest.raises(sm.Duplicate):
        eng.add_smes([smes[0], smes[0]])
    # other keys are ignored, as the CSV loader ignores other columns
    assert eng.add_smes([{"id": "A", "region": "SI032", "sectors": ["25"], "colour": "red"}]) == 1
    with pytest.raises(TypeError):
        eng.add_smes([42])


def test_bad_sme_fields_map_to_errors(empty_engine):
    eng = empty_engine
    base = dict(region="SI032", sectors=["25.11"])
    with pytest.raises(sm.BadId):
        eng.add_sme("", **base)
    with pytest.raises(sm.BadId):
        eng.add_sme("a\nb", **base)
    with pytest.raises(sm.BadCode) as ei:
        eng.add_sme("A", region="S!", sectors=["25.11"])
    assert ei.value.field == "region"
    with pytest.raises(sm.BadCode):
        eng.add_sme("A", region="SI032", sectors=["not a code"])
    with pytest.raises(sm.UnknownCode) as ei:
        eng.add_sme("A", region="SI9", sectors=["25.11"])
    assert ei.value.field == "region" and ei.value.value == "SI9" and "SI9" in str(ei.value)
    with pytest.raises(sm.RangeError):
        eng.add_sme("A", founded=3000, **base)
    with pytest.raises(sm.RangeError):
        eng.add_sme("A", size="micro", employees=100, **base)
    with pytest.raises(sm.UnknownName):
        eng.add_sme("A", size="huge", **base)
    with pytest.raises(sm.UnknownName):
        eng.add_sme("A", cooperation=["piracy"], **base)
    with pytest.raises(sm.InvalidArgument):
        eng.add_sme("A", region="SI032", sectors=[])
    with pytest.raises(TypeError):
        eng.add_sme("A", region="SI032")
    assert len(eng) == 0


def test_regions_view(empty_engine):
    regions = empty_engine.regions
    si = regions["SI032"]
    assert isinstance(si, sm.Region)
    assert (si.code, si.country, si.parent, si.level) == ("SI032", "SI", "SI03", 3)
    assert -90 <= si.lat <= 90 and -180 <= si.lon <= 180
    assert "SI032" in regions and "SI9" not in regions and "!!" not in regions and 5 not in regions
    assert regions.get("SI9") is None
    with pytest.raises(sm.NotFound):
        regions["SI9"]
    codes = list(regions)
    assert len(codes) == len(regions) and len(codes[0]) == 2  # built-ins first by level, then code
    assert dict(regions.items())["SI03"].parent == "SI0"
    # distance and development
    d = regions.distance_km("SI032", "AT221")
    assert 30 < d < 200
    assert regions.distance_km("SI032", "SI032") == 0
    assert regions.neighbours("SI032", "SI031") and regions.neighbours("AT22", "SI032")
    assert not regions.neighbours("SI032", "SI032") and not regions.neighbours("SI032", "ITC11")
    assert not regions.neighbours("SI032", "XX999")
    assert regions.development("SI032") is None
    regions.set_development("SI0", 85.0)
    assert regions.development("SI032") == 85.0 and regions["SI032"].development is None
    regions.set_development("SI0", None)
    assert regions.development("SI032") is None
    with pytest.raises(sm.RangeError):
        regions.set_development("SI0", -1)
    # adding a region
    regions.add("SIZ", "Extra", 46.0, 14.5, development=70, languages=["sl"])
    assert regions["SIZ"].development == 70 and regions["SIZ"].languages == ("sl",)
    with pytest.raises(sm.UnknownCode):
        regions.add("QQ12", "Orphan", 0, 0)
    with pytest.raises(sm.RangeError):
        regions.add("SIY", "Bad", 95.0, 0)


def test_sectors_view(empty_engine):
    sectors = empty_engine.sectors
    for spelling in ("C25.11", "c 25.11", "2511", "25.11"):
        s = sectors[spelling]
        assert (s.code, s.parent, s.section, s.level) == ("25.11", "25.1", "C", 4)
        assert spelling in sectors
    assert sectors["C"].level == 1 and sectors["25"].section == "C"
    assert "99.99" not in sectors and "xyz" not in sectors
    with pytest.raises(sm.BadCode):
        sectors["xyz"]
    with pytest.raises(sm.NotFound):
        sectors["99.99"]
    assert sm.normalize_sector("C 25.11") == "25.11" == sectors.normalize("2511")
    with pytest.raises(sm.BadCode):
        sm.normalize_sector("hello")
    assert len(list(sectors)) == len(sectors) == 996
    sectors.add("25.11", "Renamed")
    assert sectors["25.11"].name == "Renamed"


def test_affinity(empty_engine):
    eng = empty_engine
    a = eng.affinity("25", "28")
    assert 0.0 <= a <= 1.0 and a == eng.affinity("28", "25")
    eng.set_affinity("25", "28", 0.9)
    assert eng.affinity("25.11", "28") == pytest.approx(0.9)
    eng.set_affinity_matrix(["25", "28"], [[1.0, 0.2], [0.4, 1.0]])
    assert eng.affinity("25", "28") == pytest.approx(0.3)
    assert eng.affinity("25", "62") == 0.0
    eng.reset_affinity()
    assert eng.affinity("25", "28") == pytest.approx(a)
    with pytest.raises(sm.RangeError):
        eng.set_affinity("25", "28", 1.5)
    with pytest.raises(sm.InvalidArgument):
        eng.set_affinity_matrix(["25", "28"], [[1.0]])


def test_cooperation_types(empty_engine):
    eng = empty_engine
    assert eng.cooperation_types[:2] == ["joint_venture", "subcontracting"]
    bit = eng.register_cooperation("mentoring")
    assert bit == 1 << 8 and eng.register_cooperation("mentoring") == bit
    eng.add_sme("A", region="SI032", sectors=["25"], cooperation=["mentoring", "supply"])
    assert set(eng["A"].cooperation) == {"mentoring", "supply"}
    with pytest.raises(sm.BadCode):
        eng.register_cooperation("Bad Name!")
    for i in range(9, 32):
        eng.register_cooperation(f"type_{i}")
    with pytest.raises(sm.LimitExceeded):
        eng.register_cooperation("one_too_many")


def test_size_helpers():
    assert sm.size_from_employees(3) == "micro"
    assert sm.size_from_employees(10) == "small"
    assert sm.size_from_employees(249) == "medium"
    assert sm.size_from_employees(250) == "large"
    assert sm.size_from_employees(-1) == "unknown"


def test_repr_and_help(engine):
    assert "80 SMEs" in repr(engine)
    assert "Engine" in (sm.Engine.__doc__ or "") and sm.Engine.top.__doc__
    for name in ("top", "explain", "match_all", "load", "add_sme", "add_smes"):
        assert getattr(sm.Engine, name).__doc__, name
