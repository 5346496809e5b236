"""The oracle against an independent brute force (no pruning, no packing, no caching)."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest

from coord.game.negotiation.instance import (
    Economy,
    Instance,
    Project,
    Resource,
    Synergy,
    make_instance,
)
from coord.game.negotiation.oracle import num, plans, solo_best, solve

EXAMPLE_A = [
    {"name": "a", "requirements": {"r2": 3}, "reward": 9},
    {"name": "b", "requirements": {"r3": 2, "r2": 3}, "reward": 4},
    {"name": "c", "requirements": {"r3": 2, "r1": 1}, "reward": 1},
]
EXAMPLE_B = [
    {"name": "a", "requirements": {"r3": 3}, "reward": 1},
    {"name": "b", "requirements": {"r1": 1, "r2": 3}, "reward": 9},
    {"name": "c", "requirements": {"r2": 2}, "reward": 4},
]


def example(**kw) -> Instance:
    return make_instance("example", [EXAMPLE_A, EXAMPLE_B], **kw)


# ---- the brute force ---------------------------------------------------------------


def brute_plans(eco: Economy, projects):
    """All feasible (runs, use, reward) by plain nested loops over bounded run counts."""
    bounds = []
    for p in projects:
        limits = [s // q for q, s in zip(p.need, eco.supply, strict=True) if q > 0]
        bounds.append(min(limits) if limits else 0)
    out = []
    for runs in itertools.product(*(range(b + 1) for b in bounds)):
        use = [0] * len(eco.resources)
        cost = 0.0
        types = set()
        reward = 0.0
        for n, p in zip(runs, projects, strict=True):
            for i, q in enumerate(p.need):
                use[i] += n * q
                cost += n * q * eco.resources[i].cost
                if n > 0 and q > 0:
                    types.add(i)
            reward += n * p.reward
        if cost > eco.budget + 1e-9 or len(types) > eco.max_types:
            continue
        if any(u > s for u, s in zip(use, eco.supply, strict=True)):
            continue
        out.append((runs, tuple(use), reward))
    return out


def brute_solve(inst: Instance) -> dict:
    eco = inst.economy
    pa, pb = (brute_plans(eco, side) for side in inst.projects)
    v1 = max(r for _, _, r in pa)
    v2 = max(r for _, _, r in pb)
    syn = eco.synergy
    joints = []
    for _, ua, ra in pa:
        for _, ub, rb in pb:
            if any(x + y > s for x, y, s in zip(ua, ub, eco.supply, strict=True)):
                continue
            bonus = 0.0
            if syn is not None:
                i = eco.names.index(syn.resource)
                if ua[i] >= 1 and ub[i] >= 1 and ua[i] + ub[i] >= syn.threshold:
                    bonus = syn.bonus
            joints.append((ra + rb + 2 * bonus, ra + bonus, rb + bonus))
    best = max(j for j, _, _ in joints)
    return {
        "v1": v1,
        "v2": v2,
        "collab_max": best,
        "optimal_paths": sum(1 for j, _, _ in joints if abs(j - best) < 1e-9),
        "best_a_favoured": max(j for j, a, _ in joints if a >= v1 - 1e-9),
        "best_b_favoured": max(j for j, _, b in joints if b >= v2 - 1e-9),
        "n_plans": (len(pa), len(pb)),
        "runs": ({r for r, _, _ in pa}, {r for r, _, _ in pb}),
    }


def random_instance(rng: random.Random, k: int, *, synergy: bool) -> Instance:
    """Paper-like instances with some variety in the economy; rewards may be 0 (ties)."""
    names = ("r1", "r2", "r3")
    supply = {"r1": rng.randint(4, 10), "r2": rng.randint(4, 10), "r3": rng.randint(2, 6)}
    costs = {"r1": 1.0, "r2": rng.choice((1.0, 1.5)), "r3": rng.choice((2.0, 3.0))}

    def project(name):
        req = {r: rng.randint(1, 4) for r in rng.sample(names, rng.randint(1, 2))}
        return {"name": name, "requirements": req, "reward": rng.randint(0, 10)}

    syn = None
    if synergy:
        syn = Synergy(rng.choice(names), rng.randint(2, 8), float(rng.randint(1, 5)))
    return make_instance(
        f"rand{k}",
        [[project(n) for n in "abc"], [project(n) for n in "abc"]],
        costs=costs,
        supply=supply,
        budget=rng.choice((12, 15, 18)),
        max_types=rng.choice((1, 2, 2, 3)),
        synergy=syn,
    )


# ---- tests -------------------------------------------------------------------------


def test_example_from_the_issue():
    inst = example()
    r = solve(inst)
    assert (r.v1, r.v2, r.combined, r.collab_max) == (27, 27, 54, 29)
    assert r.mc_ratio == pytest.approx(29 / 54)
    assert round(r.mc_ratio, 3) == 0.537
    assert r.optimal_paths == 2
    d = r.to_dict(inst)
    assert d["mc_ratio"] == 0.537037
    assert isinstance(d["collab_max"], int) and d["collab_max"] == 29
    # Both optima split 2 / 27; the canonical one is the cheaper pair (30.5 vs 31.5).
    assert d["optimal_plan"] == {
        "A": {"runs": {"c": 2}, "purchase": {"r1": 2, "r3": 4}, "reward": 2},
        "B": {"runs": {"b": 3}, "purchase": {"r1": 3, "r2": 9}, "reward": 27},
    }
    assert d["best_a_favoured"] == 29 and d["best_b_favoured"] == 29


def test_example_matches_brute_force():
    inst = example()
    r, b = solve(inst), brute_solve(inst)
    assert (r.v1, r.v2, r.collab_max, r.optimal_paths) == (
        b["v1"],
        b["v2"],
        b["collab_max"],
        b["optimal_paths"],
    )


@pytest.mark.parametrize("synergy", [False, True])
def test_random_instances_match_brute_force(synergy):
    rng = random.Random(20240 + synergy)
    for k in range(50):
        inst = random_instance(rng, k, synergy=synergy)
        r, b = solve(inst), brute_solve(inst)
        got = (r.v1, r.v2, r.collab_max, r.optimal_paths, r.best_a_favoured, r.best_b_favoured)
        want = (
            b["v1"],
            b["v2"],
            b["collab_max"],
            b["optimal_paths"],
            b["best_a_favoured"],
            b["best_b_favoured"],
        )
        assert got == want, inst
        for side in (0, 1):
            enumerated = {p.runs for p in plans(inst.economy, inst.projects[side])}
            assert enumerated == b["runs"][side], inst


def test_synergy_can_lift_collab_max_above_solo_sum():
    # Both agents want r2; a bonus for sharing it makes sharing worth more than v1 + v2.
    side = [{"name": "a", "requirements": {"r2": 1}, "reward": 1}]
    plain = make_instance("s", [side, side])
    bonus = make_instance("s", [side, side], synergy=Synergy("r2", 2, 10.0))
    assert solve(plain).collab_max == 10  # supply 10 of r2, one reward each
    r = solve(bonus)
    assert r.collab_max == 30 and r.v1 == 10 and r.mc_ratio == pytest.approx(1.5)


def test_plans_respect_caps_budget_and_type_limit():
    inst = example()
    eco = inst.economy
    for plan in plans(eco, inst.projects[0], (2, 3, 2)):
        assert all(u <= c for u, c in zip(plan.use, (2, 3, 2), strict=True))
    assert {p.runs for p in plans(eco, inst.projects[0], (2, 3, 2))} == {
        (0, 0, 0),
        (1, 0, 0),
        (0, 0, 1),
        (0, 1, 0),
    }
    for plan in plans(eco, inst.projects[0]):
        assert plan.cost <= eco.budget + 1e-9
        assert sum(1 for u in plan.use if u) <= eco.max_types
    assert plans(eco, inst.projects[0])[0].runs == (0, 0, 0)


def test_solo_best_tie_break_prefers_cheaper_then_smaller_runs():
    eco = dataclasses.replace(example().economy, max_types=1)
    same_reward = (
        Project("p", (2, 0, 0), 2.0),  # costs 2 per run
        Project("q", (0, 0, 1), 2.0),  # costs 3 per run: same reward, lexicographically first
    )
    best = solo_best(eco, same_reward, (2, 0, 1))
    assert best.runs == (1, 0) and best.reward == 2 and best.cost == 2
    twins = (Project("x", (1, 0, 0), 1.0), Project("y", (1, 0, 0), 1.0))
    assert solo_best(eco, twins).runs == (0, 10)  # lexicographically smallest of the ties


def test_zero_need_project_is_never_run():
    eco = example().economy
    free = (Project("free", (0, 0, 0), 5.0),)
    assert [p.runs for p in plans(eco, free)] == [(0,)]


def test_collab_max_zero_has_ratio_one():
    side = [{"name": "a", "requirements": {"r1": 1}, "reward": 0}]
    r = solve(make_instance("zero", [side, side]))
    assert (r.v1, r.v2, r.collab_max, r.mc_ratio) == (0, 0, 0, 1.0)


def test_plan_helpers_and_num():
    inst = example()
    plan = solo_best(inst.economy, inst.projects[1])
    assert plan.run_map(inst.projects[1]) == {"b": 3}
    assert plan.purchase(inst.economy) == {"r1": 3, "r2": 9}
    assert num(27.0) == 27 and isinstance(num(27.0), int)
    assert num(2.5) == 2.5 and num(0.1 + 0.2) == 0.3


def test_economy_is_rebuilt_equal_and_cached():
    # Equal instances hit the same cache entry (frozen dataclasses hash by value).
    eco = Economy(tuple(Resource(n, c, s) for n, c, s in (("r1", 1.0, 10),)))
    inst1 = Instance("i", eco, ((Project("a", (1,), 1.0),), (Project("a", (1,), 1.0),)))
    inst2 = Instance("i", eco, ((Project("a", (1,), 1.0),), (Project("a", (1,), 1.0),)))
    assert solve(inst1) is solve(inst2)
