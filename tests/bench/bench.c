/* The benchmark of smartmatch, through the public API only: load time and
 * resident memory per SME, single-query top-k latency, all-pairs throughput
 * (sm_batch_run) on one and on several threads. It writes one JSON object
 * with the measurements, the top-k of a sample of query SMEs (so that
 * scripts/bench_numpy.py can check them) and, with --export, the engine's
 * tables that a reference implementation cannot get from the docs: region
 * points, countries and languages, the neighbour relation, and the sector
 * affinity table. scripts/bench drives it; see there for the data. */
#define _GNU_SOURCE
#include "smartmatch.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sm_bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void check_sm(sm_status st, const char *what)
{
    if (st)
        die("%s: %s: %s", what, sm_status_str(st), sm_error_last()->message);
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall time; and CPU time, which other processes on a busy machine do not
 * inflate (they still share caches and memory bandwidth). */
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
static double thread_cpu_s(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }
static double process_cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

/* The 1-minute load average, NaN if unknown: a busy machine makes wall
 * times meaningless, so the output says how busy it was. */
static double loadavg(void)
{
    double l = NAN;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = NAN;
        fclose(f);
    }
    return l;
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

static void cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *p = strchr(line, ':');
            if (p) {
                p++;
                while (*p == ' ')
                    p++;
                p[strcspn(p, "\n")] = '\0';
                snprintf(out, cap, "%s", p);
            }
            break;
        }
    fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double percentile(const double *v, size_t n, double q)
{
    if (!n)
        return NAN;
    size_t r = (size_t)ceil(q / 100.0 * (double)n);
    if (r < 1)
        r = 1;
    return v[r - 1];
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* Doubles in full precision (%.17g round-trips); NaN and infinities as null. */
static void json_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.17g", x);
    else
        fputs("null", f);
}

/* ---- options -------------------------------------------------------------- */

typedef struct opts {
    const char *smes, *development, *out, *export_path;
    size_t queries, checks, k;
    int batch, full_batch;
    size_t batch_ids;  /* > 0: the batch runs for this many query SMEs spread over all */
    double progress_s; /* > 0: a progress line on stderr every so many seconds */
    unsigned threads[8];
    size_t n_threads;
    double batch_max_s;
} opts;

static void usage(void)
{
    fputs("usage: sm_bench --smes FILE.csv [--development FILE.csv] [--queries 200] [--check 20] [--k 10]\n"
          "                [--batch] [--threads 1,0] [--batch-max-seconds 60] [--full-batch]\n"
          "                [--batch-ids N] [--progress SECONDS]\n"
          "                [--export TABLES.json] [--out RESULT.json]\n"
          "  --queries N          query SMEs timed with sm_query_top (spread evenly over the SMEs)\n"
          "  --check N            the first N of them: their top-k goes into the JSON for checking\n"
          "  --batch              all-pairs top-k with sm_batch_run for each --threads entry (0 = all CPUs)\n"
          "  --batch-max-seconds  if a batch would take longer (estimated from the query latency), run it\n"
          "                       for a subset of query SMEs and extrapolate (said so in the output)\n"
          "  --full-batch         never extrapolate: the batch over all SMEs (all pairs); implies --batch\n"
          "  --batch-ids N        the batch for N query SMEs spread evenly over all (the check SMEs\n"
          "                       first), its time extrapolated to all SMEs; implies --batch, overrides\n"
          "                       the two above\n"
          "  --progress S         during a batch, a progress line on stderr every S seconds (default 60;\n"
          "                       0 = none)\n"
          "  --export FILE        write regions, neighbours and the affinity table for bench_numpy.py\n",
          stderr);
    exit(2);
}

static void parse_threads(opts *o, const char *s)
{
    o->n_threads = 0;
    while (*s && o->n_threads < 8) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 0 || v > 1024)
            die("--threads: bad list \"%s\"", s);
        o->threads[o->n_threads++] = (unsigned)v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            die("--threads: bad list");
    }
}

