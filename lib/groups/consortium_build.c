/* sm_consortium_build(): the lead, the candidate pool (exact top-k queries
 * around the lead, the SMEs covering each required topic and sector, those in
 * less developed regions), the pair scores inside the pool, then the search
 * for each consortium in turn and the merge over several lead candidates
 * (docs/consortium.md, "Search"). Holds the engine's reader lock throughout. */
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

#define TAG_TOP 8        /* best coverers kept per topic or sector */
#define SCAN_CAP 5000u   /* most SMEs scored per sector or less developed scan, in engine order */
#define COUNTRY_QUERIES 16

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

/* ---- candidates ------------------------------------------------------------------- */

typedef struct cand {
    uint32_t idx;
    double s; /* score with the lead, lead querying */
} cand;

typedef struct cset {
    cand *v;
    size_t n, cap;
    uint8_t *mark; /* per SME */
} cset;

/* qsort has no context argument: the engine whose ids break ties, per thread */
static _Thread_local const sm_engine *tl_engine;

static int cand_cmp(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->s != b->s)
        return a->s > b->s ? -1 : 1;
    return strcmp(sm__sme_id(tl_engine, a->idx), sm__sme_id(tl_engine, b->idx));
}

/* Scores b with the lead (q prepared for the lead) and adds it once. */
static sm_status cset_add(cset *cs, const sm__cctx *x, sm__qctx *q, size_t b)
{
    if (cs->mark[b] || x->blocked[b] || (long)b == (long)q->a)
        return SM_OK;
    double total;
    sm_status st = sm__pair_scores(q, b, &total);
    if (st)
        return st;
    if ((st = sm__grow(x->a, (void **)&cs->v, &cs->cap, cs->n + 1, sizeof *cs->v)))
        return st;
    cs->mark[b] = 1;
    cs->v[cs->n++] = (cand){ (uint32_t)b, total };
    return SM_OK;
}

/* Runs one exact top-k query around the lead and adds its matches. */
static sm_status add_query(cset *cs, const sm__cctx *x, sm__qctx *ql, sm__qctx *qq, const sm_query_options *o)
{
    sm_result *res = NULL;
    sm_status st = sm__query_run(qq, ql->a, o, x->w, &res);
    if (st)
        return st;
    size_t n = sm_result_count(res);
    for (size_t i = 0; i < n && !st; i++) {
        long b = sm__sme_find(x->e, sm_result_id(res, i));
        if (b >= 0)
            st = cset_add(cs, x, ql, (size_t)b);
    }
    sm_result_free(res);
    return st;
}

/* Keeps the TAG_TOP best of the SMEs matching a predicate, scored with the lead. */
typedef struct topk {
    cand v[TAG_TOP];
    unsigned n, cap;
} topk;

static void topk_offer(topk *t, const sm_engine *e, uint32_t idx, double s)
{
    cand c = { idx, s };
    unsigned i = t->n < t->cap ? t->n++ : t->cap;
    if (i == t->cap) {
        /* full: replace the worst if better */
        tl_engine = e;
        if (cand_cmp(&c, &t->v[t->cap - 1]) >= 0)
            return;
        i = t->cap - 1;
    }
    tl_engine = e;
    while (i > 0 && cand_cmp(&c, &t->v[i - 1]) < 0) {
        t->v[i] = t->v[i - 1];
        i--;
    }
    t->v[i] = c;
}

static sm_status topk_flush(cset *cs, const sm__cctx *x, sm__qctx *ql, const topk *t)
{
    sm_status st = SM_OK;
    for (unsigned i = 0; i < t->n && !st; i++)
        st = cset_add(cs, x, ql, t->v[i].idx);
    return st;
}

