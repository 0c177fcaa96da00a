/* Option parsing for the smartmatch tool. One table lists every option, the
 * subcommands that take it and its help text, so that parsing (getopt_long),
 * the --help of each subcommand and the shared weighting and filter options
 * of match, explain and batch cannot drift apart. */
#include "args.h"
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Option identifiers: short options use their letter, the others these. */
enum {
    OPT_DEVELOPMENT = 256,
    OPT_ID,
    OPT_PRESET,
    OPT_WEIGHTS,
    OPT_CROSS_BORDER,
    OPT_CROSS_REGION,
    OPT_CROSS_SECTOR,
    OPT_COUNTRY,
    OPT_EXCLUDE_COUNTRY,
    OPT_SIZE,
    OPT_EXCLUDE_ID,
    OPT_MAX_KM,
    OPT_MIN_SCORE,
    OPT_IDS,
    OPT_LEVEL,
    OPT_SECTOR_LEVEL,
    OPT_BEST,
    OPT_GEOMETRY,
    OPT_NO_MAPS,
    OPT_THEMES, /* overview: user-defined themes */
    OPT_FOCUS,  /* overview: one region's potential partners */
    OPT_DELIMITER,
    OPT_ENCODING,
    OPT_HISTORY, /* history and network criteria */
    OPT_SPLIT,
    OPT_END,
    OPT_VALIDATION,
    OPT_MAX_QUERIES,
    OPT_BOOTSTRAP,
    OPT_SEED,
    OPT_QUERIERS
};

/* Help headings, in the order they are printed. */
enum { GROUP_INPUT, GROUP_QUERY, GROUP_WEIGHTING, GROUP_FILTERS, GROUP_OUTPUT, GROUP_GENERAL, GROUP_COUNT };
static const char *const group_titles[GROUP_COUNT] = { "Input", "Query", "Weighting", "Filters (partners only)",
                                                       "Output", "General" };

#define HISTORY_CMDS (CLI_CMD_EVALUATE | CLI_CMD_FIT) /* history and network criteria */
#define DATA_CMDS (CLI_CMD_MATCH | CLI_CMD_EXPLAIN | CLI_CMD_INFO | CLI_CMD_BATCH | CLI_CMD_OVERVIEW | CLI_CMD_SNAPSHOT | \
                   HISTORY_CMDS)
#define WEIGHT_CMDS (CLI_CMD_MATCH | CLI_CMD_EXPLAIN | CLI_CMD_BATCH | CLI_CMD_OVERVIEW | HISTORY_CMDS)
#define FILTER_CMDS (CLI_CMD_MATCH | CLI_CMD_BATCH | CLI_CMD_OVERVIEW)
#define ALL_CMDS (DATA_CMDS | CLI_CMD_VALIDATE)

typedef struct opt_spec {
    const char *name;       /* long name */
    int val;                /* short letter or OPT_* */
    int has_arg;            /* no_argument / required_argument */
    unsigned int commands;  /* CLI_CMD_* bits */
    int group;              /* GROUP_* */
    const char *metavar;    /* name of the argument in the help */
    const char *help;
} opt_spec;