static void parse_args(opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->queries = 200;
    o->checks = 20;
    o->k = 10;
    o->batch_max_s = 60;
    o->progress_s = 60;
    parse_threads(o, "1,0");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VAL() (v ? (i++, v) : (usage(), ""))
        if (!strcmp(a, "--smes"))
            o->smes = VAL();
        else if (!strcmp(a, "--development"))
            o->development = VAL();
        else if (!strcmp(a, "--out"))
            o->out = VAL();
        else if (!strcmp(a, "--export"))
            o->export_path = VAL();
        else if (!strcmp(a, "--queries"))
            o->queries = strtoul(VAL(), NULL, 10);
        else if (!strcmp(a, "--check"))
            o->checks = strtoul(VAL(), NULL, 10);
        else if (!strcmp(a, "--k"))
            o->k = strtoul(VAL(), NULL, 10);
        else if (!strcmp(a, "--threads"))
            parse_threads(o, VAL());
        else if (!strcmp(a, "--batch-max-seconds"))
            o->batch_max_s = strtod(VAL(), NULL);
        else if (!strcmp(a, "--batch"))
            o->batch = 1;
        else if (!strcmp(a, "--full-batch"))
            o->full_batch = o->batch = 1;
        else if (!strcmp(a, "--batch-ids"))
            o->batch_ids = strtoul(VAL(), NULL, 10), o->batch = 1;
        else if (!strcmp(a, "--progress"))
            o->progress_s = strtod(VAL(), NULL);
        else
            usage();
#undef VAL
    }
    if (!o->smes || !o->queries)
        usage();
    if (o->checks > o->queries)
        o->checks = o->queries;
}

/* ---- export for the reference implementation ------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct region codes the SMEs use, sorted; caller frees. */
static char **regions_in_use(const sm_engine *e, size_t *n_out)
{
    size_t nr = sm_region_count(e);
    unsigned char *used = calloc(nr ? nr : 1, 1);
    char **codes = calloc(nr ? nr : 1, sizeof *codes);
    if (!used || !codes)
        die("out of memory");
    /* region index by code: the engine has no public index lookup, so map
     * through a sorted list of all codes */
    char **all = calloc(nr ? nr : 1, sizeof *all);
    if (!all)
        die("out of memory");
    for (size_t i = 0; i < nr; i++) {
        const sm_region_info *r;
        check_sm(sm_region_at(&r, e, i), "sm_region_at");
        all[i] = (char *)r->code;
    }
    qsort(all, nr, sizeof *all, cmp_str);
    size_t n = sm_sme_count(e);
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc *d;
        check_sm(sm_sme_at(&d, e, i), "sm_sme_at");
        char *key = (char *)d->region;
        char **hit = bsearch(&key, all, nr, sizeof *all, cmp_str);
        if (hit)
            used[hit - all] = 1;
        sm_sme_desc_free(d);
    }
    size_t m = 0;
    for (size_t i = 0; i < nr; i++)
        if (used[i])
            codes[m++] = all[i];
    free(all);
    free(used);
    *n_out = m;
    return codes;
}

