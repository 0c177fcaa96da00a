"""The event planner against exact solvers used only here, and a checker of
every constraint on every schedule.

Selection is compared with networkx's max_weight_matching (capacity 1: with
fairness first the objective is "most meetings, then weight", networkx's
maxcardinality=True) and with an integer programme solved by CBC through
pulp (capacities above 1: the number of participants with at least 1, 2, ...
meetings, lexicographically, then the weight). Instances are random, seeded,
with at most 60 participants.

Events of up to 100 participants get the exact search (branch and bound on
the LP relaxation) after the heuristic: every instance here must come out
optimal, fairness levels and weight, and the plan must say so
(stats["selection_optimal"]).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict

import pytest

import smartmatch as sm
from conftest import REPO

networkx = pytest.importorskip("networkx")
pulp = pytest.importorskip("pulp")

DATA = REPO / "examples" / "data" / "cadses_smes.csv"


@pytest.fixture(scope="module")
def eng():
    e = sm.Engine()
    e.load(DATA)
    yield e
    e.close()


def random_instance(ids, rng, n, density, max_cap):
    people = rng.sample(ids, n)
    caps = {p: rng.randint(1, max_cap) for p in people}
    wishes = {}
    for i, a in enumerate(people):
        for b in people[i + 1:]:
            if rng.random() < density:
                # few distinct weights make ties, which is where solvers go wrong
                wishes[(a, b)] = round(rng.random(), 2) if rng.random() < 0.7 else 0.5
    return people, caps, wishes


def plan_select(eng, people, caps, wishes, fairness=True):
    return eng.plan_event([{"id": p, "capacity": caps[p]} for p in people], slots=64, tables=1000,
                          wishes=[(a, b, 0, "requested", 0, 0, w) for (a, b), w in wishes.items()],
                          fairness=fairness, steps="select")


def levels(degrees, max_cap):
    return [sum(1 for d in degrees.values() if d >= j) for j in range(1, max_cap + 1)]


def degrees_of(plan, people):
    deg = Counter({p: 0 for p in people})
    for m in plan.meetings:
        deg[m.a] += 1
        deg[m.b] += 1
    return deg


def ilp_optimum(people, caps, wishes, fairness, seats=None):
    """Lexicographic optimum by CBC: fairness levels one after the other, then weight
    (with at most ``seats`` meetings in all, if given)."""
    edges = list(wishes)
    x = {e: pulp.LpVariable(f"x{i}", cat="Binary") for i, e in enumerate(edges)}
    max_cap = max(caps.values())
    y = {(p, j): pulp.LpVariable(f"y{k}_{j}", cat="Binary") for k, p in enumerate(people)
         for j in range(1, max_cap + 1)}
    inc = defaultdict(list)
    for e in edges:
        inc[e[0]].append(x[e])
        inc[e[1]].append(x[e])
    base = []
    for p in people:
        base.append(pulp.lpSum(inc[p]) <= caps[p])
        base.append(pulp.lpSum(y[p, j] for j in range(1, max_cap + 1)) <= pulp.lpSum(inc[p]))
    if seats is not None:
        base.append(pulp.lpSum(x.values()) <= seats)
    fixed = []
    got_levels = []
    solver = pulp.COIN_CMD(msg=False)
    if fairness:
        for j in range(1, max_cap + 1):
            prob = pulp.LpProblem("lvl", pulp.LpMaximize)
            prob += pulp.lpSum(y[p, j] for p in people)
            for c in base + fixed:
                prob += c
            for p in people:  # y[p, j] = 1 only if p has at least j meetings
                prob += j * y[p, j] <= pulp.lpSum(inc[p])
            prob.solve(solver)
            val = round(pulp.value(prob.objective) or 0)
            got_levels.append(val)
            fixed.append(pulp.lpSum(y[p, j] for p in people) >= val)
            for p in people:
                fixed.append(j * y[p, j] <= pulp.lpSum(inc[p]))
    prob = pulp.LpProblem("weight", pulp.LpMaximize)
    prob += pulp.lpSum(wishes[e] * x[e] for e in edges)
    for c in base + fixed:
        prob += c
    prob.solve(solver)
    return got_levels, pulp.value(prob.objective) or 0.0


# Every instance optimal (the summaries print the count).
MAX_REL_GAP = 1e-9
MIN_OPTIMAL_SHARE = 1.0


def summary(name, rel_gaps):
    optimal = sum(1 for g in rel_gaps if g < 1e-9)
    print(f"\n{name}: {optimal} of {len(rel_gaps)} instances optimal, largest relative gap {max(rel_gaps):.4f}")
    assert max(rel_gaps) <= MAX_REL_GAP
    assert optimal >= MIN_OPTIMAL_SHARE * len(rel_gaps)


def test_capacity_one_matches_networkx(eng):
    ids = eng.ids()
    rng = random.Random(15)
    gaps = []
    for trial in range(30):
        n = rng.randint(4, 60)
        people, caps, wishes = random_instance(ids, rng, n, rng.choice([0.05, 0.1, 0.2]), 1)
        caps = {p: 1 for p in people}
        for fairness in (True, False):
            with plan_select(eng, people, caps, wishes, fairness) as plan:
                g = networkx.Graph()
                for (a, b), w in wishes.items():
                    g.add_edge(a, b, weight=w)
                mate = networkx.max_weight_matching(g, maxcardinality=fairness)
                best = sum(wishes.get((a, b), wishes.get((b, a), 0.0)) for a, b in mate)
                ours = plan.stats["weight"]
                if fairness:
                    assert len(plan.meetings) == len(mate), (trial, "cardinality")
                gaps.append(max(0.0, best - ours) / max(best, 1e-9))
                assert ours <= best + 1e-6
                assert plan.stats["selection_optimal"], trial
    summary("capacity 1 vs networkx", gaps)


@pytest.mark.parametrize("fairness", [True, False])
def test_capacities_match_cbc(eng, fairness):
    ids = eng.ids()
    rng = random.Random(1500 + fairness)
    gaps = []
    for trial in range(20):
        n = rng.randint(4, 40 if fairness else 60)
        max_cap = rng.randint(2, 4)
        people, caps, wishes = random_instance(ids, rng, n, rng.choice([0.1, 0.2, 0.3]), max_cap)
        with plan_select(eng, people, caps, wishes, fairness) as plan:
            want_levels, want_weight = ilp_optimum(people, caps, wishes, fairness)
            deg = degrees_of(plan, people)
            for p in people:
                assert deg[p] <= caps[p]
            if fairness:
                assert levels(deg, max(caps.values())) == want_levels, trial
            if not fairness:
                assert plan.stats["weight"] <= want_weight + 1e-6
            gaps.append(max(0.0, want_weight - plan.stats["weight"]) / max(want_weight, 1e-9))
            assert plan.stats["weight"] <= plan.stats["weight_bound"] + 1e-9
            assert plan.stats["selection_optimal"], trial
    summary(f"capacities 2-4 vs CBC, fairness {fairness}", gaps)


# ---- schedules: every constraint, every output ------------------------------------------


def check_plan(plan, people, caps, wishes, slots, tables, unavailable, breaks, locks=()):
    """Every constraint of the planner, on one plan; returns the meetings per participant."""
    busy = defaultdict(set)
    per_slot = defaultdict(list)
    deg = Counter()
    seen = set()
    for m in plan.meetings:
        key = frozenset((m.a, m.b))
        assert key not in seen, "a pair meets twice"
        seen.add(key)
        assert 1 <= m.slot <= slots and m.slot not in breaks
        limit = 0 if m.slot in breaks else tables
        assert 1 <= m.table <= limit
        for p in (m.a, m.b):
            assert m.slot not in busy[p], f"{p} in two meetings in slot {m.slot}"
            assert m.slot not in unavailable.get(p, ()), f"{p} is unavailable in slot {m.slot}"
            busy[p].add(m.slot)
            deg[p] += 1
        per_slot[m.slot].append(m.table)
        assert m.status != "declined"
    for s, ts in per_slot.items():
        assert len(ts) == len(set(ts)) <= tables
    for p in people:
        assert deg[p] <= caps[p]
    for a, b, slot, table in locks:
        assert any({m.a, m.b} == {a, b} and m.slot == slot and (not table or m.table == table)
                   for m in plan.meetings)
    # every wish is a meeting or unscheduled, with a reason that holds
    unsched = {frozenset((u.a, u.b)): u for u in plan.unscheduled}
    for (a, b), w in wishes.items():
        k = frozenset((a, b))
        assert (k in seen) != (k in unsched), (a, b)
        if k in unsched:
            r = unsched[k].reason
            if r.startswith("capacity"):
                # full at selection time: "other" is that participant's weakest selected meeting
                full = {"capacity_a": [unsched[k].a], "capacity_b": [unsched[k].b]}.get(r, [a, b])
                x, y = unsched[k].other.split("-", 1)[0], None
                assert unsched[k].other and any(unsched[k].other.startswith(f + "-") or
                                                unsched[k].other.endswith("-" + f) for f in full), (x, y)
            elif r == "no_common_slot":
                common = set(range(1, slots + 1)) - set(breaks) - set(unavailable.get(a, ())) - \
                    set(unavailable.get(b, ()))
                assert not common
    s = plan.stats
    assert s["meetings"] == len(plan.meetings) and s["unscheduled"] == len(plan.unscheduled)
    assert s["slots_used"] == len(per_slot) >= s["slots_lower_bound"] or not plan.meetings
    assert s["weight"] <= s["weight_bound"] + 1e-9
    return deg


def test_random_schedules_are_valid(eng):
    ids = eng.ids()
    rng = random.Random(2027)
    for trial in range(15):
        n = rng.randint(5, 70)
        people, caps, wishes = random_instance(ids, rng, n, rng.choice([0.05, 0.1, 0.3]), rng.randint(1, 8))
        slots, tables = rng.randint(3, 16), rng.randint(1, 30)
        breaks = set(rng.sample(range(1, slots + 1), rng.randint(0, min(2, slots - 1))))
        unavailable = {p: set(rng.sample(range(1, slots + 1), rng.randint(1, 3))) for p in people
                       if rng.random() < 0.3}
        status = {e: rng.choice(["requested"] * 6 + ["accepted", "declined"]) for e in wishes}
        parts = [{"id": p, "capacity": caps[p], "unavailable": sorted(unavailable.get(p, ()))} for p in people]
        ws = [(a, b, 1, status[(a, b)], 0, 0, w) for (a, b), w in wishes.items()]
        with eng.plan_event(parts, slots=slots, tables=tables, wishes=ws, breaks=sorted(breaks)) as plan:
            check_plan(plan, people, caps, wishes, slots, tables, unavailable, breaks)
            for u in plan.unscheduled:
                if status.get((u.a, u.b), status.get((u.b, u.a))) == "declined":
                    assert u.reason == "declined"
            with eng.plan_event(parts, slots=slots, tables=tables, wishes=ws, breaks=sorted(breaks)) as again:
                assert again.meetings == plan.meetings and again.unscheduled == plan.unscheduled


def test_bipartite_schedules_use_at_most_one_slot_over_the_bound(eng):
    ids = eng.ids()
    rng = random.Random(77)
    worst = 0
    for trial in range(20):
        n = rng.randint(10, 80)
        people = rng.sample(ids, n)
        buyers, sellers = people[: n // 2], people[n // 2:]
        caps = {p: rng.randint(1, 8) for p in people}
        wishes = {(a, b): round(rng.random(), 2) for a in buyers for b in sellers if rng.random() < 0.2}
        tables = rng.randint(3, 40)
        parts = [{"id": p, "capacity": caps[p], "group": "buyer" if p in buyers else "seller"} for p in people]
        ws = [(a, b, 1, "requested", 0, 0, w) for (a, b), w in wishes.items()]
        # enough slots for the bound: selection first, then as many slots as that needs
        with eng.plan_event(parts, slots=64, tables=tables, wishes=ws, steps="select") as sel:
            deg = degrees_of(sel, people)
            lb = max(max(deg.values()), math.ceil(len(sel.meetings) / tables))
        slots = min(64, lb + 1)
        with eng.plan_event(parts, slots=slots, tables=tables, wishes=ws) as plan:
            check_plan(plan, people, caps, wishes, slots, tables, {}, set())
            s = plan.stats
            assert s["bipartite"]
            assert s["slots_used"] <= s["slots_lower_bound"] + 1, trial
            worst = max(worst, s["slots_used"] - s["slots_lower_bound"])
    print(f"bipartite: slots used exceed the lower bound by at most {worst}")


def test_locked_meetings_stay_and_must_is_kept(eng, tmp_path):
    ids = eng.ids()[:30]
    parts = [{"id": p, "capacity": 3} for p in ids]
    ws = [(ids[0], ids[1], 1, "locked", 5, 2), (ids[2], ids[3], 1, "must"), (ids[0], ids[4], 1, "declined")]
    with eng.plan_event(parts, slots=6, tables=4, wishes=ws, from_top=4) as plan:
        check_plan(plan, ids, {p: 3 for p in ids}, {}, 6, 4, {}, set(), locks=[(ids[0], ids[1], 5, 2)])
        assert any({m.a, m.b} == {ids[2], ids[3]} for m in plan.meetings)
        assert any(u.reason == "declined" for u in plan.unscheduled)
        out = tmp_path / "schedule.csv"
        plan.write_csv(out)
        first = plan.meetings
    # a re-run with the schedule locked keeps every meeting in place
    with eng.plan_event(parts, slots=6, tables=4, locks=out, from_top=6) as again:
        for m in first:
            assert any({x.a, x.b} == {m.a, m.b} and x.slot == m.slot and x.table == m.table
                       for x in again.meetings)


def test_impossible_must_says_why(eng):
    ids = eng.ids()[:4]
    parts = [{"id": ids[0], "capacity": 1}, ids[1], ids[2], {"id": ids[3], "unavailable": [1, 2]}]
    with pytest.raises(sm.InvalidArgument, match="room for 1"):
        eng.plan_event(parts, slots=2, tables=2, wishes=[(ids[0], ids[1], 1, "must"), (ids[0], ids[2], 1, "must")])
    with pytest.raises(sm.InvalidArgument, match="never available in the same slot"):
        eng.plan_event(parts, slots=2, tables=2, wishes=[(ids[1], ids[3], 1, "must")])
    with pytest.raises(sm.NotFound, match="not a participant"):
        eng.plan_event(parts, slots=2, tables=2, wishes=[(ids[1], "nobody")])


def test_agenda_pandas_and_files(eng, tmp_path):
    ids = eng.ids()[::40]
    with eng.plan_event(ids, slots=8, tables=10, from_top=5, capacity=4) as plan:
        who = plan.meetings[0].a
        agenda = plan.agenda(who)
        assert agenda and [a.slot for a in agenda] == sorted(a.slot for a in agenda)
        df = plan.to_pandas()
        assert list(df.columns) == ["slot", "table", "a", "b", "weight", "score", "status", "session"]
        assert len(df) == len(plan.meetings)
        plan.write_ics(who, tmp_path / "a.ics", "2027-03-10T09:00", 20)
        ics = (tmp_path / "a.ics").read_bytes().decode()
        assert ics.count("BEGIN:VEVENT") == len(agenda) and "\r\n" in ics
        plan.write_agenda(who, tmp_path / "a.txt", "2027-03-10T09:00", 20)
        assert "09:00-09:20" in (tmp_path / "a.txt").read_text()
        plan.write_json(tmp_path / "p.json")
        import json
        doc = json.loads((tmp_path / "p.json").read_text())
        assert len(doc["meetings"]) == len(plan.meetings)
        with pytest.raises(sm.ParseError):
            plan.write_ics(who, tmp_path / "b.ics", "10 March", 20)


def idle_gaps(busy, unavailable, sessions):
    """Idle slots per participant, from the definition: within each session,
    the available free slots between its first and last meeting there."""
    total = 0
    for p, slots in busy.items():
        for first, last in sessions:
            mine = [s for s in slots if first <= s <= last]
            if mine:
                total += sum(1 for s in range(min(mine), max(mine) + 1)
                             if s not in slots and s not in unavailable.get(p, ()))
    return total


def test_sessions(eng, tmp_path):
    ids = eng.ids()
    rng = random.Random(515)
    for trial in range(12):
        n = rng.randint(8, 60)
        people, caps, wishes = random_instance(ids, rng, n, rng.choice([0.1, 0.3]), rng.randint(1, 8))
        slots, tables = rng.randint(6, 20), rng.randint(1, 20)
        cut = rng.randint(2, slots - 3)
        lunch = rng.randint(0, 2)
        sessions = {"morning": (1, cut, "09:00"), "afternoon": (cut + 1 + lunch, slots)}
        ranges = [(1, cut), (cut + 1 + lunch, slots)]
        breaks = set(range(cut + 1, cut + 1 + lunch))
        away = {p: rng.choice(["morning", "afternoon"]) for p in people if rng.random() < 0.2}
        unavailable = {p: set(range(ranges[0][0], ranges[0][1] + 1)) if s == "morning"
                       else set(range(ranges[1][0], ranges[1][1] + 1)) for p, s in away.items()}
        parts = [{"id": p, "capacity": caps[p], "unavailable": [away[p]] if p in away else []} for p in people]
        ws = [(a, b, 1, "requested", 0, 0, w) for (a, b), w in wishes.items()]
        with eng.plan_event(parts, slots=slots, tables=tables, wishes=ws, sessions=sessions, effort=1) as plan:
            check_plan(plan, people, caps, wishes, slots, tables, unavailable, breaks)
            assert [x.name for x in plan.sessions] == ["morning", "afternoon"]
            assert plan.sessions[0].start == "09:00" and plan.sessions[1].start is None
            busy = defaultdict(set)
            for m in plan.meetings:
                assert m.session == ("morning" if m.slot <= cut else "afternoon")
                busy[m.a].add(m.slot)
                busy[m.b].add(m.slot)
            assert plan.stats["gaps"] == idle_gaps(busy, unavailable, ranges)
            # the text form is the same event
            text = f"morning=1-{cut}@09:00,afternoon={cut + 1 + lunch}-{slots}"
            with eng.plan_event(parts, slots=slots, tables=tables, wishes=ws, sessions=text, effort=1) as again:
                assert again.meetings == plan.meetings
    with pytest.raises(sm.ParseError, match="do not overlap"):
        eng.plan_event(ids[:4], slots=8, tables=2, from_top=2, sessions="a=1-4,b=4-8")
    with pytest.raises(sm.NotFound, match="not a session of the event"):
        eng.plan_event([{"id": ids[0], "unavailable": ["evening"]}], slots=8, tables=2, sessions="a=1-4")


def test_json_files(eng, tmp_path):
    import json
    ids = eng.ids()[:12]
    (tmp_path / "p.json").write_text(json.dumps(
        {"participants": [{"id": p, "capacity": 3, "unavailable": ["afternoon"] if i == 0 else [1]}
                          for i, p in enumerate(ids)]}))
    (tmp_path / "r.json").write_text(json.dumps(
        [{"a": ids[i], "b": ids[(i * 5 + 1) % 12], "priority": 1 + i % 2, "score": 0.5} for i in range(12)
         if i != (i * 5 + 1) % 12]))
    sessions = "morning=1-3,afternoon=4-6"
    with eng.plan_event([], slots=6, tables=4, sessions=sessions,
                        files={"participants": tmp_path / "p.json", "requests": tmp_path / "r.json"}) as plan:
        # the same event given as Python objects (the oracle)
        parts = [{"id": p, "capacity": 3, "unavailable": ["afternoon"] if i == 0 else [1]} for i, p in enumerate(ids)]
        ws = [(ids[i], ids[(i * 5 + 1) % 12], 1 + i % 2, "requested", 0, 0, 0.5) for i in range(12)
              if i != (i * 5 + 1) % 12]
        with eng.plan_event(parts, slots=6, tables=4, sessions=sessions, wishes=ws) as oracle:
            assert plan.meetings == oracle.meetings
        assert all(m.session == "morning" for m in plan.meetings if ids[0] in (m.a, m.b))
        plan.write_json(tmp_path / "plan.json")
    # the plan's JSON locks a re-run
    with eng.plan_event([], slots=6, tables=4, sessions=sessions, locks=tmp_path / "plan.json",
                        files={"participants": tmp_path / "p.json"}) as again:
        assert {(m.a, m.b, m.slot, m.table) for m in plan.meetings} <= {(m.a, m.b, m.slot, m.table)
                                                                         for m in again.meetings}
    (tmp_path / "bad.json").write_text('{"participants": [{"id": "%s", "group": true}]}' % ids[0])
    with pytest.raises(sm.ParseError, match=r"bad.json: participants\[0\].group: group is a boolean: give a string"):
        eng.plan_event([], slots=6, tables=4, from_top=2, files={"participants": tmp_path / "bad.json"})
    with pytest.raises(sm.InvalidArgument, match="not one of"):
        eng.plan_event([], slots=6, tables=4, from_top=2, files={"people": tmp_path / "p.json"})


def test_fairness_bound_holds_when_seats_bind(eng):
    """The bench's shape in small: every seat taken, levels 1..L complete and
    level L+1 limited by the seats, where the bound also caps everyone at
    L+1 meetings. The bound must stay above CBC's lexicographic optimum;
    without the exact search (effort 1) the plan's weight is below it, so a
    bound that cut into the optimum would show."""
    ids = eng.ids()
    rng = random.Random(6400)
    ratios = []
    for trial in range(12):
        n = rng.randint(16, 36)
        people = rng.sample(ids, n)
        caps = {p: 12 for p in people}
        wishes = {}
        for i, a in enumerate(people):
            for b in people[i + 1:]:
                if rng.random() < 0.35:
                    wishes[(a, b)] = rng.randint(0, 1) + round(rng.random(), 2)
        slots = 16
        tables = max(1, round(1.28 * n / slots))
        seats = slots * tables
        ws = [(a, b, 0, "requested", 0, 0, w - int(w)) if w < 1 else (a, b, 1, "requested", 0, 0, w - 1)
              for (a, b), w in wishes.items()]
        with eng.plan_event([{"id": p, "capacity": 12} for p in people], slots=slots, tables=tables, wishes=ws,
                            effort=1) as plan:
            _, best = ilp_optimum(people, caps, wishes, True, seats=seats)
            s = plan.stats
            assert s["weight"] <= best + 1e-6
            assert s["weight_bound"] >= best - 1e-6, (trial, s["weight_bound"], best)
            ratios.append(best / s["weight_bound"])
    print(f"\nseats bind: optimum / bound between {min(ratios):.4f} and {max(ratios):.4f}")
