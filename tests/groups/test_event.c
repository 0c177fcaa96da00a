/* The event planner (lib/groups/event*.c): hand-checked selections, a checker
 * of every schedule constraint on random events, determinism, the CSV files
 * with their error messages, impossible must/locked meetings, and the
 * allocation-failure sweep over the whole planner. The exactness of the
 * selection against external solvers is checked in
 * bindings/python/tests/test_events.py (networkx, CBC). */
#define SM_EXPERIMENTAL_API
#include "test_util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sm_engine *g_engine;

static int setup(void **state)
{
    (void)state;
    g_engine = tu_random_engine(300);
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

static unsigned g_effort = 2;

static sm_event *new_event(unsigned slots, unsigned tables, unsigned capacity, int fairness)
{
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.effort = g_effort;
    o.slots = slots;
    o.tables = tables;
    o.capacity = capacity;
    o.fairness = fairness;
    sm_event *ev = NULL;
    assert_int_equal(sm_event_new(&ev, g_engine, &o), SM_OK);
    return ev;
}

static bool has_meeting(const sm_event_plan *p, const char *a, const char *b)
{
    for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
        const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
        if ((strcmp(m->a, a) == 0 && strcmp(m->b, b) == 0) || (strcmp(m->a, b) == 0 && strcmp(m->b, a) == 0))
            return true;
    }
    return false;
}

/* A path a-b-c-d: fairness first gives everyone a meeting (a-b, c-d, weight
 * 2) rather than the heavier middle edge alone (2.5); weight only takes it. */
static void fairness_first_then_weight(void **state)
{
    (void)state;
    for (int fair = 1; fair >= 0; fair--) {
        sm_event *ev = new_event(4, 4, 1, fair);
        for (size_t i = 0; i < 4; i++)
            assert_int_equal(sm_event_add_participant(ev, rid(i), 0, NULL), SM_OK);
        assert_int_equal(sm_event_add_wish(ev, rid(0), rid(1), 1, 0.0, SM_WISH_REQUESTED, 0, 0), SM_OK);
        assert_int_equal(sm_event_add_wish(ev, rid(1), rid(2), 2, 0.5, SM_WISH_REQUESTED, 0, 0), SM_OK);
        assert_int_equal(sm_event_add_wish(ev, rid(2), rid(3), 1, 0.0, SM_WISH_REQUESTED, 0, 0), SM_OK);
        sm_event_plan *p = NULL;
        assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
        const sm_event_stats *s = sm_event_plan_stats(p);
        if (fair) {
            assert_int_equal(s->meetings, 2);
            assert_true(has_meeting(p, rid(0), rid(1)) && has_meeting(p, rid(2), rid(3)));
            assert_int_equal(s->min_meetings, 1);
            /* the middle wish lost to the weakest meeting of a full participant */
            assert_int_equal(sm_event_plan_unscheduled_count(p), 1);
            const sm_event_unscheduled *u = sm_event_plan_unscheduled_at(p, 0);
            assert_int_equal(u->reason, SM_EVENT_CAPACITY_BOTH);
            assert_true(strlen(u->other) > 0);
        } else {
            assert_int_equal(s->meetings, 1);
            assert_true(has_meeting(p, rid(1), rid(2)));
            assert_float_equal(s->weight, 2.5, 1e-12);
        }
        /* the LP dual of a path is exact: weight only, the middle wish alone
         * (½·Σ of each participant's heaviest wish would say (1 + 2.5 + 2.5 +
         * 1) / 2); fairness first, everyone's one meeting is proven, and
         * with it the bound drops to the two outer wishes */
        assert_float_equal(s->weight_bound, fair ? 2.0 : 2.5, 1e-9);
        /* the exact search proves both objectives on four participants */
        assert_true(s->selection_optimal);
        sm_event_plan_free(p);
        sm_event_free(ev);
    }
}

/* ---- a checker of every constraint ------------------------------------------- */

typedef struct inst {
    size_t n;
    unsigned cap[64];
    uint64_t unavail[64];
    unsigned slots, tables;
    uint64_t breaks;
} inst;

static long idx_of(const char *id)
{
    return strtol(id + 2, NULL, 10);
}

