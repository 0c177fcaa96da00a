/* The objective of a consortium and the branch-and-bound search over a
 * candidate pool (docs/consortium.md, "Objective" and "Search").
 *
 * The search walks the pool in order, deciding for each candidate "in" then
 * "out". A node is pruned when no completion can satisfy the counting rules
 * (countries, partners from a list, SMEs, less developed regions) with the
 * places left, or when an upper bound of the objective over all its
 * completions cannot beat the best consortium found so far. The bounds:
 *  - coverage: each item gains at most min(r, coverers left) more members;
 *  - pairs: the r new members add their pairs with the chosen ones (the r
 *    largest sums A_j) and at most (r - 1) / 2 times their largest pair
 *    with another candidate left, each;
 *  - lead: the r largest pair scores of the lead with candidates left;
 *  - cohesion: each side of the mix gains at most min(r, candidates left).
 * Each is a relaxation, so pruning never loses the optimum: the search is
 * exact over the pool unless the node budget runs out. */
#include "groups/consortium.h"

#include <stdlib.h>
#include <string.h>

static unsigned popcount64(uint64_t x)
{
    return sm__popcount32((uint32_t)x) + sm__popcount32((uint32_t)(x >> 32));
}

/* ---- objective ------------------------------------------------------------------- */

static double combine(const sm__crules *r, const double t[4])
{
    double w_cov = r->n_items ? r->w_cov : 0.0;
    double ws = w_cov + r->w_pairs + r->w_lead + r->w_coh;
    if (!(ws > 0))
        return 0.0;
    return (w_cov * t[0] + r->w_pairs * t[1] + r->w_lead * t[2] + r->w_coh * t[3]) / ws;
}

/* The lead's fit: its mean pair score with the partners and, when the call
 * has items, the weighted share of them the lead covers itself, half each. */
static double lead_term(const sm__crules *r, const sm__cpool *p, double mean_pair)
{
    if (!r->n_items || !(r->item_w_sum > 0))
        return mean_pair;
    return 0.5 * mean_pair + 0.5 * p->lead_cov;
}

static double cohesion_term(unsigned low, unsigned high, unsigned m)
{
    if (!m)
        return 0.0;
    double v = 2.0 * (low < high ? low : high) / m;
    return v > 1.0 ? 1.0 : v;
}

double sm__cons_objective(const sm__crules *r, const sm__cpool *p, uint64_t set, double terms[4])
{
    unsigned m = 0, idx[SM__POOL_MAX];
    for (unsigned i = 0; i < p->n; i++)
        if (set >> i & 1u)
            idx[m++] = i;
    double t[4] = { 0, 0, 0, 0 };
    if (r->n_items && r->item_w_sum > 0) {
        double cov = 0;
        for (unsigned it = 0; it < r->n_items; it++) {
            unsigned c = 0;
            for (unsigned a = 0; a < m; a++)
                c += (unsigned)(p->c[idx[a]].covers >> it & 1u);
            cov += r->item_w[it] * (1.0 - pow(r->decay, (double)c));
        }
        t[0] = cov / r->item_w_sum;
    }
    if (m >= 2) {
        double ps = 0, ls = 0;
        for (unsigned a = 0; a < m; a++)
            for (unsigned b = a + 1; b < m; b++)
                ps += p->pair[idx[a]][idx[b]];
        for (unsigned a = 0; a < m; a++)
            if (idx[a] != 0)
                ls += p->pair[0][idx[a]];
        t[1] = ps / ((double)m * (m - 1) / 2.0);
        t[2] = (set & 1u) ? ls / (double)(m - 1) : 0.0;
    }
    t[2] = lead_term(r, p, t[2]);
    unsigned low = 0, high = 0;
    for (unsigned a = 0; a < m; a++) {
        double d = p->c[idx[a]].dev;
        if (isnan(d))
            continue;
        if (d < r->cohesion_threshold)
            low++;
        else
            high++;
    }
    t[3] = cohesion_term(low, high, m);
    if (terms)
        memcpy(terms, t, sizeof t);
    return combine(r, t);
}

