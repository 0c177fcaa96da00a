/* The engine's cooperation history: the event log and the per-SME
 * adjacency (history.h), days as numbers, and the public calls that add to
 * it, clear it and describe it. An event is added in two steps, reserve
 * then commit, so that a failing load leaves the history as it was. */
#include "core/history.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void sm__history_init(sm__history *h, const sm__alloc *a)
{
    memset(h, 0, sizeof *h);
    h->alloc = *a;
    h->last_day = INT32_MIN;
    h->ref_day = INT32_MIN;
    h->half_life = SM__HIST_HALF_LIFE_DEFAULT;
    pthread_mutex_init(&h->sec_mu, NULL);
}

void sm__history_free(sm__history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_adj; i++)
        sm__free(&h->alloc, h->adj[i].e);
    sm__free(&h->alloc, h->adj);
    sm__free(&h->alloc, h->ev8);
    sm__free(&h->alloc, h->ev);
    sm__free(&h->alloc, h->pool);
    for (unsigned k = 0; k < h->n_kinds; k++)
        sm__free(&h->alloc, h->kinds[k]);
    sm__free(&h->alloc, h->sec);
    pthread_mutex_destroy(&h->sec_mu);
    sm__alloc a = h->alloc;
    uint64_t v = h->version;
    sm__history_init(h, &a);
    h->version = v + 1; /* an emptied history is a change */
}

void sm__history_changed(sm_engine *e)
{
    /* the sector counts followed the change themselves (sm__hsec_link) */
    sm__hsectors *sec = e->history ? e->history->sec : NULL;
    bool sec_follow = sec && sec->generation == e->generation;
    sm__changed(e, true); /* the scoring caches followed (sm__history_members_grew) */
    if (sec_follow)
        sec->generation = e->generation;
}

void sm__history_members_grew(sm_engine *e, const uint32_t *members, size_t n)
{
    if (!sm__derived_tracking(e) || !e->derived.ops->sme_history)
        return;
    for (size_t j = 0; j < n; j++)
        e->derived.ops->sme_history(e->derived.ptr, e, members[j]);
}

static sm__hedge *edge_find(const sm__hadj *a, uint32_t b)
{
    for (uint32_t j = 0; j < a->n; j++)
        if (a->e[j].other == b)
            return &a->e[j];
    return NULL;
}

const sm__hedge *sm__history_edge(const sm__history *h, uint32_t a, uint32_t b)
{
    if (a >= h->n_adj || b >= h->n_adj)
        return NULL;
    return edge_find(&h->adj[a], b);
}

sm_status sm__history_kind(sm__history *h, const char *kind, uint16_t *out)
{
    for (unsigned k = 0; k < h->n_kinds; k++)
        if (strcmp(h->kinds[k], kind) == 0) {
            *out = (uint16_t)k;
            return SM_OK;
        }
    if (h->n_kinds == SM__HIST_KINDS_MAX)
        return sm__fail_at(SM_ERR_LIMIT, NULL, 0, 0, "kind", kind,
                           "kind: more than %u kinds of cooperation (\"%s\")", SM__HIST_KINDS_MAX, kind);
    char *s = sm__strdup(&h->alloc, kind);
    if (!s)
        return sm__nomem();
    h->kinds[h->n_kinds] = s;
    *out = (uint16_t)h->n_kinds++;
    return SM_OK;
}

static void pend_clear(sm__history *h, const uint32_t *members, size_t total)
{
    for (size_t j = 0; j < total; j++)
        h->adj[members[j]].pend = 0;
}

