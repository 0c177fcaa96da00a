/* The fast scan's inverted-index pass: every candidate whose
 * complementarity can be above 0, read from the posting lists of the
 * querying SME's tags with MaxScore-style bounds. */
#include "match/scan.h"

/* See sm__index_pass(): how much longer the side not read may be and still be marked. */
#define OTHER_MARK_FACTOR 32

/* The steps of a candidate's share of a's need mass (one byte). */
#define SHARE_STEPS 255u
/* Side-1 candidates of arithmetic and max reciprocity past the lists'
 * bound before the remaining side-1 lists are marked with their shares
 * (sm__index_pass(); tests lower it). */
size_t sm__share_mark_after = 64;
/* ... and one in this many of the side-1 postings read passed it (at 1M
 * SMEs, one in 8 kept the gain of the one_country and default shapes and
 * left the zipf shape's time as it was; one in 64 or none cost zipf 2-5 %) */
#define SHARE_MARK_RATE 8u
/* ... and only its lists up to this many times the side-1 postings met */
#define SHARE_MARK_BUDGET 4u

/* The bound of b->a from a suffix of a's need tags: their idf sum over a's
 * need mass, a little above (SHARE_SLACK), at most 1. */
static inline double share_bound(double sum, double mass)
{
    if (!(mass > 0) || !(sum > 0))
        return 0.0;
    double v = sum / mass * (1 + SHARE_SLACK) + SHARE_SLACK;
    return v > 1.0 ? 1.0 : v;
}

static int cmp_plist_u(const void *x, const void *y)
{
    const sm__plist *a = x, *b = y;
    if (a->u != b->u)
        return a->u > b->u ? -1 : 1; /* rarest (largest idf) first */
    return (a->b > b->b) - (a->b < b->b);
}

/* Marks the offerers of a's need tags (side-1 lists p1[0..n1)) with mark
 * bit 2 and sums, per candidate, its lists' shares of a's need mass, each
 * rounded up to a step of 1/SHARE_STEPS (saturated at 1), in the mark
 * array's second half: a bound of its s(b -> a) before its row is read,
 * bav[share]. A share is set where mark bit 2 is: no clearing. */
static void mark_shares(sm__qctx *q, const sm__plist *p1, size_t n1, double mass, double *bav)
{
    const uint32_t *offerers = sm__score_cache_of(q->e)->offerers;
    uint8_t *mark = q->mark, *share = q->mark + q->mark_cap;
    for (unsigned v = 0; v <= SHARE_STEPS; v++)
        bav[v] = v == SHARE_STEPS ? 1.0 : share_bound((double)v / SHARE_STEPS, 1.0);
    for (size_t j = 0; j < n1; j++) {
        double x = mass > 0 ? p1[j].u / mass * SHARE_STEPS : 0.0;
        unsigned ct = x >= SHARE_STEPS ? SHARE_STEPS : (unsigned)ceil(x);
        for (uint32_t p = p1[j].b; p < p1[j].e; p++) {
            uint32_t pos = offerers[p];
            uint8_t mk = mark[pos];
            unsigned v = (mk & 2 ? share[pos] : 0) + ct;
            mark[pos] = mk | 2;
            share[pos] = (uint8_t)(v > SHARE_STEPS ? SHARE_STEPS : v);
        }
    }
}

