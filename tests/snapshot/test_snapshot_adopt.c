/* Snapshots 1.1: the loaded engine borrows the file's columns, ids and hash
 * maps (lib/snapshot/adopt.c), and the cooperation history travels with it
 * (lib/snapshot/history.c). The oracle is the saved engine itself: after
 * the same changes on both, or with a history and the network criteria,
 * every query answers bit for bit the same. Damaged maps and histories are
 * refused; a file without the maps (format 1.0) still loads. */
#define SM_EXPERIMENTAL_API
#include "snapshot/format.h"
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    snprintf(dir, sizeof dir, "%s/sm-snap-adopt-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static sm_engine *load_ok(const char *path)
{
    sm_engine *e = NULL;
    if (sm_snapshot_load(&e, path, NULL))
        fail_msg("load %s: %s", path, sm_error_last()->message);
    return e;
}

static void same_result(const sm_result *a, const sm_result *b)
{
    assert_int_equal(sm_result_count(a), sm_result_count(b));
    size_t nc = sm_result_criterion_count(a);
    assert_int_equal(nc, sm_result_criterion_count(b));
    for (size_t i = 0; i < sm_result_count(a); i++) {
        assert_string_equal(sm_result_id(a, i), sm_result_id(b, i));
        double x = sm_result_score(a, i), y = sm_result_score(b, i);
        assert_memory_equal(&x, &y, sizeof x);
        for (size_t j = 0; j < nc; j++) {
            x = sm_result_breakdown(a, i, j);
            y = sm_result_breakdown(b, i, j);
            assert_memory_equal(&x, &y, sizeof x);
        }
    }
}

/* Every SME's top 12, with the balanced weighting and with the network
 * criteria, agree bit for bit; so do the SMEs themselves and the history. */
static void same_answers(const sm_engine *a, const sm_engine *b)
{
    assert_int_equal(sm_sme_count(a), sm_sme_count(b));
    sm_weighting *net = NULL;
    assert_int_equal(sm_weighting_parse(&net, "balanced,past_partners=2,common_partners=2,activity=1"), SM_OK);
    sm_query_options plain = SM_QUERY_OPTIONS_INIT, network = SM_QUERY_OPTIONS_INIT;
    plain.k = 12;
    network.k = 12;
    network.weighting = net;
    for (size_t i = 0; i < sm_sme_count(a); i++) {
        sm_sme_desc *d = NULL, *db = NULL;
        assert_int_equal(sm_sme_at(&d, a, i), SM_OK);
        assert_int_equal(sm_sme_at(&db, b, i), SM_OK);
        assert_string_equal(d->id, db->id);
        assert_string_equal(d->name ? d->name : "", db->name ? db->name : "");
        assert_int_equal(d->n_offers, db->n_offers);
        assert_int_equal(d->n_needs, db->n_needs);
        assert_int_equal(sm_sme_contains(b, d->id), 1);
        const sm_query_options *qs[] = { &plain, &network };
        for (size_t q = 0; q < 2; q++) {
            sm_result *ra = NULL, *rb = NULL;
            assert_int_equal(sm_query_top(&ra, a, d->id, qs[q]), SM_OK);
            assert_int_equal(sm_query_top(&rb, b, d->id, qs[q]), SM_OK);
            same_result(ra, rb);
            sm_result_free(ra);
            sm_result_free(rb);
        }
        sm_sme_desc_free(d);
        sm_sme_desc_free(db);
    }
    sm_history_info ha, hb;
    assert_int_equal(sm_history_info_get(&ha, a), SM_OK);
    assert_int_equal(sm_history_info_get(&hb, b), SM_OK);
    assert_int_equal(ha.cooperations, hb.cooperations);
    assert_int_equal(ha.links, hb.links);
    assert_int_equal(ha.smes_with_history, hb.smes_with_history);
    assert_string_equal(ha.last_date, hb.last_date);
    assert_string_equal(ha.reference_date, hb.reference_date);
    assert_memory_equal(&ha.half_life_days, &hb.half_life_days, sizeof(double));
    sm_weighting_free(net);
}

static char id_buf[64];
static const char *id_of(size_t i)
{
    snprintf(id_buf, sizeof id_buf, "R-%04zu", i);
    return id_buf;
}

/* A random history over the SMEs of e: pairs and groups of up to 5 on
 * days in 2015..2024, three kinds. */
static void add_history(sm_engine *e, size_t n_events, unsigned seed)
{
    size_t n = sm_sme_count(e);
    char ids[5][64];
    const char *p[5];
    const char *kinds[] = { "project", "meeting", "deal" };
    for (size_t k = 0; k < n_events; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t m = 2 + (seed >> 16) % 4, got = 0;
        for (size_t j = 0; j < m; j++) {
            seed = seed * 1103515245u + 12345u;
            sm_sme_desc *d = NULL;
            assert_int_equal(sm_sme_at(&d, e, (seed >> 8) % n), SM_OK);
            bool dup = false;
            for (size_t t = 0; t < got; t++)
                dup = dup || strcmp(ids[t], d->id) == 0;
            if (!dup) {
                snprintf(ids[got], sizeof ids[got], "%s", d->id);
                p[got] = ids[got];
                got++;
            }
            sm_sme_desc_free(d);
        }
        if (got < 2)
            continue;
        char date[16];
        snprintf(date, sizeof date, "%04u-%02u-%02u", 2015 + (seed >> 4) % 10, 1 + (seed >> 9) % 12,
                 1 + (seed >> 13) % 28);
        assert_int_equal(sm_history_add(e, p, got, date, kinds[k % 3]), SM_OK);
    }
}

/* The same changes on the saved engine and on the loaded one, which first
 * writes into borrowed columns, then grows them (copies them out). */
static void changes_after_load(void **state)
{
    (void)state;
    const size_t sizes[] = { 1, 70, 300 };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        sm_engine *a = tu_random_engine(sizes[s]);
        char p[300];
        path_in(p, sizeof p, "c.smsnap");
        assert_int_equal(sm_snapshot_save(a, p), SM_OK);
        sm_engine *b = load_ok(p);
        sm_engine *both[] = { a, b };
        for (size_t k = 0; k < 2; k++) {
            sm_engine *e = both[k];
            /* in place: a replace and a removal (the last SME moves) */
            assert_int_equal(tu_put(e, "R-0000", "SI03", "C;62", "laser;tag2", "tag1", 1, "sl", SM_SIZE_SMALL), SM_OK);
            if (sizes[s] > 5)
                assert_int_equal(sm_sme_remove(e, id_of(3)), SM_OK);
        }
        same_answers(a, b);
        for (size_t k = 0; k < 2; k++) {
            sm_engine *e = both[k];
            /* growth: new SMEs, a new tag, ids looked up after */
            for (int j = 0; j < 80; j++) {
                char id[32];
                snprintf(id, sizeof id, "N-%03d", j);
                assert_int_equal(tu_put(e, id, j % 2 ? "AT" : "SI03", "25", j % 3 ? "fresh tag" : "tag1", "laser", 2,
                                        NULL, SM_SIZE_MEDIUM),
                                 SM_OK);
            }
            assert_int_equal(sm_sme_remove(e, "N-010"), SM_OK);
        }
        same_answers(a, b);
        sm_engine_free(a);
        sm_engine_free(b);
    }
}

