/* JSON input (parsed by jansson): finds the arrays of records in a
 * document, learns the line where each record starts (jansson keeps no
 * positions, so a small scan over the already-validated text finds them),
 * and hands each object to the loader (load.c) as a record. */
#include "io/io.h"
#include "sm_config.h"

#if SM_HAVE_JANSSON

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jansson allocates through the engine's allocator while this file calls
 * it: the routing lives in base/json_alloc.c (shared with groups/). */

#define KINDS 5 /* indexed by sm_data_kind; 0 (auto) unused */

struct sm__json {
    sm__load *ld;
    const sm__alloc *alloc;
    json_t *root;
    json_t *arr[KINDS];            /* borrowed from root */
    unsigned long *lines[KINDS];   /* start line of each element, 0 = unknown */
    size_t n_lines[KINDS];
    const char **items;            /* list items of the record in hand */
    size_t cap_items;
    char *dumps[SM__F_COUNT + 1];  /* JSON text of odd values, for messages */
    size_t n_dumps;
    unsigned long key_line[KINDS][2]; /* lines of the first two top-level keys of each kind */
    unsigned n_keys[KINDS];
};

static const char *const top_keys[KINDS] = { NULL, "smes", "regions", "development", "affinity" };

static bool key_is(const char *key, size_t len, const char *name)
{
    if (strlen(name) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[i])
            return false;
    }
    return true;
}

static int top_kind(const char *key, size_t len)
{
    for (int k = 1; k < KINDS; k++)
        if (key_is(key, len, top_keys[k]))
            return k;
    return -1;
}

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

/* Finds the line where each element of the record arrays starts. The text
 * is valid JSON (jansson accepted it), so tracking strings, nesting and the
 * top-level keys is enough. Keys written with escapes are not recognised:
 * their records then have no line number. */
static void scan_lines(sm__json *j, const char *s, size_t n)
{
    unsigned long line = 1;
    int depth = 0, target = -1; /* kind of the array being walked */
    int arr_depth = 0;          /* depth of its elements */
    bool in_str = false, esc = false, top_obj = false, expect_key = false, want = false;
    size_t kstart = 0, idx = 0;
    int pending = -1; /* kind named by the last top-level key */
    int bare = -1;    /* kind of a top-level list */
    for (int k = 1; k < KINDS; k++)
        if (j->arr[k] == j->root && j->lines[k])
            bare = k;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"') {
                in_str = false;
                if (top_obj && depth == 1 && expect_key) {
                    pending = top_kind(s + kstart, i - kstart);
                    if (pending > 0 && j->n_keys[pending] < 2)
                        j->key_line[pending][j->n_keys[pending]++] = line;
                }
            } else if (c == '\n')
                line++;
            continue;
        }
        if (c == '\n') {
            line++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r')
            continue;
        if (target >= 0 && depth == arr_depth && want && c != ']') {
            if (idx < j->n_lines[target])
                j->lines[target][idx] = line;
            idx++;
            want = false;
        }
        switch (c) {
        case '"':
            in_str = true;
            kstart = i + 1;
            break;
        case '{':
        case '[':
            depth++;
            if (depth == 1 && c == '{') {
                top_obj = true;
                expect_key = true;
            } else if (depth == 1 && c == '[' && bare > 0) {
                target = bare, arr_depth = 1, idx = 0, want = true;
            } else if (depth == 2 && c == '[' && top_obj && pending > 0 && j->lines[pending]) {
                target = pending, arr_depth = 2, idx = 0, want = true;
            }
            break;
        case '}':
        case ']':
            if (target >= 0 && depth == arr_depth)
                target = -1;
            depth--;
            break;
        case ',':
            if (target >= 0 && depth == arr_depth)
                want = true;
            if (top_obj && depth == 1) {
                expect_key = true;
                pending = -1;
            }
            break;
        case ':':
            if (top_obj && depth == 1)
                expect_key = false;
            break;
        default:
            break;
        }
    }
}

/* jansson's message in the project's words: what is wrong and how to fix
 * it, without jansson's flag names. jansson appends "near '<token>'" to
 * syntax errors; that part is kept. */
