/* Bulk changes: SMEs validated and prepared one by one, committed together
 * or not at all (for errors; readers may see the commit's chunks). */
#include "core/core.h"

#include <string.h>

struct sm_bulk {
    sm_engine *engine;
    sm__prep *items;
    size_t n, cap;
    sm__hmap ids;    /* staged ids -> item index (not kept while deferring) */
    sm__arena lists; /* the items' lists and ids, and the deferred descriptions */
    bool deferring;
    size_t n_deferred;
    bool local;            /* new tags stay local until the commit or splice */
    sm__tag_local tags;    /* those tags (tag_local.c) */
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

/* The description of an item staged unprepared: its id is the first
 * string after it (defer() lays the block out so). */
static const sm_sme_desc *deferred_desc(const sm__prep *p)
{
    return (const sm_sme_desc *)(const void *)(p->cold - sizeof(sm_sme_desc));
}

/* Stages d unprepared: sm__prep_try() checked all of it but found a tag
 * or language the engine lacks, which only the writer may intern. A copy
 * of d, in one block of the arena (the description, its id, its lists),
 * waits for sm__bulk_prepare_deferred(); the item holds its id. */
static sm_status defer(sm_bulk *b, const sm_sme_desc *d)
{
    sm_engine *e = b->engine;
    size_t n_ptrs = d->n_sectors + d->n_offers + d->n_needs + d->n_languages;
    size_t idlen = (strlen(d->id) + 1 + 7) & ~(size_t)7; /* the pointers after it aligned */
    size_t bytes = sizeof *d + idlen + strings_bytes(d->sectors, d->n_sectors) +
                   strings_bytes(d->offers, d->n_offers) + strings_bytes(d->needs, d->n_needs) +
                   strings_bytes(d->languages, d->n_languages) + (d->name ? strlen(d->name) + 1 : 0) +
                   strlen(d->region) + 1;
    sm_sme_desc *c = sm__arena_alloc(&b->lists, &e->alloc, bytes); /* freed with the lists */
    if (!c)
        return sm__nomem();
    *c = *d;
    char *id = (char *)(c + 1);
    memcpy(id, d->id, strlen(d->id) + 1);
    c->id = id;
    const char **ptrs = (const char **)(void *)(id + idlen);
    char *text = (char *)(ptrs + n_ptrs);
    c->sectors = copy_strings(d->sectors, d->n_sectors, &ptrs, &text);
    c->offers = copy_strings(d->offers, d->n_offers, &ptrs, &text);
    c->needs = copy_strings(d->needs, d->n_needs, &ptrs, &text);
    c->languages = copy_strings(d->languages, d->n_languages, &ptrs, &text);
    c->region = copy_string(d->region, &text);
    c->name = d->name ? copy_string(d->name, &text) : NULL;
    sm__prep *p = &b->items[b->n];
    memset(p, 0, sizeof *p);
    p->cold = id;
    p->deferred = true;
    p->in_arena = true;
    b->n++;
    b->n_deferred++;
    return SM_OK;
}

sm_status sm_bulk_put(sm_bulk *b, const sm_sme_desc *d)
{
    if (!b)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "bulk: NULL pointer");
    sm_engine *e = b->engine;
    if (d && d->id && !b->deferring) {
        uint32_t prev;
        if (sm__hmap_get(&b->ids, d->id, staged_key, b, &prev))
            return sm__fail_at(SM_ERR_DUPLICATE, NULL, 0, 0, "id", d->id, "id: duplicate id \"%s\" (staged as #%u)",
                               d->id, prev + 1);
    }
    if (sm__grow(&e->alloc, (void **)&b->items, &b->cap, b->n + 1, sizeof *b->items) ||
        (!b->deferring && sm__hmap_reserve(&b->ids, &e->alloc, 1, staged_key, b)))
        return sm__nomem();
    /* Preparation interns new tags and languages, which needs the writer
     * lock; most rows bring none, so try with the reader lock first and
     * leave queries running. */
    bool need_writer = false;
    sm__rdlock(e);
    sm_status st = b->local ? sm__prep_try_local(e, d, &b->items[b->n], &need_writer, &b->lists, &b->tags, (uint32_t)b->n)
                            : sm__prep_try_in(e, d, &b->items[b->n], &need_writer, &b->lists);
    sm__unlock(e);
    if (need_writer && b->deferring)
        return defer(b, d);
    /* with local tags only a new language needs the writer: it is interned
     * now (as one thread interns it, in order) and the SME prepared again */
    while (need_writer && b->local) {
        uint64_t bits;
        sm__wrlock(e);
        st = sm__lang_bits(e, d->languages, d->n_languages, &bits, "languages");
        sm__unlock(e);
        if (st)
            return st;
        sm__rdlock(e);
        st = sm__prep_try_local(e, d, &b->items[b->n], &need_writer, &b->lists, &b->tags, (uint32_t)b->n);
        sm__unlock(e);
    }
    if (need_writer) {
        sm__wrlock(e);
        st = sm__prep_make_in(e, d, &b->items[b->n], &b->lists);
        sm__unlock(e);
    }
    if (st)
        return st;
    if (!b->deferring)
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
    b->n_deferred = 0; /* the descriptions are in the lists */
    sm__hmap_free(&b->ids, &b->engine->alloc);
    sm__arena_free(&b->lists, &b->engine->alloc);
    sm__tag_local_free(&b->tags, &b->engine->alloc);
}

