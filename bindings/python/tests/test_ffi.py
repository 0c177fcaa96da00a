"""The ctypes declarations match the public header: every function, every struct layout."""

from __future__ import annotations

import ctypes
import os
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
    "sm_load_report": _ffi.LoadReport, "sm_allocator": _ffi.Allocator,
    "sm_rank_info": _ffi.RankInfo,
    # experimental: history and network criteria
    "sm_history_info": _ffi.HistoryInfo, "sm_evaluate_options": _ffi.EvaluateOptions,
    "sm_evaluation_row": _ffi.EvaluationRow, "sm_fit_options": _ffi.FitOptions,
    # experimental: regional overview
    "sm_overview_options": _ffi.OverviewOptions, "sm_overview_pair": _ffi.OverviewPair,
    "sm_event_options": _ffi.EventOptions, "sm_event_meeting": _ffi.EventMeeting,
    "sm_event_unscheduled": _ffi.EventUnscheduled, "sm_event_stats": _ffi.EventStats,
    "sm_event_session": _ffi.EventSession,
}
STRUCTS["sm_consortium_options"] = _ffi.ConsortiumOptions  # experimental: consortium builder
STRUCTS["sm_snapshot_options"] = _ffi.SnapshotOptions  # experimental: snapshots
STRUCTS["sm_snapshot_info"] = _ffi.SnapshotInfo
STRUCTS["sm_snapshot_section"] = _ffi.SnapshotSection
STRUCTS["sm_defer_options"] = _ffi.DeferOptions  # experimental: deferred changes


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
    cc = os.environ.get("SM_CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler")
    lines = ["#include <stdio.h>", "#include <stddef.h>", "#define SM_EXPERIMENTAL_API", '#include "smartmatch.h"', "int main(void) {"]
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


# ---- signatures: every argtypes/restype and callback type against the header ----------

# Scalar C types and the ctypes type that passes them.
_SCALARS = {
    "void": None, "char": ctypes.c_char, "int": ctypes.c_int, "unsigned int": ctypes.c_uint,
    "long": ctypes.c_long, "unsigned long": ctypes.c_ulong, "size_t": ctypes.c_size_t,
    "double": ctypes.c_double, "uint32_t": ctypes.c_uint32, "uint64_t": ctypes.c_uint64,
    # enums are int-sized (checked by the struct layouts above)
    "sm_status": ctypes.c_int, "sm_size": ctypes.c_int, "sm_criterion": ctypes.c_int,
    "sm_combiner": ctypes.c_int, "sm_format": ctypes.c_int, "sm_data_kind": ctypes.c_int,
    "sm_reciprocity": ctypes.c_int, "sm_reason_code": ctypes.c_int, "sm_exclusion": ctypes.c_int,
    "sm_overview_matrix": ctypes.c_int, "sm_overview_index": ctypes.c_int, "sm_overview_output": ctypes.c_int,
    "sm_wish_status": ctypes.c_int, "sm_event_reason": ctypes.c_int, "sm_event_input": ctypes.c_int,
    "sm_evaluate_queriers": ctypes.c_int,
}
# Opaque handles: one '*' is the handle class itself.
_OPAQUE = {"sm_engine": _ffi._Engine, "sm_weighting": _ffi._Weighting, "sm_result": _ffi._Result,
           "sm_bulk": _ffi._Bulk, "sm_overview": _ffi._Overview, "sm_geometry": _ffi._Geometry,
           "sm_themes": _ffi._Themes}
_OPAQUE.update({"sm_call": _ffi._Call, "sm_consortia": _ffi._Consortia})  # experimental: consortium builder
_OPAQUE.update({"sm_event": _ffi._Event, "sm_event_plan": _ffi._EventPlan})  # experimental: event planner
_OPAQUE.update({"sm_evaluation": _ffi._Evaluation})  # experimental: history and network criteria
_CALLBACKS = {"sm_criterion_fn": _ffi.CRITERION_FN, "sm_combine_fn": _ffi.COMBINE_FN,
              "sm_destroy_fn": _ffi.DESTROY_FN, "sm_batch_result_fn": _ffi.BATCH_RESULT_FN,
              "sm_progress_fn": _ffi.PROGRESS_FN, "sm_diag_fn": _ffi.DIAG_FN}
# The allocator's functions are kept as bare addresses.
_BARE_FNS = ("sm_malloc_fn", "sm_realloc_fn", "sm_free_fn")
_STRUCTS_BY_NAME = dict(STRUCTS)


