"""ctypes declarations of the C API: structs, callback types and one table of
(name, argtypes, restype) for every public function of ``smartmatch.h``.

This module is the only place that knows the C layout. The Pythonic classes
(:mod:`smartmatch.engine`, :mod:`smartmatch.weighting`) call through
:data:`lib`. Functions returning ``sm_status`` get an ``errcheck`` that
raises the matching :mod:`smartmatch.errors` class with the details of
``sm_error_last()``, read on the failing thread right after the call (the
C library keeps them per thread, and ctypes runs ``errcheck`` on the calling
thread before anything else can touch them).
"""

from __future__ import annotations

import ctypes
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int, c_long, c_size_t,
                    c_uint, c_uint32, c_ulong, c_void_p)
from typing import Any, List

from . import errors
from ._loader import load_library

# ---- opaque handles -------------------------------------------------------------


class _Engine(c_void_p):
    """``sm_engine *``"""


class _Weighting(c_void_p):
    """``sm_weighting *``"""


class _Result(c_void_p):
    """``sm_result *``"""


class _Bulk(c_void_p):
    """``sm_bulk *``"""


class _Overview(c_void_p):
    """``sm_overview *`` (experimental)"""


class _Geometry(c_void_p):
    """``sm_geometry *`` (experimental)"""


class _Themes(c_void_p):
    """``sm_themes *`` (experimental: regional overview)"""
class _Call(c_void_p):
    """``sm_call *`` (experimental: consortium builder)"""


class _Consortia(c_void_p):
    """``sm_consortia *`` (experimental: consortium builder)"""


class _Event(c_void_p):
    """``sm_event *``"""


class _EventPlan(c_void_p):
    """``sm_event_plan *``"""


# ---- constants --------------------------------------------------------------------

SM_OK = 0
SM_ERR_CALLBACK = 12
SM_ERR_CANCELLED = 13

TAXONOMY_NONE = 0
TAXONOMY_NUTS = 1
TAXONOMY_NACE = 2
TAXONOMY_ALL = 3

LEVEL_ANY = -1

ENGINE_OPTIONS_VERSION = 1
REGION_DESC_VERSION = 1
SME_DESC_VERSION = 1
QUERY_OPTIONS_VERSION = 1
BATCH_OPTIONS_VERSION = 1
LOAD_OPTIONS_VERSION = 2
DEFER_OPTIONS_VERSION = 1

CRIT_BUILTIN_COUNT = 7
SECTOR_CODE_MAX = 5
TAG_MAX = 128  # SM_TAG_MAX

# sm_size, sm_combiner, sm_reciprocity, sm_format, sm_data_kind values by name.
SIZES = ("unknown", "micro", "small", "medium", "large")
COMBINERS = ("mean", "geometric", "min", "custom")
RECIPROCITIES = ("harmonic", "arithmetic", "max", "min")
FORMAT_AUTO, FORMAT_CSV, FORMAT_JSON = 0, 1, 2
FORMATS = {None: FORMAT_AUTO, "auto": FORMAT_AUTO, "csv": FORMAT_CSV, "json": FORMAT_JSON}
DATA_KINDS = {None: 0, "auto": 0, "smes": 1, "regions": 2, "development": 3, "affinity": 4}
# The eight built-in cooperation bits, in bit order.
BUILTIN_COOPERATION = ("joint_venture", "subcontracting", "distribution", "licensing", "rnd",
                       "training", "supply", "services")
BUILTIN_CRITERIA = ("complementarity", "sector_affinity", "region_reach", "cohesion", "size_fit",
                    "cooperation_fit", "language")

# ---- structs (mirrors of the public header; order and types must match) ----------

_StrList = POINTER(c_char_p)


class Error(Structure):
    """``sm_error``"""
    _fields_ = [
        ("status", c_int),
        ("message", c_char_p),
        ("file", c_char_p),
        ("line", ctypes.c_ulong),
        ("column", ctypes.c_ulong),
        ("field", c_char_p),
        ("value", c_char_p),
    ]


class Allocator(Structure):
    """``sm_allocator`` (the functions as bare addresses)"""
    _fields_ = [
        ("malloc_fn", c_void_p),
        ("realloc_fn", c_void_p),
        ("free_fn", c_void_p),
        ("userdata", c_void_p),
    ]


class SnapshotOptions(Structure):
    """``sm_snapshot_options`` (experimental: snapshots)"""
    _fields_ = [
        ("version", c_uint),
        ("allocator", POINTER(Allocator)),
    ]


class SnapshotSection(Structure):
    """``sm_snapshot_section`` (experimental: snapshots)"""
    _fields_ = [
        ("id", ctypes.c_uint32),
        ("element_size", ctypes.c_uint32),
        ("offset", ctypes.c_uint64),
        ("length", ctypes.c_uint64),
        ("checksum", ctypes.c_uint64),
        ("checksum_ok", ctypes.c_int),
        ("name", ctypes.c_char * 44),
    ]


