/* The allocation-failure sweep over the public API: every operation runs
 * again and again on a fresh fixture, failing its first allocation, then its
 * second, and so on until it runs without a failure. After each failed run
 * it checks what the header promises: the documented status (SM_ERR_NOMEM,
 * or SM_OK where the library absorbs the failure), out-parameters left
 * untouched, the engine exactly as before (a fingerprint of its regions,
 * sectors, affinity, history, SMEs and one query) and still usable, and no leak once
 * everything is freed. Objects made without an engine (weightings, boxed
 * strings) are swept through the default allocator's test override. With
 * -Dalloc_sites=true every site the sweep reaches or fails is logged for
 * tests/alloc/check_sites.py. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(SM_ALLOC_SITES)
void sm__default_alloc_override(const sm_allocator *a);
#else
static void sm__default_alloc_override(const sm_allocator *a)
{
    (void)a;
}
#endif

extern size_t sm__load_chunk;  /* lib/io/load.c: bytes sm_load_file reads at a time */
extern size_t sm__arena_block_size;/* lib/base/arena.c: bytes of a new arena block */
extern size_t sm__delta_limit_override; /* lib/score/cache.c: delta rows that make a writer rebuild the base */

/* ---- fixtures --------------------------------------------------------------- */

typedef struct fixture {
    tu_alloc_state st;
    sm_allocator alloc;
    sm_engine *e;
    sm_weighting *w;
    sm_result *r[4];
    size_t n_r;
    sm_overview *ov;
    sm_geometry *g;
    char path[256];
} fixture;

static const char *const smes_csv =
    "id,name,region,sectors,size,employees,founded,offers,needs,cooperation,languages\n"
    "C-1,Alpha d.o.o.,SI032,25.11;28.41,small,20,2001,cnc machining;welding,packaging;logistics,subcontracting,sl;en\n"
    "C-2,Beta GmbH,AT211,17.21,medium,120,1990,packaging;printing,cnc machining,supply;rnd,de\n"
    "C-3,Gamma Kft.,HU110,62.01,micro,,2015,software;design,welding;printing,licensing,hu;en\n"
    "C-4,\"Delta, s.r.o.\",CZ010,46.69,small,30,,logistics,software;cnc machining,distribution,cs\n"
    "C-5,Epsilon,HR050,C,micro,3,2020,design,logistics,,hr\n"
    "C-6,Bad row,XX999,25.11,small,,,a,b,,\n";

static const char *const smes_json =
    "{\"smes\": ["
    "{\"id\": \"J-1\", \"name\": \"Jota\", \"region\": \"SI041\", \"sectors\": [\"C25\"], \"size\": \"small\","
    " \"offers\": [\"cnc machining\", \"welding\"], \"needs\": [\"packaging\"], \"languages\": [\"sl\"]},"
    "{\"id\": \"J-2\", \"region\": \"AT130\", \"sectors\": [\"17.21\", \"J62\"], \"employees\": 40,"
    " \"offers\": \"packaging;printing\", \"needs\": [\"cnc machining\"], \"cooperation\": [\"supply\"]},"
    "{\"id\": \"J-3\", \"region\": \"SI041\", \"sectors\": [\"C25\"], \"size\": true}"
    "]}";

static const char *const regions_csv = "code,name,lat,lon,development,languages\n"
                                       "XX,Testland,45,15,,xx;en\n"
                                       "XX1,North,46.5,15.25,80,\n"
                                       "SI041,Ljubljana,46.05,14.5,120,sl\n";
static const char *const regions_json =
    "{\"regions\": [{\"code\": \"XY\", \"name\": \"Y-land\", \"lat\": 45, \"lon\": 15, \"languages\": [\"en\"]}],"
    " \"development\": [{\"region\": \"SI032\", \"development\": 70.5}],"
    " \"affinity\": [{\"sector_a\": \"C25\", \"sector_b\": \"C28\", \"affinity\": 0.9}]}";
static const char *const development_csv = "region,development\nSI,90\nSI03,71.5\nAT,125\n";
static const char *const affinity_csv = "sector_a,sector_b,affinity\nC25,C28,0.9\nF,25,0.5\nJ,62,0.7\n";

static void fx_engine(fixture *f, unsigned taxonomies)
{
    sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
    o.taxonomies = taxonomies;
    o.allocator = &f->alloc;
    assert_int_equal(sm_engine_new(&f->e, &o), SM_OK);
}

/* The engine with the built-in tables and a dozen SMEs. */
static void fx_engine_with_smes(fixture *f)
{
    fx_engine(f, SM_TAXONOMY_ALL);
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.lenient = 1;
    assert_int_equal(sm_load_buffer(f->e, smes_csv, strlen(smes_csv), "smes.csv", &o, NULL), SM_OK);
    assert_int_equal(tu_put(f->e, "P-1", "SI041", "25.11", "cnc machining;welding;design", "printing", 1, "sl;en",
                            SM_SIZE_SMALL),
                     SM_OK);
    assert_int_equal(tu_put(f->e, "P-2", "HR050", "28.41;C25", "printing", "welding", 3, "hr", SM_SIZE_MEDIUM), SM_OK);
    assert_int_equal(tu_put(f->e, "P-3", "AT130", "J", "software", "design;logistics", 0, "de", SM_SIZE_MICRO), SM_OK);
}

static void fx_free(fixture *f)
{
    sm_overview_free(f->ov);
    sm_geometry_free(f->g);
    for (size_t i = 0; i < f->n_r; i++)
        sm_result_free(f->r[i]);
    sm_weighting_free(f->w);
    sm_engine_free(f->e);
    if (f->path[0])
        unlink(f->path);
}

