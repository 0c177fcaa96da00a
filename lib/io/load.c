/* Loading data files, the driver: options, format detection, reading files
 * and buffers, and applying a load all together. The values of a record are
 * read in load_values.c, checked per kind in load_kinds.c and
 * load_regions.c, problems reported by load_problem.c; the parsers are
 * io_csv.c and io_json.c; docs/data-format.md describes the formats. */
#include "io/io.h"
#include "sm_config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

sm_engine *sm__load_engine(const sm__load *ld)
{
    return ld->engine;
}

const sm__alloc *sm__load_alloc(const sm__load *ld)
{
    return &ld->engine->alloc;
}

sm_data_kind sm__load_kind(const sm__load *ld)
{
    return ld->opts.kind;
}

int sm__load_delimiter(const sm__load *ld)
{
    return ld->opts.delimiter;
}

void sm__load_set_decimal_comma(sm__load *ld, bool on)
{
    ld->decimal_comma = on;
}

/* ---- applying ------------------------------------------------------------------------- */

/* Regions first (SMEs may be in them), then the SMEs, affinity and
 * development. Regions and SMEs are all-or-nothing each; the affinity table
 * is copied into the engine before anything is applied, so the affinity
 * entries (validated while reading) cannot fail afterwards. */
static sm_status apply(sm__load *ld)
{
    sm_engine *e = ld->engine;
    sm_status st;
    if (ld->n_affs) {
        sm__wrlock(e);
        st = sm__affinity_own(e);
        sm__unlock(e);
        if (st)
            return st;
    }
    if ((st = sm__ld_apply_regions(ld)))
        return st;
    if (ld->bulk && (st = sm_bulk_commit(ld->bulk)))
        return st;
    for (size_t i = 0; i < ld->n_affs; i++)
        if ((st = sm_affinity_set(e, ld->affs[i].a, ld->affs[i].b, ld->affs[i].value)))
            return st;
    if (ld->n_devs) {
        sm__wrlock(e);
        for (size_t i = 0; i < ld->n_devs; i++) {
            long k = sm__region_find(e, ld->devs[i].code);
            if (k >= 0)
                sm__region_set_development(e, (size_t)k, ld->devs[i].value);
        }
        sm__changed(e, true); /* the scoring caches do not depend on it */
        sm__unlock(e);
    }
    return SM_OK;
}

/* ---- driving a load --------------------------------------------------------------------- */

void sm__ld_init(sm__load *ld, sm_engine *e, const char *name, const sm_load_options *opts)
{
    memset(ld, 0, sizeof *ld);
    ld->engine = e;
    ld->name = name;
    sm_load_options def = SM_LOAD_OPTIONS_INIT;
    ld->opts = def;
    if (opts) /* a version 1 caller's struct ends before delimiter */
        memcpy(&ld->opts, opts, opts->version == 1 ? offsetof(sm_load_options, delimiter) : sizeof *opts);
    ld->opts.version = SM_LOAD_OPTIONS_VERSION;
}

void sm__ld_release(sm__load *ld)
{
    const sm__alloc *a = &ld->engine->alloc;
    sm_bulk_free(ld->bulk);
    sm__free(a, ld->scratch);
    sm__free(a, ld->ptrs);
    sm__free(a, ld->staged_line);
    sm__free(a, ld->regs);
    sm__free(a, ld->reg_order);
    if (ld->regions_applied) /* kept: the load succeeded */
        sm__savepoint_release(&ld->regions_sp, ld->engine);
    sm__free(a, ld->devs);
    sm__free(a, ld->affs);
    sm__hmap_free(&ld->reg_map, a);
    sm__hmap_free(&ld->dev_map, a);
    sm__hmap_free(&ld->aff_map, a);
    sm__arena_free(&ld->arena, a);
}

