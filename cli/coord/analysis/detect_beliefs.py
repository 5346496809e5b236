"""The G5 and G6 detectors: what each agent takes the deal to be, against the other.

``G5`` ack as agreement
    An agent's proposal is only acknowledged by its partner ("got it", "noted", "I'll
    consider it", or an ``ack``), then the proposer acts on it (buys within its side, or
    speaks of a deal), although the partner never agreed to that plan (agreement language
    or an ``accept`` resolving to it) in between. An acknowledgement that comes with a
    counter-proposal is an answer, not a mere acknowledgement; a proposer that proposes or
    agrees to another plan after it has moved on.
``G6`` divergent belief
    Both agents state what the deal is (agreement language with amounts, an ``accept`` of
    a cited proposal, or a purchase citing one), each agent's latest such statement is
    taken, and the two conflict.

Both are errors. Heuristic and tuned for precision, as all of
`coord.analysis.detectors_text`.
"""

from __future__ import annotations

# `Finding` comes from `detectors`, which imports this module only lazily (inside its
# registry lookup, through `detectors_text`), so there is no import cycle.
from coord.analysis.detectors import Finding
from coord.analysis.statements import (
    ACCEPT_TYPES,
    NAMES,
    Plan,
    _agreed_to,
    _by_id,
    _cited,
    _Ctx,
    _diffs,
    _fmt_plan,
    _largest,
    _Msg,
    _over,
    _purchased,
    _quote,
    _Target,
    _target,
    _View,
    _where,
)

__all__ = ["ack_as_agreement", "divergent_belief"]


def ack_as_agreement(ctx: _Ctx, view: _View) -> list[Finding]:
    """G5 over one round (`ctx` has read it into `view`)."""
    out: list[Finding] = []
    seen: set[int] = set()
    for ack in view.msgs:
        if ack.ack is None or ack.agree is not None or ack.purchase is not None:
            continue
        target = _acked(ctx, view, ack)
        if target is None or target.msg.index in seen:
            continue
        if ack.options or (ack.stated and _diffs(ack.stated, target.plan, view.supply)):
            continue  # "I'll think about it. What about ...?" answers with a counter
        finding = _acted_on_ack(ctx, view, ack, target)
        if finding is not None:
            seen.add(target.msg.index)
            out.append(finding)
    return out


def _acked(ctx: _Ctx, view: _View, ack: _Msg) -> _Target | None:
    proposer = view.other(ack.turn.agent)
    for t in _cited(ctx, view, ack):
        if t.msg.turn.agent == proposer and t.label is None:
            return t
    if ack.turn.in_reply_to is not None or ack.refs:
        return None  # it names something else
    for m in reversed(view.msgs):
        if m.index < ack.index and m.turn.agent == proposer and m.is_proposal:
            return _target(m)
    return None


