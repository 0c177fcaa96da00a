/* The match layer: ranking. The per-query context (query.c, batch.c),
 * results (result.c) and the pair scores computed with a query's
 * precomputed tables (criteria.c's pair functions live here, in pair.c).
 * Builds on score. Not installed. */
#ifndef SM_MATCH_H
#define SM_MATCH_H

#include "score/score.h"
#include "score/network.h" /* history and network criteria */

/* ---- per-query context (query.c) ---------------------------------------- */

/* Everything one query precomputes for its querying SME, reused across
 * queries of one thread (batch). All arrays grow with the engine; no
 * allocation per pair. */
typedef struct sm__qctx {
    const sm_engine *e;
    const sm_weighting *w;
    const sm_query_options *o;
    const sm__alloc *alloc;
    size_t a;                 /* querying SME */
    size_t n_crit;

    /* per region (n_regions): filter pass, distance, reach, cohesion */
    uint8_t *region_ok;
    uint64_t *rlangs;         /* languages of the region, inherited from ancestors */
    double *dist;
    double *reach;
    double *cohesion;
    double *regpart;          /* fast path: normalised weights x (reach + cohesion) */
    size_t region_cap;

    /* per sector (n_sectors): affinity of a's primary / best of a's
     * secondaries to that sector, and the cross-sector filter */
    double *aff;              /* max over a's sectors sa of aff(sa, s), times the
                               * secondary factor when sa is a secondary sector */
    double *affw;             /* fast scan: the weighted affinity of each sector as a primary one (2 per sector kept) */
    uint8_t *sector_ok;
    size_t sector_cap;

    /* regions in the order of their bound (fast scan) */
    struct sm__rbound *rorder;
    size_t rorder_cap, n_rorder;

    /* what the region tables were built for (reused while it stays so) */
    int regions_valid, rorder_valid, cached_region;
    int cached_combiner;      /* the region order's combiner (fast scan) */
    const sm_query_options *cached_o;
    const sm_weighting *cached_w;

    /* per base position: candidate marks of the inverted-index pass, then
     * (at mark + mark_cap) the shares of a's need mass (query_index.c) */
    uint8_t *mark;
    size_t mark_cap;
    /* the posting lists of a's tags, in the order the index pass reads them */
    struct sm__plist *plist;
    size_t plist_cap;

    /* excluded SME indices, sorted */
    uint32_t *excluded;
    size_t n_excluded, excluded_cap;

    /* bounded heap of candidates; each owns a row of criterion scores */
    struct sm__cand *heap;
    size_t heap_n, heap_cap;
    double *rows;
    size_t rows_cap;          /* in doubles */

    uint64_t a_langs;         /* effective languages of a */
    double factor;            /* the weighting's secondary sector factor */

    sm__netq net;             /* history and network criteria (score/network.c) */
    sm_weighting wx;          /* the weighting with a preset's network criteria (sm__net_effective) */
    const sm_weighting *wx_src; /* the weighting wx was made from */
    bool wx_cold;             /* wx was made for a cold SME (sm__net_cold) */

    /* per-candidate scratch: scores of all criteria */
    double scores[SM_CRITERIA_MAX];
} sm__qctx;

/* One posting list of the index pass: base positions [b, e) of a's tag,
 * the tag's idf (the bound of its share of a's or the candidate's need
 * mass), and its side:
 * 0 = the needers of a tag a offers, 1 = the offerers of a tag a needs. */
typedef struct sm__plist {
    uint32_t b, e;
    double u;
    int side;
} sm__plist;

typedef struct sm__rbound {
    double bound;
    uint32_t region;
} sm__rbound;

typedef struct sm__cand {
    double total;
    uint32_t idx; /* SME index */
    uint32_t row; /* its scores: q->rows + row * q->n_crit */
} sm__cand;

void sm__qctx_init(sm__qctx *q, const sm_engine *e);
void sm__qctx_free(sm__qctx *q);
/* Runs a top-k query for SME a (reader lock held, cache current, options
 * checked, weighting resolved) and builds the result. */
sm_status sm__query_run(sm__qctx *q, size_t a, const sm_query_options *o, const sm_weighting *w, sm_result **out);
/* The weighting a query uses: the given one or "balanced"; checks that some weight is > 0. */
sm_status sm__query_weighting(const sm_weighting **out, const sm_weighting *given);
/* Prepares q's tables for SME a without a scan, so that sm__pair_scores()
 * can score (a, b) for any b (reader lock held, cache current, options
 * checked, weighting resolved). */
sm_status sm__qctx_prepare(sm__qctx *q, size_t a, const sm_query_options *o, const sm_weighting *w);
/* As sm__qctx_prepare() with room for k candidates, and *w replaced by the
 * weighting the query scores with (w with its preset's network criteria
 * when the history holds links) (query_prepare.c). */
sm_status sm__qctx_begin(sm__qctx *q, size_t a, const sm_query_options *o, const sm_weighting **w, size_t k);
/* Whether SME index b is excluded by the query's options (sorted list). */
static inline bool sm__qctx_excluded(const sm__qctx *q, uint32_t b)
{
    size_t lo = 0, hi = q->n_excluded;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->excluded[mid] < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < q->n_excluded && q->excluded[lo] == b;
}
/* Takes the reader lock, finds SMEs id_a and id_b and makes the scoring
 * cache current; on success the lock stays held for the caller, on failure
 * (SM_ERR_NOT_FOUND naming the missing id, or the cache's status) it is
 * released. */
sm_status sm__pair_lock(long *out_a, long *out_b, const sm_engine *e, const char *id_a, const char *id_b);
/* Checks query options (version, levels, numbers, country codes). */
sm_status sm__query_options_check(const sm_query_options *o);

/* ---- results (result.c) ------------------------------------------------- */

/* Builds a result for query SME q->a from the n candidates, ranked best
 * first, with their breakdowns from q->rows. */
sm_status sm__result_build(sm_result **out, sm__qctx *q, const sm__cand *cands, size_t n);

/* ---- one pair (criteria.c), using the query's precomputed tables -------- */

/* The built-in criteria other than complementarity into q->scores[1..6]. */
void sm__pair_cheap(sm__qctx *q, size_t b);
/* Complementarity of (q->a, b). */
double sm__pair_comp(const sm__qctx *q, size_t b);
/* The custom criteria into q->scores[7..]; needs the built-ins filled.
 * SM_ERR_CALLBACK when one returns NaN. */
sm_status sm__pair_custom(sm__qctx *q, size_t b);
/* All criterion scores of the pair (a, b) into q->scores and the total into
 * *total. SM_ERR_CALLBACK on a failing custom criterion or combiner. */
sm_status sm__pair_scores(sm__qctx *q, size_t b, double *total);

/* ---- explanations (explain.c, reasons.c) -------------------------------- */

/* The explanations of a result's matches, one block owned by the result. */
typedef struct sm__expl sm__expl;
void sm__expl_free(sm__expl *x);
sm__expl *sm__result_expl(const sm_result *r);
/* Replaces the result's explanations (freeing the old ones). */
void sm__result_set_expl(sm_result *r, sm__expl *x);
/* sm_result_explain() with the reader lock held and the cache current. */
sm_status sm__result_explain_locked(sm_result *r, const sm_engine *e);

#endif /* SM_MATCH_H */
