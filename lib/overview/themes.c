/* User-defined themes of the overview: named groups of tags, added by the
 * API or read from a "theme,tag" CSV file (libcsv) or a JSON object of
 * arrays (jansson), and each SME's set of themes (its offers and needs that
 * are tags of a group), which the region x theme matrix counts in. Every
 * change is all or nothing: appends are taken back by truncation. */
#include "overview/overview.h"
#include "sm_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SM_HAVE_LIBCSV
#include <csv.h>
#endif
#if SM_HAVE_JANSSON
#include <jansson.h>
#endif

sm_status sm_themes_new(sm_themes **out)
{
    if (!out)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "themes: NULL argument");
    sm_themes *t = sm__calloc(&sm__default_alloc, 1, sizeof *t);
    if (!t)
        return sm__nomem();
    t->alloc = sm__default_alloc;
    *out = t;
    return SM_OK;
}

/* Takes the themes back to n themes, the first of which keep keep[i] tags. */
static void truncate_to(sm_themes *t, size_t n, const size_t *keep)
{
    for (size_t i = 0; i < t->n; i++) {
        sm__theme *th = &t->t[i];
        size_t k = i < n ? keep[i] : 0;
        for (size_t j = k; j < th->n_tags; j++)
            sm__free(&t->alloc, th->tags[j]);
        th->n_tags = k;
        if (i >= n) {
            sm__free(&t->alloc, th->tags);
            sm__free(&t->alloc, th->name);
            memset(th, 0, sizeof *th);
        }
    }
    t->n = n;
}

void sm_themes_free(sm_themes *t)
{
    if (!t)
        return;
    truncate_to(t, 0, NULL);
    sm__free(&t->alloc, t->t);
    sm__alloc a = t->alloc;
    sm__free(&a, t);
}

/* Where a change is made from: a file and a line, or the API. */
typedef struct origin {
    const char *file;
    unsigned long line;
} origin;

/* "file:line: ", "file: " or "" */
static const char *where(char out[300], const origin *o)
{
    if (!o->file)
        out[0] = '\0';
    else if (o->line)
        snprintf(out, 300, "%.250s:%lu: ", o->file, o->line);
    else
        snprintf(out, 300, "%.250s: ", o->file);
    return out;
}

static sm_status add_one(sm_themes *t, const char *theme, const char *tag, const origin *o)
{
    char w[300];
    size_t len = strlen(theme);
    if (!len || len > SM__THEME_NAME_MAX || !sm__utf8_valid(theme, len))
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, o->file, o->line, 0, "theme", theme,
                           "%stheme: the name must be 1 to %d bytes of UTF-8", where(w, o), SM__THEME_NAME_MAX);
    size_t i = 0;
    while (i < t->n && strcmp(t->t[i].name, theme) != 0)
        i++;
    if (i == t->n) {
        if (t->n == SM__THEMES_MAX)
            return sm__fail_at(SM_ERR_LIMIT, o->file, o->line, 0, "theme", theme,
                               "%stheme \"%s\": more than %d themes (merge some)", where(w, o), theme,
                               SM__THEMES_MAX);
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            sm__theme *nt = sm__realloc(&t->alloc, t->t, cap * sizeof *nt);
            if (!nt)
                return sm__nomem();
            t->t = nt;
            t->cap = cap;
        }
        sm__theme *th = &t->t[t->n];
        memset(th, 0, sizeof *th);
        if (!(th->name = sm__strdup(&t->alloc, theme)))
            return sm__nomem();
        t->n++;
    }
    if (!tag)
        return SM_OK;
    char norm[SM_TAG_MAX + 1];
    sm_status st = sm__tag_normalize(norm, tag, "tag");
    if (st) /* the same status, with the place */
        return sm__fail_at(st, o->file, o->line, 0, "tag", tag, "%stag \"%s\" of theme \"%s\": %s", where(w, o), tag, theme,
                           st == SM_ERR_LIMIT ? "too long" : "empty, not UTF-8 or a control character in it");
    sm__theme *th = &t->t[i];
    for (size_t j = 0; j < th->n_tags; j++)
        if (strcmp(th->tags[j], norm) == 0)
            return SM_OK;
    if (sm__grow(&t->alloc, (void **)&th->tags, &th->cap_tags, th->n_tags + 1, sizeof *th->tags))
        return sm__nomem();
    if (!(th->tags[th->n_tags] = sm__strdup(&t->alloc, norm)))
        return sm__nomem();
    th->n_tags++;
    return SM_OK;
}

