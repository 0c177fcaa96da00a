/* overview/aggregate.c and the writers: every matrix index equals a direct
 * aggregation of the batch's results (kept in full here, as the library
 * must not), the best pairs equal a sort of each cell's pairs, errors,
 * an allocation-failure sweep, the geometry file and the projection. */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the oracle: all results, aggregated by brute force ---------------- */

typedef struct tlink {
    char a[32], b[32];
    double score;
} tlink;

typedef struct all_links {
    tlink *l;
    size_t n, cap;
} all_links;

static int keep(const sm_result *r, void *ud)
{
    all_links *x = ud;
    for (size_t i = 0; i < sm_result_count(r); i++) {
        if (x->n == x->cap) {
            x->cap = x->cap ? 2 * x->cap : 1024;
            x->l = realloc(x->l, x->cap * sizeof *x->l);
            assert_non_null(x->l);
        }
        tlink *l = &x->l[x->n++];
        snprintf(l->a, sizeof l->a, "%s", sm_result_query_id(r));
        snprintf(l->b, sizeof l->b, "%s", sm_result_id(r, i));
        l->score = sm_result_score(r, i);
    }
    return 0;
}

/* The label of an SME in a matrix axis, by the public API only. */
static void label_of(char *out, size_t cap, const sm_engine *e, const char *id, int matrix, int axis, int rlevel,
                     int slevel)
{
    sm_sme_desc *d = NULL;
    assert_int_equal(sm_sme_get(&d, e, id), SM_OK);
    int region = matrix == SM_OVERVIEW_REGIONS || (matrix == SM_OVERVIEW_THEMES && axis == 0);
    if (region) {
        size_t len = strlen(d->region);
        if (len > (size_t)rlevel + 2)
            len = (size_t)rlevel + 2;
        snprintf(out, cap, "%.*s", (int)len, d->region);
    } else {
        const sm_sector_info *s = NULL;
        assert_int_equal(sm_sector_get(&s, e, d->sectors[0]), SM_OK);
        int level = matrix == SM_OVERVIEW_THEMES ? 1 : slevel;
        while (s->level > level)
            assert_int_equal(sm_sector_get(&s, e, s->parent), SM_OK);
        snprintf(out, cap, "%s", s->code);
    }
    sm_sme_desc_free(d);
}

static long find_label(const sm_overview *ov, int m, int axis, const char *code)
{
    size_t n = axis ? sm_overview_cols(ov, m) : sm_overview_rows(ov, m);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(sm_overview_label_code(ov, m, axis, i), code))
            return (long)i;
    return -1;
}

typedef struct cellpair {
    const tlink *l;
} cellpair;

static int cmp_cellpair(const void *x, const void *y)
{
    const tlink *a = ((const cellpair *)x)->l, *b = ((const cellpair *)y)->l;
    if (a->score != b->score)
        return a->score < b->score ? 1 : -1;
    int c = strcmp(a->a, b->a);
    return c ? c : strcmp(a->b, b->b);
}

