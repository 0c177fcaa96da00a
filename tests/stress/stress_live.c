/* Stress test of a live engine, meant for ThreadSanitizer (scripts/test
 * runs it in build-tsan): 8 query threads (top, explain, batch) and one
 * writer (put, replace, remove, bulk load, a region's languages,
 * cooperations added to the history, and deferred puts and removes, which
 * the engine's publisher thread publishes beside it) on one engine for a bounded time
 * (SM_STRESS_SECONDS, default 3). Both sides must make progress, and at
 * checkpoints the writer compares the live engine's top-k results with
 * those of an engine rebuilt from the same SMEs. Exits 1 on a failure. */
#include "test_util.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define READERS 8
#define BASE_N 300

/* Lowered so that the writer rebuilds the scoring base beside the readers
 * often, and bulk commits let readers in between small chunks. */
extern size_t sm__delta_limit_override; /* lib/score/cache.c */
extern size_t sm__bulk_chunk;           /* lib/core/bulk.c */
extern int sm__regions_unfollowed;      /* lib/core/region.c */

static sm_engine *eng;
static atomic_int stop, failed;
static atomic_long reads[READERS];

#define CHECK(cond, ...)                                                                                              \
    do {                                                                                                              \
        if (!(cond)) {                                                                                                \
            fprintf(stderr, "stress_live:%d: ", __LINE__);                                                            \
            fprintf(stderr, __VA_ARGS__);                                                                             \
            fputc('\n', stderr);                                                                                      \
            atomic_store(&failed, 1);                                                                                 \
            atomic_store(&stop, 1);                                                                                   \
        }                                                                                                             \
    } while (0)

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned rnd(unsigned long *s, unsigned n)
{
    *s = *s * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)(*s >> 33) % n;
}

/* Ids "R-0000".. of tu_random_engine(BASE_N) are never removed: readers
 * query them; the writer adds, replaces and removes "W-..." ones and
 * replaces "R-..." ones. */
static void base_id(char *out, size_t cap, unsigned i)
{
    snprintf(out, cap, "R-%04u", i % BASE_N);
}

/* The cooperations the writer added (between "R-..." SMEs, which stay), in
 * order, for the checkpoints' rebuilt engine; the readers' default
 * weighting gains the network criteria with them. */
#define HIST_MAX 3000
static unsigned hist_a[HIST_MAX], hist_b[HIST_MAX];
static size_t n_hist; /* the writer's thread only */

static void history_add(sm_engine *e, unsigned a, unsigned b)
{
    char x[32], y[32];
    base_id(x, sizeof x, a);
    base_id(y, sizeof y, b);
    const char *ids[] = { x, y };
    CHECK(sm_history_add(e, ids, 2, "2021-06-01", "deal") == SM_OK, "history_add: %s", sm_error_last()->message);
}

/* Ranked best first, scores in [0, 1], the query SME not among them. */
static void check_result(const sm_result *r, const char *qid, size_t k)
{
    size_t n = sm_result_count(r);
    CHECK(n <= k, "%zu results for k = %zu", n, k);
    for (size_t i = 0; i < n; i++) {
        double s = sm_result_score(r, i);
        CHECK(s >= 0 && s <= 1, "score %g", s);
        CHECK(i == 0 || s <= sm_result_score(r, i - 1), "not ranked");
        CHECK(strcmp(sm_result_id(r, i), qid) != 0, "%s is its own partner", qid);
    }
}

typedef struct batch_check {
    size_t n;
} batch_check;

static int on_result(const sm_result *r, void *ud)
{
    batch_check *b = ud;
    check_result(r, sm_result_query_id(r), 5);
    /* a read-only call from the callback re-enters the batch's read lock */
    CHECK(sm_sme_contains(eng, sm_result_query_id(r)), "batch: %s vanished during the batch", sm_result_query_id(r));
    b->n++;
    return atomic_load(&stop) != 0;
}

