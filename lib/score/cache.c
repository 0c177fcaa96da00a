/* The scoring cache: inverse document frequency of every tag, and a base
 * (SMEs grouped by region in packed rows, the inverted index from tags to
 * their positions) with a delta that follows every SME change (score.h
 * explains the design, docs/scoring.md its exactness). */
#include "score/score.h"

#include "core/history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static sm_status grow(const sm__alloc *a, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return SM_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *np = sm__realloc(a, *p, ncap * elem);
    if (!np)
        return sm__nomem();
    *p = np;
    *cap = ncap;
    return SM_OK;
}

/* Exact sizes for the base (no doubling: it is rebuilt at the size it needs). */
static sm_status fit(const sm__alloc *a, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return SM_OK;
    void *np = sm__realloc(a, *p, need * elem);
    if (!np)
        return sm__nomem();
    *p = np;
    *cap = need;
    return SM_OK;
}

/* The packed row of SME i (core.h: sm__rhot). */
static void fill_row(const sm_engine *e, size_t i, sm__rhot *h)
{
    uint16_t nsec = e->smes.n_secondary[i];
    uint16_t reg = e->smes.region[i];
    h->idx = (uint32_t)i;
    h->region = reg;
    h->coop = e->smes.coop[i];
    h->langs = e->smes.langs[i] ? e->smes.langs[i] : sm__region_langs(e, reg);
    h->sector = e->smes.sector[i];
    h->size = e->smes.size[i];
    h->n_secondary = nsec > 255 ? 255 : (uint8_t)nsec;
    h->secondary[0] = nsec > 0 ? (uint16_t)sm__sme_secondary(e, i)[0] : 0;
    h->secondary[1] = nsec > 1 ? (uint16_t)sm__sme_secondary(e, i)[1] : 0;
}

/* Builds both sides of the inverted index: a counting sort of (tag,
 * position) by tag, positions ascending within a tag. Positions are those
 * of the packed rows, which must be built first. The second pass reads the
 * SMEs in position order, that is in no order of their index, so it
 * fetches each SME's list lengths and then its lists ahead of use: the
 * pass is otherwise one cache miss after another (most of a rebuild). */
#define AHEAD 16
static void build_postings(const sm_engine *e, const sm__score_cache *c)
{
    const sm__smes *s = &e->smes;
    size_t nt = e->tags.n, ns = s->n;
    uint32_t *os = c->offer_start, *ol = c->offerers, *nst = c->need_start, *nl = c->needers;
    memset(os, 0, (nt + 1) * sizeof *os);
    memset(nst, 0, (nt + 1) * sizeof *nst);
    for (size_t i = 0; i < ns; i++) {
        const uint32_t *o = sm__sme_offers(e, i);
        for (size_t j = 0, m = s->n_offers[i]; j < m; j++)
            os[o[j] + 1]++;
        const uint32_t *n = o + s->n_offers[i];
        for (size_t j = 0, m = s->n_needs[i]; j < m; j++)
            nst[n[j] + 1]++;
    }
    for (size_t t = 0; t < nt; t++) {
        os[t + 1] += os[t];
        nst[t + 1] += nst[t];
    }
    for (size_t p = 0; p < ns; p++) {
#if defined(__GNUC__)
        if (p + 2 * AHEAD < ns) {
            size_t f = c->rhot[p + 2 * AHEAD].idx;
            __builtin_prefetch(&s->list_off[f]);
            __builtin_prefetch(&s->n_secondary[f]);
            __builtin_prefetch(&s->n_offers[f]);
            __builtin_prefetch(&s->n_needs[f]);
        }
        if (p + AHEAD < ns)
            __builtin_prefetch(sm__sme_offers(e, c->rhot[p + AHEAD].idx));
#endif
        size_t i = c->rhot[p].idx;
        const uint32_t *o = sm__sme_offers(e, i);
        for (size_t j = 0, m = s->n_offers[i]; j < m; j++)
            ol[os[o[j]]++] = (uint32_t)p;
        const uint32_t *n = o + s->n_offers[i];
        for (size_t j = 0, m = s->n_needs[i]; j < m; j++)
            nl[nst[n[j]]++] = (uint32_t)p;
    }
    /* the fill advanced every start to the next tag's: shift back */
    for (size_t t = nt; t > 0; t--) {
        os[t] = os[t - 1];
        nst[t] = nst[t - 1];
    }
    os[0] = nst[0] = 0;
}
#undef AHEAD