class SnapshotInfo(Structure):
    """``sm_snapshot_info`` (experimental: snapshots)"""
    _fields_ = [
        ("format_major", c_uint),
        ("format_minor", c_uint),
        ("library_version", c_uint),
        ("file_size", ctypes.c_uint64),
        ("content_hash", ctypes.c_uint64),
        ("smes", ctypes.c_uint64),
        ("regions", ctypes.c_uint64),
        ("sectors", ctypes.c_uint64),
        ("tags", ctypes.c_uint64),
        ("list_entries", ctypes.c_uint64),
        ("history_events", ctypes.c_uint64),
        ("builtin_affinity", ctypes.c_int),
        ("n_sections", ctypes.c_size_t),
        ("sections", POINTER(SnapshotSection)),
        ("n_damaged", ctypes.c_size_t),
    ]


class DeferOptions(Structure):
    """``sm_defer_options``"""
    _fields_ = [
        ("version", c_uint),
        ("max_delay_ms", c_double),
        ("max_queued", c_size_t),
    ]


class EngineOptions(Structure):
    """``sm_engine_options``"""
    _fields_ = [
        ("version", c_uint),
        ("taxonomies", c_uint),
        ("allocator", c_void_p),
    ]


class RegionDesc(Structure):
    """``sm_region_desc``"""
    _fields_ = [
        ("version", c_uint),
        ("code", c_char_p),
        ("name", c_char_p),
        ("lat", c_double),
        ("lon", c_double),
        ("development", c_double),
        ("languages", _StrList),
        ("n_languages", c_size_t),
    ]


class RegionInfo(Structure):
    """``sm_region_info``"""
    _fields_ = [
        ("code", c_char_p),
        ("name", c_char_p),
        ("country", c_char_p),
        ("parent", c_char_p),
        ("level", c_int),
        ("lat", c_double),
        ("lon", c_double),
        ("development", c_double),
        ("languages", _StrList),
        ("n_languages", c_size_t),
    ]


class SectorInfo(Structure):
    """``sm_sector_info``"""
    _fields_ = [
        ("code", c_char_p),
        ("name", c_char_p),
        ("parent", c_char_p),
        ("section", c_char_p),
        ("level", c_int),
    ]


class SmeDesc(Structure):
    """``sm_sme_desc``"""
    _fields_ = [
        ("version", c_uint),
        ("id", c_char_p),
        ("name", c_char_p),
        ("region", c_char_p),
        ("sectors", _StrList),
        ("n_sectors", c_size_t),
        ("size", c_int),
        ("employees", c_long),
        ("founded", c_int),
        ("offers", _StrList),
        ("n_offers", c_size_t),
        ("needs", _StrList),
        ("n_needs", c_size_t),
        ("cooperation", c_uint32),
        ("languages", _StrList),
        ("n_languages", c_size_t),
    ]


class PairSide(Structure):
    """``sm_pair_side``"""
    _fields_ = [
        ("id", c_char_p),
        ("region", c_char_p),
        ("country", c_char_p),
        ("sector", c_char_p),
        ("size", c_int),
        ("employees", c_long),
        ("founded", c_int),
        ("cooperation", c_uint32),
        ("n_offers", c_size_t),
        ("n_needs", c_size_t),
    ]


class Pair(Structure):
    """``sm_pair``"""
    _fields_ = [
        ("engine", c_void_p),
        ("a", PairSide),
        ("b", PairSide),
        ("distance_km", c_double),
        ("builtin", POINTER(c_double)),
    ]


class RankInfo(Structure):
    """``sm_rank_info`` (experimental)"""
    _fields_ = [
        ("version", c_uint),
        ("rank", c_size_t),
        ("passing", c_size_t),
        ("score", c_double),
        ("kth_score", c_double),
        ("excluded", c_int),
    ]


class QueryOptions(Structure):
    """``sm_query_options``"""
    _fields_ = [
        ("version", c_uint),
        ("k", c_size_t),
        ("weighting", c_void_p),
        ("min_score", c_double),
        ("cross_region_level", c_int),
        ("cross_border", c_int),
        ("cross_sector_level", c_int),
        ("countries", _StrList),
        ("n_countries", c_size_t),
        ("exclude_countries", _StrList),
        ("n_exclude_countries", c_size_t),
        ("size_classes", c_uint),
        ("max_km", c_double),
        ("exclude_ids", _StrList),
        ("n_exclude_ids", c_size_t),
    ]


# Callback types.
CRITERION_FN = CFUNCTYPE(c_double, POINTER(Pair), c_void_p)
COMBINE_FN = CFUNCTYPE(c_double, POINTER(c_double), POINTER(c_double), c_size_t, c_void_p)
DESTROY_FN = CFUNCTYPE(None, c_void_p)
BATCH_RESULT_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)
PROGRESS_FN = CFUNCTYPE(c_int, c_size_t, c_size_t, c_void_p)
DIAG_FN = CFUNCTYPE(c_int, POINTER(Error), c_void_p)


