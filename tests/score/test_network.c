/* The network criteria: formulas recomputed by hand from a small history,
 * the weighting's text form, and top-k queries with network criteria equal
 * to brute force over sm_query_explain() on random engines with random
 * histories. */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include "core/core.h" /* the engine's generation */
#include "core/history.h" /* the sector counts against a recount */
#include "score/score.h"   /* the scoring cache's activity bytes */

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double crit(const sm_result *r, size_t i, const char *name)
{
    for (size_t j = 0; j < sm_result_criterion_count(r); j++)
        if (strcmp(sm_result_criterion_name(r, j), name) == 0)
            return sm_result_breakdown(r, i, j);
    fail_msg("no criterion %s", name);
    return -1;
}

static void add(sm_engine *e, const char *list, const char *date)
{
    const char **ids;
    size_t n = tu_split(list, &ids);
    assert_int_equal(sm_history_add(e, ids, n, date, "project"), SM_OK);
}

static void formulas_by_hand(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *ids[] = { "A", "B", "C", "D", "E" };
    for (int i = 0; i < 5; i++)
        assert_int_equal(tu_put(e, ids[i], "SI032", "C", "x", "y", 0, "", SM_SIZE_SMALL), SM_OK);
    /* A-B twice (2020-01-01, 2021-01-01); B-C; group {B, D, E} on 2021-01-01;
     * A-C on 2019-01-01 */
    add(e, "A;B", "2020-01-01");
    add(e, "A;B", "2021-01-01");
    add(e, "B;C", "2020-06-01");
    add(e, "B;D;E", "2021-01-01");
    add(e, "A;C", "2019-01-01");
    sm_history_info info;
    assert_int_equal(sm_history_info_get(&info, e), SM_OK);
    assert_int_equal(info.cooperations, 5);
    assert_int_equal(info.links, 6); /* AB BC BD BE DE AC */
    assert_string_equal(info.last_date, "2021-01-01");
    assert_int_equal(sm_history_set_decay(e, "2022-01-01", 365.0), SM_OK);

    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, "complementarity=1,past_partners=1,common_partners=1,activity=1"), SM_OK);
    sm_result *r = NULL;
    /* A-B: 2 events, last 2021-01-01, 365 days before the reference */
    assert_int_equal(sm_query_explain(&r, e, "A", "B", w), SM_OK);
    assert_float_equal(crit(r, 0, "past_partners"), pow(2, -365.0 / 365) * (1 - pow(2, -2)), 1e-12);
    /* common partners of A and B: C (partners A, B: degree 2) */
    double aa = 1 / log(2.0);
    assert_float_equal(crit(r, 0, "common_partners"), aa / (1 + aa), 1e-12);
    /* activity: B took part in 4 events, the most of anyone */
    assert_float_equal(crit(r, 0, "activity"), 1.0, 1e-12);
    sm_result_free(r);
    /* A-D: never together; common partner B (degree 4: A, C, D, E) */
    assert_int_equal(sm_query_explain(&r, e, "A", "D", w), SM_OK);
    assert_float_equal(crit(r, 0, "past_partners"), 0, 0);
    aa = 1 / log(4.0);
    assert_float_equal(crit(r, 0, "common_partners"), aa / (1 + aa), 1e-12);
    assert_float_equal(crit(r, 0, "activity"), log(2.0) / log(5.0), 1e-12);
    sm_result_free(r);
    /* A-C: once, 2019-01-01 (1095 days before 2022-01-01); common: B (degree 4) */
    assert_int_equal(sm_query_explain(&r, e, "A", "C", w), SM_OK);
    assert_float_equal(crit(r, 0, "past_partners"), pow(2, -1096.0 / 365) * 0.5, 1e-12);
    sm_result_free(r);
    /* the query ranks by the same numbers */
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    o.k = 4;
    assert_int_equal(sm_query_top(&r, e, "A", &o), SM_OK);
    assert_int_equal(sm_result_count(r), 4);
    assert_string_equal(sm_result_id(r, 0), "B");
    sm_result_free(r);
    /* text form round trip */
    char *text = NULL;
    assert_int_equal(sm_weighting_to_string(&text, w), SM_OK);
    assert_non_null(strstr(text, "past_partners=1"));
    sm_weighting *w2 = NULL;
    assert_int_equal(sm_weighting_parse(&w2, text), SM_OK);
    sm_free(text);
    double v;
    assert_int_equal(sm_weighting_get(&v, w2, "activity"), SM_OK);
    assert_float_equal(v, 1, 0);
    sm_weighting_free(w2);
    sm_weighting_free(w);
    /* the preset */
    assert_int_equal(sm_weighting_preset(&w, "network"), SM_OK);
    assert_int_equal(sm_weighting_get(&v, w, "past_partners"), SM_OK);
    assert_true(v > 0);
    assert_int_equal(sm_weighting_set(w, "common_partners", 0.5), SM_OK);
    assert_int_equal(sm_weighting_get(&v, w, "common_partners"), SM_OK);
    assert_float_equal(v, 0.5, 0);
    assert_int_equal(sm_weighting_set(w, "activity", -1), SM_ERR_RANGE);
    sm_weighting_free(w);
    assert_int_equal(sm_weighting_parse(&w, "network,activity=0"), SM_OK);
    sm_weighting_free(w);
    assert_int_equal(sm_weighting_parse(&w, "balanced,past_partners=-1"), SM_ERR_RANGE);
    assert_string_equal(sm_network_criterion_name(0), "past_partners");
    assert_string_equal(sm_network_criterion_name(3), "sector_history");
    assert_null(sm_network_criterion_name(4));

    /* removing an SME drops its links and keeps the others */
    assert_int_equal(sm_sme_remove(e, "B"), SM_OK);
    assert_int_equal(sm_history_info_get(&info, e), SM_OK);
    assert_int_equal(info.links, 2); /* AC DE */
    assert_int_equal(sm_weighting_parse(&w, "past_partners=1,activity=1"), SM_OK);
    assert_int_equal(sm_query_explain(&r, e, "D", "E", w), SM_OK);
    assert_float_equal(crit(r, 0, "past_partners"), pow(2, -365.0 / 365) * 0.5, 1e-12);
    sm_result_free(r);
    sm_weighting_free(w);
    sm_engine_free(e);
}

