/* Writing a plan: the schedule and the unscheduled wishes as CSV, the whole
 * plan as JSON, one participant's agenda as text and as iCalendar. */
#include "groups/event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An output file, written to a temporary file beside it and renamed into
 * place when complete: a failed write leaves the previous file as it was.
 * "-" is standard output. The temporary name lives in the struct, so that
 * writing allocates nothing. */
typedef struct out {
    FILE *f;
    const char *path;
    char tmp[4096];
} out;

static bool open_out(out *o, const char *path)
{
    o->path = path;
    o->tmp[0] = '\0';
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        return true;
    }
    o->f = NULL;
    int n = snprintf(o->tmp, sizeof o->tmp, "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof o->tmp) {
        o->tmp[0] = '\0';
        sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: the path is too long", path);
        return false;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot create a temporary file beside it: %s", path,
                    strerror(errno));
        return false;
    }
    /* mkstemp makes the file 0600; an output is as readable as any other file */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        int err = errno;
        close(fd);
        remove(o->tmp);
        sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: %s", path, strerror(err));
        return false;
    }
    return true;
}

static sm_status close_out(out *o)
{
    int bad = ferror(o->f);
    if (o->f == stdout) {
        bad |= fflush(o->f) != 0;
        return bad ? sm__fail_at(SM_ERR_IO, o->path, 0, 0, NULL, NULL, "%s: write failed", o->path) : SM_OK;
    }
    bad |= fclose(o->f) != 0;
    if (bad || rename(o->tmp, o->path) != 0) {
        int err = errno;
        remove(o->tmp);
        return sm__fail_at(SM_ERR_IO, o->path, 0, 0, NULL, NULL, "%s: cannot write: %s", o->path, strerror(err));
    }
    return SM_OK;
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static bool check_plan(const sm_event_plan *p, const char *path, const char *fn)
{
    if (!p || !path) {
        sm__fail(SM_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, p ? "path" : "plan");
        return false;
    }
    return true;
}

sm_status sm_event_plan_write_csv(const sm_event_plan *p, const char *path)
{
    if (!check_plan(p, path, "sm_event_plan_write_csv"))
        return SM_ERR_INVALID_ARGUMENT;
    out o;
    if (!open_out(&o, path))
        return SM_ERR_IO;
    FILE *f = o.f;
    fputs(p->sess.n ? "slot,table,a,b,weight,score,status,session\n" : "slot,table,a,b,weight,score,status\n", f);
    for (size_t i = 0; i < p->stats.meetings; i++) {
        const sm_event_meeting *m = &p->meetings[i];
        fprintf(f, "%u,%u,", m->slot, m->table);
        csv_field(f, m->a);
        fputc(',', f);
        csv_field(f, m->b);
        fprintf(f, ",%.4f,%.4f,%s", m->weight, m->score, sm_wish_status_name(m->status));
        if (p->sess.n)
            fprintf(f, ",%s", m->session); /* names need no quoting */
        fputc('\n', f);
    }
    return close_out(&o);
}

sm_status sm_event_plan_write_unscheduled_csv(const sm_event_plan *p, const char *path)
{
    if (!check_plan(p, path, "sm_event_plan_write_unscheduled_csv"))
        return SM_ERR_INVALID_ARGUMENT;
    out o;
    if (!open_out(&o, path))
        return SM_ERR_IO;
    FILE *f = o.f;
    fputs("a,b,weight,reason,other\n", f);
    for (size_t i = 0; i < p->stats.unscheduled; i++) {
        const sm_event_unscheduled *u = &p->unscheduled[i];
        csv_field(f, u->a);
        fputc(',', f);
        csv_field(f, u->b);
        fprintf(f, ",%.4f,%s,", u->weight, sm_event_reason_name(u->reason));
        csv_field(f, u->other);
        fputc('\n', f);
    }
    return close_out(&o);
}

sm_status sm_event_plan_write_json(const sm_event_plan *p, const char *path)
{
    if (!check_plan(p, path, "sm_event_plan_write_json"))
        return SM_ERR_INVALID_ARGUMENT;
    out o;
    if (!open_out(&o, path))
        return SM_ERR_IO;
    FILE *f = o.f;
    const sm_event_stats *s = &p->stats;
    fprintf(f,
            "{\"stats\": {\"participants\": %zu, \"wishes\": %zu, \"meetings\": %zu, \"unscheduled\": %zu, "
            "\"min_meetings\": %u, \"weight\": %.6f, \"weight_bound\": %.6f, \"slots_used\": %u, "
            "\"slots_lower_bound\": %u, \"gaps\": %zu, \"bipartite\": %s, \"selection_optimal\": %s, "
            "\"refilled\": %zu},\n \"meetings\": [",
            s->participants, s->wishes, s->meetings, s->unscheduled, s->min_meetings, s->weight, s->weight_bound,
            s->slots_used, s->slots_lower_bound, s->gaps, s->bipartite ? "true" : "false",
            s->selection_optimal ? "true" : "false", s->refilled);
    for (size_t i = 0; i < s->meetings; i++) {
        const sm_event_meeting *m = &p->meetings[i];
        fprintf(f, "%s\n  {\"slot\": %u, \"table\": %u, \"a\": ", i ? "," : "", m->slot, m->table);
        json_str(f, m->a);
        fputs(", \"b\": ", f);
        json_str(f, m->b);
        fprintf(f, ", \"weight\": %.6f, \"score\": %.6f, \"status\": \"%s\"", m->weight, m->score,
                sm_wish_status_name(m->status));
        if (p->sess.n)
            fprintf(f, ", \"session\": \"%s\"", m->session);
        fputc('}', f);
    }
    fputs("],\n \"unscheduled\": [", f);
    for (size_t i = 0; i < s->unscheduled; i++) {
        const sm_event_unscheduled *u = &p->unscheduled[i];
        fprintf(f, "%s\n  {\"a\": ", i ? "," : "");
        json_str(f, u->a);
        fputs(", \"b\": ", f);
        json_str(f, u->b);
        fprintf(f, ", \"weight\": %.6f, \"reason\": \"%s\", \"other\": ", u->weight, sm_event_reason_name(u->reason));
        json_str(f, u->other);
        fputc('}', f);
    }
    fputs("],\n \"sessions\": [", f);
    for (unsigned i = 0; i < p->sess.n; i++) {
        const sm__ev_session *x = &p->sess.s[i];
        fprintf(f, "%s\n  {\"name\": \"%s\", \"first\": %u, \"last\": %u", i ? "," : "", x->name, x->first, x->last);
        if (x->start_minute >= 0)
            fprintf(f, ", \"start\": \"%02d:%02d\"", x->start_minute / 60, x->start_minute % 60);
        fputc('}', f);
    }
    fputs("]}\n", f);
    return close_out(&o);
}

/* ---- times ----------------------------------------------------------------- */

typedef struct when {
    int y, mo, d, h, mi;
} when;

static int month_days(int y, int mo)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mo == 2 && leap ? 29 : days[mo - 1];
}

