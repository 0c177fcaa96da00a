/* An independent model of the consortium builder for the tests, written
 * from docs/consortium.md on the public API only: the rules of a profile
 * (given as plain fields, not through the library's parser), the objective,
 * and an exhaustive search over every subset of a small engine. */
#ifndef SM_TEST_CONSORTIUM_ORACLE_H
#define SM_TEST_CONSORTIUM_ORACLE_H

#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

#include <stddef.h>

#define OR_MAX 40
#define OR_LIST 8

/* A profile as the oracle sees it; lists are country or region prefixes. */
typedef struct or_profile {
    const char *topics[4];
    double topic_w[4];
    unsigned n_topics;
    const char *sectors[2];
    double sector_w[2];
    unsigned n_sectors;
    unsigned min_size, max_size;
    unsigned min_countries;
    const char *min_countries_in[OR_LIST]; unsigned n_min_countries_in;
    unsigned min_partners; /* one rule at most */
    const char *partners_in[OR_LIST]; unsigned n_partners_in;
    unsigned max_per_country;
    unsigned min_smes;
    unsigned min_less_dev; double less_dev_below;
    const char *lead_countries[OR_LIST]; unsigned n_lead_countries;
    const char *include[2]; unsigned n_include;
    const char *exclude[2]; unsigned n_exclude;
    double w_cov, w_pairs, w_lead, w_coh, decay, coh_threshold;
} or_profile;

/* Facts of the engine's SMEs that the oracle reads once. */
typedef struct or_data {
    size_t n;
    char id[OR_MAX][65];
    char region[OR_MAX][6];
    char country[OR_MAX][3];
    int sizes[OR_MAX];
    double dev[OR_MAX];
    unsigned covers[OR_MAX]; /* bit i: item i (topics, then sectors) */
    double pair[OR_MAX][OR_MAX];
} or_data;

/* Reads the engine (at most OR_MAX SMEs) under the weighting (NULL = balanced). */
void or_load(or_data *d, const sm_engine *e, const or_profile *p, const sm_weighting *w);
/* The text form of the profile, for sm_call_parse(). */
void or_profile_text(char *out, size_t cap, const or_profile *p);
/* Whether a set (SME positions in d, lead first) satisfies every rule. */
int or_eligible(const or_data *d, const or_profile *p, const unsigned *m, unsigned n, long lead);
/* The objective of a set (lead first). */
double or_objective(const or_data *d, const or_profile *p, const unsigned *m, unsigned n);
/* The best value over all eligible sets with this lead (-1 if none) that
 * differ by at least `differ` members from each of the n_prev earlier sets
 * (bit sets over positions); *best_set receives its bit set. */
double or_best(const or_data *d, const or_profile *p, long lead, const unsigned long long *prev, size_t n_prev,
               unsigned differ, unsigned long long *best_set);
/* Position of an id in d, -1 if absent. */
long or_find(const or_data *d, const char *id);
/* Checks every rule of the profile on every consortium of the result with
 * the oracle's own checker, and the objective and diversity; fails the test otherwise. */
void or_check_result(const or_data *d, const or_profile *p, const sm_consortia *r, long lead, unsigned differ);

/* n random SMEs "S00".."S39" in 14 regions of 12 countries (inserted in
 * reverse order if reverse), with random development indices; the same
 * seed gives the same engine. alloc may be NULL. */
sm_engine *or_random_engine(unsigned long seed, size_t n, int reverse, const sm_allocator *alloc);

#endif
