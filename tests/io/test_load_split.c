/* load_split.c: a CSV input read on two threads gives what one thread
 * gives: the same SMEs in the same order, the same tag ids, the same
 * problems in the same order with the same messages, the same reports; from
 * buffers and files, with quoted fields over several lines, new tags and
 * languages in either part, errors in either part, ids in both parts, and failing
 * allocations. */
#include "test_util.h"
#include "io_helpers.h"

#include "core/core.h"
#include "io/io.h"
#include "sm_config.h"

#include <stdio.h>
#include <unistd.h>

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    int k = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    assert_true(k > 0 && (size_t)k < sizeof line);
    if (t->n + (size_t)k + 1 > t->cap) {
        t->cap = (t->n + (size_t)k + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    memcpy(t->s + t->n, line, (size_t)k + 1);
    t->n += (size_t)k;
}

/* Rows of SMEs; every 7th name is quoted and spans two lines, every row has
 * a tag of its own (so the second part brings tags the first part does not
 * have) and shared ones; `eol` ends the lines. `bad` (1-based, 0 = none)
 * is a row with an unknown region, `dup` one that repeats the id of row
 * dup_of. */
static text csv_rows(int n, const char *eol, int bad, int dup, int dup_of)
{
    text t = { NULL, 0, 0 };
    static const char *const regions[] = { "SI041", "AT130", "DE212", "ITC4C", "HR050" };
    static const char *const langs[] = { "sl;en", "de", "de;en", "it", "hr;en" };
    add(&t, "id,name,region,sectors,size,employees,founded,offers,needs,cooperation,languages%s", eol);
    for (int i = 1; i <= n; i++) {
        int id = i == dup ? dup_of : i;
        const char *region = i == bad ? "XX999" : regions[i % 5];
        if (i % 7 == 0)
            add(&t, "S-%04d,\"Firm %d\nand sons\",%s,C25;28.1,small,%d,%d,\"steel;own tag %d\",welding;tag %d,supply,%s%s",
                id, i, region, 10 + i % 30, 1990 + i % 30, i, i % 11, langs[i % 5], eol);
        else
            add(&t, "S-%04d,Firm %d,%s,C%d,,,,offer %d;steel;own tag %d,need %d,rnd;subcontracting,%s%s", id, i, region,
                25 + i % 4, i % 13, i, i % 17, langs[i % 5], eol);
    }
    return t;
}

/* Everything an engine holds of its SMEs and tags, in index order. */
static void assert_same_engine(sm_engine *a, sm_engine *b)
{
    assert_int_equal(sm_sme_count(a), sm_sme_count(b));
    assert_int_equal(a->tags.n, b->tags.n);
    for (size_t t = 0; t < a->tags.n; t++) {
        assert_string_equal(a->tags.str[t], b->tags.str[t]);
        assert_string_equal(a->tags.disp[t] ? a->tags.disp[t] : a->tags.str[t],
                            b->tags.disp[t] ? b->tags.disp[t] : b->tags.str[t]);
        assert_int_equal(a->tags.df[t], b->tags.df[t]);
    }
    assert_int_equal(a->n_langs, b->n_langs);
    for (size_t i = 0; i < sm_sme_count(a); i++) {
        sm_sme_desc *x = NULL, *y = NULL;
        assert_int_equal(sm_sme_at(&x, a, i), SM_OK);
        assert_int_equal(sm_sme_at(&y, b, i), SM_OK);
        assert_string_equal(x->id, y->id);
        assert_string_equal(x->name ? x->name : "", y->name ? y->name : "");
        assert_string_equal(x->region, y->region);
        assert_int_equal(x->n_sectors, y->n_sectors);
        for (size_t k = 0; k < x->n_sectors; k++)
            assert_string_equal(x->sectors[k], y->sectors[k]);
        assert_int_equal(x->n_offers, y->n_offers);
        for (size_t k = 0; k < x->n_offers; k++)
            assert_string_equal(x->offers[k], y->offers[k]);
        assert_int_equal(x->n_needs, y->n_needs);
        for (size_t k = 0; k < x->n_needs; k++)
            assert_string_equal(x->needs[k], y->needs[k]);
        assert_int_equal(x->n_languages, y->n_languages);
        assert_int_equal(x->cooperation, y->cooperation);
        assert_int_equal(x->employees, y->employees);
        assert_int_equal(x->founded, y->founded);
        assert_int_equal((int)x->size, (int)y->size);
        for (size_t k = 0; k < x->n_languages; k++)
            assert_string_equal(x->languages[k], y->languages[k]);
        assert_int_equal(a->smes.offer_sig[i], b->smes.offer_sig[i]);
        assert_int_equal(a->smes.need_sig[i], b->smes.need_sig[i]);
        assert_int_equal(a->smes.langs[i], b->smes.langs[i]);
        sm_sme_desc_free(x);
        sm_sme_desc_free(y);
    }
}

typedef struct outcome {
    sm_status st;
    sm_load_report rep;
    char message[1024];
    io_problems problems;
    sm_engine *e;
} outcome;

static char tmp_path[300];

/* Loads t on one thread or on two, from a buffer or a file. */
static void load(outcome *o, const text *t, bool split, bool file, int lenient)
{
    sm__load_split_min = split ? 0 : SIZE_MAX;
    memset(o, 0, sizeof *o);
    o->e = tu_engine(SM_TAXONOMY_ALL);
    sm_load_options opts = SM_LOAD_OPTIONS_INIT;
    opts.lenient = lenient;
    opts.on_problem = io_collect;
    opts.userdata = &o->problems;
    if (file) {
        FILE *f = fopen(tmp_path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(t->s, 1, t->n, f), t->n);
        fclose(f);
        sm__load_chunk = 509; /* reads end anywhere, the file is read in many */
        o->st = sm_load_file(o->e, tmp_path, &opts, &o->rep);
        sm__load_chunk = (size_t)1 << 16;
    } else {
        o->st = sm_load_buffer(o->e, t->s, t->n, "smes.csv", &opts, &o->rep);
    }
    snprintf(o->message, sizeof o->message, "%s", o->st ? sm_error_last()->message : "");
    sm__load_split_min = SIZE_MAX;
}

static void outcome_free(outcome *o)
{
    sm_engine_free(o->e);
}

/* One thread and two give the same; `taken`: the second part was used. */
static void assert_same_load(const text *t, int lenient, bool taken)
{
    for (int file = 0; file <= 1; file++) {
        outcome one, two;
        load(&one, t, false, file, lenient);
        size_t before = sm__load_split_taken;
        load(&two, t, true, file, lenient);
        assert_int_equal(sm__load_split_taken - before, taken ? 1 : 0);
        assert_int_equal(one.st, two.st);
        assert_string_equal(one.message, two.message);
        assert_int_equal(one.rep.rows, two.rep.rows);
        assert_int_equal(one.rep.loaded, two.rep.loaded);
        assert_int_equal(one.rep.skipped, two.rep.skipped);
        assert_int_equal(one.problems.n, two.problems.n);
        for (int i = 0; i < one.problems.n && i < IO_MAX_PROBLEMS; i++) {
            assert_string_equal(one.problems.message[i], two.problems.message[i]);
            assert_int_equal(one.problems.line[i], two.problems.line[i]);
            assert_int_equal(one.problems.column[i], two.problems.column[i]);
        }
        assert_same_engine(one.e, two.e);
        outcome_free(&one);
        outcome_free(&two);
    }
}

static void clean_files_split(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    const char *eols[] = { "\n", "\r\n" };
    for (int k = 0; k < 2; k++) {
        text t = csv_rows(300, eols[k], 0, 0, 0);
        assert_same_load(&t, 0, true);
        assert_same_load(&t, 1, true);
        free(t.s);
    }
    /* without a line end at the end of the file */
    text t = csv_rows(100, "\n", 0, 0, 0);
    t.s[--t.n] = '\0';
    assert_same_load(&t, 0, true);
    free(t.s);
}

/* Quoted fields over many lines around the split point: the split is after
 * them, at a line end outside quotes, and lines are counted as one thread
 * counts them. */
static void quoted_lines_around_the_split(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    text t = { NULL, 0, 0 };
    add(&t, "id,name,region,sectors\n");
    for (int i = 1; i <= 200; i++)
        add(&t, "Q-%d,\"%s\",SI041,C25\n", i, i >= 70 && i <= 130 ? "a\n\"\"quoted\"\"\nname\nover\nlines" : "plain");
    assert_same_load(&t, 0, true);
    add(&t, "Q-201,bad,XX999,C25\n");
    assert_same_load(&t, 0, false); /* the error is in the second part: read again */
    assert_same_load(&t, 1, false);
    free(t.s);
}

static void errors_in_either_part(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    /* first part: one thread reports it, the second part is still taken
     * in lenient mode and dropped in strict mode */
    text t = csv_rows(200, "\n", 10, 0, 0);
    assert_same_load(&t, 0, false);
    assert_same_load(&t, 1, true);
    free(t.s);
    /* second part: read again on the calling thread */
    t = csv_rows(200, "\n", 190, 0, 0);
    assert_same_load(&t, 0, false);
    assert_same_load(&t, 1, false);
    free(t.s);
    /* both */
    t = csv_rows(200, "\r\n", 190, 0, 0);
    memcpy(strstr(t.s, "S-0003"), "S-0001", 6);
    assert_same_load(&t, 1, false);
    free(t.s);
}

static void ids_in_both_parts(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    /* row 180 repeats row 5's id: one thread names line of the first */
    text t = csv_rows(200, "\n", 0, 180, 5);
    assert_same_load(&t, 0, false);
    assert_same_load(&t, 1, false);
    free(t.s);
    /* twice in the second part */
    t = csv_rows(200, "\n", 0, 190, 185);
    assert_same_load(&t, 0, false);
    free(t.s);
}

/* Inputs that are not split, or whose second part is read again: lines
 * ended by '\r' alone, tags new all the time, other kinds of data. */
static void inputs_read_by_one_thread(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    text t = csv_rows(100, "\r", 0, 0, 0);
    assert_same_load(&t, 0, false);
    free(t.s);
    t = (text){ NULL, 0, 0 };
    add(&t, "region,development\n");
    for (int i = 0; i < 40; i++)
        add(&t, "%s,%d\n", i % 2 ? "SI041" : "AT130", 50 + i);
    assert_same_load(&t, 0, false);
    assert_same_load(&t, 1, false);
    free(t.s);
}

/* n rows whose tags are shared in other spellings ("Shared Tag 1",
 * "shared  tag 1"), and with new languages: variant 1 in row 30, 2 in the
 * last eighth of the rows, 3 both. */
static text mixed_rows(int n, int variant)
{
    static const char *const spell[] = { "Shared Tag %d", "shared  tag %d", "SHARED TAG %d" };
    text t = { NULL, 0, 0 };
    add(&t, "id,region,sectors,offers,needs,languages\n");
    for (int i = 1; i <= n; i++) {
        const char *lang = "en";
        if ((variant == 1 || variant == 3) && i == 30)
            lang = "ja;en"; /* no region of the taxonomy speaks these */
        if ((variant == 2 || variant == 3) && i > n - n / 8)
            lang = i % 2 ? "zh" : "ja;ko";
        char shared[64];
        snprintf(shared, sizeof shared, spell[(i / 3) % 3], i % 40);
        add(&t, "L-%d,SI041,C25,%s;row %d;%s,tail %d;%s,%s\n", i, shared, i, i > n / 2 ? "Late" : "early", n - i,
            i % 5 ? "early" : "late", lang);
    }
    return t;
}

/* Rows whose tags are new in every row, shared across the parts in other
 * spellings (the first one met is displayed), and languages the engine
 * lacks first met in either part: both threads stage them, and the tags get
 * the ids and spellings one thread gives them. */
static void new_tags_and_languages_in_either_part(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    text t = csv_rows(12000, "\n", 0, 0, 0); /* a tag of its own in every row */
    assert_same_load(&t, 0, true);
    free(t.s);
    for (int variant = 0; variant < 4; variant++) {
        t = mixed_rows(400, variant);
        assert_same_load(&t, 0, true);
        assert_same_load(&t, 1, true);
        /* L-41 lists "shared  tag 1", shown as L-1 first spelled it */
        outcome o;
        load(&o, &t, true, false, 0);
        sm_sme_desc *x = NULL;
        assert_int_equal(sm_sme_get(&x, o.e, "L-41"), SM_OK);
        bool shown = false;
        for (size_t k = 0; k < x->n_offers; k++)
            shown = shown || !strcmp(x->offers[k], "Shared Tag 1");
        assert_true(shown);
        sm_sme_desc_free(x);
        outcome_free(&o);
        free(t.s);
    }
}

/* A load that fails leaves no tags behind, on one thread and on two. */
static void failed_load_leaves_no_tags(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    const int bad[] = { 10, 190 };
    for (int k = 0; k < 2; k++) {
        text t = csv_rows(200, "\n", bad[k], 0, 0);
        for (int split = 0; split <= 1; split++) {
            outcome o;
            load(&o, &t, split, false, 0);
            assert_int_not_equal(o.st, SM_OK);
            assert_int_equal(sm_sme_count(o.e), 0);
            assert_int_equal(o.e->tags.n, 0);
            outcome_free(&o);
        }
        free(t.s);
    }
}

/* Failing each allocation in turn (on either thread): the load fails with
 * SM_ERR_NOMEM and the engine holds no SME, or it gives what one thread gives. */
static void fail_each_allocation(text t)
{
    outcome want;
    load(&want, &t, false, false, 0);
    assert_int_equal(want.st, SM_OK);
    size_t arena_block = sm__arena_block_size;
    sm__arena_block_size = 0; /* every arena allocation reaches the allocator */
    for (int file = 0; file <= 1; file++) {
        /* a failure on the second thread is no failure of the load (the
         * calling thread reads the part again): on until nothing fails */
        bool failed = true;
        sm_status st = SM_ERR_NOMEM;
        for (long k = 1; failed && k < 100000; k++) {
            tu_alloc_state s = { 0, 0, 0, 0 };
            sm_engine *e = tu_engine_counted(&s);
            s.fail_at = s.calls + k;
            sm__load_split_min = 0;
            if (file) {
                FILE *f = fopen(tmp_path, "wb");
                assert_non_null(f);
                assert_int_equal(fwrite(t.s, 1, t.n, f), t.n);
                fclose(f);
                sm__load_chunk = 509;
                st = sm_load_file(e, tmp_path, NULL, NULL);
                sm__load_chunk = (size_t)1 << 16;
            } else {
                st = sm_load_buffer(e, t.s, t.n, "smes.csv", NULL, NULL);
            }
            sm__load_split_min = SIZE_MAX;
            failed = s.failed;
            s.fail_at = 0; /* nothing fails any more: the comparison allocates */
            if (st == SM_ERR_NOMEM)
                assert_int_equal(sm_sme_count(e), 0);
            else
                assert_same_engine(want.e, e);
            sm_engine_free(e);
            assert_int_equal(s.live, 0);
        }
        assert_int_equal(st, SM_OK);
        assert_false(failed);
    }
    /* the second thread's allocations alone, each failed in turn: the
     * load gives what one thread gives (the part read again on the calling
     * thread, or its failure met on the second one); with both threads
     * counted, where a failure lands depends on how they interleave, and
     * so does the second thread's own sequence where the calling thread
     * interns a language it meets */
    for (long k = 1;; k++) {
        tu_alloc_state s = { 0, 0, 0, 0 };
        sm_engine *e = tu_engine_counted(&s);
        s.calls = 0; /* from here on only the second thread's allocations count */
        s.fail_at = k;
        sm__load_split_min = 0;
        size_t taken = sm__load_split_taken;
        tu_fail_others_only(1);
        sm_status st = sm_load_buffer(e, t.s, t.n, "smes.csv", NULL, NULL);
        tu_fail_others_only(0);
        sm__load_split_min = SIZE_MAX;
        bool failed = s.failed;
        s.fail_at = 0;
        assert_int_equal(st, SM_OK);
        assert_same_engine(want.e, e);
        sm_engine_free(e);
        assert_int_equal(s.live, 0);
        if (!failed) {
            assert_true(k > 1);                            /* the second thread allocated */
            assert_int_equal(sm__load_split_taken, taken + 1); /* and, unfailed, its part is taken */
            break;
        }
    }
    sm__arena_block_size = arena_block;
    outcome_free(&want);
    free(t.s);
}

static void allocation_failures(void **state)
{
    (void)state;
    if (!SM_HAVE_LIBCSV)
        io_skip("needs CSV support");
    fail_each_allocation(csv_rows(60, "\n", 0, 0, 0)); /* quoted lines */
    fail_each_allocation(mixed_rows(64, 3));          /* spellings, new languages in both parts */
    /* new languages in the second part only: the engine does not change
     * while the second thread reads, so its allocations, and with them the
     * deferred SMEs' blocks, come in the same order on every run */
    fail_each_allocation(mixed_rows(64, 2));
}

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp_path, sizeof tmp_path, "%s/sm_test_load_split_%ld.csv", base && *base ? base : "/tmp",
             (long)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove(tmp_path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_files_split),
        cmocka_unit_test(quoted_lines_around_the_split),
        cmocka_unit_test(errors_in_either_part),
        cmocka_unit_test(ids_in_both_parts),
        cmocka_unit_test(inputs_read_by_one_thread),
        cmocka_unit_test(new_tags_and_languages_in_either_part),
        cmocka_unit_test(failed_load_leaves_no_tags),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
