/* Query set-up: options and their checks, the weighting a query scores
 * with, and the per-query tables (regions, sectors, exclusions, network
 * neighbourhood) that the scan in query.c reads. */
#include "match/match.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* "balanced" (weighting.c's preset table holds the same numbers; a test
 * checks they agree). Used when a query passes no weighting. */
static const sm_weighting balanced = {
    .w = { 3.0, 2.0, 1.0, 1.0, 0.5, 1.0, 1.0 },
    .combiner = SM_COMBINE_MEAN,
    .p = { SM_RECIPROCITY_HARMONIC, 400.0, 0.15, 0.15, 2.0, 0.8 },
    .net_auto = SM__NET_AUTO_INIT, /* history and network criteria */
};

sm_status sm_query_options_init(sm_query_options *opts, unsigned int version)
{
    if (!opts || version != SM_QUERY_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "query options: NULL or unsupported version %u", version);
    sm_query_options d = SM_QUERY_OPTIONS_INIT;
    *opts = d;
    return SM_OK;
}

static bool country_ok(const char *c)
{
    return c && isalpha((unsigned char)c[0]) && isalpha((unsigned char)c[1]) && c[2] == '\0';
}

sm_status sm__query_options_check(const sm_query_options *o)
{
    if (o->version != SM_QUERY_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "query options: unsupported version %u", o->version);
    if (o->cross_region_level != SM_LEVEL_ANY && (o->cross_region_level < 0 || o->cross_region_level > 3))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "cross_region_level: %d is no NUTS level (0..3)",
                        o->cross_region_level);
    if (o->cross_sector_level != SM_LEVEL_ANY && (o->cross_sector_level < 1 || o->cross_sector_level > 4))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "cross_sector_level: %d is no NACE level (1..4)",
                        o->cross_sector_level);
    if (!(o->min_score >= 0.0) || !isfinite(o->min_score))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "min_score: %g must be a number >= 0", o->min_score);
    if (!(o->max_km >= 0.0))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "max_km: %g must be >= 0 (0 = no limit)", o->max_km);
    if (o->size_classes >> 5)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "size_classes: 0x%x has bits beyond the five size classes",
                        o->size_classes);
    if ((o->n_countries && !o->countries) || (o->n_exclude_countries && !o->exclude_countries) ||
        (o->n_exclude_ids && !o->exclude_ids))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "query options: a list is NULL but its count is not 0");
    for (size_t i = 0; i < o->n_countries; i++)
        if (!country_ok(o->countries[i]))
            return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "countries", o->countries[i],
                               "countries: \"%s\" is not a two-letter country code",
                               o->countries[i] ? o->countries[i] : "(null)");
    for (size_t i = 0; i < o->n_exclude_countries; i++)
        if (!country_ok(o->exclude_countries[i]))
            return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "exclude_countries", o->exclude_countries[i],
                               "exclude_countries: \"%s\" is not a two-letter country code",
                               o->exclude_countries[i] ? o->exclude_countries[i] : "(null)");
    for (size_t i = 0; i < o->n_exclude_ids; i++)
        if (!o->exclude_ids[i])
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "exclude_ids: entry %zu is NULL", i);
    return SM_OK;
}

sm_status sm__query_weighting(const sm_weighting **out, const sm_weighting *given)
{
    const sm_weighting *w = given ? given : &balanced;
    double sum = 0;
    for (size_t j = 0; j < sm__weighting_n(w); j++)
        sum += w->w[j];
    if (!(sum > 0))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weighting: all weights are zero");
    *out = w;
    return SM_OK;
}

/* ---- per-query context --------------------------------------------------- */

void sm__qctx_init(sm__qctx *q, const sm_engine *e)
{
    memset(q, 0, sizeof *q);
    q->e = e;
    q->alloc = &e->alloc;
}

void sm__qctx_free(sm__qctx *q)
{
    const sm__alloc *a = q->alloc;
    sm__free(a, q->region_ok);
    sm__free(a, q->rlangs);
    sm__free(a, q->dist);
    sm__free(a, q->reach);
    sm__free(a, q->cohesion);
    sm__free(a, q->regpart);
    sm__free(a, q->aff);
    sm__free(a, q->affw);
    sm__free(a, q->sector_ok);
    sm__free(a, q->excluded);
    sm__free(a, q->heap);
    sm__free(a, q->rows);
    sm__free(a, q->mark);
    sm__free(a, q->plist);
    sm__free(a, q->rorder);
    sm__netq_free(&q->net, a);
    memset(q, 0, sizeof *q);
}

/* Grows one array of the context to n elements. */
static sm_status grow(const sm__alloc *a, void **p, size_t n, size_t elem)
{
    void *np = sm__realloc(a, *p, n ? n * elem : 1);
    if (!np)
        return sm__nomem();
    *p = np;
    return SM_OK;
}

