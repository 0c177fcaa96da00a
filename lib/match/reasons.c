/* The reasons of one pair: for every criterion a code with named parameters
 * (what an application translates) and the English sentence made from the
 * same data; and the tags where offers meet needs, both ways, with the idf
 * weights complementarity gives them. The sentences are those the CLI has
 * always printed. */
#include "match/explain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rctx {
    sm__xbuild *xb;
    sm__xreason *r;
} rctx;

static void param(rctx *c, const char *key, const char *val)
{
    if (c->r->n >= SM__XPARAMS)
        return;
    c->r->keys[c->r->n] = key;
    c->r->vals[c->r->n] = sm__xb_str(c->xb, val);
    c->r->n++;
}

static void param_num(rctx *c, const char *key, double v)
{
    char t[40] = "";
    if (!isnan(v))
        sm__fmt_double_in_c(t, sizeof t, v);
    param(c, key, t);
}

static void finish(rctx *c)
{
    c->r->text = sm__xb_str(c->xb, c->xb->text.s ? c->xb->text.s : "");
}

/* ---- tags ------------------------------------------------------------------ */

typedef struct tagw {
    uint32_t t;
    double w;
} tagw;

/* Insertion sort (lists are at most SM_LIST_MAX long): no global state. */
static void sort_tags(const sm_engine *e, tagw *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        tagw x = v[i];
        size_t p = i;
        while (p > 0) {
            const tagw *y = &v[p - 1];
            bool before = x.w > y->w || (x.w == y->w && strcmp(e->tags.str[x.t], e->tags.str[y->t]) < 0);
            if (!before)
                break;
            v[p] = v[p - 1];
            p--;
        }
        v[p] = x;
    }
}

/* offers(x) ∩ needs(y) into the tag array, heaviest first; returns the count. */
static size_t matched(sm__xbuild *xb, const sm_engine *e, size_t x, size_t y, sm__sb *list)
{
    const double *idf = sm__score_cache_of(e)->idf;
    const uint32_t *o = sm__sme_offers(e, x), *n = sm__sme_needs(e, y);
    size_t no = e->smes.n_offers[x], nn = e->smes.n_needs[y], k = 0;
    tagw v[SM_LIST_MAX];
    for (size_t i = 0, j = 0; i < no && j < nn && k < SM_LIST_MAX;) {
        if (o[i] < n[j])
            i++;
        else if (o[i] > n[j])
            j++;
        else {
            v[k].t = o[i];
            v[k].w = idf[o[i]];
            k++;
            i++;
            j++;
        }
    }
    sort_tags(e, v, k);
    list->len = 0;
    if (list->s)
        list->s[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        sm__xb_tag(xb, e->tags.str[v[i].t], v[i].w);
        sm__sb_printf(list, "%s%s", i ? ", " : "", e->tags.str[v[i].t]);
    }
    if (!k)
        sm__sb_puts(list, "");
    return k;
}

/* ---- one reason per criterion ---------------------------------------------- */

static const char *region_code(const sm_engine *e, size_t i) { return e->regions[e->smes.region[i]]->info.code; }

static const char *country_code(const sm_engine *e, size_t i)
{
    return e->regions[e->regions[e->smes.region[i]]->country]->info.code;
}

static void complementarity(rctx *c, const sm_engine *e, size_t a, size_t b, const sm__xmatch *m,
                            const char *gives, const char *gets)
{
    sm__sb *t = &c->xb->text;
    const char *ia = sm__sme_id(e, a), *ib = sm__sme_id(e, b);
    c->r->code = m->n_gives || m->n_gets ? SM_REASON_TAGS_MATCH : SM_REASON_TAGS_NONE;
    param(c, "a", ia);
    param(c, "b", ib);
    if (c->r->code == SM_REASON_TAGS_NONE) {
        sm__sb_puts(t, "no offer of one meets a need of the other");
        return;
    }
    param(c, "gives", gives);
    param(c, "gets", gets);
    sm__sb_printf(t, "%s offers what %s needs: %s; back: %s", ia, ib, m->n_gives ? gives : "nothing",
                  m->n_gets ? gets : "nothing");
}

