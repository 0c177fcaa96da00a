/* The overview's text outputs: a growing buffer with the escapes every
 * writer needs, the CSV and JSON of the matrices and of the potential
 * cooperations, and the two entry points that format any output to memory
 * or write it to a file atomically (temporary file, then rename). */
#include "overview/overview.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sm__buf_init(sm__buf *b, const sm__alloc *a)
{
    memset(b, 0, sizeof *b);
    b->alloc = a;
}

void sm__buf_free(sm__buf *b)
{
    sm__free(b->alloc, b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static bool reserve(sm__buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = sm__realloc(b->alloc, b->p, cap);
    if (!p) {
        b->failed = 1;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void sm__buf_put(sm__buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sm__buf_puts(sm__buf *b, const char *s) { sm__buf_put(b, s, strlen(s)); }

void sm__buf_printf(sm__buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sm__buf_put(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sm__buf_xml(sm__buf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&': sm__buf_puts(b, "&amp;"); break;
        case '<': sm__buf_puts(b, "&lt;"); break;
        case '>': sm__buf_puts(b, "&gt;"); break;
        case '"': sm__buf_puts(b, "&quot;"); break;
        case '\'': sm__buf_puts(b, "&#39;"); break;
        default:
            /* control characters are not allowed in XML 1.0 */
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
                sm__buf_put(b, " ", 1);
            else
                sm__buf_put(b, p, 1);
        }
    }
}

void sm__buf_csv(sm__buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        sm__buf_puts(b, s);
        return;
    }
    sm__buf_put(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sm__buf_put(b, "\"", 1); /* a quote is doubled */
        sm__buf_put(b, p, 1);
    }
    sm__buf_put(b, "\"", 1);
}

void sm__buf_json(sm__buf *b, const char *s)
{
    sm__buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sm__buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            sm__buf_printf(b, "\\u%04x", *p);
        else
            sm__buf_put(b, (const char *)p, 1);
    }
    sm__buf_put(b, "\"", 1);
}

void sm__buf_num(sm__buf *b, double v)
{
    if (!isfinite(v))
        return;
    if (v == floor(v) && fabs(v) < 1e15)
        sm__buf_printf(b, "%.0f", v);
    else
        sm__buf_printf(b, "%.9g", v);
}

/* ---- CSV ------------------------------------------------------------------- */

static const char *const axis_names[SM__OV_MATRICES][2] = {
    { "region_a", "region_b" }, { "sector_a", "sector_b" }, { "region", "theme" },
};

void sm__ov_csv_matrix(sm__buf *b, const sm_overview *ov, int m)
{
    const sm__ov_matrix *x = &ov->m[m];
    sm__buf_printf(b, "%s,%s", axis_names[m][0], axis_names[m][1]);
    for (int k = 0; k < SM_OVERVIEW_INDEX_COUNT; k++)
        if (sm_overview_has_index(ov, (sm_overview_index)k))
            sm__buf_printf(b, ",%s", sm_overview_index_name((sm_overview_index)k));
    sm__buf_puts(b, "\n");
    for (size_t i = 0; i < x->axis[0].n; i++)
        for (size_t j = 0; j < x->axis[1].n; j++) {
            sm__buf_csv(b, x->axis[0].code[i]);
            sm__buf_put(b, ",", 1);
            sm__buf_csv(b, x->axis[1].code[j]);
            for (int k = 0; k < SM_OVERVIEW_INDEX_COUNT; k++)
                if (sm_overview_has_index(ov, (sm_overview_index)k)) {
                    sm__buf_put(b, ",", 1);
                    sm__buf_num(b, sm__ov_value(ov, m, i, j, k));
                }
            sm__buf_puts(b, "\n");
        }
}

void sm__ov_csv_potential(sm__buf *b, const sm_overview *ov)
{
    const sm__ov_matrix *x = &ov->m[SM_OVERVIEW_REGIONS];
    sm__buf_puts(b, "region_a,region_b,a,b,score,reasons,rank,a_name,a_region,a_sector,b_name,b_region,b_sector");
    /* with a history: the cooperations the pair already shared (0 = none) */
    sm__buf_puts(b, ov->has_history ? ",cooperated\n" : "\n");
    size_t n = x->axis[0].n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            size_t cell = i * n + j;
            if (i == j)
                continue; /* interregional only */
            for (size_t r = 0; r < x->cell[cell].n_best; r++) {
                const sm__ov_best *p = &x->cell[cell].best[r];
                const char *s[9];
                sm__ov_best_strings(p, s);
                sm__buf_csv(b, x->axis[0].code[i]);
                sm__buf_put(b, ",", 1);
                sm__buf_csv(b, x->axis[1].code[j]);
                sm__buf_put(b, ",", 1);
                sm__buf_csv(b, s[0]);
                sm__buf_put(b, ",", 1);
                sm__buf_csv(b, s[4]);
                sm__buf_printf(b, ",%.6f,", p->score);
                sm__buf_csv(b, s[8]);
                sm__buf_printf(b, ",%zu", r + 1);
                const int rest[6] = { 1, 2, 3, 5, 6, 7 };
                for (int t = 0; t < 6; t++) {
                    sm__buf_put(b, ",", 1);
                    sm__buf_csv(b, s[rest[t]]);
                }
                if (ov->has_history)
                    sm__buf_printf(b, ",%u", p->coop);
                sm__buf_puts(b, "\n");
            }
        }
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_pair(sm__buf *b, const sm_overview *ov, const sm__ov_best *p)
{
    static const char *const keys[9] = { "a", "a_name", "a_region", "a_sector", "b", "b_name", "b_region",
                                         "b_sector", "reasons" };
    const char *s[9];
    sm__ov_best_strings(p, s);
    sm__buf_puts(b, "{");
    for (int t = 0; t < 9; t++) {
        sm__buf_printf(b, "%s\"%s\": ", t ? ", " : "", keys[t]);
        sm__buf_json(b, s[t]);
    }
    sm__buf_printf(b, ", \"score\": %.6f", p->score);
    if (ov->has_history)
        sm__buf_printf(b, ", \"cooperated\": %u", p->coop);
    sm__buf_puts(b, "}");
}

static const char *const matrix_names[SM__OV_MATRICES] = { "regions", "sectors", "themes" };

void sm__ov_json(sm__buf *b, const sm_overview *ov)
{
    sm__buf_printf(b, "{\n  \"smes\": %zu,\n  \"k\": %zu,\n  \"links\": %llu,\n  \"region_level\": %d,\n"
                      "  \"sector_level\": %d,\n  \"history\": %s,\n  \"themes\": \"%s\",\n  \"matrices\": {",
                   ov->n_smes, ov->k, (unsigned long long)ov->total_links, ov->region_level, ov->sector_level,
                   ov->has_history ? "true" : "false", ov->user_themes ? "user" : "nace_sections");
    for (int m = 0; m < SM__OV_MATRICES; m++) {
        const sm__ov_matrix *x = &ov->m[m];
        sm__buf_printf(b, "%s\n    \"%s\": {", m ? "," : "", matrix_names[m]);
        for (int a = 0; a < 2; a++) {
            sm__buf_printf(b, "%s\n      \"%s\": [", a ? "," : "", a ? "cols" : "rows");
            for (size_t i = 0; i < x->axis[a].n; i++) {
                sm__buf_printf(b, "%s\n        {\"code\": ", i ? "," : "");
                sm__buf_json(b, x->axis[a].code[i]);
                sm__buf_puts(b, ", \"name\": ");
                sm__buf_json(b, x->axis[a].name[i]);
                sm__buf_printf(b, ", \"smes\": %llu}", (unsigned long long)x->axis[a].smes[i]);
            }
            sm__buf_puts(b, "\n      ]");
        }
        /* cells without links are left out */
        sm__buf_puts(b, ",\n      \"cells\": [");
        int first = 1;
        for (size_t i = 0; i < x->axis[0].n; i++)
            for (size_t j = 0; j < x->axis[1].n; j++) {
                size_t cell = i * x->axis[1].n + j;
                if (!x->cell[cell].links && !(x->realised && x->realised[cell]))
                    continue;
                sm__buf_printf(b, "%s\n        {\"row\": ", first ? "" : ",");
                first = 0;
                sm__buf_json(b, x->axis[0].code[i]);
                sm__buf_puts(b, ", \"col\": ");
                sm__buf_json(b, x->axis[1].code[j]);
                for (int k = 0; k < SM_OVERVIEW_INDEX_COUNT; k++)
                    if (sm_overview_has_index(ov, (sm_overview_index)k)) {
                        sm__buf_printf(b, ", \"%s\": ", sm_overview_index_name((sm_overview_index)k));
                        sm__buf_num(b, sm__ov_value(ov, m, i, j, k));
                    }
                sm__buf_puts(b, ", \"best\": [");
                for (size_t r = 0; r < x->cell[cell].n_best; r++) {
                    sm__buf_puts(b, r ? ", " : "");
                    json_pair(b, ov, &x->cell[cell].best[r]);
                }
                sm__buf_puts(b, "]}");
            }
        sm__buf_puts(b, "\n      ]\n    }");
    }
    sm__buf_puts(b, "\n  }\n}\n");
}

/* ---- entry points ------------------------------------------------------------ */

static sm_status hand_out(char **out, size_t *out_len, sm__buf *b, const sm_overview *ov);

sm_status sm_overview_format(char **out, size_t *out_len, const sm_overview *ov, sm_overview_output output,
                             int which, const sm_geometry *g)
{
    if (!out || !ov)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview format: NULL argument");
    sm__buf b;
    sm__buf_init(&b, &ov->alloc);
    sm_status st = SM_OK;
    switch (output) {
    case SM_OUTPUT_MATRIX_CSV:
        if (which < 0 || which >= SM__OV_MATRICES)
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview format: unknown matrix %d", which);
        sm__ov_csv_matrix(&b, ov, which);
        break;
    case SM_OUTPUT_POTENTIAL_CSV:
        sm__ov_csv_potential(&b, ov);
        break;
    case SM_OUTPUT_JSON:
        sm__ov_json(&b, ov);
        break;
    case SM_OUTPUT_SVG:
        sm__buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        switch (which) {
        case SM_PICTURE_HEATMAP: st = sm__svg_heatmap(&b, ov, SM_OVERVIEW_REGIONS); break;
        case SM_PICTURE_THEMES: st = sm__svg_heatmap(&b, ov, SM_OVERVIEW_THEMES); break;
        case SM_PICTURE_CHORD: st = sm__svg_chord(&b, ov); break;
        case SM_PICTURE_UNTAPPED: st = sm__svg_untapped(&b, ov); break;
        case SM_PICTURE_CHOROPLETH:
        case SM_PICTURE_FLOWS:
            if (!g) {
                st = sm__fail(SM_ERR_UNSUPPORTED, "overview: the map pictures need a geometry file "
                                                  "(sm_geometry_load(), data/nuts2021_60m.txt)");
                break;
            }
            st = which == SM_PICTURE_FLOWS ? sm__svg_flows(&b, ov, g) : sm__svg_choropleth(&b, ov, g);
            break;
        default:
            st = sm__fail(SM_ERR_INVALID_ARGUMENT, "overview format: unknown picture %d", which);
        }
        break;
    case SM_OUTPUT_REPORT:
        st = sm__ov_report(&b, ov, g);
        break;
    default:
        st = sm__fail(SM_ERR_INVALID_ARGUMENT, "overview format: unknown output %d", (int)output);
    }
    if (!st && b.failed)
        st = sm__nomem();
    if (st) {
        sm__buf_free(&b);
        return st;
    }
    return hand_out(out, out_len, &b, ov);
}

/* Hands out the buffer's text as a block sm_free() can release. */
static sm_status hand_out(char **out, size_t *out_len, sm__buf *b, const sm_overview *ov)
{
    char *p = sm__boxed_alloc(&ov->alloc, b->len + 1);
    if (!p) {
        sm__buf_free(b);
        return sm__nomem();
    }
    memcpy(p, b->p ? b->p : "", b->len + 1);
    if (out_len)
        *out_len = b->len;
    sm__buf_free(b);
    *out = p;
    return SM_OK;
}

sm_status sm_overview_format_focus(char **out, size_t *out_len, const sm_overview *ov, const char *region,
                                   const sm_geometry *g)
{
    if (!out || !ov || !region)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview focus: NULL argument");
    if (!g)
        return sm__fail(SM_ERR_UNSUPPORTED, "overview focus: the map needs a geometry file "
                                            "(sm_geometry_load(), data/nuts2021_60m.txt)");
    const sm__ov_axis *a = &ov->m[SM_OVERVIEW_REGIONS].axis[0];
    size_t f = 0;
    while (f < a->n && strcmp(a->code[f], region) != 0)
        f++;
    if (f == a->n)
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "focus", region,
                           "overview focus: \"%s\" is no region of the overview (a NUTS-%d code with SMEs, e.g. "
                           "\"%s\")", region, ov->region_level, a->n ? a->code[0] : "");
    sm__buf b;
    sm__buf_init(&b, &ov->alloc);
    sm__buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sm_status st = sm__svg_focus(&b, ov, g, f, 0);
    if (!st && b.failed)
        st = sm__nomem();
    if (st) {
        sm__buf_free(&b);
        return st;
    }
    return hand_out(out, out_len, &b, ov);
}

static sm_status write_text(const char *path, const sm_overview *ov, char *text, size_t len);

sm_status sm_overview_write_focus(const char *path, const sm_overview *ov, const char *region, const sm_geometry *g)
{
    if (!path || !*path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview write: NULL or empty path");
    char *text = NULL;
    size_t len = 0;
    sm_status st = sm_overview_format_focus(&text, &len, ov, region, g);
    return st ? st : write_text(path, ov, text, len);
}

sm_status sm_overview_write(const char *path, const sm_overview *ov, sm_overview_output output, int which,
                            const sm_geometry *g)
{
    if (!path || !*path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "overview write: NULL or empty path");
    char *text = NULL;
    size_t len = 0;
    sm_status st = sm_overview_format(&text, &len, ov, output, which, g);
    if (st)
        return st;
    return write_text(path, ov, text, len);
}

/* Writes text (freed here) into path atomically. */
static sm_status write_text(const char *path, const sm_overview *ov, char *text, size_t len)
{
    sm_status st = SM_OK;
    size_t plen = strlen(path);
    char *tmp = sm__malloc(&ov->alloc, plen + 16);
    if (!tmp) {
        sm_free(text);
        return sm__nomem();
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        st = sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot create a temporary file beside it: %s",
                         path, strerror(errno));
        goto out;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        remove(tmp);
        st = sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: %s", path, strerror(errno));
        goto out;
    }
    /* mkstemp makes the file 0600; an output file is as readable as any other */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fflush(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int err = errno;
        remove(tmp);
        st = sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot write: %s", path, strerror(err));
    }
out:
    sm__free(&ov->alloc, tmp);
    sm_free(text);
    return st;
}
