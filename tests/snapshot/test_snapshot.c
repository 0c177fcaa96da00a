/* snapshot/: save + load gives an engine with the same results bit for bit
 * (top, explain, batch), saving it again gives the same bytes; shards of a
 * batch add up to the whole; damaged, truncated and newer files are refused
 * with section and offset; a writer killed at any write leaves the old file
 * or the new one; every allocation of save and load may fail cleanly. */
#include "test_util.h"

#include "snapshot/format.h"

#include <math.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

static char dir[256];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sm_snapshot_test.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The random engine plus everything else a snapshot must carry: a user
 * region and sector, affinity changes, development indices, a registered
 * cooperation type, removed SMEs (garbage in the list pool). */
static sm_engine *rich_engine(size_t n)
{
    sm_engine *e = tu_random_engine(n);
    sm_region_desc d = SM_REGION_DESC_INIT;
    d.code = "SI04";
    d.name = "Novo obmocje";
    d.lat = 46.1;
    d.lon = 14.9;
    d.development = 0.7;
    const char *langs[] = { "sl", "fr" };
    d.languages = langs;
    d.n_languages = 2;
    assert_int_equal(sm_region_put(e, &d), SM_OK);
    assert_int_equal(sm_region_set_development(e, "SI03", 0.85), SM_OK);
    assert_int_equal(sm_region_set_development(e, "AT", 1.2), SM_OK);
    assert_int_equal(sm_sector_put(e, "25.99", "Other metal products n.e.c.", NULL), SM_OK);
    assert_int_equal(sm_affinity_set(e, "25", "62", 0.3125), SM_OK);
    assert_int_equal(sm_affinity_set(e, "C", "10", 0.9), SM_OK);
    uint32_t bit;
    assert_int_equal(sm_cooperation_register(&bit, e, "mentoring"), SM_OK);
    assert_int_equal(tu_put(e, "X-NEW", "SI04", "25.99;62", "tag1;Laser  Cutting;Straße", "tag2;LASER cutting", bit, "fr", SM_SIZE_SMALL), SM_OK);
    if (n > 20) {
        assert_int_equal(sm_sme_remove(e, "R-0003"), SM_OK);
        assert_int_equal(sm_sme_remove(e, "R-0010"), SM_OK);
    }
    return e;
}

static sm_engine *load_ok(const char *path)
{
    sm_engine *e = NULL;
    sm_status st = sm_snapshot_load(&e, path, NULL);
    if (st)
        fail_msg("load %s: %s", path, sm_error_last()->message);
    return e;
}

static void same_result(const sm_result *a, const sm_result *b)
{
    assert_string_equal(sm_result_query_id(a), sm_result_query_id(b));
    assert_int_equal(sm_result_count(a), sm_result_count(b));
    size_t nc = sm_result_criterion_count(a);
    assert_int_equal(nc, sm_result_criterion_count(b));
    for (size_t i = 0; i < sm_result_count(a); i++) {
        assert_string_equal(sm_result_id(a, i), sm_result_id(b, i));
        double x = sm_result_score(a, i), y = sm_result_score(b, i);
        assert_memory_equal(&x, &y, sizeof x);
        x = sm_result_distance_km(a, i);
        y = sm_result_distance_km(b, i);
        assert_memory_equal(&x, &y, sizeof x);
        for (size_t j = 0; j < nc; j++) {
            x = sm_result_breakdown(a, i, j);
            y = sm_result_breakdown(b, i, j);
            assert_memory_equal(&x, &y, sizeof x);
        }
    }
}