/* Two entries may share a name when their commands differ (--format). */
static const opt_spec specs[] = {
    { "data", 'd', required_argument, DATA_CMDS, GROUP_INPUT, "FILE",
      "a data file, CSV or JSON (SMEs, regions, development indices or sector affinity; the kind is read from "
      "the header), or a snapshot (.smsnap, from 'smartmatch snapshot save') given first; repeat for several, "
      "loaded in order" },
    { "development", OPT_DEVELOPMENT, required_argument, DATA_CMDS, GROUP_INPUT, "FILE",
      "a development-index file (region,development,source)" },
    { "delimiter", OPT_DELIMITER, required_argument, ALL_CMDS, GROUP_INPUT, "C",
      "CSV field delimiter: ',' ';' or 'tab' (default: detected from the header line of each file)" },
    { "encoding", OPT_ENCODING, required_argument, ALL_CMDS, GROUP_INPUT, "ENC",
      "character encoding of the files, e.g. windows-1250 or ISO-8859-2 (default UTF-8)" },
    { "id", OPT_ID, required_argument, CLI_CMD_MATCH, GROUP_QUERY, "ID", "the SME to find partners for (required)" },
    { "top", 'k', required_argument, CLI_CMD_MATCH | CLI_CMD_BATCH | CLI_CMD_OVERVIEW, GROUP_QUERY, "N",
      "number of partners per SME (default 10)" },
    { "preset", OPT_PRESET, required_argument, WEIGHT_CMDS, GROUP_WEIGHTING, "NAME",
      "a named weighting (default balanced)" },
    { "weights", OPT_WEIGHTS, required_argument, WEIGHT_CMDS, GROUP_WEIGHTING, "SPEC",
      "weights and parameters, e.g. \"complementarity=3,cohesion=0\"; applied after --preset when both "
      "are given, otherwise criteria not named get weight 0" },
    { "cross-border", OPT_CROSS_BORDER, no_argument, FILTER_CMDS, GROUP_FILTERS, NULL, "only partners in another country" },
    { "cross-region", OPT_CROSS_REGION, required_argument, FILTER_CMDS, GROUP_FILTERS, "LEVEL",
      "only partners whose region differs at NUTS level LEVEL (0-3)" },
    { "cross-sector", OPT_CROSS_SECTOR, required_argument, FILTER_CMDS, GROUP_FILTERS, "LEVEL",
      "only partners whose primary sector differs at NACE level LEVEL (1 section .. 4 class)" },
    { "country", OPT_COUNTRY, required_argument, FILTER_CMDS, GROUP_FILTERS, "CC",
      "only partners in this country (two letters, e.g. HR); repeatable" },
    { "exclude-country", OPT_EXCLUDE_COUNTRY, required_argument, FILTER_CMDS, GROUP_FILTERS, "CC",
      "no partners in this country; repeatable" },
    { "size", OPT_SIZE, required_argument, FILTER_CMDS, GROUP_FILTERS, "CLASS",
      "only partners of this size class (micro, small, medium, large, unknown); repeatable" },
    { "exclude-id", OPT_EXCLUDE_ID, required_argument, FILTER_CMDS, GROUP_FILTERS, "ID", "never this SME; repeatable" },
    { "max-km", OPT_MAX_KM, required_argument, FILTER_CMDS, GROUP_FILTERS, "D",
      "only partners whose region lies within D km" },
    { "min-score", OPT_MIN_SCORE, required_argument, FILTER_CMDS, GROUP_FILTERS, "S",
      "only partners scoring at least S (0-1)" },
    { "format", 'f', required_argument, CLI_CMD_MATCH | CLI_CMD_EXPLAIN, GROUP_OUTPUT, "FMT",
      "table (default, for people), json or csv (the library's result formats)" },
    { "format", 'f', required_argument, CLI_CMD_INFO | CLI_CMD_VALIDATE, GROUP_OUTPUT, "FMT",
      "table (default, for people) or json (for programs)" },
    { "format", 'f', required_argument, CLI_CMD_BATCH, GROUP_OUTPUT, "FMT",
      "csv or json (default: from the name of the --out file)" },
    { "out", 'o', required_argument, CLI_CMD_BATCH, GROUP_OUTPUT, "FILE",
      "the output file, FILE.csv or FILE.json (required)" },
    { "out", 'o', required_argument, CLI_CMD_SNAPSHOT, GROUP_OUTPUT, "FILE",
      "the snapshot to write, e.g. FILE.smsnap (required); replaced atomically" },
    { "ids", OPT_IDS, required_argument, CLI_CMD_BATCH, GROUP_QUERY, "FILE",
      "match only the SMEs listed in FILE, one id per line ('#' starts a comment)" },
    { "threads", 't', required_argument, CLI_CMD_BATCH | CLI_CMD_OVERVIEW, GROUP_QUERY, "T", "worker threads (default 0 = all CPUs)" },
    { "out", 'o', required_argument, CLI_CMD_OVERVIEW, GROUP_OUTPUT, "DIR",
      "the output directory, made if missing (required)" },
    { "level", OPT_LEVEL, required_argument, CLI_CMD_OVERVIEW, GROUP_QUERY, "L",
      "NUTS level of the regions, 0 to 3 (default 2)" },
    { "sector-level", OPT_SECTOR_LEVEL, required_argument, CLI_CMD_OVERVIEW, GROUP_QUERY, "L",
      "NACE level of the sector matrix, 1 (sections, default) to 4" },
    { "best", OPT_BEST, required_argument, CLI_CMD_OVERVIEW, GROUP_QUERY, "N",
      "potential cooperations kept per cell (default 5, at most 100)" },
    { "geometry", OPT_GEOMETRY, required_argument, CLI_CMD_OVERVIEW, GROUP_INPUT, "FILE",
      "map outlines (default: the installed nuts2021_60m.txt, if found)" },
    { "no-maps", OPT_NO_MAPS, no_argument, CLI_CMD_OVERVIEW, GROUP_OUTPUT, NULL,
      "leave the maps out (no geometry file is read)" },
    { "themes", OPT_THEMES, required_argument, CLI_CMD_OVERVIEW, GROUP_INPUT, "FILE",
      "themes as named tag groups, CSV (theme,tag) or JSON ({\"theme\": [\"tag\", ...]}): the columns of "
      "region x theme instead of the NACE sections" },
    { "focus", OPT_FOCUS, required_argument, CLI_CMD_OVERVIEW, GROUP_OUTPUT, "REGION",
      "also write focus-REGION.svg: a map of the region's potential partners (needs the geometry; repeatable)" },
    /* history and network criteria */
    { "history", OPT_HISTORY, required_argument, DATA_CMDS, GROUP_INPUT, "FILE",
      "realised cooperations, CSV (a,b,date[,kind] or group,member,date[,kind]) or JSON, loaded after the data; "
      "the network criteria (past_partners, common_partners, activity, sector_history) read them, and the "
      "presets gain past_partners, common_partners and activity (docs/scoring.md); repeatable" },
    { "split", OPT_SPLIT, required_argument, HISTORY_CMDS, GROUP_QUERY, "DATE",
      "evaluate: replay the cooperations from DATE on, the history before it feeding the network criteria; "
      "fit: learn from the cooperations before DATE (required)" },
    { "end", OPT_END, required_argument, CLI_CMD_EVALUATE, GROUP_QUERY, "DATE",
      "replay only cooperations before DATE" },
    { "validation", OPT_VALIDATION, required_argument, CLI_CMD_FIT, GROUP_QUERY, "DATE",
      "fit on the cooperations from DATE to the split, with the history before DATE (default: a year before "
      "the split)" },
    { "max-queries", OPT_MAX_QUERIES, required_argument, HISTORY_CMDS, GROUP_QUERY, "N",
      "a deterministic sample of N queries (evaluate default all, fit default 5000)" },
    { "queriers", OPT_QUERIERS, required_argument, CLI_CMD_EVALUATE, GROUP_QUERY, "WHICH",
      "all (default), warm (queriers with an offer, a need or a cooperation before the split) or cold (none "
      "of them): the cold-start breakdown" },
    { "bootstrap", OPT_BOOTSTRAP, required_argument, CLI_CMD_EVALUATE, GROUP_QUERY, "B",
      "bootstrap resamples for the errors (default 200)" },
    { "seed", OPT_SEED, required_argument, HISTORY_CMDS, GROUP_QUERY, "S", "seed of the samples (default 1)" },
    { "help", 'h', no_argument, ALL_CMDS, GROUP_GENERAL, NULL, "show this help and exit" },
};
#define N_SPECS (sizeof specs / sizeof specs[0])

