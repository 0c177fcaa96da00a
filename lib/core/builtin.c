/* Loads the generated reference tables (core/tables/gen_*.c) into an engine
 * through a savepoint: the caller rolls a failure back, all or nothing. */
#include "core/core.h"
#include "core/tables.h"

#include <math.h>
#include <string.h>

/* Splits "sl;it;hu" into at most 8 language codes. */
static size_t split_langs(const char *s, char buf[8][4], const char *ptrs[8])
{
    size_t n = 0;
    while (s && *s && n < 8) {
        size_t k = 0;
        while (*s && *s != ';') {
            if (k < 3)
                buf[n][k++] = *s;
            s++;
        }
        buf[n][k] = '\0';
        ptrs[n] = buf[n];
        n++;
        if (*s == ';')
            s++;
    }
    return n;
}

sm_status sm__load_builtin_regions(sm_engine *e, sm__savepoint *sp)
{
    size_t n0 = e->n_regions;
    size_t total = sm__region_table_len;
    uint16_t *map = sm__malloc(&e->alloc, total * sizeof *map);
    uint32_t *start = NULL;
    uint16_t *adj = NULL;
    sm_status st = SM_OK;
    if (!map)
        return sm__nomem();
    /* reserve once so the loop below can only fail in the arena */
    if ((st = sm__grow(&e->alloc, (void **)&e->regions, &e->cap_regions, n0 + total, sizeof *e->regions)) ||
        (st = sm__hmap_reserve(&e->region_map, &e->alloc, total, NULL, NULL)))
        goto fail;
    for (size_t i = 0; i < total; i++) {
        const sm__region_row *row = &sm__region_table[i];
        char lb[8][4];
        const char *lp[8];
        sm_region_desc d = SM_REGION_DESC_INIT;
        d.code = row->code;
        d.name = row->name;
        d.lat = row->lat;
        d.lon = row->lon;
        d.development = NAN;
        d.n_languages = split_langs(row->languages, lb, lp);
        d.languages = lp;
        if ((st = sm__savepoint_put_region(sp, e, &d, false)))
            goto fail;
        map[i] = (uint16_t)sm__region_find(e, row->code);
    }
    /* adjacency over all regions now present (CSR) */
    size_t nr = e->n_regions;
    start = sm__calloc(&e->alloc, nr + 1, sizeof *start);
    adj = sm__malloc(&e->alloc, 2 * sm__adjacency_table_len * sizeof *adj);
    if (!start || !adj) {
        st = sm__nomem();
        goto fail;
    }
    for (size_t i = 0; i < sm__adjacency_table_len; i++) {
        start[map[sm__adjacency_table[i].a] + 1]++;
        start[map[sm__adjacency_table[i].b] + 1]++;
    }
    for (size_t i = 0; i < nr; i++)
        start[i + 1] += start[i];
    {
        uint32_t *fill = sm__malloc(&e->alloc, (nr + 1) * sizeof *fill);
        if (!fill) {
            st = sm__nomem();
            goto fail;
        }
        memcpy(fill, start, (nr + 1) * sizeof *fill);
        for (size_t i = 0; i < sm__adjacency_table_len; i++) {
            uint16_t a = map[sm__adjacency_table[i].a], b = map[sm__adjacency_table[i].b];
            adj[fill[a]++] = b;
            adj[fill[b]++] = a;
        }
        sm__free(&e->alloc, fill);
    }
    sm__savepoint_set_adjacency(sp, e, start, adj, nr);
    sm__free(&e->alloc, map);
    return SM_OK;
fail:
    sm__free(&e->alloc, map);
    sm__free(&e->alloc, start);
    sm__free(&e->alloc, adj);
    return st;
}

sm_status sm__load_builtin_sectors(sm_engine *e, sm__savepoint *sp)
{
    size_t n0 = e->n_sectors;
    size_t total = sm__sector_table_len;
    sm_status st;
    if ((st = sm__grow(&e->alloc, (void **)&e->sectors, &e->cap_sectors, n0 + total, sizeof *e->sectors)) ||
        (st = sm__hmap_reserve(&e->sector_map, &e->alloc, total, NULL, NULL)))
        return st;
    char section[2] = { 0, 0 };
    for (size_t i = 0; i < total; i++) {
        const sm__sector_row *row = &sm__sector_table[i];
        if (strlen(row->code) == 1)
            section[0] = row->code[0];
        if ((st = sm__savepoint_put_sector(sp, e, row->code, row->name, section)))
            return st;
    }
    return SM_OK;
}
