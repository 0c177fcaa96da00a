/* The text form of a weighting: sm_weighting_parse() reads
 * "cross_border,complementarity=3,region_reach.scale_km=300", and
 * sm_weighting_to_string() writes what it reads back. Names come from the
 * tables in weighting.c. */
#include "score/score.h"
#include "score/network.h" /* history and network criteria */

#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#define NAMES(table) (table), sizeof *(table)

/* Longest text sm_weighting_parse() reads; weightings are short, and a cap
 * lets the parser work in a stack buffer. */
#define TEXT_MAX 4096

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims [*s, *s + *n) in place and NUL-terminates it (the buffer is ours). */
static char *trim(char *s, size_t n)
{
    while (n > 0 && is_space(*s))
        s++, n--;
    while (n > 0 && is_space(s[n - 1]))
        n--;
    s[n] = '\0';
    return s;
}

/* "nan", "inf", "infinity" with an optional sign: a number, just not a
 * finite one (a range error, not a syntax error). */
static bool is_nonfinite_word(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    size_t n = strlen(s);
    return sm__name_eq(s, n, "nan") || sm__name_eq(s, n, "inf") || sm__name_eq(s, n, "infinity");
}

/* Reads the value of item `name` as a number. */
static sm_status parse_number(const char *name, const char *value, double *out)
{
    if (!sm__parse_real(value, strlen(value), out)) {
        if (is_nonfinite_word(value))
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, name, value, "weights: %s: not a finite number \"%s\"", name,
                               value);
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, name, value, "weights: %s: bad number \"%s\"", name, value);
    }
    if (!isfinite(*out))
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, name, value, "weights: %s: not a finite number \"%s\"", name,
                           value);
    return SM_OK;
}

/* One "name=value" item (both trimmed, non-empty) into w. */
static sm_status parse_item(sm_weighting *w, const char *name, const char *value)
{
    size_t n = strlen(name);
    double v;
    sm_status st;
    int k = sm__name_find(name, n, NAMES(sm__criterion_names), SM_CRIT_BUILTIN_COUNT);
    if (k >= 0) {
        const char *crit = sm__criterion_names[k];
        if ((st = parse_number(crit, value, &v)) != SM_OK)
            return st;
        if (v < 0)
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, crit, value, "weights: %s: negative weight \"%s\"", crit,
                               value);
        w->w[k] = v == 0 ? 0.0 : v;
        return SM_OK;
    }
    const sm__param_def *d = sm__param_find(name, n);
    if (d) {
        /* the reciprocity also reads as a word */
        bool recip = d->offset == offsetof(sm__params, reciprocity);
        int r;
        if (recip && (r = sm__name_find(value, strlen(value), NAMES(sm__reciprocity_names), 4)) >= 0) {
            w->p.reciprocity = r;
            return SM_OK;
        }
        if (recip && !sm__parse_real(value, strlen(value), &v) && !is_nonfinite_word(value))
            return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, d->name, value,
                               "weights: %s: unknown reciprocity \"%s\" (harmonic, arithmetic, max or min)", d->name,
                               value);
        if ((st = parse_number(d->name, value, &v)) != SM_OK)
            return st;
        const char *range = sm__param_range(d, v);
        if (range)
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, d->name, value, "weights: %s: %s, not \"%s\"", d->name,
                               range, value);
        sm__param_put(&w->p, d, v);
        return SM_OK;
    }
    if (sm__name_eq(name, n, "combiner")) {
        int c = sm__name_find(value, strlen(value), NAMES(sm__combiner_names), 3);
        if (c < 0)
            return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "combiner", value,
                               "weights: combiner: unknown combiner \"%s\" (mean, geometric or min)", value);
        w->combiner = (sm_combiner)c;
        return SM_OK;
    }
    if (sm__name_eq(name, n, "past_partners.half_life")) { /* history and network criteria */
        if ((st = parse_number(name, value, &v)) != SM_OK)
            return st;
        if (!(v > 0) || !isfinite(v))
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, name, value,
                               "weights: %s: must be finite and > 0 (days), not \"%s\"", name, value);
        w->net_half_life = v;
        return SM_OK;
    }
    if ((k = sm__net_find(name, n)) >= 0) { /* history and network criteria */
        if ((st = parse_number(name, value, &v)) != SM_OK)
            return st;
        if (v < 0)
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, name, value, "weights: %s: negative weight \"%s\"", name,
                               value);
        return sm__net_set(w, k, v);
    }
    /* every name the text may hold, for the hint */
    const char *names[SM_CRIT_BUILTIN_COUNT + SM__N_PARAMS + 1];
    memcpy(names, sm__criterion_names, sizeof sm__criterion_names);
    for (size_t j = 0; j < SM__N_PARAMS; j++)
        names[SM_CRIT_BUILTIN_COUNT + j] = sm__param_defs[j].name;
    names[SM_CRIT_BUILTIN_COUNT + SM__N_PARAMS] = "combiner";
    char hint[96];
    sm__name_hint(hint, sizeof hint, name, NAMES(names), sizeof names / sizeof *names);
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "weights", name, "weights: unknown %s \"%s\"%s",
                       strchr(name, '.') ? "parameter" : "criterion", name, hint);
}

