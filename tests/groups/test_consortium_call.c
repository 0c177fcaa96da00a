/* Call profiles (lib/groups/consortium_call.c, _parse.c, _presets.c): the
 * presets, the text and JSON forms and their round trip, every key's value
 * errors with the line named, and all-or-nothing changes. */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <smartmatch.h>

#include <stdio.h>
#include <string.h>

static sm_call *parse(const char *text)
{
    sm_call *c = NULL;
    if (sm_call_parse(&c, text, strlen(text), "call.txt") != SM_OK)
        fail_msg("parse: %s", sm_error_last()->message);
    return c;
}

static char *text_of(const sm_call *c)
{
    char *s = NULL;
    assert_int_equal(sm_call_to_string(&s, c), SM_OK);
    return s;
}

static void presets_hold_their_programme_rules(void **state)
{
    (void)state;
    assert_int_equal(sm_call_preset_count(), 4);
    assert_null(sm_call_preset_name(4));
    const char *expect[4] = {
        "min_countries = 3 in eu;he-associated\nmin_partners = 1 in eu\n",
        "min_countries = 3\nmin_partners = 2 in interreg-ce-area\n",
        "size = 5..16\nmin_countries = 3\nmin_partners = 2 in eu\nallowed = interreg-europe-area\n",
        "min_countries = 4 in interreg-euro-med-area\nmin_partners = 2 in interreg-euro-med-eu\n",
    };
    for (size_t i = 0; i < 4; i++) {
        sm_call *c = NULL;
        assert_int_equal(sm_call_preset(&c, sm_call_preset_name(i)), SM_OK);
        char *s = text_of(c);
        if (!strstr(s, expect[i]))
            fail_msg("%s:\n%s", sm_call_preset_name(i), s);
        /* the text form reads back to the same profile */
        sm_call *d = parse(s);
        char *t = text_of(d);
        assert_string_equal(s, t);
        sm_free(s);
        sm_free(t);
        sm_call_free(c);
        sm_call_free(d);
    }
    sm_call *c = (sm_call *)(uintptr_t)1;
    assert_int_equal(sm_call_preset(&c, "Interreg_CE"), SM_OK);
    sm_call_free(c);
    c = (sm_call *)(uintptr_t)1;
    assert_int_equal(sm_call_preset(&c, "erasmus"), SM_ERR_UNKNOWN_NAME);
    tu_assert_error(SM_ERR_UNKNOWN_NAME, "presets: horizon-europe, interreg-ce");
    assert_ptr_equal(c, (sm_call *)(uintptr_t)1);
    assert_int_equal(sm_call_preset(NULL, "interreg-ce"), SM_ERR_INVALID_ARGUMENT);
}

static void text_form_with_comments_and_every_key(void **state)
{
    (void)state;
    const char *text = "# an Interreg Central Europe call\r\n"
                       "\n"
                       "preset = interreg-ce\n"
                       "Topics = Sensors:2; IoT  Connectivity ;pcb design:0.5\n"
                       "sectors = C26.51; 62\n"
                       "size = 4..8\n"
                       "min-countries = 3 in AT;SI;HU;DE2\n"
                       "min_partners = 1 in GR\n"
                       "max_per_country = 2\n"
                       "min_smes = 3\n"
                       "min_less_developed = 1 below 75\n"
                       "lead = SI-00001\n"
                       "lead_sizes = small;medium\n"
                       "include = AT-00002\n"
                       "exclude = HU-00003;HU-00004\n"
                       "weights = coverage=3,pairs=1,lead=0,cohesion=1\n"
                       "coverage_decay = 0.5\n"
                       "cohesion_threshold = 90\n";
    sm_call *c = parse(text);
    char *s = text_of(c);
    const char *want = "topics = sensors:2;iot connectivity:1;pcb design:0.5\n"
                       "sectors = 26.51:1;62:1\n"
                       "size = 4..8\n"
                       "min_countries = 3 in AT;SI;HU;DE2\n"
                       "min_partners = 2 in interreg-ce-area\n"
                       "min_partners = 1 in EL\n"
                       "max_per_country = 2\n"
                       "min_smes = 3\n"
                       "min_less_developed = 1 below 75\n"
                       "lead = SI-00001\n"
                       "lead_countries = interreg-ce-area\n"
                       "lead_sizes = small;medium\n"
                       "include = AT-00002\n"
                       "exclude = HU-00003;HU-00004\n"
                       "weights = coverage=3,pairs=1,lead=0,cohesion=1\n"
                       "coverage_decay = 0.5\n"
                       "cohesion_threshold = 90\n";
    assert_string_equal(s, want);
    sm_call *d = parse(s);
    char *t = text_of(d);
    assert_string_equal(s, t);
    sm_free(s);
    sm_free(t);
    /* empty values clear a rule */
    assert_int_equal(sm_call_set(d, "min_partners", ""), SM_OK);
    assert_int_equal(sm_call_set(d, "min_countries", ""), SM_OK);
    assert_int_equal(sm_call_set(d, "lead_countries", ""), SM_OK);
    s = text_of(d);
    assert_null(strstr(s, "min_partners"));
    assert_null(strstr(s, "min_countries"));
    assert_null(strstr(s, "lead_countries"));
    sm_free(s);
    sm_call_free(c);
    sm_call_free(d);
}

