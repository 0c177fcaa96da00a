/* Benchmark of the event planner (public API only): 5,000 participants,
 * 50,000 random meeting wishes (seeded), capacity 12, 16 slots, 400 tables.
 * Times selection and scheduling (wall and CPU), and prints one JSON object
 * with the times, the selection's weight against its upper bound, and the
 * slots used against their lower bound. scripts/bench runs it. Not a test:
 * nothing fails on a slow time.
 *
 * usage: sm_bench_event [--participants N] [--wishes M] [--capacity C] [--slots S] [--tables T] [--seed X]
 *                       [--effort 0|1|2] [--fairness 0|1] [--dump PREFIX]
 *
 * --dump PREFIX writes PREFIX.requests.csv (the wishes, as the planner's
 * requests file) and PREFIX.schedule.csv (the plan), so that another solver
 * can be run on the very same instance (scripts/event_gap.py). */
#define _GNU_SOURCE
#define SM_EXPERIMENTAL_API
#include "smartmatch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void check(sm_status st, const char *what)
{
    if (st) {
        fprintf(stderr, "sm_bench_event: %s: %s: %s\n", what, sm_status_str(st), sm_error_last()->message);
        exit(1);
    }
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

int main(int argc, char **argv)
{
    unsigned long n = 5000, m = 50000, cap = 12, slots = 16, tables = 400, seed = 2026, effort = 2, fair = 1;
    const char *dump = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        unsigned long v = strtoul(argv[i + 1], NULL, 10);
        if (!strcmp(argv[i], "--dump")) dump = argv[i + 1];
        else if (!strcmp(argv[i], "--participants")) n = v;
        else if (!strcmp(argv[i], "--wishes")) m = v;
        else if (!strcmp(argv[i], "--capacity")) cap = v;
        else if (!strcmp(argv[i], "--slots")) slots = v;
        else if (!strcmp(argv[i], "--tables")) tables = v;
        else if (!strcmp(argv[i], "--seed")) seed = v;
        else if (!strcmp(argv[i], "--effort")) effort = v;
        else if (!strcmp(argv[i], "--fairness")) fair = v;
        else {
            fprintf(stderr, "sm_bench_event: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    rng_state ^= seed * 0x9E3779B97F4A7C15ull;
    sm_engine *e = NULL;
    check(sm_engine_new(&e, NULL), "engine");
    static const char *const regions[] = { "SI041", "AT130", "HR050", "ITC4C", "DE212", "HU110", "CZ010", "PL911" };
    static const char *const sectors[] = { "25.11", "62.01", "28.41", "10.71", "46.69", "71.12" };
    char id[32];
    for (unsigned long i = 0; i < n; i++) {
        snprintf(id, sizeof id, "E%05lu", i);
        const char *sec[1] = { sectors[i % 6] };
        sm_sme_desc d = SM_SME_DESC_INIT;
        d.id = id;
        d.region = regions[i % 8];
        d.sectors = sec;
        d.n_sectors = 1;
        check(sm_sme_put(e, &d), "sme");
    }
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.slots = (unsigned)slots;
    o.tables = (unsigned)tables;
    o.capacity = (unsigned)cap;
    o.effort = (unsigned)effort;
    o.fairness = (int)fair;
    sm_event *ev = NULL;
    check(sm_event_new(&ev, e, &o), "event");
    for (unsigned long i = 0; i < n; i++) {
        snprintf(id, sizeof id, "E%05lu", i);
        check(sm_event_add_participant(ev, id, 0, NULL), "participant");
    }
    char ida[32], idb[32];
    FILE *df = NULL;
    if (dump) {
        char path[4096];
        snprintf(path, sizeof path, "%s.requests.csv", dump);
        df = fopen(path, "w");
        if (!df) {
            perror(path);
            return 1;
        }
        fputs("a,b,priority,score\n", df);
    }
    while (sm_event_wish_count(ev) < m) {
        unsigned long a = next() % n, b = next() % n;
        if (a == b)
            continue;
        snprintf(ida, sizeof ida, "E%05lu", a);
        snprintf(idb, sizeof idb, "E%05lu", b);
        double score = (double)(next() % 10000) / 10000.0;
        unsigned prio = (unsigned)(next() % 3 == 0);
        check(sm_event_add_wish(ev, ida, idb, prio, score, SM_WISH_REQUESTED, 0, 0), "wish");
        if (df) /* a pair given twice is one wish: the reader merges them as the planner does */
            fprintf(df, "%s,%s,%u,%.4f\n", ida, idb, prio, score);
    }
    if (df)
        fclose(df);
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    sm_event_plan *sel = NULL;
    check(sm_event_plan_new(&sel, ev, SM_EVENT_SELECT), "select");
    double w1 = clock_s(CLOCK_MONOTONIC), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    sm_event_plan *p = NULL;
    check(sm_event_plan_new(&p, ev, SM_EVENT_ALL), "plan");
    double w2 = clock_s(CLOCK_MONOTONIC), c2 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    const sm_event_stats *s = sm_event_plan_stats(p), *ss = sm_event_plan_stats(sel);
    if (dump) {
        char path[4096];
        snprintf(path, sizeof path, "%s.schedule.csv", dump);
        check(sm_event_plan_write_csv(p, path), "dump");
    }
    printf("{\"effort\": %lu, \"fairness\": %lu, \"participants\": %lu, \"wishes\": %zu, \"capacity\": %lu, \"slots\": %lu, \"tables\": %lu,\n"
           " \"select_wall_s\": %.3f, \"select_cpu_s\": %.3f, \"plan_wall_s\": %.3f, \"plan_cpu_s\": %.3f,\n"
           " \"selected\": %zu, \"select_weight\": %.3f, \"select_bound\": %.3f, \"select_gap_to_bound_pct\": %.3f,\n"
           " \"meetings\": %zu, \"unscheduled\": %zu, \"min_meetings\": %u, \"weight\": %.3f, \"bound\": %.3f,\n"
           " \"gap_to_bound_pct\": %.3f, \"slots_used\": %u, \"slots_lower_bound\": %u, \"gaps\": %zu,\n"
           " \"refilled\": %zu, \"selection_optimal\": %d}\n",
           effort, fair, n, s->wishes, cap, slots, tables, w1 - w0, c1 - c0, w2 - w1, c2 - c1, ss->meetings, ss->weight,
           ss->weight_bound, 100.0 * (1.0 - ss->weight / ss->weight_bound), s->meetings, s->unscheduled,
           s->min_meetings, s->weight, s->weight_bound, 100.0 * (1.0 - s->weight / s->weight_bound), s->slots_used,
           s->slots_lower_bound, s->gaps, s->refilled, s->selection_optimal);
    sm_event_plan_free(sel);
    sm_event_plan_free(p);
    sm_event_free(ev);
    sm_engine_free(e);
    return 0;
}