static void check(const sm_event_plan *p, const inst *in)
{
    uint64_t busy[64] = { 0 };
    unsigned deg[64] = { 0 };
    unsigned per_slot[64] = { 0 };
    const sm_event_stats *s = sm_event_plan_stats(p);
    uint64_t used = 0;
    for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
        const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
        assert_true(m->slot >= 1 && m->slot <= in->slots);
        assert_false(in->breaks >> (m->slot - 1) & 1u);
        assert_true(m->table >= 1 && m->table <= in->tables);
        assert_int_not_equal(m->status, SM_WISH_DECLINED);
        long ab[2] = { idx_of(m->a), idx_of(m->b) };
        for (int k = 0; k < 2; k++) {
            uint64_t bit = 1ull << (m->slot - 1);
            assert_false(busy[ab[k]] & bit);      /* nobody in two meetings at once */
            assert_false(in->unavail[ab[k]] & bit); /* availability */
            busy[ab[k]] |= bit;
            deg[ab[k]]++;
        }
        /* tables distinct within a slot */
        for (size_t j = 0; j < i; j++) {
            const sm_event_meeting *o = sm_event_plan_meeting_at(p, j);
            assert_false(o->slot == m->slot && o->table == m->table);
        }
        per_slot[m->slot - 1]++;
        used |= 1ull << (m->slot - 1);
    }
    for (unsigned t = 0; t < in->slots; t++)
        assert_true(per_slot[t] <= in->tables);
    for (size_t v = 0; v < in->n; v++)
        assert_true(deg[v] <= in->cap[v]);
    unsigned n_used = 0;
    for (unsigned t = 0; t < 64; t++)
        n_used += (unsigned)(used >> t & 1u);
    assert_int_equal(s->slots_used, n_used);
    if (s->meetings)
        assert_true(s->slots_used >= s->slots_lower_bound);
    assert_true(s->weight <= s->weight_bound + 1e-9);
}

static sm_event *random_event(inst *in, unsigned seed)
{
    srand(seed);
    in->n = 8 + (size_t)(rand() % 56);
    in->slots = 2 + (unsigned)(rand() % 15);
    in->tables = 1 + (unsigned)(rand() % 12);
    in->breaks = rand() % 3 == 0 ? 1ull << (rand() % in->slots) : 0;
    /* the checker is about schedules; short searches keep it fast under the
     * sanitizers (the selection's quality is measured in test_events.py) */
    g_effort = seed % 8 == 0 ? 2 : 1;
    sm_event *ev = new_event(in->slots, in->tables, 4, 1);
    g_effort = 2;
    for (unsigned t = 0; t < in->slots; t++)
        if (in->breaks >> t & 1u)
            assert_int_equal(sm_event_set_slot_tables(ev, t + 1, 0), SM_OK);
    for (size_t v = 0; v < in->n; v++) {
        in->cap[v] = 1 + (unsigned)(rand() % 6);
        assert_int_equal(sm_event_add_participant(ev, rid(v), in->cap[v], NULL), SM_OK);
        in->unavail[v] = 0;
        if (rand() % 4 == 0) {
            unsigned first = 1 + (unsigned)(rand() % in->slots);
            assert_int_equal(sm_event_set_unavailable(ev, rid(v), first, first), SM_OK);
            in->unavail[v] = 1ull << (first - 1);
        }
    }
    for (size_t a = 0; a < in->n; a++)
        for (size_t b = a + 1; b < in->n; b++)
            if (rand() % 6 == 0) {
                sm_wish_status st = rand() % 10 == 0 ? SM_WISH_DECLINED : SM_WISH_REQUESTED;
                assert_int_equal(
                    sm_event_add_wish(ev, rid(a), rid(b), (unsigned)(rand() % 3), (rand() % 100) / 100.0, st, 0, 0),
                    SM_OK);
            }
    return ev;
}

