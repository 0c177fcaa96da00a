/* Deferred changes (lib/core/deferred.c): checked at call time, published
 * in call order, in batches, after sm_engine_flush() visible; synchronous
 * changes publish the queue first; publication errors reach flush; an
 * engine freed with changes queued drops them. After random sequences the
 * engine equals one that made the same changes synchronously, and its
 * results the brute force. */
#include "test_util.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long seed = 7;
static unsigned rnd(unsigned n)
{
    seed = seed * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)(seed >> 33) % n;
}

static const char *const regions[] = { "SI032", "AT221", "HR050", "HU110", "ITH41", "DE212", "CZ010", "PL911" };
static const char *const sectors[] = { "25.11", "28.41", "10.51", "62.01", "C", "71.12", "46.69", "33.12" };

/* A random SME in static storage (valid until the next call); new_tags
 * brings tags and a language the engine may not have yet. */
static sm_sme_desc *random_desc(const char *id, bool new_tags)
{
    static char idb[32], offers[128], needs[128];
    static const char *langs[2];
    static sm_sme_desc d;
    static const char *secs[2];
    const char **off = NULL, **nd = NULL;
    snprintf(idb, sizeof idb, "%s", id);
    offers[0] = needs[0] = '\0';
    for (unsigned j = 0, m = rnd(4); j < m; j++)
        snprintf(offers + strlen(offers), sizeof offers - strlen(offers), "%s%s%u", j ? ";" : "",
                 new_tags && j == 0 ? "fresh" : "t", rnd(new_tags ? 1000 : 20));
    for (unsigned j = 0, m = rnd(4); j < m; j++)
        snprintf(needs + strlen(needs), sizeof needs - strlen(needs), "%st%u", j ? ";" : "", rnd(20));
    sm_sme_desc init = SM_SME_DESC_INIT;
    d = init;
    d.id = idb;
    d.region = regions[rnd(8)];
    secs[0] = sectors[rnd(8)];
    secs[1] = sectors[rnd(8)];
    d.sectors = secs;
    d.n_sectors = 1 + rnd(2);
    d.n_offers = tu_split(offers, &off);
    d.offers = off;
    d.n_needs = tu_split(needs, &nd);
    d.needs = nd;
    d.size = (sm_size)(1 + rnd(4));
    langs[0] = new_tags && rnd(2) ? "eu" : "en";
    d.languages = langs;
    d.n_languages = rnd(2);
    return &d;
}

static void configure(sm_engine *e, double delay_ms, size_t max_queued)
{
    sm_defer_options o = SM_DEFER_OPTIONS_INIT;
    o.max_delay_ms = delay_ms;
    o.max_queued = max_queued;
    assert_int_equal(sm_engine_defer_configure(e, &o), SM_OK);
}

/* e and f hold the same SMEs, record for record, and give the same top 8
 * (the brute force for e) for a few of them. */
static void assert_same(sm_engine *e, sm_engine *f)
{
    size_t n = sm_sme_count(e);
    assert_int_equal(n, sm_sme_count(f));
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc *a = NULL, *b = NULL;
        assert_int_equal(sm_sme_at(&a, e, i), SM_OK);
        assert_int_equal(sm_sme_get(&b, f, a->id), SM_OK);
        assert_string_equal(a->region, b->region);
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->n_offers, b->n_offers);
        for (size_t k = 0; k < a->n_offers; k++)
            assert_string_equal(a->offers[k], b->offers[k]);
        assert_int_equal(a->n_needs, b->n_needs);
        assert_int_equal(a->n_sectors, b->n_sectors);
        assert_int_equal(a->n_languages, b->n_languages);
        sm_sme_desc_free(b);
        sm_sme_desc_free(a);
    }
    for (int t = 0; t < 3 && n; t++) {
        sm_sme_desc *d = NULL;
        assert_int_equal(sm_sme_at(&d, e, rnd((unsigned)n)), SM_OK);
        tu_assert_top_is_brute(e, d->id, NULL, t & 1, 8);
        tu_assert_same_top(e, f, d->id, 8);
        sm_sme_desc_free(d);
    }
}

