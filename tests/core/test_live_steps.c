/* A writer in steps (lib/core/rwlock.c, bulk.c, lib/score/cache.c): the
 * writer, not a query, rebuilds the scoring cache's base once the delta
 * outgrows its limit (built beside the current one, then swapped in); a bulk
 * commit splices its SMEs in chunks; a put prepares its SME beside running
 * queries. After each step the results equal the brute force and those of a
 * freshly built engine. The limits are lowered so that small engines take
 * every path. */
#include "test_util.h"

#include "score/score.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long seed = 99;
static unsigned rnd(unsigned n)
{
    seed = seed * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)(seed >> 33) % n;
}

static const char *const regions[] = { "SI032", "AT221", "HR050", "HU110", "ITH41", "DE212", "CZ010", "PL911" };
static const char *const sectors[] = { "25.11", "28.41", "10.51", "62.01", "C", "71.12", "46.69", "33.12" };

/* A random SME description in caller-owned storage. */
typedef struct rand_sme {
    char id[32], secs[64], offers[128], needs[128];
} rand_sme;

static sm_status put_random(sm_engine *e, sm_bulk *b, const char *id, unsigned n_tags)
{
    rand_sme r;
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.secs, sizeof r.secs, "%s", sectors[rnd(8)]);
    r.offers[0] = r.needs[0] = '\0';
    for (unsigned j = 0, m = rnd(4); j < m; j++)
        snprintf(r.offers + strlen(r.offers), sizeof r.offers - strlen(r.offers), "%st%u", j ? ";" : "", rnd(n_tags));
    for (unsigned j = 0, m = rnd(4); j < m; j++)
        snprintf(r.needs + strlen(r.needs), sizeof r.needs - strlen(r.needs), "%st%u", j ? ";" : "", rnd(n_tags));
    if (!b)
        return tu_put(e, r.id, regions[rnd(8)], r.secs, r.offers, r.needs, rnd(256), rnd(2) ? "en" : "", SM_SIZE_SMALL);
    const char **offers = NULL, **needs = NULL;
    const char *secs[1] = { r.secs };
    sm_sme_desc d = SM_SME_DESC_INIT;
    d.id = r.id;
    d.region = regions[rnd(8)];
    d.sectors = secs;
    d.n_sectors = 1;
    d.n_offers = tu_split(r.offers, &offers);
    d.offers = offers;
    d.n_needs = tu_split(r.needs, &needs);
    d.needs = needs;
    d.size = SM_SIZE_MEDIUM;
    return sm_bulk_put(b, &d); /* tu_split's arrays are static */
}

/* Applied to the rebuilt engine before its SMEs: the changes of regions,
 * affinity and so on that a test made to the live one. */
static void (*rebuild_hook)(sm_engine *f);

/* The same SMEs, put one by one into a new engine. */
static sm_engine *rebuilt(const sm_engine *e)
{
    sm_engine *f = tu_engine(SM_TAXONOMY_ALL);
    if (rebuild_hook)
        rebuild_hook(f);
    for (size_t i = 0, n = sm_sme_count(e); i < n; i++) {
        sm_sme_desc *d = NULL;
        assert_int_equal(sm_sme_at(&d, e, i), SM_OK);
        assert_int_equal(sm_sme_put(f, d), SM_OK);
        sm_sme_desc_free(d);
    }
    return f;
}

/* Top 8 of a few SMEs: the brute force, and the rebuilt engine's ids. */
static void check(sm_engine *e)
{
    sm_engine *f = rebuilt(e);
    for (int t = 0; t < 3; t++) {
        sm_sme_desc *d = NULL;
        assert_int_equal(sm_sme_at(&d, e, rnd((unsigned)sm_sme_count(e))), SM_OK);
        tu_assert_top_is_brute(e, d->id, NULL, t & 1, 8);
        tu_assert_same_top(e, f, d->id, 8);
        sm_sme_desc_free(d);
    }
    sm_engine_free(f);
}

/* The cache as writers left it, read without a query (nothing else runs). */
static const sm__score_cache *cache(const sm_engine *e)
{
    return sm__score_cache_of(e);
}

#define LIMIT 12

