/* SMEs: validation, preparation (interning tags, resolving codes), the
 * struct-of-arrays store, put/remove/get. */
#include "core/core.h"
#include "core/history.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *id_key(const void *ctx, uint32_t v)
{
    return sm__sme_id(ctx, v);
}

long sm__sme_find(const sm_engine *e, const char *id)
{
    uint32_t v;
    if (sm__hmap_get(&e->smes.by_id, id, id_key, e, &v))
        return (long)v;
    return -1;
}

const char *sm__sme_name(const sm_engine *e, size_t i)
{
    const char *c = sm__sme_id(e, i);
    return c + strlen(c) + 1;
}

/* The bytes a tag of text `tag` may fold to, without the NUL: ASCII folds
 * byte for byte; any other code point to at most 18 bytes per input byte
 * (NFKC expands U+FDFA, 3 bytes, to 33), capped at SM_TAG_MAX. */
static size_t tag_bound(const char *tag)
{
    size_t b = 0;
    for (const unsigned char *p = (const unsigned char *)tag; *p && b < SM_TAG_MAX; p++)
        b += *p < 0x80 ? 1 : 18;
    return b < SM_TAG_MAX ? b : SM_TAG_MAX;
}

/* Folds tag into out (room for cap bytes with the NUL, cap <= SM_TAG_MAX + 1). */
static sm_status tag_fold(char *out, size_t cap, const char *tag, const char *field)
{
    int k = sm__text_fold(out, cap, tag, strlen(tag), true);
    switch (k) {
    case SM_FOLD_BAD_UTF8:
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, field, tag, "%s: tag is not valid UTF-8", field);
    case SM_FOLD_CONTROL:
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, field, tag, "%s: control character in tag \"%s\"", field,
                           tag);
    case SM_FOLD_TOO_LONG:
        return sm__fail_at(SM_ERR_LIMIT, NULL, 0, 0, field, tag,
                           "%s: tag longer than %d bytes", field, SM_TAG_MAX);
    case 0:
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, field, tag, "%s: empty tag", field);
    default:
        return SM_OK;
    }
}

sm_status sm__tag_normalize(char *out, const char *tag, const char *field)
{
    return tag_fold(out, SM_TAG_MAX + 1, tag, field);
}

static const char *tag_key(const void *ctx, uint32_t v)
{
    return ((const sm_engine *)ctx)->tags.str[v];
}

/* Set while sm__prep_try() prepares under the reader lock: nothing may be
 * interned, and `prep_missing` tells that something would have been. With
 * `prep_local` (sm__prep_try_local()) a tag the engine lacks is taken from
 * or added to those local tags instead, and `prep_local_used` tells. */
static _Thread_local bool prep_lookup_only, prep_missing, prep_local_used;
static _Thread_local sm__tag_local *prep_local;
static _Thread_local uint32_t prep_local_item;

/* Interns a normalised tag; returns its id or a status via *st. A new tag
 * keeps `given`, as first seen, for display (NFC, white space collapsed);
 * disp[] is NULL where that is the key itself. */
static sm_status intern_tag(sm_engine *e, const char *norm, const char *given, uint32_t *out)
{
    sm__tags *t = &e->tags;
    if (sm__hmap_get(&t->map, norm, tag_key, e, out))
        return SM_OK;
    if (prep_lookup_only && prep_local) {
        if (t->n + prep_local->n >= SM__MAX_TAGS)
            return sm__fail(SM_ERR_LIMIT, "offers/needs: too many distinct tags");
        prep_local_used = true;
        return sm__tag_local_get(prep_local, &e->alloc, norm, given, prep_local_item, out);
    }
    if (prep_lookup_only) {
        prep_missing = true;
        return SM_ERR_LIMIT; /* not reported: the caller retries with the writer lock */
    }
    if (t->n >= SM__MAX_TAGS)
        return sm__fail(SM_ERR_LIMIT, "offers/needs: too many distinct tags");
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        char **str = sm__realloc(&e->alloc, t->str, ncap * sizeof *str);
        if (!str)
            return sm__nomem();
        t->str = str;
        uint32_t *df = sm__realloc(&e->alloc, t->df, ncap * sizeof *df);
        if (!df)
            return sm__nomem();
        t->df = df;
        char **disp = sm__realloc(&e->alloc, t->disp, ncap * sizeof *disp);
        if (!disp)
            return sm__nomem();
        t->disp = disp;
        t->cap = ncap;
    }
    if (sm__hmap_reserve(&t->map, &e->alloc, 1, tag_key, e))
        return sm__nomem();
    char *s = sm__arena_strdup(&e->arena, &e->alloc, norm);
    if (!s)
        return sm__nomem();
    char shown[4 * SM_TAG_MAX + 1];
    char *d = NULL;
    if (sm__text_fold(shown, sizeof shown, given, strlen(given), false) > 0 && strcmp(shown, norm) != 0 &&
        !(d = sm__arena_strdup(&e->arena, &e->alloc, shown)))
        return sm__nomem();
    t->str[t->n] = s;
    t->disp[t->n] = d;
    t->df[t->n] = 0;
    sm__hmap_insert(&t->map, s, (uint32_t)t->n);
    *out = (uint32_t)t->n++;
    return SM_OK;
}

