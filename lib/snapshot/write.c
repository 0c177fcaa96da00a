/* Writing a snapshot: the engine's primary data into a temporary file in the
 * target's directory, fsync, rename over the target, fsync the directory, so
 * a crash at any point leaves the old file or the new one (format.h). */
#define XXH_STATIC_LINKING_ONLY
#include "snapshot/format.h"
#include "core/history.h"
#include "core/tables.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

void (*sm__snapshot_write_hook)(unsigned long n);

#define MAX_SECTIONS 64
#define BUF_SIZE (1u << 20)

typedef struct entry {
    uint32_t id, elem;
    uint64_t off, len, hash;
} entry;

typedef struct writer {
    const sm__alloc *a;
    int fd;
    const char *tmp;
    unsigned long ops;  /* system calls made, for the test hook */
    sm_status st;       /* first failure */
    uint64_t off;       /* file offset of buf[0] + used */
    unsigned char *buf; /* BUF_SIZE bytes */
    size_t used;
    XXH3_state_t xs;
    entry sec[MAX_SECTIONS];
    size_t n_sec;
    char *str;          /* the STRINGS section, built in memory */
    size_t str_len, str_cap;
} writer;

static void hook(writer *w)
{
    if (sm__snapshot_write_hook)
        sm__snapshot_write_hook(w->ops);
    w->ops++;
}

static sm_status io_fail(writer *w, const char *what)
{
    if (!w->st)
        w->st = sm__fail_at(SM_ERR_IO, w->tmp, 0, 0, NULL, NULL, "snapshot: cannot %s \"%s\": %s", what, w->tmp,
                            strerror(errno));
    return w->st;
}

static void flush(writer *w)
{
    size_t done = 0;
    while (!w->st && done < w->used) {
        hook(w);
        ssize_t k = write(w->fd, w->buf + done, w->used - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            io_fail(w, "write");
            break;
        }
        done += (size_t)k;
    }
    w->used = 0;
}

static void put(writer *w, const void *p, size_t n)
{
    const unsigned char *c = p;
    XXH3_64bits_update(&w->xs, p, n);
    w->off += n;
    while (n && !w->st) {
        size_t k = BUF_SIZE - w->used < n ? BUF_SIZE - w->used : n;
        memcpy(w->buf + w->used, c, k);
        w->used += k;
        c += k;
        n -= k;
        if (w->used == BUF_SIZE)
            flush(w);
    }
}

static void pad(writer *w)
{
    static const unsigned char zeros[SM__SNAP_ALIGN];
    size_t k = (size_t)(-w->off & (SM__SNAP_ALIGN - 1));
    if (k)
        put(w, zeros, k);
}

static void begin(writer *w, uint32_t id, uint32_t elem)
{
    pad(w);
    entry *s = &w->sec[w->n_sec++];
    s->id = id;
    s->elem = elem;
    s->off = w->off;
    XXH3_64bits_reset(&w->xs);
}

static void end(writer *w)
{
    entry *s = &w->sec[w->n_sec - 1];
    s->len = w->off - s->off;
    s->hash = XXH3_64bits_digest(&w->xs);
}

static void section(writer *w, uint32_t id, uint32_t elem, const void *p, size_t len)
{
    begin(w, id, elem);
    if (len)
        put(w, p, len);
    end(w);
}

/* Appends a string to STRINGS; returns its offset. */
static uint64_t str_add(writer *w, const char *s)
{
    size_t n = strlen(s) + 1;
    if (w->st)
        return 0;
    if (w->str_len + n > w->str_cap) {
        if (sm__grow(w->a, (void **)&w->str, &w->str_cap, w->str_len + n, 1)) {
            w->st = SM_ERR_NOMEM;
            return 0;
        }
    }
    memcpy(w->str + w->str_len, s, n);
    w->str_len += n;
    return w->str_len - n;
}

