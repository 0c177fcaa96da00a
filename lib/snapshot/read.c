/* Reading a snapshot: the file is mapped, every offset, length and value is
 * checked before use, and the engine is rebuilt in the saved index order, so
 * it answers every query exactly as the saved one did. A damaged file is
 * refused with the section and offset of the first problem (format.h). */
#include "snapshot/reader.h"
#include "core/tables.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

const char *sm__snap_sec_name(uint32_t id)
{
    static const char *const names[] = { "?", "meta", "strings", "languages", "cooperation", "regions",
                                         "adjacency start", "adjacency", "sectors", "affinity", "tags",
                                         "columns", "pool", "history", "id map", "tag map",
                                         "history events", "history members", "history order" };
    if (id < sizeof names / sizeof *names)
        return names[id];
    return id >= SM__SEC_COLUMN0 ? "SME column" : "?";
}

/* A corrupt file: names the section and the file offset of the problem. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
sm_status sm__snap_bad(const reader *r, uint32_t id, uint64_t off, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char where[64];
    snprintf(where, sizeof where, "%llu", (unsigned long long)off);
    if (id)
        return sm__fail_at(SM_ERR_PARSE, r->name, 0, 0, sm__snap_sec_name(id), where,
                           "%s: snapshot section %u (%s) at offset %llu: %s; the file is damaged, save it again",
                           r->name, id, sm__snap_sec_name(id), (unsigned long long)off, msg);
    return sm__fail_at(SM_ERR_PARSE, r->name, 0, 0, "header", where,
                       "%s: snapshot header at offset %llu: %s; the file is damaged or not a snapshot", r->name,
                       (unsigned long long)off, msg);
}

static sm_status read_header(reader *r)
{
    if (r->len < SM__SNAP_HEADER)
        return sm__snap_bad(r, 0, r->len, "file of %zu bytes is shorter than the %u-byte header", r->len,
                            SM__SNAP_HEADER);
    const unsigned char *h = r->data;
    if (memcmp(h, SM__SNAP_MAGIC, 8) != 0)
        return sm__snap_bad(r, 0, 0, "no snapshot magic");
    uint16_t major, minor;
    memcpy(&major, h + 8, 2);
    memcpy(&minor, h + 10, 2);
    if (sm__snap_rd32(h + 12) != SM__SNAP_BOM)
        return sm__fail_at(SM_ERR_UNSUPPORTED, r->name, 0, 0, "header", NULL,
                           "%s: snapshot written on a machine of the other byte order; save it again on this one",
                           r->name);
    if (major > SM__SNAP_MAJOR)
        return sm__fail_at(SM_ERR_UNSUPPORTED, r->name, 0, 0, "header", NULL,
                           "%s: snapshot format %u.%u is newer than this library reads (%u.x); use a newer smartmatch "
                           "or save the snapshot again with this one",
                           r->name, major, minor, SM__SNAP_MAJOR);
    if (major < SM__SNAP_MAJOR)
        return sm__snap_bad(r, 0, 8, "format major %u is not known", major);
    if (XXH3_64bits(h, 48) != sm__snap_rd64(h + 48))
        return sm__snap_bad(r, 0, 48, "header checksum mismatch");
    uint32_t hsize = sm__snap_rd32(h + 16), n = sm__snap_rd32(h + 20);
    uint64_t toff = sm__snap_rd64(h + 24), fsize = sm__snap_rd64(h + 32);
    if (hsize != SM__SNAP_HEADER)
        return sm__snap_bad(r, 0, 16, "header size %u (expected %u)", hsize, SM__SNAP_HEADER);
    if (fsize != r->len)
        return sm__snap_bad(r, 0, 32, "the file has %zu bytes, the header says %llu (truncated?)", r->len,
                            (unsigned long long)fsize);
    if (toff < SM__SNAP_HEADER || toff > r->len || n > (r->len - toff) / SM__SNAP_ENTRY)
        return sm__snap_bad(r, 0, 24, "section table (%u entries at %llu) outside the file", n,
                            (unsigned long long)toff);
    const unsigned char *t = r->data + toff;
    if (XXH3_64bits(t, (size_t)n * SM__SNAP_ENTRY) != sm__snap_rd64(h + 40))
        return sm__snap_bad(r, 0, toff, "section table checksum mismatch");
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *e = t + (size_t)i * SM__SNAP_ENTRY;
        uint32_t id = sm__snap_rd32(e), elem = sm__snap_rd32(e + 4);
        uint64_t off = sm__snap_rd64(e + 8), len = sm__snap_rd64(e + 16), hash = sm__snap_rd64(e + 24);
        uint64_t at = toff + (uint64_t)i * SM__SNAP_ENTRY;
        if (off % SM__SNAP_ALIGN || off > r->len || len > r->len - off)
            return sm__snap_bad(r, id, at, "offset %llu, length %llu outside the %zu-byte file or not aligned",
                                (unsigned long long)off, (unsigned long long)len, r->len);
        if (elem && len % elem)
            return sm__snap_bad(r, id, off, "length %llu is not a multiple of %u", (unsigned long long)len, elem);
        if (id >= sizeof r->s / sizeof *r->s)
            continue; /* a later minor's section */
        if (r->s[id].present)
            return sm__snap_bad(r, id, at, "section listed twice");
        if (XXH3_64bits(r->data + off, (size_t)len) != hash)
            return sm__snap_bad(r, id, off, "checksum mismatch");
        r->s[id] = (sec){ r->data + off, off, len, true };
    }
    return SM_OK;
}

