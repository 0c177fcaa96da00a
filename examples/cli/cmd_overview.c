/* "smartmatch overview": the regional-networking overview of the loaded
 * SMEs (sm_overview_new(), experimental API), written into a directory:
 * regions.csv, sectors.csv, themes.csv, potential.csv, overview.json, the
 * SVG pictures and report.html. Each file is written atomically by the
 * library. The maps need the optional geometry file; without it everything
 * else is still written. */
#define SM_EXPERIMENTAL_API
#include "args.h"
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef SM_DATADIR
#define SM_DATADIR "/usr/local/share/smartmatch"
#endif

typedef struct output {
    const char *name;
    sm_overview_output kind;
    int which;
    int map; /* needs the geometry */
} output;

static const output outputs[] = {
    { "regions.csv", SM_OUTPUT_MATRIX_CSV, SM_OVERVIEW_REGIONS, 0 },
    { "sectors.csv", SM_OUTPUT_MATRIX_CSV, SM_OVERVIEW_SECTORS, 0 },
    { "themes.csv", SM_OUTPUT_MATRIX_CSV, SM_OVERVIEW_THEMES, 0 },
    { "potential.csv", SM_OUTPUT_POTENTIAL_CSV, 0, 0 },
    { "overview.json", SM_OUTPUT_JSON, 0, 0 },
    { "heatmap.svg", SM_OUTPUT_SVG, SM_PICTURE_HEATMAP, 0 },
    { "themes.svg", SM_OUTPUT_SVG, SM_PICTURE_THEMES, 0 },
    { "chord.svg", SM_OUTPUT_SVG, SM_PICTURE_CHORD, 0 },
    { "choropleth.svg", SM_OUTPUT_SVG, SM_PICTURE_CHOROPLETH, 1 },
    { "flows.svg", SM_OUTPUT_SVG, SM_PICTURE_FLOWS, 1 },
    { "report.html", SM_OUTPUT_REPORT, 0, 0 },
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The geometry: --geometry (must load), else $SM_GEOMETRY, else the
 * installed file; a missing default just means no maps. */
static int load_geometry(sm_geometry **out, const cli_args *a)
{
    *out = NULL;
    if (a->no_maps)
        return CLI_OK;
    const char *path = a->geometry;
    int required = path != NULL;
    if (!path && (path = getenv("SM_GEOMETRY")) != NULL && *path)
        required = 1;
    if (!path || !*path)
        path = SM_DATADIR "/nuts2021_60m.txt";
    struct stat st;
    if (!required && stat(path, &st) != 0)
        return CLI_OK;
    sm_status s = sm_geometry_load(out, path);
    if (s != SM_OK)
        return cli_fail(s, path);
    return CLI_OK;
}

int cmd_overview(int argc, char **argv)
{
    cli_args a;
    sm_weighting *w = NULL;
    sm_engine *engine = NULL;
    sm_overview *ov = NULL;
    sm_geometry *geo = NULL;
    char *path = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_OVERVIEW, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 0, 0)) != CLI_OK)
        goto done;
    if (a.n_data == 0 || !a.out) {
        cli_error("overview needs %s (see 'smartmatch overview --help')", a.n_data == 0 ? "--data FILE" : "--out DIR");
        rc = CLI_USAGE;
        goto done;
    }
    if ((rc = cli_args_weighting(&w, &a)) != CLI_OK)
        goto done;
    if ((rc = load_geometry(&geo, &a)) != CLI_OK)
        goto done;
    if ((rc = cli_load_engine(&engine, &a)) != CLI_OK)
        goto done;
    if (mkdir(a.out, 0777) != 0 && errno != EEXIST) {
        cli_error("%s: cannot make the output directory: %s", a.out, strerror(errno));
        rc = CLI_FAIL;
        goto done;
    }
    sm_query_options q;
    cli_args_query(&q, &a, w);
    sm_overview_options o = SM_OVERVIEW_OPTIONS_INIT;
    o.query = &q;
    o.threads = a.threads;
    o.region_level = a.level;
    o.sector_level = a.sector_level;
    o.best_per_cell = a.best;
    double t0 = now_seconds();
    sm_status st = sm_overview_new(&ov, engine, &o);
    double secs = now_seconds() - t0;
    if (st != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    size_t len = strlen(a.out) + 32;
    if (!(path = malloc(len))) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    size_t written = 0;
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        if (outputs[i].map && !geo)
            continue;
        snprintf(path, len, "%s/%s", a.out, outputs[i].name);
        if ((st = sm_overview_write(path, ov, outputs[i].kind, outputs[i].which, geo)) != SM_OK) {
            rc = cli_fail(st, path);
            goto done;
        }
        written++;
    }
    printf("overview: %zu SMEs, top %zu each, %zu NUTS-%d regions, %zu sectors at NACE level %d, in %.2f s\n",
           sm_overview_sme_count(ov), sm_overview_k(ov), sm_overview_rows(ov, SM_OVERVIEW_REGIONS), a.level,
           sm_overview_rows(ov, SM_OVERVIEW_SECTORS), a.sector_level, secs);
    printf("%zu files written to %s/%s\n", written, a.out, geo ? "" : " (no maps: no geometry file)");
    snprintf(path, len, "%s/report.html", a.out);
    printf("report: %s\n", path);
done:
    free(path);
    sm_overview_free(ov);
    sm_geometry_free(geo);
    sm_engine_free(engine);
    sm_weighting_free(w);
    cli_args_free(&a);
    return rc;
}
