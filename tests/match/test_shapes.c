/* Top-k on every workload shape (the generator's shapes in small: a
 * long-tail Zipf vocabulary, one country's regions, a few regions, SMEs
 * with no needs or offers, many secondary sectors) and every weighting
 * (each preset with the mean, geometric and minimum combiners, custom
 * criteria) equals brute force over sm_query_explain(), before and after
 * changes that put rows in the live engine's delta. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern size_t sm__rest_sweep_min; /* lib/match/query_rest.c: regions swept best rows first */
extern size_t sm__share_mark_after; /* lib/match/query_index.c: side-1 candidates before its shares are marked */

typedef struct shape {
    const char *name;
    unsigned vocab;         /* tags */
    double zipf;            /* exponent of the tag ranks; 0 = uniform */
    unsigned max_tags;      /* offers and needs: 0 .. max_tags - 1 */
    const char *const *regions;
    unsigned n_regions;
    unsigned empty_pct;     /* SMEs with no needs or no offers, percent */
    unsigned max_secondary; /* secondary sectors: 0 .. max_secondary */
    unsigned n_sectors;     /* primary and secondary sectors from the first n of sectors[]; 0 = all 14 */
} shape;

static const char *const mixed[] = { "SI032", "SI041", "AT221", "AT130", "HR050", "HU110", "ITH41",
                                     "DE212", "CZ010", "SK010", "RO321", "BG411", "EL303", "PL911" };
static const char *const slovenia[] = { "SI031", "SI032", "SI033", "SI034", "SI035", "SI036",
                                        "SI037", "SI038", "SI041", "SI042", "SI043", "SI044" };
static const char *const few[] = { "AT130", "AT221" };
static const char *const sectors[] = { "25.11", "25.62", "28.41", "10.51", "17.21", "46.69", "62.01",
                                       "55.10", "49.41", "71.12", "C",     "41.20", "73.11", "33.12" };

static const shape shapes[] = {
    { "default", 40, 0.0, 5, mixed, 14, 0, 2, 0 },
    { "zipf", 5000, 1.1, 6, mixed, 14, 0, 1, 0 },
    { "one_country", 40, 0.0, 5, slovenia, 12, 0, 2, 0 },
    { "few_regions", 60, 0.8, 5, few, 2, 0, 1, 0 },
    { "sparse", 40, 0.0, 5, mixed, 14, 60, 1, 0 },
    { "many_secondary", 40, 0.0, 4, slovenia, 12, 10, 6, 0 },
    /* long sector runs in the base (whole runs skipped or read) */
    { "one_region_one_sector", 40, 0.0, 5, few, 1, 0, 0, 1 },
    { "one_region_three_sectors", 40, 0.0, 4, few, 1, 10, 8, 3 },
};

static unsigned long state;
static double unit(void)
{
    state = state * 6364136223846793005ul + 1442695040888963407ul;
    return (double)(state >> 11) / 9007199254740992.0;
}
static unsigned pick(unsigned n) { return (unsigned)(unit() * n); }

/* A Zipf rank in 0 .. n-1 by inversion of the cumulative weights (cum). */
static unsigned zipf_rank(const double *cum, unsigned n)
{
    double u = unit() * cum[n - 1];
    unsigned lo = 0, hi = n - 1;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void tag_list(char *out, size_t cap, const shape *s, const double *cum, unsigned m)
{
    out[0] = '\0';
    for (unsigned j = 0; j < m; j++) {
        unsigned t = s->zipf > 0 ? zipf_rank(cum, s->vocab) : pick(s->vocab);
        snprintf(out + strlen(out), cap - strlen(out), "%st%u", j ? ";" : "", t);
    }
}

static void put_one(sm_engine *e, const shape *s, const double *cum, const char *id)
{
    char sec[128], offers[256], needs[256];
    unsigned ns = s->n_sectors ? s->n_sectors : 14;
    snprintf(sec, sizeof sec, "%s", sectors[pick(ns)]);
    for (unsigned j = 0, m = pick(s->max_secondary + 1); j < m; j++)
        snprintf(sec + strlen(sec), sizeof sec - strlen(sec), ";%s", sectors[pick(ns)]);
    tag_list(offers, sizeof offers, s, cum, pick(s->max_tags));
    tag_list(needs, sizeof needs, s, cum, pick(s->max_tags));
    if (pick(100) < s->empty_pct)
        (pick(2) ? offers : needs)[0] = '\0';
    const char *langs[] = { "", "en", "de;en", "sl", "hu", "it;sl" };
    sm_status st =
        tu_put(e, id, s->regions[pick(s->n_regions)], sec, offers, needs, pick(256), langs[pick(6)], (sm_size)pick(5));
    if (st)
        fail_msg("put %s: %s", id, sm_error_last()->message);
}

static sm_engine *shape_engine(const shape *s, size_t n, double *cum)
{
    state = 777;
    double acc = 0;
    for (unsigned t = 0; t < s->vocab; t++)
        cum[t] = acc += s->zipf > 0 ? pow(t + 1.0, -s->zipf) : 1.0;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    char id[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "S-%04zu", (i * 7919) % n);
        put_one(e, s, cum, id);
    }
    return e;
}

