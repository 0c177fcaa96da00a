/* libFuzzer target: CSV loading (any kind, every mode). */
#include "fuzz_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_load(data, size, SM_FORMAT_CSV, "fuzz.csv");
    return 0;
}