static void writer_rebuilds_the_base(void **state)
{
    (void)state;
    seed = 99;
    sm__delta_limit_override = LIMIT;
    sm_engine *e = tu_random_engine(120);
    check(e); /* the first query builds the cache */
    size_t base0 = cache(e)->n_base;
    assert_int_equal(base0, 120);
    unsigned next = 0, rebuilds = 0;
    char id[32];
    for (int round = 0; round < 12; round++) {
        for (int c = 0; c < 7; c++) {
            size_t before = cache(e)->n_dead + cache(e)->n_delta;
            unsigned what = rnd(3);
            if (what == 0) {
                snprintf(id, sizeof id, "S-%04u", next++);
                assert_int_equal(put_random(e, NULL, id, 30), SM_OK);
            } else {
                sm_sme_desc *d = NULL;
                assert_int_equal(sm_sme_at(&d, e, rnd((unsigned)sm_sme_count(e))), SM_OK);
                snprintf(id, sizeof id, "%s", d->id);
                sm_sme_desc_free(d);
                if (what == 1)
                    assert_int_equal(put_random(e, NULL, id, 30), SM_OK);
                else
                    assert_int_equal(sm_sme_remove(e, id), SM_OK);
            }
            /* the writer kept the delta within its limit, and the cache
             * current: no query is left to rebuild anything */
            size_t after = cache(e)->n_dead + cache(e)->n_delta;
            assert_true(after <= LIMIT);
            assert_true(e->derived.generation == e->generation);
            rebuilds += after < before;
        }
        check(e);
    }
    assert_true(rebuilds > 0);
    sm_engine_free(e);
    sm__delta_limit_override = 0;
}

/* ---- changes the delta does not follow -------------------------------------- */

static const char *const de_langs[] = { "de" };

static void add_region(sm_engine *e)
{
    sm_region_desc rd = SM_REGION_DESC_INIT;
    rd.code = "SI03Z";
    rd.name = "New region";
    rd.lat = 46.2;
    rd.lon = 15.0;
    assert_int_equal(sm_region_put(e, &rd), SM_OK);
}

/* SI032 speaks German now: its SMEs without languages of their own too. */
static void relang_region(sm_engine *e)
{
    const sm_region_info *ri = NULL;
    assert_int_equal(sm_region_get(&ri, e, "SI032"), SM_OK);
    sm_region_desc rd = SM_REGION_DESC_INIT;
    rd.code = "SI032";
    rd.name = ri->name;
    rd.lat = ri->lat;
    rd.lon = ri->lon;
    rd.development = ri->development;
    rd.languages = de_langs;
    rd.n_languages = 1;
    assert_int_equal(sm_region_put(e, &rd), SM_OK);
}

static void set_affinities(sm_engine *e)
{
    for (int i = 0; i < 100; i++) {
        char a[8], b[8];
        snprintf(a, sizeof a, "%02d", 10 + i % 23);
        snprintf(b, sizeof b, "%02d", 10 + (i * 7) % 23);
        assert_int_equal(sm_affinity_set(e, a, b, (double)(i % 10) / 10.0), SM_OK);
    }
}

static void add_and_relang(sm_engine *f)
{
    add_region(f);
    relang_region(f);
}

static void all_changes(sm_engine *f)
{
    add_region(f);
    relang_region(f);
    set_affinities(f);
    assert_int_equal(sm_region_set_development(f, "SI032", 77.0), SM_OK);
}

/* A region added or given other languages: the scoring cache follows (a new
 * region gets an empty range; the packed rows of SMEs there without
 * languages of their own get the new ones, in the base and in the delta),
 * or, when it cannot (`unfollowed`, as after a failed allocation), the
 * writer rebuilds it at the end of that call, beside the readers. Either
 * way no query builds one. Affinity, development indices and sectors are
 * not in the cache: it stays current through them (a hundred affinity
 * changes rebuild nothing). The results equal the brute force and a
 * rebuilt engine's after every step. */