static void sectors(rctx *c, const sm_engine *e, size_t a, size_t b)
{
    sm__sb *t = &c->xb->text;
    const sm__sector *sa = e->sectors[e->smes.sector[a]], *sb = e->sectors[e->smes.sector[b]];
    double aff = sm__sector_pair_affinity(e, e->smes.sector[a], e->smes.sector[b]);
    size_t na = e->smes.n_secondary[a], nb = e->smes.n_secondary[b];
    c->r->code = SM_REASON_SECTORS;
    param(c, "sector_a", sa->info.code);
    param(c, "sector_b", sb->info.code);
    param(c, "section_a", sa->info.section);
    param(c, "section_b", sb->info.section);
    param_num(c, "affinity", aff);
    char n1[24], n2[24];
    snprintf(n1, sizeof n1, "%zu", na);
    snprintf(n2, sizeof n2, "%zu", nb);
    param(c, "secondary_a", n1);
    param(c, "secondary_b", n2);
    bool same = strcmp(sa->info.section, sb->info.section) == 0;
    sm__sb_printf(t, "primary sectors %s and %s (section %s%s%s)", sa->info.code, sb->info.code, sa->info.section,
                  same ? "" : "/", same ? "" : sb->info.section);
    if (!isnan(aff))
        sm__sb_printf(t, ", affinity %.2f", aff);
    if (na || nb)
        sm__sb_printf(t, "; secondary sectors %zu/%zu", na, nb);
}

static void region(rctx *c, const sm_engine *e, size_t a, size_t b, double km)
{
    sm__sb *t = &c->xb->text;
    param_num(c, "km", km);
    if (!isnan(km))
        sm__sb_printf(t, "%.0f km apart, ", km);
    if (e->smes.region[a] == e->smes.region[b]) {
        c->r->code = SM_REASON_SAME_REGION;
        param(c, "region", region_code(e, a));
        sm__sb_printf(t, "same region (%s)", region_code(e, a));
        return;
    }
    bool nb = sm__regions_neighbouring(e, e->smes.region[a], e->smes.region[b]);
    const char *ca = country_code(e, a), *cb = country_code(e, b);
    if (strcmp(ca, cb) == 0) {
        c->r->code = SM_REASON_SAME_COUNTRY;
        param(c, "country", ca);
        sm__sb_printf(t, "same country (%s)", ca);
    } else {
        c->r->code = SM_REASON_CROSS_BORDER;
        param(c, "country_a", ca);
        param(c, "country_b", cb);
        sm__sb_printf(t, "different countries (%s/%s)", ca, cb);
    }
    param(c, "neighbours", nb ? "1" : "0");
    sm__sb_puts(t, nb ? ", neighbouring regions" : ", not neighbours");
}

static void cohesion(rctx *c, const sm_engine *e, size_t a, size_t b)
{
    sm__sb *t = &c->xb->text;
    const char *ra = region_code(e, a), *rb = region_code(e, b);
    double da = sm__region_dev(e, e->smes.region[a]), db = sm__region_dev(e, e->smes.region[b]);
    param(c, "region_a", ra);
    if (isnan(da) && isnan(db)) {
        c->r->code = SM_REASON_DEVELOPMENT_UNKNOWN;
        param(c, "region_b", rb);
        sm__sb_puts(t, "development indices unknown");
        return;
    }
    c->r->code = SM_REASON_DEVELOPMENT;
    param_num(c, "development_a", da);
    param(c, "region_b", rb);
    param_num(c, "development_b", db);
    bool ratio = !isnan(da) && !isnan(db) && da > 0 && db > 0;
    param_num(c, "ratio", ratio ? (da > db ? da / db : db / da) : NAN);
    sm__sb_puts(t, "development ");
    if (isnan(da))
        sm__sb_printf(t, "unknown (%s)", ra);
    else
        sm__sb_printf(t, "%g (%s)", da, ra);
    sm__sb_puts(t, " and ");
    if (isnan(db))
        sm__sb_printf(t, "unknown (%s)", rb);
    else
        sm__sb_printf(t, "%g (%s)", db, rb);
    if (ratio)
        sm__sb_printf(t, ", ratio %.2f", da > db ? da / db : db / da);
}

static void sizes(rctx *c, const sm_engine *e, size_t a, size_t b)
{
    const char *sa = sm_size_name((sm_size)e->smes.size[a]), *sb = sm_size_name((sm_size)e->smes.size[b]);
    c->r->code = SM_REASON_SIZES;
    param(c, "size_a", sa);
    param(c, "size_b", sb);
    sm__sb_printf(&c->xb->text, "%s and %s", sa, sb);
}

/* Writes the names of the bits of a set, separated by ", ". */
static void coop_list(sm__sb *l, const sm_engine *e, uint32_t bits)
{
    l->len = 0;
    if (l->s)
        l->s[0] = '\0';
    sm__sb_puts(l, "");
    size_t n = 0;
    for (unsigned k = 0; k < 32; k++)
        if (bits >> k & 1u)
            sm__sb_printf(l, "%s%s", n++ ? ", " : "", k < e->n_coop && e->coop_names[k] ? e->coop_names[k] : "?");
}

static void lang_list(sm__sb *l, const sm_engine *e, uint64_t bits)
{
    l->len = 0;
    if (l->s)
        l->s[0] = '\0';
    sm__sb_puts(l, "");
    size_t n = 0;
    for (unsigned k = 0; k < 64; k++)
        if (bits >> k & 1u)
            sm__sb_printf(l, "%s%s", n++ ? ", " : "", k < e->n_langs ? e->langs[k] : "?");
}

