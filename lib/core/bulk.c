/* Bulk changes: SMEs validated and prepared one by one, committed together
 * or not at all (for errors; readers may see the commit's chunks). */
#include "core/core.h"

#include <string.h>

/* An SME staged unprepared (sm__bulk_set_deferring): its description,
 * copied into one block, and its place among the items. */
typedef struct deferred_sme {
    size_t at;
    sm_sme_desc *desc; /* the block; NULL once prepared */
} deferred_sme;

struct sm_bulk {
    sm_engine *engine;
    sm__prep *items;
    size_t n, cap;
    sm__hmap ids; /* staged ids -> item index */
    sm__arena lists; /* the items' lists and ids */
    bool deferring;
    deferred_sme *later;
    size_t n_later, cap_later;
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

/* The bytes of a copy of n strings: the pointers and the text. */
static size_t strings_bytes(const char *const *v, size_t n)
{
    size_t b = n * sizeof(char *);
    for (size_t i = 0; i < n; i++)
        b += strlen(v[i]) + 1;
    return b;
}

/* A copy of one string at *text. */
static const char *copy_string(const char *v, char **text)
{
    size_t k = strlen(v) + 1;
    char *out = memcpy(*text, v, k);
    *text += k;
    return out;
}

/* Copies n strings: the pointer array at *ptrs, the bytes at *text. */
static const char *const *copy_strings(const char *const *v, size_t n, const char ***ptrs, char **text)
{
    const char **out = *ptrs;
    for (size_t i = 0; i < n; i++)
        out[i] = copy_string(v[i], text);
    *ptrs += n;
    return out;
}

/* Stages d unprepared: sm__prep_try() checked all of it but found a tag
 * or language the engine lacks, which only the writer may intern. A copy
 * of d waits for sm__bulk_prepare_deferred(); the item holds its id. */
static sm_status defer(sm_bulk *b, const sm_sme_desc *d)
{
    sm_engine *e = b->engine;
    size_t n_ptrs = d->n_sectors + d->n_offers + d->n_needs + d->n_languages;
    size_t bytes = sizeof *d + strings_bytes(d->sectors, d->n_sectors) + strings_bytes(d->offers, d->n_offers) +
                   strings_bytes(d->needs, d->n_needs) + strings_bytes(d->languages, d->n_languages) +
                   strlen(d->id) + 1 + (d->name ? strlen(d->name) + 1 : 0) + strlen(d->region) + 1;
    if (sm__grow(&e->alloc, (void **)&b->later, &b->cap_later, b->n_later + 1, sizeof *b->later))
        return sm__nomem();
    sm_sme_desc *c = sm__malloc(&e->alloc, bytes);
    if (!c)
        return sm__nomem();
    *c = *d;
    const char **ptrs = (const char **)(void *)(c + 1);
    char *text = (char *)(ptrs + n_ptrs);
    c->sectors = copy_strings(d->sectors, d->n_sectors, &ptrs, &text);
    c->offers = copy_strings(d->offers, d->n_offers, &ptrs, &text);
    c->needs = copy_strings(d->needs, d->n_needs, &ptrs, &text);
    c->languages = copy_strings(d->languages, d->n_languages, &ptrs, &text);
    c->id = copy_string(d->id, &text);
    c->region = copy_string(d->region, &text);
    c->name = d->name ? copy_string(d->name, &text) : NULL;
    sm__prep *p = &b->items[b->n];
    memset(p, 0, sizeof *p);
    p->cold = (char *)c->id; /* the staged-id map's key until it is prepared */
    b->later[b->n_later].at = b->n;
    b->later[b->n_later].desc = c;
    b->n_later++;
    sm__hmap_insert(&b->ids, p->cold, (uint32_t)b->n);
    b->n++;
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
    sm_status st = sm__prep_try_in(e, d, &b->items[b->n], &need_writer, &b->lists);
    sm__unlock(e);
    if (need_writer && b->deferring)
        return defer(b, d);
    if (need_writer) {
        sm__wrlock(e);
        st = sm__prep_make_in(e, d, &b->items[b->n], &b->lists);
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
    for (size_t i = 0; i < b->n_later; i++)
        sm__free(&b->engine->alloc, b->later[i].desc);
    b->n_later = 0;
    sm__arena_free(&b->lists, &b->engine->alloc);
}

void sm__bulk_set_deferring(sm_bulk *b, bool on, size_t block)
{
    b->deferring = on;
    b->lists.block = block;
}

/* Prepares the SMEs staged unprepared, in staging order, so that the tags
 * and languages they bring are interned in the order of a bulk filled
 * without deferring. Stops at the first failure (what is prepared stays so). */
sm_status sm__bulk_prepare_deferred(sm_bulk *b)
{
    sm_engine *e = b->engine;
    sm_status st = SM_OK;
    size_t i = 0;
    for (; i < b->n_later && !st; i++) {
        deferred_sme *w = &b->later[i];
        sm__prep p;
        sm__wrlock(e);
        st = sm__prep_make_in(e, w->desc, &p, &b->lists);
        sm__unlock(e);
        if (st)
            break;
        b->items[w->at] = p; /* the same id: the map's entry stays right */
        sm__free(&e->alloc, w->desc);
        w->desc = NULL;
    }
    if (i) { /* drop the prepared ones */
        memmove(b->later, b->later + i, (b->n_later - i) * sizeof *b->later);
        b->n_later -= i;
    }
    return st;
}

sm_status sm__bulk_splice(sm_bulk *to, sm_bulk *from)
{
    sm_engine *e = to->engine;
    uint32_t prev;
    if (to->n)
        for (size_t i = 0; i < from->n; i++)
            if (sm__hmap_get(&to->ids, from->items[i].cold, staged_key, to, &prev))
                return SM_ERR_DUPLICATE;
    sm_status st = sm__bulk_prepare_deferred(from);
    if (st)
        return st;
    if (from->n > SIZE_MAX / 2 - to->n ||
        sm__grow(&e->alloc, (void **)&to->items, &to->cap, to->n + from->n, sizeof *to->items) ||
        sm__hmap_reserve(&to->ids, &e->alloc, from->n, staged_key, to))
        return sm__nomem();
    memcpy(to->items + to->n, from->items, from->n * sizeof *from->items);
    for (size_t i = 0; i < from->n; i++)
        sm__hmap_insert(&to->ids, to->items[to->n + i].cold, (uint32_t)(to->n + i));
    to->n += from->n;
    from->n = 0; /* the items were handed over, with their lists */
    sm__arena_adopt(&to->lists, &from->lists);
    sm__hmap_free(&from->ids, &e->alloc);
    return SM_OK;
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
    sm_status st = sm__bulk_prepare_deferred(b);
    if (st)
        return st;
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
    st = sm__smes_room_make(e, fresh, pool, text, &room);
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
        sm__arena_free(&b->lists, &e->alloc);
    }
    return st;
}

void sm_bulk_free(sm_bulk *b)
{
    if (!b)
        return;
    sm_engine *e = b->engine;
    clear(b);
    sm__free(&e->alloc, b->later);
    sm__free(&e->alloc, b->items);
    sm__free(&e->alloc, b);
}
