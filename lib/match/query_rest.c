/* The fast scan's passes over the SMEs by position: the rest pass over the
 * base in region order (sector runs, best rows first in large regions),
 * the delta of SMEs added since the base was built, the network pass of
 * history criteria, and the totals of 0 that geometric and minimum
 * queries fill in last. */
#include "match/scan.h"

/* The first run at or after base position p (a region's first run when p
 * is the region's start; the sentinel when none is left). */
static const sm__run *first_run(const sm__score_cache *c, uint32_t p)
{
    size_t lo = 0, hi = c->n_runs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->runs[mid].start < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return &c->runs[lo];
}

/* Considers base row p of the rest pass, whose affinity term is ta: with
 * complementarity weighted every candidate left has 0 (comp_known), else
 * its bound comes from the signatures. */
static inline sm_status consider_row(sm__qctx *q, fast *f, const sm__score_cache *c, uint32_t p, double ta,
                                     bool comp_known)
{
    const sm__rhot *h = &c->rhot[p];
    return consider_key(q, f, h, comp_known ? 0.0 : sig_bound(q, f, h->idx), ta);
}

static int cmp_rbound(const void *x, const void *y)
{
    const sm__rbound *a = x, *b = y;
    if (a->bound != b->bound)
        return a->bound > b->bound ? -1 : 1;
    return (a->region > b->region) - (a->region < b->region);
}

/* Regions with at least this many base positions may be swept best rows
 * first by sm__rest_pass() (tests lower it). */
size_t sm__rest_sweep_min = 16384;

/* Every candidate not yet considered, region by region in the order of the
 * region's reach and cohesion, stopping at the first region that cannot
 * beat the k-th total even with the best sector affinity. Within a region
 * the packed rows (sm__rhot) are read in order and bound each candidate
 * from its sectors and size before anything else is read. */
sm_status sm__rest_pass(sm__qctx *q, fast *f)
{
    const sm_engine *e = q->e;
    const sm__score_cache *c = sm__score_cache_of(e);
    uint8_t *mark = q->mark;
    if (!q->rorder_valid) {
        size_t m = 0;
        for (size_t r = 0; r < e->n_regions; r++) {
            if (!q->region_ok[r])
                continue;
            q->rorder[m].bound = q->regpart[r];
            q->rorder[m++].region = (uint32_t)r;
        }
        qsort(q->rorder, m, sizeof *q->rorder, cmp_rbound);
        q->n_rorder = m;
        q->rorder_valid = 1;
    }
    size_t nr = q->n_rorder;
    /* without complementarity weight its term is neutral; with it, every
     * remaining candidate has complementarity 0 (f->comp_rest) */
    double comp = f->comp_rest;
    bool comp_known = f->wn[SM_CRIT_COMPLEMENTARITY] > 0;
    double rest = cmb(f, cmb(f, f->max_size, f->cl1), comp);
    double row_rest = cmb(f, f->cl1, comp); /* size is in the row's bound */
    sm_status st;
    for (size_t i = 0; i < nr; i++) {
        double reg = q->rorder[i].bound;
        if (cmb(f, cmb(f, reg, f->w_sec), rest) + f->slack < f->tthr)
            break;
        uint32_t r = q->rorder[i].region;
        /* First bound from one packed key per SME: its sector's weighted
         * affinity (a secondary sector's at most the secondary factor) and
         * its size, and from its fit key: its cooperation and language. */
        const uint32_t *key = c->rkey;
        const double *affw = q->affw, *secw = f->secw, *wsize = f->wsize, *wany = f->wsize_any;
        const double *coopw = f->coopw, *langw = f->langw;
        const uint16_t *rfit = c->rfit;
        const double *act = f->act_row; /* activity by the position's event count */
        const uint8_t *ract = c->ract;
        uint32_t p = c->region_start[r], end = c->region_start[r + 1];
        const sm__run *run = first_run(c, p);
        if (!f->minop) {
            /* additive, in the row's terms (affinity, size, cooperation,
             * language): a row is read when they reach lim = thr - reg -
             * fit_rest, a run skipped when its sector's and signature's
             * affinity term, its largest size term and the best
             * cooperation and language terms do not. A large region is
             * swept from the best rows down, so that the k-th total rises
             * before the many rows near lim are read: first only rows
             * above a cut 1/16 of the way from the best row to lim, then
             * the cut twice as far, and so on, rows marked when
             * considered, until a sweep ends with the cut at or below lim:
             * then every row at or above lim has been considered. */
            uint32_t p0 = p;
            const sm__run *run0 = run;
            double lim = f->tthr - reg - f->fit_rest - BOUND_SLACK;
            double cut = lim;
            if (end - p0 >= sm__rest_sweep_min && f->row_best > lim)
                cut = f->row_best - (f->row_best - lim) / 16;
            for (;;) {
                double low = lim > cut ? lim : cut;
                for (p = p0, run = run0; p < end; run++) {
                    uint32_t run_end = run[1].start;
                    double ra = affw[run->sector] > secw[run->sig] ? affw[run->sector] : secw[run->sig];
                    if (ra + wany[run->sizes] + f->fit_best < low) {
                        p = run_end;
                        continue;
                    }
                    for (; p < run_end; p++) {
                        uint32_t kk = key[p];
                        double ta = key_aff(q, f, kk);
                        unsigned fk = rfit[p];
                        if (ta + wsize[SM__KEY_SIZE(kk)] + coopw[fk & 255u] + langw[fk >> 8] + act[ract[p]] < low ||
                            mark[p] & 4)
                            continue;
                        mark[p] |= 4;
                        if ((st = consider_row(q, f, c, p, ta, comp_known)))
                            return st;
                        lim = f->tthr - reg - f->fit_rest - BOUND_SLACK;
                        low = lim > cut ? lim : cut;
                    }
                }
                if (cut <= lim)
                    break;
                double next = f->row_best - 2 * (f->row_best - cut);
                cut = next > lim && next < cut ? next : lim; /* lim when no step is left */
            }
        } else {
            /* minimum (exact, no slack): skip when either is below the threshold */
            double fixed = cmb(f, reg, row_rest);
            double lim = fixed < f->tthr ? INFINITY : f->tthr;
            for (; p < end; run++) {
                uint32_t run_end = run[1].start;
                if ((affw[run->sector] < lim && secw[run->sig] < lim) || wany[run->sizes] < lim) {
                    p = run_end;
                    continue;
                }
                for (; p < run_end; p++) {
                    uint32_t kk = key[p];
                    double ta = key_aff(q, f, kk);
                    unsigned fk = rfit[p];
                    if (ta < lim || wsize[SM__KEY_SIZE(kk)] < lim || coopw[fk & 255u] < lim || langw[fk >> 8] < lim ||
                        act[ract[p]] < lim || mark[p] & 4)
                        continue;
                    if ((st = consider_row(q, f, c, p, ta, comp_known)))
                        return st;
                    lim = fixed < f->tthr ? INFINITY : f->tthr;
                }
            }
        }
    }
    return SM_OK;
}

