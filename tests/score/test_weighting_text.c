/* weighting_text.c: the text form, sm_weighting_parse() and
 * sm_weighting_to_string(), and its round trips. */
#include "test_util.h"
#include "score/score.h"
#include "weighting_helpers.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsing ------------------------------------------------------------------------ */

static void parse_reads_items_over_a_preset_or_over_zero(void **state)
{
    (void)state;
    /* without a preset: the criteria named, all others 0, default parameters */
    sm_weighting *w = must_parse("complementarity=3,region_reach=1");
    assert_true(weight_of(w, "complementarity") == 3);
    assert_true(weight_of(w, "region_reach") == 1);
    assert_true(weight_of(w, "sector_affinity") == 0);
    assert_true(weight_of(w, "language") == 0);
    assert_true(param_of(w, "region_reach.scale_km") == 400);
    assert_int_equal(sm_weighting_combiner(w), SM_COMBINE_MEAN);
    sm_weighting_free(w);

    /* with a preset: items change it */
    w = must_parse("cross_border,complementarity=3,cohesion=0.5");
    assert_true(weight_of(w, "cohesion") == 0.5);
    assert_true(weight_of(w, "language") == 1.5);
    assert_true(param_of(w, "region_reach.cross_border_bonus") == 0.3);
    sm_weighting_free(w);

    /* whitespace around items, names and values; last duplicate wins */
    w = must_parse(" \tlocal ,\n size_fit = 2 , size_fit=0.25 ,region_reach.scale_km = 250 ");
    assert_true(weight_of(w, "size_fit") == 0.25);
    assert_true(weight_of(w, "region_reach") == 3);
    assert_true(param_of(w, "region_reach.scale_km") == 250);
    sm_weighting_free(w);

    /* every parameter and combiner by text */
    w = must_parse("complementarity=1,complementarity.reciprocity=arithmetic,region_reach.scale_km=300,"
                   "region_reach.cross_border_bonus=0,region_reach.neighbour_bonus=1,cohesion.full_ratio=3.5,"
                   "sector_affinity.secondary_factor=0.5,combiner=geometric");
    assert_true(param_of(w, "complementarity.reciprocity") == SM_RECIPROCITY_ARITHMETIC);
    assert_true(param_of(w, "region_reach.scale_km") == 300);
    assert_true(param_of(w, "region_reach.cross_border_bonus") == 0);
    assert_true(param_of(w, "region_reach.neighbour_bonus") == 1);
    assert_true(param_of(w, "cohesion.full_ratio") == 3.5);
    assert_true(param_of(w, "sector_affinity.secondary_factor") == 0.5);
    assert_int_equal(sm_weighting_combiner(w), SM_COMBINE_GEOMETRIC);
    sm_weighting_free(w);

    /* reciprocity by name (any case) or by number; combiners by name */
    const char *recips[] = { "harmonic", "Arithmetic", "MAX", "min" };
    for (int r = 0; r < 4; r++) {
        char text[96];
        snprintf(text, sizeof text, "cohesion=1,complementarity.reciprocity=%s", recips[r]);
        w = must_parse(text);
        assert_true(param_of(w, "complementarity.reciprocity") == r);
        sm_weighting_free(w);
        snprintf(text, sizeof text, "cohesion=1,complementarity.reciprocity=%d", r);
        w = must_parse(text);
        assert_true(param_of(w, "complementarity.reciprocity") == r);
        sm_weighting_free(w);
    }
    const char *combs[] = { "mean", "geometric", "MIN" };
    for (int c = 0; c < 3; c++) {
        char text[64];
        snprintf(text, sizeof text, c == 1 ? "language=1, combiner = %s" : "language=1,combiner=%s", combs[c]);
        w = must_parse(text);
        assert_int_equal(sm_weighting_combiner(w), (sm_combiner)c);
        sm_weighting_free(w);
    }

    /* numbers: exponents, signs, leading dot, zero weights beside a positive one */
    w = must_parse("complementarity=1e-3,language=+2.5,cohesion=.5,size_fit=0,region_reach=-0");
    assert_true(weight_of(w, "complementarity") == 1e-3);
    assert_true(weight_of(w, "language") == 2.5);
    assert_true(weight_of(w, "cohesion") == 0.5);
    assert_false(signbit(weight_of(w, "region_reach")));
    sm_weighting_free(w);

    /* names fold case and '-' */
    w = must_parse("Sector-Affinity=2");
    assert_true(weight_of(w, "sector_affinity") == 2);
    sm_weighting_free(w);
}

