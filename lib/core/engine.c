/* The engine: creation with options and allocator, languages and
 * cooperation-type registries, destruction (the lock: rwlock.c). */
#include "core/core.h"
#include "core/history.h"
#include "core/tables.h"

#include <ctype.h>
#include <string.h>

static const char *const builtin_coop[] = {
    "joint_venture", "subcontracting", "distribution", "licensing",
    "rnd", "training", "supply", "services",
};

sm_status sm_engine_options_init(sm_engine_options *opts, unsigned int version)
{
    if (!opts)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "options: NULL pointer");
    if (version != SM_ENGINE_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "options: unknown version %u", version);
    sm_engine_options d = SM_ENGINE_OPTIONS_INIT;
    *opts = d;
    return SM_OK;
}

sm_status sm_engine_new(sm_engine **out, const sm_engine_options *opts)
{
    sm_engine_options d = SM_ENGINE_OPTIONS_INIT;
    if (!out)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "engine: NULL out pointer");
    if (!opts)
        opts = &d;
    if (opts->version != SM_ENGINE_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "options: unknown version %u", opts->version);
    if (opts->taxonomies & ~(unsigned)SM_TAXONOMY_ALL)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "options: unknown taxonomy flags 0x%x", opts->taxonomies);
    sm__alloc a = sm__default_alloc;
    if (opts->allocator) {
        if (!opts->allocator->malloc_fn || !opts->allocator->realloc_fn || !opts->allocator->free_fn)
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "options: allocator needs malloc_fn, realloc_fn and free_fn");
        a = *opts->allocator;
    }
    sm_engine *e = sm__calloc(&a, 1, sizeof *e);
    if (!e)
        return sm__nomem();
    e->alloc = a;
    if (sm__rwlock_init(&e->lock) != 0) {
        sm__free(&a, e);
        return sm__nomem();
    }
    if (pthread_mutex_init(&e->derived.mu, NULL) != 0) {
        sm__rwlock_destroy(&e->lock);
        sm__free(&a, e);
        return sm__nomem();
    }
    if (sm__deferred_init(e) != 0) {
        pthread_mutex_destroy(&e->derived.mu);
        sm__rwlock_destroy(&e->lock);
        sm__free(&a, e);
        return sm__nomem();
    }
    e->generation = 1;
    e->affinity = &sm__affinity_table[0][0];
    for (size_t i = 0; i < sizeof builtin_coop / sizeof *builtin_coop; i++)
        e->coop_names[i] = builtin_coop[i];
    e->n_coop = (unsigned)(sizeof builtin_coop / sizeof *builtin_coop);
    if (opts->taxonomies) {
        sm_status st = sm_engine_load_builtin(e, opts->taxonomies);
        if (st != SM_OK) {
            sm_engine_free(e);
            return st;
        }
    }
    *out = e;
    return SM_OK;
}

void sm_engine_free(sm_engine *e)
{
    if (!e)
        return;
    sm__deferred_destroy(e); /* joins the publisher; drops what is still queued */
    sm__alloc a = e->alloc;
    sm__smes *s = &e->smes;
    void *arrays[] = {
#define SM__X(type, name) s->name,
        SM__SME_COLUMNS(SM__X)
#undef SM__X
        s->pool,
        s->text,
    };
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
        sm__free(&a, arrays[i]);
    sm__hmap_free(&s->by_id, &a);
    sm__hmap_free(&e->tags.map, &a);
    sm__free(&a, e->tags.str);
    sm__free(&a, e->tags.disp);
    sm__free(&a, e->tags.df);
    sm__free(&a, e->regions);
    sm__hmap_free(&e->region_map, &a);
    sm__free(&a, e->adj_start);
    sm__free(&a, e->adj);
    sm__free(&a, e->sectors);
    sm__hmap_free(&e->sector_map, &a);
    sm__free(&a, e->affinity_own);
    sm__history_free(e->history); /* history and network criteria */
    sm__free(&a, e->history);
    if (e->derived.free_fn)
        e->derived.free_fn(e->derived.ptr, &a);
    pthread_mutex_destroy(&e->derived.mu);
    sm__rwlock_destroy(&e->lock);
    sm__arena_free(&e->arena, &a);
    sm__free(&a, e);
}