typedef struct command_help {
    enum cli_command command;
    const char *usage;
    const char *summary;
    const char *example;
} command_help;

static const command_help helps[] = {
    { CLI_CMD_MATCH, "smartmatch match --data FILE --id ID [options]",
      "The best partners of one SME, ranked, each with the criteria that contribute most\n"
      "and the tags that meet (what the SME offers that the partner needs, and back).",
      "smartmatch match --data examples/data/cadses_smes.csv --id CZ-00032 --cross-border -k 5" },
    { CLI_CMD_EXPLAIN, "smartmatch explain --data FILE [options] ID1 ID2",
      "Why two SMEs match: both described, then every criterion with its weight, score,\n"
      "contribution to the total and a one-line reason. Filters do not apply.",
      "smartmatch explain --data examples/data/cadses_smes.csv --preset cross_border CZ-00032 SK-00038" },
    { CLI_CMD_INFO, "smartmatch info --data FILE [--data FILE]...",
      "What the data holds: SMEs by country, by NACE section of the primary sector and by\n"
      "size class; the regions and sectors of the engine.",
      "smartmatch info --data examples/data/cadses_smes.csv" },
    { CLI_CMD_VALIDATE, "smartmatch validate FILE [FILE]...",
      "Checks data files without loading anything and lists every problem as\n"
      "file:line: field: message, then a summary. Exit status 1 if any problem was found.",
      "smartmatch validate examples/data/cadses_smes.csv examples/data/cadses_development.csv" },
    { CLI_CMD_BATCH, "smartmatch batch --data FILE --out FILE.csv|FILE.json [options]",
      "The best partners of every SME (or of those listed with --ids) on several threads,\n"
      "streamed to a CSV or JSON file as each SME finishes; rows of one SME are contiguous\n"
      "and ranked, SMEs come in the order they finish. A progress bar is shown on a terminal.",
      "smartmatch batch --data examples/data/cadses_smes.csv -k 10 --threads 2 --out top10.csv" },
    { CLI_CMD_OVERVIEW, "smartmatch overview --data FILE --out DIR [options]",
      "The regional-networking overview: the best partners of every SME folded into region x\n"
      "region, sector x sector and region x theme matrices, the potential interregional\n"
      "cooperations, SVG pictures and a broker's report (DIR/report.html).",
      "smartmatch overview --data examples/data/cadses_smes.csv --level 2 -k 10 --out overview" },
    { CLI_CMD_SNAPSHOT,
      "smartmatch snapshot save --data FILE [--development FILE] --out FILE.smsnap\n"
      "       smartmatch snapshot info FILE.smsnap | verify FILE.smsnap",
      "save: loads the data once and writes the whole engine to one snapshot file, which\n"
      "every command then opens with --data FILE.smsnap much faster than it parses CSV or\n"
      "JSON (docs/snapshot.md). info: the file's format, counts and sections with their\n"
      "offsets, sizes and checksums. verify: checks every checksum and value; exit status 1\n"
      "if any fails.",
      "smartmatch snapshot save --data examples/data/cadses_smes.csv --development "
      "examples/data/cadses_development.csv --out cadses.smsnap" },
    { CLI_CMD_EVALUATE, "smartmatch evaluate --data FILE --history FILE --split DATE [options]",
      "Replays every cooperation from the split date on as one query per member (the other\n"
      "members are the answers) and prints recall@10, recall@50, MRR@100 and AUC of the\n"
      "weighting beside the baselines random, popularity, past partners, tag overlap (ties by\n"
      "popularity) and tag overlap with ties by id,\n"
      "with bootstrap standard errors.",
      "smartmatch evaluate --data smes.csv --history history.csv --split 2017-01-01 --preset network" },
    { CLI_CMD_FIT, "smartmatch fit --data FILE --history FILE --split DATE [options]",
      "Learns the weights of a weighting (start: --preset/--weights, default network) from the\n"
      "cooperations before the split, prints it as text that --weights accepts, and the figures\n"
      "on a held-out third of the validation period.",
      "smartmatch fit --data smes.csv --history history.csv --split 2017-01-01" },
};

