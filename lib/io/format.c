/* Writing results as text: CSV (one line per match) or JSON. Numbers are
 * written in the shortest form that reads back as the same double, so that
 * other programs can compare scores exactly. Needs no optional library. */
#include "io/io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    char *s;
    size_t len, cap;
    bool nomem;
    const sm__alloc *alloc; /* the results' engine allocator */
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->nomem)
        return;
    if (n > SIZE_MAX - b->len - 1 || sm__grow(b->alloc, (void **)&b->s, &b->cap, b->len + n + 1, 1)) {
        b->nomem = true;
        return;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* NaN and infinities have no JSON spelling: null there, empty in CSV. */
static void put_num(buf *b, double v, bool json)
{
    char t[40];
    if (!isfinite(v)) {
        if (json)
            puts_(b, "null");
        return;
    }
    sm__fmt_double_in_c(t, sizeof t, v);
    puts_(b, t);
}

static void put_ulong(buf *b, size_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%zu", v);
    puts_(b, t);
}

/* RFC 4180: quoted when it holds a comma, quote, line break or edge space. */
static void put_csv(buf *b, const char *s)
{
    size_t n = strlen(s);
    bool q = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !q; i++)
        q = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!q) {
        put(b, s, n);
        return;
    }
    put(b, "\"", 1);
    for (const char *p = s; *p;) {
        const char *quote = strchr(p, '"');
        size_t k = quote ? (size_t)(quote - p) + 1 : strlen(p);
        put(b, p, k);
        if (quote)
            put(b, "\"", 1);
        p += k;
    }
    put(b, "\"", 1);
}

static void put_json_str(buf *b, const char *s)
{
    put(b, "\"", 1);
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c && c >= 0x20 && c != '"' && c != '\\')
            continue; /* UTF-8 passes through */
        put(b, run, (size_t)(p - run));
        if (!c)
            break;
        char esc[8];
        switch (c) {
        case '"': puts_(b, "\\\""); break;
        case '\\': puts_(b, "\\\\"); break;
        case '\n': puts_(b, "\\n"); break;
        case '\r': puts_(b, "\\r"); break;
        case '\t': puts_(b, "\\t"); break;
        case '\b': puts_(b, "\\b"); break;
        case '\f': puts_(b, "\\f"); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            puts_(b, esc);
        }
        run = p + 1;
    }
    put(b, "\"", 1);
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/* The explained tags of one direction as "tag;tag" (CSV). */
static void put_tags_csv(buf *b, const sm_result *res, size_t i, bool gives)
{
    size_t n = gives ? sm_result_gives_count(res, i) : sm_result_gets_count(res, i);
    buf t = { NULL, 0, 0, false, b->alloc };
    for (size_t k = 0; k < n; k++) {
        if (k)
            put(&t, ";", 1);
        puts_(&t, gives ? sm_result_gives_tag(res, i, k) : sm_result_gets_tag(res, i, k));
    }
    if (t.nomem)
        b->nomem = true;
    put_csv(b, t.s ? t.s : "");
    sm__free(t.alloc, t.s);
}

/* The explanation columns of a CSV row: gives, gets, contributions, reasons. */
static void put_expl_csv(buf *b, const sm_result *res, size_t i, size_t nc)
{
    put(b, ",", 1);
    put_tags_csv(b, res, i, true);
    put(b, ",", 1);
    put_tags_csv(b, res, i, false);
    for (size_t j = 0; j < nc; j++) {
        put(b, ",", 1);
        put_num(b, sm_result_contribution(res, i, j), false);
    }
    for (size_t j = 0; j < nc; j++) {
        put(b, ",", 1);
        put_csv(b, str_or_empty(sm_result_reason_text(res, i, j)));
    }
}

static void write_csv(buf *b, const sm_result *const *results, size_t n)
{
    puts_(b, "query_id,rank,id,score,distance_km");
    size_t nc = n ? sm_result_criterion_count(results[0]) : 0;
    /* explained results add columns at the end; the first result decides */
    bool expl = n && sm_result_is_explained(results[0]);
    for (size_t j = 0; j < nc; j++) {
        put(b, ",", 1);
        put_csv(b, str_or_empty(sm_result_criterion_name(results[0], j)));
    }
    if (expl) {
        puts_(b, ",gives,gets");
        for (size_t k = 0; k < 2 * nc; k++) {
            put(b, ",", 1);
            put_csv(b, str_or_empty(sm_result_criterion_name(results[0], k % nc)));
            puts_(b, k < nc ? "_contribution" : "_reason");
        }
    }
    put(b, "\n", 1);
    for (size_t r = 0; r < n; r++) {
        const sm_result *res = results[r];
        const char *qid = str_or_empty(sm_result_query_id(res));
        size_t m = sm_result_count(res);
        for (size_t i = 0; i < m && !b->nomem; i++) {
            put_csv(b, qid);
            put(b, ",", 1);
            put_ulong(b, i + 1);
            put(b, ",", 1);
            put_csv(b, str_or_empty(sm_result_id(res, i)));
            put(b, ",", 1);
            put_num(b, sm_result_score(res, i), false);
            put(b, ",", 1);
            put_num(b, sm_result_distance_km(res, i), false);
            for (size_t j = 0; j < nc; j++) {
                put(b, ",", 1);
                put_num(b, sm_result_breakdown(res, i, j), false);
            }
            if (expl)
                put_expl_csv(b, res, i, nc);
            put(b, "\n", 1);
        }
    }
}