static sm_status gather(cset *cs, const sm__cctx *x, sm__qctx *ql, sm__qctx *qq, size_t pool)
{
    const sm_engine *e = x->e;
    const sm_call *c = x->call;
    size_t n = e->smes.n, open = 0;
    sm_status st = SM_OK;
    for (size_t i = 0; i < n; i++)
        open += !x->blocked[i];
    if (open <= pool) {
        /* small data: every SME is a candidate, and the search is exact over all */
        for (size_t i = 0; i < n && !st; i++)
            st = cset_add(cs, x, ql, i);
        return st;
    }
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = x->w;
    o.k = 2 * pool;
    if ((st = add_query(cs, x, ql, qq, &o)))
        return st;
    o.k = pool;
    o.cross_border = 1;
    if ((st = add_query(cs, x, ql, qq, &o)))
        return st;
    o.cross_border = 0;
    /* partners from each list the rules name */
    const sm__area *areas[SM__MIN_PARTNERS_MAX + 2];
    unsigned na = 0;
    for (unsigned k = 0; k < c->n_min_partners; k++)
        areas[na++] = &c->min_partners[k].area;
    if (c->min_countries_in.n)
        areas[na++] = &c->min_countries_in;
    for (unsigned a = 0; a < na; a++) {
        char codes[SM__AREA_PFX_MAX][3];
        const char *list[SM__AREA_PFX_MAX];
        unsigned nc = 0;
        for (unsigned i = 0; i < areas[a]->n; i++) {
            bool have = false;
            for (unsigned j = 0; j < nc && !have; j++)
                have = strncmp(codes[j], areas[a]->pfx[i], 2) == 0;
            if (have)
                continue;
            memcpy(codes[nc], areas[a]->pfx[i], 2);
            codes[nc][2] = '\0';
            list[nc] = codes[nc];
            nc++;
        }
        o.countries = list;
        o.n_countries = nc;
        st = add_query(cs, x, ql, qq, &o);
        o.countries = NULL;
        o.n_countries = 0;
        if (st)
            return st;
    }
    /* the best few of each country seen so far, for the country rules */
    unsigned seen[COUNTRY_QUERIES], ns = 0;
    for (size_t i = 0; i < cs->n && ns < COUNTRY_QUERIES; i++) {
        unsigned cc = sm__sme_country(e, cs->v[i].idx);
        bool have = false;
        for (unsigned j = 0; j < ns && !have; j++)
            have = seen[j] == cc;
        if (!have)
            seen[ns++] = cc;
    }
    o.k = 4;
    for (unsigned j = 0; j < ns; j++) {
        const char *one = e->regions[seen[j]]->info.code;
        o.countries = &one;
        o.n_countries = 1;
        if ((st = add_query(cs, x, ql, qq, &o)))
            return st;
    }
    /* the best coverers of each topic (inverted index) and sector (scan) */
    const sm__score_cache *sc = sm__score_cache_of(e);
    for (unsigned it = 0; it < c->n_items; it++) {
        topk t = { .cap = TAG_TOP };
        if (!c->items[it].is_sector) {
            if (x->item_tag[it] < 0)
                continue;
            uint32_t tg = (uint32_t)x->item_tag[it];
            for (uint32_t p = sc->offer_start[tg]; p < sc->offer_start[tg + 1]; p++) {
                uint32_t b = sc->rhot[sc->offerers[p]].idx;
                if (x->blocked[b] || b == ql->a)
                    continue;
                double total;
                if ((st = sm__pair_scores(ql, b, &total)))
                    return st;
                topk_offer(&t, e, b, total);
            }
        } else {
            unsigned scored = 0;
            for (size_t b = 0; b < n && scored < SCAN_CAP; b++) {
                if (x->blocked[b] || b == ql->a || !(sm__cons_covers(x, b) >> it & 1u))
                    continue;
                double total;
                if ((st = sm__pair_scores(ql, b, &total)))
                    return st;
                scored++;
                topk_offer(&t, e, (uint32_t)b, total);
            }
        }
        if ((st = topk_flush(cs, x, ql, &t)))
            return st;
    }
    /* the best in less developed regions, for that rule (the queries above
     * already bring both sides of the cohesion mix) */
    if (c->min_less_dev) {
        topk t = { .cap = TAG_TOP };
        unsigned scored = 0;
        for (size_t r = 0; r < e->n_regions && scored < SCAN_CAP; r++) {
            if (!(x->rdev[r] < c->less_dev_below))
                continue;
            for (uint32_t p = sc->region_start[r]; p < sc->region_start[r + 1] && scored < SCAN_CAP; p++) {
                uint32_t b = sc->by_region[p];
                if (x->blocked[b] || b == ql->a)
                    continue;
                double total;
                if ((st = sm__pair_scores(ql, b, &total)))
                    return st;
                scored++;
                topk_offer(&t, e, b, total);
            }
        }
        if ((st = topk_flush(cs, x, ql, &t)))
            return st;
    }
    return SM_OK;
}

