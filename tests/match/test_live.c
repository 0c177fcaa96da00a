/* A live engine: after random sequences of puts and removes, top-k queries
 * and batches equal the brute force over sm_query_explain() and the results
 * of a freshly built engine holding the same SMEs; read-only calls from
 * callbacks do not deadlock against a waiting writer. */
#include "test_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long seed = 777;
static unsigned rnd(unsigned n)
{
    seed = seed * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)(seed >> 33) % n;
}

static const char *const regions[] = { "SI032", "SI041", "AT221", "AT130", "HR050", "HU110", "ITH41",
                                       "DE212", "CZ010", "SK010", "RO321", "BG411", "EL303", "PL911" };
static const char *const sectors[] = { "25.11", "25.62", "28.41", "10.51", "17.21", "46.69", "62.01",
                                       "55.10", "49.41", "71.12", "C",     "41.20", "73.11", "33.12" };

/* Puts a random SME; tags come from a pool that grows, so some are new. */
static void put_random(sm_engine *e, const char *id, unsigned n_tags)
{
    char secs[64], offers[256], needs[256];
    snprintf(secs, sizeof secs, "%s", sectors[rnd(14)]);
    for (unsigned j = 0, m = rnd(3) ? 0 : 1 + rnd(4); j < m; j++)
        snprintf(secs + strlen(secs), sizeof secs - strlen(secs), ";%s", sectors[rnd(14)]);
    offers[0] = needs[0] = '\0';
    for (unsigned j = 0, m = rnd(5); j < m; j++)
        snprintf(offers + strlen(offers), sizeof offers - strlen(offers), "%stag%u", j ? ";" : "", rnd(n_tags));
    for (unsigned j = 0, m = rnd(5); j < m; j++)
        snprintf(needs + strlen(needs), sizeof needs - strlen(needs), "%stag%u", j ? ";" : "", rnd(n_tags));
    const char *langs[] = { "", "en", "de;en", "sl", "hu", "it;sl" };
    sm_status st = tu_put(e, id, regions[rnd(14)], secs, offers, needs, rnd(256), langs[rnd(6)], (sm_size)rnd(5));
    if (st)
        fail_msg("put %s: %s", id, sm_error_last()->message);
}

/* A few random changes: new SMEs, replacements, removals. */
static void churn(sm_engine *e, unsigned changes, unsigned *next_id, unsigned n_tags)
{
    char id[32];
    for (unsigned c = 0; c < changes; c++) {
        size_t n = sm_sme_count(e);
        unsigned what = rnd(3);
        if (what == 0 || n < 50) {
            snprintf(id, sizeof id, "N-%05u", (*next_id)++);
            put_random(e, id, n_tags);
        } else {
            sm_sme_desc *d = NULL;
            assert_int_equal(sm_sme_at(&d, e, rnd((unsigned)n)), SM_OK);
            snprintf(id, sizeof id, "%s", d->id);
            sm_sme_desc_free(d);
            if (what == 1)
                put_random(e, id, n_tags);
            else
                assert_int_equal(sm_sme_remove(e, id), SM_OK);
        }
    }
}

/* A region the test changes in the live engine, for the rebuilt one too. */
static const sm_region_desc *changed_region;

/* The same regions and SMEs, put one by one into a new engine. */
static sm_engine *rebuilt(const sm_engine *e)
{
    sm_engine *f = tu_engine(SM_TAXONOMY_ALL);
    if (changed_region)
        assert_int_equal(sm_region_put(f, changed_region), SM_OK);
    for (size_t i = 0, n = sm_sme_count(e); i < n; i++) {
        sm_sme_desc *d = NULL;
        assert_int_equal(sm_sme_at(&d, e, i), SM_OK);
        assert_int_equal(sm_sme_put(f, d), SM_OK);
        sm_sme_desc_free(d);
    }
    return f;
}

/* Top 10 of qid equals the brute force over explain (bit for bit) and the
 * rebuilt engine's top 10 (same ids; totals within 1e-12, since tag ids,
 * hence summation orders, may differ there). */