/* ---- the engine's fingerprint ------------------------------------------------ */

static unsigned long long fnv(unsigned long long h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

static unsigned long long fnv_str(unsigned long long h, const char *s)
{
    return fnv(h, s ? s : "(null)", strlen(s ? s : "(null)") + 1);
}

static unsigned long long fingerprint(const sm_engine *e)
{
    unsigned long long h = 1469598103934665603ull;
    if (!e)
        return 0;
    size_t n = sm_region_count(e);
    h = fnv(h, &n, sizeof n);
    for (size_t i = 0; i < n; i++) {
        const sm_region_info *r = NULL;
        assert_int_equal(sm_region_at(&r, e, i), SM_OK);
        h = fnv_str(h, r->code);
        h = fnv_str(h, r->name);
        double dev = sm_region_development(e, r->code);
        if (!isnan(dev))
            h = fnv(h, &dev, sizeof dev);
    }
    n = sm_sector_count(e);
    h = fnv(h, &n, sizeof n);
    for (size_t i = 0; i < n; i += 7) {
        const sm_sector_info *s = NULL;
        assert_int_equal(sm_sector_at(&s, e, i), SM_OK);
        h = fnv_str(h, s->code);
    }
    static const char *const pairs[][2] = { { "C25", "C28" }, { "F", "25" }, { "25.11", "C28" }, { "J", "C" } };
    for (size_t i = 0; i < 4; i++) {
        double v = 0;
        if (sm_affinity_get(&v, e, pairs[i][0], pairs[i][1]) == SM_OK)
            h = fnv(h, &v, sizeof v);
    }
    sm_history_info hi;
    memset(&hi, 0, sizeof hi);
    assert_int_equal(sm_history_info_get(&hi, e), SM_OK);
    h = fnv(h, &hi.cooperations, sizeof hi.cooperations);
    h = fnv(h, &hi.links, sizeof hi.links);
    h = fnv(h, &hi.smes_with_history, sizeof hi.smes_with_history);
    h = fnv_str(h, hi.last_date);
    n = sm_sme_count(e);
    h = fnv(h, &n, sizeof n);
    for (size_t i = 0; i < n; i++) {
        sm_sme_desc *d = NULL;
        assert_int_equal(sm_sme_at(&d, e, i), SM_OK);
        h = fnv_str(h, d->id);
        h = fnv_str(h, d->name);
        h = fnv_str(h, d->region);
        for (size_t j = 0; j < d->n_sectors; j++)
            h = fnv_str(h, d->sectors[j]);
        for (size_t j = 0; j < d->n_offers; j++)
            h = fnv_str(h, d->offers[j]);
        for (size_t j = 0; j < d->n_needs; j++)
            h = fnv_str(h, d->needs[j]);
        h = fnv(h, &d->cooperation, sizeof d->cooperation);
        h = fnv(h, &d->size, sizeof d->size);
        sm_sme_desc_free(d);
    }
    if (n) {
        sm_sme_desc *d = NULL;
        assert_int_equal(sm_sme_at(&d, e, 0), SM_OK);
        sm_result *r = NULL;
        assert_int_equal(sm_query_top(&r, e, d->id, NULL), SM_OK); /* usable */
        for (size_t i = 0; i < sm_result_count(r); i++) {
            h = fnv_str(h, sm_result_id(r, i));
            double s = sm_result_score(r, i);
            h = fnv(h, &s, sizeof s);
        }
        sm_result_free(r);
        sm_sme_desc_free(d);
    }
    return h;
}

/* ---- operations ------------------------------------------------------------------ */

/* Each returns the operation's status; `absorbs` says the operation may
 * succeed although an allocation failed (it has a way around it). */
typedef struct op {
    const char *name;
    void (*setup)(fixture *f);
    sm_status (*run)(fixture *f);
    int absorbs;
    int big_blocks; /* keep 64 KiB arena blocks (operations that fill thousands of records) */
} op;

static void setup_none(fixture *f)
{
    (void)f;
}
static void setup_empty(fixture *f)
{
    fx_engine(f, SM_TAXONOMY_NONE);
}
static void setup_builtin(fixture *f)
{
    fx_engine(f, SM_TAXONOMY_ALL);
}

static sm_status run_engine_new(fixture *f)
{
    sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
    o.allocator = &f->alloc;
    sm_engine *e = (sm_engine *)&f->st; /* sentinel: must stay on failure */
    sm_status st = sm_engine_new(&e, &o);
    if (st != SM_OK)
        assert_ptr_equal(e, (sm_engine *)&f->st);
    else
        f->e = e;
    return st;
}

static sm_status run_load_builtin(fixture *f)
{
    return sm_engine_load_builtin(f->e, SM_TAXONOMY_ALL);
}

static const char *const region_langs[] = { "sl", "xq" };

static sm_status run_region_put(fixture *f)
{
    sm_region_desc d = { SM_REGION_DESC_VERSION, "SI0X", "New region", 46.1, 14.9, 88, region_langs, 2 };
    return sm_region_put(f->e, &d);
}

/* Into an engine without regions: every array and map grows. */
static sm_status run_region_put_first(fixture *f)
{
    sm_region_desc d = { SM_REGION_DESC_VERSION, "XQ", "Country", 46.1, 14.9, 88, region_langs, 2 };
    return sm_region_put(f->e, &d);
}

static sm_status run_region_replace(fixture *f)
{
    sm_region_desc r = { SM_REGION_DESC_VERSION, "SI041", "Osrednjeslovenska (renamed)", 46.0, 14.5, 119,
                         region_langs, 2 };
    return sm_region_put(f->e, &r);
}

static sm_status run_development(fixture *f)
{
    return sm_region_set_development(f->e, "SI032", 71.25);
}

static sm_status run_sector_replace(fixture *f)
{
    return sm_sector_put(f->e, "25.99", "Other fabricated metal products (renamed)", NULL);
}

static sm_status run_section_put(fixture *f)
{
    return sm_sector_put(f->e, "U", "Activities of extraterritorial organisations", NULL);
}

static sm_status run_sector_put(fixture *f)
{
    return sm_sector_put(f->e, "99.01", "New sector", "U");
}

static sm_status run_affinity_set(fixture *f)
{
    return sm_affinity_set(f->e, "25", "28", 0.9);
}

static sm_status run_affinity_matrix(fixture *f)
{
    const char *codes[] = { "C", "J", "62" };
    const double m[] = { 1, 0.4, 0.5, 0.4, 1, 0.8, 0.5, 0.8, 1 };
    return sm_affinity_set_matrix(f->e, codes, 3, m);
}

static void setup_affinity_changed(fixture *f)
{
    setup_builtin(f);
    assert_int_equal(sm_affinity_set(f->e, "25", "28", 0.9), SM_OK);
}

static sm_status run_affinity_reset(fixture *f)
{
    return sm_affinity_reset(f->e);
}

static sm_status run_cooperation(fixture *f)
{
    uint32_t bit = 0;
    return sm_cooperation_register(&bit, f->e, "technology_transfer");
}

static sm_status run_sme_put(fixture *f)
{
    return tu_put(f->e, "N-1", "SI032", "25.11;62.01;C28", "Brand New Tag;welding", "other new tag;printing", 5,
                  "sl;it;xz", SM_SIZE_SMALL);
}

/* A queried engine whose next change makes its writer rebuild the scoring
 * base beside the current one: a failure there is absorbed (the delta
 * stays, the results are the same). */
static void setup_queried(fixture *f)
{
    fx_engine_with_smes(f);
    sm_result *r = NULL;
    assert_int_equal(sm_query_top(&r, f->e, "C-1", NULL), SM_OK);
    sm_result_free(r);
}

static sm_status run_sme_put_rebuilds(fixture *f)
{
    sm__delta_limit_override = 1;
    sm_status st = run_sme_put(f);
    sm__delta_limit_override = 0;
    return st;
}

/* A queried engine with 64 SMEs: the next new one grows the columns and the
 * id map, built beside the readers and swapped in. */
static void setup_full(fixture *f)
{
    fx_engine_with_smes(f);
    char id[16];
    for (int i = 0; sm_sme_count(f->e) < 64; i++) {
        snprintf(id, sizeof id, "F-%d", i);
        assert_int_equal(tu_put(f->e, id, "SI032", "25.11", "welding", "printing", 2, "", SM_SIZE_SMALL), SM_OK);
    }
    sm_result *r = NULL;
    assert_int_equal(sm_query_top(&r, f->e, "C-1", NULL), SM_OK);
    sm_result_free(r);
}

static sm_status run_sme_replace(fixture *f)
{
    return tu_put(f->e, "C-1", "SI041", "28.41", "welding", "printing;yet another tag", 0, "", SM_SIZE_MEDIUM);
}

/* Deferred changes: a new SME with new tags and a new language (prepared in
 * the exclusive step), a replacement and a removal, queued (only the flush
 * publishes them: a long delay), then published in one batch by the flush.
 * A failed call leaves the changes queued before it unpublished, dropped
 * with the engine; a failure in publishing drops the batch. */
static sm_status run_deferred(fixture *f)
{
    sm_defer_options o = SM_DEFER_OPTIONS_INIT;
    o.max_delay_ms = 10000;
    sm_status st = sm_engine_defer_configure(f->e, &o);
    const char **off = NULL, **need = NULL, **langs = NULL;
    const char *secs[] = { "25.11", "62.01" };
    sm_sme_desc d = SM_SME_DESC_INIT;
    d.id = "N-1";
    d.name = "New one";
    d.region = "SI032";
    d.sectors = secs;
    d.n_sectors = 2;
    d.n_offers = tu_split("Brand New Tag;welding", &off);
    d.offers = off;
    d.n_needs = tu_split("other new tag;printing", &need);
    d.needs = need;
    d.n_languages = tu_split("sl;xz", &langs);
    d.languages = langs;
    d.size = SM_SIZE_SMALL;
    if (!st)
        st = sm_sme_put_deferred(f->e, &d);
    d.id = "C-2";
    d.n_languages = 1;
    if (!st)
        st = sm_sme_put_deferred(f->e, &d);
    if (!st)
        st = sm_sme_remove_deferred(f->e, "C-3");
    if (!st)
        st = sm_engine_flush(f->e);
    return st;
}

/* An SME with long lists (tags normalised in a heap buffer), replaced until
 * the list pool is mostly garbage: the next replacement compacts it. */
static sm_status put_long_lists(fixture *f, int round)
{
    static char tags[90][64];
    static const char *offers[90];
    for (int i = 0; i < 90; i++) {
        snprintf(tags[i], sizeof tags[i], "a rather long offered capability number %02d of round %d", i, round);
        offers[i] = tags[i];
    }
    const char *sec[] = { "25.11" }, *need[] = { "welding" };
    sm_sme_desc d = SM_SME_DESC_INIT;
    d.id = "G-1";
    d.region = "SI032";
    d.sectors = sec;
    d.n_sectors = 1;
    d.offers = offers;
    d.n_offers = 90;
    d.needs = need;
    d.n_needs = 1;
    return sm_sme_put(f->e, &d);
}

static void setup_garbage(fixture *f)
{
    setup_builtin(f);
    for (int r = 0; r < 11; r++)
        assert_int_equal(put_long_lists(f, 0), SM_OK);
}

static sm_status run_replace_compacts(fixture *f)
{
    return put_long_lists(f, 1);
}

/* An SME with a long name, replaced until the text of ids and names is
 * mostly garbage: the next replacement compacts it (its columns stay). */
static sm_status put_long_name(fixture *f, int round)
{
    char name[301];
    memset(name, 'a' + round, 300);
    name[300] = '\0';
    const char *sec[] = { "25.11" };
    sm_sme_desc d = SM_SME_DESC_INIT;
    d.id = "N-1";
    d.name = name;
    d.region = "SI032";
    d.sectors = sec;
    d.n_sectors = 1;
    return sm_sme_put(f->e, &d);
}

static void setup_text_garbage(fixture *f)
{
    setup_builtin(f);
    for (int r = 0; r < 13; r++) /* 13 x 305 bytes of the first 4096 */
        assert_int_equal(put_long_name(f, r), SM_OK);
}

static sm_status run_replace_compacts_text(fixture *f)
{
    return put_long_name(f, 13);
}

static sm_status run_sme_remove(fixture *f)
{
    return sm_sme_remove(f->e, "C-2");
}

static sm_status run_sme_get(fixture *f)
{
    sm_sme_desc *d = (sm_sme_desc *)&f->st;
    sm_status st = sm_sme_get(&d, f->e, "C-1");
    if (st) {
        assert_ptr_equal(d, (sm_sme_desc *)&f->st);
        return st;
    }
    sm_sme_desc_free(d);
    d = NULL;
    st = sm_sme_at(&d, f->e, 2);
    sm_sme_desc_free(d);
    return st;
}

static sm_status run_bulk(fixture *f)
{
    sm_bulk *b = NULL;
    sm_status st = sm_bulk_new(&b, f->e);
    if (st)
        return st;
    char id[16], tag[32];
    for (int i = 0; i < 40 && !st; i++) {
        snprintf(id, sizeof id, "B-%02d", i);
        snprintf(tag, sizeof tag, "bulk tag %d", i % 7);
        const char *sec[] = { i % 2 ? "25.11" : "J" }, *off[] = { tag, "welding" }, *need[] = { "printing" };
        sm_sme_desc d = SM_SME_DESC_INIT;
        d.id = id;
        d.region = i % 3 ? "SI032" : "AT211";
        d.sectors = sec;
        d.n_sectors = 1;
        d.offers = off;
        d.n_offers = 2;
        d.needs = need;
        d.n_needs = 1;
        st = sm_bulk_put(b, &d);
    }
    if (!st)
        st = sm_bulk_commit(b);
    sm_bulk_free(b);
    return st;
}

static sm_status load(fixture *f, const char *text, const char *name, int lenient, int dry)
{
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.lenient = lenient;
    o.dry_run = dry;
    sm_load_report rep = { 7, 7, 7 };
    sm_status st = sm_load_buffer(f->e, text, strlen(text), name, &o, &rep);
    if (st == SM_ERR_NOMEM && !dry)
        assert_int_equal(rep.loaded, 0);
    return st;
}

static sm_status run_csv_smes_lenient(fixture *f)
{
    return load(f, smes_csv, "smes.csv", 1, 0);
}
static sm_status run_csv_smes_strict(fixture *f)
{
    /* strict: the bad last row fails it, so load the good rows only */
    char text[2048];
    snprintf(text, sizeof text, "%s", smes_csv);
    *strstr(text, "C-6,") = '\0';
    return load(f, text, "smes.csv", 0, 0);
}
static sm_status run_csv_smes_dry(fixture *f)
{
    sm_status st = load(f, smes_csv, "smes.csv", 1, 1);
    return st;
}
static sm_status run_csv_regions(fixture *f)
{
    return load(f, regions_csv, "regions.csv", 0, 0);
}
static sm_status run_csv_development(fixture *f)
{
    return load(f, development_csv, "development.csv", 0, 0);
}
/* Quoted lines go through libcsv, the others are split by the loader: a
 * file that starts with quoted lines makes libcsv's path allocate first. */
static const char *const quoted_csv = "\"id\",\"region\",\"sectors\",\"offers\"\n"
                                      "\"Q-1\",\"SI041\",\"C25\",\"a;b\"\n"
                                      "Q-2,AT130,C28,c\n";
static sm_status run_csv_quoted(fixture *f)
{
    return load(f, quoted_csv, "quoted.csv", 0, 0);
}
static sm_status run_csv_affinity(fixture *f)
{
    return load(f, affinity_csv, "affinity.csv", 0, 0);
}
static sm_status run_json_smes(fixture *f)
{
    return load(f, smes_json, "smes.json", 1, 0);
}
static sm_status run_json_kinds(fixture *f)
{
    return load(f, regions_json, "regions.json", 0, 0);
}
static sm_status run_json_dry(fixture *f)
{
    return load(f, smes_json, "smes.json", 1, 1);
}

static void setup_file(fixture *f, const char *text, const char *ext)
{
    setup_builtin(f);
    snprintf(f->path, sizeof f->path, "/tmp/sm-sweep-%ld%s", (long)getpid(), ext);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}
static void setup_csv_file(fixture *f)
{
    setup_file(f, smes_csv, ".csv");
}
static void setup_json_file(fixture *f)
{
    setup_file(f, smes_json, ".json");
}
static sm_status run_file(fixture *f)
{
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.lenient = 1;
    return sm_load_file(f->e, f->path, &o, NULL);
}

/* Small reads: the file is read in many chunks (the JSON buffer grows). */
static sm_status run_file_small_reads(fixture *f)
{
    sm__load_chunk = 64;
    sm_status st = run_file(f);
    sm__load_chunk = (size_t)1 << 16;
    return st;
}

static sm_status run_query(fixture *f)
{
    sm_result *r = (sm_result *)&f->st;
    sm_status st = sm_query_top(&r, f->e, "C-1", NULL);
    if (st) {
        assert_ptr_equal(r, (sm_result *)&f->st);
        return st;
    }
    f->r[f->n_r++] = r;
    const char *countries[] = { "AT", "HU", "HR", "CZ" }, *excl[] = { "C-2" };
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = 3;
    o.countries = countries;
    o.n_countries = 4;
    o.exclude_ids = excl;
    o.n_exclude_ids = 1;
    o.cross_region_level = 2;
    o.cross_sector_level = 1;
    o.max_km = 900;
    r = NULL;
    if ((st = sm_query_top(&r, f->e, "P-1", &o)))
        return st;
    f->r[f->n_r++] = r;
    r = NULL;
    if ((st = sm_query_explain(&r, f->e, "C-1", "C-2", NULL)))
        return st;
    f->r[f->n_r++] = r;
    return SM_OK;
}

static int collect(const sm_result *r, void *ud)
{
    size_t *n = ud;
    *n += sm_result_count(r);
    return 0;
}

static sm_status run_batch(fixture *f)
{
    size_t n = 0;
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = 4;
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    o.query = &q;
    o.threads = 2;
    o.on_result = collect;
    o.result_userdata = &n;
    return sm_batch_run(f->e, &o);
}

static sm_status run_batch_ids(fixture *f)
{
    size_t n = 0;
    const char *ids[] = { "P-3", "C-1", "C-4", "P-1" };
    sm_batch_options o = SM_BATCH_OPTIONS_INIT;
    o.ids = ids;
    o.n_ids = 4;
    o.threads = 1;
    o.on_result = collect;
    o.result_userdata = &n;
    return sm_batch_run(f->e, &o);
}

static void setup_results(fixture *f)
{
    fx_engine_with_smes(f);
    f->alloc = tu_allocator(&f->st);
    const char *ids[] = { "C-1", "P-2", "C-3" };
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(sm_query_top(&f->r[f->n_r++], f->e, ids[i], NULL), SM_OK);
}

static sm_status run_format(fixture *f)
{
    char *s = (char *)&f->st;
    size_t len = 12345;
    const sm_result *const *rs = (const sm_result *const *)f->r;
    sm_status st = sm_result_format(&s, &len, rs, f->n_r, SM_FORMAT_CSV);
    if (st) {
        assert_ptr_equal(s, (char *)&f->st);
        assert_int_equal(len, 12345);
        return st;
    }
    sm_free(s);
    s = NULL;
    if ((st = sm_result_format(&s, &len, rs, f->n_r, SM_FORMAT_JSON)))
        return st;
    sm_free(s);
    return SM_OK;
}

static double my_criterion(const sm_pair *p, void *ud)
{
    (void)ud;
    return p->distance_km < 300 ? 1.0 : 0.25;
}
static double my_combine(const double *s, const double *w, size_t n, void *ud)
{
    (void)ud;
    double t = 0, ws = 0;
    for (size_t i = 0; i < n; i++)
        t += s[i] * w[i], ws += w[i];
    return ws > 0 ? t / ws : 0;
}
static void free_ud(void *p)
{
    free(p);
}

/* Weightings are made without an engine: the default allocator, which the
 * sweep points at its failing allocator. */
static sm_status run_weighting(fixture *f)
{
    sm_weighting *w = (sm_weighting *)&f->st, *p = NULL, *c = NULL;
    sm_status st = sm_weighting_parse(&w, "cross_border,complementarity=3,combiner=geometric,region_reach.scale_km=250");
    if (st) {
        assert_ptr_equal(w, (sm_weighting *)&f->st);
        return st;
    }
    if ((st = sm_weighting_preset(&p, "supply_chain")) || (st = sm_weighting_copy(&c, w)))
        goto out;
    void *ud = malloc(8);
    if ((st = sm_weighting_add_criterion(c, "near", my_criterion, ud, free_ud, 2))) {
        free(ud);
        goto out;
    }
    if ((st = sm_weighting_set_combiner(c, SM_COMBINE_CUSTOM, my_combine, NULL, NULL)))
        goto out;
    char *text = NULL;
    if ((st = sm_weighting_to_string(&text, w)))
        goto out;
    sm_free(text);
    sm_weighting *n = NULL;
    if (!(st = sm_weighting_new(&n)))
        sm_weighting_free(n);
out:
    sm_weighting_free(w);
    sm_weighting_free(p);
    sm_weighting_free(c);
    return st;
}

/* ---- the overview: geometry, maps, pictures, the report, writing ---------- */

static const char *const geometry_text = "# test outlines\n"
                                         "SI 0 13400,45500 16600,45500 16600,46900 13400,46900\n"
                                         "SI03 2 14500,45500 16600,45500 16600,46900;15000,46000 15100,46000 15100,46100\n"
                                         "SI04 2 13400,45500 14500,45500 14500,46900 13400,46900\n"
                                         "AT 0 9500,46400 17100,46400 17100,49000 9500,49000\n"
                                         "AT13 2 16200,48100 16600,48100 16600,48300 16200,48300\n";

static void write_geometry(fixture *f)
{
    snprintf(f->path, sizeof f->path, "/tmp/sm-sweep-geo-%ld.txt", (long)getpid());
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs(geometry_text, fp);
    fclose(fp);
}

static void setup_geometry_file(fixture *f)
{
    write_geometry(f);
}

static void setup_empty_geometry_file(fixture *f)
{
    write_geometry(f);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fclose(fp);
}

static sm_status run_geometry_load(fixture *f)
{
    sm_geometry *g = (sm_geometry *)&f->st;
    sm_status st = sm_geometry_load(&g, f->path);
    if (st)
        assert_ptr_equal(g, (sm_geometry *)&f->st);
    else
        f->g = g;
    return st;
}

/* An overview over SMEs in more NUTS-2 regions and sectors than a picture
 * shows (so the pictures rank their rows), and a geometry. */
static void setup_overview(fixture *f)
{
    fx_engine(f, SM_TAXONOMY_ALL);
    static const char *const sectors[] = { "25.11", "28.41", "62.01", "17.21", "46.69", "10.11", "20.1", "71.12",
                                           "01.1",  "49.41", "55.1",  "85.59", "C",     "J",     "M",     "G",
                                           "F",     "H",     "K",     "N",     "P",     "Q",     "R" };
    size_t nreg = sm_region_count(f->e), used = 0;
    char id[16];
    for (size_t i = 0; i < nreg && used < 50; i++) {
        const sm_region_info *r = NULL;
        assert_int_equal(sm_region_at(&r, f->e, i), SM_OK);
        if (r->level != 2)
            continue;
        snprintf(id, sizeof id, "O-%02zu", used);
        const char *sec = sectors[used % (sizeof sectors / sizeof *sectors)];
        assert_int_equal(tu_put(f->e, id, r->code, sec, used % 2 ? "welding;design" : "printing",
                                used % 2 ? "printing" : "welding;software", 1, "en", SM_SIZE_SMALL),
                         SM_OK);
        used++;
    }
    assert_int_equal(tu_put(f->e, "O-SI", "SI041", "25.11", "welding", "printing", 1, "sl", SM_SIZE_SMALL), SM_OK);
    assert_int_equal(tu_put(f->e, "O-AT", "AT130", "62.01", "printing", "welding", 1, "de", SM_SIZE_SMALL), SM_OK);
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.threads = 1;
    assert_int_equal(sm_overview_new(&f->ov, f->e, &o), SM_OK);
    write_geometry(f);
    assert_int_equal(sm_geometry_load(&f->g, f->path), SM_OK);
}

static sm_status run_overview_pictures(fixture *f)
{
    for (int pic = SM_PICTURE_HEATMAP; pic <= SM_PICTURE_THEMES; pic++) {
        char *svg = (char *)&f->st;
        sm_status st = sm_overview_format(&svg, NULL, f->ov, SM_OUTPUT_SVG, pic, f->g);
        if (st) {
            assert_ptr_equal(svg, (char *)&f->st);
            return st;
        }
        sm_free(svg);
    }
    char *html = NULL;
    sm_status st = sm_overview_format(&html, NULL, f->ov, SM_OUTPUT_REPORT, 0, f->g);
    sm_free(html);
    return st;
}

static sm_status run_overview_write(fixture *f)
{
    char out[300];
    snprintf(out, sizeof out, "%s.json", f->path);
    sm_status st = sm_overview_write(out, f->ov, SM_OUTPUT_JSON, 0, NULL);
    unlink(out);
    return st;
}

/* ---- cooperation history, evaluation ------------------------------------------ */

static const char *const history_csv = "a,b,date,kind\n"
                                       "C-1,C-2,2018-03-01,project\n"
                                       "C-2,C-3,2018-06-01,deal\n"
                                       "P-1,C-4,2019-01-15,meeting\n"
                                       "C-1,P-2,2019-02-01,project\n";

static sm_status run_history_add_first(fixture *f)
{
    const char *ids[] = { "C-1", "C-2", "P-3" };
    return sm_history_add(f->e, ids, 3, "2020-05-01", "project");
}

static void setup_history_file(fixture *f)
{
    fx_engine_with_smes(f);
    snprintf(f->path, sizeof f->path, "/tmp/sm-sweep-hist-%ld.csv", (long)getpid());
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs(history_csv, fp);
    fclose(fp);
}

static sm_status run_history_load_file(fixture *f)
{
    size_t n = 77;
    sm_status st = sm_history_load(f->e, f->path, &n);
    if (st)
        assert_int_equal(n, 77);
    return st;
}

static sm_status run_history_load_buffer(fixture *f)
{
    return sm_history_load_buffer(f->e, history_csv, strlen(history_csv), "history.csv", NULL);
}

static const char *const history_json = "[{\"members\": [\"C-1\", \"C-2\", \"P-3\"], \"date\": \"2018-03-01\", "
                                        "\"kind\": \"project\"},\n"
                                        " {\"a\": \"C-2\", \"b\": \"C-3\", \"date\": \"2018-06-01\"}]\n";

static sm_status run_history_load_json(fixture *f)
{
    return sm_history_load_buffer(f->e, history_json, strlen(history_json), "history.json", NULL);
}

/* More cooperations after the split than SMEs: more queries than SMEs. */
static void setup_evaluation(fixture *f)
{
    fx_engine_with_smes(f);
    static const char *const ids[] = { "C-1", "C-2", "C-3", "C-4", "C-5", "P-1", "P-2", "P-3" };
    char date[16];
    for (int i = 0; i < 30; i++) {
        const char *pair[] = { ids[i % 8], ids[(i * 3 + 1) % 8] };
        if (strcmp(pair[0], pair[1]) == 0)
            pair[1] = ids[(i + 1) % 8];
        snprintf(date, sizeof date, "%d-%02d-15", i < 12 ? 2018 : 2020, 1 + i % 12);
        assert_int_equal(sm_history_add(f->e, pair, 2, date, "project"), SM_OK);
    }
}

static sm_status run_evaluate(fixture *f)
{
    sm_evaluate_options o = SM_EVALUATE_OPTIONS_INIT;
    o.split_date = "2019-06-01";
    o.negatives = 4;
    o.bootstrap = 5;
    sm_evaluation *ev = (sm_evaluation *)&f->st;
    sm_status st = sm_evaluate(&ev, f->e, &o);
    if (st) {
        assert_ptr_equal(ev, (sm_evaluation *)&f->st);
        return st;
    }
    char *text = NULL;
    st = sm_evaluation_format(&text, ev);
    sm_free(text);
    sm_evaluation_free(ev);
    return st;
}

/* The default weighting with a history (the preset's network criteria,
 * sector_history's counts) and the network reasons. */
static sm_status run_query_network(fixture *f)
{
    sm_weighting *w = NULL;
    sm_status st = sm_weighting_parse(&w, "balanced");
    if (st)
        return st;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    o.k = 5;
    sm_result *r = NULL;
    if (!(st = sm_query_top(&r, f->e, "C-1", &o)))
        st = sm_result_explain(r, f->e);
    sm_result_free(r);
    sm_weighting_free(w);
    return st;
}

static sm_status run_fit(fixture *f)
{
    sm_fit_options o = SM_FIT_OPTIONS_INIT;
    o.split_date = "2020-06-01";
    o.validation_date = "2019-06-01";
    o.rounds = 2;
    sm_weighting *w = (sm_weighting *)&f->st;
    sm_evaluation *ev = NULL;
    sm_status st = sm_fit(&w, &ev, f->e, &o);
    if (st) {
        assert_ptr_equal(w, (sm_weighting *)&f->st);
        return st;
    }
    sm_weighting_free(w);
    sm_evaluation_free(ev);
    return st;
}

static const op ops[] = {
    { "engine_new", setup_none, run_engine_new, 0, 1 },
    { "load_builtin", setup_empty, run_load_builtin, 0, 1 },
    /* the fingerprint queried the engine: a region added, or given other
     * languages, leaves the scoring cache stale, and the writer rebuilds it
     * at the end of the call; a failure there is absorbed (the first query
     * rebuilds it instead) */
    { "region_put", fx_engine_with_smes, run_region_put, 1, 0 },
    { "region_put_first", setup_empty, run_region_put_first, 0, 0 },
    { "region_put_replace", fx_engine_with_smes, run_region_replace, 1, 0 },
    { "region_set_development", setup_builtin, run_development, 0, 0 },
    { "sector_put", setup_builtin, run_sector_put, 0, 0 },
    { "sector_put_first", setup_empty, run_section_put, 0, 0 },
    { "sector_put_replace", setup_builtin, run_sector_replace, 0, 0 },
    { "affinity_set", setup_builtin, run_affinity_set, 0, 0 },
    { "affinity_set_matrix", setup_builtin, run_affinity_matrix, 0, 0 },
    { "affinity_reset", setup_affinity_changed, run_affinity_reset, 0, 0 },
    { "cooperation_register", setup_empty, run_cooperation, 0, 0 },
    { "sme_put", fx_engine_with_smes, run_sme_put, 0, 0 },
    { "sme_put_replace", fx_engine_with_smes, run_sme_replace, 0, 0 },
    { "sme_put_rebuilds_base", setup_queried, run_sme_put_rebuilds, 1, 0 },
    { "sme_deferred", fx_engine_with_smes, run_deferred, 0, 0 },
    { "sme_deferred_queried", setup_queried, run_deferred, 1, 0 },
    { "sme_put_replace_compacts", setup_garbage, run_replace_compacts, 1, 0 },
    { "sme_put_replace_compacts_text", setup_text_garbage, run_replace_compacts_text, 1, 0 },
    { "sme_put_grows_queried", setup_full, run_sme_put, 0, 0 },
    { "sme_remove", fx_engine_with_smes, run_sme_remove, 0, 0 },
    { "sme_get_at", fx_engine_with_smes, run_sme_get, 0, 0 },
    { "bulk", fx_engine_with_smes, run_bulk, 0, 0 },
    { "csv_smes_lenient", setup_builtin, run_csv_smes_lenient, 1, 0 },
    { "csv_smes_strict", setup_builtin, run_csv_smes_strict, 1, 0 },
    { "csv_smes_dry_run", setup_builtin, run_csv_smes_dry, 1, 0 },
    { "csv_regions", fx_engine_with_smes, run_csv_regions, 1, 0 },
    { "csv_development", setup_builtin, run_csv_development, 1, 0 },
    { "csv_affinity", setup_builtin, run_csv_affinity, 1, 0 },
    { "csv_quoted", setup_builtin, run_csv_quoted, 1, 0 },
    { "json_smes", setup_builtin, run_json_smes, 1, 0 },
    { "json_regions_development_affinity", fx_engine_with_smes, run_json_kinds, 1, 0 },
    { "json_dry_run", setup_builtin, run_json_dry, 1, 0 },
    { "load_file_csv", setup_csv_file, run_file, 1, 0 },
    { "load_file_json", setup_json_file, run_file, 1, 0 },
    { "load_file_json_small_reads", setup_json_file, run_file_small_reads, 1, 0 },
    { "load_file_csv_small_reads", setup_csv_file, run_file_small_reads, 1, 0 },
    { "query_top_explain", fx_engine_with_smes, run_query, 0, 0 },
    { "batch", fx_engine_with_smes, run_batch, 0, 0 },
    { "batch_ids", fx_engine_with_smes, run_batch_ids, 1, 0 }, /* sorting by region is skipped when short */
    { "result_format", setup_results, run_format, 0, 0 },
    { "weighting", setup_none, run_weighting, 0, 0 },
    { "history_add_first", fx_engine_with_smes, run_history_add_first, 0, 0 },
    /* libcsv asks for less when a larger buffer fails: absorbed */
    { "history_load_file", setup_history_file, run_history_load_file, 1, 0 },
    { "history_load_buffer_first", fx_engine_with_smes, run_history_load_buffer, 1, 0 },
    { "evaluate_and_format", setup_evaluation, run_evaluate, 0, 0 },
    { "history_load_json", fx_engine_with_smes, run_history_load_json, 1, 0 },
    { "query_network_explain", setup_evaluation, run_query_network, 0, 0 },
    { "fit", setup_evaluation, run_fit, 0, 0 },
    { "geometry_load", setup_geometry_file, run_geometry_load, 0, 0 },
    { "geometry_load_empty", setup_empty_geometry_file, run_geometry_load, 0, 0 },
    { "overview_pictures_and_report", setup_overview, run_overview_pictures, 0, 0 },
    { "overview_write", setup_overview, run_overview_write, 0, 0 },
};

static void sweep(const op *o)
{
    /* the reference run: its status (a dry run over a bad row reports that
     * row's) and the engine it leaves */
    fixture f;
    memset(&f, 0, sizeof f);
    f.alloc = tu_allocator(&f.st);
    /* objects made without an engine use the default allocator: pointed at
     * the same failing allocator from setup to free */
    sm__default_alloc_override(&f.alloc);
    o->setup(&f);
    sm__arena_block_size = o->big_blocks ? 65536u : 0u;
    sm_status expect = o->run(&f);
    sm__arena_block_size = 65536u;
    unsigned long long after = fingerprint(f.e);
    fx_free(&f);
    sm__default_alloc_override(NULL);
    assert_int_equal(f.st.live, 0);
    long failures = 0;
    for (long n = 1;; n++) {
        memset(&f, 0, sizeof f);
        f.alloc = tu_allocator(&f.st);
        sm__default_alloc_override(&f.alloc);
        o->setup(&f);
        unsigned long long before = fingerprint(f.e);
        f.st.failed = 0;
        f.st.fail_at = f.st.calls + n;
        /* a block per arena allocation: every arena call can fail */
        sm__arena_block_size = o->big_blocks ? 65536u : 0u;
        sm_status st = o->run(&f);
        sm__arena_block_size = 65536u;
        int failed = f.st.failed;
        f.st.fail_at = 0;
        if (!failed) {
            if (st != expect)
                fail_msg("%s: status %d, the reference run gave %d", o->name, (int)st, (int)expect);
            fx_free(&f);
            sm__default_alloc_override(NULL);
            assert_int_equal(f.st.live, 0);
            break;
        }
        failures++;
        if (st == SM_ERR_NOMEM) {
            assert_int_equal(sm_error_last()->status, SM_ERR_NOMEM);
            if (fingerprint(f.e) != before)
                fail_msg("%s: allocation %ld (%s) failed and the engine changed", o->name, n, tu_failed_site);
        } else if (o->absorbs && st == expect) {
            /* the library went around the failure: the same outcome */
            if (fingerprint(f.e) != after)
                fail_msg("%s: allocation %ld (%s) failed, absorbed, but the engine differs from the reference run",
                         o->name, n, tu_failed_site);
        } else {
            fail_msg("%s: allocation %ld (%s) failed: status %d (%s), not SM_ERR_NOMEM", o->name, n, tu_failed_site,
                     (int)st, sm_error_last()->message);
        }
        fx_free(&f);
        sm__default_alloc_override(NULL);
        if (f.st.live != 0)
            fail_msg("%s: allocation %ld (%s) failed: %ld block(s) leaked", o->name, n, tu_failed_site, f.st.live);
    }
    print_message("# %-34s %4ld allocations failed in turn\n", o->name, failures);
}

#define N_OPS (sizeof ops / sizeof *ops)

static void sweep_one(void **state)
{
    sweep(*state);
}

int main(void)
{
    struct CMUnitTest tests[N_OPS];
    for (size_t i = 0; i < N_OPS; i++) {
        struct CMUnitTest t = { ops[i].name, sweep_one, NULL, NULL, (void *)&ops[i] };
        tests[i] = t;
    }
    return _cmocka_run_group_tests("sweep", tests, N_OPS, NULL, NULL);
}
