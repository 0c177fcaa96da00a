/* Text helpers with no engine knowledge: UTF-8 validation, names typed by
 * people (folded comparison, "did you mean" hints), and the Unicode folding
 * that makes two spellings of a tag compare equal (NFKC, full case folding,
 * white space collapsed; docs/data-format.md). The Unicode tables come from
 * utf8proc rather than from tables of our own. */
#define SM__BASE_IMPL /* base calls its own allocation functions unmarked */
#include "base/base.h"

#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

bool sm__utf8_valid(const char *str, size_t len)
{
    return sm__utf8_prefix(str, len) == len;
}

size_t sm__utf8_prefix(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len, *start = s;
    while (s < end) {
        /* runs of ASCII, 8 bytes at a time (whole files pass through here) */
        uint64_t word;
        while (end - s >= 8 && (memcpy(&word, s, 8), !(word & 0x8080808080808080u)))
            s += 8;
        if (s == end)
            break;
        const unsigned char *at = s;
        unsigned c = *s++;
        if (c < 0x80)
            continue;
        int n;
        unsigned min;
        if (c >= 0xC2 && c <= 0xDF) { n = 1; min = 0x80; c &= 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; min = 0x800; c &= 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; min = 0x10000; c &= 0x07; }
        else return (size_t)(at - start);
        if (end - s < n)
            return (size_t)(at - start);
        for (int i = 0; i < n; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return (size_t)(at - start);
            c = (c << 6) | (s[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return (size_t)(at - start);
        s += n;
    }
    return len;
}

/* Names typed by people: ASCII case does not matter and '-' stands for '_'
 * ("Cross-Border" is the preset cross_border). Table names are lower case. */
static char fold(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c == '-' ? '_' : c;
}

bool sm__name_eq(const char *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (name[i] == '\0' || fold(s[i]) != name[i])
            return false;
    return name[n] == '\0';
}

static const char *name_at(const void *names, size_t stride, size_t i)
{
    return *(const char *const *)((const char *)names + i * stride);
}

int sm__name_find(const char *s, size_t n, const void *names, size_t stride, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (sm__name_eq(s, n, name_at(names, stride, i)))
            return (int)i;
    return -1;
}

/* Edit distance for "did you mean" hints; names longer than the buffer get
 * no hint. */
#define HINT_MAX 48

static size_t edit_distance(const char *s, size_t n, const char *t)
{
    size_t m = strlen(t);
    size_t row[HINT_MAX + 1];
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (fold(s[i - 1]) != t[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

/* The closest of names to s when it is close enough to be a typo, else NULL. */
static const char *closest(const char *s, const void *names, size_t stride, size_t count)
{
    size_t n = strlen(s);
    if (n == 0 || n > HINT_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        const char *name = name_at(names, stride, i);
        if (strlen(name) > HINT_MAX)
            continue;
        size_t d = edit_distance(s, n, name);
        if (d < best_d) {
            best_d = d;
            best = name;
        }
    }
    /* more edits than that is a guess, not a typo */
    size_t limit = n < 5 ? 1 : n < 12 ? 2 : 3;
    return best_d <= limit ? best : NULL;
}

void sm__name_hint(char *hint, size_t cap, const char *s, const void *names, size_t stride, size_t count)
{
    const char *c = closest(s, names, stride, count);
    if (c)
        snprintf(hint, cap, " (did you mean \"%s\"?)", c);
    else
        hint[0] = '\0';
}

static bool is_white(utf8proc_int32_t c)
{
    if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0x85)
        return true;
    utf8proc_category_t cat = utf8proc_category(c);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

/* Whether any byte of in[0..len) has the high bit set (is not ASCII). */
static bool has_high(const char *in, size_t len)
{
    size_t i = 0;
    uint64_t w;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, in + i, 8);
        if (w & 0x8080808080808080u)
            return true;
    }
    for (; i < len; i++)
        if ((unsigned char)in[i] & 0x80)
            return true;
    return false;
}

/* Eight bytes at once: a mask of the high bit of each byte below 0x21
 * (white space, controls) or above 0x7E (DEL, not ASCII), and the word
 * with A-Z lowered. */
#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u

static uint64_t word_special(uint64_t x)
{
    uint64_t low = (x - ONES * 0x21) & ~x;      /* bytes < 0x21 (for bytes < 0x80) */
    uint64_t high = (x + ONES * (0x7F - 0x7E)); /* bytes > 0x7E reach 0x80 (for bytes < 0x80) */
    return (low | high | x) & HIGHS;
}

static uint64_t word_lower(uint64_t x)
{
    uint64_t ge_a = x + ONES * (0x80 - 'A'); /* high bit: byte >= 'A' */
    uint64_t gt_z = x + ONES * (0x7F - 'Z'); /* high bit: byte > 'Z' */
    uint64_t upper = (ge_a ^ gt_z) & HIGHS;
    return x | (upper >> 2);
}

/* sm__text_fold() of text, in one pass while it is ASCII, without the
 * Unicode tables: NFKC leaves ASCII as it is, case folding lowers A-Z, and
 * the white space and control characters of ASCII are those is_white() and
 * the Cc category name. Most tags and names of a large file are ASCII; the
 * loader folds every tag of every SME. Returns 1 + the result when the text
 * was ASCII, 0 (nothing decided) at the first byte that is not: only the
 * Unicode path may then tell what is wrong with it. */
static int fold_ascii(char *out, size_t cap, const char *in, size_t len, bool as_key, int *res)
{
    if (len > SM_TEXT_FOLD_MAX_IN) {
        if (has_high(in, len))
            return 0;
        *res = SM_FOLD_TOO_LONG;
        return 1;
    }
    size_t k = 0, i = 0;
    bool space = false;
    while (i < len) {
        uint64_t w;
        if (i + 8 <= len && (memcpy(&w, in + i, 8), !word_special(w))) {
            /* eight printable ASCII bytes */
            if (k + space + 8 + 1 > cap)
                goto too_long;
            if (space)
                out[k++] = ' ';
            space = false;
            if (as_key)
                w = word_lower(w);
            memcpy(out + k, &w, 8);
            k += 8;
            i += 8;
            continue;
        }
        unsigned char c = (unsigned char)in[i++];
        if (c & 0x80)
            return 0;
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            space = k > 0;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            if (has_high(in + i, len - i))
                return 0;
            *res = SM_FOLD_CONTROL;
            return 1;
        }
        if (k + space + 2 > cap)
            goto too_long;
        if (space)
            out[k++] = ' ';
        space = false;
        out[k++] = (char)(as_key && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (cap)
        out[k] = '\0';
    *res = (int)k;
    return 1;
too_long:
    if (has_high(in + i, len - i))
        return 0;
    *res = SM_FOLD_TOO_LONG;
    return 1;
}

int sm__text_fold(char *out, size_t cap, const char *in, size_t len, bool as_key)
{
    int res;
    if (fold_ascii(out, cap, in, len, as_key, &res))
        return res;
    return sm__text_fold_unicode(out, cap, in, len, as_key);
}

int sm__text_fold_unicode(char *out, size_t cap, const char *in, size_t len, bool as_key)
{
    /* The code points of one tag or name fit here; longer text cannot fold
     * to SM_TEXT_FOLD_MAX_IN bytes or fewer unless it is mostly white space. */
    utf8proc_int32_t cp[SM_TEXT_FOLD_MAX_IN];
    if (!sm__utf8_valid(in, len))
        return SM_FOLD_BAD_UTF8;
    utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    if (as_key)
        opt |= UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;
    utf8proc_ssize_t n =
        utf8proc_decompose((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len, cp, SM_TEXT_FOLD_MAX_IN, opt);
    if (n < 0)
        return SM_FOLD_BAD_UTF8;
    if (n > SM_TEXT_FOLD_MAX_IN)
        return SM_FOLD_TOO_LONG;
    n = utf8proc_normalize_utf32(cp, n, opt);
    if (n < 0)
        return SM_FOLD_BAD_UTF8;
    size_t k = 0;
    bool space = false;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_int32_t c = cp[i];
        if (is_white(c)) {
            space = k > 0;
            continue;
        }
        if (utf8proc_category(c) == UTF8PROC_CATEGORY_CC)
            return SM_FOLD_CONTROL;
        utf8proc_uint8_t enc[4];
        size_t m = (size_t)utf8proc_encode_char(c, enc);
        if (k + space + m + 1 > cap)
            return SM_FOLD_TOO_LONG;
        if (space)
            out[k++] = ' ';
        space = false;
        for (size_t j = 0; j < m; j++)
            out[k++] = (char)enc[j];
    }
    if (cap)
        out[k] = '\0';
    return (int)k;
}

sm_status sm_text_fold(char *out, size_t capacity, const char *text)
{
    if (!out || !text)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "text_fold: NULL argument");
    char key[SM_TAG_MAX * 4 + 1];
    int k = sm__text_fold(key, sizeof key, text, strlen(text), true);
    switch (k) {
    case SM_FOLD_BAD_UTF8:
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, NULL, text, "text is not valid UTF-8");
    case SM_FOLD_CONTROL:
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, NULL, text, "control character in text");
    case SM_FOLD_TOO_LONG:
        return sm__fail(SM_ERR_LIMIT, "text: longer than %d bytes once folded (or over %d code points)",
                        SM_TAG_MAX * 4, SM_TEXT_FOLD_MAX_IN);
    case 0:
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, NULL, text, "text is empty or only white space");
    default:
        break;
    }
    if ((size_t)k + 1 > capacity)
        return sm__fail(SM_ERR_LIMIT, "text: the key has %d bytes, the buffer holds %zu with the NUL", k, capacity);
    memcpy(out, key, (size_t)k + 1);
    return SM_OK;
}
