/* Weightings: a weight per criterion, the parameters of the built-in
 * criteria, custom criteria and the combiner; the named presets, the text
 * form ("cross_border,complementarity=3") and the combining of scores.
 * Weightings are not tied to an engine, so they use the default allocator. */
#include "score/score.h"

#include "base/base.h" /* numbers as text */

#include <math.h>
#include <stdio.h>
#include <string.h>

#define A (&sm__default_alloc)

/* Longest text sm_weighting_parse() reads; weightings are short, and a cap
 * lets the parser work in a stack buffer. */
#define TEXT_MAX 4096

/* ---- names ------------------------------------------------------------------ */

static const char *const crit_names[SM_CRIT_BUILTIN_COUNT] = {
    "complementarity", "sector_affinity", "region_reach", "cohesion", "size_fit", "cooperation_fit", "language",
};

const char *sm_criterion_name(sm_criterion criterion)
{
    return (unsigned)criterion < SM_CRIT_BUILTIN_COUNT ? crit_names[criterion] : NULL;
}

const char *sm__weighting_name(const sm_weighting *w, size_t j)
{
    if (j < SM_CRIT_BUILTIN_COUNT)
        return crit_names[j];
    j -= SM_CRIT_BUILTIN_COUNT;
    return j < w->n_custom ? w->custom[j].name : NULL;
}

/* Names typed by people: ASCII case does not matter and '-' stands for '_'
 * ("Cross-Border" is the preset cross_border). Table names are lower case. */
static char fold(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c == '-' ? '_' : c;
}

static bool name_eq(const char *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (name[i] == '\0' || fold(s[i]) != name[i])
            return false;
    return name[n] == '\0';
}

