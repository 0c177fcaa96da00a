/* The overview's aggregation: runs the batch and folds every top-k result
 * into the region x region, sector x sector and region x theme matrices as
 * it arrives (links, fixed-point score sums, a bounded best-pairs list per
 * cell), so memory grows with SMEs and cells, never with N x k. Also the
 * accessors of the public API. Indices are defined in docs/overview.md. */
#include "overview/overview.h"

#include "core/history.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BEST 100

static const char *const index_names[SM_OVERVIEW_INDEX_COUNT] = {
    "links", "score_sum", "score_mean", "pairs", "density", "expected", "lift", "realised", "untapped",
};

const char *sm_overview_index_name(sm_overview_index index)
{
    return (unsigned)index < SM_OVERVIEW_INDEX_COUNT ? index_names[index] : NULL;
}

sm_status sm_overview_options_init(sm_overview_options *opts, unsigned int version)
{
    if (!opts || version < 1 || version > SM_OVERVIEW_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview options: NULL or unsupported version %u", version);
    sm_overview_options d = SM_OVERVIEW_OPTIONS_INIT;
    d.version = version;
    if (version >= 2)
        *opts = d;
    else /* a version-1 struct ends before themes */
        memcpy(opts, &d, offsetof(sm_overview_options, themes));
    return SM_OK;
}

/* ---- building ------------------------------------------------------------ */

/* What the batch callback needs; the labels are those of each SME. */
typedef struct build {
    const sm_engine *e;
    sm_overview *ov;
    uint64_t generation;
    size_t n;
    uint16_t (*label)[3]; /* per SME, together: region label, sector label, theme label */
    uint64_t *tmask;      /* user themes: per SME, the set of its themes; else NULL */
    const sm__history *h; /* the engine's history when it holds cooperations, else NULL */
    const sm_themes *themes;
    sm_status failed;    /* NOMEM or a changed engine, seen in the callback */
    const sm_overview_options *o;
} build;

/* Row and column label of SME s in matrix m. */
static inline uint16_t row_of(const build *b, int m, size_t s) { return b->label[s][m == SM_OVERVIEW_SECTORS]; }
static inline uint16_t col_of(const build *b, int m, size_t s) { return b->label[s][m]; }

static void axis_free(sm__ov_axis *x, const sm__alloc *a)
{
    for (size_t i = 0; x->code && i < x->n; i++)
        sm__free(a, x->code[i]);
    for (size_t i = 0; x->name && i < x->n; i++)
        sm__free(a, x->name[i]);
    sm__free(a, x->code);
    sm__free(a, x->name);
    sm__free(a, x->smes);
    sm__free(a, x->lat);
    sm__free(a, x->lon);
}

static void matrix_free(sm__ov_matrix *m, const sm__alloc *a)
{
    size_t cells = m->axis[0].n * m->axis[1].n;
    for (size_t c = 0; m->cell && c < cells; c++) {
        if (!m->cell[c].best)
            continue;
        for (size_t i = 0; i < m->cell[c].n_best; i++)
            sm__free(a, m->cell[c].best[i].text);
        sm__free(a, m->cell[c].best);
    }
    sm__free(a, m->cell);
    sm__free(a, m->both);
    sm__free(a, m->row_links);
    sm__free(a, m->realised);
    axis_free(&m->axis[0], a);
    axis_free(&m->axis[1], a);
}

void sm_overview_free(sm_overview *ov)
{
    if (!ov)
        return;
    sm__alloc a = ov->alloc;
    for (int m = 0; m < SM__OV_MATRICES; m++)
        matrix_free(&ov->m[m], &a);
    for (size_t j = 0; ov->crit_names && j < ov->n_crit; j++)
        sm__free(&a, ov->crit_names[j]);
    sm__free(&a, ov->crit_names);
    sm__free(&a, ov);
}

/* Sort of (code, engine index) by code. */
typedef struct coded {
    const char *code;
    uint32_t idx;
} coded;

static int cmp_coded(const void *x, const void *y)
{
    return strcmp(((const coded *)x)->code, ((const coded *)y)->code);
}

/* Labels of one classification: the distinct values among used[0..n_items)
 * (engine region or sector indices), sorted by code, copied into an axis;
 * map[item] receives the label index. kind 0 = regions, 1 = sectors. */
static sm_status make_axis(sm__ov_axis *x, uint16_t *map, const sm_engine *e, const uint8_t *used, size_t n_items,
                           int kind, const sm__alloc *a)
{
    size_t n = 0;
    for (size_t i = 0; i < n_items; i++)
        n += used[i] != 0;
    coded *c = sm__malloc(a, (n ? n : 1) * sizeof *c);
    if (!c)
        return sm__nomem();
    n = 0;
    for (size_t i = 0; i < n_items; i++)
        if (used[i])
            c[n++] = (coded){ kind ? e->sectors[i]->info.code : e->regions[i]->info.code, (uint32_t)i };
    qsort(c, n, sizeof *c, cmp_coded);
    x->code = sm__calloc(a, n ? n : 1, sizeof *x->code);
    x->name = sm__calloc(a, n ? n : 1, sizeof *x->name);
    x->smes = sm__calloc(a, n ? n : 1, sizeof *x->smes);
    if (!kind) {
        x->lat = sm__calloc(a, n ? n : 1, sizeof *x->lat);
        x->lon = sm__calloc(a, n ? n : 1, sizeof *x->lon);
    }
    if (!x->code || !x->name || !x->smes || (!kind && (!x->lat || !x->lon))) {
        sm__free(a, c);
        return sm__nomem();
    }
    x->n = n;
    for (size_t i = 0; i < n; i++) {
        const char *name = kind ? e->sectors[c[i].idx]->info.name : e->regions[c[i].idx]->info.name;
        if (!(x->code[i] = sm__strdup(a, c[i].code)) || !(x->name[i] = sm__strdup(a, name))) {
            sm__free(a, c);
            return sm__nomem();
        }
        map[c[i].idx] = (uint16_t)i;
        if (!kind) {
            x->lat[i] = e->regions[c[i].idx]->info.lat;
            x->lon[i] = e->regions[c[i].idx]->info.lon;
        }
    }
    sm__free(a, c);
    return SM_OK;
}

static sm_status copy_axis(sm__ov_axis *dst, const sm__ov_axis *src, const sm__alloc *a)
{
    size_t n = src->n;
    dst->code = sm__calloc(a, n ? n : 1, sizeof *dst->code);
    dst->name = sm__calloc(a, n ? n : 1, sizeof *dst->name);
    dst->smes = sm__calloc(a, n ? n : 1, sizeof *dst->smes);
    if (src->lat) {
        dst->lat = sm__malloc(a, (n ? n : 1) * sizeof *dst->lat);
        dst->lon = sm__malloc(a, (n ? n : 1) * sizeof *dst->lon);
        if (!dst->lat || !dst->lon)
            return sm__nomem();
        memcpy(dst->lat, src->lat, n * sizeof *dst->lat);
        memcpy(dst->lon, src->lon, n * sizeof *dst->lon);
    }
    if (!dst->code || !dst->name || !dst->smes)
        return sm__nomem();
    dst->n = n;
    for (size_t i = 0; i < n; i++)
        if (!(dst->code[i] = sm__strdup(a, src->code[i])) || !(dst->name[i] = sm__strdup(a, src->name[i])))
            return sm__nomem();
    return SM_OK;
}

/* Realised cooperations of matrix m: every ordered pair (s, t) of SMEs
 * that share a cooperation counts in the cell (row of s, column of t), so
 * a pair counts once from each side, as links do (reader lock held). */
static sm_status realised(build *b, int m)
{
    sm__ov_matrix *x = &b->ov->m[m];
    size_t cols = x->axis[1].n, cells = x->axis[0].n * cols, n = b->n;
    if (!(x->realised = sm__calloc(&b->ov->alloc, cells ? cells : 1, sizeof *x->realised)))
        return sm__nomem();
    const sm__history *h = b->h;
    for (size_t s = 0; s < n && s < h->n_adj; s++) {
        const sm__hadj *adj = &h->adj[s];
        size_t i = row_of(b, m, s);
        for (uint32_t k = 0; k < adj->n; k++) {
            size_t t = adj->e[k].other;
            if (t >= n)
                continue;
            if (m == SM_OVERVIEW_THEMES && b->tmask) {
                for (uint64_t th = b->tmask[t]; th; th &= th - 1)
                    x->realised[i * cols + (size_t)__builtin_ctzll(th)]++;
            } else {
                x->realised[i * cols + col_of(b, m, t)]++;
            }
        }
    }
    return SM_OK;
}

/* Labels of every SME and the axes of the three matrices (reader lock held). */
static sm_status prepare(build *b)
{
    const sm_engine *e = b->e;
    sm_overview *ov = b->ov;
    const sm__alloc *a = &ov->alloc;
    size_t n = e->smes.n, nr = e->n_regions, ns = e->n_sectors;
    sm_status st = SM_OK;
    uint8_t *used = sm__calloc(a, (nr > ns ? nr : ns) + 1, 1);
    uint16_t *map = sm__malloc(a, ((nr > ns ? nr : ns) + 1) * sizeof *map);
    b->label = sm__malloc(a, (n ? n : 1) * sizeof *b->label);
    if (!used || !map || !b->label) {
        st = sm__nomem();
        goto out;
    }
    b->n = n;
    /* regions at the level */
    for (size_t s = 0; s < n; s++)
        used[sm__region_ancestor(e, e->smes.region[s], ov->region_level)] = 1;
    if ((st = make_axis(&ov->m[SM_OVERVIEW_REGIONS].axis[0], map, e, used, nr, 0, a)))
        goto out;
    for (size_t s = 0; s < n; s++)
        b->label[s][0] = map[sm__region_ancestor(e, e->smes.region[s], ov->region_level)];
    /* sectors at the level */
    memset(used, 0, (nr > ns ? nr : ns) + 1);
    for (size_t s = 0; s < n; s++)
        used[sm__sector_ancestor(e, e->smes.sector[s], ov->sector_level)] = 1;
    if ((st = make_axis(&ov->m[SM_OVERVIEW_SECTORS].axis[0], map, e, used, ns, 1, a)))
        goto out;
    for (size_t s = 0; s < n; s++)
        b->label[s][1] = map[sm__sector_ancestor(e, e->smes.sector[s], ov->sector_level)];
    if (b->themes) {
        /* user themes: each SME's set of themes, from its offers and needs */
        if ((st = sm__ov_theme_masks(&b->tmask, &ov->m[SM_OVERVIEW_THEMES].axis[1], e, b->themes, a)))
            goto out;
        for (size_t s = 0; s < n; s++)
            b->label[s][2] = 0;
    } else {
        /* themes: sections */
        memset(used, 0, (nr > ns ? nr : ns) + 1);
        for (size_t s = 0; s < n; s++)
            used[e->sectors[e->smes.sector[s]]->section] = 1;
        if ((st = make_axis(&ov->m[SM_OVERVIEW_THEMES].axis[1], map, e, used, ns, 1, a)))
            goto out;
        for (size_t s = 0; s < n; s++)
            b->label[s][2] = map[e->sectors[e->smes.sector[s]]->section];
    }
    if ((st = copy_axis(&ov->m[SM_OVERVIEW_REGIONS].axis[1], &ov->m[SM_OVERVIEW_REGIONS].axis[0], a)) ||
        (st = copy_axis(&ov->m[SM_OVERVIEW_SECTORS].axis[1], &ov->m[SM_OVERVIEW_SECTORS].axis[0], a)) ||
        (st = copy_axis(&ov->m[SM_OVERVIEW_THEMES].axis[0], &ov->m[SM_OVERVIEW_REGIONS].axis[0], a)))
        goto out;
    for (int m = 0; m < SM__OV_MATRICES; m++) {
        sm__ov_matrix *x = &ov->m[m];
        size_t cells = x->axis[0].n * x->axis[1].n;
        x->cell = sm__calloc(a, cells ? cells : 1, sizeof *x->cell);
        x->both = sm__calloc(a, cells ? cells : 1, sizeof *x->both);
        x->row_links = sm__calloc(a, x->axis[0].n ? x->axis[0].n : 1, sizeof *x->row_links);
        if (!x->row_links || !x->cell || !x->both) {
            st = sm__nomem();
            goto out;
        }
        size_t cols = x->axis[1].n;
        for (size_t s = 0; s < n; s++) {
            size_t i = row_of(b, m, s);
            x->axis[0].smes[i]++;
            if (m == SM_OVERVIEW_THEMES && b->tmask) {
                for (uint64_t t = b->tmask[s]; t; t &= t - 1) {
                    size_t j = (size_t)__builtin_ctzll(t);
                    x->axis[1].smes[j]++;
                    x->both[i * cols + j]++;
                }
                continue;
            }
            size_t j = col_of(b, m, s);
            x->axis[1].smes[j]++;
            x->both[i * cols + j]++;
        }
        if (b->h && (st = realised(b, m)))
            goto out;
    }
    b->generation = e->generation;
out:
    sm__free(a, used);
    sm__free(a, map);
    return st;
}

/* Whether pair x ranks before pair y: score descending, then ids. */
static bool before(const sm_engine *e, uint32_t xa, uint32_t xb, double xs, const sm__ov_best *y)
{
    if (xs != y->score)
        return xs > y->score;
    int c = strcmp(sm__sme_id(e, xa), sm__sme_id(e, y->a));
    if (c)
        return c < 0;
    return strcmp(sm__sme_id(e, xb), sm__sme_id(e, y->b)) < 0;
}

/* Offers the pair to the cell's bounded list (kept sorted, best first). */
static sm_status offer_best(build *b, sm__ov_cell *c, uint32_t qa, uint32_t pb, double score, const sm_result *r,
                            size_t i, uint32_t coop)
{
    size_t cap = b->ov->best_per_cell, n = c->n_best;
    if (!cap)
        return SM_OK;
    if (!c->best && !(c->best = sm__calloc(&b->ov->alloc, cap, sizeof(sm__ov_best))))
        return SM_ERR_NOMEM;
    sm__ov_best *l = c->best;
    if (n == cap && !before(b->e, qa, pb, score, &l[n - 1]))
        return SM_OK;
    size_t pos = n < cap ? n : cap - 1;
    while (pos > 0 && before(b->e, qa, pb, score, &l[pos - 1])) {
        l[pos] = l[pos - 1];
        pos--;
    }
    sm__ov_best *p = &l[pos];
    memset(p, 0, sizeof *p);
    p->a = qa;
    p->b = pb;
    p->score = score;
    p->coop = coop;
    p->crit[0] = p->crit[1] = p->crit[2] = 255;
    /* the three criteria with the largest weighted score explain the pair */
    double best_c[3] = { -1, -1, -1 };
    size_t nc = sm_result_criterion_count(r);
    for (size_t j = 0; j < nc && j < 255; j++) {
        double w = sm_result_criterion_weight(r, j), s = sm_result_breakdown(r, i, j);
        if (!(w > 0) || !(s > 0))
            continue;
        double contrib = w * s;
        for (int t = 0; t < 3; t++)
            if (contrib > best_c[t]) {
                for (int u = 2; u > t; u--) {
                    best_c[u] = best_c[u - 1];
                    p->crit[u] = p->crit[u - 1];
                    p->crit_score[u] = p->crit_score[u - 1];
                }
                best_c[t] = contrib;
                p->crit[t] = (uint8_t)j;
                p->crit_score[t] = (float)s;
                break;
            }
    }
    if (n < cap)
        c->n_best++;
    return SM_OK;
}

static sm_status copy_criteria(sm_overview *ov, const sm_result *r)
{
    size_t nc = sm_result_criterion_count(r);
    char **names = sm__calloc(&ov->alloc, nc ? nc : 1, sizeof *names);
    if (!names)
        return SM_ERR_NOMEM;
    ov->crit_names = names;
    ov->n_crit = nc;
    for (size_t j = 0; j < nc; j++)
        if (!(names[j] = sm__strdup(&ov->alloc, sm_result_criterion_name(r, j))))
            return SM_ERR_NOMEM;
    return SM_OK;
}

/* Runs with the batch's reader lock held, serialised. */
static int on_result(const sm_result *r, void *userdata)
{
    build *b = userdata;
    const sm_engine *e = b->e;
    sm_overview *ov = b->ov;
    if (e->generation != b->generation) {
        b->failed = SM_ERR_CANCELLED;
        return 1;
    }
    if (!ov->crit_names && copy_criteria(ov, r)) {
        b->failed = SM_ERR_NOMEM;
        return 1;
    }
    long qa = sm__sme_find(e, sm_result_query_id(r));
    const uint16_t *la = b->label[qa];
    size_t n = sm_result_count(r), cap = ov->best_per_cell;
    for (size_t i = 0; i < n; i++) {
        long pb = sm__sme_find(e, sm_result_id(r, i));
        const uint16_t *lp = b->label[pb];
        double score = sm_result_score(r, i);
        uint64_t fix = (uint64_t)llround(score * SM__OV_FIX);
        const sm__hedge *edge = b->h ? sm__history_edge(b->h, (uint32_t)qa, (uint32_t)pb) : NULL;
        uint32_t coop = edge ? edge->count : 0;
        for (int m = 0; m < SM__OV_MATRICES; m++) {
            sm__ov_matrix *x = &ov->m[m];
            /* user themes: a partner counts in each of its themes (or in none) */
            uint64_t cols_set = m == SM_OVERVIEW_THEMES && b->tmask ? b->tmask[pb] : 0;
            if (m == SM_OVERVIEW_THEMES && b->tmask && !cols_set)
                continue;
            size_t col = cols_set ? (size_t)__builtin_ctzll(cols_set) : lp[m];
            for (;;) {
                sm__ov_cell *c = &x->cell[(size_t)la[m == SM_OVERVIEW_SECTORS] * x->axis[1].n + col];
                c->links++;
                c->sum_fix += fix;
                if (!coop)
                    c->untapped_fix += fix;
                /* most links do not enter a full list: one comparison says so */
                if (cap && !(c->n_best == cap && score < c->best[cap - 1].score) &&
                    offer_best(b, c, (uint32_t)qa, (uint32_t)pb, score, r, i, coop)) {
                    b->failed = SM_ERR_NOMEM;
                    return 1;
                }
                cols_set &= cols_set - 1;
                if (!cols_set)
                    break;
                col = (size_t)__builtin_ctzll(cols_set);
            }
        }
        ov->total_links++;
    }
    return 0;
}

/* Tags of x's offers that y needs, into buf (at most 4), ", "-separated. */
static void matched_tags(sm__buf *out, const sm_engine *e, size_t x, size_t y)
{
    const uint32_t *off = sm__sme_offers(e, x), *need = sm__sme_needs(e, y);
    size_t no = e->smes.n_offers[x], nn = e->smes.n_needs[y], i = 0, j = 0, shown = 0, total = 0;
    while (i < no && j < nn) {
        if (off[i] < need[j])
            i++;
        else if (off[i] > need[j])
            j++;
        else {
            if (shown < 4) {
                sm__buf_puts(out, shown ? ", " : "");
                sm__buf_puts(out, e->tags.str[off[i]]);
                shown++;
            }
            total++;
            i++;
            j++;
        }
    }
    if (total > shown)
        sm__buf_printf(out, " (+%zu)", total - shown);
}

static size_t count_matched(const sm_engine *e, size_t x, size_t y)
{
    const uint32_t *off = sm__sme_offers(e, x), *need = sm__sme_needs(e, y);
    size_t no = e->smes.n_offers[x], nn = e->smes.n_needs[y], i = 0, j = 0, c = 0;
    while (i < no && j < nn) {
        if (off[i] < need[j])
            i++;
        else if (off[i] > need[j])
            j++;
        else
            c++, i++, j++;
    }
    return c;
}

/* The strings of a best pair, under the reader lock. */
static sm_status finish_pair(sm_overview *ov, const sm_engine *e, sm__ov_best *p)
{
    sm__buf t;
    sm__buf_init(&t, &ov->alloc);
    const uint32_t who[2] = { p->a, p->b };
    for (int s = 0; s < 2; s++) {
        size_t x = who[s];
        sm__buf_puts(&t, sm__sme_id(e, x));
        sm__buf_put(&t, "", 1);
        sm__buf_puts(&t, sm__sme_name(e, x));
        sm__buf_put(&t, "", 1);
        sm__buf_puts(&t, e->regions[e->smes.region[x]]->info.code);
        sm__buf_put(&t, "", 1);
        sm__buf_puts(&t, e->sectors[e->smes.sector[x]]->info.code);
        sm__buf_put(&t, "", 1);
    }
    for (int c = 0; c < 3 && p->crit[c] != 255; c++)
        sm__buf_printf(&t, "%s%s %.2f", c ? ", " : "", ov->crit_names[p->crit[c]], (double)p->crit_score[c]);
    if (count_matched(e, p->a, p->b)) {
        sm__buf_puts(&t, "; offers met: ");
        matched_tags(&t, e, p->a, p->b);
    }
    if (count_matched(e, p->b, p->a)) {
        sm__buf_puts(&t, "; needs met: ");
        matched_tags(&t, e, p->b, p->a);
    }
    sm__buf_put(&t, "", 1);
    if (t.failed) {
        sm__buf_free(&t);
        return SM_ERR_NOMEM;
    }
    /* the buffer grew in pages; keep only what the text needs */
    char *fit = sm__realloc(&ov->alloc, t.p, t.len + 1);
    p->text = fit ? fit : t.p;
    return SM_OK;
}

static sm_status finish(sm_overview *ov, const build *b)
{
    const sm_engine *e = b->e;
    sm__rdlock(e);
    sm_status st = SM_OK;
    if (e->generation != b->generation)
        st = sm__fail(SM_ERR_CANCELLED, "overview: the engine changed during the overview; run it again");
    for (int m = 0; !st && m < SM__OV_MATRICES; m++) {
        sm__ov_matrix *x = &ov->m[m];
        size_t cells = x->axis[0].n * x->axis[1].n;
        if (m == SM_OVERVIEW_THEMES) /* the rows are the regions; a link may fall in several themes, or none */
            memcpy(x->row_links, ov->m[SM_OVERVIEW_REGIONS].row_links, x->axis[0].n * sizeof *x->row_links);
        else
            for (size_t c = 0; c < cells; c++)
                x->row_links[c / x->axis[1].n] += x->cell[c].links;
        for (size_t c = 0; !st && c < cells; c++)
            for (size_t i = 0; !st && i < x->cell[c].n_best; i++)
                if (finish_pair(ov, e, &x->cell[c].best[i]))
                    st = sm__nomem();
    }
    sm__unlock(e);
    return st;
}

sm_status sm_overview_new(sm_overview **out, const sm_engine *e, const sm_overview_options *opts)
{
    sm_overview_options defaults = SM_OVERVIEW_OPTIONS_INIT;
    const sm_overview_options *o = opts ? opts : &defaults;
    if (!out || !e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview: NULL argument");
    if (o->version < 1 || o->version > SM_OVERVIEW_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview options: unsupported version %u", o->version);
    const sm_themes *themes = o->version >= 2 ? o->themes : NULL;
    if (themes && themes->n == 0)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "themes", NULL,
                           "overview: the themes are empty (add some with sm_themes_add(), or pass NULL for the "
                           "NACE sections)");
    if (o->region_level < 0 || o->region_level > 3)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "region_level", NULL,
                           "overview: region_level %d is not a NUTS level (use 0 to 3)", o->region_level);
    if (o->sector_level < 1 || o->sector_level > 4)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "sector_level", NULL,
                           "overview: sector_level %d is not a NACE level (use 1 to 4)", o->sector_level);
    if (o->best_per_cell > MAX_BEST)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "best_per_cell", NULL,
                           "overview: best_per_cell %zu is over the limit of %d", o->best_per_cell, MAX_BEST);
    sm_query_options qdef = SM_QUERY_OPTIONS_INIT;
    const sm_query_options *q = o->query ? o->query : &qdef;

    sm_overview *ov = sm__calloc(&e->alloc, 1, sizeof *ov);
    if (!ov)
        return sm__nomem();
    ov->alloc = e->alloc;
    ov->k = q->k;
    ov->best_per_cell = o->best_per_cell;
    ov->region_level = o->region_level;
    ov->sector_level = o->sector_level;
    build b = { .e = e, .ov = ov, .o = o, .themes = themes };
    ov->user_themes = themes != NULL;
    sm__rdlock(e);
    if (e->history && e->history->n_ev > 0)
        b.h = e->history;
    ov->has_history = b.h != NULL;
    sm_status st = prepare(&b);
    ov->n_smes = b.n;
    sm__unlock(e);
    if (!st) {
        sm_batch_options bo = SM_BATCH_OPTIONS_INIT;
        bo.query = q;
        bo.threads = o->threads;
        bo.on_result = on_result;
        bo.result_userdata = &b;
        bo.on_progress = o->on_progress;
        bo.progress_userdata = o->progress_userdata;
        st = sm_batch_run(e, &bo);
        if (st && b.failed == SM_ERR_NOMEM)
            st = sm__nomem();
        else if (st && b.failed == SM_ERR_CANCELLED)
            st = sm__fail(SM_ERR_CANCELLED, "overview: the engine changed during the overview; run it again");
    }
    if (!st)
        st = finish(ov, &b);
    sm__free(&ov->alloc, b.label);
    sm__free(&ov->alloc, b.tmask);
    if (st) {
        sm_overview_free(ov);
        return st;
    }
    *out = ov;
    return SM_OK;
}

