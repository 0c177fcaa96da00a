/* sm_evaluate(): every cooperation after a split date replayed as one query
 * per member, the other members being the answers. A weighting is ranked
 * with the ordinary pruned top-k query (the network criteria reading only
 * the history before the split); the baselines (random, popularity, past
 * partners, tag overlap with ties by popularity and with ties by id) rank
 * the same queries in the same run. Figures:
 * recall@k1, recall@k2, MRR (cut at mrr_k), AUC against sampled
 * non-partners, with bootstrap standard errors over the queries. */
#include "match/evaluate.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sm_evaluation {
    const sm__alloc *alloc;
    sm_evaluation_row *rows;
    size_t n;
    size_t k1, k2, mrr_k;
    char *names; /* the rows' method names, one block */
};

/* ---- the queries ----------------------------------------------------------- */

void sm__evset_free(sm__evset *s, const sm__alloc *a)
{
    sm__free(a, s->q);
    sm__free(a, s->pos);
    memset(s, 0, sizeof *s);
}

static uint64_t mix(uint64_t x)
{
    return sm__rng_next(&x);
}

/* A deterministic sample of max_q of the queries (all when max_q is 0 or
 * there are no more): a seeded partial shuffle. */
static void sample(sm__evset *s, uint64_t seed, size_t max_q)
{
    if (!max_q || s->n <= max_q)
        return;
    uint64_t r = seed;
    for (size_t i = 0; i < max_q; i++) {
        size_t j = i + (size_t)(sm__rng_next(&r) % (s->n - i));
        sm__evq t = s->q[i];
        s->q[i] = s->q[j];
        s->q[j] = t;
    }
    s->n = max_q;
}

sm_status sm__evset_build(sm__evset *out, const sm__history *h, size_t n_smes, int32_t from, int32_t to, int which,
                          uint64_t seed, size_t max_q, const sm__alloc *a)
{
    sm__evset s;
    memset(&s, 0, sizeof s);
    size_t nq = 0, np = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; h && i < h->n_ev; i++) {
            const sm__hevent *ev = &h->ev[i];
            if (ev->day < from || ev->day >= to)
                continue;
            bool held = mix(seed ^ (0xA5A5ull + i)) % 3 == 0;
            if ((which == SM__EV_HELDOUT && !held) || (which == SM__EV_FIT && held))
                continue;
            uint32_t live = 0;
            for (uint32_t j = 0; j < ev->n; j++)
                live += h->pool[ev->off + j] < n_smes;
            if (live < 2)
                continue;
            for (uint32_t j = 0; j < ev->n; j++) {
                uint32_t x = h->pool[ev->off + j];
                if (x >= n_smes)
                    continue;
                if (pass) {
                    sm__evq *q = &s.q[s.n++];
                    q->a = x;
                    q->off = (uint32_t)s.n_pos;
                    q->event = (uint32_t)i;
                    for (uint32_t t = 0; t < ev->n; t++) {
                        uint32_t y = h->pool[ev->off + t];
                        if (t != j && y < n_smes)
                            s.pos[s.n_pos++] = y;
                    }
                    q->n = (uint32_t)(s.n_pos - q->off);
                } else {
                    nq++;
                    np += live - 1;
                }
            }
        }
        if (!pass) {
            s.q = sm__malloc(a, (nq ? nq : 1) * sizeof *s.q);
            s.pos = sm__malloc(a, (np ? np : 1) * sizeof *s.pos);
            if (!s.q || !s.pos) {
                sm__evset_free(&s, a);
                return sm__nomem();
            }
        }
    }
    sample(&s, seed, max_q);
    *out = s;
    return SM_OK;
}

/* Keeps the queries whose querier is warm (an offer, a need or an event in
 * h, the history before the split) or cold (none), in order. */
static void keep_queriers(sm__evset *s, const sm_engine *e, const sm__history *h, sm_evaluate_queriers which)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        uint32_t a = s->q[i].a;
        bool warm = e->smes.n_offers[a] || e->smes.n_needs[a] || sm__history_events_of(h, a);
        if (warm == (which == SM_EVALUATE_WARM))
            s->q[m++] = s->q[i];
    }
    s->n = m;
}

static int cmp_pop(const void *x, const void *y)
{
    const uint64_t *a = x, *b = y;
    return (*a > *b) - (*a < *b);
}

