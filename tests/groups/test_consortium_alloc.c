/* Allocation failure in the consortium builder: for every n, fail the n-th
 * allocation of sm_consortium_build() and of sm_consortia_format(); each must
 * report SM_ERR_NOMEM (or succeed), leave the out-parameter untouched, leak
 * nothing and leave the engine giving the same answer afterwards. Call
 * profiles, made without an engine, are swept through the default
 * allocator's test override (builds with -Dalloc_sites=true; elsewhere that
 * part checks only the successful runs). */
#include "consortium_oracle.h"
#include "test_util.h"

#include <string.h>

#if defined(SM_ALLOC_SITES)
void sm__default_alloc_override(const sm_allocator *a);
#else
static void sm__default_alloc_override(const sm_allocator *a)
{
    (void)a;
}
#endif

static char *build_json(const sm_engine *e, const sm_call *c, const sm_consortium_options *o)
{
    sm_consortia *r = NULL;
    assert_int_equal(sm_consortium_build(&r, e, c, o), SM_OK);
    char *s = NULL;
    assert_int_equal(sm_consortia_format(&s, NULL, r, SM_FORMAT_JSON), SM_OK);
    sm_consortia_free(r);
    return s;
}

static void sweep(const char *profile, size_t n_smes, size_t pool, const char *lead)
{
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm_engine *e = or_random_engine(77, n_smes, 0, &a);
    sm_call *c = NULL;
    assert_int_equal(sm_call_parse(&c, profile, strlen(profile), "alloc"), SM_OK);
    sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
    o.pool = pool;
    o.leads = 2;
    o.k = 3;
    o.lead = lead;
    /* the first build makes the engine's scoring caches; later ones reuse them */
    char *want = build_json(e, c, &o);
    long live = st.live, points = 0;
    for (long n = 1;; n++) {
        st.fail_at = st.calls + n;
        sm_consortia *r = (sm_consortia *)(uintptr_t)1;
        sm_status s = sm_consortium_build(&r, e, c, &o);
        int failed = st.failed;
        st.fail_at = 0;
        st.failed = 0;
        if (!failed) {
            assert_int_equal(s, SM_OK);
            char *got = NULL;
            assert_int_equal(sm_consortia_format(&got, NULL, r, SM_FORMAT_JSON), SM_OK);
            assert_string_equal(got, want);
            sm_free(got);
            /* and the writer, failing each of its allocations */
            for (long m = 1;; m++) {
                st.fail_at = st.calls + m;
                char *text = (char *)(uintptr_t)1;
                sm_status fs = sm_consortia_format(&text, NULL, r, m % 2 ? SM_FORMAT_JSON : SM_FORMAT_CSV);
                int ff = st.failed;
                st.fail_at = 0;
                st.failed = 0;
                if (!ff) {
                    assert_int_equal(fs, SM_OK);
                    sm_free(text);
                    if (m > 3)
                        break;
                    continue;
                }
                assert_int_equal(fs, SM_ERR_NOMEM);
                assert_ptr_equal(text, (char *)(uintptr_t)1);
            }
            sm_consortia_free(r);
            break;
        }
        points++;
        assert_int_equal(s, SM_ERR_NOMEM);
        assert_ptr_equal(r, (sm_consortia *)(uintptr_t)1);
        assert_int_equal(st.live, live);
    }
    char *again = build_json(e, c, &o);
    assert_string_equal(again, want);
    print_message("# %ld allocation points checked\n", points);
    assert_true(points > 10);
    sm_free(want);
    sm_free(again);
    sm_call_free(c);
    sm_engine_free(e);
    assert_int_equal(st.live, 0);
}

/* More SMEs than the pool: candidates from queries, topic and development scans. */
static void builder_with_queries_and_chosen_leads(void **state)
{
    (void)state;
    sweep("topics = sensors;pcb design\nsectors = 25\nsize = 3..4\nmin_countries = 2\n"
          "min_less_developed = 1 below 90\nmax_per_country = 2\n",
          40, 12, NULL);
}

/* Every SME a candidate, a fixed lead and a must-include member. */
static void builder_small_pool_fixed_lead(void **state)
{
    (void)state;
    sweep("topics = logistics\nsize = 2..4\ninclude = S03\nmin_partners = 1 in AT;SI\n", 16, 40, "S01");
}

/* An infeasible profile: the diagnosis also survives failures. */
static void builder_infeasible(void **state)
{
    (void)state;
    sweep("size = 2..3\nmin_countries = 7\n", 16, 40, "S01");
}

/* Every call-profile operation: parse (text and JSON), preset, new, set, to_string. */
static sm_status call_ops(char **text_out)
{
    static const char *const text = "preset = interreg-ce\ntopics = sensors:2;pcb design\nsize = 4..6\n"
                                    "min_partners = 1 in SI;AT\nexclude = X-1\n";
    static const char *const json = "{\"preset\": \"horizon-europe\", \"topics\": [\"sensors\", \"logistics\"], "
                                    "\"min_partners\": [\"1 in eu\"], \"size\": 5}";
    sm_call *a = (sm_call *)(uintptr_t)1, *b = NULL, *c = NULL, *d = NULL;
    char *s = (char *)(uintptr_t)1;
    sm_status st = sm_call_parse(&a, text, strlen(text), "t");
    if (st) {
        assert_ptr_equal(a, (sm_call *)(uintptr_t)1);
        return st;
    }
    if ((st = sm_call_set(a, "sectors", "26;62")) || (st = sm_call_to_string(&s, a))) {
        assert_ptr_equal(s, (char *)(uintptr_t)1);
        sm_call_free(a);
        return st;
    }
    *text_out = s;
    if (!(st = sm_call_preset(&b, "interreg-euro-med")) && !(st = sm_call_new(&c)) &&
        (!sm_format_supported(SM_FORMAT_JSON) || !(st = sm_call_parse(&d, json, strlen(json), "j"))))
        st = SM_OK;
    sm_call_free(a);
    sm_call_free(b);
    sm_call_free(c);
    sm_call_free(d);
    return st;
}

static void call_profiles(void **state)
{
    (void)state;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    char *want = NULL;
    assert_int_equal(call_ops(&want), SM_OK);
    long points = 0;
    for (long n = 1;; n++) {
        sm__default_alloc_override(&a);
        st.failed = 0;
        st.fail_at = st.calls + n;
        char *got = NULL;
        sm_status s = call_ops(&got);
        int failed = st.failed;
        st.fail_at = 0;
        if (!failed) {
            sm__default_alloc_override(NULL);
            assert_int_equal(s, SM_OK);
            assert_string_equal(got, want);
            sm_free(got);
            break;
        }
        points++;
        assert_int_equal(s, SM_ERR_NOMEM);
        sm_free(got);
        sm__default_alloc_override(NULL);
        assert_int_equal(st.live, 0);
    }
    sm_free(want);
    print_message("# call profiles: %ld allocation points checked\n", points);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builder_with_queries_and_chosen_leads),
        cmocka_unit_test(builder_small_pool_fixed_lead),
        cmocka_unit_test(builder_infeasible),
        cmocka_unit_test(call_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