/* Every query type of the two engines agrees bit for bit. */
static void same_answers(const sm_engine *a, const sm_engine *b)
{
    assert_int_equal(sm_sme_count(a), sm_sme_count(b));
    assert_int_equal(sm_region_count(a), sm_region_count(b));
    assert_int_equal(sm_sector_count(a), sm_sector_count(b));
    sm_query_options plain = SM_QUERY_OPTIONS_INIT, filtered = SM_QUERY_OPTIONS_INIT;
    plain.k = 15;
    filtered.cross_border = 1;
    filtered.max_km = 900;
    filtered.k = 5;
    sm_weighting *w = NULL;
    assert_int_equal(sm_weighting_parse(&w, "supply_chain"), SM_OK);
    filtered.weighting = w;
    for (size_t i = 0; i < sm_sme_count(a); i++) {
        sm_sme_desc *d = NULL, *db = NULL;
        assert_int_equal(sm_sme_at(&d, a, i), SM_OK);
        /* the SME reads back the same, tags as first spelled */
        assert_int_equal(sm_sme_get(&db, b, d->id), SM_OK);
        assert_string_equal(d->name ? d->name : "", db->name ? db->name : "");
        assert_string_equal(d->region, db->region);
        assert_int_equal(d->n_offers, db->n_offers);
        assert_int_equal(d->n_needs, db->n_needs);
        assert_int_equal(d->n_sectors, db->n_sectors);
        for (size_t k = 0; k < d->n_offers; k++)
            assert_string_equal(d->offers[k], db->offers[k]);
        for (size_t k = 0; k < d->n_needs; k++)
            assert_string_equal(d->needs[k], db->needs[k]);
        sm_sme_desc_free(db);
        const sm_query_options *qs[] = { &plain, &filtered };
        for (size_t q = 0; q < 2; q++) {
            sm_result *ra = NULL, *rb = NULL;
            assert_int_equal(sm_query_top(&ra, a, d->id, qs[q]), SM_OK);
            assert_int_equal(sm_query_top(&rb, b, d->id, qs[q]), SM_OK);
            same_result(ra, rb);
            sm_result_free(ra);
            sm_result_free(rb);
        }
        sm_sme_desc *other = NULL;
        assert_int_equal(sm_sme_at(&other, a, (i * 31 + 7) % sm_sme_count(a)), SM_OK);
        if (strcmp(other->id, d->id) != 0) {
            sm_result *ra = NULL, *rb = NULL;
            assert_int_equal(sm_query_explain(&ra, a, d->id, other->id, w), SM_OK);
            assert_int_equal(sm_query_explain(&rb, b, d->id, other->id, w), SM_OK);
            same_result(ra, rb);
            sm_result_free(ra);
            sm_result_free(rb);
        }
        sm_sme_desc_free(other);
        sm_sme_desc_free(d);
    }
    sm_weighting_free(w);
}

/* A batch's results as one text: "query:id=score..." sorted by query. */
typedef struct texts {
    char **line;
    size_t n, cap;
} texts;

static int collect(const sm_result *r, void *ud)
{
    texts *t = ud;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->line = realloc(t->line, t->cap * sizeof *t->line);
    }
    char buf[4096];
    int k = snprintf(buf, sizeof buf, "%s:", sm_result_query_id(r));
    for (size_t i = 0; i < sm_result_count(r) && k < 4000; i++) {
        double s = sm_result_score(r, i);
        uint64_t bits;
        memcpy(&bits, &s, 8);
        k += snprintf(buf + k, sizeof buf - (size_t)k, "%s=%016llx;", sm_result_id(r, i), (unsigned long long)bits);
    }
    t->line[t->n++] = strdup(buf);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void batch_texts(texts *t, const sm_engine *e, unsigned shard, unsigned n_shards)
{
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = 7;
    o.query = &q;
    o.threads = 2;
    o.on_result = collect;
    o.result_userdata = t;
    sm_status st = n_shards ? sm_batch_run_shard(e, &o, shard, n_shards) : sm_batch_run(e, &o);
    assert_int_equal(st, SM_OK);
}

static void texts_sort(texts *t)
{
    if (t->n)
        qsort(t->line, t->n, sizeof *t->line, cmp_str);
}

static void texts_free(texts *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->line[i]);
    free(t->line);
    memset(t, 0, sizeof *t);
}

