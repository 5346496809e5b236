"""Game-level metrics, computed from round outcome records (pure; also used on transcripts).

Round metrics come from `rules.round_metrics` (dyad) or `solo_round_metrics` (the oracle
baseline: each agent alone with the whole supply). A game's metrics pool its rounds:
ratios of sums, not means of ratios, so a round with a small optimum weighs less
(DESIGN §4: "the game's joint maximum is the sum of the rounds' collab_max").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

OPTIMAL = 0.999


def _ratio(num: float, den: float, *, empty: float = 1.0) -> float:
    return num / den if den else empty


def solo_round_metrics(rewards, oracle, annulled) -> dict[str, Any]:
    """Metrics of the solo task: each agent against its own solo optimum v."""
    v = (oracle.v1, oracle.v2)
    solo = [_ratio(r, vi) for r, vi in zip(rewards, v)]
    joint = _ratio(sum(rewards), sum(v))
    return {
        "joint_efficiency": joint,
        "optimal": joint >= OPTIMAL,
        "annulled": any(annulled),
        "fair_share": solo,
        "solo_efficiency": solo,
        "joint_reward": sum(rewards),
        "collab_max": oracle.collab_max,
    }


def game_metrics(records: Iterable[Mapping[str, Any]], counters: Mapping[str, int]) -> dict:
    """Pool round outcome records (as the coordinator emits them) into game metrics."""
    records = list(records)
    n = len(records) or 1
    agents = list(records[0]["rewards"]) if records else []
    total = {a: sum(r["rewards"][a] for r in records) for a in agents}
    solo_mode = bool(records) and records[0].get("mode") == "solo"
    v_total = {a: sum(r["v"][a] for r in records) for a in agents}
    cmax = sum(r["collab_max"] for r in records)
    if solo_mode:
        joint = _ratio(sum(total.values()), sum(v_total.values()))
        fair = {a: _ratio(total[a], v_total[a]) for a in agents}
    else:
        joint = _ratio(sum(total.values()), cmax)
        if cmax == 0 and any(r["annulled"] for r in records):
            joint = 0.0
        fair = {a: _ratio(total[a], cmax / 2) for a in agents}
    solo = {a: _ratio(total[a], v_total[a]) for a in agents}
    out = {
        "joint_efficiency": joint,
        "optimal_rate": sum(bool(r["metrics"]["optimal"]) for r in records) / n,
        "annulled_rate": sum(bool(r["annulled"]) for r in records) / n,
        "fair_share": sum(fair.values()) / len(agents) if agents else 0.0,
        "min_fair_share": min(fair.values()) if agents else 0.0,
        "solo_efficiency": sum(solo.values()) / len(agents) if agents else 0.0,
        "joint_reward": sum(total.values()),
        "collab_max": cmax,
        "rounds": len(records),
        "rewards": total,
    }
    for key in ("drift_events", "invalid_messages", "agreements", "messages", "protocol_findings"):
        out[key] = counters.get(key, 0)
    return out