static void json_form(void **state)
{
    (void)state;
    if (!sm_format_supported(SM_FORMAT_JSON))
        skip();
    const char *json = "{\"topics\": [\"sensors:2\", \"pcb design\"], \"size\": \"3..5\", \"max_per_country\": 1,\n"
                       " \"min_partners\": [\"2 in eu\", \"1 in SI\"], \"coverage_decay\": 0.25,\n"
                       " \"preset\": \"horizon-europe\"}";
    sm_call *c = parse(json);
    char *s = text_of(c);
    /* the preset applies first, whatever the order of the keys */
    assert_non_null(strstr(s, "topics = sensors:2;pcb design:1\nsize = 3..5\n"));
    assert_non_null(strstr(s, "min_partners = 1 in eu\nmin_partners = 2 in eu\nmin_partners = 1 in SI\n"));
    assert_non_null(strstr(s, "max_per_country = 1\n"));
    assert_non_null(strstr(s, "coverage_decay = 0.25\n"));
    sm_free(s);
    sm_call_free(c);
    sm_call *d = (sm_call *)(uintptr_t)1;
    assert_int_equal(sm_call_parse(&d, "{\"size\": ", 9, "p.json"), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "p.json:1:");
    assert_int_equal(sm_call_parse(&d, "[1]", 3, "p.json"), SM_ERR_PARSE);
    assert_int_equal(sm_call_parse(&d, "{\"size\": {}}", 12, "p.json"), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "size: expected a string, a number or an array");
    assert_int_equal(sm_call_parse(&d, "{\"size\": \"9..2\"}", 16, "p.json"), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "p.json");
    assert_int_equal(sm_call_parse(&d, "{\"colour\": 1}", 13, "p.json"), SM_ERR_UNKNOWN_NAME);
    assert_ptr_equal(d, (sm_call *)(uintptr_t)1);
}

typedef struct bad_case {
    const char *key, *value;
    sm_status status;
    const char *message;
} bad_case;

