/* libFuzzer target: the overview's themes file (overview/themes.c), as CSV
 * and, with the same bytes, as JSON. Any input either loads or fails with a
 * parse, value or limit status and leaves the themes as they were; loaded
 * themes have names and normalised, distinct tags, and at most
 * SM_THEMES_MAX of them. */
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(sm_themes *t, size_t before)
{
    size_t n = sm_themes_count(t);
    if (n > SM_THEMES_MAX || n < before)
        abort();
    for (size_t i = 0; i < n; i++) {
        const char *name = sm_themes_name(t, i);
        if (!name || !*name)
            abort();
        for (size_t j = 0; j < sm_themes_tag_count(t, i); j++) {
            const char *tag = sm_themes_tag(t, i, j);
            if (!tag || !*tag || strlen(tag) > SM_TAG_MAX)
                abort();
            for (size_t k = 0; k < j; k++)
                if (!strcmp(tag, sm_themes_tag(t, i, k)))
                    abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[2] = { "fuzz.csv", "fuzz.json" };
    for (int f = 0; f < 2; f++) {
        sm_themes *t = NULL;
        if (sm_themes_new(&t) != SM_OK)
            return 0;
        const char *seed[] = { "seed" };
        sm_themes_add(t, "already there", seed, 1);
        size_t before = sm_themes_count(t), n = 0;
        sm_status st = sm_themes_load_buffer(t, (const char *)data, size, names[f], &n);
        if (st == SM_OK)
            check(t, before);
        else if (st != SM_ERR_PARSE && st != SM_ERR_INVALID_ARGUMENT && st != SM_ERR_BAD_CODE &&
                 st != SM_ERR_LIMIT && st != SM_ERR_NOMEM)
            abort();
        else if (sm_themes_count(t) != before || sm_themes_tag_count(t, 0) != 1)
            abort(); /* all or nothing */
        sm_themes_free(t);
    }
    return 0;
}
