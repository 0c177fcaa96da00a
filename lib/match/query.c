/* Top-k queries: the scan over the packed SME columns with a bounded heap,
 * the index, rest, delta and network passes with bounds that skip hopeless
 * candidates, and the explanation of one pair. Set-up (options, tables) is
 * in query_prepare.c. */
#include "match/match.h"

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
static void heap_offer(sm__qctx *q, size_t k, uint32_t b, double total)
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

/* ---- the scan ------------------------------------------------------------ */

/* Bounds are compared with this much slack, so that a bound summed in
 * another order than the combiner's sum can never drop a candidate whose
 * exact total ties or beats the threshold. */
#define BOUND_SLACK 1e-9

/* Slack of the complementarity bounds from idf sums and reciprocities: the
 * suffix sums of index_pass() add the same numbers as
 * sm__comp_direction() in another order, and a reciprocity with one
 * direction at 1 rounds apart from the exact one, by a few ulps. */
#define SHARE_SLACK 1e-12

/* Relative slack of the bound of s(a -> b) from a need mass at least
 * mass_drift times a step (score.h): sums of a few dozen idf in another
 * order, the drift's quotient. */
#define MASS_SLACK 1e-9

/* Precomputed numbers of the fast scan (every built-in combiner, custom
 * criteria bounded by 1). Bounds are kept in the combiner's own algebra so
 * one scan serves all three: a term per criterion, joined by cmb():
 *   mean       term = w * s            joined by +   threshold thr
 *   geometric  term = w * log(s)       joined by +   threshold log(thr)
 *   minimum    term = s (1 if w = 0)   joined by min threshold thr
 * with w the normalised weight. Every term grows with its score, so a term
 * of an upper bound of each score bounds the total. */
typedef struct fast {
    int minop;        /* join by min, not by + */
    int geo;          /* terms are logarithms */
    double wn[SM_CRITERIA_MAX];
    double w_sec;     /* term of a sector affinity of 1 */
    double wsize[5];  /* term of the size fit, by b's size */
    double max_size;
    double wsize_any[32]; /* the largest size term over a set of sizes (bit z: size z) */
    double secw[256];     /* the largest secondary affinity term over a signature (SM__KEY_SIG) */
    double coopw[256];    /* the cooperation term of a fit key's low byte (SM__FIT_KEY; 0: at 1) */
    double langw[256];    /* the largest language term of a fit key's high byte */
    double fit_rest;      /* custom criteria and complementarity of a rest-pass row */
    double fit_best;      /* the largest cooperation and language terms */
    double row_best;      /* the largest affinity, size, cooperation and language terms */
    double cl1;       /* cooperation and language at 1, custom criteria at 1 */
    double cust1;     /* custom criteria at 1 (history and network ones exact in consider()) */
    double col1;      /* cooperation and language at 1 */
    double cust_rest; /* custom criteria outside the 2-hop neighbourhood (net_pass) */
    /* by a base position's event count (score.h: ract): with the minimum
     * the activity term of its bound, else what the term of its bound
     * adds to cust_rest's (activity at 1), at most 0; neutral (0, or 1
     * with the minimum) without activity */
    double act_row[SM__HIST_EV8_MAX + 1];
    int net_slot[SM__NET_COUNT]; /* score slots of history and network criteria, -1 = none */
    double comp_rest; /* complementarity of the rest pass's candidates */
    double tthr;      /* the threshold in the terms' algebra */
    double slack;     /* BOUND_SLACK; 0 for the minimum, which does not round */
    int zero_fill;    /* totals of 0 are left to fill_zeros() (geometric, minimum) */
    int recip;
    int known_both;   /* the candidate shares a signature bit in both directions (index pass marks) */
    double ab_bound;  /* s(a -> b) at most (index pass; 1 elsewhere) */
    double a_mass;    /* a's need mass, as sm__need_mass() sums it */
    uint32_t a_coop;
    size_t k;
    const sm_query_options *o;
} fast;

/* The term of criterion j at score s. */
static inline double term(const fast *f, size_t j, double s)
{
    double w = f->wn[j];
    if (f->minop)
        return w > 0 ? s : 1.0;
    if (f->geo)
        return w > 0 ? w * log(s) : 0.0;
    return w * s;
}

static inline double cmb(const fast *f, double x, double y)
{
    if (f->minop)
        return x < y ? x : y;
    return x + y;
}

