/* jansson's allocations through the engine's allocator: one routing for
 * every JSON reader of the library (io/ and groups/ both use it, and neither
 * may include the other). */
#include "base/base.h"
#include "sm_config.h"

#if SM_HAVE_JANSSON

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>

/* jansson takes its allocation functions from one process-wide setting
 * (json_set_alloc_funcs). At the first JSON load, if that setting is still
 * jansson's default (malloc and free), smartmatch installs a pair of its own
 * that use the calling thread's "current" allocator and plain malloc and free
 * when the thread has none. The readers (io/json.c, io/load_history.c,
 * groups/event_json.c) set the current allocator only around
 * their own calls into jansson (parse, dump, free) and never while user code
 * runs (the problem callback), so every block jansson makes for a load is
 * made and freed by the load's engine allocator on the load's thread, and
 * jansson used elsewhere in the program, on any thread, still gets malloc
 * and free. An allocation failure is recorded, so that it is reported as
 * SM_ERR_NOMEM and not as the syntax error jansson makes of it -- nor
 * missed: jansson's lexer drops a byte it cannot store and parses on, so a
 * document is refused whenever any of its allocations failed. A program
 * that installs allocation functions of its own before its first load keeps
 * them: smartmatch then leaves the setting alone. */

static pthread_once_t jalloc_once = PTHREAD_ONCE_INIT;
static int jalloc_routed;                 /* our functions are installed */
static _Thread_local const sm__alloc *jalloc_cur;
static _Thread_local int jalloc_failed;

static void *jalloc_malloc(size_t n)
{
    const sm__alloc *a = jalloc_cur;
    if (!a)
        return malloc(n);
    void *p = sm__malloc(a, n);
    if (!p)
        jalloc_failed = 1;
    return p;
}

static void jalloc_free(void *p)
{
    const sm__alloc *a = jalloc_cur;
    if (!a)
        free(p);
    else
        sm__free(a, p);
}

static void jalloc_install(void)
{
    json_malloc_t m = NULL;
    json_free_t f = NULL;
    json_get_alloc_funcs(&m, &f);
    if (m == malloc && f == free) {
        json_set_alloc_funcs(jalloc_malloc, jalloc_free);
        jalloc_routed = 1;
    }
}

/* Makes a the current allocator of this thread for jansson; returns the
 * previous one for jalloc_leave. */
static const sm__alloc *jalloc_enter(const sm__alloc *a)
{
    pthread_once(&jalloc_once, jalloc_install);
    const sm__alloc *old = jalloc_cur;
    jalloc_cur = jalloc_routed ? a : NULL;
    jalloc_failed = 0;
    return old;
}

static void jalloc_leave(const sm__alloc *old)
{
    jalloc_cur = old;
}

const sm__alloc *sm__json_alloc_enter(const sm__alloc *a)
{
    return jalloc_enter(a);
}

void sm__json_alloc_leave(const sm__alloc *old)
{
    jalloc_leave(old);
}

bool sm__json_alloc_failed(void)
{
    return jalloc_failed != 0;
}

void sm__json_alloc_free(void *p)
{
    jalloc_free(p);
}


#else

#include <stdlib.h>

/* Without jansson nothing calls these; they exist so that the declarations
 * in base.h hold in every build. */
const sm__alloc *sm__json_alloc_enter(const sm__alloc *a)
{
    (void)a;
    return NULL;
}

void sm__json_alloc_leave(const sm__alloc *old)
{
    (void)old;
}

bool sm__json_alloc_failed(void)
{
    return false;
}

void sm__json_alloc_free(void *p)
{
    free(p);
}

#endif