/* Section id, expecting exactly n elements of elem bytes. */
sm_status sm__snap_need(reader *r, uint32_t id, uint64_t n, size_t elem)
{
    const sec *s = &r->s[id];
    if (!s->present)
        return n ? sm__snap_bad(r, id, 0, "missing section") : SM_OK;
    if (n > UINT64_MAX / elem || s->len != n * elem)
        return sm__snap_bad(r, id, s->off, "%llu bytes, expected %llu entries of %zu", (unsigned long long)s->len,
                            (unsigned long long)n, elem);
    return SM_OK;
}

/* A string offset: STRINGS ends with NUL, so any offset inside is terminated. */
sm_status sm__snap_str_at(reader *r, uint32_t id, uint64_t at, uint64_t off, const char **out)
{
    if (off >= r->str_len)
        return sm__snap_bad(r, id, at, "string offset %llu past the %llu-byte string section", (unsigned long long)off,
                            (unsigned long long)r->str_len);
    *out = r->str + off;
    return SM_OK;
}

static sm_status read_langs_coop(reader *r, sm_engine *e)
{
    sm_status st;
    if (r->m.n_langs > SM_LANGUAGE_MAX)
        return sm__snap_bad(r, SM__SEC_META, r->s[SM__SEC_META].off, "%llu languages (at most %d)",
                            (unsigned long long)r->m.n_langs, SM_LANGUAGE_MAX);
    if ((st = sm__snap_need(r, SM__SEC_LANGS, r->m.n_langs, 4)))
        return st;
    for (unsigned i = 0; i < r->m.n_langs; i++) {
        const unsigned char *p = r->s[SM__SEC_LANGS].p + 4 * i;
        char code[4];
        memcpy(code, p, 4);
        uint64_t at = r->s[SM__SEC_LANGS].off + 4 * i;
        if (code[3] || sm__check_lang(code) != SM_OK)
            return sm__snap_bad(r, SM__SEC_LANGS, at, "malformed language code");
        for (const char *c = code; *c; c++)
            if (*c < 'a' || *c > 'z')
                return sm__snap_bad(r, SM__SEC_LANGS, at, "language code \"%s\" not in lower case", code);
        if (sm__lang_id(e, code, true) != (int)i)
            return sm__snap_bad(r, SM__SEC_LANGS, at, "language \"%s\" listed twice", code);
    }
    if (r->m.n_coop > SM__COOP_MAX || r->m.n_coop < e->n_coop)
        return sm__snap_bad(r, SM__SEC_META, r->s[SM__SEC_META].off, "%llu cooperation types (%u..%u)",
                            (unsigned long long)r->m.n_coop, e->n_coop, SM__COOP_MAX);
    if ((st = sm__snap_need(r, SM__SEC_COOP, r->m.n_coop, 4)))
        return st;
    unsigned builtin = e->n_coop;
    for (unsigned i = 0; i < r->m.n_coop; i++) {
        uint64_t at = r->s[SM__SEC_COOP].off + 4 * i;
        const char *name = NULL;
        if ((st = sm__snap_str_at(r, SM__SEC_COOP, at, sm__snap_rd32(r->s[SM__SEC_COOP].p + 4 * i), &name)))
            return st;
        if (i < builtin) {
            if (strcmp(name, e->coop_names[i]) != 0)
                return sm__snap_bad(r, SM__SEC_COOP, at, "built-in cooperation type %u is \"%.40s\", not \"%s\"", i,
                                    name, e->coop_names[i]);
            continue;
        }
        /* the rule of sm_cooperation_register(), which takes the lock we hold */
        size_t len = strlen(name);
        bool ok = len > 0 && len <= 32;
        for (size_t k = 0; ok && k < len; k++)
            ok = (name[k] >= 'a' && name[k] <= 'z') || (name[k] >= '0' && name[k] <= '9') || name[k] == '_';
        for (unsigned k = 0; ok && k < e->n_coop; k++)
            ok = strcmp(e->coop_names[k], name) != 0;
        if (!ok)
            return sm__snap_bad(r, SM__SEC_COOP, at, "invalid or repeated cooperation type name");
        char *copy = sm__arena_strdup(&e->arena, &e->alloc, name);
        if (!copy)
            return sm__nomem();
        e->coop_names[e->n_coop++] = copy;
    }
    return SM_OK;
}

/* Whether bits uses only the first n bit positions. */
static bool bits_ok(uint64_t bits, uint64_t n)
{
    return n >= 64 || (bits >> n) == 0;
}

static bool in_range(double v, double lo, double hi)
{
    return v >= lo && v <= hi;
}

