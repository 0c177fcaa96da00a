/* The event planner's exact selection (lib/groups/event_exact.c), its dual
 * bound (event_bound.c) and the refill of seats that scheduling left free
 * (event_refill.c). The oracle is brute force over every subset of wishes:
 * lexicographically the number of participants with at least 1, 2, ...
 * meetings, then the weight. */
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
    g_engine = tu_random_engine(40);
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

#define MAXN 10
#define MAXM 14
#define MAXCAP 3

typedef struct tiny {
    size_t n, m;
    unsigned cap[MAXN];
    unsigned a[MAXM], b[MAXM];
    double w[MAXM];
} tiny;

/* Objective of a subset: levels 1..MAXCAP, then weight; -1 if over capacity. */
static int objective(const tiny *t, unsigned mask, double obj[MAXCAP + 1])
{
    unsigned deg[MAXN] = { 0 };
    memset(obj, 0, (MAXCAP + 1) * sizeof *obj);
    for (size_t k = 0; k < t->m; k++)
        if (mask >> k & 1u) {
            deg[t->a[k]]++;
            deg[t->b[k]]++;
            obj[MAXCAP] += t->w[k];
        }
    for (size_t v = 0; v < t->n; v++) {
        if (deg[v] > t->cap[v])
            return -1;
        for (unsigned l = 1; l <= deg[v]; l++)
            obj[l - 1] += 1;
    }
    return 0;
}

static int lex(const double *x, const double *y, bool fairness)
{
    for (int k = fairness ? 0 : MAXCAP; k <= MAXCAP; k++) {
        if (x[k] > y[k] + 1e-9)
            return 1;
        if (x[k] < y[k] - 1e-9)
            return -1;
    }
    return 0;
}

static void brute(const tiny *t, bool fairness, double best[MAXCAP + 1])
{
    double obj[MAXCAP + 1];
    memset(best, 0, (MAXCAP + 1) * sizeof *best);
    for (unsigned mask = 0; mask < 1u << t->m; mask++)
        if (objective(t, mask, obj) == 0 && lex(obj, best, fairness) > 0)
            memcpy(best, obj, sizeof obj);
}

static void random_tiny(tiny *t, unsigned seed)
{
    srand(seed);
    t->n = 3 + (size_t)(rand() % (MAXN - 2));
    t->m = 0;
    for (size_t v = 0; v < t->n; v++)
        t->cap[v] = 1 + (unsigned)(rand() % MAXCAP);
    for (size_t a = 0; a < t->n; a++)
        for (size_t b = a + 1; b < t->n && t->m < MAXM; b++)
            if (rand() % 3 == 0) {
                t->a[t->m] = (unsigned)a;
                t->b[t->m] = (unsigned)b;
                /* few distinct weights: ties are where solvers go wrong */
                t->w[t->m] = rand() % 3 == 0 ? 0.5 : (rand() % 10) / 10.0;
                t->m++;
            }
}

/* Every tiny random event, both objectives: the plan's selection has the
 * brute-force optimum, says it is optimal, and its weight bound holds. */
static void exact_matches_brute_force(void **state)
{
    (void)state;
    int checked = 0;
    for (unsigned seed = 1; seed <= 60; seed++) {
        tiny t;
        random_tiny(&t, seed);
        for (int fair = 1; fair >= 0; fair--) {
            sm_event_options o = SM_EVENT_OPTIONS_INIT;
            o.fairness = fair;
            sm_event *ev = NULL;
            assert_int_equal(sm_event_new(&ev, g_engine, &o), SM_OK);
            for (size_t v = 0; v < t.n; v++)
                assert_int_equal(sm_event_add_participant(ev, rid(v), t.cap[v], NULL), SM_OK);
            for (size_t k = 0; k < t.m; k++)
                assert_int_equal(sm_event_add_wish(ev, rid(t.a[k]), rid(t.b[k]), 0, t.w[k], SM_WISH_REQUESTED, 0, 0),
                                 SM_OK);
            sm_event_plan *p = NULL;
            assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_SELECT), SM_OK);
            const sm_event_stats *s = sm_event_plan_stats(p);
            /* the plan's selection as a subset */
            unsigned mask = 0;
            for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
                const sm_event_meeting *mt = sm_event_plan_meeting_at(p, i);
                long x = strtol(mt->a + 2, NULL, 10), y = strtol(mt->b + 2, NULL, 10);
                for (size_t k = 0; k < t.m; k++)
                    if ((t.a[k] == x && t.b[k] == y) || (t.a[k] == y && t.b[k] == x))
                        mask |= 1u << k;
            }
            double got[MAXCAP + 1], want[MAXCAP + 1], weight_only[MAXCAP + 1];
            assert_int_equal(objective(&t, mask, got), 0);
            brute(&t, fair, want);
            assert_int_equal(lex(got, want, fair), 0);
            assert_true(s->selection_optimal);
            /* the bound is on the weight of the optimal selection; weight
             * only, of any selection */
            brute(&t, false, weight_only);
            assert_true(s->weight_bound >= want[MAXCAP] - 1e-9);
            if (!fair)
                assert_true(s->weight_bound >= weight_only[MAXCAP] - 1e-9);
            sm_event_plan_free(p);
            sm_event_free(ev);
            checked++;
        }
    }
    print_message("# exact selection: %d tiny events equal brute force\n", checked);
}

