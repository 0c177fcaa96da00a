/* Criteria, combiners, top-k queries, filters and explanations, checked
 * against hand computations from docs/scoring.md. */
#include "test_util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-12
#define R_EARTH 6371.0088
#define DEG (3.14159265358979323846 / 180.0)

static sm_engine *eng;

static void region(sm_engine *e, const char *code, double lat, double lon, double dev, const char *langs)
{
    sm_region_desc d = SM_REGION_DESC_INIT;
    d.code = code;
    d.name = code;
    d.lat = lat;
    d.lon = lon;
    d.development = dev;
    d.n_languages = tu_split(langs, (const char ***)&d.languages);
    assert_int_equal(sm_region_put(e, &d), SM_OK);
}

/* Two fictional countries on the equator, one degree apart (no built-in
 * adjacency between them), so every number is easy to recompute. */
static int setup(void **state)
{
    (void)state;
    eng = tu_engine(SM_TAXONOMY_NACE);
    region(eng, "XA", 0, 0, 50, "de");
    region(eng, "XA1", 0, 0, NAN, "");
    region(eng, "XB", 0, 1, 100, "en");
    region(eng, "XB1", 0, 2, NAN, "");
    /* A: offers what B needs half of; B offers all A needs. */
    assert_int_equal(tu_put(eng, "A", "XA1", "25.11", "cnc machining;welding", "export distribution",
                            SM_COOP_SUBCONTRACTING | SM_COOP_SUPPLY, "", SM_SIZE_SMALL),
                     SM_OK);
    assert_int_equal(tu_put(eng, "B", "XB", "28.11;25.62", "export distribution", "cnc machining;logistics",
                            SM_COOP_SUPPLY, "en", SM_SIZE_MEDIUM),
                     SM_OK);
    assert_int_equal(tu_put(eng, "C", "XB1", "46.1", "logistics", "welding", 0, "", SM_SIZE_UNKNOWN), SM_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sm_engine_free(eng);
    return 0;
}

static double crit(const sm_result *r, size_t i, const char *name)
{
    for (size_t j = 0; j < sm_result_criterion_count(r); j++)
        if (strcmp(sm_result_criterion_name(r, j), name) == 0)
            return sm_result_breakdown(r, i, j);
    fail_msg("no criterion %s", name);
    return NAN;
}

static sm_result *explain(const char *a, const char *b, const sm_weighting *w)
{
    sm_result *r = NULL;
    sm_status st = sm_query_explain(&r, eng, a, b, w);
    if (st)
        fail_msg("explain: %s", sm_error_last()->message);
    assert_int_equal(sm_result_count(r), 1);
    return r;
}

static double aff(const char *x, const char *y)
{
    double v;
    assert_int_equal(sm_affinity_get(&v, eng, x, y), SM_OK);
    return v;
}

static void every_criterion_by_hand(void **state)
{
    (void)state;
    sm_result *r = explain("A", "B", NULL);
    assert_string_equal(sm_result_query_id(r), "A");
    assert_string_equal(sm_result_id(r, 0), "B");
    assert_int_equal(sm_result_criterion_count(r), 7);
    /* every tag is listed by 2 of 3 SMEs: idf = ln 2.5 for all, so
     * s(A->B) = 1/2 (cnc of cnc+logistics), s(B->A) = 1, harmonic 2/3 */
    double comp = 2.0 * 0.5 * 1.0 / 1.5;
    assert_float_equal(crit(r, 0, "complementarity"), comp, EPS);
    /* 25.11 vs 28.11: T[25][28]; vs the secondary 25.62: same division, factor 0.8 */
    double t2528 = aff("25", "28"), t2525 = aff("25", "25.6");
    assert_float_equal(t2528, 0.4594, 1e-4);
    double sector = fmax(t2528, 0.8 * t2525);
    assert_float_equal(crit(r, 0, "sector_affinity"), sector, EPS);
    double d = R_EARTH * 1.0 * DEG;
    assert_float_equal(sm_result_distance_km(r, 0), d, 1e-9);
    double reach = exp(-d / 400.0) + 0.15;
    assert_float_equal(crit(r, 0, "region_reach"), reach, EPS);
    /* XA1 inherits XA's 50; B's 100: |ln 50 - ln 100| / ln 2 = 1 */
    assert_float_equal(crit(r, 0, "cohesion"), 1.0, EPS);
    assert_float_equal(crit(r, 0, "size_fit"), 1.0, EPS);
    assert_float_equal(crit(r, 0, "cooperation_fit"), 0.5, EPS);
    /* A inherits "de" from XA; B speaks "en" */
    assert_float_equal(crit(r, 0, "language"), 0.0, EPS);
    double total = (3 * comp + 2 * sector + reach + 1.0 + 0.5 * 1.0 + 0.5 + 0.0) / 9.5;
    assert_float_equal(sm_result_score(r, 0), total, EPS);
    assert_float_equal(sm_result_criterion_weight(r, 0), 3.0, 0);
    sm_result_free(r);

    /* A-C: C has no cooperation types, no size, no languages (XB1 inherits en) */
    r = explain("A", "C", NULL);
    assert_float_equal(crit(r, 0, "cooperation_fit"), 0.5, EPS);
    assert_float_equal(crit(r, 0, "size_fit"), 0.5, EPS);
    assert_float_equal(crit(r, 0, "language"), 0.0, EPS);
    /* s(A->C) = 1 (welding), s(C->A) = 0 (C offers logistics, A needs export) */
    assert_float_equal(crit(r, 0, "complementarity"), 0.0, EPS);
    double d2 = R_EARTH * 2.0 * DEG;
    assert_float_equal(crit(r, 0, "region_reach"), exp(-d2 / 400.0) + 0.15, EPS);
    sm_result_free(r);
}

static void reciprocity_and_params(void **state)
{
    (void)state;
    const struct {
        const char *text;
        double comp;
    } cases[] = {
        { "balanced,complementarity.reciprocity=arithmetic", 0.75 },
        { "balanced,complementarity.reciprocity=max", 1.0 },
        { "balanced,complementarity.reciprocity=min", 0.5 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sm_weighting *w = NULL;
        assert_int_equal(sm_weighting_parse(&w, cases[i].text), SM_OK);
        sm_result *r = explain("A", "B", w);
        assert_float_equal(crit(r, 0, "complementarity"), cases[i].comp, EPS);
        sm_result_free(r);
        sm_weighting_free(w);
    }
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, "balanced,region_reach.scale_km=100,region_reach.cross_border_bonus=0,"
                                            "cohesion.full_ratio=4,sector_affinity.secondary_factor=1"),
                     SM_OK);
    sm_result *r = explain("A", "B", w);
    double d = R_EARTH * DEG;
    assert_float_equal(crit(r, 0, "region_reach"), exp(-d / 100.0), EPS);
    assert_float_equal(crit(r, 0, "cohesion"), log(2.0) / log(4.0), EPS);
    assert_float_equal(crit(r, 0, "sector_affinity"), fmax(aff("25", "28"), aff("25", "25.6")), EPS);
    sm_result_free(r);
    sm_weighting_free(w);
}

