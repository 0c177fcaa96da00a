/* Loading, the values of a record: the fields each kind of file has, strict
 * number parsing in the C locale, and reading a record's text, lists and
 * numbers with the checks every kind shares. */
#include "io/io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fields and kinds ---------------------------------------------------- */

static const char *const field_names[SM__F_COUNT] = {
    "id", "name", "region", "sectors", "size", "employees", "founded", "offers", "needs", "cooperation",
    "languages", "code", "lat", "lon", "development", "sector_a", "sector_b", "affinity",
};

#define B(f) (1u << SM__F_##f)
#define LIST_FIELDS (B(SECTORS) | B(OFFERS) | B(NEEDS) | B(COOPERATION) | B(LANGUAGES))

const char *sm__field_name(sm__fid f)
{
    return (unsigned)f < SM__F_COUNT ? field_names[f] : "";
}

int sm__field_lookup(const char *name, size_t len)
{
    for (int f = 0; f < SM__F_COUNT; f++) {
        const char *n = field_names[f];
        size_t i = 0;
        for (; i < len && n[i]; i++) {
            char c = name[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != n[i])
                break;
        }
        if (i == len && !n[i])
            return f;
    }
    return -1;
}

uint32_t sm__kind_fields(sm_data_kind kind)
{
    switch (kind) {
    case SM_DATA_SMES:
        return B(ID) | B(NAME) | B(REGION) | B(SECTORS) | B(SIZE) | B(EMPLOYEES) | B(FOUNDED) | B(OFFERS) |
               B(NEEDS) | B(COOPERATION) | B(LANGUAGES);
    case SM_DATA_REGIONS: return B(CODE) | B(NAME) | B(LAT) | B(LON) | B(DEVELOPMENT) | B(LANGUAGES);
    case SM_DATA_DEVELOPMENT: return B(REGION) | B(DEVELOPMENT);
    case SM_DATA_AFFINITY: return B(SECTOR_A) | B(SECTOR_B) | B(AFFINITY);
    case SM_DATA_AUTO: break;
    }
    return 0;
}

uint32_t sm__kind_required(sm_data_kind kind)
{
    switch (kind) {
    case SM_DATA_SMES: return B(ID) | B(REGION) | B(SECTORS);
    case SM_DATA_REGIONS: return B(CODE) | B(NAME) | B(LAT) | B(LON);
    case SM_DATA_DEVELOPMENT: return B(REGION) | B(DEVELOPMENT);
    case SM_DATA_AFFINITY: return B(SECTOR_A) | B(SECTOR_B) | B(AFFINITY);
    case SM_DATA_AUTO: break;
    }
    return 0;
}

sm_data_kind sm__kind_from_fields(uint32_t p)
{
    if (p & (B(ID) | B(SECTORS)))
        return SM_DATA_SMES;
    if (p & (B(CODE) | B(LAT) | B(LON)))
        return SM_DATA_REGIONS;
    if (p & (B(SECTOR_A) | B(SECTOR_B) | B(AFFINITY)))
        return SM_DATA_AFFINITY;
    if ((p & B(REGION)) && (p & B(DEVELOPMENT)))
        return SM_DATA_DEVELOPMENT;
    return SM_DATA_AUTO;
}

