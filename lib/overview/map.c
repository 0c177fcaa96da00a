/* The overview's maps as SVG: a choropleth of each region's outgoing
 * interregional potential and a flow map of the strongest region pairs,
 * drawn on the optional NUTS outlines (geometry.c) in ETRS89-LAEA. The map
 * frame is fitted to the regions of the overview. */
#include "overview/overview.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FONT "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\""
#define MAP_W 820.0
#define MAP_TOP 48.0
#define MAP_BOTTOM 84.0

double sm__ov_outgoing(const sm_overview *ov, size_t row)
{
    const sm__ov_matrix *x = &ov->m[SM_OVERVIEW_REGIONS];
    size_t n = x->axis[0].n;
    uint64_t fix = 0;
    for (size_t j = 0; j < n; j++)
        if (j != row)
            fix += x->cell[row * n + j].sum_fix;
    return x->axis[0].smes[row] ? (double)fix / SM__OV_FIX / (double)x->axis[0].smes[row] : 0.0;
}

/* lo..hi around [vmin, vmax] in four steps of 1, 1.5, 2, 2.5 or 5 times a power of ten. */
static void round_range(double *lo, double *hi, double vmin, double vmax)
{
    if (!isfinite(vmin) || !isfinite(vmax)) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double range = vmax - vmin > 1e-9 ? vmax - vmin : fmax(fabs(vmax), 1.0) * 0.1;
    double step = pow(10, floor(log10(range / 4)));
    static const double mult[] = { 1, 1.5, 2, 2.5, 5, 10, 15, 20, 25, 50 };
    for (size_t i = 0; i < sizeof mult / sizeof *mult; i++) {
        double s = step * mult[i], l = floor(vmin / s) * s;
        if (l + 4 * s >= vmax - 1e-12) {
            *lo = l;
            *hi = l + 4 * s;
            return;
        }
    }
    *lo = vmin;
    *hi = vmax;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

typedef struct frame {
    double x0, y0, x1, y1; /* projected extent, metres */
    double s;              /* pixels per metre */
    double w, h;           /* map area in pixels */
} frame;

static double px(const frame *f, double x) { return (x - f->x0) * f->s; }
static double py(const frame *f, double y) { return MAP_TOP + (f->y1 - y) * f->s; }

/* Fits the frame to the outlines (or points) of the overview's regions. */
static void fit(frame *f, const sm_overview *ov, const sm_geometry *g)
{
    const sm__ov_axis *a = &ov->m[SM_OVERVIEW_REGIONS].axis[0];
    f->x0 = f->y0 = INFINITY;
    f->x1 = f->y1 = -INFINITY;
    for (size_t i = 0; i < a->n; i++) {
        const sm__geo_region *r = sm__geo_find(g, a->code[i]);
        double x, y;
        sm_laea_project(&x, &y, a->lat[i], a->lon[i]);
        f->x0 = fmin(f->x0, r ? r->x0 : x);
        f->x1 = fmax(f->x1, r ? r->x1 : x);
        f->y0 = fmin(f->y0, r ? r->y0 : y);
        f->y1 = fmax(f->y1, r ? r->y1 : y);
    }
    if (!(f->x1 > f->x0) || !(f->y1 > f->y0)) { /* nothing, or one point: 400 km around it */
        double cx = isfinite(f->x0) ? f->x0 : 4321000.0, cy = isfinite(f->y0) ? f->y0 : 3210000.0;
        f->x0 = cx - 200000;
        f->x1 = cx + 200000;
        f->y0 = cy - 200000;
        f->y1 = cy + 200000;
    }
    double mx = (f->x1 - f->x0) * 0.04, my = (f->y1 - f->y0) * 0.04;
    f->x0 -= mx;
    f->x1 += mx;
    f->y0 -= my;
    f->y1 += my;
    f->s = MAP_W / (f->x1 - f->x0);
    if ((f->y1 - f->y0) * f->s > 760) /* tall extents: keep the height readable */
        f->s = 760 / (f->y1 - f->y0);
    f->w = (f->x1 - f->x0) * f->s;
    f->h = (f->y1 - f->y0) * f->s;
}

static bool visible(const frame *f, const sm__geo_region *r)
{
    return r->x1 >= f->x0 && r->x0 <= f->x1 && r->y1 >= f->y0 && r->y0 <= f->y1;
}

/* The path data of a region, in pixels rounded to 0.1; points that round
 * onto the previous one are dropped. */
static void path(sm__buf *b, const frame *f, const sm_geometry *g, const sm__geo_region *r)
{
    for (size_t k = 0; k < r->n_rings; k++) {
        const sm__geo_ring *ring = &g->rings[r->start + k];
        long lx = LONG_MIN, ly = LONG_MIN;
        for (size_t p = 0; p < ring->n; p++) {
            long x = lround(px(f, g->pts[2 * (ring->start + p)]) * 10);
            long y = lround(py(f, g->pts[2 * (ring->start + p) + 1]) * 10);
            if (x == lx && y == ly)
                continue;
            sm__buf_printf(b, "%c%.1f %.1f", p ? 'L' : 'M', (double)x / 10, (double)y / 10);
            lx = x;
            ly = y;
        }
        sm__buf_puts(b, "Z");
    }
}

static void begin(sm__buf *b, const frame *f, const char *title, const char *subtitle)
{
    double w = f->w < 560 ? 560 : f->w, h = f->h + MAP_TOP + MAP_BOTTOM;
    sm__buf_printf(
        b,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" " FONT
        " font-size=\"10\">\n<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
        w, h, w, h, w, h);
    sm__buf_printf(b, "<rect x=\"0\" y=\"%.0f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f3f7fa\"/>\n", MAP_TOP, f->w,
                   f->h);
    sm__buf_puts(b, "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#111\">");
    sm__buf_xml(b, title);
    sm__buf_puts(b, "</text>\n<text x=\"10\" y=\"34\" fill=\"#444\">");
    sm__buf_xml(b, subtitle);
    sm__buf_puts(b, "</text>\n");
    /* the frame clips the outlines */
    sm__buf_printf(b, "<svg x=\"0\" y=\"%.0f\" width=\"%.1f\" height=\"%.1f\" viewBox=\"0 %.0f %.1f %.1f\" "
                      "overflow=\"hidden\">\n", MAP_TOP, f->w, f->h, MAP_TOP, f->w, f->h);
}

/* Countries as the grey background. */
static void countries(sm__buf *b, const frame *f, const sm_geometry *g, const char *fill, const char *stroke)
{
    sm__buf_printf(
        b, "<g fill=\"%s\" fill-rule=\"evenodd\" stroke=\"%s\" stroke-width=\"0.6\" stroke-linejoin=\"round\">\n", fill,
        stroke);
    for (size_t i = 0; i < g->n_regions; i++) {
        const sm__geo_region *r = &g->regions[i];
        if (r->level != 0 || !visible(f, r))
            continue;
        sm__buf_puts(b, "<path d=\"");
        path(b, f, g, r);
        sm__buf_puts(b, "\"/>\n");
    }
    sm__buf_puts(b, "</g>\n");
}

static void end(sm__buf *b, const frame *f)
{
    sm__buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"9\" fill=\"#555\">"
                      SM__GEO_CREDIT " \xc2\xb7 ETRS89-LAEA (EPSG:3035)</text>\n",
                   (f->w < 560 ? 560 : f->w) - 8, f->h + MAP_TOP + MAP_BOTTOM - 8);
    sm__buf_puts(b, "</svg>\n");
}

