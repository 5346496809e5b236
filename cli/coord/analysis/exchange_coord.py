"""Read coord's own transcripts into an `Exchange`.

Line 1 is a header with ``"kind": "header"``. The header's ``instances`` (the paper's
instance form, each with an ``id``) and ``rounds`` (the instance id of each round) give each
round's `Instance`; ``message`` events become turns (``text`` is the message's text,
``action`` its structured rest); purchases come from ``purchase`` messages and,
authoritatively, from the ``outcome`` events, which also give the round's outcome. A torn
last line is recorded in `Exchange.warnings`.
"""

from __future__ import annotations

import os

from coord.analysis.exchange_model import COORD, Exchange, Round, Turn, purchase_of
from coord.errors import InputError
from coord.game.negotiation.instance import Instance
from coord.game.negotiation.pool import instance_from_paper_dict
from coord.transcript.reader import Transcript


def from_coord_transcript(path: str | os.PathLike) -> Exchange:
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
    plan = list(header.get("rounds") or [])
    rounds: dict[int, Round] = {}

    def get(n: int) -> Round:
        if n not in rounds:
            iid = plan[n - 1] if 0 < n <= len(plan) else None
            rounds[n] = Round(n, instances.get(iid) if iid is not None else None)
        return rounds[n]

    # events() yields one event per line after the header, stopping at the seal.
    for line, event in enumerate(t.events(), start=2):
        kind = event.get("kind")
        n = event.get("round")
        if not isinstance(n, int) or isinstance(n, bool):
            continue
        rnd = get(n)
        if kind == "round_start" and event.get("instance") in instances:
            rnd.instance = instances[event["instance"]]
        elif kind == "message":
            msg = event.get("message")
            if not isinstance(msg, dict):
                raise InputError(
                    "a message event without a message object", file=display, line=line
                )
            agent = str(event.get("agent"))
            action = {k: v for k, v in msg.items() if k not in ("type", "text")} or None
            number = event.get("turn")
            if not isinstance(number, int) or isinstance(number, bool):
                number = len(rnd.turns) + 1
            turn = Turn(
                round=n,
                turn=number,
                agent=agent,
                text=str(msg.get("text") or ""),
                type=msg.get("type"),
                action=action,
                id=event.get("id") or msg.get("id"),
                in_reply_to=msg.get("ref") or msg.get("in_reply_to"),
                line=line,
            )
            rnd.turns.append(turn)
            if msg.get("type") == "purchase":
                bought = purchase_of(action)
                if bought is not None:
                    rnd.purchases[agent] = bought[0]
                    rnd.requested[agent] = bought[1] or {}
        elif kind == "outcome":
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
    warnings = []
    if t.torn:
        warnings.append("the last line is incomplete (the writer stopped mid-line); ignored")
    return Exchange(display, agents, [rounds[k] for k in sorted(rounds)], COORD, warnings)
