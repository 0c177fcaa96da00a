/* The fast scan's shared part (query.c, query_rest.c, query_index.c): its
 * precomputed numbers, the terms and bounds in the combiner's algebra, and
 * consider(), which scores one candidate after its bounds and offers it to
 * the heap; the passes that call it. Internal to lib/match. */
#ifndef SM_MATCH_SCAN_H
#define SM_MATCH_SCAN_H

#include "match/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Offers candidate b with its total to the bounded heap (query.c). */
void sm__heap_offer(sm__qctx *q, size_t k, uint32_t b, double total);

/* Bounds are compared with this much slack, so that a bound summed in
 * another order than the combiner's sum can never drop a candidate whose
 * exact total ties or beats the threshold. */
#define BOUND_SLACK 1e-9

/* Slack of the complementarity bounds from idf sums and reciprocities: the
 * suffix sums of sm__index_pass() add the same numbers as
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
    int zero_fill;    /* totals of 0 are left to sm__fill_zeros() (geometric, minimum) */
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
 * positive score is at least 2^-1074), and sm__fill_zeros() adds the zeros. */
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
    sm__heap_offer(q, f->k, (uint32_t)b, total);
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

/* The passes of the fast scan, in the order scan_fast() (query.c) runs
 * them, each with the heap's threshold in f->tthr. */
sm_status sm__net_pass(sm__qctx *q, fast *f);   /* history and network criteria (query_rest.c) */
sm_status sm__index_pass(sm__qctx *q, fast *f); /* the inverted index, MaxScore style (query_index.c) */
sm_status sm__rest_pass(sm__qctx *q, fast *f);  /* the base in region order (query_rest.c) */
sm_status sm__delta_pass(sm__qctx *q, fast *f); /* SMEs outside the base (query_rest.c) */
sm_status sm__fill_zeros(sm__qctx *q, const fast *f); /* totals of 0, geometric and minimum (query_rest.c) */

/* Tests lower these (query_rest.c, query_index.c). */
extern size_t sm__rest_sweep_min;
extern size_t sm__share_mark_after;

#endif
