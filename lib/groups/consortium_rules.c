/* The rules of a call as the result reports them: each as text, its check on
 * a consortium with the figures, and the diagnosis of a profile that no
 * consortium can satisfy. The checks read the engine's data directly (not the
 * search's pool tables), so they also verify the search. */
#include "groups/consortium.h"

#include <stdio.h>
#include <string.h>

typedef struct rule_out {
    char (*text)[SM__RULE_TEXT];
    int *ok;
    char (*detail)[SM__RULE_DETAIL];
    unsigned n;
    bool check;
} rule_out;

static void put(rule_out *o, bool ok, const char *text, const char *detail)
{
    if (o->n >= SM__RULES_MAX)
        return;
    snprintf(o->text[o->n], SM__RULE_TEXT, "%s", text);
    if (o->check) {
        o->ok[o->n] = ok;
        snprintf(o->detail[o->n], SM__RULE_DETAIL, "%s", detail);
    }
    o->n++;
}

/* Appends s to buf (cap bytes), with sep between entries. */
static void cat(char *buf, size_t cap, const char *sep, const char *s)
{
    size_t n = strlen(buf);
    if (n + strlen(sep) + strlen(s) + 4 >= cap) {
        if (n + 4 < cap && strcmp(buf + (n >= 3 ? n - 3 : 0), "...") != 0)
            strcat(buf, "...");
        return;
    }
    if (n)
        strcat(buf, sep);
    strcat(buf, s);
}

