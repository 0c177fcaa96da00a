/* Event CSV files: participants, requests, availability and locks (a schedule
 * written earlier). Parsed by libcsv, fed one physical line at a time so that
 * every row knows its line for messages. A file is checked whole before
 * anything is added: on failure the event is unchanged. */
#include "groups/event.h"
#include "sm_config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SM_HAVE_LIBCSV

#include <csv.h>

enum { COL_ID, COL_A, COL_B, COL_CAPACITY, COL_GROUP, COL_UNAVAILABLE, COL_PRIORITY, COL_STATUS, COL_SLOT, COL_TABLE,
       COL_SCORE, COL_COUNT };
static const char *const col_names[COL_COUNT] = { "id",     "a",        "b",      "capacity", "group", "unavailable",
                                                  "priority", "status", "slot",   "table",    "score" };

/* One row, parsed and checked, waiting for the commit. */
typedef struct rec {
    uint32_t a, b;
    char *id, *group; /* participants: owned until committed */
    unsigned cap, priority, slot, table;
    sm_wish_status status;
    double score;
    uint64_t mask;
} rec;

typedef struct reader {
    sm_event *ev;
    sm_event_input kind;
    const char *name;
    struct csv_parser p;
    sm_status status;
    unsigned long line, row_line;
    char **fields;
    size_t n_fields, cap_fields;
    int col[COL_COUNT]; /* column of each known name, -1 = absent */
    bool have_header;
    rec *recs;
    size_t n_recs, cap_recs;
} reader;

static _Thread_local reader *tl_reader;

static void *r_realloc(void *ptr, size_t size)
{
    return sm__realloc(&tl_reader->ev->alloc, ptr, size);
}

static void r_free(void *ptr)
{
    sm__free(&tl_reader->ev->alloc, ptr);
}

static void on_field(void *s, size_t n, void *ud)
{
    reader *r = ud;
    if (r->status)
        return;
    if (!r->row_line)
        r->row_line = r->line;
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

static sm_status bad(reader *r, unsigned long line, int c, const char *value, sm_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static sm_status bad(reader *r, unsigned long line, int c, const char *value, sm_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sm__fail_at(st, r->name, line, c >= 0 ? (unsigned long)r->col[c] + 1 : 0, c >= 0 ? col_names[c] : NULL,
                       value, "%s:%lu: %s", r->name, line, msg);
}

/* The field of column c, NULL if the file has no such column or the row is short. */
static const char *fld(const reader *r, int c)
{
    int i = r->col[c];
    return i >= 0 && (size_t)i < r->n_fields ? r->fields[i] : NULL;
}

static bool blank(const char *s)
{
    return !s || !*s;
}

static sm_status num(reader *r, unsigned long line, int c, unsigned long max, unsigned *out)
{
    const char *s = fld(r, c);
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || v > max)
        return bad(r, line, c, s, SM_ERR_PARSE, "%s: expected a whole number 0..%lu, got \"%s\"", col_names[c], max, s);
    *out = (unsigned)v;
    return SM_OK;
}

/* "1;4-6;afternoon" (also spaces or commas between items) -> bit mask of
 * slots; a name is a session's slots. */
static sm_status slot_list(reader *r, unsigned long line, int c, uint64_t *out)
{
    const char *s = fld(r, c);
    unsigned slots = r->ev->opts.slots;
    uint64_t m = 0;
    while (*s) {
        if (*s == ';' || *s == ' ' || *s == ',') {
            s++;
            continue;
        }
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
            size_t n = strcspn(s, "; ,");
            int k = sm__ev_session_find(&r->ev->sess, s, n);
            if (k < 0)
                return bad(r, line, c, fld(r, c), SM_ERR_PARSE,
                           "%s: \"%.*s\" is not a session of the event (%s)", col_names[c], (int)n, s,
                           r->ev->sess.n ? "use a session's name as given in the sessions option, or slot numbers"
                                         : "no sessions are set: give slot numbers, or set the sessions");
            m |= r->ev->sess.mask[k];
            s += n;
            continue;
        }
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;
        if (end == s || *s < '0' || *s > '9')
            goto fail;
        if (*end == '-') {
            const char *t = end + 1;
            if (*t < '0' || *t > '9')
                goto fail;
            hi = strtoul(t, &end, 10);
        }
        if (lo < 1 || hi < lo || hi > slots)
            return bad(r, line, c, fld(r, c), SM_ERR_RANGE, "%s: slots %lu..%lu outside 1..%u", col_names[c], lo, hi,
                       slots);
        for (unsigned long x = lo; x <= hi; x++)
            m |= 1ull << (x - 1);
        s = end;
        if (*s && *s != ';' && *s != ' ' && *s != ',')
            goto fail;
    }
    *out = m;
    return SM_OK;
fail:
    return bad(r, line, c, fld(r, c), SM_ERR_PARSE, "%s: expected slot numbers or session names such as \"1;4-6;afternoon\", got \"%s\"",
               col_names[c], fld(r, c));
}

