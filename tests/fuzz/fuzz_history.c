/* libFuzzer target: cooperation histories (sm_history_load_buffer), CSV and
 * JSON, into an engine with a few SMEs. A load either adds every
 * cooperation or nothing; afterwards a query with the network criteria must
 * succeed and the history must still be queryable. */
#define SM_EXPERIMENTAL_API
#include "smartmatch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_engine *engine_with_smes(void)
{
    sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
    o.taxonomies = SM_TAXONOMY_ALL;
    sm_engine *e = NULL;
    if (sm_engine_new(&e, &o))
        abort();
    const char *ids[] = { "A", "B", "C", "D" };
    for (int i = 0; i < 4; i++) {
        sm_sme_desc d;
        sm_sme_desc_init(&d, SM_SME_DESC_VERSION);
        const char *sec[] = { "25.11" };
        const char *tags[] = { "x" };
        d.id = ids[i];
        d.region = i % 2 ? "SI032" : "AT130";
        d.sectors = sec;
        d.n_sectors = 1;
        d.offers = tags;
        d.n_offers = 1;
        if (sm_sme_put(e, &d))
            abort();
    }
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sm_engine *e;
    if (!e)
        e = engine_with_smes();
    sm_history_clear(e);
    size_t n = 0;
    const char *name = size && data[0] & 1 ? "fuzz.json" : "fuzz.csv";
    sm_status st = sm_history_load_buffer(e, (const char *)data, size, name, &n);
    sm_history_info info;
    if (sm_history_info_get(&info, e))
        abort();
    if (st != SM_OK && info.cooperations != 0)
        abort(); /* all or nothing */
    if (st == SM_OK && info.cooperations != n)
        abort();
    sm_weighting *w = NULL;
    if (sm_weighting_preset(&w, "network"))
        abort();
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.weighting = w;
    sm_result *r = NULL;
    if (sm_query_top(&r, e, "A", &q) != SM_OK)
        abort();
    sm_result_free(r);
    sm_weighting_free(w);
    return 0;
}
