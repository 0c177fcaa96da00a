/* The scoring cache: inverse document frequency of every tag and the idf
 * mass of every SME's needs, rebuilt by the first query after a change. */
#include "internal.h"

#include <math.h>

/* Rebuilding costs one pass over all tag lists (about 20 ms for a million
 * SMEs); queries between changes reuse it. The engine is const for the
 * caller, but the cache is private state guarded by its own mutex. */
sm_status sm__score_cache_update(const sm_engine *ce)
{
    sm_engine *e = (sm_engine *)ce;
    sm__score_cache *c = &e->cache;
    sm_status st = SM_OK;
    pthread_mutex_lock(&c->mu);
    if (c->generation == e->generation)
        goto out;
    size_t nt = e->tags.n, ns = e->smes.n;
    if (nt > c->idf_cap) {
        double *p = sm__realloc(&e->alloc, c->idf, nt * sizeof *p);
        if (!p) {
            st = sm__nomem();
            goto out;
        }
        c->idf = p;
        c->idf_cap = nt;
    }
    if (ns > c->mass_cap) {
        double *p = sm__realloc(&e->alloc, c->need_mass, ns * sizeof *p);
        if (!p) {
            st = sm__nomem();
            goto out;
        }
        c->need_mass = p;
        c->mass_cap = ns;
    }
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
    c->generation = e->generation;
out:
    pthread_mutex_unlock(&c->mu);
    return st;
}

void sm__score_cache_free(sm_engine *e)
{
    sm__free(&e->alloc, e->cache.idf);
    sm__free(&e->alloc, e->cache.need_mass);
    e->cache.idf = e->cache.need_mass = NULL;
    e->cache.idf_cap = e->cache.mass_cap = 0;
    e->cache.generation = 0;
}
