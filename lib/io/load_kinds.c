/* Loading SMEs, development indices and sector affinity: one record at a
 * time, validated and staged (SMEs in a bulk, the others in lists applied
 * at the end), and the dispatch of a record to its kind. */
#include "io/io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dev_key(const void *ctx, uint32_t v)
{
    return ((const sm__load *)ctx)->devs[v].code;
}
static const char *aff_key(const void *ctx, uint32_t v)
{
    return ((const sm__load *)ctx)->affs[v].key;
}

/* ---- SMEs ----------------------------------------------------------------------- */

/* Every problem of a row is wanted (lenient mode and dry runs, as
 * "validate" uses): a field's problem is delivered at once and the row goes
 * on without that field. In strict mode the first problem ends the load. */
static bool all_problems(const sm__load *ld)
{
    return (ld->opts.lenient || ld->opts.dry_run) && !ld->quiet;
}

/* After a field's problem st: true when the row goes on (the problem was
 * delivered); false ends the row with *st (the problem, or what delivering
 * it returned: a cancel). */
static bool go_on(sm__load *ld, sm_status *st, int *n_bad)
{
    if (*st == SM_ERR_NOMEM || !all_problems(ld))
        return false;
    ld->row_delivered = true;
    (*n_bad)++;
    sm_status d = sm__ld_deliver(ld, false);
    if (d) {
        *st = d;
        return false;
    }
    return true;
}

/* Leaves out of d the field the core's last error names, so that checking
 * d again finds the next problem; false if it names none. */
static bool leave_out(sm__load *ld, sm_sme_desc *d, const char **one_sector)
{
    const sm_error *e = sm_error_last();
    char field[64];
    snprintf(field, sizeof field, "%s", e->field);
    if (!*field) {
        const char *colon = strchr(e->message, ':');
        size_t k = colon ? (size_t)(colon - e->message) : 0;
        if (k && k < sizeof field) {
            memcpy(field, e->message, k);
            field[k] = '\0';
        }
    }
    int f = sm__field_lookup(field, strlen(field));
    switch (f) {
    case SM__F_NAME: d->name = NULL; return true;
    case SM__F_SIZE: d->size = SM_SIZE_UNKNOWN; return true;
    case SM__F_EMPLOYEES: d->employees = -1; return true;
    case SM__F_FOUNDED: d->founded = 0; return true;
    case SM__F_OFFERS: d->n_offers = 0; return true;
    case SM__F_NEEDS: d->n_needs = 0; return true;
    case SM__F_LANGUAGES: d->n_languages = 0; return true;
    case SM__F_COOPERATION: d->cooperation = 0; return true;
    case SM__F_REGION:
    case SM__F_SECTORS: {
        bool ok = false;
        sm__rdlock(ld->engine);
        if (f == SM__F_REGION && ld->engine->n_regions) {
            d->region = ld->engine->regions[0]->info.code; /* arena strings: live as long as the engine */
            ok = true;
        } else if (f == SM__F_SECTORS && ld->engine->n_sectors) {
            *one_sector = ld->engine->sectors[0]->info.code;
            d->sectors = one_sector;
            d->n_sectors = 1;
            ok = true;
        }
        sm__unlock(ld->engine);
        return ok;
    }
    default:
        return false;
    }
}

/* The engine's checks of d, repeated without each field found bad, every
 * problem delivered; changes nothing (tags may be interned). */
static sm_status check_rest(sm__load *ld, const sm__record *r, sm_sme_desc *d, int *n_bad)
{
    const char *one_sector = NULL;
    for (int round = 0; round < SM__F_COUNT; round++) {
        sm__prep p;
        sm__wrlock(ld->engine);
        sm_status st = sm__prep_make(ld->engine, d, &p);
        if (!st)
            sm__prep_free(ld->engine, &p);
        sm__unlock(ld->engine);
        if (!st)
            return SM_OK;
        if (st == SM_ERR_NOMEM)
            return st;
        st = sm__ld_rewrap(ld, r);
        if (!go_on(ld, &st, n_bad))
            return st;
        if (!leave_out(ld, d, &one_sector))
            return SM_OK;
    }
    return SM_OK;
}