/* Every SME outside the base (new or replaced since it was built), in full,
 * with the signature bound of its complementarity. */
sm_status sm__delta_pass(sm__qctx *q, fast *f)
{
    const sm__score_cache *c = sm__score_cache_of(q->e);
    sm_status st;
    for (size_t d = 0; d < c->n_delta; d++)
        if ((st = consider(q, f, &c->delta[d], sig_bound(q, f, c->delta[d].idx))))
            return st;
    return SM_OK;
}

/* Considers the querying SME's 2-hop neighbourhood first, with the exact
 * network scores; the passes after it bound the network part of everyone
 * else by cust_rest. */
sm_status sm__net_pass(sm__qctx *q, fast *f)
{
    if (!q->net.any)
        return SM_OK;
    for (size_t t = 0; t < q->net.n_touched; t++) {
        uint32_t b = q->net.touched[t];
        if (b >= q->e->smes.n)
            continue;
        /* SMEs outside the base are all considered by delta_pass */
        uint32_t p = sm__score_cache_of(q->e)->loc[b];
        if (p & SM__LOC_DELTA || q->mark[p] & 4)
            continue;
        q->mark[p] |= 4;
        sm_status st = consider(q, f, &sm__score_cache_of(q->e)->rhot[p], sig_bound(q, f, b));
        if (st)
            return st;
    }
    return SM_OK;
}

/* Eligible partner b (filters, not a itself, not excluded) scores total 0:
 * offers it with its scores. */
static sm_status offer_zero(sm__qctx *q, const fast *f, const sm__rhot *h)
{
    size_t b = h->idx;
    if (!q->region_ok[h->region] || !q->sector_ok[h->sector] || b == q->a || sm__qctx_excluded(q, (uint32_t)b))
        return SM_OK;
    if (f->o->size_classes && !(f->o->size_classes >> h->size & 1u))
        return SM_OK;
    double total;
    sm_status st = sm__pair_scores(q, b, &total);
    if (st || total > 0) /* total > 0: the scan offered it */
        return st;
    sm__heap_offer(q, f->k, (uint32_t)b, 0.0);
    return SM_OK;
}

/* With the geometric mean or the minimum, when fewer than k partners score
 * more than 0 (and min_score allows 0): the partners with total 0 that come
 * first by id, from the base in id order (it stops when the heap is full)
 * and from the delta through the heap. */
sm_status sm__fill_zeros(sm__qctx *q, const fast *f)
{
    if (!f->zero_fill || q->heap_n == f->k || f->o->min_score > 0)
        return SM_OK;
    const sm__score_cache *c = sm__score_cache_of(q->e);
    const uint32_t *ord;
    size_t n;
    sm_status st = sm__score_cache_idorder(&ord, &n, q->e);
    for (size_t i = 0; !st && i < n && q->heap_n < f->k; i++)
        if (!(q->mark[ord[i]] & 8))
            st = offer_zero(q, f, &c->rhot[ord[i]]);
    for (size_t d = 0; !st && d < c->n_delta; d++)
        st = offer_zero(q, f, &c->delta[d]);
    return st;
}
