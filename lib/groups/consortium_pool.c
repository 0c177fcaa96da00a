/* The candidate pool of one lead: candidates from exact top-k queries around
 * the lead, the SMEs covering each required topic and sector and those in
 * less developed regions, scored with the lead; then the pool chosen from
 * them with a quota for each rule and item, its pair scores and the order of
 * the search (docs/consortium.md, "The search", steps 2 and 3). Reads the
 * SMEs' own columns only, never the scoring caches' layout. */
#include "groups/consortium.h"

#include <stdlib.h>
#include <string.h>

#define TAG_TOP 8        /* best coverers kept per topic or sector */
#define ITEM_CAP 20000u  /* most SMEs scored per topic or sector, in the engine's order */
#define LOW_CAP 5000u    /* most SMEs scored for the development rule, in the engine's order */
#define COUNTRY_QUERIES 16

/* ---- candidates ------------------------------------------------------------------- */

/* qsort has no context argument: the engine whose ids break ties, per thread */
_Thread_local const sm_engine *sm__cons_tl_engine;

int sm__cons_cand_cmp(const void *x, const void *y)
{
    const sm__cand_s *a = x, *b = y;
    if (a->s != b->s)
        return a->s > b->s ? -1 : 1;
    return strcmp(sm__sme_id(sm__cons_tl_engine, a->idx), sm__sme_id(sm__cons_tl_engine, b->idx));
}

/* Scores b with the lead (q prepared for the lead) and adds it once. */
static sm_status cset_add(sm__cset *cs, const sm__cctx *x, sm__qctx *q, size_t b)
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
    cs->v[cs->n++] = (sm__cand_s){ (uint32_t)b, total };
    return SM_OK;
}

/* Runs one exact top-k query around the lead and adds its matches. */
static sm_status add_query(sm__cset *cs, const sm__cctx *x, sm__qctx *ql, sm__qctx *qq, const sm_query_options *o)
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
    sm__cand_s v[TAG_TOP];
    unsigned n, cap;
} topk;

static void topk_offer(topk *t, const sm_engine *e, uint32_t idx, double s)
{
    sm__cand_s c = { idx, s };
    unsigned i = t->n < t->cap ? t->n++ : t->cap;
    if (i == t->cap) {
        /* full: replace the worst if better */
        sm__cons_tl_engine = e;
        if (sm__cons_cand_cmp(&c, &t->v[t->cap - 1]) >= 0)
            return;
        i = t->cap - 1;
    }
    sm__cons_tl_engine = e;
    while (i > 0 && sm__cons_cand_cmp(&c, &t->v[i - 1]) < 0) {
        t->v[i] = t->v[i - 1];
        i--;
    }
    t->v[i] = c;
}

static sm_status topk_flush(sm__cset *cs, const sm__cctx *x, sm__qctx *ql, const topk *t)
{
    sm_status st = SM_OK;
    for (unsigned i = 0; i < t->n && !st; i++)
        st = cset_add(cs, x, ql, t->v[i].idx);
    return st;
}

static sm_status gather(sm__cset *cs, const sm__cctx *x, sm__qctx *ql, sm__qctx *qq, size_t pool)
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
    /* One pass over the SMEs, in the engine's order: the best coverers of
     * each topic and sector, and for the development rule the best in less
     * developed regions (the queries above already bring both sides of the
     * cohesion mix). Each SME is scored with the lead once, and each list
     * scores at most its cap of SMEs. */
    topk tk[SM__CALL_ITEMS_MAX + 1];
    unsigned scored[SM__CALL_ITEMS_MAX + 1] = { 0 };
    unsigned ni = c->n_items, low_list = ni;
    for (unsigned i = 0; i <= ni; i++)
        tk[i] = (topk){ .cap = TAG_TOP };
    bool want_low = c->min_less_dev > 0;
    if (!ni && !want_low)
        return SM_OK;
    for (size_t b = 0; b < n; b++) {
        if (x->blocked[b] || b == ql->a)
            continue;
        uint64_t cov = ni ? sm__cons_covers(x, b) : 0;
        bool low = want_low && x->rdev[e->smes.region[b]] < c->less_dev_below && scored[low_list] < LOW_CAP;
        for (unsigned it = 0; it < ni; it++)
            if ((cov >> it & 1u) && scored[it] >= ITEM_CAP)
                cov &= ~(1ull << it);
        if (!cov && !low)
            continue;
        double total;
        if ((st = sm__pair_scores(ql, b, &total)))
            return st;
        for (unsigned it = 0; it < ni; it++)
            if (cov >> it & 1u) {
                scored[it]++;
                topk_offer(&tk[it], e, (uint32_t)b, total);
            }
        if (low) {
            scored[low_list]++;
            topk_offer(&tk[low_list], e, (uint32_t)b, total);
        }
    }
    for (unsigned i = 0; i <= ni; i++)
        if ((st = topk_flush(cs, x, ql, &tk[i])))
            return st;
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

static int hsm__cons_cand_cmp(const void *x, const void *y)
{
    const hcand *a = x, *b = y;
    if (a->h != b->h)
        return a->h > b->h ? -1 : 1;
    return strcmp(sm__sme_id(sm__cons_tl_engine, a->idx), sm__sme_id(sm__cons_tl_engine, b->idx));
}

/* Chooses the pool from the candidates (best first): the lead and the
 * must-include members, then for each rule and item the best few that serve
 * it, then the best by score with the lead; orders it for the search. */
static sm_status make_pool(sm__cpool *p, const sm__cctx *x, size_t lead, sm__cset *cs, size_t cap)
{
    const sm_engine *e = x->e;
    const sm_call *c = x->call;
    sm__cons_tl_engine = e;
    if (cs->n)
        qsort(cs->v, cs->n, sizeof cs->v[0], sm__cons_cand_cmp);
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
    sm__cons_tl_engine = e;
    qsort(h, nfree, sizeof h[0], hsm__cons_cand_cmp);
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

sm_status sm__cons_pool(sm__cpool *p, const sm__cctx *x, size_t lead, sm__cset *cs, sm__qctx *ql, sm__qctx *qq,
                        size_t cap)
{
    sm_query_options lo = SM_QUERY_OPTIONS_INIT;
    lo.weighting = x->w;
    for (size_t i = 0; i < cs->n; i++)
        cs->mark[cs->v[i].idx] = 0;
    cs->n = 0;
    sm_status st;
    if ((st = sm__qctx_prepare(ql, lead, &lo, x->w)) || (st = gather(cs, x, ql, qq, cap)))
        return st;
    for (unsigned i = 0; i < x->n_include; i++)
        if (!cs->mark[x->include[i]] && (long)x->include[i] != (long)lead)
            if ((st = cset_add(cs, x, ql, (size_t)x->include[i])))
                return st;
    if ((st = make_pool(p, x, lead, cs, cap)))
        return st;
    return pool_finish(p, x, ql);
}
