/* The event object of the planner: participants (with capacity, group and
 * unavailable slots), meeting wishes (one per pair, merged), slots and
 * tables; and the wishes generated from the engine's top-k. */
#include "groups/event.h"

#include <math.h>
#include <string.h>

#include <stddef.h>

/* Bytes of the options struct of each version: a caller built against an
 * older header passes the smaller struct. */
static size_t options_size(unsigned version)
{
    return version == 1 ? offsetof(sm_event_options, sessions) : version == 2 ? sizeof(sm_event_options) : 0;
}

sm_status sm_event_options_init(sm_event_options *opts, unsigned int version)
{
    if (!opts || !options_size(version))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_options_init: %s",
                        opts ? "unknown version (use SM_EVENT_OPTIONS_VERSION)" : "opts is NULL");
    sm_event_options d = SM_EVENT_OPTIONS_INIT;
    d.version = version;
    memcpy(opts, &d, options_size(version));
    return SM_OK;
}

static const char *part_key(const void *ctx, uint32_t v)
{
    return ((const sm_event *)ctx)->parts[v].id;
}

long sm__ev_find(const sm_event *ev, const char *id)
{
    uint32_t v;
    return sm__hmap_get(&ev->part_map, id, part_key, ev, &v) ? (long)v : -1;
}

sm_status sm_event_new(sm_event **out, const sm_engine *engine, const sm_event_options *opts)
{
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    if (!out || !engine)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_new: %s is NULL", out ? "engine" : "out");
    if (opts) {
        if (!options_size(opts->version))
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_new: options version %u, expected 1..%u", opts->version,
                            SM_EVENT_OPTIONS_VERSION);
        memcpy(&o, opts, options_size(opts->version));
    }
    if (o.slots < 1 || o.slots > SM_EVENT_SLOTS_MAX)
        return sm__fail(SM_ERR_RANGE, "sm_event_new: slots %u out of range 1..%u", o.slots, SM_EVENT_SLOTS_MAX);
    if (o.tables < 1 || o.tables > SM_EVENT_TABLES_MAX)
        return sm__fail(SM_ERR_RANGE, "sm_event_new: tables %u out of range 1..%u", o.tables, SM_EVENT_TABLES_MAX);
    if (o.capacity < 1 || o.capacity > SM_EVENT_CAPACITY_MAX)
        return sm__fail(SM_ERR_RANGE, "sm_event_new: capacity %u out of range 1..%u", o.capacity,
                        SM_EVENT_CAPACITY_MAX);
    if (o.effort > 2)
        return sm__fail(SM_ERR_RANGE, "sm_event_new: effort %u out of range 0..2", o.effort);
    sm__ev_sessions sess;
    sm_status st = sm__ev_sessions_parse(&sess, o.sessions, o.slots);
    if (st)
        return st;
    sm_event *ev = sm__calloc(&engine->alloc, 1, sizeof *ev);
    if (!ev)
        return sm__nomem();
    ev->alloc = engine->alloc;
    ev->engine = engine;
    ev->opts = o;
    ev->opts.sessions = NULL; /* the caller's text is not kept */
    ev->sess = sess;
    for (unsigned s = 0; s < SM_EVENT_SLOTS_MAX; s++)
        ev->slot_tables[s] = !sess.n || sm__ev_session_of(&sess, s + 1) >= 0 ? o.tables : 0;
    *out = ev;
    return SM_OK;
}

void sm_event_free(sm_event *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n_parts; i++) {
        sm__free(&ev->alloc, ev->parts[i].id);
        sm__free(&ev->alloc, ev->parts[i].group);
    }
    sm__free(&ev->alloc, ev->parts);
    sm__hmap_free(&ev->part_map, &ev->alloc);
    sm__free(&ev->alloc, ev->wishes);
    sm__free(&ev->alloc, ev->pair_keys);
    sm__free(&ev->alloc, ev->pair_vals);
    sm_allocator a = ev->alloc;
    sm__free(&a, ev);
}

size_t sm_event_participant_count(const sm_event *ev)
{
    return ev ? ev->n_parts : 0;
}