static sm_status read_regions(reader *r, sm_engine *e)
{
    sm_status st;
    if (r->m.n_regions > SM__MAX_REGIONS)
        return sm__snap_bad(r, SM__SEC_META, r->s[SM__SEC_META].off, "%llu regions",
                            (unsigned long long)r->m.n_regions);
    if ((st = sm__snap_need(r, SM__SEC_REGIONS, r->m.n_regions, sizeof(sm__snap_region))))
        return st;
    for (size_t i = 0; i < r->m.n_regions; i++) {
        uint64_t at = r->s[SM__SEC_REGIONS].off + i * sizeof(sm__snap_region);
        sm__snap_region o;
        memcpy(&o, r->s[SM__SEC_REGIONS].p + i * sizeof o, sizeof o);
        sm_region_desc d = SM_REGION_DESC_INIT;
        if ((st = sm__snap_str_at(r, SM__SEC_REGIONS, at, o.code, &d.code)) ||
            (st = sm__snap_str_at(r, SM__SEC_REGIONS, at, o.name, &d.name)))
            return st;
        size_t nl = strlen(d.name);
        if (!sm__region_code_ok(d.code) || !nl || nl > SM_NAME_MAX || !sm__utf8_valid(d.name, nl) ||
            !in_range(o.lat, -90, 90) || !in_range(o.lon, -180, 180) ||
            !(isnan(o.development) || (isfinite(o.development) && o.development > 0)) ||
            !bits_ok(o.langs, r->m.n_langs))
            return sm__snap_bad(r, SM__SEC_REGIONS, at,
                                "region %zu: invalid code, name, point, development or languages", i);
        const char *langs[SM_LANGUAGE_MAX];
        size_t n = 0;
        for (unsigned b = 0; b < r->m.n_langs; b++)
            if (o.langs >> b & 1u)
                langs[n++] = e->langs[b];
        d.lat = o.lat;
        d.lon = o.lon;
        d.development = o.development;
        d.languages = langs;
        d.n_languages = n;
        if ((st = sm__region_put_locked(e, &d, false))) {
            if (st == SM_ERR_NOMEM)
                return st;
            return sm__snap_bad(r, SM__SEC_REGIONS, at, "region %zu (\"%s\"): %s", i, d.code, sm_error_last()->message);
        }
        const sm__region *got = e->n_regions == i + 1 ? e->regions[i] : NULL;
        if (!got || (got->parent == UINT16_MAX ? UINT32_MAX : got->parent) != o.parent || got->langs != o.langs)
            return sm__snap_bad(r, SM__SEC_REGIONS, at, "region %zu (\"%s\"): listed twice or parent out of order", i,
                                d.code);
    }
    /* adjacency (CSR) */
    uint64_t na = r->m.n_adj_regions;
    if (!r->s[SM__SEC_ADJ_START].present)
        return na ? sm__snap_bad(r, SM__SEC_ADJ_START, 0, "missing section") : SM_OK;
    if (na > r->m.n_regions)
        return sm__snap_bad(r, SM__SEC_META, r->s[SM__SEC_META].off, "adjacency over %llu of %llu regions",
                            (unsigned long long)na, (unsigned long long)r->m.n_regions);
    if ((st = sm__snap_need(r, SM__SEC_ADJ_START, na + 1, 4)))
        return st;
    const unsigned char *sp = r->s[SM__SEC_ADJ_START].p;
    uint64_t total = r->s[SM__SEC_ADJ].present ? r->s[SM__SEC_ADJ].len / 2 : 0;
    if (sm__snap_rd32(sp) != 0)
        return sm__snap_bad(r, SM__SEC_ADJ_START, r->s[SM__SEC_ADJ_START].off, "does not start at 0");
    for (uint64_t i = 0; i < na; i++)
        if (sm__snap_rd32(sp + 4 * i + 4) < sm__snap_rd32(sp + 4 * i))
            return sm__snap_bad(r, SM__SEC_ADJ_START, r->s[SM__SEC_ADJ_START].off + 4 * i + 4, "decreasing start");
    if (sm__snap_rd32(sp + 4 * na) != total || (total && (st = sm__snap_need(r, SM__SEC_ADJ, total, 2))))
        return st ? st : sm__snap_bad(r, SM__SEC_ADJ, r->s[SM__SEC_ADJ].off, "%llu entries, the starts end at %u",
                                      (unsigned long long)total, sm__snap_rd32(sp + 4 * na));
    uint32_t *start = sm__malloc(&e->alloc, (size_t)(na + 1) * sizeof *start);
    uint16_t *adj = sm__malloc(&e->alloc, total ? (size_t)total * sizeof *adj : 1);
    if (!start || !adj) {
        sm__free(&e->alloc, start);
        sm__free(&e->alloc, adj);
        return sm__nomem();
    }
    memcpy(start, sp, (size_t)(na + 1) * sizeof *start);
    if (total)
        memcpy(adj, r->s[SM__SEC_ADJ].p, (size_t)total * sizeof *adj);
    e->adj_start = start;
    e->adj = adj;
    e->n_adj_regions = (size_t)na;
    for (uint64_t i = 0; i < total; i++)
        if (adj[i] >= r->m.n_regions)
            return sm__snap_bad(r, SM__SEC_ADJ, r->s[SM__SEC_ADJ].off + 2 * i, "region index %u out of range", adj[i]);
    return SM_OK;
}

