/* overview/themes.c and the history indices of overview/aggregate.c:
 * themes added by the API and read from CSV and JSON (errors naming file,
 * line and value, all or nothing), the region x theme matrix over them and
 * the realised and untapped indices, each equal to a direct aggregation of
 * the batch's results and of the history; the flagged pairs, the untapped
 * heat map and the focus map; allocation failures of all of it. */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- themes --------------------------------------------------------------- */

static void themes_are_added_normalised_and_deduplicated(void **state)
{
    (void)state;
    sm_themes *t = NULL;
    assert_int_equal(sm_themes_new(&t), SM_OK);
    const char *green[] = { "Solar  Panels", "heat pumps", "solar panels" };
    assert_int_equal(sm_themes_add(t, "green", green, 3), SM_OK);
    const char *digital[] = { "ERP" };
    assert_int_equal(sm_themes_add(t, "digital", digital, 1), SM_OK);
    assert_int_equal(sm_themes_add(t, "green", digital, 1), SM_OK);
    assert_int_equal(sm_themes_count(t), 2);
    assert_string_equal(sm_themes_name(t, 0), "green");
    assert_int_equal(sm_themes_tag_count(t, 0), 3);
    assert_string_equal(sm_themes_tag(t, 0, 0), "solar panels");
    assert_string_equal(sm_themes_tag(t, 0, 2), "erp");
    assert_null(sm_themes_tag(t, 0, 3));
    assert_null(sm_themes_name(t, 2));
    /* errors leave the themes as they were */
    const char *bad[] = { "fine", "" };
    assert_int_equal(sm_themes_add(t, "new", bad, 2), SM_ERR_BAD_CODE);
    tu_assert_error(SM_ERR_BAD_CODE, "theme \"new\"");
    assert_int_equal(sm_themes_count(t), 2);
    assert_int_equal(sm_themes_add(t, "", NULL, 0), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_themes_add(t, "x", NULL, 1), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_themes_add(NULL, "x", NULL, 0), SM_ERR_INVALID_ARGUMENT);
    char name[16];
    for (int i = 2; i < SM_THEMES_MAX; i++) {
        snprintf(name, sizeof name, "t%d", i);
        assert_int_equal(sm_themes_add(t, name, NULL, 0), SM_OK);
    }
    assert_int_equal(sm_themes_add(t, "one too many", NULL, 0), SM_ERR_LIMIT);
    tu_assert_error(SM_ERR_LIMIT, "one too many");
    assert_int_equal(sm_themes_count(t), SM_THEMES_MAX);
    assert_int_equal(sm_themes_new(NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_themes_count(NULL), 0);
    sm_themes_free(t);
    sm_themes_free(NULL);
}

static void themes_files_load_and_errors_name_the_line(void **state)
{
    (void)state;
    sm_themes *t = NULL;
    assert_int_equal(sm_themes_new(&t), SM_OK);
    static const char csv[] = "\ntag,theme,note\nsolar,green,x\n\"heat\npumps\",green,\nerp,digital,\n";
    size_t n = 0;
    assert_int_equal(sm_themes_load_buffer(t, csv, sizeof csv - 1, "themes.csv", &n), SM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sm_themes_count(t), 2);
    assert_string_equal(sm_themes_tag(t, 0, 1), "heat pumps");
    static const char json[] = "{\"food\": [\"cheese\", \"Wine\"], \"green\": [\"wind\"]}";
    assert_int_equal(sm_themes_load_buffer(t, json, sizeof json - 1, "t.json", &n), SM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sm_themes_count(t), 3);
    assert_int_equal(sm_themes_tag_count(t, 0), 3);
    assert_string_equal(sm_themes_tag(t, 2, 1), "wine");
    /* all or nothing: a bad line leaves the themes as they were */
    static const char bad_tag[] = "theme,tag\nnew,ok\ngreen,\"\x01\"\n";
    assert_int_equal(sm_themes_load_buffer(t, bad_tag, sizeof bad_tag - 1, "bad.csv", NULL), SM_ERR_BAD_CODE);
    tu_assert_error(SM_ERR_BAD_CODE, "bad.csv:3: tag");
    assert_int_equal(sm_themes_count(t), 3);
    assert_int_equal(sm_themes_tag_count(t, 0), 3);
    static const char no_col[] = "theme,tags\na,b\n";
    assert_int_equal(sm_themes_load_buffer(t, no_col, sizeof no_col - 1, "h.csv", NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "h.csv:1: the header must name");
    static const char short_row[] = "theme,tag\nx\n";
    assert_int_equal(sm_themes_load_buffer(t, short_row, sizeof short_row - 1, "s.csv", NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "s.csv:2: the row has no \"tag\"");
    static const char quote[] = "theme,tag\na,\"b\n";
    assert_int_equal(sm_themes_load_buffer(t, quote, sizeof quote - 1, "q.csv", NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "q.csv");
    assert_int_equal(sm_themes_load_buffer(t, "", 0, "e.csv", NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "no header");
    static const char j1[] = "{\"a\": \"b\"}", j2[] = "{\"a\": [1]}", j3[] = "{\"a\": [\"b\"],", j4[] = "[1]";
    assert_int_equal(sm_themes_load_buffer(t, j1, sizeof j1 - 1, "j.json", NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "must be an array of tags");
    assert_int_equal(sm_themes_load_buffer(t, j2, sizeof j2 - 1, "j.json", NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "theme \"a\", tag 1: must be a string");
    assert_int_equal(sm_themes_load_buffer(t, j3, sizeof j3 - 1, "j.json", NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "j.json:1:");
    assert_int_equal(sm_themes_load_buffer(t, j4, sizeof j4 - 1, "j.json", NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "expected an object");
    assert_int_equal(sm_themes_count(t), 3);
    assert_int_equal(sm_themes_load(t, "/nonexistent/themes.csv", NULL), SM_ERR_IO);
    tu_assert_error(SM_ERR_IO, "/nonexistent/themes.csv");
    assert_int_equal(sm_themes_load_buffer(NULL, "", 0, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    sm_themes_free(t);
}

/* ---- the oracle: the batch's links and the history, by brute force ----------- */

typedef struct tlink {
    char a[16], b[16];
    double score;
} tlink;

typedef struct links {
    tlink *l;
    size_t n, cap;
} links;

static int keep(const sm_result *r, void *ud)
{
    links *x = ud;
    for (size_t i = 0; i < sm_result_count(r); i++) {
        if (x->n == x->cap) {
            x->cap = x->cap ? 2 * x->cap : 1024;
            assert_non_null(x->l = realloc(x->l, x->cap * sizeof *x->l));
        }
        tlink *l = &x->l[x->n++];
        snprintf(l->a, sizeof l->a, "%s", sm_result_query_id(r));
        snprintf(l->b, sizeof l->b, "%s", sm_result_id(r, i));
        l->score = sm_result_score(r, i);
    }
    return 0;
}

#define N_SMES 90
#define N_COOP 60

/* The history of the tests: pairs (i, 3i + 1) and a few groups. */
static void add_history(sm_engine *e, int coop[N_SMES][N_SMES])
{
    char a[16], b[16], c[16];
    for (int i = 0; i < N_COOP; i++) {
        int x = (i * 37) % N_SMES, y = (i * 11 + 5) % N_SMES;
        if (x == y)
            continue;
        snprintf(a, sizeof a, "R-%04d", x);
        snprintf(b, sizeof b, "R-%04d", y);
        const char *ids[3] = { a, b, c };
        size_t n = 2;
        if (i % 7 == 0) {
            int z = (x + y + 1) % N_SMES;
            if (z == x || z == y)
                continue;
            snprintf(c, sizeof c, "R-%04d", z);
            n = 3;
            coop[x][z]++, coop[z][x]++, coop[y][z]++, coop[z][y]++;
        }
        assert_int_equal(sm_history_add(e, ids, n, i % 2 ? "2019-05-01" : "2021-03", "project"), SM_OK);
        coop[x][y]++, coop[y][x]++;
    }
}

static int index_of(const char *id) { return atoi(id + 2); }

/* Whether SME s (its offers and needs) is in theme j of t. */
static int in_theme(const sm_engine *e, const char *id, const sm_themes *t, size_t j)
{
    sm_sme_desc *d = NULL;
    assert_int_equal(sm_sme_get(&d, e, id), SM_OK);
    int in = 0; /* tags of the random engine are already normalised */
    for (size_t k = 0; k < sm_themes_tag_count(t, j) && !in; k++) {
        for (size_t o = 0; o < d->n_offers; o++)
            in |= strcmp(d->offers[o], sm_themes_tag(t, j, k)) == 0;
        for (size_t o = 0; o < d->n_needs; o++)
            in |= strcmp(d->needs[o], sm_themes_tag(t, j, k)) == 0;
    }
    sm_sme_desc_free(d);
    return in;
}

static void region_of(char out[8], const sm_engine *e, const char *id, int level)
{
    sm_sme_desc *d = NULL;
    assert_int_equal(sm_sme_get(&d, e, id), SM_OK);
    snprintf(out, 8, "%.*s", level + 2, d->region);
    sm_sme_desc_free(d);
}

static long find(const sm_overview *ov, int m, int axis, const char *code)
{
    size_t n = axis ? sm_overview_cols(ov, m) : sm_overview_rows(ov, m);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(sm_overview_label_code(ov, m, axis, i), code))
            return (long)i;
    return -1;
}

static void history_and_themes_equal_direct_aggregation(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(N_SMES);
    static int coop[N_SMES][N_SMES];
    memset(coop, 0, sizeof coop);
    sm_overview *ov = NULL;
    /* without a history the indices are not held */
    assert_int_equal(sm_overview_new(&ov, e, NULL), SM_OK);
    assert_int_equal(sm_overview_has_index(ov, SM_OVERVIEW_UNTAPPED), 0);
    assert_true(isnan(sm_overview_value(ov, SM_OVERVIEW_REGIONS, 0, 0, SM_OVERVIEW_REALISED)));
    char *text = NULL;
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_SVG, SM_PICTURE_UNTAPPED, NULL), SM_ERR_UNSUPPORTED);
    tu_assert_error(SM_ERR_UNSUPPORTED, "history");
    sm_overview_free(ov);
    add_history(e, coop);

    sm_themes *t = NULL;
    assert_int_equal(sm_themes_new(&t), SM_OK);
    const char *t1[] = { "tag1", "tag2", "tag3", "tag4", "tag5" }, *t2[] = { "tag3", "tag30", "tag31" },
               *t3[] = { "not a tag of any sme" };
    assert_int_equal(sm_themes_add(t, "first", t1, 5), SM_OK);
    assert_int_equal(sm_themes_add(t, "second", t2, 3), SM_OK);
    assert_int_equal(sm_themes_add(t, "empty", t3, 1), SM_OK);

    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = 6;
    links all = { 0 };
    sm_batch_options bo = SM_BATCH_OPTIONS_INIT;
    bo.query = &q;
    bo.on_result = keep;
    bo.result_userdata = &all;
    assert_int_equal(sm_batch_run(e, &bo), SM_OK);
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.query = &q;
    o.region_level = 1;
    o.best_per_cell = 3;
    o.themes = t;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_OK);
    assert_int_equal(sm_overview_has_index(ov, SM_OVERVIEW_REALISED), 1);
    assert_int_equal(sm_overview_cols(ov, SM_OVERVIEW_THEMES), 3);
    assert_string_equal(sm_overview_label_code(ov, SM_OVERVIEW_THEMES, 1, 1), "second");

    size_t rows = sm_overview_rows(ov, SM_OVERVIEW_REGIONS);
    char ra[8], rb[8], id[32], id2[32];
    /* region x region: realised over every ordered pair that cooperated, untapped over the links */
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < rows; j++) {
            const char *ci = sm_overview_label_code(ov, SM_OVERVIEW_REGIONS, 0, i);
            const char *cj = sm_overview_label_code(ov, SM_OVERVIEW_REGIONS, 1, j);
            double real = 0, untapped = 0;
            for (int x = 0; x < N_SMES; x++)
                for (int y = 0; y < N_SMES; y++) {
                    if (!coop[x][y])
                        continue;
                    snprintf(id, sizeof id, "R-%04d", x);
                    snprintf(id2, sizeof id2, "R-%04d", y);
                    region_of(ra, e, id, 1);
                    region_of(rb, e, id2, 1);
                    real += !strcmp(ra, ci) && !strcmp(rb, cj);
                }
            for (size_t l = 0; l < all.n; l++) {
                region_of(ra, e, all.l[l].a, 1);
                region_of(rb, e, all.l[l].b, 1);
                if (!strcmp(ra, ci) && !strcmp(rb, cj) && !coop[index_of(all.l[l].a)][index_of(all.l[l].b)])
                    untapped += all.l[l].score;
            }
            assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_REGIONS, i, j, SM_OVERVIEW_REALISED), real, 0);
            assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_REGIONS, i, j, SM_OVERVIEW_UNTAPPED), untapped, 1e-6);
            /* the best pairs carry their shared cooperations */
            for (size_t r = 0; r < sm_overview_best_count(ov, SM_OVERVIEW_REGIONS, i, j); r++) {
                sm_overview_pair p = { .version = SM_OVERVIEW_PAIR_VERSION };
                assert_int_equal(sm_overview_best_at(&p, ov, SM_OVERVIEW_REGIONS, i, j, r), SM_OK);
                assert_int_equal(p.cooperations, (size_t)coop[index_of(p.a)][index_of(p.b)]);
            }
        }
    /* region x theme: a partner counts in each of its themes */
    size_t n = sm_sme_count(e);
    for (size_t th = 0; th < 3; th++) {
        double smes = 0;
        for (size_t s = 0; s < n; s++) {
            snprintf(id, sizeof id, "R-%04zu", s);
            smes += in_theme(e, id, t, th);
        }
        assert_int_equal(sm_overview_label_smes(ov, SM_OVERVIEW_THEMES, 1, th), (size_t)smes);
        for (size_t i = 0; i < rows; i++) {
            const char *ci = sm_overview_label_code(ov, SM_OVERVIEW_THEMES, 0, i);
            double lk = 0, sum = 0, row = 0, both = 0, real = 0, ni = 0;
            for (size_t l = 0; l < all.n; l++) {
                region_of(ra, e, all.l[l].a, 1);
                if (strcmp(ra, ci))
                    continue;
                row++;
                if (in_theme(e, all.l[l].b, t, th))
                    lk++, sum += all.l[l].score;
            }
            for (size_t s = 0; s < n; s++) {
                snprintf(id, sizeof id, "R-%04zu", s);
                region_of(ra, e, id, 1);
                if (strcmp(ra, ci))
                    continue;
                ni++;
                both += in_theme(e, id, t, th);
                for (size_t u = 0; u < n; u++) {
                    snprintf(id2, sizeof id2, "R-%04zu", u);
                    if (coop[s][u] && in_theme(e, id2, t, th))
                        real++;
                }
            }
            double pairs = ni * smes - both, expected = row * pairs / (ni * ((double)n - 1));
            assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_THEMES, i, th, SM_OVERVIEW_LINKS), lk, 0);
            assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_THEMES, i, th, SM_OVERVIEW_SCORE_SUM), sum, 1e-6);
            assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_THEMES, i, th, SM_OVERVIEW_PAIRS), pairs, 0);
            assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_THEMES, i, th, SM_OVERVIEW_EXPECTED), expected, 1e-9);
            assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_THEMES, i, th, SM_OVERVIEW_LIFT),
                               expected > 0 ? lk / expected : 0, 1e-9);
            assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_THEMES, i, th, SM_OVERVIEW_REALISED), real, 0);
        }
    }
    assert_true(find(ov, SM_OVERVIEW_THEMES, 1, "empty") == 2);
    /* the writers: the columns, the flag, the untapped heat map */
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_MATRIX_CSV, SM_OVERVIEW_REGIONS, NULL), SM_OK);
    assert_true(strncmp(text, "region_a,region_b,links,score_sum,score_mean,pairs,density,expected,lift,realised,"
                              "untapped\n", 85) == 0);
    sm_free(text);
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_POTENTIAL_CSV, 0, NULL), SM_OK);
    assert_non_null(strstr(text, "b_sector,cooperated\n"));
    sm_free(text);
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_JSON, 0, NULL), SM_OK);
    assert_non_null(strstr(text, "\"history\": true"));
    assert_non_null(strstr(text, "\"themes\": \"user\""));
    sm_free(text);
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_SVG, SM_PICTURE_UNTAPPED, NULL), SM_OK);
    assert_non_null(strstr(text, "untapped potential"));
    sm_free(text);
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_REPORT, 0, NULL), SM_OK);
    assert_non_null(strstr(text, "id=\"untapped\""));
    sm_free(text);
    /* a version-1 pair has no cooperations field, and is filled without it */
    sm_overview_pair p1 = { .version = 1, .cooperations = 12345 };
    for (size_t i = 0; i < rows; i++)
        if (sm_overview_best_count(ov, SM_OVERVIEW_REGIONS, i, 0)) {
            assert_int_equal(sm_overview_best_at(&p1, ov, SM_OVERVIEW_REGIONS, i, 0, 0), SM_OK);
            assert_int_equal(p1.cooperations, 12345);
            break;
        }
    sm_overview_free(ov);
    /* empty themes are refused; version-1 options ignore themes */
    sm_themes *none = NULL;
    assert_int_equal(sm_themes_new(&none), SM_OK);
    o.themes = none;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "themes are empty");
    sm_overview_options o1;
    assert_int_equal(sm_overview_options_init(&o1, 1), SM_OK);
    assert_int_equal(o1.version, 1);
    assert_int_equal(sm_overview_new(&ov, e, &o1), SM_OK);
    assert_string_equal(sm_overview_label_code(ov, SM_OVERVIEW_THEMES, 1, 0), "C");
    sm_overview_free(ov);
    sm_themes_free(none);
    sm_themes_free(t);
    free(all.l);
    sm_engine_free(e);
}