/* The threshold a candidate's bound must reach, in the terms' algebra.
 * With the geometric mean and the minimum many totals are 0 (one score of 0
 * is enough), and partners with total 0 rank by id: the scan offers only
 * totals > 0, so a threshold of 0 becomes "more than 0" (the least positive
 * number for the minimum; for the geometric mean -746, below the logarithm
 * of any positive total, since the normalised weights sum to 1 and every
 * positive score is at least 2^-1074), and fill_zeros() adds the zeros. */
static inline void update_thr(const sm__qctx *q, fast *f)
{
    double t = q->heap_n == f->k ? q->heap[0].total : f->o->min_score;
    if (f->geo)
        f->tthr = t > 0 ? log(t) : -746.0;
    else if (f->minop)
        f->tthr = t > 0 ? t : 0x1p-1074;
    else
        f->tthr = t;
}
/* The sector affinity term of a packed key (SM__KEY) at most: its primary
 * sector's, or the best of a secondary sector with its signature. */
static inline double key_aff(const sm__qctx *q, const fast *f, uint32_t kk)
{
    double a = q->affw[SM__KEY_SECTOR(kk)], b = f->secw[SM__KEY_SIG(kk)];
    return a > b ? a : b;
}

/* Sector affinity of the SME in packed row h, as sm__pair_cheap() computes it. */
static inline double row_affinity(const sm__qctx *q, const sm__rhot *h)
{
    double aff = q->aff[h->sector];
    unsigned nsec = h->n_secondary;
    const uint16_t *inl = h->secondary;
    if (nsec <= 2) {
        for (unsigned j = 0; j < nsec; j++) {
            double v = q->aff[inl[j]] * q->factor;
            if (v > aff)
                aff = v;
        }
        return aff;
    }
    const uint32_t *sb = sm__sme_secondary(q->e, h->idx);
    for (size_t j = 0, m = q->e->smes.n_secondary[h->idx]; j < m; j++) {
        double v = q->aff[sb[j]] * q->factor;
        if (v > aff)
            aff = v;
    }
    return aff;
}

/* One direction of complementarity, s(x -> y), the number
 * sm__comp_direction() gives, with y's need mass given (the query's own
 * is summed once) and the signature test optional (the index pass knows
 * when both directions share a signature bit): without it a pair that
 * shares no tag sums a hit of 0, and 0 / mass is the 0 returned early. */
static inline double comp_dir(const sm_engine *e, const double *idf, size_t x, size_t y, double mass, bool sig)
{
    size_t no = e->smes.n_offers[x], nn = e->smes.n_needs[y];
    if (!no || !nn || (sig && !(e->smes.offer_sig[x] & e->smes.need_sig[y])) || !(mass > 0))
        return 0.0;
    double hit = sm__offer_need_hit(e, idf, x, y);
    double v = hit / mass;
    return v > 1.0 ? 1.0 : v;
}

/* Considers the SME of packed row h, whose complementarity is at most cb
 * and whose sector affinity term is at most ta (from its packed key; the
 * exact affinity is read first when ta is INFINITY or the row holds all
 * its secondary sectors). Each bound reads more only while the candidate
 * can still enter the top k: the SME's secondary sectors beyond the row's
 * two are read only after the cooperation and language bound. The
 * built-in scores are the same numbers sm__pair_cheap() gives, and
 * survivors get the exact complementarity and the combiner's total, so
 * results equal sm_query_explain()'s. */