static void check_query(sm_engine *e, sm_engine *f, const char *qid, const sm_weighting *w, int cross_border)
{
    tu_scored *all = calloc(sm_sme_count(e) + 1, sizeof *all);
    assert_non_null(all);
    size_t m = tu_brute_rank(all, e, qid, w, cross_border);
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    o.k = 10;
    o.cross_border = cross_border;
    sm_result *r = NULL, *g = NULL;
    assert_int_equal(sm_query_top(&r, e, qid, &o), SM_OK);
    assert_int_equal(sm_query_top(&g, f, qid, &o), SM_OK);
    size_t k = m < 10 ? m : 10;
    assert_int_equal(sm_result_count(r), k);
    assert_int_equal(sm_result_count(g), k);
    for (size_t i = 0; i < k; i++) {
        assert_string_equal(sm_result_id(r, i), all[i].id);
        assert_float_equal(sm_result_score(r, i), all[i].total, 0);
        assert_string_equal(sm_result_id(g, i), all[i].id);
        assert_float_equal(sm_result_score(g, i), all[i].total, 1e-12);
    }
    sm_result_free(r);
    sm_result_free(g);
    free(all);
}

static void check_round(sm_engine *e, const sm_weighting *const *ws, size_t n_w, unsigned round)
{
    sm_engine *f = rebuilt(e);
    size_t n = sm_sme_count(e);
    for (unsigned t = 0; t < 3; t++) {
        sm_sme_desc *d = NULL;
        assert_int_equal(sm_sme_at(&d, e, rnd((unsigned)n)), SM_OK);
        check_query(e, f, d->id, ws[(round + t) % n_w], (int)((round + t) & 1));
        sm_sme_desc_free(d);
    }
    sm_engine_free(f);
}

static void top_equals_brute_force_after_changes(void **state)
{
    (void)state;
    seed = 777;
    sm_engine *e = tu_random_engine(250);
    const char *texts[] = { "balanced", "supply_chain", "cohesion,combiner=geometric",
                            "balanced,complementarity.reciprocity=arithmetic",
                            "complementarity=0,sector_affinity=1,region_reach=2,language=1",
                            "cross_border,complementarity.reciprocity=max" };
    sm_weighting *w[6];
    for (size_t t = 0; t < 6; t++)
        assert_int_equal(sm_weighting_parse(&w[t], texts[t]), SM_OK);
    unsigned next_id = 0;
    check_round(e, (const sm_weighting *const *)w, 6, 0);
    /* small deltas: one change, then a few, with a query after each */
    for (unsigned round = 1; round <= 8; round++) {
        churn(e, round < 4 ? 1 : 1 + rnd(20), &next_id, 40 + round * 3);
        check_round(e, (const sm_weighting *const *)w, 6, round);
    }
    /* a delta beyond the rebuild limit, then small ones on the new base */
    churn(e, 1500, &next_id, 90);
    check_round(e, (const sm_weighting *const *)w, 6, 13);
    for (unsigned round = 14; round < 18; round++) {
        churn(e, 1 + rnd(5), &next_id, 95);
        check_round(e, (const sm_weighting *const *)w, 6, round);
    }
    /* a change the delta does not follow (a region), then SMEs again */
    sm_region_desc rd = SM_REGION_DESC_INIT;
    rd.code = "SI033";
    rd.name = "New region";
    rd.lat = 46.2;
    rd.lon = 15.0;
    assert_int_equal(sm_region_put(e, &rd), SM_OK);
    changed_region = &rd;
    assert_int_equal(tu_put(e, "IN-NEW", "SI033", "25.11", "tag1;tag2", "tag3", 0, "", SM_SIZE_SMALL), SM_OK);
    check_round(e, (const sm_weighting *const *)w, 6, 18);
    churn(e, 3, &next_id, 95);
    check_round(e, (const sm_weighting *const *)w, 6, 19);
    changed_region = NULL;
    for (size_t t = 0; t < 6; t++)
        sm_weighting_free(w[t]);
    sm_engine_free(e);
}

