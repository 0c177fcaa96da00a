/* Private definitions of the consortium builder: the call profile's layout
 * (consortium_call.c, consortium_parse.c, consortium_presets.c), the
 * candidate pool and the rules as the search sees them (consortium_build.c,
 * consortium_pool.c, consortium_search.c, consortium_rules.c) and the result
 * (consortium_result.c). Not installed.
 *
 * The profile has no pointers: every list has a fixed capacity, so a copy is
 * one memcpy. sm_call_set() applies a key to a copy and keeps it only when
 * the whole value was good, which makes every change all-or-nothing. */
#ifndef SM_GROUPS_CONSORTIUM_H
#define SM_GROUPS_CONSORTIUM_H

#include "match/match.h"

#include <math.h>

#define SM__CALL_ITEMS_MAX 32   /* topics + sectors */
#define SM__CALL_IDS_MAX 32     /* include, exclude */
#define SM__AREA_PFX_MAX 96     /* prefixes of one expanded country list */
#define SM__AREA_TEXT_MAX 256   /* a list as written, normalised */
#define SM__MIN_PARTNERS_MAX 6  /* "min_partners" rules */
#define SM__CALL_SIZE_MAX 64    /* largest consortium */
#define SM__POOL_MAX 64         /* candidates of the search (bit sets of 64) */

/* A list of countries or regions: region-code prefixes ("AT", "DE2"). */
typedef struct sm__area {
    char text[SM__AREA_TEXT_MAX];           /* as it prints: "eu;NO" ("" = unset) */
    char pfx[SM__AREA_PFX_MAX][SM_REGION_CODE_MAX + 1];
    unsigned n;
} sm__area;

typedef struct sm__item {
    char code[SM_TAG_MAX + 1]; /* normalised tag or sector code */
    double weight;             /* > 0 */
    int is_sector;
} sm__item;

typedef struct sm__min_partners {
    unsigned n;
    sm__area area;
} sm__min_partners;

struct sm_call {
    char preset[32];                      /* "" = none */
    sm__item items[SM__CALL_ITEMS_MAX];   /* topics first, then sectors */
    unsigned n_items;
    unsigned min_size, max_size;          /* 1 <= min <= max <= SM__CALL_SIZE_MAX */
    unsigned min_countries;               /* 0 = no rule */
    sm__area min_countries_in;            /* n = 0: any country counts */
    sm__min_partners min_partners[SM__MIN_PARTNERS_MAX];
    unsigned n_min_partners;
    unsigned max_per_country;             /* 0 = no rule */
    sm__area allowed;                     /* n = 0: every country */
    unsigned min_smes;                    /* 0 = no rule */
    unsigned min_less_dev;                /* 0 = no rule */
    double less_dev_below;                /* development below this */
    char lead[SM_ID_MAX + 1];             /* "" = chosen by the lead rules */
    sm__area lead_countries;              /* n = 0: any */
    unsigned lead_sizes;                  /* bits (1 << sm_size); 0 = any */
    char include[SM__CALL_IDS_MAX][SM_ID_MAX + 1];
    unsigned n_include;
    char exclude[SM__CALL_IDS_MAX][SM_ID_MAX + 1];
    unsigned n_exclude;
    double w_coverage, w_pairs, w_lead, w_cohesion; /* objective weights, >= 0, sum > 0 */
    double decay;                         /* coverage_decay in [0, 1) */
    double cohesion_threshold;            /* > 0 */
};

/* Defaults of a new profile. */
void sm__call_defaults(sm_call *c);
/* Applies one key to c (no rollback: sm_call_set works on a copy). */
sm_status sm__call_apply(sm_call *c, const char *key, const char *value);
/* Fills c with a preset's rules; SM_ERR_UNKNOWN_NAME if none. */
sm_status sm__call_preset_apply(sm_call *c, const char *name);
/* Expands a named country list into area (appending); false if unknown. */
bool sm__area_named(sm__area *area, const char *name, sm_status *st);
/* Whether a region code lies in an area. */
bool sm__area_has(const sm__area *area, const char *region_code);
/* Preset names (static). */
extern const char *const sm__call_preset_names[];
extern const size_t sm__call_preset_n;