/* A result made by a loaded engine outlives it (it holds the mapping). */
static void result_outlives_engine(void **state)
{
    (void)state;
    sm_engine *a = tu_random_engine(50);
    char p[300];
    path_in(p, sizeof p, "r.smsnap");
    assert_int_equal(sm_snapshot_save(a, p), SM_OK);
    sm_engine *b = load_ok(p);
    sm_result *r = NULL;
    sm_sme_desc *d = NULL;
    assert_int_equal(sm_query_top(&r, b, "R-0001", NULL), SM_OK);
    assert_int_equal(sm_sme_get(&d, b, "R-0002"), SM_OK);
    sm_engine_free(b);
    assert_string_equal(sm_result_query_id(r), "R-0001");
    assert_string_equal(d->id, "R-0002");
    sm_result_free(r);
    sm_sme_desc_free(d);
    sm_engine_free(a);
}

static void history_round_trip(void **state)
{
    (void)state;
    sm_engine *a = tu_random_engine(200);
    add_history(a, 300, 7);
    assert_int_equal(sm_history_set_decay(a, "2025-06-30", 700.0), SM_OK);
    char p1[300], p2[300];
    path_in(p1, sizeof p1, "h1.smsnap");
    path_in(p2, sizeof p2, "h2.smsnap");
    assert_int_equal(sm_snapshot_save(a, p1), SM_OK);
    sm_engine *b = load_ok(p1);
    same_answers(a, b);
    sm_engine_free(b);
    /* removals reorder partner lists and leave removed members in the log */
    for (size_t i = 5; i < 60; i += 7)
        assert_int_equal(sm_sme_remove(a, id_of(i)), SM_OK);
    assert_int_equal(sm_snapshot_save(a, p1), SM_OK);
    b = load_ok(p1);
    same_answers(a, b);
    /* and the loaded engine's file loads to the same answers again */
    assert_int_equal(sm_snapshot_save(b, p2), SM_OK);
    sm_engine *c = load_ok(p2);
    same_answers(a, c);
    /* the history keeps growing after a load */
    add_history(b, 40, 99);
    add_history(a, 40, 99);
    same_answers(a, b);
    sm_engine_free(c);
    /* an event all of whose members are gone stays in the log */
    {
        sm_engine *x = tu_random_engine(12);
        const char *pair[] = { "R-0001", "R-0002" }, *trio[] = { "R-0003", "R-0004", "R-0005" };
        assert_int_equal(sm_history_add(x, pair, 2, "2019-02-03", "deal"), SM_OK);
        assert_int_equal(sm_history_add(x, trio, 3, "2020", "deal"), SM_OK);
        assert_int_equal(sm_sme_remove(x, "R-0001"), SM_OK);
        assert_int_equal(sm_sme_remove(x, "R-0002"), SM_OK);
        assert_int_equal(sm_snapshot_save(x, p2), SM_OK);
        sm_engine *y = load_ok(p2);
        same_answers(x, y);
        sm_engine_free(y);
        sm_engine_free(x);
    }
    /* a cleared history with its decay set is kept as such */
    assert_int_equal(sm_history_clear(a), SM_OK);
    assert_int_equal(sm_snapshot_save(a, p1), SM_OK);
    sm_engine_free(b);
    b = load_ok(p1);
    same_answers(a, b);
    sm_engine_free(a);
    sm_engine_free(b);
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

/* The section table entry of id, or NULL. */
static unsigned char *entry_of(unsigned char *f, uint32_t id)
{
    uint32_t nsec;
    memcpy(&nsec, f + 20, 4);
    for (uint32_t i = 0; i < nsec; i++) {
        unsigned char *e = f + SM__SNAP_HEADER + i * SM__SNAP_ENTRY;
        uint32_t got;
        memcpy(&got, e, 4);
        if (got == id)
            return e;
    }
    return NULL;
}

/* Recomputes every checksum, as a writer would have. */
static void reseal(unsigned char *f)
{
    uint32_t nsec;
    memcpy(&nsec, f + 20, 4);
    for (uint32_t i = 0; i < nsec; i++) {
        unsigned char *e = f + SM__SNAP_HEADER + i * SM__SNAP_ENTRY;
        uint64_t off, len;
        memcpy(&off, e + 8, 8);
        memcpy(&len, e + 16, 8);
        uint64_t h = XXH3_64bits(f + off, len);
        memcpy(e + 24, &h, 8);
    }
    uint64_t c = XXH3_64bits(f + SM__SNAP_HEADER, (size_t)nsec * SM__SNAP_ENTRY);
    memcpy(f + 40, &c, 8);
    uint64_t h = XXH3_64bits(f, 48);
    memcpy(f + 48, &h, 8);
}

/* Applies edit to a copy of the file's section id (resealed) and expects
 * the reader to refuse it naming that section. */
static void expect_refused(const unsigned char *f, size_t n, uint32_t id, void (*edit)(unsigned char *, uint64_t),
                           const char *what)
{
    unsigned char *g = malloc(n);
    memcpy(g, f, n);
    unsigned char *e = entry_of(g, id);
    assert_non_null(e);
    uint64_t off, len;
    memcpy(&off, e + 8, 8);
    memcpy(&len, e + 16, 8);
    edit(g + off, len);
    reseal(g);
    sm_engine *out = (sm_engine *)(uintptr_t)1;
    sm_status st = sm__snapshot_read_buffer(&out, g, n, "edited", NULL);
    if (st != SM_ERR_PARSE)
        fail_msg("%s: status %d", what, st);
    assert_ptr_equal(out, (sm_engine *)(uintptr_t)1);
    tu_assert_error(SM_ERR_PARSE, what);
    free(g);
}

static void swap_two_slots(unsigned char *p, uint64_t len)
{
    /* the first two used slots trade places: lookups no longer find them */
    size_t a = SIZE_MAX;
    for (size_t i = 0; i < len / 8; i++) {
        uint64_t s;
        memcpy(&s, p + 8 * i, 8);
        if (!s)
            continue;
        if (a == SIZE_MAX) {
            a = i;
        } else if ((s >> 32 & 15) != (i & 15)) {
            unsigned char t[8];
            memcpy(t, p + 8 * a, 8);
            memcpy(p + 8 * a, p + 8 * i, 8);
            memcpy(p + 8 * i, t, 8);
            return;
        }
    }
}

static void drop_slot(unsigned char *p, uint64_t len)
{
    for (size_t i = 0; i < len / 8; i++)
        if (p[8 * i] || p[8 * i + 4]) {
            memset(p + 8 * i, 0, 8);
            return;
        }
}

static void slot_value_too_big(unsigned char *p, uint64_t len)
{
    for (size_t i = 0; i < len / 8; i++) {
        uint64_t s;
        memcpy(&s, p + 8 * i, 8);
        if (s) {
            s |= 0xfffffff0u;
            memcpy(p + 8 * i, &s, 8);
            return;
        }
    }
}

static void first_event_kind(unsigned char *p, uint64_t len)
{
    (void)len;
    p[4] = 200;
}

static void member_twice(unsigned char *p, uint64_t len)
{
    (void)len;
    memcpy(p + 4, p, 4); /* the first event's second member is its first */
}

static void order_swap_pair(unsigned char *p, uint64_t len)
{
    (void)len;
    memcpy(p, p + 4, 4); /* SME 0's first partner listed twice */
}

static void bad_half_life(unsigned char *p, uint64_t len)
{
    (void)len;
    double hl = -1;
    memcpy(p + 24, &hl, 8);
}

/* A byte of the first SME id "R-0..." or of the name after it. */
static unsigned char *first_id(unsigned char *p, uint64_t len)
{
    for (uint64_t i = 0; i + 2 < len; i++)
        if (p[i] == 'R' && p[i + 1] == '-' && (i == 0 || p[i - 1] == 0))
            return p + i;
    fail_msg("no id in the strings");
    return NULL;
}

/* The long id's bytes (read eight at a time by the checker). */
static unsigned char *long_id(unsigned char *p, uint64_t len)
{
    for (uint64_t i = 0; i + 9 < len; i++)
        if (memcmp(p + i, "LONGER-ID", 9) == 0)
            return p + i;
    fail_msg("no long id in the strings");
    return NULL;
}

static void long_id_del(unsigned char *p, uint64_t len)
{
    long_id(p, len)[12] = 0x7f;
}

static void long_id_control(unsigned char *p, uint64_t len)
{
    long_id(p, len)[5] = 0x1f;
}

static void long_id_not_utf8(unsigned char *p, uint64_t len)
{
    long_id(p, len)[9] = 0xff;
}

static void id_control(unsigned char *p, uint64_t len)
{
    first_id(p, len)[3] = 0x7f;
}

static void id_control_low(unsigned char *p, uint64_t len)
{
    first_id(p, len)[2] = 0x09;
}

static void name_not_utf8(unsigned char *p, uint64_t len)
{
    unsigned char *id = first_id(p, len);
    unsigned char *name = id + strlen((const char *)id) + 1;
    name[0] = 0xc3; /* a lead byte without its continuation */
    name[1] = 'x';
}

static void damaged_maps_and_history_refused(void **state)
{
    (void)state;
    sm_engine *a = tu_random_engine(120);
    add_history(a, 80, 3);
    assert_int_equal(tu_put(a, "LONGER-ID-0123456789", "SI03", "C", "x", "y", 1, NULL, SM_SIZE_SMALL), SM_OK);
    char p[300];
    path_in(p, sizeof p, "d.smsnap");
    assert_int_equal(sm_snapshot_save(a, p), SM_OK);
    size_t n;
    unsigned char *f = read_all(p, &n);
    expect_refused(f, n, SM__SEC_ID_MAP, swap_two_slots, "id map");
    expect_refused(f, n, SM__SEC_ID_MAP, drop_slot, "id map");
    expect_refused(f, n, SM__SEC_ID_MAP, slot_value_too_big, "id map");
    expect_refused(f, n, SM__SEC_TAG_MAP, drop_slot, "tag map");
    expect_refused(f, n, SM__SEC_TAG_MAP, swap_two_slots, "tag map");
    expect_refused(f, n, SM__SEC_HIST_EVENTS, first_event_kind, "history");
    expect_refused(f, n, SM__SEC_HIST_MEMBERS, member_twice, "history");
    expect_refused(f, n, SM__SEC_HIST_ORDER, order_swap_pair, "history");
    expect_refused(f, n, SM__SEC_HISTORY, bad_half_life, "history");
    expect_refused(f, n, SM__SEC_STRINGS, id_control, "invalid id or name");
    expect_refused(f, n, SM__SEC_STRINGS, id_control_low, "invalid id or name");
    expect_refused(f, n, SM__SEC_STRINGS, name_not_utf8, "invalid id or name");
    expect_refused(f, n, SM__SEC_STRINGS, long_id_del, "invalid id or name");
    expect_refused(f, n, SM__SEC_STRINGS, long_id_control, "invalid id or name");
    expect_refused(f, n, SM__SEC_STRINGS, long_id_not_utf8, "invalid id or name");
    /* a map whose length is not a power of two of slots */
    {
        unsigned char *g = malloc(n);
        memcpy(g, f, n);
        unsigned char *e = entry_of(g, SM__SEC_ID_MAP);
        uint64_t len;
        memcpy(&len, e + 16, 8);
        len -= 8;
        memcpy(e + 16, &len, 8);
        reseal(g);
        sm_engine *out = NULL;
        assert_int_equal(sm__snapshot_read_buffer(&out, g, n, "short", NULL), SM_ERR_PARSE);
        tu_assert_error(SM_ERR_PARSE, "id map");
        free(g);
    }
    free(f);
    sm_engine_free(a);
}

/* Makes a 1.1 file look like a 1.0 one: its maps renamed to ids this
 * reader does not know (so it builds them), minor version 0. */
static void as_format_1_0(unsigned char *f)
{
    const uint32_t ids[] = { SM__SEC_ID_MAP, SM__SEC_TAG_MAP };
    for (size_t k = 0; k < 2; k++) {
        uint32_t unknown = 250 + (uint32_t)k;
        memcpy(entry_of(f, ids[k]), &unknown, 4);
    }
    uint16_t minor = 0;
    memcpy(f + 10, &minor, 2);
    reseal(f);
}

/* A 1.0 file has no maps and no history: the reader builds the maps. Made
 * here by renaming the 1.1 sections to ids this reader does not know. */
static void without_maps(void **state)
{
    (void)state;
    sm_engine *a = tu_random_engine(90);
    char p[300];
    path_in(p, sizeof p, "m.smsnap");
    assert_int_equal(sm_snapshot_save(a, p), SM_OK);
    size_t n;
    unsigned char *f = read_all(p, &n);
    as_format_1_0(f);
    sm_engine *b = NULL;
    assert_int_equal(sm__snapshot_read_buffer(&b, f, n, "old", NULL), SM_OK);
    /* info names what it does not know "unknown" and still checks it */
    char q[300];
    path_in(q, sizeof q, "old.smsnap");
    FILE *out = fopen(q, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(f, 1, n, out), n);
    fclose(out);
    sm_snapshot_info *info = NULL;
    assert_int_equal(sm_snapshot_info_get(&info, q), SM_OK);
    assert_int_equal(info->format_minor, 0);
    assert_int_equal(info->smes, 90);
    size_t unknown = 0;
    for (size_t i = 0; i < info->n_sections; i++)
        if (strcmp(info->sections[i].name, "unknown") == 0) {
            unknown++;
            assert_true(info->sections[i].checksum_ok);
        }
    assert_int_equal(unknown, 2);
    assert_int_equal(info->n_damaged, 0);
    sm_snapshot_info_free(info);
    sm_snapshot_info_free(NULL);
    same_answers(a, b);
    /* and takes changes */
    assert_int_equal(tu_put(b, "ZZ", "SI03", "C", "a", "b", 1, NULL, SM_SIZE_MICRO), SM_OK);
    sm_engine_free(b);
    free(f);
    sm_engine_free(a);
}

#if defined(SM_ALLOC_SITES)
void sm__default_alloc_override(const sm_allocator *a);
#else
static void sm__default_alloc_override(const sm_allocator *a)
{
    (void)a;
}
#endif

/* An engine with a history (one member removed since) made with allocator
 * a, small enough to sweep. */
static sm_engine *history_engine(const sm_allocator *a)
{
    sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
    o.taxonomies = SM_TAXONOMY_NONE;
    o.allocator = a;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, &o), SM_OK);
    const char *codes[] = { "SI", "AT", "SI0", "SI03" };
    for (size_t i = 0; i < 4; i++) {
        sm_region_desc d = SM_REGION_DESC_INIT;
        d.code = codes[i];
        d.name = codes[i];
        d.lat = 46 + 0.1 * (double)i;
        d.lon = 14 + 0.2 * (double)i;
        assert_int_equal(sm_region_put(e, &d), SM_OK);
    }
    assert_int_equal(sm_sector_put(e, "C", "Manufacturing", NULL), SM_OK);
    assert_int_equal(sm_sector_put(e, "25", "Metal", "C"), SM_OK);
    const char *ids[] = { "a", "b", "c", "d", "e" };
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(tu_put(e, ids[i], i % 2 ? "AT" : "SI03", i % 2 ? "C" : "25", i % 2 ? "x;y" : "z", "x", 1,
                                NULL, SM_SIZE_SMALL),
                         SM_OK);
    const char *g1[] = { "a", "b", "c" }, *g2[] = { "b", "d" }, *g3[] = { "c", "e", "a" };
    assert_int_equal(sm_history_add(e, g1, 3, "2020-05-01", "project"), SM_OK);
    assert_int_equal(sm_history_add(e, g2, 2, "2022-01-01", "meeting"), SM_OK);
    assert_int_equal(sm_history_add(e, g3, 3, "2023-07-01", "project"), SM_OK);
    assert_int_equal(sm_sme_remove(e, "a"), SM_OK);
    return e;
}

