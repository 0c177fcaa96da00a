/* Local tags: the tags a bulk meets that the engine does not have yet,
 * numbered in the bulk (SM__TAG_LOCAL | index) instead of being interned,
 * so that a bulk filled beside another one never needs the writer lock for
 * them. The bulk interns them, in the order it first met them, when it is
 * committed or spliced, and then rewrites the ids in its SMEs' lists. */
#include "core/core.h"

#include <string.h>

static const char *local_key(const void *ctx, uint32_t v)
{
    return ((const sm__tag_local *)ctx)->norm[v];
}

sm_status sm__tag_local_get(sm__tag_local *l, const sm__alloc *a, const char *norm, const char *given,
                            uint32_t item, uint32_t *out)
{
    uint32_t v;
    if (sm__hmap_get(&l->map, norm, local_key, l, &v)) {
        *out = SM__TAG_LOCAL | v;
        return SM_OK;
    }
    if (l->n >= SM__MAX_TAGS)
        return sm__fail(SM_ERR_LIMIT, "offers/needs: too many distinct tags");
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **norms = sm__realloc(a, l->norm, cap * sizeof *norms);
        if (!norms)
            return sm__nomem();
        l->norm = norms;
        char **givens = sm__realloc(a, l->given, cap * sizeof *givens);
        if (!givens)
            return sm__nomem();
        l->given = givens;
        uint32_t *first = sm__realloc(a, l->first, cap * sizeof *first);
        if (!first)
            return sm__nomem();
        l->first = first;
        l->cap = cap;
    }
    if (sm__hmap_reserve(&l->map, a, 1, local_key, l))
        return sm__nomem();
    char *n = sm__arena_strdup(&l->text, a, norm);
    if (!n)
        return sm__nomem();
    char *g = strcmp(given, norm) ? sm__arena_strdup(&l->text, a, given) : n;
    if (!g)
        return sm__nomem();
    l->norm[l->n] = n;
    l->given[l->n] = g;
    l->first[l->n] = item;
    sm__hmap_insert(&l->map, n, (uint32_t)l->n);
    *out = SM__TAG_LOCAL | (uint32_t)l->n++;
    return SM_OK;
}

size_t sm__tag_local_before(const sm__tag_local *l, size_t from, size_t item)
{
    while (from < l->n && l->first[from] < item)
        from++;
    return from;
}

sm_status sm__tag_local_intern(sm_engine *e, const sm__tag_local *l, size_t from, size_t to, uint32_t *map)
{
    sm_status st;
    for (size_t i = from; i < to; i++)
        if ((st = sm__tag_intern(e, l->norm[i], l->given[i], &map[i])))
            return st;
    return SM_OK;
}

/* Rewrites n ids; sorts them again when the map changed their order. */
static uint64_t relabel(uint32_t *v, size_t n, const uint32_t *map)
{
    uint64_t sig = 0;
    bool sorted = true;
    for (size_t i = 0; i < n; i++) {
        if (v[i] & SM__TAG_LOCAL)
            v[i] = map[v[i] & ~SM__TAG_LOCAL];
        sorted = sorted && (i == 0 || v[i - 1] < v[i]);
        sig |= sm__tag_sig(v[i]);
    }
    if (!sorted) /* distinct ids: nothing is dropped */
        sm__ids_sort_unique(v, n);
    return sig;
}

void sm__prep_relabel(sm__prep *p, const uint32_t *map)
{
    uint32_t *offers = p->lists + p->n_secondary;
    p->offer_sig = relabel(offers, p->n_offers, map);
    p->need_sig = relabel(offers + p->n_offers, p->n_needs, map);
    p->local_tags = false;
}

void sm__tag_local_free(sm__tag_local *l, const sm__alloc *a)
{
    sm__hmap_free(&l->map, a);
    sm__free(a, l->norm);
    sm__free(a, l->given);
    sm__free(a, l->first);
    sm__arena_free(&l->text, a);
    memset(l, 0, sizeof *l);
}
