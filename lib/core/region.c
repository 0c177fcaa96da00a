/* Regions: NUTS-style hierarchical codes, points, development indices,
 * languages and the adjacency used by the region-reach criterion. */
#include "core/core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *sm__region_key(const void *ctx, uint32_t v)
{
    const sm_engine *e = ctx;
    return e->regions[v]->info.code;
}

bool sm__region_code_ok(const char *code)
{
    size_t n = strlen(code);
    if (n < 2 || n > SM_REGION_CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        bool upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
        if (i < 2 ? !upper : !(upper || digit))
            return false;
    }
    return true;
}

long sm__region_find(const sm_engine *e, const char *code)
{
    uint32_t v;
    if (sm__hmap_get(&e->region_map, code, sm__region_key, e, &v))
        return (long)v;
    return -1;
}

static sm_status check_code(const char *code)
{
    if (!sm__region_code_ok(code))
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "region", code,
                           "region: malformed NUTS code \"%s\" (2 upper-case letters, then up to 3 of A-Z, 0-9)",
                           code);
    return SM_OK;
}

/* Resolves languages into a bit set, adding unknown codes to the engine's
 * table; a failure may leave new language entries, which are harmless. */
static sm_status resolve_langs(sm_engine *e, const char *const *langs, size_t n, uint64_t *out, const char *field)
{
    uint64_t bits = 0;
    if (n && !langs)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "%s: NULL list with %zu entries", field, n);
    for (size_t i = 0; i < n; i++) {
        if (!langs[i])
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "%s: NULL entry", field);
        int id = sm__lang_id(e, langs[i], true);
        if (id == -2)
            return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, field, langs[i],
                               "%s: malformed language code \"%s\" (ISO 639-1, e.g. \"sl\")", field, langs[i]);
        if (id < 0)
            return sm__fail_at(SM_ERR_LIMIT, NULL, 0, 0, field, langs[i],
                               "%s: cannot add language \"%s\": the engine holds %d languages at most", field,
                               langs[i], SM_LANGUAGE_MAX);
        bits |= 1ull << id;
    }
    *out = bits;
    return SM_OK;
}

sm_status sm__lang_bits(sm_engine *e, const char *const *langs, size_t n, uint64_t *out, const char *field)
{
    return resolve_langs(e, langs, n, out, field);
}

/* Language list of a bit set, stored in the arena. */
static sm_status lang_list(sm_engine *e, uint64_t bits, const char *const **out, size_t *n_out)
{
    size_t n = 0;
    for (unsigned i = 0; i < 64; i++)
        n += (bits >> i) & 1u;
    *out = NULL;
    *n_out = 0;
    if (!n)
        return SM_OK;
    const char **list = sm__arena_alloc(&e->arena, &e->alloc, n * sizeof *list);
    if (!list)
        return sm__nomem();
    n = 0;
    for (unsigned i = 0; i < 64; i++)
        if ((bits >> i) & 1u)
            list[n++] = e->langs[i];
    *out = list;
    *n_out = n;
    return SM_OK;
}

static sm_status validate_desc(const sm_region_desc *d)
{
    if (!d)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "region: NULL description");
    if (d->version != SM_REGION_DESC_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "region: unknown description version %u", d->version);
    if (!d->code)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "region: NULL code");
    sm_status st = check_code(d->code);
    if (st)
        return st;
    if (!d->name || !*d->name)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "name", d->code, "name: region \"%s\" needs a name",
                           d->code);
    if (strlen(d->name) > SM_NAME_MAX)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "name", d->code,
                           "name: name of region \"%s\" is longer than %d bytes", d->code, SM_NAME_MAX);
    if (!isfinite(d->lat) || d->lat < -90 || d->lat > 90) {
        char v[32];
        snprintf(v, sizeof v, "%g", d->lat);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "lat", v, "lat: latitude of \"%s\" out of range -90..90: %s",
                           d->code, v);
    }
    if (!isfinite(d->lon) || d->lon < -180 || d->lon > 180) {
        char v[32];
        snprintf(v, sizeof v, "%g", d->lon);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "lon", v,
                           "lon: longitude of \"%s\" out of range -180..180: %s", d->code, v);
    }
    if (!isnan(d->development) && (!isfinite(d->development) || d->development <= 0)) {
        char v[32];
        snprintf(v, sizeof v, "%g", d->development);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "development", v,
                           "development: index of \"%s\" must be > 0 (or NaN for unknown): %s", d->code, v);
    }
    return SM_OK;
}

void sm__region_set_development(sm_engine *e, size_t k, double development)
{
    e->regions[k]->info.development = development;
}

/* Tests set it so that a region change leaves the derived data stale and
 * the writer takes the path that rebuilds it at the end of its call. */
