/* Loading regions: rows are kept until the whole file is read (a parent
 * may come after its children), then checked, applied parents first under
 * one writer lock, and taken back if the rest of the load fails. */
#include "io/io.h"

#include <math.h>
#include <string.h>

static const char *reg_key(const void *ctx, uint32_t v)
{
    return ((const sm__load *)ctx)->regs[v].code;
}

bool sm__ld_engine_has_region(sm__load *ld, const char *code)
{
    sm__rdlock(ld->engine);
    bool found = sm__region_find(ld->engine, code) >= 0;
    sm__unlock(ld->engine);
    return found;
}

sm__pend_region *sm__ld_pending_region(const sm__load *ld, const char *code)
{
    uint32_t v;
    if (ld->n_regs && sm__hmap_get(&ld->reg_map, code, reg_key, ld, &v) && ld->regs[v].ok)
        return &ld->regs[v];
    return NULL;
}

sm_status sm__ld_region_record(sm__load *ld, const sm__record *r)
{
    sm_status st = sm__ld_scratch_reserve(ld, r, sm__kind_fields(SM_DATA_REGIONS));
    if (st)
        return st;
    const char *code, *name;
    size_t n, n_name;
    bool present;
    char text[64];
    sm__pend_region p;
    memset(&p, 0, sizeof p);
    p.development = NAN;
    p.line = r->line;
    p.column = r->v[SM__F_CODE].column;
    if ((st = sm__ld_get_text(ld, r, SM__F_CODE, &code, &n)))
        return st;
    if (!n)
        return sm__ld_missing(ld, r, SM__F_CODE);
    if (!sm__region_code_ok(code))
        return sm__ld_bad(ld, r, SM__F_CODE, SM_ERR_BAD_CODE, code, n,
                          "malformed NUTS code (two upper-case letters, then up to three of A-Z, 0-9)");
    strcpy(p.code, code);
    if ((st = sm__ld_get_text(ld, r, SM__F_NAME, &name, &n_name)))
        return st;
    if (!n_name)
        return sm__ld_missing(ld, r, SM__F_NAME);
    if (n_name > SM_NAME_MAX)
        return sm__ld_bad(ld, r, SM__F_NAME, SM_ERR_RANGE, name, n_name, "longer than %d bytes", SM_NAME_MAX);
    if ((st = sm__ld_get_real(ld, r, SM__F_LAT, &p.lat, &present, text)))
        return st;
    if (!present)
        return sm__ld_missing(ld, r, SM__F_LAT);
    if ((st = sm__ld_real_in(ld, r, SM__F_LAT, p.lat, text, -90, 90, "-90..90")))
        return st;
    if ((st = sm__ld_get_real(ld, r, SM__F_LON, &p.lon, &present, text)))
        return st;
    if (!present)
        return sm__ld_missing(ld, r, SM__F_LON);
    if ((st = sm__ld_real_in(ld, r, SM__F_LON, p.lon, text, -180, 180, "-180..180")))
        return st;
    if ((st = sm__ld_get_real(ld, r, SM__F_DEVELOPMENT, &p.development, &present, text)))
        return st;
    if (present && !(isfinite(p.development) && p.development > 0))
        return sm__ld_bad(ld, r, SM__F_DEVELOPMENT, SM_ERR_RANGE, text, strlen(text), "must be a number > 0");
    if (!present)
        p.development = NAN;
    const char *const *langs;
    if ((st = sm__ld_get_list(ld, r, SM__F_LANGUAGES, &langs, &p.n_langs)))
        return st;
    for (size_t i = 0; i < p.n_langs; i++)
        if (sm__check_lang(langs[i]))
            return sm__ld_bad(ld, r, SM__F_LANGUAGES, SM_ERR_BAD_CODE, langs[i], strlen(langs[i]),
                              "malformed language code (ISO 639-1, e.g. \"sl\")");
    uint32_t prev;
    if (ld->n_regs && sm__hmap_get(&ld->reg_map, p.code, reg_key, ld, &prev))
        return sm__ld_dup_problem(ld, r, SM__F_CODE, p.code, "duplicate code", ld->regs[prev].line);
    /* keep it */
    const sm__alloc *a = &ld->engine->alloc;
    if (ld->n_regs >= UINT32_MAX - 1)
        return sm__ld_bad(ld, r, SM__F_CODE, SM_ERR_LIMIT, p.code, strlen(p.code), "too many regions in one file");
    if (sm__grow(a, (void **)&ld->regs, &ld->cap_regs, ld->n_regs + 1, sizeof *ld->regs) ||
        sm__hmap_reserve(&ld->reg_map, a, 1, reg_key, ld))
        return sm__nomem();
    char *nm = sm__arena_strdup(&ld->arena, a, name);
    const char **ll = p.n_langs ? sm__arena_alloc(&ld->arena, a, p.n_langs * sizeof *ll) : NULL;
    if (!nm || (p.n_langs && !ll))
        return sm__nomem();
    for (size_t i = 0; i < p.n_langs; i++)
        if (!(ll[i] = sm__arena_strdup(&ld->arena, a, langs[i])))
            return sm__nomem();
    p.name = nm;
    p.langs = ll;
    ld->regs[ld->n_regs] = p;
    sm__hmap_insert(&ld->reg_map, ld->regs[ld->n_regs].code, (uint32_t)ld->n_regs);
    ld->n_regs++;
    return SM_OK;
}

