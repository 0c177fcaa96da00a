/* affinity.c: the built-in table, the hierarchy rule, replacing the matrix. */
#include "test_util.h"

#include <math.h>
#include <string.h>

static double get(sm_engine *e, const char *a, const char *b)
{
    double v = NAN;
    sm_status st = sm_affinity_get(&v, e, a, b);
    if (st)
        fail_msg("sm_affinity_get(%s, %s): %s", a, b, sm_error_last()->message);
    return v;
}

static void builtin_and_hierarchy(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_float_equal(get(e, "25", "28"), 0.4594, 1e-4);
    assert_float_equal(get(e, "28", "C25"), get(e, "25", "28"), 0); /* symmetric, any spelling */
    assert_float_equal(get(e, "25.11", "25.11"), 1.0, 0);            /* same class */
    assert_true(get(e, "25.11", "25.12") >= 0.85);                   /* same group */
    assert_float_equal(get(e, "2511", "28.41"), get(e, "25", "28"), 0); /* finer codes use divisions */
    assert_true(get(e, "25.11", "25.62") >= 0.5);                    /* same division floor */
    for (size_t i = 0; i < sm_sector_count(e); i += 7) {
        const sm_sector_info *s = NULL;
        assert_int_equal(sm_sector_at(&s, e, i), SM_OK);
        double v = get(e, s->code, "62.01");
        assert_true(v >= 0 && v <= 1);
    }
    double v;
    assert_int_equal(sm_affinity_get(&v, e, "25", "xx"), SM_ERR_BAD_CODE);
    assert_int_equal(sm_affinity_get(&v, e, "25", NULL), SM_ERR_INVALID_ARGUMENT);
    sm_engine *bare = tu_engine(SM_TAXONOMY_NONE);
    assert_int_equal(sm_affinity_get(&v, bare, "25", "28"), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "\"25\"");
    sm_engine_free(bare);
    sm_engine_free(e);
}

static void set_one_and_reset(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    double before = get(e, "25", "28");
    assert_int_equal(sm_affinity_set(e, "C25", "28", 0.9), SM_OK);
    assert_float_equal(get(e, "28.41", "25.11"), 0.9, 1e-6);
    assert_int_equal(sm_affinity_set(e, "25", "28", 1.5), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "1.5");
    assert_int_equal(sm_affinity_set(e, "25", "28", NAN), SM_ERR_RANGE);
    assert_int_equal(sm_affinity_set(e, "25.11", "28", 0.5), SM_ERR_UNKNOWN_CODE);
    tu_assert_error(SM_ERR_UNKNOWN_CODE, "\"25.11\"");
    assert_int_equal(sm_affinity_set(e, "4", "28", 0.5), SM_ERR_BAD_CODE);
    assert_int_equal(sm_affinity_set(e, "04", "28", 0.5), SM_ERR_UNKNOWN_CODE); /* no division 04 */
    assert_float_equal(get(e, "25", "28"), 0.9, 1e-6);                          /* failures changed nothing */
    assert_int_equal(sm_affinity_reset(e), SM_OK);
    assert_float_equal(get(e, "25", "28"), before, 0);
    sm_engine_free(e);
}

static void own_matrix(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *codes[] = { "25", "28", "J" };
    const double m[] = {
        1.0, 0.2, 0.6, /* asymmetric entry (25,28)=0.2, (28,25)=0.4 */
        0.4, 1.0, 0.0, /* */
        0.6, 0.0, 1.0,
    };
    assert_int_equal(sm_affinity_set_matrix(e, codes, 3, m), SM_OK);
    assert_float_equal(get(e, "25", "28"), 0.3, 1e-6);
    assert_float_equal(get(e, "25.11", "62.01"), 0.6, 1e-6); /* 62 is in section J */
    assert_float_equal(get(e, "25", "10"), 0.0, 0);          /* not covered */
    assert_float_equal(get(e, "25.11", "25.11"), 1.0, 0);
    /* errors leave the matrix as it was */
    const char *dup[] = { "25", "C25" };
    const double m2[] = { 1, 0, 0, 1 };
    assert_int_equal(sm_affinity_set_matrix(e, dup, 2, m2), SM_ERR_DUPLICATE);
    tu_assert_error(SM_ERR_DUPLICATE, "\"C25\"");
    const char *two[] = { "25", "28" };
    const double bad[] = { 1, -0.1, 0, 1 };
    assert_int_equal(sm_affinity_set_matrix(e, two, 2, bad), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "(25, 28)");
    assert_int_equal(sm_affinity_set_matrix(e, NULL, 2, bad), SM_ERR_INVALID_ARGUMENT);
    assert_float_equal(get(e, "25", "28"), 0.3, 1e-6);
    assert_int_equal(sm_affinity_reset(e), SM_OK);
    assert_float_equal(get(e, "25", "28"), 0.4594, 1e-4);
    sm_engine_free(e);
}

/* A changed table changes scores at once. */
static void queries_see_changes(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(tu_put(e, "P", "SI032", "25.11", "a", "b", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "Q", "AT221", "28.41", "b", "a", 0, "", SM_SIZE_SMALL), SM_OK);
    sm_result *r = NULL;
    assert_int_equal(sm_query_explain(&r, e, "P", "Q", NULL), SM_OK);
    assert_float_equal(sm_result_breakdown(r, 0, SM_CRIT_SECTOR_AFFINITY), get(e, "25", "28"), 0);
    sm_result_free(r);
    assert_int_equal(sm_affinity_set(e, "25", "28", 0.125), SM_OK);
    assert_int_equal(sm_query_explain(&r, e, "P", "Q", NULL), SM_OK);
    assert_float_equal(sm_result_breakdown(r, 0, SM_CRIT_SECTOR_AFFINITY), 0.125, 0);
    sm_result_free(r);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_and_hierarchy),
        cmocka_unit_test(set_one_and_reset),
        cmocka_unit_test(own_matrix),
        cmocka_unit_test(queries_see_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