sm_status sm__popularity_order(uint32_t **out, const sm__history *h, size_t n, const sm__alloc *a)
{
    uint64_t *key = sm__malloc(a, (n ? n : 1) * sizeof *key);
    uint32_t *pos = sm__malloc(a, (n ? n : 1) * sizeof *pos);
    if (!key || !pos) {
        sm__free(a, key);
        sm__free(a, pos);
        return sm__nomem();
    }
    /* sort key: (events descending, hash) in the high bits, index low */
    for (size_t i = 0; i < n; i++) {
        uint64_t ev = h ? sm__history_events_of(h, i) : 0;
        if (ev > 0xFFFFF)
            ev = 0xFFFFF;
        uint64_t hash = mix(i * 0x9E37ull + 17) & 0x7FF;
        key[i] = (0xFFFFFull - ev) << 43 | hash << 32 | (uint64_t)i;
    }
    qsort(key, n, sizeof *key, cmp_pop);
    for (size_t p = 0; p < n; p++)
        pos[(uint32_t)key[p]] = (uint32_t)p;
    sm__free(a, key);
    *out = pos;
    return SM_OK;
}

typedef struct idkey {
    const char *id;
    uint32_t idx;
} idkey;

static int cmp_idkey(const void *x, const void *y)
{
    return strcmp(((const idkey *)x)->id, ((const idkey *)y)->id);
}

/* The id order: pos[b] = place of SME b when sorted by id (ids are
 * distinct). n entries. */
static sm_status id_order(uint32_t **out, const sm_engine *e, size_t n, const sm__alloc *a)
{
    idkey *key = sm__malloc(a, (n ? n : 1) * sizeof *key);
    uint32_t *pos = key ? sm__malloc(a, (n ? n : 1) * sizeof *pos) : NULL;
    if (!pos) {
        sm__free(a, key);
        return sm__nomem();
    }
    for (size_t i = 0; i < n; i++)
        key[i] = (idkey){ sm__sme_id(e, i), (uint32_t)i };
    qsort(key, n, sizeof *key, cmp_idkey);
    for (size_t p = 0; p < n; p++)
        pos[key[p].idx] = (uint32_t)p;
    sm__free(a, key);
    *out = pos;
    return SM_OK;
}

/* ---- per-query figures ------------------------------------------------------- */

typedef struct qfig {
    double r1, r2, rr, auc;
} qfig;

/* Figures of one query from the ranks of its positives (1-based, 0 = not
 * within mrr_k or unknown beyond the list) and the AUC. */
static qfig figures(const sm__evspec *sp, const size_t *rank, size_t n, double auc)
{
    qfig f = { 0, 0, 0, auc };
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rank[i])
            continue;
        f.r1 += rank[i] <= sp->k1;
        f.r2 += rank[i] <= sp->k2;
        if (rank[i] <= sp->mrr_k && (!best || rank[i] < best))
            best = rank[i];
    }
    f.r1 /= (double)n;
    f.r2 /= (double)n;
    f.rr = best ? 1.0 / (double)best : 0.0;
    return f;
}

static double auc_of(const double *ps, size_t np, const double *ns, size_t nn)
{
    if (!np || !nn)
        return 0.5;
    double s = 0;
    for (size_t i = 0; i < np; i++)
        for (size_t j = 0; j < nn; j++)
            s += ps[i] > ns[j] ? 1.0 : ps[i] == ns[j] ? 0.5 : 0.0;
    return s / ((double)np * (double)nn);
}

/* Scratch of one run. */
typedef struct run {
    const sm_engine *e;
    const sm__history *h;
    const sm__evspec *sp;
    size_t n;
    uint32_t *pop;     /* popularity order */
    uint32_t *idord;   /* id order: place of each SME when sorted by id */
    const uint32_t *tie; /* the order that breaks ties of the current baseline */
    uint32_t *stamp;   /* per SME: the query that last touched it */
    double *val;       /* per SME: the baseline score where stamped */
    uint32_t *touched;
    size_t n_touched;
    uint32_t *neg;     /* sampled negatives of the current query */
    size_t n_neg;
    size_t *rank;
    double *ps, *ns;
    uint32_t cur;
    uint32_t *ua, *ub; /* tag unions */
    uint32_t *usize;   /* per SME: |offers ∪ needs| */
    uint32_t *tstamp;  /* per SME: the (query, tag) that last counted it */
    uint32_t tcur;
} run;

