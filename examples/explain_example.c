/* Why a partner matches, from C: the gives/gets tags with their idf weights,
 * each criterion's contribution and reason, and "why not b?" with
 * sm_query_rank(). No code here computes a reason; the library does.
 * usage: explain_example [PATH/TO/cadses_smes.csv] */
#define SM_EXPERIMENTAL_API
#include <smartmatch.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    sm_engine *e = NULL;
    sm_result *r = NULL;
    sm_engine_new(&e, NULL);
    if (sm_load_file(e, argc > 1 ? argv[1] : "examples/data/cadses_smes.csv", NULL, NULL) != SM_OK)
        return 1;
    sm_query_top(&r, e, "CZ-00032", NULL);
    sm_result_explain(r, e); /* gives, gets and reasons for every match */
    printf("%s and %s\n", sm_result_query_id(r), sm_result_id(r, 0));
    for (size_t t = 0; t < sm_result_gives_count(r, 0); t++)
        printf("  gives %s (idf %.2f)\n", sm_result_gives_tag(r, 0, t), sm_result_gives_weight(r, 0, t));
    for (size_t t = 0; t < sm_result_gets_count(r, 0); t++)
        printf("  gets  %s (idf %.2f)\n", sm_result_gets_tag(r, 0, t), sm_result_gets_weight(r, 0, t));
    for (size_t j = 0; j < sm_result_criterion_count(r); j++)
        printf("  %-16s %.3f  %-14s %s\n", sm_result_criterion_name(r, j), sm_result_contribution(r, 0, j),
               sm_reason_code_name(sm_result_reason_code(r, 0, j)), sm_result_reason_text(r, 0, j));
    sm_rank_info why;
    sm_query_options o = SM_QUERY_OPTIONS_INIT;
    o.cross_border = 1;
    sm_query_rank(&why, e, "CZ-00032", "CZ-00013", &o);
    printf("CZ-00013: score %.3f, excluded by %s\n", why.score, sm_exclusion_name(why.excluded));
    o.cross_border = 0;
    o.k = 3;
    sm_query_rank(&why, e, "CZ-00032", "HU-00061", &o);
    printf("HU-00061: rank %zu of %zu, score %.3f, excluded by %s\n", why.rank, why.passing, why.score,
           sm_exclusion_name(why.excluded));
    sm_result_free(r);
    sm_engine_free(e);
    return 0;
}