class BatchOptions(Structure):
    """``sm_batch_options``"""
    _fields_ = [
        ("version", c_uint),
        ("query", POINTER(QueryOptions)),
        ("threads", c_uint),
        ("ids", _StrList),
        ("n_ids", c_size_t),
        ("on_result", BATCH_RESULT_FN),
        ("result_userdata", c_void_p),
        ("on_progress", PROGRESS_FN),
        ("progress_userdata", c_void_p),
    ]


OVERVIEW_OPTIONS_VERSION = 2
OVERVIEW_PAIR_VERSION = 2


class OverviewOptions(Structure):
    """``sm_overview_options`` (experimental)"""
    _fields_ = [
        ("version", c_uint),
        ("query", POINTER(QueryOptions)),
        ("threads", c_uint),
        ("region_level", c_int),
        ("sector_level", c_int),
        ("best_per_cell", c_size_t),
        ("on_progress", PROGRESS_FN),
        ("progress_userdata", c_void_p),
        ("themes", c_void_p),
    ]


class OverviewPair(Structure):
    """``sm_overview_pair`` (experimental)"""
    _fields_ = [
        ("version", c_uint),
        ("a", c_char_p),
        ("a_name", c_char_p),
        ("a_region", c_char_p),
        ("a_sector", c_char_p),
        ("b", c_char_p),
        ("b_name", c_char_p),
        ("b_region", c_char_p),
        ("b_sector", c_char_p),
        ("score", c_double),
        ("reasons", c_char_p),
        ("cooperations", c_size_t),
    ]


class LoadOptions(Structure):
    """``sm_load_options``"""
    _fields_ = [
        ("version", c_uint),
        ("format", c_int),
        ("kind", c_int),
        ("lenient", c_int),
        ("dry_run", c_int),
        ("on_problem", DIAG_FN),
        ("userdata", c_void_p),
        ("delimiter", c_int),
        ("encoding", c_char_p),
    ]


class LoadReport(Structure):
    """``sm_load_report``"""
    _fields_ = [
        ("rows", c_size_t),
        ("loaded", c_size_t),
        ("skipped", c_size_t),
    ]


CONSORTIUM_OPTIONS_VERSION = 1


class ConsortiumOptions(Structure):
    """``sm_consortium_options`` (experimental: consortium builder)"""

    _fields_ = [
        ("version", c_uint),
        ("k", c_size_t),
        ("weighting", c_void_p),
        ("lead", c_char_p),
        ("pool", c_size_t),
        ("leads", c_size_t),
        ("min_differ", c_size_t),
        ("max_nodes", c_ulong),
    ]


class EventOptions(Structure):
    """``sm_event_options``"""
    _fields_ = [
        ("version", c_uint),
        ("slots", c_uint),
        ("tables", c_uint),
        ("capacity", c_uint),
        ("fairness", c_int),
        ("effort", c_uint),
        ("sessions", c_char_p),
    ]


class EventSession(Structure):
    """``sm_event_session``"""
    _fields_ = [
        ("name", c_char_p),
        ("first", c_uint),
        ("last", c_uint),
        ("start_minute", c_int),
    ]


class EventMeeting(Structure):
    """``sm_event_meeting``"""
    _fields_ = [
        ("a", c_char_p),
        ("b", c_char_p),
        ("weight", c_double),
        ("score", c_double),
        ("status", c_int),
        ("slot", c_uint),
        ("table", c_uint),
        ("session", c_char_p),
    ]


class EventUnscheduled(Structure):
    """``sm_event_unscheduled``"""
    _fields_ = [
        ("a", c_char_p),
        ("b", c_char_p),
        ("weight", c_double),
        ("reason", c_int),
        ("other", c_char_p),
    ]


class EventStats(Structure):
    """``sm_event_stats``"""
    _fields_ = [
        ("participants", c_size_t),
        ("wishes", c_size_t),
        ("meetings", c_size_t),
        ("unscheduled", c_size_t),
        ("min_meetings", c_uint),
        ("weight", c_double),
        ("weight_bound", c_double),
        ("slots_used", c_uint),
        ("slots_lower_bound", c_uint),
        ("gaps", c_size_t),
        ("bipartite", c_int),
        ("selection_optimal", c_int),
        ("refilled", c_size_t),
    ]


EVENT_OPTIONS_VERSION = 2
WISH_STATUSES = ("requested", "accepted", "declined", "must", "locked")
EVENT_INPUTS = {"participants": 0, "requests": 1, "availability": 2, "locks": 3}




# ---- experimental: history and network criteria (smartmatch.history) -------------

class _Evaluation(c_void_p):
    """``sm_evaluation *``"""


EVALUATE_OPTIONS_VERSION = 2
EVALUATE_QUERIERS = {"all": 0, "warm": 1, "cold": 2}
FIT_OPTIONS_VERSION = 1


