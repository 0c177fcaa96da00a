/* The overview's non-map pictures as deterministic, script-free SVG: the
 * region x region (and region x theme) heat map of lift with its legend,
 * and the sector x sector chord diagram; also the colour scale and legend
 * the maps share. Sizes and positions are rounded so that equal overviews
 * give byte-equal files. */
#include "overview/overview.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FONT "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\""

/* A sequential scale from pale yellow to dark blue (perceptually ordered,
 * readable in grey print). */
static const unsigned char stops[5][3] = {
    { 255, 255, 217 }, { 199, 233, 180 }, { 65, 182, 196 }, { 34, 94, 168 }, { 8, 29, 88 },
};

void sm__ov_colour(char out[8], double t)
{
    if (!(t > 0))
        t = 0;
    if (t > 1)
        t = 1;
    double s = t * 4;
    int k = (int)s;
    if (k > 3)
        k = 3;
    double f = s - k;
    int rgb[3];
    for (int c = 0; c < 3; c++)
        rgb[c] = (int)lround(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* A tick value with as few digits as it needs (at most 3 decimals, trailing zeros cut). */
static void tick(sm__buf *b, double v)
{
    char t[64];
    snprintf(t, sizeof t, "%.3f", v);
    char *end = t + strlen(t);
    while (end > t && end[-1] == '0')
        *--end = '\0';
    if (end > t && end[-1] == '.')
        *--end = '\0';
    sm__buf_puts(b, strcmp(t, "-0") ? t : "0");
}

void sm__svg_legend(sm__buf *b, double x, double y, double w, double lo, double hi, int plus, const char *title)
{
    enum { STEPS = 24 };
    sm__buf_printf(b, "<g class=\"legend\" " FONT " font-size=\"11\">\n<text x=\"%.1f\" y=\"%.1f\" fill=\"#222\">", x,
                   y - 6);
    sm__buf_xml(b, title);
    sm__buf_puts(b, "</text>\n");
    for (int i = 0; i < STEPS; i++) {
        char c[8];
        sm__ov_colour(c, (i + 0.5) / STEPS);
        sm__buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"12\" fill=\"%s\"/>\n", x + w * i / STEPS,
                       y, w / STEPS + 0.3, c);
    }
    sm__buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\" fill=\"none\" stroke=\"#666\" "
                      "stroke-width=\"0.5\"/>\n", x, y, w);
    for (int t = 0; t <= 4; t++) {
        double tx = x + w * t / 4, v = lo + (hi - lo) * t / 4;
        sm__buf_printf(b,
                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666\" stroke-width=\"0.5\"/>\n",
                       tx, y + 12, tx, y + 16);
        sm__buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#222\">", tx, y + 28);
        tick(b, v);
        if (t == 4 && plus)
            sm__buf_puts(b, "+");
        sm__buf_puts(b, "</text>\n");
    }
    sm__buf_puts(b, "</g>\n");
}

/* Writes at most max_chars characters (UTF-8 code points) of s, escaped, with "…" when cut. */
void sm__svg_text(sm__buf *b, const char *s, size_t max_chars)
{
    size_t chars = 0;
    const char *p = s;
    while (*p && chars < max_chars) {
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
        chars++;
    }
    if (!*p) {
        sm__buf_xml(b, s);
        return;
    }
    /* cut one character earlier to make room for the ellipsis */
    const char *q = s;
    for (size_t c = 0; c + 1 < max_chars && *q; c++) {
        q++;
        while ((*q & 0xC0) == 0x80)
            q++;
    }
    size_t n = (size_t)(q - s);
    char small[256];
    if (n >= sizeof small)
        n = sizeof small - 1;
    memcpy(small, s, n);
    small[n] = '\0';
    sm__buf_xml(b, small);
    sm__buf_puts(b, "\xe2\x80\xa6");
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, c = *(const double *)y;
    return (a > c) - (a < c);
}