sm_status sm__tag_intern(sm_engine *e, const char *norm, const char *given, uint32_t *out)
{
    return intern_tag(e, norm, given, out);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

size_t sm__ids_sort_unique(uint32_t *v, size_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof *v, cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

static sm_status check_list(const char *const *list, size_t n, const char *field)
{
    if (n && !list)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "%s: NULL list with %zu entries", field, n);
    for (size_t i = 0; i < n; i++)
        if (!list[i])
            return sm__fail(SM_ERR_INVALID_ARGUMENT, "%s: NULL entry %zu", field, i);
    if (n > SM_LIST_MAX)
        return sm__fail_at(SM_ERR_LIMIT, NULL, 0, 0, field, NULL, "%s: %zu entries (at most %d, SM_LIST_MAX)", field, n,
                           SM_LIST_MAX);
    return SM_OK;
}

static sm_status check_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0)
        return sm__fail_at(SM_ERR_BAD_ID, NULL, 0, 0, "id", id, "id: empty id");
    if (n > SM_ID_MAX)
        return sm__fail_at(SM_ERR_BAD_ID, NULL, 0, 0, "id", id, "id: longer than %d bytes", SM_ID_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            return sm__fail_at(SM_ERR_BAD_ID, NULL, 0, 0, "id", id, "id: control character in id");
    if (!sm__utf8_valid(id, n))
        return sm__fail_at(SM_ERR_BAD_ID, NULL, 0, 0, "id", id, "id: not valid UTF-8");
    return SM_OK;
}

/* The normalised offers and needs of one SME, NUL-separated. Normalising is
 * the costly part of preparing an SME, so the validation pass keeps what it
 * produced and interning reads it back. Typical lists fit on the stack. */
typedef struct tag_scratch {
    char stack[4096];
    char *heap; /* engine allocator; NULL unless the lists did not fit */
} tag_scratch;

/* Normalises list[0..n) into buf; returns the end of what it wrote. Fails on
 * the first bad tag. A tag folds to at most tag_bound() bytes, so prep_make
 * sizes buf by that bound rather than SM_TAG_MAX + 1 per tag. */
static sm_status normalize_list(char *buf, const char *const *list, size_t n, const char *field, char **end)
{
    sm_status st;
    for (size_t i = 0; i < n; i++) {
        if ((st = tag_fold(buf, tag_bound(list[i]) + 1, list[i], field)))
            return st;
        buf += strlen(buf) + 1;
    }
    *end = buf;
    return SM_OK;
}

/* The bytes normalize_list needs for a list. */
static size_t tags_room(const char *const *list, size_t n)
{
    size_t room = 0;
    for (size_t i = 0; i < n; i++)
        room += tag_bound(list[i]) + 1;
    return room;
}

/* Interns n normalised tags (NUL-separated in norm) into ids[]; *n_out is
 * the unique count. ids may be NULL when n is 0. */
static sm_status tag_ids(sm_engine *e, const char *norm, const char *const *given, size_t n, uint32_t *ids,
                         size_t *n_out, uint64_t *sig)
{
    sm_status st;
    for (size_t i = 0; i < n; i++) {
        if ((st = intern_tag(e, norm, given[i], &ids[i])))
            return st;
        norm += strlen(norm) + 1;
    }
    *n_out = sm__ids_sort_unique(ids, n);
    uint64_t s = 0;
    for (size_t i = 0; i < *n_out; i++)
        s |= sm__tag_sig(ids[i]);
    *sig = s;
    return SM_OK;
}

/* The language bits of codes that are all two or three lower-case ASCII
 * letters and all known to the engine, each compared as one 4-byte word
 * (the engine keeps its codes NUL-padded to 4 bytes); false when any code
 * is not such, and the general checks decide. */
static bool langs_known(const sm_engine *e, const char *const *langs, size_t n, uint64_t *out)
{
    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = langs[i];
        size_t k = 0;
        while (k < 4 && c[k] >= 'a' && c[k] <= 'z')
            k++;
        if (k < 2 || k > 3 || c[k] != '\0')
            return false;
        uint32_t w = 0, x;
        memcpy(&w, c, k);
        unsigned j = 0;
        for (; j < e->n_langs; j++) {
            memcpy(&x, e->langs[j], 4);
            if (x == w)
                break;
        }
        if (j == e->n_langs)
            return false;
        bits |= 1ull << j;
    }
    *out = bits;
    return true;
}

static sm_status prep_make(sm_engine *e, const sm_sme_desc *d, sm__prep *out, tag_scratch *ts, sm__arena *arena);

sm_status sm__prep_make_in(sm_engine *e, const sm_sme_desc *d, sm__prep *out, sm__arena *arena)
{
    tag_scratch ts;
    ts.heap = NULL;
    sm_status st = prep_make(e, d, out, &ts, arena);
    sm__free(&e->alloc, ts.heap);
    return st;
}

sm_status sm__prep_make(sm_engine *e, const sm_sme_desc *d, sm__prep *out)
{
    return sm__prep_make_in(e, d, out, NULL);
}

