#!/usr/bin/python3
"""Reference implementation of smartmatch's scoring in numpy, for the benchmark.

Written from docs/scoring.md and docs/data-format.md only: it reads the same
SME and development CSV files as the library, computes every criterion and
the total of the default preset ("balanced") with vectorised numpy, and
finds the top-k partners of an SME the way sm_query_top() does (total
descending, ties by id in byte order). It serves two purposes:

  * a speed baseline: the same single-query and all-pairs work as the C
    benchmark (tests/bench/bench.c), timed on the same machine;
  * a check of the docs and of the library: for a sample of query SMEs the
    top-k ids and scores must equal those the library returned (to 1e-9).

What the docs cannot give - the built-in region points, countries and
languages, the neighbour relation and the sector-affinity table T - comes
from the library through the tables the C benchmark exports (--tables).

Usage:
  bench_numpy.py run --smes F --development F --tables T.json --c-result C.json --out OUT.json
  bench_numpy.py report --json bench.json OUT.json...     (the table of scripts/bench)
"""

import argparse
import csv
import json
import math
import platform
import re
import sys
import time

import numpy as np

# ---------------------------------------------------------------------------
# The model (docs/scoring.md)
# ---------------------------------------------------------------------------

CRITERIA = ("complementarity", "sector_affinity", "region_reach", "cohesion",
            "size_fit", "cooperation_fit", "language")
# Preset "balanced": weights in the order above, combiner mean, default parameters.
BALANCED = (3.0, 2.0, 1.0, 1.0, 0.5, 1.0, 1.0)
PARAMS = {"reciprocity": "harmonic", "scale_km": 400.0, "cross_border_bonus": 0.15,
          "neighbour_bonus": 0.15, "full_ratio": 2.0, "secondary_factor": 0.8}
EARTH_RADIUS_KM = 6371.0088
SAME_GROUP_FLOOR = 0.85

SIZES = {"micro": 1, "small": 2, "medium": 3, "large": 4}
# unknown, micro, small, medium, large
SIZE_FIT = np.array([
    [0.5, 0.5, 0.5, 0.5, 0.5],
    [0.5, 0.7, 0.9, 0.8, 0.5],
    [0.5, 0.9, 0.8, 1.0, 0.7],
    [0.5, 0.8, 1.0, 0.8, 0.9],
    [0.5, 0.5, 0.7, 0.9, 0.6],
])
COOP_BITS = {"joint_venture": 0, "joint venture": 0, "joint-venture": 0, "subcontracting": 1,
             "distribution": 2, "licensing": 3, "rnd": 4, "r&d": 4, "r_d": 4, "research": 4,
             "training": 5, "supply": 6, "services": 7}


def size_from_employees(n):
    return 1 if n < 10 else 2 if n < 50 else 3 if n < 250 else 4