sm_status sm__svg_choropleth(sm__buf *b, const sm_overview *ov, const sm_geometry *g)
{
    const sm__ov_axis *a = &ov->m[SM_OVERVIEW_REGIONS].axis[0];
    frame f;
    fit(&f, ov, g);
    double *v = sm__malloc(&ov->alloc, (a->n ? a->n : 1) * sizeof *v);
    if (!v)
        return sm__nomem();
    /* the scale spans the middle 90% of the regions' values in four round
     * steps (values beyond take the end colours): with a fixed k every
     * region's value is near k times the mean score, so a scale from 0
     * would show one colour, and one odd region would do the same */
    for (size_t i = 0; i < a->n; i++)
        v[i] = sm__ov_outgoing(ov, i);
    qsort(v, a->n, sizeof *v, cmp_double);
    double vmin = a->n ? v[(size_t)floor(0.05 * (double)(a->n - 1))] : 0;
    double vmax = a->n ? v[(size_t)ceil(0.95 * (double)(a->n - 1))] : 1;
    double lo = 0, hi = 1;
    round_range(&lo, &hi, vmin, vmax);
    char sub[200];
    snprintf(sub, sizeof sub, "score of top-%zu links to other NUTS-%d regions, per SME of the region; "
                              "grey = no SMEs",
             ov->k, ov->region_level);
    begin(b, &f, "Outgoing interregional potential", sub);
    countries(b, &f, g, "#dddddd", "#ffffff");
    size_t missing = 0;
    sm__buf_puts(b, "<g fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"0.4\" stroke-linejoin=\"round\">\n");
    for (size_t i = 0; i < a->n; i++) {
        const sm__geo_region *r = sm__geo_find(g, a->code[i]);
        if (!r) {
            missing++;
            continue;
        }
        double out = sm__ov_outgoing(ov, i);
        char col[8];
        sm__ov_colour(col, (out - lo) / (hi - lo));
        sm__buf_printf(b, "<path fill=\"%s\" d=\"", col);
        path(b, &f, g, r);
        sm__buf_puts(b, "\"><title>");
        sm__buf_xml(b, a->code[i]);
        sm__buf_puts(b, " ");
        sm__buf_xml(b, a->name[i]);
        sm__buf_printf(b, ": %.2f per SME, %llu SMEs</title></path>\n", out, (unsigned long long)a->smes[i]);
    }
    sm__buf_puts(b, "</g>\n");
    countries(b, &f, g, "none", "#666666");
    sm__buf_puts(b, "</svg>\n");
    sm__svg_legend(b, 12, f.h + MAP_TOP + 30, 260, lo, hi, 0,
                   "outgoing potential per SME (sum of scores; middle 90% of regions)");
    if (missing)
        sm__buf_printf(b, "<text x=\"300\" y=\"%.1f\" fill=\"#555\">%zu region(s) without an outline are not drawn"
                          "</text>\n", f.h + MAP_TOP + 42, missing);
    sm__free(&ov->alloc, v);
    end(b, &f);
    return SM_OK;
}

