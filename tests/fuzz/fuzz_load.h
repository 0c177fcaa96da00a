/* Shared body of the loader fuzz targets: one input loaded in every mode
 * (dry run, strict, lenient) into one engine with the built-in taxonomies,
 * with checks of what the modes promise. The engine is reset between inputs
 * (SMEs removed; rebuilt when an input changed regions, development or
 * affinity, or added more than a few languages), so that an input
 * behaves the same whatever ran before it. */
#ifndef SM_FUZZ_LOAD_H
#define SM_FUZZ_LOAD_H

#include "core/core.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static sm_engine *base;
static unsigned base_langs;
/* Load options a target may set before fuzz_load (CSV: delimiter, encoding). */
static int fuzz_delimiter;
static const char *fuzz_encoding;

static void fresh_engine(void)
{
    sm_engine_free(base);
    base = NULL;
    if (sm_engine_new(&base, NULL) != SM_OK)
        abort();
    base_langs = base->n_langs;
}

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz: broken promise: %s (%s)\n", what, sm_error_last()->message);
        abort();
    }
}

static size_t problems;

static int count_problem(const sm_error *e, void *ud)
{
    (void)ud;
    check(e->message[0] != '\0', "problems have a message");
    problems++;
    return 0;
}

static void clear_smes(void)
{
    while (sm_sme_count(base)) {
        sm_sme_desc *d = NULL;
        check(sm_sme_at(&d, base, 0) == SM_OK, "sm_sme_at");
        check(sm_sme_remove(base, d->id) == SM_OK, "sm_sme_remove");
        sm_sme_desc_free(d);
    }
}

static void fuzz_load(const uint8_t *data, size_t size, sm_format format, const char *name)
{
    if (!base)
        fresh_engine();
    const char *text = (const char *)data;
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    sm_load_report rep;
    o.format = format;
    o.on_problem = count_problem;
    o.delimiter = fuzz_delimiter;
    o.encoding = fuzz_encoding;
    bool rebuild = false;
    size_t regions = sm_region_count(base);

    /* dry run: every problem reported, nothing changes */
    for (int lenient = 0; lenient <= 1; lenient++) {
        o.dry_run = 1;
        o.lenient = lenient;
        problems = 0;
        sm_load_buffer(base, text, size, name, &o, &rep);
        check(sm_sme_count(base) == 0 && sm_region_count(base) == regions, "a dry run changes nothing");
        check(rep.loaded + rep.skipped <= rep.rows, "counts add up");
        check(problems >= rep.skipped, "each skipped record is reported");
    }
    /* strict: all or nothing */
    o.dry_run = 0;
    o.lenient = 0;
    sm_status st = sm_load_buffer(base, text, size, name, &o, &rep);
    if (st != SM_OK) {
        check(sm_sme_count(base) == 0 && sm_region_count(base) == regions, "a failed strict load changes nothing");
        check(rep.loaded == 0, "a failed load loads nothing");
    } else {
        check(rep.skipped == 0 && rep.loaded == rep.rows, "a strict load takes every record");
        rebuild = rebuild || rep.loaded > sm_sme_count(base);
    }
    clear_smes();
    /* lenient: the good records */
    o.lenient = 1;
    problems = 0;
    st = sm_load_buffer(base, text, size, name, &o, &rep);
    if (st == SM_OK) {
        check(rep.loaded + rep.skipped == rep.rows, "lenient counts add up");
        /* every problem of a skipped row is reported (SME rows may have several) */
        check(problems >= rep.skipped && (rep.skipped > 0 || problems == 0), "each skipped record is reported");
        rebuild = rebuild || rep.loaded > sm_sme_count(base);
    } else {
        check(sm_sme_count(base) == 0, "a failed lenient load loads nothing");
    }
    clear_smes();
    if (rebuild || sm_region_count(base) != regions || base->n_langs > base_langs + 8 || base->tags.n > 100000)
        fresh_engine();
}

#endif