static void same_batch(const sm_engine *a, const sm_engine *b)
{
    texts ta = { 0 }, tb = { 0 };
    batch_texts(&ta, a, 0, 0);
    batch_texts(&tb, b, 0, 0);
    texts_sort(&ta);
    texts_sort(&tb);
    assert_int_equal(ta.n, tb.n);
    for (size_t i = 0; i < ta.n; i++)
        assert_string_equal(ta.line[i], tb.line[i]);
    texts_free(&ta);
    texts_free(&tb);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)n + 1);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void write_all(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void round_trip(void **state)
{
    (void)state;
    const size_t sizes[] = { 0, 1, 60, 400 };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        sm_engine *a = sizes[s] ? rich_engine(sizes[s]) : tu_engine(SM_TAXONOMY_NONE);
        char p1[300], p2[300];
        path_in(p1, sizeof p1, "a.smsnap");
        path_in(p2, sizeof p2, "b.smsnap");
        assert_int_equal(sm_snapshot_save(a, p1), SM_OK);
        sm_engine *b = load_ok(p1);
        same_answers(a, b);
        same_batch(a, b);
        /* the loaded engine saves to the same bytes */
        assert_int_equal(sm_snapshot_save(b, p2), SM_OK);
        size_t n1, n2;
        unsigned char *f1 = read_all(p1, &n1), *f2 = read_all(p2, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(f1, f2, n1);
        uint64_t h1, h2;
        assert_int_equal(sm_snapshot_content_hash(&h1, p1), SM_OK);
        assert_int_equal(sm_snapshot_content_hash(&h2, p2), SM_OK);
        assert_true(h1 == h2);
        /* the loaded engine is a normal one: it takes changes */
        if (sizes[s]) {
            assert_int_equal(tu_put(b, "Y-1", "SI04", "C", "tag3", "laser", 1, "sl", SM_SIZE_MICRO), SM_OK);
            assert_int_equal(sm_sme_remove(b, "X-NEW"), SM_OK);
        }
        free(f1);
        free(f2);
        sm_engine_free(a);
        sm_engine_free(b);
    }
}

/* Engines loaded with and without the built-in affinity table keep it so. */
static void affinity_builtin_kept(void **state)
{
    (void)state;
    sm_engine *a = tu_random_engine(30);
    char p[300];
    path_in(p, sizeof p, "aff.smsnap");
    assert_int_equal(sm_snapshot_save(a, p), SM_OK);
    sm_engine *b = load_ok(p);
    assert_null(b->affinity_own);
    sm_engine_free(b);
    assert_int_equal(sm_affinity_set(a, "01", "02", 0.125), SM_OK);
    assert_int_equal(sm_snapshot_save(a, p), SM_OK);
    b = load_ok(p);
    assert_non_null(b->affinity_own);
    same_answers(a, b);
    sm_engine_free(a);
    sm_engine_free(b);
}

static void shards_add_up(void **state)
{
    (void)state;
    sm_engine *e = rich_engine(300);
    texts all = { 0 }, parts = { 0 };
    batch_texts(&all, e, 0, 0);
    const unsigned counts[] = { 1, 2, 5 };
    for (size_t c = 0; c < 3; c++) {
        for (unsigned s = 0; s < counts[c]; s++)
            batch_texts(&parts, e, s, counts[c]);
        texts_sort(&all);
        texts_sort(&parts);
        assert_int_equal(all.n, parts.n); /* each SME once */
        for (size_t i = 0; i < all.n; i++)
            assert_string_equal(all.line[i], parts.line[i]);
        texts_free(&parts);
    }
    /* stable: the same SME is in the same shard of a loaded engine */
    char p[300];
    path_in(p, sizeof p, "sh.smsnap");
    assert_int_equal(sm_snapshot_save(e, p), SM_OK);
    sm_engine *b = load_ok(p);
    texts x = { 0 }, y = { 0 };
    batch_texts(&x, e, 1, 3);
    batch_texts(&y, b, 1, 3);
    texts_sort(&x);
    texts_sort(&y);
    assert_int_equal(x.n, y.n);
    for (size_t i = 0; i < x.n; i++)
        assert_string_equal(x.line[i], y.line[i]);
    texts_free(&x);
    texts_free(&y);
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    o.on_result = collect;
    assert_int_equal(sm_batch_run_shard(e, &o, 3, 3), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_batch_run_shard(e, &o, 0, 0), SM_ERR_INVALID_ARGUMENT);
    texts_free(&all);
    sm_engine_free(e);
    sm_engine_free(b);
}

/* Rewrites the header checksum after an edit of bytes 0..47. */
static void reseal_header(unsigned char *f)
{
    uint64_t h = XXH3_64bits(f, 48);
    memcpy(f + 48, &h, 8);
}

static void damaged_files_refused(void **state)
{
    (void)state;
    sm_engine *a = rich_engine(40);
    char p[300], q[300];
    path_in(p, sizeof p, "good.smsnap");
    path_in(q, sizeof q, "bad.smsnap");
    assert_int_equal(sm_snapshot_save(a, p), SM_OK);
    size_t n;
    unsigned char *f = read_all(p, &n);
    sm_engine *out = (sm_engine *)(uintptr_t)1;
    /* truncated anywhere */
    const size_t cuts[] = { 0, 10, 63, 64, 1000, n / 2, n - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        write_all(q, f, cuts[i]);
        assert_int_equal(sm_snapshot_load(&out, q, NULL), SM_ERR_PARSE);
        assert_ptr_equal(out, (sm_engine *)(uintptr_t)1);
        tu_assert_error(SM_ERR_PARSE, "offset");
    }
    /* one flipped bit anywhere: some checksum catches it */
    for (size_t at = 0; at < n; at += 1 + at / 7) {
        f[at] ^= 0x10;
        write_all(q, f, n);
        sm_status st = sm_snapshot_load(&out, q, NULL);
        f[at] ^= 0x10;
        uint32_t nsec;
        memcpy(&nsec, f + 20, 4);
        /* unchecked: the reserved header bytes and padding (after the
         * table, between sections) */
        if (st == SM_OK && ((at >= 56 && at < 64) || at >= SM__SNAP_HEADER + nsec * SM__SNAP_ENTRY)) {
            sm_engine_free(out);
            out = (sm_engine *)(uintptr_t)1;
            continue;
        }
        if (st != SM_ERR_PARSE && st != SM_ERR_UNSUPPORTED)
            fail_msg("flip at %zu of %zu: status %d", at, n, st);
        assert_ptr_equal(out, (sm_engine *)(uintptr_t)1);
    }
    /* a newer major version */
    {
        uint16_t major = SM__SNAP_MAJOR + 1;
        memcpy(f + 8, &major, 2);
        reseal_header(f);
        write_all(q, f, n);
        assert_int_equal(sm_snapshot_load(&out, q, NULL), SM_ERR_UNSUPPORTED);
        tu_assert_error(SM_ERR_UNSUPPORTED, "newer than this library reads");
        major = SM__SNAP_MAJOR;
        memcpy(f + 8, &major, 2);
        reseal_header(f);
    }
    /* not a snapshot, missing file, other errors */
    write_all(q, "id,name\nx,y\n", 12);
    assert_int_equal(sm_snapshot_load(&out, q, NULL), SM_ERR_PARSE);
    tu_assert_error(SM_ERR_PARSE, "header");
    path_in(q, sizeof q, "missing.smsnap");
    assert_int_equal(sm_snapshot_load(&out, q, NULL), SM_ERR_IO);
    assert_int_equal(sm_snapshot_load(NULL, p, NULL), SM_ERR_INVALID_ARGUMENT);
    sm_snapshot_options o = SM_SNAPSHOT_OPTIONS_INIT;
    o.version = 99;
    assert_int_equal(sm_snapshot_load(&out, p, &o), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_snapshot_options_init(&o, SM_SNAPSHOT_OPTIONS_VERSION), SM_OK);
    assert_int_equal(sm_snapshot_options_init(&o, 7), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_snapshot_save(NULL, p), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_snapshot_save(a, ""), SM_ERR_INVALID_ARGUMENT);
    assert_int_equal(sm_snapshot_save(a, "/nonexistent-dir/x.smsnap"), SM_ERR_IO);
    tu_assert_error(SM_ERR_IO, "nonexistent-dir");
    uint64_t h;
    assert_int_equal(sm_snapshot_content_hash(&h, q), SM_ERR_IO);
    free(f);
    sm_engine_free(a);
}

/* Values checked even when the checksums agree: a snapshot made by a buggy
 * or hostile writer. Edits one SME column and reseals the file. */
static void bad_values_refused(void **state)
{
    (void)state;
    sm_engine *a = rich_engine(40);
    char p[300];
    path_in(p, sizeof p, "v.smsnap");
    assert_int_equal(sm_snapshot_save(a, p), SM_OK);
    size_t n;
    unsigned char *f = read_all(p, &n);
    uint32_t nsec;
    memcpy(&nsec, f + 20, 4);
    const uint32_t ids[] = { SM__SEC_COLUMN0 + 2, SM__SEC_COLUMN0 + 3, SM__SEC_POOL, SM__SEC_TAGS, SM__SEC_REGIONS,
                             SM__SEC_SECTORS, SM__SEC_COLUMN0 };
    for (size_t k = 0; k < sizeof ids / sizeof *ids; k++) {
        unsigned char *g = malloc(n);
        memcpy(g, f, n);
        for (uint32_t i = 0; i < nsec; i++) {
            unsigned char *e = g + SM__SNAP_HEADER + i * SM__SNAP_ENTRY;
            uint32_t id;
            uint64_t off, len;
            memcpy(&id, e, 4);
            memcpy(&off, e + 8, 8);
            memcpy(&len, e + 16, 8);
            if (id != ids[k])
                continue;
            memset(g + off + (id == SM__SEC_REGIONS ? 48 + 8 : 0), 0xee, 4);
            uint64_t h = XXH3_64bits(g + off, len);
            memcpy(e + 24, &h, 8);
        }
        uint64_t c = XXH3_64bits(g + SM__SNAP_HEADER, (size_t)nsec * SM__SNAP_ENTRY);
        memcpy(g + 40, &c, 8);
        reseal_header(g);
        sm_engine *out = NULL;
        sm_status st = sm__snapshot_read_buffer(&out, g, n, "edited", NULL);
        if (st != SM_ERR_PARSE)
            fail_msg("section %u edited: status %d", ids[k], st);
        tu_assert_error(SM_ERR_PARSE, "offset");
        free(g);
    }
    free(f);
    sm_engine_free(a);
}

/* A snapshot relying on another built-in affinity table is refused. */
static void other_builtin_affinity_refused(void **state)
{
    (void)state;
    sm_engine *a = tu_random_engine(10);
    char p[300];
    path_in(p, sizeof p, "aff2.smsnap");
    assert_int_equal(sm_snapshot_save(a, p), SM_OK);
    size_t n;
    unsigned char *g = read_all(p, &n);
    uint32_t nsec;
    memcpy(&nsec, g + 20, 4);
    for (uint32_t i = 0; i < nsec; i++) {
        unsigned char *e = g + SM__SNAP_HEADER + i * SM__SNAP_ENTRY;
        uint32_t id;
        uint64_t off, len;
        memcpy(&id, e, 4);
        memcpy(&off, e + 8, 8);
        memcpy(&len, e + 16, 8);
        if (id != SM__SEC_META)
            continue;
        g[off + offsetof(sm__snap_meta, builtin_affinity_hash)] ^= 1;
        uint64_t h = XXH3_64bits(g + off, len);
        memcpy(e + 24, &h, 8);
    }
    uint64_t c = XXH3_64bits(g + SM__SNAP_HEADER, (size_t)nsec * SM__SNAP_ENTRY);
    memcpy(g + 40, &c, 8);
    reseal_header(g);
    sm_engine *out = NULL;
    assert_int_equal(sm__snapshot_read_buffer(&out, g, n, "aff2", NULL), SM_ERR_UNSUPPORTED);
    tu_assert_error(SM_ERR_UNSUPPORTED, "built-in sector affinity of another smartmatch version");
    assert_null(out);
    free(g);
    sm_engine_free(a);
}

/* ---- crashes ------------------------------------------------------------ */

static unsigned long crash_at;

static void crash_hook(unsigned long n)
{
    if (n == crash_at)
        abort();
}

static uint64_t hash_of(const char *path)
{
    uint64_t h = 0;
    assert_int_equal(sm_snapshot_content_hash(&h, path), SM_OK);
    return h;
}

/* A writer dies at its n-th system call (and, below, at random moments):
 * the target always holds the old snapshot or the new one. */
static void crash_leaves_old_or_new(void **state)
{
    (void)state;
    sm_engine *old_e = rich_engine(50), *new_e = rich_engine(200);
    char p[300];
    path_in(p, sizeof p, "crash.smsnap");
    assert_int_equal(sm_snapshot_save(new_e, p), SM_OK);
    uint64_t h_new = hash_of(p);
    assert_int_equal(sm_snapshot_save(old_e, p), SM_OK);
    uint64_t h_old = hash_of(p);
    assert_true(h_old != h_new);
    size_t saw_new = 0;
    for (crash_at = 0; crash_at < 40; crash_at++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            signal(SIGABRT, SIG_DFL);
            sm__snapshot_write_hook = crash_hook;
            _exit(sm_snapshot_save(new_e, p) == SM_OK ? 0 : 3);
        }
        int ws;
        assert_int_equal(waitpid(pid, &ws, 0), pid);
        uint64_t h = hash_of(p);
        assert_true(h == h_old || h == h_new);
        if (h == h_new) {
            saw_new++;
            assert_int_equal(sm_snapshot_save(old_e, p), SM_OK);
        }
        if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
            break; /* the save made fewer calls than crash_at */
    }
    assert_true(crash_at > 3 && crash_at < 40);
    assert_true(saw_new >= 1);
    /* killed from outside at random moments */
    srand(7);
    for (int round = 0; round < 12; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            for (;;)
                if (sm_snapshot_save(round % 2 ? new_e : old_e, p) != SM_OK)
                    _exit(3);
        }
        struct timespec ts = { 0, (long)(rand() % 20000) * 1000 };
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int ws;
        waitpid(pid, &ws, 0);
        uint64_t h = hash_of(p);
        assert_true(h == h_old || h == h_new);
    }
    sm_engine_free(old_e);
    sm_engine_free(new_e);
}