static sm_status prep_make(sm_engine *e, const sm_sme_desc *d, sm__prep *out, tag_scratch *ts, sm__arena *arena)
{
    sm_status st;
    if (!d)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: NULL description");
    if (d->version != SM_SME_DESC_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: unknown description version %u", d->version);
    if (!d->id)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "id", NULL, "id: NULL id");
    if (!d->region)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "region", NULL, "region: NULL region");
    if (d->n_sectors == 0)
        return sm__fail_at(SM_ERR_INVALID_ARGUMENT, NULL, 0, 0, "sectors", NULL, "sectors: at least one sector is needed");
    /* a list over SM_LIST_MAX is reported after the problems of its entries
     * (limits come last), so each list keeps its own status until then */
    sm_status st_sec = check_list(d->sectors, d->n_sectors, "sectors");
    if (st_sec == SM_ERR_INVALID_ARGUMENT)
        return st_sec;
    sm_status st_off = check_list(d->offers, d->n_offers, "offers");
    if (st_off == SM_ERR_INVALID_ARGUMENT)
        return st_off;
    sm_status st_need = check_list(d->needs, d->n_needs, "needs");
    if (st_need == SM_ERR_INVALID_ARGUMENT)
        return st_need;
    sm_status st_lang = check_list(d->languages, d->n_languages, "languages");
    if (st_lang == SM_ERR_INVALID_ARGUMENT)
        return st_lang;
    if ((st = check_id(d->id)))
        return st;
    /* malformed codes */
    if (!sm__region_code_ok(d->region))
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "region", d->region, "region: malformed NUTS code \"%s\"",
                           d->region);
    for (size_t i = 0; i < d->n_sectors; i++) {
        char norm[SM_SECTOR_CODE_MAX + 1];
        if (sm_sector_normalize(norm, sizeof norm, d->sectors[i]) != SM_OK)
            return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "sectors", d->sectors[i],
                               "sectors: malformed NACE code \"%s\"", d->sectors[i]);
    }
    uint64_t langs = 0;
    bool langs_ok = !st_lang && langs_known(e, d->languages, d->n_languages, &langs);
    if (!st_lang && !langs_ok)
        for (size_t i = 0; i < d->n_languages; i++)
            if (sm__check_lang(d->languages[i]))
                return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "languages", d->languages[i],
                                   "languages: malformed language code \"%s\" (ISO 639-1, e.g. \"sl\")",
                                   d->languages[i]);
    /* Each tag is normalised once, here, into one buffer that interning
     * reads back. A list over SM_LIST_MAX is left for the limits below. */
    const char *norm_off = NULL, *norm_need = NULL;
    size_t room = (st_off ? 0 : tags_room(d->offers, d->n_offers)) + (st_need ? 0 : tags_room(d->needs, d->n_needs));
    char *buf = ts->stack;
    if (room > sizeof ts->stack) {
        if (!(ts->heap = sm__malloc(&e->alloc, room)))
            return sm__nomem();
        buf = ts->heap;
    }
    if (!st_off) {
        norm_off = buf;
        if ((st = normalize_list(buf, d->offers, d->n_offers, "offers", &buf)))
            return st;
    }
    if (!st_need) {
        norm_need = buf;
        if ((st = normalize_list(buf, d->needs, d->n_needs, "needs", &buf)))
            return st;
    }
    if (d->name && !sm__utf8_valid(d->name, strlen(d->name)))
        return sm__fail_at(SM_ERR_BAD_CODE, NULL, 0, 0, "name", d->id, "name: not valid UTF-8 (SME \"%s\")", d->id);
    /* unknown codes */
    long region = sm__region_find(e, d->region);
    if (region < 0)
        return sm__fail_at(SM_ERR_UNKNOWN_CODE, NULL, 0, 0, "region", d->region, "region: unknown NUTS code \"%s\"",
                           d->region);
    /* resolved here to check them, and again below once there is room to keep them */
    size_t n_sectors = d->n_sectors > SM_LIST_MAX ? SM_LIST_MAX : d->n_sectors;
    long primary = -1;
    uint32_t sec_idx[16]; /* the first ones, kept for the secondary sectors below */
    for (size_t i = 0; i < n_sectors; i++) {
        long s = sm__sector_find(e, d->sectors[i]);
        if (i < 16)
            sec_idx[i] = (uint32_t)s;
        if (!i)
            primary = s;
        if (s < 0)
            return sm__fail_at(SM_ERR_UNKNOWN_CODE, NULL, 0, 0, "sectors", d->sectors[i],
                               "sectors: unknown NACE code \"%s\"", d->sectors[i]);
    }
    /* ranges */
    if (d->name && strlen(d->name) > SM_NAME_MAX)
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "name", d->id, "name: longer than %d bytes (SME \"%s\")",
                           SM_NAME_MAX, d->id);
    if (d->founded != 0 && (d->founded < 1000 || d->founded > 2100)) {
        char v[16];
        snprintf(v, sizeof v, "%d", d->founded);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "founded", v, "founded: year out of range 1000..2100: %s", v);
    }
    if (d->employees < -1 || d->employees > 100000000L) {
        char v[24];
        snprintf(v, sizeof v, "%ld", d->employees);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "employees", v,
                           "employees: out of range 0..100000000 (or -1 for unknown): %s", v);
    }
    if ((int)d->size < SM_SIZE_UNKNOWN || (int)d->size > SM_SIZE_LARGE) {
        char v[16];
        snprintf(v, sizeof v, "%d", (int)d->size);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "size", v, "size: unknown size class %s", v);
    }
    sm_size size = d->size;
    if (d->employees >= 0) {
        sm_size derived = sm_size_from_employees(d->employees);
        if (size != SM_SIZE_UNKNOWN && size != derived) {
            char v[24];
            snprintf(v, sizeof v, "%ld", d->employees);
            return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "size", sm_size_name(size),
                               "size: \"%s\" contradicts %s employees (%s)", sm_size_name(size), v,
                               sm_size_name(derived));
        }
        size = derived;
    }
    if (d->cooperation >> e->n_coop && e->n_coop < 32) {
        char v[16];
        snprintf(v, sizeof v, "0x%x", d->cooperation);
        return sm__fail_at(SM_ERR_RANGE, NULL, 0, 0, "cooperation", v, "cooperation: unregistered type bits in %s", v);
    }
    /* limits */
    if (st_sec || st_off || st_need || st_lang)
        return st_sec ? st_sec : st_off ? st_off : st_need ? st_need : st_lang;
    if (e->smes.n >= SM__MAX_SMES && sm__sme_find(e, d->id) < 0)
        return sm__fail(SM_ERR_LIMIT, "sme: the engine holds %u SMEs at most", SM__MAX_SMES);
    for (size_t i = 0; !langs_ok && prep_lookup_only && i < d->n_languages; i++)
        if (sm__lang_id(e, d->languages[i], false) == -1) {
            prep_missing = true;
            return SM_ERR_LIMIT;
        }
    if (!langs_ok && (st = sm__lang_bits(e, d->languages, d->n_languages, &langs, "languages")))
        return st;

    /* one allocation: the lists, then "id\0name\0" */
    sm__prep p;
    memset(&p, 0, sizeof p);
    size_t idlen = strlen(d->id), namelen = d->name ? strlen(d->name) : 0;
    size_t total = (n_sectors - 1) + d->n_offers + d->n_needs;
    size_t bytes = total * sizeof *p.lists + idlen + namelen + 2;
    sm__arena_mark mark;
    if (arena) {
        mark = sm__arena_mark_get(arena);
        p.lists = sm__arena_alloc(arena, &e->alloc, bytes);
        p.in_arena = true;
    } else {
        p.lists = sm__malloc(&e->alloc, bytes);
    }
    if (!p.lists)
        return sm__nomem();
    p.cold = (char *)(p.lists + total);
    p.text_len = (uint32_t)(idlen + namelen + 2);
    memcpy(p.cold, d->id, idlen + 1);
    if (namelen)
        memcpy(p.cold + idlen + 1, d->name, namelen);
    p.cold[idlen + 1 + namelen] = '\0';
    /* secondary sectors: unique, in the order given, without the primary;
     * a long list is checked against a bit per sector index, not pairwise */
    size_t ns = 0;
    uint64_t seen[(SM__MAX_SECTORS + 64) / 64];
    bool long_list = n_sectors > 16;
    if (long_list) {
        memset(seen, 0, sizeof seen);
        seen[primary >> 6] |= 1ull << (primary & 63);
    }
    for (size_t i = 1; i < n_sectors; i++) {
        uint32_t s = i < 16 ? sec_idx[i] : (uint32_t)sm__sector_find(e, d->sectors[i]);
        bool dup;
        if (long_list) {
            dup = seen[s >> 6] >> (s & 63) & 1u;
            seen[s >> 6] |= 1ull << (s & 63);
        } else {
            dup = s == (uint32_t)primary;
            for (size_t j = 0; j < ns && !dup; j++)
                dup = p.lists[j] == s;
        }
        if (!dup)
            p.lists[ns++] = s;
    }
    size_t no = 0, nn = 0;
    if ((st = tag_ids(e, norm_off, d->offers, d->n_offers, p.lists + ns, &no, &p.offer_sig)) ||
        (st = tag_ids(e, norm_need, d->needs, d->n_needs, p.lists + ns + no, &nn, &p.need_sig))) {
        if (arena)
            sm__arena_rollback(arena, &e->alloc, mark);
        else
            sm__prep_free(e, &p);
        return st;
    }
    p.region = (uint16_t)region;
    p.sector = (uint16_t)primary;
    p.size = (uint8_t)size;
    p.employees = d->employees < 0 ? -1 : (int32_t)d->employees;
    p.founded = (int16_t)d->founded;
    p.coop = d->cooperation;
    p.langs = langs;
    p.n_secondary = (uint16_t)ns;
    p.n_offers = (uint16_t)no;
    p.n_needs = (uint16_t)nn;
    p.local_tags = prep_local_used;
    *out = p;
    return SM_OK;
}

