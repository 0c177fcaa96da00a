/* CSV input (RFC 4180, parsed by libcsv). The stream is fed to libcsv one
 * physical line at a time so that each record knows the line it starts on,
 * even when quoted fields span lines. The first non-blank row is the header;
 * every later row becomes a record for the loader (load.c). */
#include "io/io.h"
#include "sm_config.h"

#if SM_HAVE_LIBCSV

#include <csv.h>
#include <stdio.h>
#include <string.h>

struct sm__csv {
    sm__load *ld;
    const sm__alloc *alloc;
    struct csv_parser p;
    sm_status status;       /* first status that ended the load */
    unsigned long line;     /* physical line being fed, 1-based */
    unsigned long row_line; /* line where the row in progress started, 0 = none */
    bool cr_pending;        /* the last chunk ended in '\r': a '\n' may follow */
    bool delim_set;         /* the delimiter is known (given, or detected from the header line) */
    char *head;             /* input held until the header line is complete, to detect the delimiter */
    size_t head_len, head_cap;
    /* fields of the row in progress: bytes in buf, each NUL-terminated */
    char *buf;
    size_t buf_len, buf_cap;
    size_t *off, *len;
    size_t n_fields, cap_off, cap_len;
    /* header */
    bool have_header;
    int *col_field; /* column -> field, -1 = ignored */
    size_t n_cols;
    sm_data_kind kind;
};

/* libcsv's buffer functions take no user data: the parser being driven on
 * this thread is found here. Saved and restored around each call, so a
 * problem callback may start another load. */
static _Thread_local sm__csv *tl_csv;

static void *csv_realloc(void *ptr, size_t size)
{
    sm__csv *c = tl_csv;
    void *q = sm__realloc(c->alloc, ptr, size);
    /* libcsv grows its field buffer by a fixed block; make it geometric so
     * that a huge field costs O(n), not O(n^2) */
    if (q)
        csv_set_blk_size(&c->p, size);
    return q;
}

static void csv_free_fn(void *ptr)
{
    sm__free(tl_csv->alloc, ptr);
}

static void row_reset(sm__csv *c)
{
    c->buf_len = 0;
    c->n_fields = 0;
}

