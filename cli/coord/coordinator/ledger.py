"""The ledger: the canonical record of what was proposed, acknowledged, agreed and bought.

The coordinator, not the agents, keeps it. Every proposal and purchase gets a stable id
(`p1`, `p2`, ... and `u1`, `u2`, ...) that agents cite; every later message is checked
against it. A message that restates a ledger entry with different numbers is *drift*: the
speaker's words and the record disagree (DESIGN §1, requirement 1). Drift is recorded, not
refused — refusing is protocol enforcement's job; the ledger's is to keep one truth.

A proposal's plan is an allocation: the quantities each agent may buy. A purchase that
stays within the agreed allocation follows it; one that exceeds it on any resource is
drift ("agreed to p3, bought something else").

Acknowledgement and agreement are different facts: `ack` adds the acknowledger to the
entry's `acked_by` and changes no status; only `accept` by the *other* agent makes a
proposal `agreed` (binding on both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coord.coordinator.messages import Message


@dataclass
class Entry:
    id: str
    kind: str  # "proposal" | "purchase"
    round: int
    turn: int
    by: str
    plan: dict[str, dict[str, dict[str, int]]] | None = None
    resources: dict[str, int] | None = None
    projects: dict[str, int] | None = None
    ref: str | None = None
    status: str = "open"  # proposal: open | agreed | rejected ; purchase: submitted
    acked_by: list[str] = field(default_factory=list)
    accepted_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v not in (None, [])}
        return out

    def side(self, agent: str) -> dict[str, int]:
        """The resources this proposal assigns to `agent` ({} if none)."""
        return _clean((self.plan or {}).get(agent, {}).get("resources", {}))


def _exceeds(bought: dict[str, int], allowed: dict[str, int]) -> bool:
    """A plan allocates maxima: buying within them follows it, buying beyond does not."""
    return any(q > allowed.get(r, 0) for r, q in bought.items())


def _clean(amounts: dict[str, int] | None) -> dict[str, int]:
    return {k: int(v) for k, v in (amounts or {}).items() if v}


class LedgerError(ValueError):
    """A message the ledger cannot record (e.g. it cites an id that does not exist)."""


class Ledger:
    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._proposals = 0
        self._purchases = 0
        self._snapshot: tuple[int, list[dict[str, Any]]] | None = None  # (version, dicts)
        self._version = 0

    # -- queries -------------------------------------------------------------------------
    def get(self, ref: str | None) -> Entry | None:
        return self.entries.get(ref) if ref else None

    def agreement(self, round: int, agent: str) -> Entry | None:
        """The latest proposal of this round that `agent` is bound by (agreed), if any."""
        found = None
        for e in self.entries.values():
            if e.kind == "proposal" and e.round == round and e.status == "agreed":
                if agent in (e.plan or {}):
                    found = e
        return found

    def visible(self, rounds: set[int] | None = None) -> list[dict[str, Any]]:
        """The entries as dicts (shared, read-only: every view of one state gets the same)."""
        if self._snapshot is None or self._snapshot[0] != self._version:
            self._snapshot = (self._version, [e.to_dict() for e in self.entries.values()])
        every = self._snapshot[1]
        return list(every) if rounds is None else [e for e in every if e["round"] in rounds]

    # -- recording -----------------------------------------------------------------------
    def record(self, round: int, turn: int, agent: str, msg: Message) -> tuple[list, list]:
        """Apply one accepted message. Returns (ledger events, drift events).

        Raises LedgerError when the message cannot be recorded at all (unknown id, an
        answer to something that is not a proposal); the coordinator rejects it then.
        """
        handler = getattr(self, f"_on_{msg.type}", None)
        if handler is None:  # `say`: nothing to record
            return [], []
        self._version += 1  # entries may change below: the next snapshot is rebuilt
        return handler(round, turn, agent, msg)

    def _target(self, msg: Message) -> Entry:
        entry = self.get(msg.ref)
        if entry is None:
            known = ", ".join(e.id for e in self.entries.values() if e.kind == "proposal")
            raise LedgerError(
                f"`{msg.type}` cites {msg.ref!r}, which is not in the ledger"
                + (f" (proposals so far: {known})" if known else " (no proposals yet)")
            )
        if entry.kind != "proposal":
            raise LedgerError(f"`{msg.type}` must answer a proposal; {entry.id} is a {entry.kind}")
        return entry

    def _on_propose(self, round: int, turn: int, agent: str, msg: Message):
        if msg.ref is not None:
            self._target(msg)  # a counter-proposal must cite a real proposal
        self._proposals += 1
        entry = Entry(
            id=f"p{self._proposals}",
            kind="proposal",
            round=round,
            turn=turn,
            by=agent,
            plan=msg.plan,
            ref=msg.ref,
        )
        self.entries[entry.id] = entry
        return [{"op": "propose", "entry": entry.to_dict()}], []

    def _on_ack(self, round: int, turn: int, agent: str, msg: Message):
        entry = self._target(msg)
        if agent not in entry.acked_by:
            entry.acked_by.append(agent)
        drift = self._restated_plan(round, turn, agent, msg, entry)
        return [{"op": "ack", "ref": entry.id, "by": agent, "status": entry.status}], drift

    def _on_accept(self, round: int, turn: int, agent: str, msg: Message):
        entry = self._target(msg)
        drift = self._restated_plan(round, turn, agent, msg, entry)
        if entry.by == agent:
            # Accepting one's own proposal binds nobody: a referent error, most often the
            # speaker meant the partner's latest offer and cited the wrong id.
            drift.append(
                _drift(
                    round,
                    turn,
                    agent,
                    entry.id,
                    "referent",
                    f"{agent} accepted its own proposal {entry.id}; nothing was agreed",
                    None,
                    None,
                )
            )
            return [
                {
                    "op": "accept",
                    "ref": entry.id,
                    "by": agent,
                    "status": entry.status,
                    "binding": False,
                }
            ], drift
        if entry.status == "rejected":
            drift.append(
                _drift(
                    round,
                    turn,
                    agent,
                    entry.id,
                    "referent",
                    f"{agent} accepted {entry.id}, which it had rejected",
                    None,
                    None,
                )
            )
        entry.status = "agreed"
        entry.accepted_by = agent
        return [
            {"op": "accept", "ref": entry.id, "by": agent, "status": "agreed", "binding": True}
        ], drift

    def _on_reject(self, round: int, turn: int, agent: str, msg: Message):
        entry = self._target(msg)
        if entry.status == "open":
            entry.status = "rejected"
        return [{"op": "reject", "ref": entry.id, "by": agent, "status": entry.status}], []

    def _on_purchase(self, round: int, turn: int, agent: str, msg: Message):
        cited = None
        if msg.ref is not None:
            cited = self._target(msg)
        self._purchases += 1
        entry = Entry(
            id=f"u{self._purchases}",
            kind="purchase",
            round=round,
            turn=turn,
            by=agent,
            resources=_clean(msg.resources),
            projects=_clean(msg.projects) or None,
            ref=msg.ref,
            status="submitted",
        )
        self.entries[entry.id] = entry
        drift = []
        bought = entry.resources
        if cited is not None and cited.kind == "proposal" and _exceeds(bought, cited.side(agent)):
            drift.append(
                _drift(
                    round,
                    turn,
                    agent,
                    cited.id,
                    "purchase",
                    f"{agent}'s purchase cites {cited.id} but buys more than it "
                    f"allocates to {agent}",
                    cited.side(agent),
                    bought,
                )
            )
        agreed = self.agreement(round, agent)
        if agreed is not None and agreed is not cited and _exceeds(bought, agreed.side(agent)):
            drift.append(
                _drift(
                    round,
                    turn,
                    agent,
                    agreed.id,
                    "purchase",
                    f"{agent} agreed to {agreed.id} but bought something else",
                    agreed.side(agent),
                    bought,
                )
            )
        return [{"op": "purchase", "entry": entry.to_dict()}], drift

    def _restated_plan(self, round, turn, agent, msg: Message, entry: Entry) -> list:
        """An ack/accept that repeats the plan must repeat it exactly."""
        if msg.plan is None:
            return []
        said = {a: _clean(p.get("resources")) for a, p in msg.plan.items()}
        recorded = {a: _clean(p.get("resources")) for a, p in (entry.plan or {}).items()}
        if said == recorded:
            return []
        return [
            _drift(
                round,
                turn,
                agent,
                entry.id,
                "restatement",
                f"{agent} restated {entry.id} with different numbers",
                recorded,
                said,
            )
        ]


def _drift(round, turn, agent, ref, what, message, recorded, said) -> dict[str, Any]:
    out = {
        "round": round,
        "turn": turn,
        "agent": agent,
        "ref": ref,
        "what": what,
        "message": message,
    }
    if recorded is not None:
        out["ledger"] = recorded
        out["said"] = said
    return out
