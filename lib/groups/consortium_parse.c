/* Reading a call profile: "key = value" lines, or a JSON object with the same
 * keys (through jansson). Every key goes through sm__call_apply(), so both
 * forms accept exactly what sm_call_set() does. */
#include "groups/consortium.h"

#include "sm_config.h"

#include <stdio.h>
#include <string.h>

#if SM_HAVE_JANSSON
#include <jansson.h>
#endif

#define A (&sm__default_alloc)
#define TEXT_MAX (1u << 20) /* a profile is a page of text */
#define LINE_MAX_ 8192

/* Re-labels the error of one key with the input's name and line. */
static sm_status at_line(sm_status st, const char *name, unsigned long line, const char *key)
{
    const sm_error *e = sm_error_last();
    char msg[900];
    snprintf(msg, sizeof msg, "%s", e->message);
    char value[201];
    snprintf(value, sizeof value, "%s", e->value);
    return sm__fail_at(st, name, line, 0, key, value, "%s:%lu: %s", name, line, msg);
}

static sm_status parse_lines(sm_call *c, const char *text, size_t len, const char *name)
{
    unsigned long line = 0;
    size_t pos = 0;
    char buf[LINE_MAX_];
    while (pos < len) {
        line++;
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n && s[n - 1] == '\r')
            n--;
        if (memchr(s, '\0', n))
            return sm__fail_at(SM_ERR_PARSE, name, line, 0, NULL, NULL, "%s:%lu: NUL byte in the text", name, line);
        if (n >= sizeof buf)
            return sm__fail_at(SM_ERR_LIMIT, name, line, 0, NULL, NULL, "%s:%lu: line longer than %u bytes", name,
                               line, (unsigned)sizeof buf - 1);
        memcpy(buf, s, n);
        buf[n] = '\0';
        char *p = buf;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq)
            return sm__fail_at(SM_ERR_PARSE, name, line, 0, NULL, p,
                               "%s:%lu: expected \"key = value\" (e.g. \"min_countries = 3\")", name, line);
        char *kend = eq;
        while (kend > p && (kend[-1] == ' ' || kend[-1] == '\t'))
            kend--;
        *kend = '\0';
        if (!*p)
            return sm__fail_at(SM_ERR_PARSE, name, line, 0, NULL, NULL, "%s:%lu: empty key before '='", name, line);
        sm_status st = sm__call_apply(c, p, eq + 1);
        if (st)
            return at_line(st, name, line, p);
    }
    return SM_OK;
}

#if SM_HAVE_JANSSON
/* A JSON value as the text of a key: strings as they are, numbers in the C
 * locale, arrays of those joined with ';'. */
static sm_status json_value_text(char *out, size_t cap, json_t *v, const char *name, const char *key)
{
    size_t n = 0;
    json_t *one = v;
    size_t count = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; i < count; i++) {
        if (json_is_array(v))
            one = json_array_get(v, i);
        char tmp[64];
        const char *s;
        if (json_is_string(one))
            s = json_string_value(one);
        else if (json_is_integer(one))
            snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(one)), s = tmp;
        else if (json_is_real(one)) {
            sm__fmt_double(tmp, sizeof tmp, json_real_value(one));
            s = tmp;
        } else
            return sm__fail_at(SM_ERR_PARSE, name, 0, 0, key, NULL,
                               "%s: %s: expected a string, a number or an array of them", name, key);
        size_t len = strlen(s);
        if (n + len + 2 > cap)
            return sm__fail_at(SM_ERR_LIMIT, name, 0, 0, key, NULL, "%s: %s: value too long", name, key);
        if (i)
            out[n++] = ';';
        memcpy(out + n, s, len);
        n += len;
    }
    out[n] = '\0';
    return SM_OK;
}

static sm_status parse_json(sm_call *c, const char *text, size_t len, const char *name)
{
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return sm__fail_at(SM_ERR_PARSE, name, (unsigned long)(err.line > 0 ? err.line : 0),
                           (unsigned long)(err.column > 0 ? err.column : 0), NULL, NULL, "%s:%d:%d: %s", name,
                           err.line, err.column, err.text);
    sm_status st = SM_OK;
    if (!json_is_object(root)) {
        st = sm__fail_at(SM_ERR_PARSE, name, 0, 0, NULL, NULL, "%s: a call profile in JSON is an object", name);
    } else {
        /* "preset" first: the other keys refine it, whatever their order */
        json_t *pv = json_object_get(root, "preset");
        char *value = sm__malloc(A, LINE_MAX_);
        if (!value)
            st = sm__nomem();
        if (!st && pv && !(st = json_value_text(value, LINE_MAX_, pv, name, "preset")))
            if ((st = sm__call_apply(c, "preset", value)))
                st = at_line(st, name, 0, "preset");
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v)
        {
            if (st)
                break;
            if (strcmp(key, "preset") == 0)
                continue;
            if (json_is_array(v) && strcmp(key, "min_partners") == 0) {
                /* each element is one rule */
                size_t i;
                json_t *one;
                json_array_foreach(v, i, one)
                {
                    if ((st = json_value_text(value, LINE_MAX_, one, name, key)))
                        break;
                    if ((st = sm__call_apply(c, key, value))) {
                        st = at_line(st, name, 0, key);
                        break;
                    }
                }
                continue;
            }
            if ((st = json_value_text(value, LINE_MAX_, v, name, key)))
                break;
            if ((st = sm__call_apply(c, key, value)))
                st = at_line(st, name, 0, key);
        }
        sm__free(A, value);
    }
    json_decref(root);
    return st;
}
#endif

sm_status sm_call_parse(sm_call **out, const char *text, size_t len, const char *name)
{
    if (!out || (!text && len))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "call: NULL argument");
    if (!name)
        name = "<call>";
    if (len > TEXT_MAX)
        return sm__fail_at(SM_ERR_LIMIT, name, 0, 0, NULL, NULL, "%s: a call profile is at most 1 MiB", name);
    sm_call *c = sm__malloc(A, sizeof *c);
    if (!c)
        return sm__nomem();
    sm__call_defaults(c);
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    sm_status st;
    if (i < len && text[i] == '{') {
#if SM_HAVE_JANSSON
        st = parse_json(c, text, len, name);
#else
        st = sm__fail(SM_ERR_UNSUPPORTED, "%s: JSON call profiles need jansson at build time", name);
#endif
    } else {
        st = parse_lines(c, text, len, name);
    }
    if (st) {
        sm__free(A, c);
        return st;
    }
    *out = c;
    return SM_OK;
}
