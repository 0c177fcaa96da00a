/* Sessions of the event planner (lib/groups/event_session.c): the sessions
 * text and its errors, the version-1 options struct, availability naming
 * sessions (C API and CSV), a checker of every schedule constraint on random
 * events with sessions that recounts the idle gaps per session on its own,
 * and the session in every output (schedule CSV and JSON, agenda, .ics with
 * each session's start time). */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static sm_engine *g_engine;

static int setup(void **state)
{
    (void)state;
    g_engine = tu_random_engine(120);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sm_engine_free(g_engine);
    return 0;
}

static const char *rid(size_t i)
{
    static char buf[8][16];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "R-%04zu", i);
    return buf[k];
}

static sm_status try_event(sm_event **ev, unsigned slots, unsigned tables, const char *sessions)
{
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.slots = slots;
    o.tables = tables;
    o.capacity = 4;
    o.effort = 1;
    o.sessions = sessions;
    return sm_event_new(ev, g_engine, &o);
}

static sm_event *new_event(unsigned slots, unsigned tables, const char *sessions)
{
    sm_event *ev = NULL;
    assert_int_equal(try_event(&ev, slots, tables, sessions), SM_OK);
    return ev;
}

static void sessions_are_parsed(void **state)
{
    (void)state;
    sm_event *ev = new_event(16, 4, " morning=1-7@09:00, lunch_talk=8 ,afternoon=10-16@13:30");
    assert_int_equal(sm_event_session_count(ev), 3);
    sm_event_session s;
    assert_int_equal(sm_event_session_at(&s, ev, 0), SM_OK);
    assert_string_equal(s.name, "morning");
    assert_int_equal(s.first, 1);
    assert_int_equal(s.last, 7);
    assert_int_equal(s.start_minute, 9 * 60);
    assert_int_equal(sm_event_session_at(&s, ev, 1), SM_OK);
    assert_string_equal(s.name, "lunch_talk");
    assert_int_equal(s.first, 8);
    assert_int_equal(s.last, 8);
    assert_int_equal(s.start_minute, -1);
    assert_int_equal(sm_event_session_at(&s, ev, 2), SM_OK);
    assert_int_equal(s.start_minute, 13 * 60 + 30);
    assert_int_equal(sm_event_session_at(&s, ev, 3), SM_ERR_RANGE);
    assert_int_equal(sm_event_session_at(NULL, ev, 0), SM_ERR_INVALID_ARGUMENT);
    /* slot 9 lies between sessions: a break that cannot get tables */
    assert_int_equal(sm_event_set_slot_tables(ev, 9, 2), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "break between sessions");
    assert_int_equal(sm_event_set_slot_tables(ev, 9, 0), SM_OK);
    assert_int_equal(sm_event_set_slot_tables(ev, 8, 1), SM_OK);
    sm_event_free(ev);
    /* "" and NULL: no sessions */
    ev = new_event(4, 1, "");
    assert_int_equal(sm_event_session_count(ev), 0);
    sm_event_free(ev);

    static const struct {
        const char *text, *message;
    } bad[] = {
        { "morning=1-8,afternoon=8-16", "do not overlap" },
        { "afternoon=9-16,morning=1-8", "do not overlap" },
        { "morning=1-17", "<= 16" },
        { "morning=0-3", "1 <= first" },
        { "morning=5-3", "first <= last" },
        { "morning=1-8,morning=9-16", "given twice" },
        { "9am=1-8", "starts with a letter" },
        { "morning 1-8", "expected '='" },
        { "morning=1-8@9", "HH:MM" },
        { "morning=1-8@24:00", "HH:MM" },
        { "morning=1-8@09:60", "HH:MM" },
        { "morning=1-8x", "expected slot numbers" },
        { "morning=", "1 <= first" },
        { "morning=1-8,", "a comma ends the list" },
        { "a=1@10:00,b=2@09:00", "not after an earlier" },
        { "a_name_that_is_much_longer_than_31=1", "longer than 31" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ev = (sm_event *)&ev;
        assert_int_equal(try_event(&ev, 16, 4, bad[i].text), SM_ERR_PARSE);
        assert_ptr_equal(ev, (sm_event *)&ev); /* untouched */
        const sm_error *e = sm_error_last();
        if (!strstr(e->message, bad[i].message) || !e->field || strcmp(e->field, "sessions") != 0)
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i].text, e->message, bad[i].message);
        assert_non_null(strstr(e->message, "e.g."));
    }
}

/* A caller built against version 1 of the options passes the smaller struct:
 * the library reads no byte past it. */
