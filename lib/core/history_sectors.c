/* Which sectors actually cooperate: the links of the history counted by
 * pair of the partners' primary sectors (their affinity keys, as in the
 * input-output table), for the sector_history criterion (score/network.c).
 * Counted once per engine generation and history version, on the first
 * query that needs them; a query then reads one row in O(sectors). */
#include "core/history.h"

#include <string.h>

static void count(sm__hsectors *s, const sm__history *h, const sm_engine *e)
{
    memset(s->m, 0, sizeof s->m);
    memset(s->c, 0, sizeof s->c);
    size_t n = h->n_adj < e->smes.n ? h->n_adj : e->smes.n;
    for (size_t i = 0; i < n; i++) {
        const sm__hadj *x = &h->adj[i];
        if (!x->n)
            continue;
        unsigned p = e->sectors[e->smes.sector[i]]->aff_key;
        double *row = s->c + (size_t)p * SM__HSEC_KEYS;
        /* each link is seen from both ends: from here it adds (p, q) once */
        for (uint32_t j = 0; j < x->n; j++) {
            uint32_t b = x->e[j].other;
            if (b < e->smes.n)
                row[e->sectors[e->smes.sector[b]]->aff_key] += 1.0;
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

sm_status sm__history_sectors(const sm__hsectors **out, const sm__history *ch, const sm_engine *e)
{
    /* the history is const for the caller; the counts are private state
     * guarded by their own mutex (as the scoring cache is) */
    sm__history *h = (sm__history *)ch;
    sm_status st = SM_OK;
    pthread_mutex_lock(&h->sec_mu);
    sm__hsectors *s = h->sec;
    if (!s && (s = h->sec = sm__malloc(&h->alloc, sizeof *s)) != NULL)
        s->generation = 0; /* engine generations start at 1: counted for none */
    if (!s)
        st = sm__nomem();
    else if (s->generation != e->generation || s->version != h->version) {
        count(s, h, e);
        s->generation = e->generation;
        s->version = h->version;
    }
    pthread_mutex_unlock(&h->sec_mu);
    if (!st)
        *out = s;
    return st;
}
