/* Query results: one block holding the ranked matches, their breakdowns,
 * distances and copies of every string, so a result outlives the engine and
 * the weighting and is freed with one call. */
#include "match/match.h"

#include <math.h>
#include <string.h>

struct sm_result {
    size_t n, n_crit;
    const char *query_id;
    const char **ids;     /* n */
    double *scores;       /* n */
    double *breakdowns;   /* n * n_crit */
    double *dist;         /* n */
    double *weights;      /* n_crit */
    const char **names;   /* n_crit */
    sm__expl *expl;       /* explanations (explain.c), NULL until explained */
};

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

sm_status sm__result_build(sm_result **out, sm__qctx *q, const sm__cand *cands, size_t n)
{
    const sm_engine *e = q->e;
    size_t nc = q->n_crit;
    size_t strings = strlen(sm__sme_id(e, q->a)) + 1;
    for (size_t i = 0; i < n; i++)
        strings += strlen(sm__sme_id(e, cands[i].idx)) + 1;
    for (size_t j = 0; j < nc; j++)
        strings += strlen(sm__weighting_name(q->w, j)) + 1;
    size_t size = align8(sizeof(sm_result));
    size_t off_ids = size;
    size += align8(n * sizeof(char *));
    size_t off_names = size;
    size += align8(nc * sizeof(char *));
    size_t off_nums = size;
    size += (n + n * nc + n + nc) * sizeof(double);
    size_t off_str = size;
    size += strings;
    char *blk = sm__boxed_alloc(&e->alloc, size);
    if (!blk)
        return sm__nomem();
    sm_result *r = (sm_result *)blk;
    r->n = n;
    r->n_crit = nc;
    r->expl = NULL;
    r->ids = (const char **)(blk + off_ids);
    r->names = (const char **)(blk + off_names);
    double *nums = (double *)(blk + off_nums);
    r->scores = nums;
    r->breakdowns = nums + n;
    r->dist = nums + n + n * nc;
    r->weights = nums + n + n * nc + n;
    char *str = blk + off_str;
#define PUT(dst, src)                     \
    do {                                  \
        size_t len_ = strlen(src) + 1;    \
        memcpy(str, (src), len_);         \
        (dst) = str;                      \
        str += len_;                      \
    } while (0)
    PUT(r->query_id, sm__sme_id(e, q->a));
    for (size_t i = 0; i < n; i++) {
        PUT(r->ids[i], sm__sme_id(e, cands[i].idx));
        r->scores[i] = cands[i].total;
        memcpy(r->breakdowns + i * nc, q->rows + (size_t)cands[i].row * nc, nc * sizeof(double));
        r->dist[i] = q->dist[e->smes.region[cands[i].idx]];
    }
    for (size_t j = 0; j < nc; j++) {
        PUT(r->names[j], sm__weighting_name(q->w, j));
        r->weights[j] = q->w->w[j];
    }
#undef PUT
    *out = r;
    return SM_OK;
}

void sm_result_free(sm_result *r)
{
    if (r) {
        sm__expl_free(r->expl);
        sm__boxed_free(r);
    }
}

const char *sm_result_query_id(const sm_result *r) { return r ? r->query_id : NULL; }

size_t sm_result_count(const sm_result *r) { return r ? r->n : 0; }

const char *sm_result_id(const sm_result *r, size_t i) { return r && i < r->n ? r->ids[i] : NULL; }

double sm_result_score(const sm_result *r, size_t i) { return r && i < r->n ? r->scores[i] : NAN; }

const double *sm_result_scores(const sm_result *r) { return r && r->n ? r->scores : NULL; }

size_t sm_result_criterion_count(const sm_result *r) { return r ? r->n_crit : 0; }

const char *sm_result_criterion_name(const sm_result *r, size_t j) { return r && j < r->n_crit ? r->names[j] : NULL; }

double sm_result_criterion_weight(const sm_result *r, size_t j) { return r && j < r->n_crit ? r->weights[j] : NAN; }

double sm_result_breakdown(const sm_result *r, size_t i, size_t j)
{
    return r && i < r->n && j < r->n_crit ? r->breakdowns[i * r->n_crit + j] : NAN;
}

const double *sm_result_breakdowns(const sm_result *r) { return r && r->n ? r->breakdowns : NULL; }

double sm_result_distance_km(const sm_result *r, size_t i) { return r && i < r->n ? r->dist[i] : NAN; }

sm__expl *sm__result_expl(const sm_result *r) { return r ? r->expl : NULL; }

void sm__result_set_expl(sm_result *r, sm__expl *x)
{
    sm__expl_free(r->expl);
    r->expl = x;
}