static const command_help *help_of(enum cli_command command)
{
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
        if (helps[i].command == command)
            return &helps[i];
    return &helps[0];
}

/* Writes @p text wrapped at @p width columns, continuation lines indented by @p indent. */
static void print_wrapped(FILE *f, const char *text, size_t first_col, size_t indent, size_t width)
{
    size_t col = first_col;
    const char *p = text;
    while (*p) {
        const char *w = p;
        while (*w && *w != ' ')
            w++;
        size_t len = (size_t)(w - p);
        if (col > indent && col + 1 + len > width) {
            fputc('\n', f);
            cli_spaces(f, indent);
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, len, f);
        col += len;
        p = w;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

/* The example with paths that work where the tool runs: in a checkout,
 * examples/data/...; from an installed prefix, the installed copy of the
 * sample data (SM_SAMPLE_DATADIR, set by the build). */
static void print_example(FILE *f, const char *example)
{
#ifdef SM_SAMPLE_DATADIR
    const char *dir = "examples/data/";
    if (access("examples/data/cadses_smes.csv", R_OK) != 0 && access(SM_SAMPLE_DATADIR "/cadses_smes.csv", R_OK) == 0) {
        for (const char *p = example; *p;) {
            const char *hit = strstr(p, dir);
            if (!hit) {
                fputs(p, f);
                break;
            }
            fprintf(f, "%.*s%s/", (int)(hit - p), p, SM_SAMPLE_DATADIR);
            p = hit + strlen(dir);
        }
        return;
    }
#endif
    fputs(example, f);
}

void cli_args_help(FILE *f, enum cli_command command)
{
    const command_help *h = help_of(command);
    fprintf(f, "usage: %s\n\n%s\n", h->usage, h->summary);
    for (int g = 0; g < GROUP_COUNT; g++) {
        int header = 0;
        for (size_t i = 0; i < N_SPECS; i++) {
            const opt_spec *s = &specs[i];
            if (!(s->commands & command) || s->group != g)
                continue;
            if (!header) {
                fprintf(f, "\n%s:\n", group_titles[g]);
                header = 1;
            }
            char left[64];
            int n;
            if (s->val < 256)
                n = snprintf(left, sizeof left, "  -%c, --%s%s%s", s->val, s->name, s->metavar ? " " : "",
                             s->metavar ? s->metavar : "");
            else
                n = snprintf(left, sizeof left, "      --%s%s%s", s->name, s->metavar ? " " : "",
                             s->metavar ? s->metavar : "");
            fputs(left, f);
            size_t col = (size_t)n;
            const size_t indent = 30;
            if (col + 2 > indent) {
                fputc('\n', f);
                col = 0;
            }
            cli_spaces(f, indent - col);
            print_wrapped(f, s->help, indent, indent, 100);
            if (s->val == OPT_PRESET) {
                /* The presets come from the library, so the list is always current. */
                size_t np = sm_weighting_preset_count();
                if (np > 0) {
                    cli_spaces(f, indent);
                    fputs("presets:", f);
                    for (size_t p = 0; p < np; p++)
                        fprintf(f, " %s", sm_weighting_preset_name(p));
                    fputc('\n', f);
                }
            }
        }
    }
    fprintf(f, "\nExit status: 0 success, 1 failure (file, data or unknown id), 2 bad usage.\n");
    fputs("\nExample:\n  ", f);
    print_example(f, h->example);
    fputc('\n', f);
}

/* ---- lists ---------------------------------------------------------------- */

static int list_push(cli_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const char **items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            cli_error("out of memory");
            return CLI_FAIL;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = s;
    return CLI_OK;
}

static int data_push(cli_args *a, const char *path, sm_data_kind kind)
{
    if (a->n_data == a->cap_data) {
        size_t cap = a->cap_data ? a->cap_data * 2 : 4;
        cli_data_file *d = realloc(a->data, cap * sizeof *d);
        if (!d) {
            cli_error("out of memory");
            return CLI_FAIL;
        }
        a->data = d;
        a->cap_data = cap;
    }
    a->data[a->n_data].path = path;
    a->data[a->n_data].kind = kind;
    a->n_data++;
    return CLI_OK;
}

void cli_args_free(cli_args *a)
{
    if (!a)
        return;
    free(a->data);
    free(a->countries.items);
    free(a->exclude_countries.items);
    free(a->exclude_ids.items);
    free(a->history.items);
    free(a->focus.items);
    memset(a, 0, sizeof *a);
}

/* ---- values ------------------------------------------------------------- */

static int parse_count(unsigned long long *out, const char *opt, const char *s, unsigned long long lo,
                       unsigned long long hi)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = 0;
    if (isdigit((unsigned char)s[0]))
        v = strtoull(s, &end, 10);
    if (!end || *end || errno || v < lo || v > hi) {
        cli_error("%s: expected a whole number from %llu to %llu, got \"%s\"", opt, lo, hi, s);
        return CLI_USAGE;
    }
    *out = v;
    return CLI_OK;
}

static int parse_real(double *out, const char *opt, const char *s, double lo, double hi)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end || isspace((unsigned char)s[0]) || !isfinite(v) || v < lo || v > hi) {
        cli_error("%s: expected a number from %g to %g, got \"%s\"", opt, lo, hi, s);
        return CLI_USAGE;
    }
    *out = v;
    return CLI_OK;
}

