/* Combining the criteria scores of a pair into one: the built-in combiners
 * (weighted mean, geometric mean, minimum) or the caller's. */
#include "score/score.h"

#include <stdbool.h>

/* The built-in combiners with every weight multiplied by scale (a power of
 * two, so ratios stay exact). NaN when a sum overflowed. */
static double combine_builtin(sm_combiner c, const double *wt, const double *s, size_t n, double scale)
{
    double num = 0, den = 0;
    switch (c) {
    case SM_COMBINE_MEAN:
        for (size_t i = 0; i < n; i++) {
            num += wt[i] * scale * s[i];
            den += wt[i] * scale;
        }
        if (!isfinite(den))
            return NAN;
        return den > 0 ? num / den : 0;
    case SM_COMBINE_GEOMETRIC: {
        bool zero = false;
        for (size_t i = 0; i < n; i++) {
            if (wt[i] > 0) {
                zero = zero || !(s[i] > 0);
                num += wt[i] * scale * log(s[i] > 0 ? s[i] : 1);
                den += wt[i] * scale;
            }
        }
        if (zero)
            return 0;
        if (!isfinite(den) || !isfinite(num))
            return NAN;
        return den > 0 ? exp(num / den) : 0;
    }
    default: {
        double m = 1;
        for (size_t i = 0; i < n; i++) {
            den += wt[i];
            if (wt[i] > 0 && s[i] < m)
                m = s[i];
        }
        return den > 0 ? m : 0;
    }
    }
}

sm_status sm__combine(const sm_weighting *w, const double *scores, double *out)
{
    size_t n = sm__weighting_n(w);
    double r;
    if (w->combiner == SM_COMBINE_CUSTOM) {
        r = w->combine_fn(scores, w->w, n, w->combine_ud->ptr);
        if (isnan(r))
            return sm__fail(SM_ERR_CALLBACK, "combiner: custom combiner returned NaN");
    } else {
        r = combine_builtin(w->combiner, w->w, scores, n, 1.0);
        /* weights near DBL_MAX overflow the sums: scale them down (rare) */
        if (isnan(r))
            r = combine_builtin(w->combiner, w->w, scores, n, 0x1p-32);
    }
    /* !(r > 0) also maps NaN to 0 */
    *out = !(r > 0) ? 0 : r > 1 ? 1 : r;
    return SM_OK;
}