static sm_status reserve(sm__qctx *q, size_t k)
{
    const sm_engine *e = q->e;
    const sm__alloc *a = q->alloc;
    if (e->n_regions > q->region_cap) {
        size_t n = e->n_regions;
        if (grow(a, (void **)&q->region_ok, n, sizeof *q->region_ok) ||
            grow(a, (void **)&q->rlangs, n, sizeof *q->rlangs) || grow(a, (void **)&q->dist, n, sizeof *q->dist) ||
            grow(a, (void **)&q->reach, n, sizeof *q->reach) ||
            grow(a, (void **)&q->cohesion, n, sizeof *q->cohesion) ||
            grow(a, (void **)&q->regpart, n, sizeof *q->regpart))
            return SM_ERR_NOMEM;
        q->region_cap = n;
        q->regions_valid = 0;
    }
    if (e->n_regions > q->rorder_cap) {
        if (grow(a, (void **)&q->rorder, e->n_regions, sizeof *q->rorder))
            return SM_ERR_NOMEM;
        q->rorder_cap = e->n_regions;
    }
    if (e->n_sectors > q->sector_cap) {
        size_t n = e->n_sectors;
        if (grow(a, (void **)&q->aff, n, sizeof *q->aff) || grow(a, (void **)&q->sector_ok, n, sizeof *q->sector_ok) ||
            grow(a, (void **)&q->affw, 2 * n, sizeof *q->affw))
            return SM_ERR_NOMEM;
        q->sector_cap = n;
    }
    size_t n_base = sm__score_cache_of(e)->n_base; /* marks are by base position */
    if (n_base > q->mark_cap) { /* the marks, then the shares (match.h) */
        if (grow(a, (void **)&q->mark, 2 * n_base, sizeof *q->mark))
            return SM_ERR_NOMEM;
        q->mark_cap = n_base;
    }
    size_t n_tags = (size_t)e->smes.n_offers[q->a] + e->smes.n_needs[q->a] + 1; /* never NULL */
    if (n_tags > q->plist_cap) {
        if (grow(a, (void **)&q->plist, n_tags, sizeof *q->plist))
            return SM_ERR_NOMEM;
        q->plist_cap = n_tags;
    }
    if (k > q->heap_cap) {
        if (grow(a, (void **)&q->heap, k, sizeof *q->heap))
            return SM_ERR_NOMEM;
        q->heap_cap = k;
    }
    if (k * q->n_crit > q->rows_cap) {
        if (grow(a, (void **)&q->rows, k * q->n_crit, sizeof *q->rows))
            return SM_ERR_NOMEM;
        q->rows_cap = k * q->n_crit;
    }
    return SM_OK;
}