unsigned sm__rules_eval(const sm__cctx *x, const uint32_t *idx, unsigned n, char (*text)[SM__RULE_TEXT], int *ok,
                        char (*detail)[SM__RULE_DETAIL])
{
    const sm_engine *e = x->e;
    const sm_call *c = x->call;
    rule_out o = { text, ok, detail, 0, idx != NULL };
    char t[SM__RULE_TEXT], d[SM__RULE_DETAIL];

    snprintf(t, sizeof t, "size %u..%u", c->min_size, c->max_size);
    snprintf(d, sizeof d, "%u members", n);
    put(&o, n >= c->min_size && n <= c->max_size, t, d);

    if (c->min_countries) {
        snprintf(t, sizeof t, "min_countries %u%s%s", c->min_countries, c->min_countries_in.n ? " in " : "",
                 c->min_countries_in.text);
        unsigned seen[SM__CALL_SIZE_MAX], ns = 0;
        char list[200] = "";
        for (unsigned i = 0; o.check && i < n; i++) {
            if (!(x->rbits[e->smes.region[idx[i]]] >> SM__AB_MINC & 1u))
                continue;
            unsigned cc = sm__sme_country(e, idx[i]);
            bool have = false;
            for (unsigned j = 0; j < ns && !have; j++)
                have = seen[j] == cc;
            if (!have) {
                seen[ns++] = cc;
                cat(list, sizeof list, ", ", e->regions[cc]->info.code);
            }
        }
        snprintf(d, sizeof d, "%u countries%s%s%s", ns, c->min_countries_in.n ? " in the list" : "", ns ? ": " : "",
                 list);
        put(&o, ns >= c->min_countries, t, d);
    }
    for (unsigned k = 0; k < c->n_min_partners; k++) {
        snprintf(t, sizeof t, "min_partners %u in %s", c->min_partners[k].n, c->min_partners[k].area.text);
        unsigned cnt = 0;
        for (unsigned i = 0; o.check && i < n; i++)
            cnt += sm__area_has(&c->min_partners[k].area, e->regions[e->smes.region[idx[i]]]->info.code);
        snprintf(d, sizeof d, "%u of %u members in the list", cnt, n);
        put(&o, cnt >= c->min_partners[k].n, t, d);
    }
    if (c->max_per_country) {
        snprintf(t, sizeof t, "max_per_country %u", c->max_per_country);
        unsigned most = 0, where = 0;
        for (unsigned i = 0; o.check && i < n; i++) {
            unsigned cc = sm__sme_country(e, idx[i]), cnt = 0;
            for (unsigned j = 0; j < n; j++)
                cnt += sm__sme_country(e, idx[j]) == cc;
            if (cnt > most)
                most = cnt, where = cc;
        }
        snprintf(d, sizeof d, "at most %u from one country%s%s%s", most, most ? " (" : "",
                 most ? e->regions[where]->info.code : "", most ? ")" : "");
        put(&o, most <= c->max_per_country, t, d);
    }
    if (c->allowed.n) {
        snprintf(t, sizeof t, "allowed %s", c->allowed.text);
        char out_of[200] = "";
        unsigned bad = 0;
        for (unsigned i = 0; o.check && i < n; i++)
            if (!sm__area_has(&c->allowed, e->regions[e->smes.region[idx[i]]]->info.code))
                bad++, cat(out_of, sizeof out_of, ", ", sm__sme_id(e, idx[i]));
        if (bad)
            snprintf(d, sizeof d, "outside the list: %s", out_of);
        else
            snprintf(d, sizeof d, "all %u members in the list", n);
        put(&o, bad == 0, t, d);
    }
    if (c->min_smes) {
        snprintf(t, sizeof t, "min_smes %u", c->min_smes);
        unsigned cnt = 0;
        for (unsigned i = 0; o.check && i < n; i++)
            cnt += sm__is_sme_size(e->smes.size[idx[i]]);
        snprintf(d, sizeof d, "%u SMEs (micro, small or medium)", cnt);
        put(&o, cnt >= c->min_smes, t, d);
    }
    if (c->min_less_dev) {
        char num[40];
        snprintf(num, sizeof num, "%g", c->less_dev_below);
        snprintf(t, sizeof t, "min_less_developed %u below %s", c->min_less_dev, num);
        unsigned cnt = 0;
        for (unsigned i = 0; o.check && i < n; i++)
            cnt += x->rdev[e->smes.region[idx[i]]] < c->less_dev_below;
        snprintf(d, sizeof d, "%u members in regions with development below %s", cnt, num);
        put(&o, cnt >= c->min_less_dev, t, d);
    }
    if (x->lead >= 0) {
        snprintf(t, sizeof t, "lead %s", sm__sme_id(e, (size_t)x->lead));
        snprintf(d, sizeof d, "lead %s", o.check && n ? sm__sme_id(e, idx[0]) : "none");
        put(&o, o.check && n && idx[0] == (uint32_t)x->lead, t, d);
    }
    if (c->lead_countries.n) {
        snprintf(t, sizeof t, "lead_countries %s", c->lead_countries.text);
        const char *code = o.check && n ? e->regions[e->smes.region[idx[0]]]->info.code : "";
        snprintf(d, sizeof d, "lead in %s", code);
        put(&o, o.check && n && sm__area_has(&c->lead_countries, code), t, d);
    }
    if (c->lead_sizes) {
        char sizes[80] = "";
        for (unsigned s = SM_SIZE_MICRO; s <= SM_SIZE_LARGE; s++)
            if (c->lead_sizes >> s & 1u)
                cat(sizes, sizeof sizes, ";", sm_size_name((sm_size)s));
        snprintf(t, sizeof t, "lead_sizes %s", sizes);
        unsigned sz = o.check && n ? e->smes.size[idx[0]] : 0;
        snprintf(d, sizeof d, "lead is %s", sm_size_name((sm_size)sz));
        put(&o, o.check && n && (c->lead_sizes >> sz & 1u), t, d);
    }
    if (c->n_include) {
        char ids[200] = "", missing[200] = "";
        for (unsigned i = 0; i < c->n_include; i++)
            cat(ids, sizeof ids, ";", c->include[i]);
        snprintf(t, sizeof t, "include %s", ids);
        unsigned miss = 0;
        for (unsigned i = 0; o.check && i < x->n_include; i++) {
            bool have = false;
            for (unsigned j = 0; j < n && !have; j++)
                have = idx[j] == (uint32_t)x->include[i];
            if (!have)
                miss++, cat(missing, sizeof missing, ", ", c->include[i]);
        }
        if (miss)
            snprintf(d, sizeof d, "missing: %s", missing);
        else
            snprintf(d, sizeof d, "all %u included", x->n_include);
        put(&o, miss == 0, t, d);
    }
    if (c->n_exclude) {
        char ids[200] = "", present[200] = "";
        for (unsigned i = 0; i < c->n_exclude; i++)
            cat(ids, sizeof ids, ";", c->exclude[i]);
        snprintf(t, sizeof t, "exclude %s", ids);
        unsigned bad = 0;
        for (unsigned i = 0; o.check && i < n; i++)
            for (unsigned j = 0; j < c->n_exclude; j++)
                if (strcmp(sm__sme_id(e, idx[i]), c->exclude[j]) == 0)
                    bad++, cat(present, sizeof present, ", ", c->exclude[j]);
        if (bad)
            snprintf(d, sizeof d, "present: %s", present);
        else
            snprintf(d, sizeof d, "none of them");
        put(&o, bad == 0, t, d);
    }
    return o.n;
}

