"""Library discovery and the version check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import smartmatch as sm
from smartmatch import _loader

PACKAGE = Path(sm.__file__).resolve().parent


def _run(code: str, env_update: dict, cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    # Neither SMARTMATCH_* nor the loader path meson sets for tests: only the given places count.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTMATCH_") and k != "LD_LIBRARY_PATH"}
    env.update(env_update)
    env["PYTHONPATH"] = str(pythonpath)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=str(cwd), capture_output=True,
                          text=True, timeout=120)


def _copy_package(tmp_path: Path) -> Path:
    """The package outside any checkout, so that only the given places are tried."""
    dest = tmp_path / "site"
    shutil.copytree(PACKAGE, dest / "smartmatch", ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
    return dest


def test_env_variable_wins(tmp_path):
    site = _copy_package(tmp_path)
    r = _run("import smartmatch; print(smartmatch.library_path)",
             {"SMARTMATCH_LIBRARY": sm.library_path}, tmp_path, site)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == sm.library_path


def test_env_variable_may_name_a_directory(tmp_path):
    if os.path.sep not in sm.library_path:
        pytest.skip("library loaded by name")
    site = _copy_package(tmp_path)
    libdir = str(Path(sm.library_path).resolve().parent)
    r = _run("import smartmatch; print(smartmatch.library_path)", {"SMARTMATCH_LIBRARY": libdir}, tmp_path,
             site)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(libdir)


def test_package_directory(tmp_path):
    if os.path.sep not in sm.library_path:
        pytest.skip("library loaded by name")
    site = _copy_package(tmp_path)
    shutil.copy(sm.library_path, site / "smartmatch" / "libsmartmatch.so")
    r = _run("import smartmatch; print(smartmatch.library_path)", {}, tmp_path, site)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(site / "smartmatch" / "libsmartmatch.so")


def test_directory_recorded_by_meson_install(tmp_path):
    if os.path.sep not in sm.library_path:
        pytest.skip("library loaded by name")
    site = _copy_package(tmp_path)
    libdir = tmp_path / "prefix" / "lib"
    libdir.mkdir(parents=True)
    shutil.copy(sm.library_path, libdir / "libsmartmatch.so.0")
    (site / "smartmatch" / "_install.py").write_text(f"LIBDIR = {str(libdir)!r}\n")
    r = _run("import smartmatch; print(smartmatch.library_path)", {}, tmp_path, site)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(libdir / "libsmartmatch.so.0")
    # an empty recorded directory is listed among the attempts
    (libdir / "libsmartmatch.so.0").unlink()
    r = _run("import smartmatch", {}, tmp_path, site)
    if r.returncode == 0:
        pytest.skip("a system-wide libsmartmatch is installed")
    assert f"installed: {libdir}: no libsmartmatch.so" in r.stderr


def test_failure_lists_every_attempt(tmp_path):
    site = _copy_package(tmp_path)
    missing = tmp_path / "nowhere" / "libsmartmatch.so"
    r = _run("import smartmatch", {"SMARTMATCH_LIBRARY": str(missing)}, tmp_path, site)
    if r.returncode == 0:
        pytest.skip("a system-wide libsmartmatch is installed")
    assert "ImportError" in r.stderr
    assert "SMARTMATCH_LIBRARY" in r.stderr and str(missing) in r.stderr
    assert "system: find_library('smartmatch') found nothing" in r.stderr
    assert f"package directory: {site / 'smartmatch'}: no libsmartmatch.so" in r.stderr
    assert "build tree: not used" in r.stderr


def test_not_a_smartmatch_library(tmp_path):
    site = _copy_package(tmp_path)
    libc = "libc.so.6" if sys.platform.startswith("linux") else None
    if libc is None:
        pytest.skip("linux only")
    r = _run("import smartmatch", {"SMARTMATCH_LIBRARY": libc}, tmp_path, site)
    if r.returncode == 0:
        pytest.skip("a system-wide libsmartmatch is installed")
    assert "not a smartmatch library" in r.stderr


class _FakeLib:
    def __init__(self, number):
        def sm_version():
            return number
        self.sm_version = sm_version


def test_version_check():
    assert _loader._check_version(_FakeLib(100)) is None           # 0.1.0
    assert _loader._check_version(_FakeLib(305)) is None           # 0.3.5
    assert "not compatible" in _loader._check_version(_FakeLib(10100))  # 1.1.0
    assert "not compatible" in _loader._check_version(_FakeLib(0))      # 0.0.0
    assert _loader.version_tuple(10203) == (1, 2, 3)


def test_build_tree_order(tmp_path, monkeypatch):
    """SMARTMATCH_BUILD_DIR, then build/, then other build*/ by library age; sanitizer builds skipped."""
    import json as _json
    import time

    root = tmp_path / "repo"
    (root / "include").mkdir(parents=True)
    (root / "include" / "smartmatch.h").write_text("")
    for name, age in (("build", 30), ("build-old", 20), ("build-new", 10), ("build-asan", 0), ("mine", 40)):
        lib = root / name / "lib" / "libsmartmatch.so"
        lib.parent.mkdir(parents=True)
        lib.write_text("")
        t = time.time() - age
        os.utime(lib, (t, t))
    info = root / "build-asan" / "meson-info"
    info.mkdir()
    (info / "intro-buildoptions.json").write_text(_json.dumps([{"name": "b_sanitize", "value": "address"}]))
    monkeypatch.setattr(_loader, "_REPO_ROOT", str(root))
    monkeypatch.setattr(_loader, "_installed_libdir", lambda: None)
    monkeypatch.delenv("SMARTMATCH_LIBRARY", raising=False)
    monkeypatch.setenv("SMARTMATCH_BUILD_DIR", "mine")
    tree = [(where, p) for where, p in _loader._candidates() if where == "build tree"]
    paths = [p for _, p in tree if not p.startswith(_loader._NOTHING)]
    assert paths == [str(root / d / "lib" / "libsmartmatch.so") for d in ("mine", "build", "build-new", "build-old")]
    assert any("build-asan: skipped, built with -Db_sanitize=address" in p for _, p in tree)
