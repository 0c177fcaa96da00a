/* An upper bound on the weight of any selection: the Lagrangian dual of the
 * b-matching LP, with a price y_v on each participant's capacity and a price
 * lam on the seats (the most meetings in all):
 *
 *   D(y, lam) = lam * seats + sum_v cap_v * y_v + sum_e max(0, w_e - y_u - y_v - lam)
 *
 * For any prices y, lam >= 0, D is at least the weight of every selection
 * (weak duality: a selection pays each chosen wish's weight out of the two
 * prices and the excess). D is convex and piecewise linear; it is minimised
 * by exact coordinate descent: with the others fixed, the best y_v is the
 * cap_v-th largest of v's reduced weights w_e - y_other - lam (0 if v has no
 * more wishes than capacity), and the best lam is the seats-th largest of
 * w_e - y_u - y_v. Every step lowers D, so a few sweeps give a bound close
 * to the LP optimum in linear time per sweep.
 *
 * With lower bounds lb_v on the degrees (participants that every optimal
 * selection gives at least lb_v meetings, see event_plan.c), a price may be
 * negative: the term of v is then lb_v * y_v instead of cap_v * y_v, and D
 * bounds the weight of every selection that meets the lower bounds. */
#include "groups/event.h"

#include <math.h>
#include <string.h>

/* The k-th largest (k >= 1) of x[0..n), reordering x. Hoare's selection with
 * the middle element as pivot: deterministic. */
static double kth_largest(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        double p = x[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] > p)
                i++;
            while (x[j] < p)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return x[want];
    }
    return x[want];
}

static double dual_value(size_t n, const unsigned *cap, const unsigned *lb, const sm__bm_edge *e, size_t m,
                         size_t seats, const double *y, double lam)
{
    double d = seats < m ? lam * (double)seats : 0.0;
    for (size_t v = 0; v < n; v++)
        d += (y[v] >= 0 || !lb ? cap[v] : lb[v]) * y[v];
    for (size_t k = 0; k < m; k++) {
        double r = e[k].w - y[e[k].u] - y[e[k].v] - lam;
        if (r > 0)
            d += r;
    }
    return d;
}

sm_status sm__dual_bound(const sm__alloc *a, size_t n, const unsigned *cap, const unsigned *lb, const sm__bm_edge *e,
                         size_t m, size_t seats, unsigned sweeps, double *bound)
{
    size_t nn = n ? n : 1, mm = m ? m : 1;
    double *y = sm__calloc(a, nn, sizeof *y);
    uint32_t *start = sm__calloc(a, nn + 1, sizeof *start);
    uint32_t *adj = sm__calloc(a, 2 * mm, sizeof *adj);
    double *r = sm__calloc(a, mm, sizeof *r);
    if (!y || !start || !adj || !r) {
        sm__free(a, y);
        sm__free(a, start);
        sm__free(a, adj);
        sm__free(a, r);
        return sm__nomem();
    }
    for (size_t k = 0; k < m; k++) {
        start[e[k].u + 1]++;
        start[e[k].v + 1]++;
    }
    for (size_t v = 0; v < n; v++)
        start[v + 1] += start[v];
    /* fill backwards with start[v + 1] as v's cursor: it ends at the
     * beginning of v's list, edges in index order; then shift it down */
    for (size_t k = m; k-- > 0;) {
        adj[--start[e[k].u + 1]] = (uint32_t)k;
        adj[--start[e[k].v + 1]] = (uint32_t)k;
    }
    for (size_t v = 0; v < n; v++)
        start[v] = start[v + 1];
    start[n] = (uint32_t)(2 * m);
    bool limit = seats < m;
    double lam = 0.0;
    if (limit && m) {
        for (size_t k = 0; k < m; k++)
            r[k] = e[k].w;
        if (seats == 0) { /* no seats: no meetings */
            *bound = 0.0;
            sweeps = 0;
        }
        lam = kth_largest(r, m, seats ? seats : 1);
        lam = lam > 0 ? lam : 0.0;
    }
    double lam0 = lam, overall = INFINITY;
    /* two starts: no prices, and half of each participant's cap-th heaviest
     * wish (the point of the bound "half the heaviest"); descent stalls at
     * corners of D, so the better end of the two is kept */
    for (int from = 0; from < 2; from++) {
        lam = lam0;
        for (size_t v = 0; v < n; v++) {
            size_t d = start[v + 1] - start[v];
            y[v] = 0.0;
            if (from == 0 || d <= cap[v] || !cap[v])
                continue;
            for (size_t i = 0; i < d; i++)
                r[i] = e[adj[start[v] + i]].w - lam;
            double t = kth_largest(r, d, cap[v]) / 2;
            y[v] = t > 0 ? t : 0.0;
        }
        double best = dual_value(n, cap, lb, e, m, seats, y, lam);
        for (unsigned it = 0; it < sweeps; it++) {
            for (size_t v = 0; v < n; v++) {
                size_t d = start[v + 1] - start[v];
                unsigned lo = lb ? lb[v] : 0;
                if (d <= cap[v] && !lo) {
                    y[v] = 0.0;
                    continue;
                }
                for (size_t i = 0; i < d; i++) {
                    const sm__bm_edge *ed = &e[adj[start[v] + i]];
                    uint32_t o = ed->u == v ? ed->v : ed->u;
                    r[i] = ed->w - y[o] - lam;
                }
                double t = cap[v] && d > cap[v] ? kth_largest(r, d, cap[v]) : 0.0;
                if (!cap[v]) { /* no room: the price is the largest reduced weight */
                    t = r[0];
                    for (size_t i = 1; i < d; i++)
                        t = r[i] > t ? r[i] : t;
                }
                y[v] = t > 0 ? t : 0.0;
                /* a lower bound on the degree: a negative price pays for
                 * the lo-th best wish when fewer than lo gain */
                if (lo && y[v] == 0.0 && lo <= d) {
                    t = kth_largest(r, d, lo);
                    y[v] = t < 0 ? t : 0.0;
                }
            }
            if (limit && seats) {
                for (size_t k = 0; k < m; k++)
                    r[k] = e[k].w - y[e[k].u] - y[e[k].v];
                double t = kth_largest(r, m, seats);
                lam = t > 0 ? t : 0.0;
            }
            double d = dual_value(n, cap, lb, e, m, seats, y, lam);
            bool small_step = best - d <= 1e-6 * (best > 1 ? best : 1);
            best = d < best ? d : best;
            if (small_step)
                break;
        }
        overall = best < overall ? best : overall;
    }
    if (!(limit && seats == 0))
        *bound = overall;
    sm__free(a, y);
    sm__free(a, start);
    sm__free(a, adj);
    sm__free(a, r);
    return SM_OK;
}
