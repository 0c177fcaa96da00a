/* format.c: results written as CSV and JSON read back exactly. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "sm_config.h"
#if SM_HAVE_JANSSON
#include <jansson.h>
#endif

static sm_engine *engine4(void)
{
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(tu_put(e, "A", "SI041", "C25", "machining;welding", "software;logistics", SM_COOP_SUPPLY, "sl;en",
                            SM_SIZE_SMALL),
                     SM_OK);
    assert_int_equal(tu_put(e, "B,1", "AT130", "J62", "software", "machining", SM_COOP_SUPPLY, "de;en", SM_SIZE_MICRO),
                     SM_OK);
    assert_int_equal(tu_put(e, "C\"q", "HR050", "H49", "logistics", "welding", SM_COOP_SERVICES, "hr", SM_SIZE_MEDIUM),
                     SM_OK);
    assert_int_equal(tu_put(e, "\xC5\xBDiga\\x", "SI042", "C28", "welding", "machining", 0, "sl", SM_SIZE_SMALL), SM_OK);
    return e;
}

static sm_result *top(sm_engine *e, const char *id, size_t k)
{
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = k;
    sm_result *r = NULL;
    if (sm_query_top(&r, e, id, &q) != SM_OK)
        fail_msg("query: %s", sm_error_last()->message);
    return r;
}

/* Splits one CSV line (RFC 4180 quoting) in place. */
static size_t split_csv(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        char *out = p;
        fields[n++] = out;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else
                    *out++ = *p++;
            }
        } else {
            while (*p && *p != ',')
                *out++ = *p++;
        }
        if (*p != ',') {
            *out = '\0';
            break;
        }
        p++;
        *out = '\0';
    }
    return n;
}

static void csv_reads_back_exactly(void **state)
{
    (void)state;
    sm_engine *e = engine4();
    sm_result *r[2] = { top(e, "A", 3), top(e, "B,1", 2) };
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(sm_result_format(&s, &len, (const sm_result *const *)r, 2, SM_FORMAT_CSV), SM_OK);
    assert_int_equal(strlen(s), len);
    size_t nc = sm_result_criterion_count(r[0]);
    char *save = NULL, *line = strtok_r(s, "\n", &save);
    char *f[64];
    /* header */
    size_t n = split_csv(line, f, 64);
    assert_int_equal(n, 5 + nc);
    assert_string_equal(f[0], "query_id");
    assert_string_equal(f[1], "rank");
    assert_string_equal(f[2], "id");
    assert_string_equal(f[3], "score");
    assert_string_equal(f[4], "distance_km");
    for (size_t j = 0; j < nc; j++)
        assert_string_equal(f[5 + j], sm_result_criterion_name(r[0], j));
    size_t lines = 0;
    for (size_t q = 0; q < 2; q++)
        for (size_t i = 0; i < sm_result_count(r[q]); i++) {
            line = strtok_r(NULL, "\n", &save);
            assert_non_null(line);
            lines++;
            assert_int_equal(split_csv(line, f, 64), 5 + nc);
            assert_string_equal(f[0], sm_result_query_id(r[q]));
            assert_int_equal(atoi(f[1]), (int)i + 1);
            assert_string_equal(f[2], sm_result_id(r[q], i));
            assert_true(strtod(f[3], NULL) == sm_result_score(r[q], i));
            assert_true(strtod(f[4], NULL) == sm_result_distance_km(r[q], i));
            for (size_t j = 0; j < nc; j++)
                assert_true(strtod(f[5 + j], NULL) == sm_result_breakdown(r[q], i, j));
        }
    assert_null(strtok_r(NULL, "\n", &save));
    assert_int_equal(lines, sm_result_count(r[0]) + sm_result_count(r[1]));
    sm_free(s);
    /* quoting of ids */
    assert_int_equal(sm_result_format(&s, NULL, (const sm_result *const *)&r[1], 1, SM_FORMAT_CSV), SM_OK);
    assert_non_null(strstr(s, "\n\"B,1\",1,"));
    sm_free(s);
    sm_result_free(r[0]);
    sm_result_free(r[1]);
    sm_engine_free(e);
}

