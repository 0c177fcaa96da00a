/* bulk.c: staged SMEs commit all together or not at all. */
#include "test_util.h"

#include <stdio.h>

static sm_sme_desc mk(const char *id, const char *region, const char **sec)
{
    sm_sme_desc d = SM_SME_DESC_INIT;
    d.id = id;
    d.region = region;
    d.sectors = sec;
    d.n_sectors = 1;
    return d;
}

static void bulk_commits_atomically(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *sec[] = { "46.90" };
    assert_int_equal(tu_put(e, "A", "SI041", "10.11", "", "", 0, "", 0), SM_OK);
    sm_bulk *b = NULL;
    assert_int_equal(sm_bulk_new(&b, e), SM_OK);
    char id[16];
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "B%d", i);
        sm_sme_desc d = mk(id, "AT130", sec);
        assert_int_equal(sm_bulk_put(b, &d), SM_OK);
    }
    sm_sme_desc d = mk("B5", "AT130", sec);
    assert_int_equal(sm_bulk_put(b, &d), SM_ERR_DUPLICATE);
    tu_assert_error(SM_ERR_DUPLICATE, "\"B5\"");
    d = mk("C", "xx9", sec);
    assert_int_equal(sm_bulk_put(b, &d), SM_ERR_BAD_CODE);
    d = mk("A", "HR050", sec); /* replaces the existing A at commit */
    assert_int_equal(sm_bulk_put(b, &d), SM_OK);
    assert_int_equal(sm_bulk_count(b), 101);
    assert_int_equal(sm_sme_count(e), 1); /* nothing visible yet */
    assert_int_equal(sm_bulk_commit(b), SM_OK);
    assert_int_equal(sm_bulk_count(b), 0);
    assert_int_equal(sm_sme_count(e), 101);
    sm_sme_desc *g;
    assert_int_equal(sm_sme_get(&g, e, "A"), SM_OK);
    assert_string_equal(g->region, "HR050");
    sm_sme_desc_free(g);
    /* reuse after commit */
    d = mk("B5", "SI041", sec);
    assert_int_equal(sm_bulk_put(b, &d), SM_OK);
    sm_bulk_free(b); /* dropped uncommitted */
    assert_int_equal(sm_sme_get(&g, e, "B5"), SM_OK);
    assert_string_equal(g->region, "AT130");
    sm_sme_desc_free(g);
    assert_int_equal(sm_bulk_new(NULL, e), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_bulk_put(NULL, &d), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_bulk_commit(NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_bulk_count(NULL), 0);
    sm_bulk_free(NULL);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bulk_commits_atomically),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
