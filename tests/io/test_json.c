/* io_json.c and the record checks of load.c, through JSON input: document
 * shapes, record lines, syntax and encoding errors, value types, several
 * kinds in one document. */
#include "test_util.h"
#include "io_helpers.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

static void json_loads_object_with_smes(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *text = "{\"note\": \"ignored\", \"other\": {\"deep\": [1, 2]},\n"
                       " \"smes\": [\n"
                       "  {\"id\": \"SI-1\", \"name\": \"Kovina\", \"region\": \"SI041\", \"sectors\": [\"C25.62\", \"28.41\"],\n"
                       "   \"size\": \"small\", \"employees\": 12, \"founded\": 2011, \"offers\": [\"CNC machining\", \" \"],\n"
                       "   \"needs\": [\"Laser cutting\"], \"cooperation\": [\"subcontracting\", \"r&d\"],\n"
                       "   \"languages\": [\"sl\", \"en\"], \"unknown_key\": {\"x\": true}},\n"
                       "  {\"id\": \"AT-2\", \"region\": \"AT130\", \"sectors\": [\"16\"], \"name\": null, \"employees\": null}\n"
                       " ]}\n";
    sm_load_report rep;
    assert_int_equal(io_load(e, text, "smes.json", 0, 0, NULL, &rep), SM_OK);
    assert_int_equal(rep.rows, 2);
    assert_int_equal(rep.loaded, 2);
    sm_sme_desc *d;
    assert_int_equal(sm_sme_get(&d, e, "SI-1"), SM_OK);
    assert_string_equal(d->name, "Kovina");
    assert_int_equal(d->n_sectors, 2);
    assert_string_equal(d->sectors[1], "28.41");
    assert_int_equal(d->size, SM_SIZE_SMALL);
    assert_int_equal(d->employees, 12);
    assert_int_equal(d->founded, 2011);
    assert_int_equal(d->n_offers, 1);
    assert_string_equal(d->needs[0], "Laser cutting"); /* as first spelt */
    assert_int_equal(d->cooperation, SM_COOP_SUBCONTRACTING | SM_COOP_RND);
    assert_int_equal(d->n_languages, 2);
    sm_sme_desc_free(d);
    assert_int_equal(sm_sme_get(&d, e, "AT-2"), SM_OK);
    assert_int_equal(d->employees, -1);
    sm_sme_desc_free(d);
    sm_engine_free(e);
}

static void json_bare_array_and_string_lists(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *text = "\xEF\xBB\xBF [{\"ID\": \"A\", \"Region\": \"SI041\", \"SECTORS\": \"C25; 28\"}]";
    assert_int_equal(io_load(e, text, "a.json", 0, 0, NULL, NULL), SM_OK);
    sm_sme_desc *d;
    assert_int_equal(sm_sme_get(&d, e, "A"), SM_OK);
    assert_int_equal(d->n_sectors, 2);
    sm_sme_desc_free(d);
    /* a bare list of another kind when the kind is given */
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.kind = SM_DATA_DEVELOPMENT;
    const char *dev = "[{\"region\": \"SI041\", \"development\": 77.5, \"source\": \"x\"}]";
    assert_int_equal(sm_load_buffer(e, dev, strlen(dev), "d.json", &o, NULL), SM_OK);
    assert_true(sm_region_development(e, "SI041") == 77.5);
    sm_engine_free(e);
}

static void json_syntax_errors_name_line_and_column(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *text = "{\n \"smes\": [\n  {\"id\": \"A\",}\n]}";
    for (int lenient = 0; lenient <= 1; lenient++) {
        io_problems p;
        assert_int_equal(io_load(e, text, "s.json", lenient, 0, &p, NULL), SM_ERR_PARSE);
        tu_assert_error(SM_ERR_PARSE, "s.json:3: JSON syntax error at column 14: ");
        assert_int_equal(sm_error_last()->line, 3);
        assert_int_equal(sm_error_last()->column, 14);
        assert_int_equal(p.n, 1);
    }
    const char *bad[] = { "{\"smes\": [}", "[{\"id\": \"A\"}] x", "{\"smes\": [], \"smes\": []}", "[{\"id\": \"\\u0000\"}]",
                          "[1e999999]" };
    /* in the project's words, not jansson's */
    const char *said[] = { "unexpected text near '}'", "text after the end of the document",
                           "a key appears twice in one object", "a string holds \\u0000 (a NUL character)",
                           "number out of range (too large for a double)" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(io_load(e, bad[i], "s.json", 1, 0, NULL, NULL), i == 4 ? SM_ERR_RANGE : SM_ERR_PARSE);
        assert_int_equal(sm_error_last()->line, 1);
        if (!strstr(sm_error_last()->message, said[i]) || strstr(sm_error_last()->message, "JSON_"))
            fail_msg("case %zu: %s", i, sm_error_last()->message);
    }
    /* nesting deeper than the parser allows is an error, not a crash */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    assert_non_null(deep);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    assert_int_equal(io_load(e, deep, "s.json", 1, 0, NULL, NULL), SM_ERR_PARSE);
    free(deep);
    assert_int_equal(sm_sme_count(e), 0);
    sm_engine_free(e);
}

