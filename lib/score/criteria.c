/* The built-in criteria that are not a table lookup (docs/scoring.md gives
 * each formula): size fit, reciprocity and one direction of complementarity. */
#include "score/score.h"

#include <math.h>

/* Symmetric; by sm_size (0 = unknown). Medium firms are the usual hub of
 * supply chains; two large firms rarely need a broker. */
const double sm__size_fit[5][5] = {
    /*           unknown micro small medium large */
    /* unknown */ { 0.5, 0.5, 0.5, 0.5, 0.5 },
    /* micro   */ { 0.5, 0.7, 0.9, 0.8, 0.5 },
    /* small   */ { 0.5, 0.9, 0.8, 1.0, 0.7 },
    /* medium  */ { 0.5, 0.8, 1.0, 0.8, 0.9 },
    /* large   */ { 0.5, 0.5, 0.7, 0.9, 0.6 },
};

double sm__reciprocity(int reciprocity, double ab, double ba)
{
    switch (reciprocity) {
    case SM_RECIPROCITY_ARITHMETIC:
        return (ab + ba) / 2;
    case SM_RECIPROCITY_MAX:
        return ab > ba ? ab : ba;
    case SM_RECIPROCITY_MIN:
        return ab < ba ? ab : ba;
    default:
        return ab + ba > 0 ? 2 * ab * ba / (ab + ba) : 0.0;
    }
}

double sm__comp_direction(const sm_engine *e, size_t x, size_t y)
{
    const sm__score_cache *c = sm__score_cache_of(e);
    size_t no = e->smes.n_offers[x], nn = e->smes.n_needs[y];
    if (!no || !nn || !(e->smes.offer_sig[x] & e->smes.need_sig[y]))
        return 0.0;
    const double *idf = c->idf;
    /* summed per pair: a mass stored per SME would change with every N */
    double mass = sm__need_mass(e, idf, y);
    if (!(mass > 0))
        return 0.0;
    double hit = sm__offer_need_hit(e, idf, x, y);
    double s = hit / mass;
    return s > 1.0 ? 1.0 : s;
}
