/* Savepoints: what the engine was before a change that adds regions and
 * sectors or replaces regions, so that a failure part-way takes the whole
 * change back. A change goes through the savepoint (it records a region
 * before replacing it and keeps the adjacency it replaces) instead of
 * writing engine fields itself; rollback puts the engine back, release
 * keeps the change. The writer lock is held around every call; a loader may
 * drop it between release-or-rollback and begin, see `exclusive`. */
#include "core/core.h"

#include <string.h>

void sm__savepoint_begin(sm__savepoint *sp, sm_engine *e, bool exclusive)
{
    memset(sp, 0, sizeof *sp);
    sp->exclusive = exclusive;
    sp->generation = e->generation;
    sp->n_regions = e->n_regions;
    sp->n_sectors = e->n_sectors;
    sp->n_langs = e->n_langs;
    sp->mark = sm__arena_mark_get(&e->arena);
    sp->active = true;
}

sm_status sm__savepoint_reserve_regions(sm__savepoint *sp, sm_engine *e, size_t n)
{
    return sm__grow(&e->alloc, (void **)&sp->replaced, &sp->cap_replaced, sp->n_replaced + n, sizeof *sp->replaced);
}

sm_status sm__savepoint_put_region(sm__savepoint *sp, sm_engine *e, const sm_region_desc *d, bool replace)
{
    long idx = replace ? sm__region_find(e, d->code) : -1;
    if (idx >= 0) {
        sm_status st = sm__savepoint_reserve_regions(sp, e, 1);
        if (st)
            return st;
        sm__region_saved *r = &sp->replaced[sp->n_replaced++];
        r->idx = idx;
        r->info = e->regions[idx]->info;
        r->langs = e->regions[idx]->langs;
    }
    return sm__region_put_locked(e, d, replace);
}

sm_status sm__savepoint_put_sector(sm__savepoint *sp, sm_engine *e, const char *code, const char *name,
                                   const char *section)
{
    (void)sp; /* sectors are only added: rollback drops them by count */
    return sm__sector_put_locked(e, code, name, section, false);
}

void sm__savepoint_set_adjacency(sm__savepoint *sp, sm_engine *e, uint32_t *start, uint16_t *adj, size_t n_regions)
{
    if (!sp->adj_replaced) {
        sp->adj_replaced = true;
        sp->adj_start = e->adj_start;
        sp->adj = e->adj;
        sp->n_adj_regions = e->n_adj_regions;
    } else {
        sm__free(&e->alloc, e->adj_start);
        sm__free(&e->alloc, e->adj);
    }
    e->adj_start = start;
    e->adj = adj;
    e->n_adj_regions = n_regions;
}

void sm__savepoint_rollback(sm__savepoint *sp, sm_engine *e)
{
    if (!sp->active)
        return;
    for (size_t i = e->n_sectors; i-- > sp->n_sectors;)
        sm__hmap_remove(&e->sector_map, e->sectors[i]->info.code, sm__sector_key, e);
    e->n_sectors = sp->n_sectors;
    for (size_t i = e->n_regions; i-- > sp->n_regions;)
        sm__hmap_remove(&e->region_map, e->regions[i]->info.code, sm__region_key, e);
    e->n_regions = sp->n_regions;
    for (size_t i = sp->n_replaced; i-- > 0;) {
        sm__region *r = e->regions[sp->replaced[i].idx];
        r->info = sp->replaced[i].info;
        r->langs = sp->replaced[i].langs;
    }
    if (sp->adj_replaced) {
        sm__free(&e->alloc, e->adj_start);
        sm__free(&e->alloc, e->adj);
        e->adj_start = sp->adj_start;
        e->adj = sp->adj;
        e->n_adj_regions = sp->n_adj_regions;
        sp->adj_replaced = false;
    }
    if (sp->exclusive) {
        e->n_langs = sp->n_langs;
        e->generation = sp->generation;
        sm__arena_rollback(&e->arena, &e->alloc, sp->mark);
    } else {
        e->generation++;
    }
    sm__savepoint_release(sp, e);
}

void sm__savepoint_release(sm__savepoint *sp, sm_engine *e)
{
    if (sp->adj_replaced) {
        sm__free(&e->alloc, sp->adj_start);
        sm__free(&e->alloc, sp->adj);
    }
    sm__free(&e->alloc, sp->replaced);
    memset(sp, 0, sizeof *sp);
}