static void combiners(void **state)
{
    (void)state;
    sm_weighting *w = NULL;
    /* language is 0 for A-B: geometric and min give 0 */
    assert_int_equal(sm_weighting_parse(&w, "balanced,combiner=geometric"), SM_OK);
    sm_result *r = explain("A", "B", w);
    assert_float_equal(sm_result_score(r, 0), 0.0, 0);
    sm_result_free(r);
    sm_weighting_free(w);

    assert_int_equal(sm_weighting_parse(&w, "complementarity=1,cooperation_fit=1,combiner=geometric"), SM_OK);
    r = explain("A", "B", w);
    assert_float_equal(sm_result_score(r, 0), sqrt(2.0 / 3.0 * 0.5), EPS);
    sm_result_free(r);
    sm_weighting_free(w);

    assert_int_equal(sm_weighting_parse(&w, "complementarity=2,cooperation_fit=1,size_fit=5,combiner=min"), SM_OK);
    r = explain("A", "B", w);
    assert_float_equal(sm_result_score(r, 0), 0.5, EPS);
    /* criteria with weight 0 still appear in the breakdown */
    assert_int_equal(sm_result_criterion_count(r), 7);
    assert_float_equal(crit(r, 0, "language"), 0.0, EPS);
    sm_result_free(r);
    sm_weighting_free(w);
}

static double const_criterion(const sm_pair *p, void *ud)
{
    (void)p;
    return *(double *)ud;
}