/* Groups SMEs by region, and within a region by primary sector and whether
 * they have a secondary sector (ascending index within such a run), into
 * packed rows with their packed and fit keys (SM__KEY, SM__FIT_KEY);
 * records every SME's position and the runs (sm__run), whose
 * bounds let a query skip a whole run. Two stable counting sorts: by the
 * run key (sector, any secondary), then by region. */
static sm_status build_regions(sm_engine *e, sm__score_cache *c)
{
    size_t nr = e->n_regions, ns = e->smes.n, nk = 2 * (size_t)e->n_sectors;
    sm_status st;
    if ((st = fit(&e->alloc, (void **)&c->region_start, &c->region_start_cap, nr + 1, sizeof *c->region_start)) ||
        (st = fit(&e->alloc, (void **)&c->region_live, &c->region_live_cap, nr ? nr : 1, sizeof *c->region_live)) ||
        (st = fit(&e->alloc, (void **)&c->rhot, &c->rhot_cap, ns ? ns : 1, sizeof *c->rhot)) ||
        (st = fit(&e->alloc, (void **)&c->rkey, &c->rkey_cap, ns ? ns : 1, sizeof *c->rkey)) ||
        (st = fit(&e->alloc, (void **)&c->ract, &c->ract_cap, ns ? ns : 1, sizeof *c->ract)) ||
        (st = fit(&e->alloc, (void **)&c->rfit, &c->rfit_cap, ns ? ns : 1, sizeof *c->rfit)) ||
        (st = fit(&e->alloc, (void **)&c->loc, &c->loc_cap, ns ? ns : 1, sizeof *c->loc)))
        return st;
    /* order: the SMEs by run key; kstart: the run keys' counts, then starts */
#define RUN_KEY(i) ((size_t)e->smes.sector[i] << 1 | (e->smes.n_secondary[i] > 0))
    uint32_t *order = sm__malloc(&e->alloc, (ns + nk + 1) * sizeof *order);
    if (!order)
        return sm__nomem();
    uint32_t *kstart = order + ns;
    memset(kstart, 0, (nk + 1) * sizeof *kstart);
    for (size_t i = 0; i < ns; i++)
        kstart[RUN_KEY(i) + 1]++;
    for (size_t x = 0; x < nk; x++)
        kstart[x + 1] += kstart[x];
    for (size_t i = 0; i < ns; i++)
        order[kstart[RUN_KEY(i)]++] = (uint32_t)i;
#undef RUN_KEY
    const sm__history *h = e->history;
    size_t n_ev8 = h ? h->n_adj : 0;
    uint32_t *start = c->region_start;
    memset(start, 0, (nr + 1) * sizeof *start);
    for (size_t i = 0; i < ns; i++)
        start[e->smes.region[i] + 1]++;
    for (size_t r = 0; r < nr; r++) {
        c->region_live[r] = start[r + 1];
        start[r + 1] += start[r];
    }
    for (size_t j = 0; j < ns; j++) {
        size_t i = order[j];
        uint32_t p = start[e->smes.region[i]]++;
        c->loc[i] = p;
        fill_row(e, i, &c->rhot[p]);
        const uint32_t *sec = sm__sme_secondary(e, i);
        unsigned sig = 0;
        for (size_t x = 0, m = e->smes.n_secondary[i]; x < m; x++)
            sig |= SM__SEC_BIT(e, sec[x]);
        c->rkey[p] = SM__KEY(e->smes.sector[i], sig, e->smes.size[i]);
        c->ract[p] = i < n_ev8 ? h->ev8[i] : 0;
        c->rfit[p] = SM__FIT_KEY(c->rhot[p].coop, c->rhot[p].langs);
    }
    sm__free(&e->alloc, order);
    for (size_t r = nr; r > 0; r--)
        start[r] = start[r - 1];
    start[0] = 0;
    /* the runs: a new one at every region start and every change of key */
    /* the bits of a key that a run shares: sector, any secondary */
#define RUN_BITS (~(uint32_t)0xfff | 1u)
    size_t n_runs = 0;
    for (size_t p = 0, r = 0; p < ns; p++) {
        while (start[r + 1] <= p)
            r++;
        n_runs += p == 0 || start[r] == p || (c->rkey[p] ^ c->rkey[p - 1]) & RUN_BITS;
    }
    if ((st = fit(&e->alloc, (void **)&c->runs, &c->runs_cap, n_runs + 1, sizeof *c->runs)))
        return st;
    size_t m = 0;
    for (size_t p = 0, r = 0; p < ns; p++) {
        while (start[r + 1] <= p)
            r++;
        uint32_t kk = c->rkey[p];
        if (p == 0 || start[r] == p || (kk ^ c->rkey[p - 1]) & RUN_BITS) {
            c->runs[m].start = (uint32_t)p;
            c->runs[m].sector = (uint16_t)SM__KEY_SECTOR(kk);
            c->runs[m].sizes = 0;
            c->runs[m].sig = 0;
            m++;
        }
        c->runs[m - 1].sizes |= (uint8_t)(1u << SM__KEY_SIZE(kk));
        c->runs[m - 1].sig |= (uint8_t)SM__KEY_SIG(kk);
    }
#undef RUN_BITS
    c->runs[m].start = (uint32_t)ns; /* the sentinel */
    c->runs[m].sector = 0;
    c->runs[m].sizes = c->runs[m].sig = 0;
    c->n_runs = m;
    return SM_OK;
}