typedef struct parse_err {
    const char *text;
    sm_status status;
    const char *message; /* substring */
    const char *field;   /* NULL: not checked */
    const char *value;   /* NULL: not checked */
} parse_err;

static const parse_err parse_errors[] = {
    /* unknown names */
    { "complementarty=3", SM_ERR_UNKNOWN_NAME,
      "weights: unknown criterion \"complementarty\" (did you mean \"complementarity\"?)", "weights",
      "complementarty" },
    { "bogus=1", SM_ERR_UNKNOWN_NAME, "unknown criterion \"bogus\"", "weights", "bogus" },
    { "region_reach.scale=1", SM_ERR_UNKNOWN_NAME,
      "unknown parameter \"region_reach.scale\" (did you mean \"region_reach.scale_km\"?)", "weights", NULL },
    { "balancd", SM_ERR_UNKNOWN_NAME, "unknown preset \"balancd\" (did you mean \"balanced\"?)", "weights",
      "balancd" },
    { "language=1,combiner=median", SM_ERR_UNKNOWN_NAME, "unknown combiner \"median\"", "combiner", "median" },
    { "language=1,combiner=custom", SM_ERR_UNKNOWN_NAME, "unknown combiner \"custom\"", "combiner", "custom" },
    { "language=1,complementarity.reciprocity=sum", SM_ERR_UNKNOWN_NAME, "unknown reciprocity \"sum\"",
      "complementarity.reciprocity", "sum" },
    { "my_crit=1", SM_ERR_UNKNOWN_NAME, "unknown criterion \"my_crit\"", NULL, NULL },
    /* syntax */
    { "", SM_ERR_PARSE, "empty item 1", "weights", NULL },
    { "   ", SM_ERR_PARSE, "empty item 1", NULL, NULL },
    { "balanced,", SM_ERR_PARSE, "empty item 2", NULL, NULL },
    { "balanced,,cohesion=1", SM_ERR_PARSE, "empty item 2", NULL, NULL },
    { ",balanced", SM_ERR_PARSE, "empty item 1", NULL, NULL },
    { "complementarity", SM_ERR_PARSE, "missing '=' in \"complementarity\"", "weights", "complementarity" },
    { "balanced,cohesion", SM_ERR_PARSE, "missing '=' in \"cohesion\"", NULL, NULL },
    { "balanced,bogus", SM_ERR_PARSE, "missing '=' in \"bogus\"", NULL, NULL },
    { "cohesion=1,local", SM_ERR_PARSE, "preset \"local\" must be the first item", "weights", "local" },
    { "balanced,local", SM_ERR_PARSE, "must be the first item", NULL, NULL },
    { "language=1,Cross-Border", SM_ERR_PARSE, "preset \"Cross-Border\" must be the first item", NULL, NULL },
    { "language=1,cohesion", SM_ERR_PARSE, "missing '=' in \"cohesion\"", NULL, NULL },
    { "=3", SM_ERR_PARSE, "empty name in item 1", NULL, NULL },
    { "cohesion=", SM_ERR_PARSE, "weights: cohesion: empty value", "cohesion", "" },
    { "cohesion=  ", SM_ERR_PARSE, "cohesion: empty value", NULL, NULL },
    { "complementarity=3x", SM_ERR_PARSE, "weights: complementarity: bad number \"3x\"", "complementarity", "3x" },
    { "complementarity=x", SM_ERR_PARSE, "bad number \"x\"", NULL, NULL },
    { "complementarity=3 4", SM_ERR_PARSE, "bad number \"3 4\"", NULL, NULL },
    { "complementarity=1,5", SM_ERR_PARSE, "missing '=' in \"5\"", NULL, NULL },
    { "complementarity=0x10", SM_ERR_PARSE, "bad number", NULL, NULL },
    { "complementarity==1", SM_ERR_PARSE, "bad number \"=1\"", NULL, NULL },
    { "region_reach.scale_km=10km", SM_ERR_PARSE, "region_reach.scale_km: bad number \"10km\"", NULL, NULL },
    { "cohesion=.", SM_ERR_PARSE, "bad number", NULL, NULL },
    /* ranges */
    { "complementarity=-2", SM_ERR_RANGE, "weights: complementarity: negative weight \"-2\"", "complementarity",
      "-2" },
    { "cohesion=nan", SM_ERR_RANGE, "cohesion: not a finite number \"nan\"", "cohesion", "nan" },
    { "cohesion=-INF", SM_ERR_RANGE, "not a finite number", NULL, NULL },
    { "cohesion=infinity", SM_ERR_RANGE, "not a finite number", NULL, NULL },
    { "cohesion=1e999", SM_ERR_RANGE, "cohesion: not a finite number \"1e999\"", NULL, NULL },
    { "language=1,region_reach.scale_km=0", SM_ERR_RANGE, "region_reach.scale_km: must be finite and > 0",
      "region_reach.scale_km", "0" },
    { "language=1,region_reach.cross_border_bonus=1.5", SM_ERR_RANGE, "must be in 0..1", NULL, "1.5" },
    { "language=1,region_reach.neighbour_bonus=-0.1", SM_ERR_RANGE, "must be in 0..1", NULL, NULL },
    { "language=1,cohesion.full_ratio=1", SM_ERR_RANGE, "cohesion.full_ratio: must be finite and > 1", NULL, NULL },
    { "language=1,sector_affinity.secondary_factor=nan", SM_ERR_RANGE, "not a finite number", NULL, NULL },
    { "language=1,complementarity.reciprocity=4", SM_ERR_RANGE, "must be 0..3", NULL, "4" },
    { "language=1,complementarity.reciprocity=1.5", SM_ERR_RANGE, "must be 0..3", NULL, NULL },
    { "cohesion=0", SM_ERR_RANGE, "weights: all weights are zero", "weights", NULL },
    { "supply_chain,complementarity=0,sector_affinity=0,region_reach=0,size_fit=0,cooperation_fit=0,language=0",
      SM_ERR_RANGE, "all weights are zero", NULL, NULL },
    { "combiner=min", SM_ERR_RANGE, "all weights are zero", NULL, NULL },
    /* the first error wins, even when a later item is also wrong */
    { "cohesion=-1,bogus=2", SM_ERR_RANGE, "negative weight", NULL, NULL },
};

