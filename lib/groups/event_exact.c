/* Exact selection for small events: branch and bound over the wishes, each
 * node bounded by the LP relaxation of the b-matching.
 *
 * The objective is one lexicographic vector: the number of participants with
 * at least 1, 2, ..., L meetings (fairness; empty without it), then the
 * weight. The LP relaxation (0 <= x_e <= 1, degrees within capacity, at most
 * max_edges meetings) is solved exactly as a max-gain flow on the bipartite
 * double cover: every participant v is split into v' (source side) and v''
 * (sink side), a wish uv becomes the arcs u'->v'' and v'->u'' worth w/2 each,
 * and x_e is the mean of its two arcs' flows. Level l of v's degree is worth
 * 1/2 on the l-th unit arc into v' and 1/2 on the l-th out of v'': the levels
 * are concave, so the flow fills them in order. Successive best augmenting
 * paths (Bellman-Ford with a queue, costs compared lexicographically) give
 * the optimum, and with it a solution in which every wish is 0, 1/2 or 1.
 * A wish at 1/2 is branched on (in first, then out); a node whose bound does
 * not beat the best selection found is cut.
 *
 * Without a limit on seats the problem splits into the connected components
 * of the wishes, solved one by one: the tree grows with the odd cycles of one
 * component, not of the whole event. A node budget keeps the time bounded;
 * the result says whether the search finished (the selection is optimal). */
#include "groups/event.h"

#include <math.h>
#include <string.h>

#define LVL_TOL 0.25  /* level coordinates are multiples of 1/2 */
#define W_TOL 1e-9

typedef struct bb {
    const sm__alloc *a;
    const unsigned *cap;
    const sm__bm_edge *e;
    bool fairness;
    size_t K; /* objective coordinates: levels 1..K-1, then weight */
    /* the component */
    size_t nc, mc;
    uint32_t *cv;  /* local vertex -> vertex */
    uint32_t *ce;  /* local edge -> edge */
    uint32_t *loc; /* vertex -> local vertex */
    /* branching state */
    signed char *fix; /* per local edge: -1 free, 0 out, 1 in */
    unsigned *fdeg;   /* per local vertex: degree from fixed-in edges */
    size_t fixed_in;
    size_t seats; /* max_edges left for the component */
    /* the flow network, rebuilt per node */
    size_t V, A, max_arcs;
    uint32_t *head, *next, *to;
    unsigned char *rcap;
    int32_t *lvl; /* coordinate of the arc's value */
    double *val;
    double *dist;
    bool *reached, *inq;
    int32_t *pred;
    uint32_t *queue;
    double *gain, *ub;
    /* incumbent */
    unsigned char *best; /* per local edge */
    double *best_obj, *obj;
    unsigned char *cur; /* per local edge, scratch for an integral LP solution */
    long nodes;
    bool aborted;
    unsigned drop; /* a level left out of the LP's objective, 0 = none */
    long work;     /* arcs looked at by the flow searches */
} bb;

static int lex_cmp(const double *x, const double *y, size_t K)
{
    for (size_t k = 0; k < K; k++) {
        double tol = k + 1 < K ? LVL_TOL : W_TOL;
        if (x[k] > y[k] + tol)
            return 1;
        if (x[k] < y[k] - tol)
            return -1;
    }
    return 0;
}

static void add_arc(bb *B, uint32_t u, uint32_t v, int32_t lvl, double val)
{
    size_t i = B->A;
    B->to[i] = v;
    B->rcap[i] = 1;
    B->lvl[i] = lvl;
    B->val[i] = val;
    B->next[i] = B->head[u];
    B->head[u] = (uint32_t)i;
    B->to[i + 1] = u;
    B->rcap[i + 1] = 0;
    B->lvl[i + 1] = lvl;
    B->val[i + 1] = -val;
    B->next[i + 1] = B->head[v];
    B->head[v] = (uint32_t)(i + 1);
    B->A += 2;
}