/* Custom criteria: one from the pair's numbers, one from the built-ins. */
static double hashed(const sm_pair *p, void *ud)
{
    (void)ud;
    unsigned h = 0;
    for (const char *c = p->b.id; *c; c++)
        h = h * 31 + (unsigned char)*c;
    return (double)(h % 1000) / 999.0 * (p->distance_km < 300 ? 1.0 : 0.6);
}
static double echo(const sm_pair *p, void *ud)
{
    (void)ud;
    return 0.5 * p->builtin[SM_CRIT_COMPLEMENTARITY] + 0.5 * p->builtin[SM_CRIT_LANGUAGE];
}

static void check_queries(sm_engine *e, const sm_weighting *w, size_t step)
{
    size_t n = sm_sme_count(e);
    for (size_t qi = 0; qi < n; qi += step) {
        sm_sme_desc *qd = NULL;
        assert_int_equal(sm_sme_at(&qd, e, qi), SM_OK);
        tu_assert_top_is_brute(e, qd->id, w, 0, 10);
        sm_sme_desc_free(qd);
    }
}

/* Every preset with each built-in combiner, and with custom criteria. */
static void check_weightings(sm_engine *e, size_t step)
{
    static const char *const combiners[] = { "mean", "geometric", "min" };
    for (size_t p = 0; p < sm_weighting_preset_count(); p++)
        for (size_t c = 0; c < 3; c++) {
            char text[128];
            snprintf(text, sizeof text, "%s,combiner=%s", sm_weighting_preset_name(p), combiners[c]);
            sm_weighting *w = NULL;
            assert_int_equal(sm_weighting_parse(&w, text), SM_OK);
            check_queries(e, w, step);
            if (p == 0 || c == 0) { /* balanced with any combiner, any preset with the mean */
                assert_int_equal(sm_weighting_add_criterion(w, "hashed", hashed, NULL, NULL, 1.0 + (double)c), SM_OK);
                check_queries(e, w, step);
                assert_int_equal(sm_weighting_add_criterion(w, "echo", echo, NULL, NULL, 0.5), SM_OK);
                check_queries(e, w, step * 2);
            }
            sm_weighting_free(w);
        }
    /* the reciprocities no preset uses: the index pass reads other sides */
    static const char *const recips[] = { "arithmetic", "min" };
    for (size_t r = 0; r < 2; r++)
        for (size_t c = 0; c < 3; c++) {
            char text[128];
            snprintf(text, sizeof text, "balanced,complementarity.reciprocity=%s,combiner=%s", recips[r], combiners[c]);
            sm_weighting *w = NULL;
            assert_int_equal(sm_weighting_parse(&w, text), SM_OK);
            check_queries(e, w, c ? step * 2 : step);
            sm_weighting_free(w);
        }
    /* no complementarity weight: the scan has no index pass */
    for (size_t c = 0; c < 3; c++) {
        char text[128];
        snprintf(text, sizeof text, "complementarity=0,sector_affinity=1,region_reach=2,language=1,combiner=%s",
                 combiners[c]);
        sm_weighting *w = NULL;
        assert_int_equal(sm_weighting_parse(&w, text), SM_OK);
        check_queries(e, w, step);
        sm_weighting_free(w);
    }
}