sm_status sm__history_reserve(sm__history *h, size_t n_smes, const uint32_t *members, const uint32_t *counts,
                              size_t n_events)
{
    const sm__alloc *a = &h->alloc;
    if (n_smes > h->cap_adj) {
        size_t cap = h->cap_adj ? h->cap_adj : 16;
        while (cap < n_smes)
            cap *= 2;
        sm__hadj *na = sm__realloc(a, h->adj, cap * sizeof *na);
        if (!na)
            return sm__nomem();
        h->adj = na; /* room only: cap_adj moves once both have it */
        uint8_t *n8 = sm__realloc(a, h->ev8, cap);
        if (!n8)
            return sm__nomem();
        h->ev8 = n8;
        h->cap_adj = cap;
    }
    /* fresh entries are empty, which is a valid history already */
    if (n_smes > h->n_adj) {
        memset(h->adj + h->n_adj, 0, (n_smes - h->n_adj) * sizeof *h->adj);
        memset(h->ev8 + h->n_adj, 0, n_smes - h->n_adj);
        h->n_adj = n_smes;
    }
    size_t total = 0;
    for (size_t i = 0; i < n_events; i++)
        total += counts[i];
    if (sm__grow(a, (void **)&h->ev, &h->cap_ev, h->n_ev + n_events, sizeof *h->ev) ||
        sm__grow(a, (void **)&h->pool, &h->cap_pool, h->n_pool + total, sizeof *h->pool))
        return SM_ERR_NOMEM;
    /* each member may gain every other member of its events as a new
     * partner: sum that bound per SME, then grow each list once (a list
     * grown before a failure only has more room, which is harmless) */
    size_t off = 0;
    for (size_t i = 0; i < n_events; i++) {
        for (uint32_t j = 0; j < counts[i]; j++)
            h->adj[members[off + j]].pend += counts[i] - 1;
        off += counts[i];
    }
    for (size_t j = 0; j < total; j++) {
        sm__hadj *x = &h->adj[members[j]];
        size_t need = (size_t)x->n + x->pend;
        if (need > n_smes - 1)
            need = n_smes - 1;
        x->pend = 0;
        if (need <= x->cap)
            continue;
        size_t cap = x->cap ? x->cap : 4;
        while (cap < need)
            cap *= 2;
        if (cap > n_smes - 1)
            cap = n_smes - 1;
        sm__hedge *ne = sm__realloc(a, x->e, cap * sizeof *ne);
        if (!ne) {
            pend_clear(h, members, total);
            return sm__nomem();
        }
        x->e = ne;
        x->cap = (uint32_t)cap;
    }
    return SM_OK;
}

static void link(sm__history *h, uint32_t a, uint32_t b, int32_t day)
{
    sm__hadj *x = &h->adj[a];
    sm__hedge *ed = edge_find(x, b);
    if (!ed) {
        sm__hsec_link(h, a, b, 1.0); /* the sector counts, before a's list holds b */
        ed = &x->e[x->n++];
        ed->other = b;
        ed->count = 0;
        ed->last = day;
        if (a < b)
            h->n_links++;
    }
    ed->count++;
    if (day > ed->last)
        ed->last = day;
}

void sm__history_commit(sm__history *h, const uint32_t *members, uint32_t n, int32_t day, uint16_t kind)
{
    sm__hevent *ev = &h->ev[h->n_ev++];
    ev->day = day;
    ev->kind = kind;
    ev->off = (uint32_t)h->n_pool;
    ev->n = n;
    memcpy(h->pool + h->n_pool, members, n * sizeof *members);
    h->n_pool += n;
    for (uint32_t i = 0; i < n; i++) {
        sm__hadj *x = &h->adj[members[i]];
        if (++x->events > h->max_events)
            h->max_events = x->events;
        h->ev8[members[i]] = (uint8_t)(x->events < SM__HIST_EV8_MAX ? x->events : SM__HIST_EV8_MAX);
        for (uint32_t j = 0; j < n; j++)
            if (j != i)
                link(h, members[i], members[j], day);
    }
    if (day > h->last_day)
        h->last_day = day;
    h->version++;
}

sm_status sm__history_until(sm__history *out, const sm__history *h, size_t n_smes, int32_t before)
{
    size_t n_ev = 0, total = 0;
    for (size_t i = 0; i < h->n_ev; i++)
        if (h->ev[i].day < before) {
            n_ev++;
            total += h->ev[i].n;
        }
    uint32_t *members = sm__malloc(&out->alloc, (total ? total : 1) * sizeof *members);
    uint32_t *counts = sm__malloc(&out->alloc, (n_ev ? n_ev : 1) * sizeof *counts);
    sm_status st = SM_OK;
    if (!members || !counts) {
        st = sm__nomem();
        goto done;
    }
    size_t m = 0, e = 0;
    for (size_t i = 0; i < h->n_ev; i++) {
        const sm__hevent *ev = &h->ev[i];
        if (ev->day >= before)
            continue;
        uint32_t c = 0;
        for (uint32_t j = 0; j < ev->n; j++)
            if (h->pool[ev->off + j] != UINT32_MAX)
                members[m + c++] = h->pool[ev->off + j];
        counts[e++] = c;
        m += c;
    }
    for (unsigned k = 0; k < h->n_kinds && !st; k++) {
        uint16_t id;
        st = sm__history_kind(out, h->kinds[k], &id);
    }
    if (st || (st = sm__history_reserve(out, n_smes, members, counts, n_ev)))
        goto done;
    m = e = 0;
    for (size_t i = 0; i < h->n_ev; i++) {
        const sm__hevent *ev = &h->ev[i];
        if (ev->day >= before)
            continue;
        sm__history_commit(out, members + m, counts[e], ev->day, ev->kind);
        m += counts[e++];
    }
    out->half_life = h->half_life;
    out->ref_day = h->ref_day;
done:
    sm__free(&out->alloc, members);
    sm__free(&out->alloc, counts);
    return st;
}

