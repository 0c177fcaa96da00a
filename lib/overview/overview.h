/* Private definitions of the overview layer: the aggregated matrices
 * (aggregate.c), the text buffer the writers share (text.c), the map
 * geometry (geometry.c) and the pictures and report (svg.c, map.c,
 * report.c). Not installed. */
#ifndef SM_OVERVIEW_H
#define SM_OVERVIEW_H

#include "match/match.h"

#include <stdio.h>

/* Scores are summed in fixed point (2^-32) so that the sums, and all that is
 * computed from them, do not depend on the order results arrive in. */
#define SM__OV_FIX 4294967296.0

/* pi, which C11 <math.h> does not promise */
#define SM__PI 3.14159265358979323846

/* A best pair of a cell. Strings are filled after the batch (ov_finish). */
typedef struct sm__ov_best {
    uint32_t a, b;   /* SME indices during the batch */
    double score;
    uint8_t crit[3]; /* the criteria with the largest weighted scores, 255 = none */
    float crit_score[3];
    uint32_t coop;   /* cooperations the two shared in the history (0 = none) */
    char *text;      /* "a\0a_name\0a_region\0a_sector\0b\0...\0reasons\0", own allocation */
} sm__ov_best;

typedef struct sm__ov_axis {
    size_t n;
    char **code, **name; /* copies */
    uint64_t *smes;      /* SMEs per label */
    double *lat, *lon;   /* regions: representative point; NULL for sectors */
} sm__ov_axis;

/* One cell: what the batch callback touches, together, so that a link
 * costs one cache line. */
typedef struct sm__ov_cell {
    uint64_t links;
    uint64_t sum_fix;   /* scores x SM__OV_FIX */
    uint64_t untapped_fix; /* the same over links whose two SMEs never cooperated (with a history) */
    sm__ov_best *best;  /* NULL or best_per_cell entries, best first */
    uint32_t n_best;
} sm__ov_cell;

typedef struct sm__ov_matrix {
    sm__ov_axis axis[2];
    sm__ov_cell *cell;   /* rows x cols */
    uint64_t *both;      /* SMEs with row label i and column label j: pairs = n_i m_j - both */
    uint64_t *row_links; /* rows: links of each row (each link once), filled after the batch */
    uint64_t *realised;  /* with a history: ordered pairs (s, t) that cooperated, per cell; else NULL */
} sm__ov_matrix;

#define SM__OV_MATRICES 3

struct sm_overview {
    sm__alloc alloc;
    size_t n_smes, k, best_per_cell;
    int region_level, sector_level;
    sm__ov_matrix m[SM__OV_MATRICES];
    size_t n_crit;
    char **crit_names; /* copies */
    uint64_t total_links;
    int has_history;   /* the engine held cooperations: realised and untapped are filled */
    int user_themes;   /* the theme columns are user-defined tag groups, not NACE sections */
};

/* ---- user-defined themes (themes.c) --------------------------------------- */

typedef struct sm__theme {
    char *name;   /* own allocation */
    char **tags;  /* normalised (sm__tag_normalize), distinct */
    size_t n_tags, cap_tags;
} sm__theme;

struct sm_themes {
    sm__alloc alloc;
    sm__theme *t;
    size_t n, cap;
};

#define SM__THEMES_MAX 64 /* an SME's themes are a 64-bit set */
#define SM__THEME_NAME_MAX 128

/* Each SME's set of themes (bit i: theme i) into *out (allocator a) and the
 * theme axis (names, no counts yet); reader lock held. */
sm_status sm__ov_theme_masks(uint64_t **out, sm__ov_axis *x, const sm_engine *e, const sm_themes *t,
                             const sm__alloc *a);

/* ---- text buffer (text.c) ----------------------------------------------- */

typedef struct sm__buf {
    const sm__alloc *alloc;
    char *p;
    size_t len, cap;
    int failed; /* an allocation failed; the text is incomplete */
} sm__buf;