/* The objective of an integral selection (local edges with sel set). */
static void objective(bb *B, const unsigned char *sel, double *obj)
{
    memset(obj, 0, B->K * sizeof *obj);
    memset(B->fdeg, 0, B->nc * sizeof *B->fdeg); /* reused; callers restore */
    for (size_t j = 0; j < B->mc; j++)
        if (sel[j]) {
            const sm__bm_edge *ed = &B->e[B->ce[j]];
            B->fdeg[B->loc[ed->u]]++;
            B->fdeg[B->loc[ed->v]]++;
            obj[B->K - 1] += ed->w;
        }
    for (size_t v = 0; v < B->nc; v++)
        for (unsigned l = 1; l <= B->fdeg[v] && l < B->K; l++)
            obj[l - 1] += 1.0;
}

static void fixed_degrees(bb *B)
{
    memset(B->fdeg, 0, B->nc * sizeof *B->fdeg);
    for (size_t j = 0; j < B->mc; j++)
        if (B->fix[j] == 1) {
            const sm__bm_edge *ed = &B->e[B->ce[j]];
            B->fdeg[B->loc[ed->u]]++;
            B->fdeg[B->loc[ed->v]]++;
        }
}

/* Solves the node's LP; ub receives its value. Returns the local edge to
 * branch on (a wish at 1/2, the heaviest), or -1 if the solution is integral
 * (then cur holds it). */
static long solve_lp(bb *B, double *ub)
{
    size_t K = B->K, n = B->nc;
    uint32_t s = (uint32_t)(2 * n), t = s + 1;
    B->V = 2 * n + 2;
    B->A = 0;
    for (size_t v = 0; v < B->V; v++)
        B->head[v] = UINT32_MAX;
    memset(ub, 0, K * sizeof *ub);
    size_t fixed_edges = 0;
    for (size_t j = 0; j < B->mc; j++)
        if (B->fix[j] == 1) {
            fixed_edges++;
            ub[K - 1] += B->e[B->ce[j]].w;
        }
    for (size_t v = 0; v < n; v++) {
        unsigned c = B->cap[B->cv[v]], f = B->fdeg[v];
        for (unsigned l = 1; l <= f && l < K; l++)
            ub[l - 1] += 1.0;
        for (unsigned l = f + 1; l <= c; l++) {
            bool counted = B->fairness && l < K && l != B->drop;
            add_arc(B, s, (uint32_t)v, counted ? (int32_t)(l - 1) : (int32_t)(K - 1), counted ? 0.5 : 0.0);
            add_arc(B, (uint32_t)(n + v), t, counted ? (int32_t)(l - 1) : (int32_t)(K - 1), counted ? 0.5 : 0.0);
        }
    }
    size_t first_edge_arc = B->A;
    for (size_t j = 0; j < B->mc; j++) {
        const sm__bm_edge *ed = &B->e[B->ce[j]];
        uint32_t u = B->loc[ed->u], v = B->loc[ed->v];
        if (B->fix[j] != -1) { /* placeholders keep arc numbers fixed per edge */
            add_arc(B, u, (uint32_t)(n + v), (int32_t)(K - 1), 0.0);
            add_arc(B, v, (uint32_t)(n + u), (int32_t)(K - 1), 0.0);
            B->rcap[B->A - 4] = 0;
            B->rcap[B->A - 2] = 0;
            continue;
        }
        add_arc(B, u, (uint32_t)(n + v), (int32_t)(K - 1), ed->w / 2);
        add_arc(B, v, (uint32_t)(n + u), (int32_t)(K - 1), ed->w / 2);
    }
    size_t units = 2 * (B->seats > fixed_edges ? B->seats - fixed_edges : 0), flow = 0;
    while (flow < units) {
        for (size_t v = 0; v < B->V; v++) {
            B->reached[v] = false;
            B->inq[v] = false;
        }
        memset(B->dist + s * K, 0, K * sizeof *B->dist);
        B->reached[s] = true;
        size_t qh = 0, qt = 0, qn = B->V + 1;
        B->queue[qt++] = s;
        B->inq[s] = true;
        while (qh != qt) {
            uint32_t u = B->queue[qh];
            qh = qh + 1 == qn ? 0 : qh + 1;
            B->inq[u] = false;
            for (uint32_t i = B->head[u]; i != UINT32_MAX; i = B->next[i]) {
                B->work++;
                if (!B->rcap[i])
                    continue;
                uint32_t v = B->to[i];
                double *du = B->dist + (size_t)u * K, *dv = B->dist + (size_t)v * K;
                /* candidate = du + value of arc i at its coordinate */
                bool better = !B->reached[v];
                if (!better) {
                    int c = 0;
                    for (size_t k = 0; k < K && !c; k++) {
                        double x = du[k] + (k == (size_t)B->lvl[i] ? B->val[i] : 0.0);
                        double tol = k + 1 < K ? LVL_TOL : W_TOL;
                        c = x > dv[k] + tol ? 1 : x < dv[k] - tol ? -1 : 0;
                    }
                    better = c > 0;
                }
                if (!better)
                    continue;
                memcpy(dv, du, K * sizeof *dv);
                dv[B->lvl[i]] += B->val[i];
                B->reached[v] = true;
                B->pred[v] = (int32_t)i;
                if (!B->inq[v]) {
                    B->inq[v] = true;
                    B->queue[qt] = v;
                    qt = qt + 1 == qn ? 0 : qt + 1;
                }
            }
        }
        if (!B->reached[t])
            break;
        double *dt = B->dist + (size_t)t * K;
        memset(B->gain, 0, K * sizeof *B->gain);
        if (lex_cmp(dt, B->gain, K) <= 0)
            break;
        for (size_t k = 0; k < K; k++)
            ub[k] += dt[k];
        for (uint32_t v = t; v != s;) {
            int32_t i = B->pred[v];
            B->rcap[i] = 0;
            B->rcap[i ^ 1] = 1;
            v = B->to[i ^ 1];
        }
        flow++;
    }
    /* arcs of edge j: first_edge_arc + 4j (u'->v'') and + 4j + 2 (v'->u''); flow = reverse residual */
    /* imbalance of a participant: its source side and sink side carry
     * different degrees, which is where the LP's levels are fractional */
    int32_t *imb = B->pred; /* scratch now */
    for (size_t v = 0; v < n; v++)
        imb[v] = 0;
    for (size_t j = 0; j < B->mc; j++) {
        if (B->fix[j] != -1)
            continue;
        const sm__bm_edge *ed = &B->e[B->ce[j]];
        uint32_t u = B->loc[ed->u], v = B->loc[ed->v];
        int f1 = B->rcap[first_edge_arc + 4 * j + 1], f2 = B->rcap[first_edge_arc + 4 * j + 3];
        imb[u] += f1 - f2; /* u' sends f1, u'' receives f2 */
        imb[v] += f2 - f1;
    }
    long branch = -1;
    int best_imb = -1;
    for (size_t j = 0; j < B->mc; j++) {
        if (B->fix[j] != -1) {
            B->cur[j] = B->fix[j] == 1;
            continue;
        }
        unsigned f1 = B->rcap[first_edge_arc + 4 * j + 1], f2 = B->rcap[first_edge_arc + 4 * j + 3];
        B->cur[j] = (unsigned char)(f1 && f2);
        if (f1 == f2)
            continue;
        const sm__bm_edge *ed = &B->e[B->ce[j]];
        int32_t iu = imb[B->loc[ed->u]], iv = imb[B->loc[ed->v]];
        int score = (iu < 0 ? -iu : iu) + (iv < 0 ? -iv : iv);
        if (branch < 0 || score > best_imb || (score == best_imb && ed->w > B->e[B->ce[branch]].w)) {
            branch = (long)j;
            best_imb = score;
        }
    }
    return branch;
}