/* ---- diagnosis ------------------------------------------------------------------- */

void sm__rules_diagnose(const sm__cctx *x, const sm__cpool *const *pools, size_t n_pools, char *out, size_t cap)
{
    const sm_engine *e = x->e;
    const sm_call *c = x->call;
    char t[SM__RULES_MAX][SM__RULE_TEXT];
    unsigned nr = sm__rules_eval(x, NULL, 0, t, NULL, NULL);
#define SAY(rule, ...)                                                                                             \
    do {                                                                                                           \
        char because_[700];                                                                                        \
        snprintf(because_, sizeof because_, __VA_ARGS__);                                                          \
        snprintf(out, cap, "no eligible consortium: rule \"%s\" cannot be met because %s", rule, because_);       \
        return;                                                                                                    \
    } while (0)
    /* rules that fail on their own, from the data */
    size_t open = 0;
    for (size_t i = 0; i < e->smes.n; i++)
        open += !x->blocked[i];
    for (unsigned i = 0; i < x->n_include; i++)
        if (x->blocked[x->include[i]])
            SAY(t[0], "must-include SME %s is excluded or outside the allowed countries", c->include[i]);
    if (x->lead >= 0 && !sm__cons_may_lead(x, (size_t)x->lead)) {
        const char *id = sm__sme_id(e, (size_t)x->lead);
        char rule[SM__RULE_TEXT];
        if (x->blocked[x->lead])
            snprintf(rule, sizeof rule, "%s", c->allowed.n ? "allowed" : "exclude");
        else if (c->lead_sizes && !(c->lead_sizes >> e->smes.size[x->lead] & 1u))
            snprintf(rule, sizeof rule, "lead_sizes");
        else
            snprintf(rule, sizeof rule, "lead_countries %s", c->lead_countries.text);
        SAY(rule, "the lead %s (%s, %s) does not satisfy it", id, e->regions[e->smes.region[x->lead]]->info.code,
            sm_size_name((sm_size)e->smes.size[x->lead]));
    }
    if (x->lead < 0 && n_pools == 0) {
        char rule[SM__RULE_TEXT] = "lead_countries";
        if (c->lead_countries.n)
            snprintf(rule, sizeof rule, "lead_countries %s", c->lead_countries.text);
        else if (c->lead_sizes)
            snprintf(rule, sizeof rule, "lead_sizes");
        SAY(rule, "no SME in the data (%zu SMEs) may lead under the lead rules", e->smes.n);
    }
    if (c->min_size > open)
        SAY(t[0], "only %zu SMEs are eligible (after exclude and allowed)", open);
    /* per rule, over the pools searched */
    unsigned best_size = 0, best_countries = 0, best_part[SM__MIN_PARTNERS_MAX] = { 0 }, best_smes = 0,
             best_low = 0;
    for (size_t pi = 0; pi < n_pools; pi++) {
        const sm__cpool *p = pools[pi];
        unsigned countries = 0, part[SM__MIN_PARTNERS_MAX] = { 0 }, smes = 0, low = 0;
        uint64_t seen = 0;
        for (unsigned i = 0; i < p->n; i++) {
            const sm__ccand *cc = &p->c[i];
            if ((cc->areas >> SM__AB_MINC & 1u) && !(seen >> cc->cid & 1u))
                seen |= 1ull << cc->cid, countries++;
            for (unsigned k = 0; k < c->n_min_partners; k++)
                part[k] += (unsigned)(cc->areas >> k & 1u);
            smes += sm__is_sme_size(cc->size);
            low += !isnan(cc->dev) && cc->dev < c->less_dev_below;
        }
        if (p->n > best_size)
            best_size = p->n;
        if (countries > best_countries)
            best_countries = countries;
        for (unsigned k = 0; k < c->n_min_partners; k++)
            if (part[k] > best_part[k])
                best_part[k] = part[k];
        if (smes > best_smes)
            best_smes = smes;
        if (low > best_low)
            best_low = low;
    }
    unsigned r = 1;
    unsigned slots = c->max_size;
    if (c->min_countries) {
        if (c->min_countries > slots) /* each country needs a member */
            SAY(t[r], "a consortium has at most %u members (size %u..%u)", c->max_size, c->min_size, c->max_size);
        if (best_countries < c->min_countries)
            SAY(t[r], "the candidates come from only %u countries%s", best_countries,
                c->min_countries_in.n ? " of the list" : "");
        r++;
    }
    for (unsigned k = 0; k < c->n_min_partners; k++, r++) {
        if (c->min_partners[k].n > c->max_size)
            SAY(t[r], "a consortium has at most %u members", c->max_size);
        if (best_part[k] < c->min_partners[k].n)
            SAY(t[r], "only %u candidates are in the list", best_part[k]);
        if (c->max_per_country) {
            /* with at most M per country, the list gives at most sum over its countries of min(M, count) */
            unsigned most = 0;
            for (size_t pi = 0; pi < n_pools; pi++) {
                const sm__cpool *p = pools[pi];
                unsigned per[64] = { 0 }, got = 0;
                for (unsigned i = 0; i < p->n; i++)
                    if ((p->c[i].areas >> k & 1u) && per[p->c[i].cid]++ < c->max_per_country)
                        got++;
                if (got > most)
                    most = got;
            }
            if (most < c->min_partners[k].n)
                SAY(t[r], "with max_per_country %u the candidates in the list allow only %u", c->max_per_country,
                    most);
        }
    }
    if (c->max_per_country) {
        if (c->max_per_country * (best_countries ? best_countries : 1) < c->min_size && c->min_countries_in.n == 0)
            SAY(t[r], "%u members are needed but the candidates come from %u countries", c->min_size,
                best_countries);
        r++;
    }
    if (c->allowed.n)
        r++;
    if (c->min_smes) {
        if (c->min_smes > c->max_size)
            SAY(t[r], "a consortium has at most %u members", c->max_size);
        if (best_smes < c->min_smes)
            SAY(t[r], "only %u candidates are micro, small or medium", best_smes);
        r++;
    }
    if (c->min_less_dev) {
        if (c->min_less_dev > c->max_size)
            SAY(t[r], "a consortium has at most %u members", c->max_size);
        if (best_low < c->min_less_dev)
            SAY(t[r], "only %u candidates are in regions with development below %g (regions without a "
                      "development index do not count)", best_low, c->less_dev_below);
        r++;
    }
    if (best_size < c->min_size)
        SAY(t[0], "only %u candidates are eligible", best_size);
    /* no single rule is to blame: name them all */
    char all[600] = "";
    for (unsigned i = 0; i < nr; i++) {
        char q[SM__RULE_TEXT + 4];
        snprintf(q, sizeof q, "\"%.290s\"", t[i]);
        cat(all, sizeof all, ", ", q);
    }
    snprintf(out, cap,
             "no eligible consortium: rules %s cannot be met together because no set of the %u candidates "
             "satisfies them all",
             all, best_size);
#undef SAY
}