/* ---- allocation failures ------------------------------------------------ */

static sm_engine *small_engine(const sm_allocator *a, unsigned taxonomies)
{
    sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
    o.taxonomies = taxonomies;
    o.allocator = a;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, &o), SM_OK);
    const char *codes[] = { "SI", "SI0", "SI03", "HR", "HR0" };
    for (size_t i = 0; i < 5; i++) {
        sm_region_desc d = SM_REGION_DESC_INIT;
        d.code = codes[i];
        d.name = codes[i];
        const char *l[] = { i < 3 ? "sl" : "hr" };
        d.languages = l;
        d.n_languages = 1;
        assert_int_equal(sm_region_put(e, &d), SM_OK);
    }
    assert_int_equal(sm_sector_put(e, "C", "Manufacturing", NULL), SM_OK);
    assert_int_equal(sm_sector_put(e, "25", "Metal", "C"), SM_OK);
    assert_int_equal(sm_sector_put(e, "J", "ICT", NULL), SM_OK);
    assert_int_equal(sm_sector_put(e, "62", "Software", "J"), SM_OK);
    assert_int_equal(sm_affinity_set(e, "25", "62", 0.5), SM_OK);
    uint32_t bit;
    assert_int_equal(sm_cooperation_register(&bit, e, "mentoring"), SM_OK);
    assert_int_equal(tu_put(e, "a", "SI03", "25;62", "X Ray;y", "z", 1, "sl", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(e, "b", "HR0", "62", "z", "x", bit, "", SM_SIZE_MICRO), SM_OK);
    assert_int_equal(tu_put(e, "c", "SI", "C", "", "", 0, "en", SM_SIZE_UNKNOWN), SM_OK);
    return e;
}

