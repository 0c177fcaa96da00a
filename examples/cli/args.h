/* Command-line parsing for every subcommand of the smartmatch tool: one table
 * of options (which subcommands take each one, its help text), parsed with
 * getopt_long, and the conversion of the weighting and filter options into
 * an sm_weighting and sm_query_options shared by match, explain and batch. */
#ifndef SM_CLI_ARGS_H
#define SM_CLI_ARGS_H

#include <smartmatch.h>

#include <stdio.h>

/* The subcommands, as bits so that an option can belong to several. */
enum cli_command {
    CLI_CMD_MATCH = 1u << 0,
    CLI_CMD_EXPLAIN = 1u << 1,
    CLI_CMD_INFO = 1u << 2,
    CLI_CMD_VALIDATE = 1u << 3,
    CLI_CMD_BATCH = 1u << 4,
    CLI_CMD_OVERVIEW = 1u << 5,
    CLI_CMD_SNAPSHOT = 1u << 6,
    CLI_CMD_EVALUATE = 1u << 7, /* history and network criteria */
    CLI_CMD_FIT = 1u << 8
};

/* Output formats of --format. */
enum cli_format { CLI_FORMAT_DEFAULT = 0, CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON };

/* A growing list of strings borrowed from argv (or owned, see cli_args.owned_ids). */
typedef struct cli_list {
    const char **items;
    size_t n, cap;
} cli_list;

/* A file to load and what it holds. */
typedef struct cli_data_file {
    const char *path;
    sm_data_kind kind;
} cli_data_file;

/* Everything the command line said. Strings are borrowed from argv. */
typedef struct cli_args {
    enum cli_command command;
    int help;                   /* --help was given and printed */
    cli_data_file *data;        /* --data and --development, in order */
    size_t n_data, cap_data;
    const char *id;             /* --id */
    size_t k;                   /* -k (default 10) */
    const char *preset;         /* --preset */
    const char *weights;        /* --weights */
    int cross_border;           /* --cross-border */
    int cross_region;           /* --cross-region, SM_LEVEL_ANY if not given */
    int cross_sector;           /* --cross-sector, SM_LEVEL_ANY if not given */
    cli_list countries;         /* --country (upper-cased in place) */
    cli_list exclude_countries; /* --exclude-country */
    cli_list exclude_ids;       /* --exclude-id */
    unsigned int size_classes;  /* --size bits, 0 = all */
    double max_km;              /* --max-km, 0 = no limit */
    double min_score;           /* --min-score */
    enum cli_format format;     /* --format */
    unsigned int threads;       /* --threads, 0 = all CPUs */
    const char *out;            /* --out */
    const char *ids_file;       /* --ids */
    int level;                  /* overview --level (default 2) */
    int sector_level;           /* overview --sector-level (default 1) */
    size_t best;                /* overview --best (default 5) */
    const char *geometry;       /* overview --geometry, NULL = look beside the data */
    int no_maps;                /* overview --no-maps */
    const char *themes;         /* overview --themes FILE */
    cli_list focus;             /* overview --focus REGION, repeatable */
    int delimiter;              /* --delimiter, 0 = detect */
    const char *encoding;       /* --encoding, NULL = UTF-8 */
    /* history and network criteria */
    cli_list history;           /* --history files, loaded after the data */
    const char *split;          /* --split */
    const char *end;            /* --end */
    const char *validation;     /* --validation */
    size_t max_queries;         /* --max-queries (0 = all) */
    int queriers;               /* --queriers: an sm_evaluate_queriers value */
    unsigned int bootstrap;     /* --bootstrap */
    unsigned long long seed;    /* --seed */
    char **positional;          /* remaining arguments (borrowed from argv) */
    size_t n_positional;
} cli_args;

/* Parses the options of @p command from argv (argv[0] = the subcommand
 * name). Returns CLI_OK, or CLI_USAGE after printing the error. When --help
 * is given, prints the help on stdout, sets args->help and returns CLI_OK.
 * Free with cli_args_free() in every case. */
int cli_args_parse(cli_args *args, enum cli_command command, int argc, char **argv);

/* Checks that exactly [min, max] positional arguments were given. */
int cli_args_positional(const cli_args *args, size_t min, size_t max);

void cli_args_free(cli_args *args);

/* The help of one subcommand. */
void cli_args_help(FILE *f, enum cli_command command);

/* The weighting the options ask for: --preset (default "balanced"), then the
 * items of --weights. Returns CLI_OK, CLI_USAGE (bad preset or weights, error
 * printed) or CLI_FAIL. */
int cli_args_weighting(sm_weighting **out, const cli_args *args);

/* Query options from the filter options; @p weighting is borrowed. The
 * arrays point into @p args, which must outlive the options. */
void cli_args_query(sm_query_options *out, const cli_args *args, const sm_weighting *weighting);

/* Every --country and --exclude-country names a country of the engine;
 * otherwise prints the error and returns CLI_USAGE. */
int cli_args_check_countries(const cli_args *args, const sm_engine *engine);

/* A short human description of the weighting and filters in force,
 * e.g. "weighting balanced · filters: cross-border, max 500 km". */
void cli_args_describe(FILE *f, const cli_args *args);

#endif /* SM_CLI_ARGS_H */