sm_status sm__bulk_set_deferring(sm_bulk *b, size_t block, size_t expect)
{
    b->deferring = true;
    b->local = true;
    b->lists.block = block;
    if (expect && sm__grow(&b->engine->alloc, (void **)&b->items, &b->cap, expect, sizeof *b->items))
        return sm__nomem();
    return SM_OK;
}

/* Prepares items [from, to) of `items` staged unprepared, in order, so that
 * the tags and languages they bring are interned in the order of a bulk
 * filled without deferring. Stops at the first failure (what is prepared
 * stays so). */
static sm_status prepare_deferred(sm_bulk *b, sm__prep *items, size_t n)
{
    sm_engine *e = b->engine;
    for (size_t i = 0; i < n && b->n_deferred; i++) {
        if (!items[i].deferred)
            continue;
        sm__prep p;
        sm__wrlock(e);
        sm_status st = sm__prep_make_in(e, deferred_desc(&items[i]), &p, &b->lists);
        sm__unlock(e);
        if (st)
            return st;
        items[i] = p; /* the same id: a map's entry stays right */
        b->n_deferred--;
    }
    return SM_OK;
}

void sm__bulk_set_local_tags(sm_bulk *b)
{
    b->local = true;
}

/* Interns b's local tags and prepares what it staged unprepared, in the
 * order one thread filling a bulk without either would have interned them
 * (a local tag before the deferred SMEs after the SME that met it first),
 * then rewrites the local ids of `items` (b's n items, where they are now).
 * On a failure some tags may be interned (as a failed put leaves them) and
 * what is prepared stays so; the local ids stay as they were. */
static sm_status resolve(sm_bulk *b, sm__prep *items, size_t n)
{
    sm_engine *e = b->engine;
    size_t nl = b->tags.n;
    if (!nl)
        return prepare_deferred(b, items, n);
    uint32_t *map = sm__malloc(&e->alloc, nl * sizeof *map);
    if (!map)
        return sm__nomem();
    sm_status st = SM_OK;
    size_t done = 0; /* local tags interned */
    for (size_t i = 0; !st && i < n && b->n_deferred; i++) {
        if (!items[i].deferred)
            continue;
        size_t upto = sm__tag_local_before(&b->tags, done, i);
        if (upto > done) {
            sm__wrlock(e);
            st = sm__tag_local_intern(e, &b->tags, done, upto, map);
            sm__unlock(e);
            done = upto;
        }
        if (!st)
            st = prepare_deferred(b, items + i, 1);
    }
    if (!st && done < nl) {
        sm__wrlock(e);
        st = sm__tag_local_intern(e, &b->tags, done, nl, map);
        sm__unlock(e);
    }
    if (!st) {
        for (size_t i = 0; i < n; i++)
            if (items[i].local_tags)
                sm__prep_relabel(&items[i], map);
        sm__tag_local_free(&b->tags, &e->alloc);
    }
    sm__free(&e->alloc, map);
    return st;
}

sm_status sm__bulk_prepare_deferred(sm_bulk *b)
{
    return resolve(b, b->items, b->n);
}

sm_status sm__bulk_splice(sm_bulk *to, sm_bulk *from)
{
    sm_engine *e = to->engine;
    if (from->n > SIZE_MAX / 2 - to->n ||
        sm__grow(&e->alloc, (void **)&to->items, &to->cap, to->n + from->n, sizeof *to->items) ||
        sm__hmap_reserve(&to->ids, &e->alloc, from->n, staged_key, to))
        return sm__nomem();
    /* the items go after those of `to`, where the map's keys are read; an
     * id staged twice, in `to` or in `from`, undoes the insertions */
    sm__prep *tail = to->items + to->n;
    memcpy(tail, from->items, from->n * sizeof *from->items);
    size_t i = 0;
    while (i < from->n && sm__hmap_insert_new(&to->ids, tail[i].cold, (uint32_t)(to->n + i), staged_key, to))
        i++;
    sm_status st = i < from->n ? SM_ERR_DUPLICATE : SM_OK;
    /* the tags `to` met come first (its SMEs do); `from` is resolved in the
     * copies, and on a failure keeps owning them */
    if (!st)
        st = resolve(to, to->items, to->n);
    if (!st && (st = resolve(from, tail, from->n)))
        memcpy(from->items, tail, from->n * sizeof *from->items); /* what was prepared stays owned */
    if (st) {
        while (i > 0) {
            i--;
            sm__hmap_remove(&to->ids, tail[i].cold, staged_key, to);
        }
        return st;
    }
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
    sm__free(&e->alloc, b->items);
    sm__free(&e->alloc, b);
}
