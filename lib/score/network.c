/* The network criteria: their names, their place in a weighting, the
 * "network" preset, the formulas, and the per-query table of past and
 * common partners of the querying SME (network.h). */
#include "score/network.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static const char *const net_names[SM__NET_COUNT] = { "past_partners", "common_partners", "activity",
                                                                "sector_history" };

const char *sm_network_criterion_name(size_t index)
{
    return index < SM__NET_COUNT ? net_names[index] : NULL;
}

/* The functions that mark the slots. A query never calls them: it reads
 * its own tables (pair.c, query.c); called from outside a query (a copy of
 * the function pointer) they have no history to read and return 0. */
static double net_fn_past(const sm_pair *pair, void *ud)
{
    (void)pair, (void)ud;
    return 0.0;
}
static double net_fn_common(const sm_pair *pair, void *ud)
{
    (void)pair, (void)ud;
    return 0.0;
}
static double net_fn_activity(const sm_pair *pair, void *ud)
{
    (void)pair, (void)ud;
    return 0.0;
}
static double net_fn_sector(const sm_pair *pair, void *ud)
{
    (void)pair, (void)ud;
    return 0.0;
}
static const sm_criterion_fn net_fns[SM__NET_COUNT] = { net_fn_past, net_fn_common, net_fn_activity,
                                                         net_fn_sector };

/* Shared by every network slot of every weighting: no user data and no
 * destructor; the reference count starts far from 0 so that it never
 * reaches it and is never freed. */
static sm__udata net_udata = { .ptr = NULL, .destroy = NULL, .refs = LONG_MAX / 2 };

int sm__net_find(const char *name, size_t len)
{
    for (int k = 0; k < SM__NET_COUNT; k++)
        if (sm__name_eq(name, len, net_names[k]))
            return k;
    return -1;
}

int sm__net_kind(const sm_weighting *w, size_t j)
{
    for (int k = 0; k < SM__NET_COUNT; k++)
        if (w->custom[j].fn == net_fns[k])
            return k;
    return -1;
}

bool sm__net_only(const sm_weighting *w)
{
    for (size_t j = 0; j < w->n_custom; j++)
        if (sm__net_kind(w, j) < 0)
            return false;
    return true;
}

sm_status sm__net_set(sm_weighting *w, int kind, double weight)
{
    memset(w->net_auto, 0, sizeof w->net_auto); /* named: the preset's own go */
    size_t j = 0;
    while (j < w->n_custom && sm__net_kind(w, j) != kind)
        j++;
    if (j == w->n_custom) {
        if (j == SM__CUSTOM_MAX)
            return sm__fail(SM_ERR_LIMIT, "weights: no room for \"%s\" (at most %d criteria)", net_names[kind],
                            SM_CRITERIA_MAX);
        sm__custom *c = &w->custom[j];
        memset(c->name, 0, sizeof c->name);
        memcpy(c->name, net_names[kind], strlen(net_names[kind]));
        c->fn = net_fns[kind];
        c->ud = &net_udata;
        atomic_fetch_add(&net_udata.refs, 1);
        w->n_custom++;
    }
    w->w[SM_CRIT_BUILTIN_COUNT + j] = weight == 0 ? 0.0 : weight;
    return SM_OK;
}

const double sm__net_auto_w[SM__NET_COUNT] = SM__NET_AUTO_INIT;

bool sm__net_cold(const sm_engine *e, const sm__history *h, size_t a)
{
    return !e->smes.n_offers[a] && !e->smes.n_needs[a] && (!h || a >= h->n_adj || !h->adj[a].n);
}

