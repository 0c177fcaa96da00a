/* Which sectors actually cooperate: the links of the history counted by
 * pair of the partners' primary sectors (their affinity keys, as in the
 * input-output table), for the sector_history criterion (score/network.c).
 * Counted once, on the first query that needs them; from then on every
 * link added or removed updates them (sm__hsec_link, from history.c), and
 * an SME whose primary sector changed moves its links from its old key to
 * its new one on the first query after the change. A query reads one row
 * in O(sectors). */
#include "core/history.h"

#include <string.h>

static unsigned key_of(const sm_engine *e, size_t i)
{
    return e->sectors[e->smes.sector[i]]->aff_key;
}

void sm__history_sectors_count(sm__hsectors *s, const sm__history *h, const sm_engine *e)
{
    memset(s->m, 0, sizeof s->m);
    memset(s->c, 0, sizeof s->c);
    size_t n = h->n_adj < e->smes.n ? h->n_adj : e->smes.n;
    for (size_t i = 0; i < n; i++) {
        const sm__hadj *x = &h->adj[i];
        if (!x->n)
            continue;
        double *row = s->c + (size_t)key_of(e, i) * SM__HSEC_KEYS;
        /* each link is seen from both ends: from here it adds (p, q) once */
        for (uint32_t j = 0; j < x->n; j++) {
            uint32_t b = x->e[j].other;
            if (b < e->smes.n)
                row[key_of(e, b)] += 1.0;
        }
    }
    double total = 0;
    for (size_t p = 0; p < SM__HSEC_KEYS; p++) {
        double sum = 0;
        for (size_t q = 0; q < SM__HSEC_KEYS; q++)
            sum += s->c[p * SM__HSEC_KEYS + q];
        s->m[p] = sum;
        total += sum;
    }
    s->total = total;
}

/* One ordered link end between keys p and q, d = +1 or -1. */
static void bump(sm__hsectors *s, unsigned p, unsigned q, double d)
{
    s->c[(size_t)p * SM__HSEC_KEYS + q] += d;
    s->m[p] += d;
    s->total += d;
}

/* The key the counts hold for SME i: its stored key while it has links
 * (the counts saw that one), else its sector's now (it has none counted). */
static unsigned held_key(sm__history *h, uint32_t i)
{
    sm__hadj *x = &h->adj[i];
    if (!x->n)
        x->key = (uint16_t)key_of(h->sec_e, i);
    return x->key;
}

void sm__hsec_link(sm__history *h, uint32_t a, uint32_t b, double d)
{
    if (!h->sec || !h->sec_e)
        return;
    /* an added link is counted before a's list stores it, a removed one
     * while both lists still hold it: an SME without links has none
     * counted, and takes its sector's key now */
    bump(h->sec, held_key(h, a), h->adj[b].n ? h->adj[b].key : key_of(h->sec_e, b), d);
}

/* SMEs whose primary sector changed since the counts last looked: their
 * link ends move from the old key to the new one, in both directions. */
static void follow_sectors(sm__hsectors *s, sm__history *h, const sm_engine *e)
{
    size_t n = h->n_adj < e->smes.n ? h->n_adj : e->smes.n;
    for (size_t i = 0; i < n; i++) {
        sm__hadj *x = &h->adj[i];
        if (!x->n)
            continue;
        unsigned old = x->key, now = key_of(e, i);
        if (old == now)
            continue;
        for (uint32_t j = 0; j < x->n; j++) {
            uint32_t b = x->e[j].other;
            if (b >= e->smes.n)
                continue;
            unsigned kb = h->adj[b].key; /* b's own move, if any, comes at b */
            bump(s, old, kb, -1.0);
            bump(s, kb, old, -1.0);
            bump(s, now, kb, 1.0);
            bump(s, kb, now, 1.0);
        }
        x->key = (uint16_t)now;
    }
}

sm_status sm__history_sectors(const sm__hsectors **out, const sm__history *ch, const sm_engine *e)
{
    /* the history is const for the caller; the counts are private state
     * guarded by their own mutex (as the scoring cache is) */
    sm__history *h = (sm__history *)ch;
    sm_status st = SM_OK;
    pthread_mutex_lock(&h->sec_mu);
    sm__hsectors *s = h->sec;
    if (!s && (s = sm__malloc(&h->alloc, sizeof *s)) != NULL) {
        size_t n = h->n_adj < e->smes.n ? h->n_adj : e->smes.n;
        for (size_t i = 0; i < n; i++)
            h->adj[i].key = (uint16_t)key_of(e, i);
        sm__history_sectors_count(s, h, e);
        s->generation = e->generation;
        h->sec = s;
        h->sec_e = e;
    } else if (s && s->generation != e->generation) {
        follow_sectors(s, h, e);
        s->generation = e->generation;
    }
    if (!s)
        st = sm__nomem();
    pthread_mutex_unlock(&h->sec_mu);
    if (!st)
        *out = s;
    return st;
}
