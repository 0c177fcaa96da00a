/* sm_consortium_build(): the context of one build (what each region and
 * sector counts for, who is excluded), the lead or lead candidates, the pool
 * of each (consortium_pool.c), the search for each consortium in turn
 * (consortium_search.c) and the merge over several leads (docs/consortium.md,
 * "The search"). Holds the engine's reader lock throughout. */
#include "groups/consortium.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sm_status sm_consortium_options_init(sm_consortium_options *opts, unsigned int version)
{
    if (!opts || version != SM_CONSORTIUM_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "consortium options: NULL or unknown version %u", version);
    sm_consortium_options d = SM_CONSORTIUM_OPTIONS_INIT;
    *opts = d;
    return SM_OK;
}

/* Build result for sm__cons_result (consortium_result.c). */
sm_status sm__cons_result(sm_consortia **out, const sm__cctx *x, const sm__cfound *found, size_t n, int exact,
                          const char *infeasible);

/* ---- what an SME covers, who may lead --------------------------------------- */

uint64_t sm__cons_covers(const sm__cctx *x, size_t idx)
{
    const sm_engine *e = x->e;
    const sm__smes *s = &e->smes;
    uint64_t bits = x->sec_cov[s->sector[idx]];
    const uint32_t *sec = sm__sme_secondary(e, idx);
    for (unsigned i = 0; i < s->n_secondary[idx]; i++)
        bits |= x->sec_cov[sec[i]];
    const uint32_t *off = sm__sme_offers(e, idx);
    unsigned no = s->n_offers[idx];
    for (unsigned it = 0; it < x->call->n_items; it++) {
        if (x->item_tag[it] < 0)
            continue;
        uint32_t t = (uint32_t)x->item_tag[it];
        /* offers are sorted by tag id */
        unsigned lo = 0, hi = no;
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (off[mid] < t)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < no && off[lo] == t)
            bits |= 1ull << it;
    }
    return bits;
}

bool sm__cons_may_lead(const sm__cctx *x, size_t idx)
{
    const sm_call *c = x->call;
    if (x->blocked[idx])
        return false;
    if (c->lead_sizes && !(c->lead_sizes >> x->e->smes.size[idx] & 1u))
        return false;
    return (x->rbits[x->e->smes.region[idx]] >> SM__AB_LEAD & 1u) != 0;
}

/* ---- context -------------------------------------------------------------------- */

static const char *tag_key(const void *ctx, uint32_t v) { return ((const sm_engine *)ctx)->tags.str[v]; }

static void rules_from_call(sm__crules *r, const sm_call *c)
{
    memset(r, 0, sizeof *r);
    r->min_size = c->min_size;
    r->max_size = c->max_size;
    r->min_countries = c->min_countries;
    r->max_per_country = c->max_per_country;
    r->n_min_partners = c->n_min_partners;
    for (unsigned k = 0; k < c->n_min_partners; k++)
        r->min_partners[k] = c->min_partners[k].n;
    r->min_smes = c->min_smes;
    r->min_less_dev = c->min_less_dev;
    r->less_dev_below = c->less_dev_below;
    r->cohesion_threshold = c->cohesion_threshold;
    r->decay = c->decay;
    r->w_cov = c->w_coverage;
    r->w_pairs = c->w_pairs;
    r->w_lead = c->w_lead;
    r->w_coh = c->w_cohesion;
    r->n_items = c->n_items;
    for (unsigned i = 0; i < c->n_items; i++) {
        r->item_w[i] = c->items[i].weight;
        r->item_w_sum += c->items[i].weight;
    }
}

static void ctx_free(sm__cctx *x)
{
    sm__free(x->a, x->rbits);
    sm__free(x->a, x->rdev);
    sm__free(x->a, x->sec_cov);
    sm__free(x->a, x->blocked);
}

