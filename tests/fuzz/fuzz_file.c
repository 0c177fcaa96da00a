/* libFuzzer target: sm_load_file. The input's first byte picks the read size
 * (1 to 64 bytes, so chunk boundaries fall everywhere: inside a byte order
 * mark, a CR LF, a quoted field or a UTF-8 sequence) and the file's
 * extension (.csv, .json or none, which makes the loader sniff); the rest is
 * written to a temporary file. A dry run from the file must report exactly
 * what a dry run of the same bytes from memory reports, and the file is then
 * loaded strictly and leniently with the promises of fuzz_load.h. */
#include "fuzz_load.h"
#include "io/io.h"

#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static const char *temp_path(unsigned ext)
{
    static char path[128];
    if (!dir[0]) {
        strcpy(dir, "/tmp/sm-fuzz-file-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    static const char *const names[] = { "in.csv", "in.json", "in.dat" };
    snprintf(path, sizeof path, "%s/%s", dir, names[ext % 3]);
    return path;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
}

static sm_format format_of(unsigned ext)
{
    return ext % 3 == 0 ? SM_FORMAT_CSV : ext % 3 == 1 ? SM_FORMAT_JSON : SM_FORMAT_AUTO;
}

static void dry(sm_status *st, sm_load_report *rep, size_t *n_problems, const char *path, const uint8_t *data,
                size_t size, unsigned ext, int from_file)
{
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.dry_run = 1;
    o.lenient = 1;
    o.on_problem = count_problem;
    problems = 0;
    if (from_file) {
        *st = sm_load_file(base, path, &o, rep);
    } else {
        o.format = format_of(ext);
        *st = sm_load_buffer(base, (const char *)data, size, path, &o, rep);
    }
    *n_problems = problems;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned ctl = data[0];
    data++, size--;
    if (!base)
        fresh_engine();
    const char *path = temp_path(ctl >> 6);
    write_file(path, data, size);
    sm__load_chunk = 1 + (ctl & 63u);

    sm_status st_f, st_b;
    sm_load_report rf, rb;
    size_t pf, pb;
    dry(&st_f, &rf, &pf, path, data, size, ctl >> 6, 1);
    dry(&st_b, &rb, &pb, path, data, size, ctl >> 6, 0);
    check(st_f == st_b, "a file reads as its bytes do (status)");
    check(rf.rows == rb.rows && rf.loaded == rb.loaded && rf.skipped == rb.skipped,
          "a file reads as its bytes do (counts)");
    check(pf == pb, "a file reads as its bytes do (problems)");

    /* the real loads, from the file */
    size_t regions = sm_region_count(base);
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    sm_load_report rep;
    sm_status st = sm_load_file(base, path, &o, &rep);
    if (st != SM_OK)
        check(sm_sme_count(base) == 0 && sm_region_count(base) == regions, "a failed strict load changes nothing");
    else
        check(rep.loaded == rep.rows && rep.skipped == 0, "a strict load takes every record");
    bool rebuild = st == SM_OK && rep.loaded > sm_sme_count(base);
    clear_smes();
    o.lenient = 1;
    st = sm_load_file(base, path, &o, &rep);
    if (st == SM_OK)
        check(rep.loaded + rep.skipped == rep.rows, "lenient counts add up");
    clear_smes();
    sm__load_chunk = (size_t)1 << 16;
    if (rebuild || sm_region_count(base) != regions || base->n_langs > base_langs + 8 || base->tags.n > 100000)
        fresh_engine();
    return 0;
}