#define FLOWS_MAX 15

typedef struct flow {
    uint64_t links;
    size_t i, j;
} flow;

static int cmp_flow(const void *x, const void *y)
{
    const flow *a = x, *b = y;
    if (a->links != b->links)
        return a->links < b->links ? 1 : -1;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    return (a->j > b->j) - (a->j < b->j);
}

sm_status sm__svg_flows(sm__buf *b, const sm_overview *ov, const sm_geometry *g)
{
    const sm__ov_matrix *x = &ov->m[SM_OVERVIEW_REGIONS];
    const sm__ov_axis *a = &x->axis[0];
    size_t n = a->n;
    frame f;
    fit(&f, ov, g);
    /* the strongest unordered pairs of distinct regions, links both ways */
    flow top[FLOWS_MAX];
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            flow c = { x->cell[i * n + j].links + x->cell[j * n + i].links, i, j };
            if (!c.links)
                continue;
            if (nt < FLOWS_MAX)
                top[nt++] = c;
            else if (cmp_flow(&c, &top[nt - 1]) < 0)
                top[nt - 1] = c;
            else
                continue;
            qsort(top, nt, sizeof *top, cmp_flow);
        }
    char sub[200];
    snprintf(sub, sizeof sub, "the %zu NUTS-%d region pairs with most top-%zu links (both directions)", nt,
             ov->region_level, ov->k);
    begin(b, &f, "Strongest interregional links", sub);
    countries(b, &f, g, "#e2e2e2", "#ffffff");
    sm__buf_puts(b, "<g fill=\"#cfd8e3\" fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"0.4\">\n");
    for (size_t i = 0; i < n; i++) {
        const sm__geo_region *r = sm__geo_find(g, a->code[i]);
        if (!r)
            continue;
        sm__buf_puts(b, "<path d=\"");
        path(b, &f, g, r);
        sm__buf_puts(b, "\"/>\n");
    }
    sm__buf_puts(b, "</g>\n");
    countries(b, &f, g, "none", "#888888");
    double maxl = nt ? (double)top[0].links : 1;
    /* thinnest first, so strong links are drawn on top */
    sm__buf_puts(b, "<g fill=\"none\" stroke=\"#b2182b\" stroke-opacity=\"0.75\" stroke-linecap=\"round\">\n");
    for (size_t t = nt; t-- > 0;) {
        double x0, y0, x1, y1;
        sm_laea_project(&x0, &y0, a->lat[top[t].i], a->lon[top[t].i]);
        sm_laea_project(&x1, &y1, a->lat[top[t].j], a->lon[top[t].j]);
        double p0x = px(&f, x0), p0y = py(&f, y0), p1x = px(&f, x1), p1y = py(&f, y1);
        /* bend each arc to one side so that arcs along one line stay apart */
        double mx = (p0x + p1x) / 2, my = (p0y + p1y) / 2, dx = p1x - p0x, dy = p1y - p0y;
        double cxp = mx - dy * 0.18, cyp = my + dx * 0.18;
        double wdt = 1.2 + 7.0 * (double)top[t].links / maxl;
        sm__buf_printf(b, "<path d=\"M%.1f %.1fQ%.1f %.1f %.1f %.1f\" stroke-width=\"%.1f\"><title>", p0x, p0y, cxp,
                       cyp, p1x, p1y, wdt);
        sm__buf_xml(b, a->code[top[t].i]);
        sm__buf_puts(b, " \xe2\x86\x94 ");
        sm__buf_xml(b, a->code[top[t].j]);
        sm__buf_printf(b, ": %llu links</title></path>\n", (unsigned long long)top[t].links);
    }
    sm__buf_puts(b, "</g>\n");
    /* endpoints and their codes, each region once */
    size_t ends[2 * FLOWS_MAX], ne = 0;
    for (size_t t = 0; t < nt; t++) {
        size_t e2[2] = { top[t].i, top[t].j };
        for (int s = 0; s < 2; s++) {
            bool dup = false;
            for (size_t u = 0; u < ne; u++)
                dup |= ends[u] == e2[s];
            if (!dup)
                ends[ne++] = e2[s];
        }
    }
    sm__buf_puts(b,
                 "<g font-size=\"10\" fill=\"#111\" stroke=\"#ffffff\" stroke-width=\"2.5\" paint-order=\"stroke\">\n");
    /* each code goes to the first of four places beside its dot that no
     * earlier code or dot covers (boxes estimated from the font size) */
    double box[2 * FLOWS_MAX][4], dots[2 * FLOWS_MAX][2];
    for (size_t u = 0; u < ne; u++) {
        double x0, y0;
        sm_laea_project(&x0, &y0, a->lat[ends[u]], a->lon[ends[u]]);
        dots[u][0] = px(&f, x0);
        dots[u][1] = py(&f, y0);
    }
    for (size_t u = 0; u < ne; u++) {
        double dx = dots[u][0], dy = dots[u][1], tw = 6.2 * (double)strlen(a->code[ends[u]]), th = 10;
        static const double place[4][2] = { { 4, -4 }, { 4, 12 }, { -4, -4 }, { -4, 12 } };
        int chosen = 0;
        for (int k = 0; k < 4; k++) {
            double bx0 = place[k][0] > 0 ? dx + 4 : dx - 4 - tw, by1 = dy + place[k][1], by0 = by1 - th;
            bool clash = false;
            for (size_t v = 0; v < u && !clash; v++)
                clash = bx0 < box[v][2] && bx0 + tw > box[v][0] && by0 < box[v][3] && by1 > box[v][1];
            for (size_t v = 0; v < ne && !clash; v++)
                clash = v != u && dots[v][0] > bx0 - 2 && dots[v][0] < bx0 + tw + 2 && dots[v][1] > by0 - 2 &&
                        dots[v][1] < by1 + 2;
            if (!clash) {
                chosen = k;
                break;
            }
        }
        double bx0 = place[chosen][0] > 0 ? dx + 4 : dx - 4 - tw, by1 = dy + place[chosen][1];
        box[u][0] = bx0;
        box[u][1] = by1 - th;
        box[u][2] = bx0 + tw;
        box[u][3] = by1;
        sm__buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"#111\" stroke-width=\"1\"/>\n", dx, dy);
        sm__buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", bx0, by1 - 1);
        sm__buf_xml(b, a->code[ends[u]]);
        sm__buf_puts(b, "</text>\n");
    }
    sm__buf_puts(b, "</g>\n</svg>\n");
    /* legend: three line widths */
    double ly = f.h + MAP_TOP + 26;
    sm__buf_printf(b, "<text x=\"12\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">links between the two regions</text>\n",
                   ly - 6);
    for (int s = 0; s < 3; s++) {
        double l = s == 0 ? maxl : s == 1 ? maxl / 2 : maxl / 4, lx = 12 + 110.0 * s;
        sm__buf_printf(
            b,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b2182b\" stroke-opacity=\"0.75\" "
            "stroke-width=\"%.1f\" stroke-linecap=\"round\"/>\n",
            lx, ly + 8, lx + 40, ly + 8, 1.2 + 7.0 * l / maxl);
        sm__buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#222\">%.0f</text>\n", lx + 48, ly + 12, l);
    }
    end(b, &f);
    return SM_OK;
}