static void export_tables(const sm_engine *e, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: cannot write", path);
    fputs("{\n\"regions\": [\n", f);
    size_t nr = sm_region_count(e);
    for (size_t i = 0; i < nr; i++) {
        const sm_region_info *r;
        check_sm(sm_region_at(&r, e, i), "sm_region_at");
        fputs(i ? ",\n{\"code\": " : "{\"code\": ", f);
        json_str(f, r->code);
        fputs(", \"country\": ", f);
        json_str(f, r->country);
        fputs(", \"lat\": ", f);
        json_num(f, r->lat);
        fputs(", \"lon\": ", f);
        json_num(f, r->lon);
        fputs(", \"development\": ", f);
        json_num(f, r->development);
        fputs(", \"languages\": [", f);
        for (size_t j = 0; j < r->n_languages; j++) {
            if (j)
                fputs(", ", f);
            json_str(f, r->languages[j]);
        }
        fputs("]}", f);
    }
    fputs("\n],\n\"neighbours\": [\n", f);
    size_t nu;
    char **used = regions_in_use(e, &nu);
    int first = 1;
    for (size_t i = 0; i < nu; i++)
        for (size_t j = i + 1; j < nu; j++)
            if (sm_region_neighbours(e, used[i], used[j])) {
                fputs(first ? "[" : ",\n[", f);
                json_str(f, used[i]);
                fputs(", ", f);
                json_str(f, used[j]);
                fputs("]", f);
                first = 0;
            }
    free(used);

    /* The affinity table T between keys (NACE divisions and sections). For
     * two different keys sm_affinity_get() of the codes themselves is T (a
     * division or section has no group, so the same-group rule cannot
     * apply). T of a division with itself is what two codes of that
     * division in different groups get: a division and one of its groups. */
    size_t ns = sm_sector_count(e);
    const char **keys = calloc(ns ? ns : 1, sizeof *keys);
    const char **diag = calloc(ns ? ns : 1, sizeof *diag);
    if (!keys || !diag)
        die("out of memory");
    size_t nk = 0;
    for (size_t i = 0; i < ns; i++) {
        const sm_sector_info *s;
        check_sm(sm_sector_at(&s, e, i), "sm_sector_at");
        if (s->level <= 2)
            keys[nk++] = s->code;
    }
    for (size_t i = 0; i < ns; i++) {
        const sm_sector_info *s;
        check_sm(sm_sector_at(&s, e, i), "sm_sector_at");
        if (s->level == 3)
            for (size_t k = 0; k < nk; k++)
                if (!diag[k] && !strcmp(keys[k], s->parent))
                    diag[k] = s->code;
    }
    fputs("\n],\n\"affinity\": {\"keys\": [", f);
    for (size_t i = 0; i < nk; i++) {
        if (i)
            fputs(", ", f);
        json_str(f, keys[i]);
    }
    fputs("],\n\"T\": [\n", f);
    for (size_t i = 0; i < nk; i++) {
        fputs(i ? ",\n[" : "[", f);
        for (size_t j = 0; j < nk; j++) {
            double v = 1.0; /* a section with itself: only ever the same code, so never read */
            if (i != j)
                check_sm(sm_affinity_get(&v, e, keys[i], keys[j]), "sm_affinity_get");
            else if (diag[i])
                check_sm(sm_affinity_get(&v, e, keys[i], diag[i]), "sm_affinity_get");
            if (j)
                fputs(", ", f);
            json_num(f, v);
        }
        fputs("]", f);
    }
    fputs("\n]}\n}\n", f);
    free(keys);
    free(diag);
    if (fclose(f))
        die("%s: write failed", path);
}

/* ---- batch ---------------------------------------------------------------- */

typedef struct batch_ud {
    size_t count;
    sm_result **checks; /* sm_query_top results to compare with */
    size_t n_checks;
    size_t compared, differing;
    size_t total;       /* query SMEs of the batch */
    double progress_s;  /* > 0: a progress line every so many seconds */
    double t0, c0, next_report;
} batch_ud;

static int same_result(const sm_result *x, const sm_result *y)
{
    size_t n = sm_result_count(x);
    if (n != sm_result_count(y))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(sm_result_id(x, i), sm_result_id(y, i)) || sm_result_score(x, i) != sm_result_score(y, i))
            return 0;
    return 1;
}

