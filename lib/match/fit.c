/* sm_fit(): weights learnt from the cooperations before a split date. The
 * period [validation_date, split_date) is replayed as queries, the network
 * criteria seeing only what came before it; two thirds of its cooperations
 * are fitted on and one third is held out for the figures. Each fitted
 * query is ranked within a fixed pool of candidates (its top 100 under the
 * start weighting, its 2-hop neighbourhood, the most active SMEs, random
 * ones and its real partners) whose criterion scores are computed once;
 * coordinate ascent then maximises (recall@k + MRR) / 2 over the pools. A
 * weighted mean ranks by the dot product of weights and scores, so trying
 * a weight costs one pass over the pools. The half-life of past_partners
 * is learnt beside the weights: each member keeps the age and count of its
 * last cooperation with the querying SME, so that trying a half-life costs
 * one pass to recompute that column. */
#include "match/evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_TOP 100
#define POOL_NET 200
#define POOL_POP 50
#define POOL_RANDOM 30
#define MRR_K 100

typedef struct pools {
    size_t n_crit, n_q;
    size_t *start;   /* n_q + 1: members of pool i are start[i] .. start[i + 1] */
    float *x;        /* n_crit per member */
    uint8_t *pos;    /* member is a real partner */
    float *age;      /* days from its last cooperation with the querying SME to the reference; < 0: never */
    float *pfac;     /* 1 - 2^-count of those cooperations */
    double *tot;     /* n: each member's total under the current weights */
    float *hcol;     /* n: scratch of a half-life trial */
    int past;        /* column of past_partners */
    size_t n, cap;
    double *s;       /* scratch: scores of one pool */
    size_t s_cap;
} pools;

static void pools_free(pools *p, const sm__alloc *a)
{
    sm__free(a, p->start);
    sm__free(a, p->x);
    sm__free(a, p->pos);
    sm__free(a, p->age);
    sm__free(a, p->pfac);
    sm__free(a, p->tot);
    sm__free(a, p->hcol);
    sm__free(a, p->s);
}

/* The past_partners column for half-life hl (docs/scoring.md). */
static void pools_half_life(pools *p, double hl)
{
    for (size_t m = 0; m < p->n; m++)
        p->x[m * p->n_crit + (size_t)p->past] = p->age[m] < 0 ? 0.0f : (float)(exp2(-p->age[m] / hl) * p->pfac[m]);
}

static sm_status pool_add(pools *p, const sm__alloc *a, sm__qctx *qc, uint32_t b, bool positive)
{
    const sm__history *h = qc->net.override;
    size_t need = p->n + 1;
    if (need > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4096;
        float *x = sm__realloc(a, p->x, cap * p->n_crit * sizeof *x);
        if (!x)
            return sm__nomem();
        p->x = x;
        uint8_t *ps = sm__realloc(a, p->pos, cap);
        if (!ps)
            return sm__nomem();
        p->pos = ps;
        float *ag = sm__realloc(a, p->age, cap * sizeof *ag);
        if (!ag)
            return sm__nomem();
        p->age = ag;
        float *pf = sm__realloc(a, p->pfac, cap * sizeof *pf);
        if (!pf)
            return sm__nomem();
        p->pfac = pf;
        p->cap = cap;
    }
    double total;
    sm_status st = sm__pair_scores(qc, b, &total);
    if (st)
        return st;
    for (size_t j = 0; j < p->n_crit; j++)
        p->x[p->n * p->n_crit + j] = (float)qc->scores[j];
    const sm__hedge *ed = sm__history_edge(h, (uint32_t)qc->a, b);
    double age = ed ? (double)sm__history_ref(h) - (double)ed->last : -1.0;
    p->age[p->n] = (float)(ed && age < 0 ? 0.0 : age);
    p->pfac[p->n] = ed ? (float)(1.0 - exp2(-(double)ed->count)) : 0.0f;
    p->pos[p->n++] = positive;
    return SM_OK;
}

#define TOPK_MAX 64 /* larger k: every positive's rank is counted */