/* A batch after changes returns, for every SME, what sm_query_top() does. */
typedef struct collect {
    const sm_engine *e;
    size_t n;
    int mismatches;
} collect;

static int compare_result(const sm_result *r, void *ud)
{
    collect *c = ud;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 5;
    sm_result *t = NULL;
    /* a read-only call from the callback: the batch's read lock is re-entered */
    if (sm_query_top(&t, c->e, sm_result_query_id(r), &o) != SM_OK)
        return 1;
    int same = sm_result_count(t) == sm_result_count(r);
    for (size_t i = 0; same && i < sm_result_count(r); i++)
        same = strcmp(sm_result_id(r, i), sm_result_id(t, i)) == 0 && sm_result_score(r, i) == sm_result_score(t, i);
    sm_result_free(t);
    c->mismatches += !same;
    c->n++;
    return 0;
}

static void batch_after_changes(void **state)
{
    (void)state;
    seed = 4242;
    sm_engine *e = tu_random_engine(200);
    unsigned next_id = 0;
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = 5;
    for (int round = 0; round < 3; round++) {
        churn(e, 40, &next_id, 60);
        collect c = { e, 0, 0 };
        sm_batch_options o = SM_BATCH_OPTIONS_INIT;
        o.query = &q;
        o.threads = 3;
        o.on_result = compare_result;
        o.result_userdata = &c;
        assert_int_equal(sm_batch_run(e, &o), SM_OK);
        assert_int_equal(c.n, sm_sme_count(e));
        assert_int_equal(c.mismatches, 0);
    }
    sm_engine_free(e);
}

/* Callbacks on batch worker threads call read-only functions while a
 * writer waits for the batch: with a writer-preferring lock a second read
 * lock would deadlock; the borrowed lock lets them through. */
typedef struct waiting {
    sm_engine *e;
    pthread_mutex_t mu;
    int writer_started, writer_done;
    size_t seen;
} waiting;

static void *writer(void *arg)
{
    waiting *w = arg;
    pthread_mutex_lock(&w->mu);
    w->writer_started = 1;
    pthread_mutex_unlock(&w->mu);
    sm_status st = tu_put(w->e, "W-1", "SI032", "25.11", "tag1", "tag2", 0, "", SM_SIZE_SMALL);
    pthread_mutex_lock(&w->mu);
    w->writer_done = st == SM_OK ? 1 : -1;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int read_while_writer_waits(const sm_result *r, void *ud)
{
    waiting *w = ud;
    (void)r;
    if (w->seen++ == 0) {
        pthread_t t;
        pthread_create(&t, NULL, writer, w);
        pthread_detach(t);
        /* give the writer time to queue on the lock (no correctness depends on it) */
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    sm_sme_desc *d = NULL;
    if (sm_sme_get(&d, w->e, sm_result_query_id(r)) != SM_OK)
        return 1;
    sm_sme_desc_free(d);
    return sm_sme_count(w->e) == 0;
}

static void callbacks_read_beside_a_waiting_writer(void **state)
{
    (void)state;
    waiting w = { .e = tu_random_engine(60) };
    pthread_mutex_init(&w.mu, NULL);
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    o.threads = 2;
    o.on_result = read_while_writer_waits;
    o.result_userdata = &w;
    assert_int_equal(sm_batch_run(w.e, &o), SM_OK);
    assert_int_equal(w.seen, 60);
    for (;;) { /* the writer gets the lock once the batch is over */
        pthread_mutex_lock(&w.mu);
        int done = w.writer_done;
        pthread_mutex_unlock(&w.mu);
        if (done)
            break;
        struct timespec ts = { 0, 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    assert_int_equal(w.writer_done, 1);
    assert_int_equal(sm_sme_count(w.e), 61);
    pthread_mutex_destroy(&w.mu);
    sm_engine_free(w.e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(top_equals_brute_force_after_changes),
        cmocka_unit_test(batch_after_changes),
        cmocka_unit_test(callbacks_read_beside_a_waiting_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