static double sector_echo(const sm_pair *p, void *ud)
{
    (void)ud;
    /* the pair view carries both sides and the built-in scores */
    if (strcmp(p->a.id, "A") != 0 || strcmp(p->a.country, "XA") != 0 || strcmp(p->a.sector, "25.11") != 0)
        return NAN;
    return p->builtin[SM_CRIT_SECTOR_AFFINITY];
}

static double custom_mean(const double *s, const double *w, size_t n, void *ud)
{
    (void)w;
    (void)ud;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    return sum / (double)n;
}

static double nan_combine(const double *s, const double *w, size_t n, void *ud)
{
    (void)s, (void)w, (void)n, (void)ud;
    return NAN;
}

static void custom_criteria_and_combiner(void **state)
{
    (void)state;
    sm_weighting *w = NULL;
    double v = 0.25;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "constant", const_criterion, &v, NULL, 1.0), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "echo", sector_echo, NULL, NULL, 0.5), SM_OK);
    sm_result *r = explain("A", "B", w);
    assert_int_equal(sm_result_criterion_count(r), 9);
    assert_string_equal(sm_result_criterion_name(r, 7), "constant");
    assert_float_equal(crit(r, 0, "constant"), 0.25, 0);
    assert_float_equal(crit(r, 0, "echo"), crit(r, 0, "sector_affinity"), 0);
    sm_result *plain = explain("A", "B", NULL);
    double expect = (sm_result_score(plain, 0) * 9.5 + 0.25 + 0.5 * crit(r, 0, "sector_affinity")) / 11.0;
    assert_float_equal(sm_result_score(r, 0), expect, EPS);
    sm_result_free(plain);
    sm_result_free(r);

    /* out of range is clamped */
    v = 1.7;
    r = explain("A", "B", w);
    assert_float_equal(crit(r, 0, "constant"), 1.0, 0);
    sm_result_free(r);
    v = -3;
    r = explain("A", "B", w);
    assert_float_equal(crit(r, 0, "constant"), 0.0, 0);
    sm_result_free(r);

    /* NaN fails the query, naming the criterion; no result */
    v = NAN;
    r = (sm_result *)(uintptr_t)1;
    assert_int_equal(sm_query_explain(&r, eng, "A", "B", w), SM_ERR_CALLBACK);
    tu_assert_error(SM_ERR_CALLBACK, "constant");
    assert_true(r == (sm_result *)(uintptr_t)1);
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    r = NULL;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_CALLBACK);
    assert_null(r);
    v = 0.25;

    /* custom combiner */
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_CUSTOM, custom_mean, NULL, NULL), SM_OK);
    r = explain("A", "B", w);
    double sum = 0;
    for (size_t j = 0; j < 9; j++)
        sum += sm_result_breakdown(r, 0, j);
    assert_float_equal(sm_result_score(r, 0), sum / 9, EPS);
    sm_result_free(r);
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_CUSTOM, nan_combine, NULL, NULL), SM_OK);
    assert_int_equal(sm_query_explain(&r, eng, "A", "B", w), SM_ERR_CALLBACK);
    tu_assert_error(SM_ERR_CALLBACK, "combiner");
    sm_weighting_free(w);
}

static void top_ranks_and_never_self(void **state)
{
    (void)state;
    sm_result *r = NULL;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 2);
    for (size_t i = 0; i < 2; i++)
        assert_string_not_equal(sm_result_id(r, i), "A");
    assert_true(sm_result_score(r, 0) >= sm_result_score(r, 1));
    /* the breakdown of a top result equals explain's */
    sm_result *x = explain("A", sm_result_id(r, 0), NULL);
    assert_float_equal(sm_result_score(x, 0), sm_result_score(r, 0), 0);
    for (size_t j = 0; j < 7; j++)
        assert_float_equal(sm_result_breakdown(x, 0, j), sm_result_breakdown(r, 0, j), 0);
    assert_non_null(sm_result_scores(r));
    assert_non_null(sm_result_breakdowns(r));
    assert_null(sm_result_id(r, 2));
    assert_true(isnan(sm_result_score(r, 2)));
    assert_true(isnan(sm_result_breakdown(r, 0, 7)));
    assert_null(sm_result_criterion_name(r, 7));
    sm_result_free(x);
    sm_result_free(r);

    o.k = 0;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 0);
    assert_null(sm_result_scores(r));
    sm_result_free(r);
    o.k = 1;
    assert_int_equal(sm_query_top(&r, eng, "A", NULL), SM_OK); /* NULL options = defaults */
    sm_result_free(r);
    assert_int_equal(sm_result_count(NULL), 0);
    sm_result_free(NULL);
}