/* ---- the builder's view of one build ------------------------------------ */

/* One candidate of the pool. */
typedef struct sm__ccand {
    uint32_t idx;       /* SME index */
    uint16_t country;   /* region index of its country */
    uint8_t cid;        /* country number within the pool (0..63) */
    uint8_t size;       /* sm_size */
    double dev;         /* development of its region, NaN if unknown */
    uint64_t covers;    /* bit i: covers required item i */
    uint32_t areas;     /* bit r: in the area of min_partners rule r; bit 30: min_countries area; bit 31: allowed */
    double lead_score;  /* pair score with the lead (the lead itself: 1) */
} sm__ccand;

/* The rules the search enforces, precomputed for a pool. */
typedef struct sm__crules {
    unsigned min_size, max_size;
    unsigned min_countries;
    unsigned max_per_country;
    unsigned n_min_partners;
    unsigned min_partners[SM__MIN_PARTNERS_MAX];
    unsigned min_smes;
    unsigned min_less_dev;
    double less_dev_below;
    double cohesion_threshold;
    double decay;
    double w_cov, w_pairs, w_lead, w_coh, w_sum;
    unsigned n_items;
    double item_w[SM__CALL_ITEMS_MAX];
    double item_w_sum;
} sm__crules;

/* A pool: candidate 0 is the lead; 1..n_forced-1 are must-include. */
typedef struct sm__cpool {
    sm__ccand c[SM__POOL_MAX];
    unsigned n, n_forced;
    double lead_cov; /* weighted share of the items the lead covers */
    double pair[SM__POOL_MAX][SM__POOL_MAX]; /* symmetric pair scores, diagonal 0 */
} sm__cpool;

/* One consortium found: its members as a bit set of pool positions and as SME indices. */
typedef struct sm__cfound {
    uint64_t set;
    double score;
    double terms[4]; /* coverage, pairs, lead, cohesion */
    unsigned n;
    uint32_t idx[SM__CALL_SIZE_MAX]; /* SME indices, lead first, then by id */
    const sm__cpool *pool;
} sm__cfound;

/* Whether a SME counts as an SME for min_smes: micro, small or medium. */
static inline bool sm__is_sme_size(unsigned size)
{
    return size == SM_SIZE_MICRO || size == SM_SIZE_SMALL || size == SM_SIZE_MEDIUM;
}

/* The objective of a set of pool positions (docs/consortium.md). */
double sm__cons_objective(const sm__crules *r, const sm__cpool *p, uint64_t set, double terms[4]);

/* Whether every rule the search enforces holds for the set. */
bool sm__cons_eligible(const sm__crules *r, const sm__cpool *p, uint64_t set);

/* Diversity: a and b (sorted SME index lists) differ by at least d. */
bool sm__cons_differ(const uint32_t *a, unsigned na, const uint32_t *b, unsigned nb, unsigned d);

/* Branch and bound: the best eligible set of the pool that differs by at
 * least d members from each of the n_prev sets in prev (bit sets over the
 * same pool). *found is false when none exists; *exhausted is set when the
 * node budget (0 = none) ran out. out->idx lists the members by pool
 * position. Allocates its work space with a. */
sm_status sm__cons_search(const sm__alloc *a, const sm__crules *r, const sm__cpool *p, const uint64_t *prev,
                          size_t n_prev, unsigned d, unsigned long max_nodes, sm__cfound *out, bool *found,
                          bool *exhausted);

/* ---- one build (consortium_build.c, consortium_rules.c) ------------------- */

/* Bits of sm__cctx.rbits for a region: bit k (< SM__MIN_PARTNERS_MAX) = in
 * the area of min_partners rule k; and these. An unset area holds every region. */
#define SM__AB_LEAD 28u
#define SM__AB_MINC 30u
#define SM__AB_ALLOWED 31u

#define SM__RULE_TEXT 300
#define SM__RULE_DETAIL 300

