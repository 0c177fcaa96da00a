/* Event files: participants, requests, availability and locks (a schedule
 * written earlier). The format-neutral half: each record arrives as text
 * fields by column name (from a CSV row, event_csv.c, or a JSON object,
 * event_json.c), is checked here and kept; a file is checked whole before
 * anything is added, so on failure the event is unchanged. */
#include "groups/event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sm__ev_col_names[SM__EV_COL_COUNT] = { "id",     "a",        "b",      "capacity", "group", "unavailable",
                                                  "priority", "status", "slot",   "table",    "score" };

static sm_status bad(sm__ev_reader *r, unsigned long line, int c, const char *value, sm_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static sm_status bad(sm__ev_reader *r, unsigned long line, int c, const char *value, sm_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->json_key) {
        /* JSON: the record's path, e.g. participants[3].capacity */
        char path[96];
        snprintf(path, sizeof path, "%s[%zu]%s%s", r->json_key, r->json_index, c >= 0 ? "." : "",
                 c >= 0 ? sm__ev_col_names[c] : "");
        return sm__fail_at(st, r->name, 0, 0, path, value, "%s: %s[%zu]%s%s", r->name, r->json_key, r->json_index,
                           c >= 0 ? "." : ": ", msg);
    }
    return sm__fail_at(st, r->name, line, c >= 0 ? (unsigned long)r->col[c] + 1 : 0, c >= 0 ? sm__ev_col_names[c] : NULL,
                       value, "%s:%lu: %s", r->name, line, msg);
}

/* The field of column c, NULL if the file has no such column or the row is short. */
static const char *fld(const sm__ev_reader *r, int c)
{
    int i = r->col[c];
    return i >= 0 && (size_t)i < r->n_fields ? r->fields[i] : NULL;
}

static bool blank(const char *s)
{
    return !s || !*s;
}

static sm_status num(sm__ev_reader *r, unsigned long line, int c, unsigned long max, unsigned *out)
{
    const char *s = fld(r, c);
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || v > max)
        return bad(r, line, c, s, SM_ERR_PARSE, "%s: expected a whole number 0..%lu, got \"%s\"", sm__ev_col_names[c], max, s);
    *out = (unsigned)v;
    return SM_OK;
}

/* "1;4-6;afternoon" (also spaces or commas between items) -> bit mask of
 * slots; a name is a session's slots. */
static sm_status slot_list(sm__ev_reader *r, unsigned long line, int c, uint64_t *out)
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
                           "%s: \"%.*s\" is not a session of the event (%s)", sm__ev_col_names[c], (int)n, s,
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
            return bad(r, line, c, fld(r, c), SM_ERR_RANGE, "%s: slots %lu..%lu outside 1..%u", sm__ev_col_names[c], lo, hi,
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
               sm__ev_col_names[c], fld(r, c));
}

static sm_status participant(sm__ev_reader *r, unsigned long line, long *out, int c)
{
    const char *id = fld(r, c);
    *out = sm__ev_find(r->ev, id);
    if (*out < 0)
        return bad(r, line, c, id, SM_ERR_NOT_FOUND, "%s: \"%s\" is not a participant (list it in the participants file)",
                   sm__ev_col_names[c], id);
    return SM_OK;
}

/* Re-raises the last error with this row's place. */
static sm_status located(sm__ev_reader *r, unsigned long line, sm_status st)
{
    char msg[600];
    const sm_error *e = sm_error_last();
    snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : sm_status_str(st));
    return bad(r, line, -1, NULL, st, "%s", msg);
}