static void json_reads_back_exactly(void **state)
{
    (void)state;
#if !SM_HAVE_JANSSON
    printf("# skipped: needs jansson to read the JSON back\n");
#else
    sm_engine *e = engine4();
    sm_result *r[3] = { top(e, "A", 3), top(e, "C\"q", 3), top(e, "A", 0) };
    char *s = NULL;
    size_t len;
    assert_int_equal(sm_result_format(&s, &len, (const sm_result *const *)r, 3, SM_FORMAT_JSON), SM_OK);
    assert_int_equal(strlen(s), len);
    json_error_t err;
    json_t *root = json_loads(s, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        fail_msg("not JSON (%d:%d %s):\n%s", err.line, err.column, err.text, s);
    assert_true(json_is_array(root));
    assert_int_equal(json_array_size(root), 3);
    for (size_t q = 0; q < 3; q++) {
        json_t *o = json_array_get(root, q);
        assert_string_equal(json_string_value(json_object_get(o, "query_id")), sm_result_query_id(r[q]));
        json_t *m = json_object_get(o, "matches");
        assert_int_equal(json_array_size(m), sm_result_count(r[q]));
        for (size_t i = 0; i < json_array_size(m); i++) {
            json_t *x = json_array_get(m, i);
            assert_int_equal(json_integer_value(json_object_get(x, "rank")), (json_int_t)i + 1);
            assert_string_equal(json_string_value(json_object_get(x, "id")), sm_result_id(r[q], i));
            assert_true(json_number_value(json_object_get(x, "score")) == sm_result_score(r[q], i));
            assert_true(json_number_value(json_object_get(x, "distance_km")) == sm_result_distance_km(r[q], i));
            json_t *b = json_object_get(x, "breakdown");
            assert_int_equal(json_object_size(b), sm_result_criterion_count(r[q]));
            for (size_t j = 0; j < sm_result_criterion_count(r[q]); j++)
                assert_true(json_number_value(json_object_get(b, sm_result_criterion_name(r[q], j))) ==
                            sm_result_breakdown(r[q], i, j));
        }
    }
    json_decref(root);
    assert_non_null(strstr(s, "\"query_id\":\"C\\\"q\""));
    sm_free(s);
    for (size_t q = 0; q < 3; q++)
        sm_result_free(r[q]);
    sm_engine_free(e);
#endif
}

static void empty_batches_and_bad_arguments(void **state)
{
    (void)state;
    char *s = NULL;
    size_t len = 99;
    assert_int_equal(sm_result_format(&s, &len, NULL, 0, SM_FORMAT_CSV), SM_OK);
    assert_string_equal(s, "query_id,rank,id,score,distance_km\n");
    assert_int_equal(len, strlen(s));
    sm_free(s);
    assert_int_equal(sm_result_format(&s, NULL, NULL, 0, SM_FORMAT_JSON), SM_OK);
    assert_string_equal(s, "[\n]\n");
    sm_free(s);
    sm_free(NULL);
    s = (char *)"untouched";
    const sm_result *none[1] = { NULL };
    assert_int_equal(sm_result_format(NULL, NULL, NULL, 0, SM_FORMAT_CSV), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_result_format(&s, NULL, NULL, 1, SM_FORMAT_CSV), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_result_format(&s, NULL, none, 1, SM_FORMAT_JSON), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_result_format(&s, NULL, NULL, 0, SM_FORMAT_AUTO), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_result_format(&s, NULL, NULL, 0, (sm_format)9), SM_ERR_INVALID_ARGUMENT);
    assert_string_equal(s, "untouched");
}

static double half(const sm_pair *pair, void *ud)
{
    (void)pair;
    (void)ud;
    return 0.5;
}

static void csv_needs_one_set_of_criteria(void **state)
{
    (void)state;
    sm_engine *e = engine4();
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_new(&w), SM_OK);
    assert_int_equal(sm_weighting_add_criterion(w, "half", half, NULL, NULL, 1.0), SM_OK);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.weighting = w;
    sm_result *r[2] = { top(e, "A", 2), NULL };
    assert_int_equal(sm_query_top(&r[1], e, "A", &q), SM_OK);
    char *s = NULL;
    assert_int_equal(sm_result_format(&s, NULL, (const sm_result *const *)r, 2, SM_FORMAT_CSV),
                     SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "result 1 has other criteria");
    /* JSON names the criteria in every match */
    assert_int_equal(sm_result_format(&s, NULL, (const sm_result *const *)r, 2, SM_FORMAT_JSON), SM_OK);
    assert_non_null(strstr(s, "\"half\":0.5"));
    sm_free(s);
    sm_result_free(r[0]);
    sm_result_free(r[1]);
    sm_weighting_free(w);
    sm_engine_free(e);
}

static void numbers_are_shortest_round_trip(void **state)
{
    (void)state;
    char t[40];
    struct {
        double v;
        const char *s;
    } fixed[] = { { 0.1, "0.1" }, { 1.5, "1.5" }, { 100, "100" }, { 0, "0" }, { -0.0, "-0" },
                  { 1.0 / 3.0, "0.3333333333333333" }, { 123456.789, "123456.789" }, { 1e-300, "1e-300" } };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        sm__fmt_double(t, sizeof t, fixed[i].v);
        assert_string_equal(t, fixed[i].s);
    }
    sm__fmt_double(t, sizeof t, NAN);
    assert_string_equal(t, "nan");
    /* seeded random doubles: all read back exactly */
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        uint64_t bits = x;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        sm__fmt_double(t, sizeof t, v);
        assert_true(strtod(t, NULL) == v);
        double u = (double)(x >> 11) / 9007199254740992.0; /* scores live in [0, 1] */
        sm__fmt_double(t, sizeof t, u);
        assert_true(strtod(t, NULL) == u);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_reads_back_exactly),
        cmocka_unit_test(json_reads_back_exactly),
        cmocka_unit_test(empty_batches_and_bad_arguments),
        cmocka_unit_test(csv_needs_one_set_of_criteria),
        cmocka_unit_test(numbers_are_shortest_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
