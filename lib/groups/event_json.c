/* Event JSON files (parsed by jansson): a list of objects, bare or under the
 * kind's key ("participants", "requests", "availability", "locks"; a plan
 * written by sm_event_plan_write_json() reads as locks through its
 * "meetings"). Each object's values become the text fields of one record
 * for the format-neutral reader (event_io.c), so CSV and JSON are checked by
 * the same code; messages name the record by its JSON path. */
#include "groups/event.h"
#include "sm_config.h"

#include <stdio.h>
#include <string.h>

#if SM_HAVE_JANSSON

#include <jansson.h>

static const char *const list_keys[4][2] = {
    [SM_EVENT_PARTICIPANTS] = { "participants", NULL },
    [SM_EVENT_REQUESTS] = { "requests", "wishes" },
    [SM_EVENT_AVAILABILITY] = { "availability", NULL },
    [SM_EVENT_LOCKS] = { "locks", "meetings" },
};

/* The keys of each kind, by column; keys a written plan adds that mean
 * nothing on reading are allowed too. */
static const int kind_cols[4][8] = {
    [SM_EVENT_PARTICIPANTS] = { SM__EV_ID, SM__EV_CAPACITY, SM__EV_GROUP, SM__EV_UNAVAILABLE, -1 },
    [SM_EVENT_REQUESTS] = { SM__EV_A, SM__EV_B, SM__EV_PRIORITY, SM__EV_STATUS, SM__EV_SLOT, SM__EV_TABLE,
                            SM__EV_SCORE, -1 },
    [SM_EVENT_AVAILABILITY] = { SM__EV_ID, SM__EV_UNAVAILABLE, -1 },
    [SM_EVENT_LOCKS] = { SM__EV_SLOT, SM__EV_TABLE, SM__EV_A, SM__EV_B, SM__EV_PRIORITY, SM__EV_SCORE, SM__EV_STATUS,
                         -1 },
};
static const char *const ignored_keys[] = { "weight", "session", "note" };

static const char *examples[4] = {
    [SM_EVENT_PARTICIPANTS] = "{\"id\": \"AT-00004\", \"capacity\": 6, \"unavailable\": [1, 2]}",
    [SM_EVENT_REQUESTS] = "{\"a\": \"AL-00001\", \"b\": \"AT-00024\", \"priority\": 2, \"status\": \"accepted\"}",
    [SM_EVENT_AVAILABILITY] = "{\"id\": \"AT-00004\", \"unavailable\": [\"afternoon\", 3]}",
    [SM_EVENT_LOCKS] = "{\"slot\": 3, \"table\": 1, \"a\": \"AL-00001\", \"b\": \"AT-00024\"}",
};

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

typedef struct jreader {
    sm__ev_reader r;
    char *vals[SM__EV_COL_COUNT];
    char nums[SM__EV_COL_COUNT][40]; /* numbers as text */
    char *list;                       /* "unavailable" given as a list, as text */
    size_t list_cap;
} jreader;

