/* Sessions of an event: named slot ranges (morning, afternoon) with breaks
 * between them. Parsed from the options' text once, held inline in the event
 * and its plans; idle gaps are counted per session, so a lunch break between
 * two sessions is never an idle gap. */
#include "groups/event.h"

#include <stdio.h>
#include <string.h>

static bool name_char(char c, bool first)
{
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return first ? letter : letter || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* A whole number at *s (advanced), 0 if none or too large. */
static unsigned long digits(const char **s, unsigned long max)
{
    unsigned long v = 0;
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9' && v <= max) {
        v = v * 10 + (unsigned long)(*p - '0');
        p++;
    }
    *s = p;
    return v <= max ? v : 0;
}

static sm_status bad_item(const char *item, size_t len, const char *why)
{
    char value[96];
    snprintf(value, sizeof value, "%.*s", (int)(len < 90 ? len : 90), item);
    return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "sessions", value,
                       "sessions: \"%s\": %s; write name=first-last[@HH:MM], e.g. \"morning=1-8@09:00,afternoon=9-16\"",
                       value, why);
}

sm_status sm__ev_sessions_parse(sm__ev_sessions *out, const char *text, unsigned slots)
{
    sm__ev_sessions ss;
    memset(&ss, 0, sizeof ss);
    const char *p = text ? text : "";
    while (*p == ' ')
        p++;
    while (*p) {
        const char *item = p, *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && item[len - 1] == ' ')
            len--;
        if (ss.n >= SM_EVENT_SLOTS_MAX)
            return bad_item(item, len, "more sessions than slots");
        sm__ev_session *x = &ss.s[ss.n];
        size_t nl = 0;
        while (nl < len && name_char(item[nl], nl == 0))
            nl++;
        if (nl == 0)
            return bad_item(item, len, "a session's name starts with a letter");
        if (nl > SM_EVENT_SESSION_NAME_MAX)
            return bad_item(item, len, "the name is longer than 31 bytes");
        if (nl >= len || item[nl] != '=')
            return bad_item(item, len, "expected '=' after the name (names hold letters, digits, '_' and '-')");
        if (sm__ev_session_find(&ss, item, nl) >= 0)
            return bad_item(item, len, "this name is given twice");
        memcpy(x->name, item, nl);
        x->name[nl] = '\0';
        const char *q = item + nl + 1;
        x->first = (unsigned)digits(&q, SM_EVENT_SLOTS_MAX);
        x->last = x->first;
        if (*q == '-') {
            q++;
            x->last = (unsigned)digits(&q, SM_EVENT_SLOTS_MAX);
        }
        x->start_minute = -1;
        if (*q == '@') {
            /* H:MM or HH:MM */
            q++;
            size_t nh = 0;
            while (nh < 3 && q[nh] >= '0' && q[nh] <= '9')
                nh++;
            bool ok = (nh == 1 || nh == 2) && q[nh] == ':' && q[nh + 1] >= '0' && q[nh + 1] <= '9' &&
                      q[nh + 2] >= '0' && q[nh + 2] <= '9';
            int h = ok ? (nh == 2 ? (q[0] - '0') * 10 + (q[1] - '0') : q[0] - '0') : 0;
            int mi = ok ? (q[nh + 1] - '0') * 10 + (q[nh + 2] - '0') : 0;
            if (!ok || h > 23 || mi > 59)
                return bad_item(item, len, "the start time is HH:MM, 00:00..23:59");
            x->start_minute = h * 60 + mi;
            q += nh + 3;
        }
        if ((size_t)(q - item) != len)
            return bad_item(item, len, "expected slot numbers first-last after '=', then optionally @HH:MM");
        if (x->first < 1 || x->last < x->first || x->last > slots) {
            char why[96];
            snprintf(why, sizeof why, "slots must satisfy 1 <= first <= last <= %u (the event's slots)", slots);
            return bad_item(item, len, why);
        }
        if (ss.n && x->first <= ss.s[ss.n - 1].last)
            return bad_item(item, len, "sessions are listed in slot order and do not overlap");
        if (x->start_minute >= 0)
            for (unsigned i = ss.n; i-- > 0;)
                if (ss.s[i].start_minute >= 0) {
                    /* a later session cannot start before an earlier one has ended */
                    if (x->start_minute < ss.s[i].start_minute + 1)
                        return bad_item(item, len, "its start time is not after an earlier session's");
                    break;
                }
        for (unsigned s = x->first; s <= x->last; s++)
            ss.mask[ss.n] |= 1ull << (s - 1);
        ss.n++;
        p = end ? end + 1 : item + len;
        while (*p == ' ')
            p++;
        if (end && !*p)
            return bad_item(item, len, "a comma ends the list");
    }
    *out = ss;
    return SM_OK;
}

