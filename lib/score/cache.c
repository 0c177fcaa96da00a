/* The scoring cache: inverse document frequency of every tag, the idf mass
 * of every SME's needs, and the inverted index from tags to the SMEs that
 * offer or need them. Rebuilt by the first query after a change. */
#include "score/score.h"

#include <math.h>
#include <string.h>

static sm_status grow(const sm__alloc *a, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return SM_OK;
    void *np = sm__realloc(a, *p, need * elem);
    if (!np)
        return sm__nomem();
    *p = np;
    *cap = need;
    return SM_OK;
}

/* Builds one side of the inverted index (offers when `offers`, else needs):
 * counting sort of (tag, position) by tag, positions ascending within a
 * tag. Positions are those of by_region, which must be built first. */
static void build_postings(const sm_engine *e, bool offers, uint32_t *start, uint32_t *list)
{
    const uint32_t *order = sm__score_cache_of(e)->by_region;
    size_t nt = e->tags.n, ns = e->smes.n;
    memset(start, 0, (nt + 1) * sizeof *start);
    for (size_t i = 0; i < ns; i++) {
        const uint32_t *t = offers ? sm__sme_offers(e, i) : sm__sme_needs(e, i);
        for (size_t j = 0, m = offers ? e->smes.n_offers[i] : e->smes.n_needs[i]; j < m; j++)
            start[t[j] + 1]++;
    }
    for (size_t t = 0; t < nt; t++)
        start[t + 1] += start[t];
    for (size_t p = 0; p < ns; p++) {
        size_t i = order[p];
        const uint32_t *t = offers ? sm__sme_offers(e, i) : sm__sme_needs(e, i);
        for (size_t j = 0, m = offers ? e->smes.n_offers[i] : e->smes.n_needs[i]; j < m; j++)
            list[start[t[j]]++] = (uint32_t)p;
    }
    /* the fill advanced every start to the next tag's: shift back */
    for (size_t t = nt; t > 0; t--)
        start[t] = start[t - 1];
    start[0] = 0;
}

/* Groups SMEs by region (counting sort, ascending within a region), with a
 * packed copy of the columns the region-ordered scan reads first. */
static sm_status build_regions(sm_engine *e, sm__score_cache *c)
{
    size_t nr = e->n_regions, ns = e->smes.n;
    sm_status st;
    if ((st = grow(&e->alloc, (void **)&c->region_start, &c->region_start_cap, nr + 1, sizeof *c->region_start)) ||
        (st = grow(&e->alloc, (void **)&c->by_region, &c->by_region_cap, ns ? ns : 1, sizeof *c->by_region)) ||
        (st = grow(&e->alloc, (void **)&c->rhot, &c->rhot_cap, ns ? ns : 1, sizeof *c->rhot)))
        return st;
    if ((st = grow(&e->alloc, (void **)&c->rkey, &c->rkey_cap, ns ? ns : 1, sizeof *c->rkey)))
        return st;
    uint32_t *start = c->region_start;
    memset(start, 0, (nr + 1) * sizeof *start);
    for (size_t i = 0; i < ns; i++)
        start[e->smes.region[i] + 1]++;
    for (size_t r = 0; r < nr; r++)
        start[r + 1] += start[r];
    for (size_t i = 0; i < ns; i++)
        c->by_region[start[e->smes.region[i]]++] = (uint32_t)i;
    for (size_t r = nr; r > 0; r--)
        start[r] = start[r - 1];
    start[0] = 0;
    for (size_t p = 0; p < ns; p++) {
        uint32_t i = c->by_region[p];
        uint16_t nsec = e->smes.n_secondary[i];
        uint16_t reg = e->smes.region[i];
        c->rhot[p].idx = i;
        c->rhot[p].region = reg;
        c->rhot[p].coop = e->smes.coop[i];
        c->rhot[p].langs = e->smes.langs[i] ? e->smes.langs[i] : sm__region_langs(e, reg);
        c->rhot[p].sector = e->smes.sector[i];
        c->rhot[p].size = e->smes.size[i];
        c->rhot[p].n_secondary = nsec > 255 ? 255 : (uint8_t)nsec;
        c->rhot[p].secondary[0] = nsec > 0 ? (uint16_t)sm__sme_secondary(e, i)[0] : 0;
        c->rhot[p].secondary[1] = nsec > 1 ? (uint16_t)sm__sme_secondary(e, i)[1] : 0;
        c->rkey[p] = (uint32_t)e->smes.sector[i] << 4 | (uint32_t)e->smes.size[i] << 1 | (nsec > 0);
    }
    return SM_OK;
}

