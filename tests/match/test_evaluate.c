/* sm_evaluate() and sm_fit() on planted histories whose answers are known:
 * repeated pairs (past partners find every answer at rank 1), a small case
 * whose ranks are counted by hand, and a fit that must learn to use the
 * network criteria. */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sm_evaluation_row *row(const sm_evaluation *ev, const char *method)
{
    for (size_t i = 0; i < sm_evaluation_count(ev); i++)
        if (strcmp(sm_evaluation_at(ev, i)->method, method) == 0)
            return sm_evaluation_at(ev, i);
    fail_msg("no row %s", method);
    return NULL;
}

static void pair(sm_engine *e, size_t x, size_t y, const char *date)
{
    char a[16], b[16];
    snprintf(a, sizeof a, "R-%04zu", x);
    snprintf(b, sizeof b, "R-%04zu", y);
    const char *ids[] = { a, b };
    assert_int_equal(sm_history_add(e, ids, 2, date, "deal"), SM_OK);
}

/* Pairs (2i, 2i + 1) before and after the split; noise pairs before it. */
static sm_engine *planted(size_t n)
{
    sm_engine *e = tu_random_engine(n);
    for (size_t i = 0; i + 1 < n; i += 2) {
        pair(e, i, i + 1, "2014-03-01");
        pair(e, i, (i + 7) % n == i + 1 ? (i + 9) % n : (i + 7) % n, "2013-05-01");
        pair(e, i, i + 1, i % 4 ? "2018-02-01" : "2016-06-01");
    }
    return e;
}

static void planted_pairs(void **state)
{
    (void)state;
    sm_engine *e = planted(200);
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, "past_partners=1,complementarity=0.01"), SM_OK);
    sm_evaluate_options o = SM_EVALUATE_OPTIONS_INIT;
    o.split_date = "2017-01-01";
    o.weighting = w;
    o.bootstrap = 50;
    sm_evaluation *ev = NULL;
    assert_int_equal(sm_evaluate(&ev, e, &o), SM_OK);
    assert_int_equal(sm_evaluation_count(ev), 6);
    /* 50 pairs after the split, each a query from both sides */
    char *table = NULL;
    assert_int_equal(sm_evaluation_format(&table, ev), SM_OK);
    if (getenv("SMDBG"))
        fprintf(stderr, "%s", table);
    sm_free(table);
    const sm_evaluation_row *r = row(ev, "smartmatch");
    assert_int_equal(r->queries, 100);
    assert_float_equal(r->recall1, 1.0, 1e-12);
    assert_float_equal(r->mrr, 1.0, 1e-12);
    assert_float_equal(r->auc, 1.0, 1e-12);
    assert_float_equal(r->mrr_se, 0.0, 1e-12);
    /* the past-partner baseline: the planted partner is the most recent of
     * two past partners: rank 1 */
    r = row(ev, "past_partners");
    assert_float_equal(r->recall1, 1.0, 1e-12);
    assert_float_equal(r->mrr, 1.0, 1e-12);
    /* random: recall@10 near 10/199 */
    r = row(ev, "random");
    assert_true(r->recall1 < 0.2);
    assert_true(r->auc > 0.3 && r->auc < 0.7);
    assert_true(r->recall1_se > 0);
    /* balanced without network criteria knows nothing of the pairs */
    sm_evaluation_free(ev);
    o.weighting = NULL;
    o.baselines = 0;
    o.max_queries = 30;
    assert_int_equal(sm_evaluate(&ev, e, &o), SM_OK);
    assert_int_equal(sm_evaluation_count(ev), 1);
    assert_int_equal(sm_evaluation_at(ev, 0)->queries, 30);
    assert_true(sm_evaluation_at(ev, 0)->mrr < 0.5);
    char *text = NULL;
    assert_int_equal(sm_evaluation_format(&text, ev), SM_OK);
    assert_non_null(strstr(text, "| smartmatch | 30 |"));
    sm_free(text);
    sm_evaluation_free(ev);
    sm_weighting_free(w);
    sm_engine_free(e);
}