static sm_status participant(reader *r, unsigned long line, long *out, int c)
{
    const char *id = fld(r, c);
    *out = sm__ev_find(r->ev, id);
    if (*out < 0)
        return bad(r, line, c, id, SM_ERR_NOT_FOUND, "%s: \"%s\" is not a participant (list it in the participants file)",
                   col_names[c], id);
    return SM_OK;
}

/* Re-raises the last error with this row's place. */
static sm_status located(reader *r, unsigned long line, sm_status st)
{
    char msg[600];
    const sm_error *e = sm_error_last();
    snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : sm_status_str(st));
    return bad(r, line, -1, NULL, st, "%s", msg);
}

static sm_status row_participant(reader *r, unsigned long line, rec *x)
{
    const char *id = fld(r, COL_ID);
    if (!sm_sme_contains(r->ev->engine, id))
        return bad(r, line, COL_ID, id, SM_ERR_NOT_FOUND, "id: \"%s\" is not an SME of the engine", id);
    if (sm__ev_find(r->ev, id) >= 0)
        return bad(r, line, COL_ID, id, SM_ERR_DUPLICATE, "id: \"%s\" is already a participant", id);
    for (size_t i = 0; i < r->n_recs; i++)
        if (strcmp(r->recs[i].id, id) == 0)
            return bad(r, line, COL_ID, id, SM_ERR_DUPLICATE, "id: \"%s\" is listed twice", id);
    sm_status st = SM_OK;
    x->cap = 0;
    if (!blank(fld(r, COL_CAPACITY)))
        st = num(r, line, COL_CAPACITY, SM_EVENT_CAPACITY_MAX, &x->cap);
    if (!st && !blank(fld(r, COL_UNAVAILABLE)))
        st = slot_list(r, line, COL_UNAVAILABLE, &x->mask);
    if (st)
        return st;
    x->id = sm__strdup(&r->ev->alloc, id);
    x->group = blank(fld(r, COL_GROUP)) ? NULL : sm__strdup(&r->ev->alloc, fld(r, COL_GROUP));
    if (!x->id || (!blank(fld(r, COL_GROUP)) && !x->group)) {
        sm__free(&r->ev->alloc, x->id);
        sm__free(&r->ev->alloc, x->group);
        x->id = x->group = NULL;
        return sm__nomem();
    }
    return SM_OK;
}

static sm_status row_wish(reader *r, unsigned long line, rec *x)
{
    long a, b;
    sm_status st = participant(r, line, &a, COL_A);
    if (!st)
        st = participant(r, line, &b, COL_B);
    if (st)
        return st;
    if (a == b)
        return bad(r, line, COL_B, fld(r, COL_B), SM_ERR_INVALID_ARGUMENT, "b: a participant cannot meet itself");
    x->a = (uint32_t)a;
    x->b = (uint32_t)b;
    x->priority = 1;
    x->status = r->kind == SM_EVENT_LOCKS ? SM_WISH_LOCKED : SM_WISH_REQUESTED;
    x->score = NAN;
    if (!blank(fld(r, COL_PRIORITY)) && (st = num(r, line, COL_PRIORITY, 1000, &x->priority)))
        return st;
    if (r->kind == SM_EVENT_REQUESTS && !blank(fld(r, COL_STATUS))) {
        const char *s = fld(r, COL_STATUS);
        int found = -1;
        for (int k = 0; k <= SM_WISH_LOCKED; k++)
            if (strcmp(s, sm_wish_status_name((sm_wish_status)k)) == 0)
                found = k;
        if (found < 0)
            return bad(r, line, COL_STATUS, s, SM_ERR_PARSE,
                       "status: \"%s\" is not one of requested, accepted, declined, must, locked", s);
        x->status = (sm_wish_status)found;
    }
    if (!blank(fld(r, COL_SLOT)) && (st = num(r, line, COL_SLOT, r->ev->opts.slots, &x->slot)))
        return st;
    if (!blank(fld(r, COL_TABLE)) && (st = num(r, line, COL_TABLE, SM_EVENT_TABLES_MAX, &x->table)))
        return st;
    if (x->status == SM_WISH_LOCKED && x->slot == 0)
        return bad(r, line, COL_SLOT, fld(r, COL_SLOT), SM_ERR_PARSE, "slot: a locked meeting needs a slot 1..%u",
                   r->ev->opts.slots);
    if (x->status != SM_WISH_LOCKED)
        x->slot = x->table = 0;
    if (!blank(fld(r, COL_SCORE))) {
        const char *s = fld(r, COL_SCORE);
        char *end;
        double v = strtod(s, &end);
        if (end == s || *end || !(v >= 0.0 && v <= 1.0))
            return bad(r, line, COL_SCORE, s, SM_ERR_PARSE, "score: expected a number 0..1, got \"%s\"", s);
        x->score = v;
    } else {
        sm_result *res = NULL;
        st = sm_query_explain(&res, r->ev->engine, r->ev->parts[a].id, r->ev->parts[b].id, NULL);
        if (st)
            return located(r, line, st);
        x->score = sm_result_count(res) ? sm_result_score(res, 0) : 0.0;
        sm_result_free(res);
    }
    return SM_OK;
}

