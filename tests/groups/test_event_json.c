/* Event JSON files (lib/groups/event_json.c): the same event read from JSON
 * and built call by call through the C API (the oracle) plans the same;
 * every kind of file, bare lists and keyed lists, a written plan read back
 * as locks, and the errors, each naming the file, the JSON path and the
 * value, with the event left as it was. */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sm_engine *g_engine;

static int setup(void **state)
{
    (void)state;
    g_engine = tu_random_engine(60);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sm_engine_free(g_engine);
    return 0;
}

static sm_event *new_event(void)
{
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.slots = 8;
    o.tables = 3;
    o.capacity = 3;
    o.sessions = "morning=1-4,afternoon=5-8";
    sm_event *ev = NULL;
    assert_int_equal(sm_event_new(&ev, g_engine, &o), SM_OK);
    return ev;
}

static sm_status rj(sm_event *ev, sm_event_input kind, const char *text)
{
    return sm_event_read_json(ev, kind, text, strlen(text), "e.json");
}

static const char *const parts_json =
    "{\"participants\": [\n"
    "  {\"id\": \"R-0001\", \"capacity\": 2, \"group\": \"buyer\", \"unavailable\": [1, \"3-4\"]},\n"
    "  {\"id\": \"R-0002\", \"capacity\": null, \"group\": \"seller\"},\n"
    "  {\"id\": \"R-0003\", \"capacity\": \"1\", \"unavailable\": \"afternoon\"},\n"
    "  {\"id\": \"R-0004\"}, {\"id\": \"R-0005\", \"unavailable\": [\"morning\", 8]}\n"
    "],\n"
    " \"requests\": [\n"
    "  {\"a\": \"R-0001\", \"b\": \"R-0002\", \"priority\": 2, \"status\": \"accepted\", \"score\": 0.5},\n"
    "  {\"a\": \"R-0001\", \"b\": \"R-0003\", \"status\": \"declined\", \"score\": 0.25},\n"
    "  {\"a\": \"R-0002\", \"b\": \"R-0004\", \"score\": 0.75},\n"
    "  {\"a\": \"R-0004\", \"b\": \"R-0005\", \"status\": \"locked\", \"slot\": 6, \"table\": 2, \"score\": 0.5},\n"
    "  {\"a\": \"R-0003\", \"b\": \"R-0004\", \"status\": \"must\", \"score\": 1}\n"
    "],\n"
    " \"availability\": [{\"id\": \"R-0004\", \"unavailable\": [2]}],\n"
    " \"note\": \"keys other than the kind's are ignored at the top\"}\n";

/* The same event through the C API. */
static sm_event *oracle_event(void)
{
    sm_event *ev = new_event();
    assert_int_equal(sm_event_add_participant(ev, "R-0001", 2, "buyer"), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, "R-0001", 1, 1), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, "R-0001", 3, 4), SM_OK);
    assert_int_equal(sm_event_add_participant(ev, "R-0002", 0, "seller"), SM_OK);
    assert_int_equal(sm_event_add_participant(ev, "R-0003", 1, NULL), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, "R-0003", 5, 8), SM_OK);
    assert_int_equal(sm_event_add_participant(ev, "R-0004", 0, NULL), SM_OK);
    assert_int_equal(sm_event_add_participant(ev, "R-0005", 0, NULL), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, "R-0005", 1, 4), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, "R-0005", 8, 8), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, "R-0001", "R-0002", 2, 0.5, SM_WISH_ACCEPTED, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, "R-0001", "R-0003", 1, 0.25, SM_WISH_DECLINED, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, "R-0002", "R-0004", 1, 0.75, SM_WISH_REQUESTED, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, "R-0004", "R-0005", 1, 0.5, SM_WISH_LOCKED, 6, 2), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, "R-0003", "R-0004", 1, 1.0, SM_WISH_MUST, 0, 0), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, "R-0004", 2, 2), SM_OK);
    return ev;
}

static void same_plans(const sm_event *x, const sm_event *y)
{
    sm_event_plan *p = NULL, *q = NULL;
    assert_int_equal(sm_event_plan_new(&p, x, SM_EVENT_ALL), SM_OK);
    assert_int_equal(sm_event_plan_new(&q, y, SM_EVENT_ALL), SM_OK);
    assert_int_equal(sm_event_plan_meeting_count(p), sm_event_plan_meeting_count(q));
    assert_true(sm_event_plan_meeting_count(p) >= 3);
    for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
        const sm_event_meeting *a = sm_event_plan_meeting_at(p, i), *b = sm_event_plan_meeting_at(q, i);
        assert_string_equal(a->a, b->a);
        assert_string_equal(a->b, b->b);
        assert_int_equal(a->slot, b->slot);
        assert_int_equal(a->table, b->table);
        assert_int_equal(a->status, b->status);
        assert_float_equal(a->weight, b->weight, 1e-12);
    }
    assert_int_equal(sm_event_plan_unscheduled_count(p), sm_event_plan_unscheduled_count(q));
    sm_event_plan_free(p);
    sm_event_plan_free(q);
}