/* The idf of every tag as of now, into c->idf_base, and each base SME's
 * need mass under it, rounded down to a byte (sm__mass_byte), by position. */
static void build_masses(const sm_engine *e, sm__score_cache *c)
{
    const sm__smes *s = &e->smes;
    double n = (double)s->n;
    for (size_t t = 0; t < e->tags.n; t++) {
        uint32_t df = e->tags.df[t];
        c->idf_base[t] = df ? log1p(n / (double)df) : 0.0;
    }
    for (size_t i = 0; i < s->n; i++)
        c->mass_q[c->loc[i]] = sm__mass_byte(sm__need_mass(e, c->idf_base, i));
}

/* A new base from all current SMEs; the delta becomes empty. */
static sm_status build_base(sm_engine *e, sm__score_cache *c)
{
    size_t nt = e->tags.n, n_off = 0, n_need = 0;
    for (size_t i = 0; i < e->smes.n; i++) {
        n_off += e->smes.n_offers[i];
        n_need += e->smes.n_needs[i];
    }
    sm_status st;
    c->n_base = 0; /* until built in full */
    c->n_tags_base = 0;
    if ((st = fit(&e->alloc, (void **)&c->offer_start, &c->offer_start_cap, nt + 1, sizeof *c->offer_start)) ||
        (st = fit(&e->alloc, (void **)&c->need_start, &c->need_start_cap, nt + 1, sizeof *c->need_start)) ||
        (st = fit(&e->alloc, (void **)&c->offerers, &c->offerers_cap, n_off ? n_off : 1, sizeof *c->offerers)) ||
        (st = fit(&e->alloc, (void **)&c->needers, &c->needers_cap, n_need ? n_need : 1, sizeof *c->needers)) ||
        (st = fit(&e->alloc, (void **)&c->idf_base, &c->idf_base_cap, nt ? nt : 1, sizeof *c->idf_base)) ||
        (st = fit(&e->alloc, (void **)&c->mass_q, &c->mass_q_cap, e->smes.n ? e->smes.n : 1, sizeof *c->mass_q)) ||
        (st = build_regions(e, c)))
        return st;
    build_postings(e, c);
    build_masses(e, c);
    c->idf_generation = 0; /* mass_drift follows this base */
    c->n_base = e->smes.n;
    c->n_tags_base = nt;
    c->n_dead = 0;
    c->n_delta = 0;
    c->n_idorder = 0;
    return SM_OK;
}

