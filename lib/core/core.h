/* The core layer: the data model. The engine's layout, regions, sectors,
 * affinity, SMEs and their validation, bulk loading, the built-in tables.
 * Builds on base only. Not installed. */
#ifndef SM_CORE_H
#define SM_CORE_H

#include "base/base.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The SME columns, listed once: X(type, name) for each array of sm__smes.
 * Storage, growth (sm__smes_reserve), removal (swap with the last), freeing
 * and the prepared SME (sm__prep) all expand this list, so a new column is
 * one line here. The columns a prepared SME carries as they are: */
#define SM__SME_PREP_COLUMNS(X)                                                      \
    X(uint16_t, region)      /* region index */                                      \
    X(uint16_t, sector)      /* primary sector index */                              \
    X(uint8_t, size)         /* sm_size */                                           \
    X(int32_t, employees)    /* -1 unknown (clamped to INT32_MAX) */                 \
    X(int16_t, founded)      /* 0 unknown */                                         \
    X(uint32_t, coop)        /* cooperation bits */                                  \
    X(uint64_t, langs)       /* language bits */                                     \
    X(uint64_t, offer_sig)   /* 1 << (hash(tag id) & 63) for each offer */           \
    X(uint64_t, need_sig)    /* same for needs */                                    \
    X(uint16_t, n_secondary) /* pool[off .. off+n_secondary): secondary sectors */   \
    X(uint16_t, n_offers)    /* then n_offers offer tag ids, ascending */            \
    X(uint16_t, n_needs)     /* then n_needs need tag ids, ascending */
/* All of them: the prepared ones, the id block and the list offset. */
#define SM__SME_COLUMNS(X)                                                           \
    X(uint32_t, cold)        /* start of "id\0name\0" in text */                    \
    X(uint32_t, list_off)    /* start in pool */                                     \
    SM__SME_PREP_COLUMNS(X)

/* SMEs as a struct of arrays indexed by a dense index 0..n-1. */
typedef struct sm__smes {
    size_t n, cap;
#define SM__X(type, name) type *name;
    SM__SME_COLUMNS(SM__X)
#undef SM__X
    uint32_t *pool;
    size_t pool_len, pool_cap, pool_garbage;
    /* The ids and names, "id\0name\0" per SME at text + cold[i], one array
     * for all (no allocation per SME); replaced and removed SMEs leave
     * text_garbage bytes, dropped when the array is compacted (as the pool). */
    char *text;
    size_t text_len, text_cap, text_garbage;
    sm__hmap by_id;       /* id -> index */
} sm__smes;