static void check_against_batch(sm_engine *e, size_t k, int rlevel, int slevel, size_t best, const char *preset)
{
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_preset(&w, preset), SM_OK);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = k;
    q.weighting = w;
    all_links all = { 0 };
    sm_batch_options bo = SM_BATCH_OPTIONS_INIT;
    bo.query = &q;
    bo.threads = 2;
    bo.on_result = keep;
    bo.result_userdata = &all;
    assert_int_equal(sm_batch_run(e, &bo), SM_OK);

    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.query = &q;
    o.threads = 2;
    o.region_level = rlevel;
    o.sector_level = slevel;
    o.best_per_cell = best;
    sm_overview *ov = NULL;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_OK);
    size_t n = sm_sme_count(e);
    assert_int_equal(sm_overview_sme_count(ov), n);

    for (int m = 0; m < 3; m++) {
        size_t rows = sm_overview_rows(ov, m), cols = sm_overview_cols(ov, m);
        /* labels: the sorted distinct labels of the SMEs, with their counts */
        size_t *rc = calloc(rows, sizeof *rc), *cc = calloc(cols, sizeof *cc),
               *both = calloc(rows * cols, sizeof *both);
        char lab[16], lab2[16];
        for (size_t s = 0; s < n; s++) {
            sm_sme_desc *d = NULL;
            assert_int_equal(sm_sme_at(&d, e, s), SM_OK);
            label_of(lab, sizeof lab, e, d->id, m, 0, rlevel, slevel);
            label_of(lab2, sizeof lab2, e, d->id, m, 1, rlevel, slevel);
            long i = find_label(ov, m, 0, lab), j = find_label(ov, m, 1, lab2);
            assert_true(i >= 0 && j >= 0);
            rc[i]++;
            cc[j]++;
            both[(size_t)i * cols + (size_t)j]++;
            sm_sme_desc_free(d);
        }
        for (size_t i = 0; i < rows; i++) {
            assert_int_equal(sm_overview_label_smes(ov, m, 0, i), rc[i]);
            assert_true(rc[i] > 0);
            if (i)
                assert_true(strcmp(sm_overview_label_code(ov, m, 0, i - 1), sm_overview_label_code(ov, m, 0, i)) < 0);
        }
        for (size_t j = 0; j < cols; j++)
            assert_int_equal(sm_overview_label_smes(ov, m, 1, j), cc[j]);
        /* cells from the full list of links */
        double *links = calloc(rows * cols, sizeof *links), *sum = calloc(rows * cols, sizeof *sum);
        double *row_links = calloc(rows, sizeof *row_links);
        cellpair **pairs = calloc(rows * cols, sizeof *pairs);
        size_t *np = calloc(rows * cols, sizeof *np);
        for (size_t t = 0; t < all.n; t++) {
            label_of(lab, sizeof lab, e, all.l[t].a, m, 0, rlevel, slevel);
            label_of(lab2, sizeof lab2, e, all.l[t].b, m, 1, rlevel, slevel);
            size_t c = (size_t)find_label(ov, m, 0, lab) * cols + (size_t)find_label(ov, m, 1, lab2);
            links[c]++;
            sum[c] += all.l[t].score;
            row_links[c / cols]++;
            pairs[c] = realloc(pairs[c], (np[c] + 1) * sizeof **pairs);
            pairs[c][np[c]++].l = &all.l[t];
        }
        double *vals = malloc((rows * cols + 1) * sizeof *vals);
        assert_int_equal(sm_overview_values(vals, rows * cols, ov, m, SM_OVERVIEW_LIFT), SM_OK);
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) {
                size_t c = i * cols + j;
                double p = (double)rc[i] * (double)cc[j] - (double)both[c];
                double expected = row_links[i] * p / ((double)rc[i] * (double)(n - 1));
                assert_float_equal(sm_overview_value(ov, m, i, j, SM_OVERVIEW_LINKS), links[c], 0);
                assert_float_equal(sm_overview_value(ov, m, i, j, SM_OVERVIEW_SCORE_SUM), sum[c], 1e-6);
                assert_float_equal(sm_overview_value(ov, m, i, j, SM_OVERVIEW_SCORE_MEAN),
                                   links[c] ? sum[c] / links[c] : 0, 1e-9);
                assert_float_equal(sm_overview_value(ov, m, i, j, SM_OVERVIEW_PAIRS), p, 0);
                assert_float_equal(sm_overview_value(ov, m, i, j, SM_OVERVIEW_DENSITY), p > 0 ? links[c] / p : 0,
                                   1e-12);
                assert_float_equal(sm_overview_value(ov, m, i, j, SM_OVERVIEW_EXPECTED), expected, 1e-9);
                double lift = expected > 0 ? links[c] / expected : 0;
                assert_float_equal(sm_overview_value(ov, m, i, j, SM_OVERVIEW_LIFT), lift, 1e-9);
                assert_float_equal(vals[c], lift, 1e-9);
                /* the best pairs: the first of a sort of the cell's pairs */
                if (np[c])
                    qsort(pairs[c], np[c], sizeof **pairs, cmp_cellpair);
                size_t want = np[c] < best ? np[c] : best;
                assert_int_equal(sm_overview_best_count(ov, m, i, j), want);
                for (size_t r = 0; r < want; r++) {
                    sm_overview_pair pr = { .version = SM_OVERVIEW_PAIR_VERSION };
                    assert_int_equal(sm_overview_best_at(&pr, ov, m, i, j, r), SM_OK);
                    assert_string_equal(pr.a, pairs[c][r].l->a);
                    assert_string_equal(pr.b, pairs[c][r].l->b);
                    assert_true(pr.score == pairs[c][r].l->score);
                    assert_non_null(pr.reasons);
                    assert_non_null(pr.a_name);
                }
                free(pairs[c]);
            }
        free(vals);
        free(rc);
        free(cc);
        free(both);
        free(links);
        free(sum);
        free(row_links);
        free(pairs);
        free(np);
    }
    sm_overview_free(ov);
    sm_weighting_free(w);
    free(all.l);
}

