/* Map geometry for the overview's maps: region outlines read from the
 * optional geometry file (data/nuts2021_60m.txt, made by
 * scripts/gen_tables.py from GISCO's 1:60 million NUTS 2021 polygons) and
 * projected to ETRS89-LAEA (EPSG:3035) as they are read. The file is data,
 * not part of the library: GISCO's licence limits the boundaries to
 * non-commercial use, so a user may leave it out.
 *
 * Format (one region per line; '#' lines are comments):
 *   CODE LEVEL RING[;RING...]
 * where a RING is "lon,lat lon,lat ..." in thousandths of a degree
 * (integers), at least 3 points, implicitly closed. */
#include "overview/overview.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- ETRS89-LAEA (EPSG:3035): IOGP Guidance Note 7-2, method 9820 ---------- */

#define LAEA_A 6378137.0
#define LAEA_F (1.0 / 298.257222101)
#define LAEA_LAT0 52.0
#define LAEA_LON0 10.0
#define LAEA_FE 4321000.0
#define LAEA_FN 3210000.0

static double laea_q(double e, double sinphi)
{
    double e2 = e * e;
    return (1 - e2) * (sinphi / (1 - e2 * sinphi * sinphi) - 1 / (2 * e) * log((1 - e * sinphi) / (1 + e * sinphi)));
}

void sm_laea_project(double *out_x, double *out_y, double lat, double lon)
{
    const double rad = SM__PI / 180.0;
    double e2 = 2 * LAEA_F - LAEA_F * LAEA_F, e = sqrt(e2);
    double qp = laea_q(e, 1.0), q0 = laea_q(e, sin(LAEA_LAT0 * rad)), q = laea_q(e, sin(lat * rad));
    double b0 = asin(q0 / qp), b = asin(fmax(-1.0, fmin(1.0, q / qp)));
    double rq = LAEA_A * sqrt(qp / 2);
    double phi0 = LAEA_LAT0 * rad;
    double d = LAEA_A * (cos(phi0) / sqrt(1 - e2 * sin(phi0) * sin(phi0))) / (rq * cos(b0));
    double dl = (lon - LAEA_LON0) * rad;
    double bb = rq * sqrt(2 / (1 + sin(b0) * sin(b) + cos(b0) * cos(b) * cos(dl)));
    if (out_x)
        *out_x = LAEA_FE + bb * d * cos(b) * sin(dl);
    if (out_y)
        *out_y = LAEA_FN + (bb / d) * (cos(b0) * sin(b) - sin(b0) * cos(b) * cos(dl));
}

/* ---- loading ------------------------------------------------------------------ */

void sm_geometry_free(sm_geometry *g)
{
    if (!g)
        return;
    sm__alloc a = g->alloc;
    sm__free(&a, g->regions);
    sm__free(&a, g->rings);
    sm__free(&a, g->pts);
    sm__free(&a, g);
}

size_t sm_geometry_count(const sm_geometry *g) { return g ? g->n_regions : 0; }

typedef struct caps {
    size_t regions, rings, pts;
} caps;

static sm_status parse_fail(const char *name, unsigned long line, const char *what)
{
    return sm__fail_at(SM_ERR_PARSE, name, line, 0, NULL, NULL, "%s:%lu: geometry: %s", name, line, what);
}

