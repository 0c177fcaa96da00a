/* "smartmatch consortium": eligible project consortia for a funding call,
 * built by the library's consortium builder (docs/consortium.md). The call
 * is a preset name or a call-profile file; options refine it key by key
 * through sm_call_set(), so the command line, the text format and the API
 * accept the same values. The table form is for a person: each consortium
 * with its members and reasons, every rule with its check, and the coverage
 * of the required topics; json and csv are the library's own formats. */
#define SM_EXPERIMENTAL_API
#include "args.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_DEVELOPMENT = 1000,
    OPT_LEAD,
    OPT_LEAD_FROM,
    OPT_CALL,
    OPT_TAGS,
    OPT_SECTORS,
    OPT_SIZE,
    OPT_MIN_COUNTRIES,
    OPT_SET,
    OPT_FORMAT,
    OPT_PRESET,
    OPT_WEIGHTS,
    OPT_POOL,
    OPT_LEADS,
    OPT_DIFFER,
};

static const struct option options[] = {
    { "data", required_argument, NULL, 'd' },
    { "development", required_argument, NULL, OPT_DEVELOPMENT },
    { "lead", required_argument, NULL, OPT_LEAD },
    { "lead-from", required_argument, NULL, OPT_LEAD_FROM },
    { "call", required_argument, NULL, OPT_CALL },
    { "require-tags", required_argument, NULL, OPT_TAGS },
    { "require-sectors", required_argument, NULL, OPT_SECTORS },
    { "size", required_argument, NULL, OPT_SIZE },
    { "min-countries", required_argument, NULL, OPT_MIN_COUNTRIES },
    { "set", required_argument, NULL, OPT_SET },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "preset", required_argument, NULL, OPT_PRESET },
    { "weights", required_argument, NULL, OPT_WEIGHTS },
    { "pool", required_argument, NULL, OPT_POOL },
    { "leads", required_argument, NULL, OPT_LEADS },
    { "min-differ", required_argument, NULL, OPT_DIFFER },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static void help(FILE *f)
{
    fputs("usage: smartmatch consortium --data FILE (--lead ID | --lead-from RULES) --call CALL [options]\n\n"
          "Eligible project consortia for a funding call: a lead partner and partners that\n"
          "satisfy every rule of the call, cover its topics and complement each other.\n\n"
          "Input:\n"
          "  -d, --data FILE         a data file (SMEs, regions, development indices); repeatable\n"
          "      --development FILE  a development-index file (region,development,source)\n"
          "Call:\n"
          "      --call CALL         a preset (horizon-europe, interreg-ce, interreg-europe,\n"
          "                          interreg-euro-med) or a call-profile file (key = value or JSON)\n"
          "      --lead ID           the lead partner\n"
          "      --lead-from RULES   choose the lead: \"call\" (the call's lead rules) or\n"
          "                          \"countries=LIST sizes=LIST\" (e.g. \"countries=SI;AT sizes=medium\")\n"
          "      --require-tags T;.. topics to cover (tag[:weight])\n"
          "      --require-sectors C;..  NACE sectors to cover (code[:weight])\n"
          "      --size MIN..MAX     number of partners, lead included (e.g. 4..8)\n"
          "      --min-countries N   at least N countries\n"
          "      --set KEY=VALUE     any key of the call-profile format (docs/consortium.md); repeatable\n"
          "Search and output:\n"
          "  -k N                    consortia wanted (default 5)\n"
          "      --preset NAME       weighting of the pair scores (default balanced)\n"
          "      --weights ITEMS     weights, e.g. complementarity=3,cohesion=1\n"
          "      --pool N            candidates searched (8..64, default 40)\n"
          "      --leads N           lead candidates tried with --lead-from (default 3)\n"
          "      --min-differ N      each consortium differs from the earlier ones in N members (default 2)\n"
          "      --format F          table (default), json or csv\n\n"
          "Example:\n"
          "  smartmatch consortium --data examples/data/cadses_smes.csv --development\n"
          "      examples/data/cadses_development.csv --call interreg-ce --lead SI-00001\n"
          "      --require-tags \"sensors;iot connectivity\" --size 4..6 -k 3\n\n"
          "Exit status: 0 consortia found, 1 failure or no eligible consortium, 2 bad usage.\n",
          f);
}