static int name_find(const char *s, size_t n, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (name_eq(s, n, names[i]))
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
static const char *closest(const char *s, const char *const *names, size_t count)
{
    size_t n = strlen(s);
    if (n == 0 || n > HINT_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        if (strlen(names[i]) > HINT_MAX)
            continue;
        size_t d = edit_distance(s, n, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    /* more edits than that is a guess, not a typo */
    size_t limit = n < 5 ? 1 : n < 12 ? 2 : 3;
    return best_d <= limit ? best : NULL;
}

/* Fills hint with " (did you mean \"x\"?)" or "". */
static void hint_for(char *hint, size_t cap, const char *s, const char *const *names, size_t count)
{
    const char *c = closest(s, names, count);
    if (c)
        snprintf(hint, cap, " (did you mean \"%s\"?)", c);
    else
        hint[0] = '\0';
}

/* ---- parameters ----------------------------------------------------------------- */

enum { P_RECIPROCITY, P_SCALE_KM, P_CROSS_BORDER, P_NEIGHBOUR, P_FULL_RATIO, P_SECONDARY, P_COUNT };

static const char *const param_names[P_COUNT] = {
    "complementarity.reciprocity", "region_reach.scale_km",   "region_reach.cross_border_bonus",
    "region_reach.neighbour_bonus", "cohesion.full_ratio", "sector_affinity.secondary_factor",
};

static const char *const reciprocity_names[] = { "harmonic", "arithmetic", "max", "min" };
#define N_RECIPROCITY (sizeof reciprocity_names / sizeof *reciprocity_names)

static const char *const combiner_names[] = { "mean", "geometric", "min" };
#define N_COMBINER_NAMES (sizeof combiner_names / sizeof *combiner_names)

const sm__params sm__params_default = {
    .reciprocity = SM_RECIPROCITY_HARMONIC,
    .scale_km = 400.0,
    .cross_border_bonus = 0.15,
    .neighbour_bonus = 0.15,
    .full_ratio = 2.0,
    .secondary_factor = 0.8,
};

static double param_get(const sm__params *p, int k)
{
    switch (k) {
    case P_RECIPROCITY: return p->reciprocity;
    case P_SCALE_KM: return p->scale_km;
    case P_CROSS_BORDER: return p->cross_border_bonus;
    case P_NEIGHBOUR: return p->neighbour_bonus;
    case P_FULL_RATIO: return p->full_ratio;
    default: return p->secondary_factor;
    }
}

/* Sets a value that param_range() accepted. */
static void param_put(sm__params *p, int k, double v)
{
    v = v == 0 ? 0.0 : v; /* no -0 in the text form */
    switch (k) {
    case P_RECIPROCITY: p->reciprocity = (int)v; break;
    case P_SCALE_KM: p->scale_km = v; break;
    case P_CROSS_BORDER: p->cross_border_bonus = v; break;
    case P_NEIGHBOUR: p->neighbour_bonus = v; break;
    case P_FULL_RATIO: p->full_ratio = v; break;
    default: p->secondary_factor = v; break;
    }
}

/* NULL when v is in the range of parameter k, else the range in words.
 * Written so that NaN fails every test. */
static const char *param_range(int k, double v)
{
    switch (k) {
    case P_RECIPROCITY:
        return (v == 0 || v == 1 || v == 2 || v == 3) ? NULL : "must be 0..3 (harmonic, arithmetic, max, min)";
    case P_SCALE_KM:
        return (v > 0 && isfinite(v)) ? NULL : "must be finite and > 0";
    case P_FULL_RATIO:
        return (v > 1 && isfinite(v)) ? NULL : "must be finite and > 1";
    default:
        return (v >= 0 && v <= 1) ? NULL : "must be in 0..1";
    }
}

static bool weight_ok(double v)
{
    return v >= 0 && isfinite(v);
}

/* ---- presets -------------------------------------------------------------------- */

typedef struct preset {
    const char *name;
    double w[SM_CRIT_BUILTIN_COUNT]; /* by sm_criterion */
    int param;                       /* one parameter differing from the defaults, or -1 */
    double value;
} preset;

/* docs/scoring.md lists the same numbers; the tests check them exactly. */
static const preset presets[] = {
    { "balanced", { 3, 2, 1, 1, 0.5, 1, 1 }, -1, 0 },
    { "cross_border", { 3, 1.5, 1, 1, 0.5, 1, 1.5 }, P_CROSS_BORDER, 0.3 },
    { "supply_chain", { 3, 3, 1.5, 0, 1, 1.5, 0.5 }, P_RECIPROCITY, SM_RECIPROCITY_MAX },
    { "cohesion", { 2, 1, 0.5, 3, 0.5, 1, 1 }, -1, 0 },
    { "local", { 3, 1, 3, 0, 0.5, 1, 1 }, P_SCALE_KM, 100 },
};
#define N_PRESETS (sizeof presets / sizeof *presets)

static const char *const preset_names[N_PRESETS] = { "balanced", "cross_border", "supply_chain", "cohesion", "local" };

size_t sm_weighting_preset_count(void)
{
    return N_PRESETS;
}

const char *sm_weighting_preset_name(size_t index)
{
    return index < N_PRESETS ? presets[index].name : NULL;
}

/* Sets the weights and parameters of a preset; custom criteria and the
 * combiner are left to the caller (fresh weightings have none). */
static void preset_apply(sm_weighting *w, const preset *p)
{
    memcpy(w->w, p->w, sizeof p->w);
    w->p = sm__params_default;
    if (p->param >= 0)
        param_put(&w->p, p->param, p->value);
}

/* ---- user data -------------------------------------------------------------------- */

static sm__udata *udata_new(void *ptr, sm_destroy_fn destroy)
{
    sm__udata *u = sm__malloc(A, sizeof *u);
    if (!u)
        return NULL;
    u->ptr = ptr;
    u->destroy = destroy;
    atomic_init(&u->refs, 1);
    return u;
}

static void udata_retain(sm__udata *u)
{
    atomic_fetch_add_explicit(&u->refs, 1, memory_order_relaxed);
}

/* Copies may be freed on different threads: the last release sees every
 * earlier one (acq_rel) before it destroys. */
static void udata_release(sm__udata *u)
{
    if (!u || atomic_fetch_sub_explicit(&u->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (u->destroy)
        u->destroy(u->ptr);
    sm__free(A, u);
}

/* ---- life cycle ------------------------------------------------------------------- */

static sm_status from_preset(sm_weighting **out, const preset *p)
{
    sm_weighting *w = sm__calloc(A, 1, sizeof *w);
    if (!w)
        return sm__nomem();
    preset_apply(w, p);
    w->combiner = SM_COMBINE_MEAN;
    *out = w;
    return SM_OK;
}

sm_status sm_weighting_new(sm_weighting **out)
{
    if (!out)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weighting: NULL out");
    return from_preset(out, &presets[0]);
}

sm_status sm_weighting_preset(sm_weighting **out, const char *name)
{
    if (!out || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "preset: NULL %s", out ? "name" : "out");
    int k = name_find(name, strlen(name), preset_names, N_PRESETS);
    if (k < 0) {
        char hint[96];
        hint_for(hint, sizeof hint, name, preset_names, N_PRESETS);
        return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "preset", name, "preset: unknown preset \"%s\"%s", name,
                           hint);
    }
    return from_preset(out, &presets[k]);
}

sm_status sm_weighting_copy(sm_weighting **out, const sm_weighting *weighting)
{
    if (!out || !weighting)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weighting: NULL %s", out ? "weighting" : "out");
    sm_weighting *w = sm__malloc(A, sizeof *w);
    if (!w)
        return sm__nomem();
    memcpy(w, weighting, sizeof *w);
    for (size_t i = 0; i < w->n_custom; i++)
        udata_retain(w->custom[i].ud);
    if (w->combine_ud)
        udata_retain(w->combine_ud);
    *out = w;
    return SM_OK;
}

void sm_weighting_free(sm_weighting *weighting)
{
    if (!weighting)
        return;
    for (size_t i = 0; i < weighting->n_custom; i++)
        udata_release(weighting->custom[i].ud);
    udata_release(weighting->combine_ud);
    sm__free(A, weighting);
}

/* ---- weights ---------------------------------------------------------------------- */

/* Index of the criterion called name (built-in or custom), or -1. */
static int crit_find(const sm_weighting *w, const char *name)
{
    size_t n = strlen(name);
    int k = name_find(name, n, crit_names, SM_CRIT_BUILTIN_COUNT);
    if (k >= 0)
        return k;
    for (size_t i = 0; i < w->n_custom; i++)
        if (name_eq(name, n, w->custom[i].name))
            return (int)(SM_CRIT_BUILTIN_COUNT + i);
    return -1;
}

static sm_status unknown_criterion(const sm_weighting *w, const char *name)
{
    const char *names[SM_CRITERIA_MAX];
    size_t n = sm__weighting_n(w);
    for (size_t j = 0; j < n; j++)
        names[j] = sm__weighting_name(w, j);
    char hint[96];
    hint_for(hint, sizeof hint, name, names, n);
    if (!hint[0] && name_find(name, strlen(name), param_names, P_COUNT) >= 0)
        snprintf(hint, sizeof hint, " (a parameter: see sm_weighting_set_param)");
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "weights", name, "weights: unknown criterion \"%s\"%s", name,
                       hint);
}

static sm_status bad_weight(const char *name, double v)
{
    char value[64];
    sm__fmt_double(value, sizeof value, v);
    return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, name, value, "weights: %s: weight must be finite and >= 0, not %s",
                       name, value);
}

sm_status sm_weighting_set(sm_weighting *weighting, const char *name, double weight)
{
    if (!weighting || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL %s", weighting ? "name" : "weighting");
    int k = crit_find(weighting, name);
    if (k < 0)
        return unknown_criterion(weighting, name);
    if (!weight_ok(weight))
        return bad_weight(sm__weighting_name(weighting, (size_t)k), weight);
    weighting->w[k] = weight == 0 ? 0.0 : weight;
    return SM_OK;
}

sm_status sm_weighting_set_builtin(sm_weighting *weighting, sm_criterion criterion, double weight)
{
    if (!weighting)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL weighting");
    if ((unsigned)criterion >= SM_CRIT_BUILTIN_COUNT)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: no built-in criterion %d", (int)criterion);
    if (!weight_ok(weight))
        return bad_weight(crit_names[criterion], weight);
    weighting->w[criterion] = weight == 0 ? 0.0 : weight;
    return SM_OK;
}

sm_status sm_weighting_get(double *out, const sm_weighting *weighting, const char *name)
{
    if (!out || !weighting || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL %s", !out ? "out" : !weighting ? "weighting" : "name");
    int k = crit_find(weighting, name);
    if (k < 0)
        return unknown_criterion(weighting, name);
    *out = weighting->w[k];
    return SM_OK;
}

size_t sm_weighting_count(const sm_weighting *weighting)
{
    return weighting ? sm__weighting_n(weighting) : 0;
}

sm_status sm_weighting_at(const char **out_name, double *out_weight, const sm_weighting *weighting, size_t index)
{
    if (!weighting)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL weighting");
    if (index >= sm__weighting_n(weighting))
        return sm__fail(SM_ERR_NOT_FOUND, "weights: no criterion %zu (the weighting has %zu)", index,
                        sm__weighting_n(weighting));
    if (out_name)
        *out_name = sm__weighting_name(weighting, index);
    if (out_weight)
        *out_weight = weighting->w[index];
    return SM_OK;
}

/* ---- custom criteria and combiner ------------------------------------------------- */

static bool custom_name_ok(const char *name, size_t n)
{
    if (n == 0 || n >= SM__NAME_CAP)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

sm_status sm_weighting_add_criterion(sm_weighting *weighting, const char *name, sm_criterion_fn fn, void *userdata,
                                     sm_destroy_fn destroy, double weight)
{
    if (!weighting || !name || !fn)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "criterion: NULL %s",
                        !weighting ? "weighting" : !name ? "name" : "function");
    size_t n = strlen(name);
    if (!custom_name_ok(name, n))
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "criterion", name,
                           "criterion: bad name \"%s\" (1..%d of a-z, 0-9, _)", name, SM__NAME_CAP - 1);
    for (size_t j = 0; j < SM_CRIT_BUILTIN_COUNT; j++)
        if (strcmp(name, crit_names[j]) == 0)
            return sm__fail_at(SM_ERR_DUPLICATE, NULL, 0, 0, "criterion", name,
                               "criterion: \"%s\" is a built-in criterion", name);
    if (!weight_ok(weight))
        return bad_weight(name, weight);
    size_t i = 0;
    while (i < weighting->n_custom && strcmp(weighting->custom[i].name, name) != 0)
        i++;
    if (i == weighting->n_custom && i == SM__CUSTOM_MAX)
        return sm__fail_at(SM_ERR_LIMIT, NULL, 0, 0, "criterion", name,
                           "criterion: \"%s\": a weighting holds at most %d criteria", name, SM_CRITERIA_MAX);
    sm__udata *ud = udata_new(userdata, destroy);
    if (!ud)
        return sm__nomem();
    sm__custom *c = &weighting->custom[i];
    if (i == weighting->n_custom) {
        memcpy(c->name, name, n + 1);
        weighting->n_custom++;
    } else {
        udata_release(c->ud);
    }
    c->fn = fn;
    c->ud = ud;
    weighting->w[SM_CRIT_BUILTIN_COUNT + i] = weight == 0 ? 0.0 : weight;
    return SM_OK;
}

sm_status sm_weighting_set_combiner(sm_weighting *weighting, sm_combiner combiner, sm_combine_fn fn, void *userdata,
                                    sm_destroy_fn destroy)
{
    if (!weighting)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "combiner: NULL weighting");
    sm__udata *ud = NULL;
    switch (combiner) {
    case SM_COMBINE_MEAN:
    case SM_COMBINE_GEOMETRIC:
    case SM_COMBINE_MIN:
        if (fn || userdata || destroy)
            return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "combiner", combiner_names[combiner],
                               "combiner: %s takes no function, user data or destructor", combiner_names[combiner]);
        break;
    case SM_COMBINE_CUSTOM:
        if (!fn)
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "combiner: a custom combiner needs a function");
        ud = udata_new(userdata, destroy);
        if (!ud)
            return sm__nomem();
        break;
    default:
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "combiner: unknown combiner %d", (int)combiner);
    }
    udata_release(weighting->combine_ud);
    weighting->combiner = combiner;
    weighting->combine_fn = fn;
    weighting->combine_ud = ud;
    return SM_OK;
}

