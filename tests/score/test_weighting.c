/* weighting.c: presets, weights, parameters (and their table), custom
 * criteria, setting the combiner, and the caller's allocator. The text form
 * is tested in test_weighting_text.c, combining in test_combine.c. */
#include "test_util.h"
#include "score/score.h"
#include "weighting_helpers.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names and presets -------------------------------------------------------- */

static void criterion_names_follow_the_enum(void **state)
{
    (void)state;
    const char *expected[] = { "complementarity", "sector_affinity", "region_reach", "cohesion",
                               "size_fit",        "cooperation_fit", "language" };
    assert_int_equal(SM_CRIT_BUILTIN_COUNT, 7);
    for (int c = 0; c < SM_CRIT_BUILTIN_COUNT; c++)
        assert_string_equal(sm_criterion_name((sm_criterion)c), expected[c]);
    assert_null(sm_criterion_name((sm_criterion)SM_CRIT_BUILTIN_COUNT));
    assert_null(sm_criterion_name((sm_criterion)-1));
    assert_null(sm_criterion_name((sm_criterion)1000));
}

static void params_have_documented_defaults(void **state)
{
    (void)state;
    assert_int_equal(sm__params_default.reciprocity, SM_RECIPROCITY_HARMONIC);
    assert_true(sm__params_default.scale_km == 400);
    assert_true(sm__params_default.cross_border_bonus == 0.15);
    assert_true(sm__params_default.neighbour_bonus == 0.15);
    assert_true(sm__params_default.full_ratio == 2.0);
    assert_true(sm__params_default.secondary_factor == 0.8);
}

typedef struct preset_case {
    const char *name;
    double w[SM_CRIT_BUILTIN_COUNT];
    double p[6]; /* in the order of params[] */
} preset_case;

static const preset_case preset_cases[] = {
    { "balanced", { 3, 2, 1, 1, 0.5, 1, 1 }, { 0, 400, 0.15, 0.15, 2, 0.8 } },
    { "cross_border", { 3, 1.5, 1, 1, 0.5, 1, 1.5 }, { 0, 400, 0.3, 0.15, 2, 0.8 } },
    { "supply_chain", { 3, 3, 1.5, 0, 1, 1.5, 0.5 }, { 2, 400, 0.15, 0.15, 2, 0.8 } },
    { "cohesion", { 2, 1, 0.5, 3, 0.5, 1, 1 }, { 0, 400, 0.15, 0.15, 2, 0.8 } },
    { "local", { 3, 1, 3, 0, 0.5, 1, 1 }, { 0, 100, 0.15, 0.15, 2, 0.8 } },
};
#define N_PRESET_CASES (sizeof preset_cases / sizeof *preset_cases)

static void check_preset(const sm_weighting *w, const preset_case *pc)
{
    assert_int_equal(sm_weighting_count(w), SM_CRIT_BUILTIN_COUNT);
    for (size_t j = 0; j < SM_CRIT_BUILTIN_COUNT; j++) {
        const char *name;
        double v;
        assert_int_equal(sm_weighting_at(&name, &v, w, j), SM_OK);
        assert_string_equal(name, sm_criterion_name((sm_criterion)j));
        if (v != pc->w[j])
            fail_msg("preset %s: %s = %g, expected %g", pc->name, name, v, pc->w[j]);
    }
    for (size_t k = 0; k < N_PARAMS; k++)
        if (param_of(w, params[k]) != pc->p[k])
            fail_msg("preset %s: %s = %g, expected %g", pc->name, params[k], param_of(w, params[k]), pc->p[k]);
    assert_int_equal(sm_weighting_combiner(w), SM_COMBINE_MEAN);
}