/* Fails each allocation of saving, opening (file and buffer) and describing
 * a snapshot with a history in turn: NOMEM, nothing made, nothing leaked. */
static void alloc_failures(void **state)
{
    (void)state;
    tu_alloc_state as = { 0 };
    sm_allocator a = tu_allocator(&as);
    char p[300];
    path_in(p, sizeof p, "alloc.smsnap");
    sm_engine *e = history_engine(&a);
    long n;
    for (n = 1;; n++) {
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
    }
    as.fail_at = 0;
    size_t len;
    unsigned char *f = read_all(p, &len);
    unsigned char *old = malloc(len); /* the same as a 1.0 file: the reader builds the maps */
    memcpy(old, f, len);
    as_format_1_0(old);
    for (int mode = 0; mode < 3; mode++) {
        tu_alloc_state ls = { 0 };
        sm_allocator la = tu_allocator(&ls);
        sm_snapshot_options o = SM_SNAPSHOT_OPTIONS_INIT;
        o.allocator = &la;
        for (n = 1;; n++) {
            ls.fail_at = ls.calls + n;
            ls.failed = 0;
            sm_engine *out = NULL;
            sm_status st = mode == 0 ? sm_snapshot_load(&out, p, &o)
                           : sm__snapshot_read_buffer(&out, mode == 1 ? f : old, len, "buffer", &la);
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
        assert_true(n > 5);
    }
    /* sm_snapshot_info_get allocates through the default allocator */
    tu_alloc_state ds = { 0 };
    sm_allocator da = tu_allocator(&ds);
    sm__default_alloc_override(&da);
    for (n = 1;; n++) {
        ds.fail_at = ds.calls + n;
        ds.failed = 0;
        sm_snapshot_info *info = (sm_snapshot_info *)(uintptr_t)1;
        sm_status st = sm_snapshot_info_get(&info, p);
        if (!ds.failed) {
            assert_int_equal(st, SM_OK);
            assert_int_equal(info->n_damaged, 0);
            assert_int_equal(info->smes, 4);
            assert_int_equal(info->history_events, 3);
            sm_snapshot_info_free(info);
            break;
        }
        assert_int_equal(st, SM_ERR_NOMEM);
        assert_ptr_equal(info, (sm_snapshot_info *)(uintptr_t)1);
    }
    sm__default_alloc_override(NULL);
    assert_int_equal(ds.live, 0);
    free(old);
    free(f);
    sm_engine_free(e);
    assert_int_equal(as.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(changes_after_load),
        cmocka_unit_test(result_outlives_engine),
        cmocka_unit_test(history_round_trip),
        cmocka_unit_test(damaged_maps_and_history_refused),
        cmocka_unit_test(without_maps),
        cmocka_unit_test(alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
