/* Call profiles: creation, the keys of sm_call_set() and their values, and
 * the text form written by sm_call_to_string(). Profiles are not tied to an
 * engine, so they use the default allocator. */
#include "groups/consortium.h"


#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define A (&sm__default_alloc)
#define VALUE_MAX 8192 /* longest value of one key */

void sm__call_defaults(sm_call *c)
{
    memset(c, 0, sizeof *c);
    c->min_size = 2;
    c->max_size = 8;
    c->less_dev_below = 75.0;
    c->w_coverage = 2.0;
    c->w_pairs = 1.0;
    c->w_lead = 0.5;
    c->w_cohesion = 0.5;
    c->decay = 0.3;
    c->cohesion_threshold = 100.0;
}

sm_status sm_call_new(sm_call **out)
{
    if (!out)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "call: NULL argument");
    sm_call *c = sm__malloc(A, sizeof *c);
    if (!c)
        return sm__nomem();
    sm__call_defaults(c);
    *out = c;
    return SM_OK;
}

void sm_call_free(sm_call *call)
{
    if (call)
        sm__free(A, call);
}

sm_status sm_call_preset(sm_call **out, const char *name)
{
    if (!out || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "call preset: NULL argument");
    sm_call *c = sm__malloc(A, sizeof *c);
    if (!c)
        return sm__nomem();
    sm__call_defaults(c);
    sm_status st = sm__call_preset_apply(c, name);
    if (st) {
        sm__free(A, c);
        return st;
    }
    *out = c;
    return SM_OK;
}

size_t sm_call_preset_count(void) { return sm__call_preset_n; }

const char *sm_call_preset_name(size_t index) { return index < sm__call_preset_n ? sm__call_preset_names[index] : NULL; }

sm_status sm_call_set(sm_call *call, const char *key, const char *value)
{
    if (!call || !key || !value)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "call: NULL argument");
    /* Work on a copy so that a bad value leaves the profile as it was. */
    sm_call *tmp = sm__malloc(A, sizeof *tmp);
    if (!tmp)
        return sm__nomem();
    memcpy(tmp, call, sizeof *tmp);
    sm_status st = sm__call_apply(tmp, key, value);
    if (!st)
        memcpy(call, tmp, sizeof *tmp);
    sm__free(A, tmp);
    return st;
}

/* ---- values ------------------------------------------------------------------ */

static bool key_eq(const char *key, const char *name)
{
    for (; *key && *name; key++, name++) {
        char k = *key == '-' ? '_' : (char)tolower((unsigned char)*key);
        if (k != *name)
            return false;
    }
    return !*key && !*name;
}

/* Trims white space at both ends of s[0..*len). */
static const char *trim(const char *s, size_t *len)
{
    size_t n = *len;
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

static sm_status bad(sm_status st, const char *key, const char *value, const char *why)
{
    return sm__fail_at(st, NULL, 0, 0, key, value, "call: %s: %s (value \"%.200s\")", key, why, value);
}

static sm_status parse_uint(unsigned *out, const char *s, size_t n, unsigned max, const char *key, const char *value)
{
    long long v;
    s = trim(s, &n);
    if (!sm__parse_int(s, n, &v))
        return bad(SM_ERR_PARSE, key, value, "expected a whole number");
    if (v < 0 || v > (long long)max) {
        char why[64];
        snprintf(why, sizeof why, "must be between 0 and %u", max);
        return bad(SM_ERR_RANGE, key, value, why);
    }
    *out = (unsigned)v;
    return SM_OK;
}

static sm_status parse_num(double *out, const char *s, size_t n, const char *key, const char *value)
{
    s = trim(s, &n);
    if (!sm__parse_real(s, n, out) || !isfinite(*out))
        return bad(SM_ERR_PARSE, key, value, "expected a number");
    return SM_OK;
}

/* Calls fn for each item of a list separated by ';' or ','; empty items are skipped. */
typedef sm_status (*item_fn)(void *ctx, const char *s, size_t n);
static sm_status each_item(const char *value, const char *seps, item_fn fn, void *ctx)
{
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, seps);
        size_t m = n;
        const char *s = trim(p, &m);
        if (m) {
            sm_status st = fn(ctx, s, m);
            if (st)
                return st;
        }
        p += n;
        if (*p)
            p++;
    }
    return SM_OK;
}

/* ---- country lists ----------------------------------------------------------- */

