/* The overview's benchmark (scripts/bench): the same all-pairs top-k run
 * twice on one engine, once as a plain sm_batch_run() with a callback that
 * only counts, once folded into an overview by sm_overview_new(), then every
 * output formatted; prints the times and the peak memory as one JSON object.
 * Not a test: nothing fails on a slow time.
 *
 * With --overview-only the plain batch is skipped (at a million SMEs one
 * all-pairs run is long enough): batch_s and batch_cpu_s are then null.
 * The overview's progress goes to stderr every 2% (SMEs done, wall and CPU
 * seconds), so a run cut short still tells its rate.
 *
 * usage: sm_bench_overview --smes F [--development F] [--k 10] [--level 2] [--threads 0] [--overview-only] */
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

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
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of the whole process (all threads): steadier than wall time on a shared machine */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

/* VmHWM / VmRSS of this process in bytes, -1 if unknown. */
static long long status_bytes(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':')
            v = atoll(line + n + 1) * 1024;
    fclose(f);
    return v;
}

static void check(sm_status st, const char *what)
{
    if (st != SM_OK) {
        fprintf(stderr, "sm_bench_overview: %s: %s\n", what, sm_error_last()->message);
        exit(1);
    }
}

static double t_start, c_start;

static int progress(size_t done, size_t total, void *ud)
{
    size_t *next = ud;
    if (done >= *next || done == total) {
        fprintf(stderr, "overview: %zu of %zu SMEs, %.1f s, %.1f s CPU\n", done, total, now_s() - t_start,
                cpu_s() - c_start);
        *next = done + total / 50 + 1;
    }
    return 0;
}

static int count(const sm_result *r, void *ud)
{
    *(size_t *)ud += sm_result_count(r);
    return 0;
}

int main(int argc, char **argv)
{
    const char *smes = NULL, *dev = NULL;
    size_t k = 10;
    int level = 2;
    unsigned threads = 0;
    int overview_only = 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--overview-only")) {
            overview_only = 1;
            for (int j = i; j + 1 < argc; j++)
                argv[j] = argv[j + 1];
            argc--;
            break;
        }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--smes"))
            smes = argv[i + 1];
        else if (!strcmp(argv[i], "--development"))
            dev = argv[i + 1];
        else if (!strcmp(argv[i], "--k"))
            k = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--level"))
            level = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads"))
            threads = (unsigned)atoi(argv[i + 1]);
    }
    if (!smes) {
        fprintf(stderr, "usage: sm_bench_overview --smes F [--development F] [--k 10] [--level 2] [--threads 0] "
                        "[--overview-only]\n");
        return 2;
    }
    sm_engine *e = NULL;
    check(sm_engine_new(&e, NULL), "engine");
    check(sm_load_file(e, smes, NULL, NULL), smes);
    if (dev)
        check(sm_load_file(e, dev, NULL, NULL), dev);
    fprintf(stderr, "loaded %zu SMEs in %.1f s CPU\n", sm_sme_count(e), cpu_s());
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = k;
    /* warm the scoring caches so that neither run pays for them */
    sm_result *r = NULL;
    sm_sme_desc *d = NULL;
    check(sm_sme_at(&d, e, 0), "first SME");
    check(sm_query_top(&r, e, d->id, &q), "warm-up query");
    sm_result_free(r);
    sm_sme_desc_free(d);

    size_t links = 0;
    sm_batch_options b = SM_BATCH_OPTIONS_INIT;
    b.query = &q;
    b.threads = threads;
    b.on_result = count;
    b.result_userdata = &links;
    double t0 = now_s(), c0 = cpu_s();
    double batch_s = -1, batch_cpu = -1;
    if (!overview_only) {
        check(sm_batch_run(e, &b), "batch");
        batch_s = now_s() - t0;
        batch_cpu = cpu_s() - c0;
    }
    long long hwm_batch = status_bytes("VmHWM"), rss_before = status_bytes("VmRSS");

    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.query = &q;
    o.threads = threads;
    o.region_level = level;
    size_t next = 0;
    o.on_progress = progress;
    o.progress_userdata = &next;
    sm_overview *ov = NULL;
    t0 = t_start = now_s();
    c0 = c_start = cpu_s();
    check(sm_overview_new(&ov, e, &o), "overview");
    double overview_s = now_s() - t0, overview_cpu = cpu_s() - c0;
    long long rss_after = status_bytes("VmRSS"), hwm_overview = status_bytes("VmHWM");

    t0 = now_s();
    size_t bytes = 0;
    for (int out = SM_OUTPUT_MATRIX_CSV; out <= SM_OUTPUT_REPORT; out++) {
        char *text = NULL;
        size_t len = 0;
        int which = out == SM_OUTPUT_SVG ? SM_PICTURE_HEATMAP : 0;
        check(sm_overview_format(&text, &len, ov, (sm_overview_output)out, which, NULL), "format");
        bytes += len;
        sm_free(text);
    }
    double write_s = now_s() - t0;
    char bs[32] = "null", bc[32] = "null", oh[32] = "null";
    if (batch_s >= 0) {
        snprintf(bs, sizeof bs, "%.3f", batch_s);
        snprintf(bc, sizeof bc, "%.3f", batch_cpu);
        snprintf(oh, sizeof oh, "%.3f", overview_s - batch_s);
    }
    if (overview_only) { /* the links the overview counted */
        size_t nr = sm_overview_rows(ov, SM_OVERVIEW_REGIONS);
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < nr; j++)
                links += (size_t)sm_overview_value(ov, SM_OVERVIEW_REGIONS, i, j, SM_OVERVIEW_LINKS);
    }
    printf("{\"smes\": %zu, \"k\": %zu, \"level\": %d, \"links\": %zu, \"regions\": %zu, \"batch_s\": %s, "
           "\"overview_s\": %.3f, \"overhead_s\": %s, \"batch_cpu_s\": %s, \"overview_cpu_s\": %.3f, "
           "\"format_s\": %.3f, \"output_bytes\": %zu, "
           "\"rss_before_overview\": %lld, \"rss_with_overview\": %lld, \"peak_after_batch\": %lld, "
           "\"peak_after_overview\": %lld}\n",
           sm_sme_count(e), k, level, links, sm_overview_rows(ov, SM_OVERVIEW_REGIONS), bs, overview_s, oh, bc,
           overview_cpu, write_s, bytes, rss_before, rss_after, hwm_batch,
           hwm_overview);
    sm_overview_free(ov);
    sm_engine_free(e);
    return 0;
}