sm_combiner sm_weighting_combiner(const sm_weighting *weighting)
{
    return weighting ? weighting->combiner : SM_COMBINE_MEAN;
}

/* ---- parameters (API) ------------------------------------------------------------- */

static sm_status unknown_param(const char *prefix, const char *name)
{
    char hint[96];
    hint_for(hint, sizeof hint, name, param_names, P_COUNT);
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "weights", name, "%s: unknown parameter \"%s\"%s", prefix,
                       name, hint);
}

sm_status sm_weighting_set_param(sm_weighting *weighting, const char *name, double value)
{
    if (!weighting || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL %s", weighting ? "name" : "weighting");
    int k = name_find(name, strlen(name), param_names, P_COUNT);
    if (k < 0)
        return unknown_param("weights", name);
    const char *range = param_range(k, value);
    if (range) {
        char v[64];
        sm__fmt_double(v, sizeof v, value);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, param_names[k], v, "weights: %s: %s, not %s", param_names[k],
                           range, v);
    }
    param_put(&weighting->p, k, value);
    return SM_OK;
}

sm_status sm_weighting_get_param(double *out, const sm_weighting *weighting, const char *name)
{
    if (!out || !weighting || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL %s", !out ? "out" : !weighting ? "weighting" : "name");
    int k = name_find(name, strlen(name), param_names, P_COUNT);
    if (k < 0)
        return unknown_param("weights", name);
    *out = param_get(&weighting->p, k);
    return SM_OK;
}

/* ---- text --------------------------------------------------------------------------- */

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
    return name_eq(s, n, "nan") || name_eq(s, n, "inf") || name_eq(s, n, "infinity");
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
    int k = name_find(name, n, crit_names, SM_CRIT_BUILTIN_COUNT);
    if (k >= 0) {
        if ((st = parse_number(crit_names[k], value, &v)) != SM_OK)
            return st;
        if (v < 0)
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, crit_names[k], value,
                               "weights: %s: negative weight \"%s\"", crit_names[k], value);
        w->w[k] = v == 0 ? 0.0 : v;
        return SM_OK;
    }
    if ((k = name_find(name, n, param_names, P_COUNT)) >= 0) {
        int r;
        if (k == P_RECIPROCITY && (r = name_find(value, strlen(value), reciprocity_names, N_RECIPROCITY)) >= 0) {
            w->p.reciprocity = r;
            return SM_OK;
        }
        if (k == P_RECIPROCITY && !sm__parse_real(value, strlen(value), &v) && !is_nonfinite_word(value))
            return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, param_names[k], value,
                               "weights: %s: unknown reciprocity \"%s\" (harmonic, arithmetic, max or min)",
                               param_names[k], value);
        if ((st = parse_number(param_names[k], value, &v)) != SM_OK)
            return st;
        const char *range = param_range(k, v);
        if (range)
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, param_names[k], value, "weights: %s: %s, not \"%s\"",
                               param_names[k], range, value);
        param_put(&w->p, k, v);
        return SM_OK;
    }
    if (name_eq(name, n, "combiner")) {
        int c = name_find(value, strlen(value), combiner_names, N_COMBINER_NAMES);
        if (c < 0)
            return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "combiner", value,
                               "weights: combiner: unknown combiner \"%s\" (mean, geometric or min)", value);
        w->combiner = (sm_combiner)c;
        return SM_OK;
    }
    /* every name the text may hold, for the hint */
    const char *names[SM_CRIT_BUILTIN_COUNT + P_COUNT + 1];
    memcpy(names, crit_names, sizeof crit_names);
    memcpy(names + SM_CRIT_BUILTIN_COUNT, param_names, sizeof param_names);
    names[SM_CRIT_BUILTIN_COUNT + P_COUNT] = "combiner";
    char hint[96];
    hint_for(hint, sizeof hint, name, names, sizeof names / sizeof *names);
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "weights", name, "weights: unknown %s \"%s\"%s",
                       strchr(name, '.') ? "parameter" : "criterion", name, hint);
}

