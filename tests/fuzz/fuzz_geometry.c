/* libFuzzer target: the overview's map geometry file (overview/geometry.c).
 * Any input either parses or fails with SM_ERR_PARSE / SM_ERR_NOMEM; a
 * parsed geometry has only finite projected points and sorted codes. */
#include "overview/overview.h"

#include <math.h>
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
    sm_geometry *g = NULL;
    sm_status st = sm__geometry_parse(&g, text, size, "fuzz.txt", &sm__default_alloc);
    if (st == SM_OK) {
        for (size_t i = 0; i < g->n_pts * 2; i++)
            if (!isfinite(g->pts[i]))
                abort();
        for (size_t i = 1; i < g->n_regions; i++)
            if (strcmp(g->regions[i - 1].code, g->regions[i].code) >= 0)
                abort();
        sm_geometry_free(g);
    } else if (st != SM_ERR_PARSE && st != SM_ERR_NOMEM) {
        abort();
    }
    free(text);
    return 0;
}
