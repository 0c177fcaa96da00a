/* Loading cooperation histories (sm_history_load): CSV with the columns
 * a,b,date[,kind] (one pair a row) or group,member,date[,kind] (one member
 * a row), or a JSON array of {"members": [...] | "a", "b", "date", "kind"}.
 * The file is read whole into rows, checked, grouped, and added in one
 * step under the writer lock, so that a bad file adds nothing. */
#include "core/history.h"
#include "io/io.h"
#include "sm_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SM_HAVE_LIBCSV
#include <csv.h>
#endif
#if SM_HAVE_JANSSON
#include <jansson.h>
#endif

/* One member of one cooperation as read. */
typedef struct hrow {
    const char *group;  /* arena; rows of a cooperation share it */
    const char *member; /* arena */
    const char *date;   /* arena */
    const char *kind;   /* arena */
    unsigned long line;
    size_t seq;         /* order read, to keep groups in file order */
} hrow;

typedef struct hload {
    const sm__alloc *alloc;
    sm__arena arena;
    const char *name;
    hrow *rows;
    size_t n, cap;
    sm_status st;
    /* CSV */
    int col[4];         /* field index of a/group, b/member, date, kind; -1 absent */
    int group_form;     /* header said group,member */
    const char *field[8];
    size_t n_fields;
    unsigned long line;
    bool header_done;
    size_t pairs;       /* pair rows read (group names are their numbers) */
} hload;

static sm_status hfail(hload *ld, sm_status st, unsigned long line, const char *field, const char *value,
                       const char *what)
{
    if (!ld->st)
        ld->st = sm__fail_at(st, ld->name, line, 0, field, value, "%s:%lu: %s%s%s%s%s%s", ld->name, line,
                             field ? field : "", field ? ": " : "", what, value ? " \"" : "", value ? value : "",
                             value ? "\"" : "");
    return ld->st;
}

