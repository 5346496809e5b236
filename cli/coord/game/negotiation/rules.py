"""The rules of one round of the negotiation game (DESIGN §4): validity, scoring, metrics.

A purchase is checked per agent (types, budget, non-negative integers; supply is *not*
checked per agent). Scoring then looks at both purchases together: if they overdraw any
resource the round is annulled and both score 0; otherwise each agent's runs are assigned
from its own purchase and rewarded.

Synergy (default off) is judged on the *purchases*, not on what the runs consume: the
purchases are what both agents committed to and what both are shown after the round, so
an agent can check the rule from what it sees. The oracle's plans buy exactly what they
consume, so the two readings agree on every oracle plan; the one difference is that a
round can fire the bonus with units bought but left unused, which the oracle never does
(so with synergy on, a round may score above `collab_max`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from coord.errors import did_you_mean
from coord.game.negotiation.instance import Economy, Instance, Project
from coord.game.negotiation.oracle import EPS, OracleResult, num, synergy_bonus

OPTIMAL_AT = 0.999  # joint efficiency at or above this counts as optimal


def as_count(value: object) -> int | None:
    """An integer from JSON-ish input (sign unchecked), or None if it is not one.

    Integral floats (3.0) are accepted because JSON writers and models produce them;
    booleans and strings are not numbers.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def check_purchase(economy: Economy, resources: Mapping[str, object]) -> list[str]:
    """Why a purchase is invalid, as human-readable sentences (empty: it is valid)."""
    if not isinstance(resources, Mapping):
        return [f"a purchase must map resource names to quantities, not {type(resources).__name__}"]
    errors: list[str] = []
    known = ", ".join(economy.names)
    amounts: dict[str, int] = {}
    for name, raw in resources.items():
        if name not in economy.index:
            errors.append(
                f'unknown resource "{name}"{did_you_mean(name, economy.names)}; known: {known}'
            )
            continue
        qty = as_count(raw)
        if qty is None:
            errors.append(f'the quantity of "{name}" must be a whole number, not {raw!r}')
        elif qty < 0:
            errors.append(f'the quantity of "{name}" must not be negative (got {qty})')
        else:
            amounts[name] = qty
    used = [n for n in economy.names if amounts.get(n, 0) > 0]
    if len(used) > economy.max_types:
        errors.append(
            f"buys {len(used)} resource types ({', '.join(used)}); "
            f"at most {economy.max_types} are allowed per round"
        )
    cost = economy.cost_of(economy.vector(amounts))
    if cost > economy.budget + EPS:
        errors.append(f"costs {num(cost)}, over the budget of {num(economy.budget)}")
    return errors


def check_projects(projects: Sequence[Project], requested: Mapping[str, object]) -> list[str]:
    """Why a `projects: {name: runs}` request is invalid (empty: it is valid)."""
    if not isinstance(requested, Mapping):
        return [f"projects must map project names to runs, not {type(requested).__name__}"]
    names = [p.name for p in projects]
    errors: list[str] = []
    for name, raw in requested.items():
        if name not in names:
            errors.append(
                f'unknown project "{name}"{did_you_mean(name, names)}; '
                f"yours are: {', '.join(names)}"
            )
            continue
        runs = as_count(raw)
        if runs is None:
            errors.append(f'the runs of "{name}" must be a whole number, not {raw!r}')
        elif runs < 0:
            errors.append(f'the runs of "{name}" must not be negative (got {runs})')
    return errors


