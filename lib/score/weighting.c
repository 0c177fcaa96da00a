/* Weightings: a weight per criterion, the parameters of the built-in
 * criteria (one table, SM__PARAMS in score.h), custom criteria and the
 * combiner, and the named presets. The text form is weighting_text.c, the
 * combining of scores combine.c. A weighting is not tied to an engine: it
 * keeps the allocator it was made with (sm__default_alloc unless the caller
 * gave one), and its copies, user data and text use the same. */
#include "score/score.h"
#include "score/network.h" /* history and network criteria */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- names ------------------------------------------------------------------ */

const char *const sm__criterion_names[SM_CRIT_BUILTIN_COUNT] = {
    "complementarity", "sector_affinity", "region_reach", "cohesion", "size_fit", "cooperation_fit", "language",
};
const char *const sm__reciprocity_names[4] = { "harmonic", "arithmetic", "max", "min" };
const char *const sm__combiner_names[3] = { "mean", "geometric", "min" };

#define NAMES(table) (table), sizeof *(table)

const char *sm_criterion_name(sm_criterion criterion)
{
    return (unsigned)criterion < SM_CRIT_BUILTIN_COUNT ? sm__criterion_names[criterion] : NULL;
}

const char *sm__weighting_name(const sm_weighting *w, size_t j)
{
    if (j < SM_CRIT_BUILTIN_COUNT)
        return sm__criterion_names[j];
    j -= SM_CRIT_BUILTIN_COUNT;
    return j < w->n_custom ? w->custom[j].name : NULL;
}

/* ---- parameters ----------------------------------------------------------------- */

const sm__param_def sm__param_defs[SM__N_PARAMS] = {
#define SM__X(field, type, name, crit, def, lo, lo_open, hi, hi_open, range)                                          \
    { name, crit, offsetof(sm__params, field), (type)0.5 == 0, def, lo, hi, lo_open, hi_open, range },
    SM__PARAMS(SM__X)
#undef SM__X
};

const sm__params sm__params_default = {
#define SM__X(field, type, name, crit, def, lo, lo_open, hi, hi_open, range) .field = def,
    SM__PARAMS(SM__X)
#undef SM__X
};

double sm__param_get(const sm__params *p, const sm__param_def *d)
{
    const char *at = (const char *)p + d->offset;
    if (d->integer) {
        int v;
        memcpy(&v, at, sizeof v);
        return v;
    }
    double v;
    memcpy(&v, at, sizeof v);
    return v;
}

void sm__param_put(sm__params *p, const sm__param_def *d, double v)
{
    v = v == 0 ? 0.0 : v; /* no -0 in the text form */
    char *at = (char *)p + d->offset;
    if (d->integer) {
        int i = (int)v;
        memcpy(at, &i, sizeof i);
    } else {
        memcpy(at, &v, sizeof v);
    }
}

/* Written so that NaN fails every test. */
const char *sm__param_range(const sm__param_def *d, double v)
{
    bool ok = (d->lo_open ? v > d->lo : v >= d->lo) && (d->hi_open ? v < d->hi : v <= d->hi) &&
              (!d->integer || v == floor(v));
    return ok ? NULL : d->range;
}

const sm__param_def *sm__param_find(const char *name, size_t n)
{
    int k = sm__name_find(name, n, NAMES(sm__param_defs), SM__N_PARAMS);
    return k < 0 ? NULL : &sm__param_defs[k];
}

static bool weight_ok(double v)
{
    return v >= 0 && isfinite(v);
}

/* ---- presets -------------------------------------------------------------------- */

/* docs/scoring.md lists the same numbers; the tests check them exactly. */
const sm__preset sm__presets[] = {
    { "balanced", { 3, 2, 1, 1, 0.5, 1, 1 }, NULL, 0 },
    { "cross_border", { 3, 1.5, 1, 1, 0.5, 1, 1.5 }, "region_reach.cross_border_bonus", 0.3 },
    { "supply_chain", { 3, 3, 1.5, 0, 1, 1.5, 0.5 }, "complementarity.reciprocity", SM_RECIPROCITY_MAX },
    { "cohesion", { 2, 1, 0.5, 3, 0.5, 1, 1 }, NULL, 0 },
    { "local", { 3, 1, 3, 0, 0.5, 1, 1 }, "region_reach.scale_km", 100 },
};
const size_t sm__n_presets = sizeof sm__presets / sizeof *sm__presets;

size_t sm_weighting_preset_count(void)
{
    return sm__n_presets;
}

const char *sm_weighting_preset_name(size_t index)
{
    return index < sm__n_presets ? sm__presets[index].name : NULL;
}

void sm__preset_apply(sm_weighting *w, const sm__preset *p)
{
    memcpy(w->w, p->w, sizeof p->w);
    w->p = sm__params_default;
    memcpy(w->net_auto, sm__net_auto_w, sizeof w->net_auto); /* history and network criteria */
    if (p->param)
        sm__param_put(&w->p, sm__param_find(p->param, strlen(p->param)), p->value);
}

/* ---- user data -------------------------------------------------------------------- */

static sm__udata *udata_new(const sm__alloc *a, void *ptr, sm_destroy_fn destroy)
{
    sm__udata *u = sm__malloc(a, sizeof *u);
    if (!u)
        return NULL;
    u->ptr = ptr;
    u->destroy = destroy;
    u->alloc = *a;
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
    sm__alloc a = u->alloc;
    sm__free(&a, u);
}

