/* A string-keyed open-addressing hash map storing uint32 values; keys live
 * with their owners and are fetched through a callback, so the map stores
 * 8 bytes per slot. Linear probing with backward-shift deletion. */
#define SM__BASE_IMPL /* base calls its own allocation functions unmarked */
#include "base/base.h"

#include <string.h>

uint32_t sm__hash(const char *s)
{
    /* FNV-1a, then a final mix so that low bits are well spread */
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    return h;
}

#define SLOT(h, v) (((uint64_t)(h) << 32) | ((uint64_t)(v) + 1u))
#define SLOT_HASH(s) ((uint32_t)((s) >> 32))
#define SLOT_VAL(s) ((uint32_t)(((s) & 0xffffffffu) - 1u))

bool sm__hmap_get(const sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx, uint32_t *out)
{
    if (!m->cap)
        return false;
    uint32_t h = sm__hash(key);
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = m->slots[i];
        if (!s)
            return false;
        if (SLOT_HASH(s) == h && strcmp(key_of(ctx, SLOT_VAL(s)), key) == 0) {
            *out = SLOT_VAL(s);
            return true;
        }
    }
}

static void put_slot(uint64_t *slots, size_t cap, uint64_t s)
{
    size_t mask = cap - 1;
    size_t i = SLOT_HASH(s) & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = s;
}

sm_status sm__hmap_grown(sm__hmap *out, const sm__hmap *m, const sm__alloc *a, size_t extra)
{
    out->slots = NULL;
    out->cap = 0;
    out->n = m->n;
    size_t need = m->n + extra;
    if (need < m->n)
        return sm__nomem();
    /* load factor <= 1/2 */
    size_t cap = m->cap ? m->cap : 16;
    while (cap / 2 < need) {
        if (cap > SIZE_MAX / 4)
            return sm__nomem();
        cap *= 2;
    }
    if (cap == m->cap)
        return SM_OK;
    uint64_t *slots = sm__calloc(a, cap, sizeof *slots);
    if (!slots)
        return sm__nomem();
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i])
            put_slot(slots, cap, m->slots[i]);
    out->slots = slots;
    out->cap = cap;
    return SM_OK;
}

sm_status sm__hmap_reserve(sm__hmap *m, const sm__alloc *a, size_t extra, sm__key_fn key_of, const void *ctx)
{
    (void)key_of;
    (void)ctx;
    sm__hmap g;
    sm_status st = sm__hmap_grown(&g, m, a, extra);
    if (st || !g.slots)
        return st;
    sm__free(a, m->slots);
    *m = g;
    return SM_OK;
}

void sm__hmap_insert(sm__hmap *m, const char *key, uint32_t value)
{
    put_slot(m->slots, m->cap, SLOT(sm__hash(key), value));
    m->n++;
}

bool sm__hmap_insert_new(sm__hmap *m, const char *key, uint32_t value, sm__key_fn key_of, const void *ctx)
{
    uint32_t h = sm__hash(key);
    size_t mask = m->cap - 1;
    size_t i = h & mask;
    for (; m->slots[i]; i = (i + 1) & mask)
        if (SLOT_HASH(m->slots[i]) == h && strcmp(key_of(ctx, SLOT_VAL(m->slots[i])), key) == 0)
            return false;
    m->slots[i] = SLOT(h, value);
    m->n++;
    return true;
}

static size_t find_slot(const sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx)
{
    uint32_t h = sm__hash(key);
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t s = m->slots[i];
        if (SLOT_HASH(s) == h && s && strcmp(key_of(ctx, SLOT_VAL(s)), key) == 0)
            return i;
    }
}

void sm__hmap_replace(sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx, uint32_t new_value)
{
    size_t i = find_slot(m, key, key_of, ctx);
    m->slots[i] = SLOT(SLOT_HASH(m->slots[i]), new_value);
}

void sm__hmap_remove(sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx)
{
    size_t mask = m->cap - 1;
    size_t i = find_slot(m, key, key_of, ctx);
    m->slots[i] = 0;
    m->n--;
    /* backward-shift: move later entries of the cluster into the hole */
    for (size_t j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
        size_t home = SLOT_HASH(m->slots[j]) & mask;
        /* can slot j move to i? only if home is not cyclically in (i, j] */
        bool between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            m->slots[i] = m->slots[j];
            m->slots[j] = 0;
            i = j;
        }
    }
}

void sm__hmap_free(sm__hmap *m, const sm__alloc *a)
{
    sm__free(a, m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

/* Whether slots[0..cap) is a map of exactly the keys key_of(ctx, 0..n-1),
 * each once, where sm__hmap_get() finds it: every slot holds a value below
 * n with its key's hash, and the probe from the key's home reaches it before
 * an empty slot or an equal key. Keys are read in order and their home slots
 * prefetched a batch ahead, since the slots are read at random. */
size_t sm__hmap_check(const uint64_t *slots, size_t cap, size_t n, sm__key_fn key_of, const void *ctx)
{
    if (cap < 16 || (cap & (cap - 1)) || n > cap / 2)
        return 0;
    size_t used = 0;
    for (size_t i = 0; i < cap; i++)
        if (slots[i]) {
            used++;
            if (SLOT_VAL(slots[i]) >= n)
                return 0;
        }
    if (used != n)
        return 0;
    size_t mask = cap - 1;
    enum { BATCH = 16 };
    uint32_t hs[BATCH];
    for (size_t v0 = 0; v0 < n; v0 += BATCH) {
        size_t nb = n - v0 < BATCH ? n - v0 : BATCH;
        for (size_t k = 0; k < nb; k++) {
            hs[k] = sm__hash(key_of(ctx, (uint32_t)(v0 + k)));
#if defined(__GNUC__)
            __builtin_prefetch(&slots[hs[k] & mask]);
#endif
        }
        for (size_t k = 0; k < nb; k++) {
            uint32_t v = (uint32_t)(v0 + k), h = hs[k];
            const char *key = NULL;
            size_t i = h & mask;
            for (;; i = (i + 1) & mask) {
                uint64_t s = slots[i];
                if (!s)
                    return v; /* unreachable */
                if (SLOT_VAL(s) == v)
                    break;
                if (SLOT_HASH(s) == h) {
                    if (!key)
                        key = key_of(ctx, v);
                    if (strcmp(key_of(ctx, SLOT_VAL(s)), key) == 0)
                        return v; /* an equal key before it */
                }
            }
            if (SLOT_HASH(slots[i]) != h)
                return v;
        }
    }
    return SIZE_MAX;
}