static sm_status row_avail(reader *r, unsigned long line, rec *x)
{
    long a;
    int c = r->col[COL_ID] >= 0 ? COL_ID : COL_A;
    sm_status st = participant(r, line, &a, c);
    if (!st)
        st = slot_list(r, line, COL_UNAVAILABLE, &x->mask);
    x->a = (uint32_t)a;
    return st;
}

static const int required[4][3] = {
    [SM_EVENT_PARTICIPANTS] = { COL_ID, -1, -1 },
    [SM_EVENT_REQUESTS] = { COL_A, COL_B, -1 },
    [SM_EVENT_AVAILABILITY] = { COL_ID, COL_UNAVAILABLE, -1 },
    [SM_EVENT_LOCKS] = { COL_A, COL_B, COL_SLOT },
};

static sm_status header(reader *r, unsigned long line)
{
    for (int c = 0; c < COL_COUNT; c++)
        r->col[c] = -1;
    for (size_t i = 0; i < r->n_fields; i++) {
        const char *h = r->fields[i];
        for (int c = 0; c < COL_COUNT; c++)
            if (strcmp(h, col_names[c]) == 0) {
                if (r->col[c] >= 0)
                    return sm__fail_at(SM_ERR_PARSE, r->name, line, i + 1, h, h, "%s:%lu: column \"%s\" appears twice",
                                       r->name, line, h);
                r->col[c] = (int)i;
            }
    }
    for (int k = 0; k < 3; k++) {
        int c = required[r->kind][k];
        if (c >= 0 && r->col[c] < 0)
            return sm__fail_at(SM_ERR_PARSE, r->name, line, 0, col_names[c], NULL,
                               "%s:%lu: the header has no \"%s\" column (needed in this file)", r->name, line,
                               col_names[c]);
    }
    r->have_header = true;
    return SM_OK;
}

static sm_status row(reader *r, unsigned long line)
{
    bool empty = r->n_fields == 0 || (r->n_fields == 1 && !*r->fields[0]);
    if (empty)
        return SM_OK;
    if (!r->have_header)
        return header(r, line);
    for (int k = 0; k < 3; k++) {
        int c = required[r->kind][k];
        if (c >= 0 && blank(fld(r, c)))
            return bad(r, line, c, "", SM_ERR_PARSE, "%s: missing value", col_names[c]);
    }
    if (sm__grow(&r->ev->alloc, (void **)&r->recs, &r->cap_recs, r->n_recs + 1, sizeof *r->recs))
        return sm__nomem();
    rec *x = &r->recs[r->n_recs];
    memset(x, 0, sizeof *x);
    sm_status st = r->kind == SM_EVENT_PARTICIPANTS ? row_participant(r, line, x)
                   : r->kind == SM_EVENT_AVAILABILITY ? row_avail(r, line, x)
                                                      : row_wish(r, line, x);
    if (!st)
        r->n_recs++;
    return st;
}

static void on_row(int term, void *ud)
{
    (void)term;
    reader *r = ud;
    unsigned long line = r->row_line ? r->row_line : r->line;
    r->row_line = 0;
    if (!r->status)
        r->status = row(r, line);
    for (size_t i = 0; i < r->n_fields; i++)
        sm__free(&r->ev->alloc, r->fields[i]);
    r->n_fields = 0;
}

static const char *part_key(const void *ctx, uint32_t v)
{
    return ((const sm_event *)ctx)->parts[v].id;
}

