/* "smartmatch fit": learns a weighting from the cooperations before a date
 * and prints it as the text --weights accepts, then its figures on the
 * held-out part of the validation period. */
#define SM_EXPERIMENTAL_API
#include "args.h"
#include "cli.h"

#include <string.h>

int cmd_fit(int argc, char **argv)
{
    cli_args a;
    sm_weighting *start = NULL, *w = NULL;
    sm_engine *engine = NULL;
    sm_evaluation *ev = NULL;
    char *text = NULL, *table = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_FIT, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 0, 0)) != CLI_OK)
        goto done;
    if (a.n_data == 0 || a.history.n == 0 || !a.split) {
        cli_error("fit needs %s (see 'smartmatch fit --help')",
                  a.n_data == 0 ? "--data FILE" : a.history.n == 0 ? "--history FILE" : "--split DATE");
        rc = CLI_USAGE;
        goto done;
    }
    if ((a.preset || a.weights) && (rc = cli_args_weighting(&start, &a)) != CLI_OK)
        goto done;
    if ((rc = cli_load_engine(&engine, &a)) != CLI_OK)
        goto done;
    sm_fit_options o = SM_FIT_OPTIONS_INIT;
    o.split_date = a.split;
    o.validation_date = a.validation;
    o.start = start;
    if (a.max_queries)
        o.max_queries = a.max_queries;
    o.seed = a.seed;
    sm_status st = sm_fit(&w, &ev, engine, &o);
    if (st == SM_OK)
        st = sm_weighting_to_string(&text, w);
    if (st == SM_OK)
        st = sm_evaluation_format(&table, ev);
    if (st != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    printf("%s\n\nfigures on the held-out third of the validation period (before %s):\n\n%s", text, a.split, table);
done:
    sm_free(text);
    sm_free(table);
    sm_evaluation_free(ev);
    sm_engine_free(engine);
    sm_weighting_free(w);
    sm_weighting_free(start);
    cli_args_free(&a);
    return rc;
}
