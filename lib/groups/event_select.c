/* Selection for the event planner: a maximum-weight b-matching (each vertex
 * v in at most cap[v] chosen edges), fairness first.
 *
 * Fairness is lexicographic: first the number of vertices with at least one
 * edge, then with at least two, ..., then the total weight. It is a sum of
 * concave per-vertex terms, so the classic optimality condition of weighted
 * matching carries over: a selection is optimal exactly when no alternating
 * trail (edges alternately added and removed, degrees kept within capacity)
 * improves it; only the trail's two ends change degree.
 *
 * The solver starts from a greedy selection in rounds (everyone's first
 * meeting by weight, then everyone's second, ...; with fairness off, one
 * round) and then searches improving alternating trails depth-first, with
 * growing depth and a node budget per search, until none is found. */
#include "groups/event.h"

#include <stdlib.h>
#include <string.h>

#define EPS 1e-9

typedef struct ls {
    size_t n, m;
    const unsigned *cap;
    const sm__bm_edge *e;
    unsigned char *sel;
    unsigned *deg;
    uint32_t *start, *adj; /* CSR: edges of vertex v are adj[start[v] .. start[v+1]) */
    uint32_t *used;        /* edge stamp: in the trail being built */
    uint32_t stamp;
    int *delta;            /* degree change at the trail's ends */
    uint32_t *path;        /* edges of the trail */
    bool fairness;
    size_t n_sel, max_edges; /* chosen edges, and the most allowed */
    unsigned max_depth;
    bool prune; /* gain criterion: stop a trail whose gain after a removal is not positive */
    bool tele;  /* the trail jumped once from tx (room left) to ty (room for one more) */
    uint32_t tx, ty;
    long budget;
    uint32_t s; /* start vertex */
} ls;

/* Fairness change when vertex with degree d changes by dd: +1 at levels
 * d+1..d+dd or -1 at levels d+dd+1..d. Collected into (level, sign) pairs. */
typedef struct fgain {
    unsigned lvl[4];
    int sgn[4];
    int n;
} fgain;

static void fg_add(fgain *g, unsigned d, int dd)
{
    for (int k = 1; k <= dd && g->n < 4; k++) {
        g->lvl[g->n] = d + (unsigned)k;
        g->sgn[g->n++] = 1;
    }
    for (int k = 0; k < -dd && g->n < 4; k++) {
        g->lvl[g->n] = d - (unsigned)k;
        g->sgn[g->n++] = -1;
    }
}

/* > 0 if the change (fairness g, weight w) is an improvement. */
static int gain_sign(const fgain *g, double w, bool fairness)
{
    if (fairness) {
        /* the lowest level with a non-zero net change decides */
        unsigned best = 0;
        int net = 0;
        for (int i = 0; i < g->n; i++) {
            unsigned l = g->lvl[i];
            int sum = 0;
            for (int j = 0; j < g->n; j++)
                if (g->lvl[j] == l)
                    sum += g->sgn[j];
            if (sum != 0 && (best == 0 || l < best)) {
                best = l;
                net = sum;
            }
        }
        if (net)
            return net > 0 ? 1 : -1;
    }
    return w > EPS ? 1 : (w < -EPS ? -1 : 0);
}

/* The trail ends at x: is it feasible and an improvement? Its ends are the
 * start, x and, after a jump, the two vertices of the jump. */
static bool improves(const ls *L, uint32_t x, double w)
{
    uint32_t ends[4] = { L->s, x, L->tx, L->ty };
    int n_ends = L->tele ? 4 : 2, sum = 0;
    fgain g = { { 0 }, { 0 }, 0 };
    for (int i = 0; i < n_ends; i++) {
        uint32_t v = ends[i];
        bool dup = false;
        for (int j = 0; j < i; j++)
            dup |= ends[j] == v;
        if (dup)
            continue;
        if (L->delta[v] > 0 && L->deg[v] + (unsigned)L->delta[v] > L->cap[v])
            return false;
        sum += L->delta[v];
        fg_add(&g, L->deg[v], L->delta[v]);
    }
    /* the degree changes sum to twice the change in chosen edges */
    if (sum > 0 && L->n_sel + (size_t)(sum / 2) > L->max_edges)
        return false;
    return gain_sign(&g, w, L->fairness) > 0;
}

