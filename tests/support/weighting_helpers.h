/* Helpers for the weighting tests (weighting, weighting_text, combine):
 * making and reading weightings, exact comparison, counted user data,
 * constant criteria and a custom combiner. Header-only; include after
 * test_util.h. */
#ifndef SM_WEIGHTING_HELPERS_H
#define SM_WEIGHTING_HELPERS_H

#include <stdio.h>
#include <string.h>

static inline sm_weighting *must_parse(const char *text)
{
    sm_weighting *w = NULL;
    sm_status st = sm_weighting_parse(&w, text);
    if (st != SM_OK)
        fail_msg("parse \"%s\": %s: %s", text, sm_status_str(st), sm_error_last()->message);
    return w;
}

static inline sm_weighting *must_preset(const char *name)
{
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_preset(&w, name), SM_OK);
    assert_non_null(w);
    return w;
}

static inline double weight_of(const sm_weighting *w, const char *name)
{
    double v = -1;
    assert_int_equal(sm_weighting_get(&v, w, name), SM_OK);
    return v;
}

static inline double param_of(const sm_weighting *w, const char *name)
{
    double v = -1;
    assert_int_equal(sm_weighting_get_param(&v, w, name), SM_OK);
    return v;
}

static inline char *text_of(const sm_weighting *w)
{
    char *s = NULL;
    assert_int_equal(sm_weighting_to_string(&s, w), SM_OK);
    assert_non_null(s);
    return s;
}

static const char *const params[] = {
    "complementarity.reciprocity", "region_reach.scale_km",   "region_reach.cross_border_bonus",
    "region_reach.neighbour_bonus", "cohesion.full_ratio", "sector_affinity.secondary_factor",
};
#define N_PARAMS (sizeof params / sizeof *params)

/* Two weightings hold the same built-in weights, parameters and combiner,
 * compared exactly (bit for bit, as doubles). */
static inline void assert_same(const sm_weighting *a, const sm_weighting *b)
{
    assert_int_equal(sm_weighting_count(a), sm_weighting_count(b));
    for (size_t j = 0; j < sm_weighting_count(a); j++) {
        const char *na, *nb;
        double wa, wb;
        assert_int_equal(sm_weighting_at(&na, &wa, a, j), SM_OK);
        assert_int_equal(sm_weighting_at(&nb, &wb, b, j), SM_OK);
        assert_string_equal(na, nb);
        if (wa != wb)
            fail_msg("%s: %.17g != %.17g", na, wa, wb);
    }
    for (size_t k = 0; k < N_PARAMS; k++)
        if (param_of(a, params[k]) != param_of(b, params[k]))
            fail_msg("%s: %.17g != %.17g", params[k], param_of(a, params[k]), param_of(b, params[k]));
    assert_int_equal(sm_weighting_combiner(a), sm_weighting_combiner(b));
}

/* User data whose destruction is counted. */
typedef struct counted {
    int destroyed;
} counted;

static inline void count_destroy(void *ud)
{
    ((counted *)ud)->destroyed++;
}

static inline double crit_half(const sm_pair *pair, void *ud)
{
    (void)pair;
    (void)ud;
    return 0.5;
}

static inline double crit_one(const sm_pair *pair, void *ud)
{
    (void)pair;
    (void)ud;
    return 1;
}

typedef struct comb_state {
    counted c;
    double result;
    size_t seen_n;
    double seen_weight7; /* weight of the first custom criterion */
    double seen_score0;
} comb_state;

static inline double comb_fixed(const double *scores, const double *weights, size_t n, void *ud)
{
    comb_state *cs = ud;
    cs->seen_n = n;
    cs->seen_score0 = scores[0];
    cs->seen_weight7 = n > 7 ? weights[7] : -1;
    return cs->result;
}

static inline void comb_destroy(void *ud)
{
    ((comb_state *)ud)->c.destroyed++;
}


#endif /* SM_WEIGHTING_HELPERS_H */