static void focus_map_needs_a_region_and_geometry(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(60);
    sm_overview *ov = NULL;
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.region_level = 0;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_OK);
    char *text = NULL;
    assert_int_equal(sm_overview_format_focus(&text, NULL, ov, "SI", NULL), SM_ERR_UNSUPPORTED);
    assert_int_equal(sm_overview_format_focus(&text, NULL, ov, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    char path[512];
    const char *root = getenv("SM_SOURCE_ROOT");
    snprintf(path, sizeof path, "%s/data/nuts2021_60m.txt", root ? root : ".");
    sm_geometry *g = NULL;
    if (sm_geometry_load(&g, path) != SM_OK) {
        sm_overview_free(ov);
        sm_engine_free(e);
        skip();
    }
    const char *first = sm_overview_label_code(ov, SM_OVERVIEW_REGIONS, 0, 0);
    assert_int_equal(sm_overview_format_focus(&text, NULL, ov, first, g), SM_OK);
    assert_non_null(strstr(text, "Potential partners of"));
    assert_non_null(strstr(text, "EuroGeographics"));
    sm_free(text);
    text = NULL;
    assert_int_equal(sm_overview_format_focus(&text, NULL, ov, "XX9", g), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "\"XX9\" is no region");
    assert_null(text);
    assert_int_equal(sm_overview_write_focus("/nonexistent-dir/f.svg", ov, first, g), SM_ERR_IO);
    /* the report's sheets draw the same map from shared outlines */
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_REPORT, 0, g), SM_OK);
    assert_non_null(strstr(text, "<use href=\"#sm-g-"));
    sm_free(text);
    sm_geometry_free(g);
    sm_overview_free(ov);
    sm_engine_free(e);
}