/* The state to take back to. */
typedef struct mark {
    size_t n;
    size_t keep[SM__THEMES_MAX];
} mark;

static void mark_take(mark *m, const sm_themes *t)
{
    m->n = t->n;
    for (size_t i = 0; i < t->n; i++)
        m->keep[i] = t->t[i].n_tags;
}

sm_status sm_themes_add(sm_themes *t, const char *theme, const char *const *tags, size_t n)
{
    if (!t || !theme || (n && !tags))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "themes add: NULL argument");
    for (size_t j = 0; j < n; j++)
        if (!tags[j])
            return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "tags", NULL, "themes add: tag %zu is NULL", j);
    mark m;
    mark_take(&m, t);
    origin o = { NULL, 0 };
    sm_status st = add_one(t, theme, NULL, &o);
    for (size_t j = 0; !st && j < n; j++)
        st = add_one(t, theme, tags[j], &o);
    if (st)
        truncate_to(t, m.n, m.keep);
    return st;
}

size_t sm_themes_count(const sm_themes *t) { return t ? t->n : 0; }

const char *sm_themes_name(const sm_themes *t, size_t i) { return t && i < t->n ? t->t[i].name : NULL; }

size_t sm_themes_tag_count(const sm_themes *t, size_t i) { return t && i < t->n ? t->t[i].n_tags : 0; }

const char *sm_themes_tag(const sm_themes *t, size_t i, size_t j)
{
    return t && i < t->n && j < t->t[i].n_tags ? t->t[i].tags[j] : NULL;
}

/* ---- CSV: a header naming "theme" and "tag", one row per pair ---------------- */

#if SM_HAVE_LIBCSV

typedef struct csvload {
    sm_themes *t;
    const char *name;
    struct csv_parser p;
    sm_status st;
    unsigned long line, row_line;
    int col_theme, col_tag, header; /* columns; header: seen */
    size_t col;                     /* field in the row */
    char *field[2];                 /* theme and tag of the row in progress */
    size_t count;
} csvload;

static _Thread_local csvload *tl_load; /* libcsv's allocation hooks take no user data */

static void *csv_realloc_fn(void *p, size_t n) { return sm__realloc(&tl_load->t->alloc, p, n); }
static void csv_free_fn(void *p) { sm__free(&tl_load->t->alloc, p); }

static void on_field(void *s, size_t n, void *ud)
{
    csvload *c = ud;
    size_t col = c->col++;
    if (c->st)
        return;
    if (!c->row_line)
        c->row_line = c->line;
    if (!c->header) {
        if (n == 5 && memcmp(s, "theme", 5) == 0)
            c->col_theme = (int)col;
        else if (n == 3 && memcmp(s, "tag", 3) == 0)
            c->col_tag = (int)col;
        return;
    }
    int slot = (int)col == c->col_theme ? 0 : (int)col == c->col_tag ? 1 : -1;
    if (slot < 0)
        return;
    char *f = sm__malloc(&c->t->alloc, n + 1);
    if (!f) {
        c->st = sm__nomem();
        return;
    }
    memcpy(f, s, n);
    f[n] = '\0';
    if (memchr(f, '\0', n)) {
        c->st = sm__fail_at(SM_ERR_PARSE, c->name, c->row_line, col + 1, slot ? "tag" : "theme", NULL,
                            "%s:%lu: %s: a NUL byte in the field", c->name, c->row_line, slot ? "tag" : "theme");
        sm__free(&c->t->alloc, f);
        return;
    }
    sm__free(&c->t->alloc, c->field[slot]);
    c->field[slot] = f;
}

static void on_row(int term, void *ud)
{
    (void)term;
    csvload *c = ud;
    unsigned long line = c->row_line ? c->row_line : c->line;
    size_t cols = c->col;
    c->col = 0;
    c->row_line = 0;
    if (c->st)
        return;
    if (!c->header) {
        if (cols == 1 && c->col_theme < 0 && c->col_tag < 0)
            return; /* a blank line before the header */
        if (c->col_theme < 0 || c->col_tag < 0) {
            c->st = sm__fail_at(SM_ERR_PARSE, c->name, line, 0, c->col_theme < 0 ? "theme" : "tag", NULL,
                                "%s:%lu: the header must name the columns \"theme\" and \"tag\" (no \"%s\")", c->name,
                                line, c->col_theme < 0 ? "theme" : "tag");
            return;
        }
        c->header = 1;
        return;
    }
    if (cols == 1 && !c->field[0] && !c->field[1])
        return; /* a blank line */
    if (!c->field[0] || !c->field[1]) {
        c->st = sm__fail_at(SM_ERR_PARSE, c->name, line, 0, c->field[0] ? "tag" : "theme", NULL,
                            "%s:%lu: the row has no \"%s\" field (%zu fields)", c->name, line,
                            c->field[0] ? "tag" : "theme", cols);
    } else {
        origin o = { c->name, line };
        c->st = add_one(c->t, c->field[0], c->field[1], &o);
        c->count++;
    }
    for (int s = 0; s < 2; s++) {
        sm__free(&c->t->alloc, c->field[s]);
        c->field[s] = NULL;
    }
}

