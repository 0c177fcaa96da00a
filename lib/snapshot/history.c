/* Reading the cooperation history of a snapshot (format.h: HISTORY,
 * HIST_EVENTS, HIST_MEMBERS, HIST_ORDER): every value is checked, the
 * events are replayed through sm__history_reserve/commit as
 * sm_history_add() makes them, and each SME's partners are put back in the
 * saved order, so that the network criteria sum in the same order and
 * score bit for bit as the saved engine did. */
#include "snapshot/reader.h"
#include "core/history.h"

#include <math.h>
#include <string.h>

/* Days of the years 0000..9999, which dates are written in. */
static bool day_ok(int32_t day)
{
    return day >= -719528 && day <= 2932896; /* 0000-01-01, 9999-12-31 */
}

/* The events' members without removed SMEs into members, their numbers into
 * counts; checks every event (stamp: scratch per SME, zeroed). */
static sm_status events_check(reader *r, const sm_engine *e, const sm__snap_history *hd, uint32_t *members,
                              uint32_t *counts, uint32_t *stamp)
{
    const sec *es = &r->s[SM__SEC_HIST_EVENTS], *ms = &r->s[SM__SEC_HIST_MEMBERS];
    uint64_t next = 0, kept = 0;
    for (uint64_t i = 0; i < hd->n_events; i++) {
        sm__snap_event ev;
        memcpy(&ev, es->p + i * sizeof ev, sizeof ev);
        uint64_t at = es->off + i * sizeof ev;
        if (ev.off != next || ev.n > SM__HIST_MEMBERS_MAX || ev.n > hd->n_members - next)
            return sm__snap_bad(r, SM__SEC_HIST_EVENTS, at, "event %llu: members %u..+%u, expected to start at %llu",
                                (unsigned long long)i, ev.off, ev.n, (unsigned long long)next);
        if (ev.kind >= hd->n_kinds || !day_ok(ev.day))
            return sm__snap_bad(r, SM__SEC_HIST_EVENTS, at, "event %llu: kind %u of %u or day %d out of range",
                                (unsigned long long)i, ev.kind, hd->n_kinds, ev.day);
        uint32_t c = 0;
        for (uint32_t j = 0; j < ev.n; j++) {
            uint32_t m;
            memcpy(&m, ms->p + 4 * (next + j), 4);
            if (m == UINT32_MAX)
                continue;
            if (m >= e->smes.n || stamp[m] == (uint32_t)i + 1)
                return sm__snap_bad(r, SM__SEC_HIST_MEMBERS, ms->off + 4 * (next + j),
                                    "event %llu: member %u out of range or listed twice", (unsigned long long)i, m);
            stamp[m] = (uint32_t)i + 1;
            members[kept + c++] = m;
        }
        counts[i] = c;
        kept += c;
        next += ev.n;
    }
    if (next != hd->n_members)
        return sm__snap_bad(r, SM__SEC_HIST_MEMBERS, ms->off, "%llu entries, the events use %llu",
                            (unsigned long long)hd->n_members, (unsigned long long)next);
    return SM_OK;
}

/* Puts every SME's partners in the order HIST_ORDER lists them, which must
 * be the replayed partners exactly (pos: scratch per SME, UINT32_MAX). */
static sm_status order_apply(reader *r, sm__history *h, size_t n_smes, uint64_t n_order, uint32_t *pos,
                             sm__hedge *tmp)
{
    const sec *os = &r->s[SM__SEC_HIST_ORDER];
    uint64_t k = 0;
    for (size_t i = 0; i < h->n_adj && i < n_smes; i++) {
        sm__hadj *x = &h->adj[i];
        if (x->n > n_order - k)
            return sm__snap_bad(r, SM__SEC_HIST_ORDER, os->off, "%llu entries, SME %zu's partners need more",
                                (unsigned long long)n_order, i);
        for (uint32_t j = 0; j < x->n; j++)
            pos[x->e[j].other] = j;
        sm_status st = SM_OK;
        for (uint32_t j = 0; j < x->n; j++) {
            uint32_t want;
            memcpy(&want, os->p + 4 * (k + j), 4);
            if (want >= n_smes || pos[want] == UINT32_MAX) {
                st = sm__snap_bad(r, SM__SEC_HIST_ORDER, os->off + 4 * (k + j),
                                  "SME %zu: partner %u is not one of its partners or listed twice", i, want);
                break;
            }
            tmp[j] = x->e[pos[want]];
            pos[want] = UINT32_MAX;
        }
        for (uint32_t j = 0; j < x->n; j++)
            pos[x->e[j].other] = UINT32_MAX;
        if (st)
            return st;
        if (x->n)
            memcpy(x->e, tmp, x->n * sizeof *tmp);
        k += x->n;
    }
    if (k != n_order)
        return sm__snap_bad(r, SM__SEC_HIST_ORDER, os->off, "%llu entries, the SMEs have %llu partners",
                            (unsigned long long)n_order, (unsigned long long)k);
    return SM_OK;
}

