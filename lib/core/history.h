/* Realised cooperations held by the engine (history.c): the log of events
 * (a pair or a group, a day and a kind) and, per SME, the adjacency the
 * network criteria read (each partner with the number of shared events and
 * the day of the last one), so that a network score costs O(degree).
 * Indexed by the dense SME index; sm_sme_remove() keeps it in step. */
#ifndef SM_CORE_HISTORY_H
#define SM_CORE_HISTORY_H

#include "core/core.h"

#include <pthread.h>

#define SM__HIST_KINDS_MAX 255u
#define SM__HIST_MEMBERS_MAX 4096u

typedef struct sm__hedge {
    uint32_t other; /* SME index of the partner */
    uint32_t count; /* events the two shared */
    int32_t last;   /* day of the latest one */
} sm__hedge;

typedef struct sm__hadj {
    sm__hedge *e;    /* partners, unordered */
    uint32_t n, cap;
    uint32_t events; /* events the SME took part in (its track record) */
    uint32_t pend;   /* scratch of sm__history_reserve(); 0 outside it */
    uint16_t key;    /* affinity key of the primary sector as the sector counts saw it (while n > 0) */
} sm__hadj;

typedef struct sm__hevent {
    int32_t day;
    uint16_t kind; /* index in kinds */
    uint32_t off, n; /* members: pool[off .. off + n) */
} sm__hevent;

typedef struct sm__history {
    sm__alloc alloc;
    sm__hadj *adj;    /* by SME index; SMEs at or beyond n_adj have no history */
    size_t n_adj, cap_adj;
    /* adj[i].events, at most SM__HIST_EV8_MAX, by SME index (cap_adj
     * entries): the track record a query reads per candidate, 1 byte an
     * SME instead of a 32-byte adj entry (the adj read was a cache miss
     * for every candidate of a scan over a million SMEs) */
    uint8_t *ev8;
    sm__hevent *ev;
    size_t n_ev, cap_ev;
    uint32_t *pool;   /* event members (SME indices; UINT32_MAX once removed) */
    size_t n_pool, cap_pool;
    char *kinds[SM__HIST_KINDS_MAX]; /* interned kind names (allocator) */
    unsigned n_kinds;
    uint32_t max_events; /* max of adj[i].events */
    size_t n_links;      /* distinct partner pairs */
    int32_t last_day;    /* latest event day; INT32_MIN when empty */
    int32_t ref_day;     /* reference day of the decay; INT32_MIN: last_day */
    double half_life;    /* days, > 0 */
    uint64_t version;    /* moves on with every change of the events or the adjacency */
    /* Links by pair of affinity keys (history_sectors.c): counted on first
     * use, then kept in step by every added and removed link; sector
     * changes of SMEs are taken in on the first use after an engine change
     * (under sec_mu). sec_e is the engine whose sectors they count. */
    pthread_mutex_t sec_mu;
    struct sm__hsectors *sec;
    const struct sm_engine *sec_e;
} sm__history;

#define SM__HSEC_KEYS SM__AFF_KEYS
#define SM__HSEC_PRIOR 10.0 /* pseudo-links of the input-output prior (docs/scoring.md) */

/* The sector-pair counts of the history's links: c[p][q] ordered link ends
 * between SMEs whose primary sectors have affinity keys p and q (a link
 * counts in both orders), m[p] = sum over q, total = 2 * links. */
typedef struct sm__hsectors {
    uint64_t generation; /* the engine generation whose SME sectors they count */
    double total;
    double m[SM__HSEC_KEYS];
    double c[SM__HSEC_KEYS * SM__HSEC_KEYS];
} sm__hsectors;

/* The counts of h for engine e, current (reader lock held). Counted on
 * the first call, O(links + SMEs); after that added and removed links
 * update them as they happen (sm__hsec_link) and the first call after an
 * engine change moves the links of SMEs whose primary sector changed,
 * O(SMEs with links + their degrees). NOMEM leaves *out untouched. */
