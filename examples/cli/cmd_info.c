/* "smartmatch info": what the loaded data holds. Counts SMEs by country (with
 * the country's name from the engine's regions), by NACE section of the
 * primary sector (with the section's title) and by size class, and reports
 * the regions and sectors the engine knows. */
#include "args.h"
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct country_count {
    char code[8];
    size_t n;
} country_count;

static int by_count_then_code(const void *x, const void *y)
{
    const country_count *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->code, b->code);
}

/* A section title with the column headings aligned over row()'s numbers. */
static void heading(FILE *f, const char *title)
{
    fputc('\n', f);
    cli_cell(f, title, 55);
    fprintf(f, "%4s %7s\n", "SMEs", "%");
}

static void row(FILE *f, const char *code, size_t code_w, const char *name, size_t n, size_t total)
{
    fputs("  ", f);
    cli_cell(f, code, code_w);
    fputs("  ", f);
    cli_cell(f, name, 44);
    fprintf(f, " %8zu %6.1f%%\n", n, total ? 100.0 * (double)n / (double)total : 0.0);
}

/* --format json: the same counts for programs. */
static void print_json(FILE *f, const sm_engine *engine, size_t n_smes, size_t n_regions, size_t with_dev,
                       const country_count *countries, size_t n_countries, const size_t *sections,
                       size_t other_section, const size_t *sizes)
{
    fprintf(f, "{\"smes\":%zu,\"regions\":%zu,\"regions_with_development\":%zu,\"sectors\":%zu,\n\"countries\":[",
            n_smes, n_regions, with_dev, sm_sector_count(engine));
    for (size_t c = 0; c < n_countries; c++) {
        fputs(c ? ",{\"code\":" : "{\"code\":", f);
        cli_json_str(f, countries[c].code);
        fputs(",\"name\":", f);
        cli_json_str(f, cli_country_name(engine, countries[c].code));
        fprintf(f, ",\"smes\":%zu}", countries[c].n);
    }
    fputs("],\n\"sections\":[", f);
    size_t k = 0;
    for (int s = 0; s < 26; s++) {
        if (!sections[s])
            continue;
        char code[2] = { (char)('A' + s), '\0' };
        fputs(k++ ? ",{\"code\":" : "{\"code\":", f);
        cli_json_str(f, code);
        fputs(",\"name\":", f);
        cli_json_str(f, cli_sector_name(engine, code));
        fprintf(f, ",\"smes\":%zu}", sections[s]);
    }
    if (other_section)
        fprintf(f, "%s{\"code\":\"\",\"name\":\"(no section)\",\"smes\":%zu}", k ? "," : "", other_section);
    fputs("],\n\"sizes\":{", f);
    for (int s = SM_SIZE_UNKNOWN; s <= SM_SIZE_LARGE; s++)
        fprintf(f, "%s\"%s\":%zu", s ? "," : "", sm_size_name((sm_size)s), sizes[s]);
    fputs("}}\n", f);
}

int cmd_info(int argc, char **argv)
{
    cli_args a;
    sm_engine *engine = NULL;
    country_count *countries = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_INFO, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 0, 0)) != CLI_OK)
        goto done;
    if (a.n_data == 0) {
        cli_error("info needs --data FILE (see 'smartmatch info --help')");
        rc = CLI_USAGE;
        goto done;
    }
    if ((rc = cli_load_engine(&engine, &a)) != CLI_OK)
        goto done;

    size_t n_smes = sm_sme_count(engine), n_countries = 0, cap = 0;
    size_t sections[26] = { 0 }, other_section = 0, sizes[SM_SIZE_LARGE + 1] = { 0 };
    for (size_t i = 0; i < n_smes; i++) {
        sm_sme_desc *d = NULL;
        sm_status st = sm_sme_at(&d, engine, i);
        if (st != SM_OK) {
            rc = cli_fail(st, NULL);
            goto done;
        }
        const char *cc = cli_country_of(engine, d->region);
        size_t c = 0;
        while (c < n_countries && strcmp(countries[c].code, cc) != 0)
            c++;
        if (c == n_countries) {
            if (n_countries == cap) {
                cap = cap ? 2 * cap : 32;
                country_count *grown = realloc(countries, cap * sizeof *grown);
                if (!grown) {
                    sm_sme_desc_free(d);
                    cli_error("out of memory");
                    rc = CLI_FAIL;
                    goto done;
                }
                countries = grown;
            }
            snprintf(countries[c].code, sizeof countries[c].code, "%s", cc);
            countries[c].n = 0;
            n_countries++;
        }
        countries[c].n++;
        const sm_sector_info *s = NULL;
        if (d->n_sectors && sm_sector_get(&s, engine, d->sectors[0]) == SM_OK && s->section[0] >= 'A' &&
            s->section[0] <= 'Z')
            sections[s->section[0] - 'A']++;
        else
            other_section++;
        if ((unsigned)d->size <= SM_SIZE_LARGE)
            sizes[d->size]++;
        sm_sme_desc_free(d);
    }

    size_t n_regions = sm_region_count(engine), with_dev = 0;
    for (size_t i = 0; i < n_regions; i++) {
        const sm_region_info *r = NULL;
        if (sm_region_at(&r, engine, i) == SM_OK && !isnan(r->development))
            with_dev++;
    }
    if (n_countries)
        qsort(countries, n_countries, sizeof *countries, by_count_then_code);
    if (a.format == CLI_FORMAT_JSON) {
        print_json(stdout, engine, n_smes, n_regions, with_dev, countries, n_countries, sections, other_section, sizes);
        goto done;
    }
    char b1[32], b2[32], b3[32];
    printf("SMEs: %s\n", cli_thousands(b1, sizeof b1, n_smes));
    printf("engine: %s regions (%s with a development index), %s sectors\n", cli_thousands(b1, sizeof b1, n_regions),
           cli_thousands(b2, sizeof b2, with_dev), cli_thousands(b3, sizeof b3, sm_sector_count(engine)));
    if (n_smes == 0)
        goto done;

    char title[64];
    snprintf(title, sizeof title, "by country (%zu)", n_countries);
    heading(stdout, title);
    for (size_t c = 0; c < n_countries; c++)
        row(stdout, countries[c].code, 2, cli_country_name(engine, countries[c].code), countries[c].n, n_smes);

    heading(stdout, "by NACE section of the primary sector");
    for (int s = 0; s < 26; s++) {
        if (!sections[s])
            continue;
        char code[2] = { (char)('A' + s), '\0' };
        row(stdout, code, 2, cli_sector_name(engine, code), sections[s], n_smes);
    }
    if (other_section)
        row(stdout, "?", 2, "(no section)", other_section, n_smes);

    heading(stdout, "by size class");
    static const char *const size_text[] = { "unknown", "micro: fewer than 10 employees", "small: 10-49",
                                             "medium: 50-249", "large: 250 or more" };
    for (int s = SM_SIZE_MICRO; s <= SM_SIZE_LARGE + 1; s++) {
        int k = s <= SM_SIZE_LARGE ? s : SM_SIZE_UNKNOWN; /* unknown last */
        if (k == SM_SIZE_UNKNOWN && !sizes[k])
            continue;
        fputs("  ", stdout);
        cli_cell(stdout, size_text[k], 48);
        printf(" %8zu %6.1f%%\n", sizes[k], 100.0 * (double)sizes[k] / (double)n_smes);
    }
done:
    free(countries);
    sm_engine_free(engine);
    cli_args_free(&a);
    return rc;
}