/* ---- accessors ------------------------------------------------------------- */

static const sm__ov_matrix *matrix_of(const sm_overview *ov, sm_overview_matrix m)
{
    return ov && (unsigned)m < SM__OV_MATRICES ? &ov->m[m] : NULL;
}

size_t sm_overview_sme_count(const sm_overview *ov) { return ov ? ov->n_smes : 0; }
size_t sm_overview_k(const sm_overview *ov) { return ov ? ov->k : 0; }
int sm_overview_region_level(const sm_overview *ov) { return ov ? ov->region_level : -1; }
int sm_overview_sector_level(const sm_overview *ov) { return ov ? ov->sector_level : -1; }

int sm_overview_has_index(const sm_overview *ov, sm_overview_index index)
{
    if (index == SM_OVERVIEW_REALISED || index == SM_OVERVIEW_UNTAPPED)
        return ov && ov->has_history;
    return ov && (unsigned)index < SM_OVERVIEW_INDEX_COUNT;
}

size_t sm_overview_rows(const sm_overview *ov, sm_overview_matrix m)
{
    const sm__ov_matrix *x = matrix_of(ov, m);
    return x ? x->axis[0].n : 0;
}

size_t sm_overview_cols(const sm_overview *ov, sm_overview_matrix m)
{
    const sm__ov_matrix *x = matrix_of(ov, m);
    return x ? x->axis[1].n : 0;
}