const char *sm__kind_name(sm_data_kind kind)
{
    switch (kind) {
    case SM_DATA_SMES: return "SMEs";
    case SM_DATA_REGIONS: return "regions";
    case SM_DATA_DEVELOPMENT: return "development indices";
    case SM_DATA_AFFINITY: return "sector affinity";
    case SM_DATA_AUTO: break;
    }
    return "data";
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

/* Room in the scratch for every string and list item of the record, so
 * that pointers into it stay valid while the record is converted. */
sm_status sm__ld_scratch_reserve(sm__load *ld, const sm__record *r, uint32_t used)
{
    size_t bytes = 1, ptrs = 1;
    for (int f = 0; f < SM__F_COUNT; f++) {
        const sm__val *v = &r->v[f];
        if (!(used & (1u << f)))
            continue;
        if (v->kind == SM__V_TEXT) {
            bytes += v->len + 1;
            if (LIST_FIELDS & (1u << f)) {
                ptrs++;
                for (const char *p = v->text, *end = v->text + v->len; (p = memchr(p, ';', (size_t)(end - p)));
                     p++)
                    ptrs++;
            }
        } else if (v->kind == SM__V_LIST) {
            ptrs += v->n_items;
            for (size_t i = 0; i < v->n_items; i++)
                bytes += strlen(v->items[i]) + 1;
        }
    }
    ld->scratch_len = 0;
    ld->n_ptrs = 0;
    if (sm__grow(&ld->engine->alloc, (void **)&ld->scratch, &ld->scratch_cap, bytes, 1) ||
        sm__grow(&ld->engine->alloc, (void **)&ld->ptrs, &ld->cap_ptrs, ptrs, sizeof *ld->ptrs))
        return sm__nomem();
    return SM_OK;
}

static char *scratch_put(sm__load *ld, const char *s, size_t n)
{
    char *d = ld->scratch + ld->scratch_len;
    memcpy(d, s, n);
    d[n] = '\0';
    ld->scratch_len += n + 1;
    return d;
}

/* A value of the wrong JSON type, as text for the message. */
static const char *repr(const sm__val *v, char *buf, size_t cap, size_t *n)
{
    switch (v->kind) {
    case SM__V_NUMBER:
        if (v->is_int)
            snprintf(buf, cap, "%lld", v->ival);
        else {
            sm__fmt_double(buf, cap, v->num);
            /* a real with an integral value ("12.0") must not read as "12" */
            if (!strpbrk(buf, ".eEn") && strlen(buf) + 2 < cap)
                strcat(buf, ".0");
        }
        break;
    case SM__V_LIST: {
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < v->n_items && o + 2 < cap; i++)
            o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ";" : "", v->items[i]);
        break;
    }
    case SM__V_TEXT:
    case SM__V_BADTYPE:
        *n = v->len;
        return v->text;
    default:
        buf[0] = '\0';
        break;
    }
    *n = strnlen(buf, cap);
    return buf;
}

static sm_status wrong_type(const sm__load *ld, const sm__record *r, int f, const char *expected)
{
    char buf[256];
    size_t n;
    const char *s = repr(&r->v[f], buf, sizeof buf, &n);
    return sm__ld_bad(ld, r, f, SM_ERR_PARSE, s, n, "expected %s, got %s", expected,
                      r->v[f].type ? r->v[f].type : "a string");
}

/* CSV text must be UTF-8 without NUL bytes (JSON text was checked by jansson). */
static sm_status check_text(const sm__load *ld, const sm__record *r, int f, const char *s, size_t n)
{
    if (r->typed)
        return SM_OK;
    if (memchr(s, '\0', n))
        return sm__ld_bad(ld, r, f, SM_ERR_PARSE, s, n, "contains a NUL byte (the file must be UTF-8, not UTF-16)");
    if (!sm__utf8_valid(s, n))
        return sm__ld_bad(ld, r, f, SM_ERR_PARSE, s, n, "invalid UTF-8 (the file must be UTF-8)");
    return SM_OK;
}

/* The trimmed text of field f ("" when absent or null). */
sm_status sm__ld_get_text(sm__load *ld, const sm__record *r, int f, const char **out, size_t *len)
{
    const sm__val *v = &r->v[f];
    *out = "";
    *len = 0;
    if (v->kind == SM__V_ABSENT || v->kind == SM__V_NULL)
        return SM_OK;
    if (v->kind != SM__V_TEXT)
        return wrong_type(ld, r, f, "a string");
    const char *s = v->text;
    size_t n = v->len;
    trim(&s, &n);
    sm_status st = check_text(ld, r, f, s, n);
    if (st)
        return st;
    *out = scratch_put(ld, s, n);
    *len = n;
    return SM_OK;
}

/* The items of list field f: a ';'-separated text or a JSON list of
 * strings; items trimmed, empty ones dropped. */
sm_status sm__ld_get_list(sm__load *ld, const sm__record *r, int f, const char *const **out, size_t *n_out)
{
    const sm__val *v = &r->v[f];
    const char **items = ld->ptrs + ld->n_ptrs;
    size_t n = 0;
    *out = items;
    *n_out = 0;
    if (v->kind == SM__V_ABSENT || v->kind == SM__V_NULL)
        return SM_OK;
    if (v->kind == SM__V_TEXT) {
        sm_status st = check_text(ld, r, f, v->text, v->len);
        if (st)
            return st;
        const char *p = v->text, *end = v->text + v->len;
        while (p <= end) {
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *stop = semi ? semi : end;
            const char *s = p;
            size_t k = (size_t)(stop - p);
            trim(&s, &k);
            if (k)
                items[n++] = scratch_put(ld, s, k);
            p = stop + 1;
        }
    } else if (v->kind == SM__V_LIST) {
        for (size_t i = 0; i < v->n_items; i++) {
            const char *s = v->items[i];
            size_t k = strlen(s);
            trim(&s, &k);
            if (k)
                items[n++] = scratch_put(ld, s, k);
        }
    } else {
        return wrong_type(ld, r, f, "a list of strings");
    }
    ld->n_ptrs += n;
    *n_out = n;
    return SM_OK;
}