static sm_status row_participant(sm__ev_reader *r, unsigned long line, sm__ev_rec *x)
{
    const char *id = fld(r, SM__EV_ID);
    if (!sm_sme_contains(r->ev->engine, id))
        return bad(r, line, SM__EV_ID, id, SM_ERR_NOT_FOUND, "id: \"%s\" is not an SME of the engine", id);
    if (sm__ev_find(r->ev, id) >= 0)
        return bad(r, line, SM__EV_ID, id, SM_ERR_DUPLICATE, "id: \"%s\" is already a participant", id);
    for (size_t i = 0; i < r->n_recs; i++)
        if (strcmp(r->recs[i].id, id) == 0)
            return bad(r, line, SM__EV_ID, id, SM_ERR_DUPLICATE, "id: \"%s\" is listed twice", id);
    sm_status st = SM_OK;
    x->cap = 0;
    if (!blank(fld(r, SM__EV_CAPACITY)))
        st = num(r, line, SM__EV_CAPACITY, SM_EVENT_CAPACITY_MAX, &x->cap);
    if (!st && !blank(fld(r, SM__EV_UNAVAILABLE)))
        st = slot_list(r, line, SM__EV_UNAVAILABLE, &x->mask);
    if (st)
        return st;
    x->id = sm__strdup(&r->ev->alloc, id);
    x->group = blank(fld(r, SM__EV_GROUP)) ? NULL : sm__strdup(&r->ev->alloc, fld(r, SM__EV_GROUP));
    if (!x->id || (!blank(fld(r, SM__EV_GROUP)) && !x->group)) {
        sm__free(&r->ev->alloc, x->id);
        sm__free(&r->ev->alloc, x->group);
        x->id = x->group = NULL;
        return sm__nomem();
    }
    return SM_OK;
}

