/* libFuzzer target: the snapshot reader (sm__snapshot_read_buffer). The
 * first byte chooses the mode: even, the bytes are read as they are (the
 * checksums refuse almost everything); odd, the target first recomputes the
 * checksum of every section the table places inside the input, of the table
 * and of the header, so mutations reach the value checks behind them. An
 * input is refused with SM_ERR_PARSE or SM_ERR_UNSUPPORTED and a message
 * naming an offset, or gives an engine that answers a query and saves to a
 * file that reads back with the same content hash. */
#include "snapshot/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reseal(uint8_t *f, size_t n)
{
    if (n < SM__SNAP_HEADER)
        return;
    uint32_t nsec;
    uint64_t toff;
    memcpy(&nsec, f + 20, 4);
    memcpy(&toff, f + 24, 8);
    if (toff > n || nsec > (n - toff) / SM__SNAP_ENTRY)
        return;
    for (uint32_t i = 0; i < nsec; i++) {
        uint8_t *e = f + toff + (size_t)i * SM__SNAP_ENTRY;
        uint64_t off, len;
        memcpy(&off, e + 8, 8);
        memcpy(&len, e + 16, 8);
        if (off <= n && len <= n - off) {
            uint64_t h = XXH3_64bits(f + off, (size_t)len);
            memcpy(e + 24, &h, 8);
        }
    }
    uint64_t c = XXH3_64bits(f + toff, (size_t)nsec * SM__SNAP_ENTRY);
    memcpy(f + 40, &c, 8);
    uint64_t fsize = n;
    memcpy(f + 32, &fsize, 8);
    uint64_t h = XXH3_64bits(f, 48);
    memcpy(f + 48, &h, 8);
}

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    uint8_t *f = malloc(n ? n : 1);
    if (!f)
        abort();
    memcpy(f, data + 1, n);
    if (data[0] & 1)
        reseal(f, n);
    sm_engine *e = NULL;
    sm_status st = sm__snapshot_read_buffer(&e, f, n, "fuzz", NULL);
    if (st != SM_OK) {
        if (st != SM_ERR_PARSE && st != SM_ERR_UNSUPPORTED)
            abort();
        if (st == SM_ERR_PARSE && !strstr(sm_error_last()->message, "offset"))
            abort();
        free(f);
        return 0;
    }
    /* an accepted file makes a working engine */
    if (sm_sme_count(e)) {
        sm_sme_desc *d = NULL;
        sm_result *r = NULL;
        if (sm_sme_at(&d, e, 0) != SM_OK || sm_query_top(&r, e, d->id, NULL) != SM_OK)
            abort();
        sm_result_free(r);
        sm_sme_desc_free(d);
    }
    if (!path[0]) {
        char dir[] = "/tmp/sm-fuzz-snap-XXXXXX";
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/s.smsnap", dir);
    }
    uint64_t h1, h2;
    sm_engine *back = NULL;
    char again[80];
    snprintf(again, sizeof again, "%s.2", path);
    if (sm_snapshot_save(e, path) != SM_OK || sm_snapshot_load(&back, path, NULL) != SM_OK ||
        sm_snapshot_save(back, again) != SM_OK || sm_snapshot_content_hash(&h1, path) != SM_OK ||
        sm_snapshot_content_hash(&h2, again) != SM_OK || h1 != h2)
        abort();
    sm_engine_free(back);
    sm_engine_free(e);
    free(f);
    return 0;
}