typedef struct id_pos {
    const char *id;
    uint32_t pos;
} id_pos;

static int cmp_id_pos(const void *x, const void *y)
{
    return strcmp(((const id_pos *)x)->id, ((const id_pos *)y)->id);
}

/* The id order of c's base positions (sm__score_cache_idorder). */
static sm_status make_idorder(sm_engine *e, sm__score_cache *c)
{
    size_t n = c->n_base;
    id_pos *tmp = sm__malloc(&e->alloc, (n ? n : 1) * sizeof *tmp);
    sm_status st;
    if (!tmp || (st = fit(&e->alloc, (void **)&c->idorder, &c->idorder_cap, n ? n : 1, sizeof *c->idorder))) {
        sm__free(&e->alloc, tmp);
        return sm__nomem();
    }
    /* positions removed since the base was built hold no current id:
     * they are left out (tmp[p].id NULL marks them first) */
    for (size_t p = 0; p < n; p++)
        tmp[p].id = "";
    for (size_t d = 0; d < c->n_dead; d++)
        tmp[c->dead[d]].id = NULL;
    size_t m = 0;
    for (size_t p = 0; p < n; p++)
        if (tmp[p].id) {
            tmp[m].id = sm__sme_id(e, c->rhot[p].idx);
            tmp[m++].pos = (uint32_t)p;
        }
    qsort(tmp, m, sizeof *tmp, cmp_id_pos);
    for (size_t p = 0; p < m; p++)
        c->idorder[p] = tmp[p].pos;
    sm__free(&e->alloc, tmp);
    c->n_idorder = m ? m : 1; /* 1 with no position: made, and empty */
    c->idorder_len = m;
    return SM_OK;
}

sm_status sm__score_cache_idorder(const uint32_t **out, size_t *n_out, const sm_engine *ce)
{
    sm_engine *e = (sm_engine *)ce;
    sm__score_cache *c = e->derived.ptr;
    sm_status st = SM_OK;
    pthread_mutex_lock(&e->derived.mu);
    if (!c->n_idorder)
        st = make_idorder(e, c);
    pthread_mutex_unlock(&e->derived.mu);
    if (!st) {
        *out = c->idorder;
        *n_out = c->idorder_len;
    }
    return st;
}

static sm_status refresh_idf(sm_engine *e, sm__score_cache *c)
{
    size_t nt = e->tags.n;
    sm_status st = grow(&e->alloc, (void **)&c->idf, &c->idf_cap, nt ? nt : 1, sizeof *c->idf);
    if (st)
        return st;
    double n = (double)e->smes.n;
    for (size_t t = 0; t < nt; t++) {
        uint32_t df = e->tags.df[t];
        c->idf[t] = df ? log1p(n / (double)df) : 0.0;
    }
    /* need masses of base SMEs now, against those of the build: a base
     * SME's tags are those it had then (a changed SME leaves the base) */
    double drift = 1.0;
    for (size_t t = 0; t < c->n_tags_base; t++)
        if (c->idf_base[t] > 0 && c->idf[t] < drift * c->idf_base[t])
            drift = c->idf[t] / c->idf_base[t];
    c->mass_drift = drift;
    c->idf_generation = e->generation;
    return SM_OK;
}

/* ---- following changes (writer lock held) -------------------------------- */

/* The ops cannot fail the change they follow: op_reserve made room before
 * it. Should room lack all the same, they mark the cache stale (without an
 * error: the change itself succeeds), and the next query rebuilds it. */
static void stale(sm_engine *e)
{
    e->derived.generation = 0;
}

static sm_status op_reserve(void *ptr, sm_engine *e, size_t changes)
{
    sm__score_cache *c = ptr;
    sm_status st;
    if ((st = grow(&e->alloc, (void **)&c->loc, &c->loc_cap, e->smes.n + changes, sizeof *c->loc)) ||
        (st = grow(&e->alloc, (void **)&c->delta, &c->delta_cap, c->n_delta + changes, sizeof *c->delta)) ||
        (st = grow(&e->alloc, (void **)&c->dead, &c->dead_cap, c->n_dead + changes, sizeof *c->dead)))
        return st;
    return SM_OK;
}

