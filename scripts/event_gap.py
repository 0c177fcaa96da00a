#!/usr/bin/python3
"""How far the event planner's selection is from the optimum, and how far its
bound is above it, on one instance of the benchmark.

    build/tests/bench/sm_bench_event --dump /tmp/ev          # writes the instance and the plan
    /usr/bin/python3 scripts/event_gap.py /tmp/ev --seats 6400 --lower 2 --upper 3

Reads PREFIX.requests.csv (the wishes; a pair given twice is one wish, the
higher priority and score kept, as the planner merges them) and
PREFIX.schedule.csv (the plan), and solves with CBC (through pulp) the
selection with every participant's meetings in [lower, upper] and at most
seats meetings: as a linear programme (an upper bound on that problem) and
as an integer programme (its optimum). When lower and upper are the levels
the fairness-first objective forces (every participant its lower meetings,
the seats left given one each at lower + 1: the plan's own degrees show
them), that optimum is the weight of the fairness-first optimum, so

    heuristic slack = optimum - plan weight,  bound slack = plan bound - optimum.

Needs /usr/bin/cbc and python3-pulp. Not a test: it prints the figures.
"""

import argparse
import collections
import csv
import json
import sys
import time

import pulp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("prefix")
    ap.add_argument("--seats", type=int, required=True)
    ap.add_argument("--lower", type=int, required=True)
    ap.add_argument("--upper", type=int, required=True)
    ap.add_argument("--bound", type=float, help="the plan's weight bound (from the benchmark's JSON)")
    ap.add_argument("--time-limit", type=float, default=600)
    args = ap.parse_args()

    wishes = {}
    with open(args.prefix + ".requests.csv", newline="") as f:
        for row in csv.DictReader(f):
            k = tuple(sorted((row["a"], row["b"])))
            p, s = int(row["priority"]), float(row["score"])
            old = wishes.get(k)
            wishes[k] = (max(old[0], p), max(old[1], s)) if old else (p, s)
    weight = {k: p + s for k, (p, s) in wishes.items()}
    people = sorted({v for k in weight for v in k})

    plan_weight, deg = 0.0, collections.Counter()
    with open(args.prefix + ".schedule.csv", newline="") as f:
        for row in csv.DictReader(f):
            plan_weight += float(row["weight"])
            deg[row["a"]] += 1
            deg[row["b"]] += 1
    plan_levels = sorted(collections.Counter(deg[p] for p in people).items())

    out = {"wishes": len(weight), "participants": len(people), "plan_weight": round(plan_weight, 3),
           "plan_meetings_per_participant": plan_levels}
    for integer in (False, True):
        prob = pulp.LpProblem("selection", pulp.LpMaximize)
        cat = "Binary" if integer else "Continuous"
        x = {k: pulp.LpVariable(f"x{i}", 0, 1, cat=cat) for i, k in enumerate(weight)}
        prob += pulp.lpSum(weight[k] * x[k] for k in weight)
        inc = collections.defaultdict(list)
        for k in weight:
            inc[k[0]].append(x[k])
            inc[k[1]].append(x[k])
        for p in people:
            prob += pulp.lpSum(inc[p]) >= args.lower
            prob += pulp.lpSum(inc[p]) <= args.upper
        prob += pulp.lpSum(x.values()) <= args.seats
        t = time.process_time()
        prob.solve(pulp.COIN_CMD(path="/usr/bin/cbc", msg=False, timeLimit=args.time_limit))
        name = "ilp" if integer else "lp"
        out[name + "_status"] = pulp.LpStatus[prob.status]
        out[name] = round(pulp.value(prob.objective), 3)
        out[name + "_cpu_s"] = round(time.process_time() - t, 2)
        if integer:
            d = collections.Counter()
            for k in weight:
                if x[k].value() > 0.5:
                    d[k[0]] += 1
                    d[k[1]] += 1
            out["ilp_meetings_per_participant"] = sorted(collections.Counter(d[p] for p in people).items())
    best = out["ilp"]
    out["heuristic_slack_pct_of_optimum"] = round(100 * (best - plan_weight) / best, 3)
    if args.bound is not None:
        out["bound"] = args.bound
        out["bound_slack_pct_of_bound"] = round(100 * (args.bound - best) / args.bound, 3)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
