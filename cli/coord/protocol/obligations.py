"""Commitment checks of the conformance checker: T010–T013.

`CommitmentChecks` is a mixin of `coord.protocol.conformance.ConformanceChecker`: it plans
the commitment changes of a flow-acceptable message (T010 wrong party, T012 violation),
decides T011 (acting on a commitment that was only acknowledged) and finds passed deadlines
(T012). The lifecycle itself is `coord.protocol.commitments`; the codes and the semantic
choices are documented in `coord.protocol.conformance`. T013 is reported by
`ConformanceChecker.finish`.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from coord.protocol import commitments as cm
from coord.protocol.envelope import Envelope, Finding
from coord.protocol.flow import ERROR, _Plan, _Record

if TYPE_CHECKING:
    from coord.protocol.model import Protocol


_MILLIS = 1e12  # epoch values above this are milliseconds (1e12 s is the year 33658)


def parse_ts(ts: Any) -> float | None:
    """Envelope time as epoch seconds: a number, a numeric string, or ISO-8601 (naive = UTC).

    A number above 1e12 is taken for epoch *milliseconds* (as JavaScript's ``Date.now()``
    writes them) and divided by 1000. None when absent or unreadable (the checker reports
    an unreadable ``ts`` as T001)."""
    if isinstance(ts, bool) or ts is None:
        return None
    if isinstance(ts, (int, float)):
        return _epoch(float(ts))
    if not isinstance(ts, str):
        return None
    try:
        return _epoch(float(ts))
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


def _epoch(value: float) -> float | None:
    if not math.isfinite(value):
        return None
    return value / 1000 if value > _MILLIS else value


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


class CommitmentChecks:
    """The T010–T012 checks of `ConformanceChecker` and the commitment changes it records.

    A mixin: the state below is set up by `ConformanceChecker.__init__`.
    """

    spec: Protocol
    roles: dict[str, str]
    store: cm.CommitmentStore
    _recent: dict[str | None, list[tuple[str, str | None]]]
    _timed: list[cm.Instance]
    _counts: dict[str | None, int]
    _last_ts: dict[str | None, float]

    @staticmethod
    def _read_ts(ts: Any) -> float | None:
        return parse_ts(ts)

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
        if now is not None:
            self._last_ts[conv] = now
        self._timed = [i for i in self._timed if i.open]
        for inst in self._timed:
            why = self._overdue(inst, conv, turn, now, ended=False)
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

    def _deadlines_at_end(self) -> list[Finding]:
        """`finish`: T012 for binding commitments whose deadline has fully elapsed by the end
        of the input — ``turns: N`` with N or more messages of its conversation after the
        detaching one, ``seconds: N`` when the last ``ts`` seen in its conversation is past
        it. They become violated (so `finish` reports no T013 for them)."""
        findings = []
        for inst in self._timed:
            if not inst.open:
                continue
            conv = inst.conversation_id
            why = self._overdue(
                inst, conv, self._counts.get(conv, 0), self._last_ts.get(conv), ended=True
            )
            if why is None:
                continue
            inst.move(cm.VIOLATED, by=None, message_id=None, why="deadline")
            findings.append(
                Finding(
                    "T012",
                    ERROR,
                    f"commitment `{inst.name}` ({inst.id}, {inst.debtor} → "
                    f"{inst.creditor}) violated: {why}, and the input ended",
                    line=inst.line,
                    message_id=inst.id,
                )
            )
        return findings

    def _overdue(
        self,
        inst: cm.Instance,
        conv: str | None,
        turn: int,
        now: float | None,
        *,
        ended: bool,
    ) -> str | None:
        """Why ``inst`` is past its deadline at message ``turn`` of ``conv`` (time ``now``),
        or None. At the end of the input (``ended``) ``turn`` is the conversation's last
        message, and N messages after the detaching one already exhaust ``turns: N``."""
        if inst.state != cm.DETACHED:
            return None
        deadline = self.spec.commitments[inst.name].deadline
        if deadline is None:
            return None
        if (
            deadline.turns is not None
            and inst.conversation_id == conv
            and inst.detached_turn is not None
        ):
            followed = turn - inst.detached_turn
            if followed > deadline.turns or (ended and followed >= deadline.turns):
                return (
                    f"not discharged within {deadline.turns} messages of its conversation "
                    f"({followed} followed the detaching one)"
                )
        if deadline.seconds is not None and now is not None and inst.detached_ts is not None:
            elapsed = now - inst.detached_ts
            if elapsed > deadline.seconds:
                return (
                    f"not discharged within {_seconds(deadline.seconds)} seconds "
                    f"({_seconds(elapsed)} seconds elapsed since it became binding)"
                )
        return None