typedef struct area_ctx {
    sm__area *area;
    const char *key, *value;
} area_ctx;

static sm_status area_text_add(area_ctx *x, const char *tok)
{
    sm__area *a = x->area;
    size_t have = strlen(a->text), add = strlen(tok);
    if (have + add + 2 > sizeof a->text)
        return bad(SM_ERR_LIMIT, x->key, x->value, "list too long");
    if (have)
        a->text[have++] = ';';
    memcpy(a->text + have, tok, add + 1);
    return SM_OK;
}

static sm_status area_item(void *ctx, const char *s, size_t n)
{
    area_ctx *x = ctx;
    char tok[64];
    if (n >= sizeof tok)
        return bad(SM_ERR_BAD_CODE, x->key, x->value, "a list entry is too long");
    memcpy(tok, s, n);
    tok[n] = '\0';
    bool code = n >= 2 && n <= SM_REGION_CODE_MAX && isupper((unsigned char)tok[0]) && isupper((unsigned char)tok[1]);
    for (size_t i = 2; code && i < n; i++)
        code = isupper((unsigned char)tok[i]) || isdigit((unsigned char)tok[i]);
    if (code) {
        /* ISO spellings of the two countries NUTS writes otherwise */
        if (strncmp(tok, "GR", 2) == 0)
            memcpy(tok, "EL", 2);
        else if (strncmp(tok, "GB", 2) == 0)
            memcpy(tok, "UK", 2);
        if (x->area->n >= SM__AREA_PFX_MAX)
            return bad(SM_ERR_LIMIT, x->key, x->value, "too many countries and regions in one list");
        memcpy(x->area->pfx[x->area->n++], tok, n + 1);
        return area_text_add(x, tok);
    }
    for (size_t i = 0; i < n; i++)
        tok[i] = tok[i] == '_' ? '-' : (char)tolower((unsigned char)tok[i]);
    sm_status st = SM_OK;
    if (!sm__area_named(x->area, tok, &st)) {
        if (st)
            return bad(st, x->key, x->value, "too many countries and regions in one list");
        char why[256];
        snprintf(why, sizeof why,
                 "unknown list \"%s\" (use country or region codes in upper case such as AT or DE2, or eu, "
                 "he-associated, interreg-ce-area, interreg-europe-area, interreg-euro-med-area)", tok);
        return bad(SM_ERR_UNKNOWN_NAME, x->key, x->value, why);
    }
    return area_text_add(x, tok);
}

static sm_status parse_area(sm__area *area, const char *s, const char *key, const char *value)
{
    memset(area, 0, sizeof *area);
    area_ctx x = { area, key, value };
    sm_status st = each_item(s, ";,", area_item, &x);
    if (!st && *s && !area->n)
        return bad(SM_ERR_PARSE, key, value, "empty country list");
    return st;
}

bool sm__area_has(const sm__area *area, const char *code)
{
    for (unsigned i = 0; i < area->n; i++) {
        size_t n = strlen(area->pfx[i]);
        if (strncmp(code, area->pfx[i], n) == 0)
            return true;
    }
    return false;
}

/* "N in LIST" (the list optional when allow_bare) */
static sm_status parse_n_in(unsigned *n, sm__area *area, const char *value, const char *key, bool allow_bare)
{
    const char *in = strstr(value, " in ");
    if (!in) {
        if (!allow_bare)
            return bad(SM_ERR_PARSE, key, value, "expected \"N in LIST\", e.g. \"2 in eu\"");
        memset(area, 0, sizeof *area);
        return parse_uint(n, value, strlen(value), SM__CALL_SIZE_MAX, key, value);
    }
    sm_status st = parse_uint(n, value, (size_t)(in - value), SM__CALL_SIZE_MAX, key, value);
    if (st)
        return st;
    st = parse_area(area, in + 4, key, value);
    if (!st && !area->n)
        return bad(SM_ERR_PARSE, key, value, "empty country list after \"in\"");
    return st;
}

/* ---- topics, sectors, ids ------------------------------------------------------ */

typedef struct items_ctx {
    sm_call *c;
    int sector;
    const char *key, *value;
} items_ctx;