/* ---- one region's potential partners ------------------------------------------ */

/* Potential between region rows f and j: score sums of the links both ways. */
static double between(const sm_overview *ov, size_t f, size_t j)
{
    const sm__ov_matrix *x = &ov->m[SM_OVERVIEW_REGIONS];
    size_t n = x->axis[0].n;
    return (double)(x->cell[f * n + j].sum_fix + x->cell[j * n + f].sum_fix) / SM__OV_FIX;
}

/* Outlines shared by the report's sheet maps: one path per region of the
 * overview ("sm-g-<code>") and the countries ("sm-g-countries"), in the
 * frame of the main maps, without paint, so each <use> gives its own. */
sm_status sm__svg_map_defs(sm__buf *b, const sm_overview *ov, const sm_geometry *g)
{
    const sm__ov_axis *a = &ov->m[SM_OVERVIEW_REGIONS].axis[0];
    frame f;
    fit(&f, ov, g);
    sm__buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\" style=\"position:absolute\" "
                    "aria-hidden=\"true\">\n<defs>\n<g id=\"sm-g-countries\">\n");
    for (size_t i = 0; i < g->n_regions; i++) {
        const sm__geo_region *r = &g->regions[i];
        if (r->level != 0 || !visible(&f, r))
            continue;
        sm__buf_puts(b, "<path d=\"");
        path(b, &f, g, r);
        sm__buf_puts(b, "\"/>\n");
    }
    sm__buf_puts(b, "</g>\n<g id=\"sm-g-all\">\n");
    for (size_t i = 0; i < a->n; i++) {
        const sm__geo_region *r = sm__geo_find(g, a->code[i]);
        if (!r)
            continue;
        sm__buf_puts(b, "<path id=\"sm-g-");
        sm__buf_xml(b, a->code[i]);
        sm__buf_puts(b, "\" d=\"");
        path(b, &f, g, r);
        sm__buf_puts(b, "\"/>\n");
    }
    sm__buf_puts(b, "</g>\n</defs>\n</svg>\n");
    return SM_OK;
}