/* Parses one data line into g (which has room grown as needed). */
static sm_status parse_line(sm_geometry *g, caps *c, char *s, const char *name, unsigned long line)
{
    char *code = s, *p = s;
    while (*p && *p != ' ')
        p++;
    if (!*p || p - code < 2 || p - code > SM_REGION_CODE_MAX)
        return parse_fail(name, line, "expected \"CODE LEVEL RINGS\"");
    *p++ = '\0';
    char *end;
    long level = strtol(p, &end, 10);
    if (end == p || *end != ' ' || level < 0 || level > 3)
        return parse_fail(name, line, "the level must be 0 to 3");
    p = end + 1;
    if (sm__grow(&g->alloc, (void **)&g->regions, &c->regions, g->n_regions + 1, sizeof *g->regions))
        return sm__nomem();
    sm__geo_region *r = &g->regions[g->n_regions];
    memset(r, 0, sizeof *r);
    memcpy(r->code, code, strlen(code) + 1);
    r->level = (int)level;
    r->start = g->n_rings;
    r->x0 = r->y0 = INFINITY;
    r->x1 = r->y1 = -INFINITY;
    while (*p) {
        if (sm__grow(&g->alloc, (void **)&g->rings, &c->rings, g->n_rings + 1, sizeof *g->rings))
            return sm__nomem();
        sm__geo_ring *ring = &g->rings[g->n_rings];
        ring->start = g->n_pts;
        ring->n = 0;
        while (*p && *p != ';') {
            errno = 0;
            long lon = strtol(p, &end, 10);
            if (end == p || *end != ',')
                return parse_fail(name, line, "a point must be \"lon,lat\" in thousandths of a degree");
            p = end + 1;
            long lat = strtol(p, &end, 10);
            if (end == p || (*end && *end != ' ' && *end != ';') || errno || lon < -180000 || lon > 180000 ||
                lat < -90000 || lat > 90000)
                return parse_fail(name, line, "a point must be \"lon,lat\" in thousandths of a degree");
            p = *end == ' ' ? end + 1 : end;
            if (sm__grow(&g->alloc, (void **)&g->pts, &c->pts, 2 * (g->n_pts + 1), sizeof *g->pts))
                return sm__nomem();
            double x, y;
            sm_laea_project(&x, &y, (double)lat / 1000.0, (double)lon / 1000.0);
            g->pts[2 * g->n_pts] = x;
            g->pts[2 * g->n_pts + 1] = y;
            g->n_pts++;
            ring->n++;
            r->x0 = fmin(r->x0, x);
            r->x1 = fmax(r->x1, x);
            r->y0 = fmin(r->y0, y);
            r->y1 = fmax(r->y1, y);
        }
        if (ring->n < 3)
            return parse_fail(name, line, "a ring needs at least 3 points");
        g->n_rings++;
        r->n_rings++;
        if (*p == ';')
            p++;
    }
    if (!r->n_rings)
        return parse_fail(name, line, "a region needs at least one ring");
    g->n_regions++;
    return SM_OK;
}

static int cmp_region(const void *x, const void *y)
{
    return strcmp(((const sm__geo_region *)x)->code, ((const sm__geo_region *)y)->code);
}

/* Parses a whole buffer (modified in place). Also the fuzz target's entry. */
sm_status sm__geometry_parse(sm_geometry **out, char *text, size_t len, const char *name, const sm__alloc *a)
{
    sm_geometry *g = sm__calloc(a, 1, sizeof *g);
    if (!g)
        return sm__nomem();
    g->alloc = *a;
    caps c = { 0, 0, 0 };
    sm_status st = SM_OK;
    unsigned long line = 0;
    char *p = text, *end = text + len;
    while (!st && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        line++;
        *eol = '\0';
        if (strlen(p) != (size_t)(eol - p))
            st = parse_fail(name, line, "a NUL byte in the line");
        else {
            if (eol > p && eol[-1] == '\r')
                eol[-1] = '\0';
            if (*p && *p != '#')
                st = parse_line(g, &c, p, name, line);
        }
        p = eol + 1;
    }
    if (!st) {
        if (g->n_regions)
            qsort(g->regions, g->n_regions, sizeof *g->regions, cmp_region);
        for (size_t i = 1; !st && i < g->n_regions; i++)
            if (!strcmp(g->regions[i].code, g->regions[i - 1].code))
                st = sm__fail_at(SM_ERR_PARSE, name, 0, 0, "code", g->regions[i].code,
                                 "%s: geometry: region \"%s\" appears twice", name, g->regions[i].code);
    }
    if (st) {
        sm_geometry_free(g);
        return st;
    }
    *out = g;
    return SM_OK;
}

sm_status sm_geometry_load(sm_geometry **out, const char *path)
{
    if (!out || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "geometry: NULL argument");
    const sm__alloc *a = &sm__default_alloc;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot open the geometry file: %s", path,
                           strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    char chunk[65536];
    size_t got;
    sm_status st = SM_OK;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sm__grow(a, (void **)&text, &cap, len + got + 1, 1)) {
            st = sm__nomem();
            break;
        }
        memcpy(text + len, chunk, got);
        len += got;
    }
    if (!st && ferror(f))
        st = sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: read error", path);
    fclose(f);
    if (!st && !text && (text = sm__malloc(a, 1)) == NULL)
        st = sm__nomem();
    if (!st) {
        text[len] = '\0';
        st = sm__geometry_parse(out, text, len, path, a);
    }
    sm__free(a, text);
    return st;
}

const sm__geo_region *sm__geo_find(const sm_geometry *g, const char *code)
{
    size_t lo = 0, hi = g->n_regions;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(g->regions[mid].code, code);
        if (!c)
            return &g->regions[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