/* ---- the pool -------------------------------------------------------------------- */

static bool in_pool(const sm__cpool *p, uint32_t idx)
{
    for (unsigned i = 0; i < p->n; i++)
        if (p->c[i].idx == idx)
            return true;
    return false;
}

static void pool_put(sm__cpool *p, const sm__cctx *x, uint32_t idx, size_t cap)
{
    if (p->n >= cap || in_pool(p, idx))
        return;
    sm__ccand *c = &p->c[p->n++];
    const sm_engine *e = x->e;
    memset(c, 0, sizeof *c);
    c->idx = idx;
    c->country = (uint16_t)sm__sme_country(e, idx);
    c->size = e->smes.size[idx];
    c->dev = x->rdev[e->smes.region[idx]];
    c->covers = sm__cons_covers(x, idx);
    c->areas = x->rbits[e->smes.region[idx]];
}

typedef struct hcand {
    double h;
    uint32_t idx;
    sm__ccand c;
} hcand;

static int hcand_cmp(const void *x, const void *y)
{
    const hcand *a = x, *b = y;
    if (a->h != b->h)
        return a->h > b->h ? -1 : 1;
    return strcmp(sm__sme_id(tl_engine, a->idx), sm__sme_id(tl_engine, b->idx));
}

/* Chooses the pool from the candidates (best first): the lead and the
 * must-include members, then for each rule and item the best few that serve
 * it, then the best by score with the lead; orders it for the search. */