static void bad_history_calls(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(tu_put(e, "A", "SI032", "C", "x", "y", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "B", "SI032", "C", "x", "y", 0, "", SM_SIZE_SMALL), SM_OK);
    const char *ab[] = { "A", "B" }, *aa[] = { "A", "A" }, *ax[] = { "A", "X" };
    assert_int_equal(sm_history_add(e, ab, 1, "2020-01-01", NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_history_add(e, aa, 2, "2020-01-01", NULL), SM_ERR_DUPLICATE);
    assert_int_equal(sm_history_add(e, ax, 2, "2020-01-01", NULL), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "\"X\"");
    assert_int_equal(sm_history_add(e, ab, 2, "2020-02-30", NULL), SM_ERR_PARSE);
    assert_int_equal(sm_history_add(e, ab, 2, "20-01-01", NULL), SM_ERR_PARSE);
    assert_int_equal(sm_history_add(e, ab, 2, "2020", NULL), SM_OK);
    assert_int_equal(sm_history_add(e, ab, 2, "2020-02-29", ""), SM_OK);
    assert_int_equal(sm_history_set_decay(e, NULL, 0), SM_ERR_RANGE);
    assert_int_equal(sm_history_set_decay(e, "x", 10), SM_ERR_PARSE);
    sm_history_info info;
    assert_int_equal(sm_history_info_get(&info, e), SM_OK);
    assert_int_equal(info.cooperations, 2);
    assert_int_equal(info.links, 1);
    assert_string_equal(info.last_date, "2020-02-29");
    assert_int_equal(sm_history_clear(e), SM_OK);
    assert_int_equal(sm_history_info_get(&info, e), SM_OK);
    assert_int_equal(info.cooperations, 0);
    sm_engine_free(e);
}

/* ---- brute force ---------------------------------------------------------- */

/* A random history over the engine's n SMEs: clustered pairs and groups. */
static void random_history(sm_engine *e, size_t n, size_t events, unsigned seed)
{
    srand(seed);
    for (size_t t = 0; t < events; t++) {
        char buf[6][24];
        const char *ids[6];
        size_t m = 2 + (size_t)rand() % 4, base = (size_t)rand() % n;
        size_t k = 0;
        while (k < m) {
            size_t x = (base + (size_t)rand() % 25) % n; /* near base: a clustered graph */
            snprintf(buf[k], sizeof buf[k], "R-%04zu", x);
            bool dup = false;
            for (size_t j = 0; j < k; j++)
                dup = dup || strcmp(buf[j], buf[k]) == 0;
            if (!dup) {
                ids[k] = buf[k];
                k++;
            }
        }
        char date[16];
        snprintf(date, sizeof date, "%04d-%02d-15", 2010 + rand() % 12, 1 + rand() % 12);
        assert_int_equal(sm_history_add(e, ids, m, date, "x"), SM_OK);
    }
}

static void top_equals_brute_force(void **state)
{
    (void)state;
    size_t n = 300;
    sm_engine *e = tu_random_engine(n);
    random_history(e, n, 400, 7);
    const char *texts[] = { "network",
                            "balanced,past_partners=5",
                            "complementarity=0,common_partners=3,region_reach=1",
                            "activity=4,sector_affinity=1",
                            "network,combiner=geometric",
                            "past_partners=1,common_partners=1,activity=1",
                            "network,complementarity.reciprocity=arithmetic,activity=0.1",
                            "balanced", /* the preset's network weights count with a history */
                            "cross_border,combiner=geometric",
                            "sector_history=3,complementarity=1,region_reach=1",
                            "network,sector_history=2",
                            "network,sector_history=1,combiner=min" };
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        sm_weighting *w = NULL;
        assert_int_equal(sm_weighting_parse(&w, texts[t]), SM_OK);
        for (size_t qi = 0; qi < n; qi += 23) {
            sm_sme_desc *qd = NULL;
            assert_int_equal(sm_sme_at(&qd, e, qi), SM_OK);
            tu_assert_top_is_brute(e, qd->id, w, 0, 12);
            sm_sme_desc_free(qd);
        }
        sm_weighting_free(w);
    }
    sm_engine_free(e);
}

/* Top 12 of SME qi under text equals brute force over sm_query_explain(). */
static void check_brute(sm_engine *e, size_t qi, const char *text)
{
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, text), SM_OK);
    sm_sme_desc *qd = NULL;
    assert_int_equal(sm_sme_at(&qd, e, qi), SM_OK);
    tu_assert_top_is_brute(e, qd->id, w, 0, 12);
    sm_sme_desc_free(qd);
    sm_weighting_free(w);
}

