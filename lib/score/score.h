/* The score layer: pair scores, no ranking. The weighting's layout
 * (weighting.c, its text form in weighting_text.c, combining in combine.c),
 * the built-in criteria (criteria.c) and the scoring caches (cache.c).
 * Builds on core. Not installed. */
#ifndef SM_SCORE_H
#define SM_SCORE_H

#include "core/core.h"

#include <math.h>
#include <stdatomic.h>

/* ---- weighting (weighting.c, weighting_text.c, combine.c) --------------- */

/* User data shared by copies of a weighting; destroyed with the last owner. */
typedef struct sm__udata {
    void *ptr;
    sm_destroy_fn destroy;
    atomic_long refs;
    sm__alloc alloc; /* the one that made this block */
} sm__udata;

/* The parameters of the built-in criteria, listed once (docs/scoring.md
 * gives the defaults): X(field, type, name, criterion, default, lo, lo_open,
 * hi, hi_open, range). field and type make sm__params; name is the text and
 * API name; a value v is in range when lo <= v <= hi (< where *_open), and
 * whole for an int; range says the same in words for messages. */
#define SM__PARAMS(X)                                                                                             \
    X(reciprocity, int, "complementarity.reciprocity", SM_CRIT_COMPLEMENTARITY, SM_RECIPROCITY_HARMONIC, 0, 0, 3, \
      0, "must be 0..3 (harmonic, arithmetic, max, min)")                                                         \
    X(scale_km, double, "region_reach.scale_km", SM_CRIT_REGION_REACH, 400.0, 0, 1, INFINITY, 1,                   \
      "must be finite and > 0")                                                                                   \
    X(cross_border_bonus, double, "region_reach.cross_border_bonus", SM_CRIT_REGION_REACH, 0.15, 0, 0, 1, 0,       \
      "must be in 0..1")                                                                                          \
    X(neighbour_bonus, double, "region_reach.neighbour_bonus", SM_CRIT_REGION_REACH, 0.15, 0, 0, 1, 0,             \
      "must be in 0..1")                                                                                          \
    X(full_ratio, double, "cohesion.full_ratio", SM_CRIT_COHESION, 2.0, 1, 1, INFINITY, 1,                         \
      "must be finite and > 1")                                                                                   \
    X(secondary_factor, double, "sector_affinity.secondary_factor", SM_CRIT_SECTOR_AFFINITY, 0.8, 0, 0, 1, 0,      \
      "must be in 0..1")

typedef struct sm__params {
#define SM__X(field, type, name, crit, def, lo, lo_open, hi, hi_open, range) type field;
    SM__PARAMS(SM__X)
#undef SM__X
} sm__params;

/* One parameter as a table row (sm__param_defs, in SM__PARAMS order). */
typedef struct sm__param_def {
    const char *name; /* first: sm__name_find reads tables of these */
    sm_criterion criterion;
    size_t offset; /* in sm__params */
    bool integer;  /* an int field, else a double */
    double def, lo, hi;
    bool lo_open, hi_open;
    const char *range;
} sm__param_def;

#define SM__ONE(...) +1
#define SM__N_PARAMS (0 SM__PARAMS(SM__ONE)) /* a constant, for array sizes */
extern const sm__param_def sm__param_defs[SM__N_PARAMS];
double sm__param_get(const sm__params *p, const sm__param_def *d);
/* Sets a value that sm__param_range() accepted (-0 becomes 0). */
void sm__param_put(sm__params *p, const sm__param_def *d, double v);
/* NULL when v is in range, else the range in words; NaN is never in range. */
const char *sm__param_range(const sm__param_def *d, double v);
/* The parameter called name (n bytes, folded), or NULL. */
const sm__param_def *sm__param_find(const char *name, size_t n);

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
    sm__alloc alloc;                  /* made it; its copies, user data and text use it too */
    /* Weights of the network criteria (network.h order) that a preset
     * carries: they count only while the engine holds a history with links
     * (sm__net_effective), and naming any network criterion drops them. */
    double net_auto[4];
    /* past_partners.half_life in days; 0: the history's (sm_history_set_decay) */
    double net_half_life;
};

/* Defaults of the parameters (also those of every preset unless it says otherwise). */
extern const sm__params sm__params_default;

/* Names of the built-in criteria, by sm_criterion; of the reciprocity
 * modes, by sm_reciprocity; of the built-in combiners, by sm_combiner. */
extern const char *const sm__criterion_names[SM_CRIT_BUILTIN_COUNT];
extern const char *const sm__reciprocity_names[4];
extern const char *const sm__combiner_names[3];

/* The named presets (the one list of their names). */
typedef struct sm__preset {
    const char *name;                /* first: sm__name_find reads tables of these */
    double w[SM_CRIT_BUILTIN_COUNT]; /* by sm_criterion */
    const char *param;               /* one parameter differing from the defaults, or NULL */
    double value;
} sm__preset;
extern const sm__preset sm__presets[];
extern const size_t sm__n_presets;
/* Sets the weights and parameters of a preset; custom criteria and the
 * combiner are left to the caller (fresh weightings have none). */