/* Drops b from a's partners (swap with the last). */
static void unlink_one(sm__history *h, uint32_t a, uint32_t b)
{
    sm__hadj *x = &h->adj[a];
    for (uint32_t j = 0; j < x->n; j++)
        if (x->e[j].other == b) {
            x->e[j] = x->e[--x->n];
            return;
        }
}

void sm__history_sme_removed(sm__history *h, size_t i, size_t last)
{
    if (i >= h->n_adj && last >= h->n_adj)
        return;
    if (i < h->n_adj) {
        sm__hadj *x = &h->adj[i];
        for (uint32_t j = 0; j < x->n; j++) {
            sm__hsec_link(h, (uint32_t)i, x->e[j].other, -1.0); /* both ends, while both lists hold them */
            sm__hsec_link(h, x->e[j].other, (uint32_t)i, -1.0);
        }
        for (uint32_t j = 0; j < x->n; j++)
            unlink_one(h, x->e[j].other, (uint32_t)i);
        h->n_links -= x->n;
        sm__free(&h->alloc, x->e);
        memset(x, 0, sizeof *x);
        h->ev8[i] = 0;
    }
    if (last != i && last < h->n_adj) {
        sm__hadj *y = &h->adj[last];
        for (uint32_t j = 0; j < y->n; j++) {
            sm__hadj *z = &h->adj[y->e[j].other];
            for (uint32_t t = 0; t < z->n; t++)
                if (z->e[t].other == last)
                    z->e[t].other = (uint32_t)i;
        }
        if (i < h->n_adj) {
            h->adj[i] = *y;
            h->ev8[i] = h->ev8[last];
            memset(y, 0, sizeof *y);
        }
        h->ev8[last] = 0;
    }
    for (size_t p = 0; p < h->n_pool; p++) {
        if (h->pool[p] == i)
            h->pool[p] = UINT32_MAX;
        else if (h->pool[p] == last)
            h->pool[p] = (uint32_t)i;
    }
    h->version++;
    /* the track record's maximum may have gone with SME i */
    h->max_events = 0;
    for (size_t k = 0; k < h->n_adj; k++)
        if (h->adj[k].events > h->max_events)
            h->max_events = h->adj[k].events;
}

/* ---- days ------------------------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int32_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool sm__day_parse(const char *s, size_t len, int32_t *out)
{
    int y, m = 1, d = 1;
    if (!(len == 4 || len == 7 || len == 10) || !digits(s, 4, &y) || y < 1000)
        return false;
    if (len >= 7 && (s[4] != '-' || !digits(s + 5, 2, &m) || m < 1 || m > 12))
        return false;
    if (len == 10) {
        static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (s[7] != '-' || !digits(s + 8, 2, &d) || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
            return false;
    }
    *out = days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

void sm__day_format(char out[11], int32_t day)
{
    int z = day + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = (int)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
    out[0] = (char)('0' + yy / 1000);
    out[1] = (char)('0' + yy / 100 % 10);
    out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10 % 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10 % 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

/* ---- the public calls ------------------------------------------------------ */

/* The engine's history, made on first use (writer lock held). */
static sm_status engine_history(sm__history **out, sm_engine *e)
{
    if (!e->history) {
        sm__history *h = sm__malloc(&e->alloc, sizeof *h);
        if (!h)
            return sm__nomem();
        sm__history_init(h, &e->alloc);
        e->history = h;
    }
    *out = e->history;
    return SM_OK;
}