/* Degrees sum to an even number, and so do the level counts (level l
 * counts the participants with at least l meetings, up to the largest
 * capacity). A bound whose counts are whole with an odd sum cannot be met:
 * if the top level is at least 1, a selection in the node has fewer there
 * (or fewer at a lower level, which is lexicographically less), so the top
 * count drops by one and the weight is bounded by the LP that ignores the
 * top level. */
static void parity_cut(bb *B)
{
    size_t K = B->K, L = K - 1;
    double sum = 0;
    for (size_t k = 0; k < L; k++) {
        double r = floor(B->ub[k] + 0.5);
        if (fabs(B->ub[k] - r) > LVL_TOL)
            return;
        sum += r;
    }
    if (B->ub[L - 1] < 1 - LVL_TOL || fmod(sum, 2.0) < 0.5)
        return;
    double top = floor(B->ub[L - 1] + 0.5) - 1;
    B->drop = (unsigned)L;
    (void)solve_lp(B, B->obj);
    B->drop = 0;
    B->ub[L - 1] = top;
    B->ub[L] = B->obj[L];
}

static void search(bb *B, long budget)
{
    if (B->aborted)
        return;
    B->nodes++;
    if (B->work > budget) {
        B->aborted = true;
        return;
    }
    /* B->ub is overwritten by the children: compared right away */
    long j = solve_lp(B, B->ub);
    if (j >= 0 && B->fairness && B->K > 1)
        parity_cut(B);
    if (lex_cmp(B->ub, B->best_obj, B->K) <= 0)
        return;
    if (j < 0) {
        /* integral and better: the new incumbent */
        memcpy(B->best, B->cur, B->mc);
        objective(B, B->best, B->best_obj);
        fixed_degrees(B);
        return;
    }
    const sm__bm_edge *ed = &B->e[B->ce[j]];
    uint32_t u = B->loc[ed->u], v = B->loc[ed->v];
    if (B->fdeg[u] < B->cap[ed->u] && B->fdeg[v] < B->cap[ed->v] && B->fixed_in < B->seats) {
        B->fix[j] = 1;
        B->fdeg[u]++;
        B->fdeg[v]++;
        B->fixed_in++;
        search(B, budget);
        B->fixed_in--;
        B->fdeg[u]--;
        B->fdeg[v]--;
    }
    B->fix[j] = 0;
    search(B, budget);
    B->fix[j] = -1;
}

