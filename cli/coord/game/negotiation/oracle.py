"""The exact oracle of the negotiation game (DESIGN §4).

Everything here is exhaustive: an agent's options are enumerated as integer run vectors
(`plans`), and the joint optimum is found over pairs of plans. The instances are small
(the paper's: 3 resources, 3 projects per agent, budget 18), so enumeration is exact and
fast; the pair scan is pruned by reward bounds, never by heuristics, so counts of optimal
pairs stay exact.

Two grounded agents must be able to agree on one optimal plan without talking, so every
choice among ties is made by a fixed, documented key (see `OracleResult.optimal_plan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from coord.game.negotiation.instance import Economy, Instance, Project

# Float tolerance for budget checks and reward ties. Rewards and costs are sums of a few
# small decimals; anything closer than this is the same number written two ways.
EPS = 1e-9


def num(x: float) -> int | float:
    """A number for display: an int when integral (27, not 27.0), else the float.

    Rounded to 9 places first so that float noise (0.30000000000000004) does not leak
    into reports.
    """
    x = round(float(x), 9)
    return int(x) if x.is_integer() else x


def _tie(x: float) -> float:
    """A float as a sort/tie key, insensitive to summation order."""
    return round(x, 9)


@dataclass(frozen=True)
class Plan:
    """One agent's choice: runs per project and exactly what they consume."""

    runs: tuple[int, ...]  # aligned with that agent's projects
    use: tuple[int, ...]  # aligned with Economy.resources: what the agent buys
    reward: float  # Σ runs × reward, without any synergy bonus
    cost: float  # what the purchase costs

    def purchase(self, economy: Economy) -> dict[str, int]:
        """The purchase as {resource: qty}, non-zero entries only."""
        return economy.mapping(self.use)

    def run_map(self, projects: Sequence[Project]) -> dict[str, int]:
        """The runs as {project: runs}, non-zero entries only."""
        return {p.name: int(n) for p, n in zip(projects, self.runs, strict=True) if n}


def synergy_bonus(economy: Economy, use_a: Sequence[int], use_b: Sequence[int]) -> float:
    """The bonus each agent receives for this pair of purchases (0.0 when the rule is off).

    The rule: both use at least one unit of the synergy resource and their combined use
    reaches the threshold. A synergy naming an unknown resource never fires (the scenario
    spec rejects such files; this keeps the oracle total).
    """
    syn = economy.synergy
    if syn is None:
        return 0.0
    i = economy.index.get(syn.resource)
    if i is None:
        return 0.0
    a, b = use_a[i], use_b[i]
    return float(syn.bonus) if a >= 1 and b >= 1 and a + b >= syn.threshold else 0.0


def pair_rewards(economy: Economy, plan_a: Plan, plan_b: Plan) -> tuple[float, float]:
    """Each agent's reward for a pair of plans, synergy bonus included."""
    bonus = synergy_bonus(economy, plan_a.use, plan_b.use)
    return plan_a.reward + bonus, plan_b.reward + bonus


@lru_cache(maxsize=256)  # entries hold a few hundred plans each: keep it modest
def plans(
    economy: Economy, projects: tuple[Project, ...], caps: tuple[int, ...] | None = None
) -> tuple[Plan, ...]:
    """Every feasible run vector for one agent, in lexicographic order of `runs`.

    Feasible: within the budget, at most `economy.max_types` distinct resources across
    the projects run, and consumption ≤ `caps` per resource (default: the whole supply).
    The all-zero plan is always included. A project that needs nothing is never run: it
    would be free and unbounded (the scenario spec refuses such projects).
    """
    projects = tuple(projects)
    caps = economy.supply if caps is None else tuple(caps)
    costs = economy.costs
    n_res = len(costs)
    per_run = [sum(c * q for c, q in zip(costs, p.need, strict=True)) for p in projects]
    masks = [sum(1 << i for i in p.types) for p in projects]
    budget = economy.budget + EPS
    out: list[Plan] = []
    runs = [0] * len(projects)
    use = [0] * n_res

    def visit(k: int, spent: float, mask: int) -> None:
        if k == len(projects):
            reward = sum(n * p.reward for n, p in zip(runs, projects, strict=True))
            out.append(Plan(tuple(runs), tuple(use), float(reward), spent))
            return
        visit(k + 1, spent, mask)  # zero runs of project k
        p, c = projects[k], per_run[k]
        new_mask = mask | masks[k]
        if not masks[k] or new_mask.bit_count() > economy.max_types:
            return
        need = p.need
        n = 0
        while True:
            n += 1
            if spent + n * c > budget:
                break
            if any(use[i] + q > caps[i] for i, q in enumerate(need) if q):
                break
            for i, q in enumerate(need):
                use[i] += q
            runs[k] = n
            visit(k + 1, spent + n * c, new_mask)
        # undo this project's n - 1 applied runs
        for i, q in enumerate(need):
            use[i] -= q * (n - 1)
        runs[k] = 0

    visit(0, 0.0, 0)
    return tuple(out)