static void matrices_equal_direct_aggregation(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(150);
    check_against_batch(e, 5, 2, 1, 3, "balanced");
    check_against_batch(e, 7, 0, 2, 2, "cross_border");
    check_against_batch(e, 3, 3, 4, 1, "supply_chain");
    check_against_batch(e, 4, 1, 3, 0, "cohesion");
    sm_engine_free(e);
}

static void cross_border_filter_leaves_same_country_cells_empty(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(120);
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.cross_border = 1;
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.query = &q;
    o.region_level = 0;
    sm_overview *ov = NULL;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_OK);
    for (size_t i = 0; i < sm_overview_rows(ov, SM_OVERVIEW_REGIONS); i++)
        assert_float_equal(sm_overview_value(ov, SM_OVERVIEW_REGIONS, i, i, SM_OVERVIEW_LINKS), 0, 0);
    sm_overview_free(ov);
    sm_engine_free(e);
}

static void empty_engine_gives_empty_matrices(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    sm_overview *ov = NULL;
    assert_int_equal(sm_overview_new(&ov, e, NULL), SM_OK);
    assert_int_equal(sm_overview_rows(ov, SM_OVERVIEW_REGIONS), 0);
    for (int out = 0; out <= SM_OUTPUT_REPORT; out++) {
        char *text = NULL;
        int which = out == SM_OUTPUT_SVG ? SM_PICTURE_HEATMAP : 0;
        assert_int_equal(sm_overview_format(&text, NULL, ov, (sm_overview_output)out, which, NULL), SM_OK);
        sm_free(text);
    }
    sm_overview_free(ov);
    sm_engine_free(e);
}