static sm_status parse_start(when *out, const char *start, unsigned slot_minutes)
{
    when t;
    char tail;
    if (sscanf(start, "%4d-%2d-%2dT%2d:%2d%c", &t.y, &t.mo, &t.d, &t.h, &t.mi, &tail) != 5 || strlen(start) != 16 ||
        t.y < 1900 || t.y > 9000 || t.mo < 1 || t.mo > 12 || t.d < 1 || t.d > month_days(t.y, t.mo) || t.h > 23 ||
        t.h < 0 || t.mi < 0 || t.mi > 59)
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "start", start,
                           "start \"%s\": expected YYYY-MM-DDTHH:MM, e.g. 2027-03-10T09:00", start);
    if (slot_minutes < 1 || slot_minutes > 1440)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "slot_minutes", NULL, "slot length %u minutes out of range 1..1440",
                           slot_minutes);
    *out = t;
    return SM_OK;
}

static when add_minutes(when t, unsigned long minutes)
{
    unsigned long total = (unsigned long)t.h * 60 + (unsigned long)t.mi + minutes;
    t.h = (int)(total / 60 % 24);
    t.mi = (int)(total % 60);
    for (unsigned long days = total / 1440; days > 0; days--) {
        if (++t.d > month_days(t.y, t.mo)) {
            t.d = 1;
            if (++t.mo > 12) {
                t.mo = 1;
                t.y++;
            }
        }
    }
    return t;
}

/* Minutes from the start day's midnight to the start of slot s (1-based): a
 * session with a start time begins then, other slots follow the slot before. */
