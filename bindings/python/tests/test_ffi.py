"""The ctypes declarations match the public header: every function, every struct layout."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess

import pytest

import smartmatch as sm
from smartmatch import _ffi
from conftest import REPO

HEADER = REPO / "include" / "smartmatch.h"

STRUCTS = {
    "sm_error": _ffi.Error, "sm_engine_options": _ffi.EngineOptions, "sm_region_desc": _ffi.RegionDesc,
    "sm_region_info": _ffi.RegionInfo, "sm_sector_info": _ffi.SectorInfo, "sm_sme_desc": _ffi.SmeDesc,
    "sm_pair_side": _ffi.PairSide, "sm_pair": _ffi.Pair, "sm_query_options": _ffi.QueryOptions,
    "sm_batch_options": _ffi.BatchOptions, "sm_load_options": _ffi.LoadOptions,
    "sm_load_report": _ffi.LoadReport,
}


@pytest.fixture(scope="module")
def header() -> str:
    if not HEADER.is_file():
        pytest.skip("public header not found")
    return HEADER.read_text()


def test_every_public_function_is_declared(header):
    declared = set(re.findall(r"SM_API\s+[^;(]*?\b(sm_\w+)\s*\(", header))
    table = {name for name, _, _ in _ffi.FUNCTIONS}
    assert declared, "no SM_API functions found"
    assert declared - table == set(), "missing from _ffi.FUNCTIONS"
    assert table - declared == set(), "not in the header"


def test_every_function_is_in_the_library():
    assert _ffi.lib.missing == []


def test_struct_layouts_match_c(header, tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler")
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "smartmatch.h"', "int main(void) {"]
    for cname, cls in STRUCTS.items():
        lines.append(f'printf("{cname} %zu\\n", sizeof({cname}));')
        for fname, *_ in cls._fields_:
            lines.append(f'printf("{cname}.{fname} %zu\\n", offsetof({cname}, {fname}));')
    lines += ["return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run([cc, "-std=c11", "-I", str(HEADER.parent), str(src), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        key, value = line.split()
        if "." in key:
            cname, fname = key.split(".")
            assert getattr(STRUCTS[cname], fname).offset == int(value), key
        else:
            assert ctypes.sizeof(STRUCTS[key]) == int(value), key


def test_constants_match_header(header):
    def define(name):
        return int(re.search(rf"#define {name}\s+\(?(-?\d+)", header).group(1))

    assert define("SM_TAXONOMY_NUTS") == _ffi.TAXONOMY_NUTS
    assert define("SM_TAXONOMY_NACE") == _ffi.TAXONOMY_NACE
    assert define("SM_CRIT_BUILTIN_COUNT") == _ffi.CRIT_BUILTIN_COUNT == len(sm.CRITERIA)
    assert define("SM_SECTOR_CODE_MAX") == _ffi.SECTOR_CODE_MAX
    assert define("SM_VERSION_MAJOR") == 0
    for i, name in enumerate(sm.CRITERIA):
        assert _ffi.text(_ffi.lib.sm_criterion_name(i)) == name
    for i, name in enumerate(_ffi.SIZES):
        assert _ffi.text(_ffi.lib.sm_size_name(i)) == name