int sm__regions_unfollowed;

/* Adds or replaces a region; lock held. `replace` false keeps existing. */
sm_status sm__region_put_locked(sm_engine *e, const sm_region_desc *d, bool replace)
{
    long existing = sm__region_find(e, d->code);
    if (existing >= 0 && !replace)
        return SM_OK;
    size_t len = strlen(d->code);
    long parent = -1;
    if (len > 2) {
        char pc[SM_REGION_CODE_MAX + 1];
        memcpy(pc, d->code, len - 1);
        pc[len - 1] = '\0';
        parent = sm__region_find(e, pc);
        if (parent < 0)
            return sm__fail_at(SM_ERR_UNKNOWN_CODE, NULL, 0, 0, "region", d->code,
                               "region: parent \"%s\" of \"%s\" is not in the engine", pc, d->code);
    }
    uint64_t langs = 0;
    sm_status st = resolve_langs(e, d->languages, d->n_languages, &langs, "languages");
    if (st)
        return st;
    sm__arena_mark mark = sm__arena_mark_get(&e->arena);
    char *name = sm__arena_strdup(&e->arena, &e->alloc, d->name);
    const char *const *list = NULL;
    size_t n_list = 0;
    if (!name || lang_list(e, langs, &list, &n_list) != SM_OK)
        goto nomem;
    if (existing >= 0) {
        sm__region *r = e->regions[existing];
        r->info.name = name;
        r->info.lat = d->lat;
        r->info.lon = d->lon;
        r->info.development = d->development;
        r->info.languages = list;
        r->info.n_languages = n_list;
        bool same_langs = r->langs == langs;
        r->langs = langs;
        /* the scoring caches hold every SME's effective languages */
        if (same_langs)
            sm__changed(e, true);
        else
            sm__region_changed(e, (size_t)existing, false);
        return SM_OK;
    }
    if (e->n_regions >= SM__MAX_REGIONS) {
        sm__arena_rollback(&e->arena, &e->alloc, mark);
        return sm__fail_at(SM_ERR_LIMIT, NULL, 0, 0, "region", d->code, "region: cannot add \"%s\": %u regions at most",
                           d->code, SM__MAX_REGIONS);
    }
    sm__region *r = sm__arena_alloc(&e->arena, &e->alloc, sizeof *r);
    char *code = sm__arena_strdup(&e->arena, &e->alloc, d->code);
    if (!r || !code)
        goto nomem;
    if (sm__grow(&e->alloc, (void **)&e->regions, &e->cap_regions, e->n_regions + 1, sizeof *e->regions) ||
        sm__hmap_reserve(&e->region_map, &e->alloc, 1, sm__region_key, e))
        goto nomem;
    r->info.code = code;
    r->info.name = name;
    r->info.lat = d->lat;
    r->info.lon = d->lon;
    r->info.development = d->development;
    r->info.languages = list;
    r->info.n_languages = n_list;
    r->info.level = (int)len - 2;
    r->level = (uint8_t)(len - 2);
    r->langs = langs;
    uint16_t idx = (uint16_t)e->n_regions;
    if (parent >= 0) {
        const sm__region *p = e->regions[parent];
        r->parent = (uint16_t)parent;
        r->country = p->country;
        r->info.parent = p->info.code;
        r->info.country = e->regions[p->country]->info.code;
    } else {
        r->parent = UINT16_MAX;
        r->country = idx;
        r->info.parent = "";
        r->info.country = code;
    }
    e->regions[e->n_regions++] = r;
    sm__hmap_insert(&e->region_map, code, idx);
    sm__region_changed(e, idx, true); /* the scoring caches group SMEs by region */
    return SM_OK;
nomem:
    sm__arena_rollback(&e->arena, &e->alloc, mark);
    return sm__nomem();
}

sm_status sm_region_put(sm_engine *e, const sm_region_desc *d)
{
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "engine: NULL pointer");
    sm_status st = validate_desc(d);
    if (st)
        return st;
    sm__wrlock(e);
    st = sm__region_put_locked(e, d, true);
    sm__unlock(e);
    return st;
}

sm_status sm_region_set_development(sm_engine *e, const char *code, double development)
{
    if (!e || !code)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "region: NULL argument");
    if (!isnan(development) && (!isfinite(development) || development <= 0)) {
        char v[32];
        snprintf(v, sizeof v, "%g", development);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "development", v,
                           "development: index of \"%s\" must be > 0: %s", code, v);
    }
    sm__wrlock(e);
    long i = sm__region_find(e, code);
    sm_status st = SM_OK;
    if (i < 0)
        st = sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "region", code, "region: unknown NUTS code \"%s\"", code);
    else {
        e->regions[i]->info.development = development;
        sm__changed(e, true); /* the scoring caches do not depend on it */
    }
    sm__unlock(e);
    return st;
}

