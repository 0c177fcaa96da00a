/* Top-k queries: the bounded heap, the fast scan that runs the passes
 * (scan.h: the index pass in query_index.c, the rest, delta and network
 * passes in query_rest.c) with bounds that skip hopeless candidates, and
 * the explanation of one pair. Set-up (options, tables) is in
 * query_prepare.c. */
#include "match/scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- bounded heap: the worst kept candidate at the root ------------------ */

/* x ranks below y: lower total, or equal total and larger id. */
static bool worse(const sm_engine *e, const sm__cand *x, const sm__cand *y)
{
    if (x->total != y->total)
        return x->total < y->total;
    return strcmp(sm__sme_id(e, x->idx), sm__sme_id(e, y->idx)) > 0;
}

static void sift_down(const sm_engine *e, sm__cand *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && worse(e, &h[l], &h[m]))
            m = l;
        if (l + 1 < n && worse(e, &h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        sm__cand t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(const sm_engine *e, sm__cand *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(e, &h[i], &h[p]))
            return;
        sm__cand t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

/* Offers candidate b with its scores in q->scores. */
void sm__heap_offer(sm__qctx *q, size_t k, uint32_t b, double total)
{
    const sm_engine *e = q->e;
    sm__cand c = { total, b, 0 };
    if (q->heap_n < k) {
        c.row = (uint32_t)q->heap_n;
        memcpy(q->rows + (size_t)c.row * q->n_crit, q->scores, q->n_crit * sizeof(double));
        q->heap[q->heap_n] = c;
        sift_up(e, q->heap, q->heap_n++);
    } else if (worse(e, &q->heap[0], &c)) {
        c.row = q->heap[0].row;
        memcpy(q->rows + (size_t)c.row * q->n_crit, q->scores, q->n_crit * sizeof(double));
        q->heap[0] = c;
        sift_down(e, q->heap, k, 0);
    }
}


/* The fast scan: any built-in combiner, custom criteria bounded by 1.
 * When complementarity has weight, the inverted index first yields every
 * candidate whose complementarity can be > 0 (sharing a tag in the
 * directions the reciprocity needs); every other candidate has
 * complementarity 0 and is left to the region-ordered rest pass. */
static sm_status scan_fast(sm__qctx *q, size_t k, const sm_query_options *o)
{
    const sm_engine *e = q->e;
    const sm_weighting *w = q->w;
    const sm__smes *s = &e->smes;
    const sm__score_cache *c = sm__score_cache_of(e);
    size_t a = q->a;
    fast f;
    f.minop = w->combiner == SM_COMBINE_MIN;
    f.geo = w->combiner == SM_COMBINE_GEOMETRIC;
    f.slack = f.minop ? 0.0 : BOUND_SLACK;
    f.zero_fill = f.minop || f.geo;
    double W = 0;
    for (size_t j = 0; j < q->n_crit; j++)
        W += w->w[j];
    for (size_t j = 0; j < q->n_crit; j++)
        f.wn[j] = w->w[j] / W;
    q->rorder_valid = q->rorder_valid && q->cached_combiner == (int)w->combiner;
    q->cached_combiner = (int)w->combiner;
    if (!q->rorder_valid)
        for (size_t r = 0; r < e->n_regions; r++)
            q->regpart[r] =
                cmb(&f, term(&f, SM_CRIT_REGION_REACH, q->reach[r]), term(&f, SM_CRIT_COHESION, q->cohesion[r]));
    f.k = k;
    f.o = o;
    f.recip = w->p.reciprocity;
    f.known_both = 0;
    f.ab_bound = 1.0;
    f.a_mass = sm__need_mass(e, c->idf, a);
    f.a_coop = s->coop[a];
    f.w_sec = term(&f, SM_CRIT_SECTOR_AFFINITY, 1.0);
    /* custom criteria count as 1; history and network criteria are exact
     * in consider(), and outside the 2-hop neighbourhood (which net_pass
     * considers first) past and common partners are 0, activity at most 1,
     * sector_history at most its largest value for this query */
    f.cust1 = f.cust_rest = f.minop ? 1.0 : 0.0;
    for (int k = 0; k < SM__NET_COUNT; k++)
        f.net_slot[k] = q->net.any ? q->net.slot[k] : -1;
    for (size_t j = SM_CRIT_BUILTIN_COUNT; j < q->n_crit; j++) {
        int kind = -1;
        for (int k = 0; k < SM__NET_COUNT; k++)
            if (f.net_slot[k] == (int)j)
                kind = k;
        if (kind < 0)
            f.cust1 = cmb(&f, f.cust1, term(&f, j, 1.0));
        /* sector_history: the query's largest value over the sectors */
        double rest = kind < 0 || kind == SM__NET_ACTIVITY ? 1.0 : kind == SM__NET_SECTOR ? q->net.sec_max : 0.0;
        f.cust_rest = cmb(&f, f.cust_rest, term(&f, j, rest));
    }
    /* activity by base position: the scoring cache keeps at least each
     * SME's event count of the engine's history (the histories evaluate
     * and fit score hold at most those events), capped at 255, above which
     * activity is at most the most active SME's */
    int as = f.net_slot[SM__NET_ACTIVITY];
    for (unsigned m = 0; m <= SM__HIST_EV8_MAX; m++)
        f.act_row[m] = f.minop ? 1.0 : 0.0;
    if (as >= 0) {
        const sm__netq *nq = &q->net;
        double hi = nq->h && nq->act_scale > 0 ? log1p((double)nq->h->max_events) * nq->act_scale : 0.0;
        hi = hi > 1.0 ? hi : 1.0;
        double t1 = term(&f, (size_t)as, 1.0);
        for (unsigned m = 0; m <= SM__HIST_EV8_MAX; m++) {
            double b = m == SM__HIST_EV8_MAX ? hi : nq->h && nq->act_scale > 0 ? nq->act_tab[m] : 0.0;
            f.act_row[m] = f.minop ? term(&f, (size_t)as, b) : term(&f, (size_t)as, b) - t1;
        }
    }
    f.col1 = cmb(&f, term(&f, SM_CRIT_COOPERATION_FIT, 1.0), term(&f, SM_CRIT_LANGUAGE, 1.0));
    f.cl1 = cmb(&f, f.col1, f.cust_rest); /* every candidate outside the neighbourhood */
    f.comp_rest = term(&f, SM_CRIT_COMPLEMENTARITY, f.wn[SM_CRIT_COMPLEMENTARITY] > 0 ? 0.0 : 1.0);
    f.fit_rest = cmb(&f, f.cust_rest, f.comp_rest);
    /* the fit key's bytes: cooperation exact (0: not known from the key),
     * languages folded (0: none; disjoint: none shared) */
    unsigned a_fold = sm__lang_fold(q->a_langs);
    double lang_t[3] = { term(&f, SM_CRIT_LANGUAGE, 0.0), term(&f, SM_CRIT_LANGUAGE, 0.5),
                         term(&f, SM_CRIT_LANGUAGE, 1.0) };
    /* the cooperation term by the counts of shared and of all types (as
     * sm__coop_fit() divides them), each made once: few distinct values */
    double coop_t[9][33];
    uint64_t coop_made[9] = { 0 };
    f.coopw[0] = term(&f, SM_CRIT_COOPERATION_FIT, 1.0);
    f.langw[0] = lang_t[1]; /* no languages: 0.5 */
    double coop_none = term(&f, SM_CRIT_COOPERATION_FIT, sm__coop_fit(0, 1)); /* a without types: 0.5 */
    for (unsigned m = 1; m < 256; m++) {
        if (!f.a_coop)
            f.coopw[m] = coop_none;
        else {
            unsigned i = sm__popcount32(f.a_coop & m), u = sm__popcount32(f.a_coop | m);
            if (!(coop_made[i] >> u & 1)) {
                coop_t[i][u] = term(&f, SM_CRIT_COOPERATION_FIT, sm__coop_fit(f.a_coop, m));
                coop_made[i] |= 1ull << u;
            }
            f.coopw[m] = coop_t[i][u];
        }
        f.langw[m] = lang_t[!q->a_langs ? 1 : a_fold & m ? 2 : 0];
    }
    f.max_size = -INFINITY;
    for (int z = 0; z < 5; z++) {
        f.wsize[z] = term(&f, SM_CRIT_SIZE_FIT, sm__size_fit[s->size[a]][z]);
        if (f.wsize[z] > f.max_size)
            f.max_size = f.wsize[z];
    }
    double coop_best = -INFINITY, lang_best = -INFINITY;
    for (unsigned m = 0; m < 256; m++) {
        coop_best = f.coopw[m] > coop_best ? f.coopw[m] : coop_best;
        lang_best = f.langw[m] > lang_best ? f.langw[m] : lang_best;
    }
    f.fit_best = coop_best + lang_best;
    for (unsigned m = 0; m < 32; m++) {
        f.wsize_any[m] = -INFINITY;
        for (int z = 0; z < 5; z++)
            if (m >> z & 1 && f.wsize[z] > f.wsize_any[m])
                f.wsize_any[m] = f.wsize[z];
    }
    /* per sector: the affinity term as a primary sector; per signature bit:
     * the best affinity of a sector with that bit as a secondary one, then
     * the best term over the bits of each signature */
    double bitmax[8] = { 0 };
    for (size_t x = 0; x < e->n_sectors; x++) {
        double v = q->aff[x];
        q->affw[x] = term(&f, SM_CRIT_SECTOR_AFFINITY, v);
        unsigned b = e->sectors[x]->aff_key & 7u; /* SM__SEC_BIT's */
        if (v > bitmax[b])
            bitmax[b] = v;
    }
    f.secw[0] = -INFINITY; /* no secondary sector */
    for (unsigned m = 1; m < 256; m++) {
        unsigned b = 0; /* the lowest bit of m */
        while (!(m >> b & 1u))
            b++;
        double t = term(&f, SM_CRIT_SECTOR_AFFINITY, bitmax[b] * q->factor), rest = f.secw[m & (m - 1)];
        f.secw[m] = t > rest ? t : rest;
    }
    double aff_best = f.secw[255];
    for (size_t x = 0; x < e->n_sectors; x++)
        aff_best = q->affw[x] > aff_best ? q->affw[x] : aff_best;
    f.row_best = aff_best + f.max_size + f.fit_best;
    update_thr(q, &f);
    sm_status st;
    /* Base positions of SMEs removed or replaced since the base was built
     * (cache.c) count as considered (mark bit 4); the SMEs outside the base
     * come last (delta_pass), when the heap's threshold is high. */
    uint8_t *mark = q->mark; /* by base position, in region order */
    memset(mark, 0, c->n_base);
    for (size_t d = 0; d < c->n_dead; d++)
        mark[c->dead[d]] = 4 | 8; /* 8: dead (fill_zeros) */
    if ((st = sm__net_pass(q, &f))) /* history and network criteria */
        return st;
    if (!(f.wn[SM_CRIT_COMPLEMENTARITY] > 0))
        return (st = sm__rest_pass(q, &f)) || (st = sm__delta_pass(q, &f)) ? st : sm__fill_zeros(q, &f);

    if ((st = sm__index_pass(q, &f)))
        return st;
    return (st = sm__rest_pass(q, &f)) || (st = sm__delta_pass(q, &f)) ? st : sm__fill_zeros(q, &f);
}

sm_status sm__query_run(sm__qctx *q, size_t a, const sm_query_options *o, const sm_weighting *w, sm_result **out)
{
    const sm_engine *e = q->e;
    size_t n = e->smes.n;
    size_t k = o->k < n ? o->k : (n ? n - 1 : 0);
    sm_status st = sm__qctx_begin(q, a, o, &w, k);
    if (st)
        return st;
    q->heap_n = 0;
    double wsum = 0;
    for (size_t j = 0; j < q->n_crit; j++)
        wsum += w->w[j];
    if (k && w->combiner != SM_COMBINE_CUSTOM && isfinite(wsum)) {
        if ((st = scan_fast(q, k, o)))
            return st;
        k = 0; /* done: skip the general scan */
    }
    const sm__smes *s = &e->smes;
    /* An upper bound of the total, with complementarity and custom criteria
     * at 1, needs a monotone combiner: all built-in ones are. */
    bool bound = w->combiner != SM_COMBINE_CUSTOM;
    double bscores[SM_CRITERIA_MAX];
    for (size_t j = 0; j < q->n_crit; j++)
        bscores[j] = 1.0;
    for (size_t b = 0; k && b < n; b++) {
        if (b == a || !q->region_ok[s->region[b]] || !q->sector_ok[s->sector[b]])
            continue;
        if (o->size_classes && !(o->size_classes >> s->size[b] & 1u))
            continue;
        sm__pair_cheap(q, b);
        if (bound) {
            memcpy(bscores + 1, q->scores + 1, (SM_CRIT_BUILTIN_COUNT - 1) * sizeof(double));
            double ub;
            sm__combine(w, bscores, &ub);
            if (ub < o->min_score || (q->heap_n == k && ub < q->heap[0].total))
                continue;
        }
        q->scores[SM_CRIT_COMPLEMENTARITY] = sm__pair_comp(q, b);
        double total;
        if ((st = sm__pair_custom(q, b)) || (st = sm__combine(w, q->scores, &total)))
            return st;
        if (total < o->min_score || sm__qctx_excluded(q, (uint32_t)b))
            continue;
        sm__heap_offer(q, k, (uint32_t)b, total);
    }
    /* Best first: pop the worst to the back. */
    size_t m = q->heap_n;
    for (size_t i = m; i > 1; i--) {
        sm__cand t = q->heap[0];
        q->heap[0] = q->heap[i - 1];
        q->heap[i - 1] = t;
        sift_down(e, q->heap, i - 1, 0);
    }
    return sm__result_build(out, q, q->heap, m);
}

sm_status sm_query_top(sm_result **out, const sm_engine *e, const char *id, const sm_query_options *opts)
{
    if (!out || !e || !id)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "query: NULL argument");
    sm_query_options defaults = SM_QUERY_OPTIONS_INIT;
    const sm_query_options *o = opts ? opts : &defaults;
    const sm_weighting *w = NULL;
    sm_status st = sm__query_options_check(o);
    if (st || (st = sm__query_weighting(&w, o->weighting)))
        return st;
    sm__rdlock(e);
    long a = sm__sme_find(e, id);
    if (a < 0) {
        sm__unlock(e);
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", id, "id: no SME \"%s\"", id);
    }
    if ((st = sm__score_cache_get(NULL, e))) {
        sm__unlock(e);
        return st;
    }
    sm__qctx q;
    sm__qctx_init(&q, e);
    st = sm__query_run(&q, (size_t)a, o, w, out);
    sm__qctx_free(&q);
    sm__unlock(e);
    return st;
}

