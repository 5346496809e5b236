"""Protocol files (`protocols/*.yaml`, schema_version 1): the pydantic models.

A protocol declares roles, message types (sender role, receiver role, content schema,
which message types each may answer), a per-conversation state machine, and commitments
with a lifecycle after Singh: C(debtor, creditor, antecedent, consequent) in the states
conditional → detached → discharged | violated | expired, plus cancelled / released.

The shape below is the one issue 4 fixes; it is accepted exactly as written, and the
optional keys marked "optional" are extensions. Single names are accepted where a list is
(`from: open` ≡ `from: [open]`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class MessageSpec(_Model):
    sender: str = Field(alias="from", description="Role that may send this message.")
    receiver: str = Field(alias="to", description="Role it is addressed to.")
    schema_: dict[str, Any] | bool | str | None = Field(
        None,
        alias="schema",
        description="JSON Schema of `content`: inline, or a path relative to the protocol "
        "file (never a URL). Absent: any content.",
    )
    reply_to: list[str] | None = Field(
        None,
        description="Message types this one may answer (`in_reply_to`). [] = it starts a "
        "conversation and answers nothing; absent = unrestricted.",
    )
    reply_required: bool = Field(
        True,
        description="optional: with a non-empty `reply_to`, whether `in_reply_to` must be "
        "present (false: it may start fresh, but if it answers, it answers one of these).",
    )
    description: str = ""  # optional

    _reply = field_validator("reply_to", mode="before")(classmethod(lambda cls, v: _listify(v)))


class Transition(_Model):
    source: list[str] = Field(alias="from", description="State(s) the transition leaves.")
    msg: str = Field(description="Message type that triggers it.")
    target: str = Field(alias="to", description="State it enters.")

    _src = field_validator("source", mode="before")(classmethod(lambda cls, v: _listify(v)))


class Flow(_Model):
    initial: str
    terminal: list[str] = Field(default_factory=list)
    transitions: list[Transition]

    _term = field_validator("terminal", mode="before")(classmethod(lambda cls, v: _listify(v)))


class Deadline(_Model):
    turns: int | None = Field(None, ge=1, description="Messages in the conversation.")
    seconds: float | None = Field(None, gt=0, description="Wall time from detachment.")


class CommitmentSpec(_Model):
    debtor: str
    creditor: str
    create: list[str] = Field(
        default_factory=list, description="Messages that create it detached (binding)."
    )
    conditional: list[str] = Field(
        default_factory=list, description="Messages that create it conditional."
    )
    detach: list[str] = Field(
        default_factory=list, description="Messages that make a conditional one binding."
    )
    discharge: list[str] = Field(default_factory=list)
    violate: list[str] = Field(default_factory=list)
    cancel: list[str] = Field(default_factory=list, description="By the debtor.")
    release: list[str] = Field(default_factory=list, description="By the creditor.")
    deadline: Deadline | None = None
    description: str = ""  # optional

    @field_validator(
        "create",
        "conditional",
        "detach",
        "discharge",
        "violate",
        "cancel",
        "release",
        mode="before",
    )
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _listify(v)


class Protocol(_Model):
    schema_version: int = Field(description="Protocol format version (1).")
    name: str
    description: str = ""  # optional
    roles: list[str]
    messages: dict[str, MessageSpec]
    flow: Flow
    commitments: dict[str, CommitmentSpec] = Field(default_factory=dict)


class CompiledSchema:
    """Interface of a compiled content schema (implemented in `coord.protocol.schemas`)."""

    def is_valid(self, instance: Any) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def errors(self, instance: Any) -> list[tuple[str, str]]:  # pragma: no cover
        """Every error as (JSON path like `$.plan.alice`, message); [] when valid."""
        raise NotImplementedError


@dataclass(frozen=True)
class LoadedProtocol:
    """A protocol file, validated, with its content schemas compiled once."""

    spec: Protocol
    path: Path | None
    validators: dict[str, CompiledSchema | None] = field(default_factory=dict)  # per message