static void region_changes(int unfollowed)
{
    seed = 5;
    rebuild_hook = NULL;
    sm_engine *e = tu_random_engine(150);
    /* SMEs without languages in SI032, in the base and in the delta */
    assert_int_equal(tu_put(e, "IN-BASE", "SI032", "25.11", "t1;t2", "t3", 0, "", SM_SIZE_SMALL), SM_OK);
    check(e); /* the first query builds the cache */
    assert_int_equal(tu_put(e, "IN-SI", "SI032", "25.11", "t1;t4", "t2", 0, "", SM_SIZE_SMALL), SM_OK);
    const sm__score_cache *c = cache(e);
    size_t query_builds = sm__score_cache_query_builds;
    sm__regions_unfollowed = unfollowed;

    const void *rows = c->rhot;
    add_region(e);
    assert_true(e->derived.generation == e->generation);
    if (unfollowed) {
        assert_true(c->rhot != rows); /* a new base */
        assert_int_equal(c->n_delta + c->n_dead, 0);
    } else {
        assert_true(c->rhot == rows); /* followed */
        assert_int_equal(c->n_delta, 1);
    }
    assert_int_equal(tu_put(e, "IN-NEW", "SI03Z", "25.11", "t1;t2", "t3", 0, "", SM_SIZE_SMALL), SM_OK);
    rebuild_hook = add_region;
    check(e);

    rows = c->rhot;
    size_t delta = c->n_delta;
    relang_region(e);
    assert_true(e->derived.generation == e->generation);
    if (unfollowed) {
        assert_true(c->rhot != rows);
        assert_int_equal(c->n_delta + c->n_dead, 0);
    } else {
        assert_true(c->rhot == rows);
        assert_int_equal(c->n_delta, delta);
    }
    rebuild_hook = add_and_relang;
    check(e);
    rows = c->rhot;
    set_affinities(e);
    assert_int_equal(sm_region_set_development(e, "SI032", 77.0), SM_OK);
    assert_int_equal(sm_sector_put(e, "25.99", "Other fabricated metal products (renamed)", NULL), SM_OK);
    assert_true(e->derived.generation == e->generation);
    assert_true(c->rhot == rows); /* nothing rebuilt */
    rebuild_hook = all_changes;
    check(e);
    /* the queries above built nothing: the writers did */
    assert_int_equal(sm__score_cache_query_builds, query_builds);
    sm__regions_unfollowed = 0;
    rebuild_hook = NULL;
    sm_engine_free(e);
}

static void cache_follows_region_changes(void **state)
{
    (void)state;
    region_changes(0);
}

static void writer_rebuilds_after_region_changes(void **state)
{
    (void)state;
    region_changes(1);
}

static void bulk_commits_in_chunks(void **state)
{
    (void)state;
    seed = 7;
    sm__delta_limit_override = LIMIT;
    size_t chunk = sm__bulk_chunk;
    sm_engine *e = tu_random_engine(80);
    check(e);
    char id[32];
    for (int round = 0; round < 6; round++) {
        sm__bulk_chunk = 1 + (size_t)round;
        sm_bulk *b = NULL;
        assert_int_equal(sm_bulk_new(&b, e), SM_OK);
        /* new SMEs and replacements of existing ones */
        for (int i = 0; i < 25; i++) {
            if (rnd(2)) {
                snprintf(id, sizeof id, "B-%d-%d", round, i);
            } else {
                sm_sme_desc *d = NULL;
                assert_int_equal(sm_sme_at(&d, e, rnd((unsigned)sm_sme_count(e))), SM_OK);
                snprintf(id, sizeof id, "%s", d->id);
                sm_sme_desc_free(d);
            }
            sm_status st = put_random(e, b, id, 40);
            assert_true(st == SM_OK || st == SM_ERR_DUPLICATE);
        }
        size_t staged = sm_bulk_count(b);
        assert_true(staged > 0);
        assert_int_equal(sm_bulk_commit(b), SM_OK);
        assert_int_equal(sm_bulk_count(b), 0);
        sm_bulk_free(b);
        assert_true(cache(e)->n_dead + cache(e)->n_delta <= LIMIT);
        check(e);
    }
    sm__bulk_chunk = chunk;
    sm__delta_limit_override = 0;
    sm_engine_free(e);
}

/* Queries on other threads while one thread puts, removes and commits
 * bulks with small chunks and a small delta limit: every query succeeds or
 * misses a removed id, and the count a reader sees during a bulk of new
 * SMEs only grows (it sees the engine before or after each chunk). */
typedef struct shared {
    sm_engine *e;
    atomic_int stop;
    atomic_long queries;
    atomic_int bad;
} shared;

static void *reader(void *arg)
{
    shared *s = arg;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 5;
    unsigned long r = (unsigned long)atomic_fetch_add(&s->queries, 1) * 2654435761u;
    while (!atomic_load(&s->stop)) {
        r = r * 6364136223846793005ul + 1442695040888963407ul;
        char id[32];
        snprintf(id, sizeof id, "R-%03lu", (r >> 33) % 60);
        sm_result *res = NULL;
        sm_status st = sm_query_top(&res, s->e, id, &o);
        if (st != SM_OK && st != SM_ERR_NOT_FOUND)
            atomic_store(&s->bad, 1);
        sm_result_free(res);
        atomic_fetch_add(&s->queries, 1);
    }
    return NULL;
}