static void describe(char *out, size_t cap, const json_error_t *err, unsigned long col)
{
    static const struct {
        const char *theirs, *ours;
    } words[] = {
        { "\\u0000 is not allowed", "a string holds \\u0000 (a NUL character), which no text field accepts" },
        { "real number overflow", "number out of range (too large for a double)" },
        { "too big negative integer", "whole number out of range (below -9223372036854775808)" },
        { "too big integer", "whole number out of range (above 9223372036854775807)" },
        { "duplicate object key", "a key appears twice in one object" },
        { "maximum parsing depth reached", "nested too deeply (more than 2048 levels)" },
        { "end of file expected", "text after the end of the document (one document per file)" },
        { "premature end of input", "the document ends early (a missing ']', '}' or '\"')" },
        { "unexpected newline", "a line break inside a string (write it as \\n)" },
        { "control character", "a control character inside a string (escape it, e.g. \\t)" },
        { "invalid escape", "an invalid escape in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)" },
        { "invalid Unicode", "an invalid \\uXXXX escape (a lone surrogate or bad hex digits)" },
        { "string or '}' expected", "a key (in double quotes) or '}' expected" },
        { "':' expected", "':' expected after a key" },
        { "'}' expected", "',' or '}' expected" },
        { "']' expected", "',' or ']' expected" },
        { "'[' or '{' expected", "the document must be an object or a list" },
        { "NUL byte in object key", "a key holds a NUL character" },
        { "unexpected token", "unexpected text" },
        { "invalid token", "not JSON (a value must be a string in double quotes, a number, true, false, null, a "
                           "list or an object)" },
    };
    const char *near = strstr(err->text, " near ");
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(err->text, words[i].theirs)) {
            snprintf(out, cap, "JSON syntax error at column %lu: %s%s", col, words[i].ours, near ? near : "");
            return;
        }
    snprintf(out, cap, "JSON syntax error at column %lu: %s", col, err->text);
}

sm_status sm__json_parse(sm__json **out, sm__load *ld, const char *data, size_t len)
{
    json_error_t err;
    const sm__alloc *old = sm__json_alloc_enter(sm__load_alloc(ld));
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
    int failed = sm__json_alloc_failed();
    if (root && failed) {
        /* jansson goes on after some failures (its lexer drops a byte it
         * cannot store): a document parsed short of memory is not trusted */
        json_decref(root);
        root = NULL;
    }
    sm__json_alloc_leave(old);
    if (!root) {
        enum json_error_code code = json_error_code(&err);
        if (failed || code == json_error_out_of_memory)
            return sm__nomem();
        unsigned long line = err.line > 0 ? (unsigned long)err.line : 0;
        unsigned long col = err.column > 0 ? (unsigned long)err.column : 0;
        char what[400];
        if (code == json_error_invalid_utf8)
            snprintf(what, sizeof what, "invalid UTF-8 at column %lu (the file must be UTF-8)", col);
        else
            describe(what, sizeof what, &err, col);
        sm_status status = code == json_error_numeric_overflow ? SM_ERR_RANGE : SM_ERR_PARSE;
        return sm__load_problem(ld, true, status, line, col, NULL, NULL, 0, what);
    }
    const sm__alloc *a = sm__load_alloc(ld);
    sm__json *j = sm__calloc(a, 1, sizeof *j);
    if (!j) {
        old = sm__json_alloc_enter(a);
        json_decref(root);
        sm__json_alloc_leave(old);
        return sm__nomem();
    }
    j->ld = ld;
    j->alloc = a;
    j->root = root;
    sm_data_kind want = sm__load_kind(ld);
    sm_status st = SM_OK;
    if (json_is_array(root)) {
        j->arr[want == SM_DATA_AUTO ? SM_DATA_SMES : want] = root;
    } else if (json_is_object(root)) {
        const char *key;
        json_t *val;
        json_object_foreach(root, key, val) {
            size_t klen = strlen(key); /* keys hold no NUL: jansson rejects them */
            int k = top_kind(key, klen);
            if (k < 0 || (want != SM_DATA_AUTO && (int)want != k))
                continue; /* "note" and other keys are ignored */
            /* jansson keeps no positions: the lines come from a scan of the
             * text, made only when there is a problem to report */
            if (j->arr[k]) {
                scan_lines(j, data, len);
                st = sm__load_problem(ld, true, SM_ERR_PARSE, j->key_line[k][1], 0, top_keys[k], key, klen,
                                      "the key appears twice (in different case)");
                goto fail;
            }
            if (!json_is_array(val)) {
                char what[64];
                snprintf(what, sizeof what, "expected a list of records, got %s", type_name(val));
                scan_lines(j, data, len);
                st = sm__load_problem(ld, true, SM_ERR_PARSE, j->key_line[k][0], 0, top_keys[k], NULL, 0, what);
                goto fail;
            }
            j->arr[k] = val;
        }
        bool any = false;
        for (int k = 1; k < KINDS; k++)
            any = any || j->arr[k];
        if (!any) {
            char what[160];
            if (want == SM_DATA_AUTO)
                snprintf(what, sizeof what, "no \"smes\", \"regions\", \"development\" or \"affinity\" list in the "
                                            "top-level object");
            else
                snprintf(what, sizeof what, "no \"%s\" list in the top-level object", top_keys[want]);
            st = sm__load_problem(ld, true, SM_ERR_PARSE, 0, 0, NULL, NULL, 0, what);
            goto fail;
        }
    } else {
        char what[96];
        snprintf(what, sizeof what, "expected an object or a list at the top level, got %s", type_name(root));
        st = sm__load_problem(ld, true, SM_ERR_PARSE, 1, 0, NULL, NULL, 0, what);
        goto fail;
    }
    for (int k = 1; k < KINDS; k++) {
        size_t n = j->arr[k] ? json_array_size(j->arr[k]) : 0;
        if (!n)
            continue;
        j->lines[k] = sm__calloc(a, n, sizeof *j->lines[k]);
        if (!j->lines[k]) {
            st = sm__nomem();
            goto fail;
        }
        j->n_lines[k] = n;
    }
    scan_lines(j, data, len);
    *out = j;
    return SM_OK;
fail:
    sm__json_free(j);
    return st;
}

