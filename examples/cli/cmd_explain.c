/* "smartmatch explain": why two SMEs match. Describes both SMEs, then shows
 * every criterion of the weighting with its weight, its score, its
 * contribution to the total and a one-line reason computed from the two
 * records (matched tags, distance and borders, development indices, ...). */
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

static void reason_complementarity(FILE *f, const sm_sme_desc *a, const sm_sme_desc *b)
{
    size_t gives = cli_count_matched_tags(a, b), gets = cli_count_matched_tags(b, a);
    if (!gives && !gets) {
        fputs("no offer of one meets a need of the other", f);
        return;
    }
    fprintf(f, "%s offers what %s needs: ", a->id, b->id);
    if (!cli_print_matched_tags(f, a, b, ", "))
        fputs("nothing", f);
    fprintf(f, "; back: ");
    if (!cli_print_matched_tags(f, b, a, ", "))
        fputs("nothing", f);
}

static void reason_sector(FILE *f, const sm_engine *engine, const sm_sme_desc *a, const sm_sme_desc *b)
{
    const char *sa = a->sectors[0], *sb = b->sectors[0];
    double aff = NAN;
    sm_affinity_get(&aff, engine, sa, sb);
    const sm_sector_info *ia = NULL, *ib = NULL;
    sm_sector_get(&ia, engine, sa);
    sm_sector_get(&ib, engine, sb);
    fprintf(f, "primary sectors %s and %s", sa, sb);
    if (ia && ib)
        fprintf(f, " (section %s%s%s)", ia->section, strcmp(ia->section, ib->section) ? "/" : "",
                strcmp(ia->section, ib->section) ? ib->section : "");
    if (!isnan(aff))
        fprintf(f, ", affinity %.2f", aff);
    if (a->n_sectors > 1 || b->n_sectors > 1)
        fprintf(f, "; secondary sectors %zu/%zu", a->n_sectors - 1, b->n_sectors - 1);
}

static void reason_region(FILE *f, const sm_engine *engine, const sm_result *res, const sm_sme_desc *a,
                          const sm_sme_desc *b)
{
    double km = sm_result_distance_km(res, 0);
    if (!isnan(km))
        fprintf(f, "%.0f km apart, ", km);
    if (strcmp(a->region, b->region) == 0) {
        fprintf(f, "same region (%s)", a->region);
        return;
    }
    const char *ca = cli_country_of(engine, a->region), *cb = cli_country_of(engine, b->region);
    if (strcmp(ca, cb) == 0)
        fprintf(f, "same country (%s)", ca);
    else
        fprintf(f, "different countries (%s/%s)", ca, cb);
    fputs(sm_region_neighbours(engine, a->region, b->region) ? ", neighbouring regions" : ", not neighbours", f);
}

static void reason_cohesion(FILE *f, const sm_engine *engine, const sm_sme_desc *a, const sm_sme_desc *b)
{
    double da = sm_region_development(engine, a->region), db = sm_region_development(engine, b->region);
    if (isnan(da) && isnan(db)) {
        fputs("development indices unknown", f);
        return;
    }
    fputs("development ", f);
    if (isnan(da))
        fprintf(f, "unknown (%s)", a->region);
    else
        fprintf(f, "%g (%s)", da, a->region);
    fputs(" and ", f);
    if (isnan(db))
        fprintf(f, "unknown (%s)", b->region);
    else
        fprintf(f, "%g (%s)", db, b->region);
    if (!isnan(da) && !isnan(db) && da > 0 && db > 0)
        fprintf(f, ", ratio %.2f", da > db ? da / db : db / da);
}

static void reason_size(FILE *f, const sm_sme_desc *a, const sm_sme_desc *b)
{
    fprintf(f, "%s and %s", sm_size_name(a->size), sm_size_name(b->size));
}

static void reason_cooperation(FILE *f, const sm_engine *engine, const sm_sme_desc *a, const sm_sme_desc *b)
{
    uint32_t both = a->cooperation & b->cooperation;
    if (!a->cooperation || !b->cooperation) {
        fprintf(f, "not given for %s", !a->cooperation && !b->cooperation ? "either" : !a->cooperation ? a->id : b->id);
    } else if (both) {
        fputs("both seek ", f);
        cli_print_cooperation(f, engine, both, ", ");
    } else {
        fputs("nothing in common (", f);
        cli_print_cooperation(f, engine, a->cooperation, ", ");
        fputs(" / ", f);
        cli_print_cooperation(f, engine, b->cooperation, ", ");
        fputc(')', f);
    }
}

static void reason_language(FILE *f, const sm_sme_desc *a, const sm_sme_desc *b)
{
    size_t shared = 0;
    for (size_t i = 0; i < a->n_languages; i++)
        for (size_t j = 0; j < b->n_languages; j++)
            if (strcmp(a->languages[i], b->languages[j]) == 0)
                fprintf(f, "%s%s", shared++ ? ", " : "shared: ", a->languages[i]);
    if (shared)
        return;
    fputs("none shared (", f);
    cli_print_list(f, a->languages, a->n_languages, ", ", "-");
    fputs(" / ", f);
    cli_print_list(f, b->languages, b->n_languages, ", ", "-");
    fputc(')', f);
}

static void reason(FILE *f, const sm_engine *engine, const char *criterion, const sm_result *res,
                   const sm_sme_desc *a, const sm_sme_desc *b)
{
    if (strcmp(criterion, "complementarity") == 0)
        reason_complementarity(f, a, b);
    else if (strcmp(criterion, "sector_affinity") == 0)
        reason_sector(f, engine, a, b);
    else if (strcmp(criterion, "region_reach") == 0)
        reason_region(f, engine, res, a, b);
    else if (strcmp(criterion, "cohesion") == 0)
        reason_cohesion(f, engine, a, b);
    else if (strcmp(criterion, "size_fit") == 0)
        reason_size(f, a, b);
    else if (strcmp(criterion, "cooperation_fit") == 0)
        reason_cooperation(f, engine, a, b);
    else if (strcmp(criterion, "language") == 0)
        reason_language(f, a, b);
}

static void print_breakdown(FILE *f, const sm_engine *engine, const sm_weighting *w, const sm_result *res,
                            const sm_sme_desc *a, const sm_sme_desc *b)
{
    size_t nc = sm_result_criterion_count(res);
    double total_w = 0;
    for (size_t j = 0; j < nc; j++)
        total_w += sm_result_criterion_weight(res, j);
    fprintf(f, "%-16s %7s %6s %13s  %s\n", "criterion", "weight", "score", "contribution", "why");
    for (size_t j = 0; j < nc; j++) {
        double wj = sm_result_criterion_weight(res, j), s = sm_result_breakdown(res, 0, j);
        fprintf(f, "%-16s %7.2f %6.3f %13.3f  ", sm_result_criterion_name(res, j), wj, s,
                total_w > 0 ? wj * s / total_w : 0.0);
        reason(f, engine, sm_result_criterion_name(res, j), res, a, b);
        fputc('\n', f);
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
    fputs("\ndistance     ", stdout);
    reason_region(stdout, engine, res, da, db);
    fputs("\n", stdout);
    cli_args_describe(stdout, &a);
    fputs("\n\n", stdout);
    print_breakdown(stdout, engine, w, res, da, db);
done:
    sm_sme_desc_free(da);
    sm_sme_desc_free(db);
    sm_result_free(res);
    sm_engine_free(engine);
    sm_weighting_free(w);
    cli_args_free(&a);
    return rc;
}