static char *hdup(hload *ld, const char *s, size_t n)
{
    char *d = sm__arena_alloc(&ld->arena, ld->alloc, n + 1);
    if (!d) {
        ld->st = ld->st ? ld->st : sm__nomem();
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static sm_status add_row(hload *ld, const char *group, const char *member, const char *date, const char *kind,
                         unsigned long line)
{
    if (sm__grow(ld->alloc, (void **)&ld->rows, &ld->cap, ld->n + 1, sizeof *ld->rows))
        return ld->st = ld->st ? ld->st : SM_ERR_NOMEM;
    hrow *r = &ld->rows[ld->n];
    r->group = group;
    r->member = member;
    r->date = date;
    r->kind = kind ? kind : "";
    r->line = line;
    r->seq = ld->n++;
    return SM_OK;
}

/* A pair (a, b) as a group of its own, named by its number. */
static sm_status add_pair(hload *ld, const char *a, const char *b, const char *date, const char *kind,
                          unsigned long line)
{
    char num[32];
    int len = snprintf(num, sizeof num, "\x01%zu", ld->pairs++); /* \x01 keeps them apart from ids */
    const char *g = hdup(ld, num, (size_t)len);
    if (!g || add_row(ld, g, a, date, kind, line) || add_row(ld, g, b, date, kind, line))
        return ld->st;
    return SM_OK;
}

/* ---- CSV ------------------------------------------------------------------ */

#if SM_HAVE_LIBCSV
static _Thread_local const sm__alloc *tl_alloc;
static void *h_csv_realloc(void *p, size_t n)
{
    return sm__realloc(tl_alloc, p, n);
}
static void h_csv_free(void *p)
{
    sm__free(tl_alloc, p);
}

static bool name_is(const char *s, const char *name)
{
    size_t i = 0;
    for (; s[i] && name[i]; i++)
        if ((s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]) != name[i])
            return false;
    return s[i] == name[i];
}

static void on_field(void *s, size_t len, void *data)
{
    hload *ld = data;
    if (ld->st)
        return;
    if (ld->n_fields == 8) {
        hfail(ld, SM_ERR_PARSE, ld->line, NULL, NULL, "more than 8 columns");
        return;
    }
    /* trim spaces around a cell */
    const char *p = s;
    while (len && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
        len--;
    if (memchr(p, '\0', len)) {
        hfail(ld, SM_ERR_PARSE, ld->line, NULL, NULL, "a NUL byte in a cell");
        return;
    }
    ld->field[ld->n_fields++] = hdup(ld, p, len);
}

static void header(hload *ld)
{
    static const char *const names[2][4] = { { "a", "b", "date", "kind" }, { "group", "member", "date", "kind" } };
    for (int f = 0; f < 2 && ld->col[0] < 0; f++) {
        int col[4] = { -1, -1, -1, -1 };
        for (size_t i = 0; i < ld->n_fields; i++)
            for (int k = 0; k < 4; k++)
                if (ld->field[i] && name_is(ld->field[i], names[f][k]))
                    col[k] = (int)i;
        if (col[0] >= 0 && col[1] >= 0 && col[2] >= 0) {
            memcpy(ld->col, col, sizeof col);
            ld->group_form = f;
        }
    }
    if (ld->col[0] < 0)
        hfail(ld, SM_ERR_PARSE, ld->line, NULL, NULL,
              "the header needs the columns a,b,date or group,member,date (and optionally kind)");
}

static void on_row(int c, void *data)
{
    (void)c;
    hload *ld = data;
    ld->line++;
    if (ld->st)
        return;
    size_t nf = ld->n_fields;
    ld->n_fields = 0;
    if (nf == 1 && ld->field[0] && !ld->field[0][0])
        return; /* a blank line */
    ld->n_fields = nf;
    if (!ld->header_done) {
        header(ld);
        ld->header_done = true;
        ld->n_fields = 0;
        return;
    }
    const char *v[4] = { NULL, NULL, NULL, NULL };
    for (int k = 0; k < 4; k++)
        if (ld->col[k] >= 0 && (size_t)ld->col[k] < nf)
            v[k] = ld->field[ld->col[k]];
    ld->n_fields = 0;
    static const char *const names[2][3] = { { "a", "b", "date" }, { "group", "member", "date" } };
    for (int k = 0; k < 3; k++)
        if (!v[k] || !v[k][0]) {
            hfail(ld, SM_ERR_PARSE, ld->line, names[ld->group_form][k], NULL, "empty or missing");
            return;
        }
    if (ld->group_form)
        add_row(ld, v[0], v[1], v[2], v[3], ld->line);
    else
        add_pair(ld, v[0], v[1], v[2], v[3], ld->line);
}

static sm_status read_csv(hload *ld, const char *data, size_t size)
{
    struct csv_parser p;
    const sm__alloc *prev = tl_alloc;
    tl_alloc = ld->alloc;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        tl_alloc = prev;
        return hfail(ld, SM_ERR_NOMEM, 0, NULL, NULL, "out of memory");
    }
    csv_set_realloc_func(&p, h_csv_realloc);
    csv_set_free_func(&p, h_csv_free);
    ld->line = 0;
    for (int k = 0; k < 4; k++)
        ld->col[k] = -1;
    size_t done = csv_parse(&p, data, size, on_field, on_row, ld);
    int err = csv_error(&p);
    if (!ld->st && done != size)
        hfail(ld, err == CSV_ENOMEM ? SM_ERR_NOMEM : SM_ERR_PARSE, ld->line + 1, NULL, NULL,
              err == CSV_ENOMEM ? "out of memory" : "malformed CSV (a stray quote?)");
    if (!ld->st && csv_fini(&p, on_field, on_row, ld) != 0)
        hfail(ld, csv_error(&p) == CSV_ENOMEM ? SM_ERR_NOMEM : SM_ERR_PARSE, ld->line + 1, NULL, NULL,
              "malformed CSV at the end (an unclosed quote?)");
    if (!ld->st && !ld->header_done)
        hfail(ld, SM_ERR_PARSE, 1, NULL, NULL, "empty file: no header");
    csv_free(&p);
    tl_alloc = prev;
    return ld->st;
}
#else
static sm_status read_csv(hload *ld, const char *data, size_t size)
{
    (void)data, (void)size;
    return hfail(ld, SM_ERR_UNSUPPORTED, 0, NULL, NULL, "CSV support was not built (libcsv)");
}
#endif

/* ---- JSON ------------------------------------------------------------------ */

#if SM_HAVE_JANSSON
static const char *jstr(hload *ld, json_t *o, const char *key, unsigned long line, bool required)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required)
            hfail(ld, SM_ERR_PARSE, line, key, NULL, "missing");
        return NULL;
    }
    if (!json_is_string(v)) {
        hfail(ld, SM_ERR_PARSE, line, key, NULL, "must be a string");
        return NULL;
    }
    return hdup(ld, json_string_value(v), json_string_length(v));
}