/* Odd cycles are where the LP relaxation is fractional: the search must
 * branch there and find the integral best. */
static void odd_cycles_are_branched(void **state)
{
    (void)state;
    /* two triangles of capacity-1 participants: the LP takes every wish at
     * 1/2 (3 meetings' worth each), a selection only one wish per triangle */
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.capacity = 1;
    sm_event *ev = NULL;
    assert_int_equal(sm_event_new(&ev, g_engine, &o), SM_OK);
    for (size_t v = 0; v < 6; v++)
        assert_int_equal(sm_event_add_participant(ev, rid(v), 0, NULL), SM_OK);
    for (size_t c = 0; c < 2; c++)
        for (size_t i = 0; i < 3; i++)
            assert_int_equal(sm_event_add_wish(ev, rid(3 * c + i), rid(3 * c + (i + 1) % 3), 0, 0.5 + 0.1 * (double)i,
                                               SM_WISH_REQUESTED, 0, 0),
                             SM_OK);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_SELECT), SM_OK);
    const sm_event_stats *s = sm_event_plan_stats(p);
    assert_int_equal(s->meetings, 2);
    assert_float_equal(s->weight, 1.4, 1e-9);
    assert_true(s->selection_optimal);
    /* the LP optimum is 0.9 a triangle; descent from half the heaviest
     * stops at 0.95, below the bound "half the heaviest" (1.0) */
    assert_true(s->weight_bound >= 1.4 - 1e-9 && s->weight_bound <= 2 * 0.95 + 1e-9);
    sm_event_plan_free(p);
    sm_event_free(ev);
}

/* Two slots of one table; a and c can only come to slot 1, so of the
 * selected a-b and c-d one cannot be placed. Its seat in slot 2 goes to the
 * wish b-d, which the selection had left out for lack of seats. */
static void dropped_meetings_free_their_seats(void **state)
{
    (void)state;
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.slots = 2;
    o.tables = 1;
    o.capacity = 2;
    sm_event *ev = NULL;
    assert_int_equal(sm_event_new(&ev, g_engine, &o), SM_OK);
    for (size_t v = 0; v < 4; v++)
        assert_int_equal(sm_event_add_participant(ev, rid(v), v % 2 ? 2 : 1, NULL), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, rid(0), 2, 2), SM_OK);
    assert_int_equal(sm_event_set_unavailable(ev, rid(2), 2, 2), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(0), rid(1), 1, 0.5, SM_WISH_REQUESTED, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(2), rid(3), 1, 0.4, SM_WISH_REQUESTED, 0, 0), SM_OK);
    assert_int_equal(sm_event_add_wish(ev, rid(1), rid(3), 0, 0.1, SM_WISH_REQUESTED, 0, 0), SM_OK);
    sm_event_plan *p = NULL;
    assert_int_equal(sm_event_plan_new(&p, ev, SM_EVENT_ALL), SM_OK);
    const sm_event_stats *s = sm_event_plan_stats(p);
    assert_int_equal(s->meetings, 2);
    assert_int_equal(s->refilled, 1);
    assert_false(s->selection_optimal);
    bool bd = false;
    for (size_t i = 0; i < s->meetings; i++) {
        const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
        if (strcmp(m->a, rid(1)) == 0 && strcmp(m->b, rid(3)) == 0) {
            bd = true;
            assert_int_equal(m->slot, 2);
            assert_int_equal(m->table, 1);
        } else {
            assert_int_equal(m->slot, 1);
        }
    }
    assert_true(bd);
    assert_int_equal(sm_event_plan_unscheduled_count(p), 1);
    assert_int_equal(sm_event_plan_unscheduled_at(p, 0)->reason, SM_EVENT_NO_TABLE);
    sm_event_plan_free(p);
    sm_event_free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_matches_brute_force),
        cmocka_unit_test(odd_cycles_are_branched),
        cmocka_unit_test(dropped_meetings_free_their_seats),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