static sm_status read_sectors(reader *r, sm_engine *e)
{
    sm_status st;
    if (r->m.n_sectors > SM__MAX_SECTORS)
        return sm__snap_bad(r, SM__SEC_META, r->s[SM__SEC_META].off, "%llu sectors",
                            (unsigned long long)r->m.n_sectors);
    if ((st = sm__snap_need(r, SM__SEC_SECTORS, r->m.n_sectors, sizeof(sm__snap_sector))))
        return st;
    for (size_t i = 0; i < r->m.n_sectors; i++) {
        uint64_t at = r->s[SM__SEC_SECTORS].off + i * sizeof(sm__snap_sector);
        sm__snap_sector o;
        memcpy(&o, r->s[SM__SEC_SECTORS].p + i * sizeof o, sizeof o);
        const char *code = NULL, *name = NULL, *section = NULL;
        if ((st = sm__snap_str_at(r, SM__SEC_SECTORS, at, o.code, &code)) ||
            (st = sm__snap_str_at(r, SM__SEC_SECTORS, at, o.name, &name)))
            return st;
        if (o.parent != UINT32_MAX && o.parent >= i)
            return sm__snap_bad(r, SM__SEC_SECTORS, at, "sector %zu: parent %u not before it", i, o.parent);
        if (o.parent != UINT32_MAX)
            section = e->sectors[o.parent]->info.section;
        if (!sm__utf8_valid(name, strlen(name)))
            return sm__snap_bad(r, SM__SEC_SECTORS, at, "sector %zu: name not valid UTF-8", i);
        if ((st = sm__sector_put_locked(e, code, name, section, false))) {
            if (st == SM_ERR_NOMEM)
                return st;
            return sm__snap_bad(r, SM__SEC_SECTORS, at, "sector %zu: %s", i, sm_error_last()->message);
        }
        const sm__sector *got = e->n_sectors == i + 1 ? e->sectors[i] : NULL;
        if (!got || strcmp(got->info.code, code) != 0 ||
            (got->parent == UINT16_MAX ? UINT32_MAX : got->parent) != o.parent)
            return sm__snap_bad(r, SM__SEC_SECTORS, at,
                                "sector %zu (\"%s\"): not normalised, listed twice or wrong parent", i, code);
    }
    return SM_OK;
}

static sm_status read_affinity(reader *r, sm_engine *e)
{
    sm_status st;
    const size_t n = SM__AFF_KEYS * SM__AFF_KEYS;
    if ((r->m.flags & SM__SNAP_AFF_BUILTIN) && !r->s[SM__SEC_AFFINITY].present) {
        /* the file relies on the built-in table: it must be the same one */
        sm__snap_meta mine;
        sm__snap_builtin_hashes(&mine);
        if (mine.builtin_affinity_hash != r->m.builtin_affinity_hash)
            return sm__fail_at(SM_ERR_UNSUPPORTED, r->name, 0, 0, "affinity", NULL,
                               "%s: the snapshot uses the built-in sector affinity of another smartmatch version "
                               "(table hash %016llx, this library's %016llx); save it again with this version",
                               r->name, (unsigned long long)r->m.builtin_affinity_hash,
                               (unsigned long long)mine.builtin_affinity_hash);
        return SM_OK;
    }
    if ((st = sm__snap_need(r, SM__SEC_AFFINITY, n, 8)))
        return st;
    const unsigned char *p = r->s[SM__SEC_AFFINITY].p;
    bool same = true;
    for (size_t i = 0; i < n; i++) {
        double v;
        memcpy(&v, p + 8 * i, 8);
        if (!in_range(v, 0, 1))
            return sm__snap_bad(r, SM__SEC_AFFINITY, r->s[SM__SEC_AFFINITY].off + 8 * i, "value outside [0, 1]");
        same = same && v == (double)e->affinity[i];
    }
    /* the built-in table when it is the one saved, else the engine's copy */
    if ((r->m.flags & SM__SNAP_AFF_BUILTIN) && same)
        return SM_OK;
    if ((st = sm__affinity_own(e)))
        return st;
    for (size_t i = 0; i < n; i++) {
        double v;
        memcpy(&v, p + 8 * i, 8);
        e->affinity_own[i] = (__typeof__(e->affinity_own[0]))v;
    }
    return SM_OK;
}

static const char *tag_key(const void *ctx, uint32_t v)
{
    return ((const sm_engine *)ctx)->tags.str[v];
}

/* The bytes of section id for the engine to borrow; a section without
 * bytes lends the file's first byte, so that no borrowed pointer is the
 * end of the file (which another block could start at). */
static void *lend(const reader *r, uint32_t id)
{
    return r->s[id].len ? r->s[id].p : r->data;
}

/* A stored hash map (1.1): adopted when it holds exactly keys 0..n-1,
 * found where lookups probe (sm__hmap_check); else the caller builds it. */
static sm_status adopt_map(reader *r, uint32_t id, sm__hmap *m, size_t n, sm__key_fn key_of, const sm_engine *e,
                           const char *what)
{
    const sec *s = &r->s[id];
    size_t cap = (size_t)(s->len / 8);
    size_t wrong = s->len % 8 ? 0 : sm__hmap_check((const uint64_t *)lend(r, id), cap, n, key_of, e);
    if (wrong != SIZE_MAX)
        return sm__snap_bad(r, id, s->off,
                            "%zu slots for %zu %ss: %s %zu missing, listed twice or not where a lookup finds it", cap,
                            n, what, what, wrong);
    m->slots = lend(r, id);
    m->cap = cap;
    m->n = n;
    return SM_OK;
}

