/* The "live" benchmark: queries beside updates on one engine. Loads the
 * SMEs, then measures the query right after a single put or remove, 1,000
 * puts a second beside back-to-back queries, a writer beside 8 query
 * threads (both also with deferred changes: the call, the queries and the
 * time from the call until a query sees the change), a bulk load beside
 * queries with the peak memory during it, and
 * the query after changes that are not SMEs (affinity, a region's languages).
 * Prints a human summary and, with --out, a JSON object. Public API only. */
#define _GNU_SOURCE 1
#define SM_EXPERIMENTAL_API 1
#include <smartmatch.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sm_bench_live: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void check(sm_status st, const char *what)
{
    if (st)
        die("%s: %s", what, sm_error_last()->message);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    double d = t - now_s();
    if (d <= 0)
        return;
    struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
    nanosleep(&ts, NULL);
}

/* A field of /proc/self/status in bytes ("VmRSS", "VmHWM"); 0 if unknown. */
static long long proc_status_bytes(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    size_t n = strlen(field);
    long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') {
            kb = atoll(line + n + 1);
            break;
        }
    fclose(f);
    return kb * 1024;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0); 0 on success. */
static int reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Growing list of latencies (seconds). */
typedef struct lat {
    double *v;
    size_t n, cap;
} lat;

static void lat_add(lat *l, double x)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        if (!(l->v = realloc(l->v, l->cap * sizeof *l->v)))
            die("out of memory");
    }
    l->v[l->n++] = x;
}

/* Nearest-rank percentile in ms (sorts). */
static double pct_ms(lat *l, double q)
{
    if (!l->n)
        return NAN;
    qsort(l->v, l->n, sizeof *l->v, cmp_double);
    size_t r = (size_t)ceil(q / 100.0 * (double)l->n);
    return 1e3 * l->v[(r < 1 ? 1 : r) - 1];
}

/* ---- the engine and its ids ---------------------------------------------- */

static sm_engine *eng;
static char **ids;
static size_t n_ids;
static sm_query_options qopts = SM_QUERY_OPTIONS_INIT;