/* The rank of p when candidates in touched (scores in val) come first by
 * (val desc, tie order), then everyone else by the tie order (popularity,
 * or the ids for the neutral tag overlap). */
static size_t rank_touched(const run *r, uint32_t a, uint32_t p, size_t limit)
{
    bool p_in = r->stamp[p] == r->cur;
    size_t above = 0, t_before = 0;
    /* ranks beyond limit count for nothing: stop as soon as p is past it */
    if (!p_in && r->n_touched > limit)
        return 0;
    for (size_t i = 0; i < r->n_touched; i++) {
        uint32_t b = r->touched[i];
        if (b == a || b == p)
            continue;
        if (p_in) {
            if (r->val[b] > r->val[p] || (r->val[b] == r->val[p] && r->tie[b] < r->tie[p]))
                if (++above >= limit)
                    return 0;
        } else {
            above++; /* every touched candidate ranks above an untouched one */
            if (r->tie[b] < r->tie[p])
                t_before++;
        }
    }
    if (p_in)
        return above + 1;
    /* untouched, by the tie order: those before p, less the touched ones and a */
    size_t before = r->tie[p] - t_before - (r->stamp[a] != r->cur && r->tie[a] < r->tie[p] ? 1 : 0);
    return above + before + 1;
}

static void stamp_touch(run *r, uint32_t b, double v)
{
    if (r->stamp[b] != r->cur) {
        r->stamp[b] = r->cur;
        r->touched[r->n_touched++] = b;
        r->val[b] = v;
    }
}

static double val_or_zero(const run *r, uint32_t b)
{
    return r->stamp[b] == r->cur ? r->val[b] : 0.0;
}

/* Sorted union of offers and needs of SME x into out; its size. */
static size_t tag_union(const sm_engine *e, size_t x, uint32_t *out)
{
    const uint32_t *o = sm__sme_offers(e, x), *nd = sm__sme_needs(e, x);
    size_t no = e->smes.n_offers[x], nn = e->smes.n_needs[x], i = 0, j = 0, m = 0;
    while (i < no || j < nn) {
        if (j == nn || (i < no && o[i] < nd[j]))
            out[m++] = o[i++];
        else if (i == no || nd[j] < o[i])
            out[m++] = nd[j++];
        else {
            out[m++] = o[i++];
            j++;
        }
    }
    return m;
}

/* Baseline scores of one candidate (for the AUC); touched tables current. */
static double baseline_score(const run *r, int which, uint32_t a, uint32_t b, uint64_t *rng)
{
    switch (which) {
    case 0: return (double)(sm__rng_next(rng) >> 11);
    case 1: return (double)sm__history_events_of(r->h, b);
    case 2: return val_or_zero(r, b) * 1e6 + (double)sm__history_events_of(r->h, b) / (1.0 + r->h->max_events);
    default: (void)a; return val_or_zero(r, b);
    }
}

#define N_BASELINES 5
static const char *const baseline_names[N_BASELINES] = { "random", "popularity", "past_partners", "tag_overlap",
                                                         "tag_overlap_by_id" };

