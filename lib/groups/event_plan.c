/* Planning an event: turns the event's wishes into the selection problem,
 * runs selection and scheduling, gives every wish left out its reason and
 * builds the plan object with its figures and accessors. */
#include "groups/event.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *sm_event_reason_name(sm_event_reason r)
{
    static const char *const names[] = { "scheduled",      "declined",     "capacity_a", "capacity_b",  "capacity_both",
                                         "no_common_slot", "no_free_slot", "no_table",   "not_selected" };
    return (unsigned)r < sizeof names / sizeof *names ? names[r] : "unknown";
}

const char *sm_wish_status_name(sm_wish_status s)
{
    static const char *const names[] = { "requested", "accepted", "declined", "must", "locked" };
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown";
}

static unsigned popcount64(uint64_t x)
{
    unsigned c = 0;
    while (x) {
        x &= x - 1;
        c++;
    }
    return c;
}

/* Stable merge sort of idx by key ascending. */
static void sort_by_key(uint32_t *idx, uint32_t *tmp, size_t n, const uint64_t *key)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = key[idx[j]] < key[idx[i]] ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
}

static double wish_weight(const sm__ev_wish *w)
{
    return (double)w->priority + (w->status == SM_WISH_ACCEPTED ? 1.0 : 0.0) + w->score;
}

void sm_event_plan_free(sm_event_plan *p)
{
    if (!p)
        return;
    sm_allocator a = p->alloc;
    if (p->ids)
        for (size_t i = 0; i < p->n_ids; i++)
            sm__free(&a, p->ids[i]);
    sm__free(&a, p->ids);
    sm__free(&a, p->others);
    sm__free(&a, p->meetings);
    sm__free(&a, p->unscheduled);
    sm__free(&a, p);
}

long sm__plan_find(const sm_event_plan *p, const char *id)
{
    for (size_t i = 0; i < p->n_ids; i++)
        if (strcmp(p->ids[i], id) == 0)
            return (long)i;
    return -1;
}

/* Working arrays of one sm_event_plan_new() call, freed together. */
typedef struct work {
    uint64_t *avail;
    unsigned *cap;
    unsigned *deg;
    sm_event_reason *why; /* per wish */
    int32_t *edge_of;     /* per wish: edge index, -1 = none */
    sm__bm_edge *edges;
    uint32_t *wish_of; /* per edge */
    unsigned char *sel;
    uint32_t *mu, *mv, *mwish; /* selected meetings */
    unsigned *lock_slot, *lock_table, *slot, *table;
    bool *must;
    sm_event_reason *mwhy;
    uint32_t *order, *tmp;
    uint64_t *key;
    int32_t *weakest; /* per participant: lightest selected edge */
    unsigned *lb;     /* per participant: meetings every optimal selection gives it */
    double dual;      /* Lagrangian bound on the weight (INFINITY = none) */
    bool optimal;     /* the selection was proven optimal */
    size_t dropped;   /* selected meetings that scheduling could not place */
    size_t refilled;  /* meetings added in their seats */
} work;

static void work_free(const sm__alloc *a, work *w)
{
    void *ptrs[] = { w->avail, w->cap,      w->deg,        w->why,  w->edge_of, w->edges, w->wish_of,
                     w->sel,   w->mu,       w->mv,         w->mwish, w->lock_slot, w->lock_table, w->slot,
                     w->table, w->must,     w->mwhy,       w->order, w->tmp,     w->key, w->weakest, w->lb };
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++)
        sm__free(a, ptrs[i]);
}

