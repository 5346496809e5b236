"""Conformance of a stream of message envelopes to a protocol (DESIGN §5): the T-codes.

`ConformanceChecker` checks one message at a time, in order, so the same object serves the
offline `coord validate` over a recorded transcript and the live coordinator (which asks
`would_accept` before letting a message through, then `feed`s it). `check_conformance`
runs a whole stream and returns a `ConformanceReport`.

Codes (severity error unless noted); every finding carries the envelope's line and id:

====  =========================================================================================
T001  invalid envelope: missing or ill-typed ``id``, ``type``, ``from``, ``to`` (also
      ``in_reply_to``, ``conversation_id``), and every problem the input adapter recorded
T002  unknown message type
T003  invalid content — every schema error its own finding, with its JSON path
      (``$.content.plan.alice``)
T004  the sender's role may not send this type (or the sender has no role)
T005  wrong receiver (its role is not the type's ``to`` role), or ``in_reply_to`` names a
      message of another conversation
T006  bad ``in_reply_to``: unknown id, answers a type not in ``reply_to``, missing although
      required, present although ``reply_to`` is ``[]``
T007  out of order: no transition for this type in the conversation's state
T008  duplicate id
T009  message after a terminal state of its conversation
T010  commitment operation by the wrong party (see `coord.protocol.commitments`); the
      commitment does not change
T011  acting on a commitment that was only acknowledged ("performer only acknowledged m1;
      no agree"); replaces the T007 the same message would get
T012  violation: a deadline passed, a violate-type message, a cancel of a binding commitment
T013  (warning, from `finish`) a commitment still binding — detached, not discharged — at
      the end of the input
====  =========================================================================================

Semantic choices, recorded here because the linter, the coordinator and the docs rely on
them:

* Conversations are keyed by ``conversation_id``; ``None`` is one default conversation. A
  message without ``conversation_id`` that answers a known message joins that message's
  conversation.
* Only *flow-acceptable* messages change state: known type, unique id, a transition from
  the conversation's state, no T011. Content, role, receiver and reply errors (T003–T006)
  are reported but do not stop the conversation from moving on, so one bad field does not
  bury the rest of a transcript under out-of-order errors. A commitment operation applies
  only with a flow-acceptable message, and not at all when it is by the wrong party.
* Every message with a usable, new id is remembered (for T006 and T008), acceptable or not.
* Deadlines: ``turns: N`` — a detached instance must be discharged within the N messages of
  its conversation that follow the detaching one; the next message finds it violated.
  ``seconds: N`` — measured on envelope ``ts`` (ISO-8601 or epoch seconds) of any later
  message. Either violation is a T012 reported by `feed` against the message that revealed
  it, before that message's own checks (so a late discharge is reported late).
* `would_accept` returns the findings that make the message itself unacceptable: every
  code of `feed` except T012. A violation (a ``failure`` report, a cancel of a binding
  commitment, a deadline passing) is a fact the layer records, not a malformed message a
  live coordinator should refuse and re-ask.
* T011: a discharge-type message when the commitment it would discharge is not binding and
  someone acknowledged — either a conditional instance with ``acked_by`` (its detach type
  is named), or, for commitments created binding (``create``, request–commit style), no
  instance at all but an acknowledgement in the reply chain or conversation (its create
  type is named). Also any message that answers the creating message of an acknowledged,
  never-detached conditional instance, unless it is a lifecycle operation that is legal on
  a conditional one (detach, cancel, release, a new conditional/create) or another
  acknowledgement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from coord.errors import did_you_mean
from coord.protocol import commitments as cm
from coord.protocol.envelope import Envelope, Finding
from coord.protocol.model import LoadedProtocol

ERROR = "error"
WARNING = "warning"

_MAX_CHAIN = 256  # reply chains are followed this far up (bounds the work per message)
_RECENT = 16  # messages per conversation remembered for acknowledgements without in_reply_to


@dataclass(frozen=True)
class _Record:
    """What is remembered of a message once seen."""

    id: str
    type: str | None
    conversation_id: str | None
    sender: str | None
    in_reply_to: str | None
    line: int | None


@dataclass
class _Plan:
    """The outcome of checking one message: findings, and the changes `feed` applies."""

    findings: list[Finding] = field(default_factory=list)
    effects: list[Callable[[], None]] = field(default_factory=list)

    def apply(self) -> None:
        for effect in self.effects:
            effect()


def _label(conversation_id: str | None) -> str:
    return "the default conversation" if conversation_id is None else f"`{conversation_id}`"


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _names(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(items) if items else "nothing"


def parse_ts(ts: Any) -> float | None:
    """Envelope time as epoch seconds: a number, a numeric string, or ISO-8601 (naive = UTC).
    None when absent or unreadable."""
    if isinstance(ts, bool) or ts is None:
        return None
    if isinstance(ts, (int, float)):
        return float(ts) if math.isfinite(ts) else None
    if not isinstance(ts, str):
        return None
    try:
        value = float(ts)
        return value if math.isfinite(value) else None
    except ValueError:
        pass
    text = ts.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


class ConformanceChecker:
    """Checks envelopes, one at a time and in order, against one protocol.

    ``roles`` maps agent names (the envelopes' ``from``/``to``) to protocol roles.
    ``source`` names the input in reports (`ConformanceReport.to_dict`).
    """

    def __init__(
        self, protocol: LoadedProtocol, roles: dict[str, str], *, source: str | None = None
    ) -> None:
        self.protocol = protocol
        self.spec = protocol.spec
        self.roles = dict(roles)
        self.source = source
        self.store = cm.CommitmentStore(self.spec)
        self._messages: dict[str, _Record] = {}
        self._states: dict[str | None, str] = {}
        self._counts: dict[str | None, int] = {}
        self._recent: dict[str | None, list[tuple[str, str | None]]] = {}
        self._transitions: dict[tuple[str, str], str] = {}
        self._allowed: dict[str, list[str]] = {}
        for t in self.spec.flow.transitions:
            for state in t.source:
                self._transitions.setdefault((state, t.msg), t.target)
                allowed = self._allowed.setdefault(state, [])
                if t.msg not in allowed:
                    allowed.append(t.msg)
        self._terminal = set(self.spec.flow.terminal)
        self._timed: list[cm.Instance] = []  # open instances that have a deadline

    # -- public ----------------------------------------------------------------------------

    def feed(self, env: Envelope) -> list[Finding]:
        """Check ``env`` and record it: the conversation moves on and commitments change
        when the message is acceptable for the flow. Returns its findings."""
        conv = self._conversation(env)
        self._counts[conv] = turn = self._counts.get(conv, 0) + 1
        findings = self._deadlines(env, conv, turn)
        plan = self._evaluate(env, conv, turn)
        plan.apply()
        return findings + plan.findings

    def would_accept(self, env: Envelope) -> list[Finding]:
        """The findings `feed` would report about ``env`` itself (all but T012), without
        recording anything. An empty list (or warnings only) means: let it through."""
        conv = self._conversation(env)
        plan = self._evaluate(env, conv, self._counts.get(conv, 0) + 1)
        return [f for f in plan.findings if f.code != "T012"]

    def finish(self) -> list[Finding]:
        """End of input: T013 for every commitment still binding; conditional ones that
        never became binding expire (no finding)."""
        findings = []
        for inst in self.store.all():
            if inst.state == cm.DETACHED:
                findings.append(
                    Finding(
                        "T013",
                        WARNING,
                        f"commitment `{inst.name}` ({inst.id}, {inst.debtor} → {inst.creditor})"
                        " is still binding at the end of the input: never discharged",
                        line=inst.line,
                        message_id=inst.id,
                    )
                )
        self.store.expire_conditionals()
        return findings

    def commitments(self) -> list[dict[str, Any]]:
        """Every instance so far: ``{"name", "state", "debtor", "creditor", "id"}``."""
        return [inst.summary() for inst in self.store.all()]

    def state_of(self, conversation_id: str | None = None) -> str:
        """The flow state a conversation is in (the initial state if it never started)."""
        return self._states.get(conversation_id, self.spec.flow.initial)

    # -- the checks ------------------------------------------------------------------------

    def _conversation(self, env: Envelope) -> str | None:
        conv = env.conversation_id
        if conv is None and isinstance(env.in_reply_to, str):
            target = self._messages.get(env.in_reply_to)
            if target is not None:
                return target.conversation_id
        if conv is not None and not isinstance(conv, str):
            return str(conv)
        return conv

    def _chain(self, in_reply_to: str | None) -> list[str]:
        chain: list[str] = []
        seen: set[str] = set()
        current = in_reply_to
        while isinstance(current, str) and current not in seen and len(chain) < _MAX_CHAIN:
            record = self._messages.get(current)
            if record is None:
                break
            chain.append(current)
            seen.add(current)
            current = record.in_reply_to
        return chain

    def _evaluate(self, env: Envelope, conv: str | None, turn: int) -> _Plan:
        plan = _Plan()
        msg_id = env.id if isinstance(env.id, str) and env.id else None

        def add(code: str, message: str, path: str | None = None) -> Finding:
            finding = Finding(code, ERROR, message, line=env.line, message_id=msg_id, path=path)
            plan.findings.append(finding)
            return finding

        # T001: the envelope itself.
        for name, value in (
            ("id", env.id),
            ("type", env.type),
            ("from", env.sender),
            ("to", env.receiver),
        ):
            if value is None:
                add("T001", f"invalid envelope: `{name}` is missing", f"$.{name}")
            elif not isinstance(value, str) or not value:
                add(
                    "T001",
                    f"invalid envelope: `{name}` must be a non-empty string, "
                    f"got {_describe(value)}",
                    f"$.{name}",
                )
        for name, value in (
            ("in_reply_to", env.in_reply_to),
            ("conversation_id", env.conversation_id),
        ):
            if value is not None and (not isinstance(value, str) or not value):
                add(
                    "T001",
                    f"invalid envelope: `{name}` must be a non-empty string or absent, "
                    f"got {_describe(value)}",
                    f"$.{name}",
                )
        for problem in env.problems:
            add("T001", f"invalid envelope: {problem}")
        mtype = env.type if isinstance(env.type, str) and env.type else None
        sender = env.sender if isinstance(env.sender, str) and env.sender else None
        receiver = env.receiver if isinstance(env.receiver, str) and env.receiver else None
        irt = env.in_reply_to if isinstance(env.in_reply_to, str) and env.in_reply_to else None

        # T008
        duplicate = msg_id is not None and msg_id in self._messages
        if duplicate:
            first = self._messages[msg_id].line
            where = f" (first used on line {first})" if first is not None else ""
            add("T008", f"duplicate message id `{msg_id}`{where}")

        # T002
        spec = self.spec.messages.get(mtype) if mtype else None
        if mtype and spec is None:
            add(
                "T002",
                f"unknown message type `{mtype}`{did_you_mean(mtype, self.spec.messages)}",
                "$.type",
            )

        target = self._messages.get(irt) if irt else None
        sender_role = self.roles.get(sender) if sender else None
        if spec is not None:
            # T003: every schema error of the content.
            validator = self.protocol.validators.get(mtype)
            # The compiled fast check decides; the detailed (slow) pass runs only to explain
            # a failure.
            if validator is not None and not validator.is_valid(env.content):
                for path, message in validator.errors(env.content):
                    rest = path[1:] if path.startswith("$") else "." + path
                    add("T003", f"invalid content of `{mtype}`: {message}", "$.content" + rest)
            # T004
            if sender and sender_role is None:
                add(
                    "T004",
                    f"sender `{sender}` has no role; `{mtype}` may only be sent by "
                    f"role `{spec.sender}` (assign roles with --roles)",
                    "$.from",
                )
            elif sender and sender_role != spec.sender:
                add(
                    "T004",
                    f"role `{sender_role}` ({sender}) may not send `{mtype}`; only "
                    f"`{spec.sender}` may",
                    "$.from",
                )
            # T005: receiver
            receiver_role = self.roles.get(receiver) if receiver else None
            if receiver and receiver_role is None:
                add(
                    "T005",
                    f"receiver `{receiver}` has no role; `{mtype}` goes to role "
                    f"`{spec.receiver}` (assign roles with --roles)",
                    "$.to",
                )
            elif receiver and receiver_role != spec.receiver:
                add(
                    "T005",
                    f"`{mtype}` goes to role `{spec.receiver}`, but receiver "
                    f"`{receiver}` is `{receiver_role}`",
                    "$.to",
                )
            # T006
            if irt is not None:
                if spec.reply_to == []:
                    add(
                        "T006",
                        f"`{mtype}` starts a conversation and answers nothing, but "
                        f"in_reply_to is `{irt}`",
                        "$.in_reply_to",
                    )
                elif target is None:
                    add("T006", f"in_reply_to `{irt}` names no earlier message", "$.in_reply_to")
                elif spec.reply_to is not None and target.type not in spec.reply_to:
                    add(
                        "T006",
                        f"`{mtype}` answers only {_names(spec.reply_to)}; in_reply_to "
                        f"`{irt}` is a `{target.type}`",
                        "$.in_reply_to",
                    )
            elif spec.reply_to and spec.reply_required and env.in_reply_to is None:
                add(
                    "T006",
                    f"`{mtype}` must answer one of {_names(spec.reply_to)}, but has no in_reply_to",
                    "$.in_reply_to",
                )
        # T005: conversation mismatch
        if (
            target is not None
            and env.conversation_id is not None
            and target.conversation_id != conv
        ):
            add(
                "T005",
                f"in_reply_to `{irt}` belongs to {_label(target.conversation_id)}, "
                f"this message to {_label(conv)}",
                "$.conversation_id",
            )

        # Flow: T009 / T007.
        state = self.state_of(conv)
        flow_finding: tuple[str, str] | None = None
        next_state: str | None = None
        if spec is not None and not duplicate:
            if state in self._terminal:
                flow_finding = (
                    "T009",
                    f"{_label(conv)} already ended in state `{state}`; got {mtype}",
                )
            else:
                next_state = self._transitions.get((state, mtype))
                if next_state is None:
                    allowed = self._allowed.get(state, [])
                    what = f"only {_names(allowed)} may follow" if allowed else "nothing may follow"
                    flow_finding = ("T007", f"in state `{state}` {what}; got {mtype}")

        chain = self._chain(irt)
        t011 = None
        if spec is not None and not duplicate:
            t011 = self._only_acknowledged(mtype, conv, chain, target)
        if t011 is not None:
            add("T011", t011)
        if flow_finding is not None and not (t011 is not None and flow_finding[0] == "T007"):
            add(*flow_finding)

        # What `feed` records.
        if msg_id is not None and not duplicate:
            record = _Record(msg_id, mtype, conv, sender, irt, env.line)
            plan.effects.append(lambda: self._remember(record))
        if next_state is None or t011 is not None:
            return plan
        plan.effects.append(lambda: self._states.__setitem__(conv, next_state))
        if sender is None:
            return plan
        self._plan_commitments(
            env, plan, add, mtype, msg_id, sender, sender_role, receiver, conv, chain, target, turn
        )
        return plan

    def _remember(self, record: _Record) -> None:
        self._messages[record.id] = record
        recent = self._recent.setdefault(record.conversation_id, [])
        recent.append((record.id, record.sender))
        del recent[:-_RECENT]

    def _only_acknowledged(
        self, mtype: str, conv: str | None, chain: list[str], target: _Record | None
    ) -> str | None:
        """The T011 message for a message of type ``mtype``, or None."""
        for name, op in cm.operations_of(self.spec, mtype):
            if op != "discharge":
                continue
            cspec = self.spec.commitments[name]
            inst = self.store.resolve(name, op, chain, conv)
            if inst is not None:
                if inst.state == cm.CONDITIONAL and inst.acked_by:
                    return self._t011_text(
                        mtype, name, inst.acked_by[-1], inst.id, cm.binding_type(cspec)
                    )
                continue
            ack = self.store.last_ack(conv, chain)
            if ack is not None:
                binding = cspec.create[0] if cspec.create else cm.binding_type(cspec)
                return self._t011_text(mtype, name, ack.agent, ack.target or "?", binding)
        if target is None or cm.is_ack_type(self.spec, mtype):
            return None
        for inst in self.store.created_by(target.id):
            cspec = self.spec.commitments[inst.name]
            legal = {
                *cspec.detach,
                *cspec.cancel,
                *cspec.release,
                *cspec.create,
                *cspec.conditional,
            }
            if inst.state == cm.CONDITIONAL and inst.acked_by and mtype not in legal:
                return self._t011_text(
                    mtype, inst.name, inst.acked_by[-1], inst.id, cm.binding_type(cspec)
                )
        return None

    def _t011_text(self, mtype: str, name: str, agent: str, acked: str, binding: str) -> str:
        role = self.roles.get(agent, agent)
        if sum(r == role for r in self.roles.values()) > 1:
            role = f"{role} {agent}"  # several agents play this role: name which one
        return (
            f"`{mtype}` acts on commitment `{name}` as if it were binding, but "
            f"{role} only acknowledged {acked}; no {binding}"
        )

    def _plan_commitments(
        self,
        env: Envelope,
        plan: _Plan,
        add,
        mtype: str,
        msg_id: str | None,
        sender: str,
        sender_role: str | None,
        receiver: str | None,
        conv: str | None,
        chain: list[str],
        target: _Record | None,
        turn: int,
    ) -> None:
        ts = parse_ts(env.ts)
        if cm.is_ack_type(self.spec, mtype):
            acked = target.id if target is not None else self._last_from_other(conv, sender)
            ack = cm.Ack(sender, acked, msg_id, conv)
            plan.effects.append(lambda: self.store.add_ack(ack))
            return
        for name, op in cm.operations_of(self.spec, mtype):
            cspec = self.spec.commitments[name]
            if op in cm.CREATE_OPS:
                if sender_role != cspec.debtor:
                    add(
                        "T010",
                        f"`{mtype}` creates commitment `{name}`, whose debtor is role "
                        f"`{cspec.debtor}`; {sender} is `{sender_role}`: nothing created",
                    )
                    continue
                if msg_id is None or receiver is None:
                    continue  # T001 already says why; an instance needs both
                detached = op == "create"
                inst = cm.Instance(
                    id=msg_id,
                    name=name,
                    debtor=sender,
                    creditor=receiver,
                    state=cm.DETACHED if detached else cm.CONDITIONAL,
                    created_by=mtype,
                    conversation_id=conv,
                    line=env.line,
                    detached_turn=turn if detached else None,
                    detached_ts=ts if detached else None,
                )
                inst.history.append(
                    {
                        "from": None,
                        "to": inst.state,
                        "by": sender,
                        "message_id": msg_id,
                        "why": mtype,
                    }
                )
                plan.effects.append(lambda inst=inst: self._add(inst))
                continue
            inst = self.store.resolve(name, op, chain, conv)
            if inst is None:
                continue
            if op == "discharge" and sender == inst.creditor and inst.debtor != sender:
                # In a symmetric protocol (negotiation: both buy under one agreed plan) the
                # creditor sends the same message type to do its own part; that neither
                # discharges the debtor's commitment nor is an error.
                continue
            party = cm.PARTY[op]
            allowed = {
                cm.DEBTOR: {inst.debtor},
                cm.CREDITOR: {inst.creditor},
                cm.EITHER: {inst.debtor, inst.creditor},
            }[party]
            if sender not in allowed:
                who = inst.debtor if party == cm.DEBTOR else inst.creditor
                which = f"its {party} `{who}`" if party != cm.EITHER else "its parties"
                add(
                    "T010",
                    f"`{mtype}` ({op}) on commitment `{name}` ({inst.id}) may only "
                    f"come from {which}, not `{sender}`: unchanged",
                )
                continue
            new = cm.transition(inst.state, op)
            if new is None:
                continue
            if new == cm.VIOLATED:
                why = (
                    "cancelling a binding commitment is a violation"
                    if op == "cancel"
                    else f"`{mtype}` reports it"
                )
                add(
                    "T012",
                    f"commitment `{name}` ({inst.id}, {inst.debtor} → {inst.creditor}) "
                    f"violated: {why}",
                )
            plan.effects.append(
                lambda inst=inst, new=new, op=op: self._move(
                    inst, new, sender, msg_id, f"{mtype} ({op})", turn, ts
                )
            )

    def _add(self, inst: cm.Instance) -> None:
        self.store.add(inst)
        if self.spec.commitments[inst.name].deadline is not None:
            self._timed.append(inst)  # only these are looked at for deadlines

    def _move(
        self,
        inst: cm.Instance,
        new: str,
        by: str,
        msg_id: str | None,
        why: str,
        turn: int,
        ts: float | None,
    ) -> None:
        if new == cm.DETACHED:
            inst.detached_turn, inst.detached_ts = turn, ts
        inst.move(new, by=by, message_id=msg_id, why=why)

    def _last_from_other(self, conv: str | None, agent: str) -> str | None:
        for msg_id, sender in reversed(self._recent.get(conv, [])):
            if sender != agent:
                return msg_id
        return None

    def _deadlines(self, env: Envelope, conv: str | None, turn: int) -> list[Finding]:
        """T012 for binding commitments whose deadline this message shows to have passed."""
        findings = []
        now = parse_ts(env.ts)
        msg_id = env.id if isinstance(env.id, str) and env.id else None
        self._timed = [i for i in self._timed if i.open]
        for inst in self._timed:
            if inst.state != cm.DETACHED:
                continue
            deadline = self.spec.commitments[inst.name].deadline
            why = None
            if (
                deadline.turns is not None
                and inst.conversation_id == conv
                and inst.detached_turn is not None
                and turn > inst.detached_turn + deadline.turns
            ):
                why = f"not discharged within {deadline.turns} messages of its conversation"
            elif (
                deadline.seconds is not None
                and now is not None
                and inst.detached_ts is not None
                and now - inst.detached_ts > deadline.seconds
            ):
                why = f"not discharged within {deadline.seconds:g} seconds"
            if why is None:
                continue
            inst.move(cm.VIOLATED, by=None, message_id=msg_id, why="deadline")
            findings.append(
                Finding(
                    "T012",
                    ERROR,
                    f"commitment `{inst.name}` ({inst.id}, {inst.debtor} → "
                    f"{inst.creditor}) violated: {why}",
                    line=env.line,
                    message_id=msg_id,
                )
            )
        return findings


@dataclass
class ConformanceReport:
    """The result of checking a whole stream."""

    findings: list[Finding]
    commitments: list[dict[str, Any]]
    source: str | None = None

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(f.severity == ERROR for f in self.findings)

    def to_dict(self, path: str | None = None) -> dict[str, Any]:
        return {
            "path": path if path is not None else self.source,
            "ok": self.ok,
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "line": f.line,
                    "message_id": f.message_id,
                    "message": f.message,
                    "path": f.path,
                }
                for f in self.findings
            ],
            "commitments": [dict(c) for c in self.commitments],
        }


def check_conformance(
    protocol: LoadedProtocol,
    envelopes: Iterable[Envelope],
    roles: dict[str, str],
    *,
    source: str | None = None,
) -> ConformanceReport:
    """Check every envelope in order, then `finish`.

    When ``envelopes`` carries findings of its own (the stream `coord.protocol.inputs`
    returns has a ``findings`` list, e.g. a torn last line), they are appended once the
    stream is exhausted.
    """
    checker = ConformanceChecker(protocol, roles, source=source)
    findings: list[Finding] = []
    for env in envelopes:
        findings.extend(checker.feed(env))
    findings.extend(getattr(envelopes, "findings", None) or [])
    findings.extend(checker.finish())
    return ConformanceReport(findings, checker.commitments(), source)