static uint32_t str32(writer *w, const char *s)
{
    uint64_t o = str_add(w, s);
    if (o > UINT32_MAX && !w->st)
        w->st = sm__fail(SM_ERR_LIMIT, "snapshot: taxonomy and tag strings exceed 4 GiB");
    return (uint32_t)o;
}

static uint64_t hash_regions(void)
{
    XXH3_state_t s;
    XXH3_64bits_reset(&s);
    for (size_t i = 0; i < sm__region_table_len; i++) {
        const sm__region_row *r = &sm__region_table[i];
        XXH3_64bits_update(&s, r->code, strlen(r->code) + 1);
        XXH3_64bits_update(&s, r->name, strlen(r->name) + 1);
        XXH3_64bits_update(&s, &r->lat, sizeof r->lat);
        XXH3_64bits_update(&s, &r->lon, sizeof r->lon);
        if (r->languages)
            XXH3_64bits_update(&s, r->languages, strlen(r->languages) + 1);
    }
    XXH3_64bits_update(&s, sm__adjacency_table, sm__adjacency_table_len * sizeof *sm__adjacency_table);
    return XXH3_64bits_digest(&s);
}

void sm__snap_builtin_hashes(sm__snap_meta *m)
{
    m->builtin_regions = sm__region_table_len;
    m->builtin_regions_hash = hash_regions();
    XXH3_state_t s;
    XXH3_64bits_reset(&s);
    for (size_t i = 0; i < sm__sector_table_len; i++) {
        XXH3_64bits_update(&s, sm__sector_table[i].code, strlen(sm__sector_table[i].code) + 1);
        XXH3_64bits_update(&s, sm__sector_table[i].name, strlen(sm__sector_table[i].name) + 1);
    }
    m->builtin_sectors = sm__sector_table_len;
    m->builtin_sectors_hash = XXH3_64bits_digest(&s);
    m->builtin_affinity_hash = XXH3_64bits(sm__affinity_table, sizeof sm__affinity_table);
}

static const char *tag_key(const void *ctx, uint32_t v)
{
    return ((const sm_engine *)ctx)->tags.str[v];
}

static const char *id_key(const void *ctx, uint32_t v)
{
    return sm__sme_id(ctx, v);
}

/* A hash map of keys key_of(ctx, 0..n-1) as a reader adopts it: built
 * afresh in index order, so that the bytes depend on the keys only (equal
 * engines make equal files, whatever changes made them). */
static void write_map(writer *w, uint32_t id, size_t n, sm__key_fn key_of, const void *ctx)
{
    sm__hmap m = { 0 };
    if (w->st)
        return;
    if (sm__hmap_reserve(&m, w->a, n, key_of, ctx)) {
        w->st = SM_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i++)
        sm__hmap_insert(&m, key_of(ctx, (uint32_t)i), (uint32_t)i);
    section(w, id, 8, m.slots, m.cap * sizeof *m.slots);
    sm__hmap_free(&m, w->a);
}