static void op_out(void *ptr, sm_engine *e, size_t i)
{
    sm__score_cache *c = ptr;
    uint32_t l = c->loc[i];
    if (l & SM__LOC_DELTA) {
        /* swap the last delta row into its slot */
        size_t slot = l & ~SM__LOC_DELTA, last = --c->n_delta;
        if (slot != last) {
            c->delta[slot] = c->delta[last];
            c->loc[c->delta[slot].idx] = SM__LOC_DELTA | (uint32_t)slot;
        }
    } else {
        if (c->n_dead + 1 > c->dead_cap) {
            stale(e);
            return;
        }
        c->dead[c->n_dead++] = l;
    }
    c->region_live[e->smes.region[i]]--;
}

static void op_in(void *ptr, sm_engine *e, size_t i)
{
    sm__score_cache *c = ptr;
    if (i + 1 > c->loc_cap || c->n_delta + 1 > c->delta_cap) {
        stale(e);
        return;
    }
    fill_row(e, i, &c->delta[c->n_delta]);
    c->loc[i] = SM__LOC_DELTA | (uint32_t)c->n_delta++;
    c->region_live[e->smes.region[i]]++;
}

/* SME i took part in one more event: its base position's count follows
 * (a delta row is scored in full, with the history itself). */
static void op_history(void *ptr, sm_engine *e, size_t i)
{
    sm__score_cache *c = ptr;
    const sm__history *h = e->history;
    if (!h || i >= h->n_adj || i >= e->smes.n)
        return;
    uint32_t l = c->loc[i];
    if (!(l & SM__LOC_DELTA) && l < c->n_base && h->ev8[i] > c->ract[l])
        c->ract[l] = h->ev8[i];
}

static void op_move(void *ptr, sm_engine *e, size_t from, size_t to)
{
    (void)e;
    sm__score_cache *c = ptr;
    uint32_t l = c->loc[from];
    c->loc[to] = l;
    if (l & SM__LOC_DELTA)
        c->delta[l & ~SM__LOC_DELTA].idx = (uint32_t)to;
    else
        c->rhot[l].idx = (uint32_t)to;
}

/* The base's fields: what a rebuild beside the current base makes anew and
 * publishes by swapping with the current ones (X(field) for each pointer,
 * count or capacity). The delta arrays, idf and anything else stay. */
#define BASE_FIELDS(X)                                                                                            \
    X(n_base) X(n_tags_base) X(offer_start) X(need_start) X(offerers) X(needers) X(offer_start_cap)              \
    X(need_start_cap) X(offerers_cap) X(needers_cap) X(mass_q) X(idf_base) X(mass_q_cap) X(idf_base_cap)       \
    X(region_start) X(region_start_cap) X(rhot) X(rkey) X(rfit) X(rhot_cap) X(rkey_cap) X(rfit_cap) X(ract)      \
    X(ract_cap) X(runs) X(n_runs) X(runs_cap) X(loc) X(loc_cap) X(region_live) X(region_live_cap)              \
    X(idorder) X(n_idorder) X(idorder_len) X(idorder_cap)

/* Swaps the base of c with that of n. */
#define SWAP_FIELD(f)                                                                                             \
    do {                                                                                                          \
        __typeof__(c_->f) t_ = c_->f;                                                                             \
        c_->f = n_->f;                                                                                            \
        n_->f = t_;                                                                                               \
    } while (0);
#define SWAP_BASE(c, n)                                                                                           \
    do {                                                                                                          \
        sm__score_cache *c_ = (c), *n_ = (n);                                                                     \
        BASE_FIELDS(SWAP_FIELD)                                                                                   \
    } while (0)

static void base_free(const sm__alloc *a, sm__score_cache *b)
{
    void *arrays[] = { b->offer_start, b->need_start, b->offerers, b->needers, b->mass_q, b->idf_base,
                       b->region_start, b->rhot,   b->rkey,     b->rfit,    b->ract,   b->runs,
                       b->loc,         b->region_live, b->idorder };
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
        sm__free(a, arrays[i]);
}