sm_status sm__prep_try(sm_engine *e, const sm_sme_desc *d, sm__prep *out, bool *need_writer)
{
    return sm__prep_try_in(e, d, out, need_writer, NULL);
}

sm_status sm__prep_try_in(sm_engine *e, const sm_sme_desc *d, sm__prep *out, bool *need_writer, sm__arena *arena)
{
    prep_lookup_only = true;
    prep_missing = false;
    sm_status st = sm__prep_make_in(e, d, out, arena);
    prep_lookup_only = false;
    *need_writer = prep_missing;
    return st;
}

sm_status sm__prep_try_local(sm_engine *e, const sm_sme_desc *d, sm__prep *out, bool *need_writer, sm__arena *arena,
                             sm__tag_local *local, uint32_t item)
{
    prep_local = local;
    prep_local_item = item;
    prep_local_used = false;
    sm_status st = sm__prep_try_in(e, d, out, need_writer, arena);
    prep_local = NULL;
    prep_local_used = false;
    return st;
}

void sm__prep_free(sm_engine *e, sm__prep *p)
{
    if (!p->in_arena)
        sm__free(&e->alloc, p->lists); /* cold too */
    p->cold = NULL;
    p->lists = NULL;
}

static size_t list_len(const sm__smes *s, size_t i)
{
    return (size_t)s->n_secondary[i] + s->n_offers[i] + s->n_needs[i];
}

