/* Files of the smartmatch tool, following the usual conventions: "-" means
 * standard input for data and id lists and standard output for --out; an
 * output file is written to a temporary file beside it and renamed into
 * place only when complete, so a failed, interrupted or killed run never
 * leaves a truncated file and never destroys the previous good output. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporary file of the output being written, removed by the signal
 * handler (unlink is async-signal-safe); and whether a progress line is on
 * the terminal, cleared there. */
static char *volatile pending_tmp;
static volatile sig_atomic_t progress_shown;

void cli_progress_shown(int shown) { progress_shown = shown; }

static void on_signal(int sig)
{
    char *tmp = pending_tmp;
    if (tmp)
        unlink(tmp);
    if (progress_shown) {
        static const char clear[] = "\r\033[K";
        ssize_t w = write(STDERR_FILENO, clear, sizeof clear - 1);
        (void)w;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int cli_output_open(cli_output *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->target = path;
    struct stat st;
    if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
        /* standard output, a device or a pipe: written as it goes */
        o->f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
        o->direct = 1;
        if (!o->f) {
            cli_error("%s: cannot open the output: %s", path, strerror(errno));
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    size_t len = strlen(path) + 16;
    o->tmp = malloc(len);
    if (!o->tmp) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    snprintf(o->tmp, len, "%.*s.%s.XXXXXX", (int)dir, path, path + dir);
    /* no signal between creating the file and recording it for the handler */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    int fd = mkstemp(o->tmp);
    if (fd >= 0)
        pending_tmp = o->tmp;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        cli_error("%s: cannot create the output file: %s", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return CLI_FAIL;
    }
    /* the permissions a new file would get (mkstemp makes it 0600) */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    if (!(o->f = fdopen(fd, "w"))) {
        cli_error("%s: cannot create the output file: %s", path, strerror(errno));
        close(fd);
        cli_output_abort(o);
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_output_commit(cli_output *o)
{
    int failed = fflush(o->f) != 0 || ferror(o->f);
    if (!o->direct) {
        failed |= fsync(fileno(o->f)) != 0;
        failed |= fclose(o->f) != 0;
        o->f = NULL;
        if (!failed && rename(o->tmp, o->target) != 0) {
            cli_error("%s: cannot rename the output into place: %s", o->target, strerror(errno));
            cli_output_abort(o);
            return CLI_FAIL;
        }
        pending_tmp = NULL;
        free(o->tmp);
        o->tmp = NULL;
    } else if (o->f != stdout) {
        failed |= fclose(o->f) != 0;
        o->f = NULL;
    }
    if (failed) {
        cli_error("%s: write error", o->target);
        cli_output_abort(o);
        return CLI_FAIL;
    }
    return CLI_OK;
}

void cli_output_abort(cli_output *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp) {
        pending_tmp = NULL;
        unlink(o->tmp); /* the previous output, if any, stays as it was */
        free(o->tmp);
        o->tmp = NULL;
    }
}

FILE *cli_input_open(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    return fopen(path, "r");
}

void cli_input_close(FILE *f)
{
    if (f && f != stdin)
        fclose(f);
}

sm_status cli_load(sm_engine *engine, const char *path, const sm_load_options *opts, sm_load_report *report)
{
    if (strcmp(path, "-") != 0)
        return sm_load_file(engine, path, opts, report);
    /* standard input: read it whole, the loaders sniff CSV or JSON */
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf)
        return SM_ERR_NOMEM;
    sm_status st = sm_load_buffer(engine, buf, len, "<stdin>", opts, report);
    free(buf);
    return st;
}