static void random_schedules_are_valid_and_deterministic(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 40; seed++) {
        inst in;
        sm_event *ev = random_event(&in, seed);
        sm_event_plan *p = NULL, *q = NULL;
        assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
        check(p, &in);
        assert_int_equal(sm_event_plan_new(&q, ev, SM_EVENT_ALL), SM_OK);
        assert_int_equal(sm_event_plan_meeting_count(p), sm_event_plan_meeting_count(q));
        for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
            const sm_event_meeting *x = sm_event_plan_meeting_at(p, i), *y = sm_event_plan_meeting_at(q, i);
            assert_string_equal(x->a, y->a);
            assert_string_equal(x->b, y->b);
            assert_int_equal(x->slot, y->slot);
            assert_int_equal(x->table, y->table);
        }
        /* every wish is either a meeting or unscheduled */
        assert_int_equal(sm_event_plan_meeting_count(p) + sm_event_plan_unscheduled_count(p),
                         sm_event_wish_count(ev));
        sm_event_plan_free(p);
        sm_event_plan_free(q);
        sm_event_free(ev);
    }
}

static void locked_and_must_meetings(void **state)
{
    (void)state;
    sm_event *ev = new_event(4, 2, 2, 1);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(sm_event_add_participant(ev, rid(i), 0, NULL), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(1), 0, 0.1, SM_WISH_LOCKED, 3, 2), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(2), rid(3), 0, 0.0, SM_WISH_MUST, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(2), 5, 0.9, SM_WISH_REQUESTED, 0, 0), SM_OK);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    bool locked = false, must = false;
    for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
        const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
        if (m->status == SM_WISH_LOCKED) {
            assert_int_equal(m->slot, 3);
            assert_int_equal(m->table, 2);
            locked = true;
        }
        must |= m->status == SM_WISH_MUST;
    }
    assert_true(locked && must);
    sm_event_plan_free(p);
    /* a second locked meeting of R-0001 in the same slot is impossible */
    assert_int_equal(sm_event_add_wish(ev, rid(1), rid(4), 0, 0.0, SM_WISH_LOCKED, 3, 0), SM_OK);
    p = (sm_event_plan *)&p;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_ERR_INVALID_ARGUMENT);
    assert_ptr_equal(p, (sm_event_plan *)&p); /* untouched on failure */
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "locked meeting");
    sm_event_free(ev);

    /* must beyond capacity */
    ev = new_event(4, 2, 1, 1);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(sm_event_add_participant(ev, rid(i), 0, NULL), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(1), 0, 0.0, SM_WISH_MUST, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(2), 0, 0.0, SM_WISH_MUST, 0, 0), SM_OK);
    p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_ERR_INVALID_ARGUMENT);
    tu_assert_error(SM_ERR_INVALID_ARGUMENT, "room for 1");
    /* without selection, the wishes exceed the capacity */
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_SCHEDULE), SM_ERR_LIMIT);
    sm_event_free(ev);
}

