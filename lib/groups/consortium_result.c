/* The result of sm_consortium_build(): members with their reasons, the rule
 * checks, coverage and terms of each consortium, the getters, and the JSON
 * and CSV writers. The result copies every string, so it outlives the
 * engine; it keeps the engine's allocator. */
#include "groups/consortium.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

sm_status sm__cons_result(sm_consortia **out, const sm__cctx *x, const sm__cfound *found, size_t n, int exact,
                          const char *infeasible);

static const char *const term_names[4] = { "coverage", "pairs", "lead", "cohesion" };

void sm_consortia_free(sm_consortia *r)
{
    if (!r)
        return;
    sm__alloc a = r->alloc;
    for (size_t c = 0; r->c && c < r->n; c++) {
        sm__cres *cr = &r->c[c];
        for (size_t m = 0; cr->members && m < cr->n; m++) {
            sm__free(&a, cr->members[m].id);
            sm__free(&a, cr->members[m].country);
            sm__free(&a, cr->members[m].reason);
        }
        sm__free(&a, cr->members);
        for (size_t i = 0; i < r->n_rules; i++)
            sm__free(&a, cr->detail[i]);
    }
    sm__free(&a, r->c);
    for (size_t i = 0; i < r->n_rules; i++)
        sm__free(&a, r->rule[i]);
    for (size_t i = 0; i < r->n_items; i++)
        sm__free(&a, r->item[i]);
    sm__free(&a, r->infeasible);
    sm__free(&a, r);
}

/* The reason of member m: what it covers, where it is, whom it complements best. */
static void reason(char *buf, size_t cap, const sm__cctx *x, const sm__cfound *f, const uint32_t *idx, unsigned n,
                   unsigned m)
{
    const sm_engine *e = x->e;
    const sm_call *c = x->call;
    const sm__cpool *p = f->pool;
    size_t len = 0;
    buf[0] = '\0';
#define ADD(...)                                                                                                   \
    do {                                                                                                           \
        int k_ = snprintf(buf + len, cap - len, __VA_ARGS__);                                                      \
        if (k_ > 0)                                                                                                \
            len += (size_t)k_ < cap - len ? (size_t)k_ : cap - len - 1;                                           \
    } while (0)
    uint64_t cov = sm__cons_covers(x, idx[m]);
    for (int sector = 0; sector < 2; sector++) {
        bool any = false;
        for (unsigned it = 0; it < c->n_items; it++)
            if ((cov >> it & 1u) && c->items[it].is_sector == sector) {
                ADD("%s%s", any ? ", " : (sector ? "in sector " : "covers "), c->items[it].code);
                any = true;
            }
        if (any)
            ADD("; ");
    }
    const sm__region *rg = e->regions[e->smes.region[idx[m]]];
    double dev = x->rdev[e->smes.region[idx[m]]];
    ADD("from %s (%s", sm__sme_country_code(e, idx[m]), rg->info.code);
    if (!isnan(dev))
        ADD(", development %.0f", dev);
    ADD(")");
    /* best pair inside the consortium */
    unsigned pm = 0, best = 0;
    double bv = -1;
    for (unsigned i = 0; i < p->n; i++)
        if (p->c[i].idx == idx[m])
            pm = i;
    for (unsigned j = 0; j < n; j++) {
        if (j == m)
            continue;
        unsigned pj = 0;
        for (unsigned i = 0; i < p->n; i++)
            if (p->c[i].idx == idx[j])
                pj = i;
        if (p->pair[pm][pj] > bv)
            bv = p->pair[pm][pj], best = j;
    }
    if (n > 1)
        ADD("; complements %s at %.2f", sm__sme_id(e, idx[best]), bv);
#undef ADD
}

static char *dup(const sm__alloc *a, const char *s) { return sm__strdup(a, s); }

static int id_cmp_engine(const sm_engine *e, uint32_t a, uint32_t b)
{
    return strcmp(sm__sme_id(e, a), sm__sme_id(e, b));
}

