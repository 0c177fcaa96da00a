/* Private definitions shared by the library's modules: the engine's layout,
 * allocation, errors, the string map and the arena. Not installed. */
#ifndef SM_INTERNAL_H
#define SM_INTERNAL_H

#include "smartmatch.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- allocation (alloc.c) ---------------------------------------------- */

/* Every allocation goes through one of these; each object that outlives a
 * call keeps a copy of the allocator that made it. */
typedef sm_allocator sm__alloc;

extern const sm__alloc sm__default_alloc;

void *sm__malloc(const sm__alloc *a, size_t size);
void *sm__calloc(const sm__alloc *a, size_t n, size_t size); /* overflow-checked, zeroed */
void *sm__realloc(const sm__alloc *a, void *ptr, size_t size);
void sm__free(const sm__alloc *a, void *ptr);
char *sm__strdup(const sm__alloc *a, const char *s);
/* Grows *arr (element size elem) to hold at least need elements; doubles. */
sm_status sm__grow(const sm__alloc *a, void **arr, size_t *cap, size_t need, size_t elem);

/* Blocks handed to the caller and freed without an engine (sm_free,
 * sm_sme_desc_free, sm_result_free) carry their allocator in a prefix. */
void *sm__boxed_alloc(const sm__alloc *a, size_t size);
void sm__boxed_free(void *ptr);
/* The allocator a boxed block was made with. */
const sm__alloc *sm__boxed_alloc_of(const void *ptr);

/* ---- errors (error.c) -------------------------------------------------- */

