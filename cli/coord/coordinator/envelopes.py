"""The negotiation game's messages as protocol envelopes (the `negotiation` protocol).

One mapping serves both the live coordinator (each message is checked before it enters
the ledger) and the offline check of a recorded transcript, so a transcript recorded by
`coord run` validates exactly as the run was enforced:

- type: `purchase` → `commit-purchase`; `propose` citing a proposal → `counter`; the
  others keep their names (`say`, `propose`, `ack`, `accept`, `reject`, `withdraw`);
- id: `m1, m2, ...` in the order messages were accepted in the game;
- conversation: one per round (`round-1`, ...);
- in_reply_to: the message that created the cited ledger entry (`ref: p3` → the `m…`
  that proposed p3); a reference to no entry stays as written, so it is reported;
- from / to: the speaker and the other agent; every agent plays `negotiator`;
- content: the message's fields other than its type and reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from coord.coordinator.messages import Message
from coord.protocol.envelope import Envelope

ROLE = "negotiator"
PROTOCOL = "negotiation"


def protocol_type(msg: Message) -> str:
    if msg.type == "purchase":
        return "commit-purchase"
    if msg.type == "propose" and msg.ref:
        return "counter"
    return msg.type


def content_of(msg: Message) -> dict[str, Any]:
    data = msg.to_dict()
    data.pop("type", None)
    data.pop("ref", None)
    return data


class EnvelopeMapper:
    """Assigns message ids and resolves ledger references, in the order of the game."""

    def __init__(self, agents: tuple[str, ...]) -> None:
        self.agents = agents
        self.count = 0
        self.by_ledger_id: dict[str, str] = {}  # p3 -> m7

    def peek(self, round: int, agent: str, msg: Message, ts: str | None = None) -> Envelope:
        """The envelope the next accepted message would get (nothing is recorded)."""
        other = next((a for a in self.agents if a != agent), None)
        return Envelope(
            id=f"m{self.count + 1}",
            conversation_id=f"round-{round}",
            in_reply_to=self.by_ledger_id.get(msg.ref, msg.ref) if msg.ref else None,
            sender=agent,
            receiver=other,
            type=protocol_type(msg),
            content=content_of(msg),
            ts=ts,
        )

    def commit(self, env: Envelope, ledger_id: str | None) -> None:
        """Record that `env` was accepted (and which ledger entry it created, if any)."""
        self.count += 1
        if ledger_id:
            self.by_ledger_id[ledger_id] = env.id  # type: ignore[assignment]


def roles_of(agents) -> dict[str, str]:
    return {a: ROLE for a in agents}


def from_coord_transcript(path: str | Path) -> tuple[Iterator[Envelope], dict[str, str], str]:
    """Envelopes of every accepted message in a coord negotiation transcript."""
    from coord.errors import InputError
    from coord.transcript import Transcript

    t = Transcript.open(path)
    header = t.header
    if header.get("game") != "negotiation":
        raise InputError(
            f"this transcript is of game {header.get('game')!r}; only negotiation transcripts "
            "map onto a protocol so far",
            file=str(path),
            line=1,
        )
    agents = tuple(header.get("agents") or header.get("backends", {}))
    mapper = EnvelopeMapper(agents)

    def stream() -> Iterator[Envelope]:
        for line_no, event in enumerate(t.events(), start=2):
            if event.get("kind") != "message":
                continue
            msg = Message.from_dict(event["message"])
            env = mapper.peek(event["round"], event["agent"], msg)
            env.line = line_no
            mapper.commit(env, event.get("id"))
            yield env

    return stream(), roles_of(agents), "coord-transcript"
