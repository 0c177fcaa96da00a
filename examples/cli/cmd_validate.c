/* "smartmatch validate": checks data files without loading anything. Each
 * file goes through a dry, lenient load so that every problem is reported
 * (file:line: field: message) instead of only the first; a summary follows,
 * and the exit status is 1 when any problem was found. */
#include "args.h"
#include "cli.h"

#include <string.h>

/* The first and the last problem reported: a dry run fails with the first
 * one and a fatal problem ends the load with the last one, and neither must
 * be printed twice. */
typedef struct problems {
    size_t count;
    char first[1024];
    char last[1024];
    int json; /* --format json: each problem as an object of the file's "problems" array */
} problems;

static void print_problem(const problems *p, const sm_error *d, const char *msg)
{
    if (!p->json) {
        printf("%s\n", msg);
        return;
    }
    printf("%s{\"status\":", p->count ? "," : "");
    cli_json_str(stdout, sm_status_str(d->status));
    printf(",\"line\":%lu,\"column\":%lu,\"field\":", d->line, d->column);
    cli_json_str(stdout, d->field);
    fputs(",\"value\":", stdout);
    cli_json_str(stdout, d->value);
    fputs(",\"message\":", stdout);
    cli_json_str(stdout, msg);
    fputs("}", stdout);
}

static int on_problem(const sm_error *diag, void *userdata)
{
    problems *p = userdata;
    const char *msg = diag->message[0] ? diag->message : sm_status_str(diag->status);
    print_problem(p, diag, msg);
    if (p->count == 0)
        snprintf(p->first, sizeof p->first, "%s", msg);
    snprintf(p->last, sizeof p->last, "%s", msg);
    p->count++;
    return 0;
}

static int seen(const problems *p, const char *msg)
{
    return p->count && (strncmp(msg, p->first, sizeof p->first - 1) == 0 ||
                        strncmp(msg, p->last, sizeof p->last - 1) == 0);
}

int cmd_validate(int argc, char **argv)
{
    cli_args a;
    sm_engine *engine = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_VALIDATE, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 1, (size_t)-1)) != CLI_OK)
        goto done;
    sm_status st = sm_engine_new(&engine, NULL);
    if (st != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    size_t rows = 0, total = 0;
    int json = a.format == CLI_FORMAT_JSON;
    if (json)
        fputs("{\"files\":[", stdout);
    for (size_t i = 0; i < a.n_positional; i++) {
        const char *path = a.positional[i];
        problems p = { 0, "", "", json };
        if (json) {
            fputs(i ? ",\n{\"path\":" : "\n{\"path\":", stdout);
            cli_json_str(stdout, path);
            fputs(",\"problems\":[", stdout);
        }
        sm_load_options opts = SM_LOAD_OPTIONS_INIT;
        opts.dry_run = 1;
        opts.delimiter = a.delimiter;
        opts.encoding = a.encoding;
        opts.lenient = 1;
        opts.on_problem = on_problem;
        opts.userdata = &p;
        sm_load_report report = { 0, 0, 0 };
        st = cli_load(engine, path, &opts, &report);
        if (st == SM_ERR_NOMEM) {
            rc = cli_fail(st, NULL);
            goto done;
        }
        if (st != SM_OK) {
            /* A failure not reported through the callback (the file cannot be
             * opened, the header is unusable): it is a problem like the rest. */
            const sm_error *e = sm_error_last();
            const char *msg = e->message[0] ? e->message : sm_status_str(st);
            if (!seen(&p, msg)) {
                char full[1200];
                snprintf(full, sizeof full, strstr(msg, path) ? "%s" : "%s: %s", strstr(msg, path) ? msg : path, msg);
                print_problem(&p, e, full);
                p.count++;
            }
        }
        if (json)
            printf("],\"rows\":%zu,\"problem_count\":%zu}", report.rows, p.count);
        else if (a.n_positional > 1)
            printf("%s: %zu row%s, %zu problem%s\n", path, report.rows, report.rows == 1 ? "" : "s", p.count,
                   p.count == 1 ? "" : "s");
        rows += report.rows;
        total += p.count;
    }
    if (json)
        printf("\n],\"rows\":%zu,\"problem_count\":%zu}\n", rows, total);
    else
        printf("%s%zu row%s, %zu problem%s\n", a.n_positional > 1 ? "total: " : "", rows, rows == 1 ? "" : "s",
               total, total == 1 ? "" : "s");
    rc = total ? CLI_FAIL : CLI_OK;
done:
    sm_engine_free(engine);
    cli_args_free(&a);
    return rc;
}