sm_status sm__cons_result(sm_consortia **out, const sm__cctx *x, const sm__cfound *found, size_t n, int exact,
                          const char *infeasible)
{
    const sm__alloc *a = x->a;
    const sm_engine *e = x->e;
    sm_consortia *r = sm__calloc(a, 1, sizeof *r);
    if (!r)
        return sm__nomem();
    r->alloc = *a;
    r->exact = exact;
    char(*text)[SM__RULE_TEXT] = NULL;
    char(*detail)[SM__RULE_DETAIL] = NULL;
    char *buf = NULL;
    text = sm__malloc(a, sizeof(char[SM__RULES_MAX][SM__RULE_TEXT]));
    detail = sm__malloc(a, sizeof(char[SM__RULES_MAX][SM__RULE_DETAIL]));
    buf = sm__malloc(a, 1024);
    if (!text || !detail || !buf)
        goto nomem;
    if (!(r->infeasible = dup(a, infeasible ? infeasible : "")))
        goto nomem;
    unsigned nr = sm__rules_eval(x, NULL, 0, text, NULL, NULL);
    for (unsigned i = 0; i < nr; i++) {
        if (!(r->rule[i] = dup(a, text[i])))
            goto nomem;
        r->n_rules = i + 1;
    }
    for (unsigned i = 0; i < x->call->n_items; i++) {
        if (!(r->item[i] = dup(a, x->call->items[i].code)))
            goto nomem;
        r->item_is_sector[i] = x->call->items[i].is_sector;
        r->n_items = i + 1;
    }
    if (n) {
        if (!(r->c = sm__calloc(a, n, sizeof *r->c)))
            goto nomem;
        r->n = n;
    }
    for (size_t c = 0; c < n; c++) {
        const sm__cfound *f = &found[c];
        sm__cres *cr = &r->c[c];
        /* lead first, then by id */
        uint32_t idx[SM__CALL_SIZE_MAX];
        unsigned m = 0;
        idx[m++] = f->pool->c[0].idx;
        for (unsigned i = 0; i < f->n; i++)
            if (f->idx[i] != idx[0])
                idx[m++] = f->idx[i];
        for (unsigned i = 2; i < m; i++)
            for (unsigned j = i; j > 1 && id_cmp_engine(e, idx[j], idx[j - 1]) < 0; j--) {
                uint32_t t = idx[j];
                idx[j] = idx[j - 1];
                idx[j - 1] = t;
            }
        cr->score = f->score;
        memcpy(cr->terms, f->terms, sizeof cr->terms);
        if (!(cr->members = sm__calloc(a, m, sizeof *cr->members)))
            goto nomem;
        cr->n = m;
        for (unsigned i = 0; i < m; i++) {
            reason(buf, 1024, x, f, idx, m, i);
            sm__cmember *mb = &cr->members[i];
            if (!(mb->id = dup(a, sm__sme_id(e, idx[i]))) || !(mb->country = dup(a, sm__sme_country_code(e, idx[i]))) ||
                !(mb->reason = dup(a, buf)))
                goto nomem;
        }
        sm__rules_eval(x, idx, m, text, cr->ok, detail);
        for (unsigned i = 0; i < nr; i++)
            if (!(cr->detail[i] = dup(a, detail[i])))
                goto nomem;
        for (unsigned it = 0; it < x->call->n_items; it++) {
            long cnt = 0;
            for (unsigned i = 0; i < m; i++)
                cnt += (long)(sm__cons_covers(x, idx[i]) >> it & 1u);
            cr->coverage[it] = cnt;
        }
    }
    sm__free(a, text);
    sm__free(a, detail);
    sm__free(a, buf);
    *out = r;
    return SM_OK;
nomem:
    sm__free(a, text);
    sm__free(a, detail);
    sm__free(a, buf);
    sm_consortia_free(r);
    return sm__nomem();
}

/* ---- getters ---------------------------------------------------------------------- */

size_t sm_consortia_count(const sm_consortia *r) { return r ? r->n : 0; }

const char *sm_consortia_infeasible(const sm_consortia *r) { return r ? r->infeasible : ""; }

int sm_consortia_exact(const sm_consortia *r) { return r ? r->exact : 0; }

double sm_consortia_score(const sm_consortia *r, size_t c) { return r && c < r->n ? r->c[c].score : NAN; }

double sm_consortia_term(const sm_consortia *r, size_t c, const char *name)
{
    if (!r || c >= r->n || !name)
        return NAN;
    for (int i = 0; i < 4; i++)
        if (strcmp(name, term_names[i]) == 0)
            return r->c[c].terms[i];
    return NAN;
}

size_t sm_consortia_size(const sm_consortia *r, size_t c) { return r && c < r->n ? r->c[c].n : 0; }

sm_status sm_consortia_member(const char **out_id, const char **out_country, const char **out_reason,
                              const sm_consortia *r, size_t c, size_t m)
{
    if (!r)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "consortia: NULL argument");
    if (c >= r->n || m >= r->c[c].n)
        return sm__fail(SM_ERR_NOT_FOUND, "consortia: no member %zu of consortium %zu", m, c);
    const sm__cmember *mb = &r->c[c].members[m];
    if (out_id)
        *out_id = mb->id;
    if (out_country)
        *out_country = mb->country;
    if (out_reason)
        *out_reason = mb->reason;
    return SM_OK;
}

size_t sm_consortia_rule_count(const sm_consortia *r) { return r ? r->n_rules : 0; }

sm_status sm_consortia_rule(const char **out_rule, int *out_ok, const char **out_detail, const sm_consortia *r,
                            size_t c, size_t i)
{
    if (!r)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "consortia: NULL argument");
    if (c >= r->n || i >= r->n_rules)
        return sm__fail(SM_ERR_NOT_FOUND, "consortia: no rule %zu of consortium %zu", i, c);
    if (out_rule)
        *out_rule = r->rule[i];
    if (out_ok)
        *out_ok = r->c[c].ok[i];
    if (out_detail)
        *out_detail = r->c[c].detail[i];
    return SM_OK;
}

long sm_consortia_coverage(const sm_consortia *r, size_t c, size_t i)
{
    return r && c < r->n && i < r->n_items ? r->c[c].coverage[i] : -1;
}

