/* The broker's report: one self-contained HTML file (inline CSS and SVG,
 * no script, no network) with the maps, the heat maps and the chord
 * diagram, the best potential cooperations per region pair with their
 * reasons, and one printable sheet per region: who in the region should
 * talk to whom in other regions, and why, with a map of its potential
 * partners. With a cooperation history: the untapped potential (a heat map
 * and the region pairs with most of it) and the pairs that already
 * cooperated flagged. */
#include "overview/overview.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PAIRS_SHOWN 25  /* region pairs in the potential-cooperations section */
#define SHEET_PARTNERS 8
#define SHEET_PAIRS 10
#define UNTAPPED_SHOWN 15 /* region pairs in the untapped-potential table */

static const char css[] =
    "body{font-family:\"DejaVu Sans\",Arial,Helvetica,sans-serif;color:#1a1a1a;margin:24px auto;max-width:1000px;"
    "padding:0 16px;line-height:1.4;font-size:14px}\n"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;border-bottom:2px solid #225ea8;padding-bottom:3px;"
    "margin-top:36px}h3{font-size:15px;margin:20px 0 6px}\n"
    ".meta{color:#444}.note{color:#555;font-size:12px}figure{margin:12px 0}svg{max-width:100%;height:auto}\n"
    "table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0 14px}"
    "th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#eef3f8}td.n{text-align:right;white-space:nowrap}\n"
    ".coop{color:#7a4b00;font-size:11.5px;white-space:nowrap}\n"
    ".sheet{border-top:1px solid #bbb;margin-top:28px}.facts span{display:inline-block;margin-right:18px}\n"
    "nav ol{columns:2}footer{margin-top:40px;font-size:12px;color:#555;border-top:1px solid #ccc;padding-top:8px}\n"
    "@media print{body{max-width:none;margin:0}.sheet,.page{break-before:page}nav{display:none}}\n";

static void h(sm__buf *b, const char *s) { sm__buf_xml(b, s); }

static void figure(sm__buf *b, sm_status *st, sm_status pic, const char *caption)
{
    if (pic && !*st)
        *st = pic;
    sm__buf_puts(b, "<figcaption class=\"note\">");
    h(b, caption);
    sm__buf_puts(b, "</figcaption></figure>\n");
}

static void pair_row(sm__buf *b, const sm__ov_best *p, size_t rank)
{
    const char *s[9];
    sm__ov_best_strings(p, s);
    sm__buf_printf(b, "<tr><td class=\"n\">%zu</td><td>", rank);
    h(b, s[1]);
    sm__buf_puts(b, " <span class=\"note\">(");
    h(b, s[0]);
    sm__buf_puts(b, ", ");
    h(b, s[2]);
    sm__buf_puts(b, ", NACE ");
    h(b, s[3]);
    sm__buf_puts(b, ")</span></td><td>");
    h(b, s[5]);
    sm__buf_puts(b, " <span class=\"note\">(");
    h(b, s[4]);
    sm__buf_puts(b, ", ");
    h(b, s[6]);
    sm__buf_puts(b, ", NACE ");
    h(b, s[7]);
    sm__buf_puts(b, ")</span>");
    if (p->coop)
        sm__buf_printf(b, " <span class=\"coop\">\xe2\x9c\x93 cooperated before (%u\xc3\x97)</span>", p->coop);
    sm__buf_printf(b, "</td><td class=\"n\">%.3f</td><td>", p->score);
    h(b, s[8]);
    sm__buf_puts(b, "</td></tr>\n");
}

static void region_title(sm__buf *b, const sm__ov_axis *a, size_t i)
{
    h(b, a->code[i]);
    sm__buf_puts(b, " ");
    h(b, a->name[i]);
}

static const char pair_head[] =
    "<table><tr><th>#</th><th>SME</th><th>partner</th><th>score</th><th>why</th></tr>\n";

typedef struct cellrank {
    uint64_t links;
    size_t i, j;
} cellrank;

static int cmp_cell(const void *x, const void *y)
{
    const cellrank *a = x, *b = y;
    if (a->links != b->links)
        return a->links < b->links ? 1 : -1;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    return (a->j > b->j) - (a->j < b->j);
}

/* Region pairs by untapped potential (fixed point, so ties are exact), then rows, columns. */
typedef struct untap {
    uint64_t fix;
    size_t i, j;
} untap;

static int cmp_untap(const void *x, const void *y)
{
    const untap *a = x, *b = y;
    if (a->fix != b->fix)
        return a->fix < b->fix ? 1 : -1;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    return (a->j > b->j) - (a->j < b->j);
}