static int set_key(sm_call *c, const char *key, const char *value, const char *opt)
{
    sm_status st = sm_call_set(c, key, value);
    if (st == SM_ERR_NOMEM)
        return cli_fail(st, NULL);
    if (st) {
        cli_error("%s: %s", opt, sm_error_last()->message);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The call: a preset by name, else a file. */
static int load_call(sm_call **out, const char *call)
{
    sm_status st = sm_call_preset(out, call);
    if (st == SM_OK)
        return CLI_OK;
    FILE *f = fopen(call, "rb");
    if (!f) {
        cli_error("--call: \"%s\" is neither a preset (horizon-europe, interreg-ce, interreg-europe, "
                  "interreg-euro-med) nor a readable file",
                  call);
        return CLI_USAGE;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
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
    fclose(f);
    if (!buf) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    st = sm_call_parse(out, buf, n, call);
    free(buf);
    return st ? cli_fail(st, call) : CLI_OK;
}

/* "--lead-from countries=SI;AT sizes=small;medium" */
static int lead_from(sm_call *c, const char *rules)
{
    if (strcmp(rules, "call") == 0)
        return CLI_OK;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", rules);
    for (char *tok = strtok(buf, " \t"); tok; tok = strtok(NULL, " \t")) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            cli_error("--lead-from: expected \"call\" or countries=LIST / sizes=LIST, got \"%s\"", tok);
            return CLI_USAGE;
        }
        *eq = '\0';
        const char *key = strcmp(tok, "countries") == 0 ? "lead_countries" : strcmp(tok, "sizes") == 0 ? "lead_sizes" : NULL;
        if (!key) {
            cli_error("--lead-from: unknown rule \"%s\" (countries, sizes)", tok);
            return CLI_USAGE;
        }
        int rc = set_key(c, key, eq + 1, "--lead-from");
        if (rc)
            return rc;
    }
    return CLI_OK;
}

static void print_table(FILE *f, const sm_engine *e, const sm_consortia *r)
{
    size_t n = sm_consortia_count(r);
    for (size_t c = 0; c < n; c++) {
        fprintf(f, "#%zu  score %.3f  (coverage %.2f · pairs %.2f · lead %.2f · cohesion %.2f)\n", c + 1,
                sm_consortia_score(r, c), sm_consortia_term(r, c, "coverage"), sm_consortia_term(r, c, "pairs"),
                sm_consortia_term(r, c, "lead"), sm_consortia_term(r, c, "cohesion"));
        size_t id_w = 2;
        for (size_t m = 0; m < sm_consortia_size(r, c); m++) {
            const char *id = NULL;
            sm_consortia_member(&id, NULL, NULL, r, c, m);
            if (cli_text_width(id) > id_w)
                id_w = cli_text_width(id);
        }
        for (size_t m = 0; m < sm_consortia_size(r, c); m++) {
            const char *id = NULL, *country = NULL, *reason = NULL;
            sm_consortia_member(&id, &country, &reason, r, c, m);
            sm_sme_desc *d = NULL;
            const char *name = "?";
            if (sm_sme_get(&d, e, id) == SM_OK && d->name && d->name[0])
                name = d->name;
            fprintf(f, "  %-8s", m ? "partner" : "lead");
            cli_cell(f, id, id_w);
            fputs("  ", f);
            cli_cell(f, name, 24);
            fprintf(f, "  %s\n", country);
            fprintf(f, "  %-8s%*s  %s\n", "", (int)id_w, "", reason);
            sm_sme_desc_free(d);
        }
        fputs("  rules:\n", f);
        for (size_t i = 0; i < sm_consortia_rule_count(r); i++) {
            const char *rule = NULL, *detail = NULL;
            int ok = 0;
            sm_consortia_rule(&rule, &ok, &detail, r, c, i);
            fprintf(f, "    %-4s %s: %s\n", ok ? "ok" : "FAIL", rule, detail);
        }
        if (sm_consortia_item_count(r)) {
            fputs("  coverage:", f);
            for (size_t i = 0; i < sm_consortia_item_count(r); i++)
                fprintf(f, "%s %s %ld", i ? " ·" : "", sm_consortia_item(r, i, NULL), sm_consortia_coverage(r, c, i));
            fputc('\n', f);
        }
        if (c + 1 < n)
            fputc('\n', f);
    }
}

int cmd_consortium(int argc, char **argv)
{
    cli_args a;
    memset(&a, 0, sizeof a);
    cli_data_file files[32];
    a.data = files;
    const char *lead = NULL, *lead_rules = NULL, *call_name = NULL, *format = "table";
    const char *sets[64][2];
    size_t n_sets = 0;
    sm_consortium_options o = SM_CONSORTIUM_OPTIONS_INIT;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:k:h", options, NULL)) != -1) {
        const char *key = NULL;
        char *end = NULL;
        switch (opt) {
        case 'd':
        case OPT_DEVELOPMENT:
            if (a.n_data == 32) {
                cli_error("at most 32 data files");
                return CLI_USAGE;
            }
            files[a.n_data].path = optarg;
            files[a.n_data++].kind = opt == 'd' ? SM_DATA_AUTO : SM_DATA_DEVELOPMENT;
            continue;
        case 'k':
        case OPT_POOL:
        case OPT_LEADS:
        case OPT_DIFFER: {
            unsigned long v = strtoul(optarg, &end, 10);
            if (!*optarg || *end || v == 0) {
                cli_error("%s: expected a positive whole number, got \"%s\"", argv[optind - 1], optarg);
                return CLI_USAGE;
            }
            if (opt == 'k')
                o.k = v;
            else if (opt == OPT_POOL)
                o.pool = v;
            else if (opt == OPT_LEADS)
                o.leads = v;
            else
                o.min_differ = v;
            continue;
        }
        case OPT_LEAD: lead = optarg; continue;
        case OPT_LEAD_FROM: lead_rules = optarg; continue;
        case OPT_CALL: call_name = optarg; continue;
        case OPT_FORMAT: format = optarg; continue;
        case OPT_PRESET: a.preset = optarg; continue;
        case OPT_WEIGHTS: a.weights = optarg; continue;
        case OPT_TAGS: key = "topics"; break;
        case OPT_SECTORS: key = "sectors"; break;
        case OPT_SIZE: key = "size"; break;
        case OPT_MIN_COUNTRIES: key = "min_countries"; break;
        case OPT_SET: {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                cli_error("--set: expected KEY=VALUE, got \"%s\"", optarg);
                return CLI_USAGE;
            }
            *eq = '\0';
            key = optarg;
            optarg = eq + 1;
            break;
        }
        case 'h': help(stdout); return CLI_OK;
        default: fputs("Run 'smartmatch consortium --help' for the options.\n", stderr); return CLI_USAGE;
        }
        if (n_sets == 64) {
            cli_error("too many call options");
            return CLI_USAGE;
        }
        sets[n_sets][0] = key;
        sets[n_sets++][1] = optarg;
    }
    if (optind < argc) {
        cli_error("unexpected argument \"%s\"", argv[optind]);
        return CLI_USAGE;
    }
    if (!a.n_data || !call_name || (!lead == !lead_rules)) {
        cli_error("consortium needs --data, --call and one of --lead or --lead-from");
        fputs("Run 'smartmatch consortium --help' for the options.\n", stderr);
        return CLI_USAGE;
    }
    sm_format out_format = SM_FORMAT_AUTO;
    if (strcmp(format, "json") == 0)
        out_format = SM_FORMAT_JSON;
    else if (strcmp(format, "csv") == 0)
        out_format = SM_FORMAT_CSV;
    else if (strcmp(format, "table") != 0) {
        cli_error("--format: expected table, json or csv, got \"%s\"", format);
        return CLI_USAGE;
    }
    sm_call *call = NULL;
    int rc = load_call(&call, call_name);
    for (size_t i = 0; !rc && i < n_sets; i++)
        rc = set_key(call, sets[i][0], sets[i][1], sets[i][0]);
    if (!rc && lead_rules)
        rc = lead_from(call, lead_rules);
    sm_weighting *w = NULL;
    if (!rc)
        rc = cli_args_weighting(&w, &a);
    sm_engine *e = NULL;
    if (!rc)
        rc = cli_load_engine(&e, &a);
    sm_consortia *r = NULL;
    if (!rc) {
        o.weighting = w;
        o.lead = lead;
        sm_status st = sm_consortium_build(&r, e, call, &o);
        if (st)
            rc = st == SM_ERR_INVALID_ARGUMENT ? (cli_fail(st, NULL), CLI_USAGE) : cli_fail(st, NULL);
    }
    if (!rc) {
        if (out_format == SM_FORMAT_AUTO) {
            print_table(stdout, e, r);
        } else {
            char *text = NULL;
            sm_status st = sm_consortia_format(&text, NULL, r, out_format);
            if (st)
                rc = cli_fail(st, NULL);
            else
                fputs(text, stdout);
            sm_free(text);
        }
        if (!sm_consortia_count(r)) {
            cli_error("%s", sm_consortia_infeasible(r));
            rc = CLI_FAIL;
        }
    }
    sm_consortia_free(r);
    sm_engine_free(e);
    sm_weighting_free(w);
    sm_call_free(call);
    return rc;
}