static void errors_are_reported(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(30);
    sm_overview *ov = NULL;
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    assert_int_equal(sm_overview_new(NULL, e, &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_overview_new(&ov, NULL, &o), SM_ERR_INVALID_ARGUMENT);
    o.version = 99;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "version");
    o.version = SM_OVERVIEW_OPTIONS_VERSION;
    o.region_level = 4;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "region_level 4");
    o.region_level = 2;
    o.sector_level = 0;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "sector_level 0");
    o.sector_level = 1;
    o.best_per_cell = 101;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "best_per_cell");
    o.best_per_cell = 5;
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.min_score = -1;
    o.query = &q;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_ERR_INVALID_ARGUMENT);
    assert_null(ov);
    assert_int_equal(sm_overview_options_init(NULL, SM_OVERVIEW_OPTIONS_VERSION), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_overview_options_init(&o, 7), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_overview_options_init(&o, SM_OVERVIEW_OPTIONS_VERSION), SM_OK);

    assert_int_equal(sm_overview_new(&ov, e, NULL), SM_OK);
    /* accessors out of range */
    assert_true(isnan(sm_overview_value(ov, SM_OVERVIEW_REGIONS, 999, 0, SM_OVERVIEW_LINKS)));
    assert_true(isnan(sm_overview_value(ov, (sm_overview_matrix)9, 0, 0, SM_OVERVIEW_LINKS)));
    assert_true(isnan(sm_overview_value(ov, SM_OVERVIEW_REGIONS, 0, 0, (sm_overview_index)99)));
    assert_null(sm_overview_label_code(ov, SM_OVERVIEW_REGIONS, 2, 0));
    assert_null(sm_overview_label_name(ov, SM_OVERVIEW_REGIONS, 0, 999));
    assert_int_equal(sm_overview_label_smes(NULL, SM_OVERVIEW_REGIONS, 0, 0), 0);
    assert_int_equal(sm_overview_rows(NULL, SM_OVERVIEW_REGIONS), 0);
    assert_int_equal(sm_overview_region_level(NULL), -1);
    assert_int_equal(sm_overview_has_index(ov, (sm_overview_index)SM_OVERVIEW_INDEX_COUNT), 0);
    assert_null(sm_overview_index_name((sm_overview_index)SM_OVERVIEW_INDEX_COUNT));
    assert_string_equal(sm_overview_index_name(SM_OVERVIEW_LIFT), "lift");
    double v[1];
    assert_int_equal(sm_overview_values(v, 1, ov, SM_OVERVIEW_REGIONS, SM_OVERVIEW_LINKS), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "needed");
    sm_overview_pair p = { 0 };
    assert_int_equal(sm_overview_best_at(&p, ov, SM_OVERVIEW_REGIONS, 0, 0, 0), SM_ERR_INVALID_ARGUMENT);
    p.version = SM_OVERVIEW_PAIR_VERSION;
    assert_int_equal(sm_overview_best_at(&p, ov, SM_OVERVIEW_REGIONS, 0, 0, 99), SM_ERR_NOT_FOUND);
    /* writers */
    char *text = NULL;
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_SVG, SM_PICTURE_FLOWS, NULL), SM_ERR_UNSUPPORTED);
    tu_assert_error(SM_ERR_UNSUPPORTED, "geometry");
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_SVG, 77, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_overview_format(&text, NULL, ov, SM_OUTPUT_MATRIX_CSV, 3, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_overview_format(&text, NULL, ov, (sm_overview_output)42, 0, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_overview_format(NULL, NULL, ov, SM_OUTPUT_JSON, 0, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_null(text);
    assert_int_equal(sm_overview_write("/nonexistent-dir/x.csv", ov, SM_OUTPUT_JSON, 0, NULL), SM_ERR_IO);
    tu_assert_error(SM_ERR_IO, "/nonexistent-dir/x.csv");
    assert_int_equal(sm_overview_write(NULL, ov, SM_OUTPUT_JSON, 0, NULL), SM_ERR_INVALID_ARGUMENT);
    sm_overview_free(ov);
    sm_overview_free(NULL);
    sm_engine_free(e);
}

static void writers_write_atomically_and_deterministically(void **state)
{
    (void)state;
    sm_engine *e = tu_random_engine(80);
    sm_overview *ov1 = NULL, *ov2 = NULL;
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.threads = 1;
    assert_int_equal(sm_overview_new(&ov1, e, &o), SM_OK);
    o.threads = 2;
    assert_int_equal(sm_overview_new(&ov2, e, &o), SM_OK);
    for (int out = 0; out <= SM_OUTPUT_REPORT; out++)
        for (int which = 0; which < (out == SM_OUTPUT_SVG ? 5 : out == SM_OUTPUT_MATRIX_CSV ? 3 : 1); which++) {
            if (out == SM_OUTPUT_SVG && (which == SM_PICTURE_CHOROPLETH || which == SM_PICTURE_FLOWS))
                continue;
            char *t1 = NULL, *t2 = NULL;
            size_t l1 = 0, l2 = 0;
            assert_int_equal(sm_overview_format(&t1, &l1, ov1, (sm_overview_output)out, which, NULL), SM_OK);
            assert_int_equal(sm_overview_format(&t2, &l2, ov2, (sm_overview_output)out, which, NULL), SM_OK);
            assert_int_equal(l1, strlen(t1));
            assert_int_equal(l1, l2);
            assert_memory_equal(t1, t2, l1); /* threads and result order do not show */
            sm_free(t1);
            sm_free(t2);
        }
    char path[] = "/tmp/sm_overview_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(sm_overview_write(path, ov1, SM_OUTPUT_POTENTIAL_CSV, 0, NULL), SM_OK);
    FILE *f = fopen(path, "r");
    char head[256] = "";
    assert_non_null(fgets(head, sizeof head, f));
    fclose(f);
    assert_string_equal(head,
                        "region_a,region_b,a,b,score,reasons,rank,a_name,a_region,a_sector,b_name,b_region,b_sector\n");
    remove(path);
    sm_overview_free(ov1);
    sm_overview_free(ov2);
    sm_engine_free(e);
}

/* ---- allocation failures ---------------------------------------------------- */

static void allocation_failures_in_the_aggregation(void **state)
{
    (void)state;
    tu_alloc_state st = { 0 };
    sm_allocator a = tu_allocator(&st);
    sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
    eo.allocator = &a;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
    char id[16];
    static const char *const regions[] = { "SI041", "AT130", "HR031", "ITH41" };
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof id, "S%02d", i);
        assert_int_equal(tu_put(e, id, regions[i % 4], i % 3 ? "25.11;28.41" : "62.01", i % 2 ? "x;y" : "z",
                                i % 2 ? "z" : "x", SM_COOP_SUPPLY, "en", SM_SIZE_SMALL),
                         SM_OK);
    }
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.threads = 1; /* the same allocations in the same order every time */
    /* warm the scoring caches so the sweep covers the overview's own allocations first */
    sm_overview *ov = NULL;
    assert_int_equal(sm_overview_new(&ov, e, &o), SM_OK);
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
        if (s == SM_OK) {
            /* a failed shrink of a text is tolerated: the text keeps its larger block */
            sm_overview_free(ov);
            assert_int_equal(st.live, base);
            continue;
        }
        assert_int_equal(s, SM_ERR_NOMEM);
        assert_null(ov);
        assert_int_equal(st.live, base);
    }
    assert_true(failures > 20);
    /* every writer, failing each allocation in turn */
    long wfail = 0;
    for (int out = 0; out <= SM_OUTPUT_REPORT; out++)
        for (long n = 1;; n++) {
            char *text = NULL;
            st.fail_at = st.calls + n;
            st.failed = 0;
            sm_status s = sm_overview_format(&text, NULL, ov, (sm_overview_output)out,
                                             out == SM_OUTPUT_SVG ? SM_PICTURE_CHORD : 0, NULL);
            int failed = st.failed;
            st.fail_at = 0;
            if (!failed) {
                assert_int_equal(s, SM_OK);
                sm_free(text);
                break;
            }
            wfail++;
            assert_int_equal(s, SM_ERR_NOMEM);
            assert_null(text);
        }
    print_message("# overview: %ld + %ld allocation points checked\n", failures, wfail);
    sm_overview_free(ov);
    assert_int_equal(st.live, base);
    /* the engine is unchanged and usable */
    assert_int_equal(sm_sme_count(e), 40);
    sm_engine_free(e);
    assert_int_equal(st.live, 0);
}

