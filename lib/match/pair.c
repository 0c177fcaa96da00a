/* The criteria of one pair during a query, and the call of custom criteria.
 * Everything per region and per sector comes from tables the query
 * precomputed, so a pair costs a few lookups and one merge of two short
 * sorted tag lists. */
#include "match/match.h"

#include <math.h>

void sm__pair_cheap(sm__qctx *q, size_t b)
{
    const sm__smes *s = &q->e->smes;
    size_t a = q->a;
    unsigned r = s->region[b];
    double aff = q->aff[s->sector[b]];
    if (s->n_secondary[b]) {
        const uint32_t *sec = sm__sme_secondary(q->e, b);
        for (size_t j = 0, n = s->n_secondary[b]; j < n; j++) {
            double v = q->aff[sec[j]] * q->factor;
            if (v > aff)
                aff = v;
        }
    }
    uint64_t lb = s->langs[b] ? s->langs[b] : q->rlangs[r];
    q->scores[SM_CRIT_SECTOR_AFFINITY] = aff;
    q->scores[SM_CRIT_REGION_REACH] = q->reach[r];
    q->scores[SM_CRIT_COHESION] = q->cohesion[r];
    q->scores[SM_CRIT_SIZE_FIT] = sm__size_fit[s->size[a]][s->size[b]];
    q->scores[SM_CRIT_COOPERATION_FIT] = sm__coop_fit(s->coop[a], s->coop[b]);
    q->scores[SM_CRIT_LANGUAGE] = sm__language_fit(q->a_langs, lb);
}

double sm__pair_comp(const sm__qctx *q, size_t b)
{
    double ab = sm__comp_direction(q->e, q->a, b);
    double ba = sm__comp_direction(q->e, b, q->a);
    return sm__reciprocity(q->w->p.reciprocity, ab, ba);
}

static void side(sm_pair_side *out, const sm_engine *e, size_t i)
{
    const sm__smes *s = &e->smes;
    const sm__region *r = e->regions[s->region[i]];
    out->id = sm__sme_id(e, i);
    out->region = r->info.code;
    out->country = e->regions[r->country]->info.code;
    out->sector = e->sectors[s->sector[i]]->info.code;
    out->size = (sm_size)s->size[i];
    out->employees = s->employees[i];
    out->founded = s->founded[i];
    out->cooperation = s->coop[i];
    out->n_offers = s->n_offers[i];
    out->n_needs = s->n_needs[i];
}

sm_status sm__pair_custom(sm__qctx *q, size_t b)
{
    const sm_weighting *w = q->w;
    if (!w->n_custom)
        return SM_OK;
    if (q->net.any) /* history and network criteria: from the query's table */
        sm__netq_scores(&q->net, b, q->scores);
    sm_pair pair;
    pair.engine = q->e;
    side(&pair.a, q->e, q->a);
    side(&pair.b, q->e, b);
    pair.distance_km = q->dist[q->e->smes.region[b]];
    pair.builtin = q->scores;
    for (size_t j = 0; j < w->n_custom; j++) {
        if (q->net.any && sm__net_kind(w, j) >= 0)
            continue;
        double v = w->custom[j].fn(&pair, w->custom[j].ud->ptr);
        if (isnan(v))
            return sm__fail_at(SM_ERR_CALLBACK, NULL, 0, 0, w->custom[j].name, pair.b.id,
                               "%s: custom criterion returned NaN for the pair (\"%s\", \"%s\")", w->custom[j].name,
                               pair.a.id, pair.b.id);
        q->scores[SM_CRIT_BUILTIN_COUNT + j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    return SM_OK;
}

sm_status sm__pair_scores(sm__qctx *q, size_t b, double *total)
{
    sm__pair_cheap(q, b);
    q->scores[SM_CRIT_COMPLEMENTARITY] = sm__pair_comp(q, b);
    sm_status st = sm__pair_custom(q, b);
    if (st)
        return st;
    return sm__combine(q->w, q->scores, total);
}
