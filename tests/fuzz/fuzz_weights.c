/* libFuzzer target: weighting text (sm_weighting_parse). What parses must
 * write back to text that parses to the same text again. */
#include <smartmatch.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    sm_weighting *w = NULL;
    if (sm_weighting_parse(&w, text) == SM_OK) {
        char *s1 = NULL, *s2 = NULL;
        sm_weighting *w2 = NULL;
        if (sm_weighting_to_string(&s1, w) != SM_OK || sm_weighting_parse(&w2, s1) != SM_OK ||
            sm_weighting_to_string(&s2, w2) != SM_OK || strcmp(s1, s2) != 0) {
            fprintf(stderr, "fuzz: weighting text does not round-trip: \"%s\" -> \"%s\" -> \"%s\" (%s)\n", text,
                    s1 ? s1 : "?", s2 ? s2 : "?", sm_error_last()->message);
            abort();
        }
        sm_free(s1);
        sm_free(s2);
        sm_weighting_free(w2);
    } else if (sm_error_last()->message[0] == '\0') {
        fprintf(stderr, "fuzz: a failing parse left no message\n");
        abort();
    }
    sm_weighting_free(w);
    free(text);
    return 0;
}