bool sm__cons_eligible(const sm__crules *r, const sm__cpool *p, uint64_t set)
{
    unsigned m = popcount64(set);
    if (m < r->min_size || m > r->max_size)
        return false;
    for (unsigned i = 0; i < p->n_forced; i++)
        if (!(set >> i & 1u))
            return false;
    unsigned per[64] = { 0 };
    uint64_t countries = 0;
    unsigned part[SM__MIN_PARTNERS_MAX] = { 0 }, smes = 0, low = 0;
    for (unsigned i = 0; i < p->n; i++) {
        if (!(set >> i & 1u))
            continue;
        const sm__ccand *c = &p->c[i];
        per[c->cid]++;
        if (r->max_per_country && per[c->cid] > r->max_per_country)
            return false;
        if (c->areas >> 30 & 1u)
            countries |= 1ull << c->cid;
        for (unsigned k = 0; k < r->n_min_partners; k++)
            part[k] += (unsigned)(c->areas >> k & 1u);
        smes += sm__is_sme_size(c->size);
        low += !isnan(c->dev) && c->dev < r->less_dev_below;
    }
    if (popcount64(countries) < r->min_countries || smes < r->min_smes || low < r->min_less_dev)
        return false;
    for (unsigned k = 0; k < r->n_min_partners; k++)
        if (part[k] < r->min_partners[k])
            return false;
    return true;
}

bool sm__cons_differ(const uint32_t *a, unsigned na, const uint32_t *b, unsigned nb, unsigned d)
{
    /* sorted lists: count members of a not in b and of b not in a */
    unsigned i = 0, j = 0, only_a = 0, only_b = 0;
    while (i < na || j < nb) {
        if (j == nb || (i < na && a[i] < b[j]))
            only_a++, i++;
        else if (i == na || b[j] < a[i])
            only_b++, j++;
        else
            i++, j++;
    }
    return only_a >= d || only_b >= d;
}

/* ---- branch and bound ------------------------------------------------------------ */

typedef struct bb {
    const sm__crules *r;
    const sm__cpool *p;
    unsigned n;
    /* suffix tables: what candidates pos..n-1 offer */
    unsigned av_item[SM__POOL_MAX + 1][SM__CALL_ITEMS_MAX];
    unsigned av_part[SM__POOL_MAX + 1][SM__MIN_PARTNERS_MAX];
    unsigned av_sme[SM__POOL_MAX + 1], av_low[SM__POOL_MAX + 1];
    unsigned av_clow[SM__POOL_MAX + 1], av_chigh[SM__POOL_MAX + 1];
    uint64_t av_cmask[SM__POOL_MAX + 1]; /* countries (of the min_countries list) */
    double rowmax[SM__POOL_MAX + 1][SM__POOL_MAX]; /* rowmax[pos][j] = max pair of j with j' >= pos, j' != j */
    /* state */
    uint64_t set;
    unsigned size;
    unsigned per[64];
    uint64_t cmask;
    unsigned part[SM__MIN_PARTNERS_MAX], smes, low, clow, chigh;
    unsigned cov[SM__CALL_ITEMS_MAX];
    double pairsum, leadsum;
    double acc[SM__POOL_MAX]; /* sum of pairs of j with the chosen members */
    /* incumbent and limits */
    double best;
    uint64_t best_set;
    bool found;
    const uint64_t *prev;
    size_t n_prev;
    unsigned d;
    unsigned long nodes, max_nodes;
    bool exhausted;
} bb;

static void bb_add(bb *s, unsigned t)
{
    const sm__ccand *c = &s->p->c[t];
    s->set |= 1ull << t;
    s->size++;
    s->per[c->cid]++;
    if (c->areas >> 30 & 1u)
        s->cmask |= 1ull << c->cid;
    for (unsigned k = 0; k < s->r->n_min_partners; k++)
        s->part[k] += (unsigned)(c->areas >> k & 1u);
    s->smes += sm__is_sme_size(c->size);
    s->low += !isnan(c->dev) && c->dev < s->r->less_dev_below;
    if (!isnan(c->dev)) {
        if (c->dev < s->r->cohesion_threshold)
            s->clow++;
        else
            s->chigh++;
    }
    for (unsigned i = 0; i < s->r->n_items; i++)
        s->cov[i] += (unsigned)(c->covers >> i & 1u);
    s->pairsum += s->acc[t];
    if (t != 0)
        s->leadsum += s->p->pair[0][t];
    for (unsigned j = 0; j < s->n; j++)
        s->acc[j] += s->p->pair[t][j];
}