static sm_status item_add(void *ctx, const char *s, size_t n)
{
    items_ctx *x = ctx;
    double w = 1.0;
    const char *colon = memchr(s, ':', n);
    /* "tag:2" gives a weight; the last ':' counts, so tags may hold one */
    for (const char *p = s + n; p > s; p--)
        if (p[-1] == ':') {
            colon = p - 1;
            break;
        }
    size_t len = n;
    if (colon) {
        sm_status st = parse_num(&w, colon + 1, (size_t)(s + n - colon - 1), x->key, x->value);
        if (st)
            return st;
        if (!(w > 0))
            return bad(SM_ERR_RANGE, x->key, x->value, "weights must be > 0");
        len = (size_t)(colon - s);
        s = trim(s, &len);
    }
    char raw[SM_TAG_MAX * 4 + 1], code[SM_TAG_MAX + 1];
    if (!len || len >= sizeof raw)
        return bad(SM_ERR_BAD_CODE, x->key, x->value, "empty or over-long entry");
    memcpy(raw, s, len);
    raw[len] = '\0';
    if (x->sector) {
        if (sm_sector_normalize(code, sizeof code, raw))
            return bad(SM_ERR_BAD_CODE, x->key, x->value, "not a NACE code (e.g. C, 26, 26.5, 26.51)");
    } else if (sm__tag_normalize(code, raw, x->key)) {
        return bad(SM_ERR_BAD_CODE, x->key, x->value, "not a valid tag");
    }
    sm_call *c = x->c;
    for (unsigned i = 0; i < c->n_items; i++)
        if (c->items[i].is_sector == x->sector && strcmp(c->items[i].code, code) == 0) {
            c->items[i].weight = w; /* a repeat sets the weight again */
            return SM_OK;
        }
    if (c->n_items >= SM__CALL_ITEMS_MAX)
        return bad(SM_ERR_LIMIT, x->key, x->value, "at most 32 topics and sectors in all");
    sm__item *it = &c->items[c->n_items++];
    memcpy(it->code, code, strlen(code) + 1);
    it->weight = w;
    it->is_sector = x->sector;
    return SM_OK;
}

/* Replaces the topics (sector 0) or sectors (1), keeping topics before sectors. */
static sm_status set_items(sm_call *c, int sector, const char *value, const char *key)
{
    unsigned k = 0;
    for (unsigned i = 0; i < c->n_items; i++)
        if (c->items[i].is_sector != sector)
            c->items[k++] = c->items[i];
    c->n_items = k;
    items_ctx x = { c, sector, key, value };
    sm_status st = each_item(value, ";,", item_add, &x);
    if (st)
        return st;
    /* topics first */
    sm__item tmp[SM__CALL_ITEMS_MAX];
    unsigned n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < c->n_items; i++)
            if (c->items[i].is_sector == pass)
                tmp[n++] = c->items[i];
    memcpy(c->items, tmp, n * sizeof tmp[0]);
    return SM_OK;
}

typedef struct ids_ctx {
    char (*ids)[SM_ID_MAX + 1];
    unsigned *n;
    const char *key, *value;
} ids_ctx;

static sm_status id_add(void *ctx, const char *s, size_t n)
{
    ids_ctx *x = ctx;
    if (n > SM_ID_MAX)
        return bad(SM_ERR_BAD_ID, x->key, x->value, "an id is longer than 64 bytes");
    for (unsigned i = 0; i < *x->n; i++)
        if (strlen(x->ids[i]) == n && memcmp(x->ids[i], s, n) == 0)
            return SM_OK;
    if (*x->n >= SM__CALL_IDS_MAX)
        return bad(SM_ERR_LIMIT, x->key, x->value, "at most 32 ids");
    memcpy(x->ids[*x->n], s, n);
    x->ids[(*x->n)++][n] = '\0';
    return SM_OK;
}

static sm_status set_ids(char (*ids)[SM_ID_MAX + 1], unsigned *n, const char *value, const char *key)
{
    *n = 0;
    ids_ctx x = { ids, n, key, value };
    return each_item(value, ";,", id_add, &x);
}

typedef struct sizes_ctx {
    unsigned bits;
    const char *key, *value;
} sizes_ctx;

static sm_status size_add(void *ctx, const char *s, size_t n)
{
    sizes_ctx *x = ctx;
    char name[16];
    sm_size sz;
    if (n >= sizeof name)
        return bad(SM_ERR_UNKNOWN_NAME, x->key, x->value, "size classes are micro, small, medium, large");
    memcpy(name, s, n);
    name[n] = '\0';
    if (sm_size_parse(&sz, name) || sz == SM_SIZE_UNKNOWN)
        return bad(SM_ERR_UNKNOWN_NAME, x->key, x->value, "size classes are micro, small, medium, large");
    x->bits |= 1u << sz;
    return SM_OK;
}

