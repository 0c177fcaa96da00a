/* The benchmark of the consortium builder, through the public API: for lead
 * SMEs spread over the Interreg Central Europe countries, the wall time of
 * sm_consortium_build() asking 5 consortia of size 6 under the interreg-ce
 * preset with three required topics. The first build of an engine also
 * makes the scoring caches; it is timed apart. Prints one JSON object.
 * scripts/bench runs it on the data it generates. */
#define _POSIX_C_SOURCE 200809L
#define SM_EXPERIMENTAL_API
#include "smartmatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall time, and the thread's CPU time, which a busy machine does not inflate. */
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_s(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

static void check(sm_status st, const char *what)
{
    if (st) {
        fprintf(stderr, "sm_consortium_bench: %s: %s\n", what, sm_error_last()->message);
        exit(1);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *smes = NULL, *dev = NULL;
    int leads = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--smes") == 0)
            smes = argv[i + 1];
        else if (strcmp(argv[i], "--development") == 0)
            dev = argv[i + 1];
        else if (strcmp(argv[i], "--leads") == 0)
            leads = atoi(argv[i + 1]);
    }
    if (!smes || leads < 1 || leads > 200) {
        fprintf(stderr, "usage: sm_consortium_bench --smes FILE [--development FILE] [--leads N]\n");
        return 2;
    }
    sm_engine *e = NULL;
    check(sm_engine_new(&e, NULL), "engine");
    double t0 = now_s();
    check(sm_load_file(e, smes, NULL, NULL), smes);
    if (dev)
        check(sm_load_file(e, dev, NULL, NULL), dev);
    double load_s = now_s() - t0;
    const char *text = "preset = interreg-ce\ntopics = sensors;pcb design;iot connectivity\nsize = 6..6\n"
                       "min_less_developed = 1 below 75\n";
    sm_call *call = NULL;
    check(sm_call_parse(&call, text, strlen(text), "bench"), "call");
    sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
    o.k = 5;
    /* leads: the first SMEs of each country wholly in the programme area, in turn */
    static const char *const cc[] = { "SI", "AT", "HU", "CZ", "SK", "PL", "HR" }; /* wholly in the area */
    char (*ids)[16] = calloc((size_t)leads, 16);
    int n_ids = 0;
    for (int k = 1; n_ids < leads && k < 1000; k++)
        for (size_t c = 0; c < sizeof cc / sizeof cc[0] && n_ids < leads; c++) {
            char id[16];
            snprintf(id, sizeof id, "%s-%05d", cc[c], k);
            if (sm_sme_contains(e, id))
                memcpy(ids[n_ids++], id, 16);
        }
    double *t = calloc((size_t)n_ids + 1, sizeof *t), *tc = calloc((size_t)n_ids + 1, sizeof *tc);
    double first = 0;
    size_t found = 0, exact = 0;
    for (int i = -1; i < n_ids; i++) {
        o.lead = ids[i < 0 ? 0 : i];
        sm_consortia *r = NULL;
        double s = now_s(), sc = cpu_s();
        check(sm_consortium_build(&r, e, call, &o), o.lead);
        double d = now_s() - s, dc = cpu_s() - sc;
        if (i < 0) {
            first = d; /* builds the scoring caches too */
        } else {
            t[i] = d;
            tc[i] = dc;
            found += sm_consortia_count(r);
            exact += (size_t)sm_consortia_exact(r);
        }
        sm_consortia_free(r);
    }
    qsort(t, (size_t)n_ids, sizeof *t, cmp_double);
    qsort(tc, (size_t)n_ids, sizeof *tc, cmp_double);
    printf("{\"smes\": %zu, \"load_s\": %.3f, \"leads\": %d, \"k\": 5, \"size\": 6, \"first_build_ms\": %.1f, "
           "\"median_ms\": %.1f, \"p90_ms\": %.1f, \"max_ms\": %.1f, \"cpu_median_ms\": %.1f, \"cpu_max_ms\": %.1f, "
           "\"consortia\": %zu, \"exact_builds\": %zu}\n",
           sm_sme_count(e), load_s, n_ids, first * 1e3, t[n_ids / 2] * 1e3, t[(n_ids * 9) / 10] * 1e3,
           t[n_ids - 1] * 1e3, tc[n_ids / 2] * 1e3, tc[n_ids - 1] * 1e3, found, exact);
    free(t);
    free(tc);
    free(ids);
    sm_call_free(call);
    sm_engine_free(e);
    return 0;
}