static void version_1_options_are_accepted(void **state)
{
    (void)state;
    size_t v1 = offsetof(sm_event_options, sessions);
    /* allocated at its version-1 size: ASan catches a read past it */
    unsigned char *buf = malloc(v1);
    assert_non_null(buf);
    sm_event_options *o = (sm_event_options *)(void *)buf;
    assert_int_equal(sm_event_options_init(o, 1), SM_OK);
    /* fields read and written as bytes: the compiler rightly warns of a
     * struct access to a buffer smaller than the struct */
    unsigned version, slots = 5;
    memcpy(&version, buf + offsetof(sm_event_options, version), sizeof version);
    assert_int_equal(version, 1);
    memcpy(buf + offsetof(sm_event_options, slots), &slots, sizeof slots);
    sm_event *ev = NULL;
    assert_int_equal(sm_event_new(&ev, g_engine, o), SM_OK);
    assert_int_equal(sm_event_session_count(ev), 0);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    sm_event_plan_free(p);
    sm_event_free(ev);
    free(buf);
    sm_event_options o2;
    assert_int_equal(sm_event_options_init(&o2, 3), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_event_options_init(&o2, SM_EVENT_OPTIONS_VERSION), SM_OK);
    assert_null(o2.sessions);
}

static sm_status read_csv(sm_event *ev, sm_event_input kind, const char *text)
{
    return sm_event_read_csv(ev, kind, text, strlen(text), "t.csv");
}

static void availability_names_sessions(void **state)
{
    (void)state;
    sm_event *ev = new_event(8, 4, "morning=1-4,afternoon=5-8");
    assert_int_equal(read_csv(ev, SM_EVENT_PARTICIPANTS, "id,unavailable\nR-0001,afternoon\nR-0002,\nR-0003,1;afternoon\n"
                                                     "R-0004,\n"),
                     SM_OK);
    assert_int_equal(sm_event_set_unavailable_session(ev, rid(9), "morning"), SM_ERR_NOT_FOUND); /* not a participant */
    assert_int_equal(sm_event_set_unavailable_session(ev, rid(2), "evening"), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "sessions: morning, afternoon");
    assert_int_equal(sm_event_set_unavailable_session(ev, rid(2), "morning"), SM_OK);
    assert_int_equal(read_csv(ev, SM_EVENT_AVAILABILITY, "id,unavailable\nR-0004,2\nR-0004,evening\n"), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "t.csv:3: unavailable: \"evening\" is not a session");
    assert_int_equal(sm_error_last()->line, 3);
    assert_string_equal(sm_error_last()->field, "unavailable");
    assert_int_equal(read_csv(ev, SM_EVENT_AVAILABILITY, "id,unavailable\nR-0004,morning 7\n"), SM_OK);
    /* R-0001 only mornings, R-0002 only afternoons, R-0003 slots 2-4, R-0004 slots 5, 6, 8 */
    const char *reqs = "a,b,score\nR-0001,R-0002,0.5\nR-0001,R-0003,0.5\nR-0002,R-0004,0.5\nR-0003,R-0004,0.5\n";
    assert_int_equal(read_csv(ev, SM_EVENT_REQUESTS, reqs), SM_OK);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    bool seen[4] = { false };
    for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
        const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
        if (strcmp(m->a, "R-0001") == 0 && strcmp(m->b, "R-0003") == 0) {
            assert_true(m->slot >= 2 && m->slot <= 4);
            assert_string_equal(m->session, "morning");
            seen[0] = true;
        } else if (strcmp(m->a, "R-0002") == 0 && strcmp(m->b, "R-0004") == 0) {
            assert_true(m->slot == 5 || m->slot == 6 || m->slot == 8);
            assert_string_equal(m->session, "afternoon");
            seen[1] = true;
        } else {
            assert_true(strcmp(m->a, "R-0001") != 0 || strcmp(m->b, "R-0002") != 0);
            seen[2] = true;
        }
    }
    assert_true(seen[0] && seen[1]);
    /* R-0001 and R-0002 never share a session; R-0003 and R-0004 neither */
    assert_int_equal(sm_event_plan_unscheduled_count(p), 2);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(sm_event_plan_unscheduled_at(p, i)->reason, SM_EVENT_NO_COMMON_SLOT);
    assert_false(seen[2]);
    sm_event_plan_free(p);
    sm_event_free(ev);
    /* without sessions a name is an error that says so */
    ev = new_event(8, 4, NULL);
    assert_int_equal(read_csv(ev, SM_EVENT_PARTICIPANTS, "id,unavailable\nR-0001,morning\n"), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "no sessions are set");
    assert_int_equal(sm_event_participant_count(ev), 0);
    sm_event_free(ev);
}