/* sm_cooperation_parse() of a name, from the names this load resolved
 * before when it is one of them. */
static sm_status coop_bit(sm__load *ld, const char *name, uint32_t *bit)
{
    size_t n = strlen(name);
    for (unsigned i = 0; n < sizeof ld->coop_seen[0].name && i < ld->n_coop_seen; i++)
        if (memcmp(ld->coop_seen[i].name, name, n + 1) == 0) {
            *bit = ld->coop_seen[i].bit;
            return SM_OK;
        }
    sm_status st = sm_cooperation_parse(bit, ld->engine, name);
    if (st == SM_OK && n < sizeof ld->coop_seen[0].name &&
        ld->n_coop_seen < sizeof ld->coop_seen / sizeof ld->coop_seen[0]) {
        memcpy(ld->coop_seen[ld->n_coop_seen].name, name, n + 1);
        ld->coop_seen[ld->n_coop_seen++].bit = *bit;
    }
    return st;
}

static sm_status sme_record(sm__load *ld, const sm__record *r)
{
    sm_status st = sm__ld_scratch_reserve(ld, r, sm__kind_fields(SM_DATA_SMES));
    if (st)
        return st;
    sm_sme_desc d = SM_SME_DESC_INIT;
    const char *size;
    size_t n;
    long long x;
    bool present;
    int n_bad = 0;
    ld->row_delivered = false;
    if ((st = sm__ld_get_text(ld, r, SM__F_ID, &d.id, &n)))
        return st;
    if (!n)
        return sm__ld_missing(ld, r, SM__F_ID);
    sm__bulk_prefetch(ld->bulk, d.id); /* looked up once the row is read */
    if ((st = sm__ld_get_text(ld, r, SM__F_NAME, &d.name, &n)) && !go_on(ld, &st, &n_bad))
        return st;
    if ((st = sm__ld_get_text(ld, r, SM__F_REGION, &d.region, &n)))
        return st;
    if (!n && (st = sm__ld_missing(ld, r, SM__F_REGION)) && !go_on(ld, &st, &n_bad))
        return st;
    if ((st = sm__ld_get_list(ld, r, SM__F_SECTORS, &d.sectors, &d.n_sectors)) && !go_on(ld, &st, &n_bad))
        return st;
    if (!st && !d.n_sectors &&
        (st = sm__ld_bad(ld, r, SM__F_SECTORS, SM_ERR_PARSE, NULL, 0, "at least one sector is needed")) &&
        !go_on(ld, &st, &n_bad))
        return st;
    if ((st = sm__ld_get_text(ld, r, SM__F_SIZE, &size, &n)) && !go_on(ld, &st, &n_bad))
        return st;
    if (!st && n && sm_size_parse(&d.size, size) && (st = sm__ld_rewrap(ld, r)) && !go_on(ld, &st, &n_bad))
        return st;
    if ((st = sm__ld_get_int(ld, r, SM__F_EMPLOYEES, 0, 100000000, &x, &present)) && !go_on(ld, &st, &n_bad))
        return st;
    if (!st && present)
        d.employees = (long)x;
    if ((st = sm__ld_get_int(ld, r, SM__F_FOUNDED, 1000, 2100, &x, &present)) && !go_on(ld, &st, &n_bad))
        return st;
    if (!st && present)
        d.founded = (int)x;
    if ((st = sm__ld_get_list(ld, r, SM__F_OFFERS, &d.offers, &d.n_offers)) && !go_on(ld, &st, &n_bad))
        return st;
    if ((st = sm__ld_get_list(ld, r, SM__F_NEEDS, &d.needs, &d.n_needs)) && !go_on(ld, &st, &n_bad))
        return st;
    const char *const *coop = NULL;
    size_t n_coop = 0;
    if ((st = sm__ld_get_list(ld, r, SM__F_COOPERATION, &coop, &n_coop)) && !go_on(ld, &st, &n_bad))
        return st;
    for (size_t i = 0; !st && i < n_coop; i++) {
        uint32_t bit;
        if (coop_bit(ld, coop[i], &bit)) {
            st = sm__ld_rewrap(ld, r);
            if (!go_on(ld, &st, &n_bad))
                return st;
            d.cooperation = 0;
            break;
        }
        d.cooperation |= bit;
    }
    if ((st = sm__ld_get_list(ld, r, SM__F_LANGUAGES, &d.languages, &d.n_languages)) && !go_on(ld, &st, &n_bad))
        return st;
    if (n_bad) {
        /* what the engine would say of the rest; the row is not staged */
        if (!d.region || !*d.region || !d.n_sectors) {
            const char *one = NULL;
            sm__rdlock(ld->engine);
            if ((!d.region || !*d.region) && ld->engine->n_regions)
                d.region = ld->engine->regions[0]->info.code;
            if (!d.n_sectors && ld->engine->n_sectors) {
                one = ld->engine->sectors[0]->info.code;
                d.sectors = &one;
                d.n_sectors = 1;
            }
            sm__unlock(ld->engine);
            if (!d.region || !*d.region || !d.n_sectors)
                return SM_ERR_PARSE;
            st = check_rest(ld, r, &d, &n_bad);
        } else {
            st = check_rest(ld, r, &d, &n_bad);
        }
        return st ? st : SM_ERR_PARSE;
    }
    char anc[SM_REGION_CODE_MAX + 1];
    if (ld->substitute && strlen(d.region) <= SM_REGION_CODE_MAX && sm__ld_pending_region(ld, d.region) &&
        !sm__ld_engine_has_region(ld, d.region)) {
        /* the file's new regions are not in the engine yet: validate against
         * a stand-in, the nearest ancestor in the engine or else any region
         * (regions are only looked up, never compared, by validation) */
        strcpy(anc, d.region);
        while (strlen(anc) > 2 && !sm__ld_engine_has_region(ld, anc))
            anc[strlen(anc) - 1] = '\0';
        if (!sm__ld_engine_has_region(ld, anc)) {
            sm__rdlock(ld->engine);
            bool any = ld->engine->n_regions > 0;
            if (any)
                strcpy(anc, ld->engine->regions[0]->info.code);
            sm__unlock(ld->engine);
            if (!any) { /* an engine without regions: nothing to stand in */
                if (!ld->quiet)
                    ld->rep.loaded++;
                return SM_OK;
            }
        }
        d.region = anc;
    }
    if (!ld->bulk) {
        if ((st = sm_bulk_new(&ld->bulk, ld->engine)))
            return st;
        /* new tags are interned at the commit, in the order met: a load
         * that fails leaves none behind, and a second thread reading
         * beside it (load_split.c) never waits for this one's tags */
        sm__bulk_set_local_tags(ld->bulk);
    }
    if (!ld->speculative && /* its lines are not kept (load_split.c) */
        sm__grow(&ld->engine->alloc, (void **)&ld->staged_line, &ld->cap_staged, ld->n_staged + 1,
                 sizeof *ld->staged_line))
        return sm__nomem();
    st = sm_bulk_put(ld->bulk, &d);
    if (st == SM_ERR_DUPLICATE) {
        /* the bulk names the staging position of the first occurrence */
        const char *m = strstr(sm_error_last()->message, "staged as #");
        unsigned long k = m ? strtoul(m + 11, NULL, 10) : 0, first = 0;
        if (k >= 1 && k <= ld->n_staged)
            first = ld->staged_line[k - 1];
        char what[400];
        char shown[300];
        sm__ld_show(shown, sizeof shown, d.id, strlen(d.id), 80);
        if (first)
            snprintf(what, sizeof what, "duplicate id \"%s\" (first on line %lu)", shown, first);
        else
            snprintf(what, sizeof what, "duplicate id \"%s\" (listed twice)", shown);
        return sm__ld_record_problem(ld, SM_ERR_DUPLICATE, r->line, r->v[SM__F_ID].column, "id", d.id, strlen(d.id),
                                     false, what);
    }
    if (st) {
        st = sm__ld_rewrap(ld, r);
        if (!go_on(ld, &st, &n_bad) || st == SM_ERR_NOMEM)
            return st;
        /* the rest of the row's problems */
        const char *one = NULL;
        if (leave_out(ld, &d, &one) && (st = check_rest(ld, r, &d, &n_bad)))
            return st;
        return SM_ERR_PARSE;
    }
    if (!ld->speculative)
        ld->staged_line[ld->n_staged++] = r->line;
    if (!ld->quiet)
        ld->rep.loaded++;
    return SM_OK;
}