/* ---- geometry ------------------------------------------------------------------ */

static void laea_matches_the_iogp_example(void **state)
{
    (void)state;
    /* IOGP Guidance Note 7-2, ETRS89-LAEA example: 50 N, 5 E */
    double x, y;
    sm_laea_project(&x, &y, 50.0, 5.0);
    assert_float_equal(x, 3962799.45, 0.01);
    assert_float_equal(y, 2999718.85, 0.01);
    sm_laea_project(&x, &y, 52.0, 10.0);
    assert_float_equal(x, 4321000.0, 1e-6);
    assert_float_equal(y, 3210000.0, 1e-6);
}

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/sm_geo_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (long)strlen(text));
    close(fd);
    return path;
}

static void geometry_file_loads_and_draws(void **state)
{
    (void)state;
    const char *text = "# comment\n"
                       "SI 0 13400,45500 16600,45500 16600,46900 13400,46900\r\n"
                       "SI0 1 13400,45500 16600,45500 16600,46900 13400,46900\n"
                       "SI03 2 14500,45500 16600,45500 16600,46900;15000,46000 15100,46000 15100,46100\n"
                       "SI04 2 13400,45500 14500,45500 14500,46900 13400,46900\n"
                       "AT 0 9500,46400 17100,46400 17100,49000 9500,49000\n";
    char *path = write_temp(text);
    sm_geometry *g = NULL;
    assert_int_equal(sm_geometry_load(&g, path), SM_OK);
    remove(path);
    assert_int_equal(sm_geometry_count(g), 5);
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    for (int i = 0; i < 12; i++) {
        char id[8];
        snprintf(id, sizeof id, "G%d", i);
        assert_int_equal(tu_put(e, id, i % 3 == 0 ? "SI041" : i % 3 == 1 ? "SI032" : "AT130", "25.11", "a", "a", 0, "",
                                SM_SIZE_SMALL),
                         SM_OK);
    }
    sm_overview *ov = NULL;
    assert_int_equal(sm_overview_new(&ov, e, NULL), SM_OK);
    for (int pic = SM_PICTURE_CHOROPLETH; pic <= SM_PICTURE_FLOWS; pic++) {
        char *svg = NULL;
        assert_int_equal(sm_overview_format(&svg, NULL, ov, SM_OUTPUT_SVG, pic, g), SM_OK);
        assert_non_null(strstr(svg, "EuroGeographics"));
        assert_non_null(strstr(svg, "<path"));
        sm_free(svg);
    }
    char *html = NULL;
    assert_int_equal(sm_overview_format(&html, NULL, ov, SM_OUTPUT_REPORT, 0, g), SM_OK);
    assert_non_null(strstr(html, "Outgoing interregional potential"));
    assert_null(strstr(html, "<script"));
    sm_free(html);
    assert_int_equal(sm_overview_format(&html, NULL, ov, SM_OUTPUT_REPORT, 0, NULL), SM_OK);
    assert_non_null(strstr(html, "no geometry file"));
    sm_free(html);
    sm_overview_free(ov);
    sm_engine_free(e);
    sm_geometry_free(g);
    sm_geometry_free(NULL);
}