/* The rank of a member with total x among the m totals s (ties half). */
static inline double rank_of(const double *s, size_t m, double x)
{
    double rank = 0.5; /* the member itself counted as a tie */
    for (size_t u = 0; u < m; u++)
        rank += s[u] > x ? 1.0 : s[u] == x ? 0.5 : 0.0;
    return rank;
}

/* (recall@k + reciprocal rank) / 2 of pool i with totals tot + scale * col
 * (col strided; NULL: tot alone). */
static double pool_objective(pools *p, size_t i, size_t k, const float *col, size_t stride, double scale)
{
    size_t a = p->start[i], b = p->start[i + 1], m = b - a;
    double *s = p->s;
    const double *tot = p->tot + a;
    if (col) {
        const float *c = col + a * stride;
        for (size_t t = 0; t < m; t++)
            s[t] = tot[t] + scale * c[t * stride];
    } else {
        memcpy(s, tot, m * sizeof *s);
    }
    /* T = the k-th largest total (with repeats): a positive below it has k
     * totals above it, so it is no hit and only those at or above it need
     * their rank; the best rank is the rank of the best positive */
    double T = -INFINITY;
    if (k <= TOPK_MAX && k < m) {
        double top[TOPK_MAX]; /* the k largest so far, descending */
        size_t nk = 0;
        for (size_t t = 0; t < m; t++) {
            double x = s[t];
            if (nk == k && !(x > top[k - 1]))
                continue;
            size_t q = nk < k ? nk++ : k - 1;
            while (q > 0 && top[q - 1] < x) {
                top[q] = top[q - 1];
                q--;
            }
            top[q] = x;
        }
        T = top[k - 1];
    }
    size_t np = 0, hits = 0, tbest = m;
    for (size_t t = 0; t < m; t++) {
        if (!p->pos[a + t])
            continue;
        np++;
        if (tbest == m || s[t] > s[tbest])
            tbest = t;
        if (s[t] < T)
            continue;
        hits += rank_of(s, m, s[t]) <= (double)k;
    }
    if (!np)
        return 0;
    double best = rank_of(s, m, s[tbest]);
    return ((double)hits / (double)np + (best <= MRR_K ? 1.0 / best : 0.0)) / 2;
}

/* The objective over all pools when the totals change by scale * col. */
static double objective(pools *p, size_t k, const float *col, size_t stride, double scale)
{
    double sum = 0;
    for (size_t i = 0; i < p->n_q; i++)
        sum += pool_objective(p, i, k, col, stride, scale);
    return p->n_q ? sum / (double)p->n_q : 0;
}

/* The totals of every member under weights v, computed afresh (no drift). */
static void pools_totals(pools *p, const double *v)
{
    for (size_t m = 0; m < p->n; m++) {
        const float *x = p->x + m * p->n_crit;
        double d = 0;
        for (size_t j = 0; j < p->n_crit; j++)
            d += v[j] * x[j];
        p->tot[m] = d;
    }
}

/* Rounds to three significant digits, so that the printed text is the weighting. */
static double round3(double v)
{
    if (!(v > 0))
        return 0;
    char buf[32];
    snprintf(buf, sizeof buf, "%.3g", v);
    double r;
    return sm__parse_real(buf, strlen(buf), &r) ? r : v;
}

sm_status sm_fit_options_init(sm_fit_options *opts, unsigned int version)
{
    if (!opts || version != SM_FIT_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "fit options: NULL or unsupported version %u", version);
    sm_fit_options d = SM_FIT_OPTIONS_INIT;
    *opts = d;
    return SM_OK;
}