static void write_taxonomies(writer *w, const sm_engine *e)
{
    uint32_t coop[SM__COOP_MAX];
    for (unsigned i = 0; i < e->n_coop; i++)
        coop[i] = str32(w, e->coop_names[i]);
    section(w, SM__SEC_LANGS, 4, e->langs, (size_t)e->n_langs * 4);
    section(w, SM__SEC_COOP, 4, coop, (size_t)e->n_coop * 4);

    begin(w, SM__SEC_REGIONS, sizeof(sm__snap_region));
    for (size_t i = 0; i < e->n_regions; i++) {
        const sm__region *r = e->regions[i];
        sm__snap_region o = { 0 };
        o.code = str32(w, r->info.code);
        o.name = str32(w, r->info.name);
        o.parent = r->parent == UINT16_MAX ? UINT32_MAX : r->parent;
        o.langs = r->langs;
        o.lat = r->info.lat;
        o.lon = r->info.lon;
        o.development = r->info.development;
        put(w, &o, sizeof o);
    }
    end(w);
    if (e->adj_start) {
        section(w, SM__SEC_ADJ_START, 4, e->adj_start, (e->n_adj_regions + 1) * sizeof *e->adj_start);
        section(w, SM__SEC_ADJ, 2, e->adj, e->adj_start[e->n_adj_regions] * sizeof *e->adj);
    }
    begin(w, SM__SEC_SECTORS, sizeof(sm__snap_sector));
    for (size_t i = 0; i < e->n_sectors; i++) {
        const sm__sector *s = e->sectors[i];
        sm__snap_sector o = { 0 };
        o.code = str32(w, s->info.code);
        o.name = str32(w, s->info.name);
        o.parent = s->parent == UINT16_MAX ? UINT32_MAX : s->parent;
        put(w, &o, sizeof o);
    }
    end(w);
    /* the built-in table is named by its hash in META, not copied */
    if (e->affinity_own) {
        begin(w, SM__SEC_AFFINITY, 8);
        for (size_t i = 0; i < SM__AFF_KEYS * SM__AFF_KEYS; i++) {
            double v = e->affinity[i];
            put(w, &v, sizeof v);
        }
        end(w);
    }
    begin(w, SM__SEC_TAGS, sizeof(sm__snap_tag));
    for (size_t i = 0; i < e->tags.n; i++) {
        const char *d = e->tags.disp ? e->tags.disp[i] : NULL;
        sm__snap_tag t = { str32(w, e->tags.str[i]), e->tags.df[i], d ? str32(w, d) : UINT32_MAX, 0 };
        put(w, &t, sizeof t);
    }
    end(w);
    write_map(w, SM__SEC_TAG_MAP, e->tags.n, tag_key, e);
}

static size_t list_len(const sm__smes *s, size_t i)
{
    return (size_t)s->n_secondary[i] + s->n_offers[i] + s->n_needs[i];
}

static void write_smes(writer *w, const sm_engine *e)
{
    const sm__smes *s = &e->smes;
    struct { const char *name; uint32_t size; const void *p; } cols[] = {
#define SM__X(type, name) { #name, (uint32_t)sizeof(type), s->name },
        SM__SME_COLUMNS(SM__X)
#undef SM__X
    };
    size_t n_cols = sizeof cols / sizeof *cols;
    sm__snap_column dir[sizeof cols / sizeof *cols];
    memset(dir, 0, sizeof dir);
    for (size_t c = 0; c < n_cols && !w->st; c++) {
        snprintf(dir[c].name, sizeof dir[c].name, "%s", cols[c].name);
        dir[c].section = SM__SEC_COLUMN0 + (uint32_t)c;
        if (strcmp(cols[c].name, "cold") == 0) {
            dir[c].elem_size = 8;
            begin(w, dir[c].section, 8);
            for (size_t i = 0; i < s->n; i++) {
                uint64_t o = str_add(w, sm__sme_id(e, i));
                str_add(w, sm__sme_name(e, i));
                put(w, &o, sizeof o);
            }
            end(w);
        } else if (strcmp(cols[c].name, "list_off") == 0) {
            dir[c].elem_size = 4;
            begin(w, dir[c].section, 4);
            uint32_t o = 0;
            for (size_t i = 0; i < s->n; i++) {
                put(w, &o, sizeof o);
                o += (uint32_t)list_len(s, i);
            }
            end(w);
        } else {
            dir[c].elem_size = cols[c].size;
            section(w, dir[c].section, cols[c].size, cols[c].p, s->n * cols[c].size);
        }
    }
    section(w, SM__SEC_COLUMNS, sizeof(sm__snap_column), dir, sizeof dir);
    begin(w, SM__SEC_POOL, 4);
    for (size_t i = 0; i < s->n; i++)
        put(w, s->pool + s->list_off[i], list_len(s, i) * sizeof *s->pool);
    end(w);
    write_map(w, SM__SEC_ID_MAP, s->n, id_key, e);
}