static const sm__ov_axis *axis_of(const sm_overview *ov, sm_overview_matrix m, int axis, size_t i)
{
    const sm__ov_matrix *x = matrix_of(ov, m);
    return x && (axis == 0 || axis == 1) && i < x->axis[axis].n ? &x->axis[axis] : NULL;
}

const char *sm_overview_label_code(const sm_overview *ov, sm_overview_matrix m, int axis, size_t i)
{
    const sm__ov_axis *x = axis_of(ov, m, axis, i);
    return x ? x->code[i] : NULL;
}

const char *sm_overview_label_name(const sm_overview *ov, sm_overview_matrix m, int axis, size_t i)
{
    const sm__ov_axis *x = axis_of(ov, m, axis, i);
    return x ? x->name[i] : NULL;
}

size_t sm_overview_label_smes(const sm_overview *ov, sm_overview_matrix m, int axis, size_t i)
{
    const sm__ov_axis *x = axis_of(ov, m, axis, i);
    return x ? (size_t)x->smes[i] : 0;
}

double sm__ov_value(const sm_overview *ov, int m, size_t i, size_t j, int index)
{
    const sm__ov_matrix *x = &ov->m[m];
    size_t cols = x->axis[1].n, cell = i * cols + j;
    double links = (double)x->cell[cell].links, sum = (double)x->cell[cell].sum_fix / SM__OV_FIX;
    double pairs = (double)x->axis[0].smes[i] * (double)x->axis[1].smes[j] - (double)x->both[cell];
    switch (index) {
    case SM_OVERVIEW_LINKS:
        return links;
    case SM_OVERVIEW_SCORE_SUM:
        return sum;
    case SM_OVERVIEW_SCORE_MEAN:
        return links > 0 ? sum / links : 0.0;
    case SM_OVERVIEW_PAIRS:
        return pairs;
    case SM_OVERVIEW_REALISED:
        return x->realised ? (double)x->realised[cell] : 0.0;
    case SM_OVERVIEW_UNTAPPED:
        return (double)x->cell[cell].untapped_fix / SM__OV_FIX;
    case SM_OVERVIEW_DENSITY:
        return pairs > 0 ? links / pairs : 0.0;
    case SM_OVERVIEW_EXPECTED:
    case SM_OVERVIEW_LIFT: {
        /* the row's links spread over the columns in proportion to the pairs;
         * the row's pairs sum to n_i (N - 1) */
        double row_links = (double)x->row_links[i], row_pairs = (double)x->axis[0].smes[i] * ((double)ov->n_smes - 1);
        double expected = row_pairs > 0 ? row_links * pairs / row_pairs : 0.0;
        if (index == SM_OVERVIEW_EXPECTED)
            return expected;
        return expected > 0 ? links / expected : 0.0;
    }
    default:
        return NAN;
    }
}