static void every_shape_and_weighting(void **st)
{
    (void)st;
    size_t n = 160;
    double *cum = malloc(5000 * sizeof *cum);
    assert_non_null(cum);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        sm_engine *e = shape_engine(&shapes[s], n, cum);
        check_weightings(e, 41);
        /* changes after the base was built: new, replaced and removed SMEs */
        char id[32];
        for (size_t i = 0; i < 30; i++) {
            snprintf(id, sizeof id, i < 20 ? "N-%04zu" : "S-%04zu", i < 20 ? i : i * 5);
            put_one(e, &shapes[s], cum, id);
        }
        for (size_t i = 0; i < 10; i++) {
            snprintf(id, sizeof id, "S-%04zu", 3 + i * 11);
            assert_int_equal(sm_sme_remove(e, id), SM_OK);
        }
        check_weightings(e, 79);
        /* every region swept best rows first (else only large ones) */
        sm__rest_sweep_min = 1;
        check_weightings(e, 53);
        sm__rest_sweep_min = 16384;
        /* side 1 marked with its shares after its first candidates (else
         * after many), also within a list */
        for (size_t after = 0; after <= 3; after += 3) {
            sm__share_mark_after = after;
            check_weightings(e, 61);
        }
        sm__share_mark_after = 64;
        sm_engine_free(e);
    }
    free(cum);
}

/* The base keeps its SMEs' need masses under the idf of its build: new
 * SMEs (in the delta) that offer and need tags few base SMEs had lower
 * those tags' idf, and with it the need masses of the base SMEs that need
 * them, far below the build's; results still equal brute force. */
static void need_masses_after_idf_changes(void **st)
{
    (void)st;
    double *cum = malloc(5000 * sizeof *cum);
    assert_non_null(cum);
    const shape *s = &shapes[1]; /* zipf */
    sm_engine *e = shape_engine(s, 200, cum);
    sm_result *r = NULL;
    assert_int_equal(sm_query_top(&r, e, "S-0000", NULL), SM_OK); /* builds the base */
    sm_result_free(r);
    char id[32], offers[64], needs[64];
    for (size_t i = 0; i < 400; i++) {
        snprintf(id, sizeof id, "M-%04zu", i);
        snprintf(offers, sizeof offers, "t%u;t%u", 20 + pick(40), 20 + pick(40));
        snprintf(needs, sizeof needs, "t%u;t%u", 20 + pick(40), 20 + pick(40));
        assert_int_equal(tu_put(e, id, s->regions[pick(s->n_regions)], sectors[pick(14)], offers, needs, pick(256),
                                "en", (sm_size)pick(5)),
                         SM_OK);
    }
    check_weightings(e, 53);
    sm_engine_free(e);
    free(cum);
}

/* The same in small, where the bound decides: B needs x and three tags
 * that only it has when the base is built (a large need mass then), F1..F5
 * need x and q; the SMEs put after the build need x and B's three tags,
 * whose idf falls to about that of x, so that B's need mass now is far
 * below the build's and its complementarity with A (which offers x and
 * needs y, which B and the F offer) beats the F's. */
static void need_mass_bound_after_idf_changes(void **st)
{
    (void)st;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(tu_put(e, "A", "SI032", "25.11", "x", "y", 0, "en", SM_SIZE_SMALL), SM_OK);
    char id[32];
    for (int i = 1; i <= 5; i++) {
        snprintf(id, sizeof id, "F%d", i);
        assert_int_equal(tu_put(e, id, "SI032", "25.11", "y", "x;q", 0, "en", SM_SIZE_SMALL), SM_OK);
    }
    assert_int_equal(tu_put(e, "B", "SI032", "25.11", "y", "x;r1;r2;r3", 0, "en", SM_SIZE_SMALL), SM_OK);
    static const char *const names[] = { "balanced", "supply_chain", "balanced,combiner=geometric",
                                         "balanced,complementarity.reciprocity=arithmetic" };
    sm_weighting *w[4];
    for (size_t j = 0; j < 4; j++) {
        assert_int_equal(sm_weighting_parse(&w[j], names[j]), SM_OK);
        tu_assert_top_is_brute(e, "A", w[j], 0, 3); /* builds the base */
    }
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, "N%03d", i);
        assert_int_equal(tu_put(e, id, "SI032", "25.11", "w", "x;r1;r2;r3", 0, "en", SM_SIZE_SMALL), SM_OK);
    }
    sm_result *r = NULL;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 3;
    o.weighting = w[0];
    assert_int_equal(sm_query_top(&r, e, "A", &o), SM_OK);
    assert_string_equal(sm_result_id(r, 0), "B");
    sm_result_free(r);
    for (size_t j = 0; j < 4; j++) {
        tu_assert_top_is_brute(e, "A", w[j], 0, 3);
        sm_weighting_free(w[j]);
    }
    sm_engine_free(e);
}