static void presets_have_documented_weights_and_params(void **state)
{
    (void)state;
    assert_int_equal(sm_weighting_preset_count(), N_PRESET_CASES);
    for (size_t i = 0; i < N_PRESET_CASES; i++) {
        assert_string_equal(sm_weighting_preset_name(i), preset_cases[i].name);
        sm_weighting *w = must_preset(preset_cases[i].name);
        check_preset(w, &preset_cases[i]);
        sm_weighting_free(w);
        /* a preset name is valid text on its own */
        w = must_parse(preset_cases[i].name);
        check_preset(w, &preset_cases[i]);
        sm_weighting_free(w);
    }
    assert_null(sm_weighting_preset_name(N_PRESET_CASES));
    assert_null(sm_weighting_preset_name((size_t)-1));

    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    check_preset(w, &preset_cases[0]);
    sm_weighting_free(w);
}

static void preset_names_ignore_case_and_dashes(void **state)
{
    (void)state;
    const char *names[] = { "cross-border", "Cross_Border", "CROSS-BORDER" };
    for (size_t i = 0; i < 3; i++) {
        sm_weighting *w = must_preset(names[i]);
        check_preset(w, &preset_cases[1]);
        sm_weighting_free(w);
        w = must_parse(names[i]);
        check_preset(w, &preset_cases[1]);
        sm_weighting_free(w);
    }
    sm_weighting *w = must_parse(" Supply-Chain , cohesion = 1 ");
    assert_true(weight_of(w, "cohesion") == 1);
    assert_true(param_of(w, "complementarity.reciprocity") == SM_RECIPROCITY_MAX);
    sm_weighting_free(w);
}

static void unknown_presets_are_refused(void **state)
{
    (void)state;
    sm_weighting *w = (sm_weighting *)&w; /* a sentinel that must stay */
    sm_weighting *const sentinel = w;
    assert_int_equal(sm_weighting_preset(&w, "balancd"), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "unknown preset \"balancd\" (did you mean \"balanced\"?)");
    assert_string_equal(sm_error_last()->field, "preset");
    assert_string_equal(sm_error_last()->value, "balancd");
    assert_int_equal(sm_weighting_preset(&w, "cross border"), SM_ERR_UNKNOWN_NAME);
    assert_int_equal(sm_weighting_preset(&w, ""), SM_ERR_UNKNOWN_NAME);
    assert_int_equal(sm_weighting_preset(&w, "zzzzzz"), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "unknown preset \"zzzzzz\"");
    assert_null(strstr(sm_error_last()->message, "did you mean"));
    assert_ptr_equal(w, sentinel);
    assert_int_equal(sm_weighting_preset(&w, NULL), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "NULL name");
    assert_int_equal(sm_weighting_preset(NULL, "balanced"), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_new(NULL), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "NULL out");
    assert_ptr_equal(w, sentinel);
}

/* ---- weights -------------------------------------------------------------------- */

static void weights_are_set_and_read_by_name_and_index(void **state)
{
    (void)state;
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_int_equal(sm_weighting_set(w, "cohesion", 2.5), SM_OK);
    assert_true(weight_of(w, "cohesion") == 2.5);
    assert_int_equal(sm_weighting_set(w, "Region-Reach", 0.25), SM_OK); /* case and '-' folded */
    assert_true(weight_of(w, "region_reach") == 0.25);
    assert_int_equal(sm_weighting_set_builtin(w, SM_CRIT_LANGUAGE, 4), SM_OK);
    assert_true(weight_of(w, "language") == 4);
    double v = -1;
    const char *name = NULL;
    assert_int_equal(sm_weighting_at(&name, &v, w, SM_CRIT_LANGUAGE), SM_OK);
    assert_string_equal(name, "language");
    assert_true(v == 4);
    assert_int_equal(sm_weighting_at(NULL, NULL, w, 0), SM_OK);
    assert_int_equal(sm_weighting_at(NULL, &v, w, 0), SM_OK);
    assert_true(v == 3);

    /* zero is a valid weight, even for all of them; -0 is stored as 0 */
    for (int c = 0; c < SM_CRIT_BUILTIN_COUNT; c++)
        assert_int_equal(sm_weighting_set_builtin(w, (sm_criterion)c, 0), SM_OK);
    assert_int_equal(sm_weighting_set(w, "size_fit", -0.0), SM_OK);
    assert_true(weight_of(w, "size_fit") == 0);
    assert_false(signbit(weight_of(w, "size_fit")));
    assert_int_equal(sm_weighting_set_builtin(w, SM_CRIT_COHESION, -0.0), SM_OK);
    assert_false(signbit(weight_of(w, "cohesion")));
    assert_int_equal(sm_weighting_set(w, "language", DBL_MAX), SM_OK);
    assert_int_equal(sm_weighting_set(w, "language", DBL_TRUE_MIN), SM_OK);
    assert_true(weight_of(w, "language") == DBL_TRUE_MIN);
    sm_weighting_free(w);
}