@lru_cache(maxsize=4096)  # policies ask the same question on every turn of a round
def solo_best(
    economy: Economy, projects: tuple[Project, ...], caps: tuple[int, ...] | None = None
) -> Plan:
    """The agent's best plan alone: max reward, then lower cost, then smaller runs."""
    best = None
    for plan in plans(economy, tuple(projects), caps):  # lexicographic order: first wins ties
        if best is None or (_tie(plan.reward), -_tie(plan.cost)) > (
            _tie(best.reward),
            -_tie(best.cost),
        ):
            best = plan
    assert best is not None  # the zero plan always exists
    return best


@dataclass(frozen=True)
class OracleResult:
    """What the oracle knows about one instance.

    `optimal_plan` is the canonical optimum both grounded agents compute independently:
    among optimal pairs, the smallest |reward_A − reward_B|, then the smallest total cost,
    then the lexicographically smallest (runs_A, runs_B).

    `best_a_favoured` is the best joint total among pairs in which A does no worse than
    alone (its reward, synergy included, reaches v1); `best_b_favoured` likewise for B.
    Without synergy that is exactly "A gets v1".
    """

    v1: float
    v2: float
    combined: float
    collab_max: float
    mc_ratio: float
    optimal_paths: int
    optimal_plan: tuple[Plan, Plan]
    best_a_favoured: float | None
    best_b_favoured: float | None
    solo_plans: tuple[Plan, Plan]

    def to_dict(self, instance: Instance) -> dict:
        """The `coord solve` record; each agent's reward in the plan includes synergy."""
        eco = instance.economy
        rewards = pair_rewards(eco, *self.optimal_plan)
        plan = {
            agent: {
                "runs": p.run_map(instance.projects[side]),
                "purchase": p.purchase(eco),
                "reward": num(rewards[side]),
            }
            for side, (agent, p) in enumerate(zip(instance.agents, self.optimal_plan, strict=True))
        }
        return {
            "id": instance.id,
            "v1": num(self.v1),
            "v2": num(self.v2),
            "combined": num(self.combined),
            "collab_max": num(self.collab_max),
            "mc_ratio": round(self.mc_ratio, 6),
            "optimal_paths": self.optimal_paths,
            "optimal_plan": plan,
            "best_a_favoured": None if self.best_a_favoured is None else num(self.best_a_favoured),
            "best_b_favoured": None if self.best_b_favoured is None else num(self.best_b_favoured),
        }


class _Side:
    """One agent's plans prepared for the pair scan: sorted by reward, uses packed."""

    def __init__(self, plan_list: tuple[Plan, ...], pack, syn_index: int | None) -> None:
        ordered = sorted(plan_list, key=lambda p: -p.reward)
        self.plans = ordered
        self.rewards = [p.reward for p in ordered]
        self.packed = [pack(p.use) for p in ordered]
        self.syn = [p.use[syn_index] if syn_index is not None else 0 for p in ordered]


def _packer(supply: Sequence[int]):
    """Pack use vectors into one int so a feasibility test is one add and one mask.

    Each resource gets a field of w bits whose top bit is a guard. A pair fits the supply
    iff no guard bit is set in `pack(a) + pack(b) + offset`, where the offset pre-loads each
    field with G - 1 - supply (G = the guard value): the field overflows into its guard bit
    exactly when a + b > supply. Each use is ≤ supply, so fields never carry into a neighbour.
    """
    w = max([1, *supply]).bit_length() + 2
    guard = 1 << (w - 1)
    offset = mask = 0
    for i, s in enumerate(supply):
        offset |= (guard - 1 - s) << (i * w)
        mask |= guard << (i * w)

    def pack(use: Sequence[int]) -> int:
        v = 0
        for i, q in enumerate(use):
            v |= q << (i * w)
        return v

    return pack, offset, mask