sm_status sm__history_resolve(uint32_t *out, const sm_engine *e, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!ids[i])
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "history: member %zu is NULL", i);
        long x = sm__sme_find(e, ids[i]);
        if (x < 0)
            return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "member", ids[i],
                               "member: no SME \"%s\" (add the SMEs before their history)", ids[i]);
        for (size_t j = 0; j < i; j++)
            if (out[j] == (uint32_t)x)
                return sm__fail_at(SM_ERR_DUPLICATE, NULL, 0, 0, "member", ids[i],
                                   "member: \"%s\" is listed twice in one cooperation", ids[i]);
        out[i] = (uint32_t)x;
    }
    return SM_OK;
}

sm_status sm_history_add(sm_engine *engine, const char *const *ids, size_t n, const char *date, const char *kind)
{
    if (!engine || !ids || !date)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "history: NULL %s", !engine ? "engine" : !ids ? "ids" : "date");
    if (n < 2 || n > SM__HIST_MEMBERS_MAX)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "history: a cooperation has 2..%u members, not %zu",
                        SM__HIST_MEMBERS_MAX, n);
    int32_t day;
    if (!sm__day_parse(date, strlen(date), &day))
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "date", date,
                           "date: \"%s\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", date);
    uint32_t members[SM__HIST_MEMBERS_MAX];
    sm__wrlock(engine);
    sm__history *h = NULL;
    uint16_t k = 0;
    uint32_t count = (uint32_t)n;
    sm_status st = sm__history_resolve(members, engine, ids, n);
    if (!st && !(st = engine_history(&h, engine)) && !(st = sm__history_kind(h, kind ? kind : "", &k)) &&
        !(st = sm__history_reserve(h, engine->smes.n, members, &count, 1))) {
        sm__history_commit(h, members, count, day, k);
        sm__history_members_grew(engine, members, count);
        sm__history_changed(engine);
    }
    sm__unlock(engine);
    return st;
}

sm_status sm_history_clear(sm_engine *engine)
{
    if (!engine)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "history: NULL engine");
    sm__wrlock(engine);
    if (engine->history) {
        sm__history *h = engine->history;
        int32_t ref = h->ref_day;
        double hl = h->half_life;
        bool had = h->n_ev > 0;
        sm__history_free(h);
        h->ref_day = ref;
        h->half_life = hl;
        if (had)
            sm__history_changed(engine);
    }
    sm__unlock(engine);
    return SM_OK;
}

sm_status sm_history_set_decay(sm_engine *engine, const char *reference_date, double half_life_days)
{
    if (!engine)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "history: NULL engine");
    if (!(half_life_days > 0) || !isfinite(half_life_days))
        return sm__fail(SM_ERR_RANGE, "half_life_days: %g must be finite and > 0", half_life_days);
    int32_t day = INT32_MIN;
    if (reference_date && !sm__day_parse(reference_date, strlen(reference_date), &day))
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "reference_date", reference_date,
                           "reference_date: \"%s\" is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", reference_date);
    sm__wrlock(engine);
    sm__history *h = NULL;
    sm_status st = engine_history(&h, engine);
    if (!st && (h->ref_day != day || h->half_life != half_life_days)) {
        h->ref_day = day;
        h->half_life = half_life_days;
        h->version++;
        sm__history_changed(engine);
    }
    sm__unlock(engine);
    return st;
}

sm_status sm_history_info_get(sm_history_info *out, const sm_engine *engine)
{
    if (!out || !engine)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "history: NULL %s", out ? "engine" : "out");
    sm_history_info r;
    memset(&r, 0, sizeof r);
    r.half_life_days = SM__HIST_HALF_LIFE_DEFAULT;
    sm__rdlock(engine);
    const sm__history *h = engine->history;
    if (h) {
        r.cooperations = h->n_ev;
        r.links = h->n_links;
        for (size_t i = 0; i < h->n_adj; i++)
            r.smes_with_history += h->adj[i].events > 0;
        if (h->last_day != INT32_MIN)
            sm__day_format(r.last_date, h->last_day);
        if (sm__history_ref(h) != INT32_MIN)
            sm__day_format(r.reference_date, sm__history_ref(h));
        r.half_life_days = h->half_life;
    }
    sm__unlock(engine);
    *out = r;
    return SM_OK;
}
