/* Sector affinity: the built-in input–output table or the caller's own
 * matrix, and the NACE-hierarchy rule for codes finer than a division. */
#include "core/core.h"
#include "core/tables.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N_KEYS SM__AFF_KEYS

/* Same NACE group (level 3): at least this, whatever the divisions' table says. */
#define SAME_GROUP_FLOOR 0.85

/* First and last division of each section A..U (NACE Rev. 2 leaves gaps:
 * there is no division 04, 34, 40, ...). */
static const unsigned char section_first[21] = { 1,  5,  10, 35, 36, 41, 45, 49, 55, 58, 64,
                                                  68, 69, 77, 84, 85, 86, 90, 94, 97, 99 };
static const unsigned char section_last[21] = { 3,  9,  33, 35, 39, 43, 47, 53, 56, 63, 66,
                                                 68, 75, 82, 84, 85, 88, 93, 96, 98, 99 };

/* Section key (100 + letter) of a division number, -1 if the number is no NACE division. */
static int division_section(int div)
{
    for (int s = 0; s < 21; s++)
        if (div >= section_first[s] && div <= section_last[s])
            return 100 + s;
    return -1;
}

double sm__sector_pair_affinity(const sm_engine *e, int sa, int sb)
{
    if (sa == sb)
        return 1.0;
    const sm__sector *a = e->sectors[sa], *b = e->sectors[sb];
    double base = e->affinity[(size_t)a->aff_key * N_KEYS + b->aff_key];
    if (a->group != UINT16_MAX && a->group == b->group && base < SAME_GROUP_FLOOR)
        base = SAME_GROUP_FLOOR;
    return base;
}

/* The affinity key of a code given at division or section level. */
static sm_status code_key(const char *code, int *out, const char *field)
{
    char norm[SM_SECTOR_CODE_MAX + 1];
    if (!code)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "%s: NULL code", field);
    sm_status st = sm_sector_normalize(norm, sizeof norm, code);
    if (st)
        return sm__fail_at(st, NULL, 0, 0, field, code, "%s: malformed NACE code \"%s\"", field, code);
    if (norm[0] >= 'A' && norm[0] <= 'U' && norm[1] == '\0') {
        *out = 100 + (norm[0] - 'A');
        return SM_OK;
    }
    if (strlen(norm) == 2) {
        int div = (norm[0] - '0') * 10 + (norm[1] - '0');
        if (division_section(div) >= 0) {
            *out = div;
            return SM_OK;
        }
    }
    return sm__fail_at(SM_ERR_UNKNOWN_CODE, NULL, 0, 0, field, code,
                       "%s: \"%s\" is not a NACE division or section (affinity is kept between divisions, e.g. \"25\")",
                       field, code);
}

/* The engine's own copy of the table, made on first change (writer lock held). */
sm_status sm__affinity_own(sm_engine *e)
{
    if (e->affinity_own)
        return SM_OK;
    double *t = sm__malloc(&e->alloc, sizeof(double) * N_KEYS * N_KEYS);
    if (!t)
        return sm__nomem();
    memcpy(t, e->affinity, sizeof(double) * N_KEYS * N_KEYS);
    e->affinity_own = t;
    e->affinity = t;
    return SM_OK;
}

sm_status sm_affinity_set(sm_engine *e, const char *code_a, const char *code_b, double value)
{
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "affinity: NULL engine");
    int ka, kb;
    sm_status st;
    if ((st = code_key(code_a, &ka, "sector_a")) || (st = code_key(code_b, &kb, "sector_b")))
        return st;
    if (!(value >= 0.0 && value <= 1.0)) {
        char v[32];
        snprintf(v, sizeof v, "%g", value);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "affinity", v, "affinity: %s must be in [0, 1]", v);
    }
    sm__wrlock(e);
    st = sm__affinity_own(e);
    if (!st) {
        e->affinity_own[ka * N_KEYS + kb] = value;
        e->affinity_own[kb * N_KEYS + ka] = value;
        sm__changed(e, true); /* the scoring caches do not depend on affinity */
    }
    sm__unlock(e);
    return st;
}