void sm__preset_apply(sm_weighting *w, const sm__preset *p);

/* An empty weighting of allocator a: every weight 0, default parameters,
 * the mean combiner, nothing custom. Not allocated (weighting_text.c
 * parses into one on the stack). */
void sm__weighting_init(sm_weighting *w, const sm__alloc *a);

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


/* ---- scoring caches (cache.c) ------------------------------------------- */

/* The scoring caches, kept exact under changes without a rebuild per
 * change (docs/scoring.md, "Updates"):
 *
 * - idf per tag is ln(1 + N / df) from the engine's current N and df (the
 *   core keeps df); the table is refreshed in O(tags) by the first query
 *   after a change. Need masses are summed per pair from it.
 * - A BASE, built at some generation: SMEs grouped by region with packed
 *   rows, and the inverted tag index over their positions.
 * - A DELTA since the base: `dead` base positions (SMEs removed or replaced
 *   since) and the packed rows of SMEs not in the base (new or replaced),
 *   which every query scans in full beside the base.
 *
 * Writers update the delta through the core's derived ops (writer lock
 * held), in time proportional to the SME. No query rebuilds the base: the
 * writer whose change makes the delta larger than max(1024, N / 128)
 * builds the next base beside the current one after its change, holding
 * only its writer mutex (queries keep using the current base and delta),
 * and publishes it with a swap of arrays under the lock (op_maintain). A
 * query builds the base only the first time, and after a change the ops do
 * not follow (regions, sectors, affinity: the first query after any number
 * of them rebuilds it in place). */
#define SM__LOC_DELTA 0x80000000u

/* The packed key of a base position (rkey): primary sector, the secondary
 * signature (bit SM__SEC_BIT of each secondary sector; 0 without any), size
 * class, and whether there is a secondary sector. */
#define SM__KEY(sector, sig, size) \
    ((uint32_t)(sector) << 12 | (uint32_t)(sig) << 4 | (uint32_t)(size) << 1 | (uint32_t)((sig) != 0))
#define SM__KEY_SECTOR(k) ((k) >> 12)
#define SM__KEY_SIG(k) ((k) >> 4 & 255u)
#define SM__KEY_SIZE(k) ((k) >> 1 & 7u)
/* The signature bit of sector s: its affinity key (division or section)
 * modulo 8, so that a query bounds a secondary sector's affinity by the
 * best over the sectors sharing its bit. */
#define SM__SEC_BIT(e, s) (1u << ((e)->sectors[s]->aff_key & 7u))

/* The fit key of a base position (rfit), from which a query bounds the
 * cooperation and language fits without reading the packed row. Low byte:
 * the SME's cooperation bits when it has some and all are among the first
 * 8 types (the built-in ones), so the fit is known exactly; else 0, which
 * bounds nothing. High byte: the effective languages folded to 8 bits (the
 * OR of their bytes), 0 only without any: languages shared imply folded
 * ones shared, so disjoint folded languages mean a language fit of 0. */
static inline uint8_t sm__lang_fold(uint64_t langs)
{
    langs |= langs >> 32;
    langs |= langs >> 16;
    langs |= langs >> 8;
    return (uint8_t)langs;
}
#define SM__FIT_KEY(coop, langs) \
    ((uint16_t)((coop) && (coop) < 256u ? (coop) : 0u) | (uint16_t)(sm__lang_fold(langs) << 8))

/* A run of base positions in one region with one primary sector and either
 * no or some secondary sector; sizes has bit z set when an SME of size
 * class z is in it, sig is the union of its SMEs' secondary signatures. */
typedef struct sm__run {
    uint32_t start;
    uint16_t sector;
    uint8_t sizes;
    uint8_t sig;
} sm__run;

