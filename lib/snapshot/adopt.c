/* The bytes an opened snapshot lends its engine. The reader points SME
 * columns, the pool, the id strings and the hash maps straight into the
 * file's bytes (a private writable mapping, or one copy in memory), so an
 * open makes no allocation per SME. The engine does not know: it gets an
 * allocator that passes every call to the caller's allocator, except that
 * freeing borrowed bytes does nothing and growing them copies them out
 * (copy on write for growth; the kernel copies a mapped page on the first
 * store into it). The bytes are released when the last block made through
 * that allocator is freed: the engine and whatever boxed results outlive
 * it hold them (format.h). */
#include "snapshot/format.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

struct sm__snap_owner {
    sm__alloc inner;
    unsigned char *lo, *hi; /* the borrowed bytes */
    bool mapped;            /* munmap, else inner.free_fn */
    atomic_size_t refs;     /* live blocks made through the allocator, + 1 while the loader holds it */
};

static bool borrowed(const sm__snap_owner *o, const void *p)
{
    const unsigned char *c = p;
    return c >= o->lo && c < o->hi; /* the reader lends no empty arrays at the end */
}

static void release(sm__snap_owner *o)
{
    sm__alloc inner = o->inner;
    if (o->mapped)
        munmap(o->lo, (size_t)(o->hi - o->lo));
    else
        inner.free_fn(o->lo, inner.userdata);
    inner.free_fn(o, inner.userdata);
}

static void unref(sm__snap_owner *o)
{
    if (atomic_fetch_sub_explicit(&o->refs, 1, memory_order_acq_rel) == 1)
        release(o);
}

static void *own_malloc(size_t size, void *ud)
{
    sm__snap_owner *o = ud;
    void *p = o->inner.malloc_fn(size, o->inner.userdata);
    if (p)
        atomic_fetch_add_explicit(&o->refs, 1, memory_order_relaxed);
    return p;
}

static void *own_realloc(void *ptr, size_t size, void *ud)
{
    sm__snap_owner *o = ud;
    if (!borrowed(o, ptr))
        return o->inner.realloc_fn(ptr, size, o->inner.userdata);
    /* a borrowed array grows: copy it out; what lies after it in the file
     * is copied too when the new size is larger, and is never read */
    void *p = own_malloc(size, ud);
    size_t avail = (size_t)(o->hi - (const unsigned char *)ptr);
    if (p)
        memcpy(p, ptr, size < avail ? size : avail);
    return p;
}

static void own_free(void *ptr, void *ud)
{
    sm__snap_owner *o = ud;
    if (borrowed(o, ptr))
        return;
    o->inner.free_fn(ptr, o->inner.userdata);
    unref(o);
}

sm_status sm__snap_owner_new(sm__snap_owner **out, const sm__alloc *inner, void *data, size_t len, bool mapped)
{
    sm__snap_owner *o = sm__malloc(inner, sizeof *o);
    if (!o)
        return sm__nomem();
    o->inner = *inner;
    o->lo = data;
    o->hi = o->lo + len;
    o->mapped = mapped;
    atomic_init(&o->refs, 1);
    *out = o;
    return SM_OK;
}

void sm__snap_owner_alloc(sm__snap_owner *o, sm__alloc *out)
{
    *out = (sm__alloc){ own_malloc, own_realloc, own_free, o };
}

void sm__snap_owner_drop(sm__snap_owner *o)
{
    if (o)
        unref(o);
}