static bool in_list(const char *country, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (toupper((unsigned char)list[i][0]) == country[0] && toupper((unsigned char)list[i][1]) == country[1])
            return true;
    return false;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* Region tables: filter, distance, reach, cohesion, languages. */
static void prepare_regions(sm__qctx *q, const sm_query_options *o)
{
    const sm_engine *e = q->e;
    const sm__params *p = &q->w->p;
    int ra = e->smes.region[q->a];
    const sm__region *RA = e->regions[ra];
    int ca = RA->country;
    double da = sm__region_dev(e, ra);
    double log_full = log(p->full_ratio);
    int anc_a = o->cross_region_level == SM_LEVEL_ANY ? -1 : sm__region_ancestor(e, ra, o->cross_region_level);
    const uint32_t *live = sm__score_cache_of(e)->region_live; /* the cache is current */
    for (size_t r = 0; r < e->n_regions; r++) {
        if (!live[r]) {
            q->region_ok[r] = 0; /* no SME there: nothing to score */
            continue;
        }
        const sm__region *R = e->regions[r];
        double d = sm__haversine_km(RA->info.lat, RA->info.lon, R->info.lat, R->info.lon);
        q->dist[r] = d;
        double reach = exp(-d / p->scale_km);
        if (R->country != ca)
            reach += p->cross_border_bonus;
        if (sm__regions_neighbouring(e, ra, (int)r))
            reach += p->neighbour_bonus;
        q->reach[r] = reach > 1.0 ? 1.0 : reach;
        double db = sm__region_dev(e, (int)r);
        if (isnan(da) || isnan(db))
            q->cohesion[r] = 0.5;
        else {
            double c = fabs(log(da) - log(db)) / log_full;
            q->cohesion[r] = c > 1.0 ? 1.0 : c;
        }
        q->rlangs[r] = sm__region_langs(e, (int)r);

        bool ok = true;
        const char *country = e->regions[R->country]->info.code;
        if (o->cross_border && R->country == ca)
            ok = false;
        if (ok && anc_a >= 0 && sm__region_ancestor(e, (int)r, o->cross_region_level) == anc_a)
            ok = false;
        if (ok && o->n_countries && !in_list(country, o->countries, o->n_countries))
            ok = false;
        if (ok && o->n_exclude_countries && in_list(country, o->exclude_countries, o->n_exclude_countries))
            ok = false;
        if (ok && o->max_km > 0 && d > o->max_km)
            ok = false;
        q->region_ok[r] = ok;
    }
}

/* Sector tables: affinity of a's sectors to every sector, cross-sector filter. */
static void prepare_sectors(sm__qctx *q, const sm_query_options *o)
{
    const sm_engine *e = q->e;
    int pa = e->smes.sector[q->a];
    const uint32_t *sec = sm__sme_secondary(e, q->a);
    size_t nsec = e->smes.n_secondary[q->a];
    int anc_a = o->cross_sector_level == SM_LEVEL_ANY ? -1 : sm__sector_ancestor(e, pa, o->cross_sector_level);
    for (size_t s = 0; s < e->n_sectors; s++) {
        double best = sm__sector_pair_affinity(e, pa, (int)s);
        for (size_t j = 0; j < nsec; j++) {
            double v = sm__sector_pair_affinity(e, (int)sec[j], (int)s) * q->factor;
            if (v > best)
                best = v;
        }
        q->aff[s] = best;
        q->sector_ok[s] = anc_a < 0 || sm__sector_ancestor(e, (int)s, o->cross_sector_level) != anc_a;
    }
}

static sm_status prepare_excluded(sm__qctx *q, const sm_query_options *o)
{
    q->n_excluded = 0;
    if (!o->n_exclude_ids)
        return SM_OK;
    if (o->n_exclude_ids > q->excluded_cap) {
        if (grow(q->alloc, (void **)&q->excluded, o->n_exclude_ids, sizeof *q->excluded))
            return SM_ERR_NOMEM;
        q->excluded_cap = o->n_exclude_ids;
    }
    for (size_t i = 0; i < o->n_exclude_ids; i++) {
        long x = sm__sme_find(q->e, o->exclude_ids[i]);
        if (x >= 0)
            q->excluded[q->n_excluded++] = (uint32_t)x;
    }
    qsort(q->excluded, q->n_excluded, sizeof *q->excluded, cmp_u32);
    return SM_OK;
}


/* The weighting a query by SME a scores with: w, or w with its preset's
 * network criteria when the history holds links (history and network
 * criteria; for a cold SME with their weights moved, sm__net_effective). */
static const sm_weighting *effective(sm__qctx *q, const sm_weighting *w, size_t a)
{
    bool cold;
    const sm_weighting *x =
        sm__net_effective(&q->wx, w, q->net.override ? q->net.override : q->e->history, q->e, a, &cold);
    if (x != w && (q->wx_src != w || q->wx_cold != cold))
        q->regions_valid = 0; /* the tables were made for another weighting in wx */
    q->wx_src = x != w ? w : NULL;
    q->wx_cold = cold;
    return x;
}

static sm_status prepare(sm__qctx *q, size_t a, const sm_query_options *o, const sm_weighting *w, size_t k)
{
    q->a = a;
    q->o = o;
    q->w = w;
    q->n_crit = sm__weighting_n(w);
    q->factor = w->p.secondary_factor;
    sm_status st = reserve(q, k);
    if (st)
        return st;
    q->a_langs = q->e->smes.langs[a] ? q->e->smes.langs[a] : sm__region_langs(q->e, q->e->smes.region[a]);
    /* Region tables depend only on a's region, the filters and the
     * weighting: a batch that takes SMEs region by region reuses them. */
    int ra = q->e->smes.region[a];
    if (!q->regions_valid || q->cached_region != ra || q->cached_o != o || q->cached_w != w) {
        prepare_regions(q, o);
        q->regions_valid = 1;
        q->rorder_valid = 0;
        q->cached_region = ra;
        q->cached_o = o;
        q->cached_w = w;
    }
    prepare_sectors(q, o);
    if ((st = prepare_excluded(q, o)))
        return st;
    return sm__netq_prepare(&q->net, q->e, w, a, q->alloc); /* history and network criteria */
}

sm_status sm__qctx_begin(sm__qctx *q, size_t a, const sm_query_options *o, const sm_weighting **w, size_t k)
{
    *w = effective(q, *w, a);
    return prepare(q, a, o, *w, k);
}

/* For callers that score chosen pairs (the consortium builder): the tables
 * of a query by SME a, without a scan. */
sm_status sm__qctx_prepare(sm__qctx *q, size_t a, const sm_query_options *o, const sm_weighting *w)
{
    return prepare(q, a, o, effective(q, w, a), 1);
}