def _scan(
    eco: Economy,
    a: _Side,
    b: _Side,
    offset: int,
    mask: int,
    *,
    floor_a=None,
    floor_b=None,
    collect: bool = False,
):
    """Best joint total over compatible pairs (optionally: only pairs where A's / B's
    reward reaches a floor), and with `collect` every pair achieving it.

    Both sides are sorted by reward, so once even the synergy-boosted upper bound falls
    strictly below the best so far, nothing later can reach it (ties are still visited).
    """
    syn = eco.synergy
    bonus = float(syn.bonus) if syn is not None else 0.0
    thr = syn.threshold if syn is not None else 0
    has_syn = syn is not None and syn.resource in eco.index
    lift = max(bonus, 0.0) if has_syn else 0.0
    best = float("-inf")
    ties: list[tuple[int, int]] = []
    top_b = b.rewards[0]
    for i, ra in enumerate(a.rewards):
        if ra + top_b + 2 * lift < best - EPS:
            break
        if floor_a is not None and ra + lift < floor_a - EPS:
            break  # sorted: no later A plan reaches the floor either
        base = a.packed[i] + offset
        sa = a.syn[i]
        for j, rb in enumerate(b.rewards):
            if ra + rb + 2 * lift < best - EPS:
                break
            if floor_b is not None and rb + lift < floor_b - EPS:
                break
            if (base + b.packed[j]) & mask:
                continue
            bon = 0.0
            if has_syn:
                sb = b.syn[j]
                if sa >= 1 and sb >= 1 and sa + sb >= thr:
                    bon = bonus
            if floor_a is not None and ra + bon < floor_a - EPS:
                continue
            if floor_b is not None and rb + bon < floor_b - EPS:
                continue
            joint = ra + rb + 2 * bon
            if joint > best + EPS:
                best = joint
                ties = [(i, j)] if collect else ties
            elif collect and joint >= best - EPS:
                ties.append((i, j))
    return (None if best == float("-inf") else best), ties


def compute(instance: Instance) -> OracleResult:
    """Solve one instance (uncached; see `solve`)."""
    eco = instance.economy
    side_a, side_b = (tuple(p) for p in instance.projects)
    solo_a, solo_b = solo_best(eco, side_a), solo_best(eco, side_b)
    v1, v2 = solo_a.reward, solo_b.reward
    pack, offset, mask = _packer(eco.supply)
    syn_index = eco.index.get(eco.synergy.resource) if eco.synergy is not None else None
    a = _Side(plans(eco, side_a), pack, syn_index)
    b = _Side(plans(eco, side_b), pack, syn_index)

    collab_max, ties = _scan(eco, a, b, offset, mask, collect=True)
    assert collab_max is not None  # (zero, zero) always fits

    def canonical(pair: tuple[int, int]):
        pa, pb = a.plans[pair[0]], b.plans[pair[1]]
        ra, rb = pair_rewards(eco, pa, pb)
        return (_tie(abs(ra - rb)), _tie(pa.cost + pb.cost), pa.runs, pb.runs)

    i, j = min(ties, key=canonical)
    best_a, _ = _scan(eco, a, b, offset, mask, floor_a=v1)
    best_b, _ = _scan(eco, a, b, offset, mask, floor_b=v2)
    combined = v1 + v2
    return OracleResult(
        v1=v1,
        v2=v2,
        combined=combined,
        collab_max=collab_max,
        mc_ratio=collab_max / combined if combined else 1.0,
        optimal_paths=len(ties),
        optimal_plan=(a.plans[i], b.plans[j]),
        best_a_favoured=best_a,
        best_b_favoured=best_b,
        solo_plans=(solo_a, solo_b),
    )


@lru_cache(maxsize=1024)
def solve(instance: Instance) -> OracleResult:
    """Solve one instance exactly; cached per instance (instances are hashable)."""
    return compute(instance)