static void bad_weights_are_refused_and_change_nothing(void **state)
{
    (void)state;
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    const double bad[] = { -1, -DBL_TRUE_MIN, NAN, INFINITY, -INFINITY };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(sm_weighting_set(w, "cohesion", bad[i]), SM_ERR_RANGE);
        tu_assert_error(SM_ERR_RANGE, "cohesion: weight must be finite and >= 0");
        assert_string_equal(sm_error_last()->field, "cohesion");
        assert_int_equal(sm_weighting_set_builtin(w, SM_CRIT_COHESION, bad[i]), SM_ERR_RANGE);
        tu_assert_error(SM_ERR_RANGE, "cohesion");
    }
    assert_int_equal(sm_weighting_set(w, "cohesion", -2), SM_ERR_RANGE);
    assert_string_equal(sm_error_last()->value, "-2");
    assert_true(weight_of(w, "cohesion") == 1);

    assert_int_equal(sm_weighting_set(w, "cohesoin", 1), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "unknown criterion \"cohesoin\" (did you mean \"cohesion\"?)");
    assert_string_equal(sm_error_last()->value, "cohesoin");
    assert_int_equal(sm_weighting_set(w, "region_reach.scale_km", 1), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "a parameter");
    assert_int_equal(sm_weighting_set(w, "", 1), SM_ERR_UNKNOWN_NAME);
    assert_int_equal(sm_weighting_set(w, NULL, 1), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_set(NULL, "cohesion", 1), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "NULL weighting");
    assert_int_equal(sm_weighting_set_builtin(w, (sm_criterion)SM_CRIT_BUILTIN_COUNT, 1), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "no built-in criterion 7");
    assert_int_equal(sm_weighting_set_builtin(w, (sm_criterion)-1, 1), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_set_builtin(NULL, SM_CRIT_COHESION, 1), SM_ERR_INVALID_ARGUMENT);

    double v = 42;
    const char *name = "x";
    assert_int_equal(sm_weighting_get(&v, w, "bogus"), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "unknown criterion \"bogus\"");
    assert_int_equal(sm_weighting_get(NULL, w, "cohesion"), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_get(&v, NULL, "cohesion"), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_get(&v, w, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_at(&name, &v, w, SM_CRIT_BUILTIN_COUNT), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "no criterion 7");
    assert_int_equal(sm_weighting_at(&name, &v, NULL, 0), SM_ERR_INVALID_ARGUMENT);
    assert_true(v == 42);
    assert_string_equal(name, "x");
    assert_int_equal(sm_weighting_count(NULL), 0);
    assert_int_equal(sm_weighting_combiner(NULL), SM_COMBINE_MEAN);

    sm_weighting *fresh = NULL;
    assert_int_equal(sm_weighting_new(&fresh), SM_OK);
    assert_same(w, fresh);
    sm_weighting_free(fresh);
    sm_weighting_free(w);
    sm_weighting_free(NULL);
}

/* ---- parameters ------------------------------------------------------------------- */