/* An item without '=': the preset when first, else a mistake worth naming. */
static sm_status parse_bare(sm_weighting *w, const char *item, bool first)
{
    size_t n = strlen(item);
    int k = name_find(item, n, preset_names, N_PRESETS);
    if (k >= 0 && first) {
        preset_apply(w, &presets[k]);
        return SM_OK;
    }
    /* "cohesion" is a preset and a criterion: later, it lacks its value */
    bool known = name_find(item, n, crit_names, SM_CRIT_BUILTIN_COUNT) >= 0 ||
                 name_find(item, n, param_names, P_COUNT) >= 0 || name_eq(item, n, "combiner");
    if (k >= 0 && !known)
        return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "weights", item,
                           "weights: preset \"%s\" must be the first item", item);
    if (first && !known) {
        char hint[96];
        hint_for(hint, sizeof hint, item, preset_names, N_PRESETS);
        return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "weights", item,
                           "weights: unknown preset \"%s\"%s (or \"name=value\" is meant)", item, hint);
    }
    return sm__fail_at(SM_ERR_PARSE, NULL, 0, 0, "weights", item, "weights: missing '=' in \"%s\"", item);
}

sm_status sm_weighting_parse(sm_weighting **out, const char *text)
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
    memset(&w, 0, sizeof w);
    w.p = sm__params_default;
    w.combiner = SM_COMBINE_MEAN;

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
    for (size_t j = 0; j < SM_CRIT_BUILTIN_COUNT; j++)
        any = any || w.w[j] > 0;
    if (!any)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "weights", text, "weights: all weights are zero");

    sm_weighting *r = sm__malloc(A, sizeof *r);
    if (!r)
        return sm__nomem();
    memcpy(r, &w, sizeof w);
    *out = r;
    return SM_OK;
}