static void geometry_errors_name_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        { "SI 0 1,2 3,4\n", ":1: geometry: a ring needs at least 3 points" },
        { "# c\nSI x 1,2 3,4 5,6\n", ":2: geometry: the level must be 0 to 3" },
        { "SI\n", ":1: geometry: expected" },
        { "SI 0 1,2 3;4 5,6\n", ":1: geometry: a point" },
        { "SI 0 1,2 3,4 999999,6\n", ":1: geometry: a point" },
        { "SI 0 \n", ":1: geometry: a region needs at least one ring" },
        { "SI 0 1,2 3,4 5,6\nSI 0 1,2 3,4 5,6\n", "appears twice" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *path = write_temp(bad[i].text);
        sm_geometry *g = NULL;
        assert_int_equal(sm_geometry_load(&g, path), SM_ERR_PARSE);
        tu_assert_error(SM_ERR_PARSE, bad[i].msg);
        assert_null(g);
        remove(path);
    }
    sm_geometry *g = NULL;
    assert_int_equal(sm_geometry_load(&g, "/nonexistent/geo.txt"), SM_ERR_IO);
    assert_int_equal(sm_geometry_load(NULL, "x"), SM_ERR_INVALID_ARGUMENT);
}

static void installed_geometry_file_loads(void **state)
{
    (void)state;
    const char *root = getenv("SM_SOURCE_ROOT");
    if (!root)
        skip();
    char path[1024];
    snprintf(path, sizeof path, "%s/data/nuts2021_60m.txt", root);
    sm_geometry *g = NULL;
    assert_int_equal(sm_geometry_load(&g, path), SM_OK);
    assert_int_equal(sm_geometry_count(g), 2010); /* every GISCO feature, levels 0-3 */
    sm_geometry_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matrices_equal_direct_aggregation),
        cmocka_unit_test(cross_border_filter_leaves_same_country_cells_empty),
        cmocka_unit_test(empty_engine_gives_empty_matrices),
        cmocka_unit_test(errors_are_reported),
        cmocka_unit_test(writers_write_atomically_and_deterministically),
        cmocka_unit_test(allocation_failures_in_the_aggregation),
        cmocka_unit_test(laea_matches_the_iogp_example),
        cmocka_unit_test(geometry_file_loads_and_draws),
        cmocka_unit_test(geometry_errors_name_the_line),
        cmocka_unit_test(installed_geometry_file_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