static void json_reads_as_the_c_api_builds(void **state)
{
    (void)state;
    sm_event *ev = new_event();
    for (int k = SM_EVENT_PARTICIPANTS; k <= SM_EVENT_AVAILABILITY; k++)
        assert_int_equal(rj(ev, (sm_event_input)k, parts_json), SM_OK);
    assert_int_equal(sm_event_participant_count(ev), 5);
    assert_int_equal(sm_event_wish_count(ev), 5);
    sm_event *o = oracle_event();
    same_plans(ev, o);
    sm_event_free(o);

    /* a written plan reads back as locks ("meetings"), and a bare list too */
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    char path[] = "/tmp/sm_evjson_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(sm_event_plan_write_json(p, path), SM_OK);
    sm_event *ev2 = new_event();
    assert_int_equal(rj(ev2, SM_EVENT_PARTICIPANTS,
                        "[{\"id\": \"R-0001\"}, {\"id\": \"R-0002\"}, {\"id\": \"R-0003\"}, {\"id\": \"R-0004\"}, "
                        "{\"id\": \"R-0005\"}]"),
                     SM_OK);
    assert_int_equal(sm_event_load_json(ev2, SM_EVENT_LOCKS, path), SM_OK);
    assert_int_equal(sm_event_wish_count(ev2), sm_event_plan_meeting_count(p));
    sm_event_plan *q = NULL;
    assert_int_equal(sm_event_plan_new(&q, ev2, SM_EVENT_ALL), SM_OK);
    for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
        const sm_event_meeting *a = sm_event_plan_meeting_at(p, i);
        bool kept = false;
        for (size_t j = 0; j < sm_event_plan_meeting_count(q); j++) {
            const sm_event_meeting *b = sm_event_plan_meeting_at(q, j);
            kept |= strcmp(a->a, b->a) == 0 && strcmp(a->b, b->b) == 0 && a->slot == b->slot && a->table == b->table;
        }
        assert_true(kept);
    }
    remove(path);
    assert_int_equal(sm_event_load_json(ev2, SM_EVENT_LOCKS, path), SM_ERR_IO);
    sm_event_plan_free(q);
    sm_event_plan_free(p);
    sm_event_free(ev2);
    sm_event_free(ev);
}

