/* combine.c: the built-in combiners by hand, and a custom combiner's
 * result clamped or reported. */
#include "test_util.h"
#include "score/score.h"
#include "weighting_helpers.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double combine(const sm_weighting *w, const double *scores)
{
    double out = -1;
    assert_int_equal(sm__combine(w, scores, &out), SM_OK);
    assert_true(out >= 0 && out <= 1);
    return out;
}

static sm_weighting *weights7(const double *wt, sm_combiner c)
{
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    for (int j = 0; j < SM_CRIT_BUILTIN_COUNT; j++)
        assert_int_equal(sm_weighting_set_builtin(w, (sm_criterion)j, wt[j]), SM_OK);
    assert_int_equal(sm_weighting_set_combiner(w, c, NULL, NULL, NULL), SM_OK);
    return w;
}

static void combine_mean_geometric_min_by_hand(void **state)
{
    (void)state;
    const double scores[SM_CRITERIA_MAX] = { 0.5, 0.25, 1, 0, 0.8, 0.4, 1 };

    /* balanced mean: (3*.5 + 2*.25 + 1 + 0 + .5*.8 + .4 + 1) / 9.5 = 4.8 / 9.5 */
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_true(fabs(combine(w, scores) - 4.8 / 9.5) < 1e-15);

    /* min over weights > 0: cohesion scores 0 */
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_MIN, NULL, NULL, NULL), SM_OK);
    assert_true(combine(w, scores) == 0);
    assert_int_equal(sm_weighting_set(w, "cohesion", 0), SM_OK);
    assert_true(combine(w, scores) == 0.25);

    /* geometric: a zero score with weight > 0 gives 0; with weight 0 it is ignored */
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_GEOMETRIC, NULL, NULL, NULL), SM_OK);
    assert_int_equal(sm_weighting_set(w, "cohesion", 1), SM_OK);
    assert_true(combine(w, scores) == 0);
    sm_weighting_free(w);

    /* exp((2 ln .5 + 1 ln .25) / 3) = exp(ln(.0625)/3) = .0625^(1/3) */
    const double wg[7] = { 2, 1, 0, 0, 0, 0, 0 };
    w = weights7(wg, SM_COMBINE_GEOMETRIC);
    assert_true(fabs(combine(w, scores) - cbrt(0.0625)) < 1e-15);
    /* sqrt(.5 * .8) */
    const double wg2[7] = { 1, 0, 0, 0, 1, 0, 0 };
    sm_weighting_free(w);
    w = weights7(wg2, SM_COMBINE_GEOMETRIC);
    assert_true(fabs(combine(w, scores) - sqrt(0.4)) < 1e-15);
    sm_weighting_free(w);

    /* mean with only some weights: (1*.5 + 3*1) / 4 */
    const double wm[7] = { 1, 0, 3, 0, 0, 0, 0 };
    w = weights7(wm, SM_COMBINE_MEAN);
    assert_true(fabs(combine(w, scores) - 3.5 / 4) < 1e-15);
    sm_weighting_free(w);

    /* all weights zero: every combiner gives 0 */
    const double w0[7] = { 0 };
    for (int c = 0; c < 3; c++) {
        w = weights7(w0, (sm_combiner)c);
        const double ones[SM_CRITERIA_MAX] = { 1, 1, 1, 1, 1, 1, 1 };
        assert_true(combine(w, ones) == 0);
        sm_weighting_free(w);
    }

    /* all scores 1 give 1; weights near DBL_MAX do not overflow to NaN */
    const double big[7] = { DBL_MAX, DBL_MAX, DBL_MAX, 0, 0, 0, 0 };
    const double sb[SM_CRITERIA_MAX] = { 1, 0.5, 0, 1, 1, 1, 1 };
    w = weights7(big, SM_COMBINE_MEAN);
    assert_true(fabs(combine(w, sb) - 0.5) < 1e-15);
    sm_weighting_free(w);
    const double sg[SM_CRITERIA_MAX] = { 0.25, 1, 1, 1, 1, 1, 1 };
    w = weights7(big, SM_COMBINE_GEOMETRIC);
    assert_true(fabs(combine(w, sg) - cbrt(0.25)) < 1e-15);
    sm_weighting_free(w);

    /* custom criteria take part with their weights */
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "extra", crit_one, NULL, NULL, 10.5), SM_OK);
    double s8[SM_CRITERIA_MAX] = { 0.5, 0.25, 1, 0, 0.8, 0.4, 1, 1 };
    assert_true(fabs(combine(w, s8) - (4.8 + 10.5) / 20) < 1e-15);
    sm_weighting_free(w);
}

static void combine_custom_clamps_and_reports_nan(void **state)
{
    (void)state;
    comb_state cs = { { 0 }, 0.25, 0, 0, 0 };
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "extra", crit_one, NULL, NULL, 4), SM_OK);
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_CUSTOM, comb_fixed, &cs, comb_destroy), SM_OK);
    const double scores[SM_CRITERIA_MAX] = { 0.75, 0, 0, 0, 0, 0, 0, 0 };
    assert_true(combine(w, scores) == 0.25);
    assert_int_equal(cs.seen_n, 8);
    assert_true(cs.seen_score0 == 0.75);
    assert_true(cs.seen_weight7 == 4);
    cs.result = 1.7;
    assert_true(combine(w, scores) == 1);
    cs.result = -3;
    assert_true(combine(w, scores) == 0);
    cs.result = INFINITY;
    assert_true(combine(w, scores) == 1);
    cs.result = -INFINITY;
    assert_true(combine(w, scores) == 0);
    cs.result = NAN;
    double out = 0.125;
    assert_int_equal(sm__combine(w, scores, &out), SM_ERR_CALLBACK);
    tu_assert_error(SM_ERR_CALLBACK, "combiner: custom combiner returned NaN");
    assert_true(out == 0.125);
    sm_weighting_free(w);
    assert_int_equal(cs.c.destroyed, 1);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(combine_mean_geometric_min_by_hand),
        cmocka_unit_test(combine_custom_clamps_and_reports_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