/* The inverted-index pass, MaxScore style. Complementarity is R(ab, ba)
 * (the reciprocity, monotone in both directions): ab = s(a -> b) may be 1
 * from any one tag (it is normalised by b's needs), but ba = s(b -> a) is
 * normalised by a's need mass, so the offerers of a's need tags t bring at
 * most idf(t) / mass(a) each. The lists of a's need tags are read rarest
 * first; a candidate first met in list j is in none before it, so its ba is
 * at most the idf sum of lists j.. over a's mass. Before each list, when
 * even the best region, sector and size with that bound cannot reach the
 * k-th total, the remaining lists are skipped: every candidate only in them
 * scores below the threshold, also in sm__rest_pass() (which scores it with
 * complementarity 0, no more than its total), so results do not change.
 *
 * Per candidate, ab is at most the idf sum of the side-0 lists it can be
 * in over its need mass, which the base keeps as a lower bound in a byte
 * per position (mass_q, valid under later idf changes through mass_drift,
 * score.h); the side-0 lists are read rarest first too, so a candidate
 * first met in a long list of a common tag is bounded by that suffix.
 *
 * Harmonic and min reciprocity need both directions, so the candidates are
 * in the needers of a's offers (side 0) and in the offerers of a's needs
 * (side 1): one side is read, the cheaper (side 1 counts as cheaper when
 * its lists are no longer in total); the other side is marked first when
 * that costs at most OTHER_MARK_FACTOR times the side read, else the other
 * direction is tested on the 64-bit signatures (0 there means a
 * complementarity of exactly 0). Arithmetic and max reciprocity take
 * either direction: side 0 is read in full, then side 1 with the
 * skipping, whose candidates have ab = 0 (a needer of a's offers was met
 * in side 0); side 1 is marked first when it is no longer than side 0,
 * else its lists still to read once sm__share_mark_after of its candidates
 * passed the lists' bound (the idf sum of all lists from the candidate's
 * first on: loose where a's need tags are common). When side 1 is marked and side 0 read, the marking
 * sums per candidate its lists' shares of a's need mass, each rounded up to
 * 1/SHARE_STEPS, in a byte (the mark array's second half, mark_shares()):
 * the candidate's ba at most, known before its packed row is read. */
