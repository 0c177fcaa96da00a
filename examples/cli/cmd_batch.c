/* "smartmatch batch": the best partners of every SME (or of a list of ids),
 * computed by sm_batch_run() on several threads and streamed to a CSV or
 * JSON file as each SME finishes, so memory does not grow with N x k. Each
 * result is formatted by sm_result_format(); the CSV header is written once
 * and the per-result JSON arrays are stitched into one array. */
#include "args.h"
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct sink {
    FILE *f;
    sm_format format;
    int header_done; /* CSV: the header line was written */
    size_t written;  /* results written (JSON: non-empty arrays) */
    size_t rows;     /* matches written */
    int failed;      /* a write or format call failed; the run is cancelled */
    sm_status format_status;
} sink;

typedef struct progress {
    int tty;
    unsigned int last; /* last percentage drawn */
    double t0;         /* start, for the rate and the time left */
} progress;

static int put(sink *s, const char *p, size_t n)
{
    if (n && fwrite(p, 1, n, s->f) != n) {
        s->failed = 1;
        return 1;
    }
    return 0;
}

static int on_result(const sm_result *result, void *userdata)
{
    sink *s = userdata;
    char *text = NULL;
    size_t len = 0;
    sm_status st = sm_result_format(&text, &len, &result, 1, s->format);
    if (st != SM_OK) {
        s->failed = 1;
        s->format_status = st;
        return 1;
    }
    const char *p = text, *end = text + len;
    int stop = 0;
    if (s->format == SM_FORMAT_CSV) {
        /* Every chunk starts with the header; keep the first one only. */
        if (strncmp(p, "query_id,", 9) == 0) {
            const char *nl = memchr(p, '\n', len);
            const char *body = nl ? nl + 1 : end;
            if (!s->header_done)
                stop = put(s, p, (size_t)(body - p));
            s->header_done = 1;
            p = body;
        }
        stop = stop || put(s, p, (size_t)(end - p));
    } else {
        /* "[ {...}, {...} ]": write what is inside the brackets, with a comma
         * between chunks, into the one array opened before the run. */
        while (p < end && isspace((unsigned char)*p))
            p++;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        if (p < end && *p == '[' && end[-1] == ']') {
            p++;
            end--;
        }
        while (p < end && isspace((unsigned char)*p))
            p++;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        if (p < end) {
            stop = put(s, s->written ? ",\n" : "\n", s->written ? 2 : 1) || put(s, p, (size_t)(end - p));
            s->written++;
        }
    }
    s->rows += sm_result_count(result);
    sm_free(text);
    return stop;
}

static double now_seconds(void);

static int on_progress(size_t done, size_t total, void *userdata)
{
    progress *p = userdata;
    unsigned int pct = total ? (unsigned int)(done * 100 / total) : 100;
    if (pct == p->last && done != total)
        return 0;
    p->last = pct;
    enum { BAR = 30 };
    char bar[BAR + 1];
    size_t fill = pct * BAR / 100;
    memset(bar, '#', fill);
    memset(bar + fill, '.', BAR - fill);
    bar[BAR] = '\0';
    double secs = now_seconds() - p->t0;
    double rate = secs > 0 ? (double)done / secs : 0.0;
    fprintf(stderr, "\r\033[K[%s] %3u%%  %zu/%zu SMEs  %.0f/s", bar, pct, done, total, rate);
    if (rate > 0 && done < total)
        fprintf(stderr, "  ETA %.0f s", (double)(total - done) / rate);
    fflush(stderr);
    cli_progress_shown(1);
    return 0;
}

/* Reads ids from a file, one per line; blank lines and '#' comments skipped.
 * Each id must exist, so that a typo names its line. */
