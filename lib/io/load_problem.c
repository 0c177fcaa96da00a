/* Loading, problems: every message names file:line, field and value; the
 * problem callback, lenient mode and dry runs decide whether a load goes on. */
#include "io/io.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- problems ---------------------------------------------------------------- */

/* The escaped form of a control character into tmp (\n, \r, \t, \xNN);
 * its length, or 0 when c is not a control character. */
static size_t escape_control(unsigned char c, char tmp[8])
{
    if (c == '\n')
        return memcpy(tmp, "\\n", 2), 2;
    if (c == '\r')
        return memcpy(tmp, "\\r", 2), 2;
    if (c == '\t')
        return memcpy(tmp, "\\t", 2), 2;
    if (c < 0x20 || c == 0x7f)
        return (size_t)snprintf(tmp, 8, "\\x%02X", c);
    return 0;
}

/* Writes v (n bytes) for a message: quotes, backslashes and control
 * characters escaped, bytes that are not UTF-8 shown as \xNN, cut after
 * `limit` input bytes with "...". */
void sm__ld_show(char *out, size_t cap, const char *v, size_t n, size_t limit)
{
    size_t o = 0, i = 0;
    while (i < n) {
        char tmp[8];
        size_t tn = 1, adv = 1;
        unsigned char c = (unsigned char)v[i];
        if (i >= limit) {
            if (o + 4 <= cap) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (c == '"' || c == '\\')
            tmp[0] = '\\', tmp[1] = (char)c, tn = 2;
        else if (c < 0x80) {
            if (!(tn = escape_control(c, tmp)))
                tmp[0] = (char)c, tn = 1;
        } else {
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (len > 1 && i + len <= n && sm__utf8_valid(v + i, len)) {
                memcpy(tmp, v + i, len);
                tn = adv = len;
            } else
                tn = (size_t)snprintf(tmp, sizeof tmp, "\\x%02X", c);
        }
        if (o + tn + 4 > cap) {
            if (o + 4 <= cap) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(out + o, tmp, tn);
        o += tn;
        i += adv;
    }
    out[o] = '\0';
}

/* The value as sm_error carries it: itself when it is clean UTF-8, else
 * its escaped form; at most 200 bytes, never cutting a character. */
static const char *value_copy(char out[201], const char *v, size_t n)
{
    if (!v)
        return NULL;
    if (memchr(v, '\0', n) || !sm__utf8_valid(v, n)) {
        sm__ld_show(out, 201, v, n, 200);
        return out;
    }
    size_t k = n;
    if (k > 200) { /* cut before the character that v[200] belongs to */
        k = 200;
        while (k > 0 && ((unsigned char)v[k] & 0xC0) == 0x80)
            k--;
    }
    memcpy(out, v, k);
    out[k] = '\0';
    return out;
}

/* "<file>:<line>: " */
static int prefix(char *msg, size_t cap, const sm__load *ld, unsigned long line)
{
    return line ? snprintf(msg, cap, "%s:%lu: ", ld->name, line) : snprintf(msg, cap, "%s: ", ld->name);
}

/* Records a problem as the thread's last error: "<file>:<line>: <field>:
 * <what> "<value>"" (show_value false: the value is only in sm_error). */
sm_status sm__ld_record_problem(const sm__load *ld, sm_status st, unsigned long line, unsigned long column,
                                const char *field, const char *value, size_t vlen, bool show_value, const char *what)
{
    char msg[1024];
    size_t o = (size_t)prefix(msg, sizeof msg, ld, line);
    if (o < sizeof msg && field && *field)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "%s: ", field);
    if (o < sizeof msg)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "%s", what);
    if (value && show_value && o + 8 < sizeof msg) {
        char shown[300];
        sm__ld_show(shown, sizeof shown, value, vlen, 80);
        snprintf(msg + o, sizeof msg - o, " \"%s\"", shown);
    }
    char val[201];
    return sm__fail_at(st, ld->name, line, column, field, value_copy(val, value, vlen), "%s", msg);
}

/* Hands the last error to the callback; decides whether the load goes on. */
sm_status sm__ld_deliver(sm__load *ld, bool fatal)
{
    const sm_error *err = sm_error_last();
    sm_status st = err->status;
    if (st == SM_ERR_NOMEM)
        return st;
    if (ld->speculative) /* the part is read again in order, where the problem is reported */
        return SM_ERR_CANCELLED;
    if (ld->quiet) /* already reported in the first pass */
        return fatal || !ld->opts.lenient ? st : SM_OK;
    ld->n_problems++;
    unsigned long line = err->line;
    if (!ld->have_first) {
        ld->have_first = true;
        sm__error_save(&ld->first);
    }
    if (ld->opts.on_problem && ld->opts.on_problem(err, ld->opts.userdata)) {
        char msg[256];
        prefix(msg, sizeof msg, ld, line);
        return sm__fail_at(SM_ERR_CANCELLED, ld->name, line, 0, NULL, NULL, "%sload cancelled by the problem callback",
                           msg);
    }
    if (fatal)
        return st;
    return ld->opts.lenient || ld->opts.dry_run ? SM_OK : st;
}