static inline sm_status consider_key(sm__qctx *q, fast *f, const sm__rhot *h, double cb, double ta)
{
    unsigned r = h->region;
    size_t b = h->idx;
    if (!q->region_ok[r] || !q->sector_ok[h->sector] || b == q->a)
        return SM_OK;
    if (f->o->size_classes && !(f->o->size_classes >> h->size & 1u))
        return SM_OK;
    double thr = f->tthr;
    bool late = h->n_secondary > 2 && ta < INFINITY; /* the exact affinity after coop and language */
    double aff = late ? 0.0 : row_affinity(q, h);
    if (!late)
        ta = term(f, SM_CRIT_SECTOR_AFFINITY, aff);
    double part0 = cmb(f, cmb(f, q->regpart[r], ta), f->wsize[h->size]);
    double part = cmb(f, part0, term(f, SM_CRIT_COMPLEMENTARITY, cb));
    double cust = f->cust1;
    if (q->net.any) { /* history and network criteria: exact, O(1) */
        sm__netq_scores(&q->net, b, q->scores);
        for (int k = 0; k < SM__NET_COUNT; k++)
            if (f->net_slot[k] >= 0)
                cust = cmb(f, cust, term(f, (size_t)f->net_slot[k], q->scores[f->net_slot[k]]));
    }
    if (cmb(f, part, cmb(f, f->col1, cust)) + f->slack < thr)
        return SM_OK;
    double coop = sm__coop_fit(f->a_coop, h->coop);
    double lang = sm__language_fit(q->a_langs, h->langs);
    double cl = cmb(f, cmb(f, term(f, SM_CRIT_COOPERATION_FIT, coop), term(f, SM_CRIT_LANGUAGE, lang)), cust);
    if (cmb(f, part, cl) + f->slack < thr)
        return SM_OK;
    if (late) {
        aff = row_affinity(q, h);
        part0 = cmb(f, cmb(f, q->regpart[r], term(f, SM_CRIT_SECTOR_AFFINITY, aff)), f->wsize[h->size]);
        part = cmb(f, part0, term(f, SM_CRIT_COMPLEMENTARITY, cb));
        if (cmb(f, part, cl) + f->slack < thr)
            return SM_OK;
    }
    double comp = 0.0;
    if (cb > 0) {
        /* b -> a first (a's need mass is known), then the bound with
         * a -> b at 1, before b's needs are read */
        const sm_engine *e = q->e;
        const double *idf = sm__score_cache_of(e)->idf;
        double ba = comp_dir(e, idf, b, q->a, f->a_mass, !f->known_both);
        double cb2 = sm__reciprocity(f->recip, f->ab_bound, ba) * (1 + SHARE_SLACK) + SHARE_SLACK;
        if (cb2 < cb && cmb(f, cmb(f, part0, term(f, SM_CRIT_COMPLEMENTARITY, cb2)), cl) + f->slack < thr)
            return SM_OK;
        double ab = comp_dir(e, idf, q->a, b, sm__need_mass(e, idf, b), !f->known_both);
        comp = sm__reciprocity(f->recip, ab, ba);
    }
    q->scores[SM_CRIT_SECTOR_AFFINITY] = aff;
    q->scores[SM_CRIT_REGION_REACH] = q->reach[r];
    q->scores[SM_CRIT_COHESION] = q->cohesion[r];
    q->scores[SM_CRIT_SIZE_FIT] = sm__size_fit[q->e->smes.size[q->a]][h->size];
    q->scores[SM_CRIT_COOPERATION_FIT] = coop;
    q->scores[SM_CRIT_LANGUAGE] = lang;
    q->scores[SM_CRIT_COMPLEMENTARITY] = comp; /* sm__pair_comp()'s number */
    double total;
    sm_status st;
    if ((st = sm__pair_custom(q, b)) || (st = sm__combine(q->w, q->scores, &total)))
        return st;
    if (total < f->o->min_score || (f->zero_fill && !(total > 0)) || sm__qctx_excluded(q, (uint32_t)b))
        return SM_OK;
    heap_offer(q, f->k, (uint32_t)b, total);
    update_thr(q, f);
    return SM_OK;
}

/* consider_key() without a bound of the sector affinity term: the exact
 * affinity first. */
static inline sm_status consider(sm__qctx *q, fast *f, const sm__rhot *h, double cb)
{
    return consider_key(q, f, h, cb, INFINITY);
}

/* The complementarity bound of b from the 64-bit tag signatures: a
 * direction whose offer and need signatures do not meet scores 0. */
static inline double sig_bound(const sm__qctx *q, const fast *f, size_t b)
{
    const sm__smes *s = &q->e->smes;
    size_t a = q->a;
    bool ab = s->n_offers[a] && (s->offer_sig[a] & s->need_sig[b]) != 0;
    bool ba = s->n_needs[a] && (s->offer_sig[b] & s->need_sig[a]) != 0;
    switch (f->recip) {
    case SM_RECIPROCITY_ARITHMETIC: return ((double)ab + (double)ba) / 2;
    case SM_RECIPROCITY_MAX: return ab || ba;
    default: return ab && ba;
    }
}

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

