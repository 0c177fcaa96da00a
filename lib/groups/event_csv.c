/* Event CSV files, parsed by libcsv and fed one physical line at a time so
 * that every row knows its line for messages; each row goes to the
 * format-neutral reader (event_io.c). */
#include "groups/event.h"
#include "sm_config.h"

#include <string.h>

#if SM_HAVE_LIBCSV

#include <csv.h>

typedef struct csv_reader {
    sm__ev_reader r;
    struct csv_parser p;
    unsigned long line, row_line;
} csv_reader;

/* libcsv's allocation hooks take no user data: the reader of this thread */
static _Thread_local csv_reader *tl_reader;

static void *r_realloc(void *ptr, size_t size)
{
    return sm__realloc(&tl_reader->r.ev->alloc, ptr, size);
}

static void r_free(void *ptr)
{
    sm__free(&tl_reader->r.ev->alloc, ptr);
}

static void on_field(void *s, size_t n, void *ud)
{
    csv_reader *c = ud;
    sm__ev_reader *r = &c->r;
    if (r->status)
        return;
    if (!c->row_line)
        c->row_line = c->line;
    char *f = sm__malloc(&r->ev->alloc, n + 1);
    if (!f || sm__grow(&r->ev->alloc, (void **)&r->fields, &r->cap_fields, r->n_fields + 1, sizeof *r->fields)) {
        sm__free(&r->ev->alloc, f);
        r->status = sm__nomem();
        return;
    }
    if (n)
        memcpy(f, s, n);
    f[n] = '\0';
    r->fields[r->n_fields++] = f;
}

static void on_row(int term, void *ud)
{
    (void)term;
    csv_reader *c = ud;
    sm__ev_reader *r = &c->r;
    unsigned long line = c->row_line ? c->row_line : c->line;
    c->row_line = 0;
    if (!r->status)
        r->status = sm__ev_row(r, line);
    for (size_t i = 0; i < r->n_fields; i++)
        sm__free(&r->ev->alloc, r->fields[i]);
    r->n_fields = 0;
}

sm_status sm_event_read_csv(sm_event *ev, sm_event_input kind, const char *text, size_t len, const char *name)
{
    if (!ev || (!text && len))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_read_csv: %s is NULL", ev ? "text" : "event");
    if ((unsigned)kind > SM_EVENT_LOCKS)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_read_csv: unknown kind %d", (int)kind);
    csv_reader c;
    memset(&c, 0, sizeof c);
    sm__ev_reader *r = &c.r;
    r->ev = ev;
    r->kind = kind;
    r->name = name ? name : "input";
    csv_reader *saved = tl_reader;
    tl_reader = &c;
    csv_init(&c.p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_realloc_func(&c.p, r_realloc);
    csv_set_free_func(&c.p, r_free);
    size_t pos = 0;
    while (pos < len && !r->status) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - text - pos) + 1 : len - pos;
        c.line++;
        if (csv_parse(&c.p, text + pos, n, on_field, on_row, &c) != n && !r->status) {
            int err = csv_error(&c.p);
            r->status = err == CSV_EPARSE ? sm__fail_at(SM_ERR_PARSE, r->name, c.line, 0, NULL, NULL,
                                                        "%s:%lu: malformed CSV (a quote inside an unquoted field, or "
                                                        "text after a closing quote)",
                                                        r->name, c.line)
                                          : sm__nomem();
        }
        pos += n;
    }
    if (!r->status && csv_fini(&c.p, on_field, on_row, &c) != 0 && !r->status)
        r->status = csv_error(&c.p) == CSV_EPARSE
                        ? sm__fail_at(SM_ERR_PARSE, r->name, c.line, 0, NULL, NULL, "%s:%lu: unterminated quoted field",
                                      r->name, c.line)
                        : sm__nomem();
    for (size_t i = 0; i < r->n_fields; i++)
        sm__free(&ev->alloc, r->fields[i]);
    csv_free(&c.p);
    if (!r->status && !r->have_header)
        r->status =
            sm__fail_at(SM_ERR_PARSE, r->name, 0, 0, NULL, NULL, "%s: empty file (a header row is needed)", r->name);
    sm_status st = sm__ev_finish(r);
    sm__free(&ev->alloc, r->fields);
    tl_reader = saved;
    return st;
}

#else

sm_status sm_event_read_csv(sm_event *ev, sm_event_input kind, const char *text, size_t len, const char *name)
{
    (void)ev;
    (void)kind;
    (void)text;
    (void)len;
    (void)name;
    return sm__fail(SM_ERR_UNSUPPORTED, "event CSV files need libcsv: rebuild with -Dcsv=enabled");
}

#endif