static void parse_errors_name_the_item(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof parse_errors / sizeof *parse_errors; i++) {
        const parse_err *pe = &parse_errors[i];
        sm_weighting *w = (sm_weighting *)&w;
        sm_weighting *const sentinel = w;
        sm_status st = sm_weighting_parse(&w, pe->text);
        if (st != pe->status)
            fail_msg("\"%s\": %s (%s), expected %s", pe->text, sm_status_str(st), sm_error_last()->message,
                     sm_status_str(pe->status));
        const sm_error *err = sm_error_last();
        if (!strstr(err->message, pe->message))
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", pe->text, err->message, pe->message);
        if (pe->field && strcmp(err->field, pe->field) != 0)
            fail_msg("\"%s\": field \"%s\", expected \"%s\"", pe->text, err->field, pe->field);
        if (pe->value && strcmp(err->value, pe->value) != 0)
            fail_msg("\"%s\": value \"%s\", expected \"%s\"", pe->text, err->value, pe->value);
        assert_ptr_equal(w, sentinel);
    }
}

static void parse_refuses_null_and_overlong_text(void **state)
{
    (void)state;
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, NULL), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "NULL text");
    assert_int_equal(sm_weighting_parse(NULL, "balanced"), SM_ERR_INVALID_ARGUMENT);
    assert_null(w);

    /* 4096 bytes are read; one more is refused before any parsing */
    char text[4098];
    memset(text, ' ', sizeof text);
    memcpy(text, "cohesion=1", 10);
    text[4096] = '\0';
    w = must_parse(text);
    assert_true(weight_of(w, "cohesion") == 1);
    sm_weighting_free(w);
    w = NULL;
    text[4096] = ' ';
    text[4097] = '\0';
    assert_int_equal(sm_weighting_parse(&w, text), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "weights: text too long");
    assert_null(w);
}