double sm__ov_scale_top(double *v, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > 0)
            v[m++] = v[i];
    if (!m)
        return 1;
    qsort(v, m, sizeof *v, cmp_double);
    double top = v[(size_t)floor(0.95 * (double)(m - 1))];
    if (!(top > 0))
        top = v[m - 1];
    /* a round number: 1, 2, 4 or 8 times a power of ten */
    static const double nice[] = { 1, 2, 4, 8 }; /* quarters are round too */
    double mag = 1e-6;
    for (int guard = 0; guard < 40; guard++, mag *= 10)
        for (size_t i = 0; i < sizeof nice / sizeof *nice; i++)
            if (nice[i] * mag >= top)
                return nice[i] * mag;
    return top;
}

typedef struct ranked {
    uint64_t links;
    size_t i;
} ranked;

static int cmp_ranked(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    if (a->links != b->links)
        return a->links < b->links ? 1 : -1;
    return (a->i > b->i) - (a->i < b->i);
}

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return (a > b) - (a < b);
}

size_t sm__ov_pick(const sm_overview *ov, int m, int axis, size_t max, size_t *out)
{
    const sm__ov_matrix *x = &ov->m[m];
    size_t rows = x->axis[0].n, cols = x->axis[1].n, n = x->axis[axis].n;
    if (n <= max) {
        for (size_t i = 0; i < n; i++)
            out[i] = i;
        return n;
    }
    ranked *r = sm__calloc(&ov->alloc, n, sizeof *r);
    if (!r)
        return SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        r[i].i = i;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            uint64_t l = x->cell[i * cols + j].links;
            r[axis ? j : i].links += l;
            if (m != SM_OVERVIEW_THEMES && !axis)
                r[j].links += l; /* square matrices: links in and out */
        }
    qsort(r, n, sizeof *r, cmp_ranked);
    for (size_t i = 0; i < max; i++)
        out[i] = r[i].i;
    sm__free(&ov->alloc, r);
    qsort(out, max, sizeof *out, cmp_size);
    return max;
}

#define HEAT_MAX 40

/* The heat map of one index of matrix m: lift, or (region x region, with a
 * history) the untapped potential. */
