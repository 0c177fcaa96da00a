/* "smartmatch overview": the regional-networking overview of the loaded
 * SMEs (sm_overview_new(), experimental API), written into a directory:
 * regions.csv, sectors.csv, themes.csv, potential.csv, overview.json, the
 * SVG pictures and report.html. Each file is written atomically by the
 * library. The maps need the optional geometry file; without it everything
 * else is still written. With --history (loaded into the engine) the
 * matrices gain realised and untapped, and untapped.svg is written;
 * --themes replaces the NACE sections of region x theme by named tag
 * groups; --focus REGION adds a map of one region's potential partners. */
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
    int history; /* needs a history */
} output;

static const output outputs[] = {
    { "regions.csv", SM_OUTPUT_MATRIX_CSV, SM_OVERVIEW_REGIONS, 0, 0 },
    { "sectors.csv", SM_OUTPUT_MATRIX_CSV, SM_OVERVIEW_SECTORS, 0, 0 },
    { "themes.csv", SM_OUTPUT_MATRIX_CSV, SM_OVERVIEW_THEMES, 0, 0 },
    { "potential.csv", SM_OUTPUT_POTENTIAL_CSV, 0, 0, 0 },
    { "overview.json", SM_OUTPUT_JSON, 0, 0, 0 },
    { "heatmap.svg", SM_OUTPUT_SVG, SM_PICTURE_HEATMAP, 0, 0 },
    { "themes.svg", SM_OUTPUT_SVG, SM_PICTURE_THEMES, 0, 0 },
    { "chord.svg", SM_OUTPUT_SVG, SM_PICTURE_CHORD, 0, 0 },
    { "untapped.svg", SM_OUTPUT_SVG, SM_PICTURE_UNTAPPED, 0, 1 },
    { "choropleth.svg", SM_OUTPUT_SVG, SM_PICTURE_CHOROPLETH, 1, 0 },
    { "flows.svg", SM_OUTPUT_SVG, SM_PICTURE_FLOWS, 1, 0 },
    { "report.html", SM_OUTPUT_REPORT, 0, 0, 0 },
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
    sm_themes *themes = NULL;
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
    if (a.focus.n && !geo) {
        cli_error("--focus draws a map: it needs the geometry (--geometry FILE or $SM_GEOMETRY)%s",
                  a.no_maps ? ", not --no-maps" : "");
        rc = CLI_USAGE;
        goto done;
    }
    if (a.themes) {
        sm_status ts = sm_themes_new(&themes);
        if (ts == SM_OK)
            ts = sm_themes_load(themes, a.themes, NULL);
        if (ts != SM_OK) {
            rc = cli_fail(ts, a.themes);
            goto done;
        }
    }
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
    o.themes = themes;
    double t0 = now_seconds();
    sm_status st = sm_overview_new(&ov, engine, &o);
    double secs = now_seconds() - t0;
    if (st != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    size_t len = strlen(a.out) + 64;
    for (size_t i = 0; i < a.focus.n; i++)
        len += strlen(a.focus.items[i]);
    if (!(path = malloc(len))) {
        cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    size_t written = 0;
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        if ((outputs[i].map && !geo) || (outputs[i].history && !sm_overview_has_index(ov, SM_OVERVIEW_UNTAPPED)))
            continue;
        snprintf(path, len, "%s/%s", a.out, outputs[i].name);
        if ((st = sm_overview_write(path, ov, outputs[i].kind, outputs[i].which, geo)) != SM_OK) {
            rc = cli_fail(st, path);
            goto done;
        }
        written++;
    }
    for (size_t i = 0; i < a.focus.n; i++) {
        snprintf(path, len, "%s/focus-%s.svg", a.out, a.focus.items[i]);
        if ((st = sm_overview_write_focus(path, ov, a.focus.items[i], geo)) != SM_OK) {
            rc = cli_fail(st, a.focus.items[i]);
            goto done;
        }
        written++;
    }
    printf("overview: %zu SMEs, top %zu each, %zu NUTS-%d regions, %zu sectors at NACE level %d, in %.2f s\n",
           sm_overview_sme_count(ov), sm_overview_k(ov), sm_overview_rows(ov, SM_OVERVIEW_REGIONS), a.level,
           sm_overview_rows(ov, SM_OVERVIEW_SECTORS), a.sector_level, secs);
    printf("%zu files written to %s/%s\n", written, a.out, geo ? "" : " (no maps: no geometry file)");
    if (sm_overview_has_index(ov, SM_OVERVIEW_UNTAPPED))
        printf("history: realised and untapped potential in every matrix, untapped.svg\n");
    if (themes)
        printf("themes: %zu from %s\n", sm_themes_count(themes), a.themes);
    snprintf(path, len, "%s/report.html", a.out);
    printf("report: %s\n", path);
done:
    free(path);
    sm_overview_free(ov);
    sm_geometry_free(geo);
    sm_themes_free(themes);
    sm_engine_free(engine);
    sm_weighting_free(w);
    cli_args_free(&a);
    return rc;
}