static void errors_name_file_path_and_value(void **state)
{
    (void)state;
    static const struct {
        sm_event_input kind;
        const char *text;
        sm_status status;
        const char *message, *field;
    } bad[] = {
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [\n {\"id\": \"R-0010\"},\n {\"id\": \"R-0011\", \"capacity\": 2,,}]}",
          SM_ERR_PARSE, "e.json:3:", NULL },
        { SM_EVENT_PARTICIPANTS, "", SM_ERR_PARSE, "the document must be an object", NULL },
        { SM_EVENT_PARTICIPANTS, "[{\"id\": \"R-0010\"} {}]", SM_ERR_PARSE, "e.json:1:19: not valid JSON", NULL },
        { SM_EVENT_PARTICIPANTS, "{\"people\": []}", SM_ERR_PARSE, "no \"participants\" key: write {\"participants\": [{\"id\"",
          "participants" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": {\"id\": \"R-0010\"}}", SM_ERR_PARSE,
          "participants is an object: it must be a list of objects", "participants" },
        { SM_EVENT_PARTICIPANTS, "\"R-0010\"", SM_ERR_PARSE,
          "e.json:1:8: the document must be an object with a \"participants\" list, or a list", NULL },
        { SM_EVENT_PARTICIPANTS, "[{\"id\": \"R-0010\"}, 7]", SM_ERR_PARSE, "e.json: [1]: expected an object such as",
          "[1]" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\"}, {\"id\": \"R-0011\", \"capacty\": 2}]}",
          SM_ERR_PARSE, "participants[1].capacty: unknown key \"capacty\" (the keys here: id, capacity, group, unavailable)",
          "participants[1].capacty" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\", \"capacity\": 99}]}", SM_ERR_PARSE,
          "e.json: participants[0].capacity: expected a whole number 0..64, got \"99\"", "participants[0].capacity" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\", \"capacity\": 2.5}]}", SM_ERR_PARSE,
          "got \"2.5\"", "participants[0].capacity" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\", \"capacity\": true}]}", SM_ERR_PARSE,
          "capacity is a boolean: give a number", "participants[0].capacity" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": [\"R-0010\"]}]}", SM_ERR_PARSE,
          "id is a list: give a string", "participants[0].id" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"capacity\": 2}]}", SM_ERR_PARSE,
          "participants[0].id: missing value", "participants[0].id" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\"}, {\"id\": \"nobody\"}]}", SM_ERR_NOT_FOUND,
          "participants[1].id: \"nobody\" is not an SME of the engine", "participants[1].id" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\"}, {\"id\": \"R-0010\"}]}", SM_ERR_DUPLICATE,
          "listed twice", "participants[1].id" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\", \"unavailable\": [1, {}]}]}", SM_ERR_PARSE,
          "unavailable: item 1 is an object", "participants[0].unavailable" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\", \"unavailable\": [\"evening\"]}]}",
          SM_ERR_PARSE, "\"evening\" is not a session of the event", "participants[0].unavailable" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\", \"unavailable\": [9]}]}", SM_ERR_RANGE,
          "slots 9..9 outside 1..8", "participants[0].unavailable" },
        { SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0010\", \"id\": \"R-0011\"}]}", SM_ERR_PARSE,
          "duplicate", NULL },
        { SM_EVENT_REQUESTS, "{\"requests\": [{\"a\": \"R-0001\", \"b\": \"R-0002\", \"status\": \"maybe\"}]}",
          SM_ERR_PARSE, "requests[0].status: \"maybe\" is not one of requested", "requests[0].status" },
        { SM_EVENT_REQUESTS, "{\"wishes\": [{\"a\": \"R-0001\", \"b\": \"R-0001\"}]}", SM_ERR_INVALID_ARGUMENT,
          "wishes[0].b: a participant cannot meet itself", "wishes[0].b" },
        { SM_EVENT_REQUESTS, "{\"requests\": [{\"a\": \"R-0001\", \"b\": \"R-0009\"}]}", SM_ERR_NOT_FOUND,
          "requests[0].b: \"R-0009\" is not a participant", "requests[0].b" },
        { SM_EVENT_REQUESTS, "{\"requests\": [{\"a\": \"R-0001\", \"b\": \"R-0002\", \"score\": 2}]}", SM_ERR_PARSE,
          "score: expected a number 0..1, got \"2\"", "requests[0].score" },
        { SM_EVENT_REQUESTS, "{\"requests\": [{\"a\": \"R-0001\", \"b\": \"R-0002\", \"group\": \"x\"}]}", SM_ERR_PARSE,
          "unknown key \"group\"", "requests[0].group" },
        { SM_EVENT_LOCKS, "{\"locks\": [{\"a\": \"R-0001\", \"b\": \"R-0002\"}]}", SM_ERR_PARSE,
          "locks[0].slot: missing value", "locks[0].slot" },
        { SM_EVENT_AVAILABILITY, "{\"availability\": [{\"id\": \"R-0002\", \"unavailable\": \"x-y\"}]}", SM_ERR_PARSE,
          "is not a session", "availability[0].unavailable" },
    };
    sm_event *ev = new_event();
    assert_int_equal(rj(ev, SM_EVENT_PARTICIPANTS, parts_json), SM_OK);
    assert_int_equal(rj(ev, SM_EVENT_REQUESTS, parts_json), SM_OK);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t parts = sm_event_participant_count(ev), wishes = sm_event_wish_count(ev);
        sm_status st = rj(ev, bad[i].kind, bad[i].text);
        const sm_error *e = sm_error_last();
        if (st != bad[i].status || !strstr(e->message, bad[i].message))
            fail_msg("case %zu: status %d, message \"%s\"; expected %d, \"%s\"", i, st, e->message, bad[i].status,
                     bad[i].message);
        if (bad[i].field && (!e->field || strcmp(e->field, bad[i].field) != 0))
            fail_msg("case %zu: field \"%s\", expected \"%s\"", i, e->field ? e->field : "(none)", bad[i].field);
        assert_non_null(e->file);
        assert_string_equal(e->file, "e.json");
        /* all or nothing */
        assert_int_equal(sm_event_participant_count(ev), parts);
        assert_int_equal(sm_event_wish_count(ev), wishes);
    }
    /* the value is named */
    assert_int_equal(rj(ev, SM_EVENT_PARTICIPANTS, "{\"participants\": [{\"id\": \"R-0020\", \"capacity\": \"lots\"}]}"),
                     SM_ERR_PARSE);
    assert_string_equal(sm_error_last()->value, "lots");
    assert_int_equal(sm_event_read_json(NULL, SM_EVENT_PARTICIPANTS, "[]", 2, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_event_read_json(ev, (sm_event_input)9, "[]", 2, NULL), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_event_load_json(ev, SM_EVENT_PARTICIPANTS, NULL), SM_ERR_INVALID_ARGUMENT);
    /* an empty list adds nothing and is fine */
    assert_int_equal(rj(ev, SM_EVENT_REQUESTS, "{\"requests\": []}"), SM_OK);
    sm_event_free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_reads_as_the_c_api_builds),
        cmocka_unit_test(errors_name_file_path_and_value),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
