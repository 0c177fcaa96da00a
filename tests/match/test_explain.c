/* Explanations (lib/match/explain.c, reasons.c) and "why not b?"
 * (lib/match/rank.c), checked against an independent recomputation from the
 * public records: tag sets intersected by string, idf from document
 * frequencies counted over all SMEs, contributions from weights, ranks from
 * a full sm_query_top(). */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int has(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* idf of a tag: ln(1 + N / df), df = SMEs listing it in offers or needs. */
static double idf_of(const sm_engine *e, const char *tag)
{
    size_t n = sm_sme_count(e), df = 0;
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc *d = NULL;
        assert_int_equal(sm_sme_at(&d, e, i), SM_OK);
        df += has(d->offers, d->n_offers, tag) || has(d->needs, d->n_needs, tag);
        sm_sme_desc_free(d);
    }
    return log(1.0 + (double)n / (double)df);
}

/* One direction checked: the tags are offers(x) ∩ needs(y), heaviest first,
 * with their idf; returns the direction's score hit mass / need mass. */
static double check_direction(const sm_engine *e, const sm_result *r, size_t i, const sm_sme_desc *x,
                              const sm_sme_desc *y, int gives)
{
    size_t n = gives ? sm_result_gives_count(r, i) : sm_result_gets_count(r, i);
    size_t expect = 0;
    for (size_t k = 0; k < x->n_offers; k++)
        expect += (size_t)has(y->needs, y->n_needs, x->offers[k]);
    assert_int_equal(n, expect);
    double hit = 0, mass = 0, prev = INFINITY;
    for (size_t t = 0; t < n; t++) {
        const char *tag = gives ? sm_result_gives_tag(r, i, t) : sm_result_gets_tag(r, i, t);
        double w = gives ? sm_result_gives_weight(r, i, t) : sm_result_gets_weight(r, i, t);
        assert_non_null(tag);
        assert_true(has(x->offers, x->n_offers, tag) && has(y->needs, y->n_needs, tag));
        assert_true(fabs(w - idf_of(e, tag)) < 1e-9);
        assert_true(w <= prev);
        prev = w;
        hit += w;
    }
    for (size_t k = 0; k < y->n_needs; k++)
        mass += idf_of(e, y->needs[k]);
    return mass > 0 ? fmin(1.0, hit / mass) : 0.0;
}

static void explained_top_matches_agree_with_recomputation(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(120);
    const char *ids[] = { "R-0000", "R-0007", "R-0042", "R-0101" };
    for (size_t q = 0; q < 4; q++) {
        sm_query_options o = SM_QUERY_OPTIONS_INIT;
        o.k = 8;
        sm_result *r = NULL;
        assert_int_equal(sm_query_top(&r, e, ids[q], &o), SM_OK);
        assert_false(sm_result_is_explained(r));
        assert_int_equal(sm_result_gives_count(r, 0), 0);
        assert_null(sm_result_reason_text(r, 0, 0));
        assert_int_equal(sm_result_explain(r, e), SM_OK);
        assert_true(sm_result_is_explained(r));
        assert_int_equal(sm_result_explain(r, e), SM_OK); /* again: replaced, no leak */
        sm_sme_desc *a = NULL;
        assert_int_equal(sm_sme_get(&a, e, ids[q]), SM_OK);
        size_t nc = sm_result_criterion_count(r);
        for (size_t i = 0; i < sm_result_count(r); i++) {
            sm_sme_desc *b = NULL;
            assert_int_equal(sm_sme_get(&b, e, sm_result_id(r, i)), SM_OK);
            double ab = check_direction(e, r, i, a, b, 1);
            double ba = check_direction(e, r, i, b, a, 0);
            double comp = ab + ba > 0 ? 2 * ab * ba / (ab + ba) : 0.0; /* harmonic, the default */
            assert_true(fabs(comp - sm_result_breakdown(r, i, SM_CRIT_COMPLEMENTARITY)) < 1e-9);
            double sum = 0, wsum = 0;
            for (size_t j = 0; j < nc; j++)
                wsum += sm_result_criterion_weight(r, j);
            for (size_t j = 0; j < nc; j++) {
                double c = sm_result_contribution(r, i, j);
                assert_true(fabs(c - sm_result_criterion_weight(r, j) * sm_result_breakdown(r, i, j) / wsum) < 1e-12);
                sum += c;
                assert_non_null(sm_result_reason_text(r, i, j));
                assert_int_not_equal(sm_result_reason_code(r, i, j), SM_REASON_NONE);
                assert_non_null(sm_reason_code_name(sm_result_reason_code(r, i, j)));
                for (size_t p = 0; p < sm_result_reason_param_count(r, i, j); p++) {
                    assert_non_null(sm_result_reason_param_name(r, i, j, p));
                    assert_non_null(sm_result_reason_param_value(r, i, j, p));
                }
                assert_null(sm_result_reason_param_name(r, i, j, 99));
            }
            /* weighted mean: the contributions add up to the total */
            assert_true(fabs(sum - sm_result_score(r, i)) < 1e-9);
            sm_reason_code rc = sm_result_reason_code(r, i, SM_CRIT_COMPLEMENTARITY);
            assert_int_equal(rc, sm_result_gives_count(r, i) || sm_result_gets_count(r, i) ? SM_REASON_TAGS_MATCH
                                                                                            : SM_REASON_TAGS_NONE);
            sm_reason_code rr = sm_result_reason_code(r, i, SM_CRIT_REGION_REACH);
            const sm_region_info *ra = NULL, *rb = NULL;
            assert_int_equal(sm_region_get(&ra, e, a->region), SM_OK);
            assert_int_equal(sm_region_get(&rb, e, b->region), SM_OK);
            assert_int_equal(rr, strcmp(a->region, b->region) == 0        ? SM_REASON_SAME_REGION
                                 : strcmp(ra->country, rb->country) == 0 ? SM_REASON_SAME_COUNTRY
                                                                         : SM_REASON_CROSS_BORDER);
            sm_reason_code rs = sm_result_reason_code(r, i, SM_CRIT_COOPERATION_FIT);
            assert_int_equal(rs, !a->cooperation || !b->cooperation ? SM_REASON_COOPERATION_UNKNOWN
                                 : (a->cooperation & b->cooperation) ? SM_REASON_COOPERATION_SHARED
                                                                     : SM_REASON_COOPERATION_NONE);
            sm_sme_desc_free(b);
        }
        assert_true(isnan(sm_result_contribution(r, 99, 0)));
        assert_null(sm_result_gives_tag(r, 0, 999));
        sm_sme_desc_free(a);
        sm_result_free(r);
    }
    sm_engine_free(e);
}