/* Four SMEs; before the split A-B, A-C twice, C-D, B-C; after it A-D.
 * Events: A 3, B 2, C 4, D 1. Query A (answer D): popularity ranks C, B, D:
 * rank 3. Query D (answer A): C, A: rank 2. Past partners of A: B (1 event)
 * and C (2): D comes after them, first of the rest: rank 3; of D: C, then
 * by popularity A: rank 2. */
static void ranks_by_hand(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *ids[] = { "A", "B", "C", "D" };
    for (int i = 0; i < 4; i++)
        assert_int_equal(tu_put(e, ids[i], "SI032", "C", "x", "y", 0, "", SM_SIZE_SMALL), SM_OK);
    const char *ab[] = { "A", "B" }, *ac[] = { "A", "C" }, *cd[] = { "C", "D" }, *bc[] = { "B", "C" },
               *ad[] = { "A", "D" };
    assert_int_equal(sm_history_add(e, ab, 2, "2015-01-01", NULL), SM_OK);
    assert_int_equal(sm_history_add(e, ac, 2, "2015-06-01", NULL), SM_OK);
    assert_int_equal(sm_history_add(e, ac, 2, "2016-01-01", NULL), SM_OK);
    assert_int_equal(sm_history_add(e, cd, 2, "2016-01-01", NULL), SM_OK);
    assert_int_equal(sm_history_add(e, bc, 2, "2016-02-01", NULL), SM_OK);
    assert_int_equal(sm_history_add(e, ad, 2, "2017-05-01", NULL), SM_OK);
    sm_evaluate_options o = SM_EVALUATE_OPTIONS_INIT;
    o.split_date = "2017";
    o.k1 = 2;
    o.k2 = 3;
    o.bootstrap = 0;
    sm_evaluation *ev = NULL;
    assert_int_equal(sm_evaluate(&ev, e, &o), SM_OK);
    const sm_evaluation_row *r = row(ev, "popularity");
    assert_int_equal(r->queries, 2);
    assert_float_equal(r->recall1, 0.5, 1e-12);  /* D's query only */
    assert_float_equal(r->recall2, 1.0, 1e-12);
    assert_float_equal(r->mrr, (1.0 / 3 + 1.0 / 2) / 2, 1e-12);
    r = row(ev, "past_partners");
    assert_float_equal(r->mrr, (1.0 / 3 + 1.0 / 2) / 2, 1e-12);
    assert_float_equal(r->recall1_se, 0, 0);
    /* every SME has the tags {x, y}: Jaccard 1 for all, ties by popularity */
    r = row(ev, "tag_overlap");
    assert_float_equal(r->mrr, (1.0 / 3 + 1.0 / 2) / 2, 1e-12);
    /* the same Jaccard, ties by id: query A ranks B, C, D (rank 3); query
     * D ranks A first (rank 1) */
    r = row(ev, "tag_overlap_by_id");
    assert_float_equal(r->mrr, (1.0 / 3 + 1.0) / 2, 1e-12);
    assert_float_equal(r->recall2, 1.0, 1e-12);
    sm_evaluation_free(ev);
    /* errors */
    o.split_date = NULL;
    assert_int_equal(sm_evaluate(&ev, e, &o), SM_ERR_INVALID_ARGUMENT);
    o.split_date = "2017-13-01";
    assert_int_equal(sm_evaluate(&ev, e, &o), SM_ERR_PARSE);
    o.split_date = "2020";
    assert_int_equal(sm_evaluate(&ev, e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "no cooperation");
    o.split_date = "2017";
    o.k1 = 0;
    assert_int_equal(sm_evaluate(&ev, e, &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_evaluate_options_init(&o, 99), SM_ERR_INVALID_ARGUMENT);
    sm_engine_free(e);
}

/* The cold-start breakdown: A..D have tags, E and F none. Before the split
 * A-B, C-D and G-A; after it A-E, E-F, B-C, D-F, G-B. Warm queries: A
 * (A-E), B and C (B-C), D (D-F), G and B (G-B); cold: E twice (A-E, E-F),
 * F twice (E-F, D-F). Every
 * deterministic method's recall and MRR over all queries is the
 * query-weighted mean of its warm and cold figures, and on cold queries tag
 * overlap is popularity. */
static void queriers_split(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *ids[] = { "A", "B", "C", "D", "E", "F", "G", "H" };
    const char *tags[] = { "x;y", "y;z", "x;z", "z", "", "", "x", "" };
    for (int i = 0; i < 8; i++)
        assert_int_equal(tu_put(e, ids[i], "SI032", "C", tags[i], tags[i], 0, "", SM_SIZE_SMALL), SM_OK);
    const char *before[][2] = { { "A", "B" }, { "C", "D" }, { "G", "A" } };
    const char *after[][2] = { { "A", "E" }, { "E", "F" }, { "B", "C" }, { "D", "F" }, { "G", "B" } };
    for (int i = 0; i < 3; i++)
        assert_int_equal(sm_history_add(e, before[i], 2, "2015-01-01", NULL), SM_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(sm_history_add(e, after[i], 2, "2018-01-01", NULL), SM_OK);
    sm_evaluate_options o = SM_EVALUATE_OPTIONS_INIT;
    o.split_date = "2017";
    o.k1 = 2;
    o.k2 = 4;
    o.bootstrap = 0;
    sm_evaluation *ev[3] = { NULL, NULL, NULL };
    const sm_evaluate_queriers which[3] = { SM_EVALUATE_ALL, SM_EVALUATE_WARM, SM_EVALUATE_COLD };
    for (int k = 0; k < 3; k++) {
        o.queriers = which[k];
        assert_int_equal(sm_evaluate(&ev[k], e, &o), SM_OK);
    }
    assert_int_equal(sm_evaluation_at(ev[0], 0)->queries, 10);
    assert_int_equal(sm_evaluation_at(ev[1], 0)->queries, 6);
    assert_int_equal(sm_evaluation_at(ev[2], 0)->queries, 4);
    const char *methods[] = { "smartmatch", "popularity", "past_partners", "tag_overlap", "tag_overlap_by_id" };
    for (int m = 0; m < 5; m++) {
        const sm_evaluation_row *a = row(ev[0], methods[m]), *w = row(ev[1], methods[m]), *c = row(ev[2], methods[m]);
        assert_float_equal(a->recall1 * 10, w->recall1 * 6 + c->recall1 * 4, 1e-12);
        assert_float_equal(a->recall2 * 10, w->recall2 * 6 + c->recall2 * 4, 1e-12);
        assert_float_equal(a->mrr * 10, w->mrr * 6 + c->mrr * 4, 1e-12);
    }
    assert_float_equal(row(ev[2], "tag_overlap")->mrr, row(ev[2], "popularity")->mrr, 1e-12);
    assert_float_equal(row(ev[2], "tag_overlap")->recall1, row(ev[2], "popularity")->recall1, 1e-12);
    for (int k = 0; k < 3; k++)
        sm_evaluation_free(ev[k]);
    /* max_queries samples among the kept queries */
    o.queriers = SM_EVALUATE_WARM;
    o.max_queries = 3;
    assert_int_equal(sm_evaluate(&ev[0], e, &o), SM_OK);
    assert_int_equal(sm_evaluation_at(ev[0], 0)->queries, 3);
    sm_evaluation_free(ev[0]);
    o.max_queries = 0;
    /* errors: an unknown value; no query of the kind asked for */
    o.queriers = (sm_evaluate_queriers)7;
    assert_int_equal(sm_evaluate(&ev[0], e, &o), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "queriers 7");
    o.queriers = SM_EVALUATE_COLD;
    const char *late[][2] = { { "B", "D" } };
    assert_int_equal(sm_history_add(e, late[0], 2, "2018-06-01", NULL), SM_OK);
    o.split_date = "2018-03-01";
    ev[0] = NULL;
    assert_int_equal(sm_evaluate(&ev[0], e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "cold querier");
    assert_null(ev[0]);
    o.queriers = SM_EVALUATE_WARM;
    assert_int_equal(sm_evaluate(&ev[0], e, &o), SM_OK);
    assert_int_equal(sm_evaluation_at(ev[0], 0)->queries, 2);
    sm_evaluation_free(ev[0]);
    /* version 1: the struct without queriers; init leaves the rest alone */
    sm_evaluate_options v1;
    memset(&v1, 0xAB, sizeof v1);
    assert_int_equal(sm_evaluate_options_init(&v1, 1), SM_OK);
    assert_int_equal(v1.version, 1);
    assert_int_equal((int)v1.queriers, (int)0xABABABAB);
    v1.split_date = "2017";
    v1.bootstrap = 0;
    ev[0] = NULL;
    assert_int_equal(sm_evaluate(&ev[0], e, &v1), SM_OK);
    assert_int_equal(sm_evaluation_at(ev[0], 0)->queries, 12);
    sm_evaluation_free(ev[0]);
    sm_engine_free(e);
}

static void fit_learns_the_network(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(300);
    /* partners recur: every pair before 2016 recurs in 2016 */
    for (size_t i = 0; i + 1 < 300; i += 2) {
        pair(e, i, i + 1, "2014-03-01");
        pair(e, i, i + 1, "2016-05-01");
    }
    sm_weighting *start = NULL;
    assert_int_equal(sm_weighting_parse(&start, "balanced"), SM_OK);
    sm_fit_options o = SM_FIT_OPTIONS_INIT;
    o.split_date = "2017-01-01";
    o.start = start;
    sm_weighting *w = NULL;
    sm_evaluation *ev = NULL;
    assert_int_equal(sm_fit(&w, &ev, e, &o), SM_OK);
    double pp;
    assert_int_equal(sm_weighting_get(&pp, w, "past_partners"), SM_OK);
    assert_true(pp > 0);
    assert_true(row(ev, "fitted")->recall1 > 0.9);
    assert_true(row(ev, "fitted")->recall1 > row(ev, "start")->recall1);
    /* the text form is the weighting */
    char *text = NULL;
    assert_int_equal(sm_weighting_to_string(&text, w), SM_OK);
    sm_weighting *back = NULL;
    assert_int_equal(sm_weighting_parse(&back, text), SM_OK);
    for (size_t j = 0; j < sm_weighting_count(w); j++) {
        const char *name;
        double a, b;
        assert_int_equal(sm_weighting_at(&name, &a, w, j), SM_OK);
        assert_int_equal(sm_weighting_get(&b, back, name), SM_OK);
        assert_float_equal(a, b, 0);
    }
    sm_free(text);
    sm_weighting_free(back);
    sm_weighting_free(w);
    sm_evaluation_free(ev);
    /* errors */
    o.split_date = "2014-01-01";
    assert_int_equal(sm_fit(&w, NULL, e, &o), SM_ERR_INVALID_ARGUMENT);
    o.split_date = "2017-01-01";
    o.validation_date = "2018-01-01";
    assert_int_equal(sm_fit(&w, NULL, e, &o), SM_ERR_INVALID_ARGUMENT);
    o.validation_date = NULL;
    sm_weighting *geo = NULL;
    assert_int_equal(sm_weighting_parse(&geo, "balanced,combiner=geometric"), SM_OK);
    o.start = geo;
    assert_int_equal(sm_fit(&w, NULL, e, &o), SM_ERR_INVALID_ARGUMENT);
    sm_weighting_free(geo);
    sm_weighting_free(start);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(planted_pairs),
        cmocka_unit_test(ranks_by_hand),
        cmocka_unit_test(queriers_split),
        cmocka_unit_test(fit_learns_the_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