sm_status sm__smes_reserve(sm_engine *e, size_t extra, size_t pool, size_t text)
{
    /* no reader runs: the room is made and swapped in at once (after a
     * room made beside the readers, there is nothing left to make) */
    sm__smes_room r;
    sm_status st = sm__smes_room_make(e, extra, pool, text, &r);
    if (st)
        return st;
    sm__smes_room_swap(e, &r);
    sm__smes_room_free(e, &r);
    return SM_OK;
}

/* Room for `more` entries in an array of len entries (garbage of them
 * dropped ones) and capacity cap (have: allocated): the capacity of the new
 * array (0 when the current one has room) and whether to compact into it
 * instead of copying (when more than half of it is garbage). Used for the
 * list pool and the text. */
static size_t grow_target(size_t len, size_t cap, size_t garbage, bool have, size_t more, size_t first, bool *compact)
{
    size_t need = len + more, live = len - garbage;
    *compact = false;
    if (need <= cap && have)
        return 0;
    size_t ncap = cap ? cap : first;
    while (ncap < live + more)
        ncap *= 2;
    if (garbage > len / 2) {
        *compact = true;
        return ncap;
    }
    while (ncap < need)
        ncap *= 2;
    return ncap;
}

static size_t text_bytes(const sm__smes *s, size_t i)
{
    const char *id = s->text + s->cold[i];
    size_t il = strlen(id);
    return il + strlen(id + il + 1) + 2;
}

sm_status sm__smes_room_make(sm_engine *e, size_t extra, size_t pool, size_t text, sm__smes_room *r)
{
    sm__smes *s = &e->smes;
    memset(r, 0, sizeof *r);
    if (extra > SM__MAX_SMES - s->n)
        return sm__fail(SM_ERR_LIMIT, "sme: the engine holds %u SMEs at most", SM__MAX_SMES);
    if (pool > UINT32_MAX - s->pool_len)
        return sm__fail(SM_ERR_LIMIT, "sme: list storage exceeds 2^32 entries");
    if (text > UINT32_MAX - s->text_len)
        return sm__fail(SM_ERR_LIMIT, "sme: ids and names exceed 4 GiB");
    size_t need = s->n + extra;
    if (need > s->cap) {
        size_t ncap = s->cap ? s->cap : 64;
        while (ncap < need)
            ncap *= 2;
        r->cap = ncap;
        struct { void **to; const void *from; size_t elem; } cols[] = {
#define SM__X(type, name) { (void **)&r->name, s->name, sizeof *s->name },
            SM__SME_COLUMNS(SM__X)
#undef SM__X
        };
        for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
            if (!(*cols[c].to = sm__malloc(&e->alloc, ncap * cols[c].elem)))
                goto nomem;
            if (s->n)
                memcpy(*cols[c].to, cols[c].from, s->n * cols[c].elem);
        }
    }
    if (sm__hmap_grown(&r->by_id, &s->by_id, &e->alloc, extra))
        goto nomem;
    bool compact;
    size_t pcap = grow_target(s->pool_len, s->pool_cap, s->pool_garbage, s->pool != NULL, pool, 1024, &compact);
    if (pcap) {
        if (!(r->pool = sm__malloc(&e->alloc, pcap * sizeof *r->pool)))
            goto nomem;
        r->pool_cap = pcap;
        r->compacted = compact;
        if (compact) {
            uint32_t *off = r->list_off;
            if (!off && !(off = r->list_off_compacted = sm__malloc(&e->alloc, (s->cap ? s->cap : 1) * sizeof *off)))
                goto nomem;
            size_t k = 0;
            for (size_t i = 0; i < s->n; i++) {
                size_t len = list_len(s, i);
                memcpy(r->pool + k, s->pool + s->list_off[i], len * sizeof *r->pool);
                off[i] = (uint32_t)k;
                k += len;
            }
            r->pool_len = k;
        } else {
            if (s->pool_len)
                memcpy(r->pool, s->pool, s->pool_len * sizeof *r->pool);
            r->pool_len = s->pool_len;
        }
    }
    size_t tcap = grow_target(s->text_len, s->text_cap, s->text_garbage, s->text != NULL, text, 4096, &compact);
    if (tcap) {
        if (!(r->text = sm__malloc(&e->alloc, tcap)))
            goto nomem;
        r->text_cap = tcap;
        r->text_compacted = compact;
        if (compact) {
            uint32_t *off = r->cold;
            if (!off && !(off = r->cold_compacted = sm__malloc(&e->alloc, (s->cap ? s->cap : 1) * sizeof *off)))
                goto nomem;
            size_t k = 0;
            for (size_t i = 0; i < s->n; i++) {
                size_t len = text_bytes(s, i);
                memcpy(r->text + k, s->text + s->cold[i], len);
                off[i] = (uint32_t)k;
                k += len;
            }
            r->text_len = k;
        } else {
            if (s->text_len)
                memcpy(r->text, s->text, s->text_len);
            r->text_len = s->text_len;
        }
    }
    return SM_OK;