/* A whole number in [min, max]; *present false when empty, absent or null. */
sm_status sm__ld_get_int(sm__load *ld, const sm__record *r, int f, long long min, long long max, long long *out,
                         bool *present)
{
    const sm__val *v = &r->v[f];
    *present = false;
    long long x;
    if (v->kind == SM__V_ABSENT || v->kind == SM__V_NULL)
        return SM_OK;
    if (v->kind == SM__V_NUMBER) {
        if (!v->is_int)
            return wrong_type(ld, r, f, "a whole number");
        x = v->ival;
    } else if (v->kind == SM__V_TEXT && !r->typed) {
        const char *s = v->text;
        size_t n = v->len;
        trim(&s, &n);
        if (!n)
            return SM_OK;
        if (!sm__parse_int(s, n, &x)) {
            sm_status st = check_text(ld, r, f, s, n);
            return st ? st : sm__ld_bad(ld, r, f, SM_ERR_PARSE, s, n, "not a whole number");
        }
    } else {
        return wrong_type(ld, r, f, "a whole number");
    }
    if (x < min || x > max) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", x);
        return sm__ld_bad(ld, r, f, SM_ERR_RANGE, buf, strlen(buf), "out of range %lld..%lld", min, max);
    }
    *out = x;
    *present = true;
    return SM_OK;
}

/* A number; *present false when empty, absent or null. *text receives its
 * spelling for messages. */
sm_status sm__ld_get_real(sm__load *ld, const sm__record *r, int f, double *out, bool *present, char text[64])
{
    const sm__val *v = &r->v[f];
    *present = false;
    if (v->kind == SM__V_ABSENT || v->kind == SM__V_NULL)
        return SM_OK;
    if (v->kind == SM__V_NUMBER) {
        *out = v->num;
        size_t n;
        repr(v, text, 64, &n);
    } else if (v->kind == SM__V_TEXT && !r->typed) {
        const char *s = v->text;
        size_t n = v->len;
        trim(&s, &n);
        if (!n)
            return SM_OK;
        const char *comma = memchr(s, ',', n);
        bool ok = sm__parse_real(s, n, out);
        if (!ok && comma && ld->decimal_comma && n < 64 && !memchr(s, '.', n) && !memchr(comma + 1, ',', n - (size_t)(comma + 1 - s))) {
            /* "119,5" in a ';'-delimited file: a decimal comma */
            char dot[64];
            memcpy(dot, s, n);
            dot[comma - s] = '.';
            ok = sm__parse_real(dot, n, out);
        }
        if (!ok) {
            sm_status st = check_text(ld, r, f, s, n);
            if (st)
                return st;
            if (comma && !ld->decimal_comma)
                return sm__ld_bad(ld, r, f, SM_ERR_PARSE, s, n,
                                  "not a number (write the decimal point as '.'; a decimal comma is read only "
                                  "in ';'-delimited files)");
            return sm__ld_bad(ld, r, f, SM_ERR_PARSE, s, n, "not a number");
        }
        if (isinf(*out))
            return sm__ld_bad(ld, r, f, SM_ERR_RANGE, s, n, "number out of range (too large for a double)");
        size_t k = n < 63 ? n : 63;
        memcpy(text, s, k);
        text[k] = '\0';
    } else {
        return wrong_type(ld, r, f, "a number");
    }
    *present = true;
    return SM_OK;
}

sm_status sm__ld_missing(const sm__load *ld, const sm__record *r, int f)
{
    return sm__ld_bad(ld, r, f, SM_ERR_PARSE, NULL, 0, "required value is empty");
}

sm_status sm__ld_real_in(const sm__load *ld, const sm__record *r, int f, double x, const char *text, double min,
                         double max, const char *range)
{
    if (!(x >= min && x <= max))
        return sm__ld_bad(ld, r, f, SM_ERR_RANGE, text, strlen(text), "out of range %s", range);
    return SM_OK;
}
