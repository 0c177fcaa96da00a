/* Seats handed back to selection: a selected meeting that scheduling could
 * not place leaves capacity (of its two participants) and a seat unused.
 * After scheduling, the wishes that were not selected are tried again,
 * heaviest first (with fairness in rounds: first those where someone has
 * fewer than 1 meeting, then fewer than 2, ...): a wish is added when both
 * participants have room and a common free slot has a table left; it takes
 * the slot that adds the fewest idle gaps, the earliest on a tie, and the
 * lowest free table there. Placed meetings never move. */
#include "groups/event.h"

#include <string.h>

/* Edge indices by weight, heaviest first, ties by index (stable merge sort). */
static void by_weight(uint32_t *idx, uint32_t *tmp, size_t m, const sm__bm_edge *e)
{
    for (size_t width = 1; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            size_t mid = lo + width < m ? lo + width : m, hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = e[idx[j]].w > e[idx[i]].w ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, m * sizeof *idx);
    }
}

sm_status sm__refill(const sm__alloc *a, const sm__refill_in *in, uint32_t *added, unsigned *slot, unsigned *table,
                     size_t *n_added)
{
    const sm__sched_in *sc = in->sched;
    size_t n = sc->n ? sc->n : 1, m = in->m ? in->m : 1;
    unsigned S = sc->slots;
    *n_added = 0;
    uint64_t *busy = sm__calloc(a, n, sizeof *busy);
    unsigned *deg = sm__calloc(a, n, sizeof *deg);
    uint32_t *idx = sm__calloc(a, m, sizeof *idx);
    uint32_t *tmp = sm__calloc(a, m, sizeof *tmp);
    unsigned max_tables = 1;
    for (unsigned s = 0; s < S; s++)
        max_tables = sc->tables[s] > max_tables ? sc->tables[s] : max_tables;
    unsigned char *taken = sm__calloc(a, (size_t)max_tables + 1, 1);
    if (!busy || !deg || !idx || !tmp || !taken) {
        sm__free(a, busy);
        sm__free(a, deg);
        sm__free(a, idx);
        sm__free(a, tmp);
        sm__free(a, taken);
        return sm__nomem();
    }
    unsigned count[SM_EVENT_SLOTS_MAX] = { 0 };
    unsigned max_cap = 0;
    for (size_t j = 0; j < sc->m; j++)
        if (in->slot[j]) {
            uint64_t bit = 1ull << (in->slot[j] - 1);
            busy[sc->u[j]] |= bit;
            busy[sc->v[j]] |= bit;
            deg[sc->u[j]]++;
            deg[sc->v[j]]++;
            count[in->slot[j] - 1]++;
        }
    size_t c = 0;
    for (size_t k = 0; k < in->m; k++)
        if (!in->sel[k])
            idx[c++] = (uint32_t)k;
    by_weight(idx, tmp, c, in->e);
    for (size_t v = 0; v < sc->n; v++)
        max_cap = in->cap[v] > max_cap ? in->cap[v] : max_cap;
    size_t got = 0;
    for (unsigned r = in->fairness ? 1 : max_cap; r <= max_cap; r++)
        for (size_t i = 0; i < c; i++) {
            uint32_t k = idx[i];
            if (k == UINT32_MAX)
                continue;
            uint32_t u = in->e[k].u, v = in->e[k].v;
            if (deg[u] >= in->cap[u] || deg[v] >= in->cap[v] || (deg[u] >= r && deg[v] >= r))
                continue;
            uint64_t common = sc->avail[u] & sc->avail[v] & ~busy[u] & ~busy[v];
            unsigned best = 0, best_gaps = 0;
            for (unsigned s = 0; s < S; s++) {
                if (!(common >> s & 1u) || count[s] >= sc->tables[s])
                    continue;
                uint64_t bit = 1ull << s;
                unsigned g = sm__gaps_in(busy[u] | bit, ~sc->avail[u], sc->sess) +
                             sm__gaps_in(busy[v] | bit, ~sc->avail[v], sc->sess);
                if (!best || g < best_gaps) {
                    best = s + 1;
                    best_gaps = g;
                }
            }
            if (!best)
                continue;
            busy[u] |= 1ull << (best - 1);
            busy[v] |= 1ull << (best - 1);
            deg[u]++;
            deg[v]++;
            count[best - 1]++;
            added[got] = k;
            slot[got] = best;
            table[got] = 0;
            got++;
            idx[i] = UINT32_MAX;
        }
    /* a wish still left out with room on both sides now lacks a slot or a table */
    for (size_t i = 0; i < c; i++) {
        uint32_t k = idx[i];
        if (k == UINT32_MAX)
            continue;
        uint32_t u = in->e[k].u, v = in->e[k].v;
        if (deg[u] >= in->cap[u] || deg[v] >= in->cap[v])
            continue;
        uint64_t common = sc->avail[u] & sc->avail[v] & ~busy[u] & ~busy[v];
        in->why[k] = common ? SM_EVENT_NO_TABLE : SM_EVENT_NO_FREE_SLOT;
    }
    /* tables: the lowest free in the slot */
    for (unsigned s = 1; s <= S && got; s++) {
        bool any = false;
        for (size_t i = 0; i < got && !any; i++)
            any = slot[i] == s;
        if (!any)
            continue;
        memset(taken, 0, (size_t)max_tables + 1);
        for (size_t j = 0; j < sc->m; j++)
            if (in->slot[j] == s && in->table[j] <= max_tables)
                taken[in->table[j]] = 1;
        unsigned next = 1;
        for (size_t i = 0; i < got; i++)
            if (slot[i] == s) {
                while (taken[next])
                    next++;
                table[i] = next;
                taken[next] = 1;
            }
    }
    *n_added = got;
    sm__free(a, busy);
    sm__free(a, deg);
    sm__free(a, idx);
    sm__free(a, tmp);
    sm__free(a, taken);
    return SM_OK;
}