size_t sm_event_wish_count(const sm_event *ev)
{
    return ev ? ev->n_wishes : 0;
}

sm_status sm_event_add_participant(sm_event *ev, const char *id, unsigned int capacity, const char *group)
{
    if (!ev || !id)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_add_participant: %s is NULL", ev ? "id" : "event");
    if (!sm_sme_contains(ev->engine, id))
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", id,
                           "participant \"%s\" is not an SME of the engine: load it first or fix the id", id);
    if (sm__ev_find(ev, id) >= 0)
        return sm__fail_at(SM_ERR_DUPLICATE, NULL, 0, 0, "id", id, "participant \"%s\" is already in the event", id);
    if (capacity > SM_EVENT_CAPACITY_MAX)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "capacity", NULL,
                           "capacity %u of \"%s\" out of range 1..%u (0 = the event's default)", capacity, id,
                           SM_EVENT_CAPACITY_MAX);
    if (ev->n_parts >= UINT32_MAX - 1)
        return sm__fail(SM_ERR_LIMIT, "too many participants");
    char *cid = sm__strdup(&ev->alloc, id);
    char *cgroup = group && *group ? sm__strdup(&ev->alloc, group) : NULL;
    if (!cid || (group && *group && !cgroup) ||
        sm__grow(&ev->alloc, (void **)&ev->parts, &ev->cap_parts, ev->n_parts + 1, sizeof *ev->parts) ||
        sm__hmap_reserve(&ev->part_map, &ev->alloc, 1, part_key, ev)) {
        sm__free(&ev->alloc, cid);
        sm__free(&ev->alloc, cgroup);
        return sm__nomem();
    }
    sm__ev_part *p = &ev->parts[ev->n_parts];
    p->id = cid;
    p->group = cgroup;
    p->cap = capacity ? capacity : ev->opts.capacity;
    p->unavail = 0;
    sm__hmap_insert(&ev->part_map, cid, (uint32_t)ev->n_parts);
    ev->n_parts++;
    return SM_OK;
}

sm_status sm_event_set_unavailable(sm_event *ev, const char *id, unsigned int first, unsigned int last)
{
    if (!ev || !id)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_set_unavailable: %s is NULL", ev ? "id" : "event");
    long p = sm__ev_find(ev, id);
    if (p < 0)
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", id, "\"%s\" is not a participant of the event", id);
    if (first < 1 || last < first || last > ev->opts.slots)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "slot", NULL,
                           "unavailable slots %u..%u of \"%s\": need 1 <= first <= last <= %u", first, last, id,
                           ev->opts.slots);
    for (unsigned s = first; s <= last; s++)
        ev->parts[p].unavail |= 1ull << (s - 1);
    return SM_OK;
}

sm_status sm_event_set_slot_tables(sm_event *ev, unsigned int slot, unsigned int tables)
{
    if (!ev)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_set_slot_tables: event is NULL");
    if (slot < 1 || slot > ev->opts.slots)
        return sm__fail(SM_ERR_RANGE, "slot %u out of range 1..%u", slot, ev->opts.slots);
    if (tables > SM_EVENT_TABLES_MAX)
        return sm__fail(SM_ERR_RANGE, "tables %u in slot %u out of range 0..%u", tables, slot, SM_EVENT_TABLES_MAX);
    if (tables && ev->sess.n && sm__ev_session_of(&ev->sess, slot) < 0)
        return sm__fail(SM_ERR_RANGE, "slot %u is a break between sessions: it has no tables (widen a session to use it)",
                        slot);
    ev->slot_tables[slot - 1] = tables;
    return SM_OK;
}

/* ---- wishes: one per unordered pair ------------------------------------- */

static uint64_t pair_key(uint32_t a, uint32_t b)
{
    return a < b ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
}

static size_t pair_slot(const sm_event *ev, uint64_t key)
{
    size_t mask = ev->pair_cap - 1;
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & mask;
    while (ev->pair_keys[i] && ev->pair_keys[i] != key + 1)
        i = (i + 1) & mask;
    return i;
}

