/* Numbers as text, in the C locale whatever the program's locale: strict
 * parsing (loaders, weighting text) and the shortest exact formatting
 * (outputs, weighting text). */
#define SM__BASE_IMPL /* base calls its own allocation functions unmarked */
#include "base/base.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t c_once = PTHREAD_ONCE_INIT;
static locale_t c_loc;

static void c_init(void)
{
    c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

locale_t sm__c_locale(void)
{
    pthread_once(&c_once, c_init);
    return c_loc;
}

bool sm__parse_real(const char *s, size_t n, double *out)
{
    char buf[256];
    if (n == 0 || n >= sizeof buf)
        return false;
    bool digit = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        digit = digit || (c >= '0' && c <= '9');
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return false;
    }
    if (!digit)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    locale_t loc = sm__c_locale(), old = (locale_t)0;
    if (loc)
        old = uselocale(loc);
    char *end;
    double v = strtod(buf, &end);
    if (loc)
        uselocale(old);
    if (end != buf + n)
        return false;
    *out = v; /* may be infinite: callers check their ranges */
    return true;
}

bool sm__parse_int(const char *s, size_t n, long long *out)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (i == 0 && (s[i] == '-' || s[i] == '+'))))
            return false;
    if (n == 1 && (s[0] == '-' || s[0] == '+'))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (errno == ERANGE || end != buf + n)
        return false;
    *out = v;
    return true;
}

/* The current thread's locale must already be "C". */
void sm__fmt_double_in_c(char *out, size_t cap, double v)
{
    if (isnan(v)) {
        snprintf(out, cap, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(out, cap, v < 0 ? "-inf" : "inf");
        return;
    }
    /* 15 significant digits print every double that came from a decimal
     * of up to 15 digits exactly as that decimal; 17 always round-trip */
    for (int p = 15; p <= 17; p++) {
        snprintf(out, cap, "%.*g", p, v);
        if (p == 17 || strtod(out, NULL) == v)
            break;
    }
}

void sm__fmt_double(char *out, size_t cap, double v)
{
    locale_t loc = sm__c_locale(), old = (locale_t)0;
    if (loc)
        old = uselocale(loc);
    sm__fmt_double_in_c(out, cap, v);
    if (loc)
        uselocale(old);
}