static int on_result(const sm_result *r, void *userdata)
{
    batch_ud *u = userdata;
    u->count++;
    const char *q = sm_result_query_id(r);
    for (size_t i = 0; i < u->n_checks; i++)
        if (!strcmp(q, sm_result_query_id(u->checks[i]))) {
            u->compared++;
            u->differing += !same_result(r, u->checks[i]);
            break;
        }
    /* callbacks are serialised, so this needs no lock */
    if (u->progress_s > 0 && (u->count & 1023) == 0) {
        double t = now_s() - u->t0;
        if (t >= u->next_report) {
            u->next_report = t + u->progress_s;
            double done = (double)u->count / (double)u->total;
            fprintf(stderr, "sm_bench: batch: %zu of %zu (%.1f %%) in %.0f s (CPU %.0f s), %.0f results/s, %.0f s to go\n",
                    u->count, u->total, 100.0 * done, t, process_cpu_s() - u->c0, (double)u->count / t,
                    t / done - t);
        }
    }
    return 0;
}

typedef struct batch_stats {
    unsigned threads;
    size_t queries; /* query SMEs actually run */
    double seconds; /* for all N (extrapolated when queries < N) */
    double run_seconds;
    double cpu_seconds; /* CPU time of all threads for the run */
    size_t compared, differing;
    double load_before, load_after;
} batch_stats;