static void reasons_in_words(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(tu_put(e, "A", "SI041", "25.62", "laser welding;cnc", "fixtures", SM_COOP_SUBCONTRACTING, "sl;en",
                            SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "B", "HR050", "28.41;25.11", "fixtures", "laser welding", SM_COOP_SUBCONTRACTING, "hr",
                            SM_SIZE_MICRO), SM_OK);
    assert_int_equal(tu_put(e, "C", "SI041", "62.01", "apps", "cnc", 0, "sl", SM_SIZE_MEDIUM), SM_OK);
    sm_result *r = NULL;
    assert_int_equal(sm_query_explain(&r, e, "A", "B", NULL), SM_OK);
    assert_true(sm_result_is_explained(r));
    assert_string_equal(sm_result_reason_text(r, 0, SM_CRIT_COMPLEMENTARITY),
                        "A offers what B needs: laser welding; back: fixtures");
    assert_string_equal(sm_result_gives_tag(r, 0, 0), "laser welding");
    assert_string_equal(sm_result_gets_tag(r, 0, 0), "fixtures");
    assert_int_equal(sm_result_reason_code(r, 0, SM_CRIT_REGION_REACH), SM_REASON_CROSS_BORDER);
    assert_non_null(strstr(sm_result_reason_text(r, 0, SM_CRIT_REGION_REACH), "different countries (SI/HR)"));
    assert_string_equal(sm_result_reason_text(r, 0, SM_CRIT_SIZE_FIT), "small and micro");
    assert_string_equal(sm_result_reason_text(r, 0, SM_CRIT_COOPERATION_FIT), "both seek subcontracting");
    assert_string_equal(sm_result_reason_text(r, 0, SM_CRIT_LANGUAGE), "none shared (en, sl / hr)");
    assert_int_equal(sm_result_reason_code(r, 0, SM_CRIT_LANGUAGE), SM_REASON_LANGUAGE_NONE);
    assert_non_null(strstr(sm_result_reason_text(r, 0, SM_CRIT_SECTOR_AFFINITY), "secondary sectors 0/1"));
    /* parameters carry the data behind the words */
    size_t np = sm_result_reason_param_count(r, 0, SM_CRIT_SECTOR_AFFINITY);
    int seen = 0;
    for (size_t p = 0; p < np; p++)
        if (strcmp(sm_result_reason_param_name(r, 0, SM_CRIT_SECTOR_AFFINITY, p), "sector_b") == 0) {
            assert_string_equal(sm_result_reason_param_value(r, 0, SM_CRIT_SECTOR_AFFINITY, p), "28.41");
            seen = 1;
        }
    assert_true(seen);
    sm_result_free(r);

    assert_int_equal(sm_query_explain(&r, e, "C", "A", NULL), SM_OK);
    assert_string_equal(sm_result_reason_text(r, 0, SM_CRIT_COMPLEMENTARITY),
                        "C offers what A needs: nothing; back: cnc");
    assert_int_equal(sm_result_reason_code(r, 0, SM_CRIT_REGION_REACH), SM_REASON_SAME_REGION);
    assert_string_equal(sm_result_reason_text(r, 0, SM_CRIT_COOPERATION_FIT), "not given for C");
    assert_string_equal(sm_result_reason_text(r, 0, SM_CRIT_LANGUAGE), "shared: sl");
    sm_result_free(r);

    assert_int_equal(sm_query_explain(&r, e, "B", "C", NULL), SM_OK);
    assert_string_equal(sm_result_reason_text(r, 0, SM_CRIT_COMPLEMENTARITY), "no offer of one meets a need of the other");
    sm_result_free(r);
    assert_null(sm_reason_code_name((sm_reason_code)99));
    assert_string_equal(sm_reason_code_name(SM_REASON_CROSS_BORDER), "cross_border");
    sm_engine_free(e);
}