sm_status sm__ev_wish_reserve(sm_event *ev, size_t n)
{
    size_t need = ev->n_wishes + n;
    if (need < ev->n_wishes || need > UINT32_MAX / 4)
        return sm__fail(SM_ERR_LIMIT, "too many wishes");
    if (sm__grow(&ev->alloc, (void **)&ev->wishes, &ev->cap_wishes, need, sizeof *ev->wishes))
        return sm__nomem();
    if (need * 2 <= ev->pair_cap)
        return SM_OK;
    size_t cap = ev->pair_cap ? ev->pair_cap : 64;
    while (cap < need * 2)
        cap *= 2;
    uint64_t *keys = sm__calloc(&ev->alloc, cap, sizeof *keys);
    uint32_t *vals = sm__calloc(&ev->alloc, cap, sizeof *vals);
    if (!keys || !vals) {
        sm__free(&ev->alloc, keys);
        sm__free(&ev->alloc, vals);
        return sm__nomem();
    }
    sm__free(&ev->alloc, ev->pair_keys);
    sm__free(&ev->alloc, ev->pair_vals);
    ev->pair_keys = keys;
    ev->pair_vals = vals;
    ev->pair_cap = cap;
    for (size_t w = 0; w < ev->n_wishes; w++) {
        uint64_t k = pair_key(ev->wishes[w].a, ev->wishes[w].b);
        size_t i = pair_slot(ev, k);
        keys[i] = k + 1;
        vals[i] = (uint32_t)w;
    }
    return SM_OK;
}

static int status_rank(sm_wish_status s)
{
    static const int rank[] = { 1, 2, 5, 3, 4 }; /* requested, accepted, declined, must, locked */
    return (unsigned)s < 5 ? rank[s] : 0;
}

sm_status sm__ev_wish_put(sm_event *ev, uint32_t a, uint32_t b, unsigned priority, double score, sm_wish_status status,
                          unsigned slot, unsigned table)
{
    sm_status st = sm__ev_wish_reserve(ev, 1);
    if (st)
        return st;
    uint64_t k = pair_key(a, b);
    size_t i = pair_slot(ev, k);
    if (ev->pair_keys[i]) {
        sm__ev_wish *w = &ev->wishes[ev->pair_vals[i]];
        w->priority = priority > w->priority ? priority : w->priority;
        w->score = score > w->score ? score : w->score;
        if (status_rank(status) > status_rank(w->status)) {
            w->status = status;
            w->slot = slot;
            w->table = table;
        }
        return SM_OK;
    }
    sm__ev_wish *w = &ev->wishes[ev->n_wishes];
    w->a = a;
    w->b = b;
    w->priority = priority;
    w->score = score;
    w->status = status;
    w->slot = slot;
    w->table = table;
    ev->pair_keys[i] = k + 1;
    ev->pair_vals[i] = (uint32_t)ev->n_wishes;
    ev->n_wishes++;
    return SM_OK;
}

sm_status sm_event_add_wish(sm_event *ev, const char *a, const char *b, unsigned int priority, double score,
                            sm_wish_status status, unsigned int slot, unsigned int table)
{
    if (!ev || !a || !b)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_add_wish: %s is NULL", !ev ? "event" : !a ? "a" : "b");
    long pa = sm__ev_find(ev, a), pb = sm__ev_find(ev, b);
    if (pa < 0 || pb < 0) {
        const char *x = pa < 0 ? a : b;
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, pa < 0 ? "a" : "b", x,
                           "wish %s-%s: \"%s\" is not a participant of the event", a, b, x);
    }
    if (pa == pb)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "b", b, "wish %s-%s: a participant cannot meet itself",
                           a, b);
    if ((unsigned)status > SM_WISH_LOCKED)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "wish %s-%s: unknown status %d", a, b, (int)status);
    if (priority > 1000)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "priority", NULL, "wish %s-%s: priority %u out of range 0..1000",
                           a, b, priority);
    if (!isnan(score) && !(score >= 0.0 && score <= 1.0))
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "score", NULL, "wish %s-%s: score %g out of range 0..1", a, b,
                           score);
    if (status == SM_WISH_LOCKED ? (slot < 1 || slot > ev->opts.slots || table > SM_EVENT_TABLES_MAX)
                                 : (slot != 0 || table != 0))
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "slot", NULL,
                           status == SM_WISH_LOCKED ? "wish %s-%s: a locked meeting needs a slot in 1..%u"
                                                    : "wish %s-%s: only a locked meeting has a slot (slots 1..%u)",
                           a, b, ev->opts.slots);
    if (isnan(score)) {
        sm_result *r = NULL;
        sm_status st = sm_query_explain(&r, ev->engine, a, b, NULL);
        if (st)
            return st;
        score = sm_result_count(r) ? sm_result_score(r, 0) : 0.0;
        sm_result_free(r);
    }
    return sm__ev_wish_put(ev, (uint32_t)pa, (uint32_t)pb, priority, score, status, slot, table);
}