/* SMEs added, replaced and removed after the scoring cache was built (the
 * live engine's delta) keep their network scores and the exact result. */
static void changes_after_the_first_query(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(200);
    random_history(e, 200, 300, 11);
    check_brute(e, 5, "network");
    for (int i = 0; i < 20; i++) {
        char id[16], partner[16];
        snprintf(id, sizeof id, "N-%02d", i);
        assert_int_equal(tu_put(e, id, i % 2 ? "SI032" : "AT130", "25.11", "tag 1;tag 2", "tag 3", 0, "",
                                SM_SIZE_SMALL),
                         SM_OK);
        snprintf(partner, sizeof partner, "R-%04d", i * 7);
        const char *ids[] = { id, partner };
        assert_int_equal(sm_history_add(e, ids, 2, "2021-05-01", "x"), SM_OK);
    }
    for (int i = 0; i < 10; i++) { /* replace: same id, new data */
        char id[16];
        snprintf(id, sizeof id, "R-%04d", i * 3);
        assert_int_equal(tu_put(e, id, "HR031", "62.01", "tag 3", "tag 1", 0, "", SM_SIZE_MEDIUM), SM_OK);
    }
    assert_int_equal(sm_sme_remove(e, "R-0100"), SM_OK);
    assert_int_equal(sm_sme_remove(e, "N-03"), SM_OK);
    for (size_t qi = 0; qi < sm_sme_count(e); qi += 29) {
        check_brute(e, qi, "network");
        check_brute(e, qi, "past_partners=2,common_partners=1,activity=1,complementarity=1");
    }
    sm_engine_free(e);
}

/* Weightings without network criteria give the same results with and
 * without a history; so do the presets (and the default) without one. */
static void history_leaves_other_weightings_alone(void **state)
{
    (void)state;
    sm_engine *a = tu_random_engine(200), *b = tu_random_engine(200), *c = tu_random_engine(200);
    random_history(b, 200, 300, 3);
    /* c had a history and lost it again */
    random_history(c, 200, 50, 4);
    assert_int_equal(sm_history_clear(c), SM_OK);
    sm_weighting *plain = NULL;
    assert_int_equal(sm_weighting_parse(&plain, "complementarity=3,sector_affinity=2,region_reach=1,cohesion=1,"
                                                "size_fit=0.5,cooperation_fit=1,language=1"),
                     SM_OK);
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 10;
    for (int q = 0; q < 200; q += 17) {
        char id[16];
        snprintf(id, sizeof id, "R-%04d", q);
        sm_result *ra = NULL, *rb = NULL, *rc = NULL;
        o.weighting = NULL; /* the default, balanced: as before without a history */
        assert_int_equal(sm_query_top(&ra, a, id, &o), SM_OK);
        assert_int_equal(sm_query_top(&rc, c, id, &o), SM_OK);
        o.weighting = plain; /* no network criteria: the history changes nothing */
        assert_int_equal(sm_query_top(&rb, b, id, &o), SM_OK);
        assert_int_equal(sm_result_count(ra), sm_result_count(rb));
        assert_int_equal(sm_result_criterion_count(ra), 7);
        assert_int_equal(sm_result_criterion_count(rb), 7);
        assert_int_equal(sm_result_criterion_count(rc), 7);
        for (size_t i = 0; i < sm_result_count(ra); i++) {
            assert_string_equal(sm_result_id(ra, i), sm_result_id(rb, i));
            assert_string_equal(sm_result_id(ra, i), sm_result_id(rc, i));
            assert_float_equal(sm_result_score(ra, i), sm_result_score(rb, i), 0);
            assert_float_equal(sm_result_score(ra, i), sm_result_score(rc, i), 0);
        }
        sm_result_free(ra);
        sm_result_free(rb);
        sm_result_free(rc);
    }
    sm_weighting_free(plain);
    sm_engine_free(a);
    sm_engine_free(b);
    sm_engine_free(c);
}

/* With a history, a preset is the preset plus its network weights, exactly
 * as if they had been named; naming one drops the others. */
static void presets_gain_network_weights(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(150);
    random_history(e, 150, 200, 5);
    sm_weighting *spelled = NULL, *cb = NULL, *cbs = NULL, *named = NULL;
    assert_int_equal(sm_weighting_parse(&spelled, "balanced,past_partners=3,common_partners=6,activity=3"), SM_OK);
    assert_int_equal(sm_weighting_preset(&cb, "cross_border"), SM_OK);
    assert_int_equal(sm_weighting_parse(&cbs, "cross_border,past_partners=3,common_partners=6,activity=3"), SM_OK);
    assert_int_equal(sm_weighting_parse(&named, "balanced,activity=2"), SM_OK);
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 8;
    for (int q = 0; q < 150; q += 13) {
        char id[16];
        snprintf(id, sizeof id, "R-%04d", q);
        const sm_weighting *pairs[2][2] = { { NULL, spelled }, { cb, cbs } };
        for (int t = 0; t < 2; t++) {
            sm_result *r1 = NULL, *r2 = NULL;
            o.weighting = pairs[t][0];
            assert_int_equal(sm_query_top(&r1, e, id, &o), SM_OK);
            o.weighting = pairs[t][1];
            assert_int_equal(sm_query_top(&r2, e, id, &o), SM_OK);
            assert_int_equal(sm_result_criterion_count(r1), 10);
            assert_int_equal(sm_result_count(r1), sm_result_count(r2));
            for (size_t i = 0; i < sm_result_count(r1); i++) {
                assert_string_equal(sm_result_id(r1, i), sm_result_id(r2, i));
                assert_float_equal(sm_result_score(r1, i), sm_result_score(r2, i), 1e-15);
            }
            sm_result_free(r1);
            sm_result_free(r2);
        }
        sm_result *r = NULL;
        o.weighting = named;
        assert_int_equal(sm_query_top(&r, e, id, &o), SM_OK);
        assert_int_equal(sm_result_criterion_count(r), 8); /* only activity */
        sm_result_free(r);
    }
    sm_weighting_free(spelled);
    sm_weighting_free(cb);
    sm_weighting_free(cbs);
    sm_weighting_free(named);
    sm_engine_free(e);
}