/* The figures of baseline `which` for query q. */
static qfig run_baseline(run *r, int which, const sm__evq *q, const uint32_t *pos, uint64_t seed)
{
    const sm_engine *e = r->e;
    uint32_t a = q->a;
    r->cur++;
    r->n_touched = 0;
    r->tie = which == 4 ? r->idord : r->pop;
    uint64_t rng = seed;
    if (which == 2 && a < r->h->n_adj) {
        const sm__hadj *x = &r->h->adj[a];
        int32_t ref = sm__history_ref(r->h);
        for (uint32_t j = 0; j < x->n; j++)
            stamp_touch(r, x->e[j].other,
                        sm__net_past_score(x->e[j].count, x->e[j].last, ref, r->h->half_life));
    } else if (which >= 3) {
        /* |T(a) ∩ T(b)| counted through the postings of a's tags, once per
         * tag and SME (an SME may offer and need the same tag) */
        const sm__score_cache *c = sm__score_cache_of(e);
        size_t na = tag_union(e, a, r->ua);
        for (size_t t = 0; t < na; t++) {
            uint32_t tag = r->ua[t];
            r->tcur++;
            for (int side = 0; side < 2; side++) {
                const uint32_t *start = side ? c->need_start : c->offer_start;
                const uint32_t *list = side ? c->needers : c->offerers;
                for (uint32_t p = start[tag]; p < start[tag + 1]; p++) {
                    uint32_t b = c->rhot[list[p]].idx;
                    if (b == a || r->tstamp[b] == r->tcur)
                        continue;
                    r->tstamp[b] = r->tcur;
                    stamp_touch(r, b, 0.0);
                    r->val[b] += 1.0;
                }
            }
        }
        for (size_t i = 0; i < r->n_touched; i++) {
            uint32_t b = r->touched[i];
            double inter = r->val[b];
            r->val[b] = inter / ((double)na + (double)r->usize[b] - inter);
        }
    }
    for (uint32_t i = 0; i < q->n; i++) {
        uint32_t p = pos[q->off + i];
        if (which == 0) {
            /* a uniformly random place among the n - 1 candidates, distinct */
            size_t v;
            bool again;
            do {
                v = 1 + (size_t)(sm__rng_next(&rng) % (r->n - 1));
                again = false;
                for (uint32_t j = 0; j < i; j++)
                    again = again || r->rank[j] == v;
            } while (again);
            r->rank[i] = v;
        } else if (which == 1) {
            r->rank[i] = r->pop[p] + 1 - (r->pop[a] < r->pop[p]);
        } else {
            size_t limit = r->sp->mrr_k > r->sp->k2 ? r->sp->mrr_k : r->sp->k2;
            r->rank[i] = rank_touched(r, a, p, limit > r->sp->k1 ? limit : r->sp->k1);
        }
    }
    for (uint32_t i = 0; i < q->n; i++)
        r->ps[i] = baseline_score(r, which, a, pos[q->off + i], &rng);
    for (size_t j = 0; j < r->n_neg; j++)
        r->ns[j] = baseline_score(r, which, a, r->neg[j], &rng);
    return figures(r->sp, r->rank, q->n, auc_of(r->ps, q->n, r->ns, r->n_neg));
}

/* The figures of weighting w for query q, with the query context qc. */
static sm_status run_weighting(qfig *out, run *r, sm__qctx *qc, const sm_weighting *w, const sm__evq *q,
                               const uint32_t *pos)
{
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    size_t K = r->sp->k1;
    if (r->sp->k2 > K)
        K = r->sp->k2;
    if (r->sp->mrr_k > K)
        K = r->sp->mrr_k;
    o.k = K;
    o.weighting = w;
    sm_result *res = NULL;
    sm_status st = sm__query_run(qc, q->a, &o, w, &res);
    if (st)
        return st;
    sm_result_free(res);
    /* the run leaves its candidates in qc->heap, best first */
    for (uint32_t i = 0; i < q->n; i++) {
        r->rank[i] = 0;
        for (size_t j = 0; j < qc->heap_n; j++)
            if (qc->heap[j].idx == pos[q->off + i]) {
                r->rank[i] = j + 1;
                break;
            }
    }
    for (uint32_t i = 0; i < q->n; i++)
        if ((st = sm__pair_scores(qc, pos[q->off + i], &r->ps[i])))
            return st;
    for (size_t j = 0; j < r->n_neg; j++)
        if ((st = sm__pair_scores(qc, r->neg[j], &r->ns[j])))
            return st;
    *out = figures(r->sp, r->rank, q->n, auc_of(r->ps, q->n, r->ns, r->n_neg));
    return SM_OK;
}

/* Random non-partners of query q (distinct, not a, not a real partner). */
static void sample_negatives(run *r, const sm__evq *q, const uint32_t *pos, uint64_t seed)
{
    uint64_t rng = seed;
    r->n_neg = 0;
    size_t want = r->sp->negatives, tries = 0;
    while (r->n_neg < want && tries++ < want * 8) {
        uint32_t b = (uint32_t)(sm__rng_next(&rng) % r->n);
        bool bad = b == q->a;
        for (uint32_t i = 0; i < q->n && !bad; i++)
            bad = pos[q->off + i] == b;
        for (size_t j = 0; j < r->n_neg && !bad; j++)
            bad = r->neg[j] == b;
        if (!bad)
            r->neg[r->n_neg++] = b;
    }
}