static sm_status build_pools(pools *p, const sm_engine *e, const sm__history *hs, const sm__evset *set,
                             const sm_weighting *w, const uint32_t *order, uint64_t seed)
{
    const sm__alloc *al = &e->alloc;
    size_t n = e->smes.n;
    uint32_t *stamp = sm__calloc(al, n ? n : 1, sizeof *stamp);
    p->start = sm__malloc(al, (set->n + 1) * sizeof *p->start);
    sm__qctx qc;
    sm__qctx_init(&qc, e);
    qc.net.override = hs;
    sm_status st = SM_OK;
    if (!stamp || !p->start) {
        st = sm__nomem();
        goto done;
    }
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = POOL_TOP;
    o.weighting = w;
    for (size_t i = 0; i < set->n && !st; i++) {
        const sm__evq *q = &set->q[i];
        uint32_t cur = (uint32_t)i + 1;
        p->start[i] = p->n;
        sm_result *res = NULL;
        if ((st = sm__query_run(&qc, q->a, &o, w, &res)))
            break;
        sm_result_free(res);
        stamp[q->a] = cur;
        for (uint32_t t = 0; t < q->n && !st; t++) {
            stamp[set->pos[q->off + t]] = cur;
            st = pool_add(p, al, &qc, set->pos[q->off + t], true);
        }
        /* the heap is overwritten by nothing below: pair scores only */
        size_t top = qc.heap_n;
        for (size_t j = 0; j < top && !st; j++) {
            uint32_t b = qc.heap[j].idx;
            if (stamp[b] != cur) {
                stamp[b] = cur;
                st = pool_add(p, al, &qc, b, false);
            }
        }
        for (size_t j = 0, c = 0; j < qc.net.n_touched && c < POOL_NET && !st; j++) {
            uint32_t b = qc.net.touched[j];
            if (b < n && stamp[b] != cur) {
                stamp[b] = cur;
                c++;
                st = pool_add(p, al, &qc, b, false);
            }
        }
        for (size_t j = 0, c = 0; j < n && c < POOL_POP && !st; j++) {
            uint32_t b = order[j];
            if (stamp[b] != cur) {
                stamp[b] = cur;
                c++;
                st = pool_add(p, al, &qc, b, false);
            }
        }
        uint64_t rng = seed ^ (i * 0x9E3779B97F4A7C15ull);
        for (size_t c = 0, tries = 0; c < POOL_RANDOM && tries < 4 * POOL_RANDOM && !st; tries++) {
            uint32_t b = (uint32_t)(sm__rng_next(&rng) % n);
            if (stamp[b] != cur) {
                stamp[b] = cur;
                c++;
                st = pool_add(p, al, &qc, b, false);
            }
        }
    }
    if (!st) {
        p->start[set->n] = p->n;
        p->n_q = set->n;
        size_t maxm = 1;
        for (size_t i = 0; i < set->n; i++)
            if (p->start[i + 1] - p->start[i] > maxm)
                maxm = p->start[i + 1] - p->start[i];
        if (!(p->s = sm__malloc(al, maxm * sizeof *p->s)) ||
            !(p->tot = sm__malloc(al, (p->n ? p->n : 1) * sizeof *p->tot)) ||
            !(p->hcol = sm__malloc(al, (p->n ? p->n : 1) * sizeof *p->hcol)))
            st = sm__nomem();
    }
done:
    sm__qctx_free(&qc);
    sm__free(al, stamp);
    return st;
}

/* Coordinate ascent from v (n entries) and half-life *hl in place;
 * returns the objective. A trial changes one weight (or the half-life)
 * and scores the pools from the current totals plus that change: one
 * pass over one column, not the dot products. */
