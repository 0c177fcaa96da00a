/* sme.c: put/replace/remove/get, normalisation, validation, packed storage. */
#include "test_util.h"
#include "core/core.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static sm_engine *eng;

static int setup(void **state)
{
    (void)state;
    eng = tu_engine(SM_TAXONOMY_ALL);
    return 0;
}
static int teardown(void **state)
{
    (void)state;
    sm_engine_free(eng);
    return 0;
}

static void put_get_round_trip_normalises(void **state)
{
    (void)state;
    sm_sme_desc d = SM_SME_DESC_INIT;
    const char *sectors[] = { "C25.11", "2562", "25.11" };
    const char *offers[] = { "  CNC   Machining ", "welding", "cnc machining" };
    const char *needs[] = { "Export distribution" };
    const char *langs[] = { "SL", "en" };
    d.id = "SI-00001";
    d.name = "Kovina d.o.o. — Maribor";
    d.region = "SI032";
    d.sectors = sectors;
    d.n_sectors = 3;
    d.offers = offers;
    d.n_offers = 3;
    d.needs = needs;
    d.n_needs = 1;
    d.languages = langs;
    d.n_languages = 2;
    d.employees = 12;
    d.founded = 1994;
    d.cooperation = SM_COOP_SUBCONTRACTING | SM_COOP_SUPPLY;
    assert_int_equal(sm_sme_put(eng, &d), SM_OK);
    assert_int_equal(sm_sme_count(eng), 1);
    assert_true(sm_sme_contains(eng, "SI-00001"));
    assert_false(sm_sme_contains(eng, "SI-00002"));
    sm_sme_desc *g = NULL;
    assert_int_equal(sm_sme_get(&g, eng, "SI-00001"), SM_OK);
    assert_string_equal(g->id, "SI-00001");
    assert_string_equal(g->name, "Kovina d.o.o. — Maribor");
    assert_string_equal(g->region, "SI032");
    assert_int_equal(g->n_sectors, 2); /* duplicate of the primary dropped */
    assert_string_equal(g->sectors[0], "25.11");
    assert_string_equal(g->sectors[1], "25.62");
    assert_int_equal(g->n_offers, 2);  /* "cnc machining" once */
    assert_int_equal(g->n_needs, 1);
    assert_string_equal(g->needs[0], "Export distribution"); /* as first spelt */
    int has_cnc = !strcmp(g->offers[0], "CNC Machining") || !strcmp(g->offers[1], "CNC Machining");
    assert_true(has_cnc);
    assert_int_equal(g->size, SM_SIZE_SMALL); /* derived from 12 employees */
    assert_int_equal(g->employees, 12);
    assert_int_equal(g->founded, 1994);
    assert_int_equal(g->cooperation, SM_COOP_SUBCONTRACTING | SM_COOP_SUPPLY);
    assert_int_equal(g->n_languages, 2);
    sm_sme_desc_free(g);
    /* the engine copied everything: the caller's buffers can go */
    char id[16];
    strcpy(id, "SI-00001");
    id[0] = 'X';
    assert_true(sm_sme_contains(eng, "SI-00001"));
    assert_int_equal(sm_sme_remove(eng, "SI-00001"), SM_OK);
}