static void mean_se(const double *v, size_t n, unsigned B, uint64_t seed, double *mean, double *se)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    *mean = n ? s / (double)n : 0;
    *se = 0;
    if (!B || n < 2)
        return;
    double sum = 0, sum2 = 0;
    uint64_t rng = seed;
    for (unsigned b = 0; b < B; b++) {
        double m = 0;
        for (size_t i = 0; i < n; i++)
            m += v[sm__rng_next(&rng) % n];
        m /= (double)n;
        sum += m;
        sum2 += m * m;
    }
    double mu = sum / B;
    double var = sum2 / B - mu * mu;
    *se = var > 0 ? sqrt(var) : 0;
}

sm_status sm__evaluate_run(sm_evaluation **out, const sm_engine *e, const sm__history *hist, const sm__evset *set,
                           const sm__evmethod *m, size_t n_methods, const sm__evspec *sp)
{
    const sm__alloc *al = &e->alloc;
    run r;
    memset(&r, 0, sizeof r);
    r.e = e;
    r.h = hist;
    r.sp = sp;
    r.n = e->smes.n;
    size_t maxp = 1;
    for (size_t i = 0; i < set->n; i++)
        if (set->q[i].n > maxp)
            maxp = set->q[i].n;
    size_t maxtags = 1;
    for (size_t i = 0; i < r.n; i++)
        if ((size_t)e->smes.n_offers[i] + e->smes.n_needs[i] > maxtags)
            maxtags = (size_t)e->smes.n_offers[i] + e->smes.n_needs[i];
    size_t nn = r.n ? r.n : 1;
    sm_evaluation *ev = sm__calloc(al, 1, sizeof *ev);
    double *fig = sm__malloc(al, (set->n ? set->n : 1) * 4 * n_methods * sizeof *fig);
    size_t names_len = 0;
    for (size_t i = 0; i < n_methods; i++)
        names_len += strlen(m[i].label) + 1;
    sm_status st = SM_OK;
    sm__qctx qc;
    sm__qctx_init(&qc, e);
    qc.net.override = hist;
    bool by_id = false; /* the id order only for the baseline that reads it */
    for (size_t k = 0; k < n_methods; k++)
        by_id = by_id || (!m[k].w && strcmp(m[k].label, baseline_names[N_BASELINES - 1]) == 0);
    if (!ev || !fig || (st = sm__popularity_order(&r.pop, hist, r.n, al)) ||
        (by_id && (st = id_order(&r.idord, e, r.n, al))) ||
        !(r.stamp = sm__calloc(al, nn, sizeof *r.stamp)) || !(r.val = sm__malloc(al, nn * sizeof *r.val)) ||
        !(r.touched = sm__malloc(al, nn * sizeof *r.touched)) ||
        !(r.neg = sm__malloc(al, (sp->negatives + 1) * sizeof *r.neg)) ||
        !(r.rank = sm__malloc(al, maxp * sizeof *r.rank)) || !(r.ps = sm__malloc(al, maxp * sizeof *r.ps)) ||
        !(r.ns = sm__malloc(al, (sp->negatives + 1) * sizeof *r.ns)) ||
        !(r.ua = sm__malloc(al, maxtags * sizeof *r.ua)) || !(r.ub = sm__malloc(al, maxtags * sizeof *r.ub)) ||
        !(ev->rows = sm__calloc(al, n_methods ? n_methods : 1, sizeof *ev->rows)) ||
        !(r.usize = sm__malloc(al, nn * sizeof *r.usize)) || !(r.tstamp = sm__calloc(al, nn, sizeof *r.tstamp)) ||
        !(ev->names = sm__malloc(al, names_len + 1))) {
        st = st ? st : sm__nomem();
        goto done;
    }
    for (size_t i = 0; i < r.n; i++)
        r.usize[i] = (uint32_t)tag_union(e, i, r.ub);
    for (size_t i = 0; i < set->n && !st; i++) {
        const sm__evq *q = &set->q[i];
        uint64_t qseed = mix(sp->seed * 0x100000001B3ull + i);
        sample_negatives(&r, q, set->pos, qseed);
        for (size_t k = 0; k < n_methods && !st; k++) {
            qfig f;
            if (m[k].w)
                st = run_weighting(&f, &r, &qc, m[k].w, q, set->pos);
            else {
                int which = 0;
                while (which < N_BASELINES - 1 && strcmp(baseline_names[which], m[k].label) != 0)
                    which++;
                f = run_baseline(&r, which, q, set->pos, qseed ^ 0x5bd1e995ull);
            }
            double *row = fig + (k * set->n + i) * 4;
            row[0] = f.r1, row[1] = f.r2, row[2] = f.rr, row[3] = f.auc;
        }
    }
    if (st)
        goto done;
    /* per method: means and bootstrap errors (the same resamples for all) */
    double *col = r.val; /* reuse as a column buffer when large enough */
    double *tmp = set->n > nn ? sm__malloc(al, set->n * sizeof *tmp) : NULL;
    if (set->n > nn && !tmp) {
        st = sm__nomem();
        goto done;
    }
    if (tmp)
        col = tmp;
    char *np = ev->names;
    for (size_t k = 0; k < n_methods; k++) {
        sm_evaluation_row *row = &ev->rows[k];
        size_t len = strlen(m[k].label);
        memcpy(np, m[k].label, len + 1);
        row->method = np;
        np += len + 1;
        row->queries = set->n;
        double *mean[4] = { &row->recall1, &row->recall2, &row->mrr, &row->auc };
        double *se[4] = { &row->recall1_se, &row->recall2_se, &row->mrr_se, &row->auc_se };
        for (int c = 0; c < 4; c++) {
            for (size_t i = 0; i < set->n; i++)
                col[i] = fig[(k * set->n + i) * 4 + c];
            mean_se(col, set->n, sp->bootstrap, sp->seed + 99, mean[c], se[c]);
        }
    }
    sm__free(al, tmp);
    ev->alloc = al;
    ev->n = n_methods;
    ev->k1 = sp->k1;
    ev->k2 = sp->k2;
    ev->mrr_k = sp->mrr_k;
    *out = ev;
    ev = NULL;
done:
    sm__qctx_free(&qc);
    if (ev) {
        sm__free(al, ev->rows);
        sm__free(al, ev->names);
        sm__free(al, ev);
    }
    void *bufs[] = { fig, r.pop, r.idord, r.stamp, r.val, r.touched, r.neg, r.rank, r.ps, r.ns, r.ua, r.ub, r.usize, r.tstamp };
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        sm__free(al, bufs[i]);
    return st;
}