/* Country codes are upper-cased in place (argv strings are writable), after
 * the check, so that a message shows what was typed. */
static int parse_country(cli_list *l, const char *opt, char *s)
{
    if (strlen(s) != 2 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1])) {
        cli_error("%s: expected a two-letter country code, got \"%s\"", opt, s);
        return CLI_USAGE;
    }
    s[0] = (char)toupper((unsigned char)s[0]);
    s[1] = (char)toupper((unsigned char)s[1]);
    return list_push(l, s);
}

static int parse_format(enum cli_format *out, enum cli_command command, const char *s)
{
    int no_csv = command == CLI_CMD_INFO || command == CLI_CMD_VALIDATE;
    if (strcmp(s, "csv") == 0 && !no_csv)
        *out = CLI_FORMAT_CSV;
    else if (strcmp(s, "json") == 0)
        *out = CLI_FORMAT_JSON;
    else if (strcmp(s, "table") == 0 && command != CLI_CMD_BATCH)
        *out = CLI_FORMAT_TABLE;
    else {
        cli_error("--format: unknown format \"%s\" (expected %s)", s,
                  command == CLI_CMD_BATCH ? "csv or json" : no_csv ? "table or json" : "table, json or csv");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ---- parsing ------------------------------------------------------------ */

static int apply(cli_args *a, int val, char *arg)
{
    unsigned long long n = 0;
    int rc;
    switch (val) {
    case 'd':
        return data_push(a, arg, SM_DATA_AUTO);
    case OPT_DEVELOPMENT:
        return data_push(a, arg, SM_DATA_DEVELOPMENT);
    case OPT_ID:
        a->id = arg;
        return CLI_OK;
    case 'k':
        /* k is capped so that a typo cannot ask the library for a huge buffer. */
        rc = parse_count(&n, "-k", arg, 0, 10000000ull);
        a->k = (size_t)n;
        return rc;
    case OPT_PRESET:
        a->preset = arg;
        return CLI_OK;
    case OPT_WEIGHTS:
        a->weights = arg;
        return CLI_OK;
    case OPT_CROSS_BORDER:
        a->cross_border = 1;
        return CLI_OK;
    case OPT_CROSS_REGION:
        rc = parse_count(&n, "--cross-region", arg, 0, 3);
        a->cross_region = (int)n;
        return rc;
    case OPT_CROSS_SECTOR:
        rc = parse_count(&n, "--cross-sector", arg, 1, 4);
        a->cross_sector = (int)n;
        return rc;
    case OPT_COUNTRY:
        return parse_country(&a->countries, "--country", arg);
    case OPT_EXCLUDE_COUNTRY:
        return parse_country(&a->exclude_countries, "--exclude-country", arg);
    case OPT_SIZE: {
        sm_size size;
        if (sm_size_parse(&size, arg) != SM_OK) {
            cli_error("--size: unknown size class \"%s\" (expected micro, small, medium, large or unknown)", arg);
            return CLI_USAGE;
        }
        a->size_classes |= 1u << size;
        return CLI_OK;
    }
    case OPT_EXCLUDE_ID:
        return list_push(&a->exclude_ids, arg);
    case OPT_MAX_KM:
        return parse_real(&a->max_km, "--max-km", arg, 0.0, 1e6);
    case OPT_MIN_SCORE:
        return parse_real(&a->min_score, "--min-score", arg, 0.0, 1.0);
    case 'f':
        return parse_format(&a->format, a->command, arg);
    case 'o':
        a->out = arg;
        return CLI_OK;
    case OPT_IDS:
        a->ids_file = arg;
        return CLI_OK;
    case OPT_LEVEL:
        rc = parse_count(&n, "--level", arg, 0, 3);
        a->level = (int)n;
        return rc;
    case OPT_SECTOR_LEVEL:
        rc = parse_count(&n, "--sector-level", arg, 1, 4);
        a->sector_level = (int)n;
        return rc;
    case OPT_BEST:
        rc = parse_count(&n, "--best", arg, 0, 100);
        a->best = (size_t)n;
        return rc;
    case OPT_GEOMETRY:
        a->geometry = arg;
        return CLI_OK;
    case OPT_THEMES:
        a->themes = arg;
        return CLI_OK;
    case OPT_FOCUS:
        return list_push(&a->focus, arg);
    case OPT_NO_MAPS:
        a->no_maps = 1;
        return CLI_OK;
    case OPT_DELIMITER:
        if (!strcmp(arg, ",") || !strcmp(arg, ";") || !strcmp(arg, "\t") || !strcmp(arg, "tab")) {
            a->delimiter = arg[0] == 't' || arg[0] == '\t' ? '\t' : arg[0];
            return CLI_OK;
        }
        cli_error("--delimiter: expected ',', ';' or 'tab', not \"%s\"", arg);
        return CLI_USAGE;
    case OPT_ENCODING:
        a->encoding = arg;
        return CLI_OK;
    case 't':
        rc = parse_count(&n, "--threads", arg, 0, 1024);
        a->threads = (unsigned int)n;
        return rc;
    case OPT_HISTORY: /* history and network criteria */
        return list_push(&a->history, arg);
    case OPT_SPLIT:
        a->split = arg;
        return CLI_OK;
    case OPT_END:
        a->end = arg;
        return CLI_OK;
    case OPT_VALIDATION:
        a->validation = arg;
        return CLI_OK;
    case OPT_MAX_QUERIES:
        rc = parse_count(&n, "--max-queries", arg, 0, 100000000ull);
        a->max_queries = (size_t)n;
        return rc;
    case OPT_BOOTSTRAP:
        rc = parse_count(&n, "--bootstrap", arg, 0, 100000ull);
        a->bootstrap = (unsigned int)n;
        return rc;
    case OPT_SEED:
        return parse_count(&a->seed, "--seed", arg, 0, ~0ull);
    case OPT_QUERIERS:
        if (!strcmp(arg, "all"))
            a->queriers = SM_EVALUATE_ALL;
        else if (!strcmp(arg, "warm"))
            a->queriers = SM_EVALUATE_WARM;
        else if (!strcmp(arg, "cold"))
            a->queriers = SM_EVALUATE_COLD;
        else {
            cli_error("--queriers: expected all, warm or cold, not \"%s\"", arg);
            return CLI_USAGE;
        }
        return CLI_OK;
    default:
        return CLI_USAGE;
    }
}

/* The name of the option getopt just rejected, for the message. */
static const char *rejected(char **argv, char *buf, size_t cap)
{
    const char *arg = optind > 0 ? argv[optind - 1] : NULL;
    if (arg && strncmp(arg, "--", 2) == 0) {
        snprintf(buf, cap, "%.*s", (int)strcspn(arg, "="), arg);
        return buf;
    }
    if (optopt > 0 && optopt < 256 && isalnum(optopt)) {
        snprintf(buf, cap, "-%c", optopt);
        return buf;
    }
    return arg ? arg : "?";
}

int cli_args_parse(cli_args *a, enum cli_command command, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->command = command;
    a->k = 10;
    a->level = 2;
    a->sector_level = 1;
    a->best = 5;
    a->cross_region = SM_LEVEL_ANY;
    a->cross_sector = SM_LEVEL_ANY;
    a->bootstrap = 200; /* history and network criteria */
    a->seed = 1;

    struct option longopts[N_SPECS + 1];
    char shortopts[2 * N_SPECS + 2];
    size_t nl = 0, ns = 0;
    shortopts[ns++] = ':'; /* report a missing argument as ':' */
    for (size_t i = 0; i < N_SPECS; i++) {
        const opt_spec *s = &specs[i];
        if (!(s->commands & command))
            continue;
        longopts[nl].name = s->name;
        longopts[nl].has_arg = s->has_arg;
        longopts[nl].flag = NULL;
        longopts[nl].val = s->val;
        nl++;
        if (s->val < 256) {
            shortopts[ns++] = (char)s->val;
            if (s->has_arg == required_argument)
                shortopts[ns++] = ':';
        }
    }
    memset(&longopts[nl], 0, sizeof longopts[nl]);
    shortopts[ns] = '\0';

    opterr = 0; /* messages are ours, with the "smartmatch: " prefix */
    optind = 1;
    int c;
    char buf[64];
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == '?') {
            const char *bad = rejected(argv, buf, sizeof buf);
            const char *names[N_SPECS];
            for (size_t i = 0; i < nl; i++)
                names[i] = longopts[i].name;
            const char *near = strncmp(bad, "--", 2) == 0 ? cli_suggest(bad + 2, names, nl) : NULL;
            if (near)
                cli_error("unknown option '%s' for '%s'; did you mean '--%s'? (see 'smartmatch %s --help')", bad,
                          argv[0], near, argv[0]);
            else
                cli_error("unknown option '%s' for '%s' (see 'smartmatch %s --help')", bad, argv[0], argv[0]);
            return CLI_USAGE;
        }
        if (c == ':') {
            cli_error("option '%s' needs an argument", rejected(argv, buf, sizeof buf));
            return CLI_USAGE;
        }
        if (c == 'h') {
            cli_args_help(stdout, command);
            a->help = 1;
            return CLI_OK;
        }
        int rc = apply(a, c, optarg);
        if (rc != CLI_OK)
            return rc;
    }
    a->positional = argv + optind;
    a->n_positional = (size_t)(argc - optind);
    return CLI_OK;
}