size_t sm_consortia_item_count(const sm_consortia *r) { return r ? r->n_items : 0; }

const char *sm_consortia_item(const sm_consortia *r, size_t i, int *out_is_sector)
{
    if (!r || i >= r->n_items)
        return NULL;
    if (out_is_sector)
        *out_is_sector = r->item_is_sector[i];
    return r->item[i];
}

/* ---- writers ----------------------------------------------------------------------- */

typedef struct wbuf {
    const sm__alloc *a;
    char *p;
    size_t n, cap;
    bool fail;
} wbuf;

static void w_raw(wbuf *b, const char *s, size_t len)
{
    if (b->fail)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *np = sm__realloc(b->a, b->p, cap);
        if (!np) {
            b->fail = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void w_printf(wbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void w_printf(wbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k > 0)
        w_raw(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

static void w_json_str(wbuf *b, const char *s)
{
    w_raw(b, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            char esc[2] = { '\\', (char)ch };
            w_raw(b, esc, 2);
        } else if (ch < 0x20) {
            w_printf(b, "\\u%04x", ch);
        } else {
            w_raw(b, s, 1);
        }
    }
    w_raw(b, "\"", 1);
}

static void w_csv_str(wbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        w_raw(b, s, strlen(s));
        return;
    }
    w_raw(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            w_raw(b, "\"", 1);
        w_raw(b, s, 1);
    }
    w_raw(b, "\"", 1);
}

/* Numbers read back exactly (shortest round-trip form, C locale). */
static void w_num(wbuf *b, double v)
{
    char num[40];
    sm__fmt_double(num, sizeof num, v);
    w_raw(b, num, strlen(num));
}

sm_status sm_consortia_format(char **out, size_t *out_len, const sm_consortia *r, sm_format format)
{
    if (!out || !r || (format != SM_FORMAT_JSON && format != SM_FORMAT_CSV))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "consortia format: NULL argument or format not CSV/JSON");
    wbuf b = { &r->alloc, NULL, 0, 0, false };
    if (format == SM_FORMAT_CSV)
        w_printf(&b, "rank,score,id,role,country,reason\n");
    else
        w_raw(&b, "[", 1);
    for (size_t c = 0; c < r->n; c++) {
        const sm__cres *cr = &r->c[c];
        if (format == SM_FORMAT_CSV) {
            for (size_t m = 0; m < cr->n; m++) {
                w_printf(&b, "%zu,", c + 1);
                w_num(&b, cr->score);
                w_raw(&b, ",", 1);
                w_csv_str(&b, cr->members[m].id);
                w_printf(&b, ",%s,%s,", m ? "partner" : "lead", cr->members[m].country);
                w_csv_str(&b, cr->members[m].reason);
                w_raw(&b, "\n", 1);
            }
            continue;
        }
        w_printf(&b, "%s\n  {\"rank\": %zu, \"score\": ", c ? "," : "", c + 1);
        w_num(&b, cr->score);
        w_raw(&b, ", \"members\": [", 14);
        for (size_t m = 0; m < cr->n; m++) {
            w_printf(&b, "%s\n    {\"id\": ", m ? "," : "");
            w_json_str(&b, cr->members[m].id);
            w_printf(&b, ", \"role\": \"%s\", \"country\": ", m ? "partner" : "lead");
            w_json_str(&b, cr->members[m].country);
            w_raw(&b, ", \"reason\": ", 12);
            w_json_str(&b, cr->members[m].reason);
            w_raw(&b, "}", 1);
        }
        w_raw(&b, "],\n   \"rules\": [", 16);
        for (size_t i = 0; i < r->n_rules; i++) {
            w_printf(&b, "%s\n    {\"rule\": ", i ? "," : "");
            w_json_str(&b, r->rule[i]);
            w_printf(&b, ", \"ok\": %s, \"detail\": ", cr->ok[i] ? "true" : "false");
            w_json_str(&b, cr->detail[i]);
            w_raw(&b, "}", 1);
        }
        w_raw(&b, "],\n   \"coverage\": {", 19);
        for (size_t i = 0; i < r->n_items; i++) {
            w_printf(&b, "%s", i ? ", " : "");
            w_json_str(&b, r->item[i]);
            w_printf(&b, ": %ld", cr->coverage[i]);
        }
        w_raw(&b, "},\n   \"terms\": {", 16);
        for (int i = 0; i < 4; i++) {
            w_printf(&b, "%s\"%s\": ", i ? ", " : "", term_names[i]);
            w_num(&b, cr->terms[i]);
        }
        w_raw(&b, "}}", 2);
    }
    if (format == SM_FORMAT_JSON)
        w_raw(&b, r->n ? "\n]\n" : "]\n", r->n ? 3 : 2);
    if (b.fail) {
        sm__free(b.a, b.p);
        return sm__nomem();
    }
    char *s = sm__boxed_alloc(b.a, b.n + 1);
    if (!s) {
        sm__free(b.a, b.p);
        return sm__nomem();
    }
    memcpy(s, b.p, b.n + 1);
    sm__free(b.a, b.p);
    if (out_len)
        *out_len = b.n;
    *out = s;
    return SM_OK;
}