nomem:
    sm__smes_room_free(e, r);
    return sm__nomem();
}

#define ROOM_SWAP(a, b)                                                                                           \
    do {                                                                                                          \
        __typeof__(a) t_ = (a);                                                                                   \
        (a) = (b);                                                                                                \
        (b) = t_;                                                                                                 \
    } while (0)

void sm__smes_room_swap(sm_engine *e, sm__smes_room *r)
{
    sm__smes *s = &e->smes;
    if (r->cap) {
        s->cap = r->cap;
#define SM__X(type, name) ROOM_SWAP(s->name, r->name);
        SM__SME_COLUMNS(SM__X)
#undef SM__X
    }
    if (r->by_id.slots) {
        ROOM_SWAP(s->by_id.slots, r->by_id.slots);
        ROOM_SWAP(s->by_id.cap, r->by_id.cap);
    }
    if (r->pool) {
        ROOM_SWAP(s->pool, r->pool);
        s->pool_cap = r->pool_cap;
        s->pool_len = r->pool_len;
        if (r->compacted) {
            s->pool_garbage = 0;
            if (r->list_off_compacted)
                ROOM_SWAP(s->list_off, r->list_off_compacted);
        }
    }
    if (r->text) {
        ROOM_SWAP(s->text, r->text);
        s->text_cap = r->text_cap;
        s->text_len = r->text_len;
        if (r->text_compacted) {
            s->text_garbage = 0;
            if (r->cold_compacted)
                ROOM_SWAP(s->cold, r->cold_compacted);
        }
    }
}
#undef ROOM_SWAP

void sm__smes_room_free(sm_engine *e, sm__smes_room *r)
{
#define SM__X(type, name) sm__free(&e->alloc, r->name);
    SM__SME_COLUMNS(SM__X)
#undef SM__X
    sm__free(&e->alloc, r->list_off_compacted);
    sm__free(&e->alloc, r->by_id.slots);
    sm__free(&e->alloc, r->pool);
    sm__free(&e->alloc, r->cold_compacted);
    sm__free(&e->alloc, r->text);
    memset(r, 0, sizeof *r);
}

/* df counts each SME once per tag it lists in offers or needs. */
static void df_update(sm_engine *e, const uint32_t *off, size_t no, const uint32_t *need, size_t nn, int delta)
{
    size_t i = 0, j = 0;
    while (i < no || j < nn) {
        uint32_t t;
        if (j >= nn || (i < no && off[i] < need[j]))
            t = off[i++];
        else if (i >= no || need[j] < off[i])
            t = need[j++];
        else {
            t = off[i++];
            j++;
        }
        e->tags.df[t] = (uint32_t)((int64_t)e->tags.df[t] + delta);
    }
}

/* Counts a change of SMEs; the derived data that followed it stays current. */
static void follow(sm_engine *e, bool tracked)
{
    sm__changed(e, tracked);
}

static void release_slot(sm_engine *e, size_t i)
{
    sm__smes *s = &e->smes;
    df_update(e, sm__sme_offers(e, i), s->n_offers[i], sm__sme_needs(e, i), s->n_needs[i], -1);
    s->pool_garbage += list_len(s, i);
    s->text_garbage += text_bytes(s, i);
}

void sm__prep_commit(sm_engine *e, sm__prep *p)
{
    sm__prep_commit_at(e, p, sm__sme_find(e, p->cold));
}

void sm__prep_commit_at(sm_engine *e, sm__prep *p, long found)
{
    sm__smes *s = &e->smes;
    size_t i;
    bool track = sm__derived_tracking(e);
    if (found >= 0) {
        i = (size_t)found;
        if (track)
            e->derived.ops->sme_out(e->derived.ptr, e, i);
        release_slot(e, i); /* same id: the map's entry stays */
    } else {
        i = s->n++;
        sm__hmap_insert(&s->by_id, p->cold, (uint32_t)i);
    }
    s->cold[i] = (uint32_t)s->text_len;
    memcpy(s->text + s->text_len, p->cold, p->text_len);
    s->text_len += p->text_len;
    size_t len = (size_t)p->n_secondary + p->n_offers + p->n_needs;
    s->list_off[i] = (uint32_t)s->pool_len;
    if (len)
        memcpy(s->pool + s->pool_len, p->lists, len * sizeof *s->pool);
    s->pool_len += len;
#define SM__X(type, name) s->name[i] = p->name;
    SM__SME_PREP_COLUMNS(SM__X)
#undef SM__X
    df_update(e, sm__sme_offers(e, i), p->n_offers, sm__sme_needs(e, i), p->n_needs, +1);
    sm__prep_free(e, p);
    if (track)
        e->derived.ops->sme_in(e->derived.ptr, e, i);
    follow(e, track);
}

