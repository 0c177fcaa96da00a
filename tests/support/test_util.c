/* Shared test helpers; see test_util.h. */
#include "test_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t tu_mu = PTHREAD_MUTEX_INITIALIZER;

#if defined(SM_ALLOC_SITES)
/* Which allocation sites of the library this test reached and which it
 * failed, appended at exit to $SM_ALLOC_SITES_LOG for
 * tests/alloc/check_sites.py ("R lib/core/sme.c:120", "F ..."). */
const char *sm__alloc_site(int *line);
char tu_failed_site[256];
#define TU_SITES 2048
static struct {
    const char *file;
    int line, reached, failed;
} tu_sites[TU_SITES];
static size_t tu_n_sites;
static int tu_sites_registered;

static void tu_sites_write(void)
{
    const char *path = getenv("SM_ALLOC_SITES_LOG");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    /* one write, so that tests running at once do not interleave lines */
    static char buf[1 << 17];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    for (size_t i = 0; i < tu_n_sites; i++) {
        const char *file = tu_sites[i].file ? tu_sites[i].file : "?";
        const char *lib = strstr(file, "lib/");
        fprintf(f, "%c %s:%d\n", tu_sites[i].failed ? 'F' : 'R', lib ? lib : file, tu_sites[i].line);
    }
    fclose(f);
}

/* Called with tu_mu held. */
static void tu_site_note(int failed)
{
    int line = 0;
    const char *file = sm__alloc_site(&line);
    if (!tu_sites_registered) {
        atexit(tu_sites_write);
        tu_sites_registered = 1;
    }
    size_t i = 0;
    while (i < tu_n_sites && !(tu_sites[i].line == line && (tu_sites[i].file == file ||
                                                          (file && tu_sites[i].file && !strcmp(tu_sites[i].file, file)))))
        i++;
    if (i == tu_n_sites) {
        if (tu_n_sites == TU_SITES)
            return;
        tu_sites[tu_n_sites].file = file;
        tu_sites[tu_n_sites++].line = line;
    }
    tu_sites[i].reached = 1;
    tu_sites[i].failed |= failed;
    if (failed)
        snprintf(tu_failed_site, sizeof tu_failed_site, "%s:%d", file ? file : "?", line);
}
#else
#define tu_site_note(failed) ((void)0)
char tu_failed_site[256] = "(build with -Dalloc_sites=true to know)";
#endif

static int tu_others_only;
static pthread_t tu_owner;

void tu_fail_others_only(int on)
{
    pthread_mutex_lock(&tu_mu);
    tu_others_only = on;
    tu_owner = pthread_self();
    pthread_mutex_unlock(&tu_mu);
}

static int tu_should_fail(tu_alloc_state *s)
{
    pthread_mutex_lock(&tu_mu);
    if (tu_others_only && pthread_equal(pthread_self(), tu_owner)) {
        tu_site_note(0);
        pthread_mutex_unlock(&tu_mu);
        return 0;
    }
    long n = ++s->calls;
    int fail = s->fail_at > 0 && n == s->fail_at;
    if (fail)
        s->failed = 1;
    tu_site_note(fail);
    pthread_mutex_unlock(&tu_mu);
    return fail;
}

static void *tu_malloc(size_t size, void *ud)
{
    tu_alloc_state *s = ud;
    if (tu_should_fail(s))
        return NULL;
    void *p = malloc(size);
    if (p) {
        pthread_mutex_lock(&tu_mu);
        s->live++;
        pthread_mutex_unlock(&tu_mu);
    }
    return p;
}

static void *tu_realloc(void *ptr, size_t size, void *ud)
{
    tu_alloc_state *s = ud;
    if (tu_should_fail(s))
        return NULL;
    return realloc(ptr, size);
}

static void tu_free(void *ptr, void *ud)
{
    tu_alloc_state *s = ud;
    pthread_mutex_lock(&tu_mu);
    s->live--;
    pthread_mutex_unlock(&tu_mu);
    free(ptr);
}

sm_allocator tu_allocator(tu_alloc_state *state)
{
    sm_allocator a = { tu_malloc, tu_realloc, tu_free, state };
    return a;
}

