/* Private to the explanations (explain.c, reasons.c): the builder that
 * collects the tags and reasons of a result's matches with string offsets,
 * before they are packed into the one block a result owns. */
#ifndef SM_MATCH_EXPLAIN_H
#define SM_MATCH_EXPLAIN_H

#include "match/match.h"

#define SM__XPARAMS 8 /* most parameters of one reason */

typedef struct sm__xtag {
    const char *tag; /* while building: offset into the pool */
    double weight;
} sm__xtag;

typedef struct sm__xreason {
    sm_reason_code code;
    unsigned n;
    const char *keys[SM__XPARAMS]; /* static names */
    const char *vals[SM__XPARAMS]; /* while building: pool offsets */
    const char *text;              /* while building: pool offset */
} sm__xreason;

typedef struct sm__xmatch {
    sm__xtag *gives, *gets; /* while building: index into the tag array */
    size_t n_gives, n_gets;
    sm__xreason *reasons;   /* n_crit */
} sm__xmatch;

struct sm__expl {
    size_t n, n_crit;
    sm__xmatch *m;
};

/* A growable string (the allocator's memory); nomem sticks. */
typedef struct sm__sb {
    char *s;
    size_t len, cap;
    bool nomem;
    const sm__alloc *a;
} sm__sb;

void sm__sb_printf(sm__sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sm__sb_puts(sm__sb *b, const char *s);

typedef struct sm__xbuild {
    const sm__alloc *a;
    sm__sb pool;        /* all strings, NUL-separated */
    sm__xtag *tags;
    size_t n_tags, tags_cap;
    sm__sb text;        /* scratch for one sentence */
    sm__sb list;        /* scratch for one list parameter */
} sm__xbuild;

/* Adds s (NUL-terminated) to the pool; returns its offset as a pointer value. */
const char *sm__xb_str(sm__xbuild *xb, const char *s);
/* Adds one tag with its weight; false on NOMEM. */
bool sm__xb_tag(sm__xbuild *xb, const char *tag, double weight);

/* Fills match m's tags (gives, gets) and the reasons of the nc criteria
 * named in names with the scores of the pair (a, b). Lock held, cache
 * current, the calling thread in the C locale. */
void sm__explain_pair(sm__xbuild *xb, sm__xmatch *m, const sm_engine *e, size_t a, size_t b,
                      const char *const *names, const double *scores, size_t nc, double km);

#endif /* SM_MATCH_EXPLAIN_H */
