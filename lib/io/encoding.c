/* Input encodings: converting a file in a single-byte encoding (a
 * spreadsheet export in windows-1250, say) to UTF-8 with glibc's iconv
 * before it is parsed, and, for input said to be UTF-8 that is not, one
 * problem that names the encoding it most likely is and the option that
 * loads it (docs/data-format.md, "Encodings"). */
#include "io/io.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

struct sm__enc {
    const sm__alloc *alloc;
    iconv_t cd;
    char name[40];
    char carry[8];    /* an incomplete multibyte sequence at the end of the last piece */
    size_t n_carry;
    char *out;
    size_t out_cap;
    unsigned long lines; /* newlines converted so far, for messages */
};

bool sm__enc_is_utf8(const char *encoding)
{
    return !encoding || !*encoding || !strcasecmp(encoding, "UTF-8") || !strcasecmp(encoding, "UTF8");
}

sm_status sm__enc_open(sm__enc **out, sm__load *ld, const char *encoding)
{
    *out = NULL;
    if (sm__enc_is_utf8(encoding))
        return SM_OK;
    if (strlen(encoding) >= sizeof ((sm__enc *)0)->name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "load: unknown encoding \"%.40s...\"", encoding);
    iconv_t cd = iconv_open("UTF-8", encoding);
    if (cd == (iconv_t)-1)
        return sm__fail(SM_ERR_INVALID_ARGUMENT,
                        "load: unknown encoding \"%s\" (use a name iconv knows, e.g. \"windows-1250\", "
                        "\"ISO-8859-2\", \"windows-1252\")",
                        encoding);
    const sm__alloc *a = sm__load_alloc(ld);
    sm__enc *x = sm__calloc(a, 1, sizeof *x);
    if (!x) {
        iconv_close(cd);
        return sm__nomem();
    }
    x->alloc = a;
    x->cd = cd;
    strcpy(x->name, encoding);
    *out = x;
    return SM_OK;
}

void sm__enc_free(sm__enc *x)
{
    if (!x)
        return;
    iconv_close(x->cd);
    sm__free(x->alloc, x->out);
    sm__free(x->alloc, x);
}

/* Converts in[0..n) to the end of x->out at *len; grows x->out. */
static sm_status convert(sm__enc *x, sm__load *ld, const char *in, size_t n, size_t *len, size_t *used)
{
    char *ip = (char *)in;
    size_t left = n;
    while (left) {
        /* 4 bytes out per byte in covers every single-byte encoding */
        if (sm__grow(x->alloc, (void **)&x->out, &x->out_cap, *len + 4 * left + 16, 1))
            return sm__nomem();
        char *op = x->out + *len;
        size_t room = x->out_cap - *len;
        size_t r = iconv(x->cd, &ip, &left, &op, &room);
        int err = errno;
        for (const char *p = x->out + *len; p < op; p++)
            x->lines += *p == '\n';
        *len = (size_t)(op - x->out);
        if (r != (size_t)-1)
            break;
        if (err == E2BIG)
            continue;
        if (err == EINVAL) /* incomplete sequence at the end: kept for the next piece */
            break;
        char what[160];
        snprintf(what, sizeof what, "byte 0x%02X is not a character in %s (is the file in another encoding?)",
                 (unsigned char)*ip, x->name);
        return sm__load_problem(ld, true, SM_ERR_PARSE, x->lines + 1, 0, NULL, NULL, 0, what);
    }
    *used = n - left;
    return SM_OK;
}

sm_status sm__enc_convert(sm__enc *x, sm__load *ld, const char *in, size_t n, bool last, const char **out,
                          size_t *out_n)
{
    size_t len = 0, used;
    sm_status st;
    if (x->n_carry) {
        /* complete the carried sequence with the first bytes of this piece */
        char tmp[16];
        size_t k = n < sizeof tmp - x->n_carry ? n : sizeof tmp - x->n_carry;
        memcpy(tmp, x->carry, x->n_carry);
        memcpy(tmp + x->n_carry, in, k);
        if ((st = convert(x, ld, tmp, x->n_carry + k, &len, &used)))
            return st;
        if (used < x->n_carry) { /* still incomplete */
            if (k == n && !last) {
                memcpy(x->carry, tmp + used, x->n_carry + k - used);
                x->n_carry += k - used;
                *out = x->out, *out_n = len;
                return SM_OK;
            }
            goto truncated;
        }
        in += used - x->n_carry;
        n -= used - x->n_carry;
        x->n_carry = 0;
    }
    if ((st = convert(x, ld, in, n, &len, &used)))
        return st;
    if (used < n) {
        if (last || n - used > sizeof x->carry)
            goto truncated;
        memcpy(x->carry, in + used, n - used);
        x->n_carry = n - used;
    }
    if (last && x->n_carry)
        goto truncated;
    *out = x->out, *out_n = len;
    return SM_OK;
truncated:
    return sm__load_problem(ld, true, SM_ERR_PARSE, x->lines + 1, 0, NULL, NULL, 0,
                            "the file ends inside a character (incomplete multibyte sequence)");
}

/* ---- telling a single-byte encoding from its bytes -------------------------------------- */

typedef struct candidate {
    const char *name, *label;
    bool cyrillic;
} candidate;

/* In the order preferred among equal fits: most of the data comes from
 * Central and South-East Europe. */
static const candidate candidates[] = {
    { "windows-1250", "Central European, Windows", false },
    { "ISO-8859-2", "Central European, ISO", false },
    { "windows-1252", "Western European, Windows", false },
    { "windows-1251", "Cyrillic, Windows", true },
};

