"""The G4 detector (referential binding): a deal bound to the wrong plan.

``G4`` referential binding
    (a) The round's last agreement before the last purchase (agreement language, or an
    ``accept``; one whose deal cannot be placed, such as "buying as agreed" with nothing
    to point at, is passed over for the one before it) is followed by a purchase that
    breaks it: some agent bought at least one unit more of a resource than the deal
    allotted it, or less than its allotment such that, by the game's rules, its projects
    earn less than the allotment would give (it bought by other numbers; buying only what
    one's projects use keeps the deal, as coord's own policies do). All differences are in
    the evidence.
    The agreed plan is, in order: the plan an ``accept`` cites (``ref`` /
    ``in_reply_to``); the amounts in the agreeing message itself (never a purchase's own
    text); the proposal a referent in it names; the latest earlier message of the other
    agent that states a plan. Not a finding when, after that agreement, a proposal of a
    different plan was made (the talk did not end in that agreement).
    (b) An agreeing message cites a proposal by referent and restates amounts that match
    another proposal of the round better than the cited one.

An error. Heuristic and tuned for precision, as all of `coord.analysis.detectors_text`.
"""

from __future__ import annotations

# `Finding` comes from `detectors`, which imports this module only lazily (inside its
# registry lookup, through `detectors_text`), so there is no import cycle.
from coord.analysis.detectors import Finding
from coord.analysis.statements import (
    NAMES,
    _cited,
    _Ctx,
    _diffs,
    _distance,
    _final_agreement,
    _fmt_plan,
    _largest,
    _over,
    _purchased,
    _quote,
    _Target,
    _View,
    _where,
)

__all__ = ["referential_binding"]


def referential_binding(ctx: _Ctx, view: _View) -> list[Finding]:
    """G4 over one round (`ctx` has read it into `view`)."""
    return _agreed_then_bought_otherwise(ctx, view) + _miscited(ctx, view)


def _agreed_then_bought_otherwise(ctx: _Ctx, view: _View) -> list[Finding]:
    bought = _purchased(view)
    if not bought:
        return []
    final = _final_agreement(ctx, view)
    if final is None:
        return []
    last, target, how = final
    diffs = _diffs(target.plan, bought, view.supply)
    over = _over(diffs)
    short = _short(view, target.plan, bought, diffs, {d["agent"] for d in over})
    broken = over + short
    if not broken:
        return []
    rnd = view.rnd
    worst = _largest(broken)
    agents = sorted({d["agent"] for d in broken})
    buys = [m for m in view.msgs if m.purchase is not None and m.turn.agent in agents]
    turns = sorted({last.turn.turn, target.msg.turn.turn, *(m.turn.turn for m in buys)})
    label = f" (option {target.label})" if target.label else ""
    source = target.msg.turn
    annulled = rnd.annulled
    return [
        Finding(
            code="G4",
            name=NAMES["G4"],
            severity="error",
            round=rnd.number,
            turns=turns,
            agents=agents,
            message=(
                f"round {rnd.number}: {last.turn.agent} agreed (turn {last.turn.turn}: "
                f"{_quote(last.agree if last.agree != '<accept>' else 'accept')!r}) to "
                f"{_fmt_plan(target.plan)}{label}, but {worst['agent']} bought "
                f"{worst['actual']} {worst['resource']} where the deal allotted {worst['stated']}"
                + (" and the round was annulled" if annulled else "")
            ),
            evidence={
                "variant": "agreed_then_bought_otherwise",
                "agreement": {**_where(last), "phrase": last.agree},
                "agreed_from": {
                    **_where(target.msg),
                    "how": how,
                    "option": target.label,
                    "by": source.agent,
                },
                "agreed": target.plan,
                "purchases": bought,
                "differences": diffs,
                "over": over,
                "short": short,
                "largest": worst,
                "annulled": annulled,
                "efficiency": rnd.efficiency,
                "collab_max": (rnd.outcome or {}).get("collab_max"),
            },
        )
    ]


def _short(view: _View, plan: dict, bought: dict, diffs: list[dict], over: set[str]) -> list[dict]:
    """The differences where an agent bought less than the deal allotted it, and what it
    bought earns less than its allotment could (the best use of each within the budget
    and the limit on resource types, by the exact solver): it bought by other numbers.
    Buying only what one's projects can use of an allotment keeps the deal. Agents
    already over their allotment are left out (`_over` has them)."""
    instance = view.rnd.instance
    out = []
    for agent in sorted({d["agent"] for d in diffs if d["actual"] < d["stated"]} - over):
        side = view.agents.index(agent)
        if _best(instance, side, bought.get(agent, {})) < _best(instance, side, plan[agent]):
            out += [d for d in diffs if d["agent"] == agent and d["actual"] < d["stated"]]
    return out


def _best(instance, side: int, amounts: dict[str, int]) -> float:
    """The most one side's projects can earn from ``amounts`` (`oracle.solo_best`)."""
    from coord.game.negotiation.oracle import solo_best

    eco = instance.economy
    return solo_best(eco, tuple(instance.projects[side]), eco.vector(amounts)).reward


def _miscited(ctx: _Ctx, view: _View) -> list[Finding]:
    out: list[Finding] = []
    for msg in view.msgs:
        if msg.purchase is not None or msg.structured or not msg.stated or msg.agree is None:
            continue
        cited = [t for t in _cited(ctx, view, msg) if t.msg is not msg]
        if not cited:
            continue
        target = cited[0]
        if not _diffs(msg.stated, target.plan, view.supply):
            continue
        here = _distance(msg.stated, target.plan, view.supply)
        candidates: list[_Target] = []
        for m in view.msgs:
            if m.index >= msg.index or not m.is_proposal:
                continue
            if m.options:
                candidates += [_Target(m, p, k) for k, p in m.options.items()]
            elif m.stated:
                candidates.append(_Target(m, m.stated))
        scored = [
            (_distance(msg.stated, c.plan, view.supply), c)
            for c in candidates
            if c.plan != target.plan
        ]
        if not scored:
            continue
        best_distance, best = min(scored, key=lambda x: (x[0], -x[1].msg.index))
        if best_distance >= here:
            continue
        mentioned = next((r for r in msg.refs), None)
        cited_as = mentioned.value if mentioned is not None else msg.turn.in_reply_to
        out.append(
            Finding(
                code="G4",
                name=NAMES["G4"],
                severity="error",
                round=view.rnd.number,
                turns=sorted({msg.turn.turn, target.msg.turn.turn, best.msg.turn.turn}),
                agents=[msg.turn.agent],
                message=(
                    f"round {view.rnd.number}: {msg.turn.agent} cites {cited_as!r} "
                    f"(turn {target.msg.turn.turn}) but restates {_fmt_plan(msg.stated)}, "
                    f"which matches turn {best.msg.turn.turn}'s proposal better"
                ),
                evidence={
                    "variant": "miscited_proposal",
                    "message": {**_where(msg), "phrase": msg.agree},
                    "cited_as": cited_as,
                    "cited": {**_where(target.msg), "option": target.label, "plan": target.plan},
                    "restated": msg.stated,
                    "matches": {**_where(best.msg), "option": best.label, "plan": best.plan},
                    "differences_from_cited": _diffs(msg.stated, target.plan, view.supply),
                    "distance_cited": round(here, 4),
                    "distance_match": round(best_distance, 4),
                    "annulled": view.rnd.annulled,
                    "efficiency": view.rnd.efficiency,
                },
            )
        )
    return out