const sm_weighting *sm__net_effective(sm_weighting *room, const sm_weighting *w, const sm__history *h,
                                      const sm_engine *e, size_t a, bool *cold)
{
    *cold = false;
    if (!h || !h->n_links)
        return w;
    size_t need = 0;
    for (int k = 0; k < SM__NET_COUNT; k++)
        need += w->net_auto[k] > 0;
    if (!need || w->n_custom + need > SM__CUSTOM_MAX)
        return w;
    double aw[SM__NET_COUNT];
    memcpy(aw, w->net_auto, sizeof aw);
    bool on[SM__NET_COUNT];
    for (int k = 0; k < SM__NET_COUNT; k++)
        on[k] = aw[k] > 0;
    if (on[SM__NET_ACTIVITY] && sm__net_cold(e, h, a)) {
        /* the criteria of a's own network score 0 for every candidate:
         * their weight goes to the candidates' track record; they stay,
         * at weight 0, so that every query lists the same criteria */
        aw[SM__NET_ACTIVITY] += aw[SM__NET_PAST] + aw[SM__NET_COMMON];
        aw[SM__NET_PAST] = aw[SM__NET_COMMON] = 0;
        *cold = true;
    }
    *room = *w; /* borrows w's user data; never freed as a weighting */
    for (int k = 0; k < SM__NET_COUNT; k++)
        if (on[k])
            sm__net_set(room, k, aw[k]); /* room checked above */
    return room;
}

/* "network": balanced plus the network criteria (docs/scoring.md). */
static const double net_preset_w[SM_CRIT_BUILTIN_COUNT] = { 3, 2, 1, 1, 0.5, 1, 1 };
static const double net_preset_net[SM__NET_COUNT] = { 4, 2, 2 };

bool sm__net_preset(sm_weighting *w, const char *name, size_t len)
{
    if (!sm__name_eq(name, len, "network"))
        return false;
    memcpy(w->w, net_preset_w, sizeof net_preset_w);
    w->p = sm__params_default;
    for (int k = 0; k < SM__NET_COUNT; k++)
        sm__net_set(w, k, net_preset_net[k]); /* a fresh weighting has room */
    return true;
}

/* ---- formulas ------------------------------------------------------------- */

double sm__net_past_score(uint32_t count, int32_t last, int32_t ref, double half_life)
{
    if (!count)
        return 0.0;
    double age = (double)ref - (double)last;
    if (age < 0)
        age = 0;
    return exp2(-age / half_life) * (1.0 - exp2(-(double)count));
}

double sm__net_common_score(double aa)
{
    return aa > 0 ? aa / (1.0 + aa) : 0.0;
}

/* ---- per query ------------------------------------------------------------ */

void sm__netq_free(sm__netq *nq, const sm__alloc *a)
{
    sm__free(a, nq->pp);
    sm__free(a, nq->cp);
    sm__free(a, nq->tab);
    sm__free(a, nq->touched);
    sm__free(a, nq->sec);
    const sm__history *o = nq->override;
    memset(nq, 0, sizeof *nq);
    nq->override = o;
}

/* The place of SME b in touched, added with scores 0 if new (the table
 * and the arrays have room: sm__netq_prepare sized them). */
static uint32_t touch(sm__netq *nq, uint32_t b)
{
    size_t i = sm__netq_probe(nq, b);
    if (nq->tab[i].b == b)
        return nq->tab[i].t;
    uint32_t t = (uint32_t)nq->n_touched++;
    nq->tab[i].b = b;
    nq->tab[i].t = t;
    nq->pp[t] = 0;
    nq->cp[t] = 0;
    nq->touched[t] = b;
    return t;
}

/* sector_history of SME a against every sector (docs/scoring.md). */
static sm_status sector_row(sm__netq *nq, const sm_engine *e, const sm__history *h, size_t a, const sm__alloc *al)
{
    const sm__hsectors *hs;
    sm_status st = sm__history_sectors(&hs, h, e);
    if (st)
        return st;
    size_t n = e->n_sectors ? e->n_sectors : 1;
    if (n > nq->sec_cap) {
        double *s = sm__realloc(al, nq->sec, n * sizeof *s);
        if (!s)
            return sm__nomem();
        nq->sec = s;
        nq->sec_cap = n;
    }
    int sa = e->smes.sector[a];
    unsigned p = e->sectors[sa]->aff_key;
    double mx = 0.0;
    for (size_t x = 0; x < e->n_sectors; x++) {
        double v = sm__hsec_score(hs, p, e->sectors[x]->aff_key, sm__sector_pair_affinity(e, sa, (int)x));
        nq->sec[x] = v;
        mx = v > mx ? v : mx;
    }
    nq->sec_max = mx;
    nq->sec_on = true;
    return SM_OK;
}

