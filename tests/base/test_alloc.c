/* alloc.c: allocator plumbing, boxed blocks, growth. */
#include "test_util.h"
#include "base/base.h"

#include <string.h>

static void boxed_blocks_carry_their_allocator(void **state)
{
    (void)state;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    char *p = sm__boxed_alloc(&a, 100);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    memset(p, 'x', 100);
    assert_int_equal(st.live, 1);
    sm_free(p);
    assert_int_equal(st.live, 0);
    sm_free(NULL);
}

static void grow_doubles_and_reports_nomem(void **state)
{
    (void)state;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    int *arr = NULL;
    size_t cap = 0;
    assert_int_equal(sm__grow(&a, (void **)&arr, &cap, 3, sizeof *arr), SM_OK);
    assert_true(cap >= 3);
    size_t old = cap;
    st.fail_at = st.calls + 1;
    assert_int_equal(sm__grow(&a, (void **)&arr, &cap, old + 1, sizeof *arr), SM_ERR_NOMEM);
    assert_int_equal(cap, old); /* unchanged on failure */
    assert_int_equal(sm__grow(&a, (void **)&arr, &cap, SIZE_MAX / 2, sizeof *arr), SM_ERR_NOMEM);
    sm__free(&a, arr);
    assert_int_equal(st.live, 0);
}

static void calloc_checks_overflow(void **state)
{
    (void)state;
    assert_null(sm__calloc(&sm__default_alloc, SIZE_MAX / 2, 4));
    void *p = sm__calloc(&sm__default_alloc, 4, 4);
    assert_non_null(p);
    assert_memory_equal(p, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    sm__free(&sm__default_alloc, p);
}

static void arena_rolls_back(void **state)
{
    (void)state;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm__arena ar = { 0 };
    char *s1 = sm__arena_strdup(&ar, &a, "first");
    sm__arena_mark m = sm__arena_mark_get(&ar);
    for (int i = 0; i < 1000; i++)
        assert_non_null(sm__arena_alloc(&ar, &a, 1000)); /* several blocks */
    sm__arena_rollback(&ar, &a, m);
    assert_string_equal(s1, "first");
    assert_int_equal(st.live, 1);
    sm__arena_free(&ar, &a);
    assert_int_equal(st.live, 0);
}

static void errors_are_per_thread_and_named(void **state)
{
    (void)state;
    sm_error_clear();
    assert_int_equal(sm_error_last()->status, SM_OK);
    assert_string_equal(sm_error_last()->message, "");
    sm__fail_at(SM_ERR_PARSE, "f.csv", 3, 2, "region", "SI9", "f.csv:3: region: unknown \"%s\"", "SI9");
    const sm_error *e = sm_error_last();
    assert_int_equal(e->status, SM_ERR_PARSE);
    assert_string_equal(e->file, "f.csv");
    assert_int_equal(e->line, 3);
    assert_string_equal(e->field, "region");
    assert_string_equal(e->value, "SI9");
    for (int s = 0; s <= SM_ERR_UNKNOWN_NAME; s++)
        assert_true(strncmp(sm_status_str((sm_status)s), "SM_", 3) == 0);
    assert_string_equal(sm_status_str((sm_status)999), "SM_ERR_UNKNOWN");
    assert_int_equal(sm_version(), SM_VERSION_NUMBER);
    assert_string_equal(sm_version_string(), SM_VERSION_STRING);
    /* a very long message is truncated, not overflowed */
    char big[4000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sm__fail_at(SM_ERR_RANGE, big, 1, 1, big, big, "%s", big);
    assert_true(strlen(sm_error_last()->message) < 1024);
    assert_true(strlen(sm_error_last()->value) <= 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boxed_blocks_carry_their_allocator),
        cmocka_unit_test(grow_doubles_and_reports_nomem),
        cmocka_unit_test(calloc_checks_overflow),
        cmocka_unit_test(arena_rolls_back),
        cmocka_unit_test(errors_are_per_thread_and_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