/* Rank oracle: a full sm_query_top() (k = n) under the same filters. */
static void rank_agrees_with_full_query(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(150);
    size_t n = sm_sme_count(e);
    const char *excl[] = { "R-0003" };
    const char *countries[] = { "SI", "AT", "HU" };
    for (int variant = 0; variant < 4; variant++) {
        sm_query_options o = SM_QUERY_OPTIONS_INIT;
        o.k = 7;
        if (variant == 1)
            o.cross_border = 1;
        if (variant == 2) {
            o.min_score = 0.45;
            o.exclude_ids = excl;
            o.n_exclude_ids = 1;
        }
        if (variant == 3) {
            o.countries = countries;
            o.n_countries = 3;
            o.size_classes = 1u << SM_SIZE_SMALL | 1u << SM_SIZE_MEDIUM;
        }
        const char *qa = "R-0010";
        sm_query_options all = o;
        all.k = n;
        sm_result *full = NULL, *top = NULL;
        assert_int_equal(sm_query_top(&full, e, qa, &all), SM_OK);
        assert_int_equal(sm_query_top(&top, e, qa, &o), SM_OK);
        sm_sme_desc *a = NULL;
        assert_int_equal(sm_sme_get(&a, e, qa), SM_OK);
        const sm_region_info *ra = NULL;
        assert_int_equal(sm_region_get(&ra, e, a->region), SM_OK);
        for (size_t i = 0; i < n; i++) {
            sm_sme_desc *b = NULL;
            assert_int_equal(sm_sme_at(&b, e, i), SM_OK);
            sm_rank_info info;
            assert_int_equal(sm_query_rank(&info, e, qa, b->id, &o), SM_OK);
            assert_int_equal(info.version, SM_RANK_INFO_VERSION);
            assert_int_equal(info.passing, sm_result_count(full));
            size_t pos = 0;
            for (size_t j = 0; j < sm_result_count(full); j++)
                if (strcmp(sm_result_id(full, j), b->id) == 0)
                    pos = j + 1;
            assert_int_equal(info.rank, pos);
            if (pos) {
                assert_true(info.score == sm_result_score(full, pos - 1));
                assert_int_equal(info.excluded, pos <= o.k ? SM_EXCLUDED_NOT : SM_EXCLUDED_RANK);
                assert_string_equal(sm_result_id(top, pos <= o.k ? pos - 1 : 0), pos <= o.k ? b->id : sm_result_id(top, 0));
            } else if (strcmp(b->id, qa) == 0) {
                assert_int_equal(info.excluded, SM_EXCLUDED_SELF);
            } else {
                const sm_region_info *rb = NULL;
                assert_int_equal(sm_region_get(&rb, e, b->region), SM_OK);
                int same_country = strcmp(ra->country, rb->country) == 0;
                sm_exclusion expect = SM_EXCLUDED_MIN_SCORE;
                if (variant == 1 && same_country)
                    expect = SM_EXCLUDED_CROSS_BORDER;
                if (variant == 2 && strcmp(b->id, excl[0]) == 0)
                    expect = SM_EXCLUDED_ID;
                if (variant == 3)
                    expect = has(countries, 3, rb->country) ? SM_EXCLUDED_SIZE : SM_EXCLUDED_COUNTRY;
                assert_int_equal(info.excluded, expect);
                if (expect == SM_EXCLUDED_MIN_SCORE)
                    assert_true(info.score < o.min_score);
                /* the score is the pair's, filters or not */
                sm_result *x = NULL;
                assert_int_equal(sm_query_explain(&x, e, qa, b->id, NULL), SM_OK);
                assert_true(fabs(info.score - sm_result_score(x, 0)) < 1e-12);
                sm_result_free(x);
            }
            sm_sme_desc_free(b);
        }
        size_t m = sm_result_count(top);
        if (m)
            assert_true(sm_result_score(top, m - 1) == sm_result_score(full, m - 1));
        sm_sme_desc_free(a);
        sm_result_free(full);
        sm_result_free(top);
    }
    assert_string_equal(sm_exclusion_name(SM_EXCLUDED_CROSS_BORDER), "cross_border");
    assert_null(sm_exclusion_name((sm_exclusion)42));
    sm_engine_free(e);
}

