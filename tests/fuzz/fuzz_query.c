/* libFuzzer target: top-k queries against brute force. The input builds an
 * engine of up to 40 SMEs and draws a weighting, k, a minimum score, the
 * cross-border filter, size classes, a distance limit and excluded ids; for
 * each querying SME the result must be exactly the best k of every other
 * SME scored one by one with sm_query_explain and filtered by hand (ties by
 * id), and every result's own breakdown must reproduce its score. */
#include "fuzz_gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct cand {
    double total;
    const char *id;
} cand;

static int by_rank(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return strcmp(a->id, b->id);
}

static const char *country(const char *region)
{
    const sm_region_info *r = NULL;
    fz_fail(sm_region_get(&r, fz_engine, region) == SM_OK, "region");
    return r->country;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f = { data, size };
    size_t n = fz_build(&f, 12);
    sm_weighting *w = NULL;
    fz_fail(sm_weighting_parse(&w, fz_weightings[fz_byte(&f) % 6]) == SM_OK, "weighting");
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    o.k = fz_byte(&f) % 12;
    unsigned flags = fz_byte(&f);
    o.min_score = (flags & 1) ? (fz_byte(&f) % 100) / 100.0 : 0;
    o.cross_border = (flags >> 1) & 1;
    o.size_classes = (flags & 4) ? fz_byte(&f) & 0x1f : 0;
    o.max_km = (flags & 8) ? 50.0 * (1 + fz_byte(&f) % 40) : 0;
    const char *excl[2] = { fz_ids[fz_byte(&f) % (n ? n : 1)], "no-such-id" };
    if (flags & 16) {
        o.exclude_ids = excl;
        o.n_exclude_ids = 2;
    }
    cand all[40];
    for (size_t qa = 0; qa < n; qa++) {
        sm_sme_desc *a = NULL;
        fz_fail(sm_sme_get(&a, fz_engine, fz_ids[qa]) == SM_OK, "get a");
        size_t m = 0;
        for (size_t qb = 0; qb < n; qb++) {
            if (qb == qa || ((flags & 16) && strcmp(fz_ids[qb], excl[0]) == 0))
                continue;
            sm_sme_desc *b = NULL;
            fz_fail(sm_sme_get(&b, fz_engine, fz_ids[qb]) == SM_OK, "get b");
            int ok = !(o.cross_border && strcmp(country(a->region), country(b->region)) == 0);
            if (o.size_classes && !(o.size_classes & (1u << b->size)))
                ok = 0;
            double km = 0;
            fz_fail(sm_region_distance_km(&km, fz_engine, a->region, b->region) == SM_OK, "distance");
            if (o.max_km > 0 && km > o.max_km)
                ok = 0;
            if (ok) {
                sm_result *x = NULL;
                fz_fail(sm_query_explain(&x, fz_engine, a->id, b->id, w) == SM_OK, "explain");
                double t = sm_result_score(x, 0);
                sm_result_free(x);
                if (t >= o.min_score) {
                    all[m].total = t;
                    all[m++].id = fz_ids[qb];
                }
            }
            sm_sme_desc_free(b);
        }
        qsort(all, m, sizeof *all, by_rank);
        sm_result *r = NULL;
        fz_fail(sm_query_top(&r, fz_engine, a->id, &o) == SM_OK, "query");
        size_t want = m < o.k ? m : o.k;
        fz_fail(sm_result_count(r) == want, "result count equals brute force");
        for (size_t i = 0; i < want; i++) {
            fz_fail(strcmp(sm_result_id(r, i), all[i].id) == 0, "same partner at each rank");
            fz_fail(sm_result_score(r, i) == all[i].total, "same score at each rank");
            double s = sm_result_score(r, i);
            fz_fail(s >= 0 && s <= 1, "scores in [0, 1]");
            for (size_t j = 0; j < sm_result_criterion_count(r); j++) {
                double v = sm_result_breakdown(r, i, j);
                fz_fail(v >= 0 && v <= 1, "criterion scores in [0, 1]");
            }
        }
        sm_result_free(r);
        sm_sme_desc_free(a);
    }
    sm_weighting_free(w);
    return 0;
}