/* The cooperation history, when the engine has one (format.h). */
static void write_history(writer *w, const sm_engine *e)
{
    const sm__history *h = e->history;
    if (!h || w->st)
        return;
    sm__snap_history hd;
    memset(&hd, 0, sizeof hd);
    hd.n_events = h->n_ev;
    hd.n_members = h->n_pool;
    hd.half_life = h->half_life;
    hd.ref_day = h->ref_day;
    hd.n_kinds = h->n_kinds;
    for (unsigned k = 0; k < h->n_kinds; k++)
        hd.kinds[k] = str32(w, h->kinds[k]);
    size_t n_adj = h->n_adj < e->smes.n ? h->n_adj : e->smes.n; /* later entries are empty */
    for (size_t i = 0; i < n_adj; i++)
        hd.n_order += h->adj[i].n;
    section(w, SM__SEC_HISTORY, sizeof hd, &hd, sizeof hd);
    begin(w, SM__SEC_HIST_EVENTS, sizeof(sm__snap_event));
    for (size_t i = 0; i < h->n_ev; i++) {
        sm__snap_event ev = { h->ev[i].day, h->ev[i].kind, 0, h->ev[i].off, h->ev[i].n };
        put(w, &ev, sizeof ev);
    }
    end(w);
    section(w, SM__SEC_HIST_MEMBERS, 4, h->pool, h->n_pool * sizeof *h->pool);
    begin(w, SM__SEC_HIST_ORDER, 4);
    for (size_t i = 0; i < n_adj; i++)
        for (uint32_t j = 0; j < h->adj[i].n; j++)
            put(w, &h->adj[i].e[j].other, 4);
    end(w);
}

