"""What a message says the deal is, for the text detectors (G4-G6, `coord.analysis.detectors_text`).

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

The underscored names here are internal to the text detectors (`detect_binding`,
`detect_beliefs`), which import them; nothing else should.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from coord.analysis.commits import project_names, resource_table, text_purchase
from coord.analysis.exchange import (
    COORD,
    Round,
    Turn,
    allocation_of,
    plan_of,
    purchase_of,
)
from coord.analysis.text import ack_phrase, agreement_phrase, read_quantities, referents

NAMES = {"G4": "referential binding", "G5": "ack as agreement", "G6": "divergent belief"}
ACCEPT_TYPES = frozenset({"accept", "agree"})
ACK_TYPES = frozenset({"ack", "acknowledge", "acknowledgement"})
QUOTE_CHARS = 240  # evidence quotes are cut to this length

Plan = dict[str, dict[str, int]]
_UNREAD = object()  # a lazily read field of `_Msg` not read yet


@dataclass
class _Msg:
    turn: Turn
    index: int  # position in the round's turns
    purchase: dict[str, int] | None = None
    stated: Plan = field(default_factory=dict)
    structured: bool = False  # `stated` comes from a structured plan
    options: dict[str, Plan] = field(default_factory=dict)
    _refs: list | None = None
    _key: frozenset | None = None
    _agree: str | None | object = _UNREAD
    _ack: str | None | object = _UNREAD

    @property
    def agree(self) -> str | None:
        """The agreement phrase (`text.agreement_phrase`), or "<accept>" for a structured
        accept; read when first asked for, as most detectors look only at a few messages."""
        if self._agree is _UNREAD:
            kind = (self.turn.type or "").lower()
            if kind in ACCEPT_TYPES:
                self._agree = "<accept>"
            elif kind in ACK_TYPES:
                self._agree = None
            else:
                self._agree = agreement_phrase(self.turn.text)
        return self._agree  # type: ignore[return-value]

    @property
    def ack(self) -> str | None:
        """Acknowledgement that stops short of agreement (`text.ack_phrase`), the text of
        a structured ``ack``; read when first asked for."""
        if self._ack is _UNREAD:
            kind = (self.turn.type or "").lower()
            if kind in ACCEPT_TYPES:
                self._ack = None
            elif kind in ACK_TYPES:
                self._ack = self.turn.text or "<ack>"
            else:
                self._ack = ack_phrase(self.turn.text, agrees=lambda: self.agree is not None)
        return self._ack  # type: ignore[return-value]

    @property
    def refs(self) -> list:
        """The message's referents (`text.referents`), read when first asked for: only
        messages that agree, acknowledge or lay out options need them."""
        if self._refs is None:
            self._refs = referents(self.turn.text)
        return self._refs

    @property
    def key(self) -> frozenset:
        """`plan_key` of what the message states, computed when first asked for."""
        if self._key is None:
            self._key = plan_key(self.stated)
        return self._key

    @property
    def is_proposal(self) -> bool:
        if self.purchase is not None:
            return False
        if self.structured and (self.turn.type or "").lower() not in ACCEPT_TYPES:
            return True
        return bool(self.stated or self.options) and self.agree is None and self.ack is None


def plan_key(plan: Plan) -> frozenset:
    """A plan as a hashable value that compares equal exactly when the plans allot the same
    units (zero entries and empty sides ignored). A frozenset of (agent, resource, units):
    one pass, no sorting (G1 asks it of every proposal)."""
    return frozenset((a, r, int(q)) for a, side in plan.items() for r, q in side.items() if q)


@dataclass
class _View:
    rnd: Round
    agents: tuple[str, str]
    supply: dict[str, int]
    msgs: list[_Msg]

    def other(self, agent: str) -> str:
        a, b = self.agents
        return b if agent == a else a


class _Ctx:
    """The messages read so far, round by round, and what referents resolve through.

    Memory stays bounded however long the exchange: `add_read` takes one read round into a
    `_View` and only the latest two views are kept; a referent reaching further back resolves
    through indexes that keep the latest `WINDOW` messages by id, the latest `WINDOW`
    ``propose`` messages by their run-wide number (coord's ledger numbers proposals across
    rounds) and the run's first `WINDOW` proposals.
    """

    WINDOW = 10_000

    def __init__(self, agents: tuple[str, ...], kind: str) -> None:
        self.agents = agents
        self.kind = kind
        self.views: list[_View] = []  # the previous and the current round's views
        self._ids: OrderedDict[str, _Msg] = OrderedDict()
        self._propose: OrderedDict[int, _Msg] = OrderedDict()
        self._n_propose = 0
        self.first_proposals: list[_Msg] = []

    def add_read(self, rnd: Round, msgs: list[_Msg] | None) -> _View | None:
        """Index a round whose messages were read (`read_round`, here or in the reading
        process); None when the round could not be read."""
        if msgs is None:
            return None
        agents = (self.agents[0], self.agents[1])
        eco = rnd.instance.economy
        view = _View(rnd, agents, dict(zip(eco.names, eco.supply)), msgs)
        for m in msgs:
            self._index(m)
        self.views = [*self.views[-1:], view]
        return view

    def _index(self, m: _Msg) -> None:
        if m.turn.id is not None:
            self._ids.pop(m.turn.id, None)
            self._ids[m.turn.id] = m
            if len(self._ids) > self.WINDOW:
                self._ids.popitem(last=False)
        kind = m.turn.type
        if kind is not None and kind.lower() == "propose":
            self._n_propose += 1
            self._propose[self._n_propose] = m
            if len(self._propose) > self.WINDOW:
                self._propose.popitem(last=False)
        if len(self.first_proposals) < self.WINDOW and m.is_proposal:
            self.first_proposals.append(m)

    def by_id(self, ident: str) -> _Msg | None:
        return self._ids.get(ident)

    def nth_propose(self, n: int) -> _Msg | None:
        return self._propose.get(n)


# -- reading --------------------------------------------------------------------------------


def read_round(rnd: Round, agents: tuple[str, ...]) -> list[_Msg] | None:
    """Each of the pair's messages in ``rnd`` read (what it states, offers, buys); None
    when the round cannot be read (no instance, or not a pair of agents). Needs nothing
    from other rounds, so `pipeline` runs it in another process."""
    if len(agents) != 2 or rnd.instance is None:
        return None
    pair = (agents[0], agents[1])
    table = resource_table(rnd.instance)
    projects = project_names(rnd.instance)
    names = rnd.instance.economy.names
    return [
        _read_msg(t, i, pair, names, table, projects)
        for i, t in enumerate(rnd.turns)
        if t.agent in pair
    ]


def _text_plan(text: str, author: str, other: str, table, projects) -> Plan:
    out: Plan = {}
    for q in read_quantities(text, table, projects=projects):
        if q.owner is None:
            continue
        if q.owner == "both":  # "we each take 5 r1": the same for the two
            for agent in (author, other):
                out.setdefault(agent, {})[q.resource] = q.amount
            continue
        agent = author if q.owner == "speaker" else other
        out.setdefault(agent, {})[q.resource] = q.amount  # a later restatement wins
    return out


def _options(text: str, author: str, other: str, table, projects, refs) -> dict[str, Plan]:
    """Per-label plans of a message that lays out two or more labelled options (``refs``:
    the message's referents)."""
    labels = [r for r in refs if r.kind == "option"]
    if len({r.value for r in labels}) < 2:
        return {}
    out: dict[str, Plan] = {}
    for r, nxt in zip(labels, [*labels[1:], None]):
        segment = text[r.span[1] : nxt.span[0] if nxt else len(text)]
        plan = _text_plan(segment, author, other, table, projects)
        if plan and r.value not in out:
            out[r.value] = plan
    return out if len(out) >= 2 else {}


def _read_msg(turn: Turn, index: int, agents: tuple[str, str], names, table, projects) -> _Msg:
    msg = _Msg(turn, index)
    kind = (turn.type or "").lower()
    bought = purchase_of(turn.action, turn.type, names)
    if bought is not None or kind == "purchase":
        msg.purchase = dict(bought[0]) if bought else {}
    other = agents[1] if turn.agent == agents[0] else agents[0]
    alloc = allocation_of(plan_of(turn))
    if alloc is not None and set(alloc) <= set(agents):
        msg.stated, msg.structured = {a: dict(q) for a, q in alloc.items()}, True
    elif msg.purchase is None:
        msg.options = _options(turn.text, turn.agent, other, table, projects, msg.refs)
        if not msg.options:
            msg.stated = _text_plan(turn.text, turn.agent, other, table, projects)
    if not msg.structured and not msg.purchase:
        # "buying now: 9 r2" — a purchase stated in words (chat transcripts)
        mine = text_purchase(turn.text, table, projects, typed=kind == "purchase")
        if mine:
            msg.purchase, msg.stated = mine, {}
    return msg


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
    same = ctx.by_id(ident)
    if same is not None:
        return _target(same)
    m = re.fullmatch(r"[pP#]?(\d+)", ident.strip())
    if not m:
        return None
    n = int(m.group(1))
    if ctx.kind == COORD:  # the ledger numbers `propose` messages across the run
        nth = ctx.nth_propose(n)
        return _target(nth) if nth is not None else None
    here = [x for x in view.msgs if x.index < before and x.is_proposal]
    if 0 < n <= len(here):
        return _target(here[n - 1])
    props = ctx.first_proposals
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
            if m.agree is not None and msg.purchase is None:
                # "that works for me" to my counter, then my "great, we're agreed": both
                # agree to the same deal, the one the partner agreed to
                target, how = _agreed_to(ctx, view, m)
                if target is not None:
                    return target, "what the partner agreed to"
    return None, "none"


def _final_agreement(ctx: _Ctx, view: _View) -> tuple[_Msg, _Target, str] | None:
    """Where the round's talk ended in agreement: the last agreement before the last
    purchase whose deal can be placed (one that cannot, such as "buying as agreed" with
    nothing to point at, is passed over), with what it agreed to and how that was found;
    None when there is none, when the last placeable one is ambiguous, or when a proposal of
    a different plan came after it (the talk moved on). Read from the end, so messages
    before it are not read for agreement at all."""
    end = _last_purchase_index(view)
    for last in reversed(view.msgs):
        if last.index > end or last.agree is None:
            continue
        target, how = _agreed_to(ctx, view, last)
        if target is not None:
            break
        if how == "ambiguous":
            return None
    else:
        return None
    later = [m for m in view.msgs if last.index < m.index <= end and m.is_proposal]
    if any(_diffs(target.plan, m.stated, view.supply) or m.options for m in later):
        return None
    return last, target, how


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