static void bb_remove(bb *s, unsigned t, uint64_t cmask_before, double pairsum_before, double leadsum_before)
{
    const sm__ccand *c = &s->p->c[t];
    for (unsigned j = 0; j < s->n; j++)
        s->acc[j] -= s->p->pair[t][j];
    s->set &= ~(1ull << t);
    s->size--;
    s->per[c->cid]--;
    s->cmask = cmask_before;
    for (unsigned k = 0; k < s->r->n_min_partners; k++)
        s->part[k] -= (unsigned)(c->areas >> k & 1u);
    s->smes -= sm__is_sme_size(c->size);
    s->low -= !isnan(c->dev) && c->dev < s->r->less_dev_below;
    if (!isnan(c->dev)) {
        if (c->dev < s->r->cohesion_threshold)
            s->clow--;
        else
            s->chigh--;
    }
    for (unsigned i = 0; i < s->r->n_items; i++)
        s->cov[i] -= (unsigned)(c->covers >> i & 1u);
    /* restored, not subtracted, so rounding cannot drift */
    s->pairsum = pairsum_before;
    s->leadsum = leadsum_before;
}

static unsigned umin(unsigned a, unsigned b) { return a < b ? a : b; }

/* Whether the counting rules can still be met with exactly r more members
 * from pos on. */
static bool bb_can_meet(const bb *s, unsigned pos, unsigned r)
{
    const sm__crules *R = s->r;
    unsigned m = s->size + r;
    if (m < R->min_size || m > R->max_size)
        return false;
    if (R->min_countries) {
        unsigned have = popcount64(s->cmask);
        unsigned extra = popcount64(s->av_cmask[pos] & ~s->cmask);
        if (have + umin(r, extra) < R->min_countries)
            return false;
    }
    for (unsigned k = 0; k < R->n_min_partners; k++)
        if (s->part[k] + umin(r, s->av_part[pos][k]) < R->min_partners[k])
            return false;
    if (s->smes + umin(r, s->av_sme[pos]) < R->min_smes)
        return false;
    if (s->low + umin(r, s->av_low[pos]) < R->min_less_dev)
        return false;
    return true;
}

static int cmp_desc(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a < b) - (a > b);
}

/* The best objective any completion from pos on could reach; -1 if none
 * can meet the rules. */
static double bb_bound(const bb *s, unsigned pos)
{
    const sm__crules *R = s->r;
    const sm__cpool *p = s->p;
    unsigned left = s->n - pos;
    unsigned rmax = umin(R->max_size - s->size, left);
    double lead_v[SM__POOL_MAX], pair_v[SM__POOL_MAX];
    unsigned nl = 0;
    for (unsigned j = pos; j < s->n; j++)
        lead_v[nl++] = p->pair[0][j];
    qsort(lead_v, nl, sizeof lead_v[0], cmp_desc);
    double best = -1.0;
    double lead_prefix = 0;
    for (unsigned r = 0; r <= rmax; r++) {
        if (r)
            lead_prefix += lead_v[r - 1];
        if (!bb_can_meet(s, pos, r))
            continue;
        unsigned m = s->size + r;
        double t[4] = { 0, 0, 0, 0 };
        if (R->n_items && R->item_w_sum > 0) {
            double cov = 0;
            for (unsigned i = 0; i < R->n_items; i++)
                cov += R->item_w[i] * (1.0 - pow(R->decay, (double)(s->cov[i] + umin(r, s->av_item[pos][i]))));
            t[0] = cov / R->item_w_sum;
        }
        if (m >= 2) {
            double add = 0;
            if (r) {
                unsigned np = 0;
                for (unsigned j = pos; j < s->n; j++)
                    pair_v[np++] = s->acc[j] + (double)(r - 1) / 2.0 * s->rowmax[pos][j];
                qsort(pair_v, np, sizeof pair_v[0], cmp_desc);
                for (unsigned i = 0; i < r; i++)
                    add += pair_v[i];
            }
            t[1] = (s->pairsum + add) / ((double)m * (m - 1) / 2.0);
            if (t[1] > 1.0)
                t[1] = 1.0;
            t[2] = (s->leadsum + lead_prefix) / (double)(m - 1);
        }
        t[2] = lead_term(R, p, t[2]);
        t[3] = cohesion_term(s->clow + umin(r, s->av_clow[pos]), s->chigh + umin(r, s->av_chigh[pos]), m);
        double v = combine(R, t);
        if (v > best)
            best = v;
    }
    return best;
}