static void ties_break_by_id(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *ids[] = { "T-5", "T-1", "T-10", "T-3", "T-2" };
    assert_int_equal(tu_put(e, "Q", "SI032", "25.11", "cnc machining", "packaging", 0, "", SM_SIZE_SMALL), SM_OK);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(tu_put(e, ids[i], "AT211", "17.21", "packaging", "cnc machining", 0, "", SM_SIZE_SMALL),
                         SM_OK);
    sm_result *r = NULL;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 3;
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 3);
    assert_string_equal(sm_result_id(r, 0), "T-1");
    assert_string_equal(sm_result_id(r, 1), "T-10");
    assert_string_equal(sm_result_id(r, 2), "T-2");
    sm_result_free(r);
    sm_engine_free(e);
}

static int has(const sm_result *r, const char *id)
{
    for (size_t i = 0; i < sm_result_count(r); i++)
        if (strcmp(sm_result_id(r, i), id) == 0)
            return 1;
    return 0;
}

static void filters(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    /* Q in Maribor (SI032), manufacturing */
    assert_int_equal(tu_put(e, "Q", "SI032", "25.11", "cnc machining", "packaging", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "SAME-REGION", "SI032", "17.21", "packaging", "", 0, "", SM_SIZE_MICRO), SM_OK);
    assert_int_equal(tu_put(e, "SAME-COUNTRY", "SI041", "25.62", "packaging", "", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "GRAZ", "AT221", "25.11", "packaging", "", 0, "", SM_SIZE_MEDIUM), SM_OK);
    assert_int_equal(tu_put(e, "ZAGREB", "HR050", "46.69", "packaging", "", 0, "", SM_SIZE_LARGE), SM_OK);
    assert_int_equal(tu_put(e, "LISBON", "PT170", "17.21", "packaging", "", 0, "", SM_SIZE_SMALL), SM_OK);
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    sm_result *r = NULL;

    o.cross_border = 1;
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 3);
    assert_false(has(r, "SAME-REGION") || has(r, "SAME-COUNTRY"));
    sm_result_free(r);
    o.cross_border = 0;

    o.cross_region_level = 3;
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 4);
    assert_false(has(r, "SAME-REGION"));
    sm_result_free(r);
    o.cross_region_level = 0; /* = another country */
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 3);
    sm_result_free(r);
    o.cross_region_level = SM_LEVEL_ANY;

    o.cross_sector_level = 2; /* another division than 25 */
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_false(has(r, "SAME-COUNTRY") || has(r, "GRAZ"));
    assert_int_equal(sm_result_count(r), 3);
    sm_result_free(r);
    o.cross_sector_level = 1; /* another section than C: only trade (G) */
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 1);
    assert_string_equal(sm_result_id(r, 0), "ZAGREB");
    sm_result_free(r);
    o.cross_sector_level = SM_LEVEL_ANY;

    const char *only[] = { "at", "PT" };
    o.countries = only;
    o.n_countries = 2;
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 2);
    assert_true(has(r, "GRAZ") && has(r, "LISBON"));
    sm_result_free(r);
    o.countries = NULL;
    o.n_countries = 0;

    const char *notc[] = { "SI", "HR" };
    o.exclude_countries = notc;
    o.n_exclude_countries = 2;
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 2);
    assert_false(has(r, "ZAGREB"));
    sm_result_free(r);
    o.exclude_countries = NULL;
    o.n_exclude_countries = 0;

    o.size_classes = (1u << SM_SIZE_SMALL) | (1u << SM_SIZE_LARGE);
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 3); /* SAME-COUNTRY, ZAGREB, LISBON */
    assert_false(has(r, "GRAZ") || has(r, "SAME-REGION"));
    sm_result_free(r);
    o.size_classes = 0;

    o.max_km = 300; /* Graz and Zagreb are within, Lisbon is not */
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_false(has(r, "LISBON"));
    assert_int_equal(sm_result_count(r), 4);
    for (size_t i = 0; i < sm_result_count(r); i++)
        assert_true(sm_result_distance_km(r, i) <= 300);
    sm_result_free(r);
    o.max_km = 0;

    const char *ex[] = { "GRAZ", "NO-SUCH-ID" };
    o.exclude_ids = ex;
    o.n_exclude_ids = 2;
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 4);
    assert_false(has(r, "GRAZ"));
    sm_result_free(r);
    o.exclude_ids = NULL;
    o.n_exclude_ids = 0;

    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    double third = sm_result_score(r, 2);
    sm_result_free(r);
    o.min_score = third;
    assert_int_equal(sm_query_top(&r, e, "Q", &o), SM_OK);
    assert_true(sm_result_count(r) >= 3);
    for (size_t i = 0; i < sm_result_count(r); i++)
        assert_true(sm_result_score(r, i) >= third);
    sm_result_free(r);
    sm_engine_free(e);
}

