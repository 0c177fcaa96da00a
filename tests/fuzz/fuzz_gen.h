/* Shared by the query and output fuzz targets: an engine of SMEs
 * (at most the given number, up to 40) built from the fuzz input (regions, sectors, sizes, tags and ids chosen
 * by its bytes; ids may hold quotes, commas, backslashes and UTF-8), and
 * query options drawn from it. The engine (NACE built in, two dozen regions
 * of its own) is made once; each input removes the previous input's SMEs. */
#ifndef SM_FUZZ_GEN_H
#define SM_FUZZ_GEN_H

#include "smartmatch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fz {
    const uint8_t *p;
    size_t n;
} fz;

static unsigned fz_byte(fz *f)
{
    if (!f->n)
        return 0;
    f->n--;
    return *f->p++;
}

static sm_engine *fz_engine;
static char fz_ids[40][24];
static size_t fz_n;

static void fz_fail(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz: broken promise: %s (%s)\n", what, sm_error_last()->message);
        abort();
    }
}

/* Builds the SMEs of one input; returns how many there are. */
static size_t fz_build(fz *f, size_t max)
{
    static const char *const regions[] = { "SI032", "SI041", "AT211", "AT130", "HR050", "HU110", "SI03", "IT",
                                           "CZ",    "AT",    "PL",    "HU1" };
    static const char *const sectors[] = { "25.11", "28", "C", "62.01", "17.21", "J", "46", "01.1" };
    static const char *const tags[] = { "cnc machining", "packaging", "logistics", "software", "design",
                                        "ŽELEZNÉ ODLITKY", "a,b", "q\"uote", "x" };
    static const char *const langs[] = { "sl", "de", "en", "hr", "hu" };
    if (!fz_engine) {
        /* NACE built in; a dozen regions of its own, so that each query's
         * per-region tables stay small and the fuzzer runs fast */
        sm_engine_options eo = SM_ENGINE_OPTIONS_INIT;
        eo.taxonomies = SM_TAXONOMY_NACE;
        fz_fail(sm_engine_new(&fz_engine, &eo) == SM_OK, "engine");
        static const struct { const char *code; double lat, lon, dev; const char *lang; } rg[] = {
            { "SI", 46.1, 14.8, 90, "sl" },    { "SI0", 46.1, 14.8, 90, NULL },  { "SI03", 46.2, 15.3, 75, NULL },
            { "SI032", 46.5, 15.6, 72, NULL }, { "SI04", 46.0, 14.5, 110, NULL }, { "SI041", 46.0, 14.5, 112, NULL },
            { "AT", 47.6, 14.1, 125, "de" },   { "AT2", 47.0, 14.5, 120, NULL },  { "AT21", 46.7, 14.0, 118, NULL },
            { "AT211", 46.6, 14.3, 121, NULL }, { "AT1", 48.2, 16.4, 140, NULL }, { "AT13", 48.2, 16.4, 150, NULL },
            { "AT130", 48.2, 16.4, 152, NULL }, { "HR", 45.1, 15.2, 70, "hr" },   { "HR0", 45.1, 15.2, 70, NULL },
            { "HR05", 45.8, 16.0, 80, NULL },  { "HR050", 45.8, 16.0, 85, NULL }, { "HU", 47.2, 19.5, 75, "hu" },
            { "HU1", 47.5, 19.0, 100, NULL },  { "HU11", 47.5, 19.0, 140, NULL }, { "HU110", 47.5, 19.0, 145, NULL },
            { "IT", 42.8, 12.8, 95, "it" },    { "PL", 52.1, 19.4, 78, "pl" },    { "CZ", 49.8, 15.5, 92, "cs" },
        };
        for (size_t i = 0; i < sizeof rg / sizeof *rg; i++) {
            sm_region_desc d = { SM_REGION_DESC_VERSION, rg[i].code, rg[i].code, rg[i].lat, rg[i].lon, rg[i].dev,
                                 &rg[i].lang, rg[i].lang ? 1 : 0 };
            fz_fail(sm_region_put(fz_engine, &d) == SM_OK, "region");
        }
    }
    for (size_t i = 0; i < fz_n; i++)
        sm_sme_remove(fz_engine, fz_ids[i]);
    fz_n = 0;
    size_t want = 2 + fz_byte(f) % (max - 1);
    for (size_t i = 0; i < want; i++) {
        unsigned b = fz_byte(f);
        char *id = fz_ids[fz_n];
        static const char idchars[] = "AZaz09-,\"\\ ;";
        size_t len = 1 + (b & 3);
        snprintf(id, sizeof fz_ids[0], "S%zu", i);
        for (size_t j = strlen(id); j < strlen(id) + len && j + 1 < sizeof fz_ids[0]; j++)
            id[j] = idchars[fz_byte(f) % (sizeof idchars - 1)], id[j + 1] = '\0';
        if (b & 4)
            strncat(id, "é", sizeof fz_ids[0] - strlen(id) - 1);
        const char *sec[2] = { sectors[fz_byte(f) % 8], sectors[fz_byte(f) % 8] };
        const char *off[3], *need[3], *lg[1];
        size_t no = fz_byte(f) % 4, nn = fz_byte(f) % 4;
        for (size_t j = 0; j < no && j < 3; j++)
            off[j] = tags[fz_byte(f) % 9];
        for (size_t j = 0; j < nn && j < 3; j++)
            need[j] = tags[fz_byte(f) % 9];
        lg[0] = langs[fz_byte(f) % 5];
        sm_sme_desc d = SM_SME_DESC_INIT;
        d.id = id;
        d.name = (b & 8) ? "Name, \"quoted\"" : NULL;
        d.region = regions[fz_byte(f) % 12];
        d.sectors = sec;
        d.n_sectors = 1 + (b >> 4 & 1);
        d.size = (sm_size)(fz_byte(f) % 5);
        d.offers = off;
        d.n_offers = no > 3 ? 3 : no;
        d.needs = need;
        d.n_needs = nn > 3 ? 3 : nn;
        d.cooperation = fz_byte(f) & 0xff;
        d.languages = lg;
        d.n_languages = b >> 5 & 1;
        if (sm_sme_put(fz_engine, &d) == SM_OK) {
            /* a repeated id replaced the earlier SME: keep one entry */
            size_t k = 0;
            while (k < fz_n && strcmp(fz_ids[k], id) != 0)
                k++;
            if (k == fz_n)
                fz_n++;
        }
    }
    return fz_n;
}

static const char *const fz_weightings[] = {
    "balanced", "supply_chain", "cohesion,combiner=geometric", "local,combiner=min",
    "cross_border,complementarity.reciprocity=min", "complementarity=0,sector_affinity=1,region_reach=2,language=1",
};

#endif