static bool same_group(const sm_event *ev, uint32_t a, uint32_t b)
{
    const char *ga = ev->parts[a].group, *gb = ev->parts[b].group;
    return ga && gb && strcmp(ga, gb) == 0;
}

sm_status sm_event_wishes_from_top(sm_event *ev, size_t k, const sm_query_options *query)
{
    if (!ev)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_wishes_from_top: event is NULL");
    if (k < 1 || k > 1000)
        return sm__fail(SM_ERR_RANGE, "sm_event_wishes_from_top: k %zu out of range 1..1000", k);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    if (query) {
        if (query->version != SM_QUERY_OPTIONS_VERSION)
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_wishes_from_top: query options version %u, expected %u",
                            query->version, SM_QUERY_OPTIONS_VERSION);
        q = *query;
    }
    q.exclude_ids = NULL;
    q.n_exclude_ids = 0;
    /* collected first, added after: on failure the event is unchanged */
    uint32_t *pa = NULL, *pb = NULL;
    double *ps = NULL;
    size_t n = 0, cap_a = 0, cap_b = 0, cap_s = 0;
    size_t n_smes = sm_sme_count(ev->engine);
    sm_status st = SM_OK;
    for (size_t i = 0; i < ev->n_parts && !st; i++) {
        /* the engine ranks all its SMEs; ask for more until k participants
         * (of another group) are among them or the engine has no more */
        size_t want = k * 4 < 64 ? 64 : k * 4;
        for (;;) {
            sm_result *r = NULL;
            q.k = want;
            st = sm_query_top(&r, ev->engine, ev->parts[i].id, &q);
            if (st)
                break;
            size_t got = 0, cnt = sm_result_count(r);
            size_t n_before = n;
            for (size_t j = 0; j < cnt && got < k; j++) {
                long p = sm__ev_find(ev, sm_result_id(r, j));
                if (p < 0 || same_group(ev, (uint32_t)i, (uint32_t)p))
                    continue;
                if (sm__grow(&ev->alloc, (void **)&pa, &cap_a, n + 1, sizeof *pa) ||
                    sm__grow(&ev->alloc, (void **)&pb, &cap_b, n + 1, sizeof *pb) ||
                    sm__grow(&ev->alloc, (void **)&ps, &cap_s, n + 1, sizeof *ps)) {
                    st = sm__nomem();
                    break;
                }
                pa[n] = (uint32_t)i;
                pb[n] = (uint32_t)p;
                ps[n] = sm_result_score(r, j);
                n++;
                got++;
            }
            sm_result_free(r);
            if (st || got >= k || cnt < want || want >= n_smes)
                break;
            n = n_before;
            want *= 4;
        }
    }
    if (!st)
        st = sm__ev_wish_reserve(ev, n);
    for (size_t j = 0; j < n && !st; j++)
        st = sm__ev_wish_put(ev, pa[j], pb[j], 0, ps[j], SM_WISH_REQUESTED, 0, 0);
    sm__free(&ev->alloc, pa);
    sm__free(&ev->alloc, pb);
    sm__free(&ev->alloc, ps);
    return st;
}