static sm_status check_args(sm_engine *e, const sm_load_options *opts)
{
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: NULL engine");
    if (opts) {
        if (opts->version != 1 && opts->version != SM_LOAD_OPTIONS_VERSION)
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: unknown options version %u", opts->version);
        if (opts->version >= 2 && opts->delimiter != 0 && opts->delimiter != ',' && opts->delimiter != ';' &&
            opts->delimiter != '\t')
            return sm__fail(SM_ERR_INVALID_ARGUMENT,
                            "load: delimiter must be ',', ';', a tab or 0 (detect from the header), not %d",
                            opts->delimiter);
        if ((unsigned)opts->format > SM_FORMAT_JSON)
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: unknown format %d", (int)opts->format);
        if ((unsigned)opts->kind > SM_DATA_AFFINITY)
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: unknown data kind %d", (int)opts->kind);
    }
    return SM_OK;
}

/* Applies or drops what was validated; fills the report; the status is the
 * run's, or the first problem's for a dry run or a strict load. */
static sm_status load_end(sm__load *ld, sm_status st, sm_load_report *out)
{
    if (st == SM_OK)
        st = sm__ld_finish_regions(ld);
    if (st == SM_OK && ld->n_problems && (ld->opts.dry_run || !ld->opts.lenient))
        st = ld->first.status;
    else if (st == SM_OK && !ld->opts.dry_run)
        st = apply(ld);
    if (st != SM_OK && st != SM_ERR_NOMEM && st != SM_ERR_CANCELLED && ld->have_first && st == ld->first.status)
        sm__error_restore(&ld->first);
    if (st != SM_OK)
        sm__ld_undo_regions(ld);
    if (st != SM_OK && !ld->opts.dry_run)
        ld->rep.loaded = 0;
    if (out)
        *out = ld->rep;
    sm__ld_release(ld);
    return st;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Checks the start of the input: skips a UTF-8 byte order mark, refuses
 * UTF-16/32 ones. */
static sm_status start(sm__load *ld, const char **data, size_t *len)
{
    const unsigned char *u = (const unsigned char *)*data;
    if (*len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        *data += 3;
        *len -= 3;
    } else if (*len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        return sm__load_problem(ld, true, SM_ERR_PARSE, 1, 0, NULL, NULL, 0,
                                "the file is UTF-16 (byte order mark); save it as UTF-8");
    } else if (*len >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF) {
        return sm__load_problem(ld, true, SM_ERR_PARSE, 1, 0, NULL, NULL, 0,
                                "the file is UTF-32 (byte order mark); save it as UTF-8");
    }
    return SM_OK;
}

static sm_format sniff(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_space(data[i]))
            return data[i] == '{' || data[i] == '[' ? SM_FORMAT_JSON : SM_FORMAT_CSV;
    return SM_FORMAT_CSV;
}

static sm_status run_json(sm__load *ld, const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && is_space(data[i]))
        i++;
    if (i == len)
        return sm__load_problem(ld, true, SM_ERR_PARSE, 0, 0, NULL, NULL, 0, "empty file");
    sm__json *j = NULL;
    sm_status st = sm__json_parse(&j, ld, data, len);
    if (st)
        return st;
    static const sm_data_kind order[] = { SM_DATA_REGIONS, SM_DATA_DEVELOPMENT, SM_DATA_AFFINITY };
    for (size_t k = 0; k < 3 && !st; k++) {
        st = sm__json_records(j, order[k]);
        if (!st && order[k] == SM_DATA_REGIONS)
            st = sm__ld_finish_regions(ld); /* development rows may name the new regions */
    }
    if (!st && sm__json_has(j, SM_DATA_SMES)) {
        bool fresh = false; /* regions this file adds */
        for (size_t k = 0; k < ld->n_regs && !fresh; k++)
            fresh = ld->regs[k].ok && !sm__ld_engine_has_region(ld, ld->regs[k].code);
        bool standin = sm_region_count(ld->engine) > 0;
        if (fresh && !standin && !ld->opts.dry_run) {
            /* nothing can stand in for the new regions: add them first */
            if (!(st = sm__ld_apply_regions(ld)))
                st = sm__json_records(j, SM_DATA_SMES);
        } else {
            ld->substitute = fresh;
            st = sm__json_records(j, SM_DATA_SMES);
            ld->substitute = false;
            if (!st && fresh && !ld->opts.dry_run && (ld->opts.lenient || !ld->n_problems)) {
                /* the SMEs were validated against stand-in regions; now add
                 * the regions and stage them for real, reporting nothing twice */
                sm_bulk_free(ld->bulk);
                ld->bulk = NULL;
                ld->n_staged = 0;
                if (!(st = sm__ld_apply_regions(ld))) {
                    ld->quiet = true;
                    st = sm__json_records(j, SM_DATA_SMES);
                    ld->quiet = false;
                }
            }
        }
    }
    sm__json_free(j);
    return st;
}

