"""Commitment instances and their lifecycle (Singh), as the conformance checker tracks them.

A protocol's `commitments` section declares commitment *kinds* C(debtor role, creditor
role, …) and which message types operate on them. Every message of a `create` or
`conditional` type (sent by an agent playing the debtor role) opens one **instance**, keyed
by the id of that message; its debtor is the sender and its creditor the receiver.

States and operations (``by`` = who may perform it; anyone else gets T010 and nothing
changes):

=============  ==========  ==============================================================
operation      by          effect
=============  ==========  ==============================================================
create         debtor      new instance, ``detached`` (binding at once)
conditional    debtor      new instance, ``conditional``
detach         creditor    conditional → detached
discharge      debtor      conditional | detached → discharged
violate        either      detached → violated (T012); no effect on a conditional one
cancel         debtor      conditional → cancelled; detached → violated (T012)
release        creditor    conditional | detached → released
(end of input) —           conditional → expired (no finding); detached stays open (T013)
(deadline)     —           detached past ``turns``/``seconds`` → violated (T012)
=============  ==========  ==============================================================

Discharged, violated, expired, cancelled and released are final: operations on a final
instance change nothing. (Cancelling a *released* instance is therefore no violation.)

**Acknowledgements change no commitment** (DESIGN §5). A message type is an
*acknowledgement* when it appears in no commitment's operation lists and either its name is
``ack``, ``acknowledge``, ``acknowledgement`` / ``acknowledgment`` or ends in ``_ack`` /
``-ack`` (case-insensitive), or its ``description`` starts with ``ack:`` (a protocol-level
convention), or — whatever its name — the message that makes a commitment binding (a
``create`` or ``detach`` message) may answer it, as ``agree`` answers ``ack``.
An acknowledgement adds its sender to the ``acked_by`` of the
instances created by the message it answers and is remembered per conversation (the
checker uses that for T011, "acting on a commitment that was only acknowledged").

Which instance an operation applies to: the checker follows ``in_reply_to`` up the reply
chain to the nearest message that created an instance of a commitment listing the
operation; failing that (no ``in_reply_to``, or a reply to a message such as ``request``
that created nothing) the most recent open instance of that commitment in the same
conversation to which the operation applies.

This module holds no protocol checks itself; it is the bookkeeping `ConformanceChecker`
drives. Everything is plain data so a checker can compute a change, look at it, and only
then apply it (``would_accept`` never applies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from coord.protocol.model import CommitmentSpec, Protocol

CONDITIONAL = "conditional"
DETACHED = "detached"
DISCHARGED = "discharged"
VIOLATED = "violated"
EXPIRED = "expired"
CANCELLED = "cancelled"
RELEASED = "released"
STATES = (CONDITIONAL, DETACHED, DISCHARGED, VIOLATED, EXPIRED, CANCELLED, RELEASED)
OPEN_STATES = frozenset({CONDITIONAL, DETACHED})

CREATE_OPS = ("create", "conditional")
OPERATIONS = ("create", "conditional", "detach", "discharge", "violate", "cancel", "release")

DEBTOR = "debtor"
CREDITOR = "creditor"
EITHER = "either"
PARTY = {
    "create": DEBTOR,
    "conditional": DEBTOR,
    "detach": CREDITOR,
    "discharge": DEBTOR,
    "violate": EITHER,
    "cancel": DEBTOR,
    "release": CREDITOR,
}
"""Who may perform each operation."""

_ACK_NAME = re.compile(r"^(ack|acknowledge|acknowledge?ment)$|[_-]ack$", re.IGNORECASE)


def transition(state: str, op: str) -> str | None:
    """The state an instance in ``state`` enters on ``op``; None when ``op`` does not apply.

    ``create``/``conditional`` open new instances and never apply to an existing one.
    """
    if state == CONDITIONAL:
        return {
            "detach": DETACHED,
            "discharge": DISCHARGED,
            "cancel": CANCELLED,
            "release": RELEASED,
        }.get(op)
    if state == DETACHED:
        return {
            "discharge": DISCHARGED,
            "violate": VIOLATED,
            "cancel": VIOLATED,  # cancelling a binding commitment is a violation
            "release": RELEASED,
        }.get(op)
    return None  # final states


def is_ack_type(protocol: Protocol, msg_type: str) -> bool:
    """Whether ``msg_type`` is an acknowledgement (see the module docstring)."""
    for spec in protocol.commitments.values():
        if any(msg_type in getattr(spec, op) for op in OPERATIONS):
            return False
    if _ACK_NAME.search(msg_type):
        return True
    spec = protocol.messages.get(msg_type)
    if spec and spec.description.strip().lower().startswith("ack:"):
        return True
    return _acknowledges_by_shape(protocol, msg_type)


def _acknowledges_by_shape(protocol: Protocol, msg_type: str) -> bool:
    """Whatever it is called (`seen`, `noted`, `received`): a message that takes part in no
    commitment but may itself be answered by the message that makes a commitment binding
    (`agree` answers `request` or `ack`) sits between a request and the agreement: it
    acknowledges. Binding messages are the `create` and `detach` ones."""
    spec = protocol.messages.get(msg_type)
    if spec is None or spec.reply_to == []:  # a message that starts a conversation
        return False
    for c in protocol.commitments.values():
        for binding in (*c.create, *c.detach):
            answers = protocol.messages.get(binding)
            if answers is not None and msg_type in (answers.reply_to or []):
                return True
    return False


def operations_of(protocol: Protocol, msg_type: str) -> list[tuple[str, str]]:
    """``(commitment name, operation)`` for every list ``msg_type`` appears in, in
    declaration order."""
    return [
        (name, op)
        for name, spec in protocol.commitments.items()
        for op in OPERATIONS
        if msg_type in getattr(spec, op)
    ]


def binding_type(spec: CommitmentSpec) -> str:
    """The message type that would make a commitment of this kind binding (for messages):
    its first ``detach`` type, else its first ``create`` type."""
    for types in (spec.detach, spec.create):
        if types:
            return types[0]
    return "detach"


@dataclass
class Instance:
    """One commitment instance, keyed by the id of the message that created it."""

    id: str
    name: str
    debtor: str
    creditor: str
    state: str
    created_by: str  # the type of the creating message
    conversation_id: str | None = None
    line: int | None = None  # of the creating message
    acked_by: list[str] = field(default_factory=list)  # agents that only acknowledged
    history: list[dict[str, Any]] = field(default_factory=list)
    detached_turn: int | None = None  # conversation message count when it became binding
    detached_ts: float | None = None  # envelope time (epoch seconds) when it became binding

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    def move(self, state: str, *, by: str | None, message_id: str | None, why: str) -> None:
        """Enter ``state``, recording what caused it."""
        self.history.append(
            {"from": self.state, "to": state, "by": by, "message_id": message_id, "why": why}
        )
        self.state = state

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "debtor": self.debtor,
            "creditor": self.creditor,
            "id": self.id,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, for reports that want the history."""
        return {
            **self.summary(),
            "created_by": self.created_by,
            "conversation_id": self.conversation_id,
            "acked_by": list(self.acked_by),
            "history": [dict(h) for h in self.history],
        }