int sm__ev_session_find(const sm__ev_sessions *ss, const char *name, size_t len)
{
    for (unsigned i = 0; i < ss->n; i++)
        if (strlen(ss->s[i].name) == len && memcmp(ss->s[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

int sm__ev_session_of(const sm__ev_sessions *ss, unsigned s)
{
    for (unsigned i = 0; i < ss->n; i++)
        if (s >= ss->s[i].first && s <= ss->s[i].last)
            return (int)i;
    return -1;
}

void sm__ev_session_export(sm_event_session *out, const sm__ev_sessions *ss, unsigned i)
{
    out->name = ss->s[i].name;
    out->first = ss->s[i].first;
    out->last = ss->s[i].last;
    out->start_minute = ss->s[i].start_minute;
}

unsigned sm__gaps_in(uint64_t busy, uint64_t unavail, const sm__ev_sessions *ss)
{
    if (!ss || !ss->n)
        return sm__gaps(busy, unavail);
    unsigned g = 0;
    for (unsigned i = 0; i < ss->n; i++)
        g += sm__gaps(busy & ss->mask[i], unavail);
    return g;
}

/* ---- the public accessors ------------------------------------------------ */

sm_status sm_event_set_unavailable_session(sm_event *ev, const char *id, const char *session)
{
    if (!ev || !id || !session)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_set_unavailable_session: %s is NULL",
                        !ev ? "event" : !id ? "id" : "session");
    long p = sm__ev_find(ev, id);
    if (p < 0)
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", id, "\"%s\" is not a participant of the event", id);
    int k = sm__ev_session_find(&ev->sess, session, strlen(session));
    if (k < 0) {
        char names[256] = "";
        size_t off = 0;
        for (unsigned i = 0; i < ev->sess.n && off + 2 < sizeof names; i++) {
            int w = snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "", ev->sess.s[i].name);
            off += w > 0 ? (size_t)w : 0;
        }
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "session", session,
                           "\"%s\" is not a session of the event (%s%s)", session,
                           ev->sess.n ? "sessions: " : "it has no sessions: set them in the options", names);
    }
    ev->parts[p].unavail |= ev->sess.mask[k];
    return SM_OK;
}

unsigned int sm_event_session_count(const sm_event *ev)
{
    return ev ? ev->sess.n : 0;
}

sm_status sm_event_session_at(sm_event_session *out, const sm_event *ev, unsigned int i)
{
    if (!out || !ev)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_session_at: %s is NULL", out ? "event" : "out");
    if (i >= ev->sess.n)
        return sm__fail(SM_ERR_RANGE, "sm_event_session_at: index %u, the event has %u sessions", i, ev->sess.n);
    sm__ev_session_export(out, &ev->sess, i);
    return SM_OK;
}

unsigned int sm_event_plan_session_count(const sm_event_plan *p)
{
    return p ? p->sess.n : 0;
}

sm_status sm_event_plan_session_at(sm_event_session *out, const sm_event_plan *p, unsigned int i)
{
    if (!out || !p)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sm_event_plan_session_at: %s is NULL", out ? "plan" : "out");
    if (i >= p->sess.n)
        return sm__fail(SM_ERR_RANGE, "sm_event_plan_session_at: index %u, the plan has %u sessions", i, p->sess.n);
    sm__ev_session_export(out, &p->sess, i);
    return SM_OK;
}
