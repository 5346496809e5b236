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
    first = next((t.turn for t in turns if _agrees(t)), None)
    proposals = [i for i, t in enumerate(turns) if plan_of(t) is not None]
    acked = agreed = 0
    for i in proposals:
        by = turns[i].agent
        later = [t for t in turns[i + 1 :] if t.agent != by]
        if any(_acks(t) for t in later):
            acked += 1
            if any(_agrees(t) for t in later):
                agreed += 1
    return {
        "round": rnd.number,
        "turns_to_agreement": first,
        "proposals": len(proposals),
        "acknowledged": acked,
        "acknowledged_then_agreed": agreed,
    }


def exchange_metrics(exchange: Exchange) -> dict[str, Any]:
    rounds = [round_metrics(r) for r in exchange.rounds]
    acked = sum(r["acknowledged"] for r in rounds)
    reached = [r["turns_to_agreement"] for r in rounds if r["turns_to_agreement"] is not None]
    out: dict[str, Any] = {
        "rounds": rounds,
        "agreement_rate": len(reached) / len(rounds) if rounds else 0.0,
        "mean_turns_to_agreement": sum(reached) / len(reached) if reached else None,
        "proposals_per_round": (
            sum(r["proposals"] for r in rounds) / len(rounds) if rounds else 0.0
        ),
        "ack_to_agreement": (
            sum(r["acknowledged_then_agreed"] for r in rounds) / acked if acked else None
        ),
    }
    out.update(_events(exchange))
    return out


def _events(exchange: Exchange) -> dict[str, Any]:
    """Counts only a coord transcript records: drift, violations, model calls."""
    if exchange.kind != "coord":
        return {"drift_events": None, "violations": None, "cost": {}}
    from coord.transcript import Transcript

    drift = violations = 0
    cost: dict[str, dict[str, float]] = {}
    for e in Transcript.open(exchange.path).events():
        kind = e.get("kind")
        if kind == "drift":
            drift += 1
        elif kind == "protocol" and e.get("code") == "T012":
            violations += 1
        elif kind == "model_call":
            agent = str(e.get("agent", "?"))
            mine = cost.setdefault(agent, {"usd": 0.0, "tokens": 0.0, "calls": 0.0})
            mine["calls"] += 1
            mine["usd"] += float(e.get("cost") or 0.0)
            usage = e.get("usage") or {}
            mine["tokens"] += sum(
                float(v)
                for v in usage.values()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            )
    return {"drift_events": drift, "violations": violations, "cost": cost}
