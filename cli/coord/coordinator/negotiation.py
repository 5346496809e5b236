"""The coordination layer for the negotiation game (DESIGN §2, §4).

`NegotiationSession` is the only place that decides who speaks next. Per round it runs
up to `talk_turns` turns (one message from each undecided agent per turn, first speaker
first), locks an agent's decision when it purchases, asks undecided agents to decide
(with retries), scores the round and shows each agent what it may see of the result.
It builds every agent's `View` (history mode, transparency), keeps the `Ledger`, rejects
messages it cannot accept, and emits every fact as a transcript event through `emit`,
in the order it happened, before the next agent is asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from coord import signals
from coord.backends.base import Agent
from coord.coordinator.ledger import Ledger, LedgerError
from coord.coordinator.messages import Message, Posted, View
from coord.game.negotiation import rules
from coord.game.negotiation.instance import Instance
from coord.game.negotiation.metrics import solo_round_metrics
from coord.game.negotiation.oracle import solve

Emit = Callable[..., Any]


@dataclass(frozen=True)
class Settings:
    """Resolved coordination settings for one game."""

    mode: str = "dyad"  # dyad | solo
    talk: bool = True
    history: str = "stable"  # stable | shifting
    shifting_agent: str | None = None
    full_transparency: bool = False
    first_speaker: str | None = None  # resolved agent name; None = first agent
    talk_turns: int = 5
    decide_attempts: int = 3
    enforce: str = "structural"  # structural | strict (see NegotiationSession)


class NegotiationSession:
    def __init__(
        self,
        rounds: list[Instance],
        agents: dict[str, Agent],
        settings: Settings,
        emit: Emit,
        protocol=None,  # LoadedProtocol: check every message against it before the ledger
    ) -> None:
        if len(agents) != 2:
            raise ValueError("a negotiation needs exactly two agents")
        self.rounds = rounds
        self.agents = agents
        self.names = tuple(agents)
        self.s = settings
        self.emit = emit
        self.ledger = Ledger()
        self.history: list[Posted] = []
        self.outcomes: dict[str, list[dict[str, Any]]] = {n: [] for n in self.names}
        self.round_records: list[dict[str, Any]] = []
        self.checker = None
        self.mapper = None
        if protocol is not None:
            from coord.coordinator.envelopes import EnvelopeMapper, roles_of
            from coord.protocol.conformance import ConformanceChecker

            self.mapper = EnvelopeMapper(self.names)
            self.checker = ConformanceChecker(protocol, roles_of(self.names))
        self.counters = {
            "messages": 0,
            "invalid_messages": 0,
            "drift_events": 0,
            "agreements": 0,
            "protocol_findings": 0,
        }

    # -- the game ------------------------------------------------------------------------
    async def play(self) -> list[dict[str, Any]]:
        """Play every round; return the per-round outcome records."""
        for number, instance in enumerate(self.rounds, start=1):
            await self._round(number, instance)
        if self.checker is not None:
            self._findings(self.checker.finish())  # e.g. agreements nobody acted on
        return self.round_records

    def _order(self) -> tuple[str, str]:
        first = self.s.first_speaker or self.names[0]
        other = self.names[1] if first == self.names[0] else self.names[0]
        return first, other

    def _reset(self, agent: str) -> bool:
        """Whether `agent` starts this round with no memory (history: shifting)."""
        if self.s.history != "shifting" or self.s.mode == "solo":
            return False
        return agent == (self.s.shifting_agent or self.names[1])

    async def _round(self, number: int, instance: Instance) -> None:
        order = self._order()
        self.emit(
            "round_start",
            round=number,
            instance=instance.id,
            order=list(order),
            mode=self.s.mode,
            reset=[a for a in order if self._reset(a)],
        )
        bought: dict[str, Message | None] = {a: None for a in order}
        errors: dict[str, list[str]] = {a: [] for a in order}

        if self.s.mode == "dyad" and self.s.talk:
            for turn in range(1, self.s.talk_turns + 1):
                for agent in order:
                    if bought[agent] is not None:
                        continue
                    view = self._view(agent, number, instance, "talk", turn, bought, errors[agent])
                    msg = await self._ask(agent, view)
                    ok, errors[agent] = self._take(number, turn, agent, instance, msg, "talk")
                    if ok and msg.type == "purchase":
                        bought[agent] = msg
                if all(bought.values()):
                    break

        used_turns = self.s.talk_turns if self.s.talk and self.s.mode == "dyad" else 0
        for agent in order:
            attempt = 0
            while bought[agent] is None and attempt < self.s.decide_attempts:
                attempt += 1
                view = self._view(
                    agent,
                    number,
                    instance,
                    "decide",
                    used_turns,
                    bought,
                    errors[agent],
                    attempt=attempt,
                )
                msg = await self._ask(agent, view)
                if msg.type != "purchase":
                    errors[agent] = [
                        f"the talk is over: answer with a `purchase` (attempt "
                        f"{attempt} of {self.s.decide_attempts})"
                    ]
                    self._reject(number, used_turns, agent, msg, "decide", errors[agent])
                    continue
                ok, errors[agent] = self._take(number, used_turns, agent, instance, msg, "decide")
                if ok:
                    bought[agent] = msg
            if bought[agent] is None:
                self.emit(
                    "decision",
                    round=number,
                    agent=agent,
                    fallback="nothing",
                    message=f"no valid purchase after {self.s.decide_attempts} attempts",
                )
                bought[agent] = Message(type="purchase", resources={})

        self._score(number, instance, bought)

    # -- messages ------------------------------------------------------------------------
    async def _ask(self, agent: str, view: View) -> Message:
        # Yield to the event loop once per turn: built-in policies answer without ever
        # awaiting, and a cancellation (Ctrl-C, SIGTERM) is only delivered at an await.
        await asyncio.sleep(0)
        signals.check()  # a requested stop happens here, between events
        return await self.agents[agent].act(view)

    def _take(self, number, turn, agent, instance, msg, phase) -> tuple[bool, list[str]]:
        """Validate and record one message. Returns (accepted, errors for the agent)."""
        problems = self._problems(agent, instance, msg)
        env = None
        if not problems and self.checker is not None:
            env = self.mapper.peek(number, agent, msg)
            problems = [
                f"{f.code} {f.message}" for f in self.checker.would_accept(env) if self._blocks(f)
            ]
        if not problems:
            try:
                ledger_events, drift = self.ledger.record(number, turn, agent, msg)
            except LedgerError as exc:
                problems = [str(exc)]
        if problems:
            self._reject(number, turn, agent, msg, phase, problems)
            return False, problems
        ids = [e["entry"]["id"] for e in ledger_events if "entry" in e]
        if env is not None:
            found = self.checker.feed(env)
            self.mapper.commit(env, ids[0] if ids else None)
        self.counters["messages"] += 1
        self.emit(
            "message",
            round=number,
            turn=turn,
            agent=agent,
            phase=phase,
            message=msg.to_dict(),
            **({"id": ids[0]} if ids else {}),
        )
        for event in ledger_events:
            self.emit("ledger", round=number, turn=turn, **event)
            if event.get("binding"):
                self.counters["agreements"] += 1
        for event in drift:
            self.counters["drift_events"] += 1
            self.emit("drift", **event)
        if env is not None:
            self._findings(found)
        self.history.append(Posted(number, turn, agent, msg, ids[0] if ids else None))
        return True, []

    # Structural protocol errors (malformed, unknown type, wrong role or receiver, bad
    # reply, out of order, duplicate, after the end) never enter the ledger. Commitment
    # findings (wrong party, acting on an acknowledgement, violations) are what the
    # coordination layer exists to observe: they are recorded, and refused only under
    # `enforce: strict`.
    STRUCTURAL = frozenset(f"T00{i}" for i in range(1, 10))

    def _blocks(self, finding) -> bool:
        if finding.severity != "error":
            return False
        return finding.code in self.STRUCTURAL or self.s.enforce == "strict"

    def _findings(self, findings) -> None:
        for f in findings:
            self.counters["protocol_findings"] += 1
            self.emit("protocol", **f.to_dict())

    def _reject(self, number, turn, agent, msg, phase, problems) -> None:
        self.counters["invalid_messages"] += 1
        self.emit(
            "error",
            round=number,
            turn=turn,
            agent=agent,
            phase=phase,
            what="invalid_message",
            errors=problems,
            message=msg.to_dict(),
        )

    def _problems(self, agent: str, instance: Instance, msg: Message) -> list[str]:
        eco = instance.economy
        if msg.type == "purchase":
            found = rules.check_purchase(eco, msg.resources or {})
            if msg.projects:
                found += rules.check_projects(instance.projects_of(agent), msg.projects)
            return found
        if msg.type == "propose":
            found = []
            for who, part in (msg.plan or {}).items():
                if who not in self.names:
                    found.append(
                        f"the plan names {who!r}, who is not in this game "
                        f"(agents: {', '.join(self.names)})"
                    )
                    continue
                # An allocation caps what each side may buy; it is not a purchase, so the
                # budget and type limit apply later, to what is actually bought.
                for res, qty in ((part or {}).get("resources") or {}).items():
                    if res not in eco.index:
                        found.append(
                            f"{who}: unknown resource {res!r} (known: {', '.join(eco.names)})"
                        )
                    elif not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
                        found.append(f"{who}: {res} must be a whole number ≥ 0, got {qty!r}")
            return found
        return []

    # -- views ---------------------------------------------------------------------------
    def _view(self, agent, number, instance, phase, turn, bought, errors, attempt=0) -> View:
        partner = None if self.s.mode == "solo" else next(n for n in self.names if n != agent)
        reset = self._reset(agent)
        history = [p for p in self.history if p.round == number] if reset else list(self.history)
        if partner is not None:
            # The other side is told that a decision was locked, not what was bought.
            history = [
                replace(p, message=Message(type="purchase", text="(decision locked)"))
                if p.agent == partner and p.message.type == "purchase"
                else p
                for p in history
            ]
        else:
            history = []
        rounds_seen = {number} if reset else None
        ledger = self.ledger.visible(rounds_seen) if partner else []
        # Same rule for the ledger as for the history: the partner's purchase this round
        # is known to exist, not what it contains, until the round is scored.
        ledger = [
            {k: e[k] for k in ("id", "kind", "round", "turn", "by", "status")}
            if e["kind"] == "purchase" and e["by"] == partner and e["round"] == number
            else e
            for e in ledger
        ]
        return View(
            agent=agent,
            partner=partner,
            round=number,
            rounds=None if reset else len(self.rounds),
            phase=phase,
            turn=turn,
            talk_turns=self.s.talk_turns,
            talk=self.s.talk and self.s.mode == "dyad",
            economy=instance.economy,
            projects=instance.projects_of(agent),
            partner_projects=(
                instance.projects_of(partner) if partner and self.s.full_transparency else None
            ),
            history=history,
            outcomes=[] if reset else list(self.outcomes[agent]),
            ledger=ledger,
            locked=bought.get(agent) is not None,
            partner_locked=bool(partner and bought.get(partner) is not None),
            attempt=attempt,
            errors=list(errors),
            instance=instance if self.agents[agent].privileged else None,
        )

    # -- scoring -------------------------------------------------------------------------
    def _score(self, number: int, instance: Instance, bought: dict[str, Message]) -> None:
        a, b = self.names
        eco = instance.economy
        oracle = solve(instance)
        if self.s.mode == "solo":
            outs = [
                rules.score_solo(instance, side, bought[n].resources or {}, bought[n].projects)
                for side, n in enumerate(self.names)
            ]
            rewards = (outs[0].rewards[0], outs[1].rewards[1])
            runs = (outs[0].runs[0], outs[1].runs[1])
            annulled = [outs[0].annulled, outs[1].annulled]
            metrics = solo_round_metrics(rewards, oracle, annulled)
            over: list[str] = sorted({*outs[0].over, *outs[1].over})
            annulled_any = any(annulled)
        else:
            out = rules.score_round(
                instance,
                bought[a].resources or {},
                bought[b].resources or {},
                bought[a].projects,
                bought[b].projects,
            )
            rewards, runs, over, annulled_any = out.rewards, out.runs, list(out.over), out.annulled
            metrics = rules.round_metrics(out, oracle)
        purchases = {n: eco.mapping(eco.vector(bought[n].resources or {})) for n in self.names}
        record = {
            "round": number,
            "instance": instance.id,
            "mode": self.s.mode,
            "purchases": purchases,
            "requested": {n: bought[n].projects for n in self.names if bought[n].projects},
            "runs": {n: runs[i] for i, n in enumerate(self.names)},
            "rewards": {n: rewards[i] for i, n in enumerate(self.names)},
            "annulled": annulled_any,
            "over": over,
            "collab_max": oracle.collab_max,
            "v": {a: oracle.v1, b: oracle.v2},
            "metrics": metrics,
        }
        self.round_records.append(record)
        self.emit("outcome", **record)
        for i, n in enumerate(self.names):
            self.outcomes[n].append(
                {
                    "round": number,
                    "purchases": purchases,
                    "annulled": annulled_any,
                    "runs": runs[i],
                    "reward": rewards[i],
                }
            )