sm_engine *tu_engine_counted(tu_alloc_state *s)
{
    sm_allocator a = tu_allocator(s); /* the engine keeps a copy */
    sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
    eo.allocator = &a;
    sm_engine *e = NULL;
    assert_int_equal(sm_engine_new(&e, &eo), SM_OK);
    return e;
}

sm_engine *tu_engine(unsigned taxonomies)
{
    sm_engine_options o = SM_ENGINE_OPTIONS_INIT;
    o.taxonomies = taxonomies;
    sm_engine *e = NULL;
    sm_status st = sm_engine_new(&e, &o);
    if (st != SM_OK)
        fail_msg("sm_engine_new: %s", sm_error_last()->message);
    return e;
}

#define TU_LISTS 8
#define TU_ITEMS 32
static _Thread_local char tu_buf[TU_LISTS][1024];
static _Thread_local const char *tu_ptrs[TU_LISTS][TU_ITEMS];
static _Thread_local int tu_next;

size_t tu_split(const char *list, const char ***out)
{
    int slot = tu_next++ % TU_LISTS;
    size_t n = 0;
    *out = tu_ptrs[slot];
    if (!list || !*list)
        return 0;
    strncpy(tu_buf[slot], list, sizeof tu_buf[slot] - 1);
    tu_buf[slot][sizeof tu_buf[slot] - 1] = '\0';
    char *p = tu_buf[slot];
    while (p && n < TU_ITEMS) {
        char *semi = strchr(p, ';');
        if (semi)
            *semi = '\0';
        tu_ptrs[slot][n++] = p;
        p = semi ? semi + 1 : NULL;
    }
    return n;
}

sm_status tu_put(sm_engine *e, const char *id, const char *region, const char *sectors, const char *offers,
                 const char *needs, uint32_t coop, const char *languages, sm_size size)
{
    sm_sme_desc d = SM_SME_DESC_INIT;
    d.id = id;
    d.name = id;
    d.region = region;
    d.n_sectors = tu_split(sectors, (const char ***)&d.sectors);
    d.n_offers = tu_split(offers, (const char ***)&d.offers);
    d.n_needs = tu_split(needs, (const char ***)&d.needs);
    d.n_languages = tu_split(languages, (const char ***)&d.languages);
    d.cooperation = coop;
    d.size = size;
    return sm_sme_put(e, &d);
}

const char *tu_shared_data(void)
{
    const char *p = getenv("SM_SHARED_DATA");
    if (!p || !*p)
        return NULL;
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/SOURCES.md", p);
    FILE *f = fopen(probe, "r");
    if (!f)
        return NULL;
    fclose(f);
    return p;
}

void tu_assert_error(sm_status status, const char *substring)
{
    const sm_error *err = sm_error_last();
    if (err->status != status)
        fail_msg("expected %s, last error is %s: %s", sm_status_str(status), sm_status_str(err->status), err->message);
    if (substring && !strstr(err->message, substring))
        fail_msg("message \"%s\" lacks \"%s\"", err->message, substring);
}

/* ---- random engines ---- */

static const char *const regions_pool[] = { "SI032", "SI041", "AT221", "AT130", "HR050", "HU110", "ITH41",
                                            "DE212", "CZ010", "SK010", "RO321", "BG411", "EL303", "PL911" };
static const char *const sectors_pool[] = { "25.11", "25.62", "28.41", "10.51", "17.21", "46.69", "62.01",
                                            "55.10", "49.41", "71.12", "C", "41.20", "73.11", "33.12" };

static unsigned long rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)(rnd_state >> 33) % n;
}