sm_status sm__snap_read_history(reader *r, sm_engine *e)
{
    if (!r->s[SM__SEC_HISTORY].present)
        return SM_OK;
    sm_status st;
    sm__snap_history hd;
    if ((st = sm__snap_need(r, SM__SEC_HISTORY, 1, sizeof hd)))
        return st;
    memcpy(&hd, r->s[SM__SEC_HISTORY].p, sizeof hd);
    uint64_t at = r->s[SM__SEC_HISTORY].off;
    if (hd.n_kinds > SM__HIST_KINDS_MAX || !isfinite(hd.half_life) || !(hd.half_life > 0) ||
        (hd.ref_day != INT32_MIN && !day_ok(hd.ref_day)) || hd.n_events > UINT32_MAX || hd.n_members > UINT32_MAX)
        return sm__snap_bad(r, SM__SEC_HISTORY, at, "kinds, half-life, reference day or sizes out of range");
    if ((st = sm__snap_need(r, SM__SEC_HIST_EVENTS, hd.n_events, sizeof(sm__snap_event))) ||
        (st = sm__snap_need(r, SM__SEC_HIST_MEMBERS, hd.n_members, 4)) ||
        (st = sm__snap_need(r, SM__SEC_HIST_ORDER, hd.n_order, 4)))
        return st;
    sm__history *h = sm__malloc(&e->alloc, sizeof *h);
    if (!h)
        return sm__nomem();
    sm__history_init(h, &e->alloc);
    e->history = h; /* freed with the engine on failure */
    for (uint32_t k = 0; k < hd.n_kinds; k++) {
        const char *name = NULL;
        uint16_t id;
        if ((st = sm__snap_str_at(r, SM__SEC_HISTORY, at, hd.kinds[k], &name)))
            return st;
        if ((st = sm__history_kind(h, name, &id)))
            return st;
        if (id != k)
            return sm__snap_bad(r, SM__SEC_HISTORY, at, "kind \"%.60s\" listed twice", name);
    }
    size_t n = e->smes.n;
    uint32_t *members = sm__malloc(&e->alloc, (size_t)(hd.n_members ? hd.n_members : 1) * sizeof *members);
    uint32_t *counts = sm__malloc(&e->alloc, (size_t)(hd.n_events ? hd.n_events : 1) * sizeof *counts);
    uint32_t *scratch = sm__calloc(&e->alloc, n ? n : 1, sizeof *scratch);
    sm__hedge *tmp = NULL;
    if (!members || !counts || !scratch) {
        st = sm__nomem();
        goto done;
    }
    if ((st = events_check(r, e, &hd, members, counts, scratch)))
        goto done;
    /* an event may have lost all its members: the commit then copies none,
     * but into a pool that must exist all the same */
    if (hd.n_events && !h->pool && sm__grow(&h->alloc, (void **)&h->pool, &h->cap_pool, 1, sizeof *h->pool)) {
        st = sm__nomem();
        goto done;
    }
    if (hd.n_events && (st = sm__history_reserve(h, n, members, counts, (size_t)hd.n_events)))
        goto done;
    const sm__snap_event *ev = (const sm__snap_event *)r->s[SM__SEC_HIST_EVENTS].p;
    uint64_t m = 0;
    for (uint64_t i = 0; i < hd.n_events; i++) {
        int32_t day;
        uint16_t kind;
        memcpy(&day, &ev[i].day, sizeof day);
        memcpy(&kind, &ev[i].kind, sizeof kind);
        sm__history_commit(h, members + m, counts[i], day, kind);
        m += counts[i];
    }
    uint32_t max_deg = 0;
    for (size_t i = 0; i < h->n_adj; i++)
        max_deg = h->adj[i].n > max_deg ? h->adj[i].n : max_deg;
    if (!(tmp = sm__malloc(&e->alloc, (max_deg ? max_deg : 1) * sizeof *tmp))) {
        st = sm__nomem();
        goto done;
    }
    memset(scratch, 0xff, (n ? n : 1) * sizeof *scratch);
    if ((st = order_apply(r, h, n, hd.n_order, scratch, tmp)))
        goto done;
    h->ref_day = hd.ref_day;
    h->half_life = hd.half_life;
done:
    sm__free(&e->alloc, members);
    sm__free(&e->alloc, counts);
    sm__free(&e->alloc, scratch);
    sm__free(&e->alloc, tmp);
    return st;
}