/* Longest text to_string writes: every criterion with a name and a number,
 * every parameter, the combiner (numbers take at most 24 bytes). */
#define NUM_MAX 32
#define STRING_MAX                                                                                                     \
    (SM_CRITERIA_MAX * (SM__NAME_CAP + 2 + NUM_MAX) + P_COUNT * (40 + 2 + NUM_MAX) + 32)

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
        append(buf, &len, crit_names[j], num, NULL);
    }
    for (int k = 0; k < P_COUNT; k++) {
        double v = param_get(&weighting->p, k), d = param_get(&sm__params_default, k);
        if (v == d)
            continue;
        if (k == P_RECIPROCITY && (unsigned)weighting->p.reciprocity < N_RECIPROCITY) {
            append(buf, &len, param_names[k], NULL, reciprocity_names[weighting->p.reciprocity]);
        } else {
            sm__fmt_double(num, sizeof num, v);
            append(buf, &len, param_names[k], num, NULL);
        }
    }
    if (weighting->combiner == SM_COMBINE_GEOMETRIC || weighting->combiner == SM_COMBINE_MIN)
        append(buf, &len, "combiner", NULL, combiner_names[weighting->combiner]);
    for (size_t i = 0; i < weighting->n_custom; i++) {
        sm__fmt_double(num, sizeof num, weighting->w[SM_CRIT_BUILTIN_COUNT + i]);
        append(buf, &len, weighting->custom[i].name, num, NULL);
    }
    char *s = sm__boxed_alloc(A, len + 1);
    if (!s)
        return sm__nomem();
    memcpy(s, buf, len + 1);
    *out = s;
    return SM_OK;
}