static sm_status unsupported(const sm__load *ld, sm_format fmt)
{
    bool csv = fmt == SM_FORMAT_CSV;
    return sm__fail_at(SM_ERR_UNSUPPORTED, ld->name, 0, 0, NULL, NULL,
                       "%s: this build of smartmatch cannot read %s (%s was not found when it was built)", ld->name,
                       csv ? "CSV" : "JSON", csv ? "libcsv" : "jansson");
}

static sm_status run_utf8(sm__load *ld, const char *data, size_t len, sm_format fmt);

/* Input in another encoding is converted whole, then read as UTF-8. */
static sm_status run_buffer(sm__load *ld, const char *data, size_t len, sm_format fmt)
{
    sm__enc *x = NULL;
    sm_status st = sm__enc_open(&x, ld, ld->opts.encoding);
    if (st)
        return st;
    if (!x) {
        if ((st = start(ld, &data, &len)))
            return st;
        sm__utf8_watch w = { 0, 0, 0 };
        if ((st = sm__enc_check_utf8(ld, &w, data, len, true)))
            return st;
        return run_utf8(ld, data, len, fmt);
    }
    const char *u;
    size_t n;
    if (!(st = sm__enc_convert(x, ld, data, len, true, &u, &n)) && !(st = start(ld, &u, &n)))
        st = run_utf8(ld, u, n, fmt);
    sm__enc_free(x);
    return st;
}

static sm_status run_utf8(sm__load *ld, const char *data, size_t len, sm_format fmt)
{
    sm_status st;
    if (fmt == SM_FORMAT_AUTO)
        fmt = sniff(data, len);
    if (!sm_format_supported(fmt))
        return unsupported(ld, fmt);
    if (fmt == SM_FORMAT_JSON)
        return run_json(ld, data, len);
    sm__csv *c = NULL;
    if ((st = sm__csv_begin(&c, ld)))
        return st;
    sm__split *sp = NULL;
    size_t at = len;
    unsigned long line;
    if (sm__split_wanted(len)) {
        sm__split_scan scan;
        sm__split_scan_init(&scan, len);
        sm__split_scan_feed(&scan, data, len);
        if (sm__split_scan_point(&scan, &at, &line) && (st = sm__split_start(&sp, ld, data, -1, 0, at, line, len))) {
            sm__csv_free(c);
            return st;
        }
    }
    st = sm__csv_feed(c, data, sp ? at : len);
    if (sp && !sm__split_finish(sp, ld, st == SM_OK) && !st)
        st = sm__csv_feed(c, data + at, len - at); /* the second part, read again on this thread */
    if (!st)
        st = sm__csv_end(c);
    sm__csv_free(c);
    return st;
}

