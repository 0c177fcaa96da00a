/* The consortium builder (lib/groups/consortium_build.c, _search.c, _rules.c,
 * _result.c): against an exhaustive oracle on random engines of up to 40
 * SMEs, the rule checks on every output (infeasible profiles included), the
 * diversity rule, determinism, the bundled data with each preset, and the
 * error paths. */
#include "consortium_oracle.h"
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long seed_state;
static unsigned rnd(unsigned n)
{
    seed_state = seed_state * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)((seed_state >> 33) % n);
}

static const char *const tags[] = { "sensors", "cnc machining", "pcb design", "logistics", "training", "software" };

static sm_engine *random_engine(unsigned long seed, size_t n, int reverse)
{
    return or_random_engine(seed, n, reverse, NULL);
}

static const char *const countries[] = { "SI", "AT", "HR", "HU", "IT", "DE", "CZ", "SK", "RO", "BG", "EL", "PL" };

static void random_profile(or_profile *p, unsigned n_smes)
{
    memset(p, 0, sizeof *p);
    p->n_topics = rnd(3);
    for (unsigned i = 0; i < p->n_topics; i++) {
        p->topics[i] = tags[(i * 2 + rnd(2)) % 6];
        p->topic_w[i] = 1 + rnd(3);
    }
    p->n_sectors = rnd(2);
    for (unsigned i = 0; i < p->n_sectors; i++) {
        static const char *const items[] = { "C", "25", "62.01", "28" };
        p->sectors[i] = items[rnd(4)];
        p->sector_w[i] = 1;
    }
    p->min_size = 2 + rnd(2);
    p->max_size = p->min_size + rnd(n_smes > 24 ? 2 : 3);
    if (rnd(2))
        p->min_countries = 1 + rnd(4);
    if (rnd(3) == 0) {
        p->min_countries_in[0] = countries[rnd(12)];
        p->min_countries_in[1] = countries[rnd(12)];
        p->min_countries_in[2] = "ITH";
        p->n_min_countries_in = 3;
    }
    if (rnd(2)) {
        p->min_partners = 1 + rnd(2);
        p->partners_in[0] = countries[rnd(12)];
        p->partners_in[1] = countries[rnd(12)];
        p->n_partners_in = 2;
    }
    if (rnd(2))
        p->max_per_country = 1 + rnd(2);
    if (rnd(3) == 0)
        p->min_smes = 1 + rnd(3);
    p->less_dev_below = 75;
    if (rnd(3) == 0)
        p->min_less_dev = 1 + rnd(2);
    if (rnd(4) == 0) {
        p->lead_countries[0] = countries[rnd(12)];
        p->lead_countries[1] = countries[rnd(12)];
        p->n_lead_countries = 2;
    }
    static char inc[8], exc[8];
    if (rnd(4) == 0) {
        snprintf(inc, sizeof inc, "S%02u", rnd(n_smes));
        p->include[0] = inc;
        p->n_include = 1;
    }
    if (rnd(4) == 0) {
        snprintf(exc, sizeof exc, "S%02u", rnd(n_smes));
        p->exclude[0] = exc;
        p->n_exclude = 1;
    }
    p->w_cov = rnd(3);
    p->w_pairs = 1 + rnd(2);
    p->w_lead = rnd(2) * 0.5;
    p->w_coh = rnd(2) * 0.5;
    p->decay = rnd(2) ? 0.3 : 0.5;
    p->coh_threshold = 100;
}

static sm_call *parse_profile(const or_profile *p)
{
    char text[4096];
    or_profile_text(text, sizeof text, p);
    sm_call *c = NULL;
    if (sm_call_parse(&c, text, strlen(text), "oracle") != SM_OK)
        fail_msg("profile does not parse: %s\n%s", sm_error_last()->message, text);
    return c;
}

/* Fixed lead: the best consortium and every later one equal the exhaustive
 * search (each the best that differs from all earlier ones by 2 members). */