static void bad_queries(void **state)
{
    (void)state;
    sm_result *r = NULL;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    assert_int_equal(sm_query_top(&r, eng, "NOPE", &o), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "\"NOPE\"");
    assert_int_equal(sm_query_top(NULL, eng, "A", &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_query_top(&r, NULL, "A", &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_query_top(&r, eng, NULL, &o), SM_ERR_INVALID_ARGUMENT);
    o.cross_region_level = 4;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "cross_region_level");
    o.cross_region_level = SM_LEVEL_ANY;
    o.cross_sector_level = 0;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "cross_sector_level");
    o.cross_sector_level = SM_LEVEL_ANY;
    o.min_score = NAN;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "min_score");
    o.min_score = 0;
    o.max_km = -1;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "max_km");
    o.max_km = 0;
    const char *bad[] = { "Slovenia" };
    o.countries = bad;
    o.n_countries = 1;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_BAD_CODE);
    tu_assert_error(SM_ERR_BAD_CODE, "\"Slovenia\"");
    o.countries = NULL;
    o.n_countries = 3;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_INVALID_ARGUMENT);
    o.n_countries = 0;
    o.version = 99;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_INVALID_ARGUMENT);
    o.version = SM_QUERY_OPTIONS_VERSION;
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    for (int c = 0; c < SM_CRIT_BUILTIN_COUNT; c++)
        assert_int_equal(sm_weighting_set_builtin(w, (sm_criterion)c, 0.0), SM_OK);
    o.weighting = w;
    assert_int_equal(sm_query_top(&r, eng, "A", &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "all weights are zero");
    assert_int_equal(sm_query_explain(&r, eng, "A", "B", w), SM_ERR_INVALID_ARGUMENT);
    sm_weighting_free(w);
    assert_null(r);
    assert_int_equal(sm_query_explain(&r, eng, "A", "A", NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_query_explain(&r, eng, "A", "ZZ", NULL), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "\"ZZ\"");
    assert_int_equal(sm_query_options_init(&o, 7), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_query_options_init(&o, SM_QUERY_OPTIONS_VERSION), SM_OK);
    assert_int_equal(o.k, 10);
}

/* ---- random engines: pruning never changes a result ---------------------- */

static void top_equals_brute_force(void **state)
{
    (void)state;
    size_t n = 300;
    sm_engine *e = tu_random_engine(n);
    const char *texts[] = { "balanced",
                            "supply_chain",
                            "cohesion,combiner=geometric",
                            "local,combiner=min",
                            "balanced,complementarity.reciprocity=arithmetic",
                            "complementarity=0,sector_affinity=1,region_reach=2,language=1",
                            "cross_border,complementarity.reciprocity=min" };
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        int cross_border = t % 2 == 1; /* odd: only partners in another country */
        sm_weighting *w = NULL;
        assert_int_equal(sm_weighting_parse(&w, texts[t]), SM_OK);
        for (size_t qi = 0; qi < n; qi += 37) {
            sm_sme_desc *qd = NULL;
            assert_int_equal(sm_sme_at(&qd, e, qi), SM_OK);
            tu_assert_top_is_brute(e, qd->id, w, cross_border, 15);
            sm_sme_desc_free(qd);
        }
        sm_weighting_free(w);
    }
    sm_engine_free(e);
}