static sm_status heat(sm__buf *b, const sm_overview *ov, int m, int index)
{
    const sm__ov_matrix *x = &ov->m[m];
    size_t rsel[HEAT_MAX], csel[HEAT_MAX];
    size_t nr = sm__ov_pick(ov, m, 0, HEAT_MAX, rsel);
    size_t nc = m == SM_OVERVIEW_THEMES ? sm__ov_pick(ov, m, 1, HEAT_MAX, csel) : nr;
    if (nr == SIZE_MAX || nc == SIZE_MAX)
        return sm__nomem();
    if (m != SM_OVERVIEW_THEMES)
        memcpy(csel, rsel, nr * sizeof *rsel);
    double vals[HEAT_MAX * HEAT_MAX];
    size_t nv = 0;
    for (size_t i = 0; i < nr; i++)
        for (size_t j = 0; j < nc; j++)
            vals[nv++] = sm__ov_value(ov, m, rsel[i], csel[j], index);
    double hi = sm__ov_scale_top(vals, nv);
    /* room above the grid for the longest column label, written at 60 degrees */
    size_t longest = 0;
    for (size_t j = 0; j < nc; j++) {
        size_t chars = 0;
        for (const char *p = x->axis[1].code[csel[j]]; *p; p++)
            chars += (*p & 0xC0) != 0x80;
        if (chars > longest)
            longest = chars;
    }
    if (longest > 22)
        longest = 22;
    double top = 50 + 6.0 * 0.87 * (double)longest + 8;
    if (top < 84)
        top = 84;
    const double cell = 16, left = 200;
    double width = left + cell * (double)nc + 30, height = top + cell * (double)nr + 90;
    if (width < 640)
        width = 640;
    const char *what = m == SM_OVERVIEW_THEMES ? "Region \xc3\x97 theme" : "Region \xc3\x97 region";
    int untapped = index == SM_OVERVIEW_UNTAPPED;
    sm__buf_printf(
        b,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" " FONT
        " font-size=\"10\">\n",
        width, height, width, height);
    sm__buf_printf(b, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", width, height);
    if (untapped)
        sm__buf_printf(b, "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#111\">%s: untapped "
                          "potential (top-%zu links between SMEs that never cooperated)</text>\n", what, ov->k);
    else
        sm__buf_printf(b, "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#111\">%s: lift of "
                          "top-%zu links (observed / expected)</text>\n", what, ov->k);
    sm__buf_printf(b, "<text x=\"10\" y=\"34\" font-size=\"10\" fill=\"#444\">rows: querying SME's region (NUTS %d); "
                      "columns: partner's %s; %zu of %zu rows shown</text>\n",
                   ov->region_level,
                   m != SM_OVERVIEW_THEMES ? "region" : ov->user_themes ? "themes (its tags)" : "NACE section", nr,
                   x->axis[0].n);
    /* column labels, rotated */
    for (size_t j = 0; j < nc; j++) {
        double cx = left + cell * (double)j + cell / 2 + 3;
        sm__buf_printf(b, "<text transform=\"translate(%.1f %.1f) rotate(-60)\" fill=\"#222\">", cx, top - 4);
        sm__svg_text(b, x->axis[1].code[csel[j]], 22);
        sm__buf_puts(b, "</text>\n");
    }
    for (size_t i = 0; i < nr; i++) {
        double y = top + cell * (double)i;
        sm__buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#222\">", left - 4, y + cell - 4);
        sm__buf_xml(b, x->axis[0].code[rsel[i]]);
        sm__buf_puts(b, " ");
        sm__svg_text(b, x->axis[0].name[rsel[i]], 26);
        sm__buf_puts(b, "</text>\n");
        for (size_t j = 0; j < nc; j++) {
            size_t ci = rsel[i], cj = csel[j];
            uint64_t links = x->cell[ci * x->axis[1].n + cj].links;
            double lift = sm__ov_value(ov, m, ci, cj, SM_OVERVIEW_LIFT), v = sm__ov_value(ov, m, ci, cj, index);
            char col[8] = "#f2f2f2";
            if (links)
                sm__ov_colour(col, v / hi);
            sm__buf_printf(b,
                           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"#ffffff\" "
                           "stroke-width=\"1\"><title>",
                           left + cell * (double)j, y, cell, cell, col);
            sm__buf_xml(b, x->axis[0].code[ci]);
            sm__buf_puts(b, " \xe2\x86\x92 ");
            sm__buf_xml(b, x->axis[1].code[cj]);
            sm__buf_printf(b, ": %llu links, mean score %.2f, lift %.2f", (unsigned long long)links,
                           sm__ov_value(ov, m, ci, cj, SM_OVERVIEW_SCORE_MEAN), lift);
            if (ov->has_history)
                sm__buf_printf(b, ", realised %.0f, untapped %.2f", sm__ov_value(ov, m, ci, cj, SM_OVERVIEW_REALISED),
                               sm__ov_value(ov, m, ci, cj, SM_OVERVIEW_UNTAPPED));
            sm__buf_puts(b, "</title></rect>\n");
        }
    }
    double ly = top + cell * (double)nr + 40;
    sm__svg_legend(b, left, ly, 240, 0, hi, 1,
                   untapped ? "untapped potential: score sum of links not yet realised (grey = no link)"
                            : "lift: links / expected (1 = as by chance; grey = no link)");
    sm__buf_puts(b, "</svg>\n");
    return SM_OK;
}

sm_status sm__svg_heatmap(sm__buf *b, const sm_overview *ov, int m) { return heat(b, ov, m, SM_OVERVIEW_LIFT); }

sm_status sm__svg_untapped(sm__buf *b, const sm_overview *ov)
{
    if (!ov->has_history)
        return sm__fail(SM_ERR_UNSUPPORTED, "overview: the untapped-potential heat map needs a cooperation history "
                                            "(load one into the engine before the overview: sm_history_load())");
    return heat(b, ov, SM_OVERVIEW_REGIONS, SM_OVERVIEW_UNTAPPED);
}

/* ---- chord diagram ------------------------------------------------------------ */

#define CHORD_MAX 20

/* Twenty distinguishable colours for the sector groups. */
static const char *const category[CHORD_MAX] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
};

static void polar(double *x, double *y, double cx, double cy, double r, double a)
{
    *x = cx + r * sin(a);
    *y = cy - r * cos(a);
}