static void best_equals_exhaustive_fixed_lead(void **state)
{
    (void)state;
    unsigned checked = 0, infeasible = 0;
    for (unsigned long trial = 1; trial <= 40; trial++) {
        size_t n = trial % 4 == 0 ? 40 : 10 + trial % 15;
        sm_engine *e = random_engine(trial * 7777, n, 0);
        seed_state = trial * 31;
        or_profile p;
        random_profile(&p, (unsigned)n);
        if (n == 40 && p.max_size > 4)
            p.max_size = 4;
        sm_call *call = parse_profile(&p);
        or_data d;
        or_load(&d, e, &p, NULL);
        char lead[8];
        snprintf(lead, sizeof lead, "S%02u", rnd((unsigned)n));
        sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
        o.lead = lead;
        o.k = 3;
        o.max_nodes = 0;
        sm_consortia *r = NULL;
        assert_int_equal(sm_consortium_build(&r, e, call, &o), SM_OK);
        long lp = or_find(&d, lead);
        or_check_result(&d, &p, r, lp, 2);
        unsigned long long prev[3];
        for (size_t c = 0; c < 3; c++) {
            unsigned long long set = 0;
            double best = or_best(&d, &p, lp, prev, c, 2, &set);
            if (best < 0) {
                assert_int_equal(sm_consortia_count(r), c);
                infeasible += c == 0;
                break;
            }
            if (c >= sm_consortia_count(r))
                fail_msg("trial %lu: consortium %zu missing (oracle %.12f)", trial, c, best);
            if (fabs(best - sm_consortia_score(r, c)) > 1e-9)
                fail_msg("trial %lu: consortium %zu scores %.12f, exhaustive best %.12f", trial, c,
                         sm_consortia_score(r, c), best);
            /* the next round excludes what the builder returned (equal to the optimum in value) */
            unsigned long long got = 0;
            for (size_t i = 0; i < sm_consortia_size(r, c); i++) {
                const char *id = NULL;
                sm_consortia_member(&id, NULL, NULL, r, c, i);
                got |= 1ull << or_find(&d, id);
            }
            prev[c] = got;
            checked++;
        }
        assert_true(sm_consortia_exact(r));
        sm_consortia_free(r);
        sm_call_free(call);
        sm_engine_free(e);
    }
    print_message("# %u consortia equal the exhaustive search, %u infeasible profiles\n", checked, infeasible);
    assert_true(checked > 30);
    assert_true(infeasible > 0);
}

/* Lead from the rules on engines of at most 20 SMEs (every SME is tried as
 * lead): the best consortium equals the best over all leads. */
static void best_equals_exhaustive_any_lead(void **state)
{
    (void)state;
    for (unsigned long trial = 1; trial <= 15; trial++) {
        size_t n = 8 + trial % 12;
        sm_engine *e = random_engine(trial * 991, n, 0);
        seed_state = trial * 17;
        or_profile p;
        random_profile(&p, (unsigned)n);
        sm_call *call = parse_profile(&p);
        or_data d;
        or_load(&d, e, &p, NULL);
        sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
        o.leads = 20;
        o.k = 2;
        sm_consortia *r = NULL;
        assert_int_equal(sm_consortium_build(&r, e, call, &o), SM_OK);
        double best = -1;
        for (size_t l = 0; l < n; l++) {
            double v = or_best(&d, &p, (long)l, NULL, 0, 2, NULL);
            if (v > best)
                best = v;
        }
        or_check_result(&d, &p, r, -1, 2);
        if (best < 0)
            assert_int_equal(sm_consortia_count(r), 0);
        else if (fabs(best - sm_consortia_score(r, 0)) > 1e-9)
            fail_msg("trial %lu: best %.12f, exhaustive %.12f", trial, sm_consortia_score(r, 0), best);
        sm_consortia_free(r);
        sm_call_free(call);
        sm_engine_free(e);
    }
}