static sm_status read_csv(sm_themes *t, const char *data, size_t size, const char *name, size_t *count)
{
    csvload c = { .t = t, .name = name, .line = 1, .col_theme = -1, .col_tag = -1 };
    csvload *saved = tl_load;
    tl_load = &c;
    csv_init(&c.p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_realloc_func(&c.p, csv_realloc_fn);
    csv_set_free_func(&c.p, csv_free_fn);
    /* one physical line at a time, so that a row knows the line it starts on */
    size_t pos = 0;
    while (pos < size && !c.st) {
        const char *nl = memchr(data + pos, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) + 1 : size - pos;
        if (csv_parse(&c.p, data + pos, n, on_field, on_row, &c) != n && !c.st) {
            int err = csv_error(&c.p);
            c.st = err == CSV_ENOMEM || err == CSV_ETOOBIG
                       ? sm__nomem()
                       : sm__fail_at(SM_ERR_PARSE, name, c.line, 0, NULL, NULL,
                                     "%s:%lu: malformed CSV (a quote inside an unquoted field, or text after a "
                                     "closing quote)", name, c.line);
        }
        pos += n;
        c.line++;
    }
    if (!c.st && csv_fini(&c.p, on_field, on_row, &c) != 0 && !c.st)
        c.st = sm__fail_at(SM_ERR_PARSE, name, c.line, 0, NULL, NULL, "%s:%lu: a quoted field is not closed", name,
                           c.line > 1 ? c.line - 1 : 1);
    if (!c.st && !c.header)
        c.st = sm__fail_at(SM_ERR_PARSE, name, 1, 0, NULL, NULL,
                           "%s: no header (the first line names the columns \"theme\" and \"tag\")", name);
    csv_free(&c.p);
    for (int s = 0; s < 2; s++)
        sm__free(&t->alloc, c.field[s]);
    tl_load = saved;
    *count = c.count;
    return c.st;
}

#else

static sm_status read_csv(sm_themes *t, const char *data, size_t size, const char *name, size_t *count)
{
    (void)t, (void)data, (void)size, (void)count;
    return sm__fail(SM_ERR_UNSUPPORTED, "%s: CSV themes need libcsv (built without it)", name);
}

#endif

/* ---- JSON: {"theme": ["tag", ...], ...} ------------------------------------- */

#if SM_HAVE_JANSSON

static sm_status read_json(sm_themes *t, const char *data, size_t size, const char *name, size_t *count)
{
    json_error_t err;
    json_t *root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        if (json_error_code(&err) == json_error_out_of_memory)
            return sm__nomem();
        return sm__fail_at(SM_ERR_PARSE, name, err.line > 0 ? (unsigned long)err.line : 0,
                           err.column > 0 ? (unsigned long)err.column : 0, NULL, NULL, "%s:%d: %s", name, err.line,
                           err.text);
    }
    sm_status st = SM_OK;
    if (!json_is_object(root))
        st = sm__fail_at(SM_ERR_PARSE, name, 1, 0, NULL, NULL,
                         "%s: expected an object of themes, {\"theme\": [\"tag\", ...], ...}", name);
    const char *key;
    json_t *v;
    size_t n = 0, entry = 0;
    json_object_foreach(root, key, v)
    {
        entry++;
        /* jansson keeps no positions: the message counts themes instead */
        origin o = { name, 0 };
        if (st)
            break;
        if (!json_is_array(v)) {
            st = sm__fail_at(SM_ERR_PARSE, name, 0, 0, "theme", key,
                             "%s: theme %zu \"%s\": the value must be an array of tags", name, entry, key);
            break;
        }
        if ((st = add_one(t, key, NULL, &o)))
            break;
        size_t j;
        json_t *tag;
        json_array_foreach(v, j, tag)
        {
            if (!json_is_string(tag)) {
                st = sm__fail_at(SM_ERR_PARSE, name, 0, 0, "tag", key,
                                 "%s: theme \"%s\", tag %zu: must be a string", name, key, j + 1);
                break;
            }
            const char *s = json_string_value(tag);
            if (strlen(s) != json_string_length(tag)) {
                st = sm__fail_at(SM_ERR_PARSE, name, 0, 0, "tag", key, "%s: theme \"%s\", tag %zu: a NUL byte in it",
                                 name, key, j + 1);
                break;
            }
            if ((st = add_one(t, key, s, &o)))
                break;
            n++;
        }
    }
    json_decref(root);
    *count = n;
    return st;
}