/* The cold start: for a querying SME with no offers, no needs and no
 * partner in the history, a preset's past_partners and common_partners
 * weights (0 for every candidate then) go to activity; they stay listed at
 * weight 0. An SME with tags, or with a partner, keeps the preset's weights.
 * The explanation of a pair scores with the same weights as the query. */
static void presets_cold_start(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(150);
    random_history(e, 150, 200, 5);
    assert_int_equal(tu_put(e, "COLD", "SI032", "62.01", "", "", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "TAGS", "SI032", "62.01", "tag 1", "", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "PARTNER", "SI032", "62.01", "", "", 0, "", SM_SIZE_SMALL), SM_OK);
    const char *pair[2] = { "PARTNER", "R-0001" };
    assert_int_equal(sm_history_add(e, pair, 2, "2020-01-01", "deal"), SM_OK);
    sm_weighting *cold = NULL, *warm = NULL;
    assert_int_equal(sm_weighting_parse(&cold, "balanced,past_partners=0,common_partners=0,activity=12"), SM_OK);
    assert_int_equal(sm_weighting_parse(&warm, "balanced,past_partners=3,common_partners=6,activity=3"), SM_OK);
    const struct {
        const char *id;
        const sm_weighting *same;
    } cases[] = { { "COLD", cold }, { "TAGS", warm }, { "PARTNER", warm }, { "R-0002", warm } };
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 12;
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        sm_result *r1 = NULL, *r2 = NULL;
        o.weighting = NULL; /* the default: balanced */
        assert_int_equal(sm_query_top(&r1, e, cases[t].id, &o), SM_OK);
        o.weighting = cases[t].same;
        assert_int_equal(sm_query_top(&r2, e, cases[t].id, &o), SM_OK);
        assert_int_equal(sm_result_criterion_count(r1), 10);
        assert_int_equal(sm_result_count(r1), 12);
        assert_int_equal(sm_result_count(r2), 12);
        double wsum = 0;
        for (size_t j = 0; j < sm_result_criterion_count(r1); j++) {
            assert_string_equal(sm_result_criterion_name(r1, j), sm_result_criterion_name(r2, j));
            assert_float_equal(sm_result_criterion_weight(r1, j), sm_result_criterion_weight(r2, j), 0);
            wsum += sm_result_criterion_weight(r1, j);
        }
        assert_float_equal(wsum, 9.5 + 12, 1e-12); /* the history's share is kept */
        for (size_t i = 0; i < sm_result_count(r1); i++) {
            assert_string_equal(sm_result_id(r1, i), sm_result_id(r2, i));
            assert_float_equal(sm_result_score(r1, i), sm_result_score(r2, i), 1e-15);
            /* the pair's explanation: the same score from the same weights */
            sm_result *x = NULL;
            assert_int_equal(sm_query_explain(&x, e, cases[t].id, sm_result_id(r1, i), NULL), SM_OK);
            assert_float_equal(sm_result_score(x, 0), sm_result_score(r1, i), 1e-15);
            double sum = 0;
            for (size_t j = 0; j < sm_result_criterion_count(x); j++)
                sum += sm_result_contribution(x, 0, j);
            assert_float_equal(sum, sm_result_score(r1, i), 1e-12);
            sm_result_free(x);
        }
        sm_result_free(r1);
        sm_result_free(r2);
    }
    /* the cold SME's first partner makes it warm */
    const char *first[2] = { "COLD", "R-0003" };
    assert_int_equal(sm_history_add(e, first, 2, "2021-01-01", "deal"), SM_OK);
    sm_result *r = NULL;
    o.weighting = NULL;
    assert_int_equal(sm_query_top(&r, e, "COLD", &o), SM_OK);
    for (size_t j = 0; j < sm_result_criterion_count(r); j++)
        if (strcmp(sm_result_criterion_name(r, j), "activity") == 0)
            assert_float_equal(sm_result_criterion_weight(r, j), 3, 0);
    sm_result_free(r);
    sm_weighting_free(cold);
    sm_weighting_free(warm);
    sm_engine_free(e);
}

/* The engine's sector counts equal a fresh count after every kind of
 * change: cooperations added (new links and repeats), primary sectors
 * changed, SMEs removed (links gone, the last SME moved), SMEs added, the
 * history cleared; between the changes queries use them. */