static char *json_of(const sm_engine *e, const sm_call *c, const sm_consortium_options *o)
{
    sm_consortia *r = NULL;
    assert_int_equal(sm_consortium_build(&r, e, c, o), SM_OK);
    char *s = NULL;
    assert_int_equal(sm_consortia_format(&s, NULL, r, SM_FORMAT_JSON), SM_OK);
    sm_consortia_free(r);
    return s;
}

static void deterministic_whatever_the_insertion_order(void **state)
{
    (void)state;
    for (unsigned long trial = 1; trial <= 6; trial++) {
        sm_engine *a = random_engine(trial * 5, 30, 0), *b = random_engine(trial * 5, 30, 1);
        seed_state = trial;
        or_profile p;
        random_profile(&p, 30);
        sm_call *call = parse_profile(&p);
        sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
        char *x = json_of(a, call, &o), *y = json_of(a, call, &o), *z = json_of(b, call, &o);
        assert_string_equal(x, y);
        assert_string_equal(x, z);
        sm_free(x);
        sm_free(y);
        sm_free(z);
        sm_call_free(call);
        sm_engine_free(a);
        sm_engine_free(b);
    }
}

/* An engine changed after a build (its scoring caches then hold a delta)
 * gives the same consortia as one built fresh with the same SMEs. */
static void same_after_changes_as_fresh(void **state)
{
    (void)state;
    sm_engine *a = random_engine(21, 36, 0), *b = random_engine(21, 36, 1);
    seed_state = 5;
    or_profile p;
    random_profile(&p, 30);
    p.n_include = p.n_exclude = 0;
    sm_call *call = parse_profile(&p);
    sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
    o.pool = 12; /* more SMEs than the pool: the candidate queries and scans run */
    o.lead = "S00";
    sm_free(json_of(a, call, &o));
    /* change a after its first build; make b the same from scratch */
    for (int i = 30; i < 36; i++) {
        char id[8];
        snprintf(id, sizeof id, "S%02d", i);
        assert_int_equal(sm_sme_remove(a, id), SM_OK);
        assert_int_equal(sm_sme_remove(b, id), SM_OK);
    }
    assert_int_equal(tu_put(a, "N1", "SI041", "25.11", "sensors;logistics", "software", SM_COOP_SUPPLY, "en",
                            SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(b, "N1", "SI041", "25.11", "sensors;logistics", "software", SM_COOP_SUPPLY, "en",
                            SM_SIZE_SMALL), SM_OK);
    char *x = json_of(a, call, &o), *y = json_of(b, call, &o);
    assert_string_equal(x, y);
    sm_free(x);
    sm_free(y);
    sm_call_free(call);
    sm_engine_free(a);
    sm_engine_free(b);
}

/* ---- infeasible profiles ------------------------------------------------------------ */

static void expect_infeasible(const sm_engine *e, const char *text, const char *lead, const char *why)
{
    sm_call *c = NULL;
    assert_int_equal(sm_call_parse(&c, text, strlen(text), "t"), SM_OK);
    sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
    o.lead = lead;
    sm_consortia *r = NULL;
    assert_int_equal(sm_consortium_build(&r, e, c, &o), SM_OK);
    if (sm_consortia_count(r))
        fail_msg("profile \"%s\" gave %zu consortia", text, sm_consortia_count(r));
    const char *msg = sm_consortia_infeasible(r);
    if (strncmp(msg, "no eligible consortium: rule", 28) != 0 || !strstr(msg, why))
        fail_msg("message \"%s\" lacks \"%s\"", msg, why);
    /* the rules are still listed */
    assert_true(sm_consortia_rule_count(r) >= 1);
    sm_consortia_free(r);
    sm_call_free(c);
}

static void infeasible_profiles_say_which_rule(void **state)
{
    (void)state;
    sm_engine *e = random_engine(42, 20, 0);
    expect_infeasible(e, "size = 3..5\nmin_countries = 9", "S01", "\"min_countries 9\" cannot be met because");
    expect_infeasible(e, "size = 2..2\nmin_partners = 3 in AT", "S01", "min_partners 3 in AT");
    expect_infeasible(e, "min_partners = 1 in FR", "S01", "only 0 candidates are in the list");
    expect_infeasible(e, "lead_countries = FR", "S01", "lead_countries FR");
    expect_infeasible(e, "lead_countries = FR", NULL, "no SME in the data");
    expect_infeasible(e, "include = S02\nexclude = S02", "S01", "S02");
    expect_infeasible(e, "allowed = SI\nsize = 30..40", "S01", "");
    expect_infeasible(e, "min_less_developed = 5 below 1", "S01", "development below 1");
    expect_infeasible(e, "size = 4..4\nmax_per_country = 1\nmin_partners = 2 in SI", "S01", "min_partners 2 in SI");
    sm_engine_free(e);
}

/* More must-include members than the pool option: the pool grows to hold them. */
static void must_include_more_than_the_pool(void **state)
{
    (void)state;
    sm_engine *e = random_engine(11, 30, 0);
    const char *text = "size = 10..12\ninclude = S01;S02;S03;S04;S05;S06;S07;S08;S09\n";
    sm_call *c = NULL;
    assert_int_equal(sm_call_parse(&c, text, strlen(text), "t"), SM_OK);
    sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
    o.pool = 8;
    o.lead = "S10";
    o.k = 2;
    sm_consortia *r = NULL;
    assert_int_equal(sm_consortium_build(&r, e, c, &o), SM_OK);
    assert_int_equal(sm_consortia_count(r), 2);
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < sm_consortia_rule_count(r); i++) {
            int ok = 0;
            assert_int_equal(sm_consortia_rule(NULL, &ok, NULL, r, k, i), SM_OK);
            assert_true(ok);
        }
    sm_consortia_free(r);
    sm_call_free(c);
    sm_engine_free(e);
}