/* ---- text form ------------------------------------------------------------------------ */

static void to_string_writes_weights_changed_params_and_combiner(void **state)
{
    (void)state;
    sm_weighting *w = must_preset("balanced");
    char *s = text_of(w);
    assert_string_equal(s, "complementarity=3,sector_affinity=2,region_reach=1,cohesion=1,size_fit=0.5,"
                           "cooperation_fit=1,language=1");
    sm_free(s);
    sm_weighting_free(w);

    w = must_preset("local");
    s = text_of(w);
    assert_string_equal(s, "complementarity=3,sector_affinity=1,region_reach=3,cohesion=0,size_fit=0.5,"
                           "cooperation_fit=1,language=1,region_reach.scale_km=100");
    sm_free(s);
    sm_weighting_free(w);

    w = must_preset("supply_chain");
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_GEOMETRIC, NULL, NULL, NULL), SM_OK);
    assert_int_equal(sm_weighting_set_param(w, "cohesion.full_ratio", 2.5), SM_OK);
    s = text_of(w);
    assert_string_equal(s, "complementarity=3,sector_affinity=3,region_reach=1.5,cohesion=0,size_fit=1,"
                           "cooperation_fit=1.5,language=0.5,complementarity.reciprocity=max,"
                           "cohesion.full_ratio=2.5,combiner=geometric");
    sm_free(s);

    /* shortest text that reads back exactly */
    assert_int_equal(sm_weighting_set(w, "complementarity", 0.1), SM_OK);
    assert_int_equal(sm_weighting_set(w, "cohesion", 1.0 / 3), SM_OK);
    assert_int_equal(sm_weighting_set(w, "language", 1e-300), SM_OK);
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_MIN, NULL, NULL, NULL), SM_OK);
    s = text_of(w);
    assert_non_null(strstr(s, "complementarity=0.1,"));
    assert_non_null(strstr(s, "cohesion=0.3333333333333333,"));
    assert_non_null(strstr(s, "language=1e-300,"));
    assert_non_null(strstr(s, ",combiner=min"));
    sm_weighting *back = must_parse(s);
    assert_same(w, back);
    sm_weighting_free(back);
    sm_free(s);
    sm_weighting_free(w);

    assert_int_equal(sm_weighting_to_string(NULL, w), SM_ERR_INVALID_ARGUMENT);
    s = (char *)"untouched";
    assert_int_equal(sm_weighting_to_string(&s, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_string_equal(s, "untouched");
}

static void to_string_lists_custom_criteria_after_the_rest(void **state)
{
    (void)state;
    sm_weighting *w = must_preset("cohesion");
    assert_int_equal(sm_weighting_add_criterion(w, "same_country", crit_one, NULL, NULL, 2), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "x1", crit_half, NULL, NULL, 0.25), SM_OK);
    assert_int_equal(sm_weighting_set_combiner(w, SM_COMBINE_CUSTOM, (sm_combine_fn)NULL, NULL, NULL),
                     SM_ERR_INVALID_ARGUMENT);
    char *s = text_of(w);
    assert_string_equal(s, "complementarity=2,sector_affinity=1,region_reach=0.5,cohesion=3,size_fit=0.5,"
                           "cooperation_fit=1,language=1,same_country=2,x1=0.25");
    /* custom criteria cannot come back from text */
    sm_weighting *back = NULL;
    assert_int_equal(sm_weighting_parse(&back, s), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "\"same_country\"");
    assert_null(back);
    sm_free(s);
    sm_weighting_free(w);
}