/* put A, remove A, put A' (deferred): after flush, as a fresh engine with A'. */
static void order_is_kept(void **state)
{
    (void)state;
    seed = 7;
    sm_engine *e = tu_random_engine(40), *f = tu_random_engine(40);
    configure(e, 10000, 4096); /* only flush publishes */
    sm_sme_desc *d = random_desc("A", false);
    assert_int_equal(sm_sme_put_deferred(e, d), SM_OK);
    assert_int_equal(sm_sme_contains(e, "A"), 0); /* queued, not published */
    assert_int_equal(sm_sme_remove_deferred(e, "A"), SM_OK);
    d = random_desc("A", false);
    d->name = "A prime";
    assert_int_equal(sm_sme_put_deferred(e, d), SM_OK);
    assert_int_equal(sm_sme_put(f, d), SM_OK);
    /* and an existing SME removed then put back changed */
    assert_int_equal(sm_sme_remove_deferred(e, "R-0003"), SM_OK);
    d = random_desc("R-0003", false);
    assert_int_equal(sm_sme_put_deferred(e, d), SM_OK);
    assert_int_equal(sm_sme_put(f, d), SM_OK);
    assert_int_equal(sm_engine_flush(e), SM_OK);
    sm_sme_desc *got = NULL;
    assert_int_equal(sm_sme_get(&got, e, "A"), SM_OK);
    assert_string_equal(got->name, "A prime");
    sm_sme_desc_free(got);
    assert_same(e, f);
    sm_engine_free(e);
    sm_engine_free(f);
}