static void argument_errors(void **state)
{
    (void)state;
    sm_event *ev = NULL;
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.slots = 65;
    assert_int_equal(sm_event_new(&ev, g_engine, &o), SM_ERR_RANGE);
    assert_null(ev);
    o.slots = 8;
    o.version = 99;
    assert_int_equal(sm_event_new(&ev, g_engine, &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_event_new(&ev, NULL, NULL), SM_ERR_INVALID_ARGUMENT);
    ev = new_event(8, 4, 4, 1);
    assert_int_equal(sm_event_add_participant(ev, "nobody", 0, NULL), SM_ERR_NOT_FOUND);
    tu_assert_error(SM_ERR_NOT_FOUND, "not an SME of the engine");
    assert_int_equal(sm_event_add_participant(ev, rid(1), 0, "buyer"), SM_OK);
    assert_int_equal(sm_event_add_participant(ev, rid(1), 0, NULL), SM_ERR_DUPLICATE);
    assert_int_equal(sm_event_add_participant(ev, rid(2), 65, NULL), SM_ERR_RANGE);
    assert_int_equal(sm_event_add_participant(ev, rid(2), 2, "seller"), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, rid(2), 3, 2), SM_ERR_RANGE);
    assert_int_equal(sm_event_set_unavailable(ev, rid(3), 1, 1), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_event_set_slot_tables(ev, 9, 1), SM_ERR_RANGE);
    assert_int_equal(sm_event_add_wish(ev, rid(1), rid(1), 0, 0.5, SM_WISH_REQUESTED, 0, 0), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_event_add_wish(ev, rid(1), rid(2), 0, 1.5, SM_WISH_REQUESTED, 0, 0), SM_ERR_RANGE);
    assert_int_equal(sm_event_add_wish(ev, rid(1), rid(2), 0, 0.5, SM_WISH_LOCKED, 0, 0), SM_ERR_RANGE);
    assert_int_equal(sm_event_add_wish(ev, rid(1), rid(2), 0, 0.5, SM_WISH_REQUESTED, 2, 0), SM_ERR_RANGE);
    assert_int_equal(sm_event_add_wish(ev, rid(1), rid(2), 1001, 0.5, SM_WISH_REQUESTED, 0, 0), SM_ERR_RANGE);
    /* NaN asks the engine */
    assert_int_equal(sm_event_add_wish(ev, rid(1), rid(2), 0, NAN, SM_WISH_REQUESTED, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(2), rid(1), 3, 0.0, SM_WISH_ACCEPTED, 0, 0), SM_OK);
    assert_int_equal(sm_event_wish_count(ev), 1); /* one pair, merged */
    assert_int_equal(sm_event_wishes_from_top(ev, 0, NULL), SM_ERR_RANGE);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, 0), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    assert_true(sm_event_plan_stats(p)->bipartite);
    assert_float_equal(sm_event_plan_meeting_at(p, 0)->weight, 3 + 1 + sm_event_plan_meeting_at(p, 0)->score, 1e-12);
    assert_null(sm_event_plan_meeting_at(p, 1));
    assert_int_equal(sm_event_plan_write_agenda(p, "nobody", "-", NULL, 30), SM_ERR_NOT_FOUND);
    assert_int_equal(sm_event_plan_write_ics(p, rid(1), "-", "2027-13-01T09:00", 30), SM_ERR_PARSE);
    assert_int_equal(sm_event_plan_write_ics(p, rid(1), "-", "2027-03-01T09:00", 0), SM_ERR_RANGE);
    assert_int_equal(sm_event_plan_write_csv(p, "/nonexistent/dir/x.csv"), SM_ERR_IO);
    assert_string_equal(sm_event_reason_name(SM_EVENT_NO_TABLE), "no_table");
    assert_string_equal(sm_event_reason_name((sm_event_reason)99), "unknown");
    assert_string_equal(sm_wish_status_name(SM_WISH_MUST), "must");
    sm_event_plan_free(p);
    sm_event_plan_free(NULL);
    sm_event_free(ev);
    sm_event_free(NULL);
}

static void wishes_from_top_among_participants(void **state)
{
    (void)state;
    sm_event *ev = new_event(8, 10, 3, 1);
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(sm_event_add_participant(ev, rid(i * 7), 0, i % 2 ? "buyer" : "seller"), SM_OK);
    assert_int_equal(sm_event_wishes_from_top(ev, 3, NULL), SM_OK);
    assert_true(sm_event_wish_count(ev) >= 60); /* 40 x 3, pairs merged */
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    const sm_event_stats *s = sm_event_plan_stats(p);
    assert_true(s->bipartite); /* only pairs across the groups */
    assert_true(s->slots_used <= s->slots_lower_bound + 1);
    sm_event_plan_free(p);
    sm_event_free(ev);
}

/* ---- CSV files ------------------------------------------------------------- */

static sm_status read(sm_event *ev, sm_event_input kind, const char *text)
{
    return sm_event_read_csv(ev, kind, text, strlen(text), "t.csv");
}

