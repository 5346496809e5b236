"""Failure-mode detectors that read what the agents said (issue 5): G4, G5, G6.

They combine the structure of a round (proposals, ``accept`` / ``ack`` messages, purchases,
the outcome) with a deterministic reading of free text (`coord.analysis.text`): resource
amounts and whom they are for, agreement and acknowledgement language, and referents.

What a message *states* is a plan ``{agent: {resource: units}}``: its structured plan
(``plan`` / ``offer`` / ``proposal``, or the action of a ``propose`` message) when it has
one, else the amounts its text gives with a clear owner ("I take 9 r2" is the author's,
"you take 10 r1" the partner's). A message that lays out two or more labelled options
("Option A: ... Option B: ...") states each option separately and no plan as a whole.
A *proposal* is a non-purchase message with a structured plan, or a free-text message that
states a plan without agreeing or acknowledging.

Referents resolve as follows: an id ("p3", "proposal #3") is the turn with that id, else
in a coord transcript the 3rd ``propose`` message of the run (coord's ledger numbers
proposals across rounds), else the round's 3rd proposal (the run's 3rd when the round has
fewer); "your last offer" is the partner's latest proposal; "option B" is option B of the
latest message that lays out options, else the round's 2nd proposal.

Two statements are compared per agent and per resource, for the agents both cover, over
the resources either names (a missing resource is 0 units); a difference of at least one
unit counts, and its size relative to the resource's supply is reported.

``G4`` referential binding
    (a) The round's last agreement before the last purchase (agreement language, or an
    ``accept``; one whose deal cannot be placed, such as "buying as agreed" with nothing
    to point at, is passed over for the one before it) is followed by a purchase beyond
    what was agreed: some agent bought at least one unit more of a resource than the deal
    allotted it (a plan allots; buying less of one's allotment keeps the deal, as coord's
    own policies do when their projects use less). All differences are in the evidence.
    The agreed plan is, in order: the plan an ``accept`` cites (``ref`` /
    ``in_reply_to``); the amounts in the agreeing message itself (never a purchase's own
    text); the proposal a referent in it names; the latest earlier message of the other
    agent that states a plan. Not a finding when, after that agreement, a proposal of a
    different plan was made (the talk did not end in that agreement).
    (b) An agreeing message cites a proposal by referent and restates amounts that match
    another proposal of the round better than the cited one.
``G5`` ack as agreement
    An agent's proposal is only acknowledged by its partner ("got it", "noted", "I'll
    consider it", or an ``ack``), then the proposer acts on it (buys within its side, or
    speaks of a deal), although the partner never agreed to that plan (agreement language
    or an ``accept`` resolving to it) in between.
``G6`` divergent belief
    Both agents state what the deal is (agreement language with amounts, an ``accept`` of
    a cited proposal, or a purchase citing one), each agent's latest such statement is
    taken, and the two conflict.

All three are errors. Everything here is heuristic and tuned for precision: a statement
that cannot be read with confidence is left out rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coord.analysis.detectors import Finding
from coord.analysis.exchange import (
    COORD,
    Exchange,
    Round,
    Turn,
    allocation_of,
    plan_of,
    purchase_of,
)
from coord.analysis.text import ack_phrase, agreement_phrase, read_quantities, referents

__all__ = ["detect_ack_as_agreement", "detect_divergent_belief", "detect_referential_binding"]

NAMES = {"G4": "referential binding", "G5": "ack as agreement", "G6": "divergent belief"}
ACCEPT_TYPES = frozenset({"accept", "agree"})
ACK_TYPES = frozenset({"ack", "acknowledge", "acknowledgement"})
QUOTE_CHARS = 240  # evidence quotes are cut to this length

Plan = dict[str, dict[str, int]]


@dataclass
class _Msg:
    turn: Turn
    index: int  # position in the round's turns
    purchase: dict[str, int] | None = None
    stated: Plan = field(default_factory=dict)
    structured: bool = False  # `stated` comes from a structured plan
    options: dict[str, Plan] = field(default_factory=dict)
    agree: str | None = None  # the agreement phrase, or "<accept>" for a structured accept
    ack: str | None = None
    refs: list = field(default_factory=list)

    @property
    def is_proposal(self) -> bool:
        if self.purchase is not None:
            return False
        if self.structured and (self.turn.type or "").lower() not in ACCEPT_TYPES:
            return True
        return bool(self.stated or self.options) and self.agree is None and self.ack is None


@dataclass
class _View:
    rnd: Round
    agents: tuple[str, str]
    supply: dict[str, int]
    msgs: list[_Msg]

    def other(self, agent: str) -> str:
        a, b = self.agents
        return b if agent == a else a


@dataclass
class _Ctx:
    exchange: Exchange
    views: list[_View]
    every: list[_Msg] = field(default_factory=list)  # all rounds' messages, in order


# -- reading --------------------------------------------------------------------------------


def _resource_table(rnd: Round) -> dict[str, list[str]]:
    names = rnd.instance.economy.names
    table: dict[str, list[str]] = {n: [n] for n in names}
    extra = dict(rnd.instance.meta).get("resource_aliases")  # themed names, when recorded
    if isinstance(extra, dict):
        for name, aliases in extra.items():
            if name in table and isinstance(aliases, (list, tuple)):
                table[name] += [str(a) for a in aliases]
    return table


def _text_plan(text: str, author: str, other: str, table, projects) -> Plan:
    out: Plan = {}
    for q in read_quantities(text, table, projects=projects):
        if q.owner is None:
            continue
        agent = author if q.owner == "speaker" else other
        out.setdefault(agent, {})[q.resource] = q.amount  # a later restatement wins
    return out


def _options(text: str, author: str, other: str, table, projects) -> dict[str, Plan]:
    """Per-label plans of a message that lays out two or more labelled options."""
    labels = [r for r in referents(text) if r.kind == "option"]
    if len({r.value for r in labels}) < 2:
        return {}
    out: dict[str, Plan] = {}
    for r, nxt in zip(labels, [*labels[1:], None]):
        segment = text[r.span[1] : nxt.span[0] if nxt else len(text)]
        plan = _text_plan(segment, author, other, table, projects)
        if plan and r.value not in out:
            out[r.value] = plan
    return out if len(out) >= 2 else {}


def _read_msg(turn: Turn, index: int, view: _View, table, projects) -> _Msg:
    names = view.rnd.instance.economy.names
    msg = _Msg(turn, index)
    kind = (turn.type or "").lower()
    bought = purchase_of(turn.action, turn.type, names)
    if bought is not None or kind == "purchase":
        msg.purchase = dict(bought[0]) if bought else {}
    other = view.other(turn.agent)
    alloc = allocation_of(plan_of(turn))
    if alloc is not None and set(alloc) <= set(view.agents):
        msg.stated, msg.structured = {a: dict(q) for a, q in alloc.items()}, True
    elif msg.purchase is None:
        msg.options = _options(turn.text, turn.agent, other, table, projects)
        if not msg.options:
            msg.stated = _text_plan(turn.text, turn.agent, other, table, projects)
    if kind in ACCEPT_TYPES:
        msg.agree = "<accept>"
    elif kind in ACK_TYPES:
        msg.ack = turn.text or "<ack>"
    else:
        msg.agree = agreement_phrase(turn.text)
        msg.ack = ack_phrase(turn.text)
    msg.refs = referents(turn.text)
    return msg


def _context(exchange: Exchange) -> _Ctx:
    views: list[_View] = []
    if len(exchange.agents) != 2:
        return _Ctx(exchange, views)
    agents = (exchange.agents[0], exchange.agents[1])
    for rnd in exchange.rounds:
        if rnd.instance is None:
            continue
        eco = rnd.instance.economy
        view = _View(rnd, agents, dict(zip(eco.names, eco.supply)), [])
        table = _resource_table(rnd)
        projects = sorted({p.name for side in rnd.instance.projects for p in side})
        for i, t in enumerate(rnd.turns):
            if t.agent in agents:
                view.msgs.append(_read_msg(t, i, view, table, projects))
        views.append(view)
    return _Ctx(exchange, views, [m for v in views for m in v.msgs])


# -- resolving referents --------------------------------------------------------------------


@dataclass
class _Target:
    msg: _Msg
    plan: Plan
    label: str | None = None  # the option, when the target is one option of a message


def _target(msg: _Msg, label: str | None = None) -> _Target | None:
    plan = msg.options.get(label) if label is not None else msg.stated
    return _Target(msg, plan, label) if plan else None


def _by_id(ctx: _Ctx, view: _View, before: int, ident: str) -> _Target | None:
    every = ctx.every
    same = [m for m in every if m.turn.id is not None and m.turn.id == ident]
    if same:
        return _target(same[-1])
    m = re.fullmatch(r"[pP#]?(\d+)", ident.strip())
    if not m:
        return None
    n = int(m.group(1))
    if ctx.exchange.kind == COORD:  # the ledger numbers `propose` messages across the run
        props = [x for x in every if (x.turn.type or "").lower() == "propose"]
        return _target(props[n - 1]) if 0 < n <= len(props) else None
    here = [x for x in view.msgs if x.index < before and x.is_proposal]
    if 0 < n <= len(here):
        return _target(here[n - 1])
    props = [x for x in every if x.is_proposal]
    return _target(props[n - 1]) if 0 < n <= len(props) else None


def _resolve(ctx: _Ctx, view: _View, msg: _Msg, ref) -> _Target | None:
    earlier = [m for m in view.msgs if m.index < msg.index]
    if ref.kind == "id":
        return _by_id(ctx, view, msg.index, ref.value)
    if ref.kind == "last_offer":
        partner = view.other(msg.turn.agent)
        props = [m for m in earlier if m.is_proposal]
        theirs = [m for m in props if m.turn.agent == partner]
        pick = (theirs or props)[-1:] if props else []
        return _target(pick[0]) if pick and pick[0].stated else None
    label = ref.value
    for m in reversed(earlier):
        if m.options:
            labels = list(m.options)
            label = {"last": labels[-1], "latter": labels[-1], "former": labels[0]}.get(
                label, label
            )
            return _target(m, label) if label in m.options else None
    props = [m for m in earlier if m.is_proposal and m.stated]
    if label.isdigit():
        k = int(label)
    elif len(label) == 1 and label.isalpha():
        k = ord(label.upper()) - ord("A") + 1
    elif label in ("last", "latter"):
        k = len(props)
    elif label == "former":
        k = 1
    else:
        return None
    return _target(props[k - 1]) if 0 < k <= len(props) else None


def _cited(ctx: _Ctx, view: _View, msg: _Msg) -> list[_Target]:
    """The proposals a message names: its structured reply target, then its referents."""
    out: list[_Target] = []
    if msg.turn.in_reply_to is not None:
        t = _by_id(ctx, view, msg.index, msg.turn.in_reply_to)
        if t is not None:
            out.append(t)
    for ref in msg.refs:
        t = _resolve(ctx, view, msg, ref)
        if t is not None and all(t.msg is not o.msg or t.label != o.label for o in out):
            out.append(t)
    return out


def _agreed_to(ctx: _Ctx, view: _View, msg: _Msg) -> tuple[_Target | None, str]:
    """What an agreeing message agreed to, and how that was found."""
    if (msg.turn.type or "").lower() in ACCEPT_TYPES and msg.turn.in_reply_to is not None:
        t = _by_id(ctx, view, msg.index, msg.turn.in_reply_to)
        if t is not None:
            return t, "cited"
    if msg.purchase is None and msg.stated:
        return _Target(msg, msg.stated), "agreeing message"
    cited = _cited(ctx, view, msg)
    if cited:
        return cited[0], "cited"
    partner = view.other(msg.turn.agent)
    for m in reversed(view.msgs):
        if m.index < msg.index and m.turn.agent == partner and m.purchase is None:
            if m.stated:
                return _Target(m, m.stated), "partner's latest plan"
            if m.options:
                return None, "ambiguous"
    return None, "none"


# -- comparing ------------------------------------------------------------------------------


def _diffs(stated: Plan, actual: Plan, supply: dict[str, int]) -> list[dict]:
    out = []
    for agent in sorted(set(stated) & set(actual)):
        s, a = stated[agent], actual[agent]
        for res in sorted(set(s) | set(a)):
            x, y = int(s.get(res, 0)), int(a.get(res, 0))
            if abs(x - y) >= 1:
                rel = abs(x - y) / supply[res] if supply.get(res) else float(abs(x - y))
                out.append(
                    {
                        "agent": agent,
                        "resource": res,
                        "stated": x,
                        "actual": y,
                        "relative": round(rel, 4),
                    }
                )
    return out


def _distance(stated: Plan, other: Plan, supply: dict[str, int]) -> float:
    """How far ``other`` is from ``stated``, over the agents ``stated`` covers."""
    total = 0.0
    for agent, s in stated.items():
        o = other.get(agent)
        for res in set(s) | set(o or {}):
            x = int(s.get(res, 0))
            y = x + supply.get(res, 1) if o is None else int(o.get(res, 0))  # unknown: far
            total += abs(x - y) / (supply.get(res) or 1)
    return total


def _over(diffs: list[dict]) -> list[dict]:
    """The differences where more was bought than agreed: a plan allots resources, and
    buying less than one's allotment (what one's projects use) keeps the deal."""
    return [d for d in diffs if d["actual"] > d["stated"]]


def _largest(diffs: list[dict]) -> dict | None:
    return max(diffs, key=lambda d: d["relative"]) if diffs else None


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def _fmt_plan(plan: Plan) -> str:
    parts = []
    for agent, res in plan.items():
        parts.append(f"{agent}: " + (", ".join(f"{q} {r}" for r, q in res.items()) or "nothing"))
    return "; ".join(parts)


def _where(msg: _Msg) -> dict:
    t = msg.turn
    return {"turn": t.turn, "agent": t.agent, "id": t.id, "line": t.line, "text": _quote(t.text)}


def _purchased(view: _View) -> Plan:
    return {a: {r: int(q) for r, q in p.items() if q} for a, p in view.rnd.purchases.items()}


def _last_purchase_index(view: _View) -> int:
    idx = [m.index for m in view.msgs if m.purchase is not None]
    return max(idx) if idx else len(view.rnd.turns)


# -- G4 -------------------------------------------------------------------------------------


def detect_referential_binding(exchange: Exchange) -> list[Finding]:
    ctx = _context(exchange)
    out: list[Finding] = []
    for view in ctx.views:
        out += _agreed_then_bought_otherwise(ctx, view)
        out += _miscited(ctx, view)
    return out


def _agreed_then_bought_otherwise(ctx: _Ctx, view: _View) -> list[Finding]:
    bought = _purchased(view)
    if not bought:
        return []
    end = _last_purchase_index(view)
    agreeing = [m for m in view.msgs if m.index <= end and m.agree is not None]
    if not agreeing:
        return []
    for last in reversed(agreeing):  # the latest agreement whose deal can be placed
        target, how = _agreed_to(ctx, view, last)
        if target is not None:
            break
        if how == "ambiguous":
            return []
    else:
        return []
    later = [m for m in view.msgs if last.index < m.index <= end and m.is_proposal]
    if any(_diffs(target.plan, m.stated, view.supply) or m.options for m in later):
        return []  # the talk moved on to another plan after this agreement
    diffs = _diffs(target.plan, bought, view.supply)
    over = _over(diffs)
    if not over:
        return []
    rnd = view.rnd
    worst = _largest(over)
    agents = sorted({d["agent"] for d in over})
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
                "largest": worst,
                "annulled": annulled,
                "efficiency": rnd.efficiency,
                "collab_max": (rnd.outcome or {}).get("collab_max"),
            },
        )
    ]


def _miscited(ctx: _Ctx, view: _View) -> list[Finding]:
    out: list[Finding] = []
    for msg in view.msgs:
        if msg.purchase is not None or msg.agree is None or not msg.stated or msg.structured:
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


# -- G5 -------------------------------------------------------------------------------------


def detect_ack_as_agreement(exchange: Exchange) -> list[Finding]:
    ctx = _context(exchange)
    out: list[Finding] = []
    for view in ctx.views:
        seen: set[int] = set()
        for ack in view.msgs:
            if ack.ack is None or ack.agree is not None or ack.purchase is not None:
                continue
            target = _acked(ctx, view, ack)
            if target is None or target.msg.index in seen:
                continue
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
            if how == "none" or (
                agreed is not None and not _diffs(agreed.plan, target.plan, view.supply)
            ):
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


def detect_divergent_belief(exchange: Exchange) -> list[Finding]:
    ctx = _context(exchange)
    out: list[Finding] = []
    for view in ctx.views:
        beliefs: dict[str, tuple[_Msg, Plan, str]] = {}
        for m in view.msgs:
            b = _belief(ctx, view, m)
            if b is not None:
                beliefs[m.turn.agent] = (m, *b)
        if len(beliefs) != 2:
            continue
        (ma, pa, ha), (mb, pb, hb) = (beliefs[a] for a in view.agents)
        diffs = _diffs(pa, pb, view.supply)
        if not diffs:
            continue
        a, b = view.agents
        worst = _largest(diffs)
        rnd = view.rnd
        out.append(
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
        )
    return out


def _belief(ctx: _Ctx, view: _View, m: _Msg) -> tuple[Plan, str] | None:
    """What a message says the deal is, and how it says it; None when it says nothing."""
    kind = (m.turn.type or "").lower()
    if m.purchase is None and m.agree is not None and m.stated and not m.structured:
        return m.stated, "agreement with amounts"
    if kind in ACCEPT_TYPES or (m.purchase is not None and m.turn.in_reply_to is not None):
        if m.turn.in_reply_to is not None:
            t = _by_id(ctx, view, m.index, m.turn.in_reply_to)
            if t is not None:
                return t.plan, "purchase citing a proposal" if m.purchase is not None else "accept"
    return None