static void params_are_checked_against_their_ranges(void **state)
{
    (void)state;
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    struct {
        const char *name;
        double value;
        sm_status status;
    } cases[] = {
        { "complementarity.reciprocity", 0, SM_OK },
        { "complementarity.reciprocity", 3, SM_OK },
        { "complementarity.reciprocity", 4, SM_ERR_RANGE },
        { "complementarity.reciprocity", 1.5, SM_ERR_RANGE },
        { "complementarity.reciprocity", -1, SM_ERR_RANGE },
        { "complementarity.reciprocity", NAN, SM_ERR_RANGE },
        { "region_reach.scale_km", 1e-9, SM_OK },
        { "region_reach.scale_km", 1e300, SM_OK },
        { "region_reach.scale_km", 0, SM_ERR_RANGE },
        { "region_reach.scale_km", -5, SM_ERR_RANGE },
        { "region_reach.scale_km", INFINITY, SM_ERR_RANGE },
        { "region_reach.scale_km", NAN, SM_ERR_RANGE },
        { "region_reach.cross_border_bonus", 0, SM_OK },
        { "region_reach.cross_border_bonus", 1, SM_OK },
        { "region_reach.cross_border_bonus", 1.0001, SM_ERR_RANGE },
        { "region_reach.cross_border_bonus", -0.1, SM_ERR_RANGE },
        { "region_reach.cross_border_bonus", NAN, SM_ERR_RANGE },
        { "region_reach.neighbour_bonus", 0.5, SM_OK },
        { "region_reach.neighbour_bonus", 2, SM_ERR_RANGE },
        { "cohesion.full_ratio", 1.0001, SM_OK },
        { "cohesion.full_ratio", 1e6, SM_OK },
        { "cohesion.full_ratio", 1, SM_ERR_RANGE },
        { "cohesion.full_ratio", 0.5, SM_ERR_RANGE },
        { "cohesion.full_ratio", INFINITY, SM_ERR_RANGE },
        { "sector_affinity.secondary_factor", 0, SM_OK },
        { "sector_affinity.secondary_factor", 1, SM_OK },
        { "sector_affinity.secondary_factor", 1.5, SM_ERR_RANGE },
        { "sector_affinity.secondary_factor", -INFINITY, SM_ERR_RANGE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double before = param_of(w, cases[i].name);
        sm_status st = sm_weighting_set_param(w, cases[i].name, cases[i].value);
        if (st != cases[i].status)
            fail_msg("%s = %g: %s, expected %s", cases[i].name, cases[i].value, sm_status_str(st),
                     sm_status_str(cases[i].status));
        if (st == SM_OK) {
            assert_true(param_of(w, cases[i].name) == cases[i].value);
        } else {
            tu_assert_error(SM_ERR_RANGE, cases[i].name);
            assert_string_equal(sm_error_last()->field, cases[i].name);
            assert_true(param_of(w, cases[i].name) == before);
        }
    }
    assert_int_equal(sm_weighting_set_param(w, "region_reach.scale_km", 0), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "region_reach.scale_km: must be finite and > 0, not 0");
    assert_int_equal(sm_weighting_set_param(w, "cohesion.full_ratio", 1), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "must be finite and > 1");
    assert_int_equal(sm_weighting_set_param(w, "region_reach.neighbour_bonus", 2), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "must be in 0..1");

    assert_int_equal(sm_weighting_set_param(w, "region_reach.scale", 1), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "unknown parameter \"region_reach.scale\" (did you mean \"region_reach.scale_km\"?)");
    assert_int_equal(sm_weighting_set_param(w, "cohesion", 1), SM_ERR_UNKNOWN_NAME);
    double v = 7;
    assert_int_equal(sm_weighting_get_param(&v, w, "nope"), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "unknown parameter \"nope\"");
    assert_true(v == 7);
    assert_int_equal(sm_weighting_set_param(NULL, "cohesion.full_ratio", 3), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_set_param(w, NULL, 3), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_get_param(NULL, w, "cohesion.full_ratio"), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_get_param(&v, NULL, "cohesion.full_ratio"), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_get_param(&v, w, NULL), SM_ERR_INVALID_ARGUMENT);
    /* parameter names fold like criterion names */
    assert_int_equal(sm_weighting_set_param(w, "Cohesion.Full-Ratio", 3), SM_OK);
    assert_true(param_of(w, "cohesion.full_ratio") == 3);
    sm_weighting_free(w);
}

/* ---- custom criteria -------------------------------------------------------------------- */

static void custom_criteria_are_added_replaced_and_destroyed_once(void **state)
{
    (void)state;
    counted a = { 0 }, b = { 0 }, c = { 0 };
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "same_country", crit_one, &a, count_destroy, 2), SM_OK);
    assert_int_equal(sm_weighting_count(w), 8);
    const char *name;
    double v;
    assert_int_equal(sm_weighting_at(&name, &v, w, 7), SM_OK);
    assert_string_equal(name, "same_country");
    assert_true(v == 2);
    assert_string_equal(sm__weighting_name(w, 7), "same_country");
    assert_string_equal(sm__weighting_name(w, 0), "complementarity");
    assert_null(sm__weighting_name(w, 8));
    assert_ptr_equal(w->custom[0].fn, crit_one);
    assert_ptr_equal(w->custom[0].ud->ptr, &a);
    assert_true(weight_of(w, "same_country") == 2);
    assert_int_equal(sm_weighting_set(w, "same_country", 0.5), SM_OK);
    assert_true(weight_of(w, "same_country") == 0.5);

    /* replacing: the old user data goes at once, the position stays */
    assert_int_equal(sm_weighting_add_criterion(w, "same_country", crit_half, &b, count_destroy, 3), SM_OK);
    assert_int_equal(a.destroyed, 1);
    assert_int_equal(sm_weighting_count(w), 8);
    assert_ptr_equal(w->custom[0].fn, crit_half);
    assert_true(weight_of(w, "same_country") == 3);

    /* copies share the user data: destroyed with the last owner */
    assert_int_equal(sm_weighting_add_criterion(w, "other", crit_one, &c, count_destroy, 1), SM_OK);
    sm_weighting *copy = NULL, *copy2 = NULL;
    assert_int_equal(sm_weighting_copy(&copy, w), SM_OK);
    assert_int_equal(sm_weighting_copy(&copy2, copy), SM_OK);
    assert_same(w, copy);
    assert_ptr_equal(copy->custom[0].ud, w->custom[0].ud);
    sm_weighting_free(w);
    assert_int_equal(b.destroyed, 0);
    assert_int_equal(c.destroyed, 0);
    /* replacing in one copy releases only that copy's reference */
    counted d = { 0 };
    assert_int_equal(sm_weighting_add_criterion(copy, "other", crit_one, &d, count_destroy, 1), SM_OK);
    assert_int_equal(c.destroyed, 0);
    sm_weighting_free(copy2);
    assert_int_equal(c.destroyed, 1);
    assert_int_equal(b.destroyed, 0);
    sm_weighting_free(copy);
    assert_int_equal(a.destroyed, 1);
    assert_int_equal(b.destroyed, 1);
    assert_int_equal(c.destroyed, 1);
    assert_int_equal(d.destroyed, 1);

    /* no destructor: nothing to call, nothing leaks */
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "plain", crit_one, NULL, NULL, 0), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "plain", crit_half, NULL, NULL, 1), SM_OK);
    sm_weighting_free(w);
}

