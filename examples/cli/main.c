/* smartmatch: the command-line face of the library. Dispatches to the
 * subcommands (cmd_*.c), prints the version and the overall help, and owns
 * the error conventions: messages on stderr prefixed "smartmatch: ", exit
 * status 0 success, 1 failure, 2 bad usage. */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("smartmatch: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(sm_status status, const char *context)
{
    const sm_error *e = sm_error_last();
    const char *msg = e->status == status && e->message[0] ? e->message : sm_status_str(status);
    /* Library messages for files already start with the file name. */
    if (context && !strstr(msg, context))
        cli_error("%s: %s", context, msg);
    else
        cli_error("%s", msg);
    return CLI_FAIL;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "match", cmd_match, "the best partners of one SME, with the reasons" },
    { "explain", cmd_explain, "why two SMEs match: every criterion, weighted and explained" },
    { "info", cmd_info, "what the data holds: SMEs by country, NACE section and size" },
    { "validate", cmd_validate, "check data files and list every problem" },
    { "batch", cmd_batch, "the best partners of every SME, written to a CSV or JSON file" },
    { "overview", cmd_overview, "region and sector matrices, potential cooperations, maps and a report" },
    { "consortium", cmd_consortium, "eligible project consortia for a funding call, rule by rule" },
    { "event", cmd_event, "plan a brokerage event: meetings, slots and tables from wishes" },
    { "snapshot", cmd_snapshot, "save the loaded data as one snapshot file that opens fast" },
    { "evaluate", cmd_evaluate, "how well a weighting predicts the cooperations after a date, beside baselines" },
    { "fit", cmd_fit, "learn a weighting from the cooperations before a date" },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fputs("usage: smartmatch <command> [options]\n"
          "       smartmatch --version | --help\n\n"
          "Finds, scores and explains cooperation partners for SMEs across regions and sectors.\n\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-12s%s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'smartmatch <command> --help' for the options of a command.\n"
          "Exit status: 0 success, 1 failure (file, data or unknown id), 2 bad usage.\n",
          f);
}

static void version(void)
{
    printf("smartmatch %s (library %s)\n", SM_VERSION_STRING, sm_version_string());
    printf("formats: CSV %s, JSON %s\n", sm_format_supported(SM_FORMAT_CSV) ? "yes" : "no",
           sm_format_supported(SM_FORMAT_JSON) ? "yes" : "no");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    cli_signals_install();
    if (strcmp(cmd, "help") == 0 && argc > 2) {
        /* "smartmatch help CMD" = "smartmatch CMD --help" */
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (strcmp(argv[2], commands[i].name) == 0) {
                char *args[] = { argv[2], (char *)"--help", NULL };
                return commands[i].run(2, args);
            }
        cmd = argv[2];
    } else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        version();
        return CLI_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            int rc = commands[i].run(argc - 1, argv + 1);
            /* A failed write to stdout (full disk, closed pipe) is a failure too. */
            if (fflush(stdout) != 0 && rc == CLI_OK) {
                cli_error("cannot write the output");
                rc = CLI_FAIL;
            }
            return rc;
        }
    if (cmd[0] == '-')
        cli_error("unknown option '%s' (see 'smartmatch --help')", cmd);
    else {
        const char *names[N_COMMANDS + 2];
        for (size_t i = 0; i < N_COMMANDS; i++)
            names[i] = commands[i].name;
        names[N_COMMANDS] = "help";
        names[N_COMMANDS + 1] = "version";
        const char *near = cli_suggest(cmd, names, N_COMMANDS + 2);
        if (near)
            cli_error("unknown command '%s'; did you mean '%s'? (see 'smartmatch --help')", cmd, near);
        else
            cli_error("unknown command '%s' (see 'smartmatch --help')", cmd);
    }
    return CLI_USAGE;
}