def _strip(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _ctype(decl: str, *, bare_handles: bool = False):
    """The ctypes type expected for one C declaration ("const char *const *codes", "double")."""
    decl = " ".join(decl.replace("*", " * ").split())
    words = decl.split(" ")
    # drop the parameter name: the last word when it follows a type word or '*'
    if len(words) > 1 and re.fullmatch(r"[a-z_][a-z0-9_]*", words[-1]) and \
            " ".join(w for w in words[:-1] if w not in ("const", "*")) and \
            words[-1] not in ("int", "long", "double", "char", "void", "size_t", "uint32_t") and \
            not words[-1].startswith("sm_"):
        words = words[:-1]
    stars = words.count("*")
    base = " ".join(w for w in words if w not in ("const", "*"))
    pointee_const = words[0] == "const"
    if base == "char" and stars == 2 and not pointee_const:
        # a string the library allocates and we must sm_free(): kept as an address
        return ctypes.POINTER(ctypes.c_void_p)
    if base == "char" and stars >= 1:
        t, stars = ctypes.c_char_p, stars - 1
    elif base == "void" and stars >= 1:
        t, stars = ctypes.c_void_p, stars - 1
    elif base in _OPAQUE and stars >= 1:
        # callbacks and struct fields hold a bare address that the package wraps itself
        t, stars = (ctypes.c_void_p if bare_handles else _OPAQUE[base]), stars - 1
    elif base in _BARE_FNS:
        t = ctypes.c_void_p
    elif base in _CALLBACKS:
        t = _CALLBACKS[base]
    elif base in _STRUCTS_BY_NAME:
        t = _STRUCTS_BY_NAME[base]
    elif base in _SCALARS:
        t = _SCALARS[base]
    else:
        raise AssertionError(f"no ctypes mapping for C type {decl!r}")
    for _ in range(stars):
        t = ctypes.POINTER(t)
    return t


def _params(text: str):
    text = " ".join(text.split())
    return [] if text in ("", "void") else [p.strip() for p in text.split(",")]


def test_signatures_match_header(header):
    protos = re.findall(r"SM_API\s+([^;(]*?)\b(sm_\w+)\s*\(([^)]*)\)\s*;", _strip(header))
    assert len(protos) == len(_ffi.FUNCTIONS)
    table = {name: (args, res) for name, args, res in _ffi.FUNCTIONS}
    problems = []
    for ret, name, params in protos:
        args, res = table[name]
        ret = " ".join(ret.split())
        want_res = _ffi._STATUS if ret == "sm_status" else _ctype(ret)
        want_args = [_ctype(p) for p in _params(params)]
        if res != want_res:
            problems.append(f"{name}: restype {res} != {want_res} ({ret})")
        if list(args) != want_args:
            problems.append(f"{name}: argtypes {args} != {want_args} ({params})")
        fn = getattr(_ffi.lib, name)
        assert list(fn.argtypes) == want_args, name  # what ctypes really uses
    assert not problems, "\n".join(problems)


def test_callback_types_match_header(header):
    typedefs = dict((name, (ret, params)) for ret, name, params in
                    re.findall(r"typedef\s+([^;(]*?)\(\s*\*\s*(sm_\w+_fn)\s*\)\s*\(([^)]*)\)\s*;", _strip(header)))
    for name, cb in _CALLBACKS.items():
        ret, params = typedefs[name]
        assert cb._restype_ is _ctype(ret.strip(), bare_handles=True), name
        assert list(cb._argtypes_) == [_ctype(p, bare_handles=True) for p in _params(params)], name
    # the allocator callbacks are deliberately not wrapped (no Python allocator)
    assert set(typedefs) - set(_CALLBACKS) == {"sm_malloc_fn", "sm_realloc_fn", "sm_free_fn"}


def test_struct_fields_match_header(header):
    """Field names and types, in order, of every mirrored struct (the layout test checks offsets)."""
    text = _strip(header)
    for cname, cls in STRUCTS.items():
        body = re.search(r"typedef struct " + cname + r"\s*\{(.*?)\}\s*" + cname + r"\s*;", text, flags=re.S)
        assert body, cname
        fields = [" ".join(f.split()) for f in body.group(1).split(";") if f.strip()]
        assert [f.rsplit(" ", 1)[-1].lstrip("*").split("[")[0] for f in fields] == [n for n, *_ in cls._fields_], \
            cname
        for decl, (fname, ftype) in zip(fields, cls._fields_):
            if cname == "sm_engine_options" and fname == "allocator":
                assert ftype is ctypes.c_void_p  # not wrapped: always NULL from Python
                continue
            array = re.fullmatch(r"(.*)\[(\d+)\]", decl)  # a fixed array: char name[11]
            want = _ctype(array.group(1), bare_handles=True) * int(array.group(2)) if array else \
                _ctype(decl, bare_handles=True)
            assert ftype is want, f"{cname}.{fname}: {ftype} != {want} ({decl})"