static void on_field(void *s, size_t n, void *ud)
{
    sm__csv *c = ud;
    if (c->status)
        return;
    if (n > SIZE_MAX - c->buf_len - 1 ||
        sm__grow(c->alloc, (void **)&c->buf, &c->buf_cap, c->buf_len + n + 1, 1) ||
        sm__grow(c->alloc, (void **)&c->off, &c->cap_off, c->n_fields + 1, sizeof *c->off) ||
        sm__grow(c->alloc, (void **)&c->len, &c->cap_len, c->n_fields + 1, sizeof *c->len)) {
        c->status = sm__nomem();
        return;
    }
    if (n)
        memcpy(c->buf + c->buf_len, s, n);
    c->buf[c->buf_len + n] = '\0';
    c->off[c->n_fields] = c->buf_len;
    c->len[c->n_fields] = n;
    c->n_fields++;
    c->buf_len += n + 1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

static sm_status header(sm__csv *c, unsigned long line)
{
    c->col_field = sm__malloc(c->alloc, c->n_fields * sizeof *c->col_field);
    if (!c->col_field)
        return sm__nomem();
    c->n_cols = c->n_fields;
    uint32_t present = 0;
    for (size_t i = 0; i < c->n_fields; i++) {
        const char *name = c->buf + c->off[i];
        size_t n = c->len[i];
        trim(&name, &n);
        int f = sm__field_lookup(name, n);
        c->col_field[i] = f;
        if (f < 0)
            continue; /* extra columns are ignored */
        if (present & (1u << f))
            return sm__load_problem(c->ld, true, SM_ERR_PARSE, line, i + 1, sm__field_name((sm__fid)f), name, n,
                                    "duplicate column");
        present |= 1u << f;
    }
    sm_data_kind kind = sm__load_kind(c->ld);
    if (kind == SM_DATA_AUTO) {
        kind = sm__kind_from_fields(present);
        if (kind == SM_DATA_AUTO)
            return sm__load_problem(c->ld, true, SM_ERR_PARSE, line, 0, NULL, NULL, 0,
                                    "cannot tell what the file holds from its header: expected an \"id\" column "
                                    "(SMEs), \"code\", \"lat\" and \"lon\" (regions), \"region\" and "
                                    "\"development\" (development indices) or \"sector_a\", \"sector_b\" and "
                                    "\"affinity\" (sector affinity)");
    }
    /* columns the kind does not use are ignored like unknown ones */
    uint32_t used = sm__kind_fields(kind);
    for (size_t i = 0; i < c->n_cols; i++)
        if (c->col_field[i] >= 0 && !(used & (1u << c->col_field[i])))
            c->col_field[i] = -1;
    c->kind = kind;
    c->have_header = true;
    return sm__load_check_columns(c->ld, kind, present & used, line);
}

static sm_status row(sm__csv *c, unsigned long line)
{
    bool blank = true;
    for (size_t i = 0; i < c->n_fields && blank; i++)
        blank = c->len[i] == 0;
    if (blank)
        return SM_OK; /* ",,,," rows (spreadsheet exports) count as blank lines */
    if (!c->have_header)
        return header(c, line);
    sm__record rec;
    memset(&rec, 0, sizeof rec);
    rec.line = line;
    char bad[96];
    if (c->n_fields != c->n_cols) {
        snprintf(bad, sizeof bad, "row has %zu fields, the header has %zu", c->n_fields, c->n_cols);
        rec.bad = bad;
        return sm__load_record(c->ld, c->kind, &rec);
    }
    for (size_t i = 0; i < c->n_fields; i++) {
        int f = c->col_field[i];
        if (f < 0)
            continue;
        sm__val *v = &rec.v[f];
        v->kind = SM__V_TEXT;
        v->text = c->buf + c->off[i];
        v->len = c->len[i];
        v->column = i + 1;
    }
    return sm__load_record(c->ld, c->kind, &rec);
}

static void on_row(int term, void *ud)
{
    (void)term;
    sm__csv *c = ud;
    unsigned long line = c->row_line ? c->row_line : c->line;
    c->row_line = 0;
    if (!c->status)
        c->status = row(c, line);
    row_reset(c);
}

sm_status sm__csv_begin(sm__csv **out, sm__load *ld)
{
    const sm__alloc *a = sm__load_alloc(ld);
    sm__csv *c = sm__calloc(a, 1, sizeof *c);
    if (!c)
        return sm__nomem();
    c->ld = ld;
    c->alloc = a;
    c->line = 1;
    /* strict: a quote inside an unquoted field or text after a closing quote
     * is an error, and so is a quote left open at the end */
    csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_realloc_func(&c->p, csv_realloc);
    csv_set_free_func(&c->p, csv_free_fn);
    csv_set_blk_size(&c->p, 256);
    *out = c;
    return SM_OK;
}

/* After the parser failed: a status for it. */
static sm_status parse_error(sm__csv *c)
{
    if (c->status)
        return c->status;
    int err = csv_error(&c->p);
    if (err == CSV_ENOMEM || err == CSV_ETOOBIG)
        return c->status = sm__nomem();
    return c->status = sm__load_problem(c->ld, true, SM_ERR_PARSE, c->line, c->n_fields + 1, NULL, NULL, 0,
                                        "malformed CSV: a quote inside an unquoted field, or text after a "
                                        "closing quote (quote a field that holds '\"' and double the quote)");
}

/* Feeds one piece of a physical line; notes where a row starts. */
static bool feed_piece(sm__csv *c, const char *s, size_t n)
{
    if (csv_parse(&c->p, s, n, on_field, on_row, c) != n || c->status) {
        parse_error(c);
        return false;
    }
    /* a row still open after this piece started on this line at the latest */
    if (c->p.pstate != 0 && c->row_line == 0)
        c->row_line = c->line;
    return true;
}

/* Whether s holds a line end after something other than white space
 * (outside quotes): the header line is complete. */
static bool header_complete(const char *s, size_t n)
{
    bool quoted = false, text = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '"')
            quoted = !quoted;
        if (!quoted && (ch == '\n' || ch == '\r') && text)
            return true;
        text = text || (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r');
    }
    return false;
}