static void csv_files(void **state)
{
    (void)state;
    sm_event *ev = new_event(6, 3, 2, 1);
    assert_int_equal(read(ev, SM_EVENT_PARTICIPANTS, "id,capacity,group,unavailable\n"
                                                     "R-0001,3,,1-2\nR-0002,,,\n\"R-0003\",1,x,6\nR-0004,,,\n"),
                     SM_OK);
    assert_int_equal(sm_event_participant_count(ev), 4);
    /* all or nothing: line 3 fails, line 2 is not added */
    assert_int_equal(read(ev, SM_EVENT_PARTICIPANTS, "id\nR-0005\nR-0001\n"), SM_ERR_DUPLICATE);
    tu_assert_error(SM_ERR_DUPLICATE, "t.csv:3:");
    assert_int_equal(sm_event_participant_count(ev), 4);
    assert_int_equal(read(ev, SM_EVENT_PARTICIPANTS, "id,capacity\nR-0005,x\n"), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "t.csv:2: capacity");
    assert_int_equal(sm_error_last()->column, 2);
    assert_int_equal(read(ev, SM_EVENT_PARTICIPANTS, "name\nR-0005\n"), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "no \"id\" column");
    assert_int_equal(read(ev, SM_EVENT_PARTICIPANTS, ""), SM_ERR_PARSE);
    assert_int_equal(read(ev, SM_EVENT_PARTICIPANTS, "id\n\"R-0005\n"), SM_ERR_PARSE);
    assert_int_equal(read(ev, SM_EVENT_AVAILABILITY, "id,unavailable\nR-0002,3;5\nR-0004,9\n"), SM_ERR_RANGE);
    assert_int_equal(read(ev, SM_EVENT_AVAILABILITY, "id,unavailable\nR-0002,3;5\nR-0004,x\n"), SM_ERR_PARSE);
    assert_int_equal(read(ev, SM_EVENT_AVAILABILITY, "id,unavailable\nR-0002,3;5\n"), SM_OK);
    assert_int_equal(read(ev, SM_EVENT_REQUESTS, "a,b,priority,status,score\nR-0001,R-0002,2,accepted,0.5\n"
                                                 "R-0001,R-0003,,declined,\nR-0002,R-0004,1,requested,0.25\n"),
                     SM_OK);
    assert_int_equal(sm_event_wish_count(ev), 3);
    assert_int_equal(read(ev, SM_EVENT_REQUESTS, "a,b,status\nR-0001,R-0004,maybe\n"), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "not one of requested");
    assert_int_equal(read(ev, SM_EVENT_REQUESTS, "a,b\nR-0001,R-0009\n"), SM_ERR_NOT_FOUND);
    assert_int_equal(read(ev, SM_EVENT_LOCKS, "slot,table,a,b\n4,1,R-0003,R-0004\n"), SM_OK);
    assert_int_equal(read(ev, SM_EVENT_LOCKS, "table,a,b\n1,R-0003,R-0004\n"), SM_ERR_PARSE);
    assert_int_equal(sm_event_wish_count(ev), 4);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    size_t declined = 0;
    for (size_t i = 0; i < sm_event_plan_unscheduled_count(p); i++)
        declined += sm_event_plan_unscheduled_at(p, i)->reason == SM_EVENT_DECLINED;
    assert_int_equal(declined, 1);
    for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
        const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
        if (strcmp(m->a, "R-0001") == 0 || strcmp(m->b, "R-0001") == 0)
            assert_true(m->slot > 2); /* R-0001 is away in slots 1-2 */
        if (m->status == SM_WISH_LOCKED)
            assert_int_equal(m->slot, 4);
    }
    /* the written schedule reads back as locks */
    char path[] = "/tmp/sm_event_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(sm_event_plan_write_csv(p, path), SM_OK);
    sm_event *ev2 = new_event(6, 3, 2, 1);
    assert_int_equal(read(ev2, SM_EVENT_PARTICIPANTS, "id\nR-0001\nR-0002\nR-0003\nR-0004\n"), SM_OK);
    assert_int_equal(sm_event_load_csv(ev2, SM_EVENT_LOCKS, path), SM_OK);
    assert_int_equal(sm_event_wish_count(ev2), sm_event_plan_meeting_count(p));
    remove(path);
    assert_int_equal(sm_event_load_csv(ev2, SM_EVENT_LOCKS, path), SM_ERR_IO);
    sm_event_plan_free(p);
    sm_event_free(ev2);
    sm_event_free(ev);
}

/* ---- allocation failure ----------------------------------------------------------- */