/* The delta a query scans beside the base stays below this many rows
 * (tests lower it through sm__delta_limit_override; 0 = the default). */
size_t sm__delta_limit_override;
static size_t delta_limit(size_t n)
{
    if (sm__delta_limit_override)
        return sm__delta_limit_override;
    size_t lim = n / 128;
    return lim > 1024 ? lim : 1024;
}

/* The writer's maintenance (core.h: sm__derived_ops.maintain), at the end
 * of every writer call, beside running queries:
 * - when the delta outgrew its limit, build the next base beside the
 *   current one while queries keep using the current base and delta
 *   (nothing changes them: this writer is the only one, and it is here),
 *   then publish it in one short exclusive step that swaps the arrays, and
 *   free the old ones, which no reader can hold any more;
 * - after a change the ops did not follow (they lacked memory, or a failed
 *   load took its regions back) the cache is stale, and no reader
 *   uses a stale cache: build the base for the engine as it is now and
 *   install it under the cache's mutex alone, with no exclusive step.
 *   Queries that find the cache stale meanwhile wait for this build
 *   (c->building) instead of making their own; one that came first and
 *   rebuilt it makes this build unneeded (it is dropped). Once per writer
 *   call, however many such changes the call made. */
static void op_maintain(void *ptr, sm_engine *e)
{
    sm__score_cache *c = ptr;
    pthread_mutex_lock(&e->derived.mu);
    bool stale = e->derived.generation != e->generation;
    bool due = !stale && c->n_dead + c->n_delta > delta_limit(e->smes.n);
    bool idorder = c->n_idorder != 0;
    if (stale)
        c->building = true;
    pthread_mutex_unlock(&e->derived.mu);
    if (!stale && !due)
        return;
    sm__score_cache next;
    memset(&next, 0, sizeof next);
    /* without memory the current base and its delta stay (exact, and the
     * next change tries again), or a stale cache is left to the queries;
     * the writer's call keeps its own status and message */
    sm__error_saved err;
    sm__error_save(&err);
    bool built = !build_base(e, &next) && !(idorder && make_idorder(e, &next));
    sm__error_restore(&err);
    if (stale) {
        pthread_mutex_lock(&e->derived.mu);
        if (built && e->derived.generation != e->generation) {
            SWAP_BASE(c, &next);
            c->n_dead = 0;
            c->n_delta = 0;
            e->derived.generation = e->generation;
            c->idf_generation = 0; /* mass_drift follows the new base */
            (void)refresh_idf(e, c); /* without memory the first query refreshes it */
        }
        c->building = false;
        pthread_cond_broadcast(&c->built);
        pthread_mutex_unlock(&e->derived.mu);
        base_free(&e->alloc, &next); /* the stale base, or the build nobody needed */
        return;
    }
    if (!built) {
        base_free(&e->alloc, &next);
        return;
    }
    sm__writer_excl(e);
    SWAP_BASE(c, &next);
    c->n_dead = 0;
    c->n_delta = 0;
    c->idf_generation = 0; /* mass_drift follows the new base: the next query refreshes both */
    sm__writer_shared(e);
    base_free(&e->alloc, &next); /* the old base: the readers that used it have left */
}

/* Whether region r is k or below it. */
static bool in_region(const sm_engine *e, size_t r, size_t k)
{
    for (;;) {
        if (r == k)
            return true;
        uint16_t p = e->regions[r]->parent;
        if (p == UINT16_MAX)
            return false;
        r = p;
    }
}

/* Sets the effective languages of n packed rows of SMEs in one region whose
 * languages are `langs`, as fill_row() does, and base rows' fit keys
 * (fit: theirs, NULL for delta rows). */