/* Union-find root with path halving. */
static uint32_t root(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

sm_status sm__bmatch_exact(const sm__alloc *a, size_t n, const unsigned *cap, const sm__bm_edge *e, size_t m,
                           bool fairness, size_t max_edges, long budget, unsigned char *sel, bool *optimal)
{
    *optimal = false;
    bb B;
    memset(&B, 0, sizeof B);
    B.a = a;
    B.cap = cap;
    B.e = e;
    B.fairness = fairness;
    unsigned max_cap = 0;
    size_t cap_sum = 0;
    for (size_t v = 0; v < n; v++) {
        max_cap = cap[v] > max_cap ? cap[v] : max_cap;
        cap_sum += cap[v];
    }
    B.K = (fairness ? max_cap : 0) + 1;
    size_t nn = n ? n : 1, mm = m ? m : 1;
    B.max_arcs = 4 * mm + 4 * (cap_sum ? cap_sum : 1);
    size_t V = 2 * nn + 2;
    uint32_t *parent = sm__calloc(a, nn, sizeof *parent);
    uint32_t *order = sm__calloc(a, mm, sizeof *order); /* edges grouped by component */
    B.cv = sm__calloc(a, nn, sizeof *B.cv);
    B.loc = sm__calloc(a, nn, sizeof *B.loc);
    B.fdeg = sm__calloc(a, nn, sizeof *B.fdeg);
    B.fix = sm__calloc(a, mm, sizeof *B.fix);
    B.best = sm__calloc(a, mm, 1);
    B.cur = sm__calloc(a, mm, 1);
    B.head = sm__calloc(a, V, sizeof *B.head);
    B.next = sm__calloc(a, B.max_arcs, sizeof *B.next);
    B.to = sm__calloc(a, B.max_arcs, sizeof *B.to);
    B.rcap = sm__calloc(a, B.max_arcs, 1);
    B.lvl = sm__calloc(a, B.max_arcs, sizeof *B.lvl);
    B.val = sm__calloc(a, B.max_arcs, sizeof *B.val);
    B.dist = sm__calloc(a, V * B.K, sizeof *B.dist);
    B.reached = sm__calloc(a, V, sizeof *B.reached);
    B.inq = sm__calloc(a, V, sizeof *B.inq);
    B.pred = sm__calloc(a, V, sizeof *B.pred);
    B.queue = sm__calloc(a, V + 1, sizeof *B.queue);
    B.gain = sm__calloc(a, B.K, sizeof *B.gain);
    B.ub = sm__calloc(a, B.K, sizeof *B.ub);
    B.best_obj = sm__calloc(a, B.K, sizeof *B.best_obj);
    B.obj = sm__calloc(a, B.K, sizeof *B.obj);
    sm_status st = SM_OK;
    if (!parent || !order || !B.cv || !B.loc || !B.fdeg || !B.fix || !B.best || !B.cur || !B.head || !B.next ||
        !B.to || !B.rcap || !B.lvl || !B.val || !B.dist || !B.reached || !B.inq || !B.pred || !B.queue || !B.gain ||
        !B.ub || !B.best_obj || !B.obj) {
        st = sm__nomem();
        goto done;
    }
    /* forced edges stay in; the remaining problem is on the others with
     * the capacities they leave */
    size_t forced = 0;
    for (size_t k = 0; k < m; k++)
        forced += e[k].forced;
    if (forced > max_edges)
        goto done;
    /* components, unless the seats bind the whole event together */
    for (size_t v = 0; v < n; v++)
        parent[v] = (uint32_t)v;
    bool split = max_edges >= cap_sum / 2 + 1;
    if (split)
        for (size_t k = 0; k < m; k++) {
            uint32_t ru = root(parent, e[k].u), rv = root(parent, e[k].v);
            if (ru != rv)
                parent[ru < rv ? rv : ru] = ru < rv ? ru : rv;
        }
    else
        for (size_t v = 0; v < n; v++)
            parent[v] = 0;
    /* edges by component root (counting sort keeps index order within one) */
    {
        uint32_t *cnt = B.fdeg; /* n + 1 slots are not needed: roots are vertex ids */
        memset(cnt, 0, nn * sizeof *cnt);
        for (size_t k = 0; k < m; k++)
            cnt[root(parent, e[k].u)]++;
        size_t pos = 0;
        for (size_t v = 0; v < n; v++) {
            size_t c = cnt[v];
            cnt[v] = (unsigned)pos;
            pos += c;
        }
        for (size_t k = 0; k < m; k++)
            order[cnt[root(parent, e[k].u)]++] = (uint32_t)k;
    }
    size_t seats_left = max_edges;
    bool all_done = true;
    B.nodes = 0;
    for (size_t lo = 0; lo < m;) {
        uint32_t r = root(parent, e[order[lo]].u);
        size_t hi = lo;
        while (hi < m && root(parent, e[order[hi]].u) == r)
            hi++;
        /* the component's vertices and edges (forced edges fixed in) */
        B.ce = order + lo;
        B.mc = hi - lo;
        B.nc = 0;
        for (size_t j = 0; j < B.mc; j++) {
            const sm__bm_edge *ed = &e[B.ce[j]];
            uint32_t ends[2] = { ed->u, ed->v };
            for (int q = 0; q < 2; q++) {
                bool seen = false;
                if (B.loc[ends[q]] < B.nc && B.cv[B.loc[ends[q]]] == ends[q])
                    seen = true;
                if (!seen) {
                    B.loc[ends[q]] = (uint32_t)B.nc;
                    B.cv[B.nc++] = ends[q];
                }
            }
        }
        for (size_t j = 0; j < B.mc; j++) {
            B.fix[j] = e[B.ce[j]].forced ? 1 : -1;
            B.best[j] = sel[B.ce[j]];
        }
        /* split: the component may use what it has; otherwise all seats */
        B.seats = split ? max_edges : seats_left;
        objective(&B, B.best, B.best_obj);
        fixed_degrees(&B);
        B.fixed_in = 0;
        for (size_t j = 0; j < B.mc; j++)
            B.fixed_in += B.fix[j] == 1;
        B.aborted = false;
        search(&B, budget);
        if (B.aborted)
            all_done = false;
        for (size_t j = 0; j < B.mc; j++)
            sel[B.ce[j]] = B.best[j];
        lo = hi;
    }
    *optimal = all_done;
done:
    sm__free(a, parent);
    sm__free(a, order);
    sm__free(a, B.cv);
    sm__free(a, B.loc);
    sm__free(a, B.fdeg);
    sm__free(a, B.fix);
    sm__free(a, B.best);
    sm__free(a, B.cur);
    sm__free(a, B.head);
    sm__free(a, B.next);
    sm__free(a, B.to);
    sm__free(a, B.rcap);
    sm__free(a, B.lvl);
    sm__free(a, B.val);
    sm__free(a, B.dist);
    sm__free(a, B.reached);
    sm__free(a, B.inq);
    sm__free(a, B.pred);
    sm__free(a, B.queue);
    sm__free(a, B.gain);
    sm__free(a, B.ub);
    sm__free(a, B.best_obj);
    sm__free(a, B.obj);
    return st;
}