/* ---- life cycle ------------------------------------------------------------------- */

void sm__weighting_init(sm_weighting *w, const sm__alloc *a)
{
    memset(w, 0, sizeof *w);
    w->p = sm__params_default;
    w->combiner = SM_COMBINE_MEAN;
    w->alloc = *a;
}

static sm_status from_preset(sm_weighting **out, const sm__preset *p, const sm__alloc *a)
{
    sm_weighting *w = sm__malloc(a, sizeof *w);
    if (!w)
        return sm__nomem();
    sm__weighting_init(w, a);
    sm__preset_apply(w, p);
    *out = w;
    return SM_OK;
}

sm_status sm_weighting_new(sm_weighting **out)
{
    if (!out)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weighting: NULL out");
    return from_preset(out, &sm__presets[0], &sm__default_alloc);
}

sm_status sm_weighting_new_with(sm_weighting **out, const sm_allocator *allocator)
{
    if (!out)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weighting: NULL out");
    if (allocator && (!allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weighting: allocator needs malloc_fn, realloc_fn and free_fn");
    return from_preset(out, &sm__presets[0], allocator ? allocator : &sm__default_alloc);
}

sm_status sm_weighting_preset(sm_weighting **out, const char *name)
{
    if (!out || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "preset: NULL %s", out ? "name" : "out");
    int k = sm__name_find(name, strlen(name), NAMES(sm__presets), sm__n_presets);
    if (k < 0 && sm__name_eq(name, strlen(name), "network")) { /* history and network criteria */
        sm_status st = from_preset(out, &sm__presets[0], &sm__default_alloc);
        if (!st)
            sm__net_preset(*out, name, strlen(name));
        return st;
    }
    if (k < 0) {
        char hint[96];
        sm__name_hint(hint, sizeof hint, name, NAMES(sm__presets), sm__n_presets);
        return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "preset", name, "preset: unknown preset \"%s\"%s", name,
                           hint);
    }
    return from_preset(out, &sm__presets[k], &sm__default_alloc);
}

sm_status sm_weighting_copy(sm_weighting **out, const sm_weighting *weighting)
{
    if (!out || !weighting)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weighting: NULL %s", out ? "weighting" : "out");
    sm_weighting *w = sm__malloc(&weighting->alloc, sizeof *w);
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
    sm__alloc a = weighting->alloc;
    sm__free(&a, weighting);
}

/* ---- weights ---------------------------------------------------------------------- */

/* Index of the criterion called name (built-in or custom), or -1. */
static int crit_find(const sm_weighting *w, const char *name)
{
    size_t n = strlen(name);
    int k = sm__name_find(name, n, NAMES(sm__criterion_names), SM_CRIT_BUILTIN_COUNT);
    if (k >= 0)
        return k;
    for (size_t i = 0; i < w->n_custom; i++)
        if (sm__name_eq(name, n, w->custom[i].name))
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
    sm__name_hint(hint, sizeof hint, name, NAMES(names), n);
    if (!hint[0] && sm__param_find(name, strlen(name)))
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
    if (k < 0 && sm__net_find(name, strlen(name)) >= 0) { /* history and network criteria */
        if (!weight_ok(weight))
            return bad_weight(name, weight);
        return sm__net_set(weighting, sm__net_find(name, strlen(name)), weight);
    }
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
        return bad_weight(sm__criterion_names[criterion], weight);
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
        if (strcmp(name, sm__criterion_names[j]) == 0)
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
    sm__udata *ud = udata_new(&weighting->alloc, userdata, destroy);
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
            return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "combiner", sm__combiner_names[combiner],
                               "combiner: %s takes no function, user data or destructor", sm__combiner_names[combiner]);
        break;
    case SM_COMBINE_CUSTOM:
        if (!fn)
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "combiner: a custom combiner needs a function");
        ud = udata_new(&weighting->alloc, userdata, destroy);
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
    sm__name_hint(hint, sizeof hint, name, NAMES(sm__param_defs), SM__N_PARAMS);
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "weights", name, "%s: unknown parameter \"%s\"%s", prefix,
                       name, hint);
}

sm_status sm_weighting_set_param(sm_weighting *weighting, const char *name, double value)
{
    if (!weighting || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL %s", weighting ? "name" : "weighting");
    const sm__param_def *d = sm__param_find(name, strlen(name));
    if (!d)
        return unknown_param("weights", name);
    const char *range = sm__param_range(d, value);
    if (range) {
        char v[64];
        sm__fmt_double(v, sizeof v, value);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, d->name, v, "weights: %s: %s, not %s", d->name, range, v);
    }
    sm__param_put(&weighting->p, d, value);
    return SM_OK;
}

sm_status sm_weighting_get_param(double *out, const sm_weighting *weighting, const char *name)
{
    if (!out || !weighting || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "weights: NULL %s", !out ? "out" : !weighting ? "weighting" : "name");
    const sm__param_def *d = sm__param_find(name, strlen(name));
    if (!d)
        return unknown_param("weights", name);
    *out = sm__param_get(&weighting->p, d);
    return SM_OK;
}
