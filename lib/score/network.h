/* The network criteria (network.c): past partners, common partners,
 * activity and the history's sector affinity, computed from the cooperation history (core/history.h). They
 * sit in a weighting's custom slots, marked by their function, so that
 * weightings without them are exactly as before; a query computes them for
 * the querying SME's 2-hop neighbourhood once (sm__netq) and reads them per
 * candidate in O(1). Builds on core. Not installed. */
#ifndef SM_SCORE_NETWORK_H
#define SM_SCORE_NETWORK_H

#include "core/history.h"
#include "score/score.h"

#include <math.h>

enum { SM__NET_PAST = 0, SM__NET_COMMON = 1, SM__NET_ACTIVITY = 2, SM__NET_SECTOR = 3, SM__NET_COUNT = 4 };

/* The network weights every preset carries (score.h net_auto). Relative
 * to the presets' built-in weights (about 10 in all); measured on CORDIS
 * and the bundled sample (docs/quality.md). sector_history carries none:
 * it repeats sector_affinity, got no weight from fit on CORDIS and let
 * active SMEs of favoured sectors push planted partners out of the
 * sample's top 10. */
#define SM__NET_AUTO_INIT { 3, 6, 3, 0 }
extern const double sm__net_auto_w[SM__NET_COUNT];
_Static_assert(SM__NET_COUNT == sizeof((sm_weighting *)0)->net_auto / sizeof(double),
               "net_auto has a slot per network criterion");

/* The network criterion of that name (folded like other names), or -1. */
int sm__net_find(const char *name, size_t len);
/* Which network criterion custom slot j of w is, or -1 for a user's criterion. */
int sm__net_kind(const sm_weighting *w, size_t j);
/* Whether every custom criterion of w is a network criterion. */
bool sm__net_only(const sm_weighting *w);
/* Sets the weight of network criterion kind, adding it (no allocation);
 * SM_ERR_LIMIT when the custom slots are full. */
sm_status sm__net_set(sm_weighting *w, int kind, double weight);
/* Whether name is "network"; then applies the preset to w (no allocation). */
bool sm__net_preset(sm_weighting *w, const char *name, size_t len);

/* Per-query network scores of the querying SME a against every SME of its
 * 2-hop neighbourhood; everything else scores 0 on past and common
 * partners. Reused across queries of one thread. The neighbourhood is
 * found through a small open-addressing table (SME index -> its place in
 * touched), sized by the neighbourhood rather than the engine: a query
 * allocates and clears nothing per SME of the engine. */
#define SM__NET_ACT_TAB 256
_Static_assert(SM__NET_ACT_TAB > SM__HIST_EV8_MAX, "act_tab covers every count the one-byte counts hold");

typedef struct sm__netq {
    const sm__history *h;        /* the history scored (NULL: none) */
    /* set by evaluate/fit: used instead of the engine's, whose events it
     * must hold a subset of (the pruned scan bounds activity by the
     * engine's event counts: sm__score_cache.ract) */
    const sm__history *override;
    int slot[SM__NET_COUNT];     /* score slot of each criterion in the weighting, -1 absent */
    bool any;                    /* some network criterion present */
    double *pp, *cp;             /* by place in touched */
    struct sm__netq_slot {
        uint32_t b, t;           /* SME index (UINT32_MAX: empty), its place in touched */
    } *tab;
    size_t tab_mask;             /* capacity of tab - 1 (a power of two) */
    uint32_t *touched;           /* the neighbourhood's SMEs */
    size_t n_touched, cap, tab_cap;
    double act_scale;            /* 1 / ln(1 + max events), 0 without history */
    /* activity of an SME with k < SM__NET_ACT_TAB events (its log1p was
     * 9 % of the slowest queries at 1M SMEs); made for act_tab_scale */
    double act_tab[SM__NET_ACT_TAB];
    double act_tab_scale;
    /* sector_history of a against each sector index (valid when sec_on) */
    const uint16_t *sme_sector;  /* the engine's primary sectors by SME index */
    double *sec;
    size_t sec_cap;
    double sec_max;              /* the largest of sec[] (bound of the pruned scan) */
    bool sec_on;
} sm__netq;

void sm__netq_free(sm__netq *nq, const sm__alloc *a);
/* Prepares nq for SME a under weighting w (reader lock held). */
sm_status sm__netq_prepare(sm__netq *nq, const sm_engine *e, const sm_weighting *w, size_t a, const sm__alloc *al);

static inline double sm__netq_activity(const sm__netq *nq, size_t b)
{
    if (!nq->h || !(nq->act_scale > 0))
        return 0.0;
    uint32_t m = sm__history_events_of(nq->h, b);
    return m < SM__NET_ACT_TAB ? nq->act_tab[m] : log1p((double)m) * nq->act_scale;
}

/* The place of b in the table: its slot, or the empty one it would take. */
static inline size_t sm__netq_probe(const sm__netq *nq, uint32_t b)
{
    size_t m = nq->tab_mask, i = (size_t)((uint64_t)b * 0x9E3779B97F4A7C15ull >> 32) & m;
    while (nq->tab[i].b != b && nq->tab[i].b != UINT32_MAX)
        i = (i + 1) & m;
    return i;
}

/* The place of SME b in touched, or -1 outside the 2-hop neighbourhood. */
static inline long sm__netq_find(const sm__netq *nq, size_t b)
{
    if (!nq->h || !nq->n_touched || b >= UINT32_MAX)
        return -1;
    size_t i = sm__netq_probe(nq, (uint32_t)b);
    return nq->tab[i].b == b ? (long)nq->tab[i].t : -1;
}

/* The network scores of candidate b into scores[slot]. */
static inline void sm__netq_scores(const sm__netq *nq, size_t b, double *scores)
{
    long t = nq->slot[SM__NET_PAST] >= 0 || nq->slot[SM__NET_COMMON] >= 0 ? sm__netq_find(nq, b) : -1;
    if (nq->slot[SM__NET_PAST] >= 0)
        scores[nq->slot[SM__NET_PAST]] = t >= 0 ? nq->pp[t] : 0.0;
    if (nq->slot[SM__NET_COMMON] >= 0)
        scores[nq->slot[SM__NET_COMMON]] = t >= 0 ? nq->cp[t] : 0.0;
    if (nq->slot[SM__NET_ACTIVITY] >= 0)
        scores[nq->slot[SM__NET_ACTIVITY]] = sm__netq_activity(nq, b);
    if (nq->slot[SM__NET_SECTOR] >= 0)
        scores[nq->slot[SM__NET_SECTOR]] = nq->sec_on ? nq->sec[nq->sme_sector[b]] : 0.0;
}

/* Whether the engine knows SME a only by its region and sectors: no
 * offers, no needs and no partner in h (the cold start of docs/scoring.md). */
bool sm__net_cold(const sm_engine *e, const sm__history *h, size_t a);
/* The network part of a query by SME a: w itself, or, when w has network
 * weights that count only with a history (the presets) and h holds links,
 * a copy in *room with those criteria added; for a cold SME (sm__net_cold)
 * the weights of past_partners and common_partners, which are 0 for every
 * candidate then, go to activity. *cold tells which was made. */
const sm_weighting *sm__net_effective(sm_weighting *room, const sm_weighting *w, const sm__history *h,
                                      const sm_engine *e, size_t a, bool *cold);

/* The formulas (docs/scoring.md), for tests and the baselines. */
double sm__net_past_score(uint32_t count, int32_t last, int32_t ref, double half_life);
double sm__net_common_score(double adamic_adar);

#endif /* SM_SCORE_NETWORK_H */