static unsigned long slot_minute(const sm_event_plan *p, const when *t0, unsigned s, unsigned len)
{
    for (unsigned i = p->sess.n; i-- > 0;) {
        const sm__ev_session *x = &p->sess.s[i];
        if (x->first <= s && x->start_minute >= 0)
            return (unsigned long)x->start_minute + (unsigned long)(s - x->first) * len;
    }
    return (unsigned long)t0->h * 60 + (unsigned long)t0->mi + (unsigned long)(s - 1) * len;
}

/* Slot times must not go back: a session's start time is not before the
 * slot ahead of it ends. */
static sm_status check_times(const sm_event_plan *p, const when *t0, unsigned len)
{
    for (unsigned s = 2; s <= p->slots; s++) {
        unsigned long prev_end = slot_minute(p, t0, s - 1, len) + len, at = slot_minute(p, t0, s, len);
        if (at < prev_end) {
            int k = sm__ev_session_of(&p->sess, s);
            const char *name = k >= 0 ? p->sess.s[k].name : "?";
            char value[8];
            snprintf(value, sizeof value, "%02lu:%02lu", at / 60 % 100, at % 60);
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "sessions", value,
                               "session \"%s\" starts at %s, before slot %u ends at %02lu:%02lu (%u-minute slots): give "
                               "it a later start time, or start the event earlier",
                               name, value, s - 1, prev_end / 60 % 100, prev_end % 60, len);
        }
    }
    return SM_OK;
}

static when slot_when(const sm_event_plan *p, const when *t0, unsigned s, unsigned len)
{
    when day = *t0;
    day.h = day.mi = 0;
    return add_minutes(day, slot_minute(p, t0, s, len));
}

/* ---- agenda ---------------------------------------------------------------- */

static sm_status agenda_args(long *out, const sm_event_plan *p, const char *id, const char *path, const char *fn)
{
    if (!check_plan(p, path, fn))
        return SM_ERR_INVALID_ARGUMENT;
    if (!id)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "%s: id is NULL", fn);
    *out = sm__plan_find(p, id);
    if (*out < 0)
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", id, "\"%s\" is not a participant of the plan", id);
    return SM_OK;
}

sm_status sm_event_plan_write_agenda(const sm_event_plan *p, const char *id, const char *path, const char *start,
                                     unsigned int slot_minutes)
{
    long who;
    when t0 = { 0, 0, 0, 0, 0 };
    sm_status st = agenda_args(&who, p, id, path, "sm_event_plan_write_agenda");
    if (!st && start)
        st = parse_start(&t0, start, slot_minutes);
    if (!st && start)
        st = check_times(p, &t0, slot_minutes);
    if (st)
        return st;
    out o;
    if (!open_out(&o, path))
        return SM_ERR_IO;
    FILE *f = o.f;
    const sm_event_meeting *at[SM_EVENT_SLOTS_MAX] = { NULL };
    unsigned n = 0;
    for (size_t i = 0; i < p->stats.meetings; i++) {
        const sm_event_meeting *m = &p->meetings[i];
        if ((strcmp(m->a, id) == 0 || strcmp(m->b, id) == 0) && m->slot) {
            at[m->slot - 1] = m;
            n++;
        }
    }
    fprintf(f, "Agenda of %s: %u meeting%s\n", id, n, n == 1 ? "" : "s");
    fprintf(f, "%-5s %-12s %-6s %-20s %s\n", "slot", start ? "time" : "", "table", "partner", "score");
    int in_session = -1;
    for (unsigned s = 0; s < p->slots; s++) {
        int k = sm__ev_session_of(&p->sess, s + 1);
        if (k >= 0 && k != in_session) {
            const sm__ev_session *x = &p->sess.s[k];
            unsigned busy = 0;
            for (unsigned t = x->first; t <= x->last; t++)
                busy += at[t - 1] != NULL;
            fprintf(f, "-- %s (slots %u-%u): %u meeting%s\n", x->name, x->first, x->last, busy, busy == 1 ? "" : "s");
        }
        in_session = k;
        char time[16] = "";
        if (start) {
            when a = slot_when(p, &t0, s + 1, slot_minutes), b = add_minutes(a, slot_minutes);
            snprintf(time, sizeof time, "%02d:%02d-%02d:%02d", a.h % 100, a.mi % 100, b.h % 100, b.mi % 100);
        }
        const sm_event_meeting *m = at[s];
        if (m)
            fprintf(f, "%-5u %-12s %-6u %-20s %.3f\n", s + 1, time, m->table, strcmp(m->a, id) == 0 ? m->b : m->a,
                    m->score);
        else
            fprintf(f, "%-5u %-12s %-6s %s\n", s + 1, time, "-", p->breaks >> s & 1u ? "(break)" : "(free)");
    }
    return close_out(&o);
}

