/* batch.c: all-pairs top-k equals single queries (with filters, exclusions,
 * ties at the k-th place, k near or above n, every combiner, subsets in the
 * caller's order with repeats), callbacks, cancellation, errors raised on
 * worker threads reach the caller. */
#include "test_util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct collected {
    const sm_engine *e;
    const sm_query_options *q;
    size_t calls, mismatches, progress_calls, last_done;
    size_t cancel_after;   /* 0 = never */
    int in_callback;       /* detects overlapping calls */
    int overlaps;
    char seen[2000];
} collected;

static int on_result(const sm_result *r, void *ud)
{
    collected *c = ud;
    if (c->in_callback++)
        c->overlaps++;
    c->calls++;
    sm_result *single = NULL;
    if (sm_query_top(&single, c->e, sm_result_query_id(r), c->q) != SM_OK)
        c->mismatches++;
    else if (sm_result_count(single) != sm_result_count(r))
        c->mismatches++;
    else
        for (size_t i = 0; i < sm_result_count(r); i++)
            if (strcmp(sm_result_id(r, i), sm_result_id(single, i)) != 0 ||
                sm_result_score(r, i) != sm_result_score(single, i) ||
                sm_result_distance_km(r, i) != sm_result_distance_km(single, i))
                c->mismatches++;
    sm_result_free(single);
    int id = atoi(sm_result_query_id(r) + 2);
    if (id >= 0 && id < 2000)
        c->seen[id]++;
    c->in_callback--;
    return c->cancel_after && c->calls >= c->cancel_after;
}

static int on_progress(size_t done, size_t total, void *ud)
{
    collected *c = ud;
    c->progress_calls++;
    if (done != c->last_done + 1 || done > total)
        c->mismatches++;
    c->last_done = done;
    return 0;
}

static void equals_single_queries(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(400);
    const unsigned threads[] = { 1, 2, 3, 0 };
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_preset(&w, "cross_border"), SM_OK);
    for (size_t t = 0; t < 4; t++) {
        sm_query_options q = SM_QUERY_OPTIONS_INIT;
        q.k = 7;
        q.weighting = t % 2 ? w : NULL;
        q.cross_region_level = t == 2 ? 2 : SM_LEVEL_ANY;
        collected c = { e, &q, 0, 0, 0, 0, 0, 0, 0, { 0 } };
        sm_batch_options o = SM_BATCH_OPTIONS_INIT;
        o.query = &q;
        o.threads = threads[t];
        o.on_result = on_result;
        o.result_userdata = &c;
        o.on_progress = on_progress;
        o.progress_userdata = &c;
        assert_int_equal(sm_batch_run(e, &o), SM_OK);
        assert_int_equal(c.calls, 400);
        assert_int_equal(c.progress_calls, 400);
        assert_int_equal(c.mismatches, 0);
        assert_int_equal(c.overlaps, 0);
        for (int i = 0; i < 400; i++)
            assert_int_equal(c.seen[i], 1);
    }
    sm_weighting_free(w);
    sm_engine_free(e);
}

/* Runs the batch with q (all SMEs, or ids) on 1 and 2 threads and checks
 * every result against sm_query_top() and the callback counts. */
static void check_batch(sm_engine *e, const sm_query_options *q, const char *const *ids, size_t n_ids)
{
    size_t n = n_ids ? n_ids : sm_sme_count(e);
    for (unsigned threads = 1; threads <= 2; threads++) {
        collected c = { e, q, 0, 0, 0, 0, 0, 0, 0, { 0 } };
        sm_batch_options o = SM_BATCH_OPTIONS_INIT;
        o.query = q;
        o.threads = threads;
        o.ids = ids;
        o.n_ids = n_ids;
        o.on_result = on_result;
        o.result_userdata = &c;
        o.on_progress = on_progress;
        o.progress_userdata = &c;
        assert_int_equal(sm_batch_run(e, &o), SM_OK);
        assert_int_equal(c.calls, n);
        assert_int_equal(c.progress_calls, n);
        assert_int_equal(c.last_done, n);
        assert_int_equal(c.mismatches, 0);
        assert_int_equal(c.overlaps, 0);
    }
}

/* Results equal single queries whatever the options: the region order of
 * the work and the context a worker reuses across its queries must not
 * leak from one query into the next (exclusions, filters, k). */