sm_status sm_engine_load_builtin(sm_engine *e, unsigned int taxonomies)
{
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "engine: NULL pointer");
    if (taxonomies & ~(unsigned)SM_TAXONOMY_ALL)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "taxonomies: unknown flags 0x%x", taxonomies);
    sm__wrlock(e);
    sm_status st = SM_OK;
    /* one savepoint for both tables: a failure in the sectors takes the
     * regions back too, as the header promises */
    sm__savepoint sp;
    sm__savepoint_begin(&sp, e, true);
    if (taxonomies & SM_TAXONOMY_NUTS)
        st = sm__load_builtin_regions(e, &sp);
    if (st == SM_OK && (taxonomies & SM_TAXONOMY_NACE))
        st = sm__load_builtin_sectors(e, &sp);
    if (st == SM_OK) {
        sm__savepoint_release(&sp, e);
        sm__changed(e, true); /* the regions were counted (and followed) one by one */
    } else {
        sm__savepoint_rollback(&sp, e);
    }
    sm__unlock(e);
    return st;
}

/* ---- languages ---------------------------------------------------------- */

sm_status sm__check_lang(const char *code)
{
    size_t n = strlen(code);
    if (n < 2 || n > 3)
        return SM_ERR_BAD_CODE;
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)code[i]) || (unsigned char)code[i] >= 0x80)
            return SM_ERR_BAD_CODE;
    return SM_OK;
}

int sm__lang_id(sm_engine *e, const char *code, bool add)
{
    if (sm__check_lang(code) != SM_OK)
        return -2;
    char low[4] = { 0 };
    for (size_t i = 0; code[i]; i++)
        low[i] = (char)tolower((unsigned char)code[i]);
    for (unsigned i = 0; i < e->n_langs; i++)
        if (strcmp(e->langs[i], low) == 0)
            return (int)i;
    if (!add || e->n_langs >= SM_LANGUAGE_MAX)
        return -1;
    memcpy(e->langs[e->n_langs], low, 4);
    return (int)e->n_langs++;
}

/* ---- cooperation types -------------------------------------------------- */

static bool coop_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != *b)
            return false;
    return *a == *b;
}

sm_status sm_cooperation_parse(uint32_t *out, const sm_engine *e, const char *name)
{
    if (!out || !e || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "cooperation: NULL argument");
    const char *n = name;
    if (coop_eq(n, "r&d") || coop_eq(n, "r_d") || coop_eq(n, "research"))
        n = "rnd";
    if (coop_eq(n, "joint venture") || coop_eq(n, "joint-venture"))
        n = "joint_venture";
    sm__rdlock(e);
    unsigned found = SM__COOP_MAX;
    for (unsigned i = 0; i < e->n_coop && found == SM__COOP_MAX; i++)
        if (coop_eq(n, e->coop_names[i]))
            found = i;
    sm__unlock(e);
    if (found < SM__COOP_MAX) {
        *out = 1u << found;
        return SM_OK;
    }
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "cooperation", name,
                       "cooperation: unknown cooperation type \"%s\"", name);
}

const char *sm_cooperation_name(const sm_engine *e, uint32_t bit)
{
    if (!e || !bit || (bit & (bit - 1)))
        return NULL;
    unsigned i = 0;
    while (!(bit & (1u << i)))
        i++;
    sm__rdlock(e);
    const char *name = i < e->n_coop ? e->coop_names[i] : NULL;
    sm__unlock(e);
    return name;
}

sm_status sm_cooperation_register(uint32_t *out, sm_engine *e, const char *name)
{
    if (!out || !e || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "cooperation: NULL argument");
    size_t len = strlen(name);
    bool ok = len > 0 && len <= 32;
    for (size_t i = 0; ok && i < len; i++)
        ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_';
    if (!ok)
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "cooperation", name,
                           "cooperation: invalid type name \"%s\" (use a-z, 0-9, _; at most 32)", name);
    sm__wrlock(e);
    sm_status st = SM_OK;
    for (unsigned i = 0; i < e->n_coop; i++)
        if (strcmp(e->coop_names[i], name) == 0) {
            *out = 1u << i;
            goto done;
        }
    if (e->n_coop >= SM__COOP_MAX) {
        st = sm__fail_at(SM_ERR_LIMIT, NULL, 0, 0, "cooperation", name,
                         "cooperation: cannot register \"%s\": all 32 types are in use", name);
        goto done;
    }
    char *copy = sm__arena_strdup(&e->arena, &e->alloc, name);
    if (!copy) {
        st = sm__nomem();
        goto done;
    }
    e->coop_names[e->n_coop] = copy;
    *out = 1u << e->n_coop++;
done:
    sm__unlock(e);
    return st;
}