static void sector_counts_incremental(void **state)
{
    (void)state;
    static const char *const secs[] = { "62.01", "25.11", "C", "72.19", "01.11", "46.90" };
    sm_engine *e = tu_random_engine(120);
    random_history(e, 120, 150, 21);
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, "sector_history=1,complementarity=1"), SM_OK);
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    o.k = 5;
    sm__hsectors *fresh = malloc(sizeof *fresh);
    assert_non_null(fresh);
    srand(5);
    for (int step = 0; step < 60; step++) {
        int what = rand() % 5;
        char id[16], other[16];
        snprintf(id, sizeof id, "R-%04d", rand() % 120);
        snprintf(other, sizeof other, "R-%04d", rand() % 120);
        if (what == 0 || what == 1) { /* a pair or a group, often repeating a link */
            random_history(e, 120, 1 + (unsigned)step % 3, 100u + (unsigned)step);
        } else if (what == 2) { /* a new primary sector, the rest as before */
            sm_sme_desc *x = NULL;
            if (sm_sme_get(&x, e, id) == SM_OK) {
                sm_sme_desc_free(x);
                assert_int_equal(tu_put(e, id, "SI032", secs[rand() % 6], "tag 1", "tag 2", 0, "", SM_SIZE_SMALL),
                                 SM_OK);
            }
        } else if (what == 3 && step % 4 == 3) { /* removed (the last SME takes its index), then back */
            if (sm_sme_remove(e, id) == SM_OK)
                assert_int_equal(tu_put(e, id, "HR031", secs[rand() % 6], "tag 3", "", 0, "", SM_SIZE_MEDIUM),
                                 SM_OK);
        } else if (step == 40) {
            assert_int_equal(sm_history_clear(e), SM_OK);
        }
        if (strcmp(id, other) != 0 && rand() % 2) {
            sm_sme_desc *x = NULL, *y = NULL;
            if (sm_sme_get(&x, e, id) == SM_OK && sm_sme_get(&y, e, other) == SM_OK) {
                const char *pair[2] = { id, other };
                assert_int_equal(sm_history_add(e, pair, 2, "2022-03-01", "deal"), SM_OK);
            }
            sm_sme_desc_free(x);
            sm_sme_desc_free(y);
        }
        if (rand() % 3) { /* a query that reads the counts (or none: two changes in a row) */
            sm_result *r = NULL;
            assert_int_equal(sm_query_top(&r, e, "R-0007", &o), SM_OK);
            sm_result_free(r);
        }
        const sm__history *h = e->history;
        if (!h || !h->n_links)
            continue;
        const sm__hsectors *kept = NULL;
        assert_int_equal(sm__history_sectors(&kept, h, e), SM_OK);
        sm__history_sectors_count(fresh, h, e);
        assert_true(kept->total == fresh->total);
        assert_true(fresh->total == 2.0 * (double)h->n_links);
        for (size_t p = 0; p < SM__HSEC_KEYS; p++) {
            assert_true(kept->m[p] == fresh->m[p]);
            for (size_t q = 0; q < SM__HSEC_KEYS; q++)
                if (kept->c[p * SM__HSEC_KEYS + q] != fresh->c[p * SM__HSEC_KEYS + q])
                    fail_msg("step %d: c[%zu][%zu] kept %g, recounted %g", step, p, q,
                             kept->c[p * SM__HSEC_KEYS + q], fresh->c[p * SM__HSEC_KEYS + q]);
        }
    }
    free(fresh);
    sm_weighting_free(w);
    sm_engine_free(e);
}

/* A weighting's own half-life is the one its scores and their
 * explanations use, not the history's: past_partners by the formula with
 * the weighting's H, contributions that sum to the score in the pair's
 * explanation and in an explained top-k result, and the same score from
 * both; the history's default H gives another number. */
static void explanations_use_the_weightings_half_life(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *ids[] = { "A", "B", "C", "D" };
    for (int i = 0; i < 4; i++)
        assert_int_equal(tu_put(e, ids[i], "SI032", "C", "x", "y", 0, "", SM_SIZE_SMALL), SM_OK);
    add(e, "A;B", "2020-01-01");
    add(e, "A;C;D", "2021-07-01");
    assert_int_equal(sm_history_set_decay(e, "2022-01-01", 1095.0), SM_OK);
    const char *texts[] = { "balanced,past_partners.half_life=200", /* the preset's network weights */
                            "complementarity=1,past_partners=2,common_partners=1,activity=1,"
                            "past_partners.half_life=200" };
    for (int t = 0; t < 2; t++) {
        sm_weighting *w = NULL;
        assert_int_equal(sm_weighting_parse(&w, texts[t]), SM_OK);
        sm_result *x = NULL;
        assert_int_equal(sm_query_explain(&x, e, "A", "B", w), SM_OK);
        double age = 731; /* 2020-01-01 to 2022-01-01 */
        assert_float_equal(crit(x, 0, "past_partners"), pow(2, -age / 200) * 0.5, 1e-12);
        assert_true(fabs(crit(x, 0, "past_partners") - pow(2, -age / 1095) * 0.5) > 0.1);
        double sum = 0;
        for (size_t j = 0; j < sm_result_criterion_count(x); j++)
            sum += sm_result_contribution(x, 0, j);
        assert_float_equal(sum, sm_result_score(x, 0), 1e-12);
        sm_query_options o = SM_QUERY_OPTIONS_INIT;
        o.weighting = w;
        o.k = 3;
        sm_result *r = NULL;
        assert_int_equal(sm_query_top(&r, e, "A", &o), SM_OK);
        assert_int_equal(sm_result_explain(r, e), SM_OK);
        bool seen = false;
        for (size_t i = 0; i < sm_result_count(r); i++) {
            sum = 0;
            for (size_t j = 0; j < sm_result_criterion_count(r); j++)
                sum += sm_result_contribution(r, i, j);
            assert_float_equal(sum, sm_result_score(r, i), 1e-12);
            if (strcmp(sm_result_id(r, i), "B") == 0) {
                seen = true;
                assert_float_equal(sm_result_score(r, i), sm_result_score(x, 0), 1e-15);
                assert_float_equal(crit(r, i, "past_partners"), crit(x, 0, "past_partners"), 0);
            }
        }
        assert_true(seen);
        sm_result_free(r);
        sm_result_free(x);
        sm_weighting_free(w);
    }
    sm_engine_free(e);
}

