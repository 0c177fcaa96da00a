/* What explanations cost (not a test: no timing is asserted). For every SME
 * of a data file: a top-k query, the same query then sm_result_explain(),
 * and sm_query_rank() of one candidate; prints the mean time of each.
 * usage: sm_bench_explain FILE [K] */
#define _POSIX_C_SOURCE 200809L
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sm_bench_explain FILE [K]\n");
        return 2;
    }
    sm_engine *e = NULL;
    if (sm_engine_new(&e, NULL) != SM_OK || sm_load_file(e, argv[1], NULL, NULL) != SM_OK) {
        fprintf(stderr, "sm_bench_explain: %s\n", sm_error_last()->message);
        return 1;
    }
    size_t n = sm_sme_count(e);
    char **ids = calloc(n ? n : 1, sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc *d = NULL;
        sm_sme_at(&d, e, i);
        ids[i] = malloc(SM_ID_MAX + 1);
        snprintf(ids[i], SM_ID_MAX + 1, "%s", d->id);
        sm_sme_desc_free(d);
    }
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = argc > 2 ? (size_t)atol(argv[2]) : 10;
    static const char *const what[] = { "top-k", "top-k + explain", "rank of one candidate" };
    for (int mode = 0; mode < 3 && n > 1; mode++) {
        double t = now();
        for (size_t i = 0; i < n; i++) {
            sm_result *r = NULL;
            sm_rank_info info;
            if (mode < 2 && sm_query_top(&r, e, ids[i], &o) == SM_OK && mode == 1)
                sm_result_explain(r, e);
            if (mode == 2)
                sm_query_rank(&info, e, ids[i], ids[(i + 1) % n], &o);
            sm_result_free(r);
        }
        printf("%-22s %9.1f us per SME (%zu SMEs, k %zu)\n", what[mode], (now() - t) / (double)n * 1e6, n, o.k);
    }
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    sm_engine_free(e);
    return 0;
}
