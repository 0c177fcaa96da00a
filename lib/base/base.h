/* The base layer: allocation, errors, the string map, the arena, UTF-8 and
 * numbers as text. Knows nothing of the engine; every other layer builds on
 * it. Not installed. */
#ifndef SM_BASE_H
#define SM_BASE_H

#include "smartmatch.h"

#include <locale.h>
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

/* ---- jansson's allocations (json_alloc.c) -------------------------------- */

/* jansson allocates through a on this thread until sm__json_alloc_leave(the
 * value returned) (unless the program installed allocation functions of its
 * own first); sm__json_alloc_failed() says whether an allocation failed since
 * the enter; sm__json_alloc_free() frees a block jansson made (a dump). Used
 * by every JSON reader of the library (io/, groups/). */
const sm__alloc *sm__json_alloc_enter(const sm__alloc *a);
void sm__json_alloc_leave(const sm__alloc *old);
bool sm__json_alloc_failed(void);
void sm__json_alloc_free(void *p);

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

/* Reads the file at path whole into *out (allocated with a, free with
 * sm__free; never NULL on success) and its size into *out_len. Errors
 * (SM_ERR_IO naming the path and, when given, what the file is: "the history
 * file"; SM_ERR_NOMEM) leave the out parameters untouched (base/file.c). */
sm_status sm__read_file(const sm__alloc *a, const char *path, const char *what, char **out, size_t *out_len);

/* A copy of the thread's last error, to put back later (libgit2's
 * git_error_save/git_error_restore): keeps a failure across calls that may
 * record others, or hands it from a worker thread to the caller's. Same
 * buffer sizes as the per-thread store, so a copy loses nothing. */
typedef struct sm__error_saved {
    sm_status status;
    unsigned long line, column;
    char message[1024], file[256], field[64], value[201];
} sm__error_saved;

/* Copies the calling thread's last error into *out. */
void sm__error_save(sm__error_saved *out);
/* Makes *saved the calling thread's last error again; returns its status. */
sm_status sm__error_restore(const sm__error_saved *saved);

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
/* The map grown for `extra` more entries, built beside m, which it leaves
 * as it is (so readers may use m meanwhile): out->slots is NULL when m has
 * room already; else out is the copy to install in m's place (free m's
 * slots once no reader can hold them). */
sm_status sm__hmap_grown(sm__hmap *out, const sm__hmap *m, const sm__alloc *a, size_t extra);
/* Inserts (key must be absent); needs prior reserve. Never fails. */
void sm__hmap_insert(sm__hmap *m, const char *key, uint32_t value);
/* Inserts unless key is present (then returns false, changing nothing):
 * one probe where a get and an insert make two. Needs prior reserve. */
bool sm__hmap_insert_new(sm__hmap *m, const char *key, uint32_t value, sm__key_fn key_of, const void *ctx);
/* Replaces the value stored for key (present) by new_value. */
void sm__hmap_replace(sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx, uint32_t new_value);
/* Removes key (present). */
void sm__hmap_remove(sm__hmap *m, const char *key, sm__key_fn key_of, const void *ctx);
void sm__hmap_free(sm__hmap *m, const sm__alloc *a);
/* Checks a map restored from stored slots (a snapshot): SIZE_MAX when
 * slots[0..cap) holds exactly the keys key_of(ctx, 0..n-1), each once,
 * reachable as sm__hmap_get() probes; else the index of a key found wrong
 * (0 when the shape or the slot values are wrong). Allocates nothing. */
size_t sm__hmap_check(const uint64_t *slots, size_t cap, size_t n, sm__key_fn key_of, const void *ctx);

/* ---- arena (arena.c): append-only storage freed with the engine --------- */