static void apply(ls *L, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        uint32_t k = L->path[i];
        const sm__bm_edge *ed = &L->e[k];
        if (L->sel[k]) {
            L->sel[k] = 0;
            L->deg[ed->u]--;
            L->deg[ed->v]--;
            L->n_sel--;
        } else {
            L->sel[k] = 1;
            L->deg[ed->u]++;
            L->deg[ed->v]++;
            L->n_sel++;
        }
    }
}

/* Extends the trail at u with an edge of the wanted kind (add = not chosen). */
static bool dfs(ls *L, uint32_t u, bool add, unsigned depth, double w)
{
    if (depth >= L->max_depth || L->budget <= 0)
        return false;
    for (uint32_t i = L->start[u]; i < L->start[u + 1]; i++) {
        uint32_t k = L->adj[i];
        const sm__bm_edge *ed = &L->e[k];
        if (L->used[k] == L->stamp || (bool)L->sel[k] == add || (!add && ed->forced))
            continue;
        if (--L->budget <= 0)
            return false;
        uint32_t x = ed->u == u ? ed->v : ed->u;
        int sg = add ? 1 : -1;
        double w2 = w + (add ? ed->w : -ed->w);
        L->used[k] = L->stamp;
        L->path[depth] = k;
        L->delta[u] += sg;
        L->delta[x] += sg;
        /* an intermediate vertex keeps its degree (one edge in, one of the
         * other kind out), so only the trail's ends can go over capacity */
        if (improves(L, x, w2)) {
            L->delta[u] -= sg;
            L->delta[x] -= sg;
            apply(L, depth + 1);
            return true;
        }
        bool found = L->prune && !add && w2 <= EPS ? false : dfs(L, x, !add, depth + 1, w2);
        /* an improving path, closed into a cycle through a virtual vertex,
         * may need to start in its middle: the trail then ends at x and goes
         * on from another vertex (one jump) */
        if (!found && L->prune && !L->tele && w2 > EPS &&
            (!add || L->deg[x] + (unsigned)L->delta[x] <= L->cap[x])) {
            /* x must be able to end the trail; the trail goes on from y with
             * an addition (y needs room) or a removal */
            L->tele = true;
            L->tx = x;
            for (uint32_t y = 0; y < L->n && !found && L->budget > 0; y++) {
                if (y == x)
                    continue;
                L->ty = y;
                for (int next = 1; next >= 0 && !found; next--) {
                    if (next ? L->deg[y] + (unsigned)L->delta[y] + 1 > L->cap[y] : L->deg[y] == 0)
                        continue;
                    L->budget--;
                    found = dfs(L, y, next == 1, depth + 1, w2);
                }
            }
            L->tele = false;
        }
        L->delta[u] -= sg;
        L->delta[x] -= sg;
        L->used[k] = 0; /* a trail, not a tree: the edge may serve another branch */
        if (found)
            return true;
    }
    return false;
}

static bool search_from(ls *L, uint32_t s, long budget)
{
    for (int first = 1; first >= (L->prune ? 1 : 0); first--) {
        L->s = s;
        L->budget = budget;
        if (++L->stamp == 0) {
            memset(L->used, 0, L->m * sizeof *L->used);
            L->stamp = 1;
        }
        if (dfs(L, s, first == 1, 0, 0.0))
            return true;
    }
    return false;
}

/* Seat swaps, for when every seat is taken: a heavier wish takes the seat
 * of a lighter meeting elsewhere (the four participants distinct), if the
 * fairness levels do not get worse. An alternating trail cannot make this
 * move: the two edges share no participant, only the seat. With fairness a
 * participant going up to d meetings must be paid for by ones coming down
 * from more than d, so only meetings whose two participants both have more
 * meetings than the wish's two are looked at. desc lists the edges heaviest
 * first; asc is scratch for the chosen ones, lightest first. */