static void replace_and_remove_keep_the_store_consistent(void **state)
{
    (void)state;
    char id[32];
    for (int i = 0; i < 500; i++) {
        snprintf(id, sizeof id, "T-%04d", i);
        assert_int_equal(tu_put(eng, id, i % 2 ? "AT130" : "SI041", "62.01;70.22", "erp integration;cloud hosting",
                                i % 3 ? "accounting" : "", SM_COOP_SERVICES, "en", SM_SIZE_MICRO),
                         SM_OK);
    }
    assert_int_equal(sm_sme_count(eng), 500);
    /* replace half with different tags: old lists become garbage */
    for (int i = 0; i < 500; i += 2) {
        snprintf(id, sizeof id, "T-%04d", i);
        assert_int_equal(tu_put(eng, id, "HR050", "55.10", "tourism packages", "wine;olive oil", 0, "hr",
                                SM_SIZE_MEDIUM),
                         SM_OK);
    }
    assert_int_equal(sm_sme_count(eng), 500);
    for (int i = 0; i < 500; i += 3) {
        snprintf(id, sizeof id, "T-%04d", i);
        assert_int_equal(sm_sme_remove(eng, id), SM_OK);
    }
    assert_int_equal(sm_sme_count(eng), 500 - 167);
    /* every remaining record reads back as last put */
    for (int i = 0; i < 500; i++) {
        snprintf(id, sizeof id, "T-%04d", i);
        sm_sme_desc *g = NULL;
        sm_status st = sm_sme_get(&g, eng, id);
        if (i % 3 == 0) {
            assert_int_equal(st, SM_ERR_NOT_FOUND);
            continue;
        }
        assert_int_equal(st, SM_OK);
        if (i % 2 == 0) {
            assert_string_equal(g->region, "HR050");
            assert_int_equal(g->n_needs, 2);
            assert_int_equal(g->size, SM_SIZE_MEDIUM);
        } else {
            assert_string_equal(g->region, "AT130");
            assert_int_equal(g->n_offers, 2);
            assert_int_equal(g->n_sectors, 2);
        }
        sm_sme_desc_free(g);
    }
    /* df counts SMEs listing a tag: "tourism packages" is on the even, non-multiple-of-3 ids */
    long t = -1;
    for (size_t k = 0; k < eng->tags.n; k++)
        if (!strcmp(eng->tags.str[k], "tourism packages"))
            t = (long)k;
    assert_true(t >= 0);
    size_t expect = 0;
    for (int i = 0; i < 500; i += 2)
        expect += i % 3 != 0;
    assert_int_equal(eng->tags.df[t], expect);
    /* iteration visits each once */
    size_t n = sm_sme_count(eng);
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc *g = NULL;
        assert_int_equal(sm_sme_at(&g, eng, i), SM_OK);
        assert_int_equal(sm_sme_remove(eng, g->id), SM_OK);
        sm_sme_desc_free(g);
        i--, n--; /* the last one moved into slot i */
    }
    assert_int_equal(sm_sme_count(eng), 0);
}

