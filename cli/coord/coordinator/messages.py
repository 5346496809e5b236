"""What flows between the coordinator and an agent in the negotiation game.

`Message` is what an agent says; `View` is everything the agent is allowed to know when it
says it. Both are plain dataclasses (cheap: thousands per second); `Message.from_dict` is
the validating entry point for messages that come from outside (LLM replies, replays).

Message types (the negotiation protocol's vocabulary):
- `say`      free speech; may carry `share` (the sender's own projects, disclosed)
- `propose`  a joint `plan` ({agent: {"resources": {...}, "projects": {...}}}); the
             ledger gives it a stable id (p1, p2, ...); `ref` may name the proposal it counters
- `ack`      "got it": records that `ref` was seen. It binds nobody.
- `accept`   agrees to proposal `ref`: the plan becomes binding for both
- `reject`   declines proposal `ref`
- `purchase` the sender's decision for the round: `resources` ({name: qty}) and optionally
             `projects` ({name: runs}); `ref` may cite the agreed proposal it executes
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coord.game.negotiation.instance import Economy, Instance, Project

MESSAGE_TYPES = ("say", "propose", "ack", "accept", "reject", "purchase")
NEEDS_REF = ("ack", "accept", "reject")


@dataclass
class Message:
    type: str
    text: str = ""
    plan: dict[str, dict[str, dict[str, int]]] | None = None
    ref: str | None = None
    resources: dict[str, int] | None = None
    projects: dict[str, int] | None = None
    share: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Compact form: only the fields that are set (this is what transcripts store)."""
        out: dict[str, Any] = {"type": self.type}
        for key in ("text", "plan", "ref", "resources", "projects", "share"):
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Message:
        """Validate a message from outside; ValueError lists everything wrong with it."""
        if not isinstance(data, dict):
            raise ValueError(f"a message is a JSON object, got {type(data).__name__}")
        errors = []
        unknown = set(data) - {"type", "text", "plan", "ref", "resources", "projects", "share"}
        if unknown:
            errors.append(f"unknown field(s): {', '.join(sorted(unknown))}")
        mtype = data.get("type")
        if mtype not in MESSAGE_TYPES:
            errors.append(f"type must be one of {', '.join(MESSAGE_TYPES)}, got {mtype!r}")
        if mtype in NEEDS_REF and not isinstance(data.get("ref"), str):
            errors.append(f"`{mtype}` needs `ref`: the id of the proposal it answers (e.g. p2)")
        if mtype == "propose" and not isinstance(data.get("plan"), dict):
            errors.append("`propose` needs `plan`: {agent: {resources: {...}, projects: {...}}}")
        if mtype == "purchase" and not isinstance(data.get("resources"), dict):
            errors.append("`purchase` needs `resources`: {resource: quantity}")
        for key in ("resources", "projects"):
            value = data.get(key)
            if value is not None and not _int_map(value):
                errors.append(f"`{key}` must map names to whole numbers")
        if errors:
            raise ValueError("; ".join(errors))
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})


def _int_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in value.items()
    )


@dataclass
class Posted:
    """A message as it appears in an agent's history."""

    round: int
    turn: int
    agent: str
    message: Message
    ledger_id: str | None = None  # id the ledger gave it (proposals and purchases)


@dataclass
class View:
    """Everything one agent may know when asked for its next message."""

    agent: str
    partner: str | None  # None in the solo task
    round: int  # 1-based
    rounds: int | None  # None when told the round is a standalone game
    phase: str  # "talk" | "decide"
    turn: int  # talk turn (1-based); in the decision phase, the talk turns used
    talk_turns: int
    talk: bool
    economy: Economy
    projects: tuple[Project, ...]
    partner_projects: tuple[Project, ...] | None = None  # full transparency
    history: list[Posted] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # past rounds, own view
    ledger: list[dict[str, Any]] = field(default_factory=list)  # visible ledger entries
    locked: bool = False
    partner_locked: bool = False
    attempt: int = 0  # decision attempts so far
    errors: list[str] = field(default_factory=list)  # why the last message was rejected
    instance: Instance | None = None  # only for privileged (reference) agents

    @property
    def standalone(self) -> bool:
        return self.rounds is None

    def this_round(self) -> list[Posted]:
        return [p for p in self.history if p.round == self.round]