static void missing(rctx *c, const sm_engine *e, size_t a, size_t b, bool ma, bool mb)
{
    const char *who = ma && mb ? "either" : ma ? sm__sme_id(e, a) : sm__sme_id(e, b);
    param(c, "missing", who);
    sm__sb_printf(&c->xb->text, "not given for %s", who);
}

static void cooperation(rctx *c, const sm_engine *e, size_t a, size_t b)
{
    sm__sb *t = &c->xb->text, *l = &c->xb->list;
    uint32_t ca = e->smes.coop[a], cb = e->smes.coop[b];
    if (!ca || !cb) {
        c->r->code = SM_REASON_COOPERATION_UNKNOWN;
        missing(c, e, a, b, !ca, !cb);
        return;
    }
    if (ca & cb) {
        c->r->code = SM_REASON_COOPERATION_SHARED;
        coop_list(l, e, ca & cb);
        param(c, "shared", l->s);
        sm__sb_printf(t, "both seek %s", l->s);
        return;
    }
    c->r->code = SM_REASON_COOPERATION_NONE;
    coop_list(l, e, ca);
    param(c, "a", l->s);
    sm__sb_printf(t, "nothing in common (%s / ", l->s);
    coop_list(l, e, cb);
    param(c, "b", l->s);
    sm__sb_printf(t, "%s)", l->s);
}

static uint64_t langs_of(const sm_engine *e, size_t i)
{
    return e->smes.langs[i] ? e->smes.langs[i] : sm__region_langs(e, e->smes.region[i]);
}

static void language(rctx *c, const sm_engine *e, size_t a, size_t b)
{
    sm__sb *t = &c->xb->text, *l = &c->xb->list;
    uint64_t la = langs_of(e, a), lb = langs_of(e, b);
    if (!la || !lb) {
        c->r->code = SM_REASON_LANGUAGE_UNKNOWN;
        missing(c, e, a, b, !la, !lb);
        return;
    }
    if (la & lb) {
        c->r->code = SM_REASON_LANGUAGE_SHARED;
        lang_list(l, e, la & lb);
        param(c, "shared", l->s);
        sm__sb_printf(t, "shared: %s", l->s);
        return;
    }
    c->r->code = SM_REASON_LANGUAGE_NONE;
    lang_list(l, e, la);
    param(c, "a", l->s);
    sm__sb_printf(t, "none shared (%s / ", l->s);
    lang_list(l, e, lb);
    param(c, "b", l->s);
    sm__sb_printf(t, "%s)", l->s);
}

/* ---- history and network criteria ------------------------------------------ */

static void key_name(char out[4], unsigned key)
{
    if (key >= 100)
        snprintf(out, 4, "%c", 'A' + (int)(key - 100));
    else
        snprintf(out, 4, "%02u", key);
}

static void past_partners(rctx *c, const sm__history *h, size_t a, size_t b, double score)
{
    const sm__hedge *ed = h ? sm__history_edge(h, (uint32_t)a, (uint32_t)b) : NULL;
    sm__sb *t = &c->xb->text;
    if (!ed) {
        c->r->code = SM_REASON_PAST_NONE;
        param_num(c, "score", score);
        sm__sb_puts(t, "never worked together");
        return;
    }
    c->r->code = SM_REASON_PAST_PARTNERS;
    char day[11];
    sm__day_format(day, ed->last);
    const char *kind = h->n_kinds == 1 ? h->kinds[0] : "";
    param_num(c, "count", ed->count);
    param(c, "last", day);
    param(c, "kind", kind);
    if (*kind)
        sm__sb_printf(t, "worked together on %u %s%s, last in %.4s", ed->count, kind, ed->count == 1 ? "" : "s", day);
    else
        sm__sb_printf(t, "worked together %u time%s, last in %.4s", ed->count, ed->count == 1 ? "" : "s", day);
}

static void common_partners(rctx *c, const sm__history *h, size_t a, size_t b)
{
    c->r->code = SM_REASON_COMMON_PARTNERS;
    size_t n = 0;
    double aa = 0;
    if (h && a < h->n_adj && b < h->n_adj) {
        const sm__hadj *x = &h->adj[a];
        for (uint32_t j = 0; j < x->n; j++) {
            uint32_t z = x->e[j].other;
            if (z == b || !sm__history_edge(h, z, (uint32_t)b))
                continue;
            n++;
            aa += 1.0 / log((double)h->adj[z].n); /* z has a and b: degree >= 2 */
        }
    }
    param_num(c, "count", (double)n);
    param_num(c, "adamic_adar", aa);
    if (n)
        sm__sb_printf(&c->xb->text, "%zu common partner%s", n, n == 1 ? "" : "s");
    else
        sm__sb_puts(&c->xb->text, "no common partners");
}