int cli_args_positional(const cli_args *a, size_t min, size_t max)
{
    if (a->n_positional > max) {
        cli_error("unexpected argument '%s' (usage: %s)", a->positional[max], help_of(a->command)->usage);
        return CLI_USAGE;
    }
    if (a->n_positional < min) {
        cli_error("missing argument (usage: %s)", help_of(a->command)->usage);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ---- weighting and query -------------------------------------------------- */

static void list_presets(FILE *f)
{
    size_t np = sm_weighting_preset_count();
    for (size_t p = 0; p < np; p++)
        fprintf(f, "%s%s", p ? ", " : " (presets: ", sm_weighting_preset_name(p));
    if (np)
        fputc(')', f);
}

int cli_args_weighting(sm_weighting **out, const cli_args *a)
{
    sm_weighting *w = NULL;
    sm_status st;
    if (a->preset) {
        st = sm_weighting_preset(&w, a->preset);
        if (st == SM_ERR_NOMEM)
            return cli_fail(st, NULL);
        if (st != SM_OK) {
            fprintf(stderr, "smartmatch: --preset: %s", sm_error_last()->message);
            list_presets(stderr);
            fputc('\n', stderr);
            return CLI_USAGE;
        }
    }
    if (a->weights) {
        sm_weighting_free(w);
        w = NULL;
        /* "preset,items": the parser starts from the preset, then applies the items. */
        size_t len = (a->preset ? strlen(a->preset) + 1 : 0) + strlen(a->weights) + 1;
        char *text = malloc(len);
        if (!text) {
            cli_error("out of memory");
            return CLI_FAIL;
        }
        snprintf(text, len, "%s%s%s", a->preset ? a->preset : "", a->preset ? "," : "", a->weights);
        st = sm_weighting_parse(&w, text);
        free(text);
        if (st == SM_ERR_NOMEM)
            return cli_fail(st, NULL);
        if (st != SM_OK) {
            /* The library's message already names the field ("weights: ..."). */
            const char *msg = sm_error_last()->message;
            if (strncmp(msg, "weights: ", 9) == 0)
                msg += 9;
            cli_error("--weights: %s", msg);
            return CLI_USAGE;
        }
    }
    if (!w) {
        st = sm_weighting_new(&w);
        if (st != SM_OK)
            return cli_fail(st, NULL);
    }
    *out = w;
    return CLI_OK;
}

/* A country code that names no country of the engine is a typo, not a wish
 * for an empty result. */
static int countries_known(const cli_list *l, const char *opt, const sm_engine *engine)
{
    for (size_t i = 0; i < l->n; i++) {
        const sm_region_info *r = NULL;
        if (sm_region_get(&r, engine, l->items[i]) != SM_OK || r->level != 0) {
            cli_error("%s: no country \"%s\" in the data (two-letter codes such as SI, HR, EL for Greece)", opt,
                      l->items[i]);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

int cli_args_check_countries(const cli_args *a, const sm_engine *engine)
{
    int rc = countries_known(&a->countries, "--country", engine);
    return rc != CLI_OK ? rc : countries_known(&a->exclude_countries, "--exclude-country", engine);
}

void cli_args_query(sm_query_options *q, const cli_args *a, const sm_weighting *w)
{
    const sm_query_options defaults = SM_QUERY_OPTIONS_INIT;
    *q = defaults;
    q->k = a->k;
    q->weighting = w;
    q->min_score = a->min_score;
    q->cross_region_level = a->cross_region;
    q->cross_border = a->cross_border;
    q->cross_sector_level = a->cross_sector;
    q->countries = a->countries.items;
    q->n_countries = a->countries.n;
    q->exclude_countries = a->exclude_countries.items;
    q->n_exclude_countries = a->exclude_countries.n;
    q->size_classes = a->size_classes;
    q->max_km = a->max_km;
    q->exclude_ids = a->exclude_ids.items;
    q->n_exclude_ids = a->exclude_ids.n;
}

void cli_args_describe(FILE *f, const cli_args *a)
{
    fprintf(f, "weighting %s", a->preset ? a->preset : (a->weights ? "" : "balanced"));
    if (a->weights)
        fprintf(f, "%s%s", a->preset ? " + " : "", a->weights);
    if (a->cross_border)
        fputs(" · cross-border", f);
    if (a->cross_region != SM_LEVEL_ANY)
        fprintf(f, " · other NUTS %d region", a->cross_region);
    if (a->cross_sector != SM_LEVEL_ANY)
        fprintf(f, " · other NACE level-%d sector", a->cross_sector);
    if (a->countries.n) {
        fputs(" · in ", f);
        cli_print_list(f, a->countries.items, a->countries.n, ",", "");
    }
    if (a->exclude_countries.n) {
        fputs(" · not in ", f);
        cli_print_list(f, a->exclude_countries.items, a->exclude_countries.n, ",", "");
    }
    if (a->size_classes) {
        fputs(" · size", f);
        const char *sep = " ";
        for (int s = SM_SIZE_UNKNOWN; s <= SM_SIZE_LARGE; s++)
            if (a->size_classes & (1u << s)) {
                fprintf(f, "%s%s", sep, sm_size_name((sm_size)s));
                sep = ",";
            }
    }
    if (a->max_km > 0)
        fprintf(f, " · within %g km", a->max_km);
    if (a->min_score > 0)
        fprintf(f, " · score >= %g", a->min_score);
    if (a->exclude_ids.n)
        fprintf(f, " · %zu id%s excluded", a->exclude_ids.n, a->exclude_ids.n == 1 ? "" : "s");
}