/* ½ Σ_v (sum of v's cap heaviest edges): no b-matching weighs more. */
static double weight_bound(const sm_event *ev, work *w, size_t m, size_t seats)
{
    double total = 0.0, heaviest = 0.0;
    /* edges by weight, heaviest first, then per vertex the first cap */
    for (size_t k = 0; k < m; k++) {
        w->order[k] = (uint32_t)k;
        w->key[k] = 0;
    }
    /* weights are >= 0: their bit patterns order like the values; invert for descending */
    for (size_t k = 0; k < m; k++) {
        double x = w->edges[k].w;
        uint64_t bits;
        memcpy(&bits, &x, sizeof bits);
        w->key[k] = ~bits;
    }
    sort_by_key(w->order, w->tmp, m, w->key);
    memset(w->deg, 0, (ev->n_parts ? ev->n_parts : 1) * sizeof *w->deg);
    for (size_t i = 0; i < m; i++) {
        const sm__bm_edge *e = &w->edges[w->order[i]];
        if (i < seats)
            heaviest += e->w;
        if (w->deg[e->u] < w->cap[e->u]) {
            w->deg[e->u]++;
            total += e->w;
        }
        if (w->deg[e->v] < w->cap[e->v]) {
            w->deg[e->v]++;
            total += e->w;
        }
    }
    /* no selection weighs more than its seats' worth of the heaviest wishes */
    return heaviest < total / 2.0 ? heaviest : total / 2.0;
}

/* Fairness levels that are provably optimal: if the selection gives at
 * least l meetings to every participant that could have l (capacity and
 * wishes), for l = 1..L, then every optimal selection does the same (the
 * objective is lexicographic). lb[v] = min(what v could have, L). Returns L
 * (0: no level is proven, no lower bounds). deg is scratch. */
static unsigned fair_floor(size_t n, const unsigned *cap, const sm__bm_edge *e, size_t m, const unsigned char *sel,
                           unsigned *deg, unsigned *lb)
{
    unsigned max_cap = 0;
    for (size_t v = 0; v < n; v++) {
        deg[v] = 0;
        lb[v] = 0; /* the most v could have: wishes, capped below */
        max_cap = cap[v] > max_cap ? cap[v] : max_cap;
    }
    for (size_t k = 0; k < m; k++) {
        lb[e[k].u]++;
        lb[e[k].v]++;
        if (sel[k]) {
            deg[e[k].u]++;
            deg[e[k].v]++;
        }
    }
    for (size_t v = 0; v < n; v++)
        lb[v] = lb[v] < cap[v] ? lb[v] : cap[v];
    unsigned L = 0;
    for (unsigned l = 1; l <= max_cap; l++) {
        size_t ours = 0, could = 0;
        for (size_t v = 0; v < n; v++) {
            ours += deg[v] >= l;
            could += lb[v] >= l;
        }
        if (ours != could)
            break;
        L = l;
    }
    for (size_t v = 0; v < n; v++)
        lb[v] = lb[v] < L ? lb[v] : L;
    return L;
}

/* Level L+1 when levels 1..L are proven (fair_floor): every optimal
 * selection gives the participants at least lb (summing to base meetings'
 * ends) and, the objective being lexicographic, at least as many of them
 * L+1 meetings as this selection (deg). When that many already use every
 * seat left (2 * seats - base ends, one each), an optimal selection has no
 * end to spare: nobody has more than L+1 meetings, which caps the bound. */
static bool top_level_full(size_t n, const unsigned *deg, const unsigned *lb, unsigned L, size_t seats)
{
    if (seats == SIZE_MAX)
        return false;
    size_t base = 0, above = 0;
    for (size_t v = 0; v < n; v++) {
        base += lb[v];
        above += deg[v] > L;
    }
    return 2 * seats >= base && above == 2 * seats - base;
}

static sm_status impossible(const sm_event *ev, const sm__ev_wish *w, const char *why)
{
    const char *a = ev->parts[w->a].id, *b = ev->parts[w->b].id;
    return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "status", sm_wish_status_name(w->status),
                       "%s meeting %s-%s is impossible: %s", sm_wish_status_name(w->status), a, b, why);
}

static sm_status build_plan(sm_event_plan **out, const sm_event *ev, work *w, size_t n_meet, bool scheduled,
                            size_t n_edges);