static sm_status untapped_section(sm__buf *b, const sm_overview *ov, sm_status *st)
{
    const sm__ov_matrix *x = &ov->m[SM_OVERVIEW_REGIONS];
    const sm__ov_axis *ra = &x->axis[0];
    size_t n = ra->n;
    sm__buf_puts(b, "<section id=\"untapped\" class=\"page\"><h2>Untapped potential</h2>\n<p class=\"note\">"
                    "Untapped potential is the score of the top links between SMEs that have never cooperated "
                    "(in the cooperation history given); realised counts the pairs of SMEs of the two regions that "
                    "have.</p>\n<figure>\n");
    figure(b, st, sm__svg_untapped(b, ov),
           "Rows: region of the SME; columns: region of its partner. Colour: untapped potential.");
    untap *u = sm__malloc(&ov->alloc, (n * n + 1) * sizeof *u);
    if (!u)
        return sm__nomem();
    size_t nu = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j && x->cell[i * n + j].untapped_fix)
                u[nu++] = (untap){ x->cell[i * n + j].untapped_fix, i, j };
    qsort(u, nu, sizeof *u, cmp_untap);
    sm__buf_printf(b, "<h3>The %zu region pairs with most untapped potential</h3>\n<table><tr><th>region</th>"
                      "<th>partner region</th><th>links</th><th>potential</th><th>realised</th><th>untapped</th>"
                      "<th>untapped share</th></tr>\n", nu < UNTAPPED_SHOWN ? nu : UNTAPPED_SHOWN);
    for (size_t t = 0; t < nu && t < UNTAPPED_SHOWN; t++) {
        size_t i = u[t].i, j = u[t].j;
        double sum = sm__ov_value(ov, 0, i, j, SM_OVERVIEW_SCORE_SUM), un = sm__ov_value(ov, 0, i, j,
                                                                                         SM_OVERVIEW_UNTAPPED);
        sm__buf_puts(b, "<tr><td>");
        region_title(b, ra, i);
        sm__buf_puts(b, "</td><td>");
        region_title(b, ra, j);
        sm__buf_printf(b, "</td><td class=\"n\">%llu</td><td class=\"n\">%.2f</td><td class=\"n\">%.0f</td>"
                          "<td class=\"n\">%.2f</td><td class=\"n\">%.0f%%</td></tr>\n",
                       (unsigned long long)x->cell[i * n + j].links, sum,
                       sm__ov_value(ov, 0, i, j, SM_OVERVIEW_REALISED), un, sum > 0 ? 100 * un / sum : 0);
    }
    sm__buf_puts(b, "</table>\n</section>\n");
    sm__free(&ov->alloc, u);
    return SM_OK;
}

typedef struct pref {
    const sm__ov_best *p;
} pref;

static int cmp_pref(const void *x, const void *y)
{
    const sm__ov_best *a = ((const pref *)x)->p, *b = ((const pref *)y)->p;
    if (a->score != b->score)
        return a->score < b->score ? 1 : -1;
    return strcmp(a->text, b->text); /* ids first in the text: a stable order */
}