/* Parents first: shorter codes first, then file order. */
static bool before(const sm__pend_region *a, const sm__pend_region *b)
{
    size_t la = strlen(a->code), lb = strlen(b->code);
    return la != lb ? la < lb : a->line < b->line;
}

/* The checks that need the whole file: parents (which may come later in the
 * file), the engine's limits on regions and languages. Regions are taken
 * parents first. */
sm_status sm__ld_finish_regions(sm__load *ld)
{
    if (ld->regions_done || !ld->n_regs)
        return SM_OK;
    ld->regions_done = true;
    ld->reg_order = sm__malloc(&ld->engine->alloc, ld->n_regs * sizeof *ld->reg_order);
    if (!ld->reg_order)
        return sm__nomem();
    for (size_t i = 0; i < ld->n_regs; i++)
        ld->reg_order[i] = i;
    /* insertion sort: stable, and a regions file is small and mostly in
     * order already */
    for (size_t i = 1; i < ld->n_regs; i++) {
        size_t v = ld->reg_order[i], j = i;
        while (j > 0 && before(&ld->regs[v], &ld->regs[ld->reg_order[j - 1]])) {
            ld->reg_order[j] = ld->reg_order[j - 1];
            j--;
        }
        ld->reg_order[j] = v;
    }
    sm_engine *e = ld->engine;
    sm__rdlock(e);
    size_t n_regions = e->n_regions;
    unsigned n_langs = e->n_langs;
    char langs[SM_LANGUAGE_MAX][4];
    memcpy(langs, e->langs, sizeof langs);
    sm__unlock(e);
    for (size_t k = 0; k < ld->n_regs; k++) {
        sm__pend_region *p = &ld->regs[ld->reg_order[k]];
        sm__record r;
        memset(&r, 0, sizeof r);
        r.line = p->line;
        r.v[SM__F_CODE].column = p->column;
        sm_status st = SM_OK;
        bool exists = sm__ld_engine_has_region(ld, p->code);
        size_t len = strlen(p->code);
        if (len > 2 && !exists) {
            char pc[SM_REGION_CODE_MAX + 1];
            memcpy(pc, p->code, len - 1);
            pc[len - 1] = '\0';
            if (!sm__ld_engine_has_region(ld, pc) && !sm__ld_pending_region(ld, pc))
                st = sm__ld_bad(ld, &r, SM__F_CODE, SM_ERR_UNKNOWN_CODE, p->code, len,
                                "parent \"%s\" is neither in the engine nor (valid) in the file", pc);
        }
        if (!st && !exists && n_regions >= SM__MAX_REGIONS)
            st = sm__ld_bad(ld, &r, SM__F_CODE, SM_ERR_LIMIT, p->code, len, "the engine holds %u regions at most",
                            SM__MAX_REGIONS);
        unsigned added = 0;
        for (size_t i = 0; !st && i < p->n_langs; i++) {
            char low[4] = { 0 };
            for (size_t c = 0; c < 3 && p->langs[i][c]; c++) {
                char ch = p->langs[i][c];
                low[c] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
            }
            bool known = false;
            for (unsigned l = 0; l < n_langs + added && !known; l++)
                known = strcmp(langs[l], low) == 0;
            if (known)
                continue;
            if (n_langs + added >= SM_LANGUAGE_MAX) {
                st = sm__ld_bad(ld, &r, SM__F_LANGUAGES, SM_ERR_LIMIT, p->langs[i], strlen(p->langs[i]),
                                "the engine holds %d languages at most", SM_LANGUAGE_MAX);
            } else
                memcpy(langs[n_langs + added++], low, 4);
        }
        if (st) {
            if (st == SM_ERR_NOMEM)
                return st;
            if (!ld->quiet)
                ld->rep.skipped++;
            if ((st = sm__ld_deliver(ld, false)))
                return st;
            continue;
        }
        n_langs += added;
        n_regions += !exists;
        p->ok = true;
        if (!ld->quiet)
            ld->rep.loaded++;
    }
    return SM_OK;
}

