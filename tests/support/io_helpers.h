/* Helpers for the loader tests: load text with options and collect every
 * problem reported to the callback. Header-only; include after test_util.h. */
#ifndef SM_IO_HELPERS_H
#define SM_IO_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IO_MAX_PROBLEMS 64

/* cmocka's skip() prints "not ok ... # SKIP", which meson's TAP reader
 * counts as a failure: say why in a TAP comment and pass instead. */
#define io_skip(why)                                                                                              \
    do {                                                                                                          \
        printf("# skipped: %s\n", (why));                                                                         \
        return;                                                                                                   \
    } while (0)

typedef struct io_problems {
    int n;
    int stop_at; /* return non-zero from the callback at this problem (1-based); 0 = never */
    sm_status status[IO_MAX_PROBLEMS];
    unsigned long line[IO_MAX_PROBLEMS], column[IO_MAX_PROBLEMS];
    char message[IO_MAX_PROBLEMS][1024];
    char field[IO_MAX_PROBLEMS][64];
    char value[IO_MAX_PROBLEMS][201];
    char file[IO_MAX_PROBLEMS][256];
} io_problems;

static inline int io_collect(const sm_error *e, void *ud)
{
    io_problems *p = ud;
    if (p->n < IO_MAX_PROBLEMS) {
        int i = p->n;
        p->status[i] = e->status;
        p->line[i] = e->line;
        p->column[i] = e->column;
        snprintf(p->message[i], sizeof p->message[i], "%s", e->message);
        snprintf(p->field[i], sizeof p->field[i], "%s", e->field);
        snprintf(p->value[i], sizeof p->value[i], "%s", e->value);
        snprintf(p->file[i], sizeof p->file[i], "%s", e->file);
    }
    p->n++;
    return p->stop_at && p->n >= p->stop_at;
}

/* Loads text (strlen) with the given mode; problems go to p (may be NULL). */
static inline sm_status io_load(sm_engine *e, const char *text, const char *name, int lenient, int dry_run, io_problems *p,
                         sm_load_report *rep)
{
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.lenient = lenient;
    o.dry_run = dry_run;
    if (p) {
        memset(p, 0, sizeof *p);
        o.on_problem = io_collect;
        o.userdata = p;
    }
    return sm_load_buffer(e, text, strlen(text), name, &o, rep);
}

/* Same with an explicit length (for text holding NUL bytes). */
static inline sm_status io_load_n(sm_engine *e, const char *text, size_t len, const char *name, int lenient, int dry_run,
                           io_problems *p, sm_load_report *rep)
{
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.lenient = lenient;
    o.dry_run = dry_run;
    if (p) {
        memset(p, 0, sizeof *p);
        o.on_problem = io_collect;
        o.userdata = p;
    }
    return sm_load_buffer(e, text, len, name, &o, rep);
}

/* Asserts the last error's message equals want exactly. */
#define io_assert_message(want)                                                                                   \
    do {                                                                                                          \
        const char *got_ = sm_error_last()->message;                                                              \
        if (strcmp(got_, (want)) != 0)                                                                            \
            fail_msg("message\n  got:  %s\n  want: %s", got_, (want));                                            \
    } while (0)

/* The text of an SME field for comparisons. */
static inline const char *io_region_of(sm_engine *e, const char *id)
{
    static char buf[16];
    sm_sme_desc *d = NULL;
    if (sm_sme_get(&d, e, id) != SM_OK)
        return NULL;
    snprintf(buf, sizeof buf, "%s", d->region);
    sm_sme_desc_free(d);
    return buf;
}

#endif