static void relang_rows(const sm_engine *e, sm__rhot *rows, uint16_t *fit, size_t n, uint64_t langs)
{
    for (size_t p = 0; p < n; p++) {
        /* a base row removed since the base was built names an index that
         * may be gone or another SME's: it is skipped by every query, and
         * left as it is */
        size_t i = rows[p].idx;
        if (fit && i >= e->smes.n)
            continue;
        rows[p].langs = e->smes.langs[i] ? e->smes.langs[i] : langs;
        if (fit)
            fit[p] = SM__FIT_KEY(rows[p].coop, rows[p].langs);
    }
}

/* A region added or given other languages (core.h: region_changed), with
 * the lock held: a new region gets an empty range of base positions and a
 * live count of 0; other languages are written into the packed rows of the
 * SMEs there and below that have no languages of their own (base and
 * delta), in time proportional to those SMEs. */
static bool op_region(void *ptr, sm_engine *e, size_t k, bool added)
{
    sm__score_cache *c = ptr;
    size_t nr = e->n_regions;
    if (added) {
        /* regions are only ever appended, so k == nr - 1 and the base
         * covers regions below it */
        if (fit(&e->alloc, (void **)&c->region_start, &c->region_start_cap, nr + 1, sizeof *c->region_start) ||
            fit(&e->alloc, (void **)&c->region_live, &c->region_live_cap, nr, sizeof *c->region_live))
            return false;
        c->region_start[k + 1] = c->region_start[k];
        c->region_live[k] = 0;
        return true;
    }
    for (size_t r = 0; r < nr; r++)
        if (in_region(e, r, k))
            relang_rows(e, c->rhot + c->region_start[r], c->rfit + c->region_start[r],
                        c->region_start[r + 1] - c->region_start[r], sm__region_langs(e, (int)r));
    for (size_t d = 0; d < c->n_delta; d++)
        if (in_region(e, c->delta[d].region, k))
            relang_rows(e, &c->delta[d], NULL, 1, sm__region_langs(e, c->delta[d].region));
    return true;
}

static const sm__derived_ops ops = { op_reserve, op_out, op_in, op_move, op_maintain, op_region, op_history };

static void cache_free(void *ptr, const sm__alloc *a)
{
    sm__score_cache *c = ptr;
    if (!c)
        return;
    pthread_cond_destroy(&c->built);
    base_free(a, c);
    void *arrays[] = { c->idf, c->dead, c->delta };
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
        sm__free(a, arrays[i]);
    sm__free(a, c);
}

size_t sm__score_cache_query_builds;

/* Makes the cache current for the engine's generation: the first query
 * builds it, and rebuilds it only when a writer could not (no memory);
 * otherwise writers keep it current (the ops, and op_maintain for the
 * base). The idf refresh costs one pass over the tags. The engine is const
 * for the caller, but the cache is private state guarded by its own mutex. */
sm_status sm__score_cache_get(const sm__score_cache **out, const sm_engine *ce)
{
    sm_engine *e = (sm_engine *)ce;
    sm_status st = SM_OK;
    pthread_mutex_lock(&e->derived.mu);
    sm__score_cache *c = e->derived.ptr;
    if (!c) {
        if (!(c = sm__calloc(&e->alloc, 1, sizeof *c))) {
            st = sm__nomem();
            goto out;
        }
        if (pthread_cond_init(&c->built, NULL)) {
            sm__free(&e->alloc, c);
            st = sm__nomem();
            goto out;
        }
        e->derived.ptr = c;
        e->derived.free_fn = cache_free;
        e->derived.ops = &ops;
        e->derived.generation = 0;
    }
    /* a writer building the base for this generation beside us: wait for it */
    while (e->derived.generation != e->generation && c->building)
        pthread_cond_wait(&c->built, &e->derived.mu);
    if (e->derived.generation != e->generation) {
        sm__score_cache_query_builds += c->n_base || c->rhot; /* not the first build */
        e->derived.generation = 0; /* until rebuilt in full */
        if ((st = build_base(e, c)))
            goto out;
        e->derived.generation = e->generation;
    }
    if (c->idf_generation != e->generation && (st = refresh_idf(e, c)))
        goto out;
out:
    pthread_mutex_unlock(&e->derived.mu);
    if (st == SM_OK && out)
        *out = c;
    return st;
}