/* Records the failure for sm_error_last() and returns status. */
sm_status sm__fail(sm_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Same, with structured location; field/value/file may be NULL. */
sm_status sm__fail_at(sm_status status, const char *file, unsigned long line, unsigned long column,
                      const char *field, const char *value, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;
sm_status sm__nomem(void);

/* ---- string map (hmap.c) ------------------------------------------------ */

/* Open addressing map from a string key to a uint32 value. Keys are not
 * stored: the map asks key_of(ctx, value) for the key of a stored value. */
typedef const char *(*sm__key_fn)(const void *ctx, uint32_t value);

typedef struct sm__hmap {
    uint64_t *slots; /* (hash32 << 32) | (value + 1); 0 = empty */
    size_t cap;      /* power of two, or 0 */
    size_t n;
} sm__hmap;

uint32_t sm__hash(const char *s);
/* Returns true and *out = value when found. */
bool sm__hmap_get(const sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx, uint32_t *out);
/* Makes room for `extra` more entries without further allocation. */
sm_status sm__hmap_reserve(sm__hmap *m, const sm__alloc *a, size_t extra, sm__key_fn key_of, const void *ctx);
/* Inserts (key must be absent); needs prior reserve. Never fails. */
void sm__hmap_insert(sm__hmap *m, const char *key, uint32_t value);
/* Replaces the value stored for key (present) by new_value. */
void sm__hmap_replace(sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx, uint32_t new_value);
/* Removes key (present). */
void sm__hmap_remove(sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx);
void sm__hmap_free(sm__hmap *m, const sm__alloc *a);

/* ---- arena (arena.c): append-only storage freed with the engine --------- */

typedef struct sm__arena_block sm__arena_block;
typedef struct sm__arena {
    sm__arena_block *head;
    size_t used, size; /* of head */
} sm__arena;

void *sm__arena_alloc(sm__arena *ar, const sm__alloc *a, size_t size); /* 8-byte aligned, zeroed */
char *sm__arena_strdup(sm__arena *ar, const sm__alloc *a, const char *s);
/* Arena state, to roll back everything allocated since a mark. */
typedef struct sm__arena_mark {
    sm__arena_block *head;
    size_t used;
} sm__arena_mark;
sm__arena_mark sm__arena_mark_get(const sm__arena *ar);
void sm__arena_rollback(sm__arena *ar, const sm__alloc *a, sm__arena_mark mark);
void sm__arena_free(sm__arena *ar, const sm__alloc *a);

/* ---- engine parts ------------------------------------------------------- */

#define SM__MAX_REGIONS 65535u
#define SM__MAX_SECTORS 65535u
#define SM__MAX_TAGS 0x7fffffffu
#define SM__MAX_SMES 0x7fffffffu
#define SM__COOP_MAX 32u

typedef struct sm__region {
    sm_region_info info; /* public view; strings in the arena */
    uint16_t parent;     /* index, UINT16_MAX for countries */
    uint16_t country;    /* index of the level-0 ancestor (itself for countries) */
    uint8_t level;
    uint64_t langs;      /* language bits (engine language ids) */
} sm__region;

typedef struct sm__sector {
    sm_sector_info info;
    uint16_t parent;  /* UINT16_MAX for sections */
    uint16_t section; /* index of the section */
    uint8_t level;    /* 1..4 */
    uint8_t aff_key;  /* 0..99 division number (levels 2-4), 100 + letter - 'A' for sections */
    uint16_t group;   /* index of the level-3 ancestor-or-self, UINT16_MAX if level < 3 */
    uint16_t division;/* index of the level-2 ancestor-or-self, UINT16_MAX if level < 2 */
} sm__sector;

/* SMEs as a struct of arrays indexed by a dense index 0..n-1. */
typedef struct sm__smes {
    size_t n, cap;
    char **cold;          /* per SME one block: "id\0name\0" (engine allocator) */
    uint16_t *region;     /* region index */
    uint16_t *sector;     /* primary sector index */
    uint8_t *size;        /* sm_size */
    int32_t *employees;   /* -1 unknown (clamped to INT32_MAX) */
    int16_t *founded;     /* 0 unknown */
    uint32_t *coop;       /* cooperation bits */
    uint64_t *langs;      /* language bits */
    uint64_t *offer_sig;  /* 1 << (hash(tag id) & 63) for each offer */
    uint64_t *need_sig;   /* same for needs */
    uint32_t *list_off;   /* start in pool */
    uint16_t *n_secondary;/* pool[off .. off+n_secondary): secondary sector indices */
    uint16_t *n_offers;   /* then n_offers offer tag ids, ascending */
    uint16_t *n_needs;    /* then n_needs need tag ids, ascending */
    uint32_t *pool;
    size_t pool_len, pool_cap, pool_garbage;
    sm__hmap by_id;       /* id -> index */
} sm__smes;

typedef struct sm__tags {
    sm__hmap map;   /* tag string -> id */
    char **str;     /* arena strings */
    uint32_t *df;   /* number of SMEs listing the tag in offers or needs */
    size_t n, cap;
} sm__tags;

/* An SME's columns that the fast scan reads, packed in region order so a
 * scan reads them in sequence. */
typedef struct sm__rhot {
    uint64_t langs;        /* effective languages (own, else the region's) */
    uint32_t idx;          /* SME index */
    uint32_t coop;         /* cooperation bits */
    uint16_t region;       /* region */
    uint16_t sector;       /* primary sector */
    uint16_t secondary[2]; /* the first two secondary sectors, if any */
    uint8_t size;          /* sm_size */
    uint8_t n_secondary;   /* number of secondary sectors, capped at 255 */
} sm__rhot;

/* Lazily computed scoring caches (IDF and per-SME tag masses). Filled by the
 * first query after a change, under `mu`, while holding the reader lock. */
typedef struct sm__score_cache {
    pthread_mutex_t mu;
    uint64_t generation;  /* engine generation the cache was built for; 0 = never */
    double *idf;          /* per tag: ln(1 + N / df) */
    size_t idf_cap;
    double *need_mass;    /* per SME: sum of idf over its needs */
    size_t mass_cap;
    /* Inverted index: the SMEs offering (needing) tag t are
     * offerers[offer_start[t] .. offer_start[t + 1]), as positions in
     * by_region (and rhot), ascending; same for needers. */
    uint32_t *offer_start, *need_start; /* n_tags + 1 */
    uint32_t *offerers, *needers;
    size_t start_cap, offerers_cap, needers_cap;
    /* SMEs by region: by_region[region_start[r] .. region_start[r + 1]). */
    uint32_t *region_start, *by_region;
    size_t region_start_cap, by_region_cap;
    struct sm__rhot *rhot; /* by_region's SMEs with their hot columns, same order */
    uint32_t *rkey;        /* same order: sector << 4 | size << 1 | (any secondary) */
    size_t rhot_cap, rkey_cap;
} sm__score_cache;

#define SM__AFF_KEYS 121

struct sm_engine {
    sm__alloc alloc;
    pthread_rwlock_t lock;
    sm__arena arena;
    uint64_t generation; /* incremented by every change; starts at 1 */

    sm__region **regions; size_t n_regions, cap_regions;
    sm__hmap region_map;
    uint32_t *adj_start;  /* CSR adjacency over regions (n_adj_regions + 1 entries) */
    uint16_t *adj;
    size_t n_adj_regions; /* regions covered by adj_start (later ones have no neighbours) */

    sm__sector **sectors; size_t n_sectors, cap_sectors;
    sm__hmap sector_map;

    char langs[SM_LANGUAGE_MAX][4]; /* ISO 639-1 codes by language id */
    unsigned n_langs;

    const char *coop_names[SM__COOP_MAX];
    unsigned n_coop;

    const float *affinity; /* SM__AFF_KEYS x SM__AFF_KEYS, builtin table or affinity_own */
    float *affinity_own;

    sm__tags tags;
    sm__smes smes;
    sm__score_cache cache;
};

/* Locking: public entry points take these; internal helpers assume held. */
void sm__rdlock(const sm_engine *e);
void sm__wrlock(sm_engine *e);
void sm__unlock(const sm_engine *e);

/* Lookups (lock held). Return -1 when absent. */
long sm__region_find(const sm_engine *e, const char *code);
long sm__sector_find(const sm_engine *e, const char *code); /* any accepted spelling */
long sm__sme_find(const sm_engine *e, const char *id);
/* The language id of an ISO 639-1 code, adding it when `add`; -1 when absent
 * or full (add). Validates shape: returns -2 if malformed. */
int sm__lang_id(sm_engine *e, const char *code, bool add);
/* Shape checks. */
bool sm__region_code_ok(const char *code);
sm_status sm__check_lang(const char *code);

/* Map key callbacks. */
const char *sm__region_key(const void *ctx, uint32_t v);
const char *sm__sector_key(const void *ctx, uint32_t v);

/* Region helpers (region.c). */
sm_status sm__region_put_locked(sm_engine *e, const sm_region_desc *d, bool replace);
/* Resolves ISO 639-1 codes to language bits, adding new languages. */
sm_status sm__lang_bits(sm_engine *e, const char *const *langs, size_t n, uint64_t *out, const char *field);
int sm__region_ancestor(const sm_engine *e, int region, int level); /* ancestor-or-self at level, or region itself if coarser */
double sm__region_dev(const sm_engine *e, int region); /* own or nearest ancestor's, NaN */
bool sm__regions_adjacent(const sm_engine *e, int a, int b);
/* Neighbouring as the region-reach criterion defines it: the ancestors at
 * the coarser of the two levels are adjacent (and the regions differ). */
bool sm__regions_neighbouring(const sm_engine *e, int a, int b);
double sm__haversine_km(double lat1, double lon1, double lat2, double lon2);

/* Sector helpers (sector.c). */
sm_status sm__sector_put_locked(sm_engine *e, const char *code, const char *name, const char *section, bool replace);
int sm__sector_ancestor(const sm_engine *e, int sector, int level); /* ancestor-or-self at level, or itself if coarser */
double sm__sector_pair_affinity(const sm_engine *e, int sa, int sb); /* with the hierarchy rule */
/* Makes the engine's own copy of the affinity table (writer lock held), so
 * that later sm_affinity_set() calls cannot run out of memory. */
sm_status sm__affinity_own(sm_engine *e);

/* SME helpers (sme.c). */
static inline const char *sm__sme_id(const sm_engine *e, size_t i) { return e->smes.cold[i]; }
const char *sm__sme_name(const sm_engine *e, size_t i);
/* List accessors for the scoring loop, without branches: they rely on
 * sm__smes_reserve allocating the pool before the first SME is committed,
 * so pool is never NULL for a valid index i (offsets on NULL are undefined). */
static inline const uint32_t *sm__sme_secondary(const sm_engine *e, size_t i) { return e->smes.pool + e->smes.list_off[i]; }
static inline const uint32_t *sm__sme_offers(const sm_engine *e, size_t i)
{
    return e->smes.pool + e->smes.list_off[i] + e->smes.n_secondary[i];
}
static inline const uint32_t *sm__sme_needs(const sm_engine *e, size_t i)
{
    return e->smes.pool + e->smes.list_off[i] + e->smes.n_secondary[i] + e->smes.n_offers[i];
}
static inline uint64_t sm__tag_sig(uint32_t tag) { return 1ull << ((tag * 0x9E3779B1u) >> 26 & 63u); }

/* Normalises a tag into out (capacity SM_TAG_MAX + 1). */
sm_status sm__tag_normalize(char *out, const char *tag, const char *field);
/* Whether s is valid UTF-8 (no overlongs, no surrogates). */
bool sm__utf8_valid(const char *s, size_t len);

/* An SME validated and prepared for commit (sme.c); bulk.c stages these. */
typedef struct sm__prep {
    char *cold;       /* "id\0name\0", engine allocator */
    uint32_t *lists;  /* secondary sectors, offers, needs; engine allocator; NULL if all empty */
    uint16_t region, sector;
    uint8_t size;
    int32_t employees;
    int16_t founded;
    uint32_t coop;
    uint64_t langs, offer_sig, need_sig;
    uint16_t n_sec, n_off, n_need;
} sm__prep;
/* Validates and prepares; interns tags and languages (writer lock held). */
sm_status sm__prep_make(sm_engine *e, const sm_sme_desc *d, sm__prep *out);
void sm__prep_free(sm_engine *e, sm__prep *p);
/* Makes room for `extra` new SMEs and `pool` list entries (writer lock held). */
sm_status sm__smes_reserve(sm_engine *e, size_t extra, size_t pool);
/* Applies a prepared SME (insert or replace); takes ownership; cannot fail
 * after a sufficient reserve. */
void sm__prep_commit(sm_engine *e, sm__prep *p);
/* The same when the caller knows the SME's index (found) or that it is new (-1). */
void sm__prep_commit_at(sm_engine *e, sm__prep *p, long found);

/* Builtin tables (tables.h). */
sm_status sm__load_builtin_regions(sm_engine *e);
sm_status sm__load_builtin_sectors(sm_engine *e);

/* Scoring caches (idf.c): make the cache current for the engine. Reader lock held. */
sm_status sm__score_cache_update(const sm_engine *e);
void sm__score_cache_free(sm_engine *e);

#endif /* SM_INTERNAL_H */