static int cmp_rbound(const void *x, const void *y)
{
    const sm__rbound *a = x, *b = y;
    if (a->bound != b->bound)
        return a->bound > b->bound ? -1 : 1;
    return (a->region > b->region) - (a->region < b->region);
}

/* Regions with at least this many base positions may be swept best rows
 * first by rest_pass() (tests lower it). */
size_t sm__rest_sweep_min = 16384;

/* Every candidate not yet considered, region by region in the order of the
 * region's reach and cohesion, stopping at the first region that cannot
 * beat the k-th total even with the best sector affinity. Within a region
 * the packed rows (sm__rhot) are read in order and bound each candidate
 * from its sectors and size before anything else is read. */
static sm_status rest_pass(sm__qctx *q, fast *f)
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
                        if ((st = consider_key(q, f, &c->rhot[p], comp_known ? 0.0 : sig_bound(q, f, c->rhot[p].idx),
                                               ta)))
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
                    if ((st = consider_key(q, f, &c->rhot[p], comp_known ? 0.0 : sig_bound(q, f, c->rhot[p].idx), ta)))
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
static sm_status delta_pass(sm__qctx *q, fast *f)
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
static sm_status net_pass(sm__qctx *q, fast *f)
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
    heap_offer(q, f->k, (uint32_t)b, 0.0);
    return SM_OK;
}

/* With the geometric mean or the minimum, when fewer than k partners score
 * more than 0 (and min_score allows 0): the partners with total 0 that come
 * first by id, from the base in id order (it stops when the heap is full)
 * and from the delta through the heap. */
static sm_status fill_zeros(sm__qctx *q, const fast *f)
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


/* See index_pass(): how much longer the side not read may be and still be marked. */
#define OTHER_MARK_FACTOR 32

/* The steps of a candidate's share of a's need mass (one byte). */
#define SHARE_STEPS 255u
/* Side-1 candidates of arithmetic and max reciprocity past the lists'
 * bound before the remaining side-1 lists are marked with their shares
 * (index_pass(); tests lower it). */
size_t sm__share_mark_after = 64;

/* The bound of b->a from a suffix of a's need tags: their idf sum over a's
 * need mass, a little above (SHARE_SLACK), at most 1. */
static inline double share_bound(double sum, double mass)
{
    if (!(mass > 0) || !(sum > 0))
        return 0.0;
    double v = sum / mass * (1 + SHARE_SLACK) + SHARE_SLACK;
    return v > 1.0 ? 1.0 : v;
}

static int cmp_plist_u(const void *x, const void *y)
{
    const sm__plist *a = x, *b = y;
    if (a->u != b->u)
        return a->u > b->u ? -1 : 1; /* rarest (largest idf) first */
    return (a->b > b->b) - (a->b < b->b);
}

/* Marks the offerers of a's need tags (side-1 lists p1[0..n1)) with mark
 * bit 2 and sums, per candidate, its lists' shares of a's need mass, each
 * rounded up to a step of 1/SHARE_STEPS (saturated at 1), in the mark
 * array's second half: a bound of its s(b -> a) before its row is read,
 * bav[share]. A share is set where mark bit 2 is: no clearing. */
static void mark_shares(sm__qctx *q, const sm__plist *p1, size_t n1, double mass, double *bav)
{
    const uint32_t *offerers = sm__score_cache_of(q->e)->offerers;
    uint8_t *mark = q->mark, *share = q->mark + q->mark_cap;
    for (unsigned v = 0; v <= SHARE_STEPS; v++)
        bav[v] = v == SHARE_STEPS ? 1.0 : share_bound((double)v / SHARE_STEPS, 1.0);
    for (size_t j = 0; j < n1; j++) {
        double x = mass > 0 ? p1[j].u / mass * SHARE_STEPS : 0.0;
        unsigned ct = x >= SHARE_STEPS ? SHARE_STEPS : (unsigned)ceil(x);
        for (uint32_t p = p1[j].b; p < p1[j].e; p++) {
            uint32_t pos = offerers[p];
            uint8_t mk = mark[pos];
            unsigned v = (mk & 2 ? share[pos] : 0) + ct;
            mark[pos] = mk | 2;
            share[pos] = (uint8_t)(v > SHARE_STEPS ? SHARE_STEPS : v);
        }
    }
}