static void bad_custom_criteria_are_refused_without_destroying(void **state)
{
    (void)state;
    counted a = { 0 };
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    const char *bad_names[] = { "", "Same", "a-b", "a b", "é", "x.y", "abcdefghijklmnopqrstuvwxyz0123456" };
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        assert_int_equal(sm_weighting_add_criterion(w, bad_names[i], crit_one, &a, count_destroy, 1),
                         SM_ERR_BAD_CODE);
        tu_assert_error(SM_ERR_BAD_CODE, "criterion: bad name");
        assert_string_equal(sm_error_last()->value, bad_names[i]);
    }
    assert_int_equal(sm_weighting_add_criterion(w, "abcdefghijklmnopqrstuvwxyz012345", crit_one, NULL, NULL, 1),
                     SM_OK); /* 32 bytes */
    for (int c = 0; c < SM_CRIT_BUILTIN_COUNT; c++) {
        const char *name = sm_criterion_name((sm_criterion)c);
        assert_int_equal(sm_weighting_add_criterion(w, name, crit_one, &a, count_destroy, 1), SM_ERR_DUPLICATE);
        tu_assert_error(SM_ERR_DUPLICATE, "is a built-in criterion");
    }
    assert_int_equal(sm_weighting_add_criterion(w, "ok", crit_one, &a, count_destroy, -1), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "ok: weight must be finite and >= 0");
    assert_int_equal(sm_weighting_add_criterion(w, "ok", crit_one, &a, count_destroy, NAN), SM_ERR_RANGE);
    assert_int_equal(sm_weighting_add_criterion(w, "ok", crit_one, &a, count_destroy, INFINITY), SM_ERR_RANGE);
    assert_int_equal(sm_weighting_add_criterion(w, "ok", NULL, &a, count_destroy, 1), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "NULL function");
    assert_int_equal(sm_weighting_add_criterion(w, NULL, crit_one, &a, count_destroy, 1), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_add_criterion(NULL, "ok", crit_one, &a, count_destroy, 1),
                     SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_count(w), 8);

    /* fill up to SM_CRITERIA_MAX; one more is refused, replacing still works */
    char name[16];
    for (int i = 1; sm_weighting_count(w) < SM_CRITERIA_MAX; i++) {
        snprintf(name, sizeof name, "c%d", i);
        assert_int_equal(sm_weighting_add_criterion(w, name, crit_one, NULL, NULL, 1), SM_OK);
    }
    assert_int_equal(sm_weighting_count(w), SM_CRITERIA_MAX);
    assert_int_equal(sm_weighting_add_criterion(w, "one_more", crit_one, &a, count_destroy, 1), SM_ERR_LIMIT);
    tu_assert_error(SM_ERR_LIMIT, "at most 32 criteria");
    assert_int_equal(sm_weighting_count(w), SM_CRITERIA_MAX);
    assert_int_equal(sm_weighting_add_criterion(w, "c1", crit_half, &a, count_destroy, 2), SM_OK);
    assert_true(weight_of(w, "c1") == 2);
    assert_int_equal(a.destroyed, 0);
    sm_weighting *copy = NULL;
    assert_int_equal(sm_weighting_copy(&copy, w), SM_OK);
    sm_weighting_free(w);
    assert_int_equal(a.destroyed, 0);
    sm_weighting_free(copy);
    assert_int_equal(a.destroyed, 1);

    sm_weighting *out = (sm_weighting *)&out;
    assert_int_equal(sm_weighting_copy(&out, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_ptr_equal(out, (sm_weighting *)&out);
    assert_int_equal(sm_weighting_copy(NULL, out), SM_ERR_INVALID_ARGUMENT);
}

/* ---- combiners ------------------------------------------------------------------------- */

static void combiners_are_set_checked_and_released(void **state)
{
    (void)state;
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    comb_state s1 = { { 0 }, 0.5, 0, 0, 0 }, s2 = { { 0 }, 0.5, 0, 0, 0 };
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_MEAN, comb_fixed, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "combiner: mean takes no function");
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_MIN, NULL, &s1, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_GEOMETRIC, NULL, NULL, comb_destroy),
                     SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_CUSTOM, NULL, &s1, comb_destroy),
                     SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "needs a function");
    assert_int_equal(sm_weighting_set_combiner(w, (sm_combiner)4, NULL, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "unknown combiner 4");
    assert_int_equal(sm_weighting_set_combiner(w, (sm_combiner)-1, NULL, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_set_combiner(NULL, SM_COMBINE_MEAN, NULL, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_weighting_combiner(w), SM_COMBINE_MEAN);
    assert_int_equal(s1.c.destroyed, 0);

    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_CUSTOM, comb_fixed, &s1, comb_destroy), SM_OK);
    assert_int_equal(sm_weighting_combiner(w), SM_COMBINE_CUSTOM);
    sm_weighting *copy = NULL;
    assert_int_equal(sm_weighting_copy(&copy, w), SM_OK);
    assert_int_equal(sm_weighting_combiner(copy), SM_COMBINE_CUSTOM);
    /* replaced in w: s1 still lives in the copy */
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_CUSTOM, comb_fixed, &s2, comb_destroy), SM_OK);
    assert_int_equal(s1.c.destroyed, 0);
    /* a custom combiner writes nothing in the text */
    char *s = text_of(w);
    assert_null(strstr(s, "combiner"));
    sm_free(s);
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_GEOMETRIC, NULL, NULL, NULL), SM_OK);
    assert_int_equal(s2.c.destroyed, 1);
    assert_null(w->combine_ud);
    sm_weighting_free(copy);
    assert_int_equal(s1.c.destroyed, 1);
    /* a custom combiner without user data still works and frees cleanly */
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_CUSTOM, comb_fixed, NULL, NULL), SM_OK);
    sm_weighting_free(w);
    assert_int_equal(s1.c.destroyed, 1);
    assert_int_equal(s2.c.destroyed, 1);
}

