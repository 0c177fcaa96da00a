"""The Python package and the C command-line tool agree on the sample data."""

from __future__ import annotations

import json
import subprocess
from typing import Any, List, Tuple

import pytest

import smartmatch as sm
from conftest import find_cli


def _matches(doc: Any) -> List[Tuple[str, float]]:
    """(id, score) pairs from the CLI's JSON, whichever envelope it uses."""
    if isinstance(doc, dict):
        for key in ("matches", "results", "partners"):
            if key in doc:
                return _matches(doc[key])
        raise AssertionError(f"unexpected JSON object keys: {sorted(doc)}")
    out = []
    for item in doc:
        if isinstance(item, dict) and "matches" in item:
            out.extend(_matches(item["matches"]))
        else:
            out.append((item["id"], float(item["score"])))
    return out


@pytest.fixture(scope="module")
def cli():
    path = find_cli()
    if path is None:
        pytest.skip("the smartmatch CLI was not built next to the library")
    return path


def test_top_agrees_with_cli(cli, sample_csv):
    with sm.Engine() as eng:
        eng.load(sample_csv)
        ids = sorted(eng.ids())
        queries = ids[:: max(1, len(ids) // 8)][:8]
        for q in queries:
            run = subprocess.run([str(cli), "match", "--data", str(sample_csv), "--id", q, "--format", "json"],
                                 capture_output=True, text=True, timeout=120)
            assert run.returncode == 0, run.stderr
            expected = _matches(json.loads(run.stdout))
            got = [(m.id, m.score) for m in eng.top(q, k=len(expected) or 10)]
            assert [i for i, _ in got] == [i for i, _ in expected], q
            for (_, a), (_, b) in zip(got, expected):
                assert a == pytest.approx(b, abs=1e-9), q