sm_status sm__svg_chord(sm__buf *b, const sm_overview *ov)
{
    const sm__ov_matrix *x = &ov->m[SM_OVERVIEW_SECTORS];
    size_t sel[CHORD_MAX];
    size_t n = sm__ov_pick(ov, SM_OVERVIEW_SECTORS, 0, CHORD_MAX, sel);
    if (n == SIZE_MAX)
        return sm__nomem();
    size_t cols = x->axis[1].n;
    /* flow between groups g and h: links both ways (a group's own links once) */
    double flow[CHORD_MAX][CHORD_MAX], total[CHORD_MAX], all = 0;
    for (size_t g = 0; g < n; g++) {
        total[g] = 0;
        for (size_t h = 0; h < n; h++) {
            double f = (double)x->cell[sel[g] * cols + sel[h]].links;
            if (g != h)
                f += (double)x->cell[sel[h] * cols + sel[g]].links;
            flow[g][h] = f;
            total[g] += f;
        }
        all += total[g];
    }
    const double w = 820, h = 740, cx = 410, cy = 400, r = 210, gap = 0.012;
    sm__buf_printf(
        b,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" " FONT
        " font-size=\"10\">\n<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
        w, h, w, h, w, h);
    sm__buf_printf(b, "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#111\">Sector \xc3\x97 "
                      "sector: top-%zu links between NACE level-%d sectors</text>\n", ov->k, ov->sector_level);
    sm__buf_printf(b,
                   "<text x=\"10\" y=\"34\" fill=\"#444\">arc length = a sector's links; ribbon width = links between "
                   "two sectors, both directions; %zu of %zu sectors shown</text>\n",
                   n, x->axis[0].n);
    if (all <= 0) {
        sm__buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#444\">no links</text>\n</svg>\n",
                       cx, cy);
        return SM_OK;
    }
    double usable = 2 * SM__PI - gap * (double)n;
    double start[CHORD_MAX], pos[CHORD_MAX];
    double a = 0;
    for (size_t g = 0; g < n; g++) {
        start[g] = a;
        pos[g] = a;
        a += usable * total[g] / all + gap;
    }
    /* sub-arc of g for h, in the order h = 0..n-1 */
    double sub0[CHORD_MAX][CHORD_MAX], sub1[CHORD_MAX][CHORD_MAX];
    for (size_t g = 0; g < n; g++)
        for (size_t k = 0; k < n; k++) {
            sub0[g][k] = pos[g];
            pos[g] += usable * flow[g][k] / all;
            sub1[g][k] = pos[g];
        }
    /* ribbons first, groups over them */
    sm__buf_puts(b, "<g fill-opacity=\"0.62\" stroke=\"#ffffff\" stroke-width=\"0.3\">\n");
    for (size_t g = 0; g < n; g++)
        for (size_t k = g; k < n; k++) {
            if (flow[g][k] <= 0)
                continue;
            double x0, y0, x1, y1, x2, y2, x3, y3;
            polar(&x0, &y0, cx, cy, r, sub0[g][k]);
            polar(&x1, &y1, cx, cy, r, sub1[g][k]);
            polar(&x2, &y2, cx, cy, r, sub0[k][g]);
            polar(&x3, &y3, cx, cy, r, sub1[k][g]);
            size_t own = total[g] >= total[k] ? g : k;
            int large_g = sub1[g][k] - sub0[g][k] > SM__PI, large_k = sub1[k][g] - sub0[k][g] > SM__PI;
            if (g == k)
                sm__buf_printf(b, "<path d=\"M%.1f %.1fA%.0f %.0f 0 %d 1 %.1f %.1fQ%.0f %.0f %.1f %.1fZ\" fill=\"%s\">",
                               x0, y0, r, r, large_g, x1, y1, cx, cy, x0, y0, category[own]);
            else
                sm__buf_printf(b,
                               "<path d=\"M%.1f %.1fA%.0f %.0f 0 %d 1 %.1f %.1fQ%.0f %.0f %.1f %.1fA%.0f %.0f 0 %d 1 "
                               "%.1f %.1fQ%.0f %.0f %.1f %.1fZ\" fill=\"%s\">",
                               x0, y0, r, r, large_g, x1, y1, cx, cy, x2, y2, r, r, large_k, x3, y3, cx, cy, x0, y0,
                               category[own]);
            sm__buf_puts(b, "<title>");
            sm__buf_xml(b, x->axis[0].code[sel[g]]);
            sm__buf_puts(b, " \xe2\x86\x94 ");
            sm__buf_xml(b, x->axis[0].code[sel[k]]);
            sm__buf_printf(b, ": %.0f links</title></path>\n", flow[g][k]);
        }
    sm__buf_puts(b, "</g>\n");
    for (size_t g = 0; g < n; g++) {
        double a0 = start[g], a1 = start[g] + usable * total[g] / all;
        if (a1 - a0 <= 0)
            continue;
        double x0, y0, x1, y1, x2, y2, x3, y3;
        polar(&x0, &y0, cx, cy, r + 2, a0);
        polar(&x1, &y1, cx, cy, r + 2, a1);
        polar(&x2, &y2, cx, cy, r + 14, a1);
        polar(&x3, &y3, cx, cy, r + 14, a0);
        int large = a1 - a0 > SM__PI;
        sm__buf_printf(b, "<path d=\"M%.1f %.1fA%.0f %.0f 0 %d 1 %.1f %.1fL%.1f %.1fA%.0f %.0f 0 %d 0 %.1f %.1fZ\" "
                          "fill=\"%s\"><title>", x0, y0, r + 2, r + 2, large, x1, y1, x2, y2, r + 14, r + 14, large,
                       x3, y3, category[g]);
        sm__buf_xml(b, x->axis[0].code[sel[g]]);
        sm__buf_puts(b, " ");
        sm__buf_xml(b, x->axis[0].name[sel[g]]);
        sm__buf_printf(b, ": %.0f links</title></path>\n", total[g]);
    }
    /* labels outside the arcs, horizontal; on each side they are pushed
     * apart to one line height and joined to their arc by a leader */
    double ly[CHORD_MAX], lyw[CHORD_MAX], mid[CHORD_MAX];
    size_t order[CHORD_MAX], no = 0;
    for (size_t g = 0; g < n; g++) {
        double a0 = start[g], a1 = start[g] + usable * total[g] / all, lx;
        mid[g] = (a0 + a1) / 2;
        polar(&lx, &ly[g], cx, cy, r + 24, mid[g]);
        lyw[g] = ly[g];
    }
    for (int side = 0; side < 2; side++) {
        no = 0;
        for (size_t g = 0; g < n; g++)
            if ((sin(mid[g]) >= 0) == (side == 0) && total[g] > 0)
                order[no++] = g;
        /* by wanted y, then push down; then pull back up from the bottom */
        for (size_t i = 1; i < no; i++)
            for (size_t k = i; k > 0 && ly[order[k]] < ly[order[k - 1]]; k--) {
                size_t t = order[k];
                order[k] = order[k - 1];
                order[k - 1] = t;
            }
        for (size_t i = 1; i < no; i++)
            if (lyw[order[i]] < lyw[order[i - 1]] + 12)
                lyw[order[i]] = lyw[order[i - 1]] + 12;
        for (size_t i = no; i-- > 0;) {
            double limit = i + 1 < no ? lyw[order[i + 1]] - 12 : h - 10;
            if (lyw[order[i]] > limit)
                lyw[order[i]] = limit;
        }
    }
    for (size_t g = 0; g < n; g++) {
        if (total[g] <= 0)
            continue;
        int right = sin(mid[g]) >= 0;
        double ax, ay, lx, dummy;
        polar(&ax, &ay, cx, cy, r + 16, mid[g]);
        polar(&lx, &dummy, cx, cy, r + 24, mid[g]);
        double dy = lyw[g] - ly[g];
        double tx = lx + (right ? 1 : -1) * (fabs(dy) > 2 ? 10 : 0);
        if (fabs(dy) > 2)
            sm__buf_printf(b, "<polyline points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"#999\" "
                              "stroke-width=\"0.6\"/>\n", ax, ay, lx, lyw[g], tx - (right ? 2 : -2), lyw[g]);
        sm__buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"#222\">", tx, lyw[g] + 3.5,
                       right ? "start" : "end");
        sm__buf_xml(b, x->axis[0].code[sel[g]]);
        sm__buf_puts(b, " ");
        sm__svg_text(b, x->axis[0].name[sel[g]], 24);
        sm__buf_puts(b, "</text>\n");
    }
    sm__buf_puts(b, "</svg>\n");
    return SM_OK;
}