/* ---- allocation failures -------------------------------------------------------- */

static void allocation_failures_with_history_and_themes(void **state)
{
    (void)state;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
    eo.allocator = &a;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
    char id[16], id2[16];
    static const char *const regions[] = { "SI041", "AT130", "HR031", "ITH41" };
    for (int i = 0; i < 24; i++) {
        snprintf(id, sizeof id, "S%02d", i);
        assert_int_equal(tu_put(e, id, regions[i % 4], i % 3 ? "25.11" : "62.01", i % 2 ? "x;y" : "z",
                                i % 2 ? "z" : "x", SM_COOP_SUPPLY, "en", SM_SIZE_SMALL),
                         SM_OK);
    }
    for (int i = 0; i < 12; i++) {
        snprintf(id, sizeof id, "S%02d", i);
        snprintf(id2, sizeof id2, "S%02d", (i * 5 + 3) % 24);
        const char *ids[2] = { id, id2 };
        if (strcmp(id, id2))
            assert_int_equal(sm_history_add(e, ids, 2, "2020-01-01", "deal"), SM_OK);
    }
    sm_themes *t = NULL;
    assert_int_equal(sm_themes_new(&t), SM_OK);
    const char *tags[] = { "x", "z" };
    assert_int_equal(sm_themes_add(t, "xs", tags, 1), SM_OK);
    assert_int_equal(sm_themes_add(t, "zs", tags + 1, 1), SM_OK);
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.threads = 1;
    o.region_level = 0;
    o.themes = t;
    sm_overview *ov = NULL;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_OK); /* warms the caches */
    sm_overview_free(ov);
    long base = st.live, failures = 0;
    for (long n = 1;; n++) {
        ov = NULL;
        st.fail_at = st.calls + n;
        st.failed = 0;
        sm_status s = sm_overview_new(&ov, e, &o);
        int failed = st.failed;
        st.fail_at = 0;
        if (!failed) {
            assert_int_equal(s, SM_OK);
            break;
        }
        failures++;
        if (s == SM_OK) { /* a failed shrink of a text */
            sm_overview_free(ov);
            assert_int_equal(st.live, base);
            continue;
        }
        assert_int_equal(s, SM_ERR_NOMEM);
        assert_null(ov);
        assert_int_equal(st.live, base);
    }
    assert_true(failures > 10);
    /* the writers that differ with a history */
    static const int outs[][2] = { { SM_OUTPUT_SVG, SM_PICTURE_UNTAPPED }, { SM_OUTPUT_REPORT, 0 } };
    for (size_t w = 0; w < 2; w++)
        for (long n = 1;; n++) {
            char *text = NULL;
            st.fail_at = st.calls + n;
            st.failed = 0;
            sm_status s = sm_overview_format(&text, NULL, ov, (sm_overview_output)outs[w][0], outs[w][1], NULL);
            int failed = st.failed;
            st.fail_at = 0;
            if (!failed) {
                assert_int_equal(s, SM_OK);
                sm_free(text);
                break;
            }
            assert_int_equal(s, SM_ERR_NOMEM);
            assert_null(text);
        }
    /* the focus map and the report with maps (sheet maps, shared outlines) */
    char path[512];
    const char *root = getenv("SM_SOURCE_ROOT");
    snprintf(path, sizeof path, "%s/data/nuts2021_60m.txt", root ? root : ".");
    sm_geometry *g = NULL;
    if (sm_geometry_load(&g, path) == SM_OK) {
        for (int w = 0; w < 2; w++)
            for (long n = 1;; n++) {
                char *text = NULL;
                st.fail_at = st.calls + n;
                st.failed = 0;
                sm_status s = w ? sm_overview_format(&text, NULL, ov, SM_OUTPUT_REPORT, 0, g)
                                : sm_overview_format_focus(&text, NULL, ov, "SI", g);
                int failed = st.failed;
                st.fail_at = 0;
                if (!failed) {
                    assert_int_equal(s, SM_OK);
                    sm_free(text);
                    break;
                }
                assert_int_equal(s, SM_ERR_NOMEM);
                assert_null(text);
            }
        sm_geometry_free(g);
    }
    sm_overview_free(ov);
    sm_themes_free(t);
    sm_engine_free(e);
}

