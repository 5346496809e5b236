"""Per-message envelope and flow checks of the conformance checker: T001–T009.

`FlowChecks` is a mixin of `coord.protocol.conformance.ConformanceChecker`: `_evaluate`
checks one envelope (envelope fields, type, content, roles, receiver, reply, duplicate id,
flow state) and returns a `_Plan` of findings and of the changes `feed` applies. The
commitment checks it hands over to (T010–T013) are in `coord.protocol.obligations`; the
codes and the semantic choices are documented in `coord.protocol.conformance`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coord.errors import did_you_mean
from coord.protocol.envelope import Envelope, Finding

if TYPE_CHECKING:
    from coord.protocol.model import LoadedProtocol, Protocol

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


def _in(conversation_id: str | None) -> str:
    if conversation_id is None:
        return "the default conversation"
    return f"conversation `{conversation_id}`"


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


class FlowChecks:
    """The T001–T009 checks of `ConformanceChecker`, and the message bookkeeping they use.

    A mixin: the state below is set up by `ConformanceChecker.__init__`; `state_of`,
    `_read_ts`, `_only_acknowledged` and `_plan_commitments` come from the other parts of
    the class.
    """

    protocol: LoadedProtocol
    spec: Protocol
    roles: dict[str, str]
    _messages: dict[str, _Record]
    _states: dict[str | None, str]
    _recent: dict[str | None, list[tuple[str, str | None]]]
    _transitions: dict[tuple[str, str], str]
    _allowed: dict[str, list[str]]
    _terminal: set[str]
    _latest: dict[str | None, dict[str, tuple[int, str]]]
    _implicit: str | None
    _implicit_count: int

    def _route(self, env: Envelope) -> tuple[str | None, bool]:
        """The conversation ``env`` belongs to, and whether it opens a new implicit one.

        An explicit ``conversation_id`` wins; else the conversation of the message it
        answers; else the current implicit conversation (``None`` first) — unless that one
        has ended and ``env`` starts a conversation: then the next implicit one
        (``#conv2``, ``#conv3``, …). Nothing is recorded (`feed` does that)."""
        conv = env.conversation_id
        if conv is not None:
            return (conv if isinstance(conv, str) else str(conv)), False
        if isinstance(env.in_reply_to, str):
            target = self._messages.get(env.in_reply_to)
            if target is not None:
                return target.conversation_id, False
        current = self._implicit
        if self.state_of(current) in self._terminal and self._starts(env):
            number = self._implicit_count + 1
            while f"#conv{number}" in self._states or f"#conv{number}" in self._latest:
                number += 1
            return f"#conv{number}", True
        return current, False

    def _open_implicit(self, conv: str) -> None:
        """`feed`: ``conv`` (from `_route`) is now the current implicit conversation."""
        self._implicit = conv
        self._implicit_count = int(conv.removeprefix("#conv"))

    def _starts(self, env: Envelope) -> bool:
        """Whether ``env`` starts a conversation: its type answers nothing (``reply_to:
        []``), or it answers nothing here and may be sent in the flow's initial state."""
        spec = self.spec.messages.get(env.type) if isinstance(env.type, str) else None
        if spec is None:
            return False
        if spec.reply_to == []:
            return True
        return env.in_reply_to is None and (self.spec.flow.initial, env.type) in self._transitions

    def _inferred_reply(self, conv: str | None, types: list[str]) -> str | None:
        """The most recent message of ``conv`` whose type is one of ``types``."""
        latest = self._latest.get(conv, {})
        found = [latest[t] for t in types if t in latest]
        return max(found)[1] if found else None

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
        if env.ts is not None and self._read_ts(env.ts) is None:
            add(
                "T001",
                f"invalid envelope: ts {env.ts!r} is not ISO-8601 or epoch seconds",
                "$.ts",
            )
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

        # A missing in_reply_to that the type requires is inferred: the most recent earlier
        # message of the conversation of a type it may answer (transcripts of other tools
        # rarely carry in_reply_to; DESIGN §6). Everything below uses the inferred target.
        unanswered = False
        if spec is not None and env.in_reply_to is None and spec.reply_to and spec.reply_required:
            irt = self._inferred_reply(conv, spec.reply_to)
            unanswered = irt is None
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
            if unanswered:
                add(
                    "T006",
                    f"`{mtype}` must answer one of {_names(spec.reply_to)}; none precedes it "
                    f"in {_in(conv)} (and it has no in_reply_to)",
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
        if record.type is not None:
            latest = self._latest.setdefault(record.conversation_id, {})
            latest[record.type] = (len(self._messages), record.id)
        recent = self._recent.setdefault(record.conversation_id, [])
        recent.append((record.id, record.sender))
        del recent[:-_RECENT]