static void *reader(void *arg)
{
    size_t t = (size_t)arg;
    unsigned long s = 1000 + t;
    char a[32], b[32];
    while (!atomic_load(&stop)) {
        base_id(a, sizeof a, rnd(&s, BASE_N));
        sm_result *r = NULL;
        sm_status st;
        switch (t % 3) {
        case 0: {
            sm_query_options o = SM_QUERY_OPTIONS_INIT;
            o.k = 10;
            o.cross_border = rnd(&s, 2);
            st = sm_query_top(&r, eng, a, &o);
            CHECK(st == SM_OK, "top %s: %s", a, sm_error_last()->message);
            if (st == SM_OK)
                check_result(r, a, 10);
            break;
        }
        case 1:
            base_id(b, sizeof b, rnd(&s, BASE_N));
            if (!strcmp(a, b))
                continue;
            st = sm_query_explain(&r, eng, a, b, NULL);
            CHECK(st == SM_OK && sm_result_count(r) == 1, "explain %s %s: %s", a, b, sm_error_last()->message);
            break;
        default: {
            const char *ids[20];
            char buf[20][32];
            for (int i = 0; i < 20; i++) {
                base_id(buf[i], sizeof buf[i], rnd(&s, BASE_N));
                ids[i] = buf[i];
            }
            sm_query_options q = SM_QUERY_OPTIONS_INIT;
            q.k = 5;
            batch_check bc = { 0 };
            sm_batch_options o = SM_BATCH_OPTIONS_INIT;
            o.query = &q;
            o.threads = 2;
            o.ids = ids;
            o.n_ids = 20;
            o.on_result = on_result;
            o.result_userdata = &bc;
            st = sm_batch_run(eng, &o);
            CHECK(st == SM_OK || (st == SM_ERR_CANCELLED && atomic_load(&stop)), "batch: %s",
                  sm_error_last()->message);
            break;
        }
        }
        sm_result_free(r);
        atomic_fetch_add(&reads[t], 1);
    }
    return NULL;
}

static void put_random_as(unsigned long *s, const char *id, int deferred);
static void put_random(unsigned long *s, const char *id)
{
    put_random_as(s, id, 0);
}

static void put_random_as(unsigned long *s, const char *id, int deferred)
{
    static const char *const regions[] = { "SI032", "AT221", "HR050", "HU110", "ITH41", "DE212", "CZ010" };
    static const char *const sectors[] = { "25.11", "28.41", "10.51", "46.69", "62.01", "71.12", "C" };
    char offers[128] = "", needs[128] = "";
    for (unsigned j = 0, m = rnd(s, 4); j < m; j++)
        snprintf(offers + strlen(offers), sizeof offers - strlen(offers), "%stag%u", j ? ";" : "", rnd(s, 60));
    for (unsigned j = 0, m = rnd(s, 4); j < m; j++)
        snprintf(needs + strlen(needs), sizeof needs - strlen(needs), "%stag%u", j ? ";" : "", rnd(s, 60));
    const char *region = regions[rnd(s, 7)], *sector = sectors[rnd(s, 7)];
    uint32_t coop = rnd(s, 256);
    sm_size size = (sm_size)rnd(s, 5);
    sm_status st;
    if (deferred) {
        const char **off = NULL, **nd = NULL;
        sm_sme_desc d = SM_SME_DESC_INIT;
        d.id = id;
        d.region = region;
        d.sectors = &sector;
        d.n_sectors = 1;
        d.n_offers = tu_split(offers, &off);
        d.offers = off;
        d.n_needs = tu_split(needs, &nd);
        d.needs = nd;
        d.cooperation = coop;
        d.size = size;
        st = sm_sme_put_deferred(eng, &d);
    } else {
        st = tu_put(eng, id, region, sector, offers, needs, coop, "", size);
    }
    CHECK(st == SM_OK, "put %s: %s", id, sm_error_last()->message);
}

/* Region SI032 is given German, or its own languages back, now and then:
 * the scoring cache follows, or (every other time, as when it could not)
 * the writer rebuilds it at the end of the call while the readers wait for
 * that build. */
static int si032_german; /* the writer's thread only */

static void set_si032(sm_engine *e, int german)
{
    const sm_region_info *ri = NULL;
    CHECK(sm_region_get(&ri, e, "SI032") == SM_OK, "region_get");
    if (!ri)
        return;
    static const char *const de[] = { "de" };
    sm_region_desc d = SM_REGION_DESC_INIT;
    d.code = "SI032";
    d.name = ri->name;
    d.lat = ri->lat;
    d.lon = ri->lon;
    d.development = ri->development;
    d.languages = de;
    d.n_languages = 1;
    if (!german) { /* the built-in languages: those of a fresh engine */
        sm_engine *f = tu_engine(SM_TAXONOMY_ALL);
        const sm_region_info *fi = NULL;
        CHECK(sm_region_get(&fi, f, "SI032") == SM_OK, "region_get");
        const char *langs[8];
        size_t n = fi && fi->n_languages < 8 ? fi->n_languages : 0;
        for (size_t i = 0; i < n; i++)
            langs[i] = fi->languages[i];
        d.languages = n ? langs : NULL;
        d.n_languages = n;
        CHECK(sm_region_put(e, &d) == SM_OK, "region_put: %s", sm_error_last()->message);
        sm_engine_free(f);
        return;
    }
    CHECK(sm_region_put(e, &d) == SM_OK, "region_put: %s", sm_error_last()->message);
}