class HistoryInfo(Structure):
    """``sm_history_info``"""
    _fields_ = [
        ("cooperations", c_size_t),
        ("links", c_size_t),
        ("smes_with_history", c_size_t),
        ("last_date", ctypes.c_char * 11),
        ("reference_date", ctypes.c_char * 11),
        ("half_life_days", c_double),
    ]


class EvaluateOptions(Structure):
    """``sm_evaluate_options``"""
    _fields_ = [
        ("version", c_uint),
        ("split_date", c_char_p),
        ("end_date", c_char_p),
        ("weighting", c_void_p),
        ("label", c_char_p),
        ("k1", c_size_t),
        ("k2", c_size_t),
        ("mrr_k", c_size_t),
        ("max_queries", c_size_t),
        ("negatives", c_size_t),
        ("bootstrap", c_uint),
        ("seed", ctypes.c_uint64),
        ("baselines", c_int),
        ("queriers", c_int),
    ]


class EvaluationRow(Structure):
    """``sm_evaluation_row``"""
    _fields_ = [("method", c_char_p), ("queries", c_size_t)] + [
        (name, c_double) for name in ("recall1", "recall1_se", "recall2", "recall2_se", "mrr", "mrr_se",
                                      "auc", "auc_se")]


class FitOptions(Structure):
    """``sm_fit_options``"""
    _fields_ = [
        ("version", c_uint),
        ("split_date", c_char_p),
        ("validation_date", c_char_p),
        ("start", c_void_p),
        ("k", c_size_t),
        ("max_queries", c_size_t),
        ("rounds", c_uint),
        ("seed", ctypes.c_uint64),
    ]


# ---- the function table ---------------------------------------------------------

_STATUS = "status"  # restype marker: c_int checked by errcheck

_P = POINTER
_E = _Engine
_W = _Weighting
_R = _Result

