/* Allocation through the engine's replaceable allocator, and the boxed
 * blocks that the library hands to callers. */
#define SM__BASE_IMPL /* base calls its own allocation functions unmarked */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#if defined(SM_ALLOC_SITES)
static const sm_allocator *default_override;
#define OVERRIDE default_override
#else
#define OVERRIDE ((const sm_allocator *)NULL)
#endif

static void *default_malloc(size_t size, void *ud)
{
    (void)ud;
    const sm_allocator *o = OVERRIDE;
    return o ? o->malloc_fn(size, o->userdata) : malloc(size);
}
static void *default_realloc(void *ptr, size_t size, void *ud)
{
    (void)ud;
    const sm_allocator *o = OVERRIDE;
    return o ? o->realloc_fn(ptr, size, o->userdata) : realloc(ptr, size);
}
static void default_free(void *ptr, void *ud)
{
    (void)ud;
    const sm_allocator *o = OVERRIDE;
    if (o)
        o->free_fn(ptr, o->userdata);
    else
        free(ptr);
}

const sm__alloc sm__default_alloc = { default_malloc, default_realloc, default_free, NULL };

#if defined(SM_ALLOC_SITES)
static _Thread_local const char *site_file;
static _Thread_local int site_line;
void sm__alloc_site_mark(const char *file, int line)
{
    site_file = file;
    site_line = line;
}

const char *sm__alloc_site(int *line)
{
    if (line)
        *line = site_line;
    return site_file;
}

void sm__default_alloc_override(const sm_allocator *a)
{
    default_override = a;
}
#define SITE_DONE() (site_file = NULL)
#else
#define SITE_DONE() ((void)0)
#endif

void *sm__malloc(const sm__alloc *a, size_t size)
{
    void *p = a->malloc_fn(size ? size : 1, a->userdata);
    SITE_DONE();
    return p;
}

void *sm__calloc(const sm__alloc *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    void *p = sm__malloc(a, bytes);
    if (p && bytes)
        memset(p, 0, bytes);
    return p;
}

void *sm__realloc(const sm__alloc *a, void *ptr, size_t size)
{
    if (!ptr)
        return sm__malloc(a, size);
    void *p = a->realloc_fn(ptr, size ? size : 1, a->userdata);
    SITE_DONE();
    return p;
}

void sm__free(const sm__alloc *a, void *ptr)
{
    if (ptr)
        a->free_fn(ptr, a->userdata);
}

char *sm__strdup(const sm__alloc *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sm__malloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

sm_status sm__grow(const sm__alloc *a, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return SM_OK;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return sm__nomem();
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return sm__nomem();
    void *p = sm__realloc(a, *arr, ncap * elem);
    if (!p)
        return sm__nomem();
    *arr = p;
    *cap = ncap;
    return SM_OK;
}

/* The prefix keeps the allocator so the block can be freed without an
 * engine; 16 bytes of alignment padding keep the payload max-aligned. */
typedef struct boxed_prefix {
    sm__alloc alloc;
    _Alignas(16) unsigned char payload[];
} boxed_prefix;

void *sm__boxed_alloc(const sm__alloc *a, size_t size)
{
    if (size > SIZE_MAX - sizeof(boxed_prefix))
        return NULL;
    boxed_prefix *p = sm__malloc(a, sizeof(boxed_prefix) + size);
    if (!p)
        return NULL;
    p->alloc = *a;
    return p->payload;
}

const sm__alloc *sm__boxed_alloc_of(const void *ptr)
{
    const boxed_prefix *p = (const boxed_prefix *)((const unsigned char *)ptr - offsetof(boxed_prefix, payload));
    return &p->alloc;
}

void sm__boxed_free(void *ptr)
{
    if (!ptr)
        return;
    boxed_prefix *p = (boxed_prefix *)((unsigned char *)ptr - offsetof(boxed_prefix, payload));
    sm__alloc a = p->alloc;
    sm__free(&a, p);
}

void sm_free(void *ptr)
{
    sm__boxed_free(ptr);
}