/* A put prepares the SME (validation, folding, look-ups, allocation) as the
 * engine's only writer while queries run, and holds the lock only to make
 * room and splice it in. An SME that brings a new tag or language is
 * prepared again with the lock (interning changes what readers read). */
sm_status sm_sme_put(sm_engine *e, const sm_sme_desc *d)
{
    if (!e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "engine: NULL pointer");
    sm__writer_begin(e);
    sm__prep p;
    bool need_writer = false;
    sm_status st = sm__prep_try(e, d, &p, &need_writer);
    long found = st == SM_OK || need_writer ? sm__sme_find(e, d->id) : -1;
    if (st != SM_OK && !need_writer) { /* refused: nothing to apply, no step under the lock */
        sm__writer_end(e);
        return st;
    }
    /* Room beside the readers too (growing the columns, the id map or the
     * pool copies them all): for the lists as prepared, or, when they are
     * prepared again below, for at most as many entries as given. */
    sm__smes_room room;
    {
        size_t len = st == SM_OK ? (size_t)p.n_secondary + p.n_offers + p.n_needs
                                 : (d->n_sectors > SM_LIST_MAX ? SM_LIST_MAX : d->n_sectors) - 1 + d->n_offers +
                                       d->n_needs;
        size_t text = st == SM_OK ? p.text_len : strlen(d->id) + (d->name ? strlen(d->name) : 0) + 2;
        sm_status rs = sm__smes_room_make(e, found >= 0 ? 0 : 1, len, text, &room);
        if (rs) {
            if (st == SM_OK)
                sm__prep_free(e, &p);
            sm__writer_end(e);
            return rs;
        }
    }
    sm__writer_excl(e);
    sm__smes_room_swap(e, &room);
    if (need_writer && (st = sm__prep_make(e, d, &p)) == SM_OK)
        found = sm__sme_find(e, d->id);
    if (st == SM_OK) {
        st = sm__smes_reserve(e, found >= 0 ? 0 : 1, (size_t)p.n_secondary + p.n_offers + p.n_needs, p.text_len);
        if (st == SM_OK)
            st = sm__derived_reserve(e, 1);
        if (st == SM_OK)
            sm__prep_commit_at(e, &p, found);
        else
            sm__prep_free(e, &p);
    }
    sm__writer_shared(e);
    sm__smes_room_free(e, &room); /* the arrays replaced: no reader holds them now */
    sm__writer_end(e);
    return st;
}

sm_status sm_sme_remove(sm_engine *e, const char *id)
{
    if (!e || !id)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: NULL argument");
    /* the look-up beside the queries: this writer is the only one */
    sm__writer_begin(e);
    long found = sm__sme_find(e, id);
    if (found < 0) {
        sm__writer_end(e);
        return sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", id, "id: no SME \"%s\"", id);
    }
    sm__writer_excl(e);
    sm_status st = sm__derived_reserve(e, 1);
    if (st) {
        sm__unlock(e);
        return st;
    }
    sm__sme_remove_at(e, (size_t)found);
    sm__unlock(e);
    return SM_OK;
}

void sm__sme_remove_at(sm_engine *e, size_t i)
{
    sm__smes *s = &e->smes;
    size_t last = s->n - 1;
    bool track = sm__derived_tracking(e);
    if (track)
        e->derived.ops->sme_out(e->derived.ptr, e, i);
    sm__hmap_remove(&s->by_id, sm__sme_id(e, i), id_key, e);
    release_slot(e, i);
    if (i != last) {
#define SM__X(type, name) s->name[i] = s->name[last];
        SM__SME_COLUMNS(SM__X)
#undef SM__X
        sm__hmap_replace(&s->by_id, sm__sme_id(e, i), id_key, e, (uint32_t)i);
        if (track)
            e->derived.ops->sme_move(e->derived.ptr, e, last, i);
    }
    if (e->history) /* history and network criteria */
        sm__history_sme_removed(e->history, i, last);
    s->n--;
    follow(e, track);
}

int sm_sme_contains(const sm_engine *e, const char *id)
{
    if (!e || !id)
        return 0;
    sm__rdlock(e);
    int r = sm__sme_find(e, id) >= 0;
    sm__unlock(e);
    return r;
}

size_t sm_sme_count(const sm_engine *e)
{
    if (!e)
        return 0;
    sm__rdlock(e);
    size_t n = e->smes.n;
    sm__unlock(e);
    return n;
}

