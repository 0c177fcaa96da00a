/* Scoring from C: load the sample data, query with a preset and with a
 * weighting of your own (weights, a parameter, a custom criterion), filter,
 * and explain one pair criterion by criterion.
 * Usage: scoring_example [DATA_FILE [SME_ID]] (defaults: the bundled sample). */
#include <smartmatch.h>

#include <stdio.h>
#include <string.h>

static int check(sm_status st, const char *what)
{
    if (st != SM_OK) {
        fprintf(stderr, "%s: %s\n", what, sm_error_last()->message);
        return 1;
    }
    return 0;
}

/* A custom criterion: prefer partners founded at least ten years ago
 * (established firms), neutral when the year is unknown. */
static double established(const sm_pair *pair, void *userdata)
{
    const int *this_year = userdata;
    if (pair->b.founded <= 0)
        return 0.5;
    int age = *this_year - pair->b.founded;
    return age >= 10 ? 1.0 : age / 10.0;
}

static void print_result(const sm_result *res)
{
    printf("partners of %s:\n", sm_result_query_id(res));
    for (size_t i = 0; i < sm_result_count(res); i++) {
        printf("  %2zu. %-10s %.3f  (%4.0f km;", i + 1, sm_result_id(res, i), sm_result_score(res, i),
               sm_result_distance_km(res, i));
        for (size_t j = 0; j < sm_result_criterion_count(res); j++)
            printf(" %s %.2f", sm_result_criterion_name(res, j), sm_result_breakdown(res, i, j));
        printf(")\n");
    }
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/data/cadses_smes.csv";
    const char *id = argc > 2 ? argv[2] : "CZ-00032";
    sm_engine *eng = NULL;
    if (check(sm_engine_new(&eng, NULL), "engine"))
        return 1;
    sm_load_report report;
    if (check(sm_load_file(eng, path, NULL, &report), "load")) {
        sm_engine_free(eng);
        return 1;
    }

    /* 1. a preset, cross-border partners only */
    sm_weighting *w = NULL;
    sm_result *res = NULL;
    sm_query_options q = SM_QUERY_OPTIONS_INIT;
    q.k = 5;
    q.cross_border = 1;
    int rc = check(sm_weighting_preset(&w, "cross_border"), "preset");
    q.weighting = w;
    if (!rc && !(rc = check(sm_query_top(&res, eng, id, &q), "query")))
        print_result(res);
    sm_result_free(res);
    sm_weighting_free(w);
    w = NULL;

    /* 2. your own weighting: from text, then a custom criterion */
    static int this_year = 2026;
    if (!rc)
        rc = check(sm_weighting_parse(&w, "balanced,complementarity=4,region_reach.scale_km=250"), "weights");
    if (!rc)
        rc = check(sm_weighting_add_criterion(w, "established", established, &this_year, NULL, 0.5), "criterion");
    if (!rc) {
        const char *not_here[] = { "DE", "AT" };
        q.weighting = w;
        q.exclude_countries = not_here;
        q.n_exclude_countries = 2;
        q.cross_sector_level = 2; /* another NACE division */
        if (!(rc = check(sm_query_top(&res, eng, id, &q), "query")))
            print_result(res);
    }

    /* 3. why these two? */
    if (!rc && sm_result_count(res) > 0) {
        sm_result *why = NULL;
        if (!(rc = check(sm_query_explain(&why, eng, id, sm_result_id(res, 0), w), "explain"))) {
            printf("\n%s and %s: total %.3f\n", id, sm_result_id(why, 0), sm_result_score(why, 0));
            for (size_t j = 0; j < sm_result_criterion_count(why); j++)
                printf("  %-16s score %.3f  weight %.1f\n", sm_result_criterion_name(why, j),
                       sm_result_breakdown(why, 0, j), sm_result_criterion_weight(why, j));
        }
        sm_result_free(why);
    }
    sm_result_free(res);
    sm_weighting_free(w);
    sm_engine_free(eng);
    return rc;
}
