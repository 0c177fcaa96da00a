/* Text output helpers of the smartmatch tool: column cells that respect
 * UTF-8 (names such as "Čakovec" or "Θεσσαλονίκη" are cut between
 * characters, never inside one, and padded by the columns they take), and
 * the CSV/JSON output through sm_result_format(). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Decodes one UTF-8 character at s; returns its length in bytes (1 for an
 * invalid byte, which then counts as one column) and the code point. */
static size_t utf8_next(const unsigned char *s, unsigned long *cp)
{
    unsigned char c = s[0];
    size_t len;
    unsigned long v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2;
        v = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        v = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        v = c & 0x07;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return len;
}

/* Columns of one code point: 0 for combining marks, 2 for East Asian wide
 * and full-width characters, 1 otherwise (enough for European names). */
static size_t cp_width(unsigned long cp)
{
    if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
        (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0x200b || cp == 0x200d)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
        (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

size_t cli_text_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned long cp;
        p += utf8_next(p, &cp);
        w += cp_width(cp);
    }
    return w;
}

void cli_spaces(FILE *f, size_t n)
{
    while (n--)
        fputc(' ', f);
}

void cli_cell(FILE *f, const char *s, size_t width)
{
    if (!s)
        s = "";
    size_t total = cli_text_width(s);
    if (total <= width) {
        fputs(s, f);
        cli_spaces(f, width - total);
        return;
    }
    if (width == 0)
        return;
    /* Keep whole characters (with their combining marks) while they fit in
     * width - 1 columns; the last column holds the ellipsis. */
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0;
    while (*p) {
        unsigned long cp;
        size_t len = utf8_next(p, &cp);
        size_t w = cp_width(cp);
        if (used + w > width - 1)
            break;
        p += len;
        used += w;
    }
    /* Trailing spaces before the ellipsis look like a gap: drop them. */
    const unsigned char *end = p;
    while (end > (const unsigned char *)s && end[-1] == ' ') {
        end--;
        used--;
    }
    fwrite(s, 1, (size_t)(end - (const unsigned char *)s), f);
    fputs("\xe2\x80\xa6", f); /* U+2026 HORIZONTAL ELLIPSIS, one column */
    cli_spaces(f, width - used - 1);
}

int cli_write_results(FILE *f, const sm_result *const *results, size_t n, sm_format format)
{
    char *text = NULL;
    size_t len = 0;
    sm_status st = sm_result_format(&text, &len, results, n, format);
    if (st != SM_OK)
        return cli_fail(st, "formatting results");
    size_t written = fwrite(text, 1, len, f);
    sm_free(text);
    if (written != len) {
        cli_error("cannot write the output");
        return CLI_FAIL;
    }
    return CLI_OK;
}

const char *cli_thousands(char *buf, size_t cap, unsigned long long v)
{
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%llu", v);
    size_t o = 0;
    for (int i = 0; i < nd && o + 2 < cap; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

size_t cli_term_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS"); /* as set by the shell, for a pipe to a pager */
    long v = cols ? strtol(cols, NULL, 10) : 0;
    return v >= 40 && v <= 1000 ? (size_t)v : 80;
}