/* ---- the caller's allocator ---------------------------------------------------- */

static double const_half(const sm_pair *pair, void *ud)
{
    (void)pair;
    (void)ud;
    return 0.5;
}

static void destroy_count(void *ud)
{
    (*(int *)ud)++;
}

/* Every block of a weighting made with an allocator goes through it: the
 * weighting, its copies, user data and its text (freed by sm_free). */
static void weightings_use_the_callers_allocator(void **state)
{
    (void)state;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm_weighting *w = NULL, *c = NULL, *p = NULL;
    int destroyed = 0;
    assert_int_equal(sm_weighting_new_with(&w, &a), SM_OK);
    assert_int_equal(st.live, 1);
    double v;
    assert_int_equal(sm_weighting_get(&v, w, "complementarity"), SM_OK);
    assert_true(v == 3.0); /* balanced */
    assert_int_equal(sm_weighting_add_criterion(w, "half", const_half, &destroyed, destroy_count, 1.0), SM_OK);
    assert_int_equal(st.live, 2);
    assert_int_equal(sm_weighting_copy(&c, w), SM_OK);
    assert_int_equal(st.live, 3);
    char *text = NULL;
    assert_int_equal(sm_weighting_to_string(&text, c), SM_OK);
    assert_int_equal(st.live, 4);
    assert_non_null(strstr(text, "half=1"));
    sm_free(text);
    assert_int_equal(st.live, 3);
    sm_weighting_free(w);
    assert_int_equal(destroyed, 0);
    sm_weighting_free(c);
    assert_int_equal(destroyed, 1);
    assert_int_equal(st.live, 0);

    assert_int_equal(sm_weighting_parse_with(&p, "cross_border,language=2", &a), SM_OK);
    assert_int_equal(st.live, 1);
    assert_int_equal(sm_weighting_get_param(&v, p, "region_reach.cross_border_bonus"), SM_OK);
    assert_true(v == 0.3);
    assert_int_equal(sm_weighting_to_string(&text, p), SM_OK);
    assert_int_equal(st.live, 2);
    sm_free(text);
    sm_weighting_free(p);
    assert_int_equal(st.live, 0);

    /* NULL is the default allocator; a partial one is refused */
    assert_int_equal(sm_weighting_new_with(&w, NULL), SM_OK);
    sm_weighting_free(w);
    assert_int_equal(sm_weighting_parse_with(&w, "local", NULL), SM_OK);
    sm_weighting_free(w);
    sm_allocator bad = a;
    bad.free_fn = NULL;
    w = NULL;
    tu_assert_error(sm_weighting_new_with(&w, &bad), "allocator needs");
    tu_assert_error(sm_weighting_parse_with(&w, "local", &bad), "allocator needs");
    assert_null(w);
    tu_assert_error(sm_weighting_new_with(NULL, &a), "NULL out");
}

