"""Coordination instrumentation over any transcript (`coord replay --metrics`, issue 5).

Measured per round and for the whole exchange, from what the transcript shows:
- turns to agreement: the talk turn of the first agreement (a structured `accept` or
  agreement language), None when the round had none;
- proposals per round: turns that carry a structured plan;
- acknowledgement-to-agreement conversion: of the proposals the other side acknowledged
  (an `ack` message or acknowledgement language answering them), the share later agreed;
- drift events and commitment violations (coord transcripts: `drift` events and T012
  `protocol` events);
- cost and tokens per agent, from `model_call` events when the transcript has them.
"""

from __future__ import annotations

from typing import Any

from coord.analysis.exchange import Exchange, Round, plan_of

ACCEPT = frozenset({"accept", "agree"})
ACK = frozenset({"ack", "acknowledge"})


def _agrees(turn) -> bool:
    from coord.analysis.text import agreement_phrase

    if (turn.type or "").lower() in ACCEPT:
        return True
    if (turn.type or "").lower() in ("purchase", "commit-purchase"):
        return False
    return bool(turn.text and agreement_phrase(turn.text))


def _acks(turn) -> bool:
    from coord.analysis.text import ack_phrase

    if (turn.type or "").lower() in ACK:
        return True
    return bool(turn.text and (turn.type or "say").lower() == "say" and ack_phrase(turn.text))


def round_metrics(rnd: Round) -> dict[str, Any]:
    turns = rnd.turns
    agrees = [_agrees(t) for t in turns]
    first = next((t.turn for t, yes in zip(turns, agrees) if yes), None)
    # From the end: which agents acknowledged / agreed after each turn.
    acked_after: list[frozenset] = [frozenset()] * len(turns)
    agreed_after: list[frozenset] = [frozenset()] * len(turns)
    acks: set[str] = set()
    agreed_by: set[str] = set()
    for i in range(len(turns) - 1, -1, -1):
        acked_after[i], agreed_after[i] = frozenset(acks), frozenset(agreed_by)
        if _acks(turns[i]):
            acks.add(turns[i].agent)
        if agrees[i]:
            agreed_by.add(turns[i].agent)
    acked = agreed = 0
    for i, t in enumerate(turns):
        if plan_of(t) is None:
            continue
        if acked_after[i] - {t.agent}:
            acked += 1
            if agreed_after[i] - {t.agent}:
                agreed += 1
    return {
        "round": rnd.number,
        "turns_to_agreement": first,
        "proposals": sum(1 for t in turns if plan_of(t) is not None),
        "acknowledged": acked,
        "acknowledged_then_agreed": agreed,
    }


class Meter:
    """The metrics of an exchange, fed one round at a time (`add`), then `result`; the
    per-round rows go to a `Spool`, so a long exchange costs no memory per round."""

    def __init__(self) -> None:
        from coord.analysis.spool import Spool

        self.rounds = Spool()
        self.acked = self.agreed = self.proposals = 0
        self.reached: list[int] = [0, 0]  # rounds that reached agreement, sum of their turns

    def add(self, rnd: Round) -> None:
        r = round_metrics(rnd)
        self.rounds.append(r)
        self.acked += r["acknowledged"]
        self.agreed += r["acknowledged_then_agreed"]
        self.proposals += r["proposals"]
        if r["turns_to_agreement"] is not None:
            self.reached[0] += 1
            self.reached[1] += r["turns_to_agreement"]

    def result(self, kind: str, stats: dict) -> dict[str, Any]:
        n = len(self.rounds)
        reached, turns = self.reached
        return {
            "rounds": self.rounds,
            "agreement_rate": reached / n if n else 0.0,
            "mean_turns_to_agreement": turns / reached if reached else None,
            "proposals_per_round": self.proposals / n if n else 0.0,
            "ack_to_agreement": self.agreed / self.acked if self.acked else None,
            # Only coord transcripts record drift, violations and model calls.
            "drift_events": stats.get("drift_events") if kind == "coord" else None,
            "violations": stats.get("violations") if kind == "coord" else None,
            "cost": dict(stats.get("cost") or {}) if kind == "coord" else {},
        }


def exchange_metrics(exchange: Exchange) -> dict[str, Any]:
    meter = Meter()
    for rnd in exchange.rounds:
        meter.add(rnd)
    return meter.result(exchange.kind, exchange.stats)