/* Fails each allocation of a load of the snapshot at p in turn. */
static void load_sweep(const sm_engine *e, const char *p)
{
    tu_alloc_state ls = { 0 };
    sm_allocator la = tu_allocator(&ls);
    sm_snapshot_options o = SM_SNAPSHOT_OPTIONS_INIT;
    o.allocator = &la;
    long n;
    for (n = 1;; n++) {
        ls.fail_at = ls.calls + n;
        ls.failed = 0;
        sm_engine *out = NULL;
        sm_status st = sm_snapshot_load(&out, p, &o);
        if (!ls.failed) {
            assert_int_equal(st, SM_OK);
            ls.fail_at = 0;
            same_answers(e, out);
            sm_engine_free(out);
            assert_int_equal(ls.live, 0);
            break;
        }
        assert_int_equal(st, SM_ERR_NOMEM);
        assert_null(out);
        assert_int_equal(ls.live, 0);
    }
    assert_true(n > 10);
}

static void alloc_failures(void **state)
{
    (void)state;
    tu_alloc_state as = { 0 };
    sm_allocator a = tu_allocator(&as);
    char p[300];
    path_in(p, sizeof p, "alloc.smsnap");
    /* regions with adjacency (the built-in ones), in few arena blocks */
    sm_engine *nuts = small_engine(&a, SM_TAXONOMY_NUTS);
    assert_int_equal(sm_snapshot_save(nuts, p), SM_OK);
    load_sweep(nuts, p);
    sm_engine_free(nuts);
    /* a small engine where every arena string is an allocation that may fail */
    size_t block = sm__arena_block_size;
    sm__arena_block_size = 0;
    sm_engine *e = small_engine(&a, SM_TAXONOMY_NONE);
    /* save: fail each allocation in turn; the file is never half made */
    long n;
    for (n = 1;; n++) {
        remove(p);
        as.fail_at = as.calls + n;
        as.failed = 0;
        long live = as.live;
        sm_status st = sm_snapshot_save(e, p);
        assert_int_equal(as.live, live);
        if (!as.failed) {
            assert_int_equal(st, SM_OK);
            break;
        }
        assert_int_equal(st, SM_ERR_NOMEM);
        assert_int_equal(access(p, F_OK), -1);
    }
    as.fail_at = 0;
    assert_true(n > 2);
    load_sweep(e, p);
    /* a batch shard */
    for (n = 1;; n++) {
        texts t = { 0 };
        sm_batch_options bo = SM_BATCH_OPTIONS_INIT;
        bo.on_result = collect;
        bo.result_userdata = &t;
        bo.threads = 1;
        as.fail_at = as.calls + n;
        as.failed = 0;
        sm_status st = sm_batch_run_shard(e, &bo, 1, 2);
        texts_free(&t);
        if (!as.failed) {
            assert_int_equal(st, SM_OK);
            break;
        }
        /* the sort by region may fail: the batch then keeps the index order */
        assert_true(st == SM_ERR_NOMEM || st == SM_OK);
    }
    as.fail_at = 0;
    /* a path without a directory part writes in the current one */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(sm_snapshot_save(e, "here.smsnap"), SM_OK);
    assert_int_equal(access("here.smsnap", F_OK), 0);
    assert_int_equal(chdir(cwd), 0);
    sm_engine_free(e);
    assert_int_equal(as.live, 0);
    sm__arena_block_size = block;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(affinity_builtin_kept),
        cmocka_unit_test(shards_add_up),
        cmocka_unit_test(damaged_files_refused),
        cmocka_unit_test(bad_values_refused),
        cmocka_unit_test(other_builtin_affinity_refused),
        cmocka_unit_test(crash_leaves_old_or_new),
        cmocka_unit_test(alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