/* The delimiter of a header line: the one of ',' ';' and tab that occurs
 * most often outside quotes in the first line that is not blank; ','
 * when none does, and in that order among equal counts. */
static char detect_delimiter(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == '\n' || s[i] == '\r' || s[i] == ' '))
        i++;
    size_t comma = 0, semi = 0, tab = 0;
    bool quoted = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (ch == '\n' || ch == '\r')
            break;
        else
            comma += ch == ',', semi += ch == ';', tab += ch == '\t';
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

static sm_status feed_lines(sm__csv *c, const char *data, size_t len);

static void set_delimiter(sm__csv *c, char d)
{
    csv_set_delim(&c->p, (unsigned char)d);
    sm__load_set_decimal_comma(c->ld, d == ';');
    c->delim_set = true;
}

/* Until the delimiter is known, input is held back (in head) up to the end
 * of the header line, wherever the pieces end. */
sm_status sm__csv_feed(sm__csv *c, const char *data, size_t len)
{
    if (c->status)
        return c->status;
    if (!c->delim_set) {
        int given = sm__load_delimiter(c->ld);
        if (given) {
            set_delimiter(c, (char)given);
        } else if (!c->head_len && header_complete(data, len)) {
            set_delimiter(c, detect_delimiter(data, len));
        } else {
            if (sm__grow(c->alloc, (void **)&c->head, &c->head_cap, c->head_len + len, 1))
                return c->status = sm__nomem();
            if (len)
                memcpy(c->head + c->head_len, data, len);
            c->head_len += len;
            if (!header_complete(c->head, c->head_len))
                return SM_OK;
            set_delimiter(c, detect_delimiter(c->head, c->head_len));
            sm_status st = feed_lines(c, c->head, c->head_len);
            sm__free(c->alloc, c->head);
            c->head = NULL;
            c->head_len = c->head_cap = 0;
            return st;
        }
    }
    return feed_lines(c, data, len);
}

/* Whether lines without a quote are split here rather than by libcsv
 * (tests turn it off to compare the two). */
bool sm__csv_split = true;

/* The blanks libcsv drops around an unquoted field: space and tab, unless
 * the tab is the delimiter. */
static bool blank(const sm__csv *c, char ch)
{
    return ch == ' ' || (ch == '\t' && c->p.delim_char != '\t');
}

/* A whole physical line s[0..n) (without its line end) that holds no quote,
 * with no row in progress: split at the delimiter as libcsv would (each
 * field without the blanks around it; a line of blanks only is no row) and
 * handed on as a row. */
static void split_line(sm__csv *c, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && blank(c, s[i]))
        i++;
    if (i == n)
        return; /* a blank line: no row */
    const char delim = (char)c->p.delim_char;
    size_t fields = 1;
    for (const char *q = s + i, *end = s + n; (q = memchr(q, delim, (size_t)(end - q))); q++)
        fields++;
    if (sm__grow(c->alloc, (void **)&c->buf, &c->buf_cap, n + fields, 1) ||
        sm__grow(c->alloc, (void **)&c->off, &c->cap_off, fields, sizeof *c->off) ||
        sm__grow(c->alloc, (void **)&c->len, &c->cap_len, fields, sizeof *c->len)) {
        c->status = sm__nomem();
        return;
    }
    size_t at = 0;
    for (size_t f = 0; f < fields; f++) {
        const char *q = memchr(s + i, delim, n - i);
        size_t e = q ? (size_t)(q - s) : n, b = i;
        while (b < e && blank(c, s[b]))
            b++;
        size_t k = e;
        while (k > b && blank(c, s[k - 1]))
            k--;
        if (k > b)
            memcpy(c->buf + at, s + b, k - b);
        c->buf[at + (k - b)] = '\0';
        c->off[f] = at;
        c->len[f] = k - b;
        at += k - b + 1;
        i = e + 1;
    }
    c->buf_len = at;
    c->n_fields = fields;
    on_row(0, c);
}