static sm_status set_weights(sm_call *c, const char *value, const char *key)
{
    static const char *const names[4] = { "coverage", "pairs", "lead", "cohesion" };
    double *w[4] = { &c->w_coverage, &c->w_pairs, &c->w_lead, &c->w_cohesion };
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, ",;"), m = n;
        const char *s = trim(p, &m);
        if (m) {
            const char *eq = memchr(s, '=', m);
            if (!eq)
                return bad(SM_ERR_PARSE, key, value, "expected name=value items, e.g. coverage=2,pairs=1");
            size_t nl = (size_t)(eq - s);
            s = trim(s, &nl);
            int j = -1;
            for (int i = 0; i < 4; i++)
                if (strlen(names[i]) == nl && strncmp(s, names[i], nl) == 0)
                    j = i;
            if (j < 0)
                return bad(SM_ERR_UNKNOWN_NAME, key, value, "the terms are coverage, pairs, lead, cohesion");
            double v;
            sm_status st = parse_num(&v, eq + 1, (size_t)(p + n - eq - 1), key, value);
            if (st)
                return st;
            if (v < 0)
                return bad(SM_ERR_RANGE, key, value, "weights must be >= 0");
            *w[j] = v;
        }
        p += n;
        if (*p)
            p++;
    }
    if (!(c->w_coverage + c->w_pairs + c->w_lead + c->w_cohesion > 0))
        return bad(SM_ERR_RANGE, key, value, "at least one weight must be > 0");
    return SM_OK;
}

static sm_status set_size(sm_call *c, const char *value, const char *key)
{
    const char *dots = strstr(value, "..");
    unsigned lo, hi;
    sm_status st;
    if (dots) {
        if ((st = parse_uint(&lo, value, (size_t)(dots - value), SM__CALL_SIZE_MAX, key, value)) ||
            (st = parse_uint(&hi, dots + 2, strlen(dots + 2), SM__CALL_SIZE_MAX, key, value)))
            return st;
    } else {
        if ((st = parse_uint(&lo, value, strlen(value), SM__CALL_SIZE_MAX, key, value)))
            return st;
        hi = lo;
    }
    if (lo < 1 || hi < lo)
        return bad(SM_ERR_RANGE, key, value, "expected MIN..MAX with 1 <= MIN <= MAX <= 64");
    c->min_size = lo;
    c->max_size = hi;
    return SM_OK;
}

/* ---- the keys ------------------------------------------------------------------ */

