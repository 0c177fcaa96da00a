/* "smartmatch match": the best partners of one SME. The table form is for a
 * person: names instead of codes, and under each partner the criteria that
 * add most to its score and the tags where the two SMEs' offers meet needs.
 * json and csv are the library's own result formats. */
#include "args.h"
#include "cli.h"

#include <math.h>
#include <string.h>

/* Widest name, region and sector columns; narrower to fit the terminal
 * (80 columns when not a terminal), the id column adapts to the ids. */
#define NAME_MAX_W 24
#define REGION_MAX_W 18
#define SECTOR_MAX_W 26
#define WHY_TOP 3

typedef struct widths {
    size_t id, name, region, sector;
} widths;

/* Shares the room left beside the fixed columns among name, region and sector. */
static widths fit(size_t id_w)
{
    widths w = { id_w, NAME_MAX_W, REGION_MAX_W, SECTOR_MAX_W };
    size_t fixed = 3 + 2 + 5 + 2 + id_w + 2 + 2 + 2 + 2 + 2 + 2 + 5; /* #, score, id, cc, km and gaps */
    size_t cols = cli_term_width(), want = NAME_MAX_W + REGION_MAX_W + SECTOR_MAX_W;
    size_t room = cols > fixed + 24 ? cols - fixed : 24;
    if (room < want) {
        w.name = room * NAME_MAX_W / want;
        w.region = room * REGION_MAX_W / want;
        w.sector = room - w.name - w.region;
    }
    return w;
}

/* Writes the (up to) WHY_TOP criteria that contribute most to match i, as
 * "name score" items, by the library's contribution (weight share x score) to the
 * weighted mean. */
static void print_why(FILE *f, const sm_result *res, size_t i)
{
    size_t nc = sm_result_criterion_count(res);
    double contrib[SM_CRITERIA_MAX];
    size_t order[SM_CRITERIA_MAX];
    size_t n = 0;
    for (size_t j = 0; j < nc && n < SM_CRITERIA_MAX; j++) {
        double c = sm_result_contribution(res, i, j);
        if (!(c > 0))
            continue;
        /* insertion sort, largest first; ties keep the criterion order */
        size_t p = n++;
        while (p > 0 && contrib[p - 1] < c) {
            contrib[p] = contrib[p - 1];
            order[p] = order[p - 1];
            p--;
        }
        contrib[p] = c;
        order[p] = j;
    }
    if (n == 0) {
        fputs("no criterion scores above 0", f);
        return;
    }
    for (size_t r = 0; r < n && r < WHY_TOP; r++)
        fprintf(f, "%s%s %.2f", r ? " · " : "", sm_result_criterion_name(res, order[r]),
                sm_result_breakdown(res, i, order[r]));
}

static void print_row(FILE *f, const sm_engine *engine, const sm_result *res, size_t i, const widths *w)
{
    const char *id = sm_result_id(res, i);
    sm_sme_desc *b = NULL;
    char sector[SM_NAME_MAX + 16] = "?";
    const char *name = "?", *cc = "?", *region = "?";
    if (sm_sme_get(&b, engine, id) == SM_OK) {
        name = b->name && b->name[0] ? b->name : "(no name)";
        cc = cli_country_of(engine, b->region);
        region = cli_region_name(engine, b->region);
        snprintf(sector, sizeof sector, "%s %s", b->sectors[0], cli_sector_name(engine, b->sectors[0]));
    }
    fprintf(f, "%3zu  %.3f  ", i + 1, sm_result_score(res, i));
    cli_cell(f, id, w->id);
    fputs("  ", f);
    cli_cell(f, name, w->name);
    fputs("  ", f);
    cli_cell(f, cc, 2);
    fputs("  ", f);
    cli_cell(f, region, w->region);
    fputs("  ", f);
    cli_cell(f, sector, w->sector);
    double km = sm_result_distance_km(res, i);
    if (isnan(km))
        fprintf(f, "  %5s\n", "-");
    else
        fprintf(f, "  %5.0f\n", km);

    fputs("            why: ", f);
    print_why(f, res, i);
    fputc('\n', f);
    /* The tags line only when something meets: it is the "why" in words. */
    size_t gives = sm_result_gives_count(res, i), gets = sm_result_gets_count(res, i);
    if (gives || gets) {
        fputs("                 ", f);
        if (gives)
            fputs("gives: ", f);
        for (size_t t = 0; t < gives; t++)
            fprintf(f, "%s%s", t ? ", " : "", sm_result_gives_tag(res, i, t));
        if (gives && gets)
            fputs(" · ", f);
        if (gets)
            fputs("gets: ", f);
        for (size_t t = 0; t < gets; t++)
            fprintf(f, "%s%s", t ? ", " : "", sm_result_gets_tag(res, i, t));
        fputc('\n', f);
    }
    sm_sme_desc_free(b);
}