sm_status sm_affinity_set_matrix(sm_engine *e, const char *const *codes, size_t n, const double *values)
{
    if (!e || (n && (!codes || !values)))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "affinity: NULL argument");
    if (n > N_KEYS)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "affinity: %zu codes; at most %d distinct divisions and sections", n,
                        N_KEYS);
    int where[N_KEYS]; /* key -> row in values, -1 */
    int keys[N_KEYS];
    for (int k = 0; k < N_KEYS; k++)
        where[k] = -1;
    for (size_t i = 0; i < n; i++) {
        sm_status st = code_key(codes[i], &keys[i], "codes");
        if (st)
            return st;
        if (where[keys[i]] >= 0)
            return sm__fail_at(SM_ERR_DUPLICATE, NULL, 0, 0, "codes", codes[i],
                               "codes: \"%s\" appears twice (same division or section as \"%s\")", codes[i],
                               codes[where[keys[i]]]);
        where[keys[i]] = (int)i;
    }
    for (size_t i = 0; i < n * n; i++) {
        if (!(values[i] >= 0.0 && values[i] <= 1.0)) {
            char v[32];
            snprintf(v, sizeof v, "%g", values[i]);
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "values", v,
                               "values: entry (%s, %s) = %s must be in [0, 1]", codes[i / n], codes[i % n], v);
        }
    }
    double *t = sm__calloc(&e->alloc, (size_t)N_KEYS * N_KEYS, sizeof(double));
    if (!t)
        return sm__nomem();
    /* Divisions: given directly, or through their section. */
    int row[N_KEYS];
    for (int k = 0; k < N_KEYS; k++) {
        row[k] = where[k];
        if (k < 100 && row[k] < 0 && division_section(k) >= 0)
            row[k] = where[division_section(k)];
    }
    for (int x = 0; x < N_KEYS; x++)
        for (int y = 0; y < N_KEYS; y++) {
            if (row[x] < 0 || row[y] < 0)
                continue;
            double v = (values[(size_t)row[x] * n + (size_t)row[y]] + values[(size_t)row[y] * n + (size_t)row[x]]) / 2;
            t[x * N_KEYS + y] = v;
        }
    /* Sections not given: the mean over their divisions, as in the built-in table. */
    for (int s = 0; s < 21; s++) {
        int ks = 100 + s;
        if (where[ks] >= 0)
            continue;
        for (int y = 0; y < N_KEYS; y++) {
            double sum = 0;
            int cnt = 0;
            for (int d = section_first[s]; d <= section_last[s]; d++, cnt++)
                sum += y >= 100 && where[y] < 0 ? 0 : t[d * N_KEYS + y];
            t[ks * N_KEYS + y] = sum / cnt;
        }
    }
    /* Section × section where neither was given: mean over the division pairs. */
    for (int s = 0; s < 21; s++)
        for (int u = 0; u < 21; u++) {
            int ks = 100 + s, ku = 100 + u;
            if (where[ks] >= 0 || where[ku] >= 0)
                continue;
            double sum = 0;
            int cnt = 0;
            for (int d = section_first[s]; d <= section_last[s]; d++)
                for (int f = section_first[u]; f <= section_last[u]; f++, cnt++)
                    sum += t[d * N_KEYS + f];
            t[ks * N_KEYS + ku] = sum / cnt;
        }
    /* Keep it symmetric (the section means above are computed one way). */
    for (int x = 0; x < N_KEYS; x++)
        for (int y = 0; y < x; y++) {
            double v = (t[x * N_KEYS + y] + t[y * N_KEYS + x]) / 2;
            t[x * N_KEYS + y] = t[y * N_KEYS + x] = v;
        }
    sm__wrlock(e);
    sm__free(&e->alloc, e->affinity_own);
    e->affinity_own = t;
    e->affinity = t;
    sm__changed(e, true); /* the scoring caches do not depend on affinity */
    sm__unlock(e);
    return SM_OK;
}

sm_status sm_affinity_reset(sm_engine *e)
{
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "affinity: NULL engine");
    sm__wrlock(e);
    sm__free(&e->alloc, e->affinity_own);
    e->affinity_own = NULL;
    e->affinity = &sm__affinity_table[0][0];
    sm__changed(e, true); /* the scoring caches do not depend on affinity */
    sm__unlock(e);
    return SM_OK;
}

sm_status sm_affinity_get(double *out, const sm_engine *e, const char *code_a, const char *code_b)
{
    if (!out || !e || !code_a || !code_b)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "affinity: NULL argument");
    char na[SM_SECTOR_CODE_MAX + 1], nb[SM_SECTOR_CODE_MAX + 1];
    sm_status st;
    if ((st = sm_sector_normalize(na, sizeof na, code_a)) || (st = sm_sector_normalize(nb, sizeof nb, code_b)))
        return st;
    sm__rdlock(e);
    long a = sm__sector_find(e, code_a), b = sm__sector_find(e, code_b);
    if (a < 0 || b < 0) {
        const char *missing = a < 0 ? code_a : code_b;
        sm__unlock(e);
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "sector", missing, "sector: no sector \"%s\" in the engine",
                           missing);
    }
    *out = sm__sector_pair_affinity(e, (int)a, (int)b);
    sm__unlock(e);
    return SM_OK;
}