double sm_overview_value(const sm_overview *ov, sm_overview_matrix m, size_t row, size_t col, sm_overview_index index)
{
    const sm__ov_matrix *x = matrix_of(ov, m);
    if (!x || row >= x->axis[0].n || col >= x->axis[1].n || !sm_overview_has_index(ov, index))
        return NAN;
    return sm__ov_value(ov, m, row, col, index);
}

sm_status sm_overview_values(double *out, size_t n, const sm_overview *ov, sm_overview_matrix m,
                             sm_overview_index index)
{
    const sm__ov_matrix *x = matrix_of(ov, m);
    if (!out || !x || !sm_overview_has_index(ov, index))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview values: NULL argument, unknown matrix or index");
    size_t rows = x->axis[0].n, cols = x->axis[1].n;
    if (n < rows * cols)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview values: room for %zu values, %zu needed", n, rows * cols);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            out[i * cols + j] = sm__ov_value(ov, m, i, j, index);
    return SM_OK;
}

size_t sm_overview_best_count(const sm_overview *ov, sm_overview_matrix m, size_t row, size_t col)
{
    const sm__ov_matrix *x = matrix_of(ov, m);
    if (!x || row >= x->axis[0].n || col >= x->axis[1].n)
        return 0;
    return x->cell[row * x->axis[1].n + col].n_best;
}

