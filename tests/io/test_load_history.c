#define _DEFAULT_SOURCE /* mkstemp */
/* Loading cooperation histories (lib/io/load_history.c): both CSV forms and
 * JSON, every error with its line and field, all-or-nothing; then the
 * allocation-failure sweep over history loading and adding, queries with
 * network criteria, evaluate and fit: every allocation failed in turn must
 * give SM_ERR_NOMEM, leak nothing and leave the history as it was. */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sm_engine *small_engine(const sm_allocator *a)
{
    sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
    o.allocator = a;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, &o), SM_OK);
    const char *ids[] = { "A", "B", "C", "D", "E", "F" };
    for (int i = 0; i < 6; i++)
        assert_int_equal(tu_put(e, ids[i], i % 2 ? "SI032" : "AT130", i % 3 ? "25.11" : "62.01", "x;y", "y;z", 0,
                                "", SM_SIZE_SMALL),
                         SM_OK);
    return e;
}

static size_t coops(const sm_engine *e)
{
    sm_history_info info;
    assert_int_equal(sm_history_info_get(&info, e), SM_OK);
    return info.cooperations;
}

static const char pairs_csv[] = "a,b,date,kind\nA,B,2020-01-01,deal\n\"C\", D ,2021-06,meeting\n\nE,F,2019,\n";
static const char groups_csv[] = "kind,group,member,date\np,G1,A,2020-03-01\np,G1,B,2020-03-01\np,G2,C,2021-01-01\n"
                                 "p,G1,C,2020-03-01\np,G2,D,2021-01-01\n";
static const char coops_json[] = "[{\"members\": [\"A\", \"B\", \"C\"], \"date\": \"2020-01-01\", \"kind\": \"p\"},\n"
                                 " {\"a\": \"D\", \"b\": \"E\", \"date\": \"2021-02-03\"}]";