void sm__buf_init(sm__buf *b, const sm__alloc *a);
void sm__buf_free(sm__buf *b);
void sm__buf_put(sm__buf *b, const char *s, size_t n);
void sm__buf_puts(sm__buf *b, const char *s);
void sm__buf_printf(sm__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Escapes for XML/HTML text and attributes (& < > " '). */
void sm__buf_xml(sm__buf *b, const char *s);
/* A CSV field, quoted when needed (RFC 4180). */
void sm__buf_csv(sm__buf *b, const char *s);
/* A JSON string with quotes. */
void sm__buf_json(sm__buf *b, const char *s);
/* A number with up to 6 significant decimals, "%.6g"-like but never exponent for [1e-4, 1e15). */
void sm__buf_num(sm__buf *b, double v);

/* ---- accessors shared by the writers (aggregate.c) ---------------------- */

double sm__ov_value(const sm_overview *ov, int m, size_t i, size_t j, int index);
/* The strings of a best pair: a, a_name, a_region, a_sector, b, b_name, b_region, b_sector, reasons. */
void sm__ov_best_strings(const sm__ov_best *p, const char *out[9]);

/* ---- writers ------------------------------------------------------------- */

void sm__ov_csv_matrix(sm__buf *b, const sm_overview *ov, int m);
void sm__ov_csv_potential(sm__buf *b, const sm_overview *ov);
void sm__ov_json(sm__buf *b, const sm_overview *ov);

/* ---- geometry (geometry.c) ----------------------------------------------- */

typedef struct sm__geo_region {
    char code[SM_REGION_CODE_MAX + 1];
    int level;
    size_t start, n_rings; /* rings[start .. start + n_rings) */
    double x0, y0, x1, y1; /* bounding box, projected metres */
} sm__geo_region;

typedef struct sm__geo_ring {
    size_t start, n; /* pts[2 * start ..] as x, y pairs */
} sm__geo_ring;

struct sm_geometry {
    sm__alloc alloc;
    sm__geo_region *regions;
    size_t n_regions;
    sm__geo_ring *rings;
    size_t n_rings;
    double *pts; /* projected metres */
    size_t n_pts;
};

/* Parses a geometry file held in text[0..len) (text[len] == '\0'; modified). */
sm_status sm__geometry_parse(sm_geometry **out, char *text, size_t len, const char *name, const sm__alloc *a);
/* The outline of a region code, NULL if absent. */
const sm__geo_region *sm__geo_find(const sm_geometry *g, const char *code);

/* ---- pictures (svg.c, map.c) and report (report.c) ------------------------ */

/* Each writes one <svg> element (no XML declaration) of the given width. */
sm_status sm__svg_heatmap(sm__buf *b, const sm_overview *ov, int m);
sm_status sm__svg_chord(sm__buf *b, const sm_overview *ov);
sm_status sm__svg_untapped(sm__buf *b, const sm_overview *ov); /* UNSUPPORTED without a history */
/* The focus map of region row f (map.c); defs: the report's shared outlines
 * (paths with ids "sm-g-<code>" written once by sm__svg_map_defs) or NULL for
 * a standalone picture. */
sm_status sm__svg_focus(sm__buf *b, const sm_overview *ov, const sm_geometry *g, size_t f, int defs);
sm_status sm__svg_map_defs(sm__buf *b, const sm_overview *ov, const sm_geometry *g);
sm_status sm__svg_choropleth(sm__buf *b, const sm_overview *ov, const sm_geometry *g);
sm_status sm__svg_flows(sm__buf *b, const sm_overview *ov, const sm_geometry *g);
sm_status sm__ov_report(sm__buf *b, const sm_overview *ov, const sm_geometry *g);

/* The sequential colour scale of every picture: t in [0, 1] to "#rrggbb". */
void sm__ov_colour(char out[8], double t);
/* A legend (colour bar with ticks) at (x, y), width w, for values lo..hi;
 * plus: the top tick reads "hi+" (values above are drawn as hi). */
void sm__svg_legend(sm__buf *b, double x, double y, double w, double lo, double hi, int plus, const char *title);
/* Writes at most max_chars characters of s, escaped, with an ellipsis when cut. */
void sm__svg_text(sm__buf *b, const char *s, size_t max_chars);
/* A round upper end for a colour scale over v[0..n) (reordered): the 95th
 * percentile of the positive values, so one tiny region does not wash out the rest. */
double sm__ov_scale_top(double *v, size_t n);
/* The (at most max) labels of an axis with the most links, in code order;
 * returns their number, SIZE_MAX when out of memory. */
size_t sm__ov_pick(const sm_overview *ov, int m, int axis, size_t max, size_t *out);
/* Region sums for the maps: interregional score sum per SME of each row of the region matrix. */
double sm__ov_outgoing(const sm_overview *ov, size_t row);
/* The credit line of the boundaries. */
#define SM__GEO_CREDIT "\xc2\xa9 EuroGeographics for the administrative boundaries"

#endif /* SM_OVERVIEW_H */