/* ---- the bundled data ---------------------------------------------------------------- */

static sm_engine *bundled(void)
{
    const char *root = getenv("SM_SOURCE_ROOT");
    if (!root)
        return NULL;
    char path[1024];
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    snprintf(path, sizeof path, "%s/examples/data/cadses_smes.csv", root);
    if (sm_load_file(e, path, NULL, NULL) != SM_OK)
        fail_msg("%s", sm_error_last()->message);
    snprintf(path, sizeof path, "%s/examples/data/cadses_development.csv", root);
    if (sm_load_file(e, path, NULL, NULL) != SM_OK)
        fail_msg("%s", sm_error_last()->message);
    return e;
}

static void every_preset_on_the_bundled_data(void **state)
{
    (void)state;
    sm_engine *e = bundled();
    if (!e)
        skip();
    for (size_t i = 0; i < sm_call_preset_count(); i++) {
        char text[512];
        snprintf(text, sizeof text, "preset = %s\ntopics = sensors;pcb design\nsectors = 26\nsize = 4..6\n"
                                    "min_less_developed = 1 below 75\nmax_per_country = 2\n",
                 sm_call_preset_name(i));
        sm_call *c = NULL;
        assert_int_equal(sm_call_parse(&c, text, strlen(text), "t"), SM_OK);
        sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
        o.leads = 2;
        sm_consortia *r = NULL;
        assert_int_equal(sm_consortium_build(&r, e, c, &o), SM_OK);
        assert_true(sm_consortia_count(r) >= 1);
        for (size_t k = 0; k < sm_consortia_count(r); k++) {
            for (size_t j = 0; j < sm_consortia_rule_count(r); j++) {
                int ok = 0;
                const char *rule = NULL, *detail = NULL;
                assert_int_equal(sm_consortia_rule(&rule, &ok, &detail, r, k, j), SM_OK);
                if (!ok)
                    fail_msg("%s: consortium %zu breaks %s (%s)", sm_call_preset_name(i), k, rule, detail);
            }
            if (k)
                assert_true(sm_consortia_score(r, k) <= sm_consortia_score(r, k - 1) + 1e-12);
        }
        char *json = NULL, *csv = NULL;
        assert_int_equal(sm_consortia_format(&json, NULL, r, SM_FORMAT_JSON), SM_OK);
        assert_int_equal(sm_consortia_format(&csv, NULL, r, SM_FORMAT_CSV), SM_OK);
        assert_non_null(strstr(json, "\"role\": \"lead\""));
        assert_non_null(strstr(csv, "rank,score,id,role,country,reason\n1,"));
        sm_free(json);
        sm_free(csv);
        sm_consortia_free(r);
        sm_call_free(c);
    }
    sm_engine_free(e);
}

