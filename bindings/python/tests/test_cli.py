"""The Python package and the C command-line tool agree on the sample data:
the same partners and scores, and byte for byte the same CSV and JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, List, Tuple

import pytest

import smartmatch as sm
from conftest import find_cli


def _matches(doc: Any) -> List[Tuple[str, float]]:
    """(id, score) pairs from the library's JSON result format."""
    out = []
    for item in doc:
        for m in item["matches"]:
            out.append((m["id"], float(m["score"])))
    return out


@pytest.fixture(scope="module")
def cli():
    path = find_cli()
    if path is None:
        pytest.skip("the smartmatch CLI was not built next to the library")
    return path


@pytest.fixture(scope="module")
def sample_engine(sample_csv):
    with sm.Engine() as eng:
        eng.load(sample_csv)
        yield eng


def _run(cli: Path, *args: str) -> str:
    run = subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout


def _queries(eng: sm.Engine) -> List[str]:
    ids = sorted(eng.ids())
    return ids[:: max(1, len(ids) // 8)][:8]


def test_top_agrees_with_cli(cli, sample_csv, sample_engine):
    for q in _queries(sample_engine):
        expected = _matches(json.loads(_run(cli, "match", "--data", str(sample_csv), "--id", q, "--format", "json")))
        got = [(m.id, m.score) for m in sample_engine.top(q, k=10)]
        assert got == expected, q  # same ids, same doubles


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_output_is_byte_identical(cli, sample_csv, sample_engine, fmt):
    w = sm.Weighting.preset("cross_border")
    for q in _queries(sample_engine)[:4]:
        expected = _run(cli, "match", "--data", str(sample_csv), "--id", q, "--preset", "cross_border",
                        "--cross-border", "--size", "micro", "--size", "small", "-k", "7", "--format", fmt)
        res = sample_engine.top(q, k=7, weighting=w, cross_border=True, sizes=["micro", "small"])
        assert (res.to_csv() if fmt == "csv" else res.to_json()) == expected, q


def test_weights_text_agrees_with_cli(cli, sample_csv, sample_engine):
    spec = "complementarity=3,sector_affinity=1,region_reach=2,region_reach.scale_km=300"
    q = _queries(sample_engine)[2]
    expected = _run(cli, "match", "--data", str(sample_csv), "--id", q, "--weights", spec, "-k", "5",
                    "--format", "csv")
    assert sample_engine.top(q, k=5, weighting=spec).to_csv() == expected


def test_explain_agrees_with_cli(cli, sample_csv, sample_engine):
    q = _queries(sample_engine)[1]
    partner = sample_engine.top(q, k=3)[2].id
    doc = json.loads(_run(cli, "explain", "--data", str(sample_csv), "--preset", "supply_chain", q, partner,
                          "--format", "json"))
    (item,) = doc
    (m,) = item["matches"]
    e = sample_engine.explain(q, partner, weighting="supply_chain")
    assert (item["query_id"], m["id"]) == (e.query_id, e.id)
    assert m["score"] == e.score and m["distance_km"] == e.distance_km
    assert m["breakdown"] == e.breakdown


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_batch_output_is_byte_identical(cli, sample_csv, sample_engine, tmp_path, fmt):
    # One worker thread: results come in engine order on both sides.
    c_out = tmp_path / f"cli.{fmt}"
    _run(cli, "batch", "--data", str(sample_csv), "--out", str(c_out), "-t", "1", "-k", "3", "--cross-border")
    py_out = tmp_path / f"py.{fmt}"
    assert sample_engine.match_all(k=3, threads=1, cross_border=True, output=py_out) == {}
    assert py_out.read_bytes() == c_out.read_bytes()


def test_batch_on_threads_agrees_with_cli(cli, sample_csv, sample_engine, tmp_path):
    c_out = tmp_path / "cli.csv"
    _run(cli, "batch", "--data", str(sample_csv), "--out", str(c_out), "-t", "2", "-k", "4")
    header, *rows = c_out.read_text().splitlines()
    results = sample_engine.match_all(k=4, threads=2)
    assert len(results) == len(sample_engine)
    text = sm.format_results([sample_engine.top(q, k=4, explain=False) for q in results])
    py_header, *py_rows = text.splitlines()
    assert py_header == header
    assert sorted(py_rows) == sorted(rows)
    # and the collected batch equals those queries
    for q in list(results)[:50]:
        assert results[q] == sample_engine.top(q, k=4)
