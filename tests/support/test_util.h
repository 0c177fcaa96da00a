/* Helpers shared by the cmocka tests: a counting/failing allocator, engines
 * with the built-in taxonomies, and compact SME construction. */
#ifndef SM_TEST_UTIL_H
#define SM_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <smartmatch.h>

/* An allocator that counts live blocks and fails the fail_at-th allocation
 * (1-based; 0 = never fails). Thread-safe. */
typedef struct tu_alloc_state {
    long fail_at;     /* which allocation fails (malloc or growing realloc); 0 = none */
    long calls;       /* allocations attempted so far */
    long live;        /* blocks currently allocated */
    int failed;       /* set once the failure was injected */
} tu_alloc_state;

sm_allocator tu_allocator(tu_alloc_state *state);

/* A new engine with the default options, allocating through tu_allocator(s);
 * fails the test on error. */
sm_engine *tu_engine_counted(tu_alloc_state *s);

/* While set, the test allocators count, and may fail, only the allocations
 * of threads other than the one that set it: a library thread's own
 * allocations come in the same order on every run, whatever the calling
 * thread does beside it. tu_fail_others_only(0) ends it. */
void tu_fail_others_only(int on);

/* The library call site of the last allocation a test allocator failed
 * ("lib/core/sme.c:120"), when the build records sites (-Dalloc_sites=true). */
extern char tu_failed_site[256];

/* New engine with the given SM_TAXONOMY_* flags; fails the test on error. */
sm_engine *tu_engine(unsigned taxonomies);

/* Puts an SME from compact strings. Lists are ';'-separated ("" = empty).
 * Returns the status of sm_sme_put(). */
sm_status tu_put(sm_engine *e, const char *id, const char *region, const char *sectors, const char *offers,
                 const char *needs, uint32_t coop, const char *languages, sm_size size);

/* Splits a ';'-separated list into a static-lifetime array (up to 32 items,
 * up to 8 lists alive at once). Returns the count. */
size_t tu_split(const char *list, const char ***out);

/* Directory of the reference data (env SM_SHARED_DATA), NULL if absent. */
const char *tu_shared_data(void);

/* Asserts that the last error on this thread has the status and that its
 * message contains the substring. */
void tu_assert_error(sm_status status, const char *substring);

/* An engine with the built-in taxonomies and n random SMEs "R-0000".. over
 * 14 regions, 14 sectors and 40 tags; the same n gives the same engine. */
sm_engine *tu_random_engine(size_t n);

/* The brute-force oracle of the query tests: every other SME of the engine
 * scored against qid one by one with sm_query_explain() under w (NULL =
 * balanced), only those in another country when cross_border, ranked as
 * queries rank (total descending, then id). Fills all (room for every SME)
 * and returns how many. */
typedef struct tu_scored {
    char id[64];
    double total;
} tu_scored;
size_t tu_brute_rank(tu_scored *all, sm_engine *e, const char *qid, const sm_weighting *w, int cross_border);

/* Asserts that sm_query_top() for qid (k, w, cross_border) returns the
 * first k of the brute force exactly: the same ids, the same totals bit for
 * bit. Fails naming the query, the rank and both answers. */
void tu_assert_top_is_brute(sm_engine *e, const char *qid, const sm_weighting *w, int cross_border, size_t k);

/* Asserts that sm_query_top() for qid with the default options and k gives
 * the same ids and scores (to 1e-12) on engines a and b. */
void tu_assert_same_top(sm_engine *a, sm_engine *b, const char *qid, size_t k);

#endif
