/* Explanations attached to a result: building them (the tags and reasons of
 * each match come from reasons.c), packing them into one block the result
 * owns, and the accessors of the public API. Contributions need no
 * explanation: they follow from the weights and the breakdown. */
#include "match/explain.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reason_names[] = {
    "none",           "tags_match",           "tags_none",           "sectors",
    "same_region",    "same_country",         "cross_border",        "development",
    "development_unknown", "sizes",           "cooperation_shared",  "cooperation_none",
    "cooperation_unknown", "language_shared", "language_none",       "language_unknown",
    "custom",         "past_partners",        "past_none",           "common_partners",
    "activity",       "sector_history",
};

const char *sm_reason_code_name(sm_reason_code code)
{
    return (unsigned)code < sizeof reason_names / sizeof *reason_names ? reason_names[code] : NULL;
}

/* ---- builder ------------------------------------------------------------- */

static void sb_put(sm__sb *b, const char *s, size_t n)
{
    if (b->nomem)
        return;
    if (n > SIZE_MAX - b->len - 1 || sm__grow(b->a, (void **)&b->s, &b->cap, b->len + n + 1, 1)) {
        b->nomem = true;
        return;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sm__sb_puts(sm__sb *b, const char *s) { sb_put(b, s, strlen(s)); }

void sm__sb_printf(sm__sb *b, const char *fmt, ...)
{
    char t[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof t) {
        sb_put(b, t, (size_t)n);
        return;
    }
    char *big = sm__malloc(b->a, (size_t)n + 1);
    if (!big) {
        b->nomem = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(b, big, (size_t)n);
    sm__free(b->a, big);
}

const char *sm__xb_str(sm__xbuild *xb, const char *s)
{
    size_t off = xb->pool.len;
    if (!s) /* a scratch string that could not grow: the build fails as NOMEM */
        s = "";
    sb_put(&xb->pool, s, strlen(s) + 1);
    return (const char *)(uintptr_t)off;
}

bool sm__xb_tag(sm__xbuild *xb, const char *tag, double weight)
{
    if (sm__grow(xb->a, (void **)&xb->tags, &xb->tags_cap, xb->n_tags + 1, sizeof *xb->tags)) {
        xb->pool.nomem = true;
        return false;
    }
    xb->tags[xb->n_tags].tag = sm__xb_str(xb, tag);
    xb->tags[xb->n_tags].weight = weight;
    xb->n_tags++;
    return true;
}

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

/* Packs the builder's data into one boxed block, turning offsets into pointers. */
static sm__expl *pack(sm__xbuild *xb, const sm__xmatch *m, const sm__xreason *reasons, size_t n, size_t nc)
{
    size_t off_m = align8(sizeof(sm__expl));
    size_t off_t = off_m + align8(n * sizeof(sm__xmatch));
    size_t off_r = off_t + align8(xb->n_tags * sizeof(sm__xtag));
    size_t off_p = off_r + align8(n * nc * sizeof(sm__xreason));
    char *blk = sm__boxed_alloc(xb->a, off_p + xb->pool.len + 1);
    if (!blk)
        return NULL;
    sm__expl *x = (sm__expl *)blk;
    x->n = n;
    x->n_crit = nc;
    x->m = (sm__xmatch *)(blk + off_m);
    sm__xtag *tags = (sm__xtag *)(blk + off_t);
    sm__xreason *rs = (sm__xreason *)(blk + off_r);
    char *pool = blk + off_p;
    if (xb->pool.len)
        memcpy(pool, xb->pool.s, xb->pool.len);
    pool[xb->pool.len] = '\0';
#define FIX(p) ((p) = pool + (uintptr_t)(p))
    for (size_t t = 0; t < xb->n_tags; t++) {
        tags[t] = xb->tags[t];
        FIX(tags[t].tag);
    }
    for (size_t r = 0; r < n * nc; r++) {
        rs[r] = reasons[r];
        for (unsigned p = 0; p < rs[r].n; p++)
            FIX(rs[r].vals[p]);
        FIX(rs[r].text);
    }
#undef FIX
    for (size_t i = 0; i < n; i++) {
        x->m[i] = m[i];
        x->m[i].gives = tags + (uintptr_t)m[i].gives;
        x->m[i].gets = tags + (uintptr_t)m[i].gets;
        x->m[i].reasons = rs + i * nc;
    }
    return x;
}

void sm__expl_free(sm__expl *x)
{
    if (x)
        sm__boxed_free(x);
}

sm_status sm__result_explain_locked(sm_result *r, const sm_engine *e)
{
    size_t n = sm_result_count(r), nc = sm_result_criterion_count(r);
    long a = sm__sme_find(e, sm_result_query_id(r));
    if (a < 0)
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", sm_result_query_id(r),
                           "explain: no SME \"%s\" (removed since the query?)", sm_result_query_id(r));
    const sm__alloc *al = sm__boxed_alloc_of(r);
    sm__xbuild xb;
    memset(&xb, 0, sizeof xb);
    xb.a = xb.pool.a = xb.text.a = xb.list.a = al;
    sm__xmatch *m = sm__calloc(al, n ? n : 1, sizeof *m);
    sm__xreason *rs = sm__calloc(al, n * nc > 0 ? n * nc : 1, sizeof *rs);
    const char *names[SM_CRITERIA_MAX];
    for (size_t j = 0; j < nc && j < SM_CRITERIA_MAX; j++)
        names[j] = sm_result_criterion_name(r, j);
    sm_status st = SM_OK;
    locale_t loc = sm__c_locale(), old = (locale_t)0;
    if (loc)
        old = uselocale(loc);
    for (size_t i = 0; m && rs && i < n && !xb.pool.nomem; i++) {
        long b = sm__sme_find(e, sm_result_id(r, i));
        if (b < 0) {
            st = sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", sm_result_id(r, i),
                             "explain: no SME \"%s\" (removed since the query?)", sm_result_id(r, i));
            break;
        }
        m[i].reasons = rs + i * nc;
        sm__explain_pair(&xb, &m[i], e, (size_t)a, (size_t)b, names, sm_result_breakdowns(r) + i * nc, nc,
                         sm_result_distance_km(r, i));
    }
    if (loc)
        uselocale(old);
    sm__expl *x = NULL;
    if (!st && (!m || !rs || xb.pool.nomem || xb.text.nomem || xb.list.nomem || !(x = pack(&xb, m, rs, n, nc))))
        st = sm__nomem();
    sm__free(al, m);
    sm__free(al, rs);
    sm__free(al, xb.tags);
    sm__free(al, xb.pool.s);
    sm__free(al, xb.text.s);
    sm__free(al, xb.list.s);
    if (!st)
        sm__result_set_expl(r, x);
    return st;
}

sm_status sm_result_explain(sm_result *r, const sm_engine *e)
{
    if (!r || !e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "explain: NULL argument");
    sm__rdlock(e);
    sm_status st = sm__score_cache_get(NULL, e);
    if (!st)
        st = sm__result_explain_locked(r, e);
    sm__unlock(e);
    return st;
}

/* ---- accessors ----------------------------------------------------------- */

int sm_result_is_explained(const sm_result *r) { return sm__result_expl(r) != NULL; }

double sm_result_contribution(const sm_result *r, size_t i, size_t j)
{
    size_t nc = sm_result_criterion_count(r);
    if (i >= sm_result_count(r) || j >= nc)
        return NAN;
    double sum = 0;
    for (size_t k = 0; k < nc; k++)
        sum += sm_result_criterion_weight(r, k);
    return sum > 0 ? sm_result_criterion_weight(r, j) * sm_result_breakdown(r, i, j) / sum : 0.0;
}

static const sm__xmatch *match_of(const sm_result *r, size_t i)
{
    const sm__expl *x = sm__result_expl(r);
    return x && i < x->n ? &x->m[i] : NULL;
}

static const sm__xreason *reason_of(const sm_result *r, size_t i, size_t j)
{
    const sm__expl *x = sm__result_expl(r);
    return x && i < x->n && j < x->n_crit ? &x->m[i].reasons[j] : NULL;
}

size_t sm_result_gives_count(const sm_result *r, size_t i)
{
    const sm__xmatch *m = match_of(r, i);
    return m ? m->n_gives : 0;
}

const char *sm_result_gives_tag(const sm_result *r, size_t i, size_t t)
{
    const sm__xmatch *m = match_of(r, i);
    return m && t < m->n_gives ? m->gives[t].tag : NULL;
}

double sm_result_gives_weight(const sm_result *r, size_t i, size_t t)
{
    const sm__xmatch *m = match_of(r, i);
    return m && t < m->n_gives ? m->gives[t].weight : NAN;
}

size_t sm_result_gets_count(const sm_result *r, size_t i)
{
    const sm__xmatch *m = match_of(r, i);
    return m ? m->n_gets : 0;
}

const char *sm_result_gets_tag(const sm_result *r, size_t i, size_t t)
{
    const sm__xmatch *m = match_of(r, i);
    return m && t < m->n_gets ? m->gets[t].tag : NULL;
}

double sm_result_gets_weight(const sm_result *r, size_t i, size_t t)
{
    const sm__xmatch *m = match_of(r, i);
    return m && t < m->n_gets ? m->gets[t].weight : NAN;
}

sm_reason_code sm_result_reason_code(const sm_result *r, size_t i, size_t j)
{
    const sm__xreason *x = reason_of(r, i, j);
    return x ? x->code : SM_REASON_NONE;
}

size_t sm_result_reason_param_count(const sm_result *r, size_t i, size_t j)
{
    const sm__xreason *x = reason_of(r, i, j);
    return x ? x->n : 0;
}

const char *sm_result_reason_param_name(const sm_result *r, size_t i, size_t j, size_t p)
{
    const sm__xreason *x = reason_of(r, i, j);
    return x && p < x->n ? x->keys[p] : NULL;
}

const char *sm_result_reason_param_value(const sm_result *r, size_t i, size_t j, size_t p)
{
    const sm__xreason *x = reason_of(r, i, j);
    return x && p < x->n ? x->vals[p] : NULL;
}

const char *sm_result_reason_text(const sm_result *r, size_t i, size_t j)
{
    const sm__xreason *x = reason_of(r, i, j);
    return x ? x->text : NULL;
}