/* Themes are made with the default allocator: fail it through the hook of
 * the allocation-sites build (tests/alloc/check_sites.py). */
#if defined(SM_ALLOC_SITES)
void sm__default_alloc_override(const sm_allocator *a);
#endif

static void allocation_failures_of_the_themes(void **state)
{
    (void)state;
#if !defined(SM_ALLOC_SITES)
    return; /* the other builds have no hook */
#else
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm__default_alloc_override(&a);
    static const char csv[] = "theme,tag\ngreen,solar\ngreen,wind\ndigital,erp\n";
    static const char json[] = "{\"food\": [\"cheese\", \"wine\"]}";
    char path[512];
    const char *root = getenv("SM_SOURCE_ROOT");
    snprintf(path, sizeof path, "%s/examples/data/cadses_themes.csv", root ? root : ".");
    for (int which = 0; which < 3; which++) {
        long failures = 0;
        for (long n = 1;; n++) {
            sm_themes *t = NULL;
            st.fail_at = st.calls + n;
            st.failed = 0;
            sm_status s = sm_themes_new(&t);
            if (s == SM_OK)
                s = which == 2 ? sm_themes_load(t, path, NULL)
                    : which    ? sm_themes_load_buffer(t, json, sizeof json - 1, "t.json", NULL)
                               : sm_themes_load_buffer(t, csv, sizeof csv - 1, "t.csv", NULL);
            int failed = st.failed;
            st.fail_at = 0;
            if (failed && s != SM_OK) { /* libcsv retries a failed growth with a smaller block */
                failures++;
                assert_int_equal(s, SM_ERR_NOMEM);
                assert_int_equal(sm_themes_count(t), 0); /* all or nothing */
            }
            sm_themes_free(t);
            assert_int_equal(st.live, 0);
            if (!failed)
                break;
        }
        assert_true(failures > 3);
    }
    sm__default_alloc_override(NULL);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(themes_are_added_normalised_and_deduplicated),
        cmocka_unit_test(themes_files_load_and_errors_name_the_line),
        cmocka_unit_test(history_and_themes_equal_direct_aggregation),
        cmocka_unit_test(focus_map_needs_a_region_and_geometry),
        cmocka_unit_test(allocation_failures_with_history_and_themes),
        cmocka_unit_test(allocation_failures_of_the_themes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