@dataclass(frozen=True)
class Ack:
    """An acknowledgement: ``agent`` acknowledged message ``target`` (None: unknown)."""

    agent: str
    target: str | None
    message_id: str | None
    conversation_id: str | None


class CommitmentStore:
    """All instances of one transcript, in creation order, plus the acknowledgements seen."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.instances: dict[str, list[Instance]] = {}  # creating message id → instances
        self._order: list[Instance] = []
        self.acks: list[Ack] = []

    # -- queries ---------------------------------------------------------------------------

    def all(self) -> list[Instance]:
        return list(self._order)

    def created_by(self, message_id: str | None, name: str | None = None) -> list[Instance]:
        """Instances created by ``message_id`` (of commitment ``name`` when given)."""
        found = self.instances.get(message_id or "", [])
        return [i for i in found if name is None or i.name == name]

    def in_conversation(self, conversation_id: str | None) -> list[Instance]:
        """Instances of one conversation, the most recent first."""
        return [i for i in reversed(self._order) if i.conversation_id == conversation_id]

    def resolve(
        self, name: str, op: str, chain: list[str], conversation_id: str | None
    ) -> Instance | None:
        """The instance of commitment ``name`` an ``op`` message applies to.

        ``chain`` is the reply chain of the message, nearest first (its ``in_reply_to``,
        that message's ``in_reply_to``, …). The nearest message in it that created an
        instance of ``name`` wins, whatever that instance's state; without one, the most
        recent open instance in the conversation to which ``op`` applies.
        """
        for message_id in chain:
            found = self.created_by(message_id, name)
            if found:
                return found[-1]
        for inst in self.in_conversation(conversation_id):
            if inst.name == name and inst.open and transition(inst.state, op):
                return inst
        return None

    def last_ack(self, conversation_id: str | None, chain: list[str]) -> Ack | None:
        """The acknowledgement relevant to a message: one of a message in its reply chain,
        else the most recent one of its conversation."""
        for ack in reversed(self.acks):
            if ack.target is not None and ack.target in chain:
                return ack
        for ack in reversed(self.acks):
            if ack.conversation_id == conversation_id:
                return ack
        return None

    # -- changes ---------------------------------------------------------------------------

    def add(self, inst: Instance) -> None:
        self.instances.setdefault(inst.id, []).append(inst)
        self._order.append(inst)

    def add_ack(self, ack: Ack) -> None:
        self.acks.append(ack)
        for inst in self.created_by(ack.target):
            if ack.agent not in inst.acked_by:
                inst.acked_by.append(ack.agent)

    def expire_conditionals(self) -> list[Instance]:
        """End of input: conditional instances that never became binding expire."""
        expired = [i for i in self._order if i.state == CONDITIONAL]
        for inst in expired:
            inst.move(EXPIRED, by=None, message_id=None, why="end of input")
        return expired
