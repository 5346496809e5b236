"""`coord run`: play every condition × seed × repeat of a scenario, one transcript per game.

The runner is the command's one core function (`run_scenarios`). It returns a report
dict (the `--format json` document); rendering is the command's job. Every game writes
its transcript as it plays; the summary is written atomically after the last game.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coord import __version__, signals
from coord.backends.registry import create_agent
from coord.coordinator.negotiation import NegotiationSession
from coord.errors import Cancelled
from coord.game.negotiation.metrics import game_metrics
from coord.runner.conditions import Condition, Game, check_expectation, games, resolve
from coord.runner.report import build_report
from coord.scenario.load import LoadedScenario, load_scenario

REPORT_SCHEMA_VERSION = 1


@dataclass
class RunOptions:
    out: Path | None = None  # default runs/<scenario>/<timestamp>/
    agents: list[str] = field(default_factory=list)  # NAME=BACKEND
    seeds: list[int] | None = None
    repeat: int | None = None
    conditions: list[str] | None = None
    progress: Callable[[int], Callable[[], None]] | None = None  # total -> advance()


def load_protocol_for(scn: LoadedScenario, ref: str | None):
    """The scenario's protocol, loaded once per (scenario, reference)."""
    if ref is None:
        return None
    key = (scn.path, ref)
    if key not in _PROTOCOLS:
        from coord.protocol.load import find_protocol, load_protocol

        local = scn.path.parent / ref
        _PROTOCOLS[key] = load_protocol(local if local.is_file() else find_protocol(ref))
    return _PROTOCOLS[key]


_PROTOCOLS: dict[tuple[Path, str], Any] = {}


def play_game(scn: LoadedScenario, game: Game, path: Path) -> dict[str, Any]:
    """Play one game, writing its transcript at `path`; return its run record."""
    from coord.transcript import TranscriptWriter

    cond = game.condition
    protocol = load_protocol_for(scn, cond.protocol)
    settings = replace(cond.settings, first_speaker=game.first_speaker)
    agents = {n: create_agent(b, name=n, seed=game.policy_seed) for n, b in cond.backends.items()}
    header = {
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
        "settings": {**settings.__dict__},
        "protocol": protocol.spec.name if protocol else None,
        "roles": {n: "negotiator" for n in scn.agents} if protocol else None,
        "instances": [i.to_dict() for i in dict.fromkeys(game.rounds)],
        "rounds": [i.id for i in game.rounds],
        "started": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    }
    with TranscriptWriter.create(path, header) as writer:
        session = NegotiationSession(
            list(game.rounds), agents, settings, writer.append, protocol=protocol
        )
        records = asyncio.run(session.play())
        metrics = game_metrics(records, session.counters)
        expectations = []
        for expr in cond.expect:
            ok, value = check_expectation(expr, metrics)
            expectations.append({"expr": expr, "ok": ok, "value": value})
        writer.append("metric", scope="game", metrics=metrics)
        if expectations:
            writer.append("expectations", results=expectations)
    return {
        "scenario": scn.spec.name,
        "condition": cond.name,
        "seed": game.seed,
        "repeat": game.repeat,
        "transcript": str(path),
        "metrics": metrics,
        "expectations": expectations,
    }


def default_out(name: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path("runs") / name / stamp


def run_scenarios(paths: list[str | Path], opts: RunOptions) -> dict[str, Any]:
    """Load and plan everything first (bad input fails before any game runs), then play."""
    from coord.runner.conditions import parse_agent_overrides

    loaded = [load_scenario(p) for p in paths]
    forecast = [s for s in loaded if not isinstance(s, LoadedScenario)]
    if forecast:
        if len(forecast) != len(loaded):
            from coord.errors import UsageError

            raise UsageError(
                "forecast and negotiation scenarios cannot share one run",
                hint="run them with separate `coord run` commands",
            )
        from coord.forecast.run import run_forecast_scenarios

        return run_forecast_scenarios(forecast, opts)
    multi = len(loaded) > 1
    plan: list[tuple[LoadedScenario, Condition, Game, Path]] = []
    conditions: list[tuple[LoadedScenario, Condition, Path]] = []
    for scn in loaded:
        overrides = parse_agent_overrides(opts.agents, scn.agents)
        base = opts.out if opts.out is not None else default_out(scn.spec.name)
        root = base / scn.spec.name if (multi and opts.out is not None) else base
        seeds = opts.seeds or list(scn.spec.seeds)
        repeats = opts.repeat or scn.spec.repeats
        for cond in resolve(scn, overrides, opts.conditions):
            load_protocol_for(scn, cond.protocol)  # a bad protocol fails before any game
            conditions.append((scn, cond, root))
            for game in games(scn, cond, seeds, repeats):
                path = root / cond.name / f"seed{game.seed}-rep{game.repeat}.jsonl"
                plan.append((scn, cond, game, path))
    _check_paths(plan)

    advance = opts.progress(len(plan)) if opts.progress else (lambda: None)
    restore = signals.install()
    runs = []
    try:
        for scn, _cond, game, path in plan:
            signals.check()  # between games: nothing is half-written
            runs.append(play_game(scn, game, path))
            advance()
    except KeyboardInterrupt:  # Ctrl-C pressed twice
        raise Cancelled("interrupted") from None
    finally:
        restore()

    def report_of(entries):
        keep = {(s.spec.name, c.name) for s, c, _ in entries}
        mine = [r for r in runs if (r["scenario"], r["condition"]) in keep]
        return build_report(mine, [(s.spec.name, c) for s, c, _ in entries])

    for root in dict.fromkeys(r for *_, r in conditions):  # each folder: its own runs
        write_atomic(root / "summary.json", report_of([e for e in conditions if e[2] == root]))
    report = report_of(conditions)
    if multi and opts.out is not None:
        write_atomic(opts.out / "summary.json", report)
    return report


def _check_paths(plan) -> None:
    """Two games writing one transcript, or an existing transcript: refuse up front."""
    from coord.errors import UsageError

    seen: dict[Path, tuple[str, str]] = {}
    for scn, cond, _game, path in plan:
        if path in seen:
            raise UsageError(
                f"two games would write the same transcript {path}",
                hint="scenarios passed together need different `name:`s",
            )
        seen[path] = (scn.spec.name, cond.name)
        if path.exists():
            raise UsageError(
                f"{path} already exists; coord never overwrites a transcript",
                hint="choose another --out (the default makes a new timestamped folder)",
            )


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON via a temporary file and rename: readers never see half a file."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