/* ---- the checker, with idle gaps recounted per session ---------------------------- */

typedef struct inst {
    size_t n;
    unsigned cap[48];
    uint64_t unavail[48];
    unsigned slots, tables;
    unsigned n_sess, first[8], last[8];
} inst;

static long idx_of(const char *id)
{
    return strtol(id + 2, NULL, 10);
}

static int session_of(const inst *in, unsigned s)
{
    for (unsigned i = 0; i < in->n_sess; i++)
        if (s >= in->first[i] && s <= in->last[i])
            return (int)i;
    return -1;
}

/* Idle slots: within each session, the free available slots between the
 * first and the last meeting there. Written from the definition, slot by slot. */
static size_t idle(const inst *in, size_t v, const uint64_t *busy)
{
    size_t g = 0;
    for (unsigned i = 0; i < in->n_sess; i++) {
        unsigned lo = 0, hi = 0;
        for (unsigned s = in->first[i]; s <= in->last[i]; s++)
            if (busy[v] >> (s - 1) & 1u) {
                lo = lo ? lo : s;
                hi = s;
            }
        for (unsigned s = lo; lo && s <= hi; s++)
            g += !(busy[v] >> (s - 1) & 1u) && !(in->unavail[v] >> (s - 1) & 1u);
    }
    return g;
}

static void check(const sm_event_plan *p, const inst *in)
{
    uint64_t busy[48] = { 0 };
    unsigned deg[48] = { 0 }, per_slot[64] = { 0 };
    const sm_event_stats *st = sm_event_plan_stats(p);
    for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
        const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
        assert_true(m->slot >= 1 && m->slot <= in->slots);
        int k = session_of(in, m->slot);
        assert_true(k >= 0); /* never in a break between sessions */
        char want[16];
        snprintf(want, sizeof want, "s%d", k);
        assert_string_equal(m->session, want);
        assert_true(m->table >= 1 && m->table <= in->tables);
        long ab[2] = { idx_of(m->a), idx_of(m->b) };
        for (int e = 0; e < 2; e++) {
            uint64_t bit = 1ull << (m->slot - 1);
            assert_false(busy[ab[e]] & bit);
            assert_false(in->unavail[ab[e]] & bit);
            busy[ab[e]] |= bit;
            deg[ab[e]]++;
        }
        for (size_t j = 0; j < i; j++) {
            const sm_event_meeting *o = sm_event_plan_meeting_at(p, j);
            assert_false(o->slot == m->slot && o->table == m->table);
        }
        per_slot[m->slot - 1]++;
    }
    size_t gaps = 0;
    unsigned delta = 0, open = 0;
    for (size_t v = 0; v < in->n; v++) {
        assert_true(deg[v] <= in->cap[v]);
        gaps += idle(in, v, busy);
        delta = deg[v] > delta ? deg[v] : delta;
    }
    assert_int_equal(st->gaps, gaps);
    for (unsigned s = 1; s <= in->slots; s++) {
        assert_true(per_slot[s - 1] <= in->tables);
        open += session_of(in, s) >= 0;
    }
    /* the lower bound counts only the slots of sessions */
    unsigned need = (unsigned)((st->meetings + in->tables - 1) / in->tables);
    assert_int_equal(st->slots_lower_bound, delta > need ? delta : need);
    assert_true(st->slots_lower_bound <= open || !st->meetings);
    assert_true(st->slots_used >= st->slots_lower_bound || !st->meetings);
}