sm_engine *tu_random_engine(size_t n)
{
    rnd_state = 12345;
    sm_engine *e = tu_engine(SM_TAXONOMY_ALL);
    char id[32], sectors[64], offers[256], needs[256];
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "R-%04zu", (i * 7919) % n);
        /* 0 to 4 secondary sectors: the scan packs up to two per SME and
         * reads the rest from the engine */
        snprintf(sectors, sizeof sectors, "%s", sectors_pool[rnd(14)]);
        for (unsigned j = 0, m = rnd(3) ? 0 : 1 + rnd(4); j < m; j++)
            snprintf(sectors + strlen(sectors), sizeof sectors - strlen(sectors), ";%s", sectors_pool[rnd(14)]);
        offers[0] = needs[0] = '\0';
        for (unsigned j = 0, m = rnd(5); j < m; j++)
            snprintf(offers + strlen(offers), sizeof offers - strlen(offers), "%stag%u", j ? ";" : "", rnd(40));
        for (unsigned j = 0, m = rnd(5); j < m; j++)
            snprintf(needs + strlen(needs), sizeof needs - strlen(needs), "%stag%u", j ? ";" : "", rnd(40));
        const char *langs[] = { "", "en", "de;en", "sl", "hu", "it;sl" };
        sm_status st = tu_put(e, id, regions_pool[rnd(14)], sectors, offers, needs, rnd(256), langs[rnd(6)],
                              (sm_size)rnd(5));
        if (st)
            fail_msg("put %s: %s", id, sm_error_last()->message);
    }
    return e;
}


static int tu_cmp_scored(const void *x, const void *y)
{
    const tu_scored *a = x, *b = y;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return strcmp(a->id, b->id);
}

size_t tu_brute_rank(tu_scored *all, sm_engine *e, const char *qid, const sm_weighting *w, int cross_border)
{
    size_t n = sm_sme_count(e), m = 0;
    sm_sme_desc *qd = NULL;
    if (sm_sme_get(&qd, e, qid) != SM_OK)
        fail_msg("tu_brute_rank: %s", sm_error_last()->message);
    for (size_t j = 0; j < n; j++) {
        sm_sme_desc *d = NULL;
        if (sm_sme_at(&d, e, j) != SM_OK)
            fail_msg("tu_brute_rank: %s", sm_error_last()->message);
        if (strcmp(d->id, qid) != 0 && !(cross_border && strncmp(d->region, qd->region, 2) == 0)) {
            sm_result *x = NULL;
            if (sm_query_explain(&x, e, qid, d->id, w) != SM_OK)
                fail_msg("tu_brute_rank: explain %s %s: %s", qid, d->id, sm_error_last()->message);
            snprintf(all[m].id, sizeof all[m].id, "%s", d->id);
            all[m++].total = sm_result_score(x, 0);
            sm_result_free(x);
        }
        sm_sme_desc_free(d);
    }
    sm_sme_desc_free(qd);
    qsort(all, m, sizeof *all, tu_cmp_scored);
    return m;
}

void tu_assert_top_is_brute(sm_engine *e, const char *qid, const sm_weighting *w, int cross_border, size_t k)
{
    tu_scored *all = calloc(sm_sme_count(e) + 1, sizeof *all);
    if (!all)
        fail_msg("tu_assert_top_is_brute: out of memory");
    size_t m = tu_brute_rank(all, e, qid, w, cross_border);
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.weighting = w;
    o.k = k;
    o.cross_border = cross_border;
    sm_result *r = NULL;
    if (sm_query_top(&r, e, qid, &o) != SM_OK)
        fail_msg("query %s: %s", qid, sm_error_last()->message);
    size_t want = m < k ? m : k;
    if (sm_result_count(r) != want)
        fail_msg("query %s: %zu results, brute force %zu", qid, sm_result_count(r), want);
    for (size_t i = 0; i < want; i++)
        if (strcmp(sm_result_id(r, i), all[i].id) != 0 || sm_result_score(r, i) != all[i].total)
            fail_msg("query %s rank %zu: %s %.17g, brute force %s %.17g", qid, i, sm_result_id(r, i),
                     sm_result_score(r, i), all[i].id, all[i].total);
    sm_result_free(r);
    free(all);
}

void tu_assert_same_top(sm_engine *a, sm_engine *b, const char *qid, size_t k)
{
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.k = k;
    sm_result *r = NULL, *g = NULL;
    assert_int_equal(sm_query_top(&r, a, qid, &o), SM_OK);
    assert_int_equal(sm_query_top(&g, b, qid, &o), SM_OK);
    assert_int_equal(sm_result_count(r), sm_result_count(g));
    for (size_t i = 0; i < sm_result_count(r); i++) {
        assert_string_equal(sm_result_id(r, i), sm_result_id(g, i));
        assert_float_equal(sm_result_score(r, i), sm_result_score(g, i), 1e-12);
    }
    sm_result_free(r);
    sm_result_free(g);
}