static bool seat_swaps(ls *L, const uint32_t *desc, uint32_t *asc)
{
    size_t n_asc = 0;
    unsigned top = 0; /* the most meetings of both participants of a chosen edge */
    for (size_t i = L->m; i-- > 0;) {
        const sm__bm_edge *ek = &L->e[desc[i]];
        if (L->sel[desc[i]] && !ek->forced) {
            asc[n_asc++] = desc[i];
            unsigned lo = L->deg[ek->u] < L->deg[ek->v] ? L->deg[ek->u] : L->deg[ek->v];
            top = lo > top ? lo : top;
        }
    }
    bool any = false;
    size_t first = 0;
    for (size_t i = 0; i < L->m && first < n_asc; i++) {
        uint32_t f = desc[i];
        const sm__bm_edge *ef = &L->e[f];
        unsigned du = L->deg[ef->u], dv = L->deg[ef->v], dmax = du > dv ? du : dv;
        if (L->sel[f] || du >= L->cap[ef->u] || dv >= L->cap[ef->v] || (L->fairness && dmax + 1 > top))
            continue;
        while (first < n_asc && !L->sel[asc[first]])
            first++;
        unsigned looked = 0;
        for (size_t j = first; j < n_asc && looked < 64; j++) {
            uint32_t k = asc[j];
            const sm__bm_edge *ek = &L->e[k];
            if (!L->sel[k])
                continue;
            if (ek->w >= ef->w - EPS)
                break; /* the rest are heavier */
            unsigned pu = L->deg[ek->u], pv = L->deg[ek->v];
            if (L->fairness && (pu <= dmax || pv <= dmax))
                continue;
            looked++;
            if (ek->u == ef->u || ek->u == ef->v || ek->v == ef->u || ek->v == ef->v)
                continue;
            fgain g = { { 0 }, { 0 }, 0 };
            fg_add(&g, du, 1);
            fg_add(&g, dv, 1);
            fg_add(&g, pu, -1);
            fg_add(&g, pv, -1);
            if (gain_sign(&g, ef->w - ek->w, L->fairness) <= 0)
                continue;
            L->sel[k] = 0;
            L->deg[ek->u]--;
            L->deg[ek->v]--;
            L->sel[f] = 1;
            L->deg[ef->u]++;
            L->deg[ef->v]++;
            any = true;
            break;
        }
    }
    return any;
}

/* Edge indices by weight, heaviest first, ties by index. A merge sort keeps
 * it reentrant (qsort has no context argument in C11). */
static void order_edges(uint32_t *idx, uint32_t *tmp, size_t m, const sm__bm_edge *e)
{
    for (size_t i = 0; i < m; i++)
        idx[i] = (uint32_t)i;
    for (size_t width = 1; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            size_t mid = lo + width < m ? lo + width : m;
            size_t hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                uint32_t a = idx[i], b = idx[j];
                bool take_b = e[b].w > e[a].w || (e[b].w == e[a].w && b < a);
                tmp[k++] = take_b ? idx[j++] : idx[i++];
            }
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, m * sizeof *idx);
    }
}