static sm_status ctx_init(sm__cctx *x, const sm_engine *e, const sm_call *c, const sm_weighting *w, const char *lead)
{
    memset(x, 0, sizeof *x);
    x->e = e;
    x->call = c;
    x->a = &e->alloc;
    x->w = w;
    x->lead = -1;
    size_t nr = e->n_regions, ns = e->n_sectors, n = e->smes.n;
    x->rbits = sm__calloc(x->a, nr ? nr : 1, sizeof *x->rbits);
    x->rdev = sm__calloc(x->a, nr ? nr : 1, sizeof *x->rdev);
    x->sec_cov = sm__calloc(x->a, ns ? ns : 1, sizeof *x->sec_cov);
    x->blocked = sm__calloc(x->a, n ? n : 1, 1);
    if (!x->rbits || !x->rdev || !x->sec_cov || !x->blocked) {
        ctx_free(x);
        return sm__nomem();
    }
    for (size_t r = 0; r < nr; r++) {
        const char *code = e->regions[r]->info.code;
        uint32_t b = 0;
        for (unsigned k = 0; k < c->n_min_partners; k++)
            b |= (uint32_t)sm__area_has(&c->min_partners[k].area, code) << k;
        if (!c->lead_countries.n || sm__area_has(&c->lead_countries, code))
            b |= 1u << SM__AB_LEAD;
        if (!c->min_countries_in.n || sm__area_has(&c->min_countries_in, code))
            b |= 1u << SM__AB_MINC;
        if (!c->allowed.n || sm__area_has(&c->allowed, code))
            b |= 1u << SM__AB_ALLOWED;
        x->rbits[r] = b;
        x->rdev[r] = sm__region_dev(e, (int)r);
    }
    for (unsigned it = 0; it < c->n_items; it++) {
        x->item_tag[it] = -1;
        x->item_sector[it] = -1;
        if (!c->items[it].is_sector) {
            uint32_t t;
            if (sm__hmap_get(&e->tags.map, c->items[it].code, tag_key, e, &t))
                x->item_tag[it] = t;
            continue;
        }
        long q = sm__sector_find(e, c->items[it].code);
        x->item_sector[it] = q;
        if (q < 0)
            continue;
        int level = e->sectors[q]->level;
        for (size_t s = 0; s < ns; s++)
            if (sm__sector_ancestor(e, (int)s, level) == (int)q)
                x->sec_cov[s] |= 1ull << it;
    }
    for (size_t i = 0; i < n; i++)
        x->blocked[i] = !(x->rbits[e->smes.region[i]] >> SM__AB_ALLOWED & 1u);
    for (unsigned i = 0; i < c->n_exclude; i++) {
        long j = sm__sme_find(e, c->exclude[i]);
        if (j >= 0)
            x->blocked[j] = 1;
    }
    for (unsigned i = 0; i < c->n_include; i++) {
        long j = sm__sme_find(e, c->include[i]);
        if (j < 0) {
            ctx_free(x);
            return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "include", c->include[i],
                               "consortium: include: no SME \"%s\"", c->include[i]);
        }
        x->include[x->n_include++] = j;
    }
    if (lead) {
        long j = sm__sme_find(e, lead);
        if (j < 0) {
            ctx_free(x);
            return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "lead", lead, "consortium: lead: no SME \"%s\"", lead);
        }
        x->lead = j;
    }
    rules_from_call(&x->rules, c);
    return SM_OK;
}

/* ---- leads, search, merge ---------------------------------------------------------- */

/* How well an SME could lead before any partner is known: the weighted share
 * of the items it covers, then size (medium, small, large, micro, unknown). */
static double lead_pref(const sm__cctx *x, size_t idx)
{
    static const double size_rank[5] = { 0.0, 0.25, 0.75, 1.0, 0.5 };
    uint64_t cov = sm__cons_covers(x, idx);
    double v = 0;
    for (unsigned it = 0; it < x->rules.n_items; it++)
        if (cov >> it & 1u)
            v += x->rules.item_w[it];
    if (x->rules.item_w_sum > 0)
        v /= x->rules.item_w_sum;
    return v + 0.01 * size_rank[x->e->smes.size[idx] < 5 ? x->e->smes.size[idx] : 0];
}