typedef struct sm__cctx {
    const sm_engine *e;
    const sm_call *call;
    const sm__alloc *a;
    const sm_weighting *w;
    uint32_t *rbits;       /* per region */
    double *rdev;          /* per region: development, own or inherited, NaN */
    uint64_t *sec_cov;     /* per sector: the sector items it covers */
    long item_tag[SM__CALL_ITEMS_MAX]; /* topics: tag id, -1 if no SME lists it */
    long item_sector[SM__CALL_ITEMS_MAX]; /* sectors: sector index, -1 if unknown */
    uint8_t *blocked;      /* per SME: excluded or outside "allowed" */
    long lead;             /* fixed lead, -1 = chosen by the lead rules */
    long include[SM__CALL_IDS_MAX];
    unsigned n_include;
    sm__crules rules;
} sm__cctx;

/* The region index of an SME's country, and its code. */
static inline unsigned sm__sme_country(const sm_engine *e, size_t idx)
{
    return e->regions[e->smes.region[idx]]->country;
}
static inline const char *sm__sme_country_code(const sm_engine *e, size_t idx)
{
    return e->regions[sm__sme_country(e, idx)]->info.code;
}
/* The required items an SME covers (bit i = item i). */
uint64_t sm__cons_covers(const sm__cctx *x, size_t idx);
/* Whether an SME may lead: the lead rules (countries, sizes). */
bool sm__cons_may_lead(const sm__cctx *x, size_t idx);

/* Candidates of one lead with their score with the lead (lead querying). */
typedef struct sm__cand_s {
    uint32_t idx;
    double s;
} sm__cand_s;
typedef struct sm__cset {
    sm__cand_s *v;
    size_t n, cap;
    uint8_t *mark; /* per SME: in v */
} sm__cset;
/* Best first: score descending, then id (sm__cons_tl_engine's) ascending. */
int sm__cons_cand_cmp(const void *a, const void *b);
/* qsort has no context argument: the engine whose ids break ties, per thread. */
extern _Thread_local const sm_engine *sm__cons_tl_engine;
/* The pool of a lead (consortium_pool.c): candidates into cs (emptied
 * first; its mark array has one byte per SME), then p with at most cap
 * members, pair scores and search order. ql and qq are scoring contexts. */
sm_status sm__cons_pool(sm__cpool *p, const sm__cctx *x, size_t lead, sm__cset *cs, sm__qctx *ql, sm__qctx *qq,
                        size_t cap);

/* The rules of the profile as text, and their check on a consortium (idx:
 * SME indices, lead first); idx NULL lists them only. Returns the count. */
unsigned sm__rules_eval(const sm__cctx *x, const uint32_t *idx, unsigned n, char (*text)[SM__RULE_TEXT], int *ok,
                        char (*detail)[SM__RULE_DETAIL]);
/* Writes "no eligible consortium: rule ... cannot be met because ..." for a
 * profile with no eligible consortium in the pools searched. */
void sm__rules_diagnose(const sm__cctx *x, const sm__cpool *const *pools, size_t n_pools, char *out, size_t cap);

/* ---- the result ----------------------------------------------------------- */

#define SM__RULES_MAX (16 + SM__MIN_PARTNERS_MAX)

typedef struct sm__cmember {
    char *id, *country, *reason; /* in the result's strings */
} sm__cmember;

typedef struct sm__cres {
    double score;
    double terms[4];
    size_t n;
    sm__cmember *members;
    int ok[SM__RULES_MAX];
    char *detail[SM__RULES_MAX];
    long coverage[SM__CALL_ITEMS_MAX];
} sm__cres;

struct sm_consortia {
    sm__alloc alloc;
    size_t n;
    sm__cres *c;
    size_t n_rules;
    char *rule[SM__RULES_MAX];
    size_t n_items;
    char *item[SM__CALL_ITEMS_MAX];
    int item_is_sector[SM__CALL_ITEMS_MAX];
    char *infeasible; /* "" when consortia were found */
    int exact;
};

#endif /* SM_GROUPS_CONSORTIUM_H */
