/* `smartmatch event plan`: a brokerage event's schedule from the participants,
 * their meeting requests (or each one's top-k partners among them), slots and
 * tables; writes the schedule, the unscheduled wishes with their reasons and,
 * on request, every participant's agenda as text and iCalendar. Uses the
 * experimental event planner API (docs/events.md). */
#define SM_EXPERIMENTAL_API
#include "args.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fputs("usage: smartmatch event plan --data FILE --participants P.csv [--requests R.csv | --from-top K]\n"
          "                             --slots N --tables T [--capacity C] [--availability A.csv] [--lock S.csv]\n"
          "                             --out SCHEDULE.csv [--unscheduled U.csv] [--json PLAN.json]\n"
          "                             [--agenda-dir DIR --start 2027-03-10T09:00 --slot-minutes 30]\n"
          "                             [--sessions LIST] [--break SLOT]... [--weight-only] [--effort 0|1|2]\n"
          "                             [--preset NAME]\n"
          "\n"
          "  --data FILE          SMEs (CSV or JSON), may repeat; --development FILE for indices\n"
          "  --participants FILE  id[,capacity][,group][,unavailable]\n"
          "  --requests FILE      a,b[,priority][,status][,slot][,table][,score]\n"
          "  --from-top K         wishes from each participant's top K partners among the participants\n"
          "  --slots N            slots of the day (1..64), --tables T tables per slot\n"
          "  --capacity C         most meetings of a participant without its own capacity (default 8)\n"
          "  --sessions LIST      named slot ranges, breaks between them, e.g.\n"
          "                       \"morning=1-8@09:00,afternoon=10-16@13:30\" (@HH:MM: the session's start);\n"
          "                       idle gaps count within a session, availability may name sessions\n"
          "  --availability FILE  id,unavailable (e.g. \"1;5-6\" or \"afternoon\")\n"
          "  --lock FILE          an earlier schedule (CSV, or the plan's JSON): its meetings stay where they are\n"
          "  --break SLOT         a slot without meetings (may repeat)\n"
          "  --out FILE           the schedule as CSV (\"-\" = standard output)\n"
          "  --unscheduled FILE   the wishes left out, with reasons, as CSV\n"
          "  --json FILE          the whole plan as JSON\n"
          "  --agenda-dir DIR     one agenda (ID.txt) and, with --start, one calendar (ID.ics) per participant\n"
          "  --weight-only        maximise the total weight only (no fairness first)\n"
          "\n"
          "Event files are CSV, or JSON when the name ends in .json (docs/events.md gives both schemas).\n",
          f);
}

enum { O_DATA = 1, O_DEV, O_PART, O_REQ, O_TOP, O_SLOTS, O_TABLES, O_CAP, O_AVAIL, O_LOCK, O_OUT, O_UNSCHED, O_JSON,
       O_AGENDA, O_START, O_MINUTES, O_BREAK, O_WONLY, O_EFFORT, O_PRESET, O_WEIGHTS, O_SESSIONS, O_HELP };

static const struct option long_opts[] = {
    { "data", required_argument, NULL, O_DATA },
    { "development", required_argument, NULL, O_DEV },
    { "participants", required_argument, NULL, O_PART },
    { "requests", required_argument, NULL, O_REQ },
    { "from-top", required_argument, NULL, O_TOP },
    { "slots", required_argument, NULL, O_SLOTS },
    { "tables", required_argument, NULL, O_TABLES },
    { "capacity", required_argument, NULL, O_CAP },
    { "availability", required_argument, NULL, O_AVAIL },
    { "lock", required_argument, NULL, O_LOCK },
    { "out", required_argument, NULL, O_OUT },
    { "unscheduled", required_argument, NULL, O_UNSCHED },
    { "json", required_argument, NULL, O_JSON },
    { "agenda-dir", required_argument, NULL, O_AGENDA },
    { "start", required_argument, NULL, O_START },
    { "slot-minutes", required_argument, NULL, O_MINUTES },
    { "break", required_argument, NULL, O_BREAK },
    { "weight-only", no_argument, NULL, O_WONLY },
    { "effort", required_argument, NULL, O_EFFORT },
    { "preset", required_argument, NULL, O_PRESET },
    { "weights", required_argument, NULL, O_WEIGHTS },
    { "sessions", required_argument, NULL, O_SESSIONS },
    { "help", no_argument, NULL, O_HELP },
    { NULL, 0, NULL, 0 },
};