/* ---- development and affinity ---------------------------------------------------- */

static sm_status dev_record(sm__load *ld, const sm__record *r)
{
    sm_status st = sm__ld_scratch_reserve(ld, r, sm__kind_fields(SM_DATA_DEVELOPMENT));
    if (st)
        return st;
    const char *code;
    size_t n;
    bool present;
    char text[64];
    sm__pend_dev p;
    memset(&p, 0, sizeof p);
    p.line = r->line;
    if ((st = sm__ld_get_text(ld, r, SM__F_REGION, &code, &n)))
        return st;
    if (!n)
        return sm__ld_missing(ld, r, SM__F_REGION);
    if (!sm__region_code_ok(code))
        return sm__ld_bad(ld, r, SM__F_REGION, SM_ERR_BAD_CODE, code, n,
                          "malformed NUTS code (two upper-case letters, then up to three of A-Z, 0-9)");
    if (!sm__ld_engine_has_region(ld, code) && !sm__ld_pending_region(ld, code))
        return sm__ld_bad(ld, r, SM__F_REGION, SM_ERR_UNKNOWN_CODE, code, n, "unknown NUTS code");
    strcpy(p.code, code);
    if ((st = sm__ld_get_real(ld, r, SM__F_DEVELOPMENT, &p.value, &present, text)))
        return st;
    if (!present)
        return sm__ld_missing(ld, r, SM__F_DEVELOPMENT);
    if (!(isfinite(p.value) && p.value > 0))
        return sm__ld_bad(ld, r, SM__F_DEVELOPMENT, SM_ERR_RANGE, text, strlen(text), "must be a number > 0");
    uint32_t prev;
    if (ld->n_devs && sm__hmap_get(&ld->dev_map, p.code, dev_key, ld, &prev))
        return sm__ld_dup_problem(ld, r, SM__F_REGION, p.code, "duplicate region", ld->devs[prev].line);
    const sm__alloc *a = &ld->engine->alloc;
    if (ld->n_devs >= UINT32_MAX - 1)
        return sm__ld_bad(ld, r, SM__F_REGION, SM_ERR_LIMIT, p.code, strlen(p.code), "too many rows in one file");
    if (sm__grow(a, (void **)&ld->devs, &ld->cap_devs, ld->n_devs + 1, sizeof *ld->devs) ||
        sm__hmap_reserve(&ld->dev_map, a, 1, dev_key, ld))
        return sm__nomem();
    ld->devs[ld->n_devs] = p;
    sm__hmap_insert(&ld->dev_map, ld->devs[ld->n_devs].code, (uint32_t)ld->n_devs);
    ld->n_devs++;
    if (!ld->quiet)
        ld->rep.loaded++;
    return SM_OK;
}

