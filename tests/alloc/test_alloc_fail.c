/* Allocation failure everywhere: for every n, fail the n-th allocation of
 * representative operations; each must report SM_ERR_NOMEM (or succeed),
 * leak nothing and leave a usable, unchanged engine. */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#define N_SMES 1000

static sm_status put_many(sm_engine *e, int from, int to)
{
    char id[16], off[32], need[32];
    for (int i = from; i < to; i++) {
        snprintf(id, sizeof id, "S%04d", i);
        snprintf(off, sizeof off, "offer %d;common", i % 37);
        snprintf(need, sizeof need, "need %d", i % 41);
        sm_status st = tu_put(e, id, i % 2 ? "SI041" : "AT130", i % 3 ? "25.11;28.41" : "62.01", off, need,
                              SM_COOP_SUPPLY, i % 5 ? "sl;en" : "de", SM_SIZE_SMALL);
        if (st)
            return st;
    }
    return SM_OK;
}

static void engine_creation_with_taxonomies(void **state)
{
    (void)state;
    long n, total_failures = 0;
    for (n = 1;; n++) {
        tu_alloc_state st = { .fail_at = n };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
        o.allocator = &a;
        sm_engine *e = NULL;
        sm_status s = sm_engine_new(&e, &o);
        if (!st.failed) {
            assert_int_equal(s, SM_OK);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            break;
        }
        total_failures++;
        assert_int_equal(s, SM_ERR_NOMEM);
        assert_null(e);
        assert_int_equal(st.live, 0);
    }
    assert_true(total_failures > 5);
    print_message("# engine creation: %ld allocation points checked\n", total_failures);
}

static void load_builtin_into_existing_engine(void **state)
{
    (void)state;
    for (long n = 1;; n++) {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
        o.allocator = &a;
        o.taxonomies = SM_TAXONOMY_NONE;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &o), SM_OK);
        st.fail_at = st.calls + n;
        sm_status s = sm_engine_load_builtin(e, SM_TAXONOMY_ALL);
        int failed = st.failed;
        st.fail_at = 0;
        if (!failed) {
            assert_int_equal(s, SM_OK);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            break;
        }
        assert_int_equal(s, SM_ERR_NOMEM);
        /* usable: loading again works */
        assert_int_equal(sm_engine_load_builtin(e, SM_TAXONOMY_ALL), SM_OK);
        assert_int_equal(sm_region_count(e), 2223);
        assert_int_equal(sm_sector_count(e), 996);
        sm_engine_free(e);
        assert_int_equal(st.live, 0);
    }
}

static void put_many_then_remove(void **state)
{
    (void)state;
    long checked = 0;
    for (long n = 1;; n++) {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
        o.allocator = &a;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &o), SM_OK);
        st.fail_at = st.calls + n;
        int i = 0;
        sm_status s = SM_OK;
        for (; i < N_SMES; i++) {
            s = put_many(e, i, i + 1);
            if (s)
                break;
        }
        int failed = st.failed;
        st.fail_at = 0;
        st.failed = 0;
        if (!failed) {
            assert_int_equal(s, SM_OK);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            break;
        }
        checked++;
        assert_int_equal(s, SM_ERR_NOMEM);
        assert_int_equal(sm_sme_count(e), (size_t)i); /* the failed put left no trace */
        char id[16];
        snprintf(id, sizeof id, "S%04d", i);
        assert_false(sm_sme_contains(e, id));
        /* usable: the rest goes in, then removal (which never allocates) */
        assert_int_equal(put_many(e, i, N_SMES), SM_OK);
        assert_int_equal(sm_sme_count(e), N_SMES);
        st.fail_at = st.calls + 1;
        for (int k = 0; k < N_SMES; k++) {
            snprintf(id, sizeof id, "S%04d", k);
            assert_int_equal(sm_sme_remove(e, id), SM_OK);
        }
        assert_false(st.failed);
        st.fail_at = 0;
        assert_int_equal(sm_sme_count(e), 0);
        sm_engine_free(e);
        assert_int_equal(st.live, 0);
    }
    print_message("# put %d SMEs: %ld allocation points checked\n", N_SMES, checked);
    assert_true(checked > 100);
}

static void bulk_commit_under_failure(void **state)
{
    (void)state;
    for (long n = 1;; n++) {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
        o.allocator = &a;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &o), SM_OK);
        assert_int_equal(put_many(e, 0, 20), SM_OK);
        st.fail_at = st.calls + n;
        sm_bulk *b = NULL;
        sm_status s = sm_bulk_new(&b, e);
        char id[16];
        const char *sec[] = { "46.90" };
        const char *off[] = { "fresh tag" };
        for (int i = 0; i < 200 && s == SM_OK; i++) {
            snprintf(id, sizeof id, "N%03d", i);
            sm_sme_desc d = SM_SME_DESC_INIT;
            d.id = i == 199 ? "S0001" : id;
            d.region = "HR050";
            d.sectors = sec;
            d.n_sectors = 1;
            d.offers = off;
            d.n_offers = 1;
            s = sm_bulk_put(b, &d);
        }
        if (s == SM_OK)
            s = sm_bulk_commit(b);
        int failed = st.failed;
        st.fail_at = 0;
        sm_bulk_free(b);
        if (!failed) {
            assert_int_equal(s, SM_OK);
            assert_int_equal(sm_sme_count(e), 219);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            break;
        }
        assert_int_equal(s, SM_ERR_NOMEM);
        assert_int_equal(sm_sme_count(e), 20); /* nothing half-applied */
        sm_sme_desc *g = NULL;
        assert_int_equal(sm_sme_get(&g, e, "S0001"), SM_OK);
        assert_string_equal(g->region, "SI041");
        sm_sme_desc_free(g);
        sm_engine_free(e);
        assert_int_equal(st.live, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(engine_creation_with_taxonomies),
        cmocka_unit_test(load_builtin_into_existing_engine),
        cmocka_unit_test(put_many_then_remove),
        cmocka_unit_test(bulk_commit_under_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