sm_status sm_event_plan_new(sm_event_plan **out, const sm_event *ev, unsigned int steps)
{
    if (!out || !ev)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_plan_new: %s is NULL", out ? "event" : "out");
    if (!(steps & SM_EVENT_ALL) || (steps & ~SM_EVENT_ALL))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_plan_new: steps %#x: use SM_EVENT_SELECT, SM_EVENT_SCHEDULE or both",
                        steps);
    const sm__alloc *a = &ev->alloc;
    bool do_sched = steps & SM_EVENT_SCHEDULE;
    size_t n = ev->n_parts ? ev->n_parts : 1, nw = ev->n_wishes ? ev->n_wishes : 1;
    unsigned S = ev->opts.slots;
    work w;
    memset(&w, 0, sizeof w);
    w.avail = sm__calloc(a, n, sizeof *w.avail);
    w.cap = sm__calloc(a, n, sizeof *w.cap);
    w.deg = sm__calloc(a, n, sizeof *w.deg);
    w.weakest = sm__calloc(a, n, sizeof *w.weakest);
    w.lb = sm__calloc(a, n, sizeof *w.lb);
    w.why = sm__calloc(a, nw, sizeof *w.why);
    w.edge_of = sm__calloc(a, nw, sizeof *w.edge_of);
    w.edges = sm__calloc(a, nw, sizeof *w.edges);
    w.wish_of = sm__calloc(a, nw, sizeof *w.wish_of);
    w.sel = sm__calloc(a, nw, 1);
    w.mu = sm__calloc(a, nw, sizeof *w.mu);
    w.mv = sm__calloc(a, nw, sizeof *w.mv);
    w.mwish = sm__calloc(a, nw, sizeof *w.mwish);
    w.lock_slot = sm__calloc(a, nw, sizeof *w.lock_slot);
    w.lock_table = sm__calloc(a, nw, sizeof *w.lock_table);
    w.slot = sm__calloc(a, nw, sizeof *w.slot);
    w.table = sm__calloc(a, nw, sizeof *w.table);
    w.must = sm__calloc(a, nw, sizeof *w.must);
    w.mwhy = sm__calloc(a, nw, sizeof *w.mwhy);
    w.order = sm__calloc(a, nw, sizeof *w.order);
    w.tmp = sm__calloc(a, nw, sizeof *w.tmp);
    w.key = sm__calloc(a, nw, sizeof *w.key);
    sm_status st = SM_OK;
    if (!w.avail || !w.cap || !w.deg || !w.weakest || !w.lb || !w.why || !w.edge_of || !w.edges || !w.wish_of || !w.sel ||
        !w.mu || !w.mv || !w.mwish || !w.lock_slot || !w.lock_table || !w.slot || !w.table || !w.must || !w.mwhy ||
        !w.order || !w.tmp || !w.key) {
        st = sm__nomem();
        goto done;
    }
    w.dual = INFINITY;
    uint64_t open = 0;
    for (unsigned s = 0; s < S; s++)
        if (ev->slot_tables[s])
            open |= 1ull << s;
    for (size_t v = 0; v < ev->n_parts; v++) {
        w.avail[v] = open & ~ev->parts[v].unavail;
        unsigned free_slots = popcount64(w.avail[v]);
        /* with scheduling, nobody meets more often than it has free slots */
        w.cap[v] = do_sched && free_slots < ev->parts[v].cap ? free_slots : ev->parts[v].cap;
    }
    size_t m = 0;
    for (size_t i = 0; i < ev->n_wishes; i++) {
        const sm__ev_wish *x = &ev->wishes[i];
        w.edge_of[i] = -1;
        bool forced = x->status == SM_WISH_MUST || x->status == SM_WISH_LOCKED;
        if (x->status == SM_WISH_DECLINED) {
            w.why[i] = SM_EVENT_DECLINED;
            continue;
        }
        if (do_sched && !(w.avail[x->a] & w.avail[x->b])) {
            if (forced) {
                st = impossible(ev, x, "the two are never available in the same slot");
                goto done;
            }
            w.why[i] = SM_EVENT_NO_COMMON_SLOT;
            continue;
        }
        w.edges[m].u = x->a;
        w.edges[m].v = x->b;
        w.edges[m].w = wish_weight(x);
        w.edges[m].forced = forced || !(steps & SM_EVENT_SELECT);
        w.wish_of[m] = (uint32_t)i;
        w.edge_of[i] = (int32_t)m;
        m++;
    }
    /* forced meetings must fit the capacities */
    for (size_t k = 0; k < m; k++)
        if (w.edges[k].forced) {
            w.deg[w.edges[k].u]++;
            w.deg[w.edges[k].v]++;
        }
    for (size_t v = 0; v < ev->n_parts; v++)
        if (w.deg[v] > w.cap[v]) {
            st = sm__fail_at(steps & SM_EVENT_SELECT ? SM_ERR_INVALID_ARGUMENT : SM_ERR_LIMIT, NULL, 0, 0, "id",
                             ev->parts[v].id,
                             "participant %s has %u %s meetings but room for %u (capacity %u, %u free slots): raise its "
                             "capacity or drop some",
                             ev->parts[v].id, w.deg[v], steps & SM_EVENT_SELECT ? "must/locked" : "wished", w.cap[v],
                             ev->parts[v].cap, popcount64(w.avail[v]));
            goto done;
        }
    if (steps & SM_EVENT_SELECT) {
        /* with scheduling, no more meetings than seats (tables summed over slots) */
        size_t seats = SIZE_MAX;
        if (do_sched) {
            seats = 0;
            for (unsigned s = 0; s < S; s++)
                seats += ev->slot_tables[s];
        }
        st = sm__bmatch(a, ev->n_parts, w.cap, w.edges, m, ev->opts.fairness != 0, ev->opts.effort, seats, w.sel,
                        &w.optimal);
        if (st)
            goto done;
        /* a few sweeps: the bound is cheap next to the selection */
        st = sm__dual_bound(a, ev->n_parts, w.cap, NULL, w.edges, m, seats, 12, &w.dual);
        if (st)
            goto done;
        unsigned L = ev->opts.fairness ? fair_floor(ev->n_parts, w.cap, w.edges, m, w.sel, w.deg, w.lb) : 0;
        if (L) {
            /* w.deg holds the selection's degrees; it becomes the caps of the bound */
            bool capped = top_level_full(ev->n_parts, w.deg, w.lb, L, seats);
            for (size_t v = 0; v < ev->n_parts; v++)
                w.deg[v] = capped && w.cap[v] > L + 1 ? L + 1 : w.cap[v];
            double fb = INFINITY;
            st = sm__dual_bound(a, ev->n_parts, w.deg, w.lb, w.edges, m, seats, 12, &fb);
            if (st)
                goto done;
            w.dual = fb < w.dual ? fb : w.dual;
        }
    } else {
        memset(w.sel, 1, m);
    }
    /* selected meetings; the lightest meeting of each participant names the
     * reason for wishes that lost to it */
    memset(w.deg, 0, n * sizeof *w.deg);
    for (size_t v = 0; v < n; v++)
        w.weakest[v] = -1;
    size_t n_meet = 0;
    for (size_t k = 0; k < m; k++) {
        if (!w.sel[k])
            continue;
        uint32_t u = w.edges[k].u, v = w.edges[k].v;
        w.deg[u]++;
        w.deg[v]++;
        if (w.weakest[u] < 0 || w.edges[k].w < w.edges[w.weakest[u]].w)
            w.weakest[u] = (int32_t)k;
        if (w.weakest[v] < 0 || w.edges[k].w < w.edges[w.weakest[v]].w)
            w.weakest[v] = (int32_t)k;
        const sm__ev_wish *x = &ev->wishes[w.wish_of[k]];
        w.mu[n_meet] = u;
        w.mv[n_meet] = v;
        w.mwish[n_meet] = w.wish_of[k];
        w.lock_slot[n_meet] = x->status == SM_WISH_LOCKED ? x->slot : 0;
        w.lock_table[n_meet] = x->status == SM_WISH_LOCKED ? x->table : 0;
        w.must[n_meet] = x->status == SM_WISH_MUST || x->status == SM_WISH_LOCKED;
        n_meet++;
    }
    for (size_t k = 0; k < m; k++) {
        if (w.sel[k])
            continue;
        uint32_t u = w.edges[k].u, v = w.edges[k].v;
        bool fu = w.deg[u] >= w.cap[u], fv = w.deg[v] >= w.cap[v];
        w.why[w.wish_of[k]] = fu && fv ? SM_EVENT_CAPACITY_BOTH
                              : fu     ? SM_EVENT_CAPACITY_A
                              : fv     ? SM_EVENT_CAPACITY_B
                                       : SM_EVENT_NOT_SELECTED;
    }
    if (do_sched) {
        sm__sched_in in = { ev->n_parts, w.avail, S, ev->slot_tables, n_meet, w.mu, w.mv, w.lock_slot, w.lock_table,
                            w.must, &ev->sess };
        size_t bad = 0;
        st = sm__schedule(a, &in, w.slot, w.table, w.mwhy, &bad);
        if (st == SM_ERR_INVALID_ARGUMENT) {
            const sm__ev_wish *x = &ev->wishes[w.mwish[bad]];
            char why[160];
            if (w.mwhy[bad] == SM_EVENT_NO_COMMON_SLOT)
                snprintf(why, sizeof why, "one of the two cannot attend slot %u", x->slot);
            else if (w.mwhy[bad] == SM_EVENT_NO_TABLE)
                snprintf(why, sizeof why, "no table left%s", x->table ? " (or the locked table is taken or missing)" : "");
            else
                snprintf(why, sizeof why, "one of the two has another meeting in %s",
                         x->slot ? "that slot" : "every common free slot");
            st = impossible(ev, x, why);
        }
        if (st)
            goto done;
        for (size_t j = 0; j < n_meet; j++)
            if (!w.slot[j]) {
                w.why[w.mwish[j]] = w.mwhy[j];
                w.dropped++;
            }
        /* seats and capacity that dropped meetings left go to other wishes */
        sm_event_reason *ewhy = w.mwhy; /* per edge now; m <= nw */
        for (size_t k = 0; k < m; k++)
            ewhy[k] = SM_EVENT_SCHEDULED;
        sm__refill_in rin = { &in, w.slot, w.table, w.cap, w.edges, m, w.sel, ev->opts.fairness != 0, ewhy };
        size_t got = 0;
        if (steps & SM_EVENT_SELECT)
            st = sm__refill(a, &rin, w.order, w.slot + n_meet, w.table + n_meet, &got);
        if (st)
            goto done;
        for (size_t k = 0; k < m; k++)
            if (ewhy[k] != SM_EVENT_SCHEDULED)
                w.why[w.wish_of[k]] = ewhy[k];
        for (size_t i = 0; i < got; i++) {
            uint32_t k = w.order[i];
            size_t j = n_meet + i;
            w.sel[k] = 1;
            w.mu[j] = w.edges[k].u;
            w.mv[j] = w.edges[k].v;
            w.mwish[j] = w.wish_of[k];
            w.lock_slot[j] = w.lock_table[j] = 0;
            w.must[j] = false;
            w.why[w.wish_of[k]] = SM_EVENT_SCHEDULED;
        }
        n_meet += got;
        w.refilled = got;
    }
    st = build_plan(out, ev, &w, n_meet, do_sched, m);