static void errors(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(20);
    sm_rank_info info = { 0 };
    info.rank = 77;
    assert_int_equal(sm_query_rank(NULL, e, "R-0000", "R-0001", NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_query_rank(&info, e, "R-0000", "nope", NULL), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "nope");
    assert_int_equal(info.rank, 77); /* untouched */
    sm_query_options bad = SM_QUERY_OPTIONS_INIT;
    bad.min_score = -1;
    assert_int_equal(sm_query_rank(&info, e, "R-0000", "R-0001", &bad), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_result_explain(NULL, e), SM_ERR_INVALID_ARGUMENT);
    sm_result *r = NULL;
    assert_int_equal(sm_query_top(&r, e, "R-0000", NULL), SM_OK);
    assert_int_equal(sm_result_explain(r, NULL), SM_ERR_INVALID_ARGUMENT);
    /* a match removed since the query: not found, result unchanged */
    assert_int_equal(sm_sme_remove(e, sm_result_id(r, 0)), SM_OK);
    assert_int_equal(sm_result_explain(r, e), SM_ERR_NOT_FOUND);
    assert_false(sm_result_is_explained(r));
    sm_result_free(r);
    assert_false(sm_result_is_explained(NULL));
    assert_int_equal(sm_result_reason_code(NULL, 0, 0), SM_REASON_NONE);
    sm_engine_free(e);
}

/* Fail the n-th allocation of sm_result_explain() and sm_query_rank() for every n. */
static void allocation_failures(void **state)
{
    (void)state;
    for (int what = 0; what < 2; what++) {
        long checked = 0;
        for (long n = 1;; n++) {
            tu_alloc_state st = { 0 };
            sm_allocator al = tu_allocator(&st);
            sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
            eo.allocator = &al;
            eo.taxonomies = SM_TAXONOMY_ALL;
            sm_engine *e = NULL;
            assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
            /* long tags: the sentence outgrows the formatting buffer (its own allocation) */
            const char *many = "x;y;five-axis machining of titanium aerospace brackets;laser welding of thin "
                               "stainless steel sheet assemblies;powder coating of large aluminium profiles "
                               "and frames;precision grinding of hardened tool steel shafts and pins";
            assert_int_equal(tu_put(e, "A", "SI041", "25.62", many, "z", SM_COOP_SUPPLY, "sl", SM_SIZE_SMALL), SM_OK);
            assert_int_equal(tu_put(e, "B", "AT130", "28.41", "z", many, SM_COOP_SUPPLY, "de", SM_SIZE_SMALL), SM_OK);
            assert_int_equal(tu_put(e, "C", "HU110", "62.01", "y", "z", 0, "hu", SM_SIZE_MICRO), SM_OK);
            sm_result *r = NULL;
            assert_int_equal(sm_query_top(&r, e, "A", NULL), SM_OK);
            sm_rank_info info;
            st.calls = 0;
            st.fail_at = n;
            sm_status s = what == 0 ? sm_result_explain(r, e) : sm_query_rank(&info, e, "A", "C", NULL);
            int failed = st.failed;
            st.fail_at = 0;
            if (!failed) {
                assert_int_equal(s, SM_OK);
                assert_true(what != 0 || sm_result_is_explained(r));
            } else {
                assert_int_equal(s, SM_ERR_NOMEM);
                assert_false(sm_result_is_explained(r));
                checked++;
            }
            /* the engine still answers */
            sm_result *r2 = NULL;
            assert_int_equal(sm_query_explain(&r2, e, "A", "B", NULL), SM_OK);
            sm_result_free(r2);
            sm_result_free(r);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            if (!failed)
                break;
        }
        assert_true(checked > 0);
        print_message("# %s: %ld allocation points checked\n", what ? "rank" : "explain", checked);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(explained_top_matches_agree_with_recomputation),
        cmocka_unit_test(reasons_in_words),
        cmocka_unit_test(rank_agrees_with_full_query),
        cmocka_unit_test(errors),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