static sm_event *random_event(inst *in, unsigned seed, char *text, size_t cap)
{
    srand(seed);
    in->n = 8 + (size_t)(rand() % 40);
    in->slots = 4 + (unsigned)(rand() % 20);
    in->tables = 1 + (unsigned)(rand() % 8);
    /* 1..4 sessions with a break of 0..2 slots between them */
    in->n_sess = 0;
    size_t off = 0;
    text[0] = '\0';
    unsigned s = 1 + (unsigned)(rand() % 2);
    while (s <= in->slots && in->n_sess < 4) {
        unsigned len = 1 + (unsigned)(rand() % 8);
        unsigned last = s + len - 1 <= in->slots ? s + len - 1 : in->slots;
        in->first[in->n_sess] = s;
        in->last[in->n_sess] = last;
        off += (size_t)snprintf(text + off, cap - off, "%ss%u=%u-%u", in->n_sess ? "," : "", in->n_sess, s, last);
        in->n_sess++;
        s = last + 1 + (unsigned)(rand() % 3);
    }
    sm_event *ev = new_event(in->slots, in->tables, text);
    for (size_t v = 0; v < in->n; v++) {
        in->cap[v] = 1 + (unsigned)(rand() % 6);
        assert_int_equal(sm_event_add_participant(ev, rid(v), in->cap[v], NULL), SM_OK);
        in->unavail[v] = 0;
        if (rand() % 4 == 0) {
            unsigned k = (unsigned)rand() % in->n_sess;
            char name[16];
            snprintf(name, sizeof name, "s%u", k);
            assert_int_equal(sm_event_set_unavailable_session(ev, rid(v), name), SM_OK);
            for (unsigned t = in->first[k]; t <= in->last[k]; t++)
                in->unavail[v] |= 1ull << (t - 1);
        }
        if (rand() % 4 == 0) {
            unsigned t = 1 + (unsigned)(rand() % in->slots);
            assert_int_equal(sm_event_set_unavailable(ev, rid(v), t, t), SM_OK);
            in->unavail[v] |= 1ull << (t - 1);
        }
    }
    for (size_t a = 0; a < in->n; a++)
        for (size_t b = a + 1; b < in->n; b++)
            if (rand() % 5 == 0)
                assert_int_equal(sm_event_add_wish(ev, rid(a), rid(b), (unsigned)(rand() % 3), (rand() % 100) / 100.0,
                                                   SM_WISH_REQUESTED, 0, 0),
                                 SM_OK);
    return ev;
}

static void random_schedules_with_sessions(void **state)
{
    (void)state;
    size_t total_gaps = 0, across = 0;
    for (unsigned seed = 1; seed <= 40; seed++) {
        inst in;
        char text[256];
        sm_event *ev = random_event(&in, seed, text, sizeof text);
        sm_event_plan *p = NULL, *q = NULL;
        assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
        check(p, &in);
        total_gaps += sm_event_plan_stats(p)->gaps;
        /* the same meetings counted without sessions: the breaks between
         * sessions would be idle gaps */
        inst one = in;
        one.n_sess = 1;
        one.first[0] = 1;
        one.last[0] = in.slots;
        uint64_t busy[48] = { 0 };
        for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
            const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
            busy[idx_of(m->a)] |= 1ull << (m->slot - 1);
            busy[idx_of(m->b)] |= 1ull << (m->slot - 1);
        }
        for (size_t v = 0; v < in.n; v++)
            across += idle(&one, v, busy);
        assert_int_equal(sm_event_plan_new(&q, ev, SM_EVENT_ALL), SM_OK);
        assert_int_equal(sm_event_plan_meeting_count(p), sm_event_plan_meeting_count(q));
        for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
            assert_int_equal(sm_event_plan_meeting_at(p, i)->slot, sm_event_plan_meeting_at(q, i)->slot);
            assert_int_equal(sm_event_plan_meeting_at(p, i)->table, sm_event_plan_meeting_at(q, i)->table);
        }
        sm_event_plan_free(p);
        sm_event_plan_free(q);
        sm_event_free(ev);
    }
    /* the checks above can fail: the day as one session counts more */
    assert_true(across > total_gaps);
    print_message("# sessions: %zu idle gaps within sessions, %zu if the day were one session\n", total_gaps, across);
}

/* A participant busy at the end of the morning and the start of the
 * afternoon has no idle gap; one with meetings at 1 and 3 has one. */
static void a_break_between_sessions_is_not_a_gap(void **state)
{
    (void)state;
    sm_event *ev = new_event(6, 1, "morning=1-3,afternoon=4-6");
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sm_event_add_participant(ev, rid(i), 0, NULL), SM_OK);
    /* R-0000 is away but for slots 3 and 4 */
    assert_int_equal(sm_event_set_unavailable(ev, rid(0), 1, 2), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, rid(0), 5, 6), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(1), 1, 0.5, SM_WISH_REQUESTED, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(2), 1, 0.5, SM_WISH_REQUESTED, 0, 0), SM_OK);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    assert_int_equal(sm_event_plan_meeting_count(p), 2);
    assert_int_equal(sm_event_plan_stats(p)->gaps, 0);
    assert_int_equal(sm_event_plan_session_count(p), 2);
    sm_event_session s;
    assert_int_equal(sm_event_plan_session_at(&s, p, 1), SM_OK);
    assert_string_equal(s.name, "afternoon");
    assert_int_equal(sm_event_plan_session_at(&s, p, 2), SM_ERR_RANGE);
    sm_event_plan_free(p);
    sm_event_free(ev);
}

