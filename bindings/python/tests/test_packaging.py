"""Packaging and the example: `pip install bindings/python` gives a working
package that finds an installed library; the quickstart runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import smartmatch as sm
from conftest import REPO, csv_supported

PACKAGE_ROOT = Path(sm.__file__).resolve().parent.parent  # bindings/python


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTMATCH_") and k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def _has(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


@pytest.mark.skipif(not (_has("pip") and _has("setuptools")), reason="pip or setuptools missing")
def test_pip_install(tmp_path):
    if os.path.sep not in sm.library_path:
        pytest.skip("library loaded by name")
    # Build from a copy, so that the checkout gets no build/ or *.egg-info.
    src = tmp_path / "src"
    shutil.copytree(PACKAGE_ROOT, src, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info",
                                                                       ".pytest_cache"))
    target = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
                          "--no-index", "--target", str(target), str(src)],
                         capture_output=True, text=True, env=_env(), timeout=300)
    assert run.returncode == 0, run.stderr
    assert (target / "smartmatch" / "engine.py").is_file()
    assert not list((target / "smartmatch").glob("*.py.in"))
    # an "installed" library: found by the dynamic loader's search path
    libdir = Path(sm.library_path).resolve().parent
    code = ("import smartmatch as sm\n"
            "with sm.Engine() as e:\n"
            "    e.add_sme('A', region='SI032', sectors=['25.11'])\n"
            "    e.add_sme('B', region='AT221', sectors=['28.41'])\n"
            "    print(sm.library_path, e.top('A')[0].id)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(tmp_path),
                         env=_env(PYTHONPATH=str(target), LD_LIBRARY_PATH=str(libdir)), timeout=120)
    assert run.returncode == 0, run.stderr
    path, top = run.stdout.split()
    assert "libsmartmatch" in path and top == "B"


def test_quickstart_runs(tmp_path):
    if not csv_supported():
        pytest.skip("library built without CSV support")
    script = REPO / "examples" / "python" / "quickstart.py"
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=str(tmp_path),
                         env=_env(PYTHONPATH=str(PACKAGE_ROOT), SMARTMATCH_LIBRARY=sm.library_path), timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "partners for CZ-00032" in out
    assert "\n1. SK-00038" in out  # the planted partner comes first
    assert "SK-00038 as a partner of CZ-00032" in out and "older_partner" in out
    assert "query_id,rank,id,score,distance_km," in out
    assert "matched 2000 SMEs" in out
    assert list(tmp_path.iterdir()) == []  # writes no files


def test_guide_first_example_runs():
    """The first example of docs/python.md works as printed, from the repository root."""
    if not csv_supported():
        pytest.skip("library built without CSV support")
    guide = (REPO / "docs" / "python.md").read_text()
    code = guide.split("```python\n", 1)[1].split("```", 1)[0]
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(REPO),
                         env=_env(PYTHONPATH=str(PACKAGE_ROOT), SMARTMATCH_LIBRARY=sm.library_path), timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("1 ")