static void formats(void **state)
{
    (void)state;
    sm_engine *e = small_engine(NULL);
    size_t n = 0;
    assert_int_equal(sm_history_load_buffer(e, pairs_csv, strlen(pairs_csv), "p.csv", &n), SM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sm_history_load_buffer(e, groups_csv, strlen(groups_csv), "g.csv", &n), SM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(sm_history_load_buffer(e, coops_json, strlen(coops_json), "c.json", &n), SM_OK);
    assert_int_equal(n, 2);
    sm_history_info info;
    assert_int_equal(sm_history_info_get(&info, e), SM_OK);
    assert_int_equal(info.cooperations, 7);
    /* links: AB CD EF; G1: AB AC BC; G2: CD; json: AB AC BC DE */
    assert_int_equal(info.links, 6);
    assert_string_equal(info.last_date, "2021-06-01");
    /* a file */
    char path[] = "/tmp/sm_hist_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(pairs_csv, f);
    fclose(f);
    assert_int_equal(sm_history_load(e, path, &n), SM_OK);
    assert_int_equal(n, 3);
    remove(path);
    assert_int_equal(sm_history_load(e, path, &n), SM_ERR_IO);
    sm_engine_free(e);
}

/* A file of a header only (with unknown columns too) loads no cooperation
 * and leaves the history as it was (found by the history fuzz target). */
static void header_only(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *texts[] = { "a,b,date\n", ",a,b,datPnb,date" };
    for (size_t i = 0; i < 2; i++) {
        size_t n = 9;
        assert_int_equal(sm_history_load_buffer(e, texts[i], strlen(texts[i]), "h.csv", &n), SM_OK);
        assert_int_equal(n, 0);
    }
    sm_history_info hi;
    assert_int_equal(sm_history_info_get(&hi, e), SM_OK);
    assert_int_equal(hi.cooperations, 0);
    sm_engine_free(e);
}

static void errors(void **state)
{
    (void)state;
    sm_engine *e = small_engine(NULL);
    struct {
        const char *text;
        sm_status st;
        const char *msg;
    } cases[] = {
        { "a,b,date\nA,B,2020-01-01\nA,Q,2020-01-01\n", SM_ERR_NOT_FOUND, "t:3: member: no SME \"Q\"" },
        { "a,b,date\nA,B,2020-01-01\nA,B,2020-02-30\n", SM_ERR_PARSE, "t:3: date: \"2020-02-30\"" },
        { "a,b,date\nA,A,2020-01-01\n", SM_ERR_DUPLICATE, "listed twice" },
        { "a,b,date\nA,,2020-01-01\n", SM_ERR_PARSE, "t:2: b: empty" },
        { "x,y,z\nA,B,2020\n", SM_ERR_PARSE, "the header needs" },
        { "", SM_ERR_PARSE, "empty file" },
        { "group,member,date\nG,A,2020\n", SM_ERR_INVALID_ARGUMENT, "one member" },
        { "group,member,date\nG,A,2020\nG,B,2021\n", SM_ERR_INVALID_ARGUMENT, "t:3: date: \"2021\" differs" },
        { "a,b,date\n\"A,B,2020\n", SM_ERR_PARSE, "unclosed quote" },
        { "[{\"a\": \"A\"}]", SM_ERR_PARSE, "date: missing" },
        { "[{\"members\": [\"A\"], \"date\": \"2020\"}]", SM_ERR_INVALID_ARGUMENT, "two members" },
        { "[{\"members\": \"A\", \"date\": \"2020\"}]", SM_ERR_PARSE, "members: must be an array" },
        { "[1]", SM_ERR_PARSE, "must be an object" },
        { "[{", SM_ERR_PARSE, "" },
        { "{}", SM_ERR_PARSE, "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *name = cases[i].text[0] == '{' ? "t.json" : "t";
        assert_int_equal(sm_history_load_buffer(e, cases[i].text, strlen(cases[i].text), name, NULL), cases[i].st);
        tu_assert_error(cases[i].st, cases[i].msg);
        assert_int_equal(coops(e), 0); /* all or nothing */
    }
    sm_engine_free(e);
}

/* ---- allocation failures ---------------------------------------------------- */

typedef sm_status (*op_fn)(sm_engine *e, void *out);

static sm_status op_load_csv(sm_engine *e, void *out)
{
    (void)out;
    return sm_history_load_buffer(e, groups_csv, strlen(groups_csv), "g.csv", NULL);
}

static sm_status op_load_json(sm_engine *e, void *out)
{
    (void)out;
    return sm_history_load_buffer(e, coops_json, strlen(coops_json), "c.json", NULL);
}

static sm_status op_add(sm_engine *e, void *out)
{
    (void)out;
    const char *ids[] = { "A", "D", "F" };
    return sm_history_add(e, ids, 3, "2022-01-01", "new kind");
}

static sm_status op_query(sm_engine *e, void *out)
{
    sm_weighting *w = NULL;
    sm_status st = sm_weighting_preset(&w, "network");
    if (st)
        return st;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    st = sm_query_top((sm_result **)out, e, "A", &o);
    sm_weighting_free(w);
    return st;
}

static sm_status op_evaluate(sm_engine *e, void *out)
{
    sm_evaluate_options o = SM_EVALUATE_OPTIONS_INIT;
    o.split_date = "2021-01-01";
    o.bootstrap = 3;
    o.negatives = 3;
    return sm_evaluate((sm_evaluation **)out, e, &o);
}

static sm_status op_fit(sm_engine *e, void *out)
{
    sm_fit_options o = SM_FIT_OPTIONS_INIT;
    o.split_date = "2022-01-01";
    o.validation_date = "2020-01-01";
    o.rounds = 1;
    sm_evaluation *ev = NULL;
    sm_status st = sm_fit((sm_weighting **)out, &ev, e, &o);
    sm_evaluation_free(ev);
    return st;
}

/* A history where evaluate (split 2021) and fit (2020..2022, held-out
 * third nonempty for the seed) have queries. */
static void base_history(sm_engine *e)
{
    const char text[] = "group,member,date\n"
                        "1,A,2019-01-01\n1,B,2019-01-01\n2,C,2019-05-01\n2,D,2019-05-01\n2,E,2019-05-01\n"
                        "3,A,2020-02-01\n3,C,2020-02-01\n4,B,2020-03-01\n4,F,2020-03-01\n"
                        "5,D,2020-06-01\n5,A,2020-06-01\n6,E,2020-07-01\n6,F,2020-07-01\n"
                        "7,A,2021-02-01\n7,B,2021-02-01\n8,C,2021-03-01\n8,F,2021-03-01\n"
                        "9,B,2020-09-01\n9,C,2020-09-01\n10,D,2020-10-01\n10,F,2020-10-01\n";
    assert_int_equal(sm_history_load_buffer(e, text, strlen(text), "base.csv", NULL), SM_OK);
}

static void sweep(const char *what, op_fn op, void (*free_out)(void *))
{
    long checked = 0;
    for (long n = 1;; n++) {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine *e = small_engine(&a);
        base_history(e);
        size_t before = coops(e);
        void *out = NULL;
        st.fail_at = st.calls + n;
        sm_status s = op(e, &out);
        int failed = st.failed;
        st.fail_at = 0;
        if (!failed) {
            assert_int_equal(s, SM_OK);
            free_out(out);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            break;
        }
        checked++;
        if (s == SM_OK) { /* the failure was recovered from (libcsv retries a smaller block) */
            free_out(out);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            continue;
        }
        assert_int_equal(s, SM_ERR_NOMEM);
        assert_null(out);
        assert_int_equal(coops(e), before); /* unchanged */
        assert_int_equal(op(e, &out), SM_OK); /* and usable */
        free_out(out);
        sm_engine_free(e);
        assert_int_equal(st.live, 0);
    }
    assert_true(checked > 0);
    print_message("# %s: %ld allocation points checked\n", what, checked);
}

static void free_nothing(void *p)
{
    (void)p;
}
static void free_result(void *p)
{
    sm_result_free(p);
}
static void free_evaluation(void *p)
{
    sm_evaluation_free(p);
}
static void free_weighting(void *p)
{
    sm_weighting_free(p);
}

static void allocation_failures(void **state)
{
    (void)state;
    sweep("history load (CSV)", op_load_csv, free_nothing);
    sweep("history load (JSON)", op_load_json, free_nothing);
    sweep("history add", op_add, free_nothing);
    sweep("query with network criteria", op_query, free_result);
    sweep("evaluate", op_evaluate, free_evaluation);
    sweep("fit", op_fit, free_weighting);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats),
        cmocka_unit_test(header_only),
        cmocka_unit_test(errors),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