static sm_status sector_code(sm__load *ld, const sm__record *r, int f, char out[SM_SECTOR_CODE_MAX + 1])
{
    const char *code;
    size_t n;
    sm_status st = sm__ld_get_text(ld, r, f, &code, &n);
    if (st)
        return st;
    if (!n)
        return sm__ld_missing(ld, r, f);
    if (sm_sector_normalize(out, SM_SECTOR_CODE_MAX + 1, code) != SM_OK)
        return sm__ld_bad(ld, r, f, SM_ERR_BAD_CODE, code, n, "malformed NACE code");
    if (strlen(out) > 2)
        return sm__ld_bad(ld, r, f, SM_ERR_UNKNOWN_CODE, code, n,
                          "not a NACE division or section (affinity is kept between divisions, e.g. \"25\")");
    sm__rdlock(ld->engine);
    bool found = sm__sector_find(ld->engine, out) >= 0;
    sm__unlock(ld->engine);
    if (!found)
        return sm__ld_bad(ld, r, f, SM_ERR_UNKNOWN_CODE, code, n, "unknown NACE code");
    return SM_OK;
}

static sm_status aff_record(sm__load *ld, const sm__record *r)
{
    sm_status st = sm__ld_scratch_reserve(ld, r, sm__kind_fields(SM_DATA_AFFINITY));
    if (st)
        return st;
    bool present;
    char text[64];
    sm__pend_aff p;
    memset(&p, 0, sizeof p);
    p.line = r->line;
    if ((st = sector_code(ld, r, SM__F_SECTOR_A, p.a)) || (st = sector_code(ld, r, SM__F_SECTOR_B, p.b)))
        return st;
    if ((st = sm__ld_get_real(ld, r, SM__F_AFFINITY, &p.value, &present, text)))
        return st;
    if (!present)
        return sm__ld_missing(ld, r, SM__F_AFFINITY);
    if ((st = sm__ld_real_in(ld, r, SM__F_AFFINITY, p.value, text, 0, 1, "0..1")))
        return st;
    bool swap = strcmp(p.a, p.b) > 0;
    snprintf(p.key, sizeof p.key, "%s|%s", swap ? p.b : p.a, swap ? p.a : p.b);
    uint32_t prev;
    if (ld->n_affs && sm__hmap_get(&ld->aff_map, p.key, aff_key, ld, &prev))
        return sm__ld_dup_problem(ld, r, SM__F_SECTOR_B, p.key, "duplicate pair", ld->affs[prev].line);
    const sm__alloc *a = &ld->engine->alloc;
    if (ld->n_affs >= UINT32_MAX - 1)
        return sm__ld_bad(ld, r, SM__F_SECTOR_A, SM_ERR_LIMIT, p.key, strlen(p.key), "too many rows in one file");
    if (sm__grow(a, (void **)&ld->affs, &ld->cap_affs, ld->n_affs + 1, sizeof *ld->affs) ||
        sm__hmap_reserve(&ld->aff_map, a, 1, aff_key, ld))
        return sm__nomem();
    ld->affs[ld->n_affs] = p;
    sm__hmap_insert(&ld->aff_map, ld->affs[ld->n_affs].key, (uint32_t)ld->n_affs);
    ld->n_affs++;
    if (!ld->quiet)
        ld->rep.loaded++;
    return SM_OK;
}

/* ---- records ------------------------------------------------------------------------ */

sm_status sm__load_record(sm__load *ld, sm_data_kind kind, const sm__record *r)
{
    if (!ld->quiet)
        ld->rep.rows++;
    sm_status st;
    if (r->bad)
        st = sm__ld_record_problem(ld, SM_ERR_PARSE, r->line, 0, r->bad_field, r->bad_value, r->bad_value_len,
                                   r->bad_value != NULL, r->bad);
    else if (kind == SM_DATA_SMES)
        st = sme_record(ld, r);
    else if (kind == SM_DATA_REGIONS)
        st = sm__ld_region_record(ld, r);
    else if (kind == SM_DATA_DEVELOPMENT)
        st = dev_record(ld, r);
    else
        st = aff_record(ld, r);
    if (st == SM_OK || st == SM_ERR_NOMEM)
        return st;
    if (!ld->quiet)
        ld->rep.skipped++;
    if (ld->row_delivered) { /* every problem of the row went out already */
        ld->row_delivered = false;
        return st == SM_ERR_CANCELLED ? st : SM_OK;
    }
    return sm__ld_deliver(ld, false);
}
