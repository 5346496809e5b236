"""Conformance of a stream of message envelopes to a protocol (DESIGN §5): the T-codes.

`ConformanceChecker` checks one message at a time, in order, so the same object serves the
offline `coord validate` over a recorded transcript and the live coordinator (which asks
`would_accept` before letting a message through, then `feed`s it). `check_conformance`
runs a whole stream and returns a `ConformanceReport`.

Codes (severity error unless noted); every finding carries the envelope's line and id:

====  =========================================================================================
T001  invalid envelope: missing or ill-typed ``id``, ``type``, ``from``, ``to`` (also
      ``in_reply_to``, ``conversation_id``), a ``ts`` that is neither ISO-8601 nor epoch
      seconds, and every problem the input adapter recorded
T002  unknown message type
T003  invalid content — every schema error its own finding, with its JSON path
      (``$.content.plan.alice``)
T004  the sender's role may not send this type (or the sender has no role)
T005  wrong receiver (its role is not the type's ``to`` role), or ``in_reply_to`` names a
      message of another conversation
T006  bad ``in_reply_to``: unknown id, answers a type not in ``reply_to``, present although
      ``reply_to`` is ``[]``, or missing although required and no earlier message of the
      conversation has a type it may answer (see "inferred replies" below)
T007  out of order: no transition for this type in the conversation's state
T008  duplicate id
T009  message after a terminal state of its conversation
T010  commitment operation by the wrong party (see `coord.protocol.commitments`); the
      commitment does not change
T011  acting on a commitment that was only acknowledged ("performer only acknowledged m1;
      no agree"); replaces the T007 the same message would get
T012  violation: a deadline passed (also found by `finish` when it has fully elapsed at the
      end of the input), a violate-type message, a cancel of a binding commitment
T013  (warning, from `finish`) a commitment still binding — detached, not discharged — at
      the end of the input, its deadline (if any) not yet passed
====  =========================================================================================

Semantic choices, recorded here because the linter, the coordinator and the docs rely on
them:

* Conversations are keyed by ``conversation_id``. A message without ``conversation_id``
  that answers a known message joins that message's conversation; any other one joins the
  current *implicit* conversation: first the default one (``None``); once that has reached
  a terminal state, a conversation *starter* — its type has ``reply_to: []``, or it has no
  ``in_reply_to`` and a transition from ``flow.initial`` — opens the next implicit one
  (``#conv2``, ``#conv3``, …), so ``request, agree, deliver, request, refuse`` is clean.
  Any other message after the terminal state is still T009.
* Inferred replies: ``in_reply_to`` is optional (DESIGN §6) and transcripts of other tools
  rarely carry it. When it is absent and the type has a non-empty ``reply_to`` (and
  ``reply_required`` is not false), the message answers the most recent earlier message of
  its conversation whose type is in ``reply_to``; that inferred target is used for
  everything that follows (reply chain, commitment resolution, T011, what later messages
  see as its ``in_reply_to``). Only when there is none is it T006. With
  ``reply_required: false`` an absent ``in_reply_to`` starts fresh (nothing is inferred);
  an explicit ``in_reply_to`` naming an unknown id is T006.
* Only *flow-acceptable* messages change state: known type, unique id, a transition from
  the conversation's state, no T011. Content, role, receiver and reply errors (T003–T006)
  are reported but do not stop the conversation from moving on, so one bad field does not
  bury the rest of a transcript under out-of-order errors. A commitment operation applies
  only with a flow-acceptable message, and not at all when it is by the wrong party.
* Every message with a usable, new id is remembered (for T006 and T008), acceptable or not.
* Deadlines: ``turns: N`` — a detached instance must be discharged within the N messages of
  its conversation that follow the detaching one; the next message finds it violated.
  ``seconds: N`` — measured on envelope ``ts`` of any later message. Either violation is a
  T012 reported by `feed` against the message that revealed it, before that message's own
  checks (so a late discharge is reported late); its text gives the deadline and how many
  messages / seconds had passed. At the end of the input `finish` reports T012 (not T013)
  for a still-binding instance whose N messages have all followed, or whose conversation's
  last ``ts`` is past its deadline; it is reported against the detaching message.
* ``ts``: ISO-8601 (naive = UTC), or epoch seconds as a number or numeric string; an epoch
  value above 1e12 is taken for milliseconds and divided by 1000. Anything else is T001
  (it would otherwise silently disable ``seconds`` deadlines).
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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from coord.protocol import commitments as cm
from coord.protocol.envelope import Envelope, Finding
from coord.protocol.flow import ERROR, WARNING, FlowChecks, _Record
from coord.protocol.model import LoadedProtocol
from coord.protocol.obligations import CommitmentChecks, parse_ts

__all__ = ["ConformanceChecker", "ConformanceReport", "check_conformance", "parse_ts"]


class ConformanceChecker(FlowChecks, CommitmentChecks):
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
        self._last_ts: dict[str | None, float] = {}  # per conversation, for `finish`
        # per conversation: type -> (order, id) of its latest message (inferred replies)
        self._latest: dict[str | None, dict[str, tuple[int, str]]] = {}
        self._implicit: str | None = None  # where messages without conversation_id go
        self._implicit_count = 1

    # -- public ----------------------------------------------------------------------------

    def feed(self, env: Envelope) -> list[Finding]:
        """Check ``env`` and record it: the conversation moves on and commitments change
        when the message is acceptable for the flow. Returns its findings."""
        conv, fresh = self._route(env)
        if fresh:
            self._open_implicit(conv)
        self._counts[conv] = turn = self._counts.get(conv, 0) + 1
        findings = self._deadlines(env, conv, turn)
        plan = self._evaluate(env, conv, turn)
        plan.apply()
        return findings + plan.findings

    def would_accept(self, env: Envelope) -> list[Finding]:
        """The findings `feed` would report about ``env`` itself (all but T012), without
        recording anything. An empty list (or warnings only) means: let it through."""
        conv, _ = self._route(env)
        plan = self._evaluate(env, conv, self._counts.get(conv, 0) + 1)
        return [f for f in plan.findings if f.code != "T012"]

    def finish(self) -> list[Finding]:
        """End of input: T012 for every commitment still binding whose deadline has fully
        elapsed, T013 for every other one still binding; conditional ones that never became
        binding expire (no finding)."""
        findings = self._deadlines_at_end()
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