static sm_status read_tags(reader *r, sm_engine *e)
{
    sm_status st;
    uint64_t n = r->m.n_tags;
    if (n > SM__MAX_TAGS)
        return sm__snap_bad(r, SM__SEC_META, r->s[SM__SEC_META].off, "%llu tags", (unsigned long long)n);
    if ((st = sm__snap_need(r, SM__SEC_TAGS, n, sizeof(sm__snap_tag))))
        return st;
    if (!n)
        return SM_OK;
    sm__tags *t = &e->tags;
    t->str = sm__malloc(&e->alloc, (size_t)n * sizeof *t->str);
    t->df = sm__malloc(&e->alloc, (size_t)n * sizeof *t->df);
    t->disp = sm__malloc(&e->alloc, (size_t)n * sizeof *t->disp);
    bool stored = r->s[SM__SEC_TAG_MAP].present;
    if (!t->str || !t->df || !t->disp || (!stored && sm__hmap_reserve(&t->map, &e->alloc, (size_t)n, tag_key, e)))
        return sm__nomem();
    t->cap = (size_t)n;
    for (size_t i = 0; i < n; i++) {
        uint64_t at = r->s[SM__SEC_TAGS].off + i * sizeof(sm__snap_tag);
        sm__snap_tag o;
        memcpy(&o, r->s[SM__SEC_TAGS].p + i * sizeof o, sizeof o);
        const char *s = NULL;
        if ((st = sm__snap_str_at(r, SM__SEC_TAGS, at, o.str, &s)))
            return st;
        char norm[SM_TAG_MAX + 1];
        uint32_t dup;
        if (strlen(s) > SM_TAG_MAX || sm__tag_normalize(norm, s, "tag") != SM_OK || strcmp(norm, s) != 0)
            return sm__snap_bad(r, SM__SEC_TAGS, at, "tag %zu is not a normalised tag", i);
        if (!stored && sm__hmap_get(&t->map, s, tag_key, e, &dup))
            return sm__snap_bad(r, SM__SEC_TAGS, at, "tag \"%s\" listed twice", s);
        /* the display spelling: NFC text whose key is this tag's, not the key itself */
        char *shown = NULL;
        if (o.disp != UINT32_MAX) {
            const char *d = NULL;
            char buf[4 * SM_TAG_MAX + 1], key[SM_TAG_MAX + 1];
            if ((st = sm__snap_str_at(r, SM__SEC_TAGS, at, o.disp, &d)))
                return st;
            size_t dl = strlen(d);
            if (dl >= sizeof buf || sm__text_fold(buf, sizeof buf, d, dl, false) != (int)dl || strcmp(buf, d) != 0 ||
                sm__text_fold(key, sizeof key, d, dl, true) < 0 || strcmp(key, s) != 0 || strcmp(d, s) == 0)
                return sm__snap_bad(r, SM__SEC_TAGS, at, "tag %zu: spelling \"%.60s\" does not fold to \"%s\"", i, d,
                                    s);
            shown = (char *)d; /* borrowed from the file, like every engine string of it */
        }
        t->str[i] = (char *)s;
        t->disp[i] = shown;
        t->df[i] = o.df;
        t->n = i + 1;
        if (!stored)
            sm__hmap_insert(&t->map, s, (uint32_t)i);
    }
    return stored ? adopt_map(r, SM__SEC_TAG_MAP, &t->map, (size_t)n, tag_key, e, "tag") : SM_OK;
}

/* Whether s[0..n) is ASCII, which is valid UTF-8: most ids and names are,
 * and this is much cheaper than the full check. Sets *ctl when a byte is a
 * control character (below 0x20, or 0x7f). Eight bytes at a time: for bytes
 * below 0x80, (w - 0x20..) & ~w has the high bit of each byte below 0x20,
 * and the same on w ^ 0x7f.. marks bytes equal to 0x7f. */
static bool ascii(const char *s, size_t n, bool *ctl)
{
    const uint64_t hi = 0x8080808080808080ull, lo = 0x0101010101010101ull;
    uint64_t any = 0, low = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, x;
        memcpy(&w, s + i, 8);
        x = w ^ (0x7f * lo);
        any |= w;
        low |= ((w - 0x20 * lo) & ~w) | ((x - lo) & ~x);
    }
    unsigned char tail = 0;
    bool c = false;
    for (; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        tail |= b;
        c = c || b < 0x20 || b == 0x7f;
    }
    if ((any & hi) || tail >= 0x80)
        return false; /* the word test is exact only for ASCII; callers check UTF-8 and control bytes again */
    *ctl = c || (low & hi) != 0;
    return true;
}