static void errors_at_call_time(void **state)
{
    (void)state;
    seed = 8;
    sm_engine *e = tu_random_engine(20);
    configure(e, 10000, 4096);
    sm_sme_desc *d = random_desc("B", false);
    d->region = "ZZ999";
    assert_int_equal(sm_sme_put_deferred(e, d), SM_ERR_UNKNOWN_CODE);
    tu_assert_error(SM_ERR_UNKNOWN_CODE, "ZZ999");
    d->region = "SI032";
    d->founded = 3000;
    assert_int_equal(sm_sme_put_deferred(e, d), SM_ERR_RANGE);
    d->founded = 0;
    d->id = "";
    assert_int_equal(sm_sme_put_deferred(e, d), SM_ERR_BAD_ID);
    assert_int_equal(sm_sme_put_deferred(e, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_sme_put_deferred(NULL, d), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_sme_remove_deferred(e, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_engine_flush(NULL), SM_ERR_INVALID_ARGUMENT);
    /* remove: neither the engine nor the queue holds it */
    assert_int_equal(sm_sme_remove_deferred(e, "nobody"), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "nobody");
    assert_int_equal(sm_sme_remove_deferred(e, "R-0001"), SM_OK);
    assert_int_equal(sm_sme_remove_deferred(e, "R-0001"), SM_ERR_NOT_FOUND); /* its removal is queued */
    d = random_desc("B", false);
    assert_int_equal(sm_sme_put_deferred(e, d), SM_OK);
    assert_int_equal(sm_sme_remove_deferred(e, "B"), SM_OK); /* the queue holds it */
    assert_int_equal(sm_engine_flush(e), SM_OK);
    assert_int_equal(sm_sme_count(e), 19);
    assert_int_equal(sm_sme_contains(e, "B"), 0);
    assert_int_equal(sm_sme_contains(e, "R-0001"), 0);
    /* options */
    sm_defer_options o = SM_DEFER_OPTIONS_INIT;
    o.max_delay_ms = -1;
    assert_int_equal(sm_engine_defer_configure(e, &o), SM_ERR_RANGE);
    o.max_delay_ms = 1;
    o.max_queued = 0;
    assert_int_equal(sm_engine_defer_configure(e, &o), SM_ERR_RANGE);
    o.version = 99;
    assert_int_equal(sm_engine_defer_configure(e, &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_engine_defer_configure(e, NULL), SM_OK);
    sm_engine_free(e);
}

/* A synchronous change publishes the queue first. */
static void synchronous_change_goes_after(void **state)
{
    (void)state;
    seed = 9;
    sm_engine *e = tu_random_engine(20);
    configure(e, 10000, 4096);
    assert_int_equal(sm_sme_remove_deferred(e, "R-0002"), SM_OK);
    assert_int_equal(sm_sme_remove(e, "R-0002"), SM_ERR_NOT_FOUND);
    sm_sme_desc *d = random_desc("C", false);
    assert_int_equal(sm_sme_put_deferred(e, d), SM_OK);
    assert_int_equal(sm_sme_remove(e, "C"), SM_OK);
    assert_int_equal(sm_sme_contains(e, "C"), 0);
    assert_int_equal(sm_engine_flush(e), SM_OK);
    sm_engine_free(e);
}

/* A change that fails when it is published is dropped; flush returns the
 * first such error once. */
static void flush_reports_publication_errors(void **state)
{
    (void)state;
    seed = 10;
    /* out of memory at publication: the batch is dropped, the engine unchanged */
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
    eo.allocator = &a;
    sm_engine *g = NULL;
    assert_int_equal(sm_engine_new(&g, &eo), SM_OK);
    assert_int_equal(tu_put(g, "G-1", "SI032", "25.11", "t1", "t2", 0, "", SM_SIZE_SMALL), SM_OK);
    configure(g, 10000, 4096);
    sm_sme_desc *d = random_desc("G-2", false);
    assert_int_equal(sm_sme_put_deferred(g, d), SM_OK);
    assert_int_equal(sm_sme_remove_deferred(g, "G-1"), SM_OK);
    st.fail_at = st.calls + 1;
    assert_int_equal(sm_engine_flush(g), SM_ERR_NOMEM);
    tu_assert_error(SM_ERR_NOMEM, "and 1 more deferred changes failed");
    st.fail_at = 0;
    assert_int_equal(sm_sme_count(g), 1);
    assert_int_equal(sm_sme_contains(g, "G-1"), 1);
    assert_int_equal(sm_engine_flush(g), SM_OK); /* reported once */
    sm_engine_free(g);
    assert_int_equal(st.live, 0);
}

/* A put bringing new tags and languages is prepared in the exclusive step. */
static void new_tags_and_languages(void **state)
{
    (void)state;
    seed = 11;
    sm_engine *e = tu_random_engine(30), *f = tu_random_engine(30);
    configure(e, 0, 4096);
    char id[16];
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof id, "N-%d", i);
        sm_sme_desc *d = random_desc(id, true);
        assert_int_equal(sm_sme_put_deferred(e, d), SM_OK);
        assert_int_equal(sm_sme_put(f, d), SM_OK);
    }
    assert_int_equal(sm_engine_flush(e), SM_OK);
    assert_same(e, f);
    sm_engine_free(e);
    sm_engine_free(f);
}

/* Random deferred sequences, small queues (back-pressure) and random
 * delays, against the same changes made synchronously. */
static void random_sequences(void **state)
{
    (void)state;
    seed = 12;
    for (int round = 0; round < 6; round++) {
        sm_engine *e = tu_random_engine(60), *f = tu_random_engine(60);
        configure(e, round % 3 == 0 ? 0 : round, 1 + (size_t)rnd(8) * (round & 1 ? 1 : 50));
        char id[16];
        for (int i = 0; i < 300; i++) {
            unsigned what = rnd(10);
            if (what < 5) {
                snprintf(id, sizeof id, "X-%u", rnd(80));
                sm_sme_desc *d = random_desc(id, rnd(8) == 0);
                assert_int_equal(sm_sme_put_deferred(e, d), SM_OK);
                assert_int_equal(sm_sme_put(f, d), SM_OK);
            } else if (what < 8) {
                snprintf(id, sizeof id, what == 5 ? "X-%u" : "R-%04u", rnd(what == 5 ? 80 : 60));
                sm_status want = sm_sme_remove(f, id);
                assert_int_equal(sm_sme_remove_deferred(e, id), want);
            } else if (what == 8) {
                assert_int_equal(sm_engine_flush(e), SM_OK);
                if (rnd(4) == 0)
                    assert_same(e, f);
            } else if (rnd(3) == 0) {
                /* a synchronous change between: publishes the queue first */
                snprintf(id, sizeof id, "X-%u", rnd(80));
                sm_sme_desc *d = random_desc(id, false);
                assert_int_equal(sm_sme_put(e, d), SM_OK);
                assert_int_equal(sm_sme_put(f, d), SM_OK);
            }
        }
        assert_int_equal(sm_engine_flush(e), SM_OK);
        assert_same(e, f);
        sm_engine_free(e);
        sm_engine_free(f);
    }
}

/* Freed with changes queued: they are dropped (no leak under ASan). */
static void free_with_changes_queued(void **state)
{
    (void)state;
    seed = 13;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
    eo.allocator = &a;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
    configure(e, 10000, 4096);
    char id[16];
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "Q-%d", i);
        assert_int_equal(sm_sme_put_deferred(e, random_desc(id, true)), SM_OK);
    }
    assert_int_equal(sm_sme_count(e), 0);
    sm_engine_free(e);
    assert_int_equal(st.live, 0);
    /* and freed right after the publisher published some */
    assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
    configure(e, 0, 4);
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "Q-%d", i);
        assert_int_equal(sm_sme_put_deferred(e, random_desc(id, false)), SM_OK);
    }
    sm_engine_free(e);
    assert_int_equal(st.live, 0);
}

