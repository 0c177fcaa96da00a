/* Shared declarations of the smartmatch command-line tool: exit codes, error
 * reporting, the subcommands, data loading and the text helpers. The tool
 * uses only the public API (include/smartmatch.h). */
#ifndef SM_CLI_H
#define SM_CLI_H

#include <smartmatch.h>

#include <stdio.h>

/* Exit statuses, as documented in docs/cli.md. */
enum {
    CLI_OK = 0,   /* success */
    CLI_FAIL = 1, /* a file could not be read, an unknown id, problems found */
    CLI_USAGE = 2 /* bad command line */
};

struct cli_args;

/* ---- errors (main.c) --------------------------------------------------- */

/* Prints "smartmatch: <message>" on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Prints the library's last error (sm_error_last()) for a failed call and
 * returns CLI_FAIL. @p context, if not NULL, is printed first unless the
 * message already names it (e.g. the path of a file). */
int cli_fail(sm_status status, const char *context);

/* ---- subcommands (cmd_*.c): argv[0] is the subcommand name ------------- */

int cmd_match(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_overview(int argc, char **argv);
int cmd_consortium(int argc, char **argv); /* experimental API */
int cmd_event(int argc, char **argv); /* experimental API */
int cmd_snapshot(int argc, char **argv);
int cmd_evaluate(int argc, char **argv); /* history and network criteria */
int cmd_fit(int argc, char **argv);

/* ---- data (data.c) ----------------------------------------------------- */

/* A new engine with the built-in taxonomies and every --data/--development
 * file loaded strictly, in command-line order; when the first --data is a
 * snapshot, the engine it holds instead of the built-in tables. Prints the
 * error on failure. */
int cli_load_engine(sm_engine **out, const struct cli_args *args);

/* The cooperation types set in @p bits, separated by @p sep; returns how many. */
size_t cli_print_cooperation(FILE *f, const sm_engine *engine, uint32_t bits, const char *sep);

/* Writes a list of strings separated by @p sep; @p none if empty. */
void cli_print_list(FILE *f, const char *const *items, size_t n, const char *sep, const char *none);

/* Country code and name of a region ("SI", "Slovenija"); "?" if unknown. */
const char *cli_region_name(const sm_engine *engine, const char *code);
const char *cli_country_of(const sm_engine *engine, const char *region);
const char *cli_country_name(const sm_engine *engine, const char *country);
/* Title of a sector code, "?" if unknown. */
const char *cli_sector_name(const sm_engine *engine, const char *code);

/* One-line description: "ID  Name · Region (CODE), Country (CC) · CODE Title"
 * (the region is left out when it is the country itself). */
void cli_print_sme_line(FILE *f, const sm_engine *engine, const sm_sme_desc *d);

/* ---- text output (print.c) --------------------------------------------- */

/* Columns a UTF-8 string takes on a terminal (combining marks 0, East Asian
 * wide characters 2, everything else 1). */
size_t cli_text_width(const char *s);

/* Writes @p s left-aligned in exactly @p width columns: padded with spaces,
 * or cut at a character boundary and ended with "…" when too long. */
void cli_cell(FILE *f, const char *s, size_t width);

/* Writes @p n spaces. */
void cli_spaces(FILE *f, size_t n);

/* Writes results with sm_result_format() (CSV or JSON) to @p f. */
int cli_write_results(FILE *f, const sm_result *const *results, size_t n, sm_format format);

/* Formats an integer with thousands separators ("3,998,000") into @p buf. */
const char *cli_thousands(char *buf, size_t cap, unsigned long long v);

/* ---- files (files.c): "-" and atomic outputs ---------------------------- */

/* An output being written: a temporary file beside the target (renamed into
 * place by cli_output_commit), or standard output, a device or a pipe. */
typedef struct cli_output {
    FILE *f;
    const char *target;
    char *tmp;
    int direct;
} cli_output;

/* Opens @p path ("-" = standard output) for writing. Prints the error. */
int cli_output_open(cli_output *o, const char *path);
/* Completes the output: flushed, synced and renamed into place. Prints the error. */
int cli_output_commit(cli_output *o);
/* Drops the output: the temporary file is removed, the target untouched. */
void cli_output_abort(cli_output *o);
/* SIGINT, SIGTERM, SIGHUP remove the pending temporary file and clear the progress line. */
void cli_signals_install(void);
/* Whether a progress line is on the terminal (cleared on a signal). */
void cli_progress_shown(int shown);
/* Opens a text input; "-" = standard input. NULL with errno on failure. */
FILE *cli_input_open(const char *path);
void cli_input_close(FILE *f);
/* sm_load_file(), or sm_load_buffer() of standard input for "-". */
sm_status cli_load(sm_engine *engine, const char *path, const sm_load_options *opts, sm_load_report *report);

/* The known name closest to @p word, or NULL when none is close (suggest.c). */
const char *cli_suggest(const char *word, const char *const *names, size_t n);

/* Writes @p s as a JSON string (quoted, escaped; UTF-8 passes through). */
void cli_json_str(FILE *f, const char *s);

/* Columns of the terminal on standard output; $COLUMNS or 80 when it is not one. */
size_t cli_term_width(void);

#endif /* SM_CLI_H */