/* Failing each allocation in turn: NOMEM, out untouched, user data
 * destroyed once, nothing leaked. */
static void weighting_allocation_failures_leak_nothing(void **state)
{
    (void)state;
    long points = 0;
    for (long n = 1;; n++) {
        tu_alloc_state st = { .fail_at = n };
        sm_allocator a = tu_allocator(&st);
        sm_weighting *w = NULL, *c = NULL, *p = NULL;
        char *text = NULL;
        int destroyed = 0;
        sm_status s = sm_weighting_new_with(&w, &a);
        if (s == SM_OK)
            s = sm_weighting_add_criterion(w, "half", const_half, &destroyed, destroy_count, 1.0);
        if (s == SM_OK)
            s = sm_weighting_copy(&c, w);
        if (s == SM_OK)
            s = sm_weighting_to_string(&text, c);
        if (s == SM_OK)
            s = sm_weighting_parse_with(&p, "supply_chain,cohesion=1", &a);
        if (!st.failed) {
            assert_int_equal(s, SM_OK);
        } else {
            points++;
            assert_int_equal(s, SM_ERR_NOMEM);
        }
        bool had_udata = w && sm_weighting_count(w) == SM_CRIT_BUILTIN_COUNT + 1;
        sm_free(text);
        sm_weighting_free(c);
        sm_weighting_free(w);
        sm_weighting_free(p);
        assert_int_equal(destroyed, had_udata ? 1 : 0);
        assert_int_equal(st.live, 0);
        if (!st.failed)
            break;
    }
    assert_int_equal(points, 5);
}