static sm_status feed_lines(sm__csv *c, const char *data, size_t len)
{
    sm__csv *saved = tl_csv;
    tl_csv = c;
    while (len) {
        if (c->cr_pending) {
            c->cr_pending = false;
            if (data[0] == '\n') { /* second half of a CRLF split between chunks */
                if (!feed_piece(c, data, 1))
                    break;
                data++, len--;
            }
            c->line++;
            continue;
        }
        const char *lf = memchr(data, '\n', len);
        size_t i = lf ? (size_t)(lf - data) : len;
        const char *cr_at = memchr(data, '\r', i);
        if (cr_at)
            i = (size_t)(cr_at - data);
        if (i == len) {
            feed_piece(c, data, len);
            break;
        }
        size_t n = i + 1;
        bool cr = data[i] == '\r';
        if (cr && n < len && data[n] == '\n')
            n++, cr = false;
        if (sm__csv_split && c->p.pstate == 0 && !memchr(data, '"', i)) {
            split_line(c, data, i);
            if (c->status)
                break;
        } else if (!feed_piece(c, data, n)) {
            break;
        }
        data += n, len -= n;
        if (cr && len == 0)
            c->cr_pending = true;
        else
            c->line++;
    }
    tl_csv = saved;
    return c->status;
}

sm_status sm__csv_end(sm__csv *c)
{
    if (c->status)
        return c->status;
    if (!c->delim_set) { /* a header line without a line end */
        set_delimiter(c, detect_delimiter(c->head ? c->head : "", c->head_len));
        sm_status st = c->head_len ? feed_lines(c, c->head, c->head_len) : SM_OK;
        if (st)
            return st;
    }
    sm__csv *saved = tl_csv;
    tl_csv = c;
    unsigned long open_line = c->row_line;
    if (csv_fini(&c->p, on_field, on_row, c) != 0 && !c->status) {
        if (csv_error(&c->p) == CSV_EPARSE) {
            char what[96];
            snprintf(what, sizeof what, "quoted field opened on line %lu is never closed", open_line);
            c->status = sm__load_problem(c->ld, true, SM_ERR_PARSE, open_line, c->n_fields + 1, NULL, NULL, 0, what);
        } else {
            parse_error(c);
        }
    }
    tl_csv = saved;
    if (!c->status && !c->have_header)
        c->status = sm__load_problem(c->ld, true, SM_ERR_PARSE, 0, 0, NULL, NULL, 0, "empty file");
    return c->status;
}

sm_data_kind sm__csv_header_kind(const sm__csv *c)
{
    return c->have_header ? c->kind : SM_DATA_AUTO;
}

bool sm__csv_at_line(sm__csv *c, unsigned long line)
{
    if (c->status || c->p.pstate != 0 || c->cr_pending || c->row_line || !c->delim_set)
        return false;
    c->line = line;
    return true;
}

void sm__csv_free(sm__csv *c)
{
    if (!c)
        return;
    sm__csv *saved = tl_csv;
    tl_csv = c;
    csv_free(&c->p);
    tl_csv = saved;
    sm__free(c->alloc, c->head);
    sm__free(c->alloc, c->buf);
    sm__free(c->alloc, c->off);
    sm__free(c->alloc, c->len);
    sm__free(c->alloc, c->col_field);
    sm__free(c->alloc, c);
}

#else /* !SM_HAVE_LIBCSV */

sm_status sm__csv_begin(sm__csv **out, sm__load *ld)
{
    (void)out;
    (void)ld;
    return sm__fail(SM_ERR_UNSUPPORTED, "CSV: this build of smartmatch has no CSV support (libcsv was not found "
                                        "when it was built)");
}

sm_status sm__csv_feed(sm__csv *c, const char *data, size_t len)
{
    (void)c;
    (void)data;
    (void)len;
    return SM_ERR_UNSUPPORTED;
}

sm_status sm__csv_end(sm__csv *c)
{
    (void)c;
    return SM_ERR_UNSUPPORTED;
}

sm_data_kind sm__csv_header_kind(const sm__csv *c)
{
    (void)c;
    return SM_DATA_AUTO;
}

bool sm__csv_at_line(sm__csv *c, unsigned long line)
{
    (void)c;
    (void)line;
    return false;
}

void sm__csv_free(sm__csv *c)
{
    (void)c;
}

#endif
