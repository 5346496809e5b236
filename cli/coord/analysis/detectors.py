"""G2 and G3, which look mostly at structure — purchases, outcomes (efficiency,
annulment), proposals — and the `Finding` every detector reports (G1, G4-G6 live in
`detect_history`, `detect_binding` and `detect_beliefs`; `engine` runs them all).

``G2`` anchoring
    (a) The pair repeats exactly the previous round's joint allocation (both agents'
    purchases identical to the previous round's, and not empty) after a round that was
    suboptimal (joint efficiency < 0.99) but not annulled: an annulled round is a collision,
    and repeating a collision is not what anchoring means here.
    (b) Within a round, an agent makes two or more proposals, all identical to its first,
    although the partner rejected or countered in between (a ``reject`` / ``decline`` /
    ``counter`` message, rejection language, or a proposal of a different plan). Proposals
    are structured plans, or plans stated in words when the round's game is known.
``G3`` perfunctory fairness
    A round, not annulled, with joint efficiency < 0.95 in which the pair split equally:
    (a) every resource bought by either agent was bought by both in the same quantity (at
    least one resource bought), or (b) the pair agreed (an ``accept`` of the partner's
    proposal, or agreement in words placed as G4 places it) to a plan that gives both
    agents the same resources. An equal split that is
    (near-)optimal is not a finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from coord.analysis.exchange import (
    Exchange,
    Round,
    Turn,
    allocation_of,
    plan_of,
    purchase_of,
)

ANCHOR_EFFICIENCY = 0.99  # G2(a): the previous round counts as suboptimal below this
FAIRNESS_EFFICIENCY = 0.95  # G3: an equal split is a finding below this
REJECT_TYPES = frozenset({"reject", "decline", "refuse", "counter", "counteroffer"})
ACCEPT_TYPES = frozenset({"accept", "agree"})
DETECTORS = ("G1", "G2", "G3", "G4", "G5", "G6")
NAMES = {
    "G1": "history loss",
    "G2": "anchoring",
    "G3": "perfunctory fairness",
    "G4": "referential binding",
    "G5": "ack as agreement",
    "G6": "divergent belief",
}


@dataclass
class Finding:
    code: str
    name: str
    severity: str
    round: int
    turns: list[int] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    message: str = ""
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        # Not `asdict`: its deep copy is most of the cost of a finding-heavy replay, and
        # nothing mutates a finding's evidence once it is reported.
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "round": self.round,
            "turns": list(self.turns),
            "agents": list(self.agents),
            "message": self.message,
            "evidence": self.evidence,
        }


def _fmt(purchase: dict[str, int]) -> str:
    return ", ".join(f"{q} {r}" for r, q in purchase.items()) or "nothing"


def _pct(x: float | None) -> str:
    return "?" if x is None else f"{x:.0%}"


def _key(value: object) -> bytes:
    """A plan as comparable bytes (sorted keys)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)


def _clean(purchase: dict[str, int] | None) -> dict[str, int]:
    return {r: int(q) for r, q in (purchase or {}).items() if q}


# -- G2 -------------------------------------------------------------------------------------


def anchoring(prev: Round | None, rnd: Round, agents: list[str], view=None) -> list[Finding]:
    """G2 over one round; ``prev`` is the round before it (None for the first); ``view``
    the round's reading (`statements._View`), when there is one: proposals and
    rejections made in words count too."""
    out = _unmoving_proposals(rnd, view)
    if prev is not None:
        out = _repeated_allocation(prev, rnd, agents) + out
    return out


def _repeated_allocation(prev: Round, cur: Round, agents: list[str]) -> list[Finding]:
    if len(agents) != 2:
        return []
    if prev.outcome is None or prev.annulled or prev.efficiency is None:
        return []
    if prev.efficiency >= ANCHOR_EFFICIENCY:
        return []
    if any(a not in prev.purchases or a not in cur.purchases for a in agents):
        return []
    before = {a: _clean(prev.purchases[a]) for a in agents}
    now = {a: _clean(cur.purchases[a]) for a in agents}
    if before != now or not any(now.values()):
        return []
    a, b = agents
    return [
        Finding(
            code="G2",
            name=NAMES["G2"],
            severity="warning",
            round=cur.number,
            turns=_purchase_turns(cur, agents),
            agents=agents,
            message=(
                f"round {cur.number} repeats round {prev.number}'s allocation "
                f"({a}: {_fmt(now[a])}; {b}: {_fmt(now[b])}) although round "
                f"{prev.number} reached only {_pct(prev.efficiency)} of the joint optimum"
            ),
            evidence={
                "variant": "repeated_allocation",
                "rounds": [prev.number, cur.number],
                "allocation": now,
                "previous_efficiency": prev.efficiency,
                "efficiency": cur.efficiency,
                "previous_collab_max": prev.outcome.get("collab_max"),
            },
        )
    ]