def _acted_on_ack(ctx: _Ctx, view: _View, ack: _Msg, target: _Target) -> Finding | None:
    proposer, acker = target.msg.turn.agent, ack.turn.agent
    own = target.plan.get(proposer)
    act: _Msg | None = None
    for m in view.msgs:
        if m.index <= ack.index or m.turn.agent != proposer:
            continue
        if m.purchase is None and m.stated and m.is_proposal:
            if _diffs(m.stated, target.plan, view.supply) or set(m.stated) - set(target.plan):
                return None  # it proposed something else: the acknowledged plan is behind it
        if m.purchase is not None:
            mine = {proposer: m.purchase}
            if (
                own is not None
                and m.purchase
                and not _over(_diffs({proposer: own}, mine, view.supply))
            ):
                act = m  # it bought (within) its side of the plan
            break  # a purchase locks the proposer's decision
        if m.agree is not None:
            agreed, how = _agreed_to(ctx, view, m)
            if agreed is not None and _diffs(agreed.plan, target.plan, view.supply):
                return None  # it agreed to another plan: what it does next is about that one
            if how == "none" or agreed is not None:
                act = m  # it speaks of a deal on its own plan (or on nothing else)
                break
    if act is None:
        return None
    for m in view.msgs:
        if not (target.msg.index < m.index < act.index) or m.turn.agent != acker:
            continue
        if m.agree is None:
            continue
        agreed, _ = _agreed_to(ctx, view, m)
        if agreed is not None and not _diffs(agreed.plan, target.plan, view.supply):
            return None  # the partner did agree to it
        if agreed is None:
            return None  # an agreement we cannot place: give it the benefit of the doubt
    rnd = view.rnd
    what = "bought its side of it" if act.purchase is not None else "spoke of a deal"
    return Finding(
        code="G5",
        name=NAMES["G5"],
        severity="error",
        round=rnd.number,
        turns=sorted({target.msg.turn.turn, ack.turn.turn, act.turn.turn}),
        agents=[proposer, acker],
        message=(
            f"round {rnd.number}: {acker} only acknowledged {proposer}'s proposal (turn "
            f"{ack.turn.turn}: {_quote(ack.ack or '')!r}), yet {proposer} {what} (turn "
            f"{act.turn.turn}); {acker} never agreed to {_fmt_plan(target.plan)}"
        ),
        evidence={
            "proposal": {**_where(target.msg), "plan": target.plan},
            "ack": {**_where(ack), "phrase": ack.ack, "type": ack.turn.type},
            "acted": {**_where(act), "phrase": act.agree, "purchase": act.purchase},
            "purchases": _purchased(view),
            "annulled": rnd.annulled,
            "efficiency": rnd.efficiency,
        },
    )


# -- G6 -------------------------------------------------------------------------------------


def divergent_belief(ctx: _Ctx, view: _View) -> list[Finding]:
    """G6 over one round (`ctx` has read it into `view`)."""
    beliefs: dict[str, tuple[_Msg, Plan, str]] = {}
    for m in view.msgs:
        b = _belief(ctx, view, m)
        if b is not None:
            beliefs[m.turn.agent] = (m, *b)
    if len(beliefs) != 2:
        return []
    (ma, pa, ha), (mb, pb, hb) = (beliefs[a] for a in view.agents)
    diffs = _diffs(pa, pb, view.supply)
    if not diffs:
        return []
    a, b = view.agents
    worst = _largest(diffs)
    rnd = view.rnd
    return [
        Finding(
            code="G6",
            name=NAMES["G6"],
            severity="error",
            round=rnd.number,
            turns=sorted({ma.turn.turn, mb.turn.turn}),
            agents=[a, b],
            message=(
                f"round {rnd.number}: {a} and {b} state different deals: for "
                f"{worst['agent']}, {a} says {worst['stated']} {worst['resource']} (turn "
                f"{ma.turn.turn}), {b} says {worst['actual']} (turn {mb.turn.turn})"
            ),
            evidence={
                "statements": {
                    a: {**_where(ma), "how": ha, "deal": pa},
                    b: {**_where(mb), "how": hb, "deal": pb},
                },
                "differences": [
                    {
                        **{k: v for k, v in d.items() if k not in ("stated", "actual")},
                        a: d["stated"],
                        b: d["actual"],
                    }
                    for d in diffs
                ],
                "purchases": _purchased(view),
                "annulled": rnd.annulled,
                "efficiency": rnd.efficiency,
            },
        )
    ]


def _belief(ctx: _Ctx, view: _View, m: _Msg) -> tuple[Plan, str] | None:
    """What a message says the deal is, and how it says it; None when it says nothing."""
    kind = (m.turn.type or "").lower()
    if m.purchase is None and m.stated and not m.structured and m.agree is not None:
        return m.stated, "agreement with amounts"
    if kind in ACCEPT_TYPES or (m.purchase is not None and m.turn.in_reply_to is not None):
        if m.turn.in_reply_to is not None:
            t = _by_id(ctx, view, m.index, m.turn.in_reply_to)
            if t is not None:
                return t.plan, "purchase citing a proposal" if m.purchase is not None else "accept"
    return None