FUNCTIONS = [
    # experimental: history and network criteria
    ("sm_history_add", [_Engine, _StrList, c_size_t, c_char_p, c_char_p], _STATUS),
    ("sm_history_load", [_Engine, c_char_p, POINTER(c_size_t)], _STATUS),
    ("sm_history_load_buffer", [_Engine, c_char_p, c_size_t, c_char_p, POINTER(c_size_t)], _STATUS),
    ("sm_history_clear", [_Engine], _STATUS),
    ("sm_history_set_decay", [_Engine, c_char_p, c_double], _STATUS),
    ("sm_history_info_get", [POINTER(HistoryInfo), _Engine], _STATUS),
    ("sm_network_criterion_name", [c_size_t], c_char_p),
    ("sm_evaluate_options_init", [POINTER(EvaluateOptions), c_uint], _STATUS),
    ("sm_evaluate", [POINTER(_Evaluation), _Engine, POINTER(EvaluateOptions)], _STATUS),
    ("sm_evaluation_count", [_Evaluation], c_size_t),
    ("sm_evaluation_at", [_Evaluation, c_size_t], POINTER(EvaluationRow)),
    ("sm_evaluation_format", [POINTER(c_void_p), _Evaluation], _STATUS),
    ("sm_evaluation_free", [_Evaluation], None),
    ("sm_fit_options_init", [POINTER(FitOptions), c_uint], _STATUS),
    ("sm_fit", [POINTER(_Weighting), POINTER(_Evaluation), _Engine, POINTER(FitOptions)], _STATUS),
    # version and errors
    ("sm_version", [], c_uint),
    ("sm_version_string", [], c_char_p),
    ("sm_status_str", [c_int], c_char_p),
    ("sm_error_last", [], _P(Error)),
    ("sm_error_clear", [], None),
    # engine
    ("sm_engine_options_init", [_P(EngineOptions), c_uint], _STATUS),
    ("sm_engine_new", [_P(_E), _P(EngineOptions)], _STATUS),
    ("sm_engine_free", [_E], None),
    ("sm_engine_load_builtin", [_E, c_uint], _STATUS),
    # regions
    ("sm_region_put", [_E, _P(RegionDesc)], _STATUS),
    ("sm_region_set_development", [_E, c_char_p, c_double], _STATUS),
    ("sm_region_get", [_P(_P(RegionInfo)), _E, c_char_p], _STATUS),
    ("sm_region_development", [_E, c_char_p], c_double),
    ("sm_region_count", [_E], c_size_t),
    ("sm_region_at", [_P(_P(RegionInfo)), _E, c_size_t], _STATUS),
    ("sm_region_distance_km", [_P(c_double), _E, c_char_p, c_char_p], _STATUS),
    ("sm_region_neighbours", [_E, c_char_p, c_char_p], c_int),
    # sectors and affinity
    ("sm_sector_normalize", [c_char_p, c_size_t, c_char_p], _STATUS),
    ("sm_sector_put", [_E, c_char_p, c_char_p, c_char_p], _STATUS),
    ("sm_sector_get", [_P(_P(SectorInfo)), _E, c_char_p], _STATUS),
    ("sm_sector_count", [_E], c_size_t),
    ("sm_sector_at", [_P(_P(SectorInfo)), _E, c_size_t], _STATUS),
    ("sm_affinity_set_matrix", [_E, _StrList, c_size_t, _P(c_double)], _STATUS),
    ("sm_affinity_set", [_E, c_char_p, c_char_p, c_double], _STATUS),
    ("sm_affinity_reset", [_E], _STATUS),
    ("sm_affinity_get", [_P(c_double), _E, c_char_p, c_char_p], _STATUS),
    # sizes and cooperation types
    ("sm_size_name", [c_int], c_char_p),
    ("sm_size_parse", [_P(c_int), c_char_p], _STATUS),
    ("sm_size_from_employees", [c_long], c_int),
    ("sm_cooperation_register", [_P(c_uint32), _E, c_char_p], _STATUS),
    ("sm_cooperation_parse", [_P(c_uint32), _E, c_char_p], _STATUS),
    ("sm_cooperation_name", [_E, c_uint32], c_char_p),
    # SMEs
    ("sm_sme_desc_init", [_P(SmeDesc), c_uint], _STATUS),
    ("sm_sme_put", [_E, _P(SmeDesc)], _STATUS),
    ("sm_sme_remove", [_E, c_char_p], _STATUS),
    ("sm_sme_put_deferred", [_E, _P(SmeDesc)], _STATUS),
    ("sm_sme_remove_deferred", [_E, c_char_p], _STATUS),
    ("sm_engine_flush", [_E], _STATUS),
    ("sm_engine_defer_configure", [_E, _P(DeferOptions)], _STATUS),
    ("sm_sme_get", [_P(_P(SmeDesc)), _E, c_char_p], _STATUS),
    ("sm_sme_at", [_P(_P(SmeDesc)), _E, c_size_t], _STATUS),
    ("sm_sme_contains", [_E, c_char_p], c_int),
    ("sm_sme_count", [_E], c_size_t),
    ("sm_sme_desc_free", [_P(SmeDesc)], None),
    ("sm_bulk_new", [_P(_Bulk), _E], _STATUS),
    ("sm_bulk_put", [_Bulk, _P(SmeDesc)], _STATUS),
    ("sm_bulk_count", [_Bulk], c_size_t),
    ("sm_bulk_commit", [_Bulk], _STATUS),
    ("sm_bulk_free", [_Bulk], None),
    # weighting
    ("sm_criterion_name", [c_int], c_char_p),
    ("sm_weighting_new", [_P(_W)], _STATUS),
    ("sm_weighting_preset", [_P(_W), c_char_p], _STATUS),
    ("sm_weighting_preset_count", [], c_size_t),
    ("sm_weighting_preset_name", [c_size_t], c_char_p),
    ("sm_weighting_parse", [_P(_W), c_char_p], _STATUS),
    ("sm_weighting_new_with", [_P(_W), _P(Allocator)], _STATUS),
    ("sm_weighting_parse_with", [_P(_W), c_char_p, _P(Allocator)], _STATUS),
    ("sm_weighting_copy", [_P(_W), _W], _STATUS),
    ("sm_weighting_free", [_W], None),
    ("sm_weighting_set", [_W, c_char_p, c_double], _STATUS),
    ("sm_weighting_set_builtin", [_W, c_int, c_double], _STATUS),
    ("sm_weighting_get", [_P(c_double), _W, c_char_p], _STATUS),
    ("sm_weighting_count", [_W], c_size_t),
    ("sm_weighting_at", [_P(c_char_p), _P(c_double), _W, c_size_t], _STATUS),
    ("sm_weighting_add_criterion", [_W, c_char_p, CRITERION_FN, c_void_p, DESTROY_FN, c_double], _STATUS),
    ("sm_weighting_set_combiner", [_W, c_int, COMBINE_FN, c_void_p, DESTROY_FN], _STATUS),
    ("sm_weighting_combiner", [_W], c_int),
    ("sm_weighting_set_param", [_W, c_char_p, c_double], _STATUS),
    ("sm_weighting_get_param", [_P(c_double), _W, c_char_p], _STATUS),
    ("sm_weighting_to_string", [_P(c_void_p), _W], _STATUS),
    # queries and results
    ("sm_query_options_init", [_P(QueryOptions), c_uint], _STATUS),
    ("sm_query_top", [_P(_R), _E, c_char_p, _P(QueryOptions)], _STATUS),
    ("sm_query_explain", [_P(_R), _E, c_char_p, c_char_p, _W], _STATUS),
    ("sm_result_free", [_R], None),
    ("sm_result_query_id", [_R], c_char_p),
    ("sm_result_count", [_R], c_size_t),
    ("sm_result_id", [_R, c_size_t], c_char_p),
    ("sm_result_score", [_R, c_size_t], c_double),
    ("sm_result_scores", [_R], _P(c_double)),
    ("sm_result_criterion_count", [_R], c_size_t),
    ("sm_result_criterion_name", [_R, c_size_t], c_char_p),
    ("sm_result_criterion_weight", [_R, c_size_t], c_double),
    ("sm_result_breakdown", [_R, c_size_t, c_size_t], c_double),
    ("sm_result_breakdowns", [_R], _P(c_double)),
    ("sm_result_distance_km", [_R, c_size_t], c_double),
    # batch
    ("sm_batch_options_init", [_P(BatchOptions), c_uint], _STATUS),
    ("sm_batch_run", [_E, _P(BatchOptions)], _STATUS),
    # loading and writing
    ("sm_load_options_init", [_P(LoadOptions), c_uint], _STATUS),
    ("sm_text_fold", [c_char_p, c_size_t, c_char_p], _STATUS),
    ("sm_load_file", [_E, c_char_p, _P(LoadOptions), _P(LoadReport)], _STATUS),
    ("sm_load_buffer", [_E, c_char_p, c_size_t, c_char_p, _P(LoadOptions), _P(LoadReport)], _STATUS),
    ("sm_format_supported", [c_int], c_int),
    ("sm_result_format", [_P(c_void_p), _P(c_size_t), _P(_R), c_size_t, c_int], _STATUS),
    ("sm_free", [c_void_p], None),
    # experimental: explanations
    ("sm_reason_code_name", [c_int], c_char_p),
    ("sm_result_explain", [_R, _E], _STATUS),
    ("sm_result_is_explained", [_R], c_int),
    ("sm_result_contribution", [_R, c_size_t, c_size_t], c_double),
    ("sm_result_gives_count", [_R, c_size_t], c_size_t),
    ("sm_result_gives_tag", [_R, c_size_t, c_size_t], c_char_p),
    ("sm_result_gives_weight", [_R, c_size_t, c_size_t], c_double),
    ("sm_result_gets_count", [_R, c_size_t], c_size_t),
    ("sm_result_gets_tag", [_R, c_size_t, c_size_t], c_char_p),
    ("sm_result_gets_weight", [_R, c_size_t, c_size_t], c_double),
    ("sm_result_reason_code", [_R, c_size_t, c_size_t], c_int),
    ("sm_result_reason_param_count", [_R, c_size_t, c_size_t], c_size_t),
    ("sm_result_reason_param_name", [_R, c_size_t, c_size_t, c_size_t], c_char_p),
    ("sm_result_reason_param_value", [_R, c_size_t, c_size_t, c_size_t], c_char_p),
    ("sm_result_reason_text", [_R, c_size_t, c_size_t], c_char_p),
    ("sm_exclusion_name", [c_int], c_char_p),
    ("sm_query_rank", [_P(RankInfo), _E, c_char_p, c_char_p, _P(QueryOptions)], _STATUS),
    # experimental: consortium builder
    ("sm_call_new", [_P(_Call)], _STATUS),
    ("sm_call_preset", [_P(_Call), c_char_p], _STATUS),
    ("sm_call_preset_count", [], c_size_t),
    ("sm_call_preset_name", [c_size_t], c_char_p),
    ("sm_call_parse", [_P(_Call), c_char_p, c_size_t, c_char_p], _STATUS),
    ("sm_call_set", [_Call, c_char_p, c_char_p], _STATUS),
    ("sm_call_to_string", [_P(c_void_p), _Call], _STATUS),
    ("sm_call_free", [_Call], None),
    ("sm_consortium_options_init", [_P(ConsortiumOptions), c_uint], _STATUS),
    ("sm_consortium_build", [_P(_Consortia), _E, _Call, _P(ConsortiumOptions)], _STATUS),
    ("sm_consortia_free", [_Consortia], None),
    ("sm_consortia_count", [_Consortia], c_size_t),
    ("sm_consortia_infeasible", [_Consortia], c_char_p),
    ("sm_consortia_exact", [_Consortia], c_int),
    ("sm_consortia_score", [_Consortia, c_size_t], c_double),
    ("sm_consortia_term", [_Consortia, c_size_t, c_char_p], c_double),
    ("sm_consortia_size", [_Consortia, c_size_t], c_size_t),
    ("sm_consortia_member", [_P(c_char_p), _P(c_char_p), _P(c_char_p), _Consortia, c_size_t, c_size_t], _STATUS),
    ("sm_consortia_rule_count", [_Consortia], c_size_t),
    ("sm_consortia_rule", [_P(c_char_p), _P(c_int), _P(c_char_p), _Consortia, c_size_t, c_size_t], _STATUS),
    ("sm_consortia_coverage", [_Consortia, c_size_t, c_size_t], c_long),
    ("sm_consortia_item_count", [_Consortia], c_size_t),
    ("sm_consortia_item", [_Consortia, c_size_t, _P(c_int)], c_char_p),
    ("sm_consortia_format", [_P(c_void_p), _P(c_size_t), _Consortia, c_int], _STATUS),
    # experimental: regional overview
    ("sm_overview_index_name", [c_int], c_char_p),
    ("sm_overview_options_init", [_P(OverviewOptions), c_uint], _STATUS),
    ("sm_overview_new", [_P(_Overview), _E, _P(OverviewOptions)], _STATUS),
    ("sm_overview_free", [_Overview], None),
    ("sm_overview_sme_count", [_Overview], c_size_t),
    ("sm_overview_k", [_Overview], c_size_t),
    ("sm_overview_region_level", [_Overview], c_int),
    ("sm_overview_sector_level", [_Overview], c_int),
    ("sm_overview_has_index", [_Overview, c_int], c_int),
    ("sm_overview_rows", [_Overview, c_int], c_size_t),
    ("sm_overview_cols", [_Overview, c_int], c_size_t),
    ("sm_overview_label_code", [_Overview, c_int, c_int, c_size_t], c_char_p),
    ("sm_overview_label_name", [_Overview, c_int, c_int, c_size_t], c_char_p),
    ("sm_overview_label_smes", [_Overview, c_int, c_int, c_size_t], c_size_t),
    ("sm_overview_value", [_Overview, c_int, c_size_t, c_size_t, c_int], c_double),
    ("sm_overview_values", [_P(c_double), c_size_t, _Overview, c_int, c_int], _STATUS),
    ("sm_overview_best_count", [_Overview, c_int, c_size_t, c_size_t], c_size_t),
    ("sm_overview_best_at", [_P(OverviewPair), _Overview, c_int, c_size_t, c_size_t, c_size_t], _STATUS),
    ("sm_geometry_load", [_P(_Geometry), c_char_p], _STATUS),
    ("sm_geometry_free", [_Geometry], None),
    ("sm_geometry_count", [_Geometry], c_size_t),
    ("sm_laea_project", [_P(c_double), _P(c_double), c_double, c_double], None),
    ("sm_overview_format", [_P(c_void_p), _P(c_size_t), _Overview, c_int, c_int, _Geometry], _STATUS),
    ("sm_overview_write", [c_char_p, _Overview, c_int, c_int, _Geometry], _STATUS),
    ("sm_overview_format_focus", [_P(c_void_p), _P(c_size_t), _Overview, c_char_p, _Geometry], _STATUS),
    ("sm_overview_write_focus", [c_char_p, _Overview, c_char_p, _Geometry], _STATUS),
    ("sm_themes_new", [_P(_Themes)], _STATUS),
    ("sm_themes_free", [_Themes], None),
    ("sm_themes_add", [_Themes, c_char_p, _P(c_char_p), c_size_t], _STATUS),
    ("sm_themes_load", [_Themes, c_char_p, _P(c_size_t)], _STATUS),
    ("sm_themes_load_buffer", [_Themes, c_char_p, c_size_t, c_char_p, _P(c_size_t)], _STATUS),
    ("sm_themes_count", [_Themes], c_size_t),
    ("sm_themes_name", [_Themes, c_size_t], c_char_p),
    ("sm_themes_tag_count", [_Themes, c_size_t], c_size_t),
    ("sm_themes_tag", [_Themes, c_size_t, c_size_t], c_char_p),
    # event planner (experimental)
    ("sm_event_options_init", [_P(EventOptions), c_uint], _STATUS),
    ("sm_event_new", [_P(_Event), _E, _P(EventOptions)], _STATUS),
    ("sm_event_free", [_Event], None),
    ("sm_event_add_participant", [_Event, c_char_p, c_uint, c_char_p], _STATUS),
    ("sm_event_set_unavailable", [_Event, c_char_p, c_uint, c_uint], _STATUS),
    ("sm_event_set_slot_tables", [_Event, c_uint, c_uint], _STATUS),
    ("sm_event_set_unavailable_session", [_Event, c_char_p, c_char_p], _STATUS),
    ("sm_event_session_count", [_Event], c_uint),
    ("sm_event_session_at", [_P(EventSession), _Event, c_uint], _STATUS),
    ("sm_event_plan_session_count", [_EventPlan], c_uint),
    ("sm_event_plan_session_at", [_P(EventSession), _EventPlan, c_uint], _STATUS),
    ("sm_event_add_wish", [_Event, c_char_p, c_char_p, c_uint, c_double, c_int, c_uint, c_uint], _STATUS),
    ("sm_event_wishes_from_top", [_Event, c_size_t, _P(QueryOptions)], _STATUS),
    ("sm_event_read_csv", [_Event, c_int, c_char_p, c_size_t, c_char_p], _STATUS),
    ("sm_event_load_csv", [_Event, c_int, c_char_p], _STATUS),
    ("sm_event_read_json", [_Event, c_int, c_char_p, c_size_t, c_char_p], _STATUS),
    ("sm_event_load_json", [_Event, c_int, c_char_p], _STATUS),
    ("sm_event_participant_count", [_Event], c_size_t),
    ("sm_event_wish_count", [_Event], c_size_t),
    ("sm_event_plan_new", [_P(_EventPlan), _Event, c_uint], _STATUS),
    ("sm_event_plan_free", [_EventPlan], None),
    ("sm_event_plan_stats", [_EventPlan], _P(EventStats)),
    ("sm_event_plan_meeting_count", [_EventPlan], c_size_t),
    ("sm_event_plan_meeting_at", [_EventPlan, c_size_t], _P(EventMeeting)),
    ("sm_event_plan_unscheduled_count", [_EventPlan], c_size_t),
    ("sm_event_plan_unscheduled_at", [_EventPlan, c_size_t], _P(EventUnscheduled)),
    ("sm_event_reason_name", [c_int], c_char_p),
    ("sm_wish_status_name", [c_int], c_char_p),
    ("sm_event_plan_write_csv", [_EventPlan, c_char_p], _STATUS),
    ("sm_event_plan_write_unscheduled_csv", [_EventPlan, c_char_p], _STATUS),
    ("sm_event_plan_write_json", [_EventPlan, c_char_p], _STATUS),
    ("sm_event_plan_write_agenda", [_EventPlan, c_char_p, c_char_p, c_char_p, c_uint], _STATUS),
    ("sm_event_plan_write_ics", [_EventPlan, c_char_p, c_char_p, c_char_p, c_uint], _STATUS),
    # experimental: snapshots
    ("sm_snapshot_save", [_E, c_char_p], _STATUS),
    ("sm_snapshot_options_init", [_P(SnapshotOptions), c_uint], _STATUS),
    ("sm_snapshot_load", [_P(_E), c_char_p, _P(SnapshotOptions)], _STATUS),
    ("sm_snapshot_content_hash", [_P(ctypes.c_uint64), c_char_p], _STATUS),
    ("sm_snapshot_info_get", [_P(_P(SnapshotInfo)), c_char_p], _STATUS),
    ("sm_snapshot_info_free", [_P(SnapshotInfo)], None),
    ("sm_batch_run_shard", [_E, _P(BatchOptions), c_uint, c_uint], _STATUS),
]