static sm_status make_pool(sm__cpool *p, const sm__cctx *x, size_t lead, cset *cs, size_t cap)
{
    const sm_engine *e = x->e;
    const sm_call *c = x->call;
    tl_engine = e;
    if (cs->n)
        qsort(cs->v, cs->n, sizeof cs->v[0], cand_cmp);
    p->n = 0;
    pool_put(p, x, (uint32_t)lead, cap);
    for (unsigned i = 0; i < x->n_include; i++)
        pool_put(p, x, (uint32_t)x->include[i], cap);
    p->n_forced = p->n;
    for (unsigned it = 0; it < c->n_items; it++) {
        unsigned got = 0;
        for (size_t i = 0; i < cs->n && got < 3; i++)
            if (sm__cons_covers(x, cs->v[i].idx) >> it & 1u)
                pool_put(p, x, cs->v[i].idx, cap), got++;
    }
    for (unsigned k = 0; k < c->n_min_partners; k++) {
        unsigned got = 0;
        for (size_t i = 0; i < cs->n && got < c->min_partners[k].n + 2; i++)
            if (x->rbits[e->smes.region[cs->v[i].idx]] >> k & 1u)
                pool_put(p, x, cs->v[i].idx, cap), got++;
    }
    if (c->min_countries) {
        /* the best two of each of the best min_countries + 4 countries */
        unsigned cty[SM__POOL_MAX], ncty = 0, want = c->min_countries + 4;
        for (size_t i = 0; i < cs->n && ncty < want && ncty < SM__POOL_MAX; i++) {
            uint32_t b = cs->v[i].idx;
            if (!(x->rbits[e->smes.region[b]] >> SM__AB_MINC & 1u))
                continue;
            unsigned cc = sm__sme_country(e, b);
            bool have = false;
            for (unsigned j = 0; j < ncty && !have; j++)
                have = cty[j] == cc;
            if (!have)
                cty[ncty++] = cc;
        }
        for (unsigned j = 0; j < ncty; j++) {
            unsigned got = 0;
            for (size_t i = 0; i < cs->n && got < 2; i++) {
                uint32_t b = cs->v[i].idx;
                if (sm__sme_country(e, b) == cty[j] && (x->rbits[e->smes.region[b]] >> SM__AB_MINC & 1u))
                    pool_put(p, x, b, cap), got++;
            }
        }
    }
    if (c->min_less_dev) {
        unsigned got = 0;
        for (size_t i = 0; i < cs->n && got < c->min_less_dev + 2; i++)
            if (x->rdev[e->smes.region[cs->v[i].idx]] < c->less_dev_below)
                pool_put(p, x, cs->v[i].idx, cap), got++;
    }
    if (c->min_smes) {
        unsigned got = 0;
        for (size_t i = 0; i < cs->n && got < c->min_smes + 2; i++)
            if (sm__is_sme_size(e->smes.size[cs->v[i].idx]))
                pool_put(p, x, cs->v[i].idx, cap), got++;
    }
    for (size_t i = 0; i < cs->n && p->n < cap; i++)
        pool_put(p, x, cs->v[i].idx, cap);
    return SM_OK;
}

/* Pair scores inside the pool (the mean of both directions), then the order
 * of the search: forced members first, the rest by lead score plus the
 * weighted share of the items they cover. Country numbers last. */
