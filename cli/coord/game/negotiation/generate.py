"""Generate negotiation instances at a target M/C ratio (DESIGN §4).

M/C = collab_max / (v1 + v2): 1.0 means both agents can reach their solo optimum at the
same time; lower means their solo plans compete for supply and somebody must give way.
The project ships scenarios at M/C ≈ 0.5, 0.8 and 1.0 made with `generate`.

Rejection sampling: draw both agents' projects at random, solve exactly, keep the
instance when its ratio is on target. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import string

from coord.errors import UsageError
from coord.game.negotiation.instance import (
    PAPER_BUDGET,
    PAPER_COSTS,
    PAPER_MAX_TYPES,
    PAPER_SUPPLY,
    Economy,
    Instance,
    Project,
    Resource,
)
from coord.game.negotiation.oracle import Plan, compute, solo_best

PAPER_ECONOMY = Economy(
    resources=tuple(Resource(n, PAPER_COSTS[n], PAPER_SUPPLY[n]) for n in PAPER_COSTS),
    budget=PAPER_BUDGET,
    max_types=PAPER_MAX_TYPES,
)

_EXACT = 1e-9  # "exactly 1.0", allowing for float division


def _project_names(n: int) -> list[str]:
    letters = string.ascii_lowercase
    return [letters[i] if i < len(letters) else f"p{i + 1}" for i in range(n)]


def _runnable(economy: Economy, need: list[int]) -> bool:
    """At least one run fits the budget and the supply (else the project is dead weight)."""
    cost = sum(c * q for c, q in zip(economy.costs, need, strict=True))
    return cost <= economy.budget + _EXACT and all(
        q <= s for q, s in zip(need, economy.supply, strict=True)
    )


def _draw_project(rng: random.Random, economy: Economy, name: str) -> Project:
    n_res = len(economy.resources)
    for _ in range(1000):
        k = rng.choice((1, 2)) if n_res >= 2 else 1
        need = [0] * n_res
        for i in sorted(rng.sample(range(n_res), k)):
            need[i] = rng.randint(1, 4)
        reward = rng.randint(1, 10)
        if _runnable(economy, need):
            return Project(name=name, need=tuple(need), reward=float(reward))
    raise UsageError(
        "the economy is too tight to draw runnable projects (1–4 units of 1–2 resources)",
        hint="raise the budget or the supply",
    )


def _on_target(result, target: float, tolerance: float) -> bool:
    if target == 1.0:
        return abs(result.mc_ratio - 1.0) <= _EXACT
    return abs(result.mc_ratio - target) <= tolerance + _EXACT


def _compete(economy: Economy, a: Plan, b: Plan) -> bool:
    """The agents' solo plans cannot both be bought: together they overdraw some resource."""
    return any(x + y > s for x, y, s in zip(a.use, b.use, economy.supply, strict=True))


def generate(
    target_mc: float,
    count: int,
    *,
    seed: int,
    tolerance: float = 0.05,
    economy: Economy = PAPER_ECONOMY,
    projects_per_agent: int = 3,
    max_tries: int = 200000,
) -> list[Instance]:
    """`count` distinct instances whose M/C ratio is within `tolerance` of `target_mc`.

    Each project draws, independently and uniformly: 1 or 2 resource types (which ones,
    uniformly without replacement), 1–4 units of each per run, and an integer reward per
    run of 1–10. A project that could never run once (over the budget or the supply) is
    redrawn; with the paper's economy that never happens. Projects are named a, b, c, …
    for both agents.

    An instance is kept when v1 > 0 and v2 > 0, its M/C is on target (exactly 1.0 for a
    target of 1.0), and, for targets below 1, the two solo plans overdraw the supply
    together, so the agents really compete. Duplicates are skipped. Ids are
    `mc<target>-s<seed>-<k>`, k counting from 0. Deterministic given `seed`.
    """
    if not 0 < target_mc <= 1:
        raise UsageError(
            f"target M/C must be in (0, 1], not {target_mc}",
            hint="without synergy, collab_max never exceeds v1 + v2",
        )
    if count < 0 or tolerance < 0 or projects_per_agent < 1 or max_tries < 1:
        raise UsageError("count, tolerance and max_tries must be ≥ 0, projects per agent ≥ 1")
    rng = random.Random(seed)
    names = _project_names(projects_per_agent)
    tag = f"mc{float(target_mc)}-s{seed}"
    out: list[Instance] = []
    seen: set = set()
    tries = 0
    while len(out) < count:
        if tries >= max_tries:
            raise UsageError(
                f"found only {len(out)} of {count} instances at M/C {target_mc} "
                f"± {tolerance} in {max_tries} tries",
                hint="raise the tolerance or the number of tries, or try another seed",
            )
        tries += 1
        sides = tuple(tuple(_draw_project(rng, economy, name) for name in names) for _ in range(2))
        if sides in seen:
            continue
        # Cheap screens before the pair scan: solo optima are one enumeration each.
        solo_a, solo_b = (solo_best(economy, side) for side in sides)
        if solo_a.reward <= 0 or solo_b.reward <= 0:
            continue
        if target_mc < 1 and not _compete(economy, solo_a, solo_b):
            continue
        candidate = Instance(
            id=f"{tag}-{len(out)}",
            economy=economy,
            projects=sides,
            meta=(("target_mc", float(target_mc)), ("seed", seed)),
        )
        result = compute(candidate)
        if not _on_target(result, target_mc, tolerance):
            continue
        seen.add(sides)
        out.append(candidate)
    return out