static void activity(rctx *c, const sm__history *h, size_t b)
{
    c->r->code = SM_REASON_ACTIVITY;
    uint32_t m = h ? sm__history_events_of(h, b) : 0, most = h ? h->max_events : 0;
    param_num(c, "count", m);
    param_num(c, "most", most);
    sm__sb_printf(&c->xb->text, "took part in %u cooperation%s (the most active: %u)", m, m == 1 ? "" : "s", most);
}

static void sector_history(rctx *c, const sm_engine *e, size_t a, size_t b)
{
    c->r->code = SM_REASON_SECTOR_HISTORY;
    int sa = e->smes.sector[a], sb = e->smes.sector[b];
    unsigned p = e->sectors[sa]->aff_key, q = e->sectors[sb]->aff_key;
    double prior = sm__sector_pair_affinity(e, sa, sb), links = 0, ex = 0;
    const sm__hsectors *hs = NULL;
    if (e->history && e->history->n_links && !sm__history_sectors(&hs, e->history, e)) {
        links = hs->c[(size_t)p * SM__HSEC_KEYS + q];
        ex = hs->total > 0 ? hs->m[p] * hs->m[q] / hs->total : 0;
        if (p == q) /* a link inside one division has two ends there */
            links /= 2, ex /= 2;
    } else if (e->history && e->history->n_links) {
        c->xb->pool.nomem = true;
    }
    char ka[4], kb[4];
    key_name(ka, p);
    key_name(kb, q);
    param(c, "division_a", ka);
    param(c, "division_b", kb);
    param_num(c, "links", links);
    param_num(c, "expected", ex);
    param_num(c, "prior", prior);
    sm__sb_printf(&c->xb->text, "%s and %s: %.0f past cooperation%s, %.1f expected", ka, kb, links,
                  links == 1 ? "" : "s", ex);
}

void sm__explain_pair(sm__xbuild *xb, sm__xmatch *m, const sm_engine *e, size_t a, size_t b,
                      const char *const *names, const double *scores, size_t nc, double km)
{
    /* gives and gets: kept as two lists in the pool for the first reason */
    m->gives = (sm__xtag *)(uintptr_t)xb->n_tags;
    m->n_gives = matched(xb, e, a, b, &xb->list);
    const char *gives_off = sm__xb_str(xb, xb->list.s ? xb->list.s : "");
    m->gets = (sm__xtag *)(uintptr_t)xb->n_tags;
    m->n_gets = matched(xb, e, b, a, &xb->list);
    for (size_t j = 0; j < nc; j++) {
        rctx c = { xb, &m->reasons[j] };
        c.r->n = 0;
        xb->text.len = 0;
        sm__sb_puts(&xb->text, "");
        const char *name = names[j];
        int net = j >= SM_CRIT_BUILTIN_COUNT && name ? sm__net_find(name, strlen(name)) : -1;
        if (net == SM__NET_PAST)
            past_partners(&c, e->history, a, b, scores[j]);
        else if (net == SM__NET_COMMON)
            common_partners(&c, e->history, a, b);
        else if (net == SM__NET_ACTIVITY)
            activity(&c, e->history, b);
        else if (net == SM__NET_SECTOR)
            sector_history(&c, e, a, b);
        else if (j >= SM_CRIT_BUILTIN_COUNT || !name) {
            c.r->code = SM_REASON_CUSTOM;
            param_num(&c, "score", scores[j]);
            sm__sb_printf(&xb->text, "%s scores %.2f", name ? name : "custom criterion", scores[j]);
        } else if (j == SM_CRIT_COMPLEMENTARITY) {
            /* the pool may move: copy the gives list out of it first */
            sm__sb_puts(&xb->list, "");
            char *gives = xb->pool.nomem ? NULL : sm__strdup(xb->a, xb->pool.s + (uintptr_t)gives_off);
            if (!gives) {
                xb->pool.nomem = true;
                return;
            }
            complementarity(&c, e, a, b, m, gives, xb->list.s ? xb->list.s : "");
            sm__free(xb->a, gives);
        } else if (j == SM_CRIT_SECTOR_AFFINITY)
            sectors(&c, e, a, b);
        else if (j == SM_CRIT_REGION_REACH)
            region(&c, e, a, b, km);
        else if (j == SM_CRIT_COHESION)
            cohesion(&c, e, a, b);
        else if (j == SM_CRIT_SIZE_FIT)
            sizes(&c, e, a, b);
        else if (j == SM_CRIT_COOPERATION_FIT)
            cooperation(&c, e, a, b);
        else
            language(&c, e, a, b);
        finish(&c);
    }
}