sm_status sm__load_problem(sm__load *ld, bool fatal, sm_status status, unsigned long line, unsigned long column,
                           const char *field, const char *value, size_t value_len, const char *what)
{
    if (status == SM_ERR_NOMEM)
        return sm__nomem();
    sm__ld_record_problem(ld, status, line, column, field, value, value_len, true, what);
    return sm__ld_deliver(ld, fatal);
}

sm_status sm__load_check_columns(sm__load *ld, sm_data_kind kind, uint32_t present, unsigned long line)
{
    /* required columns in the order people think of them */
    static const sm__fid order[] = { SM__F_ID,       SM__F_CODE,        SM__F_REGION,   SM__F_SECTORS,
                                     SM__F_NAME,     SM__F_LAT,         SM__F_LON,      SM__F_DEVELOPMENT,
                                     SM__F_SECTOR_A, SM__F_SECTOR_B,    SM__F_AFFINITY };
    uint32_t missing = sm__kind_required(kind) & ~present;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (missing & (1u << order[i])) {
            const char *f = sm__field_name(order[i]);
            char what[160];
            snprintf(what, sizeof what, "missing required column for %s", sm__kind_name(kind));
            return sm__load_problem(ld, true, SM_ERR_PARSE, line, 0, f, f, strlen(f), what);
        }
    return SM_OK;
}

sm_status sm__ld_bad(const sm__load *ld, const sm__record *r, int f, sm_status st, const char *value, size_t vlen,
                     const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return sm__ld_record_problem(ld, st, r->line, f >= 0 ? r->v[f].column : 0, f >= 0 ? sm__field_name(f) : NULL, value,
                                 vlen, true, what);
}

/* Writes s with its control characters escaped as sm__ld_show escapes
 * them: the core quotes values raw, and a message must stay one printable
 * line. Cut at a character boundary when out is too small. */
static void escape_controls(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char tmp[8];
        size_t tn = escape_control(c, tmp);
        if (!tn)
            tmp[0] = (char)c, tn = 1;
        if (o + tn >= cap) {
            while (o > 0 && ((unsigned char)out[o] & 0xC0) == 0x80)
                o--; /* out[o] continues a character: drop that character */
            break;
        }
        memcpy(out + o, tmp, tn);
        o += tn;
    }
    out[o] = '\0';
}

/* Re-records the core's last error at the record's file and line. The
 * core's messages start with the field they concern ("region: ..."); the
 * value is added when the core's message does not quote it. */
sm_status sm__ld_rewrap(const sm__load *ld, const sm__record *r)
{
    const sm_error *e = sm_error_last();
    sm_status st = e->status;
    if (st == SM_ERR_NOMEM)
        return st;
    char core[1024], field[64], value[201];
    escape_controls(core, sizeof core, e->message);
    snprintf(field, sizeof field, "%s", e->field);
    snprintf(value, sizeof value, "%s", e->value);
    const char *colon = strchr(core, ':');
    if (!*field && colon && (size_t)(colon - core) < sizeof field) {
        memcpy(field, core, (size_t)(colon - core));
        field[colon - core] = '\0';
    }
    int f = sm__field_lookup(field, strlen(field));
    if (f < 0)
        field[0] = '\0';
    char msg[1024];
    int o = prefix(msg, sizeof msg, ld, r->line);
    snprintf(msg + o, sizeof msg - (size_t)o, "%s", core);
    if (*value) {
        /* the value as the core would have quoted it, escaped: 4 bytes out
         * per byte in at most, plus the quotes */
        char full[sizeof value * 4 + 3];
        full[0] = '"';
        sm__ld_show(full + 1, sizeof full - 2, value, strlen(value), sizeof value);
        strcat(full, "\"");
        if (!strstr(core, full)) {
            char shown[300];
            sm__ld_show(shown, sizeof shown, value, strlen(value), 80);
            size_t m = strlen(msg);
            snprintf(msg + m, sizeof msg - m, " \"%s\"", shown);
        }
    }
    return sm__fail_at(st, ld->name, r->line, f >= 0 ? r->v[f].column : 0, field, *value ? value : NULL, "%s", msg);
}

sm_status sm__ld_dup_problem(const sm__load *ld, const sm__record *r, int f, const char *value, const char *what,
                             unsigned long first)
{
    char shown[300], msg[512];
    sm__ld_show(shown, sizeof shown, value, strlen(value), 80);
    snprintf(msg, sizeof msg, "%s \"%s\" (first on line %lu)", what, shown, first);
    return sm__ld_record_problem(ld, SM_ERR_DUPLICATE, r->line, r->v[f].column, sm__field_name(f), value, strlen(value),
                                 false, msg);
}