/* ---- outputs ------------------------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void outputs_show_sessions(void **state)
{
    (void)state;
    sm_event *ev = new_event(6, 2, "morning=1-2@09:00,afternoon=4-6@13:30");
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sm_event_add_participant(ev, rid(i), 0, NULL), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(1), 0, 0.5, SM_WISH_LOCKED, 2, 1), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(2), 0, 0.5, SM_WISH_LOCKED, 5, 1), SM_OK);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    char path[] = "/tmp/sm_sess_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(sm_event_plan_write_csv(p, path), SM_OK);
    const char *t = slurp(path);
    assert_non_null(strstr(t, "slot,table,a,b,weight,score,status,session\n"));
    assert_non_null(strstr(t, "2,1,R-0000,R-0001,0.5000,0.5000,locked,morning\n"));
    assert_non_null(strstr(t, "5,1,R-0000,R-0002,0.5000,0.5000,locked,afternoon\n"));
    /* the schedule with its session column reads back as locks */
    sm_event *ev2 = new_event(6, 2, "morning=1-2@09:00,afternoon=4-6@13:30");
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sm_event_add_participant(ev2, rid(i), 0, NULL), SM_OK);
    assert_int_equal(sm_event_load_csv(ev2, SM_EVENT_LOCKS, path), SM_OK);
    assert_int_equal(sm_event_wish_count(ev2), 2);
    sm_event_free(ev2);
    assert_int_equal(sm_event_plan_write_json(p, path), SM_OK);
    t = slurp(path);
    assert_non_null(strstr(t, "\"status\": \"locked\", \"session\": \"morning\"}"));
    assert_non_null(strstr(t, "\"sessions\": [\n  {\"name\": \"morning\", \"first\": 1, \"last\": 2, \"start\": \"09:00\"},"));
    assert_int_equal(sm_event_plan_write_agenda(p, rid(0), path, "2027-03-10T09:00", 30), SM_OK);
    t = slurp(path);
    assert_non_null(strstr(t, "-- morning (slots 1-2): 1 meeting\n"));
    assert_non_null(strstr(t, "3     10:00-10:30  -      (break)\n"));
    assert_non_null(strstr(t, "-- afternoon (slots 4-6): 1 meeting\n"));
    assert_non_null(strstr(t, "5     14:00-14:30  1      R-0002"));
    assert_true(strstr(t, "-- morning") < strstr(t, "1     09:00-09:30"));
    assert_int_equal(sm_event_plan_write_ics(p, rid(0), path, "2027-03-10T09:00", 30), SM_OK);
    t = slurp(path);
    assert_non_null(strstr(t, "DTSTART:20270310T093000\r\n"));
    assert_non_null(strstr(t, "DTSTART:20270310T140000\r\nDTEND:20270310T143000\r\n"));
    assert_non_null(strstr(t, "DESCRIPTION:Session afternoon\\, slot 5\r\nCATEGORIES:afternoon\r\n"));
    /* an afternoon that would start before the morning ends */
    assert_int_equal(sm_event_plan_write_ics(p, rid(0), path, "2027-03-10T09:00", 240), SM_ERR_RANGE);
    tu_assert_error(SM_ERR_RANGE, "session \"afternoon\" starts at 13:30, before slot 3 ends at 21:00");
    assert_int_equal(sm_event_plan_write_agenda(p, rid(0), path, "2027-03-10T09:00", 240), SM_ERR_RANGE);
    remove(path);
    /* written atomically: a write that cannot be renamed into place (the
     * target is a directory) fails and leaves no temporary file */
    char dir[] = "/tmp/sm_sess_dir_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char target[64];
    snprintf(target, sizeof target, "%s/out", dir);
    assert_int_equal(mkdir(target, 0700), 0);
    assert_int_equal(sm_event_plan_write_csv(p, target), SM_ERR_IO);
    tu_assert_error(SM_ERR_IO, "cannot write");
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        entries += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 1); /* only "out" */
    rmdir(target);
    rmdir(dir);
    sm_event_plan_free(p);
    sm_event_free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sessions_are_parsed),
        cmocka_unit_test(version_1_options_are_accepted),
        cmocka_unit_test(availability_names_sessions),
        cmocka_unit_test(random_schedules_with_sessions),
        cmocka_unit_test(a_break_between_sessions_is_not_a_gap),
        cmocka_unit_test(outputs_show_sessions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