/* Whether s[0..n) has a control character (below 0x20, or 0x7f). */
static bool has_ctl(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

/* Whether a SME id of n bytes follows the rules of sm_sme_put(). */
static bool id_ok(const char *id, size_t n)
{
    if (n == 0 || n > SM_ID_MAX)
        return false;
    bool ctl = false;
    if (ascii(id, n, &ctl))
        return !ctl;
    return !has_ctl(id, n) && sm__utf8_valid(id, n);
}

/* Whether a name of n bytes is valid UTF-8. */
static bool name_ok(const char *name, size_t n)
{
    bool ctl;
    return n <= SM_NAME_MAX && (ascii(name, n, &ctl) || sm__utf8_valid(name, n));
}

static const char *id_key(const void *ctx, uint32_t v)
{
    return sm__sme_id(ctx, v);
}

/* A list of tag ids: strictly ascending, known; its signature. */
static bool tags_ok(const uint32_t *t, size_t n, uint64_t n_tags, uint64_t *sig)
{
    *sig = 0;
    for (size_t k = 0; k < n; k++) {
        if (t[k] >= n_tags || (k && t[k] <= t[k - 1]))
            return false;
        *sig |= sm__tag_sig(t[k]);
    }
    return true;
}

/* Checks SME i's values; list offsets are already known to be consecutive. */
static sm_status sme_check(reader *r, sm_engine *e, size_t i, uint32_t *df)
{
    const sm__smes *s = &e->smes;
    uint64_t at = r->s[SM__SEC_COLUMN0].present ? r->s[SM__SEC_COLUMN0].off + 8 * i : 0;
    if (s->region[i] >= e->n_regions || s->sector[i] >= e->n_sectors || s->size[i] > SM_SIZE_LARGE ||
        s->employees[i] < -1 || s->employees[i] > 100000000 ||
        (s->founded[i] != 0 && (s->founded[i] < 1000 || s->founded[i] > 2100)) || !bits_ok(s->coop[i], e->n_coop) ||
        !bits_ok(s->langs[i], e->n_langs))
        return sm__snap_bad(r, SM__SEC_COLUMN0, at, "SME %zu: region, sector, size, employees, founded, cooperation or "
                                           "languages out of range", i);
    if (!s->pool && (s->n_secondary[i] || s->n_offers[i] || s->n_needs[i]))
        return sm__snap_bad(r, SM__SEC_POOL, r->s[SM__SEC_POOL].off, "SME %zu: lists but no list pool", i);
    static const uint32_t none[1] = { 0 }; /* an empty pool: every list is empty */
    const uint32_t *sec = s->pool ? sm__sme_secondary(e, i) : none;
    for (size_t k = 0; k < s->n_secondary[i]; k++)
        if (sec[k] >= e->n_sectors)
            return sm__snap_bad(r, SM__SEC_POOL, r->s[SM__SEC_POOL].off + 4 * (s->list_off[i] + k),
                                "SME %zu: secondary sector %u out of range", i, sec[k]);
    uint64_t so, sn;
    const uint32_t *off = s->pool ? sm__sme_offers(e, i) : none, *nd = s->pool ? sm__sme_needs(e, i) : none;
    if (!tags_ok(off, s->n_offers[i], e->tags.n, &so) || !tags_ok(nd, s->n_needs[i], e->tags.n, &sn) ||
        so != s->offer_sig[i] || sn != s->need_sig[i])
        return sm__snap_bad(r, SM__SEC_POOL, r->s[SM__SEC_POOL].off + 4 * (uint64_t)s->list_off[i],
                            "SME %zu: offers or needs not ascending known tags, or signatures wrong", i);
    /* df counts an SME once per tag in offers or needs */
    size_t a = 0, b = 0;
    while (a < s->n_offers[i] || b < s->n_needs[i]) {
        uint32_t t;
        if (b >= s->n_needs[i] || (a < s->n_offers[i] && off[a] < nd[b]))
            t = off[a++];
        else if (a >= s->n_offers[i] || nd[b] < off[a])
            t = nd[b++];
        else {
            t = off[a++];
            b++;
        }
        df[t]++;
    }
    return SM_OK;
}

static sm_status read_smes(reader *r, sm_engine *e)
{
    sm_status st;
    sm__smes *s = &e->smes;
    uint64_t n = r->m.n_smes, pool = r->m.pool_len;
    if (n > SM__MAX_SMES || pool > UINT32_MAX)
        return sm__snap_bad(r, SM__SEC_META, r->s[SM__SEC_META].off, "%llu SMEs, %llu list entries",
                            (unsigned long long)n, (unsigned long long)pool);
    if ((st = sm__snap_need(r, SM__SEC_POOL, pool, 4)))
        return st;
    struct { const char *name; uint32_t size; } cols[] = {
#define SM__X(type, name) { #name, (uint32_t)sizeof(type) },
        SM__SME_COLUMNS(SM__X)
#undef SM__X
    };
    size_t n_cols = sizeof cols / sizeof *cols;
    const sec *dir = &r->s[SM__SEC_COLUMNS];
    if (!dir->present)
        return sm__snap_bad(r, SM__SEC_COLUMNS, 0, "missing section");
    if (dir->len % sizeof(sm__snap_column))
        return sm__snap_bad(r, SM__SEC_COLUMNS, dir->off, "length %llu", (unsigned long long)dir->len);
    /* every column's section is checked before anything is allocated for
     * n SMEs: n comes from META, the sizes from the sections */
    const sec *col_sec[sizeof cols / sizeof *cols];
    const sec *cold = NULL;
    for (size_t c = 0; c < n_cols; c++) {
        const sm__snap_column *found = NULL;
        for (size_t k = 0; k < dir->len / sizeof *found && !found; k++) {
            const sm__snap_column *d = (const sm__snap_column *)(dir->p + k * sizeof *d);
            if (strncmp(d->name, cols[c].name, sizeof d->name) == 0)
                found = d;
        }
        if (!found)
            return sm__snap_bad(r, SM__SEC_COLUMNS, dir->off, "no SME column \"%s\"", cols[c].name);
        uint32_t id = found->section;
        bool is_cold = strcmp(cols[c].name, "cold") == 0;
        uint32_t want = is_cold ? 8 : cols[c].size;
        if (id >= sizeof r->s / sizeof *r->s || id < SM__SEC_COLUMN0 || found->elem_size != want)
            return sm__snap_bad(r, SM__SEC_COLUMNS, dir->off,
                                "column \"%s\": section %u, %u bytes per SME (expected %u)", cols[c].name, id,
                                found->elem_size, want);
        if ((st = sm__snap_need(r, id, n, want)))
            return st;
        col_sec[c] = &r->s[id];
        if (is_cold)
            cold = &r->s[id];
    }
    /* The engine borrows the columns and the pool from the file at
     * capacity n: the first SME added copies them out (adopt.c). Only the
     * id pointers are made here, one array for all. */
    if (!(s->cold = sm__malloc(&e->alloc, n ? (size_t)n * sizeof *s->cold : 1)))
        return sm__nomem();
    {
        void **ptrs[] = {
#define SM__X(type, name) (void **)&s->name,
            SM__SME_COLUMNS(SM__X)
#undef SM__X
        };
        for (size_t c = 0; c < n_cols; c++)
            if (col_sec[c] != cold)
                *ptrs[c] = lend(r, (uint32_t)(col_sec[c] - r->s));
    }
    s->cap = (size_t)n;
    s->pool = lend(r, SM__SEC_POOL);
    s->pool_cap = (size_t)pool;
    /* lists: consecutive from 0, ending at the pool's end */
    uint64_t next = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->list_off[i] != next)
            return sm__snap_bad(r, SM__SEC_COLUMNS, dir->off, "SME %zu: list offset %u, expected %llu", i,
                                s->list_off[i], (unsigned long long)next);
        next += (uint64_t)s->n_secondary[i] + s->n_offers[i] + s->n_needs[i];
        if (next > pool)
            return sm__snap_bad(r, SM__SEC_POOL, r->s[SM__SEC_POOL].off, "SME %zu: lists past the pool's %llu entries",
                                i, (unsigned long long)pool);
    }
    if (next != pool)
        return sm__snap_bad(r, SM__SEC_POOL, r->s[SM__SEC_POOL].off, "%llu entries, the SMEs use %llu",
                            (unsigned long long)pool, (unsigned long long)next);
    s->pool_len = (size_t)pool;
    uint32_t *df = sm__calloc(&e->alloc, e->tags.n ? e->tags.n : 1, sizeof *df);
    if (!df)
        return sm__nomem();
    for (size_t i = 0; i < n && !st; i++)
        st = sme_check(r, e, i, df);
    for (size_t t = 0; t < e->tags.n && !st; t++)
        if (df[t] != e->tags.df[t])
            st = sm__snap_bad(r, SM__SEC_TAGS, r->s[SM__SEC_TAGS].off + t * sizeof(sm__snap_tag),
                              "tag %zu: df %u, the SMEs list it %u times", t, e->tags.df[t], df[t]);
    sm__free(&e->alloc, df);
    if (st)
        return st;
    /* the ids and names, "id\0name\0" in STRINGS as sm_sme_put() makes them:
     * STRINGS is lent as the engine's text, with the other strings counted
     * as its garbage */
    if (r->str_len > UINT32_MAX)
        return sm__snap_bad(r, SM__SEC_STRINGS, r->s[SM__SEC_STRINGS].off, "%llu bytes (at most 4 GiB)",
                            (unsigned long long)r->str_len);
    s->text = (char *)r->str;
    s->text_len = s->text_cap = (size_t)r->str_len;
    s->text_garbage = s->text_len;
    bool stored = r->s[SM__SEC_ID_MAP].present;
    if (!stored && sm__hmap_reserve(&s->by_id, &e->alloc, (size_t)n, id_key, e))
        return sm__nomem();
    for (size_t i = 0; i < n; i++) {
        uint64_t at = cold->off + 8 * i;
        const char *id = NULL, *name = NULL;
        if ((st = sm__snap_str_at(r, SM__SEC_COLUMN0, at, sm__snap_rd64(cold->p + 8 * i), &id)))
            return st;
        size_t il = strlen(id);
        uint64_t name_off = sm__snap_rd64(cold->p + 8 * i) + il + 1;
        if ((st = sm__snap_str_at(r, SM__SEC_COLUMN0, at, name_off, &name)))
            return st;
        size_t nl = strlen(name);
        if (!id_ok(id, il) || !name_ok(name, nl))
            return sm__snap_bad(r, SM__SEC_COLUMN0, at, "SME %zu: invalid id or name", i);
        if (il + nl + 2 > s->text_garbage)
            return sm__snap_bad(r, SM__SEC_COLUMN0, at, "SME %zu: ids and names overlap", i);
        s->cold[i] = (uint32_t)(id - r->str);
        s->text_garbage -= il + nl + 2;
        s->n = i + 1;
        if (!stored && !sm__hmap_insert_new(&s->by_id, id, (uint32_t)i, id_key, e))
            return sm__snap_bad(r, SM__SEC_COLUMN0, at, "SME id \"%s\" listed twice", id);
    }
    return stored ? adopt_map(r, SM__SEC_ID_MAP, &s->by_id, (size_t)n, id_key, e, "SME") : SM_OK;
}

