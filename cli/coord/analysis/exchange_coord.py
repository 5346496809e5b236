"""Read coord's own transcripts round by round.

Line 1 is a header with ``"kind": "header"``. The header's ``instances`` (the paper's
instance form, each with an ``id``) and ``rounds`` (the instance id of each round) give each
round's `Instance`; ``message`` events become turns (``text`` is the message's text,
``action`` its structured rest); purchases come from ``purchase`` messages and,
authoritatively, from the ``outcome`` events, which also give the round's outcome. A torn
last line is recorded in the warnings.

The events besides rounds that `coord replay --metrics` reports (drift, commitment
violations, model calls) are counted on the same pass, into `ExchangeStream.stats`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from coord.analysis.exchange_model import (
    COORD,
    Exchange,
    ExchangeStream,
    OutOfOrder,
    Round,
    Turn,
    purchase_of,
)
from coord.errors import InputError
from coord.game.negotiation.instance import Instance
from coord.game.negotiation.pool import instance_from_paper_dict
from coord.transcript.reader import Transcript


def from_coord_transcript(path: str | os.PathLike) -> Exchange:
    return stream_coord_transcript(path, ordered=False).materialise()


def stream_coord_transcript(path: str | os.PathLike, *, ordered: bool = True) -> ExchangeStream:
    """The transcript at ``path`` as an `ExchangeStream`. With ``ordered`` (the default) a
    round is yielded as soon as the next one begins, and an event of a round already
    yielded raises `OutOfOrder`; otherwise every round is held until the end."""
    display = os.fspath(path)
    t = Transcript.open(display)
    header = t.header
    agents = tuple(header.get("agents") or ())
    pair = agents if len(agents) == 2 else ("A", "B")
    instances: dict[str, Instance] = {}
    for k, d in enumerate(header.get("instances") or []):
        iid = str(d.get("id", k)) if isinstance(d, dict) else str(k)
        try:
            instances[iid] = instance_from_paper_dict(
                d, source=display, id=iid, agents=pair, path=f"instances[{k}]"
            )
        except InputError as e:
            e.line = e.line or 1
            raise
    stream = ExchangeStream(display, agents, COORD, iter(()))
    stream.stats.update(drift_events=0, violations=0, cost={})
    stream.rounds = _rounds(t, stream, instances, list(header.get("rounds") or []), ordered)
    return stream


_READ = frozenset({"round_start", "message", "outcome", "drift", "protocol", "model_call"})


def _rounds(
    t: Transcript, stream: ExchangeStream, instances: dict, plan: list, ordered: bool
) -> Iterator[Round]:
    held: dict[int, Round] = {}
    current: Round | None = None
    done: set[int] = set()  # rounds already yielded (ordered mode)

    def get(n: int) -> Round:
        nonlocal current
        if current is not None and current.number == n:
            return current
        if ordered:
            if n in done:
                raise OutOfOrder(f"an event of round {n} after round {current.number}")
            current = Round(n, _instance(instances, plan, n))
            return current
        if n not in held:
            held[n] = Round(n, _instance(instances, plan, n))
        current = held[n]
        return current

    # events() yields the events of these kinds after the header, stopping at the seal.
    for event in t.events(only=_READ):
        kind = event.get("kind")
        line = event["_line"]
        n = event.get("round")
        if kind in ("drift", "protocol", "model_call"):
            _count(stream.stats, kind, event)
        if not isinstance(n, int) or isinstance(n, bool):
            continue
        if ordered and current is not None and n != current.number and n not in done:
            finished = current
            done.add(finished.number)
            current = None
            yield finished
        rnd = get(n)
        if kind == "round_start" and event.get("instance") in instances:
            rnd.instance = instances[event["instance"]]
        elif kind == "message":
            _message(rnd, event, line, stream.path)
        elif kind == "outcome":
            _outcome(rnd, event)
    if t.torn:
        stream.warnings.append("the last line is incomplete (the writer stopped mid-line); ignored")
    if ordered:
        if current is not None:
            yield current
    else:
        yield from (held[k] for k in sorted(held))


def _instance(instances: dict, plan: list, n: int) -> Instance | None:
    iid = plan[n - 1] if 0 < n <= len(plan) else None
    return instances.get(iid) if iid is not None else None


def _message(rnd: Round, event: dict, line: int, display: str) -> None:
    msg = event.get("message")
    if not isinstance(msg, dict):
        raise InputError("a message event without a message object", file=display, line=line)
    agent = str(event.get("agent"))
    action = {k: v for k, v in msg.items() if k not in ("type", "text")} or None
    number = event.get("turn")
    if not isinstance(number, int) or isinstance(number, bool):
        number = len(rnd.turns) + 1
    rnd.turns.append(
        Turn(
            round=rnd.number,
            turn=number,
            agent=agent,
            text=str(msg.get("text") or ""),
            type=msg.get("type"),
            action=action,
            id=event.get("id") or msg.get("id"),
            in_reply_to=msg.get("ref") or msg.get("in_reply_to"),
            line=line,
        )
    )
    if msg.get("type") == "purchase":
        bought = purchase_of(action)
        if bought is not None:
            rnd.purchases[agent] = bought[0]
            rnd.requested[agent] = bought[1] or {}


def _outcome(rnd: Round, event: dict) -> None:
    if isinstance(event.get("purchases"), dict):
        rnd.purchases.update({a: dict(p) for a, p in event["purchases"].items()})
    if isinstance(event.get("requested"), dict):
        rnd.requested.update({a: dict(p or {}) for a, p in event["requested"].items()})
    metrics = event.get("metrics") or {}
    rnd.outcome = {
        "rewards": event.get("rewards"),
        "annulled": bool(event.get("annulled")),
        "joint_efficiency": metrics.get("joint_efficiency"),
        "optimal": metrics.get("optimal"),
        "collab_max": event.get("collab_max", metrics.get("collab_max")),
        "over": event.get("over", []),
        "runs": event.get("runs"),
    }


def _count(stats: dict, kind: str, event: dict) -> None:
    """Drift events, commitment violations (T012) and model calls, per agent."""
    if kind == "drift":
        stats["drift_events"] += 1
    elif kind == "protocol":
        if event.get("code") == "T012":
            stats["violations"] += 1
    else:
        agent = str(event.get("agent", "?"))
        mine = stats["cost"].setdefault(agent, {"usd": 0.0, "tokens": 0.0, "calls": 0.0})
        mine["calls"] += 1
        mine["usd"] += float(event.get("cost_usd", event.get("cost")) or 0.0)
        mine["tokens"] += _tokens(event.get("usage") or {})


def _tokens(usage: dict) -> float:
    """A call's tokens: its ``total_tokens`` when recorded, else the sum of the counts,
    reasoning left out (it is part of the output tokens)."""
    if isinstance(usage.get("total_tokens"), (int, float)):
        return float(usage["total_tokens"])
    return sum(
        float(v)
        for k, v in usage.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and "reasoning" not in k
    )
