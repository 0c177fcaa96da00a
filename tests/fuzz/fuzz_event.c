/* libFuzzer target: the event planner's files (participants, requests,
 * availability, locks) as CSV and as JSON, and the sessions text. The first
 * byte picks: bits 0-1 the kind, bit 2 an event with sessions ("early=1-3@09:00,
 * late=5-8"), bit 3 JSON instead of CSV, bit 4 the rest is the sessions text
 * itself (then a fixed small event is planned with them and its agenda and
 * calendar written); the rest is the file.
 * Every input starts from the same event (eight participants over a small
 * engine); an accepted file is then planned and the plan written, so the
 * planner also runs on whatever the files let through. A failed read must
 * leave the event as it was. */
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_engine *engine;

static void setup(void)
{
    if (sm_engine_new(&engine, NULL) != SM_OK)
        abort();
    static const char *const regions[] = { "SI041", "AT130", "HR050", "ITC4C" };
    static const char *const sectors[] = { "25.11", "62.01", "28.41", "10.71" };
    for (int i = 0; i < 12; i++) {
        char id[16];
        snprintf(id, sizeof id, "P%d", i);
        const char *sec[1] = { sectors[i % 4] };
        const char *tags[2] = { "steel", i % 2 ? "software" : "food" };
        sm_sme_desc d = SM_SME_DESC_INIT;
        d.id = id;
        d.region = regions[i % 4];
        d.sectors = sec;
        d.n_sectors = 1;
        d.offers = tags;
        d.n_offers = 2;
        d.needs = tags + 1;
        d.n_needs = 1;
        if (sm_sme_put(engine, &d) != SM_OK)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine)
        setup();
    if (size < 1)
        return 0;
    sm_event_input kind = (sm_event_input)(data[0] % 4);
    bool with_sessions = data[0] & 4, json = data[0] & 8, sessions_text = data[0] & 16;
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.slots = 8;
    o.tables = 3;
    o.capacity = 3;
    o.sessions = with_sessions ? "early=1-3@09:00,late=5-8" : NULL;
    sm_event *ev = NULL;
    if (sessions_text) {
        char *text = malloc(size);
        if (!text)
            abort();
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        o.sessions = text;
        sm_status st = sm_event_new(&ev, engine, &o);
        free(text);
        if (st != SM_OK) {
            if (!sm_error_last()->message[0] || ev)
                abort();
            return 0;
        }
        for (int i = 0; i < 6; i++) {
            char id[16];
            snprintf(id, sizeof id, "P%d", i);
            if (sm_event_add_participant(ev, id, 0, NULL) != SM_OK)
                abort();
        }
        for (int i = 0; i < 5; i++) {
            char a[16], b[16];
            snprintf(a, sizeof a, "P%d", i);
            snprintf(b, sizeof b, "P%d", (i * 3 + 1) % 6);
            if (strcmp(a, b) != 0 && sm_event_add_wish(ev, a, b, 1, 0.5, SM_WISH_REQUESTED, 0, 0) != SM_OK)
                abort();
        }
        sm_event_plan *p = NULL;
        if (sm_event_plan_new(&p, ev, SM_EVENT_ALL) != SM_OK)
            abort(); /* nothing here is impossible */
        for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++) {
            const sm_event_meeting *m = sm_event_plan_meeting_at(p, i);
            if (sm_event_session_count(ev) && !*m->session)
                abort(); /* a meeting outside every session */
        }
        /* times may be refused (a session starting too early), never crash */
        (void)sm_event_plan_write_agenda(p, "P0", "/dev/null", "2027-03-10T09:00", 45);
        (void)sm_event_plan_write_ics(p, "P0", "/dev/null", "2027-03-10T09:00", 45);
        sm_event_plan_free(p);
        sm_event_free(ev);
        return 0;
    }
    if (sm_event_new(&ev, engine, &o) != SM_OK)
        abort();
    if (kind != SM_EVENT_PARTICIPANTS)
        for (int i = 0; i < 8; i++) {
            char id[16];
            snprintf(id, sizeof id, "P%d", i);
            if (sm_event_add_participant(ev, id, 0, i % 2 ? "buyer" : NULL) != SM_OK)
                abort();
        }
    size_t parts = sm_event_participant_count(ev), wishes = sm_event_wish_count(ev);
    sm_status st = json ? sm_event_read_json(ev, kind, (const char *)data + 1, size - 1, "fuzz.json")
                        : sm_event_read_csv(ev, kind, (const char *)data + 1, size - 1, "fuzz.csv");
    if (st != SM_OK) {
        if (sm_event_participant_count(ev) != parts || sm_event_wish_count(ev) != wishes)
            abort(); /* all or nothing */
        if (!sm_error_last()->message[0])
            abort();
    } else {
        if (kind == SM_EVENT_PARTICIPANTS && sm_event_participant_count(ev) >= 2)
            (void)sm_event_add_wish(ev, "P0", "P1", 1, 0.5, SM_WISH_REQUESTED, 0, 0);
        sm_event_plan *p = NULL;
        if (sm_event_plan_new(&p, ev, SM_EVENT_ALL) == SM_OK) {
            const sm_event_stats *s = sm_event_plan_stats(p);
            if (s->meetings + s->unscheduled != s->wishes || s->weight > s->weight_bound + 1e-9)
                abort();
            if (sm_event_plan_write_json(p, "/dev/null") != SM_OK || sm_event_plan_write_csv(p, "/dev/null") != SM_OK)
                abort();
            if (with_sessions)
                for (size_t i = 0; i < sm_event_plan_meeting_count(p); i++)
                    if (!*sm_event_plan_meeting_at(p, i)->session)
                        abort();
        }
        sm_event_plan_free(p);
    }
    sm_event_free(ev);
    return 0;
}