/* ---- combining -------------------------------------------------------------------- */

/* The built-in combiners with every weight multiplied by scale (a power of
 * two, so ratios stay exact). NaN when a sum overflowed. */
static double combine_builtin(sm_combiner c, const double *wt, const double *s, size_t n, double scale)
{
    double num = 0, den = 0;
    switch (c) {
    case SM_COMBINE_MEAN:
        for (size_t i = 0; i < n; i++) {
            num += wt[i] * scale * s[i];
            den += wt[i] * scale;
        }
        if (!isfinite(den))
            return NAN;
        return den > 0 ? num / den : 0;
    case SM_COMBINE_GEOMETRIC: {
        bool zero = false;
        for (size_t i = 0; i < n; i++) {
            if (wt[i] > 0) {
                zero = zero || !(s[i] > 0);
                num += wt[i] * scale * log(s[i] > 0 ? s[i] : 1);
                den += wt[i] * scale;
            }
        }
        if (zero)
            return 0;
        if (!isfinite(den) || !isfinite(num))
            return NAN;
        return den > 0 ? exp(num / den) : 0;
    }
    default: {
        double m = 1;
        for (size_t i = 0; i < n; i++) {
            den += wt[i];
            if (wt[i] > 0 && s[i] < m)
                m = s[i];
        }
        return den > 0 ? m : 0;
    }
    }
}

sm_status sm__combine(const sm_weighting *w, const double *scores, double *out)
{
    size_t n = sm__weighting_n(w);
    double r;
    if (w->combiner == SM_COMBINE_CUSTOM) {
        r = w->combine_fn(scores, w->w, n, w->combine_ud->ptr);
        if (isnan(r))
            return sm__fail(SM_ERR_CALLBACK, "combiner: custom combiner returned NaN");
    } else {
        r = combine_builtin(w->combiner, w->w, scores, n, 1.0);
        /* weights near DBL_MAX overflow the sums: scale them down (rare) */
        if (isnan(r))
            r = combine_builtin(w->combiner, w->w, scores, n, 0x1p-32);
    }
    /* !(r > 0) also maps NaN to 0 */
    *out = !(r > 0) ? 0 : r > 1 ? 1 : r;
    return SM_OK;
}