/* One content line, folded at 75 octets (RFC 5545 3.1), never inside a
 * UTF-8 sequence. */
static void ics_line(FILE *f, const char *line)
{
    size_t col = 0;
    for (const char *c = line; *c; c++) {
        if (col >= 74 && ((unsigned char)*c & 0xC0) != 0x80) {
            fputs("\r\n ", f);
            col = 1;
        }
        fputc(*c, f);
        col++;
    }
    fputs("\r\n", f);
}

/* TEXT value escaping (RFC 5545 3.3.11). */
static void ics_text(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 3 < cap; s++) {
        if (*s == ',' || *s == ';' || *s == '\\')
            out[n++] = '\\';
        out[n++] = *s;
    }
    out[n] = '\0';
}

sm_status sm_event_plan_write_ics(const sm_event_plan *p, const char *id, const char *path, const char *start,
                                  unsigned int slot_minutes)
{
    long who;
    when t0;
    sm_status st = agenda_args(&who, p, id, path, "sm_event_plan_write_ics");
    if (!st && !start)
        st = sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_plan_write_ics: start is NULL");
    if (!st)
        st = parse_start(&t0, start, slot_minutes);
    if (!st)
        st = check_times(p, &t0, slot_minutes);
    if (st)
        return st;
    out o;
    if (!open_out(&o, path))
        return SM_ERR_IO;
    FILE *f = o.f;
    char line[4 * SM_ID_MAX + 128], esc[2 * SM_ID_MAX + 8], esc_id[2 * SM_ID_MAX + 8];
    ics_line(f, "BEGIN:VCALENDAR");
    ics_line(f, "VERSION:2.0");
    ics_line(f, "PRODID:-//smartmatch//event planner//EN");
    ics_line(f, "CALSCALE:GREGORIAN");
    ics_text(esc_id, sizeof esc_id, id);
    for (size_t i = 0; i < p->stats.meetings; i++) {
        const sm_event_meeting *m = &p->meetings[i];
        if (!m->slot || (strcmp(m->a, id) != 0 && strcmp(m->b, id) != 0))
            continue;
        when a = slot_when(p, &t0, m->slot, slot_minutes), b = add_minutes(a, slot_minutes);
        ics_line(f, "BEGIN:VEVENT");
        snprintf(line, sizeof line, "UID:%u-%u-%s-%s@smartmatch", m->slot, m->table, m->a, m->b);
        ics_line(f, line);
        /* DTSTAMP is required; the start keeps the file deterministic */
        snprintf(line, sizeof line, "DTSTAMP:%04d%02d%02dT%02d%02d00Z", t0.y, t0.mo, t0.d, t0.h, t0.mi);
        ics_line(f, line);
        snprintf(line, sizeof line, "DTSTART:%04d%02d%02dT%02d%02d00", a.y, a.mo, a.d, a.h, a.mi);
        ics_line(f, line);
        snprintf(line, sizeof line, "DTEND:%04d%02d%02dT%02d%02d00", b.y, b.mo, b.d, b.h, b.mi);
        ics_line(f, line);
        ics_text(esc, sizeof esc, strcmp(m->a, id) == 0 ? m->b : m->a);
        snprintf(line, sizeof line, "SUMMARY:%s meets %s (table %u)", esc_id, esc, m->table);
        ics_line(f, line);
        snprintf(line, sizeof line, "LOCATION:Table %u", m->table);
        ics_line(f, line);
        if (*m->session) {
            snprintf(line, sizeof line, "DESCRIPTION:Session %s\\, slot %u", m->session, m->slot);
            ics_line(f, line);
            snprintf(line, sizeof line, "CATEGORIES:%s", m->session);
            ics_line(f, line);
        }
        ics_line(f, "END:VEVENT");
    }
    ics_line(f, "END:VCALENDAR");
    return close_out(&o);
}