sm_status sm_region_get(const sm_region_info **out, const sm_engine *e, const char *code)
{
    if (!out || !e || !code)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "region: NULL argument");
    sm_status st = check_code(code);
    if (st)
        return st;
    sm__rdlock(e);
    long i = sm__region_find(e, code);
    if (i >= 0)
        *out = &e->regions[i]->info;
    sm__unlock(e);
    if (i < 0)
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "region", code, "region: unknown NUTS code \"%s\"", code);
    return SM_OK;
}

size_t sm_region_count(const sm_engine *e)
{
    if (!e)
        return 0;
    sm__rdlock(e);
    size_t n = e->n_regions;
    sm__unlock(e);
    return n;
}

sm_status sm_region_at(const sm_region_info **out, const sm_engine *e, size_t index)
{
    if (!out || !e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "region: NULL argument");
    sm__rdlock(e);
    size_t n = e->n_regions;
    if (index < n)
        *out = &e->regions[index]->info;
    sm__unlock(e);
    if (index >= n)
        return sm__fail(SM_ERR_NOT_FOUND, "region: index %zu past the end (%zu regions)", index, n);
    return SM_OK;
}

int sm__region_ancestor(const sm_engine *e, int region, int level)
{
    while (e->regions[region]->level > level)
        region = e->regions[region]->parent;
    return region;
}

double sm__region_dev(const sm_engine *e, int region)
{
    for (;;) {
        const sm__region *r = e->regions[region];
        if (!isnan(r->info.development))
            return r->info.development;
        if (r->parent == UINT16_MAX)
            return NAN;
        region = r->parent;
    }
}

double sm_region_development(const sm_engine *e, const char *code)
{
    if (!e || !code)
        return NAN;
    sm__rdlock(e);
    long i = sm__region_find(e, code);
    double d = i < 0 ? NAN : sm__region_dev(e, (int)i);
    sm__unlock(e);
    return d;
}

bool sm__regions_adjacent(const sm_engine *e, int a, int b)
{
    if (a == b || (size_t)a >= e->n_adj_regions || (size_t)b >= e->n_adj_regions)
        return false;
    for (uint32_t i = e->adj_start[a]; i < e->adj_start[a + 1]; i++)
        if (e->adj[i] == b)
            return true;
    return false;
}

double sm__haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = 3.14159265358979323846 / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double s1 = sin(dlat / 2), s2 = sin(dlon / 2);
    double h = s1 * s1 + cos(lat1 * rad) * cos(lat2 * rad) * s2 * s2;
    if (h > 1)
        h = 1;
    return 2.0 * 6371.0088 * asin(sqrt(h));
}

sm_status sm_region_distance_km(double *out, const sm_engine *e, const char *code_a, const char *code_b)
{
    if (!out || !e || !code_a || !code_b)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "region: NULL argument");
    sm__rdlock(e);
    long a = sm__region_find(e, code_a), b = sm__region_find(e, code_b);
    double d = 0;
    if (a >= 0 && b >= 0)
        d = sm__haversine_km(e->regions[a]->info.lat, e->regions[a]->info.lon, e->regions[b]->info.lat,
                             e->regions[b]->info.lon);
    sm__unlock(e);
    if (a < 0 || b < 0) {
        const char *bad = a < 0 ? code_a : code_b;
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "region", bad, "region: unknown NUTS code \"%s\"", bad);
    }
    *out = d;
    return SM_OK;
}

/* Neighbours at the coarser of the two levels; lock held. */
bool sm__regions_neighbouring(const sm_engine *e, int a, int b)
{
    if (a == b)
        return false;
    int level = e->regions[a]->level < e->regions[b]->level ? e->regions[a]->level : e->regions[b]->level;
    int aa = sm__region_ancestor(e, a, level), bb = sm__region_ancestor(e, b, level);
    return sm__regions_adjacent(e, aa, bb);
}

int sm_region_neighbours(const sm_engine *e, const char *code_a, const char *code_b)
{
    if (!e || !code_a || !code_b)
        return 0;
    sm__rdlock(e);
    long a = sm__region_find(e, code_a), b = sm__region_find(e, code_b);
    int r = a >= 0 && b >= 0 && sm__regions_neighbouring(e, (int)a, (int)b);
    sm__unlock(e);
    return r;
}

/* The languages of region r or of its nearest ancestor that has some. */
uint64_t sm__region_langs(const sm_engine *e, int r)
{
    for (;;) {
        const sm__region *reg = e->regions[r];
        if (reg->langs || reg->parent == UINT16_MAX)
            return reg->langs;
        r = reg->parent;
    }
}