static sm_status jbad(jreader *j, int c, const char *value, sm_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static sm_status jbad(jreader *j, int c, const char *value, sm_status st, const char *fmt, ...)
{
    char msg[512], path[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const sm__ev_reader *r = &j->r;
    snprintf(path, sizeof path, "%s[%zu]%s%s", r->json_key, r->json_index, c >= 0 ? "." : "",
             c >= 0 ? sm__ev_col_names[c] : "");
    return sm__fail_at(st, r->name, 0, 0, path, value, "%s: %s: %s", r->name, path, msg);
}

static sm_status grow_list(jreader *j, size_t need)
{
    return sm__grow(&j->r.ev->alloc, (void **)&j->list, &j->list_cap, need, 1);
}

/* "unavailable": [1, "3-4", "afternoon"] -> "1;3-4;afternoon" */
static sm_status list_text(jreader *j, const json_t *arr)
{
    size_t n = 0, i;
    const json_t *x;
    if (grow_list(j, 1))
        return sm__nomem();
    json_array_foreach(arr, i, x) {
        char num[40];
        const char *s;
        if (json_is_integer(x)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(x));
            s = num;
        } else if (json_is_string(x)) {
            s = json_string_value(x);
        } else {
            return jbad(j, SM__EV_UNAVAILABLE, NULL, SM_ERR_PARSE,
                        "item %zu is %s: list slot numbers, ranges (\"4-6\") or session names, e.g. [1, \"4-6\", "
                        "\"afternoon\"]",
                        i, type_name(x));
        }
        size_t len = strlen(s);
        if (grow_list(j, n + len + 2))
            return sm__nomem();
        if (n)
            j->list[n++] = ';';
        memcpy(j->list + n, s, len);
        n += len;
    }
    j->list[n] = '\0';
    j->vals[SM__EV_UNAVAILABLE] = j->list;
    return SM_OK;
}

static bool allowed(sm_event_input kind, int c)
{
    for (int k = 0; kind_cols[kind][k] >= 0; k++)
        if (kind_cols[kind][k] == c)
            return true;
    return false;
}

static sm_status unknown_key(jreader *j, const char *key)
{
    char keys[160] = "";
    size_t off = 0;
    for (int k = 0; kind_cols[j->r.kind][k] >= 0; k++) {
        int w = snprintf(keys + off, sizeof keys - off, "%s%s", k ? ", " : "", sm__ev_col_names[kind_cols[j->r.kind][k]]);
        off += w > 0 && (size_t)w < sizeof keys - off ? (size_t)w : 0;
    }
    sm__ev_reader *r = &j->r;
    char path[96];
    snprintf(path, sizeof path, "%s[%zu].%s", r->json_key, r->json_index, key);
    return sm__fail_at(SM_ERR_PARSE, r->name, 0, 0, path, key, "%s: %s: unknown key \"%s\" (the keys here: %s)",
                       r->name, path, key, keys);
}

/* The object's values as the record's fields. */
static sm_status record(jreader *j, const json_t *obj)
{
    const char *key;
    json_t *v;
    for (int c = 0; c < SM__EV_COL_COUNT; c++)
        j->vals[c] = NULL;
    json_object_foreach((json_t *)obj, key, v) {
        int c = -1;
        for (int k = 0; k < SM__EV_COL_COUNT; k++)
            if (strcmp(key, sm__ev_col_names[k]) == 0)
                c = k;
        if (c < 0 || !allowed(j->r.kind, c)) {
            bool ignored = false;
            for (size_t k = 0; k < sizeof ignored_keys / sizeof *ignored_keys; k++)
                ignored |= strcmp(key, ignored_keys[k]) == 0;
            if (ignored)
                continue;
            return unknown_key(j, key);
        }
        if (json_is_string(v)) {
            j->vals[c] = (char *)json_string_value(v); /* borrowed; jansson refuses \u0000 */
        } else if (json_is_integer(v)) {
            snprintf(j->nums[c], sizeof j->nums[c], "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            j->vals[c] = j->nums[c];
        } else if (json_is_real(v)) {
            snprintf(j->nums[c], sizeof j->nums[c], "%.17g", json_real_value(v));
            j->vals[c] = j->nums[c];
        } else if (json_is_null(v)) {
            j->vals[c] = NULL;
        } else if (json_is_array(v) && c == SM__EV_UNAVAILABLE) {
            sm_status st = list_text(j, v);
            if (st)
                return st;
        } else {
            return jbad(j, c, NULL, SM_ERR_PARSE, "%s is %s: give a %s", sm__ev_col_names[c], type_name(v),
                        c == SM__EV_UNAVAILABLE ? "list such as [1, \"4-6\", \"afternoon\"] or a string \"1;4-6\""
                        : c == SM__EV_ID || c == SM__EV_A || c == SM__EV_B || c == SM__EV_GROUP ||
                                c == SM__EV_STATUS
                            ? "string"
                            : "number");
        }
    }
    return SM_OK;
}

static sm_status read_list(jreader *j, const json_t *list)
{
    sm__ev_reader *r = &j->r;
    size_t i;
    const json_t *x;
    json_array_foreach(list, i, x) {
        r->json_index = i;
        if (!json_is_object(x))
            return jbad(j, -1, NULL, SM_ERR_PARSE, "expected an object such as %s, got %s", examples[r->kind],
                        type_name(x));
        sm_status st = record(j, x);
        if (!st)
            st = sm__ev_row(r, 0);
        if (st)
            return st;
    }
    return SM_OK;
}

sm_status sm_event_read_json(sm_event *ev, sm_event_input kind, const char *text, size_t len, const char *name)
{
    if (!ev || (!text && len))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_read_json: %s is NULL", ev ? "text" : "event");
    if ((unsigned)kind > SM_EVENT_LOCKS)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_read_json: unknown kind %d", (int)kind);
    if (!name)
        name = "input";
    json_error_t err;
    const sm__alloc *old = sm__json_alloc_enter(&ev->alloc);
    json_t *root = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &err);
    bool failed = sm__json_alloc_failed();
    if (root && failed) {
        /* jansson parses on after some failed allocations: not trusted */
        json_decref(root);
        root = NULL;
    }
    sm__json_alloc_leave(old);
    if (!root) {
        if (failed || json_error_code(&err) == json_error_out_of_memory)
            return sm__nomem();
        unsigned long line = err.line > 0 ? (unsigned long)err.line : 0, col = err.column > 0 ? (unsigned long)err.column : 0;
        if (strstr(err.text, "'[' or '{' expected"))
            return sm__fail_at(SM_ERR_PARSE, name, line, col, NULL, NULL,
                               "%s:%lu:%lu: the document must be an object with a \"%s\" list, or a list", name, line,
                               col, list_keys[kind][0]);
        return sm__fail_at(SM_ERR_PARSE, name, line, col, NULL, NULL,
                           "%s:%lu:%lu: not valid JSON: %s (the file must be one UTF-8 JSON document)", name, line, col,
                           err.text);
    }
    jreader j;
    memset(&j, 0, sizeof j);
    sm__ev_reader *r = &j.r;
    r->ev = ev;
    r->kind = kind;
    r->name = name;
    r->fields = j.vals;
    r->n_fields = SM__EV_COL_COUNT;
    for (int c = 0; c < SM__EV_COL_COUNT; c++)
        r->col[c] = c;
    r->have_header = true;
    const char *key = list_keys[kind][0];
    const json_t *list = NULL;
    if (json_is_array(root)) {
        list = root;
        key = ""; /* paths are then "[3].capacity" */
    } else { /* jansson decodes only objects and lists at the top */
        for (int k = 0; k < 2 && !list; k++)
            if (list_keys[kind][k] && (list = json_object_get(root, list_keys[kind][k])) != NULL)
                key = list_keys[kind][k];
        if (!list)
            r->status = sm__fail_at(SM_ERR_PARSE, name, 0, 0, key, NULL,
                                    "%s: no \"%s\" key: write {\"%s\": [%s, ...]}, or the list alone", name, key, key,
                                    examples[kind]);
        else if (!json_is_array(list))
            r->status = sm__fail_at(SM_ERR_PARSE, name, 0, 0, key, NULL, "%s: %s is %s: it must be a list of objects such as %s",
                                    name, key, type_name(list), examples[kind]);
    }
    r->json_key = key;
    if (!r->status)
        r->status = read_list(&j, list);
    sm_status st = sm__ev_finish(r);
    sm__free(&ev->alloc, j.list);
    old = sm__json_alloc_enter(&ev->alloc);
    json_decref(root);
    sm__json_alloc_leave(old);
    return st;
}

#else

sm_status sm_event_read_json(sm_event *ev, sm_event_input kind, const char *text, size_t len, const char *name)
{
    (void)ev;
    (void)kind;
    (void)text;
    (void)len;
    (void)name;
    return sm__fail(SM_ERR_UNSUPPORTED, "event JSON files need jansson: rebuild with -Djson=enabled");
}

#endif