static void pwrite_all(writer *w, const void *p, size_t n, uint64_t off)
{
    const unsigned char *c = p;
    while (n && !w->st) {
        hook(w);
        ssize_t k = pwrite(w->fd, c, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            io_fail(w, "write");
            return;
        }
        c += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
}

/* Everything after the header and table, then those two. */
static void write_file(writer *w, const sm_engine *e)
{
    size_t table = ((MAX_SECTIONS * SM__SNAP_ENTRY) + SM__SNAP_ALIGN - 1) & ~(size_t)(SM__SNAP_ALIGN - 1);
    /* the header and table are written last, in place; reserve them */
    w->off = SM__SNAP_HEADER + table;
    if (lseek(w->fd, (off_t)w->off, SEEK_SET) < 0) {
        io_fail(w, "seek in");
        return;
    }
    sm__snap_meta m;
    memset(&m, 0, sizeof m);
    m.n_regions = e->n_regions;
    m.n_sectors = e->n_sectors;
    m.n_tags = e->tags.n;
    m.n_smes = e->smes.n;
    m.n_langs = e->n_langs;
    m.n_coop = e->n_coop;
    m.n_adj_regions = e->adj_start ? e->n_adj_regions : 0;
    for (size_t i = 0; i < e->smes.n; i++)
        m.pool_len += list_len(&e->smes, i);
    m.flags = e->affinity_own ? 0 : SM__SNAP_AFF_BUILTIN;
    m.library_version = SM_VERSION_MAJOR << 16 | SM_VERSION_MINOR << 8 | SM_VERSION_PATCH;
    sm__snap_builtin_hashes(&m);
    section(w, SM__SEC_META, sizeof m, &m, sizeof m);
    write_taxonomies(w, e);
    write_smes(w, e);
    write_history(w, e);
    if (w->st)
        return;
    section(w, SM__SEC_STRINGS, 0, w->str ? w->str : "", w->str ? w->str_len : 1);
    pad(w);
    flush(w);
    if (w->st)
        return;

    unsigned char head[SM__SNAP_HEADER + MAX_SECTIONS * SM__SNAP_ENTRY];
    memset(head, 0, sizeof head);
    unsigned char *t = head + SM__SNAP_HEADER;
    for (size_t i = 0; i < w->n_sec; i++) {
        unsigned char *p = t + i * SM__SNAP_ENTRY;
        memcpy(p, &w->sec[i].id, 4);
        memcpy(p + 4, &w->sec[i].elem, 4);
        memcpy(p + 8, &w->sec[i].off, 8);
        memcpy(p + 16, &w->sec[i].len, 8);
        memcpy(p + 24, &w->sec[i].hash, 8);
    }
    uint16_t major = SM__SNAP_MAJOR, minor = SM__SNAP_MINOR;
    uint32_t bom = SM__SNAP_BOM, hsize = SM__SNAP_HEADER, n = (uint32_t)w->n_sec;
    uint64_t toff = SM__SNAP_HEADER, fsize = w->off;
    uint64_t content = XXH3_64bits(t, w->n_sec * SM__SNAP_ENTRY);
    memcpy(head, SM__SNAP_MAGIC, 8);
    memcpy(head + 8, &major, 2);
    memcpy(head + 10, &minor, 2);
    memcpy(head + 12, &bom, 4);
    memcpy(head + 16, &hsize, 4);
    memcpy(head + 20, &n, 4);
    memcpy(head + 24, &toff, 8);
    memcpy(head + 32, &fsize, 8);
    memcpy(head + 40, &content, 8);
    uint64_t hh = XXH3_64bits(head, 48);
    memcpy(head + 48, &hh, 8);
    pwrite_all(w, head, SM__SNAP_HEADER + table, 0);
}

/* The directory part of path, engine allocator; NULL with *dot set when
 * the path has none (the current directory). */
static char *dir_of(const sm__alloc *a, const char *path, bool *dot)
{
    const char *slash = strrchr(path, '/');
    *dot = !slash;
    if (!slash)
        return NULL;
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = sm__malloc(a, n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

sm_status sm_snapshot_save(const sm_engine *e, const char *path)
{
    if (!e || !path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot: NULL argument");
    if (!*path)
        return sm__fail(SM_ERR_INVALID_ARGUMENT, "snapshot: empty path");
    writer w;
    memset(&w, 0, sizeof w);
    w.a = &e->alloc;
    w.fd = -1;
    size_t plen = strlen(path);
    char *tmp = sm__malloc(&e->alloc, plen + 16);
    bool dot;
    char *dir = dir_of(&e->alloc, path, &dot);
    w.buf = sm__malloc(&e->alloc, BUF_SIZE);
    if (!tmp || (!dir && !dot) || !w.buf) {
        sm__free(&e->alloc, tmp);
        sm__free(&e->alloc, dir);
        sm__free(&e->alloc, w.buf);
        return sm__nomem();
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    w.tmp = tmp;
    w.fd = mkstemp(tmp);
    if (w.fd < 0) {
        w.tmp = path;
        io_fail(&w, "create a file beside");
        w.tmp = tmp;
    } else if (fchmod(w.fd, 0644) != 0) {
        io_fail(&w, "set the mode of");
    }
    bool made = w.fd >= 0;
    if (!w.st) {
        sm__rdlock(e);
        write_file(&w, e);
        sm__unlock(e);
    }
    if (w.st == SM_ERR_NOMEM)
        sm__nomem();
    if (!w.st) {
        hook(&w);
        if (fsync(w.fd) != 0)
            io_fail(&w, "sync");
    }
    if (w.fd >= 0 && close(w.fd) != 0 && !w.st)
        io_fail(&w, "close");
    if (!w.st) {
        hook(&w);
        if (rename(tmp, path) != 0) {
            w.tmp = path;
            io_fail(&w, "rename the new snapshot to");
            w.tmp = tmp;
        } else {
            made = false;
            /* the rename is durable once the directory is synced */
            hook(&w);
            int dfd = open(dot ? "." : dir, O_RDONLY | O_DIRECTORY);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        }
    }
    if (made)
        unlink(tmp);
    sm_status st = w.st;
    sm__free(&e->alloc, w.str);
    sm__free(&e->alloc, w.buf);
    sm__free(&e->alloc, tmp);
    sm__free(&e->alloc, dir);
    return st;
}