static void options_and_combiners(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(300);
    /* frequent partners excluded */
    const char *excl[] = { "R-0001", "R-0007", "R-0010", "R-0042", "R-0100", "R-0150", "R-0200", "R-0299" };
    sm_weighting *geo = NULL, *mn = NULL, *local = NULL;
    assert_int_equal(sm_weighting_preset(&geo, "balanced"), SM_OK);
    assert_int_equal(sm_weighting_set_combiner(geo, SM_COMBINE_GEOMETRIC, NULL, NULL, NULL), SM_OK);
    assert_int_equal(sm_weighting_preset(&mn, "supply_chain"), SM_OK);
    assert_int_equal(sm_weighting_set_combiner(mn, SM_COMBINE_MIN, NULL, NULL, NULL), SM_OK);
    assert_int_equal(sm_weighting_preset(&local, "local"), SM_OK);
    const sm_weighting *ws[] = { NULL, geo, mn, local };
    for (size_t wi = 0; wi < 4; wi++) {
        sm_query_options q = SM_QUERY_OPTIONS_INIT;
        q.weighting = ws[wi];
        check_batch(e, &q, NULL, 0);
        q.k = 1;
        check_batch(e, &q, NULL, 0);
        q.k = 32;
        check_batch(e, &q, NULL, 0);
        q.k = 10;
        q.exclude_ids = excl;
        q.n_exclude_ids = 8;
        check_batch(e, &q, NULL, 0);
        q.size_classes = 1u << SM_SIZE_SMALL | 1u << SM_SIZE_MEDIUM;
        q.cross_sector_level = 1;
        check_batch(e, &q, NULL, 0);
        q.min_score = 0.45; /* often fewer than k left */
        check_batch(e, &q, NULL, 0);
        q.n_exclude_ids = 0;
        q.size_classes = 0;
        q.cross_sector_level = SM_LEVEL_ANY;
        q.cross_border = 1;
        q.min_score = 0;
        check_batch(e, &q, NULL, 0);
    }
    /* k at and above n - 1 on a small engine */
    sm_engine *small = tu_random_engine(20);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    for (size_t k = 17; k <= 21; k++) {
        q.k = k;
        check_batch(small, &q, NULL, 0);
    }
    /* a subset in the order given, with a repeat */
    const char *ids[] = { "R-0150", "R-0003", "R-0150", "R-0299", "R-0004", "R-0005", "R-0006", "R-0007" };
    q.k = 5;
    check_batch(e, &q, ids, 8);
    sm_engine_free(small);
    sm_weighting_free(geo);
    sm_weighting_free(mn);
    sm_weighting_free(local);
    sm_engine_free(e);
}

/* Many SMEs with the same profile: totals tie at the k-th place, where the
 * ranking goes by id. */
static void ties_at_the_kth_place(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    char id[32];
    for (int i = 0; i < 120; i++) {
        snprintf(id, sizeof id, "T-%03d", (i * 37) % 120);
        const char *region = i % 3 ? "SI041" : "AT221";
        assert_int_equal(tu_put(e, id, region, i % 4 ? "25.11" : "28.41", i % 2 ? "tag1;tag2" : "tag3",
                                i % 5 ? "tag3" : "tag1", 7, "en", (sm_size)(i % 2)),
                         SM_OK);
    }
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    for (size_t k = 1; k <= 30; k += 7) {
        q.k = k;
        check_batch(e, &q, NULL, 0);
    }
    sm_engine_free(e);
}

static void subset_and_unknown_ids(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(100);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    collected c = { e, &q, 0, 0, 0, 0, 0, 0, 0, { 0 } };
    const char *ids[] = { "R-0003", "R-0042", "R-0099" };
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    o.ids = ids;
    o.n_ids = 3;
    o.on_result = on_result;
    o.result_userdata = &c;
    assert_int_equal(sm_batch_run(e, &o), SM_OK);
    assert_int_equal(c.calls, 3);
    assert_int_equal(c.seen[42], 1);
    assert_int_equal(c.mismatches, 0);
    const char *bad[] = { "R-0003", "NOPE" };
    o.ids = bad;
    o.n_ids = 2;
    assert_int_equal(sm_batch_run(e, &o), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "\"NOPE\"");
    assert_int_equal(c.calls, 3); /* nothing ran */
    sm_engine_free(e);
}