static void null_weighting_is_balanced(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(120);
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_preset(&w, "balanced"), SM_OK);
    sm_query_options o1 = SM_QUERY_OPTIONS_INIT, o2 = SM_QUERY_OPTIONS_INIT;
    o2.weighting = w;
    sm_result *r1 = NULL, *r2 = NULL;
    assert_int_equal(sm_query_top(&r1, e, "R-0001", &o1), SM_OK);
    assert_int_equal(sm_query_top(&r2, e, "R-0001", &o2), SM_OK);
    assert_int_equal(sm_result_count(r1), sm_result_count(r2));
    for (size_t i = 0; i < sm_result_count(r1); i++) {
        assert_string_equal(sm_result_id(r1, i), sm_result_id(r2, i));
        assert_float_equal(sm_result_score(r1, i), sm_result_score(r2, i), 0);
    }
    for (size_t j = 0; j < 7; j++) {
        assert_string_equal(sm_result_criterion_name(r1, j), sm_result_criterion_name(r2, j));
        assert_float_equal(sm_result_criterion_weight(r1, j), sm_result_criterion_weight(r2, j), 0);
    }
    sm_result_free(r1);
    sm_result_free(r2);
    sm_weighting_free(w);
    sm_engine_free(e);
}

/* Changes are visible to the next query: idf follows the engine. */
static void idf_follows_updates(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(tu_put(e, "P", "SI032", "25.11", "a;b", "x", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "Q", "AT221", "25.11", "x", "a;b", 0, "", SM_SIZE_SMALL), SM_OK);
    sm_result *r = NULL;
    assert_int_equal(sm_query_explain(&r, e, "P", "Q", NULL), SM_OK);
    assert_float_equal(sm_result_breakdown(r, 0, 0), 1.0, EPS);
    sm_result_free(r);
    /* "b" becomes common: Q's need mass shifts towards "a", still all met */
    assert_int_equal(tu_put(e, "S1", "HR050", "46.69", "b", "", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "Q", "AT221", "25.11", "x", "a;b;c", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "S2", "HR050", "46.69", "c", "", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(sm_query_explain(&r, e, "P", "Q", NULL), SM_OK);
    /* N = 4; df(a) = 2, df(b) = 3, df(c) = 2 */
    double ia = log(1 + 4.0 / 2), ib = log(1 + 4.0 / 3), ic = log(1 + 4.0 / 2);
    double ab = (ia + ib) / (ia + ib + ic), ba = 1.0;
    assert_float_equal(sm_result_breakdown(r, 0, 0), 2 * ab * ba / (ab + ba), EPS);
    sm_result_free(r);
    assert_int_equal(sm_sme_remove(e, "S2"), SM_OK);
    assert_int_equal(sm_query_explain(&r, e, "P", "Q", NULL), SM_OK);
    ia = log(1 + 3.0 / 2), ib = log(1 + 3.0 / 3), ic = log(1 + 3.0 / 1);
    ab = (ia + ib) / (ia + ib + ic);
    assert_float_equal(sm_result_breakdown(r, 0, 0), 2 * ab / (ab + 1), EPS);
    sm_result_free(r);
    sm_engine_free(e);
}

/* Every filter is honoured on random engines, alone and combined. */
static void filters_on_random_engines(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(500);
    const char *allow[] = { "AT", "HU", "IT", "DE" };
    const char *deny[] = { "DE" };
    const char *ex[] = { "R-0001", "R-0002", "R-0003" };
    for (int t = 0; t < 64; t++) {
        sm_query_options o = SM_QUERY_OPTIONS_INIT;
        o.k = 20;
        o.cross_border = t & 1;
        o.cross_region_level = t & 2 ? (t >> 3) % 4 : SM_LEVEL_ANY;
        o.cross_sector_level = t & 4 ? 1 + (t >> 2) % 4 : SM_LEVEL_ANY;
        if (t % 5 == 0) {
            o.countries = allow;
            o.n_countries = 4;
        }
        if (t % 7 == 0) {
            o.exclude_countries = deny;
            o.n_exclude_countries = 1;
        }
        o.size_classes = t % 3 == 0 ? (1u << SM_SIZE_SMALL | 1u << SM_SIZE_UNKNOWN) : 0;
        o.max_km = t % 4 == 0 ? 600 : 0;
        o.min_score = t % 6 == 0 ? 0.45 : 0;
        o.exclude_ids = ex;
        o.n_exclude_ids = 3;
        char qid[16];
        snprintf(qid, sizeof qid, "R-%04d", (t * 37) % 500);
        sm_sme_desc *qd = NULL;
        assert_int_equal(sm_sme_get(&qd, e, qid), SM_OK);
        sm_result *r = NULL;
        assert_int_equal(sm_query_top(&r, e, qid, &o), SM_OK);
        for (size_t i = 0; i < sm_result_count(r); i++) {
            sm_sme_desc *d = NULL;
            assert_int_equal(sm_sme_get(&d, e, sm_result_id(r, i)), SM_OK);
            double sc = sm_result_score(r, i);
            assert_true(sc >= o.min_score && sc <= 1.0);
            if (i)
                assert_true(sc <= sm_result_score(r, i - 1));
            for (size_t j = 0; j < sm_result_criterion_count(r); j++) {
                double v = sm_result_breakdown(r, i, j);
                assert_true(v >= 0 && v <= 1);
            }
            assert_string_not_equal(d->id, qid);
            for (size_t j = 0; j < 3; j++)
                assert_string_not_equal(d->id, ex[j]);
            if (o.cross_border)
                assert_false(strncmp(d->region, qd->region, 2) == 0);
            if (o.cross_region_level != SM_LEVEL_ANY) {
                size_t len = (size_t)o.cross_region_level + 2;
                assert_false(strlen(d->region) >= len && strlen(qd->region) >= len &&
                             strncmp(d->region, qd->region, len) == 0);
            }
            if (o.cross_sector_level != SM_LEVEL_ANY) {
                const sm_sector_info *sa = NULL, *sb = NULL;
                assert_int_equal(sm_sector_get(&sa, e, qd->sectors[0]), SM_OK);
                assert_int_equal(sm_sector_get(&sb, e, d->sectors[0]), SM_OK);
                if (o.cross_sector_level == 1 || sa->level == 1 || sb->level == 1)
                    assert_true(strcmp(sa->section, sb->section) != 0 || sa->level < o.cross_sector_level ||
                                sb->level < o.cross_sector_level);
                else {
                    size_t len = o.cross_sector_level == 2 ? 2 : o.cross_sector_level == 3 ? 4 : 5;
                    if (strlen(sa->code) >= len && strlen(sb->code) >= len)
                        assert_false(strncmp(sa->code, sb->code, len) == 0);
                }
            }
            if (o.n_countries)
                assert_true(strncmp(d->region, "AT", 2) == 0 || strncmp(d->region, "HU", 2) == 0 ||
                            strncmp(d->region, "IT", 2) == 0 || strncmp(d->region, "DE", 2) == 0);
            if (o.n_exclude_countries)
                assert_false(strncmp(d->region, "DE", 2) == 0);
            if (o.size_classes)
                assert_true(d->size == SM_SIZE_SMALL || d->size == SM_SIZE_UNKNOWN);
            if (o.max_km > 0)
                assert_true(sm_result_distance_km(r, i) <= o.max_km);
            sm_sme_desc_free(d);
        }
        sm_result_free(r);
        sm_sme_desc_free(qd);
    }
    sm_engine_free(e);
}

/* The same queries from 1 thread and from 8 at once give identical results. */
typedef struct same_job {
    sm_engine *e;
    sm_result *res[50];
} same_job;

static void *run_50(void *arg)
{
    same_job *j = arg;
    char id[16];
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "R-%04d", i * 7);
        sm_query_options o = SM_QUERY_OPTIONS_INIT;
        o.cross_border = i & 1;
        if (sm_query_top(&j->res[i], j->e, id, &o) != SM_OK)
            j->res[i] = NULL;
    }
    return NULL;
}