sm_status sm__netq_prepare(sm__netq *nq, const sm_engine *e, const sm_weighting *w, size_t a, const sm__alloc *al)
{
    nq->n_touched = 0; /* the table is cleared when this query fills it */
    nq->any = false;
    for (int k = 0; k < SM__NET_COUNT; k++)
        nq->slot[k] = -1;
    for (size_t j = 0; j < w->n_custom; j++) {
        int k = sm__net_kind(w, j);
        if (k >= 0) {
            nq->slot[k] = (int)(SM_CRIT_BUILTIN_COUNT + j);
            nq->any = true;
        }
    }
    const sm__history *h = nq->override ? nq->override : e->history;
    nq->h = h;
    nq->act_scale = h && h->max_events ? 1.0 / log1p((double)h->max_events) : 0.0;
    if (nq->act_scale != nq->act_tab_scale) {
        /* the same numbers as log1p(m) * act_scale, looked up */
        for (size_t m = 0; m < SM__NET_ACT_TAB; m++)
            nq->act_tab[m] = log1p((double)m) * nq->act_scale;
        nq->act_tab_scale = nq->act_scale;
    }
    nq->sec_on = false;
    nq->sec_max = 0.0;
    nq->sme_sector = e->smes.sector;
    sm_status st;
    if (nq->slot[SM__NET_SECTOR] >= 0 && h && h->n_links && (st = sector_row(nq, e, h, a, al)))
        return nq->h = NULL, st;
    if (!nq->any || !h || a >= h->n_adj)
        return SM_OK;
    /* the neighbourhood's size at most: a's partners and, for common
     * partners, theirs */
    const sm__hadj *x = &h->adj[a];
    bool common = nq->slot[SM__NET_COMMON] >= 0;
    size_t n = x->n;
    for (uint32_t j = 0; common && j < x->n; j++)
        n += h->adj[x->e[j].other].n;
    size_t tc = 16;
    while (tc < 2 * n)
        tc *= 2;
    if (tc > nq->tab_cap) {
        struct sm__netq_slot *tab = sm__realloc(al, nq->tab, tc * sizeof *tab);
        if (!tab)
            return nq->h = NULL, sm__nomem();
        nq->tab = tab;
        nq->tab_cap = tc;
    }
    nq->tab_mask = tc - 1;
    memset(nq->tab, 0xff, tc * sizeof *nq->tab);
    if (n > nq->cap) {
        double *pp = sm__realloc(al, nq->pp, n * sizeof *pp);
        if (pp)
            nq->pp = pp;
        double *cp = pp ? sm__realloc(al, nq->cp, n * sizeof *cp) : NULL;
        if (cp)
            nq->cp = cp;
        uint32_t *tl = cp ? sm__realloc(al, nq->touched, n * sizeof *tl) : NULL;
        if (!tl)
            return nq->h = NULL, sm__nomem();
        nq->touched = tl;
        nq->cap = n;
    }
    int32_t ref = sm__history_ref(h);
    double hl = w->net_half_life > 0 ? w->net_half_life : h->half_life;
    for (uint32_t j = 0; j < x->n; j++) {
        const sm__hedge *ed = &x->e[j];
        nq->pp[touch(nq, ed->other)] = sm__net_past_score(ed->count, ed->last, ref, hl);
        if (!common)
            continue;
        const sm__hadj *z = &h->adj[ed->other];
        if (z->n < 2)
            continue;
        double inc = 1.0 / log((double)z->n);
        for (uint32_t t = 0; t < z->n; t++) {
            uint32_t b = z->e[t].other;
            if (b == a)
                continue;
            nq->cp[touch(nq, b)] += inc; /* Adamic-Adar sum until the pass below */
        }
    }
    if (common)
        for (size_t t = 0; t < nq->n_touched; t++)
            nq->cp[t] = sm__net_common_score(nq->cp[t]);
    return SM_OK;
}