static unsigned long long rng_next(unsigned long long *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static double one_query(unsigned long long *s)
{
    sm_result *r = NULL;
    const char *id = ids[rng_next(s) % n_ids];
    double t0 = now_s();
    sm_status st = sm_query_top(&r, eng, id, &qopts);
    double dt = now_s() - t0;
    if (st != SM_OK && st != SM_ERR_NOT_FOUND) /* the writer may have removed it */
        check(st, "sm_query_top");
    sm_result_free(r);
    return dt;
}

/* A change: replace a random SME with its own record (the engine counts it
 * as a change all the same), or put a new one, or remove that new one. */
static double one_change(unsigned long long *s, unsigned *serial)
{
    sm_sme_desc *d = NULL;
    check(sm_sme_get(&d, eng, ids[rng_next(s) % n_ids]), "sm_sme_get");
    unsigned what = (unsigned)(rng_next(s) % 3);
    char id[64];
    double t0 = 0, dt = 0;
    if (what == 0) {
        t0 = now_s();
        check(sm_sme_put(eng, d), "sm_sme_put");
        dt = now_s() - t0;
    } else {
        snprintf(id, sizeof id, "LIVE-%u", what == 1 ? ++*serial : *serial);
        const char *own = d->id;
        d->id = id;
        t0 = now_s();
        if (what == 1)
            check(sm_sme_put(eng, d), "sm_sme_put");
        else if (sm_sme_contains(eng, id))
            check(sm_sme_remove(eng, id), "sm_sme_remove");
        dt = now_s() - t0;
        d->id = own;
    }
    sm_sme_desc_free(d);
    return dt;
}

/* ---- threads ------------------------------------------------------------- */

typedef struct job {
    atomic_int *stop;
    lat l;
    unsigned long long seed;
    size_t count;
} job;

static void *query_loop(void *arg)
{
    job *j = arg;
    while (!atomic_load(j->stop)) {
        lat_add(&j->l, one_query(&j->seed));
        j->count++;
    }
    return NULL;
}

typedef struct writer_job {
    atomic_int *stop;
    double rate; /* changes a second; 0 = as fast as it can */
    lat l;
    unsigned long long seed;
    unsigned serial;
    size_t count;
} writer_job;

static void *writer_loop(void *arg)
{
    writer_job *w = arg;
    double next = now_s();
    while (!atomic_load(w->stop)) {
        if (w->rate > 0) {
            next += 1.0 / w->rate;
            sleep_until(next);
        }
        lat_add(&w->l, one_change(&w->seed, &w->serial));
        w->count++;
    }
    return NULL;
}

/* ---- deferred changes ------------------------------------------------------
 * The records are fetched before the run (a get takes the read lock, which
 * waits behind the publisher's step as a query does), so the writer only
 * calls the deferred functions. A watcher thread follows the new SMEs put:
 * it polls sm_sme_contains() for the oldest one not yet seen (a query
 * started then would see it) and records the time since its call. */

#define POOL 2048
static sm_sme_desc *pool_desc[POOL];

typedef struct seen {
    pthread_mutex_t mu;
    char (*id)[64];
    double *t;
    size_t head, tail, cap; /* ring of new ids put, oldest at head */
    lat vis;
    atomic_int *stop;
} seen;

static void seen_push(seen *v, const char *id, double t)
{
    pthread_mutex_lock(&v->mu);
    if (v->tail - v->head < v->cap) { /* else the sample is skipped */
        snprintf(v->id[v->tail % v->cap], 64, "%s", id);
        v->t[v->tail % v->cap] = t;
        v->tail++;
    }
    pthread_mutex_unlock(&v->mu);
}

static void *watch_loop(void *arg)
{
    seen *v = arg;
    char id[64];
    for (;;) {
        pthread_mutex_lock(&v->mu);
        int have = v->head < v->tail;
        double t = 0;
        if (have) {
            memcpy(id, v->id[v->head % v->cap], sizeof id);
            t = v->t[v->head % v->cap];
        }
        pthread_mutex_unlock(&v->mu);
        if (!have) {
            if (atomic_load(v->stop))
                return NULL;
            struct timespec ts = { 0, 50 * 1000 };
            nanosleep(&ts, NULL);
            continue;
        }
        if (sm_sme_contains(eng, id)) {
            lat_add(&v->vis, now_s() - t);
            pthread_mutex_lock(&v->mu);
            v->head++;
            pthread_mutex_unlock(&v->mu);
        } else {
            struct timespec ts = { 0, 20 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
}

/* A deferred change as one_change makes them: a replacement, a new SME (its
 * id to the watcher; every `sample`-th one), or the removal of the last new one. */
static double one_change_deferred(unsigned long long *s, unsigned *serial, seen *v, unsigned sample)
{
    sm_sme_desc *d = pool_desc[rng_next(s) % POOL];
    unsigned what = (unsigned)(rng_next(s) % 3);
    char id[64];
    const char *own = d->id;
    double t0 = now_s(), dt;
    sm_status st;
    if (what == 0) {
        st = sm_sme_put_deferred(eng, d);
    } else {
        if (what == 1)
            ++*serial;
        /* a sampled one is never removed (its removal finds nothing), so
         * that the watcher sees it */
        snprintf(id, sizeof id, "LIVE-%s-%u", what == 1 && *serial % sample == 0 ? "V" : "D", *serial);
        d->id = id;
        t0 = now_s();
        if (what == 1)
            st = sm_sme_put_deferred(eng, d);
        else if ((st = sm_sme_remove_deferred(eng, id)) == SM_ERR_NOT_FOUND)
            st = SM_OK; /* removed already */
    }
    dt = now_s() - t0;
    d->id = own;
    check(st, "deferred change");
    if (what == 1 && *serial % sample == 0)
        seen_push(v, id, t0);
    return dt;
}

typedef struct dwriter_job {
    atomic_int *stop;
    double rate;
    lat l;
    unsigned long long seed;
    unsigned serial, sample;
    size_t count;
    seen *v;
} dwriter_job;

static void *dwriter_loop(void *arg)
{
    dwriter_job *w = arg;
    double next = now_s();
    while (!atomic_load(w->stop)) {
        if (w->rate > 0) {
            next += 1.0 / w->rate;
            sleep_until(next);
        }
        lat_add(&w->l, one_change_deferred(&w->seed, &w->serial, w->v, w->sample));
        w->count++;
    }
    return NULL;
}

static void seen_init(seen *v, atomic_int *stop)
{
    memset(v, 0, sizeof *v);
    pthread_mutex_init(&v->mu, NULL);
    v->cap = 1 << 16;
    v->id = malloc(v->cap * sizeof *v->id);
    v->t = malloc(v->cap * sizeof *v->t);
    if (!v->id || !v->t)
        die("out of memory");
    v->stop = stop;
}

static void seen_free(seen *v)
{
    free(v->id);
    free(v->t);
    free(v->vis.v);
    pthread_mutex_destroy(&v->mu);
}

typedef struct sampler {
    atomic_int *stop;
    long long peak;
} sampler;

static void *rss_loop(void *arg)
{
    sampler *s = arg;
    while (!atomic_load(s->stop)) {
        long long r = proc_status_bytes("VmRSS");
        if (r > s->peak)
            s->peak = r;
        struct timespec ts = { 0, 2 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static double last_commit_s; /* of the last bulk_load */

/* Bulk-loads n copies of existing SMEs under new ids "<prefix>-<i>". */
static double bulk_load(const char *prefix, size_t n)
{
    sm_bulk *b = NULL;
    check(sm_bulk_new(&b, eng), "sm_bulk_new");
    double t0 = now_s();
    char id[64];
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc *d = NULL;
        check(sm_sme_get(&d, eng, ids[(i * 7919) % n_ids]), "sm_sme_get");
        snprintf(id, sizeof id, "%s-%zu", prefix, i);
        const char *own = d->id;
        d->id = id;
        check(sm_bulk_put(b, d), "sm_bulk_put");
        d->id = own;
        sm_sme_desc_free(d);
    }
    double c0 = now_s();
    check(sm_bulk_commit(b), "sm_bulk_commit");
    double dt = now_s() - t0;
    last_commit_s = now_s() - c0;
    sm_bulk_free(b);
    return dt;
}

int main(int argc, char **argv)
{
    const char *smes = NULL, *dev = NULL, *out = NULL;
    double seconds = 5;
    size_t bulk_n = 100000;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--smes") && v)
            smes = argv[++i];
        else if (!strcmp(argv[i], "--development") && v)
            dev = argv[++i];
        else if (!strcmp(argv[i], "--out") && v)
            out = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && v)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--bulk") && v)
            bulk_n = (size_t)atoll(argv[++i]);
        else
            die("usage: sm_bench_live --smes FILE.csv [--development FILE.csv] [--seconds 5] [--bulk 100000] "
                "[--out FILE.json]");
    }
    if (!smes)
        die("--smes is required");
    check(sm_engine_new(&eng, NULL), "sm_engine_new");
    if (dev)
        check(sm_load_file(eng, dev, NULL, NULL), dev);
    check(sm_load_file(eng, smes, NULL, NULL), smes);
    n_ids = sm_sme_count(eng);
    if (n_ids < 100)
        die("%s: %zu SMEs; need at least 100", smes, n_ids);
    if (!(ids = malloc(n_ids * sizeof *ids)))
        die("out of memory");
    for (size_t i = 0; i < n_ids; i++) {
        sm_sme_desc *d = NULL;
        check(sm_sme_at(&d, eng, i), "sm_sme_at");
        if (!(ids[i] = strdup(d->id)))
            die("out of memory");
        sm_sme_desc_free(d);
    }
    qopts.k = 10;
    unsigned long long seed = 2026;
    unsigned serial = 0;
    atomic_int stop;

    /* 1. steady queries, then one query right after each single change */
    one_query(&seed); /* builds the caches */
    lat steady = { 0 }, after = { 0 };
    for (int i = 0; i < 300; i++)
        lat_add(&steady, one_query(&seed));
    for (int i = 0; i < 300; i++) {
        one_change(&seed, &serial);
        lat_add(&after, one_query(&seed));
    }
    double steady_p50 = pct_ms(&steady, 50), after_p50 = pct_ms(&after, 50), after_p99 = pct_ms(&after, 99);
    printf("live: N = %zu\n", n_ids);
    printf("  steady query             p50 %.3f ms  p99 %.3f ms\n", steady_p50, pct_ms(&steady, 99));
    printf("  query after one change   p50 %.3f ms (%.2f x steady)  p99 %.3f ms\n", after_p50, after_p50 / steady_p50,
           after_p99);

    /* 2. 1,000 changes a second beside back-to-back queries */
    atomic_store(&stop, 0);
    job q1 = { &stop, { 0 }, 11, 0 };
    writer_job w1 = { &stop, 1000, { 0 }, 12, serial, 0 };
    pthread_t tq, tw;
    double t0 = now_s();
    pthread_create(&tq, NULL, query_loop, &q1);
    pthread_create(&tw, NULL, writer_loop, &w1);
    sleep_until(t0 + seconds);
    atomic_store(&stop, 1);
    pthread_join(tq, NULL);
    pthread_join(tw, NULL);
    double el = now_s() - t0;
    serial = w1.serial;
    double r_qp99 = pct_ms(&q1.l, 99), r_qp50 = pct_ms(&q1.l, 50), r_wp99 = pct_ms(&w1.l, 99);
    printf("  1,000 puts/s beside queries: %.0f changes/s done, put p99 %.3f ms; %zu queries, p50 %.3f ms  p99 %.3f ms\n",
           (double)w1.count / el, r_wp99, q1.count, r_qp50, r_qp99);

    /* 3. a writer as fast as it can beside 8 query threads */
    atomic_store(&stop, 0);
    job q8[8];
    pthread_t t8[8];
    writer_job w8 = { &stop, 0, { 0 }, 13, serial, 0 };
    t0 = now_s();
    for (int i = 0; i < 8; i++) {
        q8[i] = (job){ &stop, { 0 }, 100 + (unsigned long long)i, 0 };
        pthread_create(&t8[i], NULL, query_loop, &q8[i]);
    }
    pthread_create(&tw, NULL, writer_loop, &w8);
    sleep_until(t0 + seconds);
    atomic_store(&stop, 1);
    for (int i = 0; i < 8; i++)
        pthread_join(t8[i], NULL);
    pthread_join(tw, NULL);
    el = now_s() - t0;
    serial = w8.serial;
    lat all8 = { 0 };
    size_t n8 = 0;
    for (int i = 0; i < 8; i++) {
        for (size_t j = 0; j < q8[i].l.n; j++)
            lat_add(&all8, q8[i].l.v[j]);
        n8 += q8[i].count;
        free(q8[i].l.v);
    }
    double puts8 = (double)w8.count / el, q8p99 = pct_ms(&all8, 99);
    printf("  writer beside 8 query threads: %.0f changes/s (put p99 %.3f ms); %.0f queries/s, p99 %.3f ms\n", puts8,
           pct_ms(&w8.l, 99), (double)n8 / el, q8p99);

    /* 2d, 3d: the same with deferred changes (published by the engine's
     * thread within the default 1 ms, each batch in one exclusive step) */
    for (size_t i = 0; i < POOL; i++)
        check(sm_sme_at(&pool_desc[i], eng, (i * 7919) % n_ids), "sm_sme_at");
    atomic_store(&stop, 0);
    seen v2;
    seen_init(&v2, &stop);
    job qd = { &stop, { 0 }, 15, 0 };
    dwriter_job wd = { &stop, 1000, { 0 }, 16, 0, 1, 0, &v2 };
    pthread_t tv;
    t0 = now_s();
    pthread_create(&tq, NULL, query_loop, &qd);
    pthread_create(&tw, NULL, dwriter_loop, &wd);
    pthread_create(&tv, NULL, watch_loop, &v2);
    sleep_until(t0 + seconds);
    atomic_store(&stop, 1);
    pthread_join(tw, NULL);
    check(sm_engine_flush(eng), "sm_engine_flush");
    pthread_join(tq, NULL);
    pthread_join(tv, NULL);
    el = now_s() - t0;
    double d_qp50 = pct_ms(&qd.l, 50), d_qp99 = pct_ms(&qd.l, 99), d_wp99 = pct_ms(&wd.l, 99),
           d_wp50 = pct_ms(&wd.l, 50), d_vp50 = pct_ms(&v2.vis, 50), d_vp99 = pct_ms(&v2.vis, 99);
    printf("  1,000 deferred puts/s beside queries: %.0f changes/s, call p50 %.3f ms p99 %.3f ms; %zu queries, p50 "
           "%.3f ms p99 %.3f ms; call to visible p50 %.3f ms p99 %.3f ms (%zu samples)\n",
           (double)wd.count / el, d_wp50, d_wp99, qd.count, d_qp50, d_qp99, d_vp50, d_vp99, v2.vis.n);

    atomic_store(&stop, 0);
    seen v8;
    seen_init(&v8, &stop);
    dwriter_job wd8 = { &stop, 0, { 0 }, 17, wd.serial, 16, 0, &v8 };
    t0 = now_s();
    for (int i = 0; i < 8; i++) {
        q8[i] = (job){ &stop, { 0 }, 200 + (unsigned long long)i, 0 };
        pthread_create(&t8[i], NULL, query_loop, &q8[i]);
    }
    pthread_create(&tw, NULL, dwriter_loop, &wd8);
    pthread_create(&tv, NULL, watch_loop, &v8);
    sleep_until(t0 + seconds);
    atomic_store(&stop, 1);
    pthread_join(tw, NULL);
    check(sm_engine_flush(eng), "sm_engine_flush"); /* counted: the rate is of changes published */
    double el_w = now_s() - t0;
    for (int i = 0; i < 8; i++)
        pthread_join(t8[i], NULL);
    pthread_join(tv, NULL);
    el = now_s() - t0;
    lat alld = { 0 };
    size_t nd8 = 0;
    for (int i = 0; i < 8; i++) {
        for (size_t j = 0; j < q8[i].l.n; j++)
            lat_add(&alld, q8[i].l.v[j]);
        nd8 += q8[i].count;
        free(q8[i].l.v);
    }
    double dputs8 = (double)wd8.count / el_w, dq8p99 = pct_ms(&alld, 99), d8_vp50 = pct_ms(&v8.vis, 50),
           d8_vp99 = pct_ms(&v8.vis, 99);
    printf("  deferred writer beside 8 query threads: %.0f changes/s published (call p99 %.3f ms); %.0f queries/s, "
           "p99 %.3f ms; call to visible p50 %.3f ms p99 %.3f ms (%zu samples)\n",
           dputs8, pct_ms(&wd8.l, 99), (double)nd8 / el, dq8p99, d8_vp50, d8_vp99, v8.vis.n);
    for (size_t i = 0; i < POOL; i++)
        sm_sme_desc_free(pool_desc[i]);

    /* 4. bulk loads: one plain, one beside back-to-back queries */
    one_query(&seed);
    long long rss_steady = proc_status_bytes("VmRSS");
    double plain_s = bulk_load("BULK-A", bulk_n);
    one_query(&seed); /* the cache current again (the commit rebuilt the base), outside the timing below */
    rss_steady = proc_status_bytes("VmRSS") > rss_steady ? proc_status_bytes("VmRSS") : rss_steady;
    int have_peak = reset_peak() == 0;
    atomic_store(&stop, 0);
    job qb = { &stop, { 0 }, 14, 0 };
    sampler sp = { &stop, 0 };
    pthread_t ts;
    pthread_create(&ts, NULL, rss_loop, &sp);
    pthread_create(&tq, NULL, query_loop, &qb);
    double plain_commit_s = last_commit_s;
    double busy_s = bulk_load("BULK-B", bulk_n);
    /* keep querying past the load: the queries right after it come into the timing too */
    sleep_until(now_s() + 0.5);
    atomic_store(&stop, 1);
    pthread_join(tq, NULL);
    pthread_join(ts, NULL);
    long long peak = have_peak ? proc_status_bytes("VmHWM") : sp.peak;
    if (sp.peak > peak)
        peak = sp.peak;
    double longest = pct_ms(&qb.l, 100);
    printf("  bulk load of %zu rows: %.3f s plain, %.3f s beside queries (%.2f x); %zu queries beside it, "
           "p50 %.3f ms, longest %.3f ms\n",
           bulk_n, plain_s, busy_s, busy_s / plain_s, qb.count, pct_ms(&qb.l, 50), longest);
    printf("  (of which sm_bulk_commit: %.3f s plain, %.3f s beside queries; it holds the writer lock in chunks and "
           "rebuilds the base beside the queries)\n",
           plain_commit_s, last_commit_s);
    printf("  memory: steady RSS %.0f MiB, peak during the bulk load %.0f MiB (%.2f x)\n", rss_steady / 1048576.0,
           peak / 1048576.0, (double)peak / (double)rss_steady);

    /* 5. changes that are not SMEs: a hundred affinity changes, then a
     * query; a region given other languages (which the scoring cache cannot
     * follow), then a query */
    one_query(&seed);
    double a0 = now_s();
    for (int i = 0; i < 100; i++) {
        char x[8], y[8];
        snprintf(x, sizeof x, "%02d", 10 + i % 23);
        snprintf(y, sizeof y, "%02d", 10 + (i * 7) % 23);
        check(sm_affinity_set(eng, x, y, (double)(i % 10) / 10.0), "sm_affinity_set");
    }
    double aff_s = now_s() - a0;
    double aff_query = one_query(&seed);
    lat reg_call = { 0 }, reg_query = { 0 };
    {
        sm_sme_desc *d = NULL;
        check(sm_sme_get(&d, eng, ids[0]), "sm_sme_get");
        const sm_region_info *ri = NULL;
        check(sm_region_get(&ri, eng, d->region), "sm_region_get");
        static const char *const other[] = { "de", "it" };
        const char *own[SM_LANGUAGE_MAX];
        size_t n_own = ri->n_languages < SM_LANGUAGE_MAX ? ri->n_languages : 0;
        for (size_t i = 0; i < n_own; i++)
            own[i] = ri->languages[i];
        sm_region_desc rd = SM_REGION_DESC_INIT;
        rd.code = ri->code;
        rd.name = ri->name;
        rd.lat = ri->lat;
        rd.lon = ri->lon;
        rd.development = ri->development;
        for (int i = 0; i < 10; i++) {
            rd.languages = i % 2 ? own : other;
            rd.n_languages = i % 2 ? n_own : 2;
            double c0 = now_s();
            check(sm_region_put(eng, &rd), "sm_region_put");
            lat_add(&reg_call, now_s() - c0);
            lat_add(&reg_query, one_query(&seed));
        }
        sm_sme_desc_free(d);
    }
    printf("  100 sm_affinity_set calls: %.3f ms, then a query %.3f ms; a region's languages changed: the call p50 "
           "%.3f ms, the query after it p50 %.3f ms, longest %.3f ms\n",
           1e3 * aff_s, 1e3 * aff_query, pct_ms(&reg_call, 50), pct_ms(&reg_query, 50), pct_ms(&reg_query, 100));

    if (out) {
        FILE *f = fopen(out, "w");
        if (!f)
            die("%s: cannot write", out);
        fprintf(f,
                "{\"n\": %zu, \"steady_p50_ms\": %.4f, \"after_change_p50_ms\": %.4f, \"after_change_p99_ms\": %.4f,"
                " \"rate_query_p99_ms\": %.4f, \"rate_put_p99_ms\": %.4f, \"rate_changes_per_s\": %.1f,"
                " \"writer_8_changes_per_s\": %.1f, \"writer_8_query_p99_ms\": %.4f,"
                " \"bulk_rows\": %zu, \"bulk_plain_s\": %.4f, \"bulk_beside_queries_s\": %.4f,"
                " \"bulk_longest_query_ms\": %.4f, \"bulk_commit_s\": %.4f, \"rss_steady_bytes\": %lld, \"rss_peak_bulk_bytes\": %lld,"
                " \"affinity_100_ms\": %.4f, \"query_after_affinity_ms\": %.4f, \"region_call_p50_ms\": %.4f,"
                " \"query_after_region_p50_ms\": %.4f,"
                " \"deferred_rate_call_p99_ms\": %.4f, \"deferred_rate_query_p99_ms\": %.4f,"
                " \"deferred_rate_visible_p50_ms\": %.4f, \"deferred_rate_visible_p99_ms\": %.4f,"
                " \"deferred_writer_8_changes_per_s\": %.1f, \"deferred_writer_8_query_p99_ms\": %.4f,"
                " \"deferred_writer_8_visible_p50_ms\": %.4f, \"deferred_writer_8_visible_p99_ms\": %.4f}\n",
                n_ids, steady_p50, after_p50, after_p99, r_qp99, r_wp99, (double)w1.count / seconds, puts8, q8p99,
                bulk_n, plain_s, busy_s, longest, last_commit_s, rss_steady, peak, 1e3 * aff_s, 1e3 * aff_query,
                pct_ms(&reg_call, 50), pct_ms(&reg_query, 50), d_wp99, d_qp99, d_vp50, d_vp99, dputs8, dq8p99,
                d8_vp50, d8_vp99);
        fclose(f);
    }
    free(steady.v);
    free(after.v);
    free(q1.l.v);
    free(w1.l.v);
    free(w8.l.v);
    free(all8.v);
    free(alld.v);
    free(qd.l.v);
    free(wd.l.v);
    free(wd8.l.v);
    seen_free(&v2);
    seen_free(&v8);
    free(qb.l.v);
    free(reg_call.v);
    free(reg_query.v);
    for (size_t i = 0; i < n_ids; i++)
        free(ids[i]);
    free(ids);
    sm_engine_free(eng);
    return 0;
}
