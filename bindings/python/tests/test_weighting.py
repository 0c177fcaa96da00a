"""Weightings: presets, parsing, weights, parameters, combiners, copies."""

from __future__ import annotations

import copy
import math

import pytest

import smartmatch as sm


def test_default_is_balanced():
    with sm.Weighting() as w, sm.Weighting.preset("balanced") as b:
        assert w == b
        assert w.keys() == list(sm.CRITERIA)
        assert len(w) == 7 and "complementarity" in w and "nope" not in w and 3 not in w
        assert all(v >= 0 for v in w.values())
        assert w.combiner == "mean"


def test_presets():
    names = sm.presets()
    assert {"balanced", "cross_border", "supply_chain", "cohesion", "local"} <= set(names)
    for name in names:
        with sm.Weighting.preset(name) as w:
            assert sum(w.values()) > 0
    with sm.Weighting.preset("cross-border") as a, sm.Weighting.preset("cross_border") as b:
        assert a == b
    with pytest.raises(sm.UnknownName):
        sm.Weighting.preset("nope")


def test_mapping_interface():
    w = sm.Weighting()
    w["complementarity"] = 3.0
    assert w["complementarity"] == 3.0
    w.update({"cohesion": 0.5}, language=0)
    assert w.as_dict()["cohesion"] == 0.5 and w["language"] == 0
    assert list(w) == w.keys() and dict(w.items()) == w.as_dict()
    with pytest.raises(sm.UnknownName) as ei:
        w["nope"]
    assert isinstance(ei.value, ValueError)
    with pytest.raises(sm.UnknownName):
        w["nope"] = 1
    with pytest.raises(sm.RangeError):
        w["cohesion"] = -1
    with pytest.raises(sm.RangeError):
        w["cohesion"] = math.nan
    with pytest.raises(sm.RangeError):
        w["cohesion"] = math.inf


def test_parse_and_to_string():
    w = sm.Weighting.parse("cross_border,complementarity=3,cohesion=0.5,combiner=geometric")
    assert w["complementarity"] == 3 and w["cohesion"] == 0.5 and w.combiner == "geometric"
    again = sm.Weighting.parse(str(w))
    assert again == w
    only = sm.Weighting.parse("complementarity=1,region_reach=2")
    assert only["sector_affinity"] == 0 and only["region_reach"] == 2
    assert "Weighting" in repr(only)
    with pytest.raises(sm.UnknownName):
        sm.Weighting.parse("complementarity=1,bogus=2")
    with pytest.raises(sm.RangeError):
        sm.Weighting.parse("complementarity=-1")
    with pytest.raises(sm.RangeError):
        sm.Weighting.parse("complementarity=0")
    with pytest.raises(sm.ParseError) as ei:
        sm.Weighting.parse("complementarity=abc")
    assert "complementarity" in str(ei.value)
    with pytest.raises(sm.ParseError):
        sm.Weighting.parse("complementarity=1,,cohesion=1")


def test_params():
    w = sm.Weighting()
    params = w.params
    assert set(params) == set(sm.PARAMS)
    w.set_param("region_reach.scale_km", 300)
    assert w.get_param("region_reach.scale_km") == 300
    w.set_param("complementarity.reciprocity", "max")
    assert w.get_param("complementarity.reciprocity") == 2
    with pytest.raises(sm.UnknownName):
        w.get_param("nope.param")
    with pytest.raises(sm.RangeError):
        w.set_param("region_reach.scale_km", 0)
    with pytest.raises(sm.InvalidArgument):
        w.set_param("region_reach.scale_km", "far")


def test_combiner():
    w = sm.Weighting()
    for name in ("geometric", "min", "mean"):
        w.combiner = name
        assert w.combiner == name
    fn = lambda scores, weights: max(scores)  # noqa: E731
    w.combiner = fn
    assert w.combiner is fn
    w.combiner = "mean"
    assert w.combiner == "mean"
    with pytest.raises(sm.InvalidArgument):
        w.combiner = "median"
    with pytest.raises(TypeError):
        w.combiner = 3


def test_add_criterion():
    w = sm.Weighting()
    w.add_criterion("always_half", lambda pair: 0.5, weight=0.25)
    assert w.keys()[-1] == "always_half" and w["always_half"] == 0.25
    w.add_criterion("always_half", lambda pair: 0.4)  # replaces the function
    assert w.keys().count("always_half") == 1
    with pytest.raises(sm.Duplicate):
        w.add_criterion("complementarity", lambda pair: 0.5)
    with pytest.raises(sm.BadCode):
        w.add_criterion("Bad Name", lambda pair: 0.5)
    with pytest.raises(sm.RangeError):
        w.add_criterion("negative", lambda pair: 0.5, weight=-1)
    with pytest.raises(TypeError):
        w.add_criterion("not_callable", 3)
    for i in range(32 - len(w)):
        w.add_criterion(f"c{i}", lambda pair: 0.0)
    with pytest.raises(sm.LimitExceeded):
        w.add_criterion("one_too_many", lambda pair: 0.0)


def test_copy_is_independent():
    w = sm.Weighting.preset("cohesion")
    w.add_criterion("half", lambda pair: 0.5)
    c = w.copy()
    assert c == w and c is not w
    c["cohesion"] = 0
    assert w["cohesion"] != 0
    assert copy.copy(w) == w and copy.deepcopy(w) == w
    w.close()
    assert c["half"] == 1.0  # the copy lives on


def test_closed_weighting_raises():
    w = sm.Weighting()
    w.close()
    w.close()  # twice is fine
    assert w.closed and "closed" in repr(w)
    with pytest.raises(sm.InvalidArgument, match="closed"):
        w["complementarity"]
    with pytest.raises(ValueError):
        w.copy()
    with pytest.raises(sm.Error):
        w.add_criterion("x", lambda p: 0)


def test_names_match_as_in_the_library():
    """Criterion, parameter and combiner names ignore ASCII case; '-' and '_' are alike."""
    w = sm.Weighting()
    w.add_criterion("my_crit", lambda p: 0.5)
    assert "Complementarity" in w and "region-reach" in w and "MY-CRIT" in w and "nope" not in w
    w["Region-Reach"] = 2.0
    assert w["region_reach"] == 2.0
    w.combiner = "Geometric"
    assert w.combiner == "geometric"
    w.set_param("Complementarity.Reciprocity", "MAX")
    assert w.get_param("complementarity.reciprocity") == 2
    assert "x\0" not in w