typedef struct sm__score_cache {
    uint64_t idf_generation; /* engine generation idf was computed for */
    double *idf;             /* per tag: ln(1 + N / df), 0 when df = 0 */
    size_t idf_cap;

    /* base */
    size_t n_base;       /* positions */
    size_t n_tags_base;  /* tags with postings: ids below this */
    /* Inverted index: the base SMEs offering (needing) tag t are
     * offerers[offer_start[t] .. offer_start[t + 1]), as base positions,
     * ascending; same for needers. */
    uint32_t *offer_start, *need_start; /* n_tags_base + 1 */
    uint32_t *offerers, *needers;
    size_t offer_start_cap, need_start_cap, offerers_cap, needers_cap;
    /* Need masses, for a bound of s(a -> b) in the index pass: per base
     * position, a lower bound of the SME's need mass (sm__need_mass) under
     * the idf of the base's build, idf_base (per tag below n_tags_base),
     * in one byte (sm__mass_step); mass_drift (set with idf) is the least
     * ratio idf / idf_base over those tags, so that a base SME's need mass
     * now is at least mass_drift * sm__mass_step(mass_q[its position]). */
    uint8_t *mass_q;
    double *idf_base;
    size_t mass_q_cap, idf_base_cap;
    double mass_drift;
    /* base positions by region: region_start[r] .. region_start[r + 1] */
    uint32_t *region_start;
    size_t region_start_cap;
    struct sm__rhot *rhot; /* packed rows by base position (idx follows moves) */
    uint32_t *rkey;        /* same order: SM__KEY */
    uint16_t *rfit;        /* same order: SM__FIT_KEY */
    size_t rhot_cap, rkey_cap, rfit_cap;
    /* same order: at least the SME's event count in the engine's history
     * (core/history.h: ev8, capped at SM__HIST_EV8_MAX), so that a query
     * bounds activity per position before it reads the packed row. Set from
     * ev8 when the base is built and by every event added (op_history);
     * events only go away with a clear or a removal, which leave it above,
     * still a bound. */
    uint8_t *ract;
    size_t ract_cap;
    /* Within a region, positions are grouped by primary sector and whether
     * the SME has a secondary sector: run j is positions
     * runs[j].start .. runs[j + 1].start, all in one region; runs[n_runs]
     * is a sentinel at n_base. */
    struct sm__run *runs;
    size_t n_runs, runs_cap;

    /* delta */
    uint32_t *loc;         /* per SME index: base position, or SM__LOC_DELTA | delta slot */
    size_t loc_cap;
    uint32_t *dead;        /* base positions that are no longer current */
    size_t n_dead, dead_cap;
    struct sm__rhot *delta; /* packed rows of SMEs outside the base */
    size_t n_delta, delta_cap;
    uint32_t *region_live; /* per region: current SMEs there (base and delta) */
    size_t region_live_cap;

    /* base positions in the byte order of their SMEs' ids, made on first
     * use (sm__score_cache_idorder) for queries whose top k needs partners
     * with total 0, which rank by id; n_idorder is 0 until then */
    uint32_t *idorder;
    size_t n_idorder, idorder_len, idorder_cap;

    /* A writer builds the base of a stale cache beside the readers
     * (op_maintain); queries that find it stale wait on `built` (with the
     * derived data's mutex) instead of building it too. */
    bool building;
    pthread_cond_t built;
} sm__score_cache;

/* Tests only: the delta limit (rows) that makes a writer rebuild the base
 * beside the current one; 0 = the default, max(1024, N / 128). */
extern size_t sm__delta_limit_override;
/* Tests only: bases a query rebuilt (after a writer could not build one;
 * the first build is not counted); counted with the derived data's mutex. */
extern size_t sm__score_cache_query_builds;

/* Makes the engine's scoring cache current for its generation (reader lock
 * held) and stores it in *out unless out is NULL. */
sm_status sm__score_cache_get(const sm__score_cache **out, const sm_engine *e);
/* The base positions in id order, *n_out of them (reader lock held, after
 * sm__score_cache_get): made on the first call after a base rebuild, from
 * the positions current then; later removals are in `dead`. */
sm_status sm__score_cache_idorder(const uint32_t **out, size_t *n_out, const sm_engine *e);
/* The cache as last made current; only valid after sm__score_cache_get
 * succeeded under the same reader lock. */
static inline const sm__score_cache *sm__score_cache_of(const sm_engine *e)
{
    return (const sm__score_cache *)e->derived.ptr;
}

/* The need mass a byte of mass_q stands for: 0 for 0, else 2^(v / 16 - 2)
 * rounded down to a step of 1/16 of its power of 2 (exact in binary). */
static inline double sm__mass_step(unsigned v)
{
    return v ? ldexp(1.0 + (double)((v - 1) & 15u) / 16.0, (int)((v - 1) >> 4) - 2) : 0.0;
}

/* The largest byte v with sm__mass_step(v) <= m. */
static inline uint8_t sm__mass_byte(double m)
{
    if (!(m >= 0.25))
        return 0;
    int x;
    double f = frexp(m, &x); /* m = f 2^x, f in [0.5, 1) */
    int ex = x - 1 + 2;      /* m = (2f) 2^(ex - 2), 2f in [1, 2) */
    if (ex > 15)
        return 255;
    unsigned v = ((unsigned)ex << 4) + (unsigned)((2 * f - 1) * 16) + 1;
    return (uint8_t)(v > 255 ? 255 : v);
}

/* Sum of idf over the needs of SME y. */
static inline double sm__need_mass(const sm_engine *e, const double *idf, size_t y)
{
    const uint32_t *needs = sm__sme_needs(e, y);
    double m = 0;
    for (size_t j = 0, k = e->smes.n_needs[y]; j < k; j++)
        m += idf[needs[j]];
    return m;
}

/* Sum of idf over the tags x offers that y needs (both lists sorted). */
static inline double sm__offer_need_hit(const sm_engine *e, const double *idf, size_t x, size_t y)
{
    const uint32_t *o = sm__sme_offers(e, x), *n = sm__sme_needs(e, y);
    size_t no = e->smes.n_offers[x], nn = e->smes.n_needs[y];
    double hit = 0;
    size_t i = 0, j = 0;
    while (i < no && j < nn) {
        if (o[i] < n[j])
            i++;
        else if (o[i] > n[j])
            j++;
        else {
            hit += idf[o[i]];
            i++;
            j++;
        }
    }
    return hit;
}

#endif /* SM_SCORE_H */
