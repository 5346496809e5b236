"""One game: agents bound to the run, the coordinator, the transcript (new or resumed).

A game that stops on a provider failure or a budget leaves its transcript open (not
sealed) after an `error` event with `what: stopped`, so `coord run --resume` continues it;
every other failure seals it (`cancelled` on a signal, `failed` otherwise), as before.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coord import __version__
from coord.backends.registry import create_agent
from coord.coordinator.negotiation import NegotiationSession
from coord.errors import ProviderError
from coord.game.negotiation.metrics import game_metrics
from coord.runner.conditions import Game, check_expectation
from coord.runner.resume import Resumer, account_event
from coord.scenario.load import LoadedScenario


def header_of(scn: LoadedScenario, game: Game, settings, protocol) -> dict[str, Any]:
    cond = game.condition
    return {
        "coord_version": __version__,
        "game": "negotiation",
        "scenario": scn.spec.name,
        "scenario_file": str(scn.path),
        "scenario_hash": scn.content_hash,
        "condition": cond.name,
        "seed": game.seed,
        "repeat": game.repeat,
        "agents": list(scn.agents),
        "backends": cond.backends,
        "agent_settings": {n: cond.agent_settings.get(n, {}) for n in cond.backends},
        "settings": {**settings.__dict__},
        "protocol": protocol.spec.name if protocol else None,
        "roles": {n: "negotiator" for n in scn.agents} if protocol else None,
        "instances": [i.to_dict() for i in dict.fromkeys(game.rounds)],
        "rounds": [i.id for i in game.rounds],
        "started": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    }


class GameEmitter:
    """The game's `emit`: writes (or, resuming, checks) each event, and counts model calls
    into the run's totals and the game's own."""

    def __init__(self, target, runtime) -> None:
        self.target = target
        self.runtime = runtime
        self.usage: dict[str, dict] = {}

    def __call__(self, kind: str, **fields: Any):
        out = self.target(kind, **fields)
        if kind == "model_call":
            account_event(self.runtime, fields, self.usage)
        return out


async def play_game_async(
    scn: LoadedScenario,
    game: Game,
    path: Path,
    protocol,
    runtime,
    *,
    store=None,
    resume_from: list[dict] | None = None,
) -> dict[str, Any]:
    """Play one game, writing its transcript at `path`; return its run record.

    `resume_from`: the events already in the (unsealed) transcript, which is continued.
    """
    from coord.transcript import TranscriptWriter, open_for_append

    cond = game.condition
    settings = replace(cond.settings, first_speaker=game.first_speaker)
    agents = {
        n: create_agent(b, name=n, seed=game.policy_seed, settings=cond.agent_settings.get(n))
        for n, b in cond.backends.items()
    }
    if resume_from is None:
        # Creating fsyncs the folder and sealing fsyncs the file: both run in a worker
        # thread, because a disk round-trip inside the event loop stalls every other game's
        # calls (32 games sealing at the end of a wave did, measurably).
        header = header_of(scn, game, settings, protocol)
        writer = await asyncio.to_thread(TranscriptWriter.create, path, header)
        target = writer.append
    else:
        writer = open_for_append(path)
        target = Resumer(writer, resume_from)
    emit = GameEmitter(target, runtime)
    for agent in agents.values():
        agent.bind(emit=emit, runtime=runtime, protocol=protocol, store=store)
    with writer:
        try:
            session = NegotiationSession(list(game.rounds), agents, settings, emit, protocol)
            records = await session.play()
            metrics = game_metrics(records, session.counters)
            expectations = []
            for expr in cond.expect:
                ok, value = check_expectation(expr, metrics)
                expectations.append({"expr": expr, "ok": ok, "value": value})
            emit("metric", scope="game", metrics=metrics)
            if expectations:
                emit("expectations", results=expectations)
        except (ProviderError, asyncio.CancelledError) as exc:
            # Resumable: record why, leave the transcript open for `--resume`.
            message = getattr(exc, "message", None) or "stopped: another game failed"
            writer.append("error", what="stopped", type=type(exc).__name__, message=message)
            writer.close()
            raise
        await _seal(writer)
    return {
        "scenario": scn.spec.name,
        "condition": cond.name,
        "seed": game.seed,
        "repeat": game.repeat,
        "transcript": str(path),
        "metrics": metrics,
        "expectations": expectations,
        "usage": emit.usage,
    }


async def _seal(writer) -> None:
    """Seal `completed` in a worker thread (it fsyncs). Cancelled meanwhile (a signal), the
    seal is let finish first, so the transcript is never left half-sealed."""
    sealing = asyncio.ensure_future(asyncio.to_thread(writer.seal))
    try:
        await asyncio.shield(sealing)
    except asyncio.CancelledError:
        await sealing
        raise
