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

sm_status sm__hmap_reserve(sm__hmap *m, const sm__alloc *a, size_t extra, sm__key_fn key_of, const void *ctx)
{
    (void)key_of;
    (void)ctx;
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
    sm__free(a, m->slots);
    m->slots = slots;
    m->cap = cap;
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