sm_status sm_load_options_init(sm_load_options *opts, unsigned int version)
{
    if (!opts)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: NULL options");
    if (version != 1 && version != SM_LOAD_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: unknown options version %u", version);
    sm_load_options def = SM_LOAD_OPTIONS_INIT;
    def.version = version;
    memcpy(opts, &def, version == 1 ? offsetof(sm_load_options, delimiter) : sizeof def);
    return SM_OK;
}

int sm_format_supported(sm_format format)
{
    switch (format) {
    case SM_FORMAT_CSV: return SM_HAVE_LIBCSV;
    case SM_FORMAT_JSON: return SM_HAVE_JANSSON;
    case SM_FORMAT_AUTO: break;
    }
    return 0;
}

sm_status sm_load_buffer(sm_engine *engine, const char *data, size_t size, const char *name,
                         const sm_load_options *opts, sm_load_report *out_report)
{
    sm_status st = check_args(engine, opts);
    if (st)
        return st;
    if (!data && size)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: NULL data");
    sm__load ld;
    sm__ld_init(&ld, engine, name ? name : "<buffer>", opts);
    st = run_buffer(&ld, data ? data : "", size, ld.opts.format);
    return load_end(&ld, st, out_report);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++) {
        char c = s[n - k + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return false;
    }
    return true;
}

/* Bytes read at a time. A variable only so that the fuzz targets can make
 * it small and put chunk boundaries everywhere (a BOM, a CR LF or a
 * multi-byte character split across reads); nothing else changes it. */
size_t sm__load_chunk = (size_t)1 << 16;

/* fread that keeps the errno of a failed read in *err: parsing between
 * reads may change errno (strtoll sets ERANGE). */
static size_t read_chunk(char *buf, size_t n, FILE *f, int *err)
{
    errno = 0;
    size_t k = fread(buf, 1, n, f);
    if (ferror(f) && !*err)
        *err = errno ? errno : EIO;
    return k;
}

/* Reads from f: CSV is streamed through the parser in chunks, JSON read
 * whole (jansson builds a tree anyway). */
/* A file said to be UTF-8 is checked whole before it is read, so that one
 * that is not is the same single problem, with nothing read, as from a
 * buffer. Files that cannot seek (pipes) are checked as they stream. */
static sm_status check_file_utf8(sm__load *ld, FILE *f, size_t chunk, bool *checked, sm__split_scan *scan)
{
    *checked = false;
    if (!sm__enc_is_utf8(ld->opts.encoding) || fseek(f, 0, SEEK_SET) != 0)
        return SM_OK;
    char *buf = sm__malloc(&ld->engine->alloc, chunk);
    if (!buf)
        return sm__nomem();
    sm__utf8_watch w = { 0, 0, 0 };
    sm_status st = SM_OK;
    int err = 0;
    bool first = true;
    while (!st && !ferror(f) && !feof(f)) {
        size_t n = read_chunk(buf, chunk, f, &err);
        const unsigned char *u = (const unsigned char *)buf;
        if (first && n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF) || (u[0] == 0 && u[1] == 0)))
            break; /* UTF-16 or UTF-32: start() names it */
        first = false;
        st = sm__enc_check_utf8(ld, &w, buf, n, feof(f) || ferror(f));
        if (scan)
            sm__split_scan_feed(scan, buf, n);
    }
    sm__free(&ld->engine->alloc, buf);
    bool read_ok = !ferror(f);
    if (!st && (fseek(f, 0, SEEK_SET) != 0 || !read_ok)) {
        clearerr(f);
        return SM_OK; /* streamed checks instead */
    }
    clearerr(f);
    *checked = !st;
    return st;
}