/* An item without '=': the preset when first, else a mistake worth naming. */
static sm_status parse_bare(sm_weighting *w, const char *item, bool first)
{
    size_t n = strlen(item);
    int k = sm__name_find(item, n, NAMES(sm__presets), sm__n_presets);
    if (k < 0 && first && sm__net_preset(w, item, n)) /* history and network criteria */
        return SM_OK;
    if (k >= 0 && first) {
        sm__preset_apply(w, &sm__presets[k]);
        return SM_OK;
    }
    /* "cohesion" is a preset and a criterion: later, it lacks its value */
    bool known = sm__name_find(item, n, NAMES(sm__criterion_names), SM_CRIT_BUILTIN_COUNT) >= 0 ||
                 sm__param_find(item, n) || sm__name_eq(item, n, "combiner");
    if (k >= 0 && !known)
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "weights", item,
                           "weights: preset \"%s\" must be the first item", item);
    if (first && !known) {
        char hint[96];
        sm__name_hint(hint, sizeof hint, item, NAMES(sm__presets), sm__n_presets);
        return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "weights", item,
                           "weights: unknown preset \"%s\"%s (or \"name=value\" is meant)", item, hint);
    }
    return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "weights", item, "weights: missing '=' in \"%s\"", item);
}

/* Parses into a weighting of allocator a. */
static sm_status parse_with(sm_weighting **out, const char *text, const sm__alloc *a)
{
    if (!out || !text)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL %s", out ? "text" : "out");
    char buf[TEXT_MAX + 1];
    size_t len = 0;
    while (len <= TEXT_MAX && text[len])
        len++;
    if (len > TEXT_MAX)
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "weights", NULL, "weights: text too long (at most %d bytes)",
                           TEXT_MAX);
    memcpy(buf, text, len + 1);

    /* Parse into a local weighting: a failure has nothing to undo, and the
     * only allocation comes last. */
    sm_weighting w;
    sm__weighting_init(&w, a);

    char *s = buf;
    for (size_t i = 0;; i++) {
        char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        char *item = trim(s, n);
        sm_status st;
        if (!*item)
            return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "weights", "", "weights: empty item %zu", i + 1);
        char *eq = strchr(item, '=');
        if (!eq) {
            st = parse_bare(&w, item, i == 0);
        } else {
            char *name = trim(item, (size_t)(eq - item));
            char *value = trim(eq + 1, strlen(eq + 1));
            if (!*name)
                st = sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "weights", value, "weights: empty name in item %zu",
                                 i + 1);
            else if (!*value)
                st = sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, name, "", "weights: %s: empty value", name);
            else
                st = parse_item(&w, name, value);
        }
        if (st != SM_OK)
            return st;
        if (!comma)
            break;
        s = comma + 1;
    }

    bool any = false;
    for (size_t j = 0; j < sm__weighting_n(&w); j++) /* built-in and network criteria */
        any = any || w.w[j] > 0;
    if (!any)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "weights", text, "weights: all weights are zero");

    sm_weighting *r = sm__malloc(a, sizeof *r);
    if (!r)
        return sm__nomem();
    memcpy(r, &w, sizeof w);
    *out = r;
    return SM_OK;
}