/* Adds or replaces the accepted regions under one writer lock, parents
 * first. Validated already: only an allocation can fail here, and then the
 * regions applied so far are taken back. */
sm_status sm__ld_apply_regions(sm__load *ld)
{
    if (ld->regions_applied || !ld->n_regs)
        return SM_OK;
    sm_engine *e = ld->engine;
    size_t existing = 0;
    for (size_t k = 0; k < ld->n_regs; k++)
        existing += ld->regs[k].ok && sm__ld_engine_has_region(ld, ld->regs[k].code);
    sm__savepoint *sp = &ld->regions_sp;
    sm__wrlock(e);
    /* not exclusive: SMEs staged after this intern tags in the arena */
    sm__savepoint_begin(sp, e, false);
    sm_status st = existing ? sm__savepoint_reserve_regions(sp, e, existing) : SM_OK;
    if (st) { /* nothing applied yet */
        sm__savepoint_release(sp, e);
        sm__unlock(e);
        return st;
    }
    for (size_t k = 0; k < ld->n_regs && !st; k++) {
        const sm__pend_region *p = &ld->regs[ld->reg_order[k]];
        if (!p->ok)
            continue;
        sm_region_desc d = SM_REGION_DESC_INIT;
        d.code = p->code;
        d.name = p->name;
        d.lat = p->lat;
        d.lon = p->lon;
        d.development = p->development;
        d.languages = p->langs;
        d.n_languages = p->n_langs;
        st = sm__savepoint_put_region(sp, e, &d, true);
    }
    if (st)
        sm__savepoint_rollback(sp, e);
    else {
        ld->regions_applied = true;
        ld->gen_after = e->generation;
    }
    sm__unlock(e);
    return st;
}

/* After a later failure: takes the regions back unless the engine changed
 * since (another thread may already use them). */
void sm__ld_undo_regions(sm__load *ld)
{
    if (!ld->regions_applied)
        return;
    sm__wrlock(ld->engine);
    if (ld->engine->generation == ld->gen_after)
        sm__savepoint_rollback(&ld->regions_sp, ld->engine);
    else
        sm__savepoint_release(&ld->regions_sp, ld->engine);
    sm__unlock(ld->engine);
    ld->regions_applied = false;
}
