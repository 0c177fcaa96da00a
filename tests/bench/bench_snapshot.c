/* The snapshot benchmark, through the public API: how long CSV loading
 * takes and how much memory the engine holds, how long a save takes, the
 * file size against that resident size, and, in a fresh process, how long
 * opening the snapshot takes until the first query has its answer.
 *
 *   sm_bench_snapshot save SMES.csv DEVELOPMENT.csv OUT.smsnap
 *   sm_bench_snapshot open OUT.smsnap
 *
 * Each prints one line of JSON. Not a test: it asserts no timing. */
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Wall time, and CPU time, which other processes on a busy machine inflate less. */
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

/* A field of /proc/self/status ("VmRSS:", "RssAnon:") in bytes. */
static long long status_bytes(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kb = 0;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0)
            kb = atoll(line + n);
    if (f)
        fclose(f);
    return kb * 1024;
}

/* VmRSS of this process in bytes. */
static long long rss_bytes(void)
{
    return status_bytes("VmRSS:");
}

static void check(sm_status st, const char *what)
{
    if (st != SM_OK) {
        fprintf(stderr, "sm_bench_snapshot: %s: %s\n", what, sm_error_last()->message);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "save") == 0) {
        long long rss0 = rss_bytes();
        double t0 = now_s(), c0 = cpu_s();
        sm_engine *e = NULL;
        check(sm_engine_new(&e, NULL), "engine");
        check(sm_load_file(e, argv[2], NULL, NULL), argv[2]);
        check(sm_load_file(e, argv[3], NULL, NULL), argv[3]);
        double t1 = now_s(), c1 = cpu_s();
        long long rss = rss_bytes() - rss0;
        check(sm_snapshot_save(e, argv[4]), argv[4]);
        double t2 = now_s();
        struct stat sb;
        if (stat(argv[4], &sb) != 0)
            return 1;
        printf("{\"smes\":%zu,\"csv_load_s\":%.3f,\"csv_load_cpu_s\":%.3f,\"engine_rss_bytes\":%lld,\"save_s\":%.3f,\"file_bytes\":%lld,"
               "\"file_over_rss\":%.3f}\n",
               sm_sme_count(e), t1 - t0, c1 - c0, rss, t2 - t1, (long long)sb.st_size, (double)sb.st_size / (double)rss);
        sm_engine_free(e);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "open") == 0) {
        long long rss0 = rss_bytes(), anon0 = status_bytes("RssAnon:");
        double t0 = now_s(), c0 = cpu_s();
        sm_engine *e = NULL;
        check(sm_snapshot_load(&e, argv[2], NULL), argv[2]);
        double t1 = now_s(), c1 = cpu_s();
        sm_sme_desc *d = NULL;
        sm_result *r = NULL;
        if (sm_sme_count(e)) {
            check(sm_sme_at(&d, e, 0), "sme");
            check(sm_query_top(&r, e, d->id, NULL), "query");
        }
        double t2 = now_s(), c2 = cpu_s();
        /* resident, and of it the process's own memory (the rest is the
         * mapped file, shared with the page cache and other processes) */
        long long rss = rss_bytes() - rss0, anon = status_bytes("RssAnon:") - anon0;
        /* steady: the mean of 20 more queries, for the first one to compare with */
        size_t n = sm_sme_count(e), nq = n ? 20 : 0;
        for (size_t q = 0; q < nq; q++) {
            sm_sme_desc *dq = NULL;
            sm_result *rq = NULL;
            check(sm_sme_at(&dq, e, (q * 7919 + 13) % n), "sme");
            check(sm_query_top(&rq, e, dq->id, NULL), "query");
            sm_result_free(rq);
            sm_sme_desc_free(dq);
        }
        double t3 = now_s(), c3 = cpu_s();
        printf("{\"smes\":%zu,\"open_s\":%.3f,\"open_cpu_s\":%.3f,\"first_query_s\":%.3f,\"first_query_cpu_s\":%.3f,"
               "\"ready_s\":%.3f,\"engine_rss_bytes\":%lld,\"engine_anon_bytes\":%lld,\"steady_query_s\":%.4f,"
               "\"steady_query_cpu_s\":%.4f}\n",
               n, t1 - t0, c1 - c0, t2 - t1, c2 - c1, t2 - t0, rss, anon, nq ? (t3 - t2) / (double)nq : 0.0,
               nq ? (c3 - c2) / (double)nq : 0.0);
        sm_result_free(r);
        sm_sme_desc_free(d);
        sm_engine_free(e);
        return 0;
    }
    fprintf(stderr, "usage: sm_bench_snapshot save SMES.csv DEVELOPMENT.csv OUT.smsnap | open OUT.smsnap\n");
    return 2;
}