static void eight_threads_agree_with_one(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(400);
    same_job ref = { e, { 0 } };
    run_50(&ref);
    same_job jobs[8];
    pthread_t th[8];
    for (int t = 0; t < 8; t++) {
        jobs[t].e = e;
        pthread_create(&th[t], NULL, run_50, &jobs[t]);
    }
    for (int t = 0; t < 8; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < 8; t++)
        for (int i = 0; i < 50; i++) {
            sm_result *a = ref.res[i], *b = jobs[t].res[i];
            assert_non_null(a);
            assert_non_null(b);
            assert_int_equal(sm_result_count(a), sm_result_count(b));
            for (size_t m = 0; m < sm_result_count(a); m++) {
                assert_string_equal(sm_result_id(a, m), sm_result_id(b, m));
                assert_true(sm_result_score(a, m) == sm_result_score(b, m));
            }
            sm_result_free(b);
        }
    for (int i = 0; i < 50; i++)
        sm_result_free(ref.res[i]);
    sm_engine_free(e);
}

/* ---- threads: queries beside updates never crash or tear ---------------- */

typedef struct qthread {
    sm_engine *e;
    int failures;
} qthread;

static void *query_loop(void *arg)
{
    qthread *t = arg;
    char id[16];
    for (int i = 0; i < 200; i++) {
        snprintf(id, sizeof id, "R-%04d", i % 100);
        sm_result *r = NULL;
        sm_query_options o = SM_QUERY_OPTIONS_INIT;
        o.cross_border = i & 1;
        sm_status st = sm_query_top(&r, t->e, id, &o);
        if (st != SM_OK && st != SM_ERR_NOT_FOUND)
            t->failures++;
        for (size_t j = 0; j < sm_result_count(r); j++)
            if (!(sm_result_score(r, j) >= 0 && sm_result_score(r, j) <= 1))
                t->failures++;
        sm_result_free(r);
    }
    return NULL;
}