static void cache_free(void *ptr, const sm__alloc *a)
{
    sm__score_cache *c = ptr;
    if (!c)
        return;
    void *arrays[] = { c->idf,       c->need_mass, c->offer_start,  c->need_start, c->offerers,
                       c->needers,   c->region_start, c->by_region, c->rhot,       c->rkey };
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
        sm__free(a, arrays[i]);
    sm__free(a, c);
}

/* Rebuilding costs a few passes over all tag lists (tens of ms for a million
 * SMEs); queries between changes reuse it. The engine is const for the
 * caller, but the cache is private state guarded by its own mutex. */
sm_status sm__score_cache_get(const sm__score_cache **out, const sm_engine *ce)
{
    sm_engine *e = (sm_engine *)ce;
    sm_status st = SM_OK;
    pthread_mutex_lock(&e->derived.mu);
    sm__score_cache *c = e->derived.ptr;
    if (!c) {
        if (!(c = sm__calloc(&e->alloc, 1, sizeof *c))) {
            st = sm__nomem();
            goto out;
        }
        e->derived.ptr = c;
        e->derived.free_fn = cache_free;
    }
    if (c->generation == e->generation)
        goto out;
    size_t nt = e->tags.n, ns = e->smes.n, n_off = 0, n_need = 0;
    for (size_t i = 0; i < ns; i++) {
        n_off += e->smes.n_offers[i];
        n_need += e->smes.n_needs[i];
    }
    c->generation = 0; /* until rebuilt in full */
    if ((st = grow(&e->alloc, (void **)&c->idf, &c->idf_cap, nt ? nt : 1, sizeof *c->idf)) ||
        (st = grow(&e->alloc, (void **)&c->need_mass, &c->mass_cap, ns ? ns : 1, sizeof *c->need_mass)))
        goto out;
    size_t cap = c->start_cap;
    if ((st = grow(&e->alloc, (void **)&c->offer_start, &cap, nt + 1, sizeof *c->offer_start)))
        goto out;
    cap = c->start_cap;
    if ((st = grow(&e->alloc, (void **)&c->need_start, &cap, nt + 1, sizeof *c->need_start)))
        goto out;
    c->start_cap = cap;
    if ((st = grow(&e->alloc, (void **)&c->offerers, &c->offerers_cap, n_off ? n_off : 1, sizeof *c->offerers)) ||
        (st = grow(&e->alloc, (void **)&c->needers, &c->needers_cap, n_need ? n_need : 1, sizeof *c->needers)))
        goto out;
    double n = (double)ns;
    for (size_t t = 0; t < nt; t++) {
        uint32_t df = e->tags.df[t];
        c->idf[t] = df ? log1p(n / (double)df) : 0.0;
    }
    for (size_t i = 0; i < ns; i++) {
        const uint32_t *needs = sm__sme_needs(e, i);
        double m = 0;
        for (size_t j = 0, k = e->smes.n_needs[i]; j < k; j++)
            m += c->idf[needs[j]];
        c->need_mass[i] = m;
    }
    if ((st = build_regions(e, c)))
        goto out;
    build_postings(e, true, c->offer_start, c->offerers);
    build_postings(e, false, c->need_start, c->needers);
    c->generation = e->generation;
out:
    pthread_mutex_unlock(&e->derived.mu);
    if (st == SM_OK && out)
        *out = c;
    return st;
}