/* ---- the public calls ---------------------------------------------------------- */

/* Bytes of the options struct of each version: a caller built against an
 * older header passes the smaller struct. */
static size_t options_size(unsigned version)
{
    return version == 1 ? offsetof(sm_evaluate_options, queriers) : version == 2 ? sizeof(sm_evaluate_options) : 0;
}

sm_status sm_evaluate_options_init(sm_evaluate_options *opts, unsigned int version)
{
    if (!opts || !options_size(version))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "evaluate options: NULL or unsupported version %u", version);
    sm_evaluate_options d = SM_EVALUATE_OPTIONS_INIT;
    d.version = version;
    memcpy(opts, &d, options_size(version));
    return SM_OK;
}

static sm_status day_opt(int32_t *out, const char *field, const char *s)
{
    if (!sm__day_parse(s, strlen(s), out))
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, field, s, "%s: \"%s\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)",
                           field, s);
    return SM_OK;
}

sm_status sm_evaluate(sm_evaluation **out, const sm_engine *e, const sm_evaluate_options *opts)
{
    if (!out || !e || !opts)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "evaluate: NULL %s", !out ? "out" : !e ? "engine" : "options");
    if (!options_size(opts->version))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "evaluate options: unsupported version %u (expected 1..%u)",
                        opts->version, SM_EVALUATE_OPTIONS_VERSION);
    sm_evaluate_options oo = SM_EVALUATE_OPTIONS_INIT;
    memcpy(&oo, opts, options_size(opts->version));
    const sm_evaluate_options *o = &oo;
    if (o->queriers != SM_EVALUATE_ALL && o->queriers != SM_EVALUATE_WARM && o->queriers != SM_EVALUATE_COLD)
        return sm__fail(SM_ERR_RANGE, "evaluate: queriers %d is not SM_EVALUATE_ALL, _WARM or _COLD", (int)o->queriers);
    if (!o->split_date)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "evaluate: split_date is required");
    if (!o->k1 || !o->k2 || !o->mrr_k)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "evaluate: k1, k2 and mrr_k must be > 0");
    int32_t split, end = INT32_MAX;
    sm_status st = day_opt(&split, "split_date", o->split_date);
    if (st || (o->end_date && (st = day_opt(&end, "end_date", o->end_date))))
        return st;
    const sm_weighting *w = NULL;
    if ((st = sm__query_weighting(&w, o->weighting)))
        return st;
    sm__rdlock(e);
    const sm__alloc *al = &e->alloc;
    sm__history hs;
    sm__history_init(&hs, al);
    sm__evset set;
    memset(&set, 0, sizeof set);
    if (!e->history || e->smes.n < 2) {
        st = sm__fail(SM_ERR_INVALID_ARGUMENT, "evaluate: the engine has no history (or fewer than two SMEs)");
        goto done;
    }
    if ((st = sm__score_cache_get(NULL, e)) || (st = sm__history_until(&hs, e->history, e->smes.n, split)))
        goto done;
    hs.ref_day = split;
    bool all = o->queriers == SM_EVALUATE_ALL;
    if ((st = sm__evset_build(&set, e->history, e->smes.n, split, end, SM__EV_ALL, o->seed, all ? o->max_queries : 0,
                              al)))
        goto done;
    size_t replayed = set.n;
    if (!all) {
        keep_queriers(&set, e, &hs, o->queriers);
        sample(&set, o->seed, o->max_queries);
    }
    if (!set.n && replayed) {
        st = sm__fail(SM_ERR_INVALID_ARGUMENT,
                      "evaluate: none of the %zu queries from %s on comes from a %s querier (one %s before the split); "
                      "use queriers all",
                      replayed, o->split_date, o->queriers == SM_EVALUATE_WARM ? "warm" : "cold",
                      o->queriers == SM_EVALUATE_WARM ? "with an offer, a need or a cooperation"
                                                      : "with no offer, no need and no cooperation");
        goto done;
    }
    if (!set.n) {
        st = sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "split_date", o->split_date,
                         "evaluate: no cooperation on or after %s%s%s to replay", o->split_date,
                         o->end_date ? " and before " : "", o->end_date ? o->end_date : "");
        goto done;
    }
    sm__evmethod m[1 + N_BASELINES] = { { o->label ? o->label : "smartmatch", w } };
    size_t nm = 1;
    if (o->baselines)
        for (int b = 0; b < N_BASELINES; b++)
            m[nm++] = (sm__evmethod){ baseline_names[b], NULL };
    sm__evspec sp = { o->k1, o->k2, o->mrr_k, o->negatives, o->bootstrap, o->seed };
    st = sm__evaluate_run(out, e, &hs, &set, m, nm, &sp);