bool sm__json_has(const sm__json *j, sm_data_kind kind)
{
    return (int)kind > 0 && (int)kind < KINDS && j->arr[kind] != NULL;
}

/* The JSON text of v for a message, or NULL when it cannot be made (out of
 * memory): the caller fails the load, since a value without its text would
 * read as an empty one. */
static const char *dump(sm__json *j, const json_t *v)
{
    if (j->n_dumps >= sizeof j->dumps / sizeof j->dumps[0])
        return "";
    const sm__alloc *old = sm__json_alloc_enter(j->alloc);
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    sm__json_alloc_leave(old);
    if (s)
        j->dumps[j->n_dumps++] = s;
    return s;
}

static void dumps_free(sm__json *j)
{
    const sm__alloc *old = sm__json_alloc_enter(j->alloc);
    for (size_t i = 0; i < j->n_dumps; i++)
        sm__json_alloc_free(j->dumps[i]);
    sm__json_alloc_leave(old);
    j->n_dumps = 0;
}

/* Fills rec from one object; items (list entries) go to j->items. */
static sm_status fill(sm__json *j, const json_t *obj, uint32_t used, sm__record *rec, char *bad, size_t badcap)
{
    const char *key;
    json_t *val;
    /* room for every list item first, so the pointers stay put */
    size_t total = 0;
    json_object_foreach((json_t *)obj, key, val) {
        if (json_is_array(val))
            total += json_array_size(val);
    }
    if (sm__grow(j->alloc, (void **)&j->items, &j->cap_items, total + 1, sizeof *j->items))
        return sm__nomem();
    size_t used_items = 0;
    json_object_foreach((json_t *)obj, key, val) {
        int f = sm__field_lookup(key, strlen(key));
        if (f < 0 || !(used & (1u << f)))
            continue; /* other keys are ignored */
        sm__val *v = &rec->v[f];
        if (v->kind != SM__V_ABSENT) {
            snprintf(bad, badcap, "the key appears twice (in different case)");
            rec->bad = bad;
            rec->bad_field = sm__field_name((sm__fid)f);
            rec->bad_value = key;
            rec->bad_value_len = strlen(key);
            return SM_OK;
        }
        v->type = type_name(val);
        switch (json_typeof(val)) {
        case JSON_STRING:
            v->kind = SM__V_TEXT;
            v->text = json_string_value(val);
            v->len = json_string_length(val);
            break;
        case JSON_INTEGER:
            v->kind = SM__V_NUMBER;
            v->is_int = 1;
            v->ival = (long long)json_integer_value(val);
            v->num = (double)v->ival;
            break;
        case JSON_REAL:
            v->kind = SM__V_NUMBER;
            v->num = json_real_value(val);
            break;
        case JSON_NULL:
            v->kind = SM__V_NULL;
            break;
        case JSON_ARRAY: {
            size_t n = json_array_size(val);
            const char **items = j->items + used_items;
            bool strings = true;
            for (size_t i = 0; i < n && strings; i++) {
                const json_t *it = json_array_get(val, i);
                if (json_is_string(it))
                    items[i] = json_string_value(it);
                else {
                    strings = false;
                    v->type = json_is_object(it)  ? "a list holding an object"
                              : json_is_array(it) ? "a list holding a list"
                              : json_is_number(it) ? "a list holding a number"
                              : json_is_null(it)   ? "a list holding null"
                                                   : "a list holding a boolean";
                }
            }
            if (strings) {
                v->kind = SM__V_LIST;
                v->items = items;
                v->n_items = n;
                used_items += n;
            } else {
                v->kind = SM__V_BADTYPE;
                if (!(v->text = dump(j, val)))
                    return sm__nomem();
                v->len = strlen(v->text);
            }
            break;
        }
        default: /* object, true, false */
            v->kind = SM__V_BADTYPE;
            if (!(v->text = dump(j, val)))
                return sm__nomem();
            v->len = strlen(v->text);
            break;
        }
    }
    return SM_OK;
}

