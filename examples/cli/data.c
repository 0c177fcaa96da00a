/* Loading the data files named on the command line into an engine, and the
 * small lookups the tool prints with: region, country and sector names, the
 * tags where one SME's offers meet another's needs, cooperation types. */
#define SM_EXPERIMENTAL_API /* snapshots, sm_history_load */
#include "args.h"
#include "cli.h"

#include <string.h>

/* Whether the file starts like a snapshot (docs/snapshot.md: its magic). */
static int is_snapshot(const char *path)
{
    char magic[8];
    FILE *f = strcmp(path, "-") != 0 ? fopen(path, "rb") : NULL;
    size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f)
        fclose(f);
    return n == sizeof magic && memcmp(magic, "SMSNAP\0\x1a", sizeof magic) == 0;
}

int cli_load_engine(sm_engine **out, const cli_args *a)
{
    sm_engine *engine = NULL;
    sm_status st;
    size_t first = 0;
    /* A snapshot is a whole engine: it replaces the built-in tables and can
     * only come first; later files load on top of it. */
    for (size_t i = 0; i < a->n_data; i++)
        if (is_snapshot(a->data[i].path) && i > 0) {
            cli_error("%s: a snapshot holds a whole engine; give it as the first --data", a->data[i].path);
            return CLI_USAGE;
        }
    if (a->n_data && is_snapshot(a->data[0].path)) {
        st = sm_snapshot_load(&engine, a->data[0].path, NULL);
        if (st != SM_OK)
            return cli_fail(st, a->data[0].path);
        first = 1;
    } else if ((st = sm_engine_new(&engine, NULL)) != SM_OK) {
        return cli_fail(st, NULL);
    }
    for (size_t i = first; i < a->n_data; i++) {
        sm_load_options opts = SM_LOAD_OPTIONS_INIT;
        opts.kind = a->data[i].kind;
        opts.delimiter = a->delimiter;
        opts.encoding = a->encoding;
        st = cli_load(engine, a->data[i].path, &opts, NULL);
        if (st != SM_OK) {
            int rc = cli_fail(st, a->data[i].path);
            sm_engine_free(engine);
            return rc;
        }
    }
    for (size_t i = 0; i < a->history.n; i++) { /* history and network criteria */
        st = sm_history_load(engine, a->history.items[i], NULL);
        if (st != SM_OK) {
            int rc = cli_fail(st, a->history.items[i]);
            sm_engine_free(engine);
            return rc;
        }
    }
    *out = engine;
    return CLI_OK;
}

size_t cli_print_cooperation(FILE *f, const sm_engine *engine, uint32_t bits, const char *sep)
{
    size_t n = 0;
    for (uint32_t bit = 1; bit; bit <<= 1) {
        if (!(bits & bit))
            continue;
        const char *name = sm_cooperation_name(engine, bit);
        fprintf(f, "%s%s", n++ ? sep : "", name ? name : "?");
    }
    return n;
}

void cli_print_list(FILE *f, const char *const *items, size_t n, const char *sep, const char *none)
{
    if (n == 0)
        fputs(none, f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? sep : "", items[i]);
}

const char *cli_region_name(const sm_engine *engine, const char *code)
{
    const sm_region_info *r = NULL;
    return code && sm_region_get(&r, engine, code) == SM_OK ? r->name : "?";
}

const char *cli_country_of(const sm_engine *engine, const char *region)
{
    const sm_region_info *r = NULL;
    return region && sm_region_get(&r, engine, region) == SM_OK ? r->country : "?";
}

const char *cli_country_name(const sm_engine *engine, const char *country)
{
    return cli_region_name(engine, country);
}

const char *cli_sector_name(const sm_engine *engine, const char *code)
{
    const sm_sector_info *s = NULL;
    return code && sm_sector_get(&s, engine, code) == SM_OK ? s->name : "?";
}

void cli_print_sme_line(FILE *f, const sm_engine *engine, const sm_sme_desc *d)
{
    const char *cc = cli_country_of(engine, d->region);
    const char *sector = d->n_sectors ? d->sectors[0] : "";
    fprintf(f, "%s  %s · ", d->id, d->name && d->name[0] ? d->name : "(no name)");
    /* SMEs of countries without NUTS regions sit at country level: name it once. */
    if (strcmp(d->region, cc) != 0)
        fprintf(f, "%s (%s), ", cli_region_name(engine, d->region), d->region);
    fprintf(f, "%s (%s) · %s %s\n", cli_country_name(engine, cc), cc, sector, cli_sector_name(engine, sector));
}