void sm__ov_best_strings(const sm__ov_best *p, const char *out[9])
{
    const char *s = p->text;
    for (int i = 0; i < 9; i++) {
        out[i] = s;
        s += strlen(s) + 1;
    }
}

sm_status sm_overview_best_at(sm_overview_pair *out, const sm_overview *ov, sm_overview_matrix m, size_t row,
                              size_t col, size_t i)
{
    const sm__ov_matrix *x = matrix_of(ov, m);
    if (!out || !x)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview pair: NULL argument or unknown matrix");
    if (out->version < 1 || out->version > SM_OVERVIEW_PAIR_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview pair: unsupported version %u (set it to %d)",
                        out->version, SM_OVERVIEW_PAIR_VERSION);
    if (i >= sm_overview_best_count(ov, m, row, col))
        return sm__fail(SM_ERR_NOT_FOUND, "overview pair: no pair %zu in cell (%zu, %zu)", i, row, col);
    const sm__ov_best *p = &x->cell[row * x->axis[1].n + col].best[i];
    const char *s[9];
    sm__ov_best_strings(p, s);
    out->a = s[0];
    out->a_name = s[1];
    out->a_region = s[2];
    out->a_sector = s[3];
    out->b = s[4];
    out->b_name = s[5];
    out->b_region = s[6];
    out->b_sector = s[7];
    out->score = p->score;
    out->reasons = s[8];
    if (out->version >= 2)
        out->cooperations = p->coop;
    return SM_OK;
}