/* ---- errors ----------------------------------------------------------------------------- */

static void errors_leave_out_untouched(void **state)
{
    (void)state;
    sm_engine *e = random_engine(3, 12, 0);
    sm_call *c = NULL;
    assert_int_equal(sm_call_new(&c), SM_OK);
    sm_consortia *r = (sm_consortia *)(uintptr_t)1;
    sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
    assert_int_equal(sm_consortium_build(NULL, e, c, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_consortium_build(&r, NULL, c, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_consortium_build(&r, e, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    o.k = 0;
    assert_int_equal(sm_consortium_build(&r, e, c, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "k must be 1..100");
    o.k = 5;
    o.pool = 65;
    assert_int_equal(sm_consortium_build(&r, e, c, &o), SM_ERR_INVALID_ARGUMENT);
    o.pool = 40;
    o.version = 99;
    assert_int_equal(sm_consortium_build(&r, e, c, &o), SM_ERR_INVALID_ARGUMENT);
    o.version = SM_CONSORTIUM_OPTIONS_VERSION;
    o.lead = "nobody";
    assert_int_equal(sm_consortium_build(&r, e, c, &o), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "lead: no SME \"nobody\"");
    o.lead = NULL;
    assert_int_equal(sm_call_set(c, "include", "S01;ghost"), SM_OK);
    assert_int_equal(sm_consortium_build(&r, e, c, &o), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "include: no SME \"ghost\"");
    assert_ptr_equal(r, (sm_consortia *)(uintptr_t)1);
    assert_int_equal(sm_consortium_options_init(&o, 2), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_consortium_options_init(&o, SM_CONSORTIUM_OPTIONS_VERSION), SM_OK);
    assert_int_equal(o.k, 5);
    /* getters on NULL and past the end */
    assert_int_equal(sm_consortia_count(NULL), 0);
    assert_true(isnan(sm_consortia_score(NULL, 0)));
    assert_int_equal(sm_consortia_member(NULL, NULL, NULL, NULL, 0, 0), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_call_set(c, "include", ""), SM_OK);
    assert_int_equal(sm_consortium_build(&r, e, c, NULL), SM_OK);
    assert_int_equal(sm_consortia_member(NULL, NULL, NULL, r, 99, 0), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_consortia_rule(NULL, NULL, NULL, r, 0, 99), SM_ERR_NOT_FOUND);
    assert_true(isnan(sm_consortia_term(r, 0, "nothing")));
    assert_true(sm_consortia_term(r, 0, "pairs") >= 0);
    assert_int_equal(sm_consortia_coverage(r, 0, 0), -1);
    assert_null(sm_consortia_item(r, 0, NULL));
    assert_int_equal(sm_consortia_format(NULL, NULL, r, SM_FORMAT_JSON), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_consortia_format((char **)&c, NULL, r, SM_FORMAT_AUTO), SM_ERR_INVALID_ARGUMENT);
    sm_consortia_free(r);
    sm_consortia_free(NULL);
    sm_call_free(c);
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(best_equals_exhaustive_fixed_lead),
        cmocka_unit_test(best_equals_exhaustive_any_lead),
        cmocka_unit_test(deterministic_whatever_the_insertion_order),
        cmocka_unit_test(same_after_changes_as_fresh),
        cmocka_unit_test(infeasible_profiles_say_which_rule),
        cmocka_unit_test(must_include_more_than_the_pool),
        cmocka_unit_test(every_preset_on_the_bundled_data),
        cmocka_unit_test(errors_leave_out_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