def _affordable(project: Project, remaining: Sequence[int]) -> int:
    """How many runs of a project the remaining resources allow (0 if it needs nothing)."""
    fits = [remaining[i] // q for i, q in enumerate(project.need) if q > 0]
    return min(fits) if fits else 0


def assign_runs(
    economy: Economy,
    projects: Sequence[Project],
    bought: Sequence[int],
    requested: Mapping[str, int] | None = None,
) -> tuple[int, ...]:
    """Runs per project from a purchase (assumes `check_projects` passed).

    Requested runs first, in project order, each as far as the remaining resources allow;
    then whatever is left goes greedily to the projects in order, each taking as many runs
    as still fit. Without a request it is the greedy pass alone.
    """
    remaining = list(bought)
    runs = [0] * len(projects)

    def take(k: int, n: int) -> None:
        runs[k] += n
        for i, q in enumerate(projects[k].need):
            remaining[i] -= q * n

    if requested:
        for k, p in enumerate(projects):
            want = int(requested.get(p.name, 0) or 0)
            if want > 0:
                take(k, min(want, _affordable(p, remaining)))
    for k, p in enumerate(projects):
        take(k, _affordable(p, remaining))
    return tuple(runs)


@dataclass(frozen=True)
class RoundOutcome:
    """How one round scored, in side order (A, B)."""

    annulled: bool
    over: tuple[str, ...] = ()  # resources whose combined purchase exceeded supply
    purchases: tuple[dict[str, int], dict[str, int]] = field(default_factory=lambda: ({}, {}))
    runs: tuple[dict[str, int], dict[str, int]] = field(default_factory=lambda: ({}, {}))
    rewards: tuple[float, float] = (0.0, 0.0)
    synergy: bool = False

    def to_dict(self) -> dict:
        return {
            "annulled": self.annulled,
            "over": list(self.over),
            "purchases": [dict(p) for p in self.purchases],
            "runs": [dict(r) for r in self.runs],
            "rewards": [num(r) for r in self.rewards],
            "synergy": self.synergy,
        }


def _side_result(instance: Instance, side: int, vec, requested) -> tuple[dict, float]:
    projects = instance.projects[side]
    runs = assign_runs(instance.economy, projects, vec, requested)
    reward = float(sum(n * p.reward for n, p in zip(runs, projects, strict=True)))
    return {p.name: n for p, n in zip(projects, runs, strict=True) if n}, reward


def _overdrawn(economy: Economy, total: Sequence[int]) -> tuple[str, ...]:
    return tuple(n for n, q, s in zip(economy.names, total, economy.supply, strict=True) if q > s)


def score_round(
    instance: Instance,
    bought_a: Mapping[str, int],
    bought_b: Mapping[str, int],
    requested_a: Mapping[str, int] | None = None,
    requested_b: Mapping[str, int] | None = None,
) -> RoundOutcome:
    """Score a round from two valid purchases (and optional project requests)."""
    eco = instance.economy
    va, vb = eco.vector(bought_a), eco.vector(bought_b)
    purchases = (eco.mapping(va), eco.mapping(vb))
    over = _overdrawn(eco, [a + b for a, b in zip(va, vb, strict=True)])
    if over:
        return RoundOutcome(annulled=True, over=over, purchases=purchases)
    runs_a, reward_a = _side_result(instance, 0, va, requested_a)
    runs_b, reward_b = _side_result(instance, 1, vb, requested_b)
    bonus = synergy_bonus(eco, va, vb)
    return RoundOutcome(
        annulled=False,
        purchases=purchases,
        runs=(runs_a, runs_b),
        rewards=(reward_a + bonus, reward_b + bonus),
        synergy=bonus != 0.0,
    )


def score_solo(
    instance: Instance,
    side: int,
    bought: Mapping[str, int],
    requested: Mapping[str, int] | None = None,
) -> RoundOutcome:
    """Score the solo task: one agent alone with the whole supply; the other side is empty.

    Annulled only if the agent's own purchase exceeds the supply. No synergy: no partner.
    """
    eco = instance.economy
    vec = eco.vector(bought)
    purchases: list[dict[str, int]] = [{}, {}]
    purchases[side] = eco.mapping(vec)
    over = _overdrawn(eco, vec)
    if over:
        return RoundOutcome(annulled=True, over=over, purchases=tuple(purchases))
    runs: list[dict[str, int]] = [{}, {}]
    rewards = [0.0, 0.0]
    runs[side], rewards[side] = _side_result(instance, side, vec, requested)
    return RoundOutcome(
        annulled=False, purchases=tuple(purchases), runs=tuple(runs), rewards=tuple(rewards)
    )


def _ratio(value: float, best: float, annulled: bool) -> float:
    """value / best; 0 when annulled; 1 when there was nothing to get (best is 0)."""
    if annulled:
        return 0.0
    if best == 0:
        return 1.0
    return value / best


def round_metrics(outcome: RoundOutcome, oracle: OracleResult) -> dict:
    """The dyad's round metrics of DESIGN §4, unrounded (rounding is for display).

    The solo task's metrics are `metrics.solo_round_metrics`.
    """
    r_a, r_b = outcome.rewards
    v = (oracle.v1, oracle.v2)
    joint = r_a + r_b
    eff = _ratio(joint, oracle.collab_max, outcome.annulled)
    half = oracle.collab_max / 2
    return {
        "joint_efficiency": eff,
        "optimal": eff >= OPTIMAL_AT,
        "annulled": outcome.annulled,
        "fair_share": [_ratio(r, half, outcome.annulled) for r in (r_a, r_b)],
        "solo_efficiency": [
            _ratio(r, m, outcome.annulled) for r, m in zip((r_a, r_b), v, strict=True)
        ],
        "joint_reward": joint,
        "collab_max": oracle.collab_max,
    }