/* Deferred writers on two threads beside a query thread: every change is
 * there after flush. */
typedef struct wjob {
    sm_engine *e;
    int part;
    sm_status st;
} wjob;

static void *deferred_writer(void *arg)
{
    wjob *w = arg;
    char id[16];
    for (int i = 0; i < 200 && !w->st; i++) {
        snprintf(id, sizeof id, "W%d-%d", w->part, i);
        sm_sme_desc d = SM_SME_DESC_INIT;
        const char *secs[1] = { "25.11" };
        const char *tags[2] = { "t1", "t2" };
        d.id = id;
        d.region = "SI032";
        d.sectors = secs;
        d.n_sectors = 1;
        d.offers = tags;
        d.n_offers = 1 + (unsigned)(i & 1);
        w->st = sm_sme_put_deferred(w->e, &d);
        if (!w->st && i % 3 == 0) {
            snprintf(id, sizeof id, "W%d-%d", w->part, i / 2);
            w->st = sm_sme_remove_deferred(w->e, id);
        }
    }
    return NULL;
}

static void threads(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(50);
    configure(e, 0.2, 16);
    pthread_t t[2];
    wjob w[2] = { { e, 0, SM_OK }, { e, 1, SM_OK } };
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, deferred_writer, &w[i]);
    for (int i = 0; i < 50; i++) {
        sm_result *r = NULL;
        assert_int_equal(sm_query_top(&r, e, "R-0001", NULL), SM_OK);
        sm_result_free(r);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].st, SM_OK);
    }
    assert_int_equal(sm_engine_flush(e), SM_OK);
    /* each writer removed ids i / 2 for i = 0, 3, ..., 198: 0..99 in steps
     * of 1.5, rounded down, each once (67 of them) */
    assert_int_equal(sm_sme_count(e), 50 + 2 * (200 - 67));
    sm_engine *f = NULL;
    {
        f = tu_random_engine(50);
        for (size_t i = 50; i < sm_sme_count(e); i++) {
            sm_sme_desc *d = NULL;
            assert_int_equal(sm_sme_at(&d, e, i), SM_OK);
            assert_int_equal(sm_sme_put(f, d), SM_OK);
            sm_sme_desc_free(d);
        }
    }
    assert_same(e, f);
    sm_engine_free(f);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_is_kept),
        cmocka_unit_test(errors_at_call_time),
        cmocka_unit_test(synchronous_change_goes_after),
        cmocka_unit_test(flush_reports_publication_errors),
        cmocka_unit_test(new_tags_and_languages),
        cmocka_unit_test(random_sequences),
        cmocka_unit_test(free_with_changes_queued),
        cmocka_unit_test(threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
