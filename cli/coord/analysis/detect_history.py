"""The G1 detector (history loss): an agent acts as if earlier talk had not happened.

``G1`` history loss
    (a) ``re-proposed rejected plan``: an agent proposes a plan (the same ``{agent:
    {resource: units}}``, structured or read from its text) that it proposed earlier and
    that the partner rejected, in a later round played on the same instance, or later in
    the same round after it had proposed a different plan in between (it came back to the
    rejected plan; holding one plan throughout a round despite pushback is G2's unmoving
    proposal, not reported twice). A proposal is rejected when the partner's next message in
    that round (or a message of the partner whose ``in_reply_to`` names it) is a ``reject`` /
    ``decline`` / ``refuse`` / ``counter`` message, uses rejection language ("no", "I can't
    accept", "that doesn't work", ...) or proposes a different plan. It stops counting as
    rejected once the partner accepts it or proposes it itself.
    (b) ``contradicted standing agreement``: round k and round k+1 are played on the same
    instance; round k ended in an agreement on a plan (as G4 places it: the last agreement
    before the last purchase, not followed by a proposal of a different plan), both
    purchases kept it and the round was optimal (efficiency >= 0.99, not annulled). In round
    k+1 the first message that states a plan or buys something beyond that agreement (at
    least one unit more of some resource for some agent) comes before any renegotiation
    language ("change", "instead", "different", "new plan", "renegotiate", "this time",
    ...) from either agent. When that message is also an (a) re-proposal, it is reported
    once, as (a), with the agreement it breaks under ``contradicts_agreement``.
    (c) ``fresh start``: in a round > 1, after earlier rounds with messages, an agent's
    first message of the round uses first-round language ("nice to meet you", "let's
    get started", "first round", ...; not "to begin with", a mere discourse marker), or
    asks for / says it has not seen the partner's projects when an earlier round was
    played on the same instance. (Re-sharing
    one's own projects is not a finding: it loses nothing, and the `grounded` remedy does it
    every round on purpose so that a reset partner can recover.)
    (d) ``re-proposed agreed plan``: within a round, after an agent agreed to a plan (an
    ``accept`` or agreement language, placed as G4 places it) and before any rejection or
    renegotiation, an agent proposes that same plan afresh (a new proposal, without
    words that recall the deal: "as agreed", "to confirm", "recap", "our deal"...), as if
    the agreement had not happened. Once per round.

A warning. Deterministic and tuned for precision: plans are compared exactly, rejection and
renegotiation are read with fixed phrase lists, and a round whose instance is unknown is
skipped by (a) and (b).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from coord.analysis.detectors import Finding
from coord.analysis.exchange import Round, Turn
from coord.analysis.phrases import Gated
from coord.analysis.statements import (
    ACCEPT_TYPES,
    _agreed_to,
    _Ctx,
    _diffs,
    _final_agreement,
    _fmt_plan,
    _Msg,
    _over,
    _purchased,
    _quote,
    _View,
    _where,
    plan_key,
)

__all__ = ["HistoryLoss"]

CODE = "G1"
NAME = "history loss"
OPTIMAL = 0.99  # (b): the earlier round counts as optimal from this efficiency on
REJECT_TYPES = frozenset({"reject", "decline", "refuse", "counter", "counteroffer"})

_I = re.IGNORECASE
# Each `Gated` pattern lists words one of which every match contains (see `Gated`).
_REJECTION = Gated(
    r"(?:^|(?<=[.!?;\n]))\s*(?:no|nope|nah)\b(?!\s+(?:problem|worries|issue|doubt|objection))"
    r"|\b(?:i|we)\s+(?:can't|cannot|can\s+not|won't|will\s+not|couldn't|don't)\s+"
    r"(?:accept|agree|do\s+that|go\s+with|take\s+that|work\s+with)"
    r"|\bthat\s+(?:doesn't|does\s+not|won't|will\s+not)\s+work"
    r"|\b(?:doesn't|does\s+not)\s+work\s+for\s+(?:me|us)"
    r"|\b(?:not\s+acceptable|unacceptable|no\s+deal)\b"
    r"|\bi\s+(?:reject|decline|refuse)\b"
    r"|\bi'?m\s+not\s+(?:ok|okay|happy|comfortable)\s+with\b",
    ("no", "nah", "n't", "work", "accept", "reject", "declin", "refus"),
)
_RENEGOTIATION = re.compile(
    r"\b(?:chang\w*|instead|differen\w*|new\s+(?:plan|deal|split|allocation|arrangement)"
    r"|renegotiat\w*|this\s+time|switch\w*|adjust\w*|revis\w*|modif\w*|tweak\w*|swap\w*"
    r"|rebalanc\w*|rethink\w*|reconsider\w*)\b",
    _I,
)
# First-round language, whatever the instance.
_FRESH = Gated(
    r"\b(?:nice|pleased|good|great)\s+to\s+meet\s+you\b"
    r"|\blet(?:'s|\s+us)\s+(?:get\s+)?start(?:ed)?\b(?!\s+(?:with|this|the|round)\b)"
    r"|(?<!\bin\s)(?<!\bof\s)(?<!\bas\s)(?<!\bfrom\s)(?<!\bsince\s)(?<!\bthan\s)(?<!\blike\s)"
    r"(?<!\bafter\s)(?<!\bduring\s)\b(?:the|our|this)\s+first\s+round\b",
    ("meet", "start", "first"),
)
# Not knowing the partner's projects: first-round language when the instance is the same.
_UNSEEN_PROJECTS = Gated(
    r"\bwhat\s+(?:are|were)\s+your\s+projects\b"
    r"|\bwhat\s+projects\s+do\s+you\s+have\b"
    r"|\btell\s+me\s+(?:about\s+)?your\s+projects\b"
    r"|\b(?:i|we)\s+(?:haven't|have\s+not|don't\s+know|do\s+not\s+know|never)\s+"
    r"(?:seen\s+|know\s+)?your\s+projects\b",
    ("project",),
)
# A message that points back at earlier rounds is not acting as if there were none.
_HISTORY = Gated(
    r"\b(?:last|previous|earlier|prior)\s+rounds?\b|\bas\s+before\b|\blike\s+before\b"
    r"|\bagain\b|\bwelcome\s+back\b|\bsame\s+as\b",
    ("round", "before", "again", "back", "same"),
)


def rejects(text: str) -> bool:
    """Whether a message uses rejection language ("no", "I can't accept", "that doesn't
    work", ...); G2 asks it too."""
    return _REJECTION.search(_norm(text)) is not None


class HistoryLoss:
    """G1, fed one round at a time (`round`), remembering only what later rounds need:
    the previous round's reading, each plan's latest proposals per agent and instance
    (at most `PLANS` plans, least recently proposed forgotten first), and how many earlier
    rounds had talk."""

    PLANS = 50_000

    def __init__(self) -> None:
        self.plans: OrderedDict[tuple, list[_Proposal]] = OrderedDict()
        self.instances: list = []  # distinct instances seen; a plan is keyed by index here
        self.talked: list[int] = []  # rounds with talk: count and the latest few numbers
        self.talked_count = 0
        self.same_game: dict[int, int] = {}  # instance index -> rounds with talk on it
        self.same_game_last: dict[int, list[int]] = {}
        self.seq = 0

    def instance_key(self, instance) -> int:
        for k, known in enumerate(self.instances):
            if known is instance or known == instance:
                return k
        self.instances.append(instance)
        return len(self.instances) - 1

    def round(self, ctx: _Ctx, view: _View | None, rnd: Round) -> list[Finding]:
        self.seq += 1
        out: list[Finding] = []
        if view is not None:
            reproposed = _reproposed_rejected(self, view)
            by_msg = {
                (f.round, f.evidence["reproposal"]["line"], f.turns[-1]): f for f in reproposed
            }
            out += reproposed
            prev = ctx.views[0] if len(ctx.views) == 2 else None
            f = _contradicted_agreement(ctx, prev, view) if prev is not None else None
            if f is not None:
                same = by_msg.get((f.round, f.evidence["deviation"]["line"], f.turns[-1]))
                if same is None:
                    out.append(f)
                else:  # one message, one finding: the re-proposal also breaks the deal
                    same.evidence["contradicts_agreement"] = {
                        k: f.evidence[k] for k in ("agreed_plan", "agreement", "differences")
                    }
            if not out or all(f.round != rnd.number for f in out):
                forgot = _reproposed_agreed(ctx, view)
                if forgot is not None:
                    out.append(forgot)
        out += _fresh_start(self, rnd)
        return out


def _norm(text: str) -> str:
    return (text or "").replace("\u2019", "'").replace("\u2018", "'")


# -- (a) re-proposing a rejected plan -------------------------------------------------------


@dataclass
class _Proposal:
    seq: int  # which round read it (`HistoryLoss.seq`)
    round: int
    msg: _Msg
    key: frozenset
    verdict: str | None = None  # "rejected" / "accepted" once the partner answered
    answer: _Msg | None = None
    how: str = ""


def _verdict(msg: _Msg, key: frozenset) -> tuple[str | None, str]:
    kind = (msg.turn.type or "").lower()
    if kind in REJECT_TYPES:
        return "rejected", f"a {kind!r} message"
    if kind in ACCEPT_TYPES:
        return "accepted", f"an {kind!r} message"
    m = _REJECTION.search(_norm(msg.turn.text))
    if m:
        return "rejected", f"rejection language ({m.group(0).strip()!r})"
    if msg.agree is not None:
        return "accepted", "agreement language"
    if msg.is_proposal and msg.stated:
        if msg.key == key:
            return "accepted", "the same plan proposed back"
        return "rejected", "a counter-proposal"
    return None, ""


def _reproposed_rejected(state: HistoryLoss, view: _View) -> list[Finding]:
    """(a) over one round. ``state.plans`` maps (instance, plan) to its proposals in order;
    a proposal is answered within its round, and later only ever turned "accepted" (the
    partner proposing the plan itself), so after its round only each agent's latest
    proposal and latest answered one still matter (`_prune`)."""
    out: list[Finding] = []
    flagged: set[tuple[str, str]] = set()
    inst = state.instance_key(view.rnd.instance)
    touched: set[tuple] = set()
    unanswered: list[_Proposal] = []  # this round's proposals nobody answered yet
    for msg in view.msgs:
        agent = msg.turn.agent
        if unanswered:
            pending = [p for p in unanswered if p.verdict is None and p.msg.turn.agent != agent]
            if pending:
                unanswered = [p for p in unanswered if p.msg.turn.agent == agent]
                reply = msg.turn.in_reply_to
                named = [p for p in pending if p.msg.turn.id == reply] if reply else []
                answered = named or pending[-1:]
                for p in answered:
                    p.verdict, p.how = _verdict(msg, p.key)
                    p.answer = msg
                for p in pending:
                    if p not in answered:
                        p.answer = msg  # superseded: only the latest open one is answered
        if not (msg.stated and msg.is_proposal):
            continue
        key = msg.key
        if not key:
            continue
        same = state.plans.get((inst, key), [])
        for p in same:  # the partner proposing this plan itself endorses it
            if p.msg.turn.agent != agent:
                p.verdict, p.how = "accepted", "proposed by the partner"
        mine = [p for p in same if p.msg.turn.agent == agent and p.verdict is not None]
        last = mine[-1] if mine else None
        if last is not None and last.verdict == "rejected" and _came_back(view, state, last, msg):
            if (agent, key) not in flagged:
                flagged.add((agent, key))
                out.append(_finding_a(msg, view, state, last))
        p = _Proposal(state.seq, view.rnd.number, msg, key)
        unanswered.append(p)
        state.plans.setdefault((inst, key), []).append(p)
        state.plans.move_to_end((inst, key))
        touched.add((inst, key))
    for k in touched:
        state.plans[k] = _prune(state.plans[k])
    while len(state.plans) > state.PLANS:
        state.plans.popitem(last=False)
    return out


def _prune(props: list[_Proposal]) -> list[_Proposal]:
    """Per agent, the latest proposal and the latest answered one, in their order."""
    if len(props) < 2:
        return props
    latest: dict[str, _Proposal] = {}
    answered: dict[str, _Proposal] = {}
    for p in props:
        latest[p.msg.turn.agent] = p
        if p.verdict is not None:
            answered[p.msg.turn.agent] = p
    keep = {id(p) for p in latest.values()} | {id(p) for p in answered.values()}
    return [p for p in props if id(p) in keep]


def _came_back(view: _View, state: HistoryLoss, earlier: _Proposal, msg: _Msg) -> bool:
    """Whether a re-proposal returns to a rejected plan rather than holding it: always in a
    later round; within the round only after the agent proposed something else in between
    (repeating one plan throughout a round despite pushback is G2's unmoving proposal)."""
    if earlier.seq != state.seq:
        return True
    between = [
        m
        for m in view.msgs
        if earlier.msg.index < m.index < msg.index
        and m.turn.agent == msg.turn.agent
        and m.is_proposal
        and m.stated
    ]
    return any(m.key != earlier.key for m in between)


def _finding_a(msg: _Msg, view: _View, state: HistoryLoss, earlier: _Proposal) -> Finding:
    first, answer = earlier.msg, earlier.answer
    assert answer is not None
    same_round = earlier.seq == state.seq
    where = "later in the same round" if same_round else f"in round {view.rnd.number}"
    plan = {a: dict(q) for a, q in msg.stated.items()}
    return Finding(
        code=CODE,
        name=NAME,
        severity="warning",
        round=view.rnd.number,
        turns=sorted({first.turn.turn, answer.turn.turn, msg.turn.turn})
        if same_round
        else [msg.turn.turn],
        agents=[msg.turn.agent],
        message=(
            f"{msg.turn.agent} proposes again ({where}) the plan it proposed in round "
            f"{earlier.round} (turn {first.turn.turn}) and {answer.turn.agent} "
            f"rejected ({earlier.how}, turn {answer.turn.turn}): {_fmt_plan(plan)}"
        ),
        evidence={
            "variant": "reproposed_rejected_plan",
            "rounds": sorted({earlier.round, view.rnd.number}),
            "plan": plan,
            "earlier_proposal": {**_where(first), "round": earlier.round},
            "rejection": {**_where(answer), "round": earlier.round, "how": earlier.how},
            "reproposal": {**_where(msg), "round": view.rnd.number},
            "same_round": same_round,
        },
    )


# -- (b) contradicting a standing agreement -------------------------------------------------


def _standing_agreement(ctx: _Ctx, view: _View):
    rnd = view.rnd
    if rnd.outcome is None or rnd.annulled or rnd.efficiency is None:
        return None
    if rnd.efficiency < OPTIMAL:
        return None
    bought = _purchased(view)
    final = _final_agreement(ctx, view)
    if final is None:
        return None
    last, target, _ = final
    if _over(_diffs(target.plan, bought, view.supply)):
        return None
    return last, target


def _contradicted_agreement(ctx: _Ctx, prev: _View, cur: _View) -> Finding | None:
    """(b): ``prev`` is the round read before ``cur``."""
    if cur.rnd.number != prev.rnd.number + 1:
        return None
    if cur.rnd.instance is not prev.rnd.instance and cur.rnd.instance != prev.rnd.instance:
        return None
    standing = _standing_agreement(ctx, prev)
    if standing is None:
        return None
    agreement, target = standing
    for msg in cur.msgs:
        if _RENEGOTIATION.search(_norm(msg.turn.text)):
            return None
        if msg.purchase is not None:
            said = {msg.turn.agent: msg.purchase}
        elif msg.stated:
            said = msg.stated
        else:
            continue
        over = _over(_diffs(target.plan, said, cur.supply))
        if over:
            return _finding_b(prev, cur, agreement, target, msg, said, over)
    return None


def _finding_b(prev: _View, cur: _View, agreement: _Msg, target, msg: _Msg, said, over):
    what = "buys" if msg.purchase is not None else "states"
    worst = max(over, key=lambda d: d["relative"])
    return Finding(
        code=CODE,
        name=NAME,
        severity="warning",
        round=cur.rnd.number,
        turns=[msg.turn.turn],
        agents=[msg.turn.agent],
        message=(
            f"round {cur.rnd.number} replays round {prev.rnd.number}'s game, whose agreed plan "
            f"({_fmt_plan(target.plan)}) reached {prev.rnd.efficiency:.0%}; {msg.turn.agent} "
            f"{what} {_fmt_plan(said)} (turn {msg.turn.turn}), {worst['actual']} "
            f"{worst['resource']} for {worst['agent']} instead of {worst['stated']}, "
            f"without renegotiating"
        ),
        evidence={
            "variant": "contradicted_standing_agreement",
            "rounds": [prev.rnd.number, cur.rnd.number],
            "agreed_plan": {a: dict(q) for a, q in target.plan.items()},
            "agreement": {**_where(agreement), "round": prev.rnd.number},
            "agreed_from": {**_where(target.msg), "round": prev.rnd.number},
            "previous_efficiency": prev.rnd.efficiency,
            "deviation": {**_where(msg), "round": cur.rnd.number, "kind": what},
            "stated": {a: dict(q) for a, q in said.items()},
            "differences": over,
            "efficiency": cur.rnd.efficiency,
        },
    )


# -- (d) proposing afresh a plan agreed earlier in the round ---------------------------------

# Words that recall an agreement: a message restating the deal with them is not proposing.
_RECALL = Gated(
    r"\b(?:as\s+agreed|we\s+agreed|(?:our|the)\s+(?:deal|agreement)|agreed\s+(?:plan|split|deal)"
    r"|to\s+(?:recap|confirm|summari[sz]e)|recap\w*|restat\w*|reminder|to\s+be\s+clear"
    r"|confirm\w*|as\s+discussed|as\s+settled)\b",
    (
        "agree",
        "deal",
        "recap",
        "confirm",
        "summar",
        "restat",
        "remind",
        "clear",
        "discuss",
        "settl",
    ),
)


def _reproposed_agreed(ctx: _Ctx, view: _View) -> Finding | None:
    proposals = [m for m in view.msgs if m.purchase is None and m.is_proposal and m.stated]
    keys = [m.key for m in proposals]
    if len(set(keys)) == len(keys):
        return None  # no plan proposed twice: nothing can have been proposed afresh
    agreed: list[tuple[_Msg, object, frozenset]] = []  # (agreement, what it agreed to, plan key)
    for msg in view.msgs:
        if msg.purchase is not None:
            continue
        text = _norm(msg.turn.text)
        if agreed and msg.is_proposal and msg.stated and not _RECALL.search(text):
            key = msg.key
            for agreement, target, k in agreed:
                if k == key and target.msg is not msg:
                    return _finding_d(view, msg, agreement, target)
        if (msg.turn.type or "").lower() in REJECT_TYPES or _REJECTION.search(text):
            agreed.clear()
        elif _RENEGOTIATION.search(text):
            agreed.clear()
        elif msg.agree is not None:
            target, _ = _agreed_to(ctx, view, msg)
            if target is not None and target.msg is not msg:
                agreed.append((msg, target, plan_key(target.plan)))
    return None


def _finding_d(view: _View, msg: _Msg, agreement: _Msg, target) -> Finding:
    rnd = view.rnd.number
    plan = {a: dict(q) for a, q in msg.stated.items()}
    return Finding(
        code=CODE,
        name=NAME,
        severity="warning",
        round=rnd,
        turns=sorted({target.msg.turn.turn, agreement.turn.turn, msg.turn.turn}),
        agents=sorted({msg.turn.agent, agreement.turn.agent}),
        message=(
            f"round {rnd}: {msg.turn.agent} proposes afresh (turn {msg.turn.turn}) the plan "
            f"{agreement.turn.agent} already agreed to (turn {agreement.turn.turn}), as if "
            f"there were no agreement: {_fmt_plan(plan)}"
        ),
        evidence={
            "variant": "reproposed_agreed_plan",
            "rounds": [rnd],
            "plan": plan,
            "agreed_from": {**_where(target.msg), "round": rnd},
            "agreement": {**_where(agreement), "round": rnd, "phrase": agreement.agree},
            "reproposal": {**_where(msg), "round": rnd},
        },
    )


# -- (c) behaving as if the round were the first --------------------------------------------


def _quote_turn(t: Turn) -> dict:
    return {"turn": t.turn, "agent": t.agent, "id": t.id, "line": t.line, "text": _quote(t.text)}


RECENT = 20  # (c): the evidence lists at most this many earlier rounds (and counts all)


def _fresh_start(state: HistoryLoss, rnd: Round) -> list[Finding]:
    out: list[Finding] = []
    inst = state.instance_key(rnd.instance)
    talked = (state.talked_count, state.talked)
    same_game = (state.same_game.get(inst, 0), state.same_game_last.get(inst, []))
    opened: set[str] = set()
    for t in rnd.turns:
        if t.agent in opened or (t.type or "").lower() == "purchase" or not t.text:
            continue
        opened.add(t.agent)
        if not talked[0]:
            continue
        text = _norm(t.text)
        if _HISTORY.search(text):
            continue
        m = _FRESH.search(text)
        if m is None and same_game[0]:
            m = _UNSEEN_PROJECTS.search(text)
        if m is not None:
            out.append(_finding_c_language(rnd, t, m.group(0), talked, same_game))
    if rnd.turns:
        state.talked_count += 1
        state.talked = [*state.talked, rnd.number][-RECENT:]
        state.same_game[inst] = state.same_game.get(inst, 0) + 1
        state.same_game_last[inst] = [*state.same_game_last.get(inst, []), rnd.number][-RECENT:]
    return out


def _finding_c_language(rnd: Round, t: Turn, phrase: str, talked, same_game) -> Finding:
    """``talked`` and ``same_game`` are (count, latest round numbers) of the earlier rounds
    with talk, and of those on this round's instance."""
    return Finding(
        code=CODE,
        name=NAME,
        severity="warning",
        round=rnd.number,
        turns=[t.turn],
        agents=[t.agent],
        message=(
            f"{t.agent} opens round {rnd.number} with first-round language ({phrase!r}) "
            f"although {talked[0]} earlier round(s) were played"
            + (" on the same game" if same_game[0] else "")
        ),
        evidence={
            "variant": "fresh_start_language",
            "rounds": [*talked[1], rnd.number],
            "earlier_rounds": talked[0],
            "phrase": phrase,
            "quote": _quote_turn(t),
            "same_instance_rounds": list(same_game[1]),
            "same_instance_count": same_game[0],
        },
    )