/* The live engine's top 10 of some SMEs equal a rebuilt engine's. Only this
 * thread writes, so the engine does not change while it compares. */
static void checkpoint(unsigned long *s)
{
    sm_engine *f = tu_engine(SM_TAXONOMY_ALL);
    if (si032_german)
        set_si032(f, 1);
    for (size_t i = 0, n = sm_sme_count(eng); i < n; i++) {
        sm_sme_desc *d = NULL;
        CHECK(sm_sme_at(&d, eng, i) == SM_OK, "sme_at");
        CHECK(d && sm_sme_put(f, d) == SM_OK, "rebuild put");
        sm_sme_desc_free(d);
    }
    for (size_t h = 0; h < n_hist; h++)
        history_add(f, hist_a[h], hist_b[h]);
    char a[32];
    for (int q = 0; q < 5; q++) {
        base_id(a, sizeof a, rnd(s, BASE_N));
        sm_query_options o = SM_QUERY_OPTIONS_INIT;
        o.k = 10;
        sm_result *x = NULL, *y = NULL;
        CHECK(sm_query_top(&x, eng, a, &o) == SM_OK && sm_query_top(&y, f, a, &o) == SM_OK, "checkpoint query");
        if (x && y) {
            CHECK(sm_result_count(x) == sm_result_count(y), "checkpoint %s: %zu vs %zu results", a,
                  sm_result_count(x), sm_result_count(y));
            for (size_t i = 0; i < sm_result_count(x) && i < sm_result_count(y); i++) {
                CHECK(!strcmp(sm_result_id(x, i), sm_result_id(y, i)), "checkpoint %s: #%zu %s vs %s", a, i,
                      sm_result_id(x, i), sm_result_id(y, i));
                CHECK(fabs(sm_result_score(x, i) - sm_result_score(y, i)) <= 1e-12, "checkpoint %s: score", a);
            }
        }
        sm_result_free(x);
        sm_result_free(y);
    }
    sm_engine_free(f);
}

typedef struct writer_stats {
    long puts, removes, bulks, regions, checkpoints, deferred, cooperations;
} writer_stats;