static void *update_loop(void *arg)
{
    qthread *t = arg;
    char id[16];
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, "U-%04d", i);
        if (tu_put(t->e, id, "AT130", "62.01", "tag1;tag7", "tag3", 0, "de", SM_SIZE_SMALL) != SM_OK)
            t->failures++;
        if (i % 3 == 0) {
            snprintf(id, sizeof id, "R-%04d", i % 100);
            sm_sme_remove(t->e, id); /* may already be gone */
        }
    }
    return NULL;
}

static void queries_beside_updates(void **state)
{
    (void)state;
    qthread t = { tu_random_engine(400), 0 };
    pthread_t th[4];
    pthread_create(&th[0], NULL, update_loop, &t);
    for (int i = 1; i < 4; i++)
        pthread_create(&th[i], NULL, query_loop, &t);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(t.failures, 0);
    sm_engine_free(t.e);
}

/* ---- allocation failures: every one is reported and nothing leaks ------- */

static void query_allocation_failures(void **state)
{
    (void)state;
    for (long n = 1;; n++) {
        tu_alloc_state as = { 0, 0, 0, 0 };
        sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
        sm_allocator al = tu_allocator(&as);
        eo.allocator = &al;
        eo.taxonomies = SM_TAXONOMY_ALL;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
        assert_int_equal(tu_put(e, "P", "SI032", "25.11", "a;b", "x", 0, "", SM_SIZE_SMALL), SM_OK);
        assert_int_equal(tu_put(e, "Q", "AT221", "25.11", "x", "a;b", 0, "", SM_SIZE_SMALL), SM_OK);
        long base = as.calls;
        as.fail_at = base + n;
        sm_result *r = NULL;
        sm_status st = sm_query_top(&r, e, "P", NULL);
        int failed = as.failed;
        as.fail_at = 0;
        if (failed) {
            assert_int_equal(st, SM_ERR_NOMEM);
            assert_null(r);
            /* the engine still works */
            assert_int_equal(sm_query_top(&r, e, "P", NULL), SM_OK);
        } else {
            assert_int_equal(st, SM_OK);
        }
        assert_int_equal(sm_result_count(r), 1);
        sm_result_free(r);
        sm_engine_free(e);
        assert_int_equal(as.live, 0);
        if (!failed)
            break;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_criterion_by_hand, setup, teardown),
        cmocka_unit_test_setup_teardown(reciprocity_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(combiners, setup, teardown),
        cmocka_unit_test_setup_teardown(custom_criteria_and_combiner, setup, teardown),
        cmocka_unit_test_setup_teardown(top_ranks_and_never_self, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_queries, setup, teardown),
        cmocka_unit_test(ties_break_by_id),
        cmocka_unit_test(filters),
        cmocka_unit_test(top_equals_brute_force),
        cmocka_unit_test(null_weighting_is_balanced),
        cmocka_unit_test(idf_follows_updates),
        cmocka_unit_test(filters_on_random_engines),
        cmocka_unit_test(eight_threads_agree_with_one),
        cmocka_unit_test(queries_beside_updates),
        cmocka_unit_test(query_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
