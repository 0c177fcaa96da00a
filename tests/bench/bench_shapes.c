/* The shape x weighting benchmark (scripts/bench_shapes): one data set of
 * one workload shape (scripts/gen_sample.py's shape options), its load time
 * and resident bytes per SME (after the load and after the first query, which
 * builds the scoring cache), then single-query top-k latency (p50, p99,
 * wall and thread CPU) for each weighting given: a preset name, "geometric"
 * or "min" (balanced with that combiner), "custom" (balanced with one custom
 * criterion, founding-year proximity, weight 1). Public API only; one JSON
 * object on stdout. */
#define _GNU_SOURCE
#define SM_EXPERIMENTAL_API
#include "smartmatch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
/* Under valgrind --tool=callgrind, one dump per weighting (instruction
 * counts of its queries alone); without valgrind the requests do nothing. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS_AT
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(name) ((void)(name))
#endif

static void check_sm(sm_status st, const char *what)
{
    if (st) {
        fprintf(stderr, "sm_bench_shapes: %s: %s: %s\n", what, sm_status_str(st), sm_error_last()->message);
        exit(1);
    }
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    long long kb = 0;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atoll(line + 6);
    if (f)
        fclose(f);
    return kb * 1024;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double q)
{
    size_t r = (size_t)ceil(q / 100.0 * (double)n);
    return v[(r < 1 ? 1 : r) - 1];
}

/* A custom criterion a portal might add: founding years close together. */
static double founded_near(const sm_pair *p, void *ud)
{
    (void)ud;
    if (!p->a.founded || !p->b.founded)
        return 0.5;
    double d = fabs((double)(p->a.founded - p->b.founded));
    return d >= 40 ? 0 : 1 - d / 40;
}

static sm_weighting *weighting(const char *name)
{
    sm_weighting *w = NULL;
    if (!strcmp(name, "geometric") || !strcmp(name, "min")) {
        char text[64];
        snprintf(text, sizeof text, "balanced,combiner=%s", name);
        check_sm(sm_weighting_parse(&w, text), name);
    } else if (!strcmp(name, "custom")) {
        check_sm(sm_weighting_preset(&w, "balanced"), name);
        check_sm(sm_weighting_add_criterion(w, "founded_near", founded_near, NULL, NULL, 1.0), name);
    } else
        check_sm(sm_weighting_preset(&w, name), name);
    return w;
}

int main(int argc, char **argv)
{
    const char *smes = NULL, *dev = NULL, *list = "balanced";
    size_t nq = 200, k = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--smes"))
            smes = argv[i + 1];
        else if (!strcmp(argv[i], "--development"))
            dev = argv[i + 1];
        else if (!strcmp(argv[i], "--weightings"))
            list = argv[i + 1];
        else if (!strcmp(argv[i], "--queries"))
            nq = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--k"))
            k = (size_t)atol(argv[i + 1]);
    }
    if (!smes || !nq) {
        fputs("usage: sm_bench_shapes --smes F.csv [--development F.csv] [--weightings balanced,geometric,min,custom]"
              " [--queries 200] [--k 10]\n",
              stderr);
        return 2;
    }
    sm_engine *e;
    check_sm(sm_engine_new(&e, NULL), "sm_engine_new");
    if (dev)
        check_sm(sm_load_file(e, dev, NULL, NULL), dev);
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    long long rss0 = rss_bytes();
    double t0 = clock_s(CLOCK_MONOTONIC);
    check_sm(sm_load_file(e, smes, NULL, NULL), smes);
    double load_s = clock_s(CLOCK_MONOTONIC) - t0;
    size_t n = sm_sme_count(e);
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    long long rss_load = rss_bytes() - rss0;
    char **ids = malloc(nq * sizeof *ids);
    double *lat = malloc(nq * sizeof *lat), *cpu = malloc(nq * sizeof *cpu);
    if (!ids || !lat || !cpu)
        return 1;
    for (size_t i = 0; i < nq; i++) {
        sm_sme_desc *d;
        check_sm(sm_sme_at(&d, e, (size_t)((double)i * (double)n / (double)nq) % n), "sm_sme_at");
        ids[i] = strdup(d->id);
        sm_sme_desc_free(d);
    }
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = k;
    sm_result *r;
    check_sm(sm_query_top(&r, e, ids[0], &q), "sm_query_top"); /* builds the scoring cache */
    sm_result_free(r);
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    long long rss = rss_bytes() - rss0;
    printf("{\"n\": %zu, \"k\": %zu, \"load_s\": %.3f, \"bytes_per_sme_load\": %.1f, \"bytes_per_sme\": %.1f, "
           "\"weightings\": {",
           n, k, load_s, (double)rss_load / (double)n, (double)rss / (double)n);
    char *names = strdup(list);
    int first = 1;
    for (char *save = NULL, *name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        sm_weighting *w = weighting(name);
        q.weighting = w;
        CALLGRIND_ZERO_STATS;
        for (size_t i = 0; i < nq; i++) {
            double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
            check_sm(sm_query_top(&r, e, ids[i], &q), "sm_query_top");
            lat[i] = (clock_s(CLOCK_MONOTONIC) - w0) * 1e3;
            cpu[i] = (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e3;
            sm_result_free(r);
        }
        CALLGRIND_DUMP_STATS_AT(name);
        double mean = 0;
        for (size_t i = 0; i < nq; i++)
            mean += cpu[i] / (double)nq;
        qsort(lat, nq, sizeof *lat, cmp_double);
        qsort(cpu, nq, sizeof *cpu, cmp_double);
        printf("%s\"%s\": {\"p50_ms\": %.4f, \"p99_ms\": %.4f, \"cpu_p50_ms\": %.4f, \"cpu_p99_ms\": %.4f, "
               "\"cpu_mean_ms\": %.4f}",
               first ? "" : ", ", name, pct(lat, nq, 50), pct(lat, nq, 99), pct(cpu, nq, 50), pct(cpu, nq, 99), mean);
        first = 0;
        sm_weighting_free(w);
    }
    double la = NAN;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &la) != 1)
            la = NAN;
        fclose(f);
    }
    printf("}, \"load_average\": %.2f}\n", la);
    free(names);
    for (size_t i = 0; i < nq; i++)
        free(ids[i]);
    free(ids);
    free(lat);
    free(cpu);
    sm_engine_free(e);
    return 0;
}