sm_status sm__pair_lock(long *out_a, long *out_b, const sm_engine *e, const char *id_a, const char *id_b)
{
    sm__rdlock(e);
    long a = sm__sme_find(e, id_a), b = sm__sme_find(e, id_b);
    if (a < 0 || b < 0) {
        const char *missing = a < 0 ? id_a : id_b;
        sm__unlock(e);
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", missing, "id: no SME \"%s\"", missing);
    }
    sm_status st = sm__score_cache_get(NULL, e);
    if (st) {
        sm__unlock(e);
        return st;
    }
    *out_a = a;
    *out_b = b;
    return SM_OK;
}

sm_status sm_query_explain(sm_result **out, const sm_engine *e, const char *id_a, const char *id_b,
                           const sm_weighting *weighting)
{
    if (!out || !e || !id_a || !id_b)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "explain: NULL argument");
    if (strcmp(id_a, id_b) == 0)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "id", id_a,
                           "explain: an SME is not its own partner (\"%s\" twice)", id_a);
    const sm_weighting *w = NULL;
    sm_status st = sm__query_weighting(&w, weighting);
    if (st)
        return st;
    long a, b;
    if ((st = sm__pair_lock(&a, &b, e, id_a, id_b)))
        return st;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 1;
    sm__qctx q;
    sm__qctx_init(&q, e);
    double total;
    if (!(st = sm__qctx_begin(&q, (size_t)a, &o, &w, 1)) && !(st = sm__pair_scores(&q, (size_t)b, &total))) {
        memcpy(q.rows, q.scores, q.n_crit * sizeof(double));
        sm__cand c = { total, (uint32_t)b, 0 };
        sm_result *r = NULL;
        /* one pair: its explanation comes with it */
        if (!(st = sm__result_build(&r, &q, &c, 1)) && (st = sm__result_explain_locked(r, e))) {
            sm_result_free(r);
            r = NULL;
        }
        if (!st)
            *out = r;
    }
    sm__qctx_free(&q);
    sm__unlock(e);
    return st;
}
