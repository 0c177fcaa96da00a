/* libFuzzer target: JSON loading (any kind, several kinds at once, every mode). */
#include "fuzz_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_load(data, size, SM_FORMAT_JSON, "fuzz.json");
    return 0;
}
