/* "Why not b?": where one candidate stands in a query. The query runs in
 * full (every passing candidate ranked), so the answer agrees with
 * sm_query_top() by construction; the filters are then checked one by one
 * for a candidate that is not ranked, in the order of sm_exclusion. */
#include "match/match.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

static const char *const exclusion_names[] = {
    "none",    "self",             "excluded_id", "cross_border", "cross_region", "country",
    "excluded_country", "distance", "cross_sector", "size", "min_score", "rank",
};

const char *sm_exclusion_name(sm_exclusion x)
{
    return (unsigned)x < sizeof exclusion_names / sizeof *exclusion_names ? exclusion_names[x] : NULL;
}

static bool in_list(const char *country, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (toupper((unsigned char)list[i][0]) == country[0] && toupper((unsigned char)list[i][1]) == country[1])
            return true;
    return false;
}

/* The first filter that keeps b out, or SM_EXCLUDED_MIN_SCORE if none does. */
static sm_exclusion filter_of(const sm_engine *e, const sm_query_options *o, size_t a, size_t b)
{
    const sm__smes *s = &e->smes;
    if (a == b)
        return SM_EXCLUDED_SELF;
    for (size_t i = 0; i < o->n_exclude_ids; i++)
        if (strcmp(o->exclude_ids[i], sm__sme_id(e, b)) == 0)
            return SM_EXCLUDED_ID;
    const sm__region *ra = e->regions[s->region[a]], *rb = e->regions[s->region[b]];
    if (o->cross_border && ra->country == rb->country)
        return SM_EXCLUDED_CROSS_BORDER;
    if (o->cross_region_level != SM_LEVEL_ANY &&
        sm__region_ancestor(e, s->region[a], o->cross_region_level) ==
            sm__region_ancestor(e, s->region[b], o->cross_region_level))
        return SM_EXCLUDED_CROSS_REGION;
    const char *cb = e->regions[rb->country]->info.code;
    if (o->n_countries && !in_list(cb, o->countries, o->n_countries))
        return SM_EXCLUDED_COUNTRY;
    if (o->n_exclude_countries && in_list(cb, o->exclude_countries, o->n_exclude_countries))
        return SM_EXCLUDED_EXCLUDED_COUNTRY;
    if (o->max_km > 0 && sm__haversine_km(ra->info.lat, ra->info.lon, rb->info.lat, rb->info.lon) > o->max_km)
        return SM_EXCLUDED_DISTANCE;
    if (o->cross_sector_level != SM_LEVEL_ANY &&
        sm__sector_ancestor(e, s->sector[a], o->cross_sector_level) ==
            sm__sector_ancestor(e, s->sector[b], o->cross_sector_level))
        return SM_EXCLUDED_CROSS_SECTOR;
    if (o->size_classes && !(o->size_classes >> s->size[b] & 1u))
        return SM_EXCLUDED_SIZE;
    return SM_EXCLUDED_MIN_SCORE;
}

sm_status sm_query_rank(sm_rank_info *out, const sm_engine *e, const char *id_a, const char *id_b,
                        const sm_query_options *opts)
{
    if (!out || !e || !id_a || !id_b)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "rank: NULL argument");
    sm_query_options defaults = SM_QUERY_OPTIONS_INIT;
    const sm_query_options *o = opts ? opts : &defaults;
    const sm_weighting *w = NULL;
    sm_status st = sm__query_options_check(o);
    if (st || (st = sm__query_weighting(&w, o->weighting)))
        return st;
    long a, b;
    if ((st = sm__pair_lock(&a, &b, e, id_a, id_b)))
        return st;
    /* every passing candidate, ranked */
    sm_query_options all = *o;
    all.k = e->smes.n;
    sm__qctx q;
    sm__qctx_init(&q, e);
    sm_result *res = NULL;
    sm_rank_info info;
    memset(&info, 0, sizeof info);
    info.version = SM_RANK_INFO_VERSION;
    double total = NAN;
    if (!(st = sm__query_run(&q, (size_t)a, &all, w, &res)) && (a == b || !(st = sm__pair_scores(&q, (size_t)b, &total)))) {
        size_t n = sm_result_count(res);
        size_t kk = o->k < n ? o->k : n;
        info.passing = n;
        info.score = total;
        info.kth_score = kk ? sm_result_score(res, kk - 1) : NAN;
        info.excluded = SM_EXCLUDED_MIN_SCORE;
        for (size_t i = 0; i < n; i++)
            if (strcmp(sm_result_id(res, i), id_b) == 0) {
                info.rank = i + 1;
                info.excluded = i < o->k ? SM_EXCLUDED_NOT : SM_EXCLUDED_RANK;
                break;
            }
        if (!info.rank)
            info.excluded = filter_of(e, o, (size_t)a, (size_t)b);
    }
    sm_result_free(res);
    sm__qctx_free(&q);
    sm__unlock(e);
    if (!st)
        *out = info;
    return st;
}
