"""What every built-in policy shares: the base class and the game reasoning they call.

A policy is a deterministic function of the `View` it is shown and its seed. Policies
hold no memory between calls on purpose: what an agent "remembers" is exactly what the
coordinator shows it, so history modes and forgetting are properties of the view, and a
policy that models forgetting does so by ignoring part of its view.

Plans in messages are allocations: `{agent: {"resources": {...}, "projects": {...}}}`.
The quantities given to an agent are what it may buy; an agent that buys within its
allocation follows the plan.
"""

from __future__ import annotations

import random
from typing import Any

from coord.backends.base import Agent
from coord.coordinator.messages import Message, Posted, View
from coord.game.negotiation.instance import Economy, Instance, Project
from coord.game.negotiation.oracle import Plan, solo_best, solve


class Policy(Agent):
    """Base of the built-in policies: dispatches on the phase."""

    #: one line for `coord policies` and error messages
    summary = ""

    def __init__(self, name: str, backend: str, *, seed: int = 0) -> None:
        super().__init__(name, backend, seed=seed)
        self.rng = random.Random(f"{backend}:{name}:{seed}")

    async def act(self, view: View) -> Message:
        if view.partner is None:  # the solo task: nobody to talk to
            return buy(view, own_best(view), "Working alone: my best plan.")
        if view.phase == "decide":
            return self.decide(view)
        return self.talk(view)

    def talk(self, view: View) -> Message:  # pragma: no cover - abstract in practice
        return self.decide(view)

    def decide(self, view: View) -> Message:
        return buy(view, own_best(view), "Buying my best plan.")


# -- plans -------------------------------------------------------------------------------
def caps_of(economy: Economy, amounts: dict[str, int] | None) -> tuple[int, ...]:
    return economy.vector(amounts or {})


def rest_of(economy: Economy, used: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(max(0, s - u) for s, u in zip(economy.supply, used))


def own_best(view: View, caps: tuple[int, ...] | None = None) -> Plan:
    """The agent's best plan within `caps` (default: the whole supply)."""
    return solo_best(view.economy, view.projects, caps)


def value_of(view: View, allocation: dict[str, int] | None) -> float:
    """What the agent can earn with an allocation (its best plan inside it)."""
    return own_best(view, caps_of(view.economy, allocation)).reward


def half_caps(economy: Economy) -> tuple[int, ...]:
    return tuple(s // 2 for s in economy.supply)


def allocation(view: View, mine: Plan, theirs: tuple[int, ...] | Plan) -> dict[str, Any]:
    """A plan message: my side from my plan, theirs from a plan or a vector of caps."""
    eco = view.economy
    my_side = {"resources": eco.mapping(mine.use), "projects": run_map(view.projects, mine)}
    if isinstance(theirs, Plan):
        their_side = {"resources": eco.mapping(theirs.use)}
    else:
        their_side = {"resources": eco.mapping(theirs)}
    return {view.agent: my_side, view.partner: their_side}


def run_map(projects: tuple[Project, ...], plan: Plan) -> dict[str, int]:
    return {p.name: n for p, n in zip(projects, plan.runs) if n}


def buy(view: View, plan: Plan, text: str, ref: str | None = None) -> Message:
    eco = view.economy
    resources = eco.mapping(plan.use)
    return Message(
        type="purchase",
        resources=resources,
        projects=run_map(view.projects, plan) or None,
        ref=ref,
        text=f"{text} I buy {describe(resources)}.",
    )


def buy_within(view: View, allocation_: dict[str, int], text: str, ref: str | None = None):
    """Buy my best plan inside an allocation (following an agreed or proposed split)."""
    return buy(view, own_best(view, caps_of(view.economy, allocation_)), text, ref)


# -- joint reasoning (needs the partner's projects) -------------------------------------
def partner_projects(view: View, *, window: list[Posted] | None = None):
    """The partner's projects if known: full transparency, or shared in this round."""
    if view.partner_projects is not None:
        return view.partner_projects
    posts = view.this_round() if window is None else window
    for post in reversed(posts):
        if post.agent == view.partner and post.message.share:
            return projects_from_share(view.economy, post.message.share)
    return None


def projects_from_share(economy: Economy, share: list[dict]) -> tuple[Project, ...]:
    return tuple(
        Project(p["name"], economy.vector(p["requirements"]), float(p["reward"])) for p in share
    )


def share_of(view: View) -> list[dict[str, Any]]:
    eco = view.economy
    return [
        {"name": p.name, "requirements": p.requirements(eco), "reward": p.reward}
        for p in view.projects
    ]


def joint_optimum(view: View, theirs: tuple[Project, ...]) -> tuple[Plan, Plan, float]:
    """(my plan, partner's plan, collab_max) — the canonical optimum both sides compute.

    The instance is built with the agents in name order, so two agents computing it from
    the same information get the same plan.
    """
    names = sorted((view.agent, view.partner))
    mine_first = names[0] == view.agent
    inst = Instance(
        id="joint",
        economy=view.economy,
        projects=(view.projects, theirs) if mine_first else (theirs, view.projects),
        agents=tuple(names),
    )
    res = solve(inst)
    a, b = res.optimal_plan
    return (a, b, res.collab_max) if mine_first else (b, a, res.collab_max)


def plan_value(view: View, theirs: tuple[Project, ...], plan: dict[str, Any]) -> float:
    """Joint reward the two agents can reach inside a proposed allocation."""
    if plan is None:
        return 0.0
    eco = view.economy
    mine = plan.get(view.agent, {}).get("resources", {})
    other = plan.get(view.partner, {}).get("resources", {})
    combined = [a + b for a, b in zip(caps_of(eco, mine), caps_of(eco, other))]
    if any(c > s for c, s in zip(combined, eco.supply)):
        return 0.0  # over supply: the round would be annulled
    return value_of(view, mine) + solo_best(eco, theirs, caps_of(eco, other)).reward


# -- reading the exchange ---------------------------------------------------------------
def latest_proposal(view: View, by: str, posts: list[Posted] | None = None) -> Posted | None:
    for post in reversed(view.this_round() if posts is None else posts):
        if post.agent == by and post.message.type == "propose":
            return post
    return None


def agreement(view: View) -> dict[str, Any] | None:
    """The latest binding agreement of this round that involves me, from the ledger."""
    found = None
    for e in view.ledger:
        if (
            e.get("kind") == "proposal"
            and e.get("round") == view.round
            and e.get("status") == "agreed"
            and view.agent in (e.get("plan") or {})
        ):
            found = e
    return found


def ledger_entry(view: View, ref: str | None) -> dict[str, Any] | None:
    for e in view.ledger:
        if e.get("id") == ref:
            return e
    return None


def my_side(view: View, plan: dict[str, Any]) -> dict[str, int]:
    return dict((plan or {}).get(view.agent, {}).get("resources", {}))


def describe(amounts: dict[str, int]) -> str:
    if not amounts:
        return "nothing"
    return ", ".join(f"{q} {r}" for r, q in amounts.items())


def describe_plan(view: View, plan: dict[str, Any]) -> str:
    mine = describe(my_side(view, plan))
    theirs = describe(dict((plan or {}).get(view.partner, {}).get("resources", {})))
    return f"I take {mine}; you take {theirs}"