sm_status sm__bmatch(const sm__alloc *a, size_t n, const unsigned *cap, const sm__bm_edge *e, size_t m, bool fairness,
                     unsigned effort, size_t max_edges, unsigned char *sel, bool *optimal)
{
    *optimal = false;
    ls L;
    memset(&L, 0, sizeof L);
    L.n = n;
    L.m = m;
    L.cap = cap;
    L.e = e;
    L.sel = sel;
    L.fairness = fairness;
    L.max_edges = max_edges;
    size_t nn = n ? n : 1, mm = m ? m : 1;
    L.deg = sm__calloc(a, nn, sizeof *L.deg);
    L.start = sm__calloc(a, nn + 1, sizeof *L.start);
    L.adj = sm__calloc(a, 2 * mm, sizeof *L.adj);
    L.used = sm__calloc(a, mm, sizeof *L.used);
    L.delta = sm__calloc(a, nn, sizeof *L.delta);
    L.path = sm__calloc(a, mm + 1, sizeof *L.path);
    uint32_t *idx = sm__calloc(a, mm, sizeof *idx);
    uint32_t *tmp = sm__calloc(a, mm, sizeof *tmp);
    sm_status st = SM_OK;
    if (!L.deg || !L.start || !L.adj || !L.used || !L.delta || !L.path || !idx || !tmp) {
        st = sm__nomem();
        goto done;
    }
    /* CSR adjacency, edges of a vertex in index order (determinism) */
    for (size_t k = 0; k < m; k++) {
        L.start[e[k].u + 1]++;
        L.start[e[k].v + 1]++;
    }
    for (size_t v = 0; v < n; v++)
        L.start[v + 1] += L.start[v];
    {
        int *fill = L.delta; /* reused as cursor, reset below */
        for (size_t k = 0; k < m; k++) {
            L.adj[L.start[e[k].u] + (uint32_t)fill[e[k].u]++] = (uint32_t)k;
            L.adj[L.start[e[k].v] + (uint32_t)fill[e[k].v]++] = (uint32_t)k;
        }
        memset(L.delta, 0, nn * sizeof *L.delta);
    }
    memset(sel, 0, m);
    unsigned max_cap = 0;
    for (size_t v = 0; v < n; v++)
        max_cap = cap[v] > max_cap ? cap[v] : max_cap;
    for (size_t k = 0; k < m; k++)
        if (e[k].forced) {
            sel[k] = 1;
            L.deg[e[k].u]++;
            L.deg[e[k].v]++;
            L.n_sel++;
        }
    /* greedy in rounds: round r lets every vertex reach degree r */
    order_edges(idx, tmp, m, e);
    for (unsigned r = fairness ? 1 : max_cap; r <= max_cap; r++)
        for (size_t i = 0; i < m && L.n_sel < max_edges; i++) {
            uint32_t k = idx[i];
            uint32_t u = e[k].u, v = e[k].v;
            if (sel[k])
                continue;
            unsigned lu = cap[u] < r ? cap[u] : r, lv = cap[v] < r ? cap[v] : r;
            if (L.deg[u] < lu && L.deg[v] < lv) {
                sel[k] = 1;
                L.deg[u]++;
                L.deg[v]++;
                L.n_sel++;
            }
        }
    if (effort == 0)
        goto done;
    /* local improvement: short trails on big instances, longer ones with a
     * budget on small ones */
    static const unsigned depths[] = { 3, 7, 15, 31 };
    bool big = m > 20000;
    size_t n_depths = effort == 1 || big ? 1 : sizeof depths / sizeof *depths;
    /* the search is exhaustive within its budget; on small instances the
     * budget per start keeps a pass over all starts near a million steps */
    long budget = big ? 300 : (long)(1000000 / (n + 1));
    if (!big)
        budget = budget > 20000 ? 20000 : budget < 2000 ? 2000 : budget;
    for (size_t di = 0; di < n_depths; di++) {
        L.max_depth = depths[di];
        for (int pass = 0; pass < (big ? 4 : 50); pass++) {
            bool any = false;
            for (uint32_t s = 0; s < n; s++)
                while (search_from(&L, s, budget))
                    any = true;
            if (!any)
                break;
        }
    }
    /* every seat taken: lighter meetings give their seats to heavier
     * wishes elsewhere, then the short trails again */
    for (int round = 0; round < 8 && L.n_sel >= max_edges; round++) {
        if (!seat_swaps(&L, idx, tmp))
            break;
        L.max_depth = depths[0];
        for (uint32_t s = 0; s < n; s++)
            while (search_from(&L, s, budget))
                ;
    }
    /* big events, full effort: one pass of trails of four wishes (add,
     * remove, add, remove: two participants trade a meeting along a path),
     * then seat swaps again. Four, not more: within the budget per start a
     * deeper search runs out before it has looked around. One pass: a second
     * gains a tenth of a percent for a third more time */
    if (big && effort >= 2) {
        L.max_depth = 4;
        bool any = false;
        for (uint32_t s = 0; s < n; s++)
            while (search_from(&L, s, budget))
                any = true;
        for (int round = 0; any && round < 8 && L.n_sel >= max_edges; round++)
            if (!seat_swaps(&L, idx, tmp))
                break;
    }
    /* long trails under the gain criterion (Lin-Kernighan's): every
     * improving alternating cycle has a starting point from which each
     * prefix ending in a removal gains, so pruning the others keeps those
     * cycles while cutting the search to a small part */
    if (effort >= 2 && !big) {
        L.prune = true;
        L.max_depth = 101;
        for (int pass = 0; pass < 50; pass++) {
            bool any = false;
            for (uint32_t s = 0; s < n; s++)
                while (search_from(&L, s, 4 * budget))
                    any = true;
            if (!any)
                break;
        }
    }
    /* small events: prove the selection optimal, or improve it until it is */
    if (effort >= 2 && n <= SM__EXACT_MAX_PARTICIPANTS)
        st = sm__bmatch_exact(a, n, cap, e, m, fairness, max_edges, SM__EXACT_WORK, sel, optimal);
done:
    sm__free(a, L.deg);
    sm__free(a, L.start);
    sm__free(a, L.adj);
    sm__free(a, L.used);
    sm__free(a, L.delta);
    sm__free(a, L.path);
    sm__free(a, idx);
    sm__free(a, tmp);
    return st;
}