typedef struct sm__tags {
    sm__hmap map;   /* tag string -> id */
    char **str;     /* arena strings: the folded key (sm__text_fold) */
    char **disp;    /* arena strings: the spelling first seen, NULL where it is str */
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

/* Data that upper layers derive from the engine (the scoring caches). The
 * core only holds it: the layer that builds it sets free_fn, which the
 * engine calls when it is freed, and ops, which the core calls on every
 * SME change (writer lock held) so the data follows the change in time
 * proportional to that SME instead of being rebuilt. */
typedef struct sm__derived_ops {
    /* Room for `changes` more SME changes, so that the three below need no
     * allocation: called before a change, which fails with it (engine
     * unchanged). */
    sm_status (*reserve)(void *ptr, sm_engine *e, size_t changes);
    /* SME i is about to be replaced or removed; its data is still there. */
    void (*sme_out)(void *ptr, sm_engine *e, size_t i);
    /* SME i was just written (new or replaced). */
    void (*sme_in)(void *ptr, sm_engine *e, size_t i);
    /* The SME at index from now lives at index to (a removal moved it). */
    void (*sme_move)(void *ptr, sm_engine *e, size_t from, size_t to);
    /* Called by a writer that holds e's writer mutex but not the lock
     * (readers running) at the end of its call: work that keeps queries
     * fast (a new base built beside the one readers use, published in a
     * short exclusive step) is done here, never by a query. Cannot fail:
     * without memory the data stays as it is (exact, if slower). NULL:
     * nothing to do. */
    void (*maintain)(void *ptr, sm_engine *e);
    /* Region k was just added (no SME is there yet), or (added false) given
     * other languages, which SMEs there and in the regions below it that
     * inherit them speak. Returns false when the data could not follow (no
     * memory); it is then stale, for the maintenance to rebuild. */
    bool (*region_changed)(void *ptr, sm_engine *e, size_t k, bool added);
    /* SME i just took part in one more event of the engine's history
     * (core/history.h: its event count grew). Cannot fail. NULL: the data
     * does not read the history. */
    void (*sme_history)(void *ptr, sm_engine *e, size_t i);
} sm__derived_ops;

typedef struct sm__derived {
    pthread_mutex_t mu;                           /* serialises building it */
    void *ptr;                                    /* NULL until first built */
    void (*free_fn)(void *ptr, const sm__alloc *a);
    const sm__derived_ops *ops;                   /* NULL: nothing to follow */
    /* The engine generation ptr is current for; 0 = stale (rebuild). A
     * change the ops follow moves it along with the engine's; any other
     * change (regions, sectors, affinity) leaves it behind. An op that
     * cannot follow (no memory) sets it to 0. */
    uint64_t generation;
} sm__derived;

/* The engine's phase-fair reader-writer lock (rwlock.c). */
typedef struct sm__rwlock {
    pthread_mutex_t mu;
    /* Held by a writer for the whole of its call (writers one at a time),
     * while it holds the lock itself only for the steps that change what
     * readers see: it prepares beside running readers, and the writers
     * queued behind it wait here, not in the lock, so they hold back no
     * reader. */
    pthread_mutex_t writer_mu;
    pthread_cond_t readers_cv, writers_cv;
    unsigned readers;         /* inside, or admitted by the last write's end */
    unsigned waiting_readers; /* waiting for the end of the current or next write */
    unsigned waiting_writers;
    unsigned waiting_peekers; /* sm__peek_begin() callers waiting for the end of a write */
    bool writing;
    uint64_t phase;           /* writes ended so far */
} sm__rwlock;

int sm__rwlock_init(sm__rwlock *l);
void sm__rwlock_destroy(sm__rwlock *l);

/* Deferred changes (deferred.c): puts and removes checked at call time,
 * copied into this queue and published in batches by a publisher thread of
 * the engine's, or by the next writer, each batch in one exclusive step. */
typedef struct sm__dchange sm__dchange;
typedef struct sm__deferred {
    pthread_mutex_t mu;      /* guards everything below */
    pthread_cond_t work_cv;  /* the publisher: changes queued, stop */
    pthread_cond_t space_cv; /* callers: room in the queue */
    sm__dchange **pending;   /* queued, in call order */
    size_t n_pending, cap_pending;
    sm__dchange **inflight;  /* the batch being published (its writer reads it without mu) */
    size_t n_inflight, cap_inflight;
    double oldest_s;         /* monotonic time the oldest pending change was queued */
    double max_delay_s;      /* sm_defer_options */
    size_t max_queued;
    bool started, stop;
    pthread_t thread;
    sm_status err;           /* the first publication error since the last flush */
    size_t n_failed;         /* changes dropped since the last flush */
    sm__error_saved err_saved;
} sm__deferred;

int sm__deferred_init(sm_engine *e);
/* Stops and joins the publisher and drops what is still queued (sm_engine_free). */
void sm__deferred_destroy(sm_engine *e);
/* Publishes what is queued: writer mutex held, lock not (sm__writer_begin). */
void sm__deferred_publish(sm_engine *e);

#define SM__AFF_KEYS 121

struct sm_engine {
    sm__alloc alloc;
    sm__rwlock lock;
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

    const double *affinity; /* SM__AFF_KEYS x SM__AFF_KEYS, builtin table or affinity_own; double so that
                               a value set reads back exactly */
    double *affinity_own;

    sm__tags tags;
    sm__smes smes;
    sm__derived derived; /* score/cache.c: sm__score_cache */
    struct sm__history *history; /* core/history.c; NULL until first used */
    sm__deferred deferred; /* core/deferred.c */
};

/* Locking (rwlock.c): public entry points take these; internal helpers
 * assume held. The lock is phase-fair; a thread that already holds the read
 * lock of e (a callback inside a query or batch) re-enters without locking
 * again. sm__wrlock aborts with a message when the thread holds e's read lock. */
void sm__rdlock(const sm_engine *e);
void sm__wrlock(sm_engine *e);
void sm__unlock(const sm_engine *e);
/* A writer in steps: sm__writer_begin() makes this thread e's only writer
 * (readers keep running; it may read e without the read lock, as nothing
 * else changes it), sm__writer_excl() waits for the readers inside and
 * keeps new ones out, sm__writer_shared() lets them in again, and
 * sm__writer_end() lets the next writer in (from the shared state; it runs
 * the derived data's maintenance first). sm__wrlock() is begin + excl, and
 * sm__unlock() of a writer is shared + end. Between excl and shared the
 * writer must not take e's read lock. */
void sm__writer_begin(sm_engine *e);
void sm__writer_excl(sm_engine *e);
void sm__writer_shared(sm_engine *e);
void sm__writer_end(sm_engine *e);
/* The derived data's maintenance now (writer mutex held, lock not held). */
void sm__writer_maintain(sm_engine *e);
/* A short look at e that waits only for a writer's exclusive step, not for
 * a writer that waits for one (deferred.c checks a change with it, so that
 * the caller never waits for the queries the publisher waits for). Not
 * re-entrant; aborts with a message when the thread holds e's read lock.
 * It holds back the next exclusive step while held: keep it short. */
void sm__peek_begin(const sm_engine *e);
void sm__peek_end(const sm_engine *e);
/* Whether this thread holds e's read lock (itself or borrowed). */
bool sm__read_held(const sm_engine *e);
/* A batch worker runs under the read lock its caller holds: borrow marks it
 * held on the worker's thread (no locking), return unmarks it. */
void sm__read_borrow(const sm_engine *e);
void sm__read_return(const sm_engine *e);

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
/* The languages of region r or of its nearest ancestor that has some. */
uint64_t sm__region_langs(const sm_engine *e, int r);
double sm__haversine_km(double lat1, double lon1, double lat2, double lon2);

/* Sector helpers (sector.c). */
sm_status sm__sector_put_locked(sm_engine *e, const char *code, const char *name, const char *section, bool replace);
int sm__sector_ancestor(const sm_engine *e, int sector, int level); /* ancestor-or-self at level, or itself if coarser */
double sm__sector_pair_affinity(const sm_engine *e, int sa, int sb); /* with the hierarchy rule */
/* Makes the engine's own copy of the affinity table (writer lock held), so
 * that later sm_affinity_set() calls cannot run out of memory. */
sm_status sm__affinity_own(sm_engine *e);

/* SME helpers (sme.c). */
static inline const char *sm__sme_id(const sm_engine *e, size_t i) { return e->smes.text + e->smes.cold[i]; }
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

/* How tag t is shown: the spelling first seen. */
static inline const char *sm__tag_text(const sm_engine *e, uint32_t t)
{
    return e->tags.disp[t] ? e->tags.disp[t] : e->tags.str[t];
}

/* Normalises a tag into out (capacity SM_TAG_MAX + 1). */
sm_status sm__tag_normalize(char *out, const char *tag, const char *field);

/* An SME validated and prepared for commit (sme.c); bulk.c stages these. */
typedef struct sm__prep {
    long found;       /* bulk.c: the SME's index when the commit began, -1 if new */
    char *cold;       /* "id\0name\0", in the block of lists */
    uint32_t *lists;  /* secondary sectors, offers, needs, then cold: one block (engine allocator) */
    uint32_t text_len;/* bytes of cold with both NULs */
    bool in_arena;    /* lists is in a bulk's arena, freed with it */
    bool deferred;    /* bulk.c: staged unprepared, cold is the id of its description */
#define SM__X(type, name) type name;
    SM__SME_PREP_COLUMNS(SM__X)
#undef SM__X
    bool local_tags;  /* some offer or need ids are local (tag_local.c), not yet the engine's; */
                      /* last, in the padding: a bulk holds a million of these */
} sm__prep;
_Static_assert(sizeof(sm__prep) <= 80, "sm__prep grew: a bulk of 1,000,000 SMEs holds one each");
/* Validates and prepares; interns tags and languages (writer lock held). */
sm_status sm__prep_make(sm_engine *e, const sm_sme_desc *d, sm__prep *out);
/* The same under the reader lock: interns nothing. When the SME brings a tag
 * or language the engine lacks, sets *need_writer (the status is then not
 * an error to report: retry sm__prep_make() with the writer lock). */
sm_status sm__prep_try(sm_engine *e, const sm_sme_desc *d, sm__prep *out, bool *need_writer);
/* The same two with the lists allocated in an arena (a bulk's: one block
 * for many SMEs instead of an allocation each); arena may be NULL. */
sm_status sm__prep_make_in(sm_engine *e, const sm_sme_desc *d, sm__prep *out, sm__arena *arena);
sm_status sm__prep_try_in(sm_engine *e, const sm_sme_desc *d, sm__prep *out, bool *need_writer, sm__arena *arena);
void sm__prep_free(sm_engine *e, sm__prep *p);
/* Local tags (tag_local.c): tags a bulk met that the engine lacked, kept
 * by the bulk under ids SM__TAG_LOCAL | index (index = order first met)
 * until it interns them all at once, in that order, and rewrites the ids
 * in its SMEs' lists (sm__prep_relabel()). */
#define SM__TAG_LOCAL 0x80000000u
typedef struct sm__tag_local {
    sm__hmap map;    /* folded tag -> index */
    char **norm;     /* the folded tag */
    char **given;    /* the spelling first met (display) */
    uint32_t *first; /* the bulk item that first listed it */
    size_t n, cap;
    sm__arena text;
} sm__tag_local;
/* The local id of a folded tag, added when new (`item` met it first). */
sm_status sm__tag_local_get(sm__tag_local *l, const sm__alloc *a, const char *norm, const char *given,
                            uint32_t item, uint32_t *out);
/* The first local tag at or after `from` that an item at or after `item` met first. */
size_t sm__tag_local_before(const sm__tag_local *l, size_t from, size_t item);
/* Interns local tags [from, to) in order; map[i] is the engine id of local
 * tag i (writer lock held). */
sm_status sm__tag_local_intern(sm_engine *e, const sm__tag_local *l, size_t from, size_t to, uint32_t *map);
/* Sorts ids ascending and drops repeats; returns how many are left (sme.c). */
size_t sm__ids_sort_unique(uint32_t *v, size_t n);
/* Rewrites a prepared SME's local ids by map (lists ascending again, signatures made again). */
void sm__prep_relabel(sm__prep *p, const uint32_t *map);
void sm__tag_local_free(sm__tag_local *l, const sm__alloc *a);
/* Interns a folded tag (writer lock held); `given` is its spelling for display. */
sm_status sm__tag_intern(sm_engine *e, const char *norm, const char *given, uint32_t *out);
/* sm__prep_try_in() that takes the tags the engine lacks from `local` (or
 * adds them there, met first by `item`) instead of asking for the writer;
 * *need_writer is then set only for a language the engine lacks. */
sm_status sm__prep_try_local(sm_engine *e, const sm_sme_desc *d, sm__prep *out, bool *need_writer, sm__arena *arena,
                             sm__tag_local *local, uint32_t item);
/* SMEs a bulk commit splices per exclusive step (bulk.c; tests lower it). */
extern size_t sm__bulk_chunk;
/* Starts fetching the part of the bulk's staged-id map where id would be
 * looked up, so that sm_bulk_put() of it soon after finds it in the cache
 * (the loader calls it when a row's id is read, before the rest). b may be
 * NULL. A hint: changes nothing. */
void sm__bulk_prefetch(const sm_bulk *b, const char *id);
/* Deferring (off by default, for a bulk filled on a thread of its own
 * beside another bulk): tags the engine lacks stay local to the bulk (as
 * with sm__bulk_set_local_tags()), an SME that brings a language the
 * engine lacks is staged unprepared, its description copied, instead of
 * taking the writer lock, and ids are not checked for duplicates
 * (sm__bulk_splice() does: such a bulk is spliced into another, never
 * committed itself). `block`: bytes of each block of the bulk's arena (0 =
 * the arena's default); `expect`: SMEs to make room for at once (0 =
 * none). SM_ERR_NOMEM (deferring all the same). */
sm_status sm__bulk_set_deferring(sm_bulk *b, size_t block, size_t expect);
/* Tags the engine lacks stay local to the bulk (tag_local.c) until it is
 * committed or spliced, which interns them in the order the bulk met them:
 * filling the bulk takes the writer lock for new languages only. */
void sm__bulk_set_local_tags(sm_bulk *b);
/* Interns the local tags and prepares what deferring staged, in staging
 * order (sm_bulk_commit() and sm__bulk_splice() call it). */
sm_status sm__bulk_prepare_deferred(sm_bulk *b);
/* Moves every SME staged in `from` to the end of `to`, as if put into `to`
 * in their order, and prepares those staged unprepared. SM_ERR_DUPLICATE
 * (no message) when an id is staged twice in the two, SM_ERR_NOMEM, or the
 * failure of a preparation: `to` is then unchanged. */
sm_status sm__bulk_splice(sm_bulk *to, sm_bulk *from);
/* Makes room for `extra` new SMEs, `pool` list entries and `text` bytes of
 * ids and names (writer lock held). */
sm_status sm__smes_reserve(sm_engine *e, size_t extra, size_t pool, size_t text);
/* The same room made beside running readers: a writer (writer mutex held,
 * lock shared) builds grown copies of the SME columns, the id map and the
 * list pool and the text of ids and names (each compacted when mostly
 * garbage) while queries read the current
 * ones, which nothing changes meanwhile; sm__smes_room_swap() installs them
 * in an exclusive step (pointer assignments only), and sm__smes_room_free()
 * frees, after that step, the arrays they replaced, which no reader can
 * hold any more (or, without a swap, the copies). Between make and swap the
 * SMEs must not change. After the swap sm__smes_reserve() for the same room
 * allocates nothing. */
typedef struct sm__smes_room {
    size_t cap;      /* new column capacity; 0: the columns stay */
#define SM__X(type, name) type *name;
    SM__SME_COLUMNS(SM__X)
#undef SM__X
    uint32_t *list_off_compacted; /* when the pool is compacted and the columns stay */
    sm__hmap by_id;               /* slots NULL: the id map stays */
    uint32_t *pool;               /* NULL: the pool stays */
    size_t pool_cap, pool_len;
    bool compacted;
    uint32_t *cold_compacted;     /* when the text is compacted and the columns stay */
    char *text;                   /* NULL: the text stays */
    size_t text_cap, text_len;
    bool text_compacted;
} sm__smes_room;
sm_status sm__smes_room_make(sm_engine *e, size_t extra, size_t pool, size_t text, sm__smes_room *r);
void sm__smes_room_swap(sm_engine *e, sm__smes_room *r);
void sm__smes_room_free(sm_engine *e, sm__smes_room *r);
/* Applies a prepared SME (insert or replace); takes ownership; cannot fail
 * after a sufficient reserve. */
void sm__prep_commit(sm_engine *e, sm__prep *p);
/* The same when the caller knows the SME's index (found) or that it is new (-1). */
void sm__prep_commit_at(sm_engine *e, sm__prep *p, long found);
/* Removes SME i (exclusive step, derived data reserved for one change). */
void sm__sme_remove_at(sm_engine *e, size_t i);

/* Whether the derived data follows SME changes right now (writer lock held). */
static inline bool sm__derived_tracking(const sm_engine *e)
{
    return e->derived.ptr && e->derived.ops && e->derived.generation == e->generation;
}

/* Counts a change (writer lock held). The derived data depends on the SMEs,
 * the tags, the number of regions and the regions' languages, and on
 * nothing else (not on sectors, affinity, development indices, region
 * names or places; on the history only through a bound of each SME's
 * event count, which the sme_history op keeps up with every event added
 * and which stays valid when events go): a change that `keeps_derived` (one of
 * nothing it depends on, or one its ops followed) leaves current data
 * current; any other leaves it stale, for the writer's maintenance at the
 * end of the call to rebuild beside the readers. A region added or given
 * other languages goes through sm__region_changed() instead. */
static inline void sm__changed(sm_engine *e, bool keeps_derived)
{
    bool current = keeps_derived && sm__derived_tracking(e);
    e->generation++;
    if (current)
        e->derived.generation = e->generation;
}

/* Counts the change of region k just made (added, or given other
 * languages), which the derived data follows when it can (writer lock held). */
extern int sm__regions_unfollowed; /* tests only: nonzero leaves the data stale instead (region.c) */
static inline void sm__region_changed(sm_engine *e, size_t k, bool added)
{
    bool tracked = sm__derived_tracking(e) && e->derived.ops->region_changed && !sm__regions_unfollowed;
    e->generation++;
    if (tracked && e->derived.ops->region_changed(e->derived.ptr, e, k, added))
        e->derived.generation = e->generation;
}

/* Sets the development index of region k (writer lock held). */
void sm__region_set_development(sm_engine *e, size_t k, double development);

/* ---- savepoints (savepoint.c) ------------------------------------------- */

/* A region as it was before a change replaced it. */
typedef struct sm__region_saved {
    long idx;
    sm_region_info info;
    uint64_t langs;
} sm__region_saved;

typedef struct sm__savepoint {
    bool active;
    /* Nothing refers to what is added before release or rollback, so
     * rollback also takes back the arena, the new languages and the
     * generation. Not so for a loader, which stages SMEs (interning tags in
     * the arena) in between: its rollback keeps them and moves the
     * generation on. */
    bool exclusive;
    uint64_t generation;
    size_t n_regions, n_sectors;
    unsigned n_langs;
    sm__arena_mark mark;
    bool adj_replaced; /* the adjacency in force at begin, kept until release */
    uint32_t *adj_start;
    uint16_t *adj;
    size_t n_adj_regions;
    sm__region_saved *replaced;
    size_t n_replaced, cap_replaced;
} sm__savepoint;

/* All with the writer lock held. Begin cannot fail. */
void sm__savepoint_begin(sm__savepoint *sp, sm_engine *e, bool exclusive);
/* Room to record n more replaced regions, so that puts need no allocation for it. */
sm_status sm__savepoint_reserve_regions(sm__savepoint *sp, sm_engine *e, size_t n);
/* sm__region_put_locked, recording the region first when it is replaced. */
sm_status sm__savepoint_put_region(sm__savepoint *sp, sm_engine *e, const sm_region_desc *d, bool replace);
/* Adds a sector (an existing one is kept as it is). */
sm_status sm__savepoint_put_sector(sm__savepoint *sp, sm_engine *e, const char *code, const char *name,
                                   const char *section);
/* Installs a new adjacency (taking ownership); the savepoint keeps the old one. */
void sm__savepoint_set_adjacency(sm__savepoint *sp, sm_engine *e, uint32_t *start, uint16_t *adj, size_t n_regions);
/* Puts the engine back as it was at begin and ends the savepoint; does
 * nothing for an ended one. Cannot fail. */
void sm__savepoint_rollback(sm__savepoint *sp, sm_engine *e);
/* Keeps the change; frees what the savepoint held. */
void sm__savepoint_release(sm__savepoint *sp, sm_engine *e);

/* Makes room in the derived data for `changes` SME changes (writer lock
 * held); SM_ERR_NOMEM fails the change before anything is applied. */
static inline sm_status sm__derived_reserve(sm_engine *e, size_t changes)
{
    return sm__derived_tracking(e) ? e->derived.ops->reserve(e->derived.ptr, e, changes) : SM_OK;
}

/* Builtin tables (tables.h), through the caller's savepoint: a failure
 * leaves partial additions for the caller to roll back. */
sm_status sm__load_builtin_regions(sm_engine *e, sm__savepoint *sp);
sm_status sm__load_builtin_sectors(sm_engine *e, sm__savepoint *sp);


#endif /* SM_CORE_H */