/* The code point of each byte 0x80..0xFF in the encoding, 0 where none. */
static bool decode_high(const char *name, int32_t cp[128])
{
    iconv_t cd = iconv_open("UTF-32LE", name);
    if (cd == (iconv_t)-1)
        return false;
    for (int b = 0; b < 128; b++) {
        char in = (char)(0x80 + b), *ip = &in;
        unsigned char o[8];
        char *op = (char *)o;
        size_t il = 1, ol = sizeof o;
        cp[b] = 0;
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && ol == 4)
            cp[b] = (int32_t)(o[0] | o[1] << 8 | o[2] << 16 | (uint32_t)o[3] << 24);
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    return true;
}

static bool ascii_letter(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* How well the bytes read as text in an encoding: letters count for it,
 * unassigned bytes and control characters against; a Cyrillic letter
 * between Latin ones, or a run of three accented Latin letters, is unlikely. */
static long fit(const unsigned char *s, size_t n, const int32_t cp[128], bool cyrillic)
{
    long score = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80)
            continue;
        int32_t c = cp[s[i] - 0x80];
        if (!c) {
            score -= 5;
            continue;
        }
        utf8proc_category_t cat = utf8proc_category(c);
        bool letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
        bool prev_high = i > 0 && s[i - 1] >= 0x80, next_high = i + 1 < n && s[i + 1] >= 0x80;
        bool by_ascii = (i > 0 && ascii_letter(s[i - 1])) || (i + 1 < n && ascii_letter(s[i + 1]));
        if (letter)
            score += cyrillic ? (by_ascii ? -1 : 1) : (prev_high && next_high ? 0 : 1);
        else if (cat == UTF8PROC_CATEGORY_CC)
            score -= 3;
        else if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO)
            score += 0; /* quotes, dashes: plausible */
        else if (cat == UTF8PROC_CATEGORY_SC)
            score += 0; /* currency signs */
        else
            score -= 1;
    }
    return score;
}

const char *sm__enc_guess(const char *data, size_t n, const char **label)
{
    const candidate *best = &candidates[0];
    long best_score = 0;
    bool have = false;
    for (size_t k = 0; k < sizeof candidates / sizeof *candidates; k++) {
        int32_t cp[128];
        if (!decode_high(candidates[k].name, cp))
            continue;
        long sc = fit((const unsigned char *)data, n, cp, candidates[k].cyrillic);
        if (!have || sc > best_score)
            best = &candidates[k], best_score = sc, have = true;
    }
    *label = best->label;
    return best->name;
}

/* The one problem of input said to be UTF-8 that is not: byte at line,
 * with the encoding data look like. */
static sm_status not_utf8(sm__load *ld, unsigned long line, unsigned char byte, const char *data, size_t n)
{
    const char *label, *guess = sm__enc_guess(data, n, &label);
    char what[400];
    snprintf(what, sizeof what,
             "the file is not UTF-8 (byte 0x%02X); it is likely %s (%s): load it with --encoding %s "
             "(C: sm_load_options.encoding = \"%s\"; Python: encoding=\"%s\"), or save it as UTF-8",
             byte, guess, label, guess, guess, guess);
    return sm__load_problem(ld, true, SM_ERR_PARSE, line, 0, NULL, NULL, 0, what);
}

/* The '\n' bytes of data[0..n), eight bytes at a time: a byte is '\n'
 * when it is zero after an exclusive or with '\n' in every byte. */
static unsigned long count_newlines(const char *data, size_t n)
{
    const uint64_t lf = 0x0A0A0A0A0A0A0A0Au, low7 = 0x7F7F7F7F7F7F7F7Fu;
    unsigned long count = 0;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t x;
        memcpy(&x, data + k, 8);
        x ^= lf;
        uint64_t zero = ~(((x & low7) + low7) | x | low7); /* the high bit of each zero byte */
        /* the high bits, one per byte, summed by a multiplication (a
         * popcount is a library call without -mpopcnt) */
        count += (unsigned long)(((zero >> 7) * 0x0101010101010101u) >> 56);
    }
    for (; k < n; k++)
        count += data[k] == '\n';
    return count;
}

sm_status sm__enc_check_utf8(sm__load *ld, sm__utf8_watch *w, const char *data, size_t n, bool last)
{
    size_t i = 0;
    /* the end of a sequence the last piece began */
    while (w->need && i < n && ((unsigned char)data[i] & 0xC0) == 0x80)
        i++, w->need--;
    /* the input ended inside that sequence (a read may end anywhere, so the
     * last piece can be empty): the same problem as for the whole in one piece */
    if (w->need && i == n && last)
        return not_utf8(ld, w->lines + 1, w->lead, data, n);
    size_t bad = n;
    if (w->need && i < n)
        bad = i;
    if (bad == n) {
        size_t ok = i + sm__utf8_prefix(data + i, n - i);
        if (ok < n) {
            /* an incomplete sequence at the very end may go on in the next piece */
            size_t lead = ok;
            unsigned c = (unsigned char)data[lead];
            unsigned want = c >= 0xF0 && c <= 0xF4   ? 3
                            : c >= 0xE0 && c <= 0xEF ? 2
                            : c >= 0xC2 && c <= 0xDF ? 1
                                                     : 0;
            size_t have = n - lead - 1;
            bool cont = true;
            for (size_t k = lead + 1; k < n; k++)
                cont = cont && ((unsigned char)data[k] & 0xC0) == 0x80;
            if (!last && want && have < want && cont) {
                w->need = (unsigned)(want - have);
                w->lead = (unsigned char)c;
            } else {
                bad = ok;
            }
        }
    }
    if (bad == n) {
        w->lines += count_newlines(data, n);
        return SM_OK;
    }
    unsigned long line = w->lines + 1;
    for (size_t k = 0; k < bad; k++)
        line += data[k] == '\n';
    return not_utf8(ld, line, (unsigned char)data[bad], data, n);
}