sm_status sm__json_records(sm__json *j, sm_data_kind kind)
{
    const json_t *arr = j->arr[kind];
    if (!arr)
        return SM_OK;
    uint32_t used = sm__kind_fields(kind);
    size_t n = json_array_size(arr);
    char bad[128];
    for (size_t i = 0; i < n; i++) {
        const json_t *el = json_array_get(arr, i);
        sm__record rec;
        memset(&rec, 0, sizeof rec);
        rec.typed = 1;
        rec.line = i < j->n_lines[kind] ? j->lines[kind][i] : 0;
        sm_status st;
        if (!json_is_object(el)) {
            snprintf(bad, sizeof bad, "expected a record (an object), got %s", type_name(el));
            rec.bad = bad;
            rec.bad_value = dump(j, el);
            st = rec.bad_value ? SM_OK : sm__nomem();
            rec.bad_value_len = rec.bad_value ? strlen(rec.bad_value) : 0;
        } else {
            st = fill(j, el, used, &rec, bad, sizeof bad);
        }
        if (st == SM_OK)
            st = sm__load_record(j->ld, kind, &rec);
        dumps_free(j);
        if (st)
            return st;
    }
    return SM_OK;
}

void sm__json_free(sm__json *j)
{
    if (!j)
        return;
    dumps_free(j);
    const sm__alloc *old = sm__json_alloc_enter(j->alloc);
    json_decref(j->root);
    sm__json_alloc_leave(old);
    for (int k = 0; k < KINDS; k++)
        sm__free(j->alloc, j->lines[k]);
    sm__free(j->alloc, j->items);
    sm__free(j->alloc, j);
}

#else /* !SM_HAVE_JANSSON */

sm_status sm__json_parse(sm__json **out, sm__load *ld, const char *data, size_t len)
{
    (void)out;
    (void)ld;
    (void)data;
    (void)len;
    return sm__fail(SM_ERR_UNSUPPORTED, "JSON: this build of smartmatch has no JSON support (jansson was not "
                                        "found when it was built)");
}

bool sm__json_has(const sm__json *j, sm_data_kind kind)
{
    (void)j;
    (void)kind;
    return false;
}

sm_status sm__json_records(sm__json *j, sm_data_kind kind)
{
    (void)j;
    (void)kind;
    return SM_ERR_UNSUPPORTED;
}

void sm__json_free(sm__json *j)
{
    (void)j;
}

#endif