static void every_preset_and_parsed_text_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < sm_weighting_preset_count(); i++) {
        sm_weighting *w = must_preset(sm_weighting_preset_name(i));
        char *s = text_of(w);
        sm_weighting *back = must_parse(s);
        assert_same(w, back);
        char *s2 = text_of(back);
        assert_string_equal(s, s2);
        sm_free(s);
        sm_free(s2);
        sm_weighting_free(back);
        sm_weighting_free(w);
    }
    const char *texts[] = {
        "cross_border,complementarity=3,cohesion=0.5",
        "complementarity.reciprocity=max,region_reach.scale_km=300,combiner=geometric,language=0.7",
        "supply_chain,language=0,size_fit=1e-3",
        "local,region_reach.neighbour_bonus=0.999999,sector_affinity.secondary_factor=0,combiner=min",
        "cohesion=3.14159265358979,cohesion.full_ratio=1.0000000000000002,complementarity.reciprocity=3",
        "size_fit=1e300,language=5e-324",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        sm_weighting *w = must_parse(texts[i]);
        char *s = text_of(w);
        sm_weighting *back = must_parse(s);
        assert_same(w, back);
        char *s2 = text_of(back);
        assert_string_equal(s, s2);
        sm_free(s);
        sm_free(s2);
        sm_weighting_free(back);
        sm_weighting_free(w);
    }
}

/* Random weightings built through the API write text that parses back to
 * the same weighting (seeded, so a failure repeats). */
static void random_weightings_round_trip(void **state)
{
    (void)state;
    srand(1234);
    for (int round = 0; round < 500; round++) {
        sm_weighting *w = NULL;
        assert_int_equal(sm_weighting_new(&w), SM_OK);
        for (int c = 0; c < SM_CRIT_BUILTIN_COUNT; c++) {
            double v;
            switch (rand() % 4) {
            case 0: v = 0; break;
            case 1: v = rand() % 10; break;
            case 2: v = (double)rand() / RAND_MAX; break;
            default: v = ldexp((double)rand() / RAND_MAX, rand() % 200 - 100); break;
            }
            assert_int_equal(sm_weighting_set_builtin(w, (sm_criterion)c, v), SM_OK);
        }
        assert_int_equal(sm_weighting_set_builtin(w, (sm_criterion)(rand() % 7), 1 + rand() % 3), SM_OK);
        if (rand() % 2)
            assert_int_equal(sm_weighting_set_param(w, params[0], rand() % 4), SM_OK);
        if (rand() % 2)
            assert_int_equal(sm_weighting_set_param(w, params[1], 1 + (double)rand() / RAND_MAX * 1000), SM_OK);
        if (rand() % 2)
            assert_int_equal(sm_weighting_set_param(w, params[2], (double)rand() / RAND_MAX), SM_OK);
        if (rand() % 2)
            assert_int_equal(sm_weighting_set_param(w, params[3], (double)rand() / RAND_MAX), SM_OK);
        if (rand() % 2)
            assert_int_equal(sm_weighting_set_param(w, params[4], 1.5 + (double)rand() / RAND_MAX), SM_OK);
        if (rand() % 2)
            assert_int_equal(sm_weighting_set_param(w, params[5], (double)rand() / RAND_MAX), SM_OK);
        assert_int_equal(sm_weighting_set_combiner(w, (sm_combiner)(rand() % 3), NULL, NULL, NULL), SM_OK);
        char *s = text_of(w);
        sm_weighting *back = must_parse(s);
        assert_same(w, back);
        char *s2 = text_of(back);
        assert_string_equal(s, s2);
        sm_free(s);
        sm_free(s2);
        sm_weighting_free(back);
        sm_weighting_free(w);
    }
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_reads_items_over_a_preset_or_over_zero),
        cmocka_unit_test(parse_errors_name_the_item),
        cmocka_unit_test(parse_refuses_null_and_overlong_text),
        cmocka_unit_test(to_string_writes_weights_changed_params_and_combiner),
        cmocka_unit_test(to_string_lists_custom_criteria_after_the_rest),
        cmocka_unit_test(every_preset_and_parsed_text_round_trips),
        cmocka_unit_test(random_weightings_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