static sm_status commit(reader *r)
{
    sm_event *ev = r->ev;
    size_t n = r->n_recs;
    if (r->kind == SM_EVENT_PARTICIPANTS) {
        if (sm__grow(&ev->alloc, (void **)&ev->parts, &ev->cap_parts, ev->n_parts + n, sizeof *ev->parts) ||
            sm__hmap_reserve(&ev->part_map, &ev->alloc, n, part_key, ev))
            return sm__nomem();
        return SM_OK;
    }
    if (r->kind != SM_EVENT_AVAILABILITY)
        return sm__ev_wish_reserve(ev, n);
    return SM_OK;
}

static void apply(reader *r)
{
    sm_event *ev = r->ev;
    for (size_t i = 0; i < r->n_recs; i++) {
        rec *x = &r->recs[i];
        if (r->kind == SM_EVENT_PARTICIPANTS) {
            sm__ev_part *p = &ev->parts[ev->n_parts];
            p->id = x->id;
            p->group = x->group;
            p->cap = x->cap ? x->cap : ev->opts.capacity;
            p->unavail = x->mask;
            x->id = x->group = NULL;
            sm__hmap_insert(&ev->part_map, p->id, (uint32_t)ev->n_parts);
            ev->n_parts++;
        } else if (r->kind == SM_EVENT_AVAILABILITY) {
            ev->parts[x->a].unavail |= x->mask;
        } else {
            /* reserved: cannot fail */
            (void)sm__ev_wish_put(ev, x->a, x->b, x->priority, x->score, x->status, x->slot, x->table);
        }
    }
}

sm_status sm_event_read_csv(sm_event *ev, sm_event_input kind, const char *text, size_t len, const char *name)
{
    if (!ev || (!text && len))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_read_csv: %s is NULL", ev ? "text" : "event");
    if ((unsigned)kind > SM_EVENT_LOCKS)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_read_csv: unknown kind %d", (int)kind);
    reader r;
    memset(&r, 0, sizeof r);
    r.ev = ev;
    r.kind = kind;
    r.name = name ? name : "input";
    reader *saved = tl_reader;
    tl_reader = &r;
    csv_init(&r.p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_realloc_func(&r.p, r_realloc);
    csv_set_free_func(&r.p, r_free);
    size_t pos = 0;
    while (pos < len && !r.status) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - text - pos) + 1 : len - pos;
        r.line++;
        if (csv_parse(&r.p, text + pos, n, on_field, on_row, &r) != n && !r.status) {
            int err = csv_error(&r.p);
            r.status = err == CSV_EPARSE ? sm__fail_at(SM_ERR_PARSE, r.name, r.line, 0, NULL, NULL,
                                                       "%s:%lu: malformed CSV (a quote inside an unquoted field, or "
                                                       "text after a closing quote)",
                                                       r.name, r.line)
                                         : sm__nomem();
        }
        pos += n;
    }
    if (!r.status && csv_fini(&r.p, on_field, on_row, &r) != 0 && !r.status)
        r.status = csv_error(&r.p) == CSV_EPARSE
                       ? sm__fail_at(SM_ERR_PARSE, r.name, r.line, 0, NULL, NULL, "%s:%lu: unterminated quoted field",
                                     r.name, r.line)
                       : sm__nomem();
    for (size_t i = 0; i < r.n_fields; i++)
        sm__free(&ev->alloc, r.fields[i]);
    csv_free(&r.p);
    if (!r.status && !r.have_header)
        r.status = sm__fail_at(SM_ERR_PARSE, r.name, 0, 0, NULL, NULL, "%s: empty file (a header row is needed)", r.name);
    if (!r.status)
        r.status = commit(&r);
    if (!r.status)
        apply(&r);
    for (size_t i = 0; i < r.n_recs; i++) {
        sm__free(&ev->alloc, r.recs[i].id);
        sm__free(&ev->alloc, r.recs[i].group);
    }
    sm__free(&ev->alloc, r.recs);
    sm__free(&ev->alloc, r.fields);
    tl_reader = saved;
    return r.status;
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

sm_status sm_event_load_csv(sm_event *ev, sm_event_input kind, const char *path)
{
    if (!ev || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_load_csv: %s is NULL", ev ? "path" : "event");
    char *buf = NULL;
    size_t len = 0;
    sm_status st = sm__read_file(&ev->alloc, path, NULL, &buf, &len);
    if (st)
        return st;
    st = sm_event_read_csv(ev, kind, buf, len, path);
    sm__free(&ev->alloc, buf);
    return st;
}
