/* sector.c: NACE spellings, hierarchy, additions. */
#include "test_util.h"

#include <string.h>

static void spellings_are_normalised(void **state)
{
    (void)state;
    const char *in[][2] = {
        { "C25.11", "25.11" }, { "c 25.11", "25.11" }, { "2511", "25.11" }, { "25.11", "25.11" },
        { "25.1", "25.1" },    { "251", "25.1" },      { "C25", "25" },     { "25", "25" },
        { "C", "C" },          { " c ", "C" },         { "01.11", "01.11" }, { "C-25.11", "25.11" },
    };
    char out[SM_SECTOR_CODE_MAX + 1];
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        assert_int_equal(sm_sector_normalize(out, sizeof out, in[i][0]), SM_OK);
        assert_string_equal(out, in[i][1]);
    }
    const char *bad[] = { "", "1", "25111", "2.511", "25..1", "Z25", "C25x", "25.", "CC" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(sm_sector_normalize(out, sizeof out, bad[i]), SM_ERR_BAD_CODE);
        assert_string_equal(sm_error_last()->value, bad[i]);
    }
    assert_int_equal(sm_sector_normalize(out, 2, "25.11"), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_sector_normalize(NULL, 8, "25"), SM_ERR_INVALID_ARGUMENT);
}

static void builtin_nace_has_titles_and_parents(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_NACE);
    const sm_sector_info *s;
    assert_int_equal(sm_sector_get(&s, e, "C2511"), SM_OK);
    assert_string_equal(s->code, "25.11");
    assert_string_equal(s->parent, "25.1");
    assert_string_equal(s->section, "C");
    assert_int_equal(s->level, 4);
    assert_true(strstr(s->name, "metal") != NULL);
    assert_int_equal(sm_sector_get(&s, e, "25"), SM_OK);
    assert_string_equal(s->parent, "C");
    assert_int_equal(sm_sector_get(&s, e, "C"), SM_OK);
    assert_string_equal(s->name, "Manufacturing");
    assert_int_equal(sm_sector_get(&s, e, "A25.11"), SM_ERR_NOT_FOUND); /* letter contradicts division */
    assert_int_equal(sm_sector_get(&s, e, "99.99"), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "99.99");
    assert_int_equal(sm_sector_get(&s, e, "x"), SM_ERR_BAD_CODE);
    assert_int_equal(sm_sector_at(&s, e, 996), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_sector_count(NULL), 0);
    sm_engine_free(e);
}

static void sectors_can_be_added_under_existing_parents(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_NONE);
    assert_int_equal(sm_sector_put(e, "C", "Manufacturing", NULL), SM_OK);
    assert_int_equal(sm_sector_put(e, "25", "Metal products", NULL), SM_ERR_INVALID_ARGUMENT); /* section? */
    assert_int_equal(sm_sector_put(e, "25", "Metal products", "D"), SM_ERR_UNKNOWN_CODE);
    assert_int_equal(sm_sector_put(e, "25", "Metal products", "C"), SM_OK);
    assert_int_equal(sm_sector_put(e, "25.11", "Structures", NULL), SM_ERR_UNKNOWN_CODE);
    tu_assert_error(SM_ERR_UNKNOWN_CODE, "25.1");
    assert_int_equal(sm_sector_put(e, "25.1", "Structural metal", NULL), SM_OK);
    assert_int_equal(sm_sector_put(e, "C2511", "Structures", NULL), SM_OK);
    assert_int_equal(sm_sector_put(e, "25.11", "Metal structures", NULL), SM_OK); /* rename */
    const sm_sector_info *s;
    assert_int_equal(sm_sector_get(&s, e, "2511"), SM_OK);
    assert_string_equal(s->name, "Metal structures");
    assert_int_equal(sm_sector_count(e), 4);
    assert_int_equal(sm_sector_put(e, "25.12", "", NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_sector_put(e, "bad", "x", NULL), SM_ERR_BAD_CODE);
    assert_int_equal(sm_sector_put(NULL, "25", "x", NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_sector_count(e), 4);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spellings_are_normalised),
        cmocka_unit_test(builtin_nace_has_titles_and_parents),
        cmocka_unit_test(sectors_can_be_added_under_existing_parents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