static void put_tags_json(buf *b, const sm_result *res, size_t i, bool gives)
{
    size_t n = gives ? sm_result_gives_count(res, i) : sm_result_gets_count(res, i);
    puts_(b, gives ? ",\"gives\":[" : ",\"gets\":[");
    for (size_t k = 0; k < n; k++) {
        puts_(b, k ? ",{\"tag\":" : "{\"tag\":");
        put_json_str(b, gives ? sm_result_gives_tag(res, i, k) : sm_result_gets_tag(res, i, k));
        puts_(b, ",\"weight\":");
        put_num(b, gives ? sm_result_gives_weight(res, i, k) : sm_result_gets_weight(res, i, k), true);
        put(b, "}", 1);
    }
    put(b, "]", 1);
}

/* "gives", "gets", "contributions" and "reasons" of an explained match. */
static void put_expl_json(buf *b, const sm_result *res, size_t i, size_t nc)
{
    put_tags_json(b, res, i, true);
    put_tags_json(b, res, i, false);
    puts_(b, ",\"contributions\":{");
    for (size_t j = 0; j < nc; j++) {
        if (j)
            put(b, ",", 1);
        put_json_str(b, str_or_empty(sm_result_criterion_name(res, j)));
        put(b, ":", 1);
        put_num(b, sm_result_contribution(res, i, j), true);
    }
    puts_(b, "},\"reasons\":{");
    for (size_t j = 0; j < nc; j++) {
        if (j)
            put(b, ",", 1);
        put_json_str(b, str_or_empty(sm_result_criterion_name(res, j)));
        puts_(b, ":{\"code\":");
        put_json_str(b, str_or_empty(sm_reason_code_name(sm_result_reason_code(res, i, j))));
        puts_(b, ",\"params\":{");
        for (size_t p = 0, np = sm_result_reason_param_count(res, i, j); p < np; p++) {
            if (p)
                put(b, ",", 1);
            put_json_str(b, str_or_empty(sm_result_reason_param_name(res, i, j, p)));
            put(b, ":", 1);
            put_json_str(b, str_or_empty(sm_result_reason_param_value(res, i, j, p)));
        }
        puts_(b, "},\"text\":");
        put_json_str(b, str_or_empty(sm_result_reason_text(res, i, j)));
        put(b, "}", 1);
    }
    put(b, "}", 1);
}

static void write_json(buf *b, const sm_result *const *results, size_t n)
{
    puts_(b, "[\n");
    for (size_t r = 0; r < n; r++) {
        const sm_result *res = results[r];
        puts_(b, "{\"query_id\":");
        put_json_str(b, str_or_empty(sm_result_query_id(res)));
        puts_(b, ",\"matches\":[");
        size_t m = sm_result_count(res), nc = sm_result_criterion_count(res);
        for (size_t i = 0; i < m && !b->nomem; i++) {
            puts_(b, i ? ",\n{\"rank\":" : "\n{\"rank\":");
            put_ulong(b, i + 1);
            puts_(b, ",\"id\":");
            put_json_str(b, str_or_empty(sm_result_id(res, i)));
            puts_(b, ",\"score\":");
            put_num(b, sm_result_score(res, i), true);
            puts_(b, ",\"distance_km\":");
            put_num(b, sm_result_distance_km(res, i), true);
            puts_(b, ",\"breakdown\":{");
            for (size_t j = 0; j < nc; j++) {
                if (j)
                    put(b, ",", 1);
                put_json_str(b, str_or_empty(sm_result_criterion_name(res, j)));
                put(b, ":", 1);
                put_num(b, sm_result_breakdown(res, i, j), true);
            }
            put(b, "}", 1);
            if (sm_result_is_explained(res))
                put_expl_json(b, res, i, nc);
            put(b, "}", 1);
        }
        puts_(b, m ? "\n]}" : "]}");
        puts_(b, r + 1 < n ? ",\n" : "\n");
    }
    puts_(b, "]\n");
}

/* Results of one batch share their criteria; CSV has one header for all. */
static bool same_criteria(const sm_result *a, const sm_result *b)
{
    size_t n = sm_result_criterion_count(a);
    if (sm_result_criterion_count(b) != n)
        return false;
    for (size_t j = 0; j < n; j++)
        if (strcmp(str_or_empty(sm_result_criterion_name(a, j)), str_or_empty(sm_result_criterion_name(b, j))))
            return false;
    return true;
}

sm_status sm_result_format(char **out, size_t *out_len, const sm_result *const *results, size_t n, sm_format format)
{
    if (!out || (n && !results))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "format: NULL argument");
    if (format != SM_FORMAT_CSV && format != SM_FORMAT_JSON)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "format: results are written as CSV or JSON, not format %d",
                        (int)format);
    for (size_t i = 0; i < n; i++) {
        if (!results[i])
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "format: result %zu is NULL", i);
        if (format == SM_FORMAT_CSV && !same_criteria(results[0], results[i]))
            return sm__fail(SM_ERR_INVALID_ARGUMENT,
                            "format: result %zu has other criteria than result 0 (one CSV header cannot fit both)", i);
    }
    buf b = { NULL, 0, 0, false, n ? sm__boxed_alloc_of(results[0]) : &sm__default_alloc };
    locale_t loc = sm__c_locale(), old = (locale_t)0;
    if (loc)
        old = uselocale(loc);
    if (format == SM_FORMAT_CSV)
        write_csv(&b, results, n);
    else
        write_json(&b, results, n);
    if (loc)
        uselocale(old);
    /* the string is made with the results' engine allocator, like the results */
    char *s = b.nomem ? NULL : sm__boxed_alloc(b.alloc, b.len + 1);
    if (s)
        memcpy(s, b.s, b.len + 1);
    sm__free(b.alloc, b.s);
    if (!s)
        return sm__nomem();
    *out = s;
    if (out_len)
        *out_len = b.len;
    return SM_OK;
}