sm_status sm__ov_report(sm__buf *b, const sm_overview *ov, const sm_geometry *g)
{
    const sm__ov_matrix *x = &ov->m[SM_OVERVIEW_REGIONS];
    const sm__ov_axis *ra = &x->axis[0];
    size_t n = ra->n;
    sm_status st = SM_OK;
    sm__buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                    "<title>Regional networking overview</title>\n<style>\n");
    sm__buf_puts(b, css);
    sm__buf_puts(b, "</style>\n</head>\n<body>\n<header>\n<h1>Regional networking overview</h1>\n");
    sm__buf_printf(b,
                   "<p class=\"meta\">%zu SMEs in %zu NUTS-%d regions \xc2\xb7 top %zu partners of each SME \xc2\xb7 "
                   "%llu links \xc2\xb7 sectors at NACE level %d%s%s</p>\n</header>\n",
                   ov->n_smes, n, ov->region_level, ov->k, (unsigned long long)ov->total_links, ov->sector_level,
                   ov->has_history ? " \xc2\xb7 with the cooperation history" : "",
                   ov->user_themes ? " \xc2\xb7 user-defined themes" : "");
    sm__buf_puts(b,
                 "<nav><h2>Contents</h2><ol><li><a href=\"#maps\">Maps</a></li><li><a href=\"#heat\">Region \xc3\x97 "
                 "region</a></li><li><a href=\"#themes\">Region \xc3\x97 theme</a></li><li><a href=\"#sectors\">"
                 "Sector \xc3\x97 sector</a></li>");
    if (ov->has_history)
        sm__buf_puts(b, "<li><a href=\"#untapped\">Untapped potential</a></li>");
    sm__buf_puts(b, "<li><a href=\"#potential\">Potential cooperations</a></li>"
                    "<li><a href=\"#sheets\">One sheet per region</a></li></ol></nav>\n");
    sm__buf_puts(b, "<p class=\"note\">A link is one of the top partners the matching found for an SME; a cell counts "
                    "the links from SMEs of its row to partners of its column. Lift compares a cell with chance: "
                    "1 means as many links as the sizes of the two regions predict, 2 twice as many.</p>\n");

    sm__buf_puts(b, "<section id=\"maps\" class=\"page\"><h2>Maps</h2>\n");
    if (g) {
        sm__buf_puts(b, "<figure>\n");
        figure(b, &st, sm__svg_choropleth(b, ov, g),
               "How much cooperation potential each region's SMEs find in other regions, per SME.");
        sm__buf_puts(b, "<figure>\n");
        figure(b, &st, sm__svg_flows(b, ov, g), "The region pairs with the most links between their SMEs.");
    } else {
        sm__buf_puts(b, "<p class=\"note\">The maps are left out: no geometry file was given.</p>\n");
    }
    sm__buf_puts(b, "</section>\n<section id=\"heat\" class=\"page\"><h2>Region \xc3\x97 region</h2>\n<figure>\n");
    figure(b, &st, sm__svg_heatmap(b, ov, SM_OVERVIEW_REGIONS),
           "Rows: region of the SME; columns: region of its partner. Colour: lift; hover a cell for its numbers.");
    sm__buf_puts(b, "</section>\n<section id=\"themes\" class=\"page\"><h2>Region \xc3\x97 theme</h2>\n<figure>\n");
    figure(b, &st, sm__svg_heatmap(b, ov, SM_OVERVIEW_THEMES),
           ov->user_themes ? "Rows: region of the SME; columns: the themes of its partner (a theme is a group of tags; "
                             "a partner counts in every theme its offers or needs belong to)."
                           : "Rows: region of the SME; columns: NACE section of its partner's main activity.");
    sm__buf_puts(b, "</section>\n<section id=\"sectors\" class=\"page\"><h2>Sector \xc3\x97 sector</h2>\n<figure>\n");
    figure(b, &st, sm__svg_chord(b, ov), "Which sectors the matching links, across and within sectors.");
    sm__buf_puts(b, "</section>\n");
    if (ov->has_history && untapped_section(b, ov, &st))
        return sm__nomem();

    /* the region pairs with most links, each with its best pairs */
    cellrank *cr = sm__malloc(&ov->alloc, (n * n + 1) * sizeof *cr);
    pref *pl = sm__malloc(&ov->alloc, (n * ov->best_per_cell + 1) * sizeof *pl);
    if (!cr || !pl) {
        sm__free(&ov->alloc, cr);
        sm__free(&ov->alloc, pl);
        return sm__nomem();
    }
    size_t nc = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j && x->cell[i * n + j].links)
                cr[nc++] = (cellrank){ x->cell[i * n + j].links, i, j };
    qsort(cr, nc, sizeof *cr, cmp_cell);
    sm__buf_printf(b, "<section id=\"potential\" class=\"page\"><h2>Potential cooperations</h2>\n<p class=\"note\">The "
                      "%zu region pairs with most links (of %zu with any), each with its best pairs of SMEs. "
                      "potential.csv lists them all.</p>\n",
                   nc < PAIRS_SHOWN ? nc : PAIRS_SHOWN, nc);
    for (size_t c = 0; c < nc && c < PAIRS_SHOWN; c++) {
        size_t i = cr[c].i, j = cr[c].j, cell = i * n + j;
        sm__buf_puts(b, "<h3>");
        region_title(b, ra, i);
        sm__buf_puts(b, " \xe2\x86\x92 ");
        region_title(b, ra, j);
        sm__buf_printf(b, "</h3>\n<p class=\"note\">%llu links, mean score %.3f, lift %.2f</p>\n",
                       (unsigned long long)x->cell[cell].links, sm__ov_value(ov, 0, i, j, SM_OVERVIEW_SCORE_MEAN),
                       sm__ov_value(ov, 0, i, j, SM_OVERVIEW_LIFT));
        sm__buf_puts(b, pair_head);
        for (size_t r = 0; r < x->cell[cell].n_best; r++)
            pair_row(b, &x->cell[cell].best[r], r + 1);
        sm__buf_puts(b, "</table>\n");
    }
    sm__buf_puts(b, "</section>\n<section id=\"sheets\"><h2>One sheet per region</h2>\n");
    if (g) /* the outlines once; each sheet's map uses them */
        sm__svg_map_defs(b, ov, g);
    for (size_t i = 0; i < n; i++) {
        sm__buf_printf(b, "<div class=\"sheet\" id=\"r-%s\"><h3>", ra->code[i]);
        region_title(b, ra, i);
        uint64_t inter = 0, total = x->row_links[i];
        for (size_t j = 0; j < n; j++)
            if (j != i)
                inter += x->cell[i * n + j].links;
        sm__buf_printf(b,
                       "</h3>\n<p class=\"facts\"><span>%llu SMEs</span><span>%llu links, %llu to other regions</span>"
                       "<span>outgoing potential %.2f per SME</span></p>\n",
                       (unsigned long long)ra->smes[i], (unsigned long long)total, (unsigned long long)inter,
                       sm__ov_outgoing(ov, i));
        if (ov->has_history) {
            uint64_t real = 0, un = 0;
            for (size_t j = 0; j < n; j++)
                if (j != i) {
                    real += x->realised[i * n + j];
                    un += x->cell[i * n + j].untapped_fix;
                }
            sm__buf_printf(b, "<p class=\"facts\"><span>%llu realised cooperations with SMEs of other regions</span>"
                              "<span>untapped potential %.2f</span></p>\n",
                           (unsigned long long)real, (double)un / SM__OV_FIX);
        }
        if (g) {
            sm__buf_puts(b, "<figure>\n");
            figure(b, &st, sm__svg_focus(b, ov, g, i, 1),
                   "Where this region's potential partners are: each region shaded by the score of the top links "
                   "between it and this region, both directions (grey: none).");
        }
        /* partner regions by links */
        size_t np = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i && x->cell[i * n + j].links)
                cr[np++] = (cellrank){ x->cell[i * n + j].links, i, j };
        qsort(cr, np, sizeof *cr, cmp_cell);
        if (np) {
            sm__buf_puts(b, "<table><tr><th>partner region</th><th>links</th><th>mean score</th><th>lift</th>");
            sm__buf_puts(b, ov->has_history ? "<th>realised</th><th>untapped</th></tr>\n" : "</tr>\n");
            for (size_t t = 0; t < np && t < SHEET_PARTNERS; t++) {
                size_t j = cr[t].j;
                sm__buf_puts(b, "<tr><td>");
                region_title(b, ra, j);
                sm__buf_printf(b, "</td><td class=\"n\">%llu</td><td class=\"n\">%.3f</td><td class=\"n\">%.2f</td>",
                               (unsigned long long)cr[t].links, sm__ov_value(ov, 0, i, j, SM_OVERVIEW_SCORE_MEAN),
                               sm__ov_value(ov, 0, i, j, SM_OVERVIEW_LIFT));
                if (ov->has_history)
                    sm__buf_printf(b, "<td class=\"n\">%.0f</td><td class=\"n\">%.2f</td>",
                                   sm__ov_value(ov, 0, i, j, SM_OVERVIEW_REALISED),
                                   sm__ov_value(ov, 0, i, j, SM_OVERVIEW_UNTAPPED));
                sm__buf_puts(b, "</tr>\n");
            }
            sm__buf_puts(b, "</table>\n");
        }
        /* who should talk to whom abroad: the best pairs of the row's cells */
        size_t nb = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i)
                for (size_t r = 0; r < x->cell[i * n + j].n_best; r++)
                    pl[nb++].p = &x->cell[i * n + j].best[r];
        qsort(pl, nb, sizeof *pl, cmp_pref);
        if (nb) {
            sm__buf_puts(
                b,
                "<p><b>Who should talk to whom in other regions</b> <span class=\"note\">(the best pairs, at most two "
                "per SME of the region)</span></p>\n");
            sm__buf_puts(b, pair_head);
            /* at most two lines per SME of the region, so that one busy
             * company does not fill the sheet */
            const sm__ov_best *shown[SHEET_PAIRS];
            size_t ns = 0;
            for (size_t t = 0; t < nb && ns < SHEET_PAIRS; t++) {
                int same = 0;
                for (size_t u = 0; u < ns; u++)
                    same += shown[u]->a == pl[t].p->a;
                if (same >= 2)
                    continue;
                shown[ns++] = pl[t].p;
                pair_row(b, pl[t].p, ns);
            }
            sm__buf_puts(b, "</table>\n");
        } else {
            sm__buf_puts(b, "<p class=\"note\">No partner in another region among the top links.</p>\n");
        }
        sm__buf_puts(b, "</div>\n");
    }
    sm__free(&ov->alloc, cr);
    sm__free(&ov->alloc, pl);
    sm__buf_puts(b, "</section>\n<footer><p>Indices as defined in the smartmatch guide docs/overview.md.");
    if (g)
        sm__buf_puts(b, " Administrative boundaries: " SM__GEO_CREDIT " (Eurostat GISCO, NUTS 2021, 1:60 million; "
                        "non-commercial use).");
    sm__buf_puts(b, "</p></footer>\n</body>\n</html>\n");
    return st;
}