static sm_status read_json(hload *ld, const char *data, size_t size)
{
    json_error_t err;
    /* jansson allocates through the engine's allocator, as for SMEs (json.c) */
    const sm__alloc *old = sm__json_alloc_enter(ld->alloc);
    json_t *root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &err);
    bool failed = sm__json_alloc_failed();
    if (root && failed) { /* parsed short of memory (jansson drops bytes it cannot store): not trusted */
        json_decref(root);
        root = NULL;
    }
    sm__json_alloc_leave(old);
    if (!root && (failed || json_error_code(&err) == json_error_out_of_memory))
        return ld->st = sm__nomem();
    if (!root)
        return hfail(ld, SM_ERR_PARSE, (unsigned long)(err.line > 0 ? err.line : 0), NULL, NULL, err.text);
    if (!json_is_array(root)) {
        old = sm__json_alloc_enter(ld->alloc);
        json_decref(root);
        sm__json_alloc_leave(old);
        return hfail(ld, SM_ERR_PARSE, 1, NULL, NULL, "expected an array of cooperations");
    }
    size_t i;
    json_t *o;
    json_array_foreach(root, i, o)
    {
        unsigned long line = (unsigned long)i + 1; /* the record's number: jansson keeps no positions */
        if (!json_is_object(o)) {
            hfail(ld, SM_ERR_PARSE, line, NULL, NULL, "a cooperation must be an object");
            break;
        }
        const char *date = jstr(ld, o, "date", line, true);
        const char *kind = jstr(ld, o, "kind", line, false);
        json_t *m = json_object_get(o, "members");
        if (ld->st)
            break;
        if (m) {
            if (!json_is_array(m)) {
                hfail(ld, SM_ERR_PARSE, line, "members", NULL, "must be an array of ids");
                break;
            }
            char num[32];
            int len = snprintf(num, sizeof num, "\x02%zu", i);
            const char *g = hdup(ld, num, (size_t)len);
            size_t j;
            json_t *id;
            json_array_foreach(m, j, id)
            {
                if (!json_is_string(id)) {
                    hfail(ld, SM_ERR_PARSE, line, "members", NULL, "must be an array of ids");
                    break;
                }
                const char *s = hdup(ld, json_string_value(id), json_string_length(id));
                if (!g || !s || add_row(ld, g, s, date, kind, line))
                    break;
            }
            if (!ld->st && json_array_size(m) < 2)
                hfail(ld, SM_ERR_INVALID_ARGUMENT, line, "members", NULL, "a cooperation needs two members or more");
        } else {
            const char *a = jstr(ld, o, "a", line, true);
            const char *b = a ? jstr(ld, o, "b", line, true) : NULL;
            if (a && b)
                add_pair(ld, a, b, date, kind, line);
        }
        if (ld->st)
            break;
    }
    old = sm__json_alloc_enter(ld->alloc);
    json_decref(root);
    sm__json_alloc_leave(old);
    return ld->st;
}
#else
static sm_status read_json(hload *ld, const char *data, size_t size)
{
    (void)data, (void)size;
    return hfail(ld, SM_ERR_UNSUPPORTED, 0, NULL, NULL, "JSON support was not built (jansson)");
}
#endif