sm_status sm__call_apply(sm_call *c, const char *key, const char *raw)
{
    size_t vlen = strlen(raw);
    if (vlen >= VALUE_MAX)
        return bad(SM_ERR_LIMIT, key, raw, "value longer than 8191 bytes");
    for (const unsigned char *p = (const unsigned char *)raw; *p; p++)
        if (*p < 0x20 && *p != '\t')
            return bad(SM_ERR_PARSE, key, "", "control character in the value");
    char value[VALUE_MAX];
    const char *t = trim(raw, &vlen);
    memcpy(value, t, vlen);
    value[vlen] = '\0';
    bool empty = vlen == 0;
    sm_status st = SM_OK;
    unsigned u;
    double d;

    if (key_eq(key, "preset")) {
        if (empty)
            return bad(SM_ERR_PARSE, key, raw, "expected a preset name");
        return sm__call_preset_apply(c, value);
    }
    if (key_eq(key, "topics") || key_eq(key, "tags"))
        return set_items(c, 0, value, key);
    if (key_eq(key, "sectors"))
        return set_items(c, 1, value, key);
    if (key_eq(key, "size"))
        return set_size(c, value, key);
    if (key_eq(key, "min_size") || key_eq(key, "max_size")) {
        if ((st = parse_uint(&u, value, vlen, SM__CALL_SIZE_MAX, key, raw)))
            return st;
        if (u < 1)
            return bad(SM_ERR_RANGE, key, raw, "must be at least 1");
        if (key_eq(key, "min_size"))
            c->min_size = u, c->max_size = c->max_size < u ? u : c->max_size;
        else
            c->max_size = u, c->min_size = c->min_size > u ? u : c->min_size;
        return SM_OK;
    }
    if (key_eq(key, "min_countries")) {
        if (empty) {
            c->min_countries = 0;
            memset(&c->min_countries_in, 0, sizeof c->min_countries_in);
            return SM_OK;
        }
        return parse_n_in(&c->min_countries, &c->min_countries_in, value, key, true);
    }
    if (key_eq(key, "min_partners")) {
        if (empty) {
            c->n_min_partners = 0;
            return SM_OK;
        }
        if (c->n_min_partners >= SM__MIN_PARTNERS_MAX)
            return bad(SM_ERR_LIMIT, key, raw, "at most 6 min_partners rules");
        sm__min_partners *mp = &c->min_partners[c->n_min_partners];
        if ((st = parse_n_in(&mp->n, &mp->area, value, key, false)))
            return st;
        c->n_min_partners++;
        return SM_OK;
    }
    if (key_eq(key, "max_per_country")) {
        if (empty)
            return c->max_per_country = 0, SM_OK;
        if ((st = parse_uint(&u, value, vlen, SM__CALL_SIZE_MAX, key, raw)))
            return st;
        if (u < 1)
            return bad(SM_ERR_RANGE, key, raw, "must be at least 1 (empty for no rule)");
        c->max_per_country = u;
        return SM_OK;
    }
    if (key_eq(key, "allowed"))
        return parse_area(&c->allowed, value, key, raw);
    if (key_eq(key, "min_smes")) {
        if (empty)
            return c->min_smes = 0, SM_OK;
        return parse_uint(&c->min_smes, value, vlen, SM__CALL_SIZE_MAX, key, raw);
    }
    if (key_eq(key, "min_less_developed")) {
        if (empty)
            return c->min_less_dev = 0, SM_OK;
        const char *below = strstr(value, " below ");
        if (!below)
            return bad(SM_ERR_PARSE, key, raw, "expected \"N below X\", e.g. \"1 below 75\"");
        if ((st = parse_uint(&u, value, (size_t)(below - value), SM__CALL_SIZE_MAX, key, raw)) ||
            (st = parse_num(&d, below + 7, strlen(below + 7), key, raw)))
            return st;
        if (!(d > 0))
            return bad(SM_ERR_RANGE, key, raw, "the development threshold must be > 0");
        c->min_less_dev = u;
        c->less_dev_below = d;
        return SM_OK;
    }
    if (key_eq(key, "lead")) {
        if (vlen > SM_ID_MAX)
            return bad(SM_ERR_BAD_ID, key, raw, "an id is longer than 64 bytes");
        memcpy(c->lead, value, vlen + 1);
        return SM_OK;
    }
    if (key_eq(key, "lead_countries"))
        return parse_area(&c->lead_countries, value, key, raw);
    if (key_eq(key, "lead_sizes")) {
        sizes_ctx x = { 0, key, raw };
        if ((st = each_item(value, ";,", size_add, &x)))
            return st;
        c->lead_sizes = x.bits;
        return SM_OK;
    }
    if (key_eq(key, "include"))
        return set_ids(c->include, &c->n_include, value, key);
    if (key_eq(key, "exclude"))
        return set_ids(c->exclude, &c->n_exclude, value, key);
    if (key_eq(key, "weights"))
        return set_weights(c, value, key);
    if (key_eq(key, "coverage_decay")) {
        if ((st = parse_num(&d, value, vlen, key, raw)))
            return st;
        if (!(d >= 0 && d < 1))
            return bad(SM_ERR_RANGE, key, raw, "must be in [0, 1)");
        c->decay = d;
        return SM_OK;
    }
    if (key_eq(key, "cohesion_threshold")) {
        if ((st = parse_num(&d, value, vlen, key, raw)))
            return st;
        if (!(d > 0))
            return bad(SM_ERR_RANGE, key, raw, "must be > 0");
        c->cohesion_threshold = d;
        return SM_OK;
    }
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "key", key,
                       "call: unknown key \"%.64s\" (keys: preset, topics, sectors, size, min_size, max_size, "
                       "min_countries, min_partners, max_per_country, allowed, min_smes, min_less_developed, lead, "
                       "lead_countries, lead_sizes, include, exclude, weights, coverage_decay, cohesion_threshold)",
                       key);
}