def text(raw: Any) -> str:
    """A C string (bytes or None) as str; invalid UTF-8 is replaced, never raised."""
    if raw is None:
        return ""
    return raw.decode("utf-8", "replace")


def error_details(status: int) -> errors.Error:
    """The exception for a failure just reported by the library on this thread.

    Must be called on the failing thread before any other library call.
    """
    err = _sm_error_last()
    if err and err.contents.status == status:
        e = err.contents
        return errors.error_class(status)(
            text(e.message) or errors.status_name(status), status,
            file=text(e.file), line=int(e.line), column=int(e.column),
            field=text(e.field), value=text(e.value))
    # The library returned a failure without recording it: still raise, by status.
    return errors.error_class(status)(errors.status_name(status), status)


def _errcheck(result: int, func: Any, args: Any) -> int:
    if result != SM_OK:
        raise error_details(result)
    return result


def _missing(name: str):
    def stub(*args: Any) -> Any:
        raise errors.Unsupported(f"{name} is not in the loaded smartmatch library ({library_path})",
                                 errors.Unsupported.status)
    stub.__name__ = name
    return stub


class _Lib:
    """The loaded library's functions as attributes, declared from :data:`FUNCTIONS`."""

    def __init__(self, cdll: ctypes.CDLL) -> None:
        self._cdll = cdll
        self.missing: List[str] = []
        for name, argtypes, restype in FUNCTIONS:
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                self.missing.append(name)
                setattr(self, name, _missing(name))
                continue
            fn.argtypes = argtypes
            if restype == _STATUS:
                fn.restype = c_int
                fn.errcheck = _errcheck
            else:
                fn.restype = restype
            setattr(self, name, fn)