static double ascend(pools *p, double *v, size_t n, size_t k, unsigned rounds, double *hl)
{
    pools_half_life(p, *hl);
    pools_totals(p, v);
    double best = objective(p, k, NULL, 0, 0);
    static const double factors[] = { 0, 0.25, 0.5, 0.7, 1.4, 2, 4 };
    static const double fresh[] = { 0.125, 0.25, 0.5, 1, 2 };
    static const double hl_factors[] = { 0.25, 0.5, 0.7, 1.4, 2, 4 };
    for (unsigned r = 0; r < rounds; r++) {
        bool moved = false;
        for (size_t j = 0; j < n; j++) {
            double ref = 0;
            size_t others = 0;
            for (size_t t = 0; t < n; t++) {
                ref = v[t] > ref ? v[t] : ref;
                others += t != j && v[t] > 0;
            }
            double cur = v[j], keep = cur;
            size_t nt = cur > 0 ? sizeof factors / sizeof *factors : sizeof fresh / sizeof *fresh;
            for (size_t c = 0; c < nt; c++) {
                double cand = cur > 0 ? cur * factors[c] : ref * fresh[c];
                if (cand == cur || (!(cand > 0) && !others))
                    continue;
                double f = objective(p, k, p->x + j, p->n_crit, cand - cur);
                if (f > best + 1e-9) {
                    best = f;
                    keep = cand;
                    moved = true;
                }
            }
            if (keep != cur) {
                v[j] = keep;
                pools_totals(p, v);
            }
        }
        /* the half-life, while past_partners has weight: 30 days to 20 years */
        if (v[p->past] > 0) {
            double cur = *hl, keep = cur;
            for (size_t c = 0; c < sizeof hl_factors / sizeof *hl_factors; c++) {
                double cand = cur * hl_factors[c];
                if (cand < 30 || cand > 7300)
                    continue;
                for (size_t m = 0; m < p->n; m++) {
                    float y = p->age[m] < 0 ? 0.0f : (float)(exp2(-p->age[m] / cand) * p->pfac[m]);
                    p->hcol[m] = y - p->x[m * p->n_crit + (size_t)p->past];
                }
                double f = objective(p, k, p->hcol, 1, v[p->past]);
                if (f > best + 1e-9) {
                    best = f;
                    keep = cand;
                    moved = true;
                }
            }
            if (keep != cur) {
                *hl = keep;
                pools_half_life(p, keep);
                pools_totals(p, v);
            }
        }
        if (!moved)
            break;
    }
    return best;
}