static void json_invalid_utf8(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *text = "[\n{\"id\": \"A\", \"region\": \"SI041\", \"sectors\": [\"C25\"]},\n"
                       "{\"id\": \"Caf\xE9\", \"region\": \"SI041\", \"sectors\": [\"C25\"]}]";
    assert_int_equal(io_load(e, text, "u.json", 1, 0, NULL, NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "u.json:3: the file is not UTF-8 (byte 0xE9); it is likely windows-1250");
    assert_int_equal(sm_sme_count(e), 0);
    sm_engine_free(e);
}

static void json_wrong_types(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    struct {
        const char *extra;
        const char *message;
    } cases[] = {
        { "\"employees\": \"ten\"", "t.json:2: employees: expected a whole number, got a string \"ten\"" },
        { "\"employees\": \"12\"", "t.json:2: employees: expected a whole number, got a string \"12\"" },
        { "\"employees\": 12.5", "t.json:2: employees: expected a whole number, got a number \"12.5\"" },
        { "\"founded\": true", "t.json:2: founded: expected a whole number, got a boolean \"true\"" },
        { "\"name\": {\"first\": 1}", "t.json:2: name: expected a string, got an object \"{\\\"first\\\":1}\"" },
        { "\"name\": [\"a\", \"b\"]", "t.json:2: name: expected a string, got a list \"a;b\"" },
        { "\"name\": 5", "t.json:2: name: expected a string, got a number \"5\"" },
        { "\"offers\": [1, 2]", "t.json:2: offers: expected a list of strings, got a list holding a number \"[1,2]\"" },
        { "\"offers\": [[[[[]]]]]",
          "t.json:2: offers: expected a list of strings, got a list holding a list \"[[[[[]]]]]\"" },
        { "\"offers\": [\"a\", null]", "t.json:2: offers: expected a list of strings, got a list holding null \"[\\\"a\\\",null]\"" },
        { "\"offers\": 3", "t.json:2: offers: expected a list of strings, got a number \"3\"" },
        { "\"offers\": {}", "t.json:2: offers: expected a list of strings, got an object \"{}\"" },
        { "\"size\": false", "t.json:2: size: expected a string, got a boolean \"false\"" },
        { "\"Employees\": 1, \"employees\": 2", "t.json:2: employees: the key appears twice (in different case) \"employees\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        snprintf(text, sizeof text, "{\"smes\": [\n{\"id\": \"A\", \"region\": \"SI041\", \"sectors\": [\"C25\"], %s}]}",
                 cases[i].extra);
        io_problems p;
        assert_int_equal(io_load(e, text, "t.json", 1, 0, &p, NULL), SM_OK);
        assert_int_equal(p.n, 1);
        assert_int_equal(p.status[0], SM_ERR_PARSE);
        if (strcmp(p.message[0], cases[i].message) != 0)
            fail_msg("case %zu\n  got:  %s\n  want: %s", i, p.message[0], cases[i].message);
    }
    /* records that are not objects */
    io_problems p;
    sm_load_report rep;
    assert_int_equal(io_load(e, "[\n1,\n\"x\",\n[{}],\nnull]", "t.json", 1, 0, &p, &rep), SM_OK);
    assert_int_equal(p.n, 4);
    assert_string_equal(p.message[0], "t.json:2: expected a record (an object), got a number \"1\"");
    assert_string_equal(p.message[2], "t.json:4: expected a record (an object), got a list \"[{}]\"");
    assert_int_equal(p.line[3], 5);
    assert_int_equal(rep.rows, 4);
    assert_int_equal(rep.skipped, 4);
    assert_int_equal(sm_sme_count(e), 0);
    sm_engine_free(e);
}

static void json_document_shapes(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    struct {
        const char *text;
        const char *message;
    } cases[] = {
        { "", "j.json: empty file" },
        { " \n\t", "j.json: empty file" },
        { "{}", "j.json: no \"smes\", \"regions\", \"development\" or \"affinity\" list in the top-level object" },
        { "{\"note\": \"x\"}", NULL },
        { "{\"smes\": {\"a\": 1}}", "j.json:1: smes: expected a list of records, got an object" },
        { "{\"smes\": [], \"SMEs\": []}", "j.json:1: smes: the key appears twice (in different case) \"SMEs\"" },
        { "{\"note\": 1,\n \"regions\": [],\n \"smes\": 5}", "j.json:3: smes: expected a list of records, got a number" },
        { "{\"smes\": [\n],\n\"Smes\": [\n]}", "j.json:3: smes: the key appears twice (in different case) \"Smes\"" },
        { "42", "j.json:1: JSON syntax error at column 2: the document must be an object or a list near '42'" },
        { "\"smes\"", NULL },
    };
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.format = SM_FORMAT_JSON;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(sm_load_buffer(e, cases[i].text, strlen(cases[i].text), "j.json", &o, NULL), SM_ERR_PARSE);
        if (cases[i].message)
            io_assert_message(cases[i].message);
    }
    /* empty lists are fine */
    sm_load_report rep;
    assert_int_equal(sm_load_buffer(e, "{\"smes\": []}", 12, "j.json", &o, &rep), SM_OK);
    assert_int_equal(rep.rows, 0);
    /* a kind that is asked for must be there */
    o.kind = SM_DATA_REGIONS;
    assert_int_equal(sm_load_buffer(e, "{\"smes\": []}", 12, "j.json", &o, NULL), SM_ERR_PARSE);
    io_assert_message("j.json: no \"regions\" list in the top-level object");
    sm_engine_free(e);
}

static void json_records_know_their_lines(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *text = "{\"note\": \"a \\\" tricky [ string {\",\n"
                       "  \"regions\": [],\n"
                       "  \"smes\": [\n"
                       "    {\"id\": \"A\", \"region\": \"SI041\", \"sectors\": [\"C25\"],\n"
                       "     \"name\": \"line\\nbreak [{\"},\n"
                       "\n"
                       "    {\"id\": \"B\",\n"
                       "     \"region\": \"SI9\", \"sectors\": [\"C25\"]}, {\"id\": \"C\", \"region\": \"SI041\", \"sectors\": [\"ZZZ\"]},\n"
                       "    {\"id\": \"A\", \"region\": \"SI041\", \"sectors\": [\"C25\"]}\n"
                       "  ]}\n";
    io_problems p;
    sm_load_report rep;
    assert_int_equal(io_load(e, text, "l.json", 1, 0, &p, &rep), SM_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.message[0], "l.json:7: region: unknown NUTS code \"SI9\"");
    assert_int_equal(p.line[1], 8);
    assert_string_equal(p.message[2], "l.json:9: id: duplicate id \"A\" (first on line 4)");
    assert_int_equal(p.column[0], 0);
    assert_int_equal(rep.loaded, 1);
    sm_engine_free(e);
}

static const char *multi =
    "{\"smes\": [\n"
    "  {\"id\": \"A\", \"region\": \"XX11\", \"sectors\": [\"C25\"], \"languages\": [\"xx\"]},\n"
    "  {\"id\": \"B\", \"region\": \"SI041\", \"sectors\": [\"C28\"]}\n"
    " ],\n"
    " \"development\": [{\"region\": \"XX11\", \"development\": 50}, {\"region\": \"SI041\", \"development\": 130}],\n"
    " \"affinity\": [{\"sector_a\": \"C25\", \"sector_b\": \"C28\", \"affinity\": 0.625}],\n"
    " \"regions\": [\n"
    "  {\"code\": \"XX11\", \"name\": \"Upper\", \"lat\": 44.5, \"lon\": 16, \"languages\": [\"xx\"]},\n"
    "  {\"code\": \"XX1\", \"name\": \"North\", \"lat\": 44, \"lon\": 16},\n"
    "  {\"code\": \"XX\", \"name\": \"Testland\", \"lat\": 44, \"lon\": 16, \"development\": 60}\n"
    " ]}\n";

static void json_several_kinds_in_one_document(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    size_t n0 = sm_region_count(e);
    /* a dry run validates SMEs in the new regions without adding anything */
    sm_load_report rep;
    io_problems p;
    sm_status st = io_load(e, multi, "m.json", 0, 1, &p, &rep);
    if (p.n)
        fail_msg("%s", p.message[0]);
    assert_int_equal(st, SM_OK);
    assert_int_equal(rep.rows, 8);
    assert_int_equal(rep.loaded, 8);
    assert_int_equal(sm_region_count(e), n0);
    assert_int_equal(sm_sme_count(e), 0);
    assert_true(isnan(sm_region_development(e, "SI041")));
    /* strict, with one bad SME: nothing at all is applied */
    char *bad = strdup(multi);
    char *c28 = strstr(bad, "\"C28\"]}");
    memcpy(c28, "\"ZZZ\"", 5);
    assert_int_equal(io_load(e, bad, "m.json", 0, 0, &p, &rep), SM_ERR_BAD_CODE);
    io_assert_message("m.json:3: sectors: malformed NACE code \"ZZZ\"");
    assert_int_equal(rep.loaded, 0);
    assert_int_equal(sm_region_count(e), n0);
    assert_int_equal(sm_sme_count(e), 0);
    assert_true(isnan(sm_region_development(e, "SI041")));
    /* lenient: the good parts go in, the bad SME is reported once */
    assert_int_equal(io_load(e, bad, "m.json", 1, 0, &p, &rep), SM_OK);
    assert_int_equal(p.n, 1);
    assert_int_equal(rep.rows, 8);
    assert_int_equal(rep.loaded, 7);
    assert_int_equal(rep.skipped, 1);
    assert_int_equal(sm_sme_count(e), 1);
    free(bad);
    /* strict and good: everything, regions first */
    sm_engine_free(e);
    e = tu_engine(SM_TAXONOMY_ALL);
    assert_int_equal(io_load(e, multi, "m.json", 0, 0, NULL, &rep), SM_OK);
    assert_int_equal(rep.loaded, 8);
    assert_int_equal(sm_region_count(e), n0 + 3);
    assert_string_equal(io_region_of(e, "A"), "XX11");
    assert_true(sm_region_development(e, "XX11") == 50);
    assert_true(sm_region_development(e, "XX1") == 60); /* inherited from XX */
    assert_true(sm_region_development(e, "SI041") == 130);
    double v;
    assert_int_equal(sm_affinity_get(&v, e, "25", "28"), SM_OK);
    assert_true(v == 0.625);
    /* only the kind asked for */
    sm_engine *f = tu_engine(SM_TAXONOMY_ALL);
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.kind = SM_DATA_REGIONS;
    assert_int_equal(sm_load_buffer(f, multi, strlen(multi), "m.json", &o, &rep), SM_OK);
    assert_int_equal(rep.loaded, 3);
    assert_int_equal(sm_sme_count(f), 0);
    assert_int_equal(sm_region_count(f), n0 + 3);
    sm_engine_free(f);
    sm_engine_free(e);
}

static void json_numbers_and_ranges(void **state)
{
    (void)state;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    const char *text = "{\"regions\": [\n"
                       "{\"code\": \"XX\", \"name\": \"X\", \"lat\": 91, \"lon\": 0},\n"
                       "{\"code\": \"XY\", \"name\": \"Y\", \"lat\": \"45\", \"lon\": 0},\n"
                       "{\"code\": \"XZ\", \"name\": \"Z\", \"lat\": 45, \"lon\": 0, \"development\": -1e-3},\n"
                       "{\"code\": \"XW\", \"name\": \"W\", \"lat\": -0.5, \"lon\": 1.25e2}]}";
    io_problems p;
    assert_int_equal(io_load(e, text, "n.json", 1, 0, &p, NULL), SM_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.message[0], "n.json:2: lat: out of range -90..90 \"91\"");
    assert_string_equal(p.message[1], "n.json:3: lat: expected a number, got a string \"45\"");
    assert_string_equal(p.message[2], "n.json:4: development: must be a number > 0 \"-0.001\"");
    const sm_region_info *r;
    assert_int_equal(sm_region_get(&r, e, "XW"), SM_OK);
    assert_true(r->lat == -0.5 && r->lon == 125);
    sm_engine_free(e);
}

/* jansson allocates through the engine's allocator during a load: every
 * one of its allocations can fail, each failure is SM_ERR_NOMEM (not a
 * syntax error), nothing leaks and the engine keeps what it had. jansson
 * used by the program itself meanwhile keeps malloc and free. */
static void json_allocations_go_through_the_engine(void **state)
{
    (void)state;
    const char *doc = "{\"regions\": [{\"code\": \"SI9\", \"name\": \"Test\", \"lat\": 46, \"lon\": 14}],"
                      " \"smes\": [{\"id\": \"J1\", \"region\": \"SI9\", \"sectors\": [\"C25\"],"
                      " \"offers\": [\"cnc machining\", \"welding\"], \"needs\": [\"packaging\"], \"founded\": 1999},"
                      " {\"id\": \"J2\", \"region\": \"SI041\", \"sectors\": [\"C28\", \"J62\"], \"size\": true}]}";
    long failures = 0, jansson_points = 0;
    for (long n = 1;; n++) {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
        eo.allocator = &a;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
        size_t regions = sm_region_count(e);
        sm_load_options o = SM_LOAD_OPTIONS_INIT;
        o.lenient = 1;
        long before = st.calls;
        st.fail_at = before + n;
        sm_load_report rep;
        sm_status s = sm_load_buffer(e, doc, strlen(doc), "doc.json", &o, &rep);
        int failed = st.failed;
        /* the program's own jansson is untouched by the engine's allocator,
         * even while that allocator would fail */
        st.fail_at = st.calls + 1;
        long calls = st.calls;
        json_t *mine = json_pack("{s:i}", "x", 1);
        assert_non_null(mine);
        json_decref(mine);
        assert_int_equal(st.calls, calls);
        st.fail_at = 0;
        if (!failed) {
            assert_int_equal(s, SM_OK);
            assert_int_equal(rep.rows, 3);
            assert_int_equal(rep.skipped, 1); /* J2: "size": true */
            assert_int_equal(sm_sme_count(e), 1);
            sm_engine_free(e);
            assert_int_equal(st.live, 0);
            break;
        }
        failures++;
        if (s == SM_ERR_NOMEM) {
            assert_int_equal(sm_error_last()->status, SM_ERR_NOMEM);
            assert_int_equal(sm_sme_count(e), 0);
            assert_int_equal(sm_region_count(e), regions);
        } else {
            /* a failure the loader absorbs (a value's text for a message) */
            assert_int_equal(s, SM_OK);
        }
        sm_engine_free(e);
        assert_int_equal(st.live, 0);
    }
    /* the parse alone makes dozens of allocations: they were all failed */
    {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
        eo.taxonomies = SM_TAXONOMY_NONE;
        eo.allocator = &a;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
        long before = st.calls;
        sm_load_options o = SM_LOAD_OPTIONS_INIT;
        o.dry_run = 1;
        o.lenient = 1;
        sm_load_buffer(e, doc, strlen(doc), "doc.json", &o, NULL);
        jansson_points = st.calls - before;
        sm_engine_free(e);
    }
    assert_true(jansson_points > 20);
    assert_true(failures >= jansson_points / 2);
    print_message("# JSON load: %ld allocation points failed in turn\n", failures);
}

int main(void)
{
    if (!sm_format_supported(SM_FORMAT_JSON)) {
        sm_engine *e = NULL;
        if (sm_engine_new(&e, NULL) != SM_OK)
            return 1;
        sm_status st = sm_load_buffer(e, "[]", 2, "x.json", NULL, NULL);
        sm_engine_free(e);
        printf("1..0 # SKIP JSON support not built in (load returned %s)\n", sm_status_str(st));
        return st == SM_ERR_UNSUPPORTED ? 0 : 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_loads_object_with_smes),
        cmocka_unit_test(json_bare_array_and_string_lists),
        cmocka_unit_test(json_syntax_errors_name_line_and_column),
        cmocka_unit_test(json_invalid_utf8),
        cmocka_unit_test(json_wrong_types),
        cmocka_unit_test(json_document_shapes),
        cmocka_unit_test(json_records_know_their_lines),
        cmocka_unit_test(json_several_kinds_in_one_document),
        cmocka_unit_test(json_numbers_and_ranges),
        cmocka_unit_test(json_allocations_go_through_the_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