/* The best `want` lead candidates by lead_pref (ties: id). */
static size_t pick_leads(const sm__cctx *x, uint32_t *out, size_t want)
{
    const sm_engine *e = x->e;
    sm__cand_s best[20];
    size_t n = 0;
    sm__cons_tl_engine = e;
    for (size_t i = 0; i < e->smes.n; i++) {
        if (!sm__cons_may_lead(x, i))
            continue;
        sm__cand_s c = { (uint32_t)i, lead_pref(x, i) };
        size_t j = n < want ? n++ : want;
        if (j == want) {
            if (sm__cons_cand_cmp(&c, &best[want - 1]) >= 0)
                continue;
            j = want - 1;
        }
        while (j > 0 && sm__cons_cand_cmp(&c, &best[j - 1]) < 0) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = c;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = best[i].idx;
    return n;
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

typedef struct found_list {
    sm__cfound *v;
    size_t n, cap;
} found_list;

/* The consortia of one lead: the best, then the best that differs from it,
 * and so on (the diversity rule), up to k. */
static sm_status search_lead(found_list *fl, const sm__cctx *x, const sm__cpool *p, size_t k, unsigned d,
                             unsigned long max_nodes, bool *inexact)
{
    uint64_t prev[100];
    size_t n_prev = 0;
    for (size_t c = 0; c < k; c++) {
        sm__cfound f;
        bool found = false, exhausted = false;
        sm_status st = sm__cons_search(x->a, &x->rules, p, prev, n_prev, d, max_nodes, &f, &found, &exhausted);
        if (st)
            return st;
        if (exhausted)
            *inexact = true;
        if (!found)
            break;
        if ((st = sm__grow(x->a, (void **)&fl->v, &fl->cap, fl->n + 1, sizeof *fl->v)))
            return st;
        prev[n_prev++] = f.set;
        fl->v[fl->n++] = f;
    }
    return SM_OK;
}

static int id_cmp(const void *x, const void *y)
{
    return strcmp(sm__sme_id(sm__cons_tl_engine, *(const uint32_t *)x),
                  sm__sme_id(sm__cons_tl_engine, *(const uint32_t *)y));
}

static int found_cmp(const void *x, const void *y)
{
    const sm__cfound *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    /* ties: lead id, then the members' ids in id order, so that the order
     * never depends on the order SMEs were added */
    const sm_engine *e = sm__cons_tl_engine;
    int c = strcmp(sm__sme_id(e, a->pool->c[0].idx), sm__sme_id(e, b->pool->c[0].idx));
    if (c)
        return c;
    uint32_t ia[SM__CALL_SIZE_MAX], ib[SM__CALL_SIZE_MAX];
    memcpy(ia, a->idx, a->n * sizeof ia[0]);
    memcpy(ib, b->idx, b->n * sizeof ib[0]);
    qsort(ia, a->n, sizeof ia[0], id_cmp);
    qsort(ib, b->n, sizeof ib[0], id_cmp);
    for (unsigned i = 0; i < a->n && i < b->n; i++)
        if ((c = strcmp(sm__sme_id(e, ia[i]), sm__sme_id(e, ib[i]))) != 0)
            return c;
    return (a->n > b->n) - (a->n < b->n);
}

static sm_status build(sm_consortia **out, sm__cctx *x, const sm_consortium_options *o)
{
    const sm_engine *e = x->e;
    uint32_t leads[20];
    size_t n_leads;
    char why[1200];
    if (x->lead >= 0) {
        leads[0] = (uint32_t)x->lead;
        n_leads = 1;
    } else {
        n_leads = pick_leads(x, leads, o->leads);
    }
    sm__cpool *pools[20] = { 0 };
    size_t n_pools = 0;
    found_list fl = { 0 };
    bool inexact = false;
    sm_status st = SM_OK;
    sm__qctx ql, qq;
    sm__qctx_init(&ql, e);
    sm__qctx_init(&qq, e);
    sm__cset cs = { 0 };
    cs.mark = sm__calloc(x->a, e->smes.n ? e->smes.n : 1, 1);
    if (!cs.mark)
        st = sm__nomem();
    /* the pool holds the lead, every must-include member and at least 8 others */
    size_t need = 1 + (size_t)x->n_include + 8;
    size_t pool_cap = o->pool >= need ? o->pool : need < SM__POOL_MAX ? need : SM__POOL_MAX;
    for (size_t l = 0; l < n_leads && !st; l++) {
        /* a fixed lead that breaks a rule on its own gets no pool: the
         * diagnosis names the rule */
        if (!sm__cons_may_lead(x, leads[l]))
            continue;
        bool clash = false;
        for (unsigned i = 0; i < x->n_include; i++)
            clash |= x->blocked[x->include[i]] != 0;
        if (clash)
            break;
        sm__cpool *p = sm__calloc(x->a, 1, sizeof *p);
        if (!p) {
            st = sm__nomem();
            break;
        }
        pools[n_pools++] = p;
        if ((st = sm__cons_pool(p, x, leads[l], &cs, &ql, &qq, pool_cap)))
            break;
        st = search_lead(&fl, x, p, o->k, (unsigned)o->min_differ, o->max_nodes, &inexact);
    }
    if (!st) {
        /* merge the leads' lists by score, keeping the diversity rule across them */
        for (size_t i = 0; i < fl.n; i++) {
            sm__cfound *f = &fl.v[i];
            qsort(f->idx, f->n, sizeof f->idx[0], u32_cmp);
        }
        sm__cons_tl_engine = e;
        if (fl.n)
            qsort(fl.v, fl.n, sizeof fl.v[0], found_cmp);
        size_t kept = 0;
        for (size_t i = 0; i < fl.n && kept < o->k; i++) {
            bool ok = true;
            for (size_t j = 0; j < kept && ok; j++)
                ok = sm__cons_differ(fl.v[i].idx, fl.v[i].n, fl.v[j].idx, fl.v[j].n, (unsigned)o->min_differ);
            if (ok)
                fl.v[kept++] = fl.v[i];
        }
        fl.n = kept;
        why[0] = '\0';
        if (!fl.n)
            sm__rules_diagnose(x, (const sm__cpool *const *)pools, n_pools, why, sizeof why);
        st = sm__cons_result(out, x, fl.v, fl.n, !inexact, why);
    }
    for (size_t i = 0; i < n_pools; i++)
        sm__free(x->a, pools[i]);
    sm__free(x->a, fl.v);
    sm__free(x->a, cs.v);
    sm__free(x->a, cs.mark);
    sm__qctx_free(&ql);
    sm__qctx_free(&qq);
    return st;
}

sm_status sm_consortium_build(sm_consortia **out, const sm_engine *e, const sm_call *call,
                              const sm_consortium_options *opts)
{
    if (!out || !e || !call)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "consortium: NULL argument");
    sm_consortium_options defaults = SM_CONSORTIUM_OPTIONS_INIT;
    const sm_consortium_options *o = opts ? opts : &defaults;
    if (o->version != SM_CONSORTIUM_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "consortium options: unknown version %u", o->version);
    if (o->k < 1 || o->k > 100)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "k", NULL, "consortium: k must be 1..100 (got %zu)",
                           o->k);
    if (o->pool < 8 || o->pool > SM__POOL_MAX)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "pool", NULL,
                           "consortium: pool must be 8..64 (got %zu)", o->pool);
    if (o->leads < 1 || o->leads > 20)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "leads", NULL,
                           "consortium: leads must be 1..20 (got %zu)", o->leads);
    if (o->min_differ < 1 || o->min_differ > SM__CALL_SIZE_MAX)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "min_differ", NULL,
                           "consortium: min_differ must be 1..64 (got %zu)", o->min_differ);
    const sm_weighting *w = NULL;
    sm_status st = sm__query_weighting(&w, o->weighting);
    if (st)
        return st;
    const char *lead = o->lead ? o->lead : (call->lead[0] ? call->lead : NULL);
    sm__rdlock(e);
    if ((st = sm__score_cache_get(NULL, e))) {
        sm__unlock(e);
        return st;
    }
    sm__cctx x;
    if ((st = ctx_init(&x, e, call, w, lead))) {
        sm__unlock(e);
        return st;
    }
    st = build(out, &x, o);
    ctx_free(&x);
    sm__unlock(e);
    return st;
}