done:
    work_free(a, &w);
    return st;
}

static sm_status build_plan(sm_event_plan **out, const sm_event *ev, work *w, size_t n_meet, bool scheduled,
                            size_t n_edges)
{
    const sm__alloc *a = &ev->alloc;
    size_t n_ok = 0, n_un = 0, others_len = 0;
    for (size_t j = 0; j < n_meet; j++)
        n_ok += !scheduled || w->slot[j];
    for (size_t i = 0; i < ev->n_wishes; i++)
        if (w->why[i] != SM_EVENT_SCHEDULED) {
            n_un++;
            others_len += 2 * SM_ID_MAX + 2;
        }
    sm_event_plan *p = sm__calloc(a, 1, sizeof *p);
    if (!p)
        return sm__nomem();
    p->alloc = *a;
    p->slots = ev->opts.slots;
    p->sess = ev->sess;
    for (unsigned s = 0; s < ev->opts.slots; s++)
        if (!ev->slot_tables[s])
            p->breaks |= 1ull << s;
    p->ids = sm__calloc(a, ev->n_parts ? ev->n_parts : 1, sizeof *p->ids);
    p->meetings = sm__calloc(a, n_ok ? n_ok : 1, sizeof *p->meetings);
    p->unscheduled = sm__calloc(a, n_un ? n_un : 1, sizeof *p->unscheduled);
    p->others = sm__calloc(a, others_len + 1, 1);
    if (!p->ids || !p->meetings || !p->unscheduled || !p->others) {
        sm_event_plan_free(p);
        return sm__nomem();
    }
    for (size_t v = 0; v < ev->n_parts; v++) {
        p->ids[v] = sm__strdup(a, ev->parts[v].id);
        if (!p->ids[v]) {
            p->n_ids = v;
            sm_event_plan_free(p);
            return sm__nomem();
        }
    }
    p->n_ids = ev->n_parts;
    /* meetings by slot, then table (selection only: wish order) */
    size_t c = 0;
    for (size_t j = 0; j < n_meet; j++)
        if (!scheduled || w->slot[j]) {
            w->order[c] = (uint32_t)j;
            w->key[j] = scheduled ? ((uint64_t)w->slot[j] << 32 | w->table[j]) : 0;
            c++;
        }
    sort_by_key(w->order, w->tmp, c, w->key);
    sm_event_stats *s = &p->stats;
    uint64_t used = 0;
    memset(w->deg, 0, (ev->n_parts ? ev->n_parts : 1) * sizeof *w->deg);
    for (size_t i = 0; i < c; i++) {
        size_t j = w->order[i];
        const sm__ev_wish *x = &ev->wishes[w->mwish[j]];
        sm_event_meeting *mt = &p->meetings[i];
        mt->a = p->ids[x->a];
        mt->b = p->ids[x->b];
        mt->weight = wish_weight(x);
        mt->score = x->score;
        mt->status = x->status;
        mt->slot = scheduled ? w->slot[j] : 0;
        mt->table = scheduled ? w->table[j] : 0;
        int si = mt->slot ? sm__ev_session_of(&p->sess, mt->slot) : -1;
        mt->session = si >= 0 ? p->sess.s[si].name : "";
        s->weight += mt->weight;
        w->deg[x->a]++;
        w->deg[x->b]++;
        if (mt->slot)
            used |= 1ull << (mt->slot - 1);
    }
    s->participants = ev->n_parts;
    s->wishes = ev->n_wishes;
    s->meetings = c;
    s->slots_used = popcount64(used);
    /* lower bound on slots: the busiest participant, and enough tables */
    unsigned delta = 0;
    for (size_t v = 0; v < ev->n_parts; v++)
        delta = w->deg[v] > delta ? w->deg[v] : delta;
    {
        unsigned t[SM_EVENT_SLOTS_MAX];
        unsigned S = ev->opts.slots;
        memcpy(t, ev->slot_tables, S * sizeof *t);
        for (unsigned i = 1; i < S; i++) /* descending insertion sort, S <= 64 */
            for (unsigned j = i; j > 0 && t[j] > t[j - 1]; j--) {
                unsigned x = t[j];
                t[j] = t[j - 1];
                t[j - 1] = x;
            }
        unsigned need = 0;
        size_t seats = 0;
        while (seats < c && need < S)
            seats += t[need++];
        s->slots_lower_bound = delta > need ? delta : need;
    }
    /* idle slots between each participant's first and last meeting of a
     * session; breaks and its unavailable slots are not idle */
    if (scheduled && c) {
        uint64_t *busy = sm__calloc(a, ev->n_parts, sizeof *busy);
        if (!busy) {
            sm_event_plan_free(p);
            return sm__nomem();
        }
        for (size_t i = 0; i < c; i++) {
            const sm__ev_wish *x = &ev->wishes[w->mwish[w->order[i]]];
            uint64_t bit = 1ull << (p->meetings[i].slot - 1);
            busy[x->a] |= bit;
            busy[x->b] |= bit;
        }
        for (size_t v = 0; v < ev->n_parts; v++)
            s->gaps += sm__gaps_in(busy[v], ~w->avail[v], &ev->sess);
        sm__free(a, busy);
    }
    /* min meetings among participants with a wish that could be met */
    s->min_meetings = 0;
    {
        bool first = true;
        for (size_t k = 0; k < n_edges; k++) {
            uint32_t ends[2] = { w->edges[k].u, w->edges[k].v };
            for (int e = 0; e < 2; e++)
                if (first || w->deg[ends[e]] < s->min_meetings) {
                    s->min_meetings = w->deg[ends[e]];
                    first = false;
                }
        }
    }
    /* bipartite: every participant has a group and every wish joins two */
    s->bipartite = ev->n_parts > 0;
    for (size_t v = 0; v < ev->n_parts && s->bipartite; v++)
        s->bipartite = ev->parts[v].group != NULL;
    for (size_t i = 0; i < ev->n_wishes && s->bipartite; i++)
        s->bipartite = strcmp(ev->parts[ev->wishes[i].a].group, ev->parts[ev->wishes[i].b].group) != 0;
    /* unscheduled, in wish order */
    size_t u = 0, off = 0;
    for (size_t i = 0; i < ev->n_wishes; i++) {
        if (w->why[i] == SM_EVENT_SCHEDULED)
            continue;
        const sm__ev_wish *x = &ev->wishes[i];
        sm_event_unscheduled *un = &p->unscheduled[u++];
        un->a = p->ids[x->a];
        un->b = p->ids[x->b];
        un->weight = wish_weight(x);
        un->reason = w->why[i];
        un->other = p->others + others_len; /* the final NUL: "" */
        int32_t k = -1;
        if (un->reason == SM_EVENT_CAPACITY_A || un->reason == SM_EVENT_CAPACITY_BOTH)
            k = w->weakest[x->a];
        else if (un->reason == SM_EVENT_CAPACITY_B)
            k = w->weakest[x->b];
        if (k >= 0) {
            const sm__ev_wish *y = &ev->wishes[w->wish_of[k]];
            int len = snprintf(p->others + off, 2 * SM_ID_MAX + 2, "%s-%s", ev->parts[y->a].id, ev->parts[y->b].id);
            un->other = p->others + off;
            off += (size_t)len + 1;
        }
    }
    s->unscheduled = u;
    size_t seats = SIZE_MAX;
    if (scheduled) {
        seats = 0;
        for (unsigned t = 0; t < ev->opts.slots; t++)
            seats += ev->slot_tables[t];
    }
    s->weight_bound = weight_bound(ev, w, n_edges, seats);
    if (w->dual < s->weight_bound)
        s->weight_bound = w->dual;
    /* rounding in the dual's sums */
    if (s->weight_bound < s->weight)
        s->weight_bound = s->weight;
    bool at_bound = s->weight >= s->weight_bound - 1e-9 * (s->weight_bound > 1 ? s->weight_bound : 1);
    /* meeting the weight bound proves the weight-only objective; fairness
     * needs the exact search. A meeting dropped by scheduling spoils both. */
    s->selection_optimal = (w->optimal || (at_bound && !ev->opts.fairness)) && w->dropped == 0;
    s->refilled = w->refilled;
    *out = p;
    return SM_OK;
}

const sm_event_stats *sm_event_plan_stats(const sm_event_plan *p)
{
    return p ? &p->stats : NULL;
}

size_t sm_event_plan_meeting_count(const sm_event_plan *p)
{
    return p ? p->stats.meetings : 0;
}

const sm_event_meeting *sm_event_plan_meeting_at(const sm_event_plan *p, size_t i)
{
    return p && i < p->stats.meetings ? &p->meetings[i] : NULL;
}

size_t sm_event_plan_unscheduled_count(const sm_event_plan *p)
{
    return p ? p->stats.unscheduled : 0;
}

const sm_event_unscheduled *sm_event_plan_unscheduled_at(const sm_event_plan *p, size_t i)
{
    return p && i < p->stats.unscheduled ? &p->unscheduled[i] : NULL;
}
