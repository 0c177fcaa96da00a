/* Append-only storage for reference data (regions, sectors, tags, names):
 * records never move, so borrowed pointers stay valid for the engine's life. */
#define SM__BASE_IMPL /* base calls its own allocation functions unmarked */
#include "base/base.h"

#include <string.h>

struct sm__arena_block {
    sm__arena_block *prev;
    size_t size;
    _Alignas(16) unsigned char data[];
};

/* Bytes of a new block. A variable only so that the allocation-failure
 * tests can set it to 0, which means a block per allocation: then every
 * arena call reaches the allocator and can be failed. Nothing else changes
 * it. */
size_t sm__arena_block_size = 65536u;

void *sm__arena_alloc(sm__arena *ar, const sm__alloc *a, size_t size)
{
    size = (size + 7u) & ~(size_t)7u;
    if (!ar->head || !sm__arena_block_size || ar->size - ar->used < size) {
        size_t want = sm__arena_block_size && ar->block ? ar->block : sm__arena_block_size;
        size_t bsize = size > want ? size : want;
        if (bsize > SIZE_MAX - sizeof(sm__arena_block))
            return NULL;
        sm__arena_block *b = sm__malloc(a, sizeof(sm__arena_block) + bsize);
        if (!b)
            return NULL;
        b->prev = ar->head;
        b->size = bsize;
        ar->head = b;
        ar->used = 0;
        ar->size = bsize;
    }
    void *p = ar->head->data + ar->used;
    ar->used += size;
    memset(p, 0, size);
    return p;
}

char *sm__arena_strdup(sm__arena *ar, const sm__alloc *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sm__arena_alloc(ar, a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

sm__arena_mark sm__arena_mark_get(const sm__arena *ar)
{
    sm__arena_mark m = { ar->head, ar->used };
    return m;
}

void sm__arena_rollback(sm__arena *ar, const sm__alloc *a, sm__arena_mark mark)
{
    while (ar->head && ar->head != mark.head) {
        sm__arena_block *prev = ar->head->prev;
        sm__free(a, ar->head);
        ar->head = prev;
    }
    ar->used = mark.head ? mark.used : 0;
    ar->size = ar->head ? ar->head->size : 0;
}

void sm__arena_free(sm__arena *ar, const sm__alloc *a)
{
    sm__arena_mark none = { NULL, 0 };
    sm__arena_rollback(ar, a, none);
}

void sm__arena_adopt(sm__arena *to, sm__arena *from)
{
    if (!from->head)
        return;
    sm__arena_block *tail = from->head;
    while (tail->prev)
        tail = tail->prev;
    tail->prev = to->head;
    to->head = from->head;
    to->used = from->used;
    to->size = from->size;
    from->head = NULL;
    from->used = from->size = 0;
}
