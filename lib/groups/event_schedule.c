/* Scheduling for the event planner: a slot and a table for each selected
 * meeting. This is edge colouring with side constraints (availability per
 * participant, tables per slot, meetings locked in place).
 *
 * Locked meetings go first, then must meetings, then the others, busiest
 * participants first. Each meeting takes the free common slot that adds the
 * fewest idle gaps to its two participants, the earliest on a tie (which packs
 * the day from the start). When no common slot is free, a Kempe-chain swap
 * (the step of the classic bipartite edge-colouring proof) exchanges two slots
 * along an alternating chain of meetings to free one. A final pass moves
 * meetings where that closes gaps. Slot masks are 64-bit: slot s is bit s-1. */
#include "groups/event.h"

#include <string.h>

static unsigned popcount64(uint64_t x)
{
    unsigned c = 0;
    while (x) {
        x &= x - 1;
        c++;
    }
    return c;
}

static unsigned low_bit(uint64_t x)
{
    unsigned i = 0;
    while (!(x & 1u)) {
        x >>= 1;
        i++;
    }
    return i;
}

static unsigned high_bit(uint64_t x)
{
    unsigned i = 0;
    while (x >>= 1)
        i++;
    return i;
}

unsigned sm__gaps(uint64_t busy, uint64_t breaks)
{
    if (!busy)
        return 0;
    unsigned lo = low_bit(busy), hi = high_bit(busy);
    uint64_t span = (hi == 63 ? ~0ull : ((1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
    return popcount64(span & ~busy & ~breaks);
}

typedef struct sched {
    const sm__sched_in *in;
    uint64_t *busy;   /* per vertex */
    int32_t *at;      /* at[v * slots + s] = meeting in slot s+1, -1 = none */
    unsigned *count;  /* meetings per slot */
    unsigned *slot;   /* per meeting, 0 = not placed */
    uint32_t *chain;  /* meetings of the chain being swapped */
} sched;

static uint64_t room_mask(const sched *S)
{
    uint64_t r = 0;
    for (unsigned s = 0; s < S->in->slots; s++)
        if (S->count[s] < S->in->tables[s])
            r |= 1ull << s;
    return r;
}

static void place(sched *S, size_t k, unsigned s)
{
    uint32_t u = S->in->u[k], v = S->in->v[k];
    S->slot[k] = s + 1;
    S->busy[u] |= 1ull << s;
    S->busy[v] |= 1ull << s;
    S->at[(size_t)u * S->in->slots + s] = (int32_t)k;
    S->at[(size_t)v * S->in->slots + s] = (int32_t)k;
    S->count[s]++;
}

static void unplace(sched *S, size_t k)
{
    unsigned s = S->slot[k] - 1;
    uint32_t u = S->in->u[k], v = S->in->v[k];
    S->slot[k] = 0;
    S->busy[u] &= ~(1ull << s);
    S->busy[v] &= ~(1ull << s);
    S->at[(size_t)u * S->in->slots + s] = -1;
    S->at[(size_t)v * S->in->slots + s] = -1;
    S->count[s]--;
}

static unsigned vgaps(const sched *S, uint32_t v, uint64_t busy)
{
    return sm__gaps_in(busy, ~S->in->avail[v], S->in->sess);
}

/* The best slot (0-based) in cand for meeting k, or -1. */
static int best_slot(const sched *S, size_t k, uint64_t cand)
{
    uint32_t u = S->in->u[k], v = S->in->v[k];
    unsigned gu = vgaps(S, u, S->busy[u]), gv = vgaps(S, v, S->busy[v]);
    int best = -1;
    unsigned best_cost = 0;
    for (unsigned s = 0; s < S->in->slots; s++) {
        if (!(cand >> s & 1u))
            continue;
        uint64_t b = 1ull << s;
        unsigned cost = vgaps(S, u, S->busy[u] | b) - gu + vgaps(S, v, S->busy[v] | b) - gv;
        if (best < 0 || cost < best_cost) {
            best = (int)s;
            best_cost = cost;
        }
    }
    return best;
}

/* Frees slot al at v by exchanging slots al and be along the chain of
 * meetings v -al- x1 -be- x2 -al- ...; u must stay free at al. */
static bool kempe(sched *S, uint32_t u, uint32_t v, unsigned al, unsigned be)
{
    const sm__sched_in *in = S->in;
    size_t len = 0;
    uint32_t x = v;
    unsigned c = al, other = be;
    for (;;) {
        int32_t k = S->at[(size_t)x * in->slots + c];
        if (k < 0)
            break;
        if (len >= in->m || in->lock_slot[k])
            return false;
        uint32_t y = in->u[k] == x ? in->v[k] : in->u[k];
        /* both ends must be able to attend the other slot */
        if (!(in->avail[x] >> other & 1u) || !(in->avail[y] >> other & 1u) || y == u)
            return false;
        S->chain[len++] = (uint32_t)k;
        x = y;
        unsigned t = c;
        c = other;
        other = t;
    }
    if (len == 0)
        return false;
    /* tables: the chain's al meetings become be and back */
    size_t n_al = (len + 1) / 2, n_be = len / 2;
    if (S->count[be] - n_be + n_al > in->tables[be] || S->count[al] - n_al + n_be + 1 > in->tables[al])
        return false;
    for (size_t i = 0; i < len; i++)
        unplace(S, S->chain[i]);
    for (size_t i = 0; i < len; i++)
        place(S, S->chain[i], i % 2 == 0 ? be : al);
    return true;
}

static bool try_kempe(sched *S, size_t k)
{
    const sm__sched_in *in = S->in;
    uint32_t u = in->u[k], v = in->v[k];
    uint64_t common = in->avail[u] & in->avail[v];
    for (int side = 0; side < 2; side++) {
        uint32_t p = side ? v : u, q = side ? u : v;
        /* al: free at p, taken at q; be: free at q */
        uint64_t al_set = common & ~S->busy[p] & S->busy[q];
        uint64_t be_set = in->avail[q] & ~S->busy[q];
        for (unsigned al = 0; al < in->slots; al++) {
            if (!(al_set >> al & 1u))
                continue;
            for (unsigned be = 0; be < in->slots; be++) {
                if (!(be_set >> be & 1u) || be == al)
                    continue;
                if (kempe(S, p, q, al, be)) {
                    if (!(S->busy[u] >> al & 1u) && !(S->busy[v] >> al & 1u) && S->count[al] < in->tables[al]) {
                        place(S, k, al);
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

static sm_event_reason why_not(const sched *S, size_t k)
{
    const sm__sched_in *in = S->in;
    uint32_t u = in->u[k], v = in->v[k];
    uint64_t common = in->avail[u] & in->avail[v];
    if (!common)
        return SM_EVENT_NO_COMMON_SLOT;
    if (common & ~S->busy[u] & ~S->busy[v])
        return SM_EVENT_NO_TABLE;
    return SM_EVENT_NO_FREE_SLOT;
}

sm_status sm__schedule(const sm__alloc *a, const sm__sched_in *in, unsigned *slot, unsigned *table,
                       sm_event_reason *why, size_t *bad)
{
    sched S;
    memset(&S, 0, sizeof S);
    S.in = in;
    size_t n = in->n ? in->n : 1, m = in->m ? in->m : 1;
    unsigned max_tables = 1;
    for (unsigned s = 0; s < in->slots; s++)
        max_tables = in->tables[s] > max_tables ? in->tables[s] : max_tables;
    S.busy = sm__calloc(a, n, sizeof *S.busy);
    S.at = sm__calloc(a, n * in->slots, sizeof *S.at);
    S.count = sm__calloc(a, in->slots, sizeof *S.count);
    S.chain = sm__calloc(a, m, sizeof *S.chain);
    S.slot = slot;
    uint32_t *order = sm__calloc(a, m, sizeof *order);
    unsigned *deg = sm__calloc(a, n, sizeof *deg);
    unsigned char *taken = sm__calloc(a, (size_t)max_tables + 1, 1);
    sm_status st = SM_OK;
    if (!S.busy || !S.at || !S.count || !S.chain || !order || !deg || !taken) {
        st = sm__nomem();
        goto done;
    }
    for (size_t i = 0; i < n * in->slots; i++)
        S.at[i] = -1;
    for (size_t k = 0; k < in->m; k++) {
        slot[k] = 0;
        table[k] = 0;
        why[k] = SM_EVENT_SCHEDULED;
        deg[in->u[k]]++;
        deg[in->v[k]]++;
    }
    /* locked meetings where they are */
    for (size_t k = 0; k < in->m; k++) {
        unsigned ls = in->lock_slot[k];
        if (!ls)
            continue;
        unsigned s = ls - 1;
        uint32_t u = in->u[k], v = in->v[k];
        if (!(in->avail[u] >> s & 1u) || !(in->avail[v] >> s & 1u))
            why[k] = SM_EVENT_NO_COMMON_SLOT;
        else if ((S.busy[u] | S.busy[v]) >> s & 1u)
            why[k] = SM_EVENT_NO_FREE_SLOT;
        else if (S.count[s] >= in->tables[s])
            why[k] = SM_EVENT_NO_TABLE;
        if (why[k]) {
            *bad = k;
            st = SM_ERR_INVALID_ARGUMENT;
            goto done;
        }
        place(&S, k, s);
    }
    /* the rest: must first, then the busiest pairs, then fewest common slots */
    size_t n_order = 0;
    for (size_t k = 0; k < in->m; k++)
        if (!in->lock_slot[k])
            order[n_order++] = (uint32_t)k;
    {
        /* shell sort with a total order: deterministic */
        size_t gaps_seq[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
        for (size_t gi = 0; gi < sizeof gaps_seq / sizeof *gaps_seq; gi++) {
            size_t g = gaps_seq[gi];
            for (size_t i = g; i < n_order; i++) {
                uint32_t t = order[i];
                size_t j = i;
                for (; j >= g; j -= g) {
                    uint32_t o = order[j - g];
                    long kt = (in->must[t] ? 1L << 40 : 0) + (long)(deg[in->u[t]] + deg[in->v[t]]) * 128 -
                              (long)popcount64(in->avail[in->u[t]] & in->avail[in->v[t]]);
                    long ko = (in->must[o] ? 1L << 40 : 0) + (long)(deg[in->u[o]] + deg[in->v[o]]) * 128 -
                              (long)popcount64(in->avail[in->u[o]] & in->avail[in->v[o]]);
                    if (ko > kt || (ko == kt && o < t))
                        break;
                    order[j] = o;
                }
                order[j] = t;
            }
        }
    }
    for (size_t i = 0; i < n_order; i++) {
        size_t k = order[i];
        uint32_t u = in->u[k], v = in->v[k];
        uint64_t cand = in->avail[u] & in->avail[v] & ~S.busy[u] & ~S.busy[v] & room_mask(&S);
        int s = best_slot(&S, k, cand);
        if (s >= 0)
            place(&S, k, (unsigned)s);
        else if (!try_kempe(&S, k)) {
            why[k] = why_not(&S, k);
            if (in->must[k]) {
                *bad = k;
                st = SM_ERR_INVALID_ARGUMENT;
                goto done;
            }
        }
    }
    /* close gaps: move a meeting to another free slot where that lowers the
     * idle slots of its two participants */
    for (int round = 0; round < 4; round++) {
        bool moved = false;
        for (size_t k = 0; k < in->m; k++) {
            if (!slot[k] || in->lock_slot[k])
                continue;
            uint32_t u = in->u[k], v = in->v[k];
            unsigned before = vgaps(&S, u, S.busy[u]) + vgaps(&S, v, S.busy[v]);
            unsigned old = slot[k] - 1;
            unplace(&S, k);
            uint64_t cand = in->avail[u] & in->avail[v] & ~S.busy[u] & ~S.busy[v] & room_mask(&S);
            int s = best_slot(&S, k, cand);
            place(&S, k, (unsigned)s); /* old slot is a candidate, so s >= 0 */
            unsigned after = vgaps(&S, u, S.busy[u]) + vgaps(&S, v, S.busy[v]);
            if (after < before)
                moved = true;
            else if ((unsigned)s != old) {
                unplace(&S, k);
                place(&S, k, old);
            }
        }
        if (!moved)
            break;
    }
    /* tables: locked ones keep theirs, the others take the lowest free */
    for (unsigned s = 0; s < in->slots; s++) {
        memset(taken, 0, (size_t)max_tables + 1);
        for (size_t k = 0; k < in->m; k++)
            if (slot[k] == s + 1 && in->lock_slot[k] && in->lock_table[k]) {
                unsigned t = in->lock_table[k];
                if (t > in->tables[s] || taken[t]) {
                    why[k] = SM_EVENT_NO_TABLE;
                    *bad = k;
                    st = SM_ERR_INVALID_ARGUMENT;
                    goto done;
                }
                taken[t] = 1;
                table[k] = t;
            }
        unsigned next = 1;
        for (size_t k = 0; k < in->m; k++)
            if (slot[k] == s + 1 && !table[k]) {
                while (taken[next])
                    next++;
                taken[next] = 1;
                table[k] = next;
            }
    }
done:
    sm__free(a, S.busy);
    sm__free(a, S.at);
    sm__free(a, S.count);
    sm__free(a, S.chain);
    sm__free(a, order);
    sm__free(a, deg);
    sm__free(a, taken);
    return st;
}