/* sector_history recomputed by hand: ordered link ends by pair of
 * divisions, their expectation, and the prior (the pair's sector_affinity). */
static double sh_expect(double c, double mp, double mq, double total, double prior)
{
    return (c + 10.0 * prior) / (c + mp * mq / total + 10.0);
}

static void sector_history_by_hand(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *ids[] = { "A", "B", "C", "D", "E", "F" };
    const char *secs[] = { "62.01", "25.11", "62.02", "25.11", "10.11", "46.90" };
    for (int i = 0; i < 6; i++)
        assert_int_equal(tu_put(e, ids[i], "SI032", secs[i], "x", "y", 0, "", SM_SIZE_SMALL), SM_OK);
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, "sector_history=1,sector_affinity=1"), SM_OK);
    sm_result *r = NULL;
    /* no history: 0, like every network criterion */
    assert_int_equal(sm_query_explain(&r, e, "A", "B", w), SM_OK);
    assert_float_equal(crit(r, 0, "sector_history"), 0, 0);
    sm_result_free(r);
    /* links AB CD AD CB (62-25), AC (62-62), EB (10-25); AB twice counts once */
    add(e, "A;B", "2020-01-01");
    add(e, "A;B", "2021-01-01");
    add(e, "C;D", "2020-01-01");
    add(e, "A;D", "2020-01-01");
    add(e, "C;B", "2020-01-01");
    add(e, "A;C", "2020-01-01");
    add(e, "E;B", "2020-01-01");
    /* c[62][25] = 4, c[62][62] = 2, c[10][25] = 1; m62 = 6, m25 = 5, m10 = 1; 12 link ends */
    struct {
        const char *a, *b;
        double c, mp, mq;
    } cases[] = {
        { "A", "B", 4, 6, 5 }, { "B", "A", 4, 5, 6 }, { "A", "C", 2, 6, 6 }, { "E", "B", 1, 1, 5 },
        { "A", "E", 0, 6, 1 }, { "A", "F", 0, 6, 0 }, { "B", "D", 0, 5, 5 },
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        assert_int_equal(sm_query_explain(&r, e, cases[t].a, cases[t].b, w), SM_OK);
        double prior = crit(r, 0, "sector_affinity");
        assert_float_equal(crit(r, 0, "sector_history"), sh_expect(cases[t].c, cases[t].mp, cases[t].mq, 12, prior),
                           1e-12);
        sm_result_free(r);
    }
    /* E moves to division 62: EB is a 62-25 link now (c = 5, m62 = 7) */
    assert_int_equal(tu_put(e, "E", "SI032", "62.03", "x", "y", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(sm_query_explain(&r, e, "A", "B", w), SM_OK);
    assert_float_equal(crit(r, 0, "sector_history"), sh_expect(5, 7, 5, 12, crit(r, 0, "sector_affinity")), 1e-12);
    sm_result_free(r);
    /* a new cooperation counts at once: FA (46-62), 14 link ends */
    add(e, "F;A", "2021-06-01");
    assert_int_equal(sm_query_explain(&r, e, "A", "F", w), SM_OK);
    assert_float_equal(crit(r, 0, "sector_history"), sh_expect(1, 8, 1, 14, crit(r, 0, "sector_affinity")), 1e-12);
    sm_result_free(r);
    /* removing B drops AB CB EB: CD AD (62-25), AC (62-62), FA (46-62) are
     * left; m62 = 5, m25 = 2, m46 = 1; 8 link ends */
    assert_int_equal(sm_sme_remove(e, "B"), SM_OK);
    assert_int_equal(sm_query_explain(&r, e, "A", "D", w), SM_OK);
    assert_float_equal(crit(r, 0, "sector_history"), sh_expect(2, 5, 2, 8, crit(r, 0, "sector_affinity")), 1e-12);
    sm_result_free(r);
    /* the query ranks by the same numbers */
    tu_assert_top_is_brute(e, "A", w, 0, 4);
    sm_weighting_free(w);
    sm_engine_free(e);
}

/* Every history change moves the engine's generation on (caches keyed by
 * it notice); the scoring cache, current before, follows without a rebuild. */
static void history_changes_move_the_generation(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(50);
    sm_result *r = NULL;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    assert_int_equal(sm_query_top(&r, e, "R-0001", &o), SM_OK); /* builds the scoring cache */
    sm_result_free(r);
    uint64_t g = e->generation;
    assert_true(e->derived.generation == g);
    const char *ids[] = { "R-0001", "R-0002" };
    assert_int_equal(sm_history_add(e, ids, 2, "2020-01-01", "deal"), SM_OK);
    assert_true(e->generation > g);
    assert_true(e->derived.generation == e->generation); /* followed */
    g = e->generation;
    const char *csv = "a,b,date\nR-0003,R-0004,2021-01-01\n";
    assert_int_equal(sm_history_load_buffer(e, csv, strlen(csv), "h.csv", NULL), SM_OK);
    assert_true(e->generation > g);
    g = e->generation;
    assert_int_equal(sm_history_set_decay(e, "2022-01-01", 500), SM_OK);
    assert_true(e->generation > g);
    g = e->generation;
    assert_int_equal(sm_history_set_decay(e, "2022-01-01", 500), SM_OK); /* the same: no change */
    assert_true(e->generation == g);
    assert_int_equal(sm_history_clear(e), SM_OK);
    assert_true(e->generation > g);
    g = e->generation;
    assert_int_equal(sm_history_clear(e), SM_OK); /* already empty */
    assert_true(e->generation == g);
    assert_int_equal(sm_history_add(e, ids, 1, "2020-01-01", NULL), SM_ERR_INVALID_ARGUMENT); /* fails: unchanged */
    assert_true(e->generation == g);
    sm_engine_free(e);
}

/* Activity of b in a's query against the by-hand log1p(events) / log1p(most). */
static void check_activity(sm_engine *e, const char *a, const char *b, double events, double most)
{
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, "activity=1,complementarity=1"), SM_OK);
    sm_result *r = NULL;
    assert_int_equal(sm_query_explain(&r, e, a, b, w), SM_OK);
    assert_float_equal(crit(r, 0, "activity"), log1p(events) / log1p(most), 1e-12);
    sm_result_free(r);
    sm_weighting_free(w);
}