static sm_status row_wish(sm__ev_reader *r, unsigned long line, sm__ev_rec *x)
{
    long a, b;
    sm_status st = participant(r, line, &a, SM__EV_A);
    if (!st)
        st = participant(r, line, &b, SM__EV_B);
    if (st)
        return st;
    if (a == b)
        return bad(r, line, SM__EV_B, fld(r, SM__EV_B), SM_ERR_INVALID_ARGUMENT, "b: a participant cannot meet itself");
    x->a = (uint32_t)a;
    x->b = (uint32_t)b;
    x->priority = 1;
    x->status = r->kind == SM_EVENT_LOCKS ? SM_WISH_LOCKED : SM_WISH_REQUESTED;
    x->score = NAN;
    if (!blank(fld(r, SM__EV_PRIORITY)) && (st = num(r, line, SM__EV_PRIORITY, 1000, &x->priority)))
        return st;
    if (r->kind == SM_EVENT_REQUESTS && !blank(fld(r, SM__EV_STATUS))) {
        const char *s = fld(r, SM__EV_STATUS);
        int found = -1;
        for (int k = 0; k <= SM_WISH_LOCKED; k++)
            if (strcmp(s, sm_wish_status_name((sm_wish_status)k)) == 0)
                found = k;
        if (found < 0)
            return bad(r, line, SM__EV_STATUS, s, SM_ERR_PARSE,
                       "status: \"%s\" is not one of requested, accepted, declined, must, locked", s);
        x->status = (sm_wish_status)found;
    }
    if (!blank(fld(r, SM__EV_SLOT)) && (st = num(r, line, SM__EV_SLOT, r->ev->opts.slots, &x->slot)))
        return st;
    if (!blank(fld(r, SM__EV_TABLE)) && (st = num(r, line, SM__EV_TABLE, SM_EVENT_TABLES_MAX, &x->table)))
        return st;
    if (x->status == SM_WISH_LOCKED && x->slot == 0)
        return bad(r, line, SM__EV_SLOT, fld(r, SM__EV_SLOT), SM_ERR_PARSE, "slot: a locked meeting needs a slot 1..%u",
                   r->ev->opts.slots);
    if (x->status != SM_WISH_LOCKED)
        x->slot = x->table = 0;
    if (!blank(fld(r, SM__EV_SCORE))) {
        const char *s = fld(r, SM__EV_SCORE);
        char *end;
        double v = strtod(s, &end);
        if (end == s || *end || !(v >= 0.0 && v <= 1.0))
            return bad(r, line, SM__EV_SCORE, s, SM_ERR_PARSE, "score: expected a number 0..1, got \"%s\"", s);
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

static sm_status row_avail(sm__ev_reader *r, unsigned long line, sm__ev_rec *x)
{
    long a;
    int c = r->col[SM__EV_ID] >= 0 ? SM__EV_ID : SM__EV_A;
    sm_status st = participant(r, line, &a, c);
    if (!st)
        st = slot_list(r, line, SM__EV_UNAVAILABLE, &x->mask);
    x->a = (uint32_t)a;
    return st;
}

const int sm__ev_required[4][3] = {
    [SM_EVENT_PARTICIPANTS] = { SM__EV_ID, -1, -1 },
    [SM_EVENT_REQUESTS] = { SM__EV_A, SM__EV_B, -1 },
    [SM_EVENT_AVAILABILITY] = { SM__EV_ID, SM__EV_UNAVAILABLE, -1 },
    [SM_EVENT_LOCKS] = { SM__EV_A, SM__EV_B, SM__EV_SLOT },
};

sm_status sm__ev_header(sm__ev_reader *r, unsigned long line)
{
    for (int c = 0; c < SM__EV_COL_COUNT; c++)
        r->col[c] = -1;
    for (size_t i = 0; i < r->n_fields; i++) {
        const char *h = r->fields[i];
        for (int c = 0; c < SM__EV_COL_COUNT; c++)
            if (strcmp(h, sm__ev_col_names[c]) == 0) {
                if (r->col[c] >= 0)
                    return sm__fail_at(SM_ERR_PARSE, r->name, line, i + 1, h, h, "%s:%lu: column \"%s\" appears twice",
                                       r->name, line, h);
                r->col[c] = (int)i;
            }
    }
    for (int k = 0; k < 3; k++) {
        int c = sm__ev_required[r->kind][k];
        if (c >= 0 && r->col[c] < 0)
            return sm__fail_at(SM_ERR_PARSE, r->name, line, 0, sm__ev_col_names[c], NULL,
                               "%s:%lu: the header has no \"%s\" column (needed in this file)", r->name, line,
                               sm__ev_col_names[c]);
    }
    r->have_header = true;
    return SM_OK;
}

sm_status sm__ev_row(sm__ev_reader *r, unsigned long line)
{
    bool empty = r->n_fields == 0 || (r->n_fields == 1 && !*r->fields[0]);
    if (empty)
        return SM_OK;
    if (!r->have_header)
        return sm__ev_header(r, line);
    for (int k = 0; k < 3; k++) {
        int c = sm__ev_required[r->kind][k];
        if (c >= 0 && blank(fld(r, c)))
            return bad(r, line, c, "", SM_ERR_PARSE, "%s: missing value", sm__ev_col_names[c]);
    }
    if (sm__grow(&r->ev->alloc, (void **)&r->recs, &r->cap_recs, r->n_recs + 1, sizeof *r->recs))
        return sm__nomem();
    sm__ev_rec *x = &r->recs[r->n_recs];
    memset(x, 0, sizeof *x);
    sm_status st = r->kind == SM_EVENT_PARTICIPANTS ? row_participant(r, line, x)
                   : r->kind == SM_EVENT_AVAILABILITY ? row_avail(r, line, x)
                                                      : row_wish(r, line, x);
    if (!st)
        r->n_recs++;
    return st;
}

static const char *part_key(const void *ctx, uint32_t v)
{
    return ((const sm_event *)ctx)->parts[v].id;
}

static sm_status commit(sm__ev_reader *r)
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

static void apply(sm__ev_reader *r)
{
    sm_event *ev = r->ev;
    for (size_t i = 0; i < r->n_recs; i++) {
        sm__ev_rec *x = &r->recs[i];
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


sm_status sm__ev_finish(sm__ev_reader *r)
{
    if (!r->status)
        r->status = commit(r);
    if (!r->status)
        apply(r);
    for (size_t i = 0; i < r->n_recs; i++) {
        sm__free(&r->ev->alloc, r->recs[i].id);
        sm__free(&r->ev->alloc, r->recs[i].group);
    }
    sm__free(&r->ev->alloc, r->recs);
    r->recs = NULL;
    r->n_recs = r->cap_recs = 0;
    return r->status;
}

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

sm_status sm_event_load_json(sm_event *ev, sm_event_input kind, const char *path)
{
    if (!ev || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_load_json: %s is NULL", ev ? "path" : "event");
    char *buf = NULL;
    size_t len = 0;
    sm_status st = sm__read_file(&ev->alloc, path, NULL, &buf, &len);
    if (st)
        return st;
    st = sm_event_read_json(ev, kind, buf, len, path);
    sm__free(&ev->alloc, buf);
    return st;
}