done:
    sm__evset_free(&set, al);
    sm__history_free(&hs);
    sm__unlock(e);
    return st;
}

size_t sm_evaluation_count(const sm_evaluation *ev)
{
    return ev ? ev->n : 0;
}

const sm_evaluation_row *sm_evaluation_at(const sm_evaluation *ev, size_t i)
{
    return ev && i < ev->n ? &ev->rows[i] : NULL;
}

void sm_evaluation_free(sm_evaluation *ev)
{
    if (!ev)
        return;
    const sm__alloc *al = ev->alloc;
    sm__free(al, ev->rows);
    sm__free(al, ev->names);
    sm__free(al, ev);
}

sm_status sm_evaluation_format(char **out, const sm_evaluation *ev)
{
    if (!out || !ev)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "evaluation: NULL %s", out ? "evaluation" : "out");
    size_t cap = 256 + ev->n * 200;
    for (size_t i = 0; i < ev->n; i++)
        cap += strlen(ev->rows[i].method);
    char *s = sm__boxed_alloc(&sm__default_alloc, cap);
    if (!s)
        return sm__nomem();
    size_t len = (size_t)snprintf(s, cap, "| method | queries | recall@%zu | recall@%zu | MRR@%zu | AUC |\n"
                                          "| --- | ---: | ---: | ---: | ---: | ---: |\n",
                                  ev->k1, ev->k2, ev->mrr_k);
    for (size_t i = 0; i < ev->n && len < cap; i++) {
        const sm_evaluation_row *r = &ev->rows[i];
        len += (size_t)snprintf(s + len, cap - len, "| %s | %zu | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f |\n",
                                r->method, r->queries, r->recall1, r->recall1_se, r->recall2, r->recall2_se, r->mrr,
                                r->mrr_se, r->auc, r->auc_se);
    }
    *out = s;
    return SM_OK;
}