static void bad_input_gets_its_own_status_and_changes_nothing(void **state)
{
    (void)state;
    assert_int_equal(tu_put(eng, "OK-1", "SI041", "62.01", "a", "b", 0, "sl", SM_SIZE_SMALL), SM_OK);
    sm_sme_desc *before = NULL;
    assert_int_equal(sm_sme_get(&before, eng, "OK-1"), SM_OK);
    struct {
        const char *id, *region, *sectors, *offers, *needs, *langs;
        sm_size size;
        sm_status want;
        const char *in_msg;
    } cases[] = {
        { "", "SI041", "62.01", "", "", "", 0, SM_ERR_BAD_ID, "empty" },
        { "x\ty", "SI041", "62.01", "", "", "", 0, SM_ERR_BAD_ID, "control" },
        { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "SI041", "62.01", "", "", "", 0,
          SM_ERR_BAD_ID, "longer" },
        { "OK-1", "si041", "62.01", "", "", "", 0, SM_ERR_BAD_CODE, "\"si041\"" },
        { "OK-1", "SI9", "62.01", "", "", "", 0, SM_ERR_UNKNOWN_CODE, "region: unknown NUTS code \"SI9\"" },
        { "OK-1", "SI041", "6x", "", "", "", 0, SM_ERR_BAD_CODE, "\"6x\"" },
        { "OK-1", "SI041", "99.99", "", "", "", 0, SM_ERR_UNKNOWN_CODE, "\"99.99\"" },
        { "OK-1", "SI041", "62.01", "", "", "slovene", 0, SM_ERR_BAD_CODE, "\"slovene\"" },
        { "OK-1", "SI041", "62.01", "  ", "", "", 0, SM_ERR_BAD_CODE, "empty tag" },
        { "OK-1", "SI041", "", "", "", "", 0, SM_ERR_INVALID_ARGUMENT, "sector" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sm_status st = tu_put(eng, cases[i].id, cases[i].region, cases[i].sectors, cases[i].offers, cases[i].needs, 0,
                              cases[i].langs, cases[i].size);
        if (st != cases[i].want)
            fail_msg("case %zu: got %s (%s)", i, sm_status_str(st), sm_error_last()->message);
        tu_assert_error(cases[i].want, cases[i].in_msg);
    }
    sm_sme_desc d = SM_SME_DESC_INIT;
    const char *sec[] = { "62.01" };
    d.id = "OK-1";
    d.region = "SI041";
    d.sectors = sec;
    d.n_sectors = 1;
    d.employees = 300;
    d.size = SM_SIZE_MICRO;
    assert_int_equal(sm_sme_put(eng, &d), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "contradicts");
    d.employees = -1;
    d.founded = 3000;
    assert_int_equal(sm_sme_put(eng, &d), SM_ERR_RANGE);
    d.founded = 0;
    d.cooperation = 1u << 30;
    assert_int_equal(sm_sme_put(eng, &d), SM_ERR_RANGE);
    d.cooperation = 0;
    d.n_offers = 2; /* NULL list with a count */
    assert_int_equal(sm_sme_put(eng, &d), SM_ERR_INVALID_ARGUMENT);
    d.n_offers = 0;
    d.name = "\xff\xfe";
    assert_int_equal(sm_sme_put(eng, &d), SM_ERR_BAD_CODE);
    d.name = NULL;
    const char *many[SM_LIST_MAX + 1];
    for (int i = 0; i <= SM_LIST_MAX; i++)
        many[i] = "x";
    d.offers = many;
    d.n_offers = SM_LIST_MAX + 1;
    assert_int_equal(sm_sme_put(eng, &d), SM_ERR_LIMIT);
    d.n_offers = 0;
    d.version = 42;
    assert_int_equal(sm_sme_put(eng, &d), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_sme_put(eng, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_sme_put(NULL, &d), SM_ERR_INVALID_ARGUMENT);
    /* unchanged */
    sm_sme_desc *after = NULL;
    assert_int_equal(sm_sme_get(&after, eng, "OK-1"), SM_OK);
    assert_string_equal(after->region, before->region);
    assert_int_equal(after->n_offers, before->n_offers);
    assert_int_equal(sm_sme_count(eng), 1);
    sm_sme_desc_free(before);
    sm_sme_desc_free(after);
    sm_sme_desc *g = NULL;
    assert_int_equal(sm_sme_get(&g, eng, "nope"), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "\"nope\"");
    assert_null(g);
    assert_int_equal(sm_sme_at(&g, eng, 1), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_sme_remove(eng, "nope"), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_sme_remove(eng, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_sme_contains(NULL, "x"), 0);
    assert_int_equal(sm_sme_count(NULL), 0);
    assert_int_equal(sm_sme_remove(eng, "OK-1"), SM_OK);
    sm_sme_desc_free(NULL);
}

static void size_helpers(void **state)
{
    (void)state;
    sm_size s;
    assert_int_equal(sm_size_parse(&s, "Medium"), SM_OK);
    assert_int_equal(s, SM_SIZE_MEDIUM);
    assert_int_equal(sm_size_parse(&s, "huge"), SM_ERR_UNKNOWN_NAME);
    assert_string_equal(sm_size_name(SM_SIZE_MICRO), "micro");
    assert_string_equal(sm_size_name((sm_size)77), "unknown");
    assert_int_equal(sm_size_from_employees(9), SM_SIZE_MICRO);
    assert_int_equal(sm_size_from_employees(10), SM_SIZE_SMALL);
    assert_int_equal(sm_size_from_employees(249), SM_SIZE_MEDIUM);
    assert_int_equal(sm_size_from_employees(250), SM_SIZE_LARGE);
    assert_int_equal(sm_size_from_employees(-1), SM_SIZE_UNKNOWN);
    sm_sme_desc d;
    assert_int_equal(sm_sme_desc_init(&d, SM_SME_DESC_VERSION), SM_OK);
    assert_int_equal(d.employees, -1);
    assert_int_equal(sm_sme_desc_init(&d, 0), SM_ERR_INVALID_ARGUMENT);
}

/* The first SME without lists must not do pointer arithmetic on an empty
 * pool (UBSan), and a list over SM_LIST_MAX is refused, not cut. */
static void empty_lists_and_list_limit(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(tu_put(e, "P", "SI032", "25.11", "", "", 0, "", SM_SIZE_SMALL), SM_OK);
    sm_result *r = NULL;
    assert_int_equal(tu_put(e, "Q", "AT221", "28.41", "", "", 0, "", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(sm_query_top(&r, e, "P", NULL), SM_OK);
    assert_int_equal(sm_result_count(r), 1);
    sm_result_free(r);
    /* 300 tags are fine (real organisations reach that); SM_LIST_MAX + 1 are not */
    enum { N = SM_LIST_MAX + 1 };
    static const char *many[N];
    static char codes[N][12];
    for (int i = 0; i < N; i++) {
        snprintf(codes[i], sizeof codes[i], "tag%d", i);
        many[i] = codes[i];
    }
    sm_sme_desc d = SM_SME_DESC_INIT;
    const char *sec[] = { "25.11" };
    d.id = "R";
    d.name = "R";
    d.region = "SI032";
    d.sectors = sec;
    d.n_sectors = 1;
    d.offers = many;
    d.n_offers = 300;
    assert_int_equal(sm_sme_put(e, &d), SM_OK);
    d.n_offers = N;
    assert_int_equal(sm_sme_put(e, &d), SM_ERR_LIMIT);
    tu_assert_error(SM_ERR_LIMIT, "offers: 65536 entries (at most 65535, SM_LIST_MAX)");
    d.n_offers = SM_LIST_MAX;
    assert_int_equal(sm_sme_put(e, &d), SM_OK);
    sm_sme_desc *g = NULL;
    assert_int_equal(sm_sme_get(&g, e, "R"), SM_OK);
    assert_int_equal(g->n_offers, SM_LIST_MAX);
    sm_sme_desc_free(g);
    assert_int_equal(sm_sme_count(e), 3);
    sm_engine_free(e);
}

/* Language codes of an SME, through the word-compare path (lower-case codes
 * the engine knows) and the general one (upper case, new codes, bad ones),
 * in put and bulk: the stored set is the set of the codes given, lowered;
 * a malformed code is SM_ERR_BAD_CODE and changes nothing. */
static void language_codes_against_a_set_oracle(void **state)
{
    (void)state;
    static const char *const pool[] = { "sl", "en", "de", "EN", "De", "hr", "qq", "zz", "xyz", "ab",
                                        "e", "engl", "e1", "", "sq", "it", "fr" };
    const size_t np = sizeof pool / sizeof *pool;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    unsigned long rng = 99;
    for (int round = 0; round < 3000; round++) {
        const char *langs[6];
        size_t n = 0;
        rng = rng * 6364136223846793005ul + 1442695040888963407ul;
        size_t want_n = (rng >> 33) % 5;
        bool bad = false;
        for (size_t i = 0; i < want_n; i++) {
            rng = rng * 6364136223846793005ul + 1442695040888963407ul;
            const char *c = pool[(rng >> 33) % np];
            langs[n++] = c;
            size_t len = strlen(c);
            bool ok = len >= 2 && len <= 3;
            for (size_t k = 0; k < len; k++)
                ok = ok && ((c[k] >= 'a' && c[k] <= 'z') || (c[k] >= 'A' && c[k] <= 'Z'));
            bad = bad || !ok;
        }
        char id[32];
        snprintf(id, sizeof id, "L-%d", round % 50);
        const char *sec = "62.01";
        sm_sme_desc d = SM_SME_DESC_INIT;
        d.id = id;
        d.region = "SI041";
        d.sectors = &sec;
        d.n_sectors = 1;
        d.languages = langs;
        d.n_languages = n;
        size_t before = sm_sme_count(e);
        sm_status st;
        if (round % 2) {
            st = sm_sme_put(e, &d);
        } else {
            sm_bulk *b = NULL;
            assert_int_equal(sm_bulk_new(&b, e), SM_OK);
            st = sm_bulk_put(b, &d);
            if (st == SM_OK)
                st = sm_bulk_commit(b);
            sm_bulk_free(b);
        }
        if (bad) {
            assert_int_equal(st, SM_ERR_BAD_CODE);
            assert_int_equal(sm_sme_count(e), before);
            continue;
        }
        assert_int_equal(st, SM_OK);
        sm_sme_desc *got;
        assert_int_equal(sm_sme_get(&got, e, id), SM_OK);
        /* every code given is stored, lowered, and nothing else */
        size_t distinct = 0;
        for (size_t i = 0; i < n; i++) {
            char low[4] = { 0 };
            for (size_t k = 0; langs[i][k]; k++)
                low[k] = (char)(langs[i][k] | 0x20);
            bool dup = false;
            for (size_t j = 0; j < i && !dup; j++)
                dup = strcasecmp(langs[j], langs[i]) == 0;
            distinct += !dup;
            bool found = false;
            for (size_t j = 0; j < got->n_languages && !found; j++)
                found = strcmp(got->languages[j], low) == 0;
            assert_true(found);
        }
        assert_int_equal(got->n_languages, distinct);
        sm_sme_desc_free(got);
    }
    sm_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_get_round_trip_normalises),
        cmocka_unit_test(replace_and_remove_keep_the_store_consistent),
        cmocka_unit_test(bad_input_gets_its_own_status_and_changes_nothing),
        cmocka_unit_test(size_helpers),
        cmocka_unit_test(empty_lists_and_list_limit),
        cmocka_unit_test(language_codes_against_a_set_oracle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
