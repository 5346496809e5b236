"""The shapes every exchange loader fills in, and the game-aware reading of them.

`Turn`, `Round` and `Exchange` are the normalised view the detectors consume;
`purchase_of`, `plan_of` and `allocation_of` recognise purchases and proposals in a turn's
structured action; `compute_outcome` scores a round with the game's rules and the exact
oracle. The loaders live in `exchange_coord` and `exchange_interchange`; `exchange` is the
public entry point and re-exports all of this.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from coord.game.negotiation.instance import Instance
from coord.game.negotiation.oracle import solve
from coord.game.negotiation.rules import (
    as_count,
    check_projects,
    check_purchase,
    round_metrics,
    score_round,
)

COORD = "coord"
INTERCHANGE = "interchange"

# Message types that announce a proposal, never a purchase.
PROPOSE_TYPES = frozenset({"propose", "proposal", "offer", "counter", "counteroffer"})
# Keys of an action that are annotations, not resource quantities.
_ANNOTATION_KEYS = frozenset({"type", "ref", "text", "note", "projects"})


@dataclass
class Turn:
    """One message. ``turn`` is the source's turn number (coord: one turn is a message from
    each agent), else the message's 1-based position in its round; ``line`` is the 1-based
    line of the file it came from (None when unknown)."""

    round: int
    turn: int
    agent: str
    text: str
    type: str | None = None
    action: dict | None = None
    id: str | None = None
    in_reply_to: str | None = None
    line: int | None = None


@dataclass
class Round:
    """One round: its instance (when known), its turns, each agent's final purchase and
    project request, and its outcome (None when it cannot be known).

    ``outcome`` keys: ``rewards`` ({agent: reward}), ``annulled``, ``joint_efficiency``,
    ``optimal``, ``collab_max`` (and ``over``, ``runs`` where known; ``purchases_in_words``
    lists the agents whose purchase was read from a message's words, "buying now: 9 r2").
    """

    number: int
    instance: Instance | None = None
    turns: list[Turn] = field(default_factory=list)
    purchases: dict[str, dict[str, int]] = field(default_factory=dict)
    requested: dict[str, dict[str, int]] = field(default_factory=dict)
    outcome: dict | None = None
    stated_purchases: set[str] = field(default_factory=set)  # purchases read from words

    @property
    def efficiency(self) -> float | None:
        return None if self.outcome is None else self.outcome.get("joint_efficiency")

    @property
    def annulled(self) -> bool | None:
        return None if self.outcome is None else self.outcome.get("annulled")


@dataclass
class Exchange:
    path: str
    agents: tuple[str, ...]
    rounds: list[Round]
    kind: str
    warnings: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)  # see `ExchangeStream.stats`

    def round(self, number: int) -> Round | None:
        return next((r for r in self.rounds if r.number == number), None)


class OutOfOrder(Exception):
    """Raised by a streaming loader when the file cannot be read round by round: a round's
    messages are not contiguous, or a speaker appears after the pair was fixed. The caller
    reads the file again with ``ordered=False``, which holds it whole (`exchange.open_exchange`)."""


@dataclass
class ExchangeStream:
    """An exchange read round by round, in constant memory per round.

    ``rounds`` yields each `Round` once it is complete (the next round began, or the file
    ended). ``warnings`` and ``stats`` fill in as it is consumed; ``stats`` holds what a
    coord transcript records besides rounds (``drift_events``, ``violations``, ``cost``),
    and is empty for other transcripts.
    """

    path: str
    agents: tuple[str, ...]
    kind: str
    rounds: Iterator[Round]
    warnings: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def materialise(self) -> Exchange:
        rounds = list(self.rounds)
        return Exchange(self.path, self.agents, rounds, self.kind, self.warnings, self.stats)


# -- purchases and proposals ----------------------------------------------------------------


def _quantities(d: Any, names: tuple[str, ...] | None) -> dict[str, int] | None:
    """``{resource: qty}`` when every entry of ``d`` is one (non-negative whole numbers, and
    known resource names when ``names`` is given), else None."""
    if not isinstance(d, dict):
        return None
    out: dict[str, int] = {}
    for k, v in d.items():
        q = as_count(v)
        if q is None or q < 0 or (names is not None and k not in names):
            return None
        if q:
            out[k] = q
    return out


def purchase_of(
    action: Any, type: str | None = None, names: tuple[str, ...] | None = None
) -> tuple[dict[str, int], dict[str, int] | None] | None:
    """``(resources, projects)`` when ``action`` looks like a purchase, else None.

    A purchase is ``{"resources": {r: q}, "projects"?: {...}}`` or flat ``{r: q, ...,
    "projects"?: {...}}`` (at least one resource key). Messages typed as proposals and
    actions holding a ``plan`` / ``offer`` / ``proposal`` are never purchases.
    """
    if not isinstance(action, dict) or (type or "").lower() in PROPOSE_TYPES:
        return None
    if any(k in action for k in ("plan", "offer", "proposal")):
        return None
    if isinstance(action.get("resources"), dict):
        resources = _quantities(action["resources"], names)
    else:
        flat = {k: v for k, v in action.items() if k not in _ANNOTATION_KEYS}
        resources = _quantities(flat, names) if flat else None
    if resources is None:
        return None
    raw = action.get("projects")
    projects = None
    if isinstance(raw, dict):
        projects = {k: q for k, v in raw.items() if (q := as_count(v)) is not None and q > 0}
    return resources, projects


def plan_of(turn: Turn) -> dict | None:
    """The structured proposal a turn makes, or None: its action's ``plan`` / ``offer`` /
    ``proposal`` object, or the whole action of a message typed as a proposal."""
    action = turn.action
    if not isinstance(action, dict):
        return None
    for key in ("plan", "offer", "proposal"):
        if isinstance(action.get(key), dict):
            return action[key]
    if (turn.type or "").lower() in PROPOSE_TYPES:
        rest = {k: v for k, v in action.items() if k not in ("type", "ref", "text")}
        return rest or None
    return None


def allocation_of(plan: Any) -> dict[str, dict[str, int]] | None:
    """A plan as ``{agent: {resource: qty}}`` when it names per-agent resources (coord's
    ``{agent: {"resources": {...}}}`` or flat ``{agent: {r: q}}``), else None."""
    if not isinstance(plan, dict) or not plan:
        return None
    out: dict[str, dict[str, int]] = {}
    for agent, side in plan.items():
        if not isinstance(side, dict):
            return None
        res = side["resources"] if isinstance(side.get("resources"), dict) else side
        flat = {k: v for k, v in res.items() if k not in _ANNOTATION_KEYS}
        q = _quantities(flat, None)
        if q is None:
            return None
        out[agent] = q
    return out


# -- outcomes -------------------------------------------------------------------------------


def compute_outcome(rnd: Round, agents: tuple[str, ...]) -> tuple[dict | None, list[str]]:
    """The outcome of a round from its instance and both purchases (rules + exact oracle),
    or None with the reasons when it cannot be computed."""
    inst = rnd.instance
    if inst is None or len(agents) != 2 or any(a not in rnd.purchases for a in agents):
        return None, []
    problems: list[str] = []
    for side, agent in enumerate(agents):
        errors = check_purchase(inst.economy, rnd.purchases[agent])
        req = rnd.requested.get(agent)
        if req:
            errors += check_projects(inst.projects[side], req)
        problems += [f"round {rnd.number}: {agent}'s purchase: {e}" for e in errors]
    if problems:
        return None, [*problems, f"round {rnd.number}: outcome not computed"]
    a, b = agents
    out = score_round(
        inst,
        rnd.purchases[a],
        rnd.purchases[b],
        rnd.requested.get(a) or None,
        rnd.requested.get(b) or None,
    )
    metrics = round_metrics(out, solve(inst))
    return {
        "rewards": {a: out.rewards[0], b: out.rewards[1]},
        "annulled": out.annulled,
        "joint_efficiency": metrics["joint_efficiency"],
        "optimal": metrics["optimal"],
        "collab_max": metrics["collab_max"],
        "over": list(out.over),
        "runs": {a: out.runs[0], b: out.runs[1]},
        "computed": True,
        **({"purchases_in_words": sorted(rnd.stated_purchases)} if rnd.stated_purchases else {}),
    }, []