/* The inverted-index pass, MaxScore style. Complementarity is R(ab, ba)
 * (the reciprocity, monotone in both directions): ab = s(a -> b) may be 1
 * from any one tag (it is normalised by b's needs), but ba = s(b -> a) is
 * normalised by a's need mass, so the offerers of a's need tags t bring at
 * most idf(t) / mass(a) each. The lists of a's need tags are read rarest
 * first; a candidate first met in list j is in none before it, so its ba is
 * at most the idf sum of lists j.. over a's mass. Before each list, when
 * even the best region, sector and size with that bound cannot reach the
 * k-th total, the remaining lists are skipped: every candidate only in them
 * scores below the threshold, also in rest_pass() (which scores it with
 * complementarity 0, no more than its total), so results do not change.
 *
 * Per candidate, ab is at most the idf sum of the side-0 lists it can be
 * in over its need mass, which the base keeps as a lower bound in a byte
 * per position (mass_q, valid under later idf changes through mass_drift,
 * score.h); the side-0 lists are read rarest first too, so a candidate
 * first met in a long list of a common tag is bounded by that suffix.
 *
 * Harmonic and min reciprocity need both directions, so the candidates are
 * in the needers of a's offers (side 0) and in the offerers of a's needs
 * (side 1): one side is read, the cheaper (side 1 counts as cheaper when
 * its lists are no longer in total); the other side is marked first when
 * that costs at most OTHER_MARK_FACTOR times the side read, else the other
 * direction is tested on the 64-bit signatures (0 there means a
 * complementarity of exactly 0). Arithmetic and max reciprocity take
 * either direction: side 0 is read in full, then side 1 with the
 * skipping, whose candidates have ab = 0 (a needer of a's offers was met
 * in side 0); side 1 is marked first when it is no longer than side 0,
 * else its lists still to read once sm__share_mark_after of its candidates
 * passed the lists' bound (the idf sum of all lists from the candidate's
 * first on: loose where a's need tags are common). When side 1 is marked and side 0 read, the marking
 * sums per candidate its lists' shares of a's need mass, each rounded up to
 * 1/SHARE_STEPS, in a byte (the mark array's second half, mark_shares()):
 * the candidate's ba at most, known before its packed row is read. */