static void *writer(void *arg)
{
    writer_stats *w = arg;
    unsigned long s = 99;
    unsigned serial = 0;
    char id[32];
    double next_check = now_s() + 0.5;
    while (!atomic_load(&stop)) {
        unsigned what = rnd(&s, 20);
        if (rnd(&s, 5) == 0 && n_hist < HIST_MAX) {
            /* a cooperation: the scoring cache's activity bytes follow */
            unsigned a = rnd(&s, BASE_N), b = (a + 1 + rnd(&s, BASE_N - 1)) % BASE_N;
            history_add(eng, a, b);
            hist_a[n_hist] = a;
            hist_b[n_hist++] = b;
            w->cooperations++;
        } else if (rnd(&s, 3) == 0 && what < 19) {
            /* deferred: a new one, a replacement or a removal, published by
             * the engine's thread beside this one and the queries */
            if (what < 8) {
                snprintf(id, sizeof id, "W-%05u", serial++);
                put_random_as(&s, id, 1);
            } else if (what < 14) {
                base_id(id, sizeof id, rnd(&s, BASE_N));
                put_random_as(&s, id, 1);
            } else if (serial) {
                snprintf(id, sizeof id, "W-%05u", rnd(&s, serial));
                sm_status st = sm_sme_remove_deferred(eng, id);
                CHECK(st == SM_OK || st == SM_ERR_NOT_FOUND, "remove_deferred %s: %s", id, sm_error_last()->message);
            }
            w->deferred++;
        } else if (what < 8) {
            snprintf(id, sizeof id, "W-%05u", serial++);
            put_random(&s, id);
            w->puts++;
        } else if (what < 14) {
            base_id(id, sizeof id, rnd(&s, BASE_N));
            put_random(&s, id); /* replace: readers' ids stay */
            w->puts++;
        } else if (what < 19) {
            if (serial) {
                snprintf(id, sizeof id, "W-%05u", rnd(&s, serial));
                sm_status st = sm_sme_remove(eng, id);
                CHECK(st == SM_OK || st == SM_ERR_NOT_FOUND, "remove %s: %s", id, sm_error_last()->message);
                w->removes++;
            }
        } else if (rnd(&s, 3) == 0) {
            si032_german = !si032_german;
            sm__regions_unfollowed = (int)(w->regions & 1); /* read by this thread only */
            set_si032(eng, si032_german);
            sm__regions_unfollowed = 0;
            w->regions++;
        } else {
            sm_bulk *b = NULL;
            CHECK(sm_bulk_new(&b, eng) == SM_OK, "bulk_new");
            for (int i = 0; b && i < 50; i++) {
                sm_sme_desc *d = NULL;
                base_id(id, sizeof id, rnd(&s, BASE_N));
                CHECK(sm_sme_get(&d, eng, id) == SM_OK, "get %s", id);
                snprintf(id, sizeof id, "W-%05u", serial++);
                const char *own = d->id;
                d->id = id;
                CHECK(sm_bulk_put(b, d) == SM_OK, "bulk_put: %s", sm_error_last()->message);
                d->id = own;
                sm_sme_desc_free(d);
            }
            CHECK(b && sm_bulk_commit(b) == SM_OK, "bulk_commit: %s", sm_error_last()->message);
            sm_bulk_free(b);
            w->bulks++;
        }
        if (now_s() >= next_check) {
            /* the queue published: then only this thread changes the engine */
            CHECK(sm_engine_flush(eng) == SM_OK, "flush: %s", sm_error_last()->message);
            checkpoint(&s);
            w->checkpoints++;
            next_check = now_s() + 0.5;
        }
    }
    return NULL;
}

int main(void)
{
    const char *env = getenv("SM_STRESS_SECONDS");
    double seconds = env && *env ? atof(env) : 3;
    if (!(seconds > 0) || seconds > 20)
        seconds = 3;
    sm__delta_limit_override = 40;
    sm__bulk_chunk = 7;
    eng = tu_random_engine(BASE_N);
    sm_defer_options dopts = SM_DEFER_OPTIONS_INIT;
    dopts.max_delay_ms = 0.5;
    dopts.max_queued = 8; /* small: the writer meets back-pressure too */
    CHECK(sm_engine_defer_configure(eng, &dopts) == SM_OK, "defer_configure");
    pthread_t r[READERS], w;
    writer_stats ws = { 0 };
    for (size_t t = 0; t < READERS; t++)
        pthread_create(&r[t], NULL, reader, (void *)t);
    pthread_create(&w, NULL, writer, &ws);
    double end = now_s() + seconds;
    while (now_s() < end && !atomic_load(&failed)) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    atomic_store(&stop, 1);
    for (size_t t = 0; t < READERS; t++)
        pthread_join(r[t], NULL);
    pthread_join(w, NULL);
    /* the last word: the final state against a rebuilt engine */
    CHECK(sm_engine_flush(eng) == SM_OK, "flush: %s", sm_error_last()->message);
    unsigned long s = 7;
    atomic_store(&stop, 0);
    checkpoint(&s);
    long min_reads = -1;
    for (size_t t = 0; t < READERS; t++)
        if (min_reads < 0 || atomic_load(&reads[t]) < min_reads)
            min_reads = atomic_load(&reads[t]);
    printf("stress_live: %.1f s, %zu SMEs at the end; writer: %ld puts, %ld removes, %ld bulk loads, %ld region "
           "changes, %ld deferred changes, %ld cooperations, %ld checkpoints; fewest calls of a query thread: %ld\n",
           seconds, sm_sme_count(eng), ws.puts, ws.removes, ws.bulks, ws.regions, ws.deferred, ws.cooperations,
           ws.checkpoints, min_reads);
    CHECK(ws.puts + ws.removes + ws.bulks >= 10, "the writer made no progress");
    CHECK(min_reads >= 1, "a query thread made no progress");
    CHECK(ws.checkpoints >= 1 || seconds < 1, "no checkpoint");
    sm_engine_free(eng);
    return atomic_load(&failed) ? 1 : 0;
}