/* Reads data[0..len), which o owns, into a new engine that borrows from it. */
static sm_status read_owned(sm_engine **out, sm__snap_owner *o, unsigned char *data, size_t len, const char *name,
                            const sm__alloc *inner)
{
    reader *r;
    sm__alloc a = *inner, lent;
    sm__snap_owner_alloc(o, &lent);
    if (!(r = sm__calloc(&a, 1, sizeof *r)))
        return sm__nomem();
    r->data = data;
    r->len = len;
    r->name = name;
    sm_engine *e = NULL;
    sm_status st = read_header(r);
    if (!st && (st = sm__snap_need(r, SM__SEC_META, 1, sizeof r->m)) == SM_OK)
        memcpy(&r->m, r->s[SM__SEC_META].p, sizeof r->m);
    if (!st && !r->s[SM__SEC_STRINGS].present)
        st = sm__snap_bad(r, SM__SEC_STRINGS, 0, "missing section");
    if (!st) {
        const sec *s = &r->s[SM__SEC_STRINGS];
        r->str = (const char *)s->p;
        r->str_len = s->len;
        if (!s->len || s->p[s->len - 1] != '\0')
            st = sm__snap_bad(r, SM__SEC_STRINGS, s->off + s->len, "does not end with a NUL byte");
    }
    if (!st) {
        sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
        o.taxonomies = SM_TAXONOMY_NONE;
        o.allocator = &lent;
        st = sm_engine_new(&e, &o);
    }
    if (!st) {
        sm__wrlock(e);
        if (!(st = read_langs_coop(r, e)) && !(st = read_regions(r, e)) && !(st = read_sectors(r, e)) &&
            !(st = read_affinity(r, e)) && !(st = read_tags(r, e)))
            if (!(st = read_smes(r, e)))
                st = sm__snap_read_history(r, e);
        sm__unlock(e);
    }
    if (st) {
        sm_engine_free(e);
    } else {
        e->generation++;
        *out = e;
    }
    sm__free(&a, r);
    return st;
}