static bool bb_diverse(const bb *s, uint64_t set)
{
    for (size_t i = 0; i < s->n_prev; i++) {
        uint64_t q = s->prev[i];
        if (popcount64(set & ~q) < s->d && popcount64(q & ~set) < s->d)
            return false;
    }
    return true;
}

#define EPS 1e-12

static void bb_consider(bb *s)
{
    if (s->size < s->r->min_size || !bb_can_meet(s, s->n, 0))
        return;
    if (!bb_diverse(s, s->set))
        return;
    double v = sm__cons_objective(s->r, s->p, s->set, NULL);
    if (!s->found || v > s->best + EPS) {
        s->best = v;
        s->best_set = s->set;
        s->found = true;
    }
}

static void bb_dfs(bb *s, unsigned pos)
{
    if (s->max_nodes && ++s->nodes > s->max_nodes) {
        s->exhausted = true;
        return;
    }
    if (pos >= s->n || s->size >= s->r->max_size)
        return;
    double ub = bb_bound(s, pos);
    if (ub < 0 || (s->found && ub <= s->best + EPS))
        return;
    const sm__ccand *c = &s->p->c[pos];
    if (!s->r->max_per_country || s->per[c->cid] < s->r->max_per_country) {
        uint64_t cm = s->cmask;
        double ps = s->pairsum, ls = s->leadsum;
        bb_add(s, pos);
        bb_consider(s);
        bb_dfs(s, pos + 1);
        bb_remove(s, pos, cm, ps, ls);
        if (s->exhausted)
            return;
    }
    bb_dfs(s, pos + 1);
}

sm_status sm__cons_search(const sm__alloc *a, const sm__crules *r, const sm__cpool *p, const uint64_t *prev,
                          size_t n_prev, unsigned d, unsigned long max_nodes, sm__cfound *out, bool *found,
                          bool *exhausted)
{
    bb *s = sm__calloc(a, 1, sizeof *s);
    if (!s)
        return sm__nomem();
    s->r = r;
    s->p = p;
    s->n = p->n;
    s->prev = prev;
    s->n_prev = n_prev;
    s->d = d;
    s->max_nodes = max_nodes;
    /* suffix tables */
    for (unsigned pos = p->n; pos-- > 0;) {
        const sm__ccand *c = &p->c[pos];
        for (unsigned i = 0; i < r->n_items; i++)
            s->av_item[pos][i] = s->av_item[pos + 1][i] + (unsigned)(c->covers >> i & 1u);
        for (unsigned k = 0; k < r->n_min_partners; k++)
            s->av_part[pos][k] = s->av_part[pos + 1][k] + (unsigned)(c->areas >> k & 1u);
        s->av_sme[pos] = s->av_sme[pos + 1] + sm__is_sme_size(c->size);
        s->av_low[pos] = s->av_low[pos + 1] + (!isnan(c->dev) && c->dev < r->less_dev_below);
        s->av_clow[pos] = s->av_clow[pos + 1] + (!isnan(c->dev) && c->dev < r->cohesion_threshold);
        s->av_chigh[pos] = s->av_chigh[pos + 1] + (!isnan(c->dev) && c->dev >= r->cohesion_threshold);
        s->av_cmask[pos] = s->av_cmask[pos + 1] | ((c->areas >> 30 & 1u) ? 1ull << c->cid : 0);
    }
    for (unsigned pos = 0; pos <= p->n; pos++)
        for (unsigned j = 0; j < p->n; j++) {
            double m = 0;
            for (unsigned k = pos; k < p->n; k++)
                if (k != j && p->pair[j][k] > m)
                    m = p->pair[j][k];
            s->rowmax[pos][j] = m;
        }
    /* the lead and the must-include members are in from the start */
    for (unsigned i = 0; i < p->n_forced; i++)
        bb_add(s, i);
    bb_consider(s);
    bb_dfs(s, p->n_forced);
    *exhausted = s->exhausted;
    *found = s->found;
    if (s->found) {
        out->set = s->best_set;
        out->score = sm__cons_objective(r, p, s->best_set, out->terms);
        out->pool = p;
        out->n = 0;
        for (unsigned i = 0; i < p->n; i++)
            if (s->best_set >> i & 1u)
                out->idx[out->n++] = p->c[i].idx;
    }
    sm__free(a, s);
    return SM_OK;
}
