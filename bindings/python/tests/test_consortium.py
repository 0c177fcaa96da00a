"""The consortium builder from Python (smartmatch.consortium,
Engine.build_consortia): call profiles, the result records, the rules
checked again here, a brute-force check of the best consortium written from
docs/consortium.md, and infeasible calls."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import re

import pytest

import smartmatch as sm
from conftest import REPO, make_smes


def test_call_presets_parse_and_set():
    assert sm.CALL_PRESETS == ("horizon-europe", "interreg-ce", "interreg-europe", "interreg-euro-med")
    with sm.Call("interreg-ce", topics={"sensors": 2, "iot connectivity": 1}, size=(4, 6),
                 min_partners=["2 in interreg-ce-area", "1 in SI"]) as c:
        s = str(c)
        assert "topics = sensors:2;iot connectivity:1\n" in s
        assert "size = 4..6\n" in s
        assert "min_partners = 2 in interreg-ce-area\nmin_partners = 1 in SI\n" in s
        with sm.Call.parse(s) as d:
            assert str(d) == s
        with pytest.raises(sm.RangeError) as e:
            c.set("size", "9..2")
        assert "size" in str(e.value)
        assert str(c) == s  # unchanged
        with pytest.raises(sm.UnknownName):
            c.set("colour", "red")
    with pytest.raises(sm.UnknownName):
        sm.Call("erasmus")
    with pytest.raises(sm.ParseError) as e:
        sm.Call.parse("size = 3\nmin_countries = many\n", name="call.txt")
    assert e.value.line == 2 and e.value.file == "call.txt"
    if sm.format_supported("json"):
        with sm.Call.parse(json.dumps({"preset": "horizon-europe", "topics": ["sensors"]})) as c:
            assert "min_partners = 1 in eu" in str(c)


@pytest.fixture(scope="module")
def cadses():
    if not sm.format_supported("csv"):
        pytest.skip("library built without CSV support")
    with sm.Engine() as eng:
        eng.load(REPO / "examples" / "data" / "cadses_smes.csv")
        eng.load(REPO / "examples" / "data" / "cadses_development.csv")
        yield eng


CE = ("AT", "CZ", "HR", "HU", "PL", "SI", "SK", "DE1", "DE2", "DE3", "DE4", "DE8", "DED", "DEE", "DEG",
      "ITC1", "ITC2", "ITC3", "ITC4", "ITH1", "ITH2", "ITH3", "ITH4", "ITH5")


def test_interreg_ce_on_the_sample_data(cadses):
    out = cadses.build_consortia("interreg-ce", lead="SI-00001", topics=["sensors", "pcb design"], size=(4, 6),
                                 min_less_developed="1 below 75", k=3)
    assert isinstance(out, sm.Consortia) and len(out) == 3 and out.exact and out.infeasible == ""
    for i, c in enumerate(out):
        assert c.rank == i + 1 and c.lead.id == "SI-00001" and c.lead.role == "lead"
        assert all(m.role == "partner" for m in c.members[1:])
        regions = [cadses[m].region for m in c.ids]
        assert 4 <= len(c.ids) <= 6
        assert len({r[:2] for r in regions}) >= 3
        assert sum(r.startswith(CE) for r in regions) >= 2
        assert sum(cadses.regions.development(r) < 75 for r in regions) >= 1
        assert all(r.ok for r in c.rules)
        assert set(c.coverage) == {"sensors", "pcb design"}
        assert set(c.terms) == {"coverage", "pairs", "lead", "cohesion"}
        assert all(m.reason for m in c.members)
        if i:
            assert c.score <= out[i - 1].score
    # deterministic
    again = cadses.build_consortia("interreg-ce", lead="SI-00001", topics=["sensors", "pcb design"],
                                   size=(4, 6), min_less_developed="1 below 75", k=3)
    assert again == out


def test_infeasible_and_errors(cadses):
    out = cadses.build_consortia("interreg-ce", lead="SI-00001", min_countries=9, size=(3, 5))
    assert len(out) == 0
    assert out.infeasible.startswith('no eligible consortium: rule "min_countries 9" cannot be met because')
    with pytest.raises(sm.NotFound):
        cadses.build_consortia("interreg-ce", lead="NOPE")
    with pytest.raises(sm.InvalidArgument):
        cadses.build_consortia("interreg-ce", lead="SI-00001", k=0)


def _objective(eng, ids, topics, w=(2.0, 1.0, 0.5, 0.5), decay=0.3, threshold=100.0):
    """The objective of docs/consortium.md, from Engine.explain and the SME records."""
    pair = {}
    for a, b in itertools.permutations(ids, 2):
        pair[a, b] = eng.explain(a, b).score
    p = lambda a, b: (pair[a, b] + pair[b, a]) / 2  # noqa: E731
    n = len(ids)
    cov = sum(1 - decay ** sum(t in eng[i].offers for i in ids) for t in topics) / len(topics)
    pairs = sum(p(a, b) for a, b in itertools.combinations(ids, 2)) / (n * (n - 1) / 2)
    lead = sum(p(ids[0], b) for b in ids[1:]) / (n - 1)
    lead = 0.5 * lead + 0.5 * sum(t in eng[ids[0]].offers for t in topics) / len(topics)
    devs = [eng.regions.development(eng[i].region) for i in ids]
    lo = sum(d is not None and not math.isnan(d) and d < threshold for d in devs)
    hi = sum(d is not None and not math.isnan(d) and d >= threshold for d in devs)
    coh = min(1.0, 2 * min(lo, hi) / n)
    return (w[0] * cov + w[1] * pairs + w[2] * lead + w[3] * coh) / sum(w)


def test_best_equals_brute_force():
    with sm.Engine() as eng:
        eng.add_smes(make_smes(eng, n=12, seed=7))
        ids = sorted(eng.ids())
        lead = ids[0]
        topics = ["logistics", "welding"]
        out = eng.build_consortia(None, lead=lead, topics=topics, size=(2, 4), min_countries=2, k=1)
        best = -1.0
        others = ids[1:]
        for n in range(1, 4):
            for rest in itertools.combinations(others, n):
                members = [lead, *rest]
                if len({m[:2] for m in members}) < 2:
                    continue
                best = max(best, _objective(eng, members, topics))
        assert out[0].score == pytest.approx(best, abs=1e-9)
        assert _objective(eng, out[0].ids, topics) == pytest.approx(out[0].score, abs=1e-9)


def test_guide_python_example(monkeypatch):
    """The Python example of docs/consortium.md prints what the guide shows."""
    if not sm.format_supported("csv"):
        pytest.skip("library built without CSV support")
    doc = (REPO / "docs" / "consortium.md").read_text(encoding="utf-8")
    m = re.search(r"The same from Python.*?```python\n(.*?)```\n\n```text\n(.*?)```", doc, flags=re.S)
    assert m, "no Python example in docs/consortium.md"
    monkeypatch.chdir(REPO)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(m.group(1), "docs/consortium.md", "exec"), {})
    assert out.getvalue() == m.group(2)