static batch_stats run_batch(const sm_engine *e, unsigned threads, size_t k, char **all_ids, size_t n,
                             double est_query_s, const opts *o, sm_result **checks, size_t n_checks)
{
    batch_stats bs = { threads, n, 0, 0, 0, 0, 0, 0, 0 };
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = k;
    sm_batch_options b = SM_BATCH_OPTIONS_INIT;
    b.query = &q;
    b.threads = threads;
    b.on_result = on_result;
    batch_ud u = { 0, checks, n_checks, 0, 0, n, o->progress_s, 0, 0, o->progress_s };
    b.result_userdata = &u;
    /* A subset of query SMEs spread over all, with the check SMEs first so
     * that the comparison with sm_query_top always happens. */
    const char **ids = NULL;
    double estimate = est_query_s * (double)n / threads;
    size_t m = 0;
    if (o->batch_ids)
        m = o->batch_ids;
    else if (!o->full_batch && estimate > o->batch_max_s) {
        m = (size_t)(o->batch_max_s / est_query_s * threads);
        if (m < 20 * (size_t)threads)
            m = 20 * (size_t)threads;
    }
    if (m) {
        if (m <= n_checks)
            m = n_checks + 1;
        if (m > n)
            m = n;
        ids = malloc(m * sizeof *ids);
        if (!ids)
            die("out of memory");
        size_t c = 0;
        for (size_t i = 0; i < n_checks && c < m; i++)
            ids[c++] = sm_result_query_id(checks[i]);
        for (size_t i = 0; c < m; i++)
            ids[c++] = all_ids[(size_t)((double)i * (double)n / (double)(m - n_checks)) % n];
        b.ids = ids;
        b.n_ids = m;
        bs.queries = m;
        u.total = m;
    }
    bs.load_before = loadavg();
    double t0 = now_s(), c0 = process_cpu_s();
    u.t0 = t0;
    u.c0 = c0;
    check_sm(sm_batch_run(e, &b), "sm_batch_run");
    bs.run_seconds = now_s() - t0;
    bs.cpu_seconds = process_cpu_s() - c0;
    bs.load_after = loadavg();
    if (u.count != bs.queries)
        die("sm_batch_run: %zu results for %zu SMEs", u.count, bs.queries);
    bs.seconds = bs.run_seconds * (double)n / (double)bs.queries;
    bs.compared = u.compared;
    bs.differing = u.differing;
    free(ids);
    return bs;
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    opts o;
    parse_args(&o, argc, argv);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;

    sm_engine *e;
    check_sm(sm_engine_new(&e, NULL), "sm_engine_new");
    if (o.development)
        check_sm(sm_load_file(e, o.development, NULL, NULL), o.development);
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    long long rss0 = proc_status_bytes("VmRSS");

    sm_load_report rep;
    double t0 = now_s(), c0 = thread_cpu_s();
    check_sm(sm_load_file(e, o.smes, NULL, &rep), o.smes);
    double load_s = now_s() - t0, load_cpu_s = thread_cpu_s() - c0;
    long long rss_load = proc_status_bytes("VmRSS");
    size_t n = sm_sme_count(e);
    if (n < 2)
        die("%s: %zu SMEs; need at least 2", o.smes, n);

    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = o.k;
    sm_result *r;
    /* The first query after a load also builds the scoring cache, which
     * belongs to the engine's memory; measured before this program
     * allocates its own copies of the ids. The first query SME is the
     * first SME, as below. */
    sm_sme_desc *first;
    check_sm(sm_sme_at(&first, e, 0), "sm_sme_at");
    t0 = now_s();
    check_sm(sm_query_top(&r, e, first->id, &q), "sm_query_top");
    double first_s = now_s() - t0;
    sm_result_free(r);
    sm_sme_desc_free(first);
    long long rss_query = proc_status_bytes("VmRSS");
    /* What the loader freed but malloc kept counts above; without it: */
    long long rss_trim = rss_query;
#if defined(__GLIBC__)
    malloc_trim(0);
    rss_trim = proc_status_bytes("VmRSS");
#endif

    /* Every SME's id (the batch subset picks from them) and the query SMEs,
     * spread evenly over the engine's order. */
    char **ids = malloc(n * sizeof *ids);
    if (!ids)
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc *d;
        check_sm(sm_sme_at(&d, e, i), "sm_sme_at");
        ids[i] = strdup(d->id);
        if (!ids[i])
            die("out of memory");
        sm_sme_desc_free(d);
    }
    size_t nq = o.queries;
    const char **qids = malloc(nq * sizeof *qids);
    double *lat = malloc(nq * sizeof *lat), *cpu = malloc(nq * sizeof *cpu);
    size_t *slow = malloc(nq * sizeof *slow);
    sm_result **checks = calloc(o.checks ? o.checks : 1, sizeof *checks);
    if (!qids || !lat || !cpu || !slow || !checks)
        die("out of memory");
    for (size_t i = 0; i < nq; i++)
        qids[i] = ids[(size_t)((double)i * (double)n / (double)nq) % n];

    double load0 = loadavg();
    for (size_t i = 0; i < nq; i++) {
        c0 = thread_cpu_s();
        t0 = now_s();
        check_sm(sm_query_top(&r, e, qids[i], &q), "sm_query_top");
        lat[i] = now_s() - t0;
        cpu[i] = thread_cpu_s() - c0;
        if (i < o.checks)
            checks[i] = r;
        else
            sm_result_free(r);
    }
    double mean = 0;
    for (size_t i = 0; i < nq; i++)
        mean += lat[i];
    mean /= (double)nq;
    /* the slowest query SMEs, for whoever profiles the tail */
    for (size_t i = 0; i < nq; i++)
        slow[i] = i;
    for (size_t i = 0; i < nq && i < 5; i++)
        for (size_t j = i + 1; j < nq; j++)
            if (lat[slow[j]] > lat[slow[i]]) {
                size_t t = slow[i];
                slow[i] = slow[j];
                slow[j] = t;
            }
    double slow_ms[5];
    size_t n_slow = nq < 5 ? nq : 5;
    for (size_t i = 0; i < n_slow; i++)
        slow_ms[i] = lat[slow[i]] * 1e3;
    qsort(lat, nq, sizeof *lat, cmp_double);
    qsort(cpu, nq, sizeof *cpu, cmp_double);

    batch_stats bs[8];
    size_t nb = 0;
    if (o.batch)
        for (size_t t = 0; t < o.n_threads; t++) {
            unsigned th = o.threads[t] ? o.threads[t] : (unsigned)cpus;
            int dup = 0;
            for (size_t j = 0; j < nb; j++)
                dup |= bs[j].threads == th;
            if (dup)
                continue;
            fprintf(stderr, "sm_bench: N=%zu: batch on %u thread(s)...\n", n, th);
            bs[nb++] = run_batch(e, th, o.k, ids, n, mean, &o, checks, o.checks);
        }
    long long peak = proc_status_bytes("VmHWM");
    double load1 = loadavg();

    if (o.export_path)
        export_tables(e, o.export_path);

    FILE *f = stdout;
    if (o.out && !(f = fopen(o.out, "w")))
        die("%s: cannot write", o.out);
    char model[256];
    cpu_model(model, sizeof model);
    fprintf(f, "{\"n\": %zu, \"k\": %zu,\n\"machine\": {\"cpu\": ", n, o.k);
    json_str(f, model);
    fprintf(f, ", \"cpus\": %ld, \"library\": ", cpus);
    json_str(f, sm_version_string());
    fputs(", \"loadavg_before\": ", f);
    json_num(f, load0);
    fputs(", \"loadavg_after\": ", f);
    json_num(f, load1);
    fprintf(f, "},\n\"load\": {\"file\": ");
    json_str(f, o.smes);
    fprintf(f, ", \"rows\": %zu, \"seconds\": ", rep.rows);
    json_num(f, load_s);
    fputs(", \"cpu_seconds\": ", f);
    json_num(f, load_cpu_s);
    fprintf(f, "},\n\"memory\": {\"rss_before_bytes\": %lld, \"rss_after_load_bytes\": %lld, "
               "\"rss_after_query_bytes\": %lld, \"rss_delta_bytes\": %lld, \"rss_delta_trimmed_bytes\": %lld, "
               "\"peak_bytes\": %lld},\n",
            rss0, rss_load, rss_query, rss_query - rss0, rss_trim - rss0, peak);
    fprintf(f, "\"query\": {\"threads\": 1, \"queries\": %zu, \"first_ms\": ", nq);
    json_num(f, first_s * 1e3);
    fputs(", \"p50_ms\": ", f);
    json_num(f, percentile(lat, nq, 50) * 1e3);
    fputs(", \"p99_ms\": ", f);
    json_num(f, percentile(lat, nq, 99) * 1e3);
    fputs(", \"mean_ms\": ", f);
    json_num(f, mean * 1e3);
    fputs(", \"max_ms\": ", f);
    json_num(f, lat[nq - 1] * 1e3);
    fputs(", \"cpu_p50_ms\": ", f);
    json_num(f, percentile(cpu, nq, 50) * 1e3);
    fputs(", \"cpu_p99_ms\": ", f);
    json_num(f, percentile(cpu, nq, 99) * 1e3);
    fputs(", \"slowest\": [", f);
    for (size_t i = 0; i < n_slow; i++) {
        fputs(i ? ", {\"id\": " : "{\"id\": ", f);
        json_str(f, qids[slow[i]]);
        fputs(", \"ms\": ", f);
        json_num(f, slow_ms[i]);
        fputs("}", f);
    }
    fputs("]},\n\"batch\": [", f);
    for (size_t i = 0; i < nb; i++) {
        fprintf(f, "%s{\"threads\": %u, \"timed_queries\": %zu, \"extrapolated\": %s, \"run_seconds\": ", i ? ", " : "",
                bs[i].threads, bs[i].queries, bs[i].queries < n ? "true" : "false");
        json_num(f, bs[i].run_seconds);
        fputs(", \"seconds\": ", f);
        json_num(f, bs[i].seconds);
        fputs(", \"cpu_seconds\": ", f);
        json_num(f, bs[i].cpu_seconds * (double)n / (double)bs[i].queries);
        fputs(", \"pairs_per_s\": ", f);
        json_num(f, (double)n * (double)(n - 1) / bs[i].seconds);
        fputs(", \"results_per_s\": ", f);
        json_num(f, (double)bs[i].queries / bs[i].run_seconds);
        fputs(", \"cpu_ms_per_query\": ", f);
        json_num(f, bs[i].cpu_seconds * 1e3 / (double)bs[i].queries);
        fputs(", \"loadavg_before\": ", f);
        json_num(f, bs[i].load_before);
        fputs(", \"loadavg_after\": ", f);
        json_num(f, bs[i].load_after);
        fprintf(f, ", \"compared_with_query\": %zu, \"matches_query\": %s}", bs[i].compared,
                bs[i].differing ? "false" : "true");
    }
    fputs("],\n\"query_ids\": [", f);
    for (size_t i = 0; i < nq; i++) {
        if (i)
            fputs(", ", f);
        json_str(f, qids[i]);
    }
    fputs("],\n\"checks\": [\n", f);
    for (size_t i = 0; i < o.checks; i++) {
        sm_result *c = checks[i];
        fputs(i ? ",\n{\"query_id\": " : "{\"query_id\": ", f);
        json_str(f, sm_result_query_id(c));
        fputs(", \"criteria\": [", f);
        for (size_t j = 0; j < sm_result_criterion_count(c); j++) {
            if (j)
                fputs(", ", f);
            json_str(f, sm_result_criterion_name(c, j));
        }
        fputs("], \"matches\": [", f);
        for (size_t m = 0; m < sm_result_count(c); m++) {
            fputs(m ? ",\n  {\"id\": " : "\n  {\"id\": ", f);
            json_str(f, sm_result_id(c, m));
            fputs(", \"score\": ", f);
            json_num(f, sm_result_score(c, m));
            fputs(", \"distance_km\": ", f);
            json_num(f, sm_result_distance_km(c, m));
            fputs(", \"breakdown\": [", f);
            for (size_t j = 0; j < sm_result_criterion_count(c); j++) {
                if (j)
                    fputs(", ", f);
                json_num(f, sm_result_breakdown(c, m, j));
            }
            fputs("]}", f);
        }
        fputs("]}", f);
    }
    fputs("\n]}\n", f);
    if (f != stdout && fclose(f))
        die("%s: write failed", o.out);

    fprintf(stderr,
            "sm_bench: N=%zu: load %.2f s, RSS +%.1f MiB (%.0f B/SME), first query %.1f ms, p50 %.3f ms, p99 %.3f ms"
            " (CPU p50 %.3f ms), load average %.1f\n",
            n, load_s, (double)(rss_query - rss0) / 1048576.0, (double)(rss_query - rss0) / (double)n,
            first_s * 1e3, percentile(lat, nq, 50) * 1e3, percentile(lat, nq, 99) * 1e3,
            percentile(cpu, nq, 50) * 1e3, load0);
    for (size_t i = 0; i < nb; i++)
        fprintf(stderr,
                "sm_bench: N=%zu: batch %u thread(s): %.2f s (CPU %.2f s)%s, %.3g pairs/s; %zu query SMEs in %.2f s,"
                " %.0f results/s, CPU %.3f ms per query; load average %.1f .. %.1f; %zu compared with"
                " sm_query_top%s\n",
                n, bs[i].threads, bs[i].seconds, bs[i].cpu_seconds * (double)n / (double)bs[i].queries,
                bs[i].queries < n ? " (extrapolated)" : "", (double)n * (double)(n - 1) / bs[i].seconds,
                bs[i].queries, bs[i].run_seconds, (double)bs[i].queries / bs[i].run_seconds,
                bs[i].cpu_seconds * 1e3 / (double)bs[i].queries, bs[i].load_before, bs[i].load_after,
                bs[i].compared, bs[i].differing ? "; RESULTS DIFFER from sm_query_top" : "");

    for (size_t i = 0; i < o.checks; i++)
        sm_result_free(checks[i]);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    free(qids);
    free(lat);
    free(cpu);
    free(slow);
    free(checks);
    sm_engine_free(e);
    return 0;
}