static sm_status index_pass(sm__qctx *q, fast *f)
{
    const sm_engine *e = q->e;
    const sm__smes *s = &e->smes;
    const sm__score_cache *c = sm__score_cache_of(e);
    size_t a = q->a;
    uint8_t *mark = q->mark;
    const uint32_t *ao = sm__sme_offers(e, a), *an = sm__sme_needs(e, a);
    size_t nt = c->n_tags_base; /* later tags have no base postings */
    sm__plist *pl = q->plist;
    size_t n0 = 0, n1 = 0;
    uint64_t cost0 = 0, cost1 = 0;
    for (size_t j = 0; j < s->n_offers[a] && ao[j] < nt; j++) {
        sm__plist x = { c->need_start[ao[j]], c->need_start[ao[j] + 1], c->idf[ao[j]], 0 };
        cost0 += x.e - x.b;
        pl[n0++] = x;
    }
    for (size_t j = 0; j < s->n_needs[a] && an[j] < nt; j++) {
        sm__plist x = { c->offer_start[an[j]], c->offer_start[an[j] + 1], c->idf[an[j]], 1 };
        cost1 += x.e - x.b;
        pl[n0 + n1++] = x;
    }
    sm__plist *p1 = pl + n0;
    if (n0 > 1)
        qsort(pl, n0, sizeof *pl, cmp_plist_u);
    if (n1 > 1)
        qsort(p1, n1, sizeof *p1, cmp_plist_u);
    double mass = f->a_mass;
    double rest0 = 0, rest1 = 0; /* idf sums of the side-0 and side-1 lists not yet read */
    for (size_t j = 0; j < n0; j++)
        rest0 += pl[j].u;
    for (size_t j = 0; j < n1; j++)
        rest1 += p1[j].u;
    double all0 = rest0;
    int recip = f->recip;
    bool both = recip == SM_RECIPROCITY_HARMONIC || recip == SM_RECIPROCITY_MIN;
    /* which lists are read: [from, to) of pl */
    size_t from = 0, to = n0 + n1;
    bool drive1 = both && cost1 <= cost0;
    if (both)
        from = drive1 ? n0 : 0, to = drive1 ? n0 + n1 : n0;
    /* harmonic, min: the side not read is marked first when that costs at
     * most OTHER_MARK_FACTOR times the side read (a sequential pass over
     * its lists, cheaper than the signature test and packed row read per
     * candidate that the marks spare); arithmetic, max: side 1, read after
     * side 0 anyway, is marked first when it is no longer than side 0 */
    bool marked_other = !both ? cost1 <= cost0
                        : drive1 ? cost0 <= OTHER_MARK_FACTOR * cost1 : cost1 <= OTHER_MARK_FACTOR * cost0;
    /* Side 1 marked and side 0 read: the marking also sums, per candidate,
     * the shares of a's need mass of the side-1 lists it is in, each
     * rounded up to a step of 1/SHARE_STEPS (saturated at 1): a bound of
     * its s(b -> a) before its row is read (bav by share). */
    bool use_share = marked_other && !drive1;
    uint8_t *share = q->mark + q->mark_cap;
    double bav[SHARE_STEPS + 1];
    if (use_share)
        mark_shares(q, p1, n1, mass, bav);
    else if (marked_other && drive1)
        for (size_t j = 0; j < n0; j++)
            for (uint32_t p = pl[j].b; p < pl[j].e; p++)
                mark[c->needers[p]] |= 1;
    uint8_t other_bit = drive1 ? 1 : 2;
    bool skip_unmarked = both && marked_other; /* outside the marks complementarity is 0 */
    /* the best any candidate can have outside complementarity */
    double best_reg = -INFINITY, best_aff = -INFINITY;
    for (size_t r = 0; r < e->n_regions; r++)
        if (q->region_ok[r] && q->regpart[r] > best_reg)
            best_reg = q->regpart[r];
    for (size_t x = 0; x < e->n_sectors; x++)
        if (q->affw[x] > best_aff)
            best_aff = q->affw[x];
    if (f->secw[255] > best_aff)
        best_aff = f->secw[255];
    double best = cmb(f, cmb(f, best_reg, best_aff), cmb(f, f->max_size, f->cl1));
    double rest_best = cmb(f, best_aff, cmb(f, f->max_size, f->cl1)); /* best but the region's part */
    const uint32_t *rs = c->region_start, *key = c->rkey;
    const uint8_t *mq = c->mass_q;
    uint32_t n_reg = (uint32_t)e->n_regions;
    double tail = f->cl1; /* cooperation, language and custom at 1 */
    uint64_t a_need_sig = s->need_sig[a], a_offer_sig = s->offer_sig[a];
    /* a candidate's need mass is at least drift times its step (score.h) */
    double inv[256]; /* 1 / (drift x the byte's mass), infinite for a mass of 0 */
    for (unsigned v = 0; v < 256; v++) {
        double d = c->mass_drift * sm__mass_step(v);
        inv[v] = d > 0 ? 1.0 / d : INFINITY;
    }
    size_t side1_passed = 0; /* side-1 candidates that passed the list's bound */
    sm_status st;
    for (size_t li = from; li < to; li++) {
        const sm__plist *L = &pl[li];
        const uint32_t *list = L->side ? c->offerers : c->needers;
        /* bounds of a candidate first met in this list: s(a -> b) is the
         * idf of the side-0 lists it is in (those not read yet) over its
         * need mass, s(b -> a) the idf of the side-1 lists over a's */
        double ab = L->side && !both ? 0.0 : 1.0;
        double ba = share_bound(rest1, mass); /* rest1 holds this list too */
        double hit_ab = L->side ? all0 : rest0;
        if (L->side)
            rest1 -= L->u; /* for the lists after this one */
        else
            rest0 -= L->u;
        double cb = sm__reciprocity(recip, ab, ba);
        if (L->side && cmb(f, best, term(f, SM_CRIT_COMPLEMENTARITY, cb)) + f->slack < f->tthr)
            break; /* no candidate first met from here on can enter */

        double hit_s = hit_ab * (1 + MASS_SLACK); /* over a need mass: s(a -> b) at most */
        double tc = term(f, SM_CRIT_COMPLEMENTARITY, cb);
        uint32_t r = 0, reg_end = 0; /* the region of the last position, and its end */
        for (uint32_t p = L->b; p < L->e; p++) {
            uint32_t pos = list[p];
            if (pos >= reg_end) { /* the region of pos: first r with rs[r + 1] > pos */
                uint32_t lo = r, hi = n_reg - 1;
                while (lo < hi) {
                    uint32_t mid = lo + (hi - lo) / 2;
                    if (rs[mid + 1] <= pos)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                r = lo;
                reg_end = rs[r + 1];
                /* A region outside the filters, or where even the best
                 * sector, size and the list's complementarity bound cannot
                 * reach the k-th total: its positions in this list (they
                 * are ascending) are passed over unmarked, as their totals
                 * stay below every later threshold. */
                if (!q->region_ok[r] || cmb(f, cmb(f, q->regpart[r], rest_best), tc) + f->slack < f->tthr) {
                    uint32_t a0 = p + 1, a1 = L->e; /* the first posting at or after reg_end */
                    while (a0 < a1) {
                        uint32_t mid = a0 + (a1 - a0) / 2;
                        if (list[mid] < reg_end)
                            a0 = mid + 1;
                        else
                            a1 = mid;
                    }
                    p = a0 - 1;
                    continue;
                }
            }
            uint8_t mk = mark[pos];
            if (mk & 4 || (skip_unmarked && !(mk & other_bit)))
                continue; /* considered, or complementarity 0 (left to rest_pass) */
            mark[pos] = mk | 4;
            uint32_t kk = key[pos];
            double ta = key_aff(q, f, kk), rt = cmb(f, q->regpart[r], ta);
            double part = cmb(f, rt, cmb(f, f->wsize[SM__KEY_SIZE(kk)], tail));
            if (cmb(f, part, tc) + f->slack < f->tthr)
                continue;
            /* this candidate's own bounds: its need mass, its share */
            double abp = 0.0, bap = ba;
            if (ab > 0 && hit_s > 0) {
                abp = hit_s * inv[mq[pos]] + MASS_SLACK;
                abp = abp < 1.0 ? abp : 1.0;
            }
            if (L->side && !both && !use_share && ++side1_passed > sm__share_mark_after) {
                /* arithmetic, max: side 1 was not marked first (longer
                 * than side 0), and many of its candidates pass the bound
                 * of the idf sum of every list from this one on: the
                 * shares of those lists bound each candidate not met yet */
                mark_shares(q, pl + li, to - li, mass, bav);
                use_share = true;
                mk = mark[pos];
            }
            if (use_share && bav[mk & 2 ? share[pos] : 0] < bap)
                bap = bav[mk & 2 ? share[pos] : 0];
            double cbp = sm__reciprocity(recip, abp, bap);
            double tcp = cbp < cb ? term(f, SM_CRIT_COMPLEMENTARITY, cbp) : tc;
            if (cbp < cb && cmb(f, part, tcp) + f->slack < f->tthr)
                continue;
            /* cooperation and languages from the fit key instead of 1 */
            unsigned fk = c->rfit[pos];
            double fit = cmb(f, cmb(f, f->coopw[fk & 255u], f->langw[fk >> 8]), f->cust_rest);
            if (cmb(f, cmb(f, rt, cmb(f, f->wsize[SM__KEY_SIZE(kk)], fit)), tcp) + f->slack < f->tthr)
                continue;
            const sm__rhot *h = &c->rhot[pos];
            if (both && !marked_other) { /* the direction not read: 0 on the signatures means 0 */
                size_t b = h->idx;
                bool other = L->side ? (a_offer_sig & s->need_sig[b]) != 0 : (s->offer_sig[b] & a_need_sig) != 0;
                if (!other)
                    cbp = 0.0;
            }
            f->known_both = marked_other && (both || (!L->side && mk & 2));
            f->ab_bound = abp;
            st = consider_key(q, f, h, cbp, ta);
            f->known_both = 0;
            f->ab_bound = 1.0;
            if (st)
                return st;
        }
    }
    return SM_OK;
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
    if ((st = net_pass(q, &f))) /* history and network criteria */
        return st;
    if (!(f.wn[SM_CRIT_COMPLEMENTARITY] > 0))
        return (st = rest_pass(q, &f)) || (st = delta_pass(q, &f)) ? st : fill_zeros(q, &f);

    if ((st = index_pass(q, &f)))
        return st;
    return (st = rest_pass(q, &f)) || (st = delta_pass(q, &f)) ? st : fill_zeros(q, &f);
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
        heap_offer(q, k, (uint32_t)b, total);
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