typedef struct sm__arena_block sm__arena_block;
typedef struct sm__arena {
    sm__arena_block *head;
    size_t used, size; /* of head */
    size_t block;      /* bytes of a new block; 0: sm__arena_block_size */
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
/* Moves every block of `from` into `to` (same allocator); new allocations
 * go on in the last block of `from`; `from` is left empty. */
void sm__arena_adopt(sm__arena *to, sm__arena *from);
/* Size of new arena blocks (64 KiB; 0 = a block per allocation, for the
 * allocation-failure tests). */
extern size_t sm__arena_block_size;

/* ---- text (text.c) ------------------------------------------------------ */

/* Whether s is valid UTF-8 (no overlongs, no surrogates). */
bool sm__utf8_valid(const char *s, size_t len);
/* The length of the longest valid UTF-8 prefix of s. */
size_t sm__utf8_prefix(const char *s, size_t len);

/* Names typed by people: ASCII case is ignored and '-' equals '_'; table
 * names are lower case. A table of names is `count` entries `stride` bytes
 * apart, each starting with its `const char *` name (an array of strings,
 * or of structs whose first member is the name). */
/* Whether s (n bytes) names `name`. */
bool sm__name_eq(const char *s, size_t n, const char *name);
/* Index of the entry named s (n bytes), or -1. */
int sm__name_find(const char *s, size_t n, const void *names, size_t stride, size_t count);
/* Fills hint with " (did you mean \"x\"?)" when an entry is a likely typo
 * of s, else with "". */
void sm__name_hint(char *hint, size_t cap, const char *s, const void *names, size_t stride, size_t count);

/* Most code points sm__text_fold() reads (after decomposition). */
#define SM_TEXT_FOLD_MAX_IN 1024
#define SM_FOLD_BAD_UTF8 (-1) /* not valid UTF-8 */
#define SM_FOLD_CONTROL (-2)  /* a control character other than white space */
#define SM_FOLD_TOO_LONG (-3) /* does not fit in cap bytes (with the NUL) */
/* Writes in[0..len) to out (cap bytes, NUL-terminated) with every run of
 * Unicode white space made one ' ' and none at either end. With as_key: the
 * comparison key (NFKC, full case folding, default-ignorable code points
 * removed); otherwise the display form (NFC). Returns the length written, or
 * one of the SM_FOLD_ codes. Makes no allocation. */
int sm__text_fold(char *out, size_t cap, const char *in, size_t len, bool as_key);
/* The same through the Unicode tables for any text (sm__text_fold() takes
 * a shortcut for ASCII; tests compare the two). */
int sm__text_fold_unicode(char *out, size_t cap, const char *in, size_t len, bool as_key);

/* ---- numbers as text (numtext.c) ----------------------------------------- */

/* The "C" locale for numbers (locale_t 0 if it could not be made): text
 * files always use '.' whatever the program's locale. */
locale_t sm__c_locale(void);
/* The shortest text that reads back as exactly v ("%.15g", else 16 or 17
 * digits), in the C locale; "nan", "inf", "-inf" for those. */
void sm__fmt_double(char *out, size_t cap, double v);
/* The same when the calling thread already uses the C locale (loops). */
void sm__fmt_double_in_c(char *out, size_t cap, double v);

/* Strict number parsing: the whole text must be a decimal number (no hex,
 * inf or nan), in the C locale. */
bool sm__parse_real(const char *s, size_t len, double *out);
bool sm__parse_int(const char *s, size_t len, long long *out);

/* ---- allocation sites (alloc.c), for the allocation-failure tests ------ */

/* With SM_ALLOC_SITES (meson -Dalloc_sites=true; off in normal builds) every
 * allocating call outside base/ records its file and line just before it
 * reaches the allocator, so a test allocator can tell which call site it is
 * failing (tests/support/test_util.c); tests/alloc/check_sites.py compares
 * the sites the tests failed with every site in the source. */
#if defined(SM_ALLOC_SITES)
void sm__alloc_site_mark(const char *file, int line);
/* The site of the allocation being made now (NULL when it is not marked). */
const char *sm__alloc_site(int *line);
/* Tests only: the allocator behind sm__default_alloc (NULL = malloc). */
void sm__default_alloc_override(const sm_allocator *a);
#if !defined(SM__BASE_IMPL)
#define SM__SITE(call) (sm__alloc_site_mark(__FILE__, __LINE__), (call))
#define sm__malloc(...) SM__SITE((sm__malloc)(__VA_ARGS__))
#define sm__calloc(...) SM__SITE((sm__calloc)(__VA_ARGS__))
#define sm__realloc(...) SM__SITE((sm__realloc)(__VA_ARGS__))
#define sm__strdup(...) SM__SITE((sm__strdup)(__VA_ARGS__))
#define sm__grow(...) SM__SITE((sm__grow)(__VA_ARGS__))
#define sm__boxed_alloc(...) SM__SITE((sm__boxed_alloc)(__VA_ARGS__))
#define sm__arena_alloc(...) SM__SITE((sm__arena_alloc)(__VA_ARGS__))
#define sm__arena_strdup(...) SM__SITE((sm__arena_strdup)(__VA_ARGS__))
#define sm__hmap_reserve(...) SM__SITE((sm__hmap_reserve)(__VA_ARGS__))
#define sm__hmap_grown(...) SM__SITE((sm__hmap_grown)(__VA_ARGS__))
#endif
#endif

#endif /* SM_BASE_H */
