"""Finds and loads the smartmatch shared library.

Places are tried in a fixed order and the first library that loads *and*
has a compatible version wins:

1. the file (or directory) named by the environment variable
   ``SMARTMATCH_LIBRARY``;
2. the package directory (a wheel or ``meson install`` may put it there);
3. the meson build tree, when the package is used from a source checkout:
   ``$SMARTMATCH_BUILD_DIR/lib`` first if that variable is set (relative
   paths are taken from the repository root), then ``build/lib``, then
   every other ``build*/lib`` directory of the checkout, the most recently
   linked library first (sanitizer builds are skipped);
4. the system: the library directory ``meson install`` recorded next to
   the package (when it was installed that way), then
   :func:`ctypes.util.find_library`.

If nothing loads, :class:`ImportError` lists every place tried and why it
failed, so a user can tell a missing library from a wrong version.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import json
import os
import sys
from typing import Iterator, List, Optional, Tuple

#: Major version of the C library this package speaks to.
EXPECTED_MAJOR = 0
#: Oldest minor version with every function the package declares.
EXPECTED_MINOR = 1

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# bindings/python/smartmatch -> repository root
_REPO_ROOT = os.path.normpath(os.path.join(_PACKAGE_DIR, "..", "..", ".."))

if sys.platform == "darwin":
    _PATTERNS = ("libsmartmatch*.dylib",)
elif sys.platform == "win32":
    _PATTERNS = ("smartmatch*.dll", "libsmartmatch*.dll")
else:
    _PATTERNS = ("libsmartmatch.so", "libsmartmatch.so.*")


def _in_dir(directory: str) -> List[str]:
    """Library files in a directory, the unversioned name first."""
    found: List[str] = []
    for pattern in _PATTERNS:
        found.extend(p for p in sorted(glob.glob(os.path.join(directory, pattern))) if os.path.isfile(p))
    return found


def _sanitizers(build: str) -> str:
    """The b_sanitize option of a meson build directory ("" if none or unknown)."""
    try:
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json"), encoding="utf-8") as f:
            options = json.load(f)
    except (OSError, ValueError):
        return ""
    for opt in options:
        if isinstance(opt, dict) and opt.get("name") == "b_sanitize":
            value = opt.get("value")
            if isinstance(value, list):  # newer meson: a list of sanitizers
                value = ",".join(value)
            return "" if value in (None, "", "none") else str(value)
    return ""


def _library_mtime(build: str) -> float:
    """When the library of a build directory was last linked (0 if it has none)."""
    times = [os.path.getmtime(p) for p in _in_dir(os.path.join(build, "lib"))]
    return max(times, default=0.0)


def _is_checkout() -> bool:
    return os.path.isfile(os.path.join(_REPO_ROOT, "include", "smartmatch.h"))


def _installed_libdir() -> Optional[str]:
    """The libdir ``meson install`` wrote into ``_install.py``, if the package was installed so."""
    try:
        from ._install import LIBDIR  # type: ignore[import]  # generated at install time
    except ImportError:
        return None
    return LIBDIR or None


_NOTHING = "\0"  # marks a place that held no library file at all


def _candidates() -> Iterator[Tuple[str, str]]:
    """Yields (where, path-or-name) pairs in the order they are tried.

    A path starting with _NOTHING is not loaded, only reported.
    """
    env = os.environ.get("SMARTMATCH_LIBRARY")
    if env:
        if os.path.isdir(env):
            paths = _in_dir(env)
            if not paths:
                yield ("SMARTMATCH_LIBRARY", f"{_NOTHING}{env}: no {_PATTERNS[0]} in this directory")
            for path in paths:
                yield ("SMARTMATCH_LIBRARY", path)
        else:
            yield ("SMARTMATCH_LIBRARY", env)

    paths = _in_dir(_PACKAGE_DIR)
    if not paths:
        yield ("package directory", f"{_NOTHING}{_PACKAGE_DIR}: no {_PATTERNS[0]}")
    for path in paths:
        yield ("package directory", path)

    if not _is_checkout():
        yield ("build tree", f"{_NOTHING}not used: the package is not in a source checkout")
    else:
        build_dirs: List[str] = []
        named = os.environ.get("SMARTMATCH_BUILD_DIR")
        if named:
            build_dirs.append(named if os.path.isabs(named) else os.path.join(_REPO_ROOT, named))
        # "build" is the name the README uses; other build*/ directories
        # (a clang or a benchmark build, say) follow, freshest library first.
        default = os.path.join(_REPO_ROOT, "build")
        if os.path.isdir(default):
            build_dirs.append(default)
        others = [d for d in glob.glob(os.path.join(_REPO_ROOT, "build?*")) if os.path.isdir(d)]
        others.sort(key=_library_mtime, reverse=True)
        build_dirs.extend(others)
        if not build_dirs:
            yield ("build tree", f"{_NOTHING}{_REPO_ROOT}: no build* directory")
        for build in build_dirs:
            sanitize = _sanitizers(build)
            if sanitize:
                # Loading an ASan build into a normal interpreter aborts the process.
                yield ("build tree", f"{_NOTHING}{build}: skipped, built with -Db_sanitize={sanitize} "
                       "(use it through SMARTMATCH_LIBRARY with LD_PRELOAD of the sanitizer runtime)")
                continue
            paths = _in_dir(os.path.join(build, "lib"))
            if not paths:
                yield ("build tree", f"{_NOTHING}{os.path.join(build, 'lib')}: no {_PATTERNS[0]} built")
            for path in paths:
                yield ("build tree", path)

    installed = _installed_libdir()
    if installed:
        paths = _in_dir(installed)
        if not paths:
            yield ("installed", f"{_NOTHING}{installed}: no {_PATTERNS[0]} (recorded by meson install)")
        for path in paths:
            yield ("installed", path)

    name = ctypes.util.find_library("smartmatch")
    if name:
        yield ("system", name)
    else:
        yield ("system", f"{_NOTHING}find_library('smartmatch') found nothing")


def version_tuple(number: int) -> Tuple[int, int, int]:
    """Splits ``sm_version()`` (MAJOR * 10000 + MINOR * 100 + PATCH)."""
    return number // 10000, number // 100 % 100, number % 100


def _check_version(lib: ctypes.CDLL) -> Optional[str]:
    """None if the library's version suits the package, else why not."""
    try:
        fn = lib.sm_version
    except AttributeError:
        return "no sm_version symbol: not a smartmatch library"
    fn.argtypes = []
    fn.restype = ctypes.c_uint
    major, minor, patch = version_tuple(fn())
    if major != EXPECTED_MAJOR or minor < EXPECTED_MINOR:
        return (f"version {major}.{minor}.{patch} is not compatible "
                f"(need {EXPECTED_MAJOR}.x with x >= {EXPECTED_MINOR})")
    return None


def load_library() -> Tuple[ctypes.CDLL, str]:
    """Loads the library; returns it and the path (or name) it came from.

    Raises ImportError naming every place tried and its error.
    """
    attempts: List[str] = []
    seen = set()
    for where, path in _candidates():
        if path.startswith(_NOTHING):
            attempts.append(f"  {where}: {path[1:]}")
            continue
        key = os.path.realpath(path) if os.path.sep in path else path
        if key in seen:
            continue
        seen.add(key)
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            attempts.append(f"  {where}: {path}: {exc}")
            continue
        problem = _check_version(lib)
        if problem is not None:
            attempts.append(f"  {where}: {path}: {problem}")
            continue
        return lib, path
    raise ImportError(
        "smartmatch: could not load the C library libsmartmatch. Tried:\n"
        + "\n".join(attempts)
        + "\nBuild it (meson setup build && ninja -C build), install it, "
        "or set SMARTMATCH_LIBRARY to the path of libsmartmatch.so.")
