/* Benchmark of the network criteria: N synthetic SMEs, E history edges
 * (pairs, most between SMEs close in index, as clusters are), then the
 * latency of top-10 queries with the "network" preset, "balanced" (which gains
 * the network criteria with a history) and the seven built-in criteria alone,
 * and the cost of adding one cooperation. Prints one line per measure;
 * asserts nothing about time.
 *
 * usage: bench_history [N] [E] [QUERIES] */
#define _POSIX_C_SOURCE 200809L
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of this thread: latency without the waits of a shared machine */
static double cpu_s(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

static void check(sm_status st, const char *what)
{
    if (st != SM_OK) {
        fprintf(stderr, "bench_history: %s: %s\n", what, sm_error_last()->message);
        exit(1);
    }
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *const regions[] = { "SI032", "SI041", "AT130", "AT221", "HR050", "ITC11", "ITH35", "HU110",
                                       "DE212", "DE300", "CZ010", "SK010", "PL213", "RO321", "BG411", "EL303" };
static const char *const sectors[] = { "25.11", "25.62", "28.41", "62.01", "10.51", "46.90", "49.41", "71.12",
                                       "72.19", "16.23", "22.29", "26.51", "33.12", "43.21", "55.10", "70.22" };

static void id_of(char *out, size_t i)
{
    snprintf(out, 24, "S%08zu", i % 100000000u);
}

static void timed_queries(const sm_engine *e, size_t n, size_t q, const char *preset, const char *text)
{
    sm_weighting *w = NULL;
    check(sm_weighting_parse(&w, text), "weighting");
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    double *t = malloc(q * sizeof *t), *c = malloc(q * sizeof *c);
    char id[24];
    /* one warm-up query builds the scoring cache */
    id_of(id, 0);
    sm_result *r = NULL;
    check(sm_query_top(&r, e, id, &o), "query");
    sm_result_free(r);
    for (size_t i = 0; i < q; i++) {
        id_of(id, (size_t)(rnd() % n));
        double t0 = now_s(), c0 = cpu_s();
        check(sm_query_top(&r, e, id, &o), "query");
        t[i] = now_s() - t0;
        c[i] = cpu_s() - c0;
        sm_result_free(r);
    }
    qsort(t, q, sizeof *t, cmp_double);
    qsort(c, q, sizeof *c, cmp_double);
    printf("query %-9s N=%zu: wall p50 %.3f ms p99 %.3f ms; cpu p50 %.3f ms p99 %.3f ms (%zu queries, top 10)\n",
           preset, n, t[q / 2] * 1e3, t[(size_t)(q * 0.99)] * 1e3, c[q / 2] * 1e3, c[(size_t)(q * 0.99)] * 1e3, q);
    free(t);
    free(c);
    sm_weighting_free(w);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    size_t edges = argc > 2 ? strtoull(argv[2], NULL, 10) : 10 * n;
    size_t q = argc > 3 ? strtoull(argv[3], NULL, 10) : 200;
    sm_engine *e = NULL;
    check(sm_engine_new(&e, NULL), "engine");
    double t0 = now_s(), p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    sm_bulk *b = NULL;
    check(sm_bulk_new(&b, e), "bulk");
    char id[24], tag_o[3][24], tag_n[2][24];
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc d;
        sm_sme_desc_init(&d, SM_SME_DESC_VERSION);
        id_of(id, i);
        const char *sec[1] = { sectors[rnd() % 16] };
        const char *off[3], *need[2];
        for (int j = 0; j < 3; j++) {
            snprintf(tag_o[j], sizeof tag_o[j], "tag %u", (unsigned)(rnd() % 2000));
            off[j] = tag_o[j];
        }
        for (int j = 0; j < 2; j++) {
            snprintf(tag_n[j], sizeof tag_n[j], "tag %u", (unsigned)(rnd() % 2000));
            need[j] = tag_n[j];
        }
        d.id = id;
        d.region = regions[i * 16 / n];
        d.sectors = sec;
        d.n_sectors = 1;
        d.offers = off;
        d.n_offers = 3;
        d.needs = need;
        d.n_needs = 2;
        d.size = (sm_size)(1 + rnd() % 4);
        check(sm_bulk_put(b, &d), "bulk put");
    }
    check(sm_bulk_commit(b), "bulk commit");
    sm_bulk_free(b);
    double t1 = now_s(), p1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    printf("load     N=%zu SMEs: %.2f s (cpu %.2f s)\n", n, t1 - t0, p1 - p0);
    char a[24], c[24];
    for (size_t i = 0; i < edges; i++) {
        size_t x = (size_t)(rnd() % n);
        size_t y = (x + 1 + (size_t)(rnd() % 200)) % n; /* a neighbourhood of 200 */
        if (rnd() % 10 == 0)
            y = (size_t)(rnd() % n);
        if (y == x)
            continue;
        id_of(a, x);
        id_of(c, y);
        const char *ids[2] = { a, c };
        char date[16];
        snprintf(date, sizeof date, "%04u-%02u-01", 2010 + (unsigned)(rnd() % 15), 1 + (unsigned)(rnd() % 12));
        check(sm_history_add(e, ids, 2, date, "deal"), "history add");
    }
    double t2 = now_s(), p2 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    sm_history_info info;
    check(sm_history_info_get(&info, e), "info");
    printf("history  E=%zu edges (%zu links): %.2f s (cpu %.2f s), cpu %.2f us per cooperation added\n", edges,
           info.links, t2 - t1, p2 - p1, (p2 - p1) * 1e6 / (double)(edges ? edges : 1));
    /* balanced gains the network criteria with a history; built-in is
     * balanced's seven weights spelled out (no network criteria) */
    timed_queries(e, n, q, "built-in", "complementarity=3,sector_affinity=2,region_reach=1,cohesion=1,size_fit=0.5,"
                                       "cooperation_fit=1,language=1");
    timed_queries(e, n, q, "balanced", "balanced");
    timed_queries(e, n, q, "network", "network");
    sm_engine_free(e);
    return 0;
}
