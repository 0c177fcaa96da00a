/* "smartmatch evaluate": how well a weighting predicts the cooperations
 * that happened after a date, side by side with the baselines, as a
 * Markdown table. */
#define SM_EXPERIMENTAL_API
#include "args.h"
#include "cli.h"

#include <string.h>

int cmd_evaluate(int argc, char **argv)
{
    cli_args a;
    sm_weighting *w = NULL;
    sm_engine *engine = NULL;
    sm_evaluation *ev = NULL;
    char *text = NULL;
    int rc = cli_args_parse(&a, CLI_CMD_EVALUATE, argc, argv);
    if (rc != CLI_OK || a.help)
        goto done;
    if ((rc = cli_args_positional(&a, 0, 0)) != CLI_OK)
        goto done;
    if (a.n_data == 0 || a.history.n == 0 || !a.split) {
        cli_error("evaluate needs %s (see 'smartmatch evaluate --help')",
                  a.n_data == 0 ? "--data FILE" : a.history.n == 0 ? "--history FILE" : "--split DATE");
        rc = CLI_USAGE;
        goto done;
    }
    if ((rc = cli_args_weighting(&w, &a)) != CLI_OK || (rc = cli_load_engine(&engine, &a)) != CLI_OK)
        goto done;
    sm_evaluate_options o = SM_EVALUATE_OPTIONS_INIT;
    o.split_date = a.split;
    o.end_date = a.end;
    o.weighting = w;
    o.label = a.weights ? "weighting" : a.preset ? a.preset : "balanced";
    o.max_queries = a.max_queries;
    o.queriers = (sm_evaluate_queriers)a.queriers;
    o.bootstrap = a.bootstrap;
    o.seed = a.seed;
    sm_status st = sm_evaluate(&ev, engine, &o);
    if (st == SM_OK)
        st = sm_evaluation_format(&text, ev);
    if (st != SM_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    printf("cooperations from %s%s%s replayed, one query per member%s; the network criteria see only the "
           "history before %s\n\n%s",
           a.split, a.end ? " to " : " on", a.end ? a.end : "",
           a.queriers == SM_EVALUATE_WARM   ? " with an offer, a need or an earlier cooperation (warm)"
           : a.queriers == SM_EVALUATE_COLD ? " with no offer, no need and no earlier cooperation (cold)"
                                            : "",
           a.split, text);
done:
    sm_free(text);
    sm_evaluation_free(ev);
    sm_engine_free(engine);
    sm_weighting_free(w);
    cli_args_free(&a);
    return rc;
}
