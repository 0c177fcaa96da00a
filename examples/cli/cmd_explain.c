/* "smartmatch explain": why two SMEs match. Describes both SMEs, then shows
 * every criterion of the weighting with its weight, its score, its
 * contribution to the total and the library's one-line reason (matched
 * tags, distance and borders, development indices, ...). */
#include "args.h"
#include "cli.h"

#include <math.h>
#include <string.h>

static void describe(FILE *f, const sm_engine *engine, const char *label, const sm_sme_desc *d)
{
    const char *cc = cli_country_of(engine, d->region);
    fprintf(f, "%s  %s  %s\n", label, d->id, d->name && d->name[0] ? d->name : "(no name)");
    fputs("   region       ", f);
    if (strcmp(d->region, cc) != 0)
        fprintf(f, "%s (%s) · ", cli_region_name(engine, d->region), d->region);
    fprintf(f, "%s (%s)", cli_country_name(engine, cc), cc);
    double dev = sm_region_development(engine, d->region);
    if (!isnan(dev))
        fprintf(f, " · development %g", dev);
    fputc('\n', f);
    fputs("   sectors      ", f);
    for (size_t i = 0; i < d->n_sectors; i++)
        fprintf(f, "%s%s %s%s", i ? "; " : "", d->sectors[i], cli_sector_name(engine, d->sectors[i]),
                i == 0 && d->n_sectors > 1 ? " (primary)" : "");
    fputc('\n', f);
    fprintf(f, "   size         %s", sm_size_name(d->size));
    if (d->employees >= 0)
        fprintf(f, ", %ld employees", d->employees);
    if (d->founded)
        fprintf(f, ", founded %d", d->founded);
    fputs("\n   offers       ", f);
    cli_print_list(f, d->offers, d->n_offers, ", ", "-");
    fputs("\n   needs        ", f);
    cli_print_list(f, d->needs, d->n_needs, ", ", "-");
    fputs("\n   cooperation  ", f);
    if (cli_print_cooperation(f, engine, d->cooperation, ", ") == 0)
        fputc('-', f);
    fputs("\n   languages    ", f);
    cli_print_list(f, d->languages, d->n_languages, ", ", "-");
    fputs("\n", f);
}

static void print_breakdown(FILE *f, const sm_weighting *w, const sm_result *res)
{
    size_t nc = sm_result_criterion_count(res);
    fprintf(f, "%-16s %7s %6s %13s  %s\n", "criterion", "weight", "score", "contribution", "why");
    for (size_t j = 0; j < nc; j++) {
        double wj = sm_result_criterion_weight(res, j), s = sm_result_breakdown(res, 0, j);
        const char *why = sm_result_reason_text(res, 0, j);
        fprintf(f, "%-16s %7.2f %6.3f %13.3f  %s\n", sm_result_criterion_name(res, j), wj, s,
                sm_result_contribution(res, 0, j), why ? why : "");
    }
    fprintf(f, "%-16s %7s %6.3f\n", "total", "", sm_result_score(res, 0));
    sm_combiner comb = sm_weighting_combiner(w);
    if (comb != SM_COMBINE_MEAN)
        fprintf(f, "\n(the total is the weighted %s of the scores; contributions show weight share x score)\n",
                comb == SM_COMBINE_GEOMETRIC ? "geometric mean" : comb == SM_COMBINE_MIN ? "minimum" : "combination");
}

int cmd_explain(int argc, char **argv)
{
    cli_args a;
    sm_weighting *w = NULL;
    sm_engine *engine = NULL;
    sm_result *res = NULL;
    sm_sme_desc *da = NULL, *db = NULL;
    sm_status st;
    int rc = cli_args_parse(&a, CLI_CMD_EXPLAIN, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 2, 2)) != CLI_OK)
        goto done;
    if (a.n_data == 0) {
        cli_error("explain needs --data FILE (see 'smartmatch explain --help')");
        rc = CLI_USAGE;
        goto done;
    }
    if ((rc = cli_args_weighting(&w, &a)) != CLI_OK)
        goto done;
    if ((rc = cli_load_engine(&engine, &a)) != CLI_OK)
        goto done;
    const char *id_a = a.positional[0], *id_b = a.positional[1];
    if (strcmp(id_a, id_b) == 0) {
        cli_error("explain needs two different SMEs, got \"%s\" twice", id_a);
        rc = CLI_USAGE;
        goto done;
    }
    if ((st = sm_query_explain(&res, engine, id_a, id_b, w)) != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    if (a.format == CLI_FORMAT_JSON || a.format == CLI_FORMAT_CSV) {
        const sm_result *one = res;
        rc = cli_write_results(stdout, &one, 1, a.format == CLI_FORMAT_JSON ? SM_FORMAT_JSON : SM_FORMAT_CSV);
        goto done;
    }
    if ((st = sm_sme_get(&da, engine, id_a)) != SM_OK || (st = sm_sme_get(&db, engine, id_b)) != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    describe(stdout, engine, "a", da);
    fputc('\n', stdout);
    describe(stdout, engine, "b", db);
    const char *where = sm_result_reason_text(res, 0, SM_CRIT_REGION_REACH);
    fprintf(stdout, "\ndistance     %s\n", where ? where : "");
    cli_args_describe(stdout, &a);
    fputs("\n\n", stdout);
    print_breakdown(stdout, w, res);
done:
    sm_sme_desc_free(da);
    sm_sme_desc_free(db);
    sm_result_free(res);
    sm_engine_free(engine);
    sm_weighting_free(w);
    cli_args_free(&a);
    return rc;
}