static sm_status pool_finish(sm__cpool *p, const sm__cctx *x, sm__qctx *q)
{
    const sm_engine *e = x->e;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = x->w;
    double(*s)[SM__POOL_MAX] = sm__malloc(x->a, sizeof(double[SM__POOL_MAX][SM__POOL_MAX]));
    if (!s)
        return sm__nomem();
    sm_status st = SM_OK;
    for (unsigned i = 0; i < p->n && !st; i++) {
        if ((st = sm__qctx_prepare(q, p->c[i].idx, &o, x->w)))
            break;
        for (unsigned j = 0; j < p->n && !st; j++)
            if (j != i)
                st = sm__pair_scores(q, p->c[j].idx, &s[i][j]);
    }
    if (st) {
        sm__free(x->a, s);
        return st;
    }
    for (unsigned i = 0; i < p->n; i++) {
        p->pair[i][i] = 0;
        for (unsigned j = i + 1; j < p->n; j++)
            p->pair[i][j] = p->pair[j][i] = (s[i][j] + s[j][i]) / 2.0;
    }
    sm__free(x->a, s);
    /* reorder the free part; the pair matrix moves with it */
    unsigned nf = p->n_forced, nfree = p->n - nf;
    hcand h[SM__POOL_MAX];
    unsigned old[SM__POOL_MAX];
    for (unsigned i = 0; i < nfree; i++) {
        const sm__ccand *c = &p->c[nf + i];
        double cov = 0;
        for (unsigned it = 0; it < x->rules.n_items; it++)
            if (c->covers >> it & 1u)
                cov += x->rules.item_w[it];
        h[i].h = p->pair[0][nf + i] + (x->rules.item_w_sum > 0 ? cov / x->rules.item_w_sum : 0);
        h[i].idx = c->idx;
        h[i].c = *c;
        h[i].c.lead_score = (double)(nf + i); /* remember the old position */
    }
    tl_engine = e;
    qsort(h, nfree, sizeof h[0], hcand_cmp);
    for (unsigned i = 0; i < nf; i++)
        old[i] = i;
    for (unsigned i = 0; i < nfree; i++) {
        old[nf + i] = (unsigned)h[i].c.lead_score;
        p->c[nf + i] = h[i].c;
    }
    double(*m)[SM__POOL_MAX] = sm__malloc(x->a, sizeof(double[SM__POOL_MAX][SM__POOL_MAX]));
    if (!m)
        return sm__nomem();
    for (unsigned i = 0; i < p->n; i++)
        for (unsigned j = 0; j < p->n; j++)
            m[i][j] = p->pair[old[i]][old[j]];
    memcpy(p->pair, m, sizeof(double[SM__POOL_MAX][SM__POOL_MAX]));
    sm__free(x->a, m);
    p->lead_cov = 0;
    for (unsigned it = 0; it < x->rules.n_items; it++)
        if (p->c[0].covers >> it & 1u)
            p->lead_cov += x->rules.item_w[it];
    if (x->rules.item_w_sum > 0)
        p->lead_cov /= x->rules.item_w_sum;
    unsigned cids[SM__POOL_MAX], nc = 0;
    for (unsigned i = 0; i < p->n; i++) {
        sm__ccand *c = &p->c[i];
        c->lead_score = i ? p->pair[0][i] : 1.0;
        unsigned k = 0;
        while (k < nc && cids[k] != c->country)
            k++;
        if (k == nc)
            cids[nc++] = c->country;
        c->cid = (uint8_t)k;
    }
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
    cand best[20];
    size_t n = 0;
    tl_engine = e;
    for (size_t i = 0; i < e->smes.n; i++) {
        if (!sm__cons_may_lead(x, i))
            continue;
        cand c = { (uint32_t)i, lead_pref(x, i) };
        size_t j = n < want ? n++ : want;
        if (j == want) {
            if (cand_cmp(&c, &best[want - 1]) >= 0)
                continue;
            j = want - 1;
        }
        while (j > 0 && cand_cmp(&c, &best[j - 1]) < 0) {
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

static int found_cmp(const void *x, const void *y)
{
    const sm__cfound *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    /* ties: lead id, then the sorted member indices */
    int c = strcmp(sm__sme_id(tl_engine, a->pool->c[0].idx), sm__sme_id(tl_engine, b->pool->c[0].idx));
    if (c)
        return c;
    for (unsigned i = 0; i < a->n && i < b->n; i++)
        if (a->idx[i] != b->idx[i])
            return a->idx[i] < b->idx[i] ? -1 : 1;
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
    cset cs = { 0 };
    cs.mark = sm__calloc(x->a, e->smes.n ? e->smes.n : 1, 1);
    if (!cs.mark)
        st = sm__nomem();
    sm_query_options lo = SM_QUERY_OPTIONS_INIT;
    lo.weighting = x->w;
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
        for (size_t i = 0; i < cs.n; i++)
            cs.mark[cs.v[i].idx] = 0;
        cs.n = 0;
        if ((st = sm__qctx_prepare(&ql, leads[l], &lo, x->w)) || (st = gather(&cs, x, &ql, &qq, pool_cap)))
            break;
        for (unsigned i = 0; i < x->n_include; i++)
            if (!cs.mark[x->include[i]] && (long)x->include[i] != (long)leads[l])
                if ((st = cset_add(&cs, x, &ql, (size_t)x->include[i])))
                    break;
        if (st || (st = make_pool(p, x, leads[l], &cs, pool_cap)) || (st = pool_finish(p, x, &ql)))
            break;
        st = search_lead(&fl, x, p, o->k, (unsigned)o->min_differ, o->max_nodes, &inexact);
    }
    if (!st) {
        /* merge the leads' lists by score, keeping the diversity rule across them */
        for (size_t i = 0; i < fl.n; i++) {
            sm__cfound *f = &fl.v[i];
            qsort(f->idx, f->n, sizeof f->idx[0], u32_cmp);
        }
        tl_engine = e;
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