/* Sparse, dense and hub-dominated histories: the top k equals brute force
 * for the network weightings; and activity, whose event counts a query
 * reads from one byte per SME up to 255 and from the adjacency beyond,
 * equals the count by hand for hubs past 255 events, also after removals
 * move SMEs to other indices. */
static void hubs_dense_and_sparse_histories(void **state)
{
    (void)state;
    enum { N = 240 };
    const char *texts[] = { "network", "balanced", "activity=5,past_partners=1,common_partners=1",
                            "network,combiner=min", "common_partners=4,complementarity=1" };
    for (int shape = 0; shape < 3; shape++) {
        sm_engine *e = tu_random_engine(N);
        unsigned cnt[N] = { 0 };
        if (shape == 0)
            random_history(e, N, 40, 21); /* sparse: most SMEs have no partner */
        else if (shape == 1)
            random_history(e, N, 1500, 22); /* dense: every SME a few dozen events */
        else {
            /* hubs only: R-0000 in 300 pair events, R-0001 in 256, their
             * partners in a few each */
            for (size_t t = 0; t < 556; t++) {
                size_t x = t < 300 ? 0 : 1, y = 2 + (t * 7) % (N - 2);
                char a[16], b[16];
                snprintf(a, sizeof a, "R-%04zu", x);
                snprintf(b, sizeof b, "R-%04zu", y);
                const char *ids[] = { a, b };
                assert_int_equal(sm_history_add(e, ids, 2, t % 3 ? "2020-03-01" : "2016-09-01", "x"), SM_OK);
                cnt[x]++, cnt[y]++;
            }
            assert_int_equal(cnt[0], 300);
            assert_int_equal(cnt[1], 256);
        }
        for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
            for (size_t qi = shape == 2 ? 0 : 3; qi < N; qi += 37)
                check_brute(e, qi, texts[t]);
        if (shape == 2) {
            for (int round = 0; round < 2; round++) {
                check_activity(e, "R-0007", "R-0000", 300, 300);
                check_activity(e, "R-0007", "R-0001", 256, 300);
                check_activity(e, "R-0000", "R-0009", cnt[9], 300);
                check_activity(e, "R-0000", "R-0239", cnt[239], 300);
                /* removing SMEs moves the last ones to their indices; the
                 * events of the others stay counted */
                assert_int_equal(sm_sme_remove(e, round ? "R-0003" : "R-0002"), SM_OK);
                assert_int_equal(sm_sme_remove(e, round ? "R-0150" : "R-0100"), SM_OK);
            }
            for (size_t qi = 0; qi < sm_sme_count(e); qi += 41)
                check_brute(e, qi, "network");
        }
        sm_engine_free(e);
    }
}

extern size_t sm__delta_limit_override; /* lib/score/cache.c */

/* Every current base position of the scoring cache holds at least its
 * SME's event count (capped like the history's byte): the bound of the
 * scan's activity. Returns how many hold exactly that count. */
static size_t assert_activity_rows(const sm_engine *e)
{
    const sm__score_cache *c = e->derived.ptr;
    const sm__history *h = e->history;
    if (!c || e->derived.generation != e->generation)
        return 0; /* stale: the next query rebuilds it */
    size_t exact = 0;
    for (size_t i = 0; i < e->smes.n; i++) {
        uint32_t l = c->loc[i];
        if (l & SM__LOC_DELTA)
            continue;
        assert_true(l < c->n_base);
        uint32_t m = h ? sm__history_events_of(h, i) : 0;
        uint32_t want = m < SM__HIST_EV8_MAX ? m : SM__HIST_EV8_MAX;
        if (c->ract[l] < want)
            fail_msg("base position %u of SME %zu: %u events, the cache says %u", l, i, want, c->ract[l]);
        exact += c->ract[l] == want;
    }
    return exact;
}