def _purchase_turns(rnd: Round, agents: list[str]) -> list[int]:
    """The turn numbers of each agent's last purchase-like turn (as far as known)."""
    turns = []
    for agent in agents:
        last = None
        for t in rnd.turns:
            if t.agent == agent and (t.type == "purchase" or _is_purchase_action(t, rnd)):
                last = t.turn
        if last is not None:
            turns.append(last)
    return sorted(set(turns))


def _is_purchase_action(turn: Turn, rnd: Round) -> bool:
    names = rnd.instance.economy.names if rnd.instance is not None else None
    return purchase_of(turn.action, turn.type, names) is not None


def _proposals(rnd: Round, view) -> dict[int, tuple[str, object]]:
    """``{turn index: (plan key, plan)}`` of the round's proposals: structured plans, and
    with the round's reading (`view`) the plans proposals state in their words."""
    out: dict[int, tuple[str, object]] = {}
    for i, t in enumerate(rnd.turns):
        plan = plan_of(t)
        if plan is not None:
            out[i] = (_key(plan), plan)
    if view is not None:
        for m in view.msgs:
            if m.index not in out and m.purchase is None and m.stated and m.is_proposal:
                out[m.index] = (_key(m.stated), m.stated)
    return out


def _pushback(rnd: Round, view, i: int, key: str, proposals) -> bool:
    """Whether turn ``i`` (the partner's) rejects or counters the plan ``key``."""
    t = rnd.turns[i]
    if (t.type or "").lower() in REJECT_TYPES:
        return True
    if i in proposals and proposals[i][0] != key:
        return True
    if view is not None and t.text:
        from coord.analysis.detect_history import rejects

        return rejects(t.text)
    return False


def _unmoving_proposals(rnd: Round, view=None) -> list[Finding]:
    out: list[Finding] = []
    if rnd.efficiency is not None and rnd.efficiency >= 0.99 and not rnd.annulled:
        return out  # holding on to a plan that reached the optimum is not the failure
    proposals = _proposals(rnd, view)
    by_agent: dict[str, list[int]] = {}
    for i in sorted(proposals):
        by_agent.setdefault(rnd.turns[i].agent, []).append(i)
    for agent, idx in by_agent.items():
        key = proposals[idx[0]][0]
        if len(idx) < 2 or any(proposals[i][0] != key for i in idx):
            continue
        pushback = [
            rnd.turns[i]
            for i in range(idx[0] + 1, idx[-1])
            if rnd.turns[i].agent != agent and _pushback(rnd, view, i, key, proposals)
        ]
        if not pushback:
            continue
        props = [rnd.turns[i] for i in idx]
        out.append(
            Finding(
                code="G2",
                name=NAMES["G2"],
                severity="warning",
                round=rnd.number,
                turns=sorted({t.turn for t in props}),
                agents=[agent],
                message=(
                    f"{agent} made the same proposal {len(props)} times in round "
                    f"{rnd.number} despite {len(pushback)} rejection(s) or counter-"
                    f"proposal(s) by its partner"
                ),
                evidence={
                    "variant": "unmoving_proposal",
                    "rounds": [rnd.number],
                    "proposal": proposals[idx[0]][1],
                    "proposal_turns": [t.turn for t in props],
                    "proposal_ids": [t.id for t in props],
                    "pushback_turns": [t.turn for t in pushback],
                    "efficiency": rnd.efficiency,
                },
            )
        )
    return out


# -- G3 -------------------------------------------------------------------------------------


def _equal_split(alloc: dict[str, dict[str, int]], agents: list[str]) -> bool:
    a, b = (_clean(alloc.get(x)) for x in agents)
    return bool(a) and a == b


