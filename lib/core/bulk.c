/* Bulk changes: SMEs validated and prepared one by one, committed together
 * or not at all (for errors; readers may see the commit's chunks). */
#include "core/core.h"

#include <string.h>

struct sm_bulk {
    sm_engine *engine;
    sm__prep *items;
    size_t n, cap;
    sm__hmap ids; /* staged ids -> item index */
};

static const char *staged_key(const void *ctx, uint32_t v)
{
    return ((const sm_bulk *)ctx)->items[v].cold;
}

sm_status sm_bulk_new(sm_bulk **out, sm_engine *e)
{
    if (!out || !e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "bulk: NULL argument");
    sm_bulk *b = sm__calloc(&e->alloc, 1, sizeof *b);
    if (!b)
        return sm__nomem();
    b->engine = e;
    *out = b;
    return SM_OK;
}

sm_status sm_bulk_put(sm_bulk *b, const sm_sme_desc *d)
{
    if (!b)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "bulk: NULL pointer");
    sm_engine *e = b->engine;
    if (d && d->id) {
        uint32_t prev;
        if (sm__hmap_get(&b->ids, d->id, staged_key, b, &prev))
            return sm__fail_at(SM_ERR_DUPLICATE, NULL, 0, 0, "id", d->id, "id: duplicate id \"%s\" (staged as #%u)",
                               d->id, prev + 1);
    }
    if (sm__grow(&e->alloc, (void **)&b->items, &b->cap, b->n + 1, sizeof *b->items) ||
        sm__hmap_reserve(&b->ids, &e->alloc, 1, staged_key, b))
        return sm__nomem();
    /* Preparation interns new tags and languages, which needs the writer
     * lock; most rows bring none, so try with the reader lock first and
     * leave queries running. */
    bool need_writer = false;
    sm__rdlock(e);
    sm_status st = sm__prep_try(e, d, &b->items[b->n], &need_writer);
    sm__unlock(e);
    if (need_writer) {
        sm__wrlock(e);
        st = sm__prep_make(e, d, &b->items[b->n]);
        sm__unlock(e);
    }
    if (st)
        return st;
    sm__hmap_insert(&b->ids, b->items[b->n].cold, (uint32_t)b->n);
    b->n++;
    return SM_OK;
}

/* The home slot of id in a map: where a look-up or insertion starts. */
static void prefetch_home(const sm__hmap *m, const char *id)
{
#if defined(__GNUC__)
    if (m->cap)
        __builtin_prefetch(&m->slots[sm__hash(id) & (m->cap - 1)]);
#else
    (void)m;
    (void)id;
#endif
}

void sm__bulk_prefetch(const sm_bulk *b, const char *id)
{
    if (b && id)
        prefetch_home(&b->ids, id);
}

size_t sm_bulk_count(const sm_bulk *b)
{
    return b ? b->n : 0;
}

static void clear(sm_bulk *b)
{
    for (size_t i = 0; i < b->n; i++)
        sm__prep_free(b->engine, &b->items[i]);
    b->n = 0;
    sm__hmap_free(&b->ids, &b->engine->alloc);
}

/* SMEs committed per exclusive step of a bulk commit: about 5 ms of work
 * at 1,000,000 SMEs, so that a query never waits much longer (tests set
 * it lower; 0 counts as 1). */
size_t sm__bulk_chunk = 4096;

/* A commit counts and reserves everything first, in one exclusive step (so
 * that a failure leaves the engine as it was), then splices the SMEs in
 * chunks of sm__bulk_chunk, letting queries in between: a query sees the
 * engine before the commit, after it, or after one of its chunks. The
 * writer mutex is held throughout, so no other change comes between the
 * chunks. The counting, with the look-up of every staged id, runs beside
 * queries. */
sm_status sm_bulk_commit(sm_bulk *b)
{
    if (!b)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "bulk: NULL pointer");
    sm_engine *e = b->engine;
    sm__writer_begin(e);
    /* Into an empty engine every staged id is new (the bulk refuses
     * duplicates): no lookups, which is most of the cost of a first load. */
    bool empty = e->smes.n == 0;
    size_t fresh = 0, pool = 0, text = 0;
    for (size_t i = 0; i < b->n; i++) {
        sm__prep *p = &b->items[i];
        p->found = empty ? -1 : sm__sme_find(e, p->cold);
        fresh += p->found < 0;
        pool += (size_t)p->n_secondary + p->n_offers + p->n_needs;
        text += p->text_len;
    }
    /* the room is made beside the readers as well, and swapped in */
    sm__smes_room room;
    sm_status st = sm__smes_room_make(e, fresh, pool, text, &room);
    if (st) {
        sm__writer_end(e);
        return st;
    }
    sm__writer_excl(e);
    sm__smes_room_swap(e, &room);
    st = sm__smes_reserve(e, fresh, pool, text);
    if (st == SM_OK)
        st = sm__derived_reserve(e, b->n);
    const size_t chunk = sm__bulk_chunk ? sm__bulk_chunk : 1;
    for (size_t i = 0; st == SM_OK && i < b->n; i++) {
        if (i && i % chunk == 0) {
            sm__writer_shared(e);
            sm__smes_room_free(e, &room); /* the replaced arrays (once) */
            sm__writer_excl(e);
            /* room in the derived data, should a rebuild in between have
             * taken it (no memory: the ops mark the data stale instead) */
            (void)sm__derived_reserve(e, b->n - i);
        }
        /* the id map is read at random: its slots are fetched ahead */
        if (i + 16 < b->n && b->items[i + 16].found < 0)
            prefetch_home(&e->smes.by_id, b->items[i + 16].cold);
        /* found stays right: a bulk only adds (at the end) and replaces (in place) */
        sm__prep_commit_at(e, &b->items[i], b->items[i].found);
    }
    sm__writer_shared(e);
    sm__smes_room_free(e, &room);
    sm__writer_end(e);
    if (st == SM_OK) {
        b->n = 0; /* items were handed over */
        sm__hmap_free(&b->ids, &e->alloc);
    }
    return st;
}

void sm_bulk_free(sm_bulk *b)
{
    if (!b)
        return;
    sm_engine *e = b->engine;
    clear(b);
    sm__free(&e->alloc, b->items);
    sm__free(&e->alloc, b);
}