/* Top 12 equals brute force for the weightings where activity decides
 * most, from every 17th SME; then the activity bytes are checked. */
static void check_activity_weightings(sm_engine *e)
{
    const char *texts[] = { "activity=6,sector_affinity=1", "network", "network,combiner=geometric",
                            "network,combiner=min", "balanced", "activity=1" };
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
        for (size_t qi = 1; qi < sm_sme_count(e); qi += 17)
            check_brute(e, qi, texts[t]);
    assert_activity_rows(e);
}

/* The scan bounds each candidate's activity by one byte per base position
 * of the scoring cache before it reads the candidate's row. The bytes
 * follow cooperations added one by one and from a file once the cache is
 * built (exactly: each byte is its SME's count), SMEs replaced and removed
 * (the last SME moves to the removed one's index), hubs past 255 events,
 * bases rebuilt beside the delta and a cleared history; the top k equals
 * brute force after each. */
static void activity_bound_follows_live_history(void **state)
{
    (void)state;
    enum { N = 260 };
    sm_engine *e = tu_random_engine(N);
    check_brute(e, 3, "network"); /* builds the scoring cache: no history yet */
    assert_non_null(e->derived.ptr);
    /* one by one, the cache current all along */
    random_history(e, N, 250, 31);
    assert_true(e->derived.generation == e->generation);
    assert_int_equal(assert_activity_rows(e), N);
    check_activity_weightings(e);
    /* a hub past the byte's cap, and a file */
    for (int t = 0; t < 270; t++) {
        char b[16];
        snprintf(b, sizeof b, "R-%04d", 1 + (t * 11) % (N - 1));
        const char *ids[] = { "R-0000", b };
        assert_int_equal(sm_history_add(e, ids, 2, "2021-02-01", "x"), SM_OK);
    }
    const char *csv = "a,b,date\nR-0010,R-0200,2021-01-01\nR-0010,R-0201,2021-01-01\nR-0011,R-0010,2021-03-01\n";
    assert_int_equal(sm_history_load_buffer(e, csv, strlen(csv), "h.csv", NULL), SM_OK);
    assert_int_equal(assert_activity_rows(e), N);
    check_activity_weightings(e);
    /* SMEs replaced (their rows go to the delta) and removed (the last
     * SME's index moves), then cooperations of moved and replaced SMEs */
    for (int i = 0; i < 6; i++) {
        char id[16];
        snprintf(id, sizeof id, "R-%04d", 20 + i * 9);
        assert_int_equal(tu_put(e, id, "HR031", "62.01", "tag3", "tag1", 0, "", SM_SIZE_MEDIUM), SM_OK);
    }
    assert_int_equal(sm_sme_remove(e, "R-0007"), SM_OK);
    assert_int_equal(sm_sme_remove(e, "R-0100"), SM_OK);
    for (int t = 0; t < 40; t++) {
        char a[16], b[16];
        snprintf(a, sizeof a, "R-%04d", 20 + (t % 6) * 9);
        snprintf(b, sizeof b, "R-%04d", 30 + (t * 13) % 200);
        if (strcmp(b, "R-0100") == 0 || strcmp(b, a) == 0)
            continue;
        const char *ids[] = { a, b };
        assert_int_equal(sm_history_add(e, ids, 2, "2021-04-01", "x"), SM_OK);
    }
    check_activity_weightings(e);
    /* a base rebuilt by the writer beside the readers: every change now
     * outgrows the delta */
    sm__delta_limit_override = 2;
    for (int t = 0; t < 30; t++) {
        char a[16], b[16];
        snprintf(a, sizeof a, "R-%04d", 40 + t);
        snprintf(b, sizeof b, "R-%04d", 140 + t);
        const char *ids[] = { a, b };
        assert_int_equal(sm_history_add(e, ids, 2, "2021-05-01", "x"), SM_OK);
        if (t % 10 == 0)
            assert_int_equal(tu_put(e, a, "SI032", "25.11", "tag1", "tag2", 0, "", SM_SIZE_SMALL), SM_OK);
    }
    sm__delta_limit_override = 0;
    check_activity_weightings(e);
    /* cleared: the bytes stay above the counts (0), a bound all the same */
    assert_int_equal(sm_history_clear(e), SM_OK);
    for (int t = 0; t < 60; t++) {
        char a[16], b[16];
        snprintf(a, sizeof a, "R-%04d", 200 + t % 7);
        snprintf(b, sizeof b, "R-%04d", 210 + (t * 5) % 50);
        const char *ids[] = { a, b };
        assert_int_equal(sm_history_add(e, ids, 2, "2022-01-01", "x"), SM_OK);
    }
    check_activity_weightings(e);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formulas_by_hand),
        cmocka_unit_test(bad_history_calls),
        cmocka_unit_test(top_equals_brute_force),
        cmocka_unit_test(history_leaves_other_weightings_alone),
        cmocka_unit_test(presets_gain_network_weights),
        cmocka_unit_test(presets_cold_start),
        cmocka_unit_test(sector_history_by_hand),
        cmocka_unit_test(sector_counts_incremental),
        cmocka_unit_test(explanations_use_the_weightings_half_life),
        cmocka_unit_test(history_changes_move_the_generation),
        cmocka_unit_test(changes_after_the_first_query),
        cmocka_unit_test(hubs_dense_and_sparse_histories),
        cmocka_unit_test(activity_bound_follows_live_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