sm_status sm__svg_focus(sm__buf *b, const sm_overview *ov, const sm_geometry *g, size_t fr, int defs)
{
    const sm__ov_axis *a = &ov->m[SM_OVERVIEW_REGIONS].axis[0];
    size_t n = a->n;
    frame f;
    fit(&f, ov, g);
    double *v = sm__malloc(&ov->alloc, (n ? n : 1) * sizeof *v);
    if (!v)
        return sm__nomem();
    size_t nv = 0;
    for (size_t j = 0; j < n; j++)
        if (j != fr)
            v[nv++] = between(ov, fr, j);
    double hi = sm__ov_scale_top(v, nv); /* reorders v */
    sm__free(&ov->alloc, v);
    char title[160], sub[200];
    snprintf(title, sizeof title, "Potential partners of %.20s %.80s", a->code[fr], a->name[fr]);
    snprintf(sub, sizeof sub, "score of the top-%zu links between each NUTS-%d region and %.20s, both directions",
             ov->k, ov->region_level, a->code[fr]);
    if (defs) {
        /* a small map for a region sheet, drawn from the shared outlines */
        double w = f.w, h = f.h + 40;
        sm__buf_printf(b,
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 %.0f "
                       "%.0f %.0f\" " FONT " font-size=\"10\">\n",
                       w * 0.6, h * 0.6, MAP_TOP, w, h);
        sm__buf_printf(b, "<rect x=\"0\" y=\"%.0f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f3f7fa\"/>\n", MAP_TOP, f.w,
                       f.h);
        sm__buf_puts(b, "<use href=\"#sm-g-countries\" fill=\"#e2e2e2\" stroke=\"#ffffff\" stroke-width=\"0.6\"/>\n"
                        "<use href=\"#sm-g-all\" fill=\"#f2f2f2\" stroke=\"#ffffff\" stroke-width=\"0.4\"/>\n");
    } else {
        begin(b, &f, title, sub);
        countries(b, &f, g, "#e2e2e2", "#ffffff");
    }
    size_t missing = 0;
    sm__buf_puts(b, "<g fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"0.4\" stroke-linejoin=\"round\">\n");
    for (size_t j = 0; j < n; j++) {
        const sm__geo_region *r = sm__geo_find(g, a->code[j]);
        if (!r) {
            missing++;
            continue;
        }
        double p = j == fr ? 0 : between(ov, fr, j);
        if (defs && j != fr && !(p > 0))
            continue; /* the grey background shows it */
        char col[8] = "#f2f2f2";
        if (j == fr)
            memcpy(col, "#d95f0e", 8);
        else if (p > 0)
            sm__ov_colour(col, p / hi);
        if (defs) {
            sm__buf_printf(b, "<use href=\"#sm-g-");
            sm__buf_xml(b, a->code[j]);
            sm__buf_printf(b, "\" fill=\"%s\"><title>", col);
        } else {
            sm__buf_printf(b, "<path fill=\"%s\" d=\"", col);
            path(b, &f, g, r);
            sm__buf_puts(b, "\"><title>");
        }
        sm__buf_xml(b, a->code[j]);
        sm__buf_puts(b, " ");
        sm__buf_xml(b, a->name[j]);
        const sm__ov_matrix *x = &ov->m[SM_OVERVIEW_REGIONS];
        if (j == fr)
            sm__buf_puts(b, ": the focus region");
        else
            sm__buf_printf(b, ": potential %.2f (%llu links to, %llu from %s)", p,
                           (unsigned long long)x->cell[fr * n + j].links, (unsigned long long)x->cell[j * n + fr].links,
                           a->code[fr]);
        sm__buf_puts(b, defs ? "</title></use>\n" : "</title></path>\n");
    }
    sm__buf_puts(b, "</g>\n");
    if (defs) {
        sm__buf_puts(b, "<use href=\"#sm-g-countries\" fill=\"none\" stroke=\"#777777\" stroke-width=\"0.6\"/>\n");
        double ly = f.h + MAP_TOP + 4;
        /* a compact legend inside the small map's frame */
        for (int s = 0; s < 5; s++) {
            char c[8];
            sm__ov_colour(c, (s + 0.5) / 5);
            sm__buf_printf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"30\" height=\"12\" fill=\"%s\"/>\n", 10.0 + 30 * s,
                           ly, c);
        }
        sm__buf_printf(b, "<text x=\"10\" y=\"%.0f\" font-size=\"16\" fill=\"#222\">0</text>", ly + 32);
        sm__buf_printf(b, "<text x=\"160\" y=\"%.0f\" font-size=\"16\" fill=\"#222\" text-anchor=\"end\">%.3g+</text>",
                       ly + 32, hi);
        sm__buf_printf(b, "<rect x=\"200\" y=\"%.0f\" width=\"20\" height=\"12\" fill=\"#d95f0e\"/><text x=\"226\" "
                          "y=\"%.0f\" font-size=\"16\" fill=\"#222\">", ly, ly + 12);
        sm__buf_xml(b, a->code[fr]);
        sm__buf_puts(b, " (focus)</text>\n</svg>\n");
        return SM_OK;
    }
    countries(b, &f, g, "none", "#777777");
    sm__buf_puts(b, "</svg>\n");
    sm__svg_legend(b, 12, f.h + MAP_TOP + 30, 260, 0, hi, 1,
                   "potential with the focus region (score sum of links, both directions)");
    sm__buf_printf(b, "<rect x=\"300\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"#d95f0e\"/>"
                      "<text x=\"320\" y=\"%.1f\" font-size=\"11\" fill=\"#222\">",
                   f.h + MAP_TOP + 30, f.h + MAP_TOP + 40);
    sm__buf_xml(b, a->code[fr]);
    sm__buf_puts(b, " (focus region)</text>\n");
    if (missing)
        sm__buf_printf(b, "<text x=\"300\" y=\"%.1f\" fill=\"#555\">%zu region(s) without an outline are not drawn"
                          "</text>\n", f.h + MAP_TOP + 58, missing);
    end(b, &f);
    return SM_OK;
}