static void queries_beside_steps(void **state)
{
    (void)state;
    seed = 31;
    sm__delta_limit_override = 6;
    size_t chunk = sm__bulk_chunk;
    sm__bulk_chunk = 2;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    char id[32];
    for (unsigned i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "R-%03u", i);
        assert_int_equal(put_random(e, NULL, id, 20), SM_OK);
    }
    shared s = { .e = e };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, reader, &s);
    for (unsigned round = 0; round < 30; round++) {
        snprintf(id, sizeof id, "R-%03u", rnd(60));
        if (rnd(3))
            assert_int_equal(put_random(e, NULL, id, 25), SM_OK);
        else if (sm_sme_contains(e, id))
            assert_int_equal(sm_sme_remove(e, id), SM_OK);
        sm_bulk *b = NULL;
        assert_int_equal(sm_bulk_new(&b, e), SM_OK);
        for (unsigned i = 0; i < 5; i++) {
            snprintf(id, sizeof id, "X-%u-%u", round, i);
            assert_int_equal(put_random(e, b, id, 25), SM_OK);
        }
        assert_int_equal(sm_bulk_commit(b), SM_OK);
        sm_bulk_free(b);
    }
    atomic_store(&s.stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&s.bad), 0);
    check(e);
    sm__bulk_chunk = chunk;
    sm__delta_limit_override = 0;
    sm_engine_free(e);
}

/* The columns, the id map, the list pool and the text of ids and names
 * grow, and the pool and the text are
 * compacted, beside running queries: the copies are built while readers
 * use the current arrays and swapped in (a reader reading an array that was
 * moved or freed under it would fail in the ASan and TSan builds). Region
 * changes on the way make the writer rebuild the cache with readers
 * waiting for it. */
static void growth_beside_queries(void **state)
{
    (void)state;
    seed = 77;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    char id[32];
    for (unsigned i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "R-%03u", i);
        assert_int_equal(put_random(e, NULL, id, 20), SM_OK);
    }
    shared s = { .e = e };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, reader, &s);
    while (atomic_load(&s.queries) < 10) /* both readers are querying */
        sched_yield();
    size_t cap0 = e->smes.cap, map0 = e->smes.by_id.cap, pool0 = e->smes.pool_cap, text0 = e->smes.text_cap;
    unsigned compactions = 0, text_compactions = 0;
    for (unsigned i = 0; i < 700; i++) {
        size_t garbage = e->smes.pool_garbage, text_garbage = e->smes.text_garbage; /* the only writer */
        if (i % 3 == 0) {
            snprintf(id, sizeof id, "G-%04u", i);
            assert_int_equal(put_random(e, NULL, id, 30), SM_OK);
        } else {
            snprintf(id, sizeof id, "R-%03u", rnd(60));
            assert_int_equal(put_random(e, NULL, id, 30), SM_OK);
        }
        compactions += e->smes.pool_garbage < garbage;
        text_compactions += e->smes.text_garbage < text_garbage;
        if (i % 25 == 0) { /* let the readers in between, however busy the machine */
            long q = atomic_load(&s.queries);
            while (atomic_load(&s.queries) < q + 2)
                sched_yield();
        }
        if (i == 350)
            add_region(e);
        if (i == 500)
            relang_region(e);
    }
    atomic_store(&s.stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&s.bad), 0);
    assert_true(e->smes.cap > cap0);
    assert_true(e->smes.by_id.cap > map0);
    assert_true(e->smes.pool_cap > pool0);
    assert_true(compactions > 0);
    assert_true(e->smes.text_cap > text0);
    assert_true(text_compactions > 0);
    rebuild_hook = add_and_relang;
    check(e);
    rebuild_hook = NULL;
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writer_rebuilds_the_base),
        cmocka_unit_test(bulk_commits_in_chunks),
        cmocka_unit_test(queries_beside_steps),
        cmocka_unit_test(cache_follows_region_changes),
        cmocka_unit_test(writer_rebuilds_after_region_changes),
        cmocka_unit_test(growth_beside_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
