/* libFuzzer target: CSV loading (any kind, every mode), with the delimiter
 * detected or given and the input read as UTF-8 or converted from a
 * single-byte encoding: the first byte chooses, the rest is the file. */
#include "fuzz_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    fuzz_delimiter = 0;
    fuzz_encoding = NULL;
    return 0;
}