static void allocation_failure_sweep(void **state)
{
    (void)state;
    long points = 0;
    char locks_path[] = "/tmp/sm_event_locks_XXXXXX";
    int fd = mkstemp(locks_path);
    assert_true(fd >= 0);
    FILE *lf = fdopen(fd, "w");
    assert_non_null(lf);
    fputs("slot,table,a,b\n2,1,S05,S06\n", lf);
    fclose(lf);
    for (long n = 1;; n++) {
        tu_alloc_state st = { 0 };
        sm_allocator a = tu_allocator(&st);
        sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
        eo.allocator = &a;
        eo.taxonomies = SM_TAXONOMY_NONE;
        sm_engine *e = NULL;
        assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
        sm_region_desc rd = SM_REGION_DESC_INIT;
        rd.code = "SI";
        rd.name = "Slovenija";
        assert_int_equal(sm_region_put(e, &rd), SM_OK);
        assert_int_equal(sm_sector_put(e, "C", "Manufacturing", "C"), SM_OK);
        for (int i = 0; i < 12; i++) {
            char id[16];
            snprintf(id, sizeof id, "S%02d", i);
            assert_int_equal(tu_put(e, id, "SI", "C", i % 2 ? "steel;wood" : "paint", i % 3 ? "steel" : "wood",
                                    SM_COOP_SUPPLY, "sl", SM_SIZE_SMALL),
                             SM_OK);
        }
        long base = st.calls;
        st.fail_at = base + n;
        sm_status s;
        sm_event *ev = NULL;
        sm_event_plan *p = NULL;
        sm_event_options o = SM_EVENT_OPTIONS_INIT;
        o.slots = 6;
        o.tables = 3;
        o.capacity = 3;
        o.sessions = "early=1-4,late=5-6";
        s = sm_event_new(&ev, e, &o);
        const char *parts =
            "id,capacity,unavailable,group\nS00,2,1,x\nS01,,,\nS02,,,\nS03,1,,\nS04,,,\nS05,,,\nS06,,,\nS07,,,\n";
        if (!s)
            s = sm_event_read_csv(ev, SM_EVENT_PARTICIPANTS, parts, strlen(parts), "p.csv");
        if (!s)
            s = sm_event_add_participant(ev, "S08", 0, "g");
        /* JSON: the list of "unavailable" becomes text, jansson allocates through the engine */
        const char *jparts = "{\"participants\": [{\"id\": \"S09\", \"unavailable\": [1, \"2-3\", \"late\"]},"
                             " {\"id\": \"S10\", \"capacity\": 2}]}";
        if (!s)
            s = sm_event_read_json(ev, SM_EVENT_PARTICIPANTS, jparts, strlen(jparts), "p.json");
        const char *jreqs = "[{\"a\": \"S09\", \"b\": \"S10\", \"status\": \"accepted\"}, {\"a\": \"S10\", \"b\": \"S02\"}]";
        if (!s)
            s = sm_event_read_json(ev, SM_EVENT_REQUESTS, jreqs, strlen(jreqs), "r.json");
        const char *reqs = "a,b,status\nS00,S01,must\nS02,S03,\nS01,S04,declined\n";
        if (!s)
            s = sm_event_read_csv(ev, SM_EVENT_REQUESTS, reqs, strlen(reqs), "r.csv");
        if (!s)
            s = sm_event_load_csv(ev, SM_EVENT_LOCKS, locks_path);
        if (!s)
            s = sm_event_add_wish(ev, "S07", "S08", 1, NAN, SM_WISH_ACCEPTED, 0, 0);
        if (!s)
            s = sm_event_wishes_from_top(ev, 3, NULL);
        if (!s)
            s = sm_event_plan_new(&p, ev, SM_EVENT_ALL);
        bool failed = st.failed;
        /* libcsv retries a failed buffer growth with a smaller block, so a
         * failure inside it may be absorbed: then the reading succeeds */
        if (failed && s) {
            assert_int_equal(s, SM_ERR_NOMEM);
            assert_null(p);
            points++;
        } else {
            assert_int_equal(s, SM_OK);
            assert_true(sm_event_plan_meeting_count(p) > 0);
        }
        sm_event_plan_free(p);
        sm_event_free(ev);
        st.fail_at = 0;
        sm_engine_free(e);
        assert_int_equal(st.live, 0);
        if (!failed)
            break;
    }
    remove(locks_path);
    assert_true(points > 20);
    print_message("# event planner: %ld allocation points checked\n", points);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fairness_first_then_weight),
        cmocka_unit_test(random_schedules_are_valid_and_deterministic),
        cmocka_unit_test(locked_and_must_meetings),
        cmocka_unit_test(argument_errors),
        cmocka_unit_test(wishes_from_top_among_participants),
        cmocka_unit_test(csv_files),
        cmocka_unit_test(allocation_failure_sweep),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