static int read_ids(char ***out, size_t *n_out, const char *path, const sm_engine *engine)
{
    FILE *f = cli_input_open(path);
    if (!f) {
        cli_error("%s: cannot open the id list: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    char **ids = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    unsigned long lineno = 0;
    int rc = CLI_OK;
    while (getline(&line, &line_cap, f) != -1) {
        lineno++;
        char *p = line, *e;
        while (isspace((unsigned char)*p))
            p++;
        e = p + strlen(p);
        while (e > p && isspace((unsigned char)e[-1]))
            e--;
        *e = '\0';
        if (!*p || *p == '#')
            continue;
        if (!sm_sme_contains(engine, p)) {
            cli_error("%s:%lu: unknown SME id \"%s\"", path, lineno, p);
            rc = CLI_FAIL;
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(ids, cap * sizeof *grown);
            if (!grown) {
                cli_error("out of memory");
                rc = CLI_FAIL;
                break;
            }
            ids = grown;
        }
        if (!(ids[n] = strdup(p))) {
            cli_error("out of memory");
            rc = CLI_FAIL;
            break;
        }
        n++;
    }
    if (rc == CLI_OK && ferror(f)) {
        cli_error("%s: read error", path);
        rc = CLI_FAIL;
    }
    free(line);
    cli_input_close(f);
    if (rc != CLI_OK) {
        for (size_t i = 0; i < n; i++)
            free(ids[i]);
        free(ids);
        return rc;
    }
    *out = ids;
    *n_out = n;
    return CLI_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int cmd_batch(int argc, char **argv)
{
    cli_args a;
    sm_weighting *w = NULL;
    sm_engine *engine = NULL;
    char **ids = NULL;
    size_t n_ids = 0;
    cli_output output = { NULL, NULL, NULL, 0 };
    FILE *out = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_BATCH, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 0, 0)) != CLI_OK)
        goto done;
    if (a.n_data == 0 || !a.out) {
        cli_error("batch needs %s (see 'smartmatch batch --help')", a.n_data == 0 ? "--data FILE" : "--out FILE");
        rc = CLI_USAGE;
        goto done;
    }
    sm_format format;
    if (a.format == CLI_FORMAT_CSV || (a.format == CLI_FORMAT_DEFAULT && ends_with(a.out, ".csv")))
        format = SM_FORMAT_CSV;
    else if (a.format == CLI_FORMAT_JSON || (a.format == CLI_FORMAT_DEFAULT && ends_with(a.out, ".json")))
        format = SM_FORMAT_JSON;
    else {
        cli_error("--out: unknown format of \"%s\" (name it .csv or .json, or give --format)", a.out);
        rc = CLI_USAGE;
        goto done;
    }
    if ((rc = cli_args_weighting(&w, &a)) != CLI_OK)
        goto done;
    if ((rc = cli_load_engine(&engine, &a)) != CLI_OK)
        goto done;
    if ((rc = cli_args_check_countries(&a, engine)) != CLI_OK)
        goto done;
    if (a.ids_file && (rc = read_ids(&ids, &n_ids, a.ids_file, engine)) != CLI_OK)
        goto done;
    if (a.ids_file && n_ids == 0) {
        /* An empty list must not fall back to "all SMEs". */
        cli_error("%s: no SME ids in the list", a.ids_file);
        rc = CLI_FAIL;
        goto done;
    }
    /* Written beside the target and renamed into place when complete. */
    if ((rc = cli_output_open(&output, a.out)) != CLI_OK)
        goto done;
    out = output.f;

    sm_query_options q;
    cli_args_query(&q, &a, w);
    sink s = { out, format, 0, 0, 0, 0, SM_OK };
    progress prog = { isatty(STDERR_FILENO), 101, now_seconds() };
    sm_batch_options b = SM_BATCH_OPTIONS_INIT;
    b.query = &q;
    b.threads = a.threads;
    b.ids = (const char *const *)ids;
    b.n_ids = n_ids;
    b.on_result = on_result;
    b.result_userdata = &s;
    if (prog.tty) {
        b.on_progress = on_progress;
        b.progress_userdata = &prog;
    }
    if (format == SM_FORMAT_JSON && fputs("[", out) == EOF)
        s.failed = 1;
    double t0 = now_seconds();
    sm_status st = s.failed ? SM_ERR_IO : sm_batch_run(engine, &b);
    double secs = now_seconds() - t0;
    if (prog.tty) {
        fputs("\r\033[K", stderr); /* clear the progress bar */
        cli_progress_shown(0);
    }
    if (st != SM_OK) {
        if (s.failed && s.format_status != SM_OK)
            rc = cli_fail(s.format_status, "formatting results");
        else if (s.failed) {
            cli_error("%s: write error", a.out);
            rc = CLI_FAIL;
        } else
            rc = cli_fail(st, NULL);
        goto done;
    }
    if (format == SM_FORMAT_CSV && !s.header_done) {
        /* No result had a chunk to copy the header from: write it from the weighting. */
        fputs("query_id,rank,id,score,distance_km", out);
        for (size_t j = 0; j < sm_weighting_count(w); j++) {
            const char *name = NULL;
            if (sm_weighting_at(&name, NULL, w, j) == SM_OK)
                fprintf(out, ",%s", name);
        }
        fputc('\n', out);
    }
    if (format == SM_FORMAT_JSON)
        fputs(s.written ? "\n]\n" : "]\n", out);
    out = NULL;
    if ((rc = cli_output_commit(&output)) != CLI_OK)
        goto done;

    size_t n_total = sm_sme_count(engine), n_query = ids ? n_ids : n_total;
    unsigned long long pairs = n_total ? (unsigned long long)n_query * (n_total - 1) : 0;
    char bp[32], br[32];
    /* the summary is not data: standard error, so that --out - can be piped */
    fprintf(stderr, "batch: %zu SMEs, top %zu each, %s pairs scored in %.2f s (%.3g pairs/s); %s rows written to %s\n",
           n_query, a.k, cli_thousands(bp, sizeof bp, pairs), secs, secs > 0 ? (double)pairs / secs : 0.0,
           cli_thousands(br, sizeof br, s.rows), strcmp(a.out, "-") ? a.out : "standard output");
done:
    if (rc != CLI_OK)
        cli_output_abort(&output); /* the previous output, if any, stays */
    for (size_t i = 0; i < n_ids; i++)
        free(ids[i]);
    free(ids);
    sm_engine_free(engine);
    sm_weighting_free(w);
    cli_args_free(&a);
    return rc;
}