sm_status sm_weighting_parse(sm_weighting **out, const char *text)
{
    return parse_with(out, text, &sm__default_alloc);
}

sm_status sm_weighting_parse_with(sm_weighting **out, const char *text, const sm_allocator *allocator)
{
    if (allocator && (!allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: allocator needs malloc_fn, realloc_fn and free_fn");
    return parse_with(out, text, allocator ? allocator : &sm__default_alloc);
}

/* Longest text to_string writes: every criterion with a name and a number,
 * every parameter, the combiner (numbers take at most 24 bytes), the half-life. */
#define NUM_MAX 32
#define STRING_MAX                                                                                                     \
    (SM_CRITERIA_MAX * (SM__NAME_CAP + 2 + NUM_MAX) + SM__N_PARAMS * (40 + 2 + NUM_MAX) + 96)

static void append(char *buf, size_t *len, const char *a, const char *b, const char *c)
{
    int n = snprintf(buf + *len, STRING_MAX - *len, "%s%s=%s", *len ? "," : "", a, b ? b : c);
    /* STRING_MAX bounds the text; stay inside buf should it ever not */
    *len = n < 0 || (size_t)n >= STRING_MAX - *len ? STRING_MAX - 1 : *len + (size_t)n;
}

/* Custom criteria are written with their weights so that a person sees the
 * whole weighting, but parsing that text fails (functions are not text);
 * the same holds for a custom combiner, which is left out. */
sm_status sm_weighting_to_string(char **out, const sm_weighting *weighting)
{
    if (!out || !weighting)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL %s", out ? "weighting" : "out");
    char buf[STRING_MAX];
    size_t len = 0;
    char num[NUM_MAX];
    buf[0] = '\0';
    for (size_t j = 0; j < SM_CRIT_BUILTIN_COUNT; j++) {
        sm__fmt_double(num, sizeof num, weighting->w[j]);
        append(buf, &len, sm__criterion_names[j], num, NULL);
    }
    for (size_t k = 0; k < SM__N_PARAMS; k++) {
        const sm__param_def *d = &sm__param_defs[k];
        double v = sm__param_get(&weighting->p, d);
        if (v == d->def)
            continue;
        if (d->offset == offsetof(sm__params, reciprocity) && (unsigned)weighting->p.reciprocity < 4) {
            append(buf, &len, d->name, NULL, sm__reciprocity_names[weighting->p.reciprocity]);
        } else {
            sm__fmt_double(num, sizeof num, v);
            append(buf, &len, d->name, num, NULL);
        }
    }
    if (weighting->combiner == SM_COMBINE_GEOMETRIC || weighting->combiner == SM_COMBINE_MIN)
        append(buf, &len, "combiner", NULL, sm__combiner_names[weighting->combiner]);
    for (size_t i = 0; i < weighting->n_custom; i++) {
        sm__fmt_double(num, sizeof num, weighting->w[SM_CRIT_BUILTIN_COUNT + i]);
        append(buf, &len, weighting->custom[i].name, num, NULL);
    }
    if (weighting->net_half_life > 0) { /* history and network criteria */
        sm__fmt_double(num, sizeof num, weighting->net_half_life);
        append(buf, &len, "past_partners.half_life", num, NULL);
    }
    char *s = sm__boxed_alloc(&weighting->alloc, len + 1);
    if (!s)
        return sm__nomem();
    memcpy(s, buf, len + 1);
    *out = s;
    return SM_OK;
}