_cdll, library_path = load_library()
lib = _Lib(_cdll)
_sm_error_last = lib.sm_error_last if "sm_error_last" not in lib.missing else (lambda: None)


def str_array(items: Any, what: str = "list item") -> Any:
    """A ``const char *const *`` built from an iterable of str (None for empty), and its length.

    The returned array keeps the encoded strings alive as long as it lives.
    """
    if items is None:
        return None, 0
    if isinstance(items, (str, bytes)):
        items = [items]
    encoded = [cstr(s, what) for s in items]
    if not encoded:
        return None, 0
    arr = (c_char_p * len(encoded))(*encoded)
    return ctypes.cast(arr, _StrList), len(encoded)


def cstr(s: Any, what: str = "argument") -> bytes:
    """Encodes a str argument for the C API.

    TypeError for anything but str (or bytes); InvalidArgument for a NUL
    character, which C would take for the end of the string.
    """
    if isinstance(s, str):
        b = s.encode("utf-8")
    elif isinstance(s, bytes):
        b = s
    else:
        raise TypeError(f"{what} must be str, not {type(s).__name__}")
    if b"\0" in b:
        raise errors.InvalidArgument(f"{what}: contains a NUL character: {s!r}", errors.InvalidArgument.status,
                                     field=what, value=repr(s))
    return b


def read_str_list(ptr: Any, n: int) -> List[str]:
    """A C array of n strings as a list of str."""
    if not n or not ptr:
        return []
    return [text(ptr[i]) for i in range(n)]