static void bad_values_name_key_and_change_nothing(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        { "size", "0..3", SM_ERR_RANGE, "1 <= MIN <= MAX <= 64" },
        { "size", "5..3", SM_ERR_RANGE, "MIN..MAX" },
        { "size", "four", SM_ERR_PARSE, "expected a whole number" },
        { "size", "3..65", SM_ERR_RANGE, "between 0 and 64" },
        { "min_countries", "3 in narnia", SM_ERR_UNKNOWN_NAME, "unknown list \"narnia\"" },
        { "min_countries", "3 in", SM_ERR_PARSE, "whole number" },
        { "min_partners", "2", SM_ERR_PARSE, "expected \"N in LIST\"" },
        { "min_partners", "2 in ;", SM_ERR_PARSE, "empty country list" },
        { "max_per_country", "0", SM_ERR_RANGE, "at least 1" },
        { "lead_sizes", "huge", SM_ERR_UNKNOWN_NAME, "micro, small, medium, large" },
        { "weights", "coverage=-1", SM_ERR_RANGE, ">= 0" },
        { "weights", "coverage=0,pairs=0,lead=0,cohesion=0", SM_ERR_RANGE, "at least one weight" },
        { "weights", "fun=1", SM_ERR_UNKNOWN_NAME, "coverage, pairs, lead, cohesion" },
        { "weights", "coverage", SM_ERR_PARSE, "name=value" },
        { "coverage_decay", "1", SM_ERR_RANGE, "[0, 1)" },
        { "cohesion_threshold", "-5", SM_ERR_RANGE, "> 0" },
        { "min_less_developed", "2 under 75", SM_ERR_PARSE, "N below X" },
        { "min_less_developed", "2 below 0", SM_ERR_RANGE, "> 0" },
        { "topics", "sensors:x", SM_ERR_PARSE, "expected a number" },
        { "topics", "sensors:0", SM_ERR_RANGE, "weights must be > 0" },
        { "sectors", "xyz", SM_ERR_BAD_CODE, "not a NACE code" },
        { "lead", "0123456789012345678901234567890123456789012345678901234567890123456789", SM_ERR_BAD_ID, "64 bytes" },
        { "preset", "", SM_ERR_PARSE, "preset name" },
        { "colour", "red", SM_ERR_UNKNOWN_NAME, "unknown key \"colour\"" },
    };
    sm_call *c = parse("preset = interreg-ce\ntopics = sensors\n");
    char *before = text_of(c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_status st = sm_call_set(c, cases[i].key, cases[i].value);
        if (st != cases[i].status || !strstr(sm_error_last()->message, cases[i].message))
            fail_msg("%s = %s: status %s, message \"%s\"", cases[i].key, cases[i].value, sm_status_str(st),
                     sm_error_last()->message);
        char *now = text_of(c);
        assert_string_equal(before, now);
        sm_free(now);
    }
    /* a failing list keeps the items before it too */
    assert_int_equal(sm_call_set(c, "topics", "a;b;c:zero"), SM_ERR_PARSE);
    char *now = text_of(c);
    assert_string_equal(before, now);
    sm_free(now);
    sm_free(before);
    /* limits */
    char many[4096] = "";
    for (int i = 0; i < 40; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "id%d;", i);
    assert_int_equal(sm_call_set(c, "exclude", many), SM_ERR_LIMIT);
    for (int i = 0; i < 6; i++)
        assert_int_equal(sm_call_set(c, "min_partners", "1 in AT"), i < 5 ? SM_OK : SM_ERR_LIMIT);
    assert_int_equal(sm_call_set(NULL, "size", "3"), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_call_set(c, NULL, "3"), SM_ERR_INVALID_ARGUMENT);
    sm_call_free(c);
    sm_call_free(NULL);
}

static void errors_name_the_line(void **state)
{
    (void)state;
    sm_call *c = (sm_call *)(uintptr_t)1;
    const char *text = "size = 3..6\n# fine\nmin_countries = many\n";
    assert_int_equal(sm_call_parse(&c, text, strlen(text), "call.txt"), SM_ERR_PARSE);
    const sm_error *e = sm_error_last();
    assert_int_equal(e->line, 3);
    assert_string_equal(e->file, "call.txt");
    assert_string_equal(e->field, "min_countries");
    assert_non_null(strstr(e->message, "call.txt:3: call: min_countries: expected a whole number"));
    assert_int_equal(sm_call_parse(&c, "size 3\n", 7, NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "<call>:1: expected \"key = value\"");
    assert_int_equal(sm_call_parse(&c, " = 3\n", 5, NULL), SM_ERR_PARSE);
    assert_int_equal(sm_call_parse(&c, "size = 3\0", 9, NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "NUL byte");
    assert_int_equal(sm_call_parse(&c, NULL, 3, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_call_parse(NULL, "", 0, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_ptr_equal(c, (sm_call *)(uintptr_t)1);
    /* an empty text is the default profile */
    assert_int_equal(sm_call_parse(&c, "", 0, NULL), SM_OK);
    char *s = text_of(c);
    assert_non_null(strstr(s, "size = 2..8\n"));
    sm_free(s);
    sm_call_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(presets_hold_their_programme_rules),
        cmocka_unit_test(text_form_with_comments_and_every_key),
        cmocka_unit_test(json_form),
        cmocka_unit_test(bad_values_name_key_and_change_nothing),
        cmocka_unit_test(errors_name_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