sm_status sm__history_sectors(const sm__hsectors **out, const sm__history *h, const sm_engine *e);
/* The ordered link end a -> b was added (+1) or removed (-1): the counts
 * follow when they exist (writer lock held). */
void sm__hsec_link(sm__history *h, uint32_t a, uint32_t b, double d);
/* Counts of h made afresh into out, for tests (O(links + SMEs)). */
void sm__history_sectors_count(sm__hsectors *out, const sm__history *h, const sm_engine *e);
/* sector_history(a, b) from the counts of keys p, q and the prior (the
 * input-output affinity of the two sectors). */
static inline double sm__hsec_score(const sm__hsectors *s, unsigned p, unsigned q, double prior)
{
    double c = s->c[(size_t)p * SM__HSEC_KEYS + q];
    double ex = s->total > 0 ? s->m[p] * s->m[q] / s->total : 0.0;
    return (c + SM__HSEC_PRIOR * prior) / (c + ex + SM__HSEC_PRIOR);
}

/* The engine's history changed (writer lock held): moves the engine's
 * generation on, so that caches keyed by it see the change; the scoring
 * cache, which reads the history only for its activity bound (kept in
 * step by sm__history_members_grew), moves along when it was current. */
void sm__history_changed(sm_engine *e);
/* The n SMEs in members took part in the events just committed to the
 * engine's history (writer lock held, before sm__history_changed): the
 * derived data that bounds activity by SME follows (sme_history op). */
void sm__history_members_grew(sm_engine *e, const uint32_t *members, size_t n);

#define SM__HIST_HALF_LIFE_DEFAULT 1095.0 /* three years */

/* An empty history with allocator a (not attached to an engine). */
void sm__history_init(sm__history *h, const sm__alloc *a);
void sm__history_free(sm__history *h);
/* Makes room so that sm__history_commit() of these events cannot fail:
 * members[off..] of each event (n SME indices, distinct). */
sm_status sm__history_reserve(sm__history *h, size_t n_smes, const uint32_t *members, const uint32_t *counts,
                              size_t n_events);
/* The id of a kind, interning it (reserve semantics: fails only with NOMEM
 * or LIMIT and changes nothing then). */
sm_status sm__history_kind(sm__history *h, const char *kind, uint16_t *out);
/* Appends one event whose room sm__history_reserve() made. */
void sm__history_commit(sm__history *h, const uint32_t *members, uint32_t n, int32_t day, uint16_t kind);
/* The edge (a, b) or NULL. */
const sm__hedge *sm__history_edge(const sm__history *h, uint32_t a, uint32_t b);
#define SM__HIST_EV8_MAX 255u
static inline uint32_t sm__history_events_of(const sm__history *h, size_t i)
{
    if (i >= h->n_adj)
        return 0;
    uint32_t m = h->ev8[i];
    return m < SM__HIST_EV8_MAX ? m : h->adj[i].events;
}
static inline int32_t sm__history_ref(const sm__history *h)
{
    return h->ref_day != INT32_MIN ? h->ref_day : h->last_day;
}
/* Builds into out (initialised, empty) the history of h's events with day
 * < before (all when before is INT32_MAX). */
sm_status sm__history_until(sm__history *out, const sm__history *h, size_t n_smes, int32_t before);
/* SME i was removed and SME last moved to index i (sme.c). Cannot fail. */
void sm__history_sme_removed(sm__history *h, size_t i, size_t last);

/* SME indices of ids (distinct, existing) into out (lock held). */
sm_status sm__history_resolve(uint32_t *out, const sm_engine *e, const char *const *ids, size_t n);

/* Dates: "YYYY-MM-DD" (or "YYYY-MM", "YYYY": the first day) to days since
 * 1970-01-01; false when malformed. */
bool sm__day_parse(const char *s, size_t len, int32_t *out);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL). */
void sm__day_format(char out[11], int32_t day);

#endif /* SM_CORE_HISTORY_H */