sm_status sm__index_pass(sm__qctx *q, fast *f)
{
    const sm_engine *e = q->e;
    const sm__smes *s = &e->smes;
    const sm__score_cache *c = sm__score_cache_of(e);
    size_t a = q->a;
    uint8_t *mark = q->mark;
    const uint32_t *ao = sm__sme_offers(e, a), *an = sm__sme_needs(e, a);
    size_t nt = c->n_tags_base; /* later tags have no base postings */
    sm__plist *pl = q->plist;
    size_t n0 = 0, n1 = 0;
    uint64_t cost0 = 0, cost1 = 0;
    for (size_t j = 0; j < s->n_offers[a] && ao[j] < nt; j++) {
        sm__plist x = { c->need_start[ao[j]], c->need_start[ao[j] + 1], c->idf[ao[j]], 0 };
        cost0 += x.e - x.b;
        pl[n0++] = x;
    }
    for (size_t j = 0; j < s->n_needs[a] && an[j] < nt; j++) {
        sm__plist x = { c->offer_start[an[j]], c->offer_start[an[j] + 1], c->idf[an[j]], 1 };
        cost1 += x.e - x.b;
        pl[n0 + n1++] = x;
    }
    sm__plist *p1 = pl + n0;
    if (n0 > 1)
        qsort(pl, n0, sizeof *pl, cmp_plist_u);
    if (n1 > 1)
        qsort(p1, n1, sizeof *p1, cmp_plist_u);
    double mass = f->a_mass;
    double rest0 = 0, rest1 = 0; /* idf sums of the side-0 and side-1 lists not yet read */
    for (size_t j = 0; j < n0; j++)
        rest0 += pl[j].u;
    for (size_t j = 0; j < n1; j++)
        rest1 += p1[j].u;
    double all0 = rest0;
    int recip = f->recip;
    bool both = recip == SM_RECIPROCITY_HARMONIC || recip == SM_RECIPROCITY_MIN;
    /* which lists are read: [from, to) of pl */
    size_t from = 0, to = n0 + n1;
    bool drive1 = both && cost1 <= cost0;
    if (both)
        from = drive1 ? n0 : 0, to = drive1 ? n0 + n1 : n0;
    /* harmonic, min: the side not read is marked first when that costs at
     * most OTHER_MARK_FACTOR times the side read (a sequential pass over
     * its lists, cheaper than the signature test and packed row read per
     * candidate that the marks spare); arithmetic, max: side 1, read after
     * side 0 anyway, is marked first when it is no longer than side 0 */
    bool marked_other = !both ? cost1 <= cost0
                        : drive1 ? cost0 <= OTHER_MARK_FACTOR * cost1 : cost1 <= OTHER_MARK_FACTOR * cost0;
    /* Side 1 marked and side 0 read: the marking also sums, per candidate,
     * the shares of a's need mass of the side-1 lists it is in, each
     * rounded up to a step of 1/SHARE_STEPS (saturated at 1): a bound of
     * its s(b -> a) before its row is read (bav by share). */
    bool use_share = marked_other && !drive1;
    uint8_t *share = q->mark + q->mark_cap;
    double bav[SHARE_STEPS + 1];
    if (use_share)
        mark_shares(q, p1, n1, mass, bav);
    else if (marked_other && drive1)
        for (size_t j = 0; j < n0; j++)
            for (uint32_t p = pl[j].b; p < pl[j].e; p++)
                mark[c->needers[p]] |= 1;
    uint8_t other_bit = drive1 ? 1 : 2;
    bool skip_unmarked = both && marked_other; /* outside the marks complementarity is 0 */
    /* the best any candidate can have outside complementarity */
    double best_reg = -INFINITY, best_aff = -INFINITY;
    for (size_t r = 0; r < e->n_regions; r++)
        if (q->region_ok[r] && q->regpart[r] > best_reg)
            best_reg = q->regpart[r];
    for (size_t x = 0; x < e->n_sectors; x++)
        if (q->affw[x] > best_aff)
            best_aff = q->affw[x];
    if (f->secw[255] > best_aff)
        best_aff = f->secw[255];
    double best = cmb(f, cmb(f, best_reg, best_aff), cmb(f, f->max_size, f->cl1));
    double rest_best = cmb(f, best_aff, cmb(f, f->max_size, f->cl1)); /* best but the region's part */
    const uint32_t *rs = c->region_start, *key = c->rkey;
    const uint8_t *mq = c->mass_q;
    uint32_t n_reg = (uint32_t)e->n_regions;
    double tail = f->cl1; /* cooperation, language and custom at 1 */
    uint64_t a_need_sig = s->need_sig[a], a_offer_sig = s->offer_sig[a];
    /* a candidate's need mass is at least drift times its step (score.h) */
    double inv[256]; /* 1 / (drift x the byte's mass), infinite for a mass of 0 */
    for (unsigned v = 0; v < 256; v++) {
        double d = c->mass_drift * sm__mass_step(v);
        inv[v] = d > 0 ? 1.0 / d : INFINITY;
    }
    size_t side1_passed = 0, side1_read = 0; /* side-1 candidates past the lists' bound; postings of lists read */
    sm_status st;
    for (size_t li = from; li < to; li++) {
        const sm__plist *L = &pl[li];
        const uint32_t *list = L->side ? c->offerers : c->needers;
        /* bounds of a candidate first met in this list: s(a -> b) is the
         * idf of the side-0 lists it is in (those not read yet) over its
         * need mass, s(b -> a) the idf of the side-1 lists over a's */
        double ab = L->side && !both ? 0.0 : 1.0;
        double ba = share_bound(rest1, mass); /* rest1 holds this list too */
        double hit_ab = L->side ? all0 : rest0;
        if (L->side)
            rest1 -= L->u; /* for the lists after this one */
        else
            rest0 -= L->u;
        double cb = sm__reciprocity(recip, ab, ba);
        if (L->side && cmb(f, best, term(f, SM_CRIT_COMPLEMENTARITY, cb)) + f->slack < f->tthr)
            break; /* no candidate first met from here on can enter */
        if (li > from && pl[li - 1].side)
            side1_read += pl[li - 1].e - pl[li - 1].b;
        double hit_s = hit_ab * (1 + MASS_SLACK); /* over a need mass: s(a -> b) at most */
        double tc = term(f, SM_CRIT_COMPLEMENTARITY, cb);
        uint32_t r = 0, reg_end = 0; /* the region of the last position, and its end */
        for (uint32_t p = L->b; p < L->e; p++) {
            uint32_t pos = list[p];
            if (pos >= reg_end) { /* the region of pos: first r with rs[r + 1] > pos */
                uint32_t lo = r, hi = n_reg - 1;
                while (lo < hi) {
                    uint32_t mid = lo + (hi - lo) / 2;
                    if (rs[mid + 1] <= pos)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                r = lo;
                reg_end = rs[r + 1];
                /* A region outside the filters, or where even the best
                 * sector, size and the list's complementarity bound cannot
                 * reach the k-th total: its positions in this list (they
                 * are ascending) are passed over unmarked, as their totals
                 * stay below every later threshold. */
                if (!q->region_ok[r] || cmb(f, cmb(f, q->regpart[r], rest_best), tc) + f->slack < f->tthr) {
                    uint32_t a0 = p + 1, a1 = L->e; /* the first posting at or after reg_end */
                    while (a0 < a1) {
                        uint32_t mid = a0 + (a1 - a0) / 2;
                        if (list[mid] < reg_end)
                            a0 = mid + 1;
                        else
                            a1 = mid;
                    }
                    p = a0 - 1;
                    continue;
                }
            }
            uint8_t mk = mark[pos];
            if (mk & 4 || (skip_unmarked && !(mk & other_bit)))
                continue; /* considered, or complementarity 0 (left to rest_pass) */
            mark[pos] = mk | 4;
            uint32_t kk = key[pos];
            double ta = key_aff(q, f, kk), rt = cmb(f, q->regpart[r], ta);
            double part = cmb(f, rt, cmb(f, f->wsize[SM__KEY_SIZE(kk)], tail));
            if (cmb(f, part, tc) + f->slack < f->tthr)
                continue;
            /* this candidate's own bounds: its need mass, its share */
            double abp = 0.0, bap = ba;
            if (ab > 0 && hit_s > 0) {
                abp = hit_s * inv[mq[pos]] + MASS_SLACK;
                abp = abp < 1.0 ? abp : 1.0;
            }
            if (L->side && !both && !use_share && ++side1_passed > sm__share_mark_after &&
                side1_passed * SHARE_MARK_RATE >= side1_read + (p - L->b)) {
                /* arithmetic, max: side 1 was not marked first (longer
                 * than side 0), and many of its candidates (one in
                 * SHARE_MARK_RATE postings read) pass the bound of the idf
                 * sum of every list from this one on. The lists from this
                 * one on are marked with their shares while they hold at
                 * most SHARE_MARK_BUDGET times the side-1 postings met so
                 * far (the longest, of common tags, are often never read:
                 * the loop ends before them); the idf of those left
                 * unmarked is added to every share's bound. */
                size_t budget = SHARE_MARK_BUDGET * (side1_read + (L->e - L->b)), marked = 0, m = li;
                for (; m < to && (m == li || marked + (pl[m].e - pl[m].b) <= budget); m++)
                    marked += pl[m].e - pl[m].b;
                double tail_u = 0.0;
                for (size_t j = m; j < to; j++)
                    tail_u += pl[j].u;
                mark_shares(q, pl + li, m - li, mass, bav);
                double tb = share_bound(tail_u, mass);
                for (unsigned v = 0; tb > 0 && v <= SHARE_STEPS; v++)
                    bav[v] = bav[v] + tb < 1.0 ? bav[v] + tb : 1.0;
                use_share = true;
                mk = mark[pos];
            }
            if (use_share && bav[mk & 2 ? share[pos] : 0] < bap)
                bap = bav[mk & 2 ? share[pos] : 0];
            double cbp = sm__reciprocity(recip, abp, bap);
            double tcp = cbp < cb ? term(f, SM_CRIT_COMPLEMENTARITY, cbp) : tc;
            if (cbp < cb && cmb(f, part, tcp) + f->slack < f->tthr)
                continue;
            /* cooperation and languages from the fit key instead of 1 */
            unsigned fk = c->rfit[pos];
            double fit = cmb(f, cmb(f, f->coopw[fk & 255u], f->langw[fk >> 8]), f->cust_rest);
            if (cmb(f, cmb(f, rt, cmb(f, f->wsize[SM__KEY_SIZE(kk)], fit)), tcp) + f->slack < f->tthr)
                continue;
            const sm__rhot *h = &c->rhot[pos];
            if (both && !marked_other) { /* the direction not read: 0 on the signatures means 0 */
                size_t b = h->idx;
                bool other = L->side ? (a_offer_sig & s->need_sig[b]) != 0 : (s->offer_sig[b] & a_need_sig) != 0;
                if (!other)
                    cbp = 0.0;
            }
            f->known_both = marked_other && (both || (!L->side && mk & 2));
            f->ab_bound = abp;
            st = consider_key(q, f, h, cbp, ta);
            f->known_both = 0;
            f->ab_bound = 1.0;
            if (st)
                return st;
        }
    }
    return SM_OK;
}