/* The fit keys (cooperation and folded languages of each base position):
 * one region, most SMEs with the region's languages, cooperation types
 * beyond the built-in eight, many languages whose folded bits collide;
 * then the region gets other languages (the keys follow it in place) and
 * SMEs change (the delta). Every query equals brute force throughout. */
static void fit_keys_follow_changes(void **st)
{
    (void)st;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    uint32_t wide[3];
    assert_int_equal(sm_cooperation_register(&wide[0], e, "crowd_funding"), SM_OK);
    assert_int_equal(sm_cooperation_register(&wide[1], e, "mentoring"), SM_OK);
    assert_int_equal(sm_cooperation_register(&wide[2], e, "spin_off"), SM_OK);
    static const char *const langs[] = { "", "", "", "en", "fr;pt", "sl", "fi;sv", "lt", "mt;ga", "et", "lv;hr" };
    sm_region_desc rd = SM_REGION_DESC_INIT;
    rd.code = "AT130";
    rd.name = "Wien";
    rd.lat = 48.2;
    rd.lon = 16.4;
    rd.development = 80;
    rd.n_languages = tu_split("de;cs", (const char ***)&rd.languages);
    assert_int_equal(sm_region_put(e, &rd), SM_OK);
    state = 4242;
    char id[32], sec[64];
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < (round ? 25u : 200u); i++) {
            snprintf(id, sizeof id, "F-%04zu", round ? (size_t)pick(260) : i);
            snprintf(sec, sizeof sec, "%s", sectors[pick(4)]);
            for (unsigned j = 0, m = pick(5); j < m; j++)
                snprintf(sec + strlen(sec), sizeof sec - strlen(sec), ";%s", sectors[pick(14)]);
            uint32_t coop = pick(4) ? pick(256) : pick(256) | wide[pick(3)];
            char offers[64], needs[64];
            snprintf(offers, sizeof offers, "t%u;t%u", pick(12), pick(12));
            snprintf(needs, sizeof needs, pick(3) ? "t%u" : "", pick(12));
            assert_int_equal(tu_put(e, id, "AT130", sec, offers, needs, coop, langs[pick(11)], (sm_size)pick(5)), SM_OK);
        }
        check_weightings(e, round ? 53 : 37);
        sm__rest_sweep_min = 1;
        sm__share_mark_after = (size_t)round;
        check_weightings(e, 59);
        sm__rest_sweep_min = 16384;
        sm__share_mark_after = 64;
        /* other languages for the region: its SMEs without their own follow */
        rd.n_languages = tu_split(round == 0 ? "en" : round == 1 ? "fr;lt" : "", (const char ***)&rd.languages);
        assert_int_equal(sm_region_put(e, &rd), SM_OK);
        check_weightings(e, 47);
    }
    sm_engine_free(e);
}

/* A geometric query whose top k holds totals of 0 makes the id order:
 * failing each allocation in turn gives SM_ERR_NOMEM, no leak, and the
 * engine answers the next query. */
static void zero_fill_allocation_failures(void **st)
{
    (void)st;
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, "balanced,combiner=geometric"), SM_OK);
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    o.k = 3;
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
        assert_int_equal(tu_put(e, "R", "HU110", "62.01", "", "", 0, "", SM_SIZE_SMALL), SM_OK);
        assert_int_equal(tu_put(e, "S", "SI032", "62.01", "", "", 0, "", SM_SIZE_SMALL), SM_OK);
        long base = as.calls;
        as.fail_at = base + n;
        sm_result *r = NULL;
        sm_status status = sm_query_top(&r, e, "P", &o);
        int failed = as.failed;
        as.fail_at = 0;
        if (failed) {
            assert_int_equal(status, SM_ERR_NOMEM);
            assert_null(r);
            assert_int_equal(sm_query_top(&r, e, "P", &o), SM_OK);
        } else
            assert_int_equal(status, SM_OK);
        assert_int_equal(sm_result_count(r), 3);
        assert_string_equal(sm_result_id(r, 1), "R"); /* totals 0 by id */
        assert_string_equal(sm_result_id(r, 2), "S");
        sm_result_free(r);
        sm_engine_free(e);
        assert_int_equal(as.live, 0);
        if (!failed)
            break;
    }
    sm_weighting_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_shape_and_weighting),
        cmocka_unit_test(need_masses_after_idf_changes),
        cmocka_unit_test(need_mass_bound_after_idf_changes),
        cmocka_unit_test(fit_keys_follow_changes),
        cmocka_unit_test(zero_fill_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