/* The parameter table agrees with the struct it describes. */
static void parameter_table_matches_the_defaults(void **state)
{
    (void)state;
    assert_int_equal(SM__N_PARAMS, 6);
    for (size_t k = 0; k < SM__N_PARAMS; k++) {
        const sm__param_def *d = &sm__param_defs[k];
        assert_ptr_equal(sm__param_find(d->name, strlen(d->name)), d);
        assert_true(sm__param_get(&sm__params_default, d) == d->def);
        assert_null(sm__param_range(d, d->def));
        assert_non_null(sm__param_range(d, NAN));
        assert_true((unsigned)d->criterion < SM_CRIT_BUILTIN_COUNT);
        assert_true(strncmp(d->name, sm_criterion_name(d->criterion), strlen(sm_criterion_name(d->criterion))) == 0);
    }
    assert_true(sm__param_defs[0].integer);
    assert_non_null(sm__param_range(&sm__param_defs[0], 1.5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(criterion_names_follow_the_enum),
        cmocka_unit_test(params_have_documented_defaults),
        cmocka_unit_test(presets_have_documented_weights_and_params),
        cmocka_unit_test(preset_names_ignore_case_and_dashes),
        cmocka_unit_test(unknown_presets_are_refused),
        cmocka_unit_test(weights_are_set_and_read_by_name_and_index),
        cmocka_unit_test(bad_weights_are_refused_and_change_nothing),
        cmocka_unit_test(params_are_checked_against_their_ranges),
        cmocka_unit_test(custom_criteria_are_added_replaced_and_destroyed_once),
        cmocka_unit_test(bad_custom_criteria_are_refused_without_destroying),
        cmocka_unit_test(combiners_are_set_checked_and_released),
        cmocka_unit_test(weightings_use_the_callers_allocator),
        cmocka_unit_test(weighting_allocation_failures_leak_nothing),
        cmocka_unit_test(parameter_table_matches_the_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
