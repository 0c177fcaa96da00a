/* libFuzzer target: CSV loading (any kind, every mode), with the delimiter
 * detected or given and the input read as UTF-8 or converted from a
 * single-byte encoding, and compared with a load on two threads: the first
 * byte chooses, the rest is the file. */
#include "fuzz_load.h"
#include "io/io.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read on two threads (every input that can be split is, lenient or not),
 * a load gives what one thread gives: status, message, report, SMEs. */
static void same_on_two_threads(const char *text, size_t size, int lenient)
{
    sm_load_options o = SM_LOAD_OPTIONS_INIT;
    o.format = SM_FORMAT_CSV;
    o.delimiter = fuzz_delimiter;
    o.encoding = fuzz_encoding;
    o.lenient = lenient;
    sm_load_report one, two;
    static char message[1024];
    size_t before = sm_region_count(base);
    sm_status st1 = sm_load_buffer(base, text, size, "fuzz.csv", &o, &one);
    snprintf(message, sizeof message, "%s", st1 ? sm_error_last()->message : "");
    size_t n1 = sm_sme_count(base);
    clear_smes();
    size_t min = sm__load_split_min;
    sm__load_split_min = 0;
    sm_status st2 = sm_load_buffer(base, text, size, "fuzz.csv", &o, &two);
    sm__load_split_min = min;
    check(st1 == st2, "two threads: the same status");
    check(!st2 || strcmp(message, sm_error_last()->message) == 0, "two threads: the same message");
    check(one.rows == two.rows && one.loaded == two.loaded && one.skipped == two.skipped,
          "two threads: the same report");
    check(n1 == sm_sme_count(base), "two threads: the same SMEs");
    clear_smes();
    if (sm_region_count(base) != before)
        fresh_engine();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int delimiters[] = { 0, ',', ';', '\t' };
    static const char *const encodings[] = { NULL, "windows-1250", "ISO-8859-2", "UTF-8" };
    if (size == 0) {
        fuzz_load(data, size, SM_FORMAT_CSV, "fuzz.csv");
        return 0;
    }
    fuzz_delimiter = delimiters[data[0] & 3];
    fuzz_encoding = encodings[(data[0] >> 2) & 3];
    fuzz_load(data + 1, size - 1, SM_FORMAT_CSV, "fuzz.csv");
    if (base && (data[0] & 0x10))
        same_on_two_threads((const char *)data + 1, size - 1, (data[0] >> 5) & 1);
    fuzz_delimiter = 0;
    fuzz_encoding = NULL;
    return 0;
}