static sm_status check_allocator(const sm_allocator *allocator)
{
    if (allocator && (!allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn))
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot: the allocator needs malloc_fn, realloc_fn and free_fn");
    return SM_OK;
}

/* The bytes are copied once, into a block the engine borrows from. */
sm_status sm__snapshot_read_buffer(sm_engine **out, const void *data, size_t len, const char *name,
                                   const sm_allocator *allocator)
{
    sm_status st = check_allocator(allocator);
    if (st)
        return st;
    sm__alloc a = allocator ? *allocator : sm__default_alloc;
    unsigned char *copy = sm__malloc(&a, len ? len : 1);
    sm__snap_owner *o = NULL;
    if (!copy)
        return sm__nomem();
    if ((st = sm__snap_owner_new(&o, &a, copy, len, false))) {
        sm__free(&a, copy);
        return st;
    }
    if (len)
        memcpy(copy, data, len);
    st = read_owned(out, o, copy, len, name, &a);
    sm__snap_owner_drop(o);
    return st;
}

sm_status sm_snapshot_options_init(sm_snapshot_options *opts, unsigned int version)
{
    if (!opts)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot options: NULL pointer");
    if (version != SM_SNAPSHOT_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot options: unknown version %u", version);
    sm_snapshot_options d = SM_SNAPSHOT_OPTIONS_INIT;
    *opts = d;
    return SM_OK;
}

/* Maps the file, private: writable for a loaded engine, whose stores the
 * kernel copies page by page, never reaching the file; read-only for a
 * look at the header. The pages are read in at once (every section is
 * checksummed), with the mapping still read-only: populating a writable
 * private mapping would copy every page, where a read-only one shares the
 * page cache (with other processes opening the same file, too); write
 * access is added afterwards and a page is copied on its first store.
 * Empty files cannot be mapped and are refused by the header check on an
 * empty buffer. */
static sm_status map_file(const char *path, const void **data, size_t *len, bool writable)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot open snapshot: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: not a regular file", path);
    }
    *len = (size_t)sb.st_size;
    *data = "";
    if (sb.st_size > 0) {
#if defined(MAP_POPULATE)
        int populate = writable ? MAP_POPULATE : 0;
#else
        int populate = 0;
#endif
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | populate, fd, 0);
        if (p != MAP_FAILED && writable && mprotect(p, (size_t)sb.st_size, PROT_READ | PROT_WRITE) != 0) {
            munmap(p, (size_t)sb.st_size);
            p = MAP_FAILED;
        }
        if (p == MAP_FAILED) {
            close(fd);
            return sm__fail_at(SM_ERR_IO, path, 0, 0, NULL, NULL, "%s: cannot map snapshot: %s", path,
                               strerror(errno));
        }
        posix_madvise(p, (size_t)sb.st_size, POSIX_MADV_WILLNEED);
        *data = p;
    }
    close(fd);
    return SM_OK;
}

sm_status sm_snapshot_load(sm_engine **out, const char *path, const sm_snapshot_options *opts)
{
    if (!out || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot: NULL argument");
    if (opts && opts->version != SM_SNAPSHOT_OPTIONS_VERSION)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot options: unknown version %u", opts->version);
    const sm_allocator *allocator = opts ? opts->allocator : NULL;
    const void *data;
    size_t len;
    sm_status st = check_allocator(allocator);
    if (st || (st = map_file(path, &data, &len, true)))
        return st;
    if (!len)
        return sm__snapshot_read_buffer(out, data, len, path, allocator);
    sm__alloc a = allocator ? *allocator : sm__default_alloc;
    sm__snap_owner *o = NULL;
    if ((st = sm__snap_owner_new(&o, &a, (void *)data, len, true))) {
        munmap((void *)data, len);
        return st;
    }
    st = read_owned(out, o, (unsigned char *)data, len, path, &a);
    sm__snap_owner_drop(o); /* the engine, if any, keeps the mapping */
    return st;
}

sm_status sm_snapshot_content_hash(uint64_t *out, const char *path)
{
    if (!out || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot: NULL argument");
    const void *data;
    size_t len;
    sm_status st = map_file(path, &data, &len, false);
    if (st)
        return st;
    static const reader zero;
    reader r = zero; /* about 8 KiB: no allocation, so this cannot fail for memory */
    r.data = (unsigned char *)data; /* read only here */
    r.len = len;
    r.name = path;
    if (!(st = read_header(&r)))
        *out = sm__snap_rd64(r.data + 40);
    if (len)
        munmap((void *)data, len);
    return st;
}