def _agreed_plans(rnd: Round, agents: list[str]) -> list[tuple[Turn, Turn, dict]]:
    """``(proposal turn, accept turn, allocation)`` for each accepted proposal of the round.

    An accept names its proposal by ``in_reply_to`` (coord: ``ref``); without one it
    accepts the partner's latest proposal before it.
    """
    out = []
    by_id: dict[str, Turn] = {}
    latest: dict[str, Turn] = {}
    for t in rnd.turns:
        if plan_of(t) is not None:
            if t.id is not None:
                by_id[t.id] = t
            latest[t.agent] = t
        if (t.type or "").lower() not in ACCEPT_TYPES:
            continue
        prop = by_id.get(t.in_reply_to) if t.in_reply_to is not None else None
        if prop is None and t.in_reply_to is None:
            prop = next((p for a, p in latest.items() if a != t.agent), None)
        if prop is None or prop.agent == t.agent:
            continue
        alloc = allocation_of(plan_of(prop))
        if alloc is not None and set(agents) <= set(alloc):
            out.append((prop, t, alloc))
    return out


def _agreed_in_words(ctx, view) -> list[tuple[Turn, Turn, dict]]:
    """The round's final agreement as ``(source turn, agreeing turn, plan)``, when it was
    reached in words (a structured accept is `_agreed_plans`' business)."""
    if ctx is None or view is None:
        return []
    from coord.analysis.statements import _final_agreement

    final = _final_agreement(ctx, view)
    if final is None or final[0].agree == "<accept>":
        return []
    agreement, target, _ = final
    return [(target.msg.turn, agreement.turn, target.plan)]


def perfunctory_fairness(rnd: Round, agents: list[str], ctx=None, view=None) -> list[Finding]:
    """G3 over one round; with the round's reading (``ctx``, ``view``) an equal split
    agreed in words counts as well."""
    if len(agents) != 2:
        return []
    if rnd.outcome is None or rnd.annulled or rnd.efficiency is None:
        return []
    if rnd.efficiency >= FAIRNESS_EFFICIENCY:
        return []
    bought = {a: _clean(rnd.purchases.get(a)) for a in agents}
    equal_purchase = all(a in rnd.purchases for a in agents) and _equal_split(bought, agents)
    agreed = [p for p in _agreed_plans(rnd, agents) if _equal_split(p[2], agents)]
    if not agreed and not equal_purchase:  # words, where nothing structured says it
        agreed = [p for p in _agreed_in_words(ctx, view) if _equal_split(p[2], agents)]
    if not equal_purchase and not agreed:
        return []
    variants = (["equal_purchases"] if equal_purchase else []) + (
        ["agreed_equal_plan"] if agreed else []
    )
    turns = set(_purchase_turns(rnd, agents)) if equal_purchase else set()
    for prop, acc, _ in agreed:
        turns |= {prop.turn, acc.turn}
    a, b = agents
    if equal_purchase:
        what = f"both bought the same ({_fmt(bought[a])})"
    else:
        prop, acc, alloc = agreed[-1]
        ref = f" {prop.id}" if prop.id else ""
        whose = "an equal split" if prop is acc else f"{prop.agent}'s plan{ref}"
        what = f"they agreed to split equally ({acc.agent} accepted {whose}: "
        what += f"{_fmt(_clean(alloc[a]))} each)"
    return [
        Finding(
            code="G3",
            name=NAMES["G3"],
            severity="warning",
            round=rnd.number,
            turns=sorted(turns),
            agents=agents,
            message=(
                f"round {rnd.number}: {what}, reaching only {_pct(rnd.efficiency)} of the "
                f"joint optimum ({_num(rnd.outcome.get('collab_max'))})"
            ),
            evidence={
                "variants": variants,
                "purchases": bought,
                "agreed_plans": [
                    {"proposal": p.id, "by": p.agent, "accepted_by": t.agent, "plan": al}
                    for p, t, al in agreed
                ],
                "efficiency": rnd.efficiency,
                "collab_max": rnd.outcome.get("collab_max"),
                "rewards": rnd.outcome.get("rewards"),
            },
        )
    ]


def _num(x: object) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


# -- entry point ----------------------------------------------------------------------------


def detect(exchange: Exchange, detectors: Iterable[str] = DETECTORS) -> list[Finding]:
    """Run the named detectors over a whole exchange, round by round (`engine.Diagnosis`);
    findings sorted by round (then code, then agents)."""
    from coord.analysis.engine import Diagnosis

    diagnosis = Diagnosis(exchange.agents, exchange.kind, detectors)
    return [f for rnd in exchange.rounds for f in diagnosis.feed(rnd)]