/* ---- grouping and applying ---------------------------------------------- */

static int cmp_rows(const void *x, const void *y)
{
    const hrow *a = x, *b = y;
    int c = strcmp(a->group, b->group);
    if (c)
        return c;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Order of events: by their first row in the file. */
typedef struct hgroup {
    size_t first_seq, start, n;
} hgroup;

static int cmp_groups(const void *x, const void *y)
{
    const hgroup *a = x, *b = y;
    return (a->first_seq > b->first_seq) - (a->first_seq < b->first_seq);
}

static sm_status apply(hload *ld, sm_engine *e, size_t *out_count)
{
    if (ld->n) /* a file of a header only has no rows (and rows may be NULL) */
        qsort(ld->rows, ld->n, sizeof *ld->rows, cmp_rows);
    size_t ng = 0;
    for (size_t i = 0; i < ld->n; i++)
        ng += i == 0 || strcmp(ld->rows[i].group, ld->rows[i - 1].group) != 0;
    hgroup *g = sm__malloc(ld->alloc, (ng ? ng : 1) * sizeof *g);
    uint32_t *members = sm__malloc(ld->alloc, (ld->n ? ld->n : 1) * sizeof *members);
    uint32_t *counts = sm__malloc(ld->alloc, (ng ? ng : 1) * sizeof *counts);
    int32_t *days = sm__malloc(ld->alloc, (ng ? ng : 1) * sizeof *days);
    uint16_t *kinds = sm__malloc(ld->alloc, (ng ? ng : 1) * sizeof *kinds);
    uint32_t *sorted = sm__malloc(ld->alloc, (ld->n ? ld->n : 1) * sizeof *sorted);
    sm_status st = SM_OK;
    if (!g || !members || !counts || !days || !kinds || !sorted) {
        st = sm__nomem();
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < ld->n; i++) {
        if (i == 0 || strcmp(ld->rows[i].group, ld->rows[i - 1].group) != 0) {
            g[k].first_seq = ld->rows[i].seq;
            g[k].start = i;
            g[k++].n = 0;
        }
        g[k - 1].n++;
    }
    qsort(g, ng, sizeof *g, cmp_groups);
    sm__wrlock(e);
    sm__history *h = e->history;
    if (!h) {
        if (!(h = sm__malloc(&e->alloc, sizeof *h))) {
            st = sm__nomem();
            goto unlock;
        }
        sm__history_init(h, &e->alloc);
        e->history = h;
    }
    unsigned n_kinds_before = h->n_kinds;
    size_t m = 0;
    for (size_t i = 0; i < ng && !st; i++) {
        const hrow *r0 = &ld->rows[g[i].start];
        if (g[i].n < 2) {
            st = sm__fail_at(SM_ERR_INVALID_ARGUMENT, ld->name, r0->line, 0, "group", r0->group,
                             "%s:%lu: group: \"%s\" has one member; a cooperation needs two or more", ld->name,
                             r0->line, r0->group);
            break;
        }
        if (g[i].n > SM__HIST_MEMBERS_MAX) {
            st = sm__fail_at(SM_ERR_LIMIT, ld->name, r0->line, 0, "group", r0->group,
                             "%s:%lu: group: \"%s\" has more than %u members", ld->name, r0->line, r0->group,
                             SM__HIST_MEMBERS_MAX);
            break;
        }
        if (!sm__day_parse(r0->date, strlen(r0->date), &days[i])) {
            st = sm__fail_at(SM_ERR_PARSE, ld->name, r0->line, 0, "date", r0->date,
                             "%s:%lu: date: \"%s\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", ld->name, r0->line,
                             r0->date);
            break;
        }
        for (size_t j = 0; j < g[i].n && !st; j++) {
            const hrow *r = &ld->rows[g[i].start + j];
            if (strcmp(r->date, r0->date) != 0)
                st = sm__fail_at(SM_ERR_INVALID_ARGUMENT, ld->name, r->line, 0, "date", r->date,
                                 "%s:%lu: date: \"%s\" differs from \"%s\" on line %lu of the same group", ld->name,
                                 r->line, r->date, r0->date, r0->line);
            long x = st ? 0 : sm__sme_find(e, r->member);
            if (!st && x < 0)
                st = sm__fail_at(SM_ERR_NOT_FOUND, ld->name, r->line, 0, "member", r->member,
                                 "%s:%lu: member: no SME \"%s\" (load the SMEs before their history)", ld->name,
                                 r->line, r->member);
            for (size_t t = 0; t < j && !st; t++)
                if (members[m + t] == (uint32_t)x)
                    st = sm__fail_at(SM_ERR_DUPLICATE, ld->name, r->line, 0, "member", r->member,
                                     "%s:%lu: member: \"%s\" is listed twice in one cooperation", ld->name, r->line,
                                     r->member);
            if (!st)
                members[m + j] = (uint32_t)x;
        }
        if (!st && (st = sm__history_kind(h, r0->kind, &kinds[i])))
            break;
        counts[i] = (uint32_t)g[i].n;
        m += g[i].n;
    }
    if (!st)
        st = sm__history_reserve(h, e->smes.n, members, counts, ng);
    if (st) {
        /* kinds interned by this load go again: nothing refers to them */
        while (h->n_kinds > n_kinds_before)
            sm__free(&h->alloc, h->kinds[--h->n_kinds]);
        goto unlock;
    }
    m = 0;
    for (size_t i = 0; i < ng; i++) {
        sm__history_commit(h, members + m, counts[i], days[i], kinds[i]);
        m += counts[i];
    }
    sm__history_members_grew(e, members, m);
    if (ng)
        sm__history_changed(e); /* caches keyed by the generation see it */
    if (out_count)
        *out_count = ng;
unlock:
    sm__unlock(e);
done:
    sm__free(ld->alloc, g);
    sm__free(ld->alloc, members);
    sm__free(ld->alloc, counts);
    sm__free(ld->alloc, days);
    sm__free(ld->alloc, kinds);
    sm__free(ld->alloc, sorted);
    return st;
}

sm_status sm_history_load_buffer(sm_engine *engine, const char *data, size_t size, const char *name,
                                 size_t *out_count)
{
    if (!engine || (!data && size))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "history: NULL %s", engine ? "data" : "engine");
    hload ld;
    memset(&ld, 0, sizeof ld);
    ld.alloc = &engine->alloc;
    ld.name = name ? name : "buffer";
    size_t i = 0;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* byte order mark */
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    size_t nl = strlen(ld.name);
    bool json = (i < size && data[i] == '[') || (nl >= 5 && strcmp(ld.name + nl - 5, ".json") == 0);
    sm_status st = json ? read_json(&ld, data ? data : "", size) : read_csv(&ld, data ? data : "", size);
    if (!st)
        st = apply(&ld, engine, out_count);
    sm__free(ld.alloc, ld.rows);
    sm__arena_free(&ld.arena, ld.alloc);
    return st;
}

sm_status sm_history_load(sm_engine *engine, const char *path, size_t *out_count)
{
    if (!engine || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "history: NULL %s", engine ? "path" : "engine");
    char *buf = NULL;
    size_t len = 0;
    sm_status st = sm__read_file(&engine->alloc, path, "the history file", &buf, &len);
    if (st)
        return st;
    st = sm_history_load_buffer(engine, buf, len, path, out_count);
    sm__free(&engine->alloc, buf);
    return st;
}
