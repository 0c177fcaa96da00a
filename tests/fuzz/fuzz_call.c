/* libFuzzer target: call profiles (sm_call_parse, text and JSON). What
 * parses must write back to text that parses to the same text again, and a
 * build with it on a small engine must return only consortia whose every
 * rule holds, or say why none is eligible. */
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_engine *engine(void)
{
    static sm_engine *e;
    if (e)
        return e;
    if (sm_engine_new(&e, NULL) != SM_OK)
        abort();
    static const char *const regions[] = { "SI041", "AT130", "HR050", "HU110", "ITH41", "DE212", "PL911", "EL303" };
    static const char *const tags[] = { "sensors", "logistics", "software", "welding" };
    for (int i = 0; i < 16; i++) {
        char id[8];
        snprintf(id, sizeof id, "F%02d", i);
        const char *sectors[1] = { i % 2 ? "26.51" : "62.01" };
        const char *offers[1] = { tags[i % 4] }, *needs[1] = { tags[(i + 1) % 4] };
        sm_sme_desc d = SM_SME_DESC_INIT;
        d.id = id;
        d.region = regions[i % 8];
        d.sectors = sectors;
        d.n_sectors = 1;
        d.size = (sm_size)(1 + i % 4);
        d.offers = offers;
        d.n_offers = 1;
        d.needs = needs;
        d.n_needs = 1;
        if (sm_sme_put(e, &d) != SM_OK)
            abort();
    }
    sm_region_set_development(e, "SI0", 90);
    sm_region_set_development(e, "HR0", 60);
    sm_region_set_development(e, "PL9", 70);
    return e;
}

static void check_build(const sm_call *c)
{
    sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
    o.k = 2;
    o.pool = 8;
    o.leads = 2;
    o.max_nodes = 20000;
    sm_consortia *r = NULL;
    sm_status st = sm_consortium_build(&r, engine(), c, &o);
    if (st == SM_ERR_NOT_FOUND)
        return; /* an unknown lead or must-include id */
    if (st != SM_OK) {
        fprintf(stderr, "fuzz: build failed: %s\n", sm_error_last()->message);
        abort();
    }
    for (size_t k = 0; k < sm_consortia_count(r); k++)
        for (size_t i = 0; i < sm_consortia_rule_count(r); i++) {
            int ok = 0;
            const char *rule = NULL, *detail = NULL;
            if (sm_consortia_rule(&rule, &ok, &detail, r, k, i) != SM_OK || !ok) {
                fprintf(stderr, "fuzz: consortium %zu breaks %s (%s)\n", k, rule ? rule : "?", detail ? detail : "?");
                abort();
            }
        }
    if (!sm_consortia_count(r) && strncmp(sm_consortia_infeasible(r), "no eligible consortium: rule", 28) != 0) {
        fprintf(stderr, "fuzz: no consortium and no reason: \"%s\"\n", sm_consortia_infeasible(r));
        abort();
    }
    sm_consortia_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_call *c = NULL;
    if (sm_call_parse(&c, (const char *)data, size, "fuzz.call") == SM_OK) {
        char *s1 = NULL, *s2 = NULL;
        sm_call *c2 = NULL;
        if (sm_call_to_string(&s1, c) != SM_OK || sm_call_parse(&c2, s1, strlen(s1), "again") != SM_OK ||
            sm_call_to_string(&s2, c2) != SM_OK || strcmp(s1, s2) != 0) {
            fprintf(stderr, "fuzz: call profile does not round-trip:\n%s\n---\n%s\n(%s)\n", s1 ? s1 : "?",
                    s2 ? s2 : "?", sm_error_last()->message);
            abort();
        }
        check_build(c);
        sm_free(s1);
        sm_free(s2);
        sm_call_free(c2);
    } else if (sm_error_last()->message[0] == '\0') {
        fprintf(stderr, "fuzz: a failing parse left no message\n");
        abort();
    }
    sm_call_free(c);
    return 0;
}