/* Copies SME i into one boxed block; lock held. */
static sm_status export_sme(sm_sme_desc **out, const sm_engine *e, size_t i)
{
    const sm__smes *s = &e->smes;
    const char *id = sm__sme_id(e, i), *name = sm__sme_name(e, i);
    const char *region = e->regions[s->region[i]]->info.code;
    size_t nsec = 1 + s->n_secondary[i], noff = s->n_offers[i], nneed = s->n_needs[i], nlang = 0;
    for (unsigned b = 0; b < 64; b++)
        nlang += (s->langs[i] >> b) & 1u;
    const uint32_t *sec = sm__sme_secondary(e, i), *off = sm__sme_offers(e, i), *need = sm__sme_needs(e, i);
    size_t strbytes = strlen(id) + strlen(name) + strlen(region) + 3;
    strbytes += strlen(e->sectors[s->sector[i]]->info.code) + 1;
    for (size_t k = 0; k + 1 < nsec; k++)
        strbytes += strlen(e->sectors[sec[k]]->info.code) + 1;
    for (size_t k = 0; k < noff; k++)
        strbytes += strlen(sm__tag_text(e, off[k])) + 1;
    for (size_t k = 0; k < nneed; k++)
        strbytes += strlen(sm__tag_text(e, need[k])) + 1;
    strbytes += nlang * 4;
    size_t nptr = nsec + noff + nneed + nlang;
    size_t size = sizeof(sm_sme_desc) + nptr * sizeof(char *) + strbytes;
    sm_sme_desc *d = sm__boxed_alloc(&e->alloc, size);
    if (!d)
        return sm__nomem();
    const char **ptrs = (const char **)(d + 1);
    char *str = (char *)(ptrs + nptr);
#define PUT(dst, src)                      \
    do {                                   \
        size_t l_ = strlen(src) + 1;       \
        memcpy(str, (src), l_);            \
        (dst) = str;                       \
        str += l_;                         \
    } while (0)
    memset(d, 0, sizeof *d);
    d->version = SM_SME_DESC_VERSION;
    PUT(d->id, id);
    PUT(d->name, name);
    PUT(d->region, region);
    const char **p = ptrs;
    d->sectors = p;
    d->n_sectors = nsec;
    PUT(p[0], e->sectors[s->sector[i]]->info.code);
    for (size_t k = 1; k < nsec; k++)
        PUT(p[k], e->sectors[sec[k - 1]]->info.code);
    p += nsec;
    d->offers = p;
    d->n_offers = noff;
    for (size_t k = 0; k < noff; k++)
        PUT(p[k], sm__tag_text(e, off[k]));
    p += noff;
    d->needs = p;
    d->n_needs = nneed;
    for (size_t k = 0; k < nneed; k++)
        PUT(p[k], sm__tag_text(e, need[k]));
    p += nneed;
    d->languages = nlang ? p : NULL;
    d->n_languages = nlang;
    for (unsigned b = 0; b < 64; b++)
        if ((s->langs[i] >> b) & 1u) {
            PUT(*p, e->langs[b]);
            p++;
        }
#undef PUT
    if (!noff)
        d->offers = NULL;
    if (!nneed)
        d->needs = NULL;
    d->size = (sm_size)s->size[i];
    d->employees = s->employees[i];
    d->founded = s->founded[i];
    d->cooperation = s->coop[i];
    *out = d;
    return SM_OK;
}

sm_status sm_sme_get(sm_sme_desc **out, const sm_engine *e, const char *id)
{
    if (!out || !e || !id)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: NULL argument");
    sm__rdlock(e);
    long i = sm__sme_find(e, id);
    sm_status st = i < 0 ? sm__fail_at(SM_ERR_NOT_FOUND, NULL, 0, 0, "id", id, "id: no SME \"%s\"", id)
                         : export_sme(out, e, (size_t)i);
    sm__unlock(e);
    return st;
}

sm_status sm_sme_at(sm_sme_desc **out, const sm_engine *e, size_t index)
{
    if (!out || !e)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: NULL argument");
    sm__rdlock(e);
    sm_status st = index >= e->smes.n
                       ? sm__fail(SM_ERR_NOT_FOUND, "sme: index %zu past the end (%zu SMEs)", index, e->smes.n)
                       : export_sme(out, e, index);
    sm__unlock(e);
    return st;
}

void sm_sme_desc_free(sm_sme_desc *d)
{
    sm__boxed_free(d);
}

sm_status sm_sme_desc_init(sm_sme_desc *d, unsigned int version)
{
    if (!d)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: NULL description");
    if (version != SM_SME_DESC_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "sme: unknown description version %u", version);
    sm_sme_desc init = SM_SME_DESC_INIT;
    *d = init;
    return SM_OK;
}

/* ---- size classes ------------------------------------------------------- */

static const char *const size_names[] = { "unknown", "micro", "small", "medium", "large" };

const char *sm_size_name(sm_size size)
{
    return (int)size >= 0 && (int)size <= SM_SIZE_LARGE ? size_names[size] : "unknown";
}

sm_status sm_size_parse(sm_size *out, const char *name)
{
    if (!out || !name)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "size: NULL argument");
    for (int i = 0; i <= SM_SIZE_LARGE; i++) {
        const char *a = name, *b = size_names[i];
        while (*a && *b && tolower((unsigned char)*a) == *b)
            a++, b++;
        if (!*a && !*b) {
            *out = (sm_size)i;
            return SM_OK;
        }
    }
    return sm__fail_at(SM_ERR_UNKNOWN_NAME, NULL, 0, 0, "size", name,
                       "size: unknown size class \"%s\" (micro, small, medium, large)", name);
}

sm_size sm_size_from_employees(long employees)
{
    if (employees < 0)
        return SM_SIZE_UNKNOWN;
    if (employees < 10)
        return SM_SIZE_MICRO;
    if (employees < 50)
        return SM_SIZE_SMALL;
    if (employees < 250)
        return SM_SIZE_MEDIUM;
    return SM_SIZE_LARGE;
}