static sm_status run_file(sm__load *ld, FILE *f, sm_format fmt)
{
    const sm__alloc *a = &ld->engine->alloc;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    sm_status st = SM_OK;
    sm__csv *c = NULL;
    sm__enc *x = NULL;
    int err = 0;
    char what[300];
    const size_t chunk = sm__load_chunk ? sm__load_chunk : 1;
    bool checked = false;
    /* a large regular file may be read on two threads (load_split.c) */
    struct stat sb;
    bool scanned = fmt != SM_FORMAT_JSON && fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
                   (uintmax_t)sb.st_size <= SIZE_MAX && sm__split_wanted((size_t)sb.st_size);
    sm__split_scan scan;
    if (scanned)
        sm__split_scan_init(&scan, (size_t)sb.st_size);
    if ((st = check_file_utf8(ld, f, chunk, &checked, scanned ? &scan : NULL)))
        return st;
    sm__split *sp = NULL;
    size_t at = 0, pos;
    unsigned long line;
    /* The first read holds at least a byte order mark's worth and, when the
     * format is to be sniffed, the first byte that is not white space, so
     * that neither depends on where a read ends. */
    for (;;) {
        if (sm__grow(a, (void **)&buf, &cap, len + chunk, 1)) {
            sm__free(a, buf);
            return sm__nomem();
        }
        len += read_chunk(buf + len, chunk, f, &err);
        if (ferror(f) || feof(f))
            break;
        size_t skip = len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
                              (unsigned char)buf[2] == 0xBF
                          ? 3
                          : 0;
        if (len < 4)
            continue;
        if (fmt != SM_FORMAT_AUTO)
            break;
        size_t i = skip;
        while (i < len && is_space(buf[i]))
            i++;
        if (i < len)
            break;
    }
    if (ferror(f))
        goto io;
    if (fmt == SM_FORMAT_AUTO) {
        const char *d = buf;
        size_t n = len;
        if (n >= 3 && (unsigned char)d[0] == 0xEF && (unsigned char)d[1] == 0xBB && (unsigned char)d[2] == 0xBF)
            d += 3, n -= 3;
        fmt = sniff(d, n);
    }
    if (!sm_format_supported(fmt)) {
        st = unsupported(ld, fmt);
        goto out;
    }
    if (fmt == SM_FORMAT_JSON) {
        while (!ferror(f) && !feof(f)) {
            if (sm__grow(a, (void **)&buf, &cap, len + chunk, 1)) {
                st = sm__nomem();
                goto out;
            }
            len += read_chunk(buf + len, chunk, f, &err);
        }
        if (ferror(f))
            goto io;
        st = run_buffer(ld, buf, len, SM_FORMAT_JSON);
        goto out;
    }
    const char *d = buf;
    size_t n = len;
    sm__utf8_watch w = { 0, 0, 0 };
    if ((st = sm__enc_open(&x, ld, ld->opts.encoding)))
        goto out;
    if (x && (st = sm__enc_convert(x, ld, buf, len, feof(f) || ferror(f), &d, &n)))
        goto out;
    if ((st = start(ld, &d, &n)) || (st = sm__csv_begin(&c, ld)))
        goto out;
    pos = len; /* bytes of the file read */
    if (!x && checked && scanned && !feof(f) && sm__split_scan_point(&scan, &at, &line) && at > len &&
        (st = sm__split_start(&sp, ld, NULL, fileno(f), (size_t)(d - buf), at, line, (size_t)sb.st_size)))
        goto out;
    for (;;) {
        if (!x && !checked && (st = sm__enc_check_utf8(ld, &w, d, n, feof(f) || ferror(f))))
            goto out;
        if ((st = sm__csv_feed(c, d, n)))
            goto out;
        if (ferror(f))
            goto io;
        if (feof(f))
            break;
        if (sp && pos == at) { /* the first part is read: the second one is taken, or read now */
            bool took = sm__split_finish(sp, ld, true);
            sp = NULL;
            if (took)
                break;
        }
        size_t want = chunk < cap ? chunk : cap;
        if (sp && want > at - pos)
            want = at - pos;
        d = buf;
        n = read_chunk(buf, want, f, &err);
        pos += n;
        if (x && (st = sm__enc_convert(x, ld, buf, n, feof(f) || ferror(f), &d, &n)))
            goto out;
    }
    st = sm__csv_end(c);
    goto out;
io:
    snprintf(what, sizeof what, "cannot read: %s", strerror(err));
    st = sm__load_problem(ld, true, SM_ERR_IO, 0, 0, NULL, NULL, 0, what);
out:
    sm__split_finish(sp, ld, false);
    sm__csv_free(c);
    sm__enc_free(x);
    sm__free(a, buf);
    return st;
}

sm_status sm_load_file(sm_engine *engine, const char *path, const sm_load_options *opts, sm_load_report *out_report)
{
    sm_status st = check_args(engine, opts);
    if (st)
        return st;
    if (!path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: NULL path");
    sm__load ld;
    sm__ld_init(&ld, engine, path, opts);
    sm_format fmt = ld.opts.format;
    if (fmt == SM_FORMAT_AUTO)
        fmt = ends_with(path, ".csv") ? SM_FORMAT_CSV : ends_with(path, ".json") ? SM_FORMAT_JSON : SM_FORMAT_AUTO;
    if (fmt != SM_FORMAT_AUTO && !sm_format_supported(fmt))
        return load_end(&ld, unsupported(&ld, fmt), out_report);
    FILE *f = fopen(path, "rb");
    if (!f) {
        char what[300];
        snprintf(what, sizeof what, "cannot open: %s", strerror(errno));
        st = sm__load_problem(&ld, true, SM_ERR_IO, 0, 0, NULL, NULL, 0, what);
        return load_end(&ld, st, out_report);
    }
    st = run_file(&ld, f, fmt);
    fclose(f);
    return load_end(&ld, st, out_report);
}
