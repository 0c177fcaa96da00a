/* hmap.c: insert, lookup, replace, backward-shift removal under load. */
#include "test_util.h"
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char keys[5000][16];

static const char *key_of(const void *ctx, uint32_t v)
{
    (void)ctx;
    return keys[v];
}

static void map_matches_a_model_under_random_operations(void **state)
{
    (void)state;
    sm__hmap m = { 0 };
    bool present[5000] = { false };
    srand(42);
    for (int i = 0; i < 5000; i++)
        snprintf(keys[i], sizeof keys[i], "k%d", i);
    for (int step = 0; step < 40000; step++) {
        int k = rand() % 5000;
        uint32_t v;
        if (present[k]) {
            assert_true(sm__hmap_get(&m, keys[k], key_of, NULL, &v));
            assert_int_equal(v, (uint32_t)k);
            if (rand() % 2) {
                sm__hmap_remove(&m, keys[k], key_of, NULL);
                present[k] = false;
            }
        } else {
            assert_false(sm__hmap_get(&m, keys[k], key_of, NULL, &v));
            assert_int_equal(sm__hmap_reserve(&m, &sm__default_alloc, 1, key_of, NULL), SM_OK);
            sm__hmap_insert(&m, keys[k], (uint32_t)k);
            present[k] = true;
        }
    }
    size_t n = 0;
    for (int k = 0; k < 5000; k++) {
        uint32_t v;
        assert_int_equal(sm__hmap_get(&m, keys[k], key_of, NULL, &v), present[k]);
        n += present[k];
    }
    assert_int_equal(n, m.n);
    sm__hmap_free(&m, &sm__default_alloc);
}

/* insert_new adds absent keys and refuses present ones, changing nothing. */
static void insert_new_refuses_present_keys(void **state)
{
    (void)state;
    for (int i = 0; i < 300; i++)
        snprintf(keys[i], sizeof keys[i], "k%d", i);
    sm__hmap m = { 0 };
    assert_int_equal(sm__hmap_reserve(&m, &sm__default_alloc, 600, key_of, NULL), SM_OK);
    for (uint32_t k = 0; k < 300; k++)
        assert_true(sm__hmap_insert_new(&m, keys[k], k, key_of, NULL));
    for (uint32_t k = 0; k < 300; k++)
        assert_false(sm__hmap_insert_new(&m, keys[k], k, key_of, NULL));
    assert_int_equal(m.n, 300);
    for (uint32_t k = 0; k < 300; k++) {
        uint32_t v;
        assert_true(sm__hmap_get(&m, keys[k], key_of, NULL, &v));
        assert_int_equal(v, k);
    }
    sm__hmap_free(&m, &sm__default_alloc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_matches_a_model_under_random_operations),
        cmocka_unit_test(insert_new_refuses_present_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