static void cancellation(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(300);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    collected c = { e, &q, 0, 0, 0, 0, 0, 0, 0, { 0 } };
    c.cancel_after = 10;
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    o.threads = 2;
    o.on_result = on_result;
    o.result_userdata = &c;
    assert_int_equal(sm_batch_run(e, &o), SM_ERR_CANCELLED);
    tu_assert_error(SM_ERR_CANCELLED, "result callback");
    assert_int_equal(c.calls, 10); /* no call after the one that cancelled */
    sm_engine_free(e);
}

static int cancel_progress(size_t done, size_t total, void *ud)
{
    collected *c = ud;
    c->progress_calls++;
    if (done != c->last_done + 1 || done > total)
        c->mismatches++;
    c->last_done = done;
    return done >= 25;
}

/* A progress callback that cancels: no result and no progress after it. */
static void cancellation_by_progress(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(300);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    for (unsigned threads = 1; threads <= 3; threads++) {
        collected c = { e, &q, 0, 0, 0, 0, 0, 0, 0, { 0 } };
        sm_batch_options o = SM_BATCH_OPTIONS_INIT;
        o.threads = threads;
        o.on_result = on_result;
        o.result_userdata = &c;
        o.on_progress = cancel_progress;
        o.progress_userdata = &c;
        assert_int_equal(sm_batch_run(e, &o), SM_ERR_CANCELLED);
        tu_assert_error(SM_ERR_CANCELLED, "progress callback");
        assert_int_equal(c.calls, 25);
        assert_int_equal(c.progress_calls, 25);
        assert_int_equal(c.mismatches, 0);
    }
    sm_engine_free(e);
}

static double fail_on(const sm_pair *p, void *ud)
{
    return strcmp(p->a.id, (const char *)ud) == 0 ? NAN : 0.5;
}

static void worker_errors_reach_the_caller(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(200);
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "flaky", fail_on, "R-0150", NULL, 1.0), SM_OK);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.weighting = w;
    collected c = { e, &q, 0, 0, 0, 0, 0, 0, 0, { 0 } };
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    o.query = &q;
    o.threads = 2;
    o.on_result = on_result;
    o.result_userdata = &c;
    sm_error_clear();
    assert_int_equal(sm_batch_run(e, &o), SM_ERR_CALLBACK);
    tu_assert_error(SM_ERR_CALLBACK, "flaky");
    assert_true(c.calls < 200);
    sm_weighting_free(w);
    sm_engine_free(e);
}

static void bad_options(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(10);
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    assert_int_equal(sm_batch_run(e, &o), SM_ERR_INVALID_ARGUMENT); /* no on_result */
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "on_result");
    assert_int_equal(sm_batch_run(NULL, &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_batch_run(e, NULL), SM_ERR_INVALID_ARGUMENT);
    o.on_result = on_result;
    o.n_ids = 2;
    assert_int_equal(sm_batch_run(e, &o), SM_ERR_INVALID_ARGUMENT);
    o.n_ids = 0;
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.cross_sector_level = 9;
    o.query = &q;
    assert_int_equal(sm_batch_run(e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "cross_sector_level");
    o.version = 0;
    assert_int_equal(sm_batch_run(e, &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_batch_options_init(&o, SM_BATCH_OPTIONS_VERSION), SM_OK);
    assert_null(o.on_result);
    assert_int_equal(sm_batch_options_init(NULL, SM_BATCH_OPTIONS_VERSION), SM_ERR_INVALID_ARGUMENT);
    /* an empty engine: no call, OK */
    sm_engine *empty = tu_engine(SM_TAXONOMY_NONE);
    o.query = NULL;
    o.on_result = on_result;
    assert_int_equal(sm_batch_run(empty, &o), SM_OK);
    sm_engine_free(empty);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equals_single_queries),
        cmocka_unit_test(subset_and_unknown_ids),
        cmocka_unit_test(options_and_combiners),
        cmocka_unit_test(ties_at_the_kth_place),
        cmocka_unit_test(cancellation),
        cmocka_unit_test(cancellation_by_progress),
        cmocka_unit_test(worker_errors_reach_the_caller),
        cmocka_unit_test(bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
