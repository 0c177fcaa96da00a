/* libFuzzer target: sm_result_format. The input builds an engine of up to 40
 * SMEs (ids with quotes, commas, backslashes, UTF-8) and queries some of
 * them; the results are written as CSV and as JSON and read back: the JSON
 * with jansson, the CSV with libcsv. Every query id, partner id, rank and
 * score must come back exactly (numbers are written to read back as the
 * same double), with one CSV row per match after the header. */
#include "fuzz_gen.h"

#include <csv.h>
#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rows {
    size_t row, col;
    char cell[4][128];
    const sm_result *const *res;
    size_t n_res, r, i; /* the match the current row should be */
} rows;

static void on_field(void *s, size_t len, void *ud)
{
    rows *t = ud;
    if (t->col < 4) {
        size_t k = len < 127 ? len : 127;
        memcpy(t->cell[t->col], s, k);
        t->cell[t->col][k] = '\0';
    }
    t->col++;
}

static void on_row(int c, void *ud)
{
    (void)c;
    rows *t = ud;
    if (t->row++ > 0) {
        while (t->r < t->n_res && t->i >= sm_result_count(t->res[t->r]))
            t->r++, t->i = 0;
        fz_fail(t->r < t->n_res, "no more CSV rows than matches");
        const sm_result *res = t->res[t->r];
        fz_fail(strcmp(t->cell[0], sm_result_query_id(res)) == 0, "CSV query id");
        fz_fail(strtoul(t->cell[1], NULL, 10) == t->i + 1, "CSV rank");
        fz_fail(strcmp(t->cell[2], sm_result_id(res, t->i)) == 0, "CSV partner id");
        fz_fail(strtod(t->cell[3], NULL) == sm_result_score(res, t->i), "CSV score reads back exactly");
        t->i++;
    }
    t->col = 0;
}

static void check_json(const char *s, size_t len, const sm_result *const *res, size_t n)
{
    json_error_t err;
    json_t *root = json_loadb(s, len, 0, &err);
    fz_fail(root && json_is_array(root) && json_array_size(root) == n, "JSON is an array of the results");
    for (size_t r = 0; r < n; r++) {
        json_t *o = json_array_get(root, r);
        fz_fail(strcmp(json_string_value(json_object_get(o, "query_id")), sm_result_query_id(res[r])) == 0,
                "JSON query id");
        json_t *m = json_object_get(o, "matches");
        fz_fail(json_array_size(m) == sm_result_count(res[r]), "JSON match count");
        for (size_t i = 0; i < json_array_size(m); i++) {
            json_t *x = json_array_get(m, i);
            fz_fail(strcmp(json_string_value(json_object_get(x, "id")), sm_result_id(res[r], i)) == 0, "JSON id");
            fz_fail(json_integer_value(json_object_get(x, "rank")) == (json_int_t)(i + 1), "JSON rank");
            fz_fail(json_number_value(json_object_get(x, "score")) == sm_result_score(res[r], i),
                    "JSON score reads back exactly");
        }
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f = { data, size };
    size_t n = fz_build(&f, 39);
    sm_weighting *w = NULL;
    fz_fail(sm_weighting_parse(&w, fz_weightings[fz_byte(&f) % 6]) == SM_OK, "weighting");
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    o.k = fz_byte(&f) % 8;
    sm_result *res[8];
    size_t nr = 0;
    for (size_t i = 0; i < n && nr < 8; i += 1 + fz_byte(&f) % 5)
        fz_fail(sm_query_top(&res[nr++], fz_engine, fz_ids[i], &o) == SM_OK, "query");
    const sm_result *const *cres = (const sm_result *const *)res;
    char *s = NULL;
    size_t len = 0;
    fz_fail(sm_result_format(&s, &len, cres, nr, SM_FORMAT_JSON) == SM_OK, "format JSON");
    fz_fail(strlen(s) == len, "JSON length");
    check_json(s, len, cres, nr);
    sm_free(s);
    fz_fail(sm_result_format(&s, &len, cres, nr, SM_FORMAT_CSV) == SM_OK, "format CSV");
    struct csv_parser p;
    fz_fail(csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) == 0, "csv_init");
    rows t = { 0 };
    t.res = cres;
    t.n_res = nr;
    fz_fail(csv_parse(&p, s, len, on_field, on_row, &t) == len, "CSV parses");
    csv_fini(&p, on_field, on_row, &t);
    csv_free(&p);
    size_t total = 0;
    for (size_t r = 0; r < nr; r++)
        total += sm_result_count(res[r]);
    fz_fail(t.row == total + 1, "one CSV row per match after the header");
    sm_free(s);
    for (size_t r = 0; r < nr; r++)
        sm_result_free(res[r]);
    sm_weighting_free(w);
    return 0;
}
