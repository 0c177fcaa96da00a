/* libFuzzer target: the event planner's CSV files (participants, requests,
 * availability, locks). The first byte picks the kind; the rest is the file.
 * Every input starts from the same event (eight participants over a small
 * engine); an accepted file is then planned and the plan written, so the
 * planner also runs on whatever the files let through. A failed read must
 * leave the event as it was. */
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

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
    sm_event_options o = SM_EVENT_OPTIONS_INIT;
    o.slots = 8;
    o.tables = 3;
    o.capacity = 3;
    sm_event *ev = NULL;
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
    sm_status st = sm_event_read_csv(ev, kind, (const char *)data + 1, size - 1, "fuzz.csv");
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
            if (sm_event_plan_write_json(p, "/dev/null") != SM_OK)
                abort();
        }
        sm_event_plan_free(p);
    }
    sm_event_free(ev);
    return 0;
}