static int print_table(FILE *f, const sm_engine *engine, const cli_args *a, const sm_result *res)
{
    sm_sme_desc *q = NULL;
    sm_status st = sm_sme_get(&q, engine, sm_result_query_id(res));
    if (st != SM_OK)
        return cli_fail(st, NULL);
    cli_print_sme_line(f, engine, q);
    size_t n = sm_result_count(res);
    fprintf(f, "top %zu partner%s · ", n, n == 1 ? "" : "s");
    cli_args_describe(f, a);
    fputs("\n\n", f);
    if (n == 0) {
        fputs("no partner passes the filters\n", f);
        sm_sme_desc_free(q);
        return CLI_OK;
    }
    size_t id_w = 2;
    for (size_t i = 0; i < n; i++) {
        size_t w = cli_text_width(sm_result_id(res, i));
        if (w > id_w)
            id_w = w;
    }
    widths w = fit(id_w);
    fprintf(f, "%3s  %-5s  ", "#", "score");
    cli_cell(f, "id", w.id);
    fputs("  ", f);
    cli_cell(f, "name", w.name);
    fputs("  cc  ", f);
    cli_cell(f, "region", w.region);
    fputs("  ", f);
    cli_cell(f, "sector", w.sector);
    fprintf(f, "  %5s\n", "km");
    for (size_t i = 0; i < n; i++)
        print_row(f, engine, res, i, &w);
    fprintf(f,
            "\nwhy: the criteria adding most to the score (criterion score 0-1); gives: what %s offers that\n"
            "the partner needs; gets: what the partner offers that %s needs.\n",
            q->id, q->id);
    sm_sme_desc_free(q);
    return CLI_OK;
}

int cmd_match(int argc, char **argv)
{
    cli_args a;
    sm_weighting *w = NULL;
    sm_engine *engine = NULL;
    sm_result *res = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_MATCH, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 0, 0)) != CLI_OK)
        goto done;
    if (a.n_data == 0 || !a.id) {
        cli_error("match needs %s (see 'smartmatch match --help')", a.n_data == 0 ? "--data FILE" : "--id ID");
        rc = CLI_USAGE;
        goto done;
    }
    if ((rc = cli_args_weighting(&w, &a)) != CLI_OK)
        goto done;
    if ((rc = cli_load_engine(&engine, &a)) != CLI_OK)
        goto done;
    if ((rc = cli_args_check_countries(&a, engine)) != CLI_OK)
        goto done;
    sm_query_options q;
    cli_args_query(&q, &a, w);
    sm_status st = sm_query_top(&res, engine, a.id, &q);
    if (st == SM_OK)
        st = sm_result_explain(res, engine);
    if (st != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    if (a.format == CLI_FORMAT_JSON || a.format == CLI_FORMAT_CSV) {
        const sm_result *one = res;
        rc = cli_write_results(stdout, &one, 1, a.format == CLI_FORMAT_JSON ? SM_FORMAT_JSON : SM_FORMAT_CSV);
    } else {
        rc = print_table(stdout, engine, &a, res);
    }
done:
    sm_result_free(res);
    sm_engine_free(engine);
    sm_weighting_free(w);
    cli_args_free(&a);
    return rc;
}