/* ---- text form ------------------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool fail;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->fail)
        return;
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0)
        k = 0;
    size_t len = (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *np = sm__realloc(A, b->p, cap);
        if (!np) {
            b->fail = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, tmp, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void sb_num(sbuf *b, const char *key, double v)
{
    char num[40];
    sm__fmt_double(num, sizeof num, v);
    sb_printf(b, "%s = %s\n", key, num);
}

static void sb_ids(sbuf *b, const char *key, char (*ids)[SM_ID_MAX + 1], unsigned n)
{
    if (!n)
        return;
    sb_printf(b, "%s = ", key);
    for (unsigned i = 0; i < n; i++)
        sb_printf(b, "%s%s", i ? ";" : "", ids[i]);
    sb_printf(b, "\n");
}

static void sb_items(sbuf *b, const sm_call *c, int sector)
{
    bool any = false;
    for (unsigned i = 0; i < c->n_items; i++) {
        if (c->items[i].is_sector != sector)
            continue;
        char num[40];
        sm__fmt_double(num, sizeof num, c->items[i].weight);
        sb_printf(b, "%s%s:%s", any ? ";" : (sector ? "sectors = " : "topics = "), c->items[i].code, num);
        any = true;
    }
    if (any)
        sb_printf(b, "\n");
}

sm_status sm_call_to_string(char **out, const sm_call *c)
{
    if (!out || !c)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "call: NULL argument");
    sbuf b = { 0 };
    /* No "preset" line: the rules it set are written out one by one. */
    sb_items(&b, c, 0);
    sb_items(&b, c, 1);
    sb_printf(&b, "size = %u..%u\n", c->min_size, c->max_size);
    if (c->min_countries)
        sb_printf(&b, "min_countries = %u%s%s\n", c->min_countries, c->min_countries_in.n ? " in " : "",
                  c->min_countries_in.text);
    for (unsigned i = 0; i < c->n_min_partners; i++)
        sb_printf(&b, "min_partners = %u in %s\n", c->min_partners[i].n, c->min_partners[i].area.text);
    if (c->max_per_country)
        sb_printf(&b, "max_per_country = %u\n", c->max_per_country);
    if (c->allowed.n)
        sb_printf(&b, "allowed = %s\n", c->allowed.text);
    if (c->min_smes)
        sb_printf(&b, "min_smes = %u\n", c->min_smes);
    if (c->min_less_dev) {
        char num[40];
        sm__fmt_double(num, sizeof num, c->less_dev_below);
        sb_printf(&b, "min_less_developed = %u below %s\n", c->min_less_dev, num);
    }
    if (c->lead[0])
        sb_printf(&b, "lead = %s\n", c->lead);
    if (c->lead_countries.n)
        sb_printf(&b, "lead_countries = %s\n", c->lead_countries.text);
    if (c->lead_sizes) {
        sb_printf(&b, "lead_sizes = ");
        bool first = true;
        for (unsigned s = SM_SIZE_MICRO; s <= SM_SIZE_LARGE; s++)
            if (c->lead_sizes >> s & 1u) {
                sb_printf(&b, "%s%s", first ? "" : ";", sm_size_name((sm_size)s));
                first = false;
            }
        sb_printf(&b, "\n");
    }
    sb_ids(&b, "include", (char (*)[SM_ID_MAX + 1])c->include, c->n_include);
    sb_ids(&b, "exclude", (char (*)[SM_ID_MAX + 1])c->exclude, c->n_exclude);
    char w[4][40];
    sm__fmt_double(w[0], sizeof w[0], c->w_coverage);
    sm__fmt_double(w[1], sizeof w[1], c->w_pairs);
    sm__fmt_double(w[2], sizeof w[2], c->w_lead);
    sm__fmt_double(w[3], sizeof w[3], c->w_cohesion);
    sb_printf(&b, "weights = coverage=%s,pairs=%s,lead=%s,cohesion=%s\n", w[0], w[1], w[2], w[3]);
    sb_num(&b, "coverage_decay", c->decay);
    sb_num(&b, "cohesion_threshold", c->cohesion_threshold);
    if (b.fail) {
        sm__free(A, b.p);
        return sm__nomem();
    }
    /* hand it out as a block sm_free() can release */
    char *s = sm__boxed_alloc(A, b.n + 1);
    if (!s) {
        sm__free(A, b.p);
        return sm__nomem();
    }
    memcpy(s, b.p, b.n + 1);
    sm__free(A, b.p);
    *out = s;
    return SM_OK;
}
