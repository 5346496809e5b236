"""What the protocol checks read: message envelopes and findings (DESIGN §5).

An `Envelope` borrows FIPA-ACL / A2A fields: `id`, `conversation_id`, `in_reply_to`,
`from`, `to`, `type`, `content`, `ts`. Every input form (coord transcripts, the
interchange form, chat lists) is turned into envelopes by `coord.protocol.inputs`; the
linter and the conformance checker emit `Finding`s with stable codes (P… for protocol
files, T… for transcripts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ENVELOPE_FIELDS = ("id", "conversation_id", "in_reply_to", "from", "to", "type", "content", "ts")


@dataclass
class Envelope:
    id: str | None
    conversation_id: str | None
    in_reply_to: str | None
    sender: str | None  # `from`
    receiver: str | None  # `to`
    type: str | None
    content: Any = None
    ts: str | float | None = None
    line: int | None = None  # where it came from in the input file (1-based)
    problems: list[str] = field(default_factory=list)  # envelope-level defects found on input

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "in_reply_to": self.in_reply_to,
            "from": self.sender,
            "to": self.receiver,
            "type": self.type,
            "content": self.content,
            "ts": self.ts,
        }


@dataclass
class Finding:
    code: str  # P001.. / T001..
    severity: str  # "error" | "warning"
    message: str
    line: int | None = None
    message_id: str | None = None
    path: str | None = None  # JSON path inside the message/protocol, e.g. $.content.plan.a

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
