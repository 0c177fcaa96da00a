/* Private definitions shared by the scoring modules: the weighting's layout
 * (weighting.c), the built-in criteria (criteria.c), the per-query context
 * (query.c, batch.c) and results (result.c). Not installed. */
#ifndef SM_SCORING_H
#define SM_SCORING_H

#include "internal.h"

#include <stdatomic.h>

/* ---- weighting (weighting.c) -------------------------------------------- */

/* User data shared by copies of a weighting; destroyed with the last owner. */
typedef struct sm__udata {
    void *ptr;
    sm_destroy_fn destroy;
    atomic_long refs;
} sm__udata;

/* Parameters of the built-in criteria (docs/scoring.md lists defaults). */
typedef struct sm__params {
    int reciprocity;          /* sm_reciprocity */
    double scale_km;          /* region_reach.scale_km, > 0 */
    double cross_border_bonus;/* region_reach.cross_border_bonus, 0..1 */
    double neighbour_bonus;   /* region_reach.neighbour_bonus, 0..1 */
    double full_ratio;        /* cohesion.full_ratio, > 1 */
    double secondary_factor;  /* sector_affinity.secondary_factor, 0..1 */
} sm__params;

#define SM__CUSTOM_MAX (SM_CRITERIA_MAX - SM_CRIT_BUILTIN_COUNT)
#define SM__NAME_CAP 33

typedef struct sm__custom {
    char name[SM__NAME_CAP];
    sm_criterion_fn fn;
    sm__udata *ud; /* never NULL */
} sm__custom;

struct sm_weighting {
    double w[SM_CRITERIA_MAX];        /* built-in (by sm_criterion), then custom */
    size_t n_custom;
    sm__custom custom[SM__CUSTOM_MAX];
    sm_combiner combiner;
    sm_combine_fn combine_fn;         /* SM_COMBINE_CUSTOM only */
    sm__udata *combine_ud;            /* SM_COMBINE_CUSTOM only; never NULL then */
    sm__params p;
};

/* Defaults of the parameters (also those of every preset unless it says otherwise). */
extern const sm__params sm__params_default;

/* Total number of criteria of a weighting. */
static inline size_t sm__weighting_n(const sm_weighting *w) { return SM_CRIT_BUILTIN_COUNT + w->n_custom; }

/* Name of criterion j of a weighting (built-in or custom). */
const char *sm__weighting_name(const sm_weighting *w, size_t j);

/* Combines n scores with the weighting's combiner into *out (in [0, 1]).
 * Returns SM_ERR_CALLBACK (with a message) when a custom combiner returns NaN. */
sm_status sm__combine(const sm_weighting *w, const double *scores, double *out);

/* ---- built-in criteria (criteria.c) ------------------------------------- */

/* Size-fit table by sm_size (0 = unknown). */
extern const double sm__size_fit[5][5];

/* Complementarity of a pair from the two directions. */
double sm__reciprocity(int reciprocity, double ab, double ba);

/* s(x -> y): idf mass of offers(x) ∩ needs(y) over idf mass of needs(y). */
double sm__comp_direction(const sm_engine *e, size_t x, size_t y);

/* Bits set in x (portable: no POPCNT instruction assumed). */
static inline unsigned sm__popcount32(uint32_t x)
{
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    return (((x + (x >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24;
}

/* Cooperation fit of two bit sets (Jaccard; 0.5 when either is empty).
 * Inline: the scan calls it for every candidate that passes the first bound. */
static inline double sm__coop_fit(uint32_t a, uint32_t b)
{
    if (!a || !b)
        return 0.5;
    return (double)sm__popcount32(a & b) / (double)sm__popcount32(a | b);
}

/* Language criterion of two language bit sets (0 = none known). */
static inline double sm__language_fit(uint64_t a, uint64_t b)
{
    if (!a || !b)
        return 0.5;
    return (a & b) ? 1.0 : 0.0;
}

/* The languages of region r or of its nearest ancestor that has some. */
uint64_t sm__region_langs(const sm_engine *e, int r);

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
    double *affw;             /* fast scan: 2 per sector, weighted affinity without / with a secondary */
    uint8_t *sector_ok;
    size_t sector_cap;

    /* regions in the order of their bound (fast scan) */
    struct sm__rbound *rorder;
    size_t rorder_cap, n_rorder;

    /* what the region tables were built for (reused while it stays so) */
    int regions_valid, rorder_valid, cached_region;
    const sm_query_options *cached_o;
    const sm_weighting *cached_w;

    /* per SME: candidate marks of the inverted-index pass */
    uint8_t *mark;
    size_t mark_cap;

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

    /* per-candidate scratch: scores of all criteria */
    double scores[SM_CRITERIA_MAX];
} sm__qctx;

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

#endif /* SM_SCORING_H */