#else

static sm_status read_json(sm_themes *t, const char *data, size_t size, const char *name, size_t *count)
{
    (void)t, (void)data, (void)size, (void)count;
    return sm__fail(SM_ERR_UNSUPPORTED, "%s: JSON themes need jansson (built without it)", name);
}

#endif

static bool is_json(const char *data, size_t size, const char *name)
{
    size_t len = strlen(name);
    if (len >= 5 && strcmp(name + len - 5, ".json") == 0)
        return true;
    size_t i = 0;
    if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i < size && data[i] == '{';
}

sm_status sm_themes_load_buffer(sm_themes *t, const char *data, size_t size, const char *name, size_t *out_count)
{
    if (!t || (!data && size))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "themes load: NULL argument");
    if (!name)
        name = "buffer";
    if (!data)
        data = "";
    mark m;
    mark_take(&m, t);
    size_t count = 0;
    sm_status st = is_json(data, size, name) ? read_json(t, data, size, name, &count)
                                             : read_csv(t, data, size, name, &count);
    if (st) {
        truncate_to(t, m.n, m.keep);
        return st;
    }
    if (out_count)
        *out_count = count;
    return SM_OK;
}

sm_status sm_themes_load(sm_themes *t, const char *path, size_t *out_count)
{
    if (!t || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "themes load: NULL argument");
    char *buf = NULL;
    size_t len = 0;
    sm_status st = sm__read_file(&t->alloc, path, NULL, &buf, &len);
    if (st)
        return st;
    st = sm_themes_load_buffer(t, buf, len, path, out_count);
    sm__free(&t->alloc, buf);
    return st;
}

/* ---- each SME's themes ------------------------------------------------------ */

static const char *tag_key(const void *ctx, uint32_t v) { return ((const sm_engine *)ctx)->tags.str[v]; }

sm_status sm__ov_theme_masks(uint64_t **out, sm__ov_axis *x, const sm_engine *e, const sm_themes *t,
                             const sm__alloc *a)
{
    size_t n = e->smes.n, nt = e->tags.n;
    uint64_t *tag_mask = sm__calloc(a, nt ? nt : 1, sizeof *tag_mask);
    uint64_t *mask = sm__calloc(a, n ? n : 1, sizeof *mask);
    x->code = sm__calloc(a, t->n, sizeof *x->code);
    x->name = sm__calloc(a, t->n, sizeof *x->name);
    x->smes = sm__calloc(a, t->n, sizeof *x->smes);
    if (!tag_mask || !mask || !x->code || !x->name || !x->smes) {
        sm__free(a, tag_mask);
        sm__free(a, mask);
        return sm__nomem();
    }
    x->n = t->n;
    for (size_t i = 0; i < t->n; i++) {
        if (!(x->code[i] = sm__strdup(a, t->t[i].name)) || !(x->name[i] = sm__strdup(a, t->t[i].name))) {
            sm__free(a, tag_mask);
            sm__free(a, mask);
            return sm__nomem();
        }
        for (size_t j = 0; j < t->t[i].n_tags; j++) {
            uint32_t id;
            if (sm__hmap_get(&e->tags.map, t->t[i].tags[j], tag_key, e, &id))
                tag_mask[id] |= 1ull << i; /* a tag no SME uses matches nothing */
        }
    }
    for (size_t s = 0; s < n; s++) {
        const uint32_t *off = sm__sme_offers(e, s), *need = sm__sme_needs(e, s);
        uint64_t m = 0;
        for (size_t k = 0; k < e->smes.n_offers[s]; k++)
            m |= tag_mask[off[k]];
        for (size_t k = 0; k < e->smes.n_needs[s]; k++)
            m |= tag_mask[need[k]];
        mask[s] = m;
    }
    sm__free(a, tag_mask);
    *out = mask;
    return SM_OK;
}
