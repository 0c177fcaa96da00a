/* load.c: options, format detection, files, reports, allocation failures,
 * locale independence, and the sample data loaded from CSV and JSON alike. */
#include "test_util.h"
#include "io_helpers.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <unistd.h>

#include "sm_config.h"

static void options_and_arguments(void **state)
{
    (void)state;
    sm_load_options o;
    memset(&o, 0xff, sizeof o);
    assert_int_equal(sm_load_options_init(&o, SM_LOAD_OPTIONS_VERSION), SM_OK);
    assert_int_equal(o.version, SM_LOAD_OPTIONS_VERSION);
    assert_int_equal(o.format, SM_FORMAT_AUTO);
    assert_int_equal(o.kind, SM_DATA_AUTO);
    assert_int_equal(o.lenient, 0);
    assert_int_equal(o.dry_run, 0);
    assert_null(o.on_problem);
    assert_int_equal(sm_load_options_init(NULL, SM_LOAD_OPTIONS_VERSION), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_load_options_init(&o, 99), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_format_supported(SM_FORMAT_CSV), SM_HAVE_LIBCSV);
    assert_int_equal(sm_format_supported(SM_FORMAT_JSON), SM_HAVE_JANSSON);
    assert_int_equal(sm_format_supported(SM_FORMAT_AUTO), 0);
    assert_int_equal(sm_format_supported((sm_format)7), 0);

    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(sm_load_buffer(NULL, "", 0, NULL, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_load_buffer(e, NULL, 3, NULL, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_load_file(e, NULL, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_load_file(NULL, "x.csv", NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    sm_load_options bad = SM_LOAD_OPTIONS_INIT;
    bad.version = 3;
    assert_int_equal(sm_load_buffer(e, "", 0, NULL, &bad, NULL), SM_ERR_INVALID_ARGUMENT);
    bad.version = SM_LOAD_OPTIONS_VERSION;
    bad.format = (sm_format)3;
    assert_int_equal(sm_load_buffer(e, "", 0, NULL, &bad, NULL), SM_ERR_INVALID_ARGUMENT);
    bad.format = SM_FORMAT_AUTO;
    bad.kind = (sm_data_kind)5;
    assert_int_equal(sm_load_buffer(e, "", 0, NULL, &bad, NULL), SM_ERR_INVALID_ARGUMENT);
    /* NULL data of size 0 is an empty buffer, named "<buffer>" */
    assert_int_equal(sm_load_buffer(e, NULL, 0, NULL, NULL, NULL), SM_HAVE_LIBCSV ? SM_ERR_PARSE : SM_ERR_UNSUPPORTED);
    if (SM_HAVE_LIBCSV)
        io_assert_message("<buffer>: empty file");
    /* a format not built in says so, whatever the input */
    if (!SM_HAVE_LIBCSV) {
        assert_int_equal(sm_load_buffer(e, "id\n", 3, "u.csv", NULL, NULL), SM_ERR_UNSUPPORTED);
        tu_assert_error(SM_ERR_UNSUPPORTED, "u.csv: this build of smartmatch cannot read CSV (libcsv was not found");
        assert_int_equal(sm_load_file(e, "missing.csv", NULL, NULL), SM_ERR_UNSUPPORTED);
    }
    if (!SM_HAVE_JANSSON) {
        assert_int_equal(sm_load_buffer(e, "[]", 2, "u.json", NULL, NULL), SM_ERR_UNSUPPORTED);
        tu_assert_error(SM_ERR_UNSUPPORTED, "u.json: this build of smartmatch cannot read JSON (jansson");
    }
    sm_engine_free(e);
}

static void buffers_are_sniffed(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV || !SM_HAVE_JANSSON)
        io_skip("needs CSV and JSON support");
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *json = "\xEF\xBB\xBF\r\n  [{\"id\": \"J\", \"region\": \"SI041\", \"sectors\": [\"C25\"]}]";
    const char *csv = "id,region,sectors\nC,SI041,C25\n";
    assert_int_equal(io_load(e, json, NULL, 0, 0, NULL, NULL), SM_OK);
    assert_int_equal(io_load(e, csv, NULL, 0, 0, NULL, NULL), SM_OK);
    assert_int_equal(sm_sme_count(e), 2);
    /* a format given explicitly is not second-guessed */
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.format = SM_FORMAT_CSV;
    assert_int_equal(sm_load_buffer(e, json, strlen(json), "j", &o, NULL), SM_ERR_PARSE);
    o.format = SM_FORMAT_JSON;
    assert_int_equal(sm_load_buffer(e, csv, strlen(csv), "c", &o, NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "c:1: JSON syntax error");
    sm_engine_free(e);
}

static char tmpdir[256];

static const char *write_tmp(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    return path;
}

static void files_by_extension_or_content(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV || !SM_HAVE_JANSSON)
        io_skip("needs CSV and JSON support");
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    sm_load_report rep;
    const char *p = write_tmp("a.CSV", "id,region,sectors\nA,SI041,C25\n");
    assert_int_equal(sm_load_file(e, p, NULL, &rep), SM_OK);
    assert_int_equal(rep.loaded, 1);
    p = write_tmp("b.json", "{\"smes\": [{\"id\": \"B\", \"region\": \"SI041\", \"sectors\": [\"C25\"]}]}");
    assert_int_equal(sm_load_file(e, p, NULL, &rep), SM_OK);
    p = write_tmp("c.txt", "  {\"smes\": [{\"id\": \"C\", \"region\": \"SI041\", \"sectors\": [\"C25\"]}]}");
    assert_int_equal(sm_load_file(e, p, NULL, &rep), SM_OK);
    p = write_tmp("d", "\xEF\xBB\xBFid,region,sectors\nD,SI041,C25\n");
    assert_int_equal(sm_load_file(e, p, NULL, &rep), SM_OK);
    assert_int_equal(sm_sme_count(e), 4);
    /* messages name the path as given */
    p = write_tmp("bad.csv", "id,region,sectors\nE,SI041,C25\nF,SI9,C25\n");
    assert_int_equal(sm_load_file(e, p, NULL, &rep), SM_ERR_UNKNOWN_CODE);
    char want[600];
    snprintf(want, sizeof want, "%s:3: region: unknown NUTS code \"SI9\"", p);
    io_assert_message(want);
    assert_string_equal(sm_error_last()->file, p);
    /* .json that is not JSON: the extension decides */
    p = write_tmp("e.json", "id,region,sectors\n");
    assert_int_equal(sm_load_file(e, p, NULL, &rep), SM_ERR_PARSE);
    p = write_tmp("empty.json", "");
    assert_int_equal(sm_load_file(e, p, NULL, &rep), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "empty.json: empty file");
    /* files that cannot be read */
    snprintf(want, sizeof want, "%s/missing.csv", tmpdir);
    io_problems pr;
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    memset(&pr, 0, sizeof pr);
    o.on_problem = io_collect;
    o.userdata = &pr;
    assert_int_equal(sm_load_file(e, want, &o, &rep), SM_ERR_IO);
    tu_assert_error(SM_ERR_IO, "missing.csv: cannot open: ");
    assert_int_equal(pr.n, 1);
    assert_int_equal(sm_load_file(e, tmpdir, NULL, &rep), SM_ERR_IO); /* a directory */
    snprintf(want, sizeof want, "%s: cannot read: %s", tmpdir, strerror(EISDIR));
    io_assert_message(want);
    assert_int_equal(sm_sme_count(e), 4);
    sm_engine_free(e);
}

static void large_file_streams_across_chunks(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    /* rows and a multi-line quoted field cross the reader's 64 KiB chunks;
     * CRLF pairs split between chunks count once */
    char path[512];
    snprintf(path, sizeof path, "%s/big.csv", tmpdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("id,name,region,sectors\r\n", f);
    int n = 6000;
    for (int i = 0; i < n; i++) {
        if (i == 3000)
            fprintf(f, "Q%d,\"multi\r\nline\r\nname\",SI041,C25\r\n", i);
        else
            fprintf(f, "Q%d,company number %d with a longish name,SI041,C25\r\n", i, i);
    }
    fputs("BAD,x,SI9,C25\r\n", f);
    fclose(f);
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    sm_load_report rep;
    assert_int_equal(sm_load_file(e, path, NULL, &rep), SM_ERR_UNKNOWN_CODE);
    assert_int_equal(sm_error_last()->line, (unsigned long)n + 2 + 2);
    assert_int_equal(rep.rows, (size_t)n + 1);
    assert_int_equal(sm_sme_count(e), 0);
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.lenient = 1;
    assert_int_equal(sm_load_file(e, path, &o, &rep), SM_OK);
    assert_int_equal(sm_sme_count(e), (size_t)n);
    sm_sme_desc *d;
    assert_int_equal(sm_sme_get(&d, e, "Q3000"), SM_OK);
    assert_string_equal(d->name, "multi\r\nline\r\nname");
    sm_sme_desc_free(d);
    sm_engine_free(e);
}

static void report_is_filled_on_failure(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    sm_load_report rep = { 99, 99, 99 };
    assert_int_equal(io_load(e, "id,region,sectors\nA,SI041,C25\nB,SI9,C25\n", "r.csv", 0, 0, NULL, &rep),
                     SM_ERR_UNKNOWN_CODE);
    assert_int_equal(rep.rows, 2);
    assert_int_equal(rep.loaded, 0);
    assert_int_equal(rep.skipped, 1);
    sm_engine_free(e);
}

/* Every allocation of a load may fail, strict or lenient: the load then
 * reports NOMEM, leaks nothing, and the engine holds what it held before. */
static void allocation_failures_change_nothing(void **state)
{
    (void)state;
    const char *inputs[] = {
        "id,name,region,sectors,offers,needs,languages,cooperation\n"
        "A,Alpha,SI041,C25;28,steel;welding,laser,sl;de,supply\n"
        "B,\"Beta\nGmbH\",AT130,C28,laser,steel,de,subcontracting\n",
        "code,name,lat,lon,development,languages\nXX,Testland,45,15,80,xx;en\nXX1,North,46,15,,\n",
        "region,development\nSI041,120\nAT130,90\n",
        "sector_a,sector_b,affinity\n25,28,0.125\nF,71,0.5\n",
        "{\"regions\": [{\"code\": \"XX\", \"name\": \"X\", \"lat\": 1, \"lon\": 2}],"
        " \"smes\": [{\"id\": \"J\", \"region\": \"XX\", \"sectors\": [\"C25\"], \"offers\": [\"a\", \"b\"]}]}",
    };
    for (int lenient = 0; lenient <= 1; lenient++)
        for (size_t in = 0; in < sizeof inputs / sizeof *inputs; in++) {
            if (inputs[in][0] == '{' ? !SM_HAVE_JANSSON : !SM_HAVE_LIBCSV)
                continue;
            tu_alloc_state s = { 0, 0, 0, 0 };
            sm_engine *e = tu_engine_counted(&s);
            size_t regions = sm_region_count(e);
            double aff_before, aff;
            assert_int_equal(sm_affinity_get(&aff_before, e, "25", "28"), SM_OK);
            sm_status st = SM_ERR_NOMEM;
            long k;
            for (k = 1; st == SM_ERR_NOMEM && k < 10000; k++) {
                s.fail_at = s.calls + k;
                s.failed = 0;
                st = io_load(e, inputs[in], "f", lenient, 0, NULL, NULL);
                if (st == SM_ERR_NOMEM) {
                    assert_true(s.failed);
                    tu_assert_error(SM_ERR_NOMEM, NULL);
                    assert_int_equal(sm_sme_count(e), 0);
                    assert_int_equal(sm_region_count(e), regions);
                    assert_true(isnan(sm_region_development(e, "SI041")));
                    assert_int_equal(sm_affinity_get(&aff, e, "25", "28"), SM_OK);
                    assert_true(aff == aff_before);
                }
            }
            assert_int_equal(st, SM_OK);
            assert_true(k > 2);
            s.fail_at = 0;
            assert_int_equal(sm_affinity_get(&aff, e, "25", "28"), SM_OK);
            assert_true(sm_sme_count(e) > 0 || sm_region_count(e) > regions ||
                        sm_region_development(e, "SI041") == 120 || aff == 0.125);
            sm_engine_free(e);
            assert_int_equal(s.live, 0);
        }
}

static void numbers_ignore_the_program_locale(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "sl_SI.UTF-8" };
    const char *set = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !set; i++)
        set = setlocale(LC_NUMERIC, names[i]);
    if (!set)
        io_skip("no locale with a decimal comma is installed");
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(io_load(e, "code,name,lat,lon\nXX,X,45.5,15.25\n", "l.csv", 0, 0, NULL, NULL), SM_OK);
    const sm_region_info *r;
    assert_int_equal(sm_region_get(&r, e, "XX"), SM_OK);
    assert_true(r->lat == 45.5 && r->lon == 15.25);
    assert_int_equal(io_load(e, "code,name,lat,lon\nXY,X,\"45,5\",15\n", "l.csv", 0, 0, NULL, NULL), SM_ERR_PARSE);
    setlocale(LC_NUMERIC, "C");
    sm_engine_free(e);
}

static void strict_number_parsing(void **state)
{
    (void)state;
    /* through the loader: the same rules for every number field */
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *good[] = { "1", "-1", "+1.5", ".5", "5.", "1e1", "1E-1", " 2 " };
    const char *bad[] = { "", "-", "e5", "0x1p3", "inf", "nan", "1,5", "1.5.5", "--1", "1e", "١" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char t[128];
        snprintf(t, sizeof t, "code,name,lat,lon\nXX,X,%s,0\n", good[i]);
        assert_int_equal(io_load(e, t, "n.csv", 0, 1, NULL, NULL), SM_OK);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char t[128];
        snprintf(t, sizeof t, "code,name,lat,lon\nXX,X,\"%s\",0\n", bad[i]);
        assert_int_equal(io_load(e, t, "n.csv", 0, 1, NULL, NULL), SM_ERR_PARSE);
    }
    sm_engine_free(e);
}

/* A problem callback may itself load (the loader keeps no global state). */
static int nested_cb(const sm_error *err, void *ud)
{
    (void)err;
    sm_engine *e = ud;
    const char *t = "id,region,sectors\nN,SI041,C25\n";
    return sm_load_buffer(e, t, strlen(t), "inner.csv", NULL, NULL) != SM_OK;
}

static void callback_may_load_again(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.lenient = 1;
    o.on_problem = nested_cb;
    o.userdata = e;
    const char *t = "id,region,sectors\nA,SI9,C25\nB,SI041,C25\n";
    assert_int_equal(sm_load_buffer(e, t, strlen(t), "outer.csv", &o, NULL), SM_OK);
    assert_int_equal(sm_sme_count(e), 2);
    sm_engine_free(e);
}

static char *sample_path(const char *name)
{
    const char *root = getenv("SM_SOURCE_ROOT");
    static char path[2][1024];
    static int slot;
    char *p = path[slot++ % 2];
    snprintf(p, 1024, "%s/examples/data/%s", root ? root : ".", name);
    return access(p, R_OK) == 0 ? p : NULL;
}

static void same_desc(const sm_sme_desc *a, const sm_sme_desc *b)
{
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->name ? a->name : "", b->name ? b->name : "");
    assert_string_equal(a->region, b->region);
    assert_int_equal(a->n_sectors, b->n_sectors);
    for (size_t i = 0; i < a->n_sectors; i++)
        assert_string_equal(a->sectors[i], b->sectors[i]);
    assert_int_equal(a->size, b->size);
    assert_int_equal(a->employees, b->employees);
    assert_int_equal(a->founded, b->founded);
    assert_int_equal(a->n_offers, b->n_offers);
    for (size_t i = 0; i < a->n_offers; i++)
        assert_string_equal(a->offers[i], b->offers[i]);
    assert_int_equal(a->n_needs, b->n_needs);
    for (size_t i = 0; i < a->n_needs; i++)
        assert_string_equal(a->needs[i], b->needs[i]);
    assert_int_equal(a->cooperation, b->cooperation);
    assert_int_equal(a->n_languages, b->n_languages);
    for (size_t i = 0; i < a->n_languages; i++)
        assert_string_equal(a->languages[i], b->languages[i]);
}

static void sample_csv_and_json_give_the_same_engine(void **state)
{
    (void)state;
    const char *csv = sample_path("cadses_smes.csv"), *json = sample_path("cadses_smes.json");
    if (!csv || !json || !SM_HAVE_LIBCSV || !SM_HAVE_JANSSON)
        io_skip("needs examples/data/cadses_smes.csv and .json, CSV and JSON support");
    sm_engine *a = tu_engine(SM_TAXONOMY_ALL), *b = tu_engine(SM_TAXONOMY_ALL);
    sm_load_report ra, rb;
    if (sm_load_file(a, csv, NULL, &ra) != SM_OK)
        fail_msg("%s", sm_error_last()->message);
    if (sm_load_file(b, json, NULL, &rb) != SM_OK)
        fail_msg("%s", sm_error_last()->message);
    assert_true(ra.loaded > 0);
    assert_int_equal(ra.loaded, rb.loaded);
    assert_int_equal(sm_sme_count(a), sm_sme_count(b));
    for (size_t i = 0; i < sm_sme_count(a); i++) {
        sm_sme_desc *x, *y;
        assert_int_equal(sm_sme_at(&x, a, i), SM_OK);
        assert_int_equal(sm_sme_get(&y, b, x->id), SM_OK);
        same_desc(x, y);
        sm_sme_desc_free(x);
        sm_sme_desc_free(y);
    }
    const char *dev = sample_path("cadses_development.csv");
    if (dev) {
        sm_load_report rd;
        if (sm_load_file(a, dev, NULL, &rd) != SM_OK)
            fail_msg("%s", sm_error_last()->message);
        assert_true(rd.loaded > 0);
    }
    sm_engine_free(a);
    sm_engine_free(b);
}

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/sm_test_load_XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = { "a.CSV", "b.json", "c.txt", "d", "bad.csv", "e.json", "empty.json", "big.csv" };
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        unlink(p);
    }
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_and_arguments),
        cmocka_unit_test(buffers_are_sniffed),
        cmocka_unit_test(files_by_extension_or_content),
        cmocka_unit_test(large_file_streams_across_chunks),
        cmocka_unit_test(report_is_filled_on_failure),
        cmocka_unit_test(allocation_failures_change_nothing),
        cmocka_unit_test(numbers_ignore_the_program_locale),
        cmocka_unit_test(strict_number_parsing),
        cmocka_unit_test(callback_may_load_again),
        cmocka_unit_test(sample_csv_and_json_give_the_same_engine),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