sm_status sm_fit(sm_weighting **out, sm_evaluation **out_val, const sm_engine *e, const sm_fit_options *o)
{
    if (!out || !e || !o)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "fit: NULL %s", !out ? "out" : !e ? "engine" : "options");
    if (o->version != SM_FIT_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "fit options: unsupported version %u", o->version);
    if (!o->split_date)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "fit: split_date is required");
    if (!o->k)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "fit: k must be > 0");
    int32_t split, val;
    if (!sm__day_parse(o->split_date, strlen(o->split_date), &split))
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "split_date", o->split_date,
                           "split_date: \"%s\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", o->split_date);
    val = split - 365;
    if (o->validation_date && !sm__day_parse(o->validation_date, strlen(o->validation_date), &val))
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "validation_date", o->validation_date,
                           "validation_date: \"%s\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", o->validation_date);
    if (val >= split)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "fit: validation_date must come before split_date");
    /* the start: a by-value copy that borrows the original's user data */
    sm_weighting *preset = NULL, start;
    sm_status st = SM_OK;
    if (!o->start && (st = sm_weighting_preset(&preset, "network")))
        return st;
    start = o->start ? *o->start : *preset;
    sm_weighting_free(preset);
    if (start.combiner != SM_COMBINE_MEAN || !sm__net_only(&start))
        return sm__fail(SM_ERR_INVALID_ARGUMENT,
                        "fit: the start weighting must be a weighted mean of built-in and network criteria");
    for (int k = 0; k < SM__NET_COUNT; k++) {
        bool has = false;
        for (size_t j = 0; j < start.n_custom; j++)
            has = has || sm__net_kind(&start, j) == k;
        if (!has && (st = sm__net_set(&start, k, 0)))
            return st;
    }
    const sm_weighting *ws = &start;
    if ((st = sm__query_weighting(&ws, &start)))
        return st;

    sm__rdlock(e);
    const sm__alloc *al = &e->alloc;
    sm__history hs;
    sm__history_init(&hs, al);
    sm__evset fitset, held;
    memset(&fitset, 0, sizeof fitset);
    memset(&held, 0, sizeof held);
    pools p;
    memset(&p, 0, sizeof p);
    p.n_crit = sm__weighting_n(&start);
    uint32_t *pop = NULL, *order = NULL;
    sm_weighting *fitted = NULL;
    sm_evaluation *ev = NULL;
    size_t maxq = o->max_queries;
    if (!e->history || e->smes.n < 2) {
        st = sm__fail(SM_ERR_INVALID_ARGUMENT, "fit: the engine has no history (or fewer than two SMEs)");
        goto done;
    }
    if ((st = sm__score_cache_get(NULL, e)) || (st = sm__history_until(&hs, e->history, e->smes.n, val)))
        goto done;
    hs.ref_day = val;
    if ((st = sm__evset_build(&fitset, e->history, e->smes.n, val, split, SM__EV_FIT, o->seed, maxq, al)) ||
        (st = sm__evset_build(&held, e->history, e->smes.n, val, split, SM__EV_HELDOUT, o->seed, maxq ? maxq / 2 : 0,
                              al)))
        goto done;
    if (!fitset.n || !held.n) {
        st = sm__fail(SM_ERR_INVALID_ARGUMENT, "fit: too few cooperations between %s and %s to fit on",
                      o->validation_date ? o->validation_date : "a year before the split", o->split_date);
        goto done;
    }
    if ((st = sm__popularity_order(&pop, &hs, e->smes.n, al)))
        goto done;
    if (!(order = sm__malloc(al, e->smes.n * sizeof *order))) {
        st = sm__nomem();
        goto done;
    }
    for (size_t b = 0; b < e->smes.n; b++)
        order[pop[b]] = (uint32_t)b;
    if ((st = build_pools(&p, e, &hs, &fitset, &start, order, o->seed)))
        goto done;
    /* two starts: the given weighting, and past partners first (the
     * strongest single baseline on real data); the better ascent wins */
    double v[SM_CRITERIA_MAX], v2[SM_CRITERIA_MAX];
    for (size_t j = 0; j < p.n_crit; j++) {
        v[j] = start.w[j];
        v2[j] = j < SM_CRIT_BUILTIN_COUNT ? start.w[j] * 0.05 : 0;
    }
    for (size_t j = 0; j < start.n_custom; j++) {
        int kind = sm__net_kind(&start, j);
        v2[SM_CRIT_BUILTIN_COUNT + j] = kind == SM__NET_PAST ? 10 : kind == SM__NET_COMMON ? 1 : 0.5;
    }
    for (size_t j = 0; j < start.n_custom; j++)
        if (sm__net_kind(&start, j) == SM__NET_PAST)
            p.past = (int)(SM_CRIT_BUILTIN_COUNT + j);
    double hl1 = start.net_half_life > 0 ? start.net_half_life : hs.half_life, hl2 = hl1;
    double f1 = ascend(&p, v, p.n_crit, o->k, o->rounds, &hl1);
    double f2 = ascend(&p, v2, p.n_crit, o->k, o->rounds, &hl2);
    if (f2 > f1) {
        memcpy(v, v2, sizeof v);
        hl1 = hl2;
    }
    double sum = 0;
    for (size_t j = 0; j < p.n_crit; j++)
        sum += v[j];
    if ((st = sm_weighting_copy(&fitted, &start)))
        goto done;
    for (size_t j = 0; j < p.n_crit; j++)
        fitted->w[j] = sum > 0 ? round3(v[j] * 10 / sum) : start.w[j];
    fitted->net_half_life = fitted->w[p.past] > 0 ? round3(hl1) : 0; /* without weight it means nothing */
    if (out_val) {
        sm__evmethod m[6] = { { "start", &start }, { "fitted", fitted }, { "random", NULL },
                              { "popularity", NULL }, { "past_partners", NULL }, { "tag_overlap", NULL } };
        sm__evspec sp = { o->k, 50, MRR_K, 100, 200, o->seed };
        if ((st = sm__evaluate_run(&ev, e, &hs, &held, m, 6, &sp)))
            goto done;
    }
done:
    sm__unlock(e);
    pools_free(&p, al);
    sm__free(al, pop);
    sm__free(al, order);
    sm__evset_free(&fitset, al);
    sm__evset_free(&held, al);
    sm__history_free(&hs);
    if (st) {
        sm_weighting_free(fitted);
        sm_evaluation_free(ev);
        return st;
    }
    *out = fitted;
    if (out_val)
        *out_val = ev;
    return SM_OK;
}
