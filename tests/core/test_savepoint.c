/* savepoint.c: a change made through a savepoint is taken back whole, and
 * sm_engine_load_builtin() keeps its all-or-nothing promise when any of its
 * allocations fails. */
#include "test_util.h"

#include "core/core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A region and a sector of the caller's, and their neighbourhood, to check
 * that a failed load leaves them exactly as they were. */
static void put_own(sm_engine *e)
{
    const char *langs[] = { "sl" };
    sm_region_desc d = SM_REGION_DESC_INIT;
    d.code = "SI";
    d.name = "Own Slovenia";
    d.lat = 46.1;
    d.lon = 14.8;
    d.development = 0.9;
    d.languages = langs;
    d.n_languages = 1;
    assert_int_equal(sm_region_put(e, &d), SM_OK);
    assert_int_equal(sm_sector_put(e, "C", "Own manufacturing", NULL), SM_OK);
}

static void check_own(const sm_engine *e)
{
    const sm_region_info *r;
    assert_int_equal(sm_region_get(&r, e, "SI"), SM_OK);
    assert_string_equal(r->name, "Own Slovenia");
    assert_true(r->development == 0.9);
    assert_int_equal(r->n_languages, 1);
    assert_string_equal(r->languages[0], "sl");
    const sm_sector_info *s;
    assert_int_equal(sm_sector_get(&s, e, "C"), SM_OK);
    assert_string_equal(s->name, "Own manufacturing");
}

/* Every allocation of a full built-in load fails in turn: NOMEM, nothing
 * added (the regions of a load that failed in the sectors included), no
 * leak, and the engine loads fine afterwards. */
static void sweep(bool own)
{
    long points = 0;
    for (long n = 1;; n++) {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
        o.allocator = &a;
        o.taxonomies = SM_TAXONOMY_NONE;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &o), SM_OK);
        if (own)
            put_own(e);
        size_t regions = sm_region_count(e), sectors = sm_sector_count(e);
        uint64_t gen = e->generation;
        st.fail_at = st.calls + n;
        sm_status s = sm_engine_load_builtin(e, SM_TAXONOMY_ALL);
        int failed = st.failed;
        st.fail_at = 0;
        if (!failed) {
            assert_int_equal(s, SM_OK);
            assert_int_equal(sm_region_count(e), 2223);
            assert_int_equal(sm_sector_count(e), 996);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            break;
        }
        points++;
        assert_int_equal(s, SM_ERR_NOMEM);
        assert_int_equal(sm_region_count(e), regions);
        assert_int_equal(sm_sector_count(e), sectors);
        assert_true(e->generation == gen);
        if (own)
            check_own(e);
        else
            assert_int_equal(e->n_langs, 0);
        assert_int_equal(sm_engine_load_builtin(e, SM_TAXONOMY_ALL), SM_OK);
        assert_int_equal(sm_region_count(e), 2223);
        assert_int_equal(sm_sector_count(e), 996);
        sm_engine_free(e);
        assert_int_equal(st.live, 0);
    }
    assert_true(points >= 10);
    print_message("# load_builtin(ALL)%s: %ld allocation points checked\n", own ? " over own data" : "", points);
}

static void failed_builtin_load_leaves_an_empty_engine_empty(void **state)
{
    (void)state;
    sweep(false);
}

static void failed_builtin_load_leaves_own_data_as_it_was(void **state)
{
    (void)state;
    sweep(true);
}

/* Regions present, sectors failing: the adjacency the load rebuilt is
 * dropped and the one in force comes back. */
static void failed_builtin_load_keeps_the_adjacency(void **state)
{
    (void)state;
    const char *pairs[][2] = { { "SI", "AT" }, { "SI041", "SI042" }, { "SI", "FR" }, { "AT130", "SK010" } };
    for (long n = 1;; n++) {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
        o.allocator = &a;
        o.taxonomies = SM_TAXONOMY_NUTS;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &o), SM_OK);
        int before[4];
        for (int k = 0; k < 4; k++)
            before[k] = sm_region_neighbours(e, pairs[k][0], pairs[k][1]);
        const uint32_t *start = e->adj_start;
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
        assert_ptr_equal(e->adj_start, start);
        assert_int_equal(sm_sector_count(e), 0);
        for (int k = 0; k < 4; k++)
            assert_int_equal(sm_region_neighbours(e, pairs[k][0], pairs[k][1]), before[k]);
        sm_engine_free(e);
        assert_int_equal(st.live, 0);
    }
}

/* A loader's savepoint (not exclusive): replaced regions come back as they
 * were, added ones go, and the generation moves on. */
static void rollback_restores_replaced_and_drops_added_regions(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_NUTS);
    size_t n = sm_region_count(e);
    const sm_region_info *r;
    assert_int_equal(sm_region_get(&r, e, "SI041"), SM_OK);
    char name[128];
    snprintf(name, sizeof name, "%s", r->name);
    uint64_t gen = e->generation;

    sm__savepoint sp;
    sm__wrlock(e);
    sm__savepoint_begin(&sp, e, false);
    sm_region_desc d = SM_REGION_DESC_INIT;
    d.code = "SI041";
    d.name = "Replaced";
    d.development = 2.0;
    assert_int_equal(sm__savepoint_put_region(&sp, e, &d, true), SM_OK);
    d.code = "SI04X";
    d.name = "Added";
    assert_int_equal(sm__savepoint_put_region(&sp, e, &d, true), SM_OK);
    assert_int_equal(e->n_regions, n + 1);
    sm__savepoint_rollback(&sp, e);
    sm__unlock(e);

    assert_int_equal(sm_region_count(e), n);
    assert_int_equal(sm_region_get(&r, e, "SI04X"), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_region_get(&r, e, "SI041"), SM_OK);
    assert_string_equal(r->name, name);
    assert_true(isnan(r->development));
    assert_true(e->generation > gen);
    sm__savepoint_rollback(&sp, e); /* ended: nothing happens */
    assert_int_equal(sm_region_count(e), n);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failed_builtin_load_leaves_an_empty_engine_empty),
        cmocka_unit_test(failed_builtin_load_leaves_own_data_as_it_was),
        cmocka_unit_test(failed_builtin_load_keeps_the_adjacency),
        cmocka_unit_test(rollback_restores_replaced_and_drops_added_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
