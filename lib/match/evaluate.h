/* Replaying realised cooperations as queries (evaluate.c), shared with
 * fit.c: the list of queries of a period, the ranks a method gives the real
 * partners, and the table of figures. Builds on match. Not installed. */
#ifndef SM_MATCH_EVALUATE_H
#define SM_MATCH_EVALUATE_H

#include "match/match.h"

/* One replayed query: SME a, its real partners pos[off .. off + n). */
typedef struct sm__evq {
    uint32_t a, off, n, event;
} sm__evq;

typedef struct sm__evset {
    sm__evq *q;
    size_t n;
    uint32_t *pos;
    size_t n_pos;
} sm__evset;

/* Which events of the period: all, only the held-out third, or the rest. */
enum { SM__EV_ALL = 0, SM__EV_HELDOUT = 1, SM__EV_FIT = 2 };

/* The queries of the events of h dated in [from, to), one per member
 * (deterministic sample of max_q when max_q > 0). */
sm_status sm__evset_build(sm__evset *out, const sm__history *h, size_t n_smes, int32_t from, int32_t to, int which,
                          uint64_t seed, size_t max_q, const sm__alloc *a);
void sm__evset_free(sm__evset *s, const sm__alloc *a);

/* A method measured on a set: a weighting or a baseline. */
typedef struct sm__evmethod {
    const char *label;
    const sm_weighting *w; /* NULL: the baseline named by label */
} sm__evmethod;

typedef struct sm__evspec {
    size_t k1, k2, mrr_k, negatives;
    unsigned bootstrap;
    uint64_t seed;
} sm__evspec;

/* Evaluates the methods on the queries of set, the network criteria
 * reading hist (reader lock held, score cache current). */
sm_status sm__evaluate_run(sm_evaluation **out, const sm_engine *e, const sm__history *hist, const sm__evset *set,
                           const sm__evmethod *m, size_t n_methods, const sm__evspec *spec);

/* splitmix64 */
static inline uint64_t sm__rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The popularity order: pos[b] = place of SME b when sorted by number of
 * events in h (most first), ties by a hash of b. n entries. */
sm_status sm__popularity_order(uint32_t **out, const sm__history *h, size_t n, const sm__alloc *a);

#endif /* SM_MATCH_EVALUATE_H */