static int number(const char *opt, const char *s, unsigned long lo, unsigned long hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) {
        cli_error("%s: expected a whole number %lu..%lu, got \"%s\"", opt, lo, hi, s);
        return CLI_USAGE;
    }
    *out = (unsigned)v;
    return CLI_OK;
}

/* A file name for a participant id: characters other than letters, digits,
 * '-', '_' and '.' become '_'. */
static void file_name(char *out, size_t cap, const char *dir, const char *id, const char *ext)
{
    int n = snprintf(out, cap, "%s/", dir);
    size_t i = n > 0 ? (size_t)n : 0;
    for (const char *c = id; *c && i + 1 < cap; c++) {
        char ch = *c;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                 ch == '_' || (ch == '.' && c != id);
        out[i++] = ok ? ch : '_';
    }
    out[i] = '\0';
    strncat(out, ext, cap - strlen(out) - 1);
}

typedef struct plan_args {
    cli_args base; /* --data files and the weighting */
    const char *participants, *requests, *availability, *lock, *out, *unscheduled, *json, *agenda_dir, *start, *sessions;
    unsigned from_top, slots, tables, capacity, minutes, effort;
    int weight_only;
    unsigned breaks[64];
    unsigned n_breaks;
} plan_args;

static int parse(plan_args *p, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->slots = 0;
    p->minutes = 30;
    p->effort = 2;
    p->capacity = 0;
    optind = 1;
    opterr = 0;
    int c, rc = CLI_OK;
    while (rc == CLI_OK && (c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
        switch (c) {
        case O_DATA:
        case O_DEV: {
            cli_data_file *d = realloc(p->base.data, (p->base.n_data + 1) * sizeof *d);
            if (!d) {
                cli_error("out of memory");
                return CLI_FAIL;
            }
            p->base.data = d;
            d[p->base.n_data].path = optarg;
            d[p->base.n_data].kind = c == O_DATA ? SM_DATA_AUTO : SM_DATA_DEVELOPMENT;
            p->base.n_data++;
            break;
        }
        case O_PART: p->participants = optarg; break;
        case O_REQ: p->requests = optarg; break;
        case O_TOP: rc = number("--from-top", optarg, 1, 1000, &p->from_top); break;
        case O_SLOTS: rc = number("--slots", optarg, 1, SM_EVENT_SLOTS_MAX, &p->slots); break;
        case O_TABLES: rc = number("--tables", optarg, 1, SM_EVENT_TABLES_MAX, &p->tables); break;
        case O_CAP: rc = number("--capacity", optarg, 1, SM_EVENT_CAPACITY_MAX, &p->capacity); break;
        case O_AVAIL: p->availability = optarg; break;
        case O_LOCK: p->lock = optarg; break;
        case O_OUT: p->out = optarg; break;
        case O_UNSCHED: p->unscheduled = optarg; break;
        case O_JSON: p->json = optarg; break;
        case O_AGENDA: p->agenda_dir = optarg; break;
        case O_START: p->start = optarg; break;
        case O_MINUTES: rc = number("--slot-minutes", optarg, 1, 1440, &p->minutes); break;
        case O_BREAK:
            if (p->n_breaks >= 64) {
                cli_error("--break: at most 64");
                return CLI_USAGE;
            }
            rc = number("--break", optarg, 1, SM_EVENT_SLOTS_MAX, &p->breaks[p->n_breaks++]);
            break;
        case O_WONLY: p->weight_only = 1; break;
        case O_SESSIONS: p->sessions = optarg; break;
        case O_EFFORT: rc = number("--effort", optarg, 0, 2, &p->effort); break;
        case O_PRESET: p->base.preset = optarg; break;
        case O_WEIGHTS: p->base.weights = optarg; break;
        case O_HELP:
            usage(stdout);
            p->base.help = 1;
            return CLI_OK;
        case ':':
            cli_error("%s needs a value", argv[optind - 1]);
            return CLI_USAGE;
        default:
            cli_error("unknown option %s (see smartmatch event plan --help)", argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (rc != CLI_OK)
        return rc;
    if (optind < argc) {
        cli_error("unexpected argument \"%s\"", argv[optind]);
        return CLI_USAGE;
    }
    const char *missing = !p->base.n_data    ? "--data"
                          : !p->participants ? "--participants"
                          : !p->slots        ? "--slots"
                          : !p->tables       ? "--tables"
                          : !p->out          ? "--out"
                                             : NULL;
    if (missing) {
        cli_error("%s is required (see smartmatch event plan --help)", missing);
        return CLI_USAGE;
    }
    if (!p->requests && !p->from_top && !p->lock) {
        cli_error("give --requests FILE, --from-top K or both");
        return CLI_USAGE;
    }
    if (p->start && !p->agenda_dir) {
        cli_error("--start needs --agenda-dir");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* An event file: JSON when its name ends in ".json", CSV otherwise. */
static sm_status load_file(sm_event *ev, sm_event_input kind, const char *path)
{
    size_t n = strlen(path);
    if (n >= 5 && strcmp(path + n - 5, ".json") == 0)
        return sm_event_load_json(ev, kind, path);
    return sm_event_load_csv(ev, kind, path);
}

static int write_agendas(const sm_event_plan *plan, const sm_event *ev, const plan_args *p, const char *const *ids,
                         size_t n)
{
    (void)ev;
    if (mkdir(p->agenda_dir, 0777) != 0 && errno != EEXIST) {
        cli_error("%s: cannot create: %s", p->agenda_dir, strerror(errno));
        return CLI_FAIL;
    }
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        file_name(path, sizeof path, p->agenda_dir, ids[i], ".txt");
        sm_status st = sm_event_plan_write_agenda(plan, ids[i], path, p->start, p->minutes);
        if (st == SM_OK && p->start) {
            file_name(path, sizeof path, p->agenda_dir, ids[i], ".ics");
            st = sm_event_plan_write_ics(plan, ids[i], path, p->start, p->minutes);
        }
        if (st != SM_OK)
            return cli_fail(st, path);
    }
    return CLI_OK;
}

static int plan_cmd(int argc, char **argv)
{
    plan_args p;
    int rc = parse(&p, argc, argv);
    if (rc != CLI_OK || p.base.help) {
        free(p.base.data);
        return rc;
    }
    sm_engine *engine = NULL;
    sm_weighting *w = NULL;
    sm_event *ev = NULL;
    sm_event_plan *plan = NULL;
    const char **ids = NULL;
    rc = cli_load_engine(&engine, &p.base);
    if (rc == CLI_OK && (p.base.preset || p.base.weights))
        rc = cli_args_weighting(&w, &p.base);
    if (rc != CLI_OK)
        goto done;
    sm_event_options eo = SM_EVENT_OPTIONS_INIT;
    eo.slots = p.slots;
    eo.tables = p.tables;
    if (p.capacity)
        eo.capacity = p.capacity;
    eo.fairness = !p.weight_only;
    eo.effort = p.effort;
    eo.sessions = p.sessions;
    sm_status st = sm_event_new(&ev, engine, &eo);
    for (unsigned i = 0; st == SM_OK && i < p.n_breaks; i++)
        st = sm_event_set_slot_tables(ev, p.breaks[i], 0);
    if (st == SM_OK)
        st = load_file(ev, SM_EVENT_PARTICIPANTS, p.participants);
    if (st == SM_OK && p.availability)
        st = load_file(ev, SM_EVENT_AVAILABILITY, p.availability);
    if (st == SM_OK && p.lock)
        st = load_file(ev, SM_EVENT_LOCKS, p.lock);
    if (st == SM_OK && p.requests)
        st = load_file(ev, SM_EVENT_REQUESTS, p.requests);
    if (st == SM_OK && p.from_top) {
        sm_query_options q = SM_QUERY_OPTIONS_INIT;
        q.weighting = w;
        st = sm_event_wishes_from_top(ev, p.from_top, &q);
    }
    if (st == SM_OK)
        st = sm_event_plan_new(&plan, ev, SM_EVENT_ALL);
    if (st == SM_OK)
        st = sm_event_plan_write_csv(plan, p.out);
    if (st == SM_OK && p.unscheduled)
        st = sm_event_plan_write_unscheduled_csv(plan, p.unscheduled);
    if (st == SM_OK && p.json)
        st = sm_event_plan_write_json(plan, p.json);
    if (st != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    /* participants, from the schedule's point of view: everyone with a meeting or a wish */
    size_t n_ids = 0;
    ids = calloc(2 * (sm_event_plan_meeting_count(plan) + sm_event_plan_unscheduled_count(plan)) + 1, sizeof *ids);
    if (!ids) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    if (p.agenda_dir) {
        for (size_t i = 0; i < sm_event_plan_meeting_count(plan); i++) {
            const sm_event_meeting *m = sm_event_plan_meeting_at(plan, i);
            const char *pair[2] = { m->a, m->b };
            for (int k = 0; k < 2; k++) {
                size_t j = 0;
                while (j < n_ids && strcmp(ids[j], pair[k]) != 0)
                    j++;
                if (j == n_ids)
                    ids[n_ids++] = pair[k];
            }
        }
        rc = write_agendas(plan, ev, &p, ids, n_ids);
        if (rc != CLI_OK)
            goto done;
    }
    const sm_event_stats *s = sm_event_plan_stats(plan);
    FILE *f = strcmp(p.out, "-") == 0 ? stderr : stdout;
    fprintf(f, "participants %zu, wishes %zu, meetings %zu, unscheduled %zu\n", s->participants, s->wishes,
            s->meetings, s->unscheduled);
    fprintf(f, "fewest meetings of a participant with wishes: %u\n", s->min_meetings);
    fprintf(f, "total weight %.3f, bound %.3f (%.1f %% of the bound)%s\n", s->weight, s->weight_bound,
            s->weight_bound > 0 ? 100.0 * s->weight / s->weight_bound : 100.0,
            s->selection_optimal ? "; selection proven optimal" : "");
    if (s->refilled)
        fprintf(f, "meetings added in seats that unplaceable meetings left free: %zu\n", s->refilled);
    fprintf(f, "slots used %u, lower bound %u; idle gaps %zu%s\n", s->slots_used, s->slots_lower_bound, s->gaps,
            sm_event_plan_session_count(plan) ? " (within sessions)" : "");
    for (unsigned i = 0; i < sm_event_plan_session_count(plan); i++) {
        sm_event_session ses;
        if (sm_event_plan_session_at(&ses, plan, i) != SM_OK)
            break;
        size_t n = 0;
        for (size_t j = 0; j < s->meetings; j++)
            n += strcmp(sm_event_plan_meeting_at(plan, j)->session, ses.name) == 0;
        fprintf(f, "%s%s slots %u-%u: %zu meetings%s", i ? "; " : "sessions: ", ses.name, ses.first, ses.last, n,
                i + 1 == sm_event_plan_session_count(plan) ? "\n" : "");
    }
    size_t by_reason[16] = { 0 };
    for (size_t i = 0; i < s->unscheduled; i++) {
        unsigned r = (unsigned)sm_event_plan_unscheduled_at(plan, i)->reason;
        by_reason[r < 16 ? r : 15]++;
    }
    int first = 1;
    for (unsigned r = 1; r < 16; r++)
        if (by_reason[r]) {
            fprintf(f, "%s%s %zu", first ? "unscheduled by reason: " : ", ", sm_event_reason_name((sm_event_reason)r),
                    by_reason[r]);
            first = 0;
        }
    if (!first)
        fputc('\n', f);
done:
    free(ids);
    sm_event_plan_free(plan);
    sm_event_free(ev);
    sm_weighting_free(w);
    sm_engine_free(engine);
    free(p.base.data);
    return rc;
}

int cmd_event(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "plan") == 0)
        return plan_cmd(argc - 1, argv + 1);
    cli_error("event: unknown action \"%s\" (the action is \"plan\")", argv[1]);
    return CLI_USAGE;
}