_WS = re.compile(r"[ \t\r\n]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def normalize_tag(t):
    """Surrounding white space removed, inner runs collapsed, ASCII lower-cased."""
    return _WS.sub(" ", t).strip(" ").translate(_ASCII_LOWER)


def normalize_sector(code):
    """NACE spelling to the normalised code: "C25.62", "c 25.62", "2562" -> "25.62"."""
    c = code.replace(" ", "").upper()
    if len(c) == 1 and c.isalpha():
        return c
    if c[:1].isalpha():
        c = c[1:]
    if "." not in c and len(c) > 2:
        c = c[:2] + "." + c[2:]
    return c


def split_list(field):
    return [x.strip(" \t\r\n") for x in field.split(";") if x.strip(" \t\r\n")]


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

class Data:
    """The SMEs as numpy columns, plus the per-region and per-sector tables."""

    def __init__(self, smes_csv, development_csv, tables_json):
        t0 = time.perf_counter()
        with open(tables_json, encoding="utf-8") as f:
            tables = json.load(f)
        self._regions(tables, development_csv)
        self._read_smes(smes_csv)
        self._sectors(tables)
        self._neighbours(tables)
        self._derive()
        self.load_s = time.perf_counter() - t0

    # -- regions: point, country, development (own or nearest ancestor's),
    #    languages (own or nearest ancestor's)
    def _regions(self, tables, development_csv):
        info = {r["code"]: r for r in tables["regions"]}
        dev = {}
        if development_csv:
            with open(development_csv, newline="", encoding="utf-8-sig") as f:
                for row in csv.DictReader(f):
                    row = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
                    if row.get("region") and row.get("development"):
                        dev[row["region"]] = float(row["development"])
        self.region_info = info
        self.own_dev = dev

    def _ancestors(self, code):
        """code, its parent, ... up to the country (the parent is the code minus its last character)."""
        while len(code) >= 2:
            yield code
            code = code[:-1]

    def region_dev(self, code):
        for c in self._ancestors(code):
            if c in self.own_dev:
                return self.own_dev[c]
        return math.nan

    def region_langs(self, code):
        for c in self._ancestors(code):
            r = self.region_info.get(c)
            if r and r["languages"]:
                return r["languages"]
        return []

    def lang_bit(self, code):
        code = code.lower()
        b = self.lang_bits.get(code)
        if b is None:
            b = self.lang_bits[code] = 1 << len(self.lang_bits)
            if len(self.lang_bits) > 64:
                raise SystemExit("more than 64 languages")
        return b

    # -- SMEs (docs/data-format.md, SMEs)
    def _read_smes(self, path):
        ids, region, primary, sec, size, coop, langs = [], [], [], [], [], [], []
        offers, needs = [], []
        region_ix, sector_ix, tag_ix, raw_tag = {}, {}, {}, {}
        self.region_codes, self.sector_codes, self.tag_names = [], [], []
        self.lang_bits = {}

        def rix(code):
            i = region_ix.get(code)
            if i is None:
                i = region_ix[code] = len(self.region_codes)
                self.region_codes.append(code)
            return i

        def six(code):
            code = normalize_sector(code)
            i = sector_ix.get(code)
            if i is None:
                i = sector_ix[code] = len(self.sector_codes)
                self.sector_codes.append(code)
            return i

        def tids(items):
            # The engine numbers tags in the order it first meets them (a
            # row's offers, then its needs); doing the same makes the idf sums
            # add up in the same order, so totals agree to the last bit.
            out = []
            for t in items:
                i = raw_tag.get(t)
                if i is None:
                    n = normalize_tag(t)
                    i = tag_ix.get(n)
                    if i is None:
                        i = tag_ix[n] = len(self.tag_names)
                        self.tag_names.append(n)
                    raw_tag[t] = i
                out.append(i)
            return sorted(set(out))

        with open(path, newline="", encoding="utf-8-sig") as f:
            rd = csv.reader(f)
            head = [h.strip().lower() for h in next(rd)]
            col = {h: i for i, h in enumerate(head)}
            g = lambda row, k: row[col[k]].strip(" \t\r\n") if k in col else ""
            for row in rd:
                if not any(x.strip() for x in row):
                    continue
                ids.append(g(row, "id"))
                region.append(rix(g(row, "region")))
                s = [six(x) for x in split_list(g(row, "sectors"))]
                primary.append(s[0])
                seen = [s[0]]
                for x in s[1:]:
                    if x not in seen:
                        seen.append(x)
                sec.append(seen[1:])
                emp, sz = g(row, "employees"), g(row, "size").lower()
                size.append(size_from_employees(int(emp)) if emp else SIZES.get(sz, 0))
                offers.append(tids(split_list(g(row, "offers"))))
                needs.append(tids(split_list(g(row, "needs"))))
                bits = 0
                for c in split_list(g(row, "cooperation")):
                    bits |= 1 << COOP_BITS[c.lower()]
                coop.append(bits)
                lb = 0
                for l in split_list(g(row, "languages")):
                    lb |= self.lang_bit(l)
                langs.append(lb)

        self.n = n = len(ids)
        self.ids = ids
        self.region = np.array(region, dtype=np.int64)
        self.primary = np.array(primary, dtype=np.int64)
        self.size = np.array(size, dtype=np.int64)
        self.coop = np.array(coop, dtype=np.int64)
        self.own_langs = np.array(langs, dtype=np.uint64)
        m = max((len(x) for x in sec), default=0)
        self.secondary = np.full((n, max(m, 1)), -1, dtype=np.int64)
        for i, x in enumerate(sec):
            if x:
                self.secondary[i, :len(x)] = x

        def csr(lists):
            cnt = np.fromiter((len(x) for x in lists), dtype=np.int64, count=n)
            flat = np.fromiter((t for x in lists for t in x), dtype=np.int64, count=int(cnt.sum()))
            return flat, np.repeat(np.arange(n, dtype=np.int64), cnt), cnt

        self.off_tag, self.off_row, self.n_off = csr(offers)
        self.need_tag, self.need_row, self.n_need = csr(needs)
        self.offers, self.needs = offers, needs
        self.index = {x: i for i, x in enumerate(ids)}
        # tie break: id ascending in byte order
        order = sorted(range(n), key=lambda i: ids[i].encode("utf-8"))
        self.id_rank = np.empty(n, dtype=np.int64)
        self.id_rank[order] = np.arange(n)

    # -- sector affinity between the codes in use (docs: aff(p, q))
    def _sectors(self, tables):
        aff = tables["affinity"]
        keys = aff["keys"]
        kix = {k: i for i, k in enumerate(keys)}
        T = np.array(aff["T"], dtype=np.float64)

        def key(c):  # division, or the section for a section-level code
            return kix[c] if len(c) == 1 else kix[c[:2]]

        def group(c):
            return c[:4] if len(c) >= 4 else None

        codes = self.sector_codes
        k = np.array([key(c) for c in codes])
        A = T[np.ix_(k, k)].copy()
        grp = [group(c) for c in codes]
        for i, gi in enumerate(grp):
            if gi is None:
                continue
            for j, gj in enumerate(grp):
                if gj == gi and A[i, j] < SAME_GROUP_FLOOR:
                    A[i, j] = SAME_GROUP_FLOOR
        np.fill_diagonal(A, 1.0)
        self.aff = A

    def _neighbours(self, tables):
        ix = {c: i for i, c in enumerate(self.region_codes)}
        R = len(self.region_codes)
        nb = np.zeros((R, R), dtype=bool)
        for a, b in tables["neighbours"]:
            if a in ix and b in ix:
                nb[ix[a], ix[b]] = nb[ix[b], ix[a]] = True
        np.fill_diagonal(nb, False)  # a region is not its own neighbour
        self.neighbour = nb

    # -- what every query shares: idf, need masses, effective languages,
    #    region points and indices
    def _derive(self):
        n = self.n
        nt = len(self.tag_names)
        # df: SMEs listing t among offers or needs (both counts once)
        pair_sme = np.concatenate([self.off_row, self.need_row])
        pair_tag = np.concatenate([self.off_tag, self.need_tag])
        key = np.unique(pair_sme * nt + pair_tag)
        df = np.bincount(key % nt, minlength=nt).astype(np.float64)
        with np.errstate(divide="ignore"):
            self.idf = np.where(df > 0, np.log1p(n / df), 0.0)   # ln(1 + N/df)
        self.mass = np.bincount(self.need_row, weights=self.idf[self.need_tag], minlength=n)

        codes = self.region_codes
        info = self.region_info
        self.r_lat = np.array([info[c]["lat"] for c in codes], dtype=np.float64)
        self.r_lon = np.array([info[c]["lon"] for c in codes], dtype=np.float64)
        self.r_country = np.array([info[c]["country"] for c in codes])
        self.r_dev = np.array([self.region_dev(c) for c in codes], dtype=np.float64)
        r_langs = np.zeros(len(codes), dtype=np.uint64)
        for i, c in enumerate(codes):
            b = 0
            for l in self.region_langs(c):
                b |= self.lang_bit(l)
            r_langs[i] = b
        self.langs = np.where(self.own_langs != 0, self.own_langs, r_langs[self.region])
        self.popcount = np.array([bin(i).count("1") for i in range(256)], dtype=np.float64)
        if self.coop.max(initial=0) >= 256:
            raise SystemExit("cooperation bits beyond the eight built-in types")


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------

def haversine_km(lat1, lon1, lat2, lon2):
    rad = math.pi / 180.0
    dlat = (lat2 - lat1) * rad
    dlon = (lon2 - lon1) * rad
    s1 = np.sin(dlat / 2)
    s2 = np.sin(dlon / 2)
    h = s1 * s1 + np.cos(lat1 * rad) * np.cos(lat2 * rad) * s2 * s2
    h = np.minimum(h, 1.0)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def scores(D, a, w=BALANCED, p=PARAMS):
    """All criterion scores of (a, b) for every b, as a (7, N) array, and the totals."""
    n = D.n
    ra = D.region[a]
    # region tables (one entry per region in use), then gathered per SME
    d = haversine_km(D.r_lat[ra], D.r_lon[ra], D.r_lat, D.r_lon)
    reach = np.exp(-d / p["scale_km"])
    reach = reach + np.where(D.r_country != D.r_country[ra], p["cross_border_bonus"], 0.0)
    reach = reach + np.where(D.neighbour[ra], p["neighbour_bonus"], 0.0)
    reach = np.minimum(reach, 1.0)
    da, db = D.r_dev[ra], D.r_dev
    with np.errstate(invalid="ignore"):
        coh = np.minimum(1.0, np.abs(np.log(da) - np.log(db)) / math.log(p["full_ratio"]))
    coh = np.where(np.isnan(da) | np.isnan(db), 0.5, coh)

    # sector affinity: best over a's sectors, each secondary times f
    f = p["secondary_factor"]
    to = D.aff[D.primary[a]].copy()
    for s in D.secondary[a]:
        if s >= 0:
            to = np.maximum(to, D.aff[s] * f)
    to_ext = np.append(to, 0.0)  # index -1: no secondary sector
    saff = to[D.primary]
    for j in range(D.secondary.shape[1]):
        saff = np.maximum(saff, to_ext[D.secondary[:, j]] * f)

    # complementarity: s(x -> y) = idf mass of O(x) ∩ N(y) over idf mass of N(y)
    u = np.zeros(len(D.idf))
    oa = D.offers[a]
    u[oa] = D.idf[oa]
    hit_ab = np.bincount(D.need_row, weights=u[D.need_tag], minlength=n)
    v = np.zeros(len(D.idf))
    na = D.needs[a]
    v[na] = D.idf[na]
    hit_ba = np.bincount(D.off_row, weights=v[D.off_tag], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(D.mass > 0, np.minimum(hit_ab / D.mass, 1.0), 0.0)
        y = np.minimum(hit_ba / D.mass[a], 1.0) if D.mass[a] > 0 else np.zeros(n)
        if p["reciprocity"] == "harmonic":
            comp = np.where(x + y > 0, 2 * x * y / (x + y), 0.0)
        elif p["reciprocity"] == "arithmetic":
            comp = (x + y) / 2
        elif p["reciprocity"] == "max":
            comp = np.maximum(x, y)
        else:
            comp = np.minimum(x, y)

    size = SIZE_FIT[D.size[a], D.size]
    ca, cb = D.coop[a], D.coop
    coop = np.where((ca == 0) | (cb == 0), 0.5,
                    D.popcount[ca & cb] / np.maximum(D.popcount[ca | cb], 1.0))
    la, lb = D.langs[a], D.langs
    lang = np.where((la == 0) | (lb == 0), 0.5, np.where((la & lb) != 0, 1.0, 0.0))

    S = np.empty((7, n))
    S[0], S[1], S[2], S[3] = comp, saff, reach[D.region], coh[D.region]
    S[4], S[5], S[6] = size, coop, lang
    # combiner "mean": Σ w_i·s_i / W, summed in criterion order
    num = w[0] * S[0]
    den = w[0]
    for i in range(1, 7):
        num = num + w[i] * S[i]
        den += w[i]
    total = np.clip(num / den, 0.0, 1.0)
    return S, total, d[D.region]


def top_k(D, total, a, k):
    """Indices of the k best partners of a: total descending, then id ascending."""
    t = total.copy()
    t[a] = -np.inf
    k = min(k, D.n - 1)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    kth = np.partition(t, D.n - k)[D.n - k]      # the k-th largest total
    cand = np.flatnonzero(t >= kth)
    order = np.lexsort((D.id_rank[cand], -t[cand]))
    return cand[order[:k]]


def query(D, a, k=10):
    S, total, dist = scores(D, a)
    idx = top_k(D, total, a, k)
    return idx, total[idx], S[:, idx], dist[idx]


# ---------------------------------------------------------------------------
# run: time and check against the library's results
# ---------------------------------------------------------------------------

def percentile(xs, q):
    """Nearest-rank percentile, as the C benchmark computes it."""
    xs = sorted(xs)
    if not xs:
        return math.nan
    r = max(1, math.ceil(q / 100.0 * len(xs)))
    return xs[r - 1]


def check(D, c_checks, k, tol=1e-9):
    """Compares the library's top-k with ours.

    'exact': the same ids in the same order, every total and every criterion
    score within tol. 'equivalent' also accepts another order or choice
    among partners whose totals are within tol of each other (ties that
    rounding may break either way): the library's matches must be distinct,
    ranked by total, each scored the same by us (total and criteria), and
    their totals must be our best k totals, so nothing better was missed.
    max_criterion_diff points at the formula when something differs."""
    out = {"queries": 0, "exact": 0, "equivalent": 0, "max_score_diff": 0.0,
           "max_criterion_diff": {c: 0.0 for c in CRITERIA}, "failures": []}
    for q in c_checks:
        a = D.index[q["query_id"]]
        S, total, dist = scores(D, a)
        idx = top_k(D, total, a, k)
        ours_ids = [D.ids[i] for i in idx]
        c_ids = [m["id"] for m in q["matches"]]
        c_scores = np.array([m["score"] for m in q["matches"]], dtype=np.float64)
        out["queries"] += 1
        same_len = len(c_ids) == len(ours_ids)
        diff = float(np.max(np.abs(c_scores - total[idx]))) if same_len and len(idx) else math.inf
        out["max_score_diff"] = max(out["max_score_diff"], diff if same_len else 0.0)
        # the library's matches, scored by us
        scored_alike = same_len and len(set(c_ids)) == len(c_ids)
        for m in q["matches"]:
            b = D.index.get(m["id"])
            if b is None or b == a:
                scored_alike = False
                continue
            scored_alike = scored_alike and abs(total[b] - m["score"]) <= tol
            for j, c in enumerate(CRITERIA):
                dj = abs(S[j, b] - m["breakdown"][j])
                scored_alike = scored_alike and dj <= tol
                if dj > out["max_criterion_diff"][c]:
                    out["max_criterion_diff"][c] = float(dj)
        ranked = bool(np.all(c_scores[:-1] + tol >= c_scores[1:])) if len(c_scores) > 1 else True
        best = same_len and bool(np.all(np.abs(np.sort(c_scores)[::-1] - np.sort(total[idx])[::-1]) <= tol))
        exact = scored_alike and ours_ids == c_ids and diff <= tol
        equiv = exact or (scored_alike and ranked and best)
        out["exact"] += bool(exact)
        out["equivalent"] += bool(equiv)
        if not equiv and len(out["failures"]) < 5:
            out["failures"].append({
                "query_id": q["query_id"],
                "smartmatch": [[i, float(s)] for i, s in zip(c_ids, c_scores)],
                "numpy": [[i, float(total[j])] for i, j in zip(ours_ids, idx)],
            })
    out["ok"] = out["queries"] > 0 and out["equivalent"] == out["queries"]
    return out


def cmd_run(args):
    with open(args.c_result, encoding="utf-8") as f:
        C = json.load(f)
    D = Data(args.smes, args.development, args.tables)
    if D.n != C["n"]:
        raise SystemExit(f"bench_numpy: {D.n} SMEs read, the library loaded {C['n']}")
    k = C["k"]
    qids = C["query_ids"]
    nq = min(len(qids), args.queries) if args.queries else len(qids)
    lat, cpu = [], []
    query(D, D.index[qids[0]], k)  # warm up
    for qid in qids[:nq]:
        a = D.index[qid]
        c0 = time.thread_time()
        t0 = time.perf_counter()
        query(D, a, k)
        lat.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    res = {"load_s": D.load_s, "queries": nq,
           "query_p50_ms": percentile(lat, 50) * 1e3, "query_p99_ms": percentile(lat, 99) * 1e3,
           "query_mean_ms": sum(lat) / len(lat) * 1e3,
           "query_cpu_p50_ms": percentile(cpu, 50) * 1e3, "query_cpu_p99_ms": percentile(cpu, 99) * 1e3}
    if C.get("batch"):
        # All pairs: one query per SME on one thread. Timed on a subset of
        # query SMEs (spread over the data) and extrapolated to all N.
        m = min(args.batch_queries, D.n)
        step = D.n / m
        c0 = time.thread_time()
        t0 = time.perf_counter()
        for i in range(m):
            query(D, int(i * step), k)
        t = time.perf_counter() - t0
        c = time.thread_time() - c0
        full = t / m * D.n
        res["batch"] = {"threads": 1, "timed_queries": m, "extrapolated": m < D.n,
                        "seconds": full, "cpu_seconds": c / m * D.n, "pairs_per_s": D.n * (D.n - 1) / full}
    res["check"] = check(D, C.get("checks", []), k)
    merged = {"n": D.n, "smartmatch": C, "numpy": res}
    merged["ratio"] = ratios(C, res)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(merged, f, indent=1)
    ck = res["check"]
    print(f"bench_numpy: N={D.n}: p50 {res['query_p50_ms']:.2f} ms; check {ck['equivalent']}/{ck['queries']} "
          f"equivalent, {ck['exact']}/{ck['queries']} exact, max score diff {ck['max_score_diff']:.3g}",
          file=sys.stderr)
    return 0 if ck["ok"] else 1


def ratios(C, Np):
    """numpy time / smartmatch time: how many times faster the library is.
    The cpu_ entries compare CPU time, which a busy machine distorts less."""
    def div(x, y):
        return x / y if x is not None and y else None
    q = C["query"]
    r = {"query_p50": div(Np["query_p50_ms"], q["p50_ms"]),
         "query_p99": div(Np["query_p99_ms"], q["p99_ms"]),
         "cpu_query_p50": div(Np.get("query_cpu_p50_ms"), q.get("cpu_p50_ms"))}
    if C.get("batch") and Np.get("batch"):
        for b in C["batch"]:
            r[f"batch_{b['threads']}t"] = div(Np["batch"]["seconds"], b["seconds"])
            if b["threads"] == 1:
                r["cpu_batch_1t"] = div(Np["batch"].get("cpu_seconds"), b.get("cpu_seconds"))
    return r


# ---------------------------------------------------------------------------
# report: the table of scripts/bench
# ---------------------------------------------------------------------------

def _batch_max(R, n):
    return max(R[n]["smartmatch"]["batch"], key=lambda b: b["threads"])


# (name, description, wall-clock value, CPU-time value, limit, lower is better).
# The CPU-time value is what an otherwise idle machine would show (for a
# batch: CPU time / threads, assuming the threads scale); the verdict uses
# the wall clock.
TARGETS = [
    ("query_p50_1m", "top-10 over 1,000,000 SMEs, p50, 1 thread [ms]",
     lambda R: R[1000000]["smartmatch"]["query"]["p50_ms"],
     lambda R: R[1000000]["smartmatch"]["query"]["cpu_p50_ms"], 5.0, True),
    ("batch_100k", "all-pairs top-10 over 100,000 SMEs, {t} threads [s]",
     lambda R: _batch_max(R, 100000)["seconds"],
     lambda R: _batch_max(R, 100000)["cpu_seconds"] / _batch_max(R, 100000)["threads"], 15.0, True),
    ("vs_numpy_query", "single query p50 vs numpy at 1,000,000 [x faster]",
     lambda R: R[1000000]["ratio"]["query_p50"],
     lambda R: R[1000000]["ratio"]["cpu_query_p50"], 20.0, False),
    ("vs_numpy_batch", "all-pairs vs numpy at 100,000, 1 thread [x faster]",
     lambda R: R[100000]["ratio"]["batch_1t"],
     lambda R: R[100000]["ratio"]["cpu_batch_1t"], 20.0, False),
    ("load_1m", "load a 1,000,000-row CSV [s]",
     lambda R: R[1000000]["smartmatch"]["load"]["seconds"],
     lambda R: R[1000000]["smartmatch"]["load"]["cpu_seconds"], 3.0, True),
    ("rss_1m", "resident memory for 1,000,000 SMEs [MiB]",
     lambda R: R[1000000]["smartmatch"]["memory"]["rss_delta_bytes"] / 2**20, lambda R: None, 512.0, True),
]


def fmt(x, spec):
    """format(x, spec), or "-" in the same width for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        m = re.match(r"[<>^]?(\d*)", spec)
        return "-".rjust(int(m.group(1) or 0))
    return format(x, spec)


def _get(f, R):
    try:
        return f(R)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None


def cmd_report(args):
    runs = []
    for p in args.results:
        with open(p, encoding="utf-8") as f:
            runs.append(json.load(f))
    runs.sort(key=lambda r: r["n"])
    R = {r["n"]: r for r in runs}
    lines = []
    P = lines.append
    P("smartmatch benchmark (default preset 'balanced', k = 10)")
    m0 = runs[0]["smartmatch"]["machine"] if runs else {}
    P(f"machine: {m0.get('cpu', '?')}, {m0.get('cpus', '?')} CPUs online; library {m0.get('library', '?')}; "
      f"Python {platform.python_version()}, numpy {np.__version__}")
    P("")
    P(f"{'N':>9} | {'load s':>6} | {'RSS MiB':>7} | {'B/SME':>5} | {'peak MiB':>8} | {'1st q ms':>8} | "
      f"{'p50 ms':>7} | {'p99 ms':>7} | {'CPU p50':>7} | {'numpy p50':>9} | {'x numpy':>7} | {'x (CPU)':>7} | "
      f"{'check':>10} | {'loadavg':>7}")
    P("-" * 139)
    for r in runs:
        c, npy = r["smartmatch"], r["numpy"]
        ck = npy["check"]
        mem = c["memory"]
        P(f"{r['n']:>9,} | {c['load']['seconds']:>6.2f} | {mem['rss_delta_bytes'] / 2**20:>7.1f} | "
          f"{mem['rss_delta_bytes'] / r['n']:>5.0f} | {mem['peak_bytes'] / 2**20:>8.1f} | "
          f"{c['query']['first_ms']:>8.2f} | {c['query']['p50_ms']:>7.3f} | {c['query']['p99_ms']:>7.3f} | "
          f"{fmt(c['query'].get('cpu_p50_ms'), '>7.3f')} | {npy['query_p50_ms']:>9.2f} | "
          f"{fmt(r['ratio'].get('query_p50'), '>7.1f')} | {fmt(r['ratio'].get('cpu_query_p50'), '>7.1f')} | "
          f"{ck['equivalent']:>3}/{ck['queries']:<3} {'ok' if ck['ok'] else 'FAIL':>4} | "
          f"{fmt(c['machine'].get('loadavg_before'), '>7.2f')}")
    P("")
    P("load: sm_load_file of the SME CSV. RSS: VmRSS after the load and the first query minus VmRSS before the load;")
    P("peak: VmHWM of the process (end of run). p50/p99: wall clock of sm_query_top over the query SMEs, one thread;")
    P("CPU p50: the same in thread CPU time. numpy: the same query SMEs (at most --numpy-queries of them).")
    P("check: the numpy top-10 equals the library's (ids and scores to 1e-9) for a sample of query SMEs.")
    P("loadavg: 1-minute load average when the queries started; above the CPU count, wall times are inflated.")
    batch_runs = [r for r in runs if r["smartmatch"].get("batch")]
    if batch_runs:
        P("")
        P(f"{'N':>9} | {'impl':>10} | {'threads':>7} | {'wall s':>8} | {'CPU s':>8} | {'pairs/s':>9} | "
          f"{'x numpy':>7} | note")
        P("-" * 110)
        for r in batch_runs:
            for b in r["smartmatch"]["batch"]:
                note = (f"extrapolated from {b['timed_queries']:,} query SMEs" if b["extrapolated"]
                        else "all SMEs")
                if "matches_query" in b:
                    note += ("; = sm_query_top" if b["matches_query"] else "; RESULTS DIFFER from sm_query_top")
                x = r["ratio"].get("batch_%dt" % b["threads"])
                P(f"{r['n']:>9,} | {'smartmatch':>10} | {b['threads']:>7} | {b['seconds']:>8.2f} | "
                  f"{fmt(b.get('cpu_seconds'), '>8.2f')} | {b['pairs_per_s']:>9.3g} | {fmt(x, '>7.1f')} | {note}")
            nb = r["numpy"].get("batch")
            if nb:
                P(f"{r['n']:>9,} | {'numpy':>10} | {1:>7} | {nb['seconds']:>8.1f} | "
                  f"{fmt(nb.get('cpu_seconds'), '>8.1f')} | {nb['pairs_per_s']:>9.3g} | {'1.0':>7} | "
                  f"extrapolated from {nb['timed_queries']:,} query SMEs")
        P("x numpy: numpy wall time / smartmatch wall time for the same N (numpy runs on one thread)")
    verdicts = []
    P("")
    P(f"{'target':<56} {'wall':>9} {'CPU':>9}   {'limit':<9} verdict")
    for name, desc, get, get_cpu, limit, lower in TARGETS:
        v, vc = _get(get, R), _get(get_cpu, R)
        if name == "batch_100k":
            t = _get(lambda R: _batch_max(R, 100000)["threads"], R)
            desc = desc.format(t=t if t else "all")
        ok = None if v is None else (v <= limit if lower else v >= limit)
        verdicts.append({"name": name, "description": desc, "value": v, "cpu_value": vc, "limit": limit,
                         "lower_is_better": lower, "met": ok})
        P(f"{desc:<56} {fmt(v, '>9.3f')} {fmt(vc, '>9.3f')}   {'<=' if lower else '>='} {limit:<6g} "
          f"{'not measured' if ok is None else 'met' if ok else 'MISSED'}")
    text = "\n".join(lines)
    print(text)
    ok = all(r["numpy"]["check"]["ok"] for r in runs) and all(
        b.get("matches_query", True) for r in runs for b in r["smartmatch"].get("batch", []))
    if args.json:
        out = {"runs": runs, "targets": verdicts, "all_checks_ok": ok, "table": text}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
        print(f"\nJSON: {args.json}")
    return 0 if ok else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="time the numpy reference and check the library's results")
    r.add_argument("--smes", required=True)
    r.add_argument("--development")
    r.add_argument("--tables", required=True, help="tables exported by the C benchmark")
    r.add_argument("--c-result", required=True, help="the C benchmark's JSON for the same data")
    r.add_argument("--queries", type=int, default=0, help="time at most this many query SMEs (0 = all)")
    r.add_argument("--batch-queries", type=int, default=100,
                   help="query SMEs timed for the extrapolated all-pairs run")
    r.add_argument("--out", required=True)
    p = sub.add_parser("report", help="print the benchmark table from run outputs")
    p.add_argument("--json", help="also write everything to this file")
    p.add_argument("results", nargs="+")
    args = ap.parse_args(argv)
    return cmd_run(args) if args.cmd == "run" else cmd_report(args)


if __name__ == "__main__":
    sys.exit(main())
