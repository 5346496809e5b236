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

from coord import signals
from coord.backends.registry import create_agent
from coord.errors import Cancelled, ProviderError, UsageError
from coord.runner.conditions import Condition, Game, games, resolve
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
    jobs: int = 1  # games played at once
    max_usd: float | None = None  # override the scenario's limits
    max_tokens: int | None = None
    prices: str | None = None  # price file overriding the table and the scenario
    resume: Path | None = None  # continue this run folder
    replay: Path | None = None  # play this run folder's recorded calls back, offline
    runtime: Any = None  # a prepared coord.backends.llm.runtime.Runtime (tests)
    report_format: str = "text"  # what the command will render (junit: refused for forecasts)


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


def play_game(scn: LoadedScenario, game: Game, path: Path, runtime=None) -> dict[str, Any]:
    """Play one game, writing its transcript at `path`; return its run record."""
    from coord.runner.game import play_game_async

    protocol = load_protocol_for(scn, game.condition.protocol)
    runtime = runtime or _runtime([], None)

    async def main():
        try:
            return await play_game_async(scn, game, path, protocol, runtime)
        finally:
            await runtime.aclose()

    return asyncio.run(main())


def default_out(name: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path("runs") / name / stamp


def _from_run_file(opts: RunOptions, folder: Path) -> tuple[list[str], RunOptions]:
    from coord.runner.resume import read_run_file

    data = read_run_file(folder)
    merged = replace(
        opts,
        agents=list(data.get("agents") or []),
        seeds=data.get("seeds"),
        repeat=data.get("repeat"),
        conditions=data.get("conditions"),
        max_usd=opts.max_usd if opts.max_usd is not None else data.get("max_usd"),
        max_tokens=opts.max_tokens if opts.max_tokens is not None else data.get("max_tokens"),
        prices=opts.prices or data.get("prices"),
    )
    return list(data["scenarios"]), merged


def run_scenarios(paths: list[str | Path], opts: RunOptions) -> dict[str, Any]:
    """Load and plan everything first (bad input fails before any game runs), then play."""
    from coord.runner.conditions import parse_agent_overrides

    source = opts.resume or opts.replay
    if source is not None:
        if paths:
            raise UsageError(
                "give either scenarios or --resume/--replay DIR, not both",
                hint="--resume and --replay read the scenarios from DIR/run.json",
            )
        paths, opts = _from_run_file(opts, Path(source))
        if opts.resume is not None:
            opts = replace(opts, out=Path(opts.resume))
    loaded = [load_scenario(p) for p in paths]
    forecast = [s for s in loaded if not isinstance(s, LoadedScenario)]
    if forecast:
        if len(forecast) != len(loaded):
            raise UsageError(
                "forecast and negotiation scenarios cannot share one run",
                hint="run them with separate `coord run` commands",
            )
        from coord.forecast.run import run_forecast_scenarios

        return run_forecast_scenarios(forecast, opts)
    multi = len(loaded) > 1
    plan: list[tuple[LoadedScenario, Condition, Game, Path, Path]] = []
    conditions: list[tuple[LoadedScenario, Condition, Path]] = []
    roots: dict[Path, list[str]] = {}
    for scn in loaded:
        overrides = parse_agent_overrides(opts.agents, scn.agents)
        base = opts.out if opts.out is not None else default_out(scn.spec.name)
        root = base / scn.spec.name if (multi and opts.out is not None) else base
        roots.setdefault(root, []).append(str(scn.path.resolve()))
        seeds = opts.seeds or list(scn.spec.seeds)
        repeats = opts.repeat or scn.spec.repeats
        for cond in resolve(scn, overrides, opts.conditions):
            load_protocol_for(scn, cond.protocol)  # a bad protocol fails before any game
            conditions.append((scn, cond, root))
            for game in games(scn, cond, seeds, repeats):
                rel = Path(cond.name) / f"seed{game.seed}-rep{game.repeat}.jsonl"
                plan.append((scn, cond, game, root / rel, base))
    if opts.resume is None:
        _check_paths([(s, c, g, p) for s, c, g, p, _ in plan])
    if opts.replay is None:
        _preflight(plan)
    runtime = opts.runtime or _runtime(loaded, opts)
    if opts.replay is not None:
        runtime.offline = True
    if opts.resume is None:
        from coord.runner.resume import write_run_file

        asked = {
            "agents": opts.agents,
            "seeds": opts.seeds,
            "repeat": opts.repeat,
            "conditions": opts.conditions,
            "max_usd": opts.max_usd,
            "max_tokens": opts.max_tokens,
            "prices": str(Path(opts.prices).resolve()) if opts.prices else None,
        }
        for root, scenario_paths in roots.items():
            write_run_file(root, {"scenarios": scenario_paths, **asked})
        if multi and opts.out is not None:
            write_run_file(opts.out, {"scenarios": [p for v in roots.values() for p in v], **asked})

    advance = opts.progress(len(plan)) if opts.progress else (lambda: None)
    restore = signals.install()
    try:
        runs, played = asyncio.run(_play_all(plan, runtime, opts, advance))
    except KeyboardInterrupt:  # Ctrl-C pressed twice
        raise Cancelled("interrupted") from None
    except ProviderError as exc:
        where = opts.out or next(iter(roots))
        exc.hint = (exc.hint + "; " if exc.hint else "") + (
            f"the run is resumable: `coord run --resume {where}`"
        )
        raise
    finally:
        restore()

    def report_of(entries):
        keep = {(s.spec.name, c.name) for s, c, _ in entries}
        mine = [r for r in runs if (r["scenario"], r["condition"]) in keep]
        report = build_report(mine, [(s.spec.name, c) for s, c, _ in entries])
        report["usage"] = _usage(mine)
        return report

    if played or opts.resume is None:  # a completed run resumes to a no-op
        for root in dict.fromkeys(r for *_, r in conditions):  # each folder: its own runs
            write_atomic(root / "summary.json", report_of([e for e in conditions if e[2] == root]))
    report = report_of(conditions)
    if multi and opts.out is not None and (played or opts.resume is None):
        write_atomic(opts.out / "summary.json", report)
    report["model_calls"] = {
        "network": runtime.network_calls,
        "served_from_recordings": runtime.served,
    }
    return report


def _usage(runs: list[dict]) -> dict[str, Any]:
    """Per-agent and total usage and cost of these runs (from their model_call events)."""
    from coord.backends.llm.runtime import Totals

    agents: dict[str, Totals] = {}
    total = Totals()
    for r in runs:
        for agent, u in (r.get("usage") or {}).items():
            for t in (agents.setdefault(agent, Totals()), total):
                t.calls += u["calls"]
                t.unpriced_calls += u["unpriced_calls"]
                t.cost_usd = round(t.cost_usd + u["cost_usd"], 12)
                for k in t.usage:
                    t.usage[k] += u[k]
    return {"agents": {a: t.to_dict() for a, t in sorted(agents.items())}, "total": total.to_dict()}


def _runtime(loaded: list[LoadedScenario], opts: RunOptions | None):
    """The run's Runtime: limits and prices from the first scenario, flags over them."""
    from coord.backends.llm.pricing import PriceTable, load_price_file
    from coord.backends.llm.retry import RetryPolicy
    from coord.backends.llm.runtime import Limits, Runtime

    if not loaded:
        return Runtime()
    spec = loaded[0].spec
    lim = spec.limits
    prices = {m: p.model_dump(exclude_none=True) for s in loaded for m, p in s.spec.prices.items()}
    if opts is not None and opts.prices:
        prices.update(load_price_file(opts.prices))
    return Runtime(
        retry=RetryPolicy(
            max_retries=lim.max_retries,
            retry_after_cap=lim.retry_after_cap_s,
            call_timeout=lim.call_timeout_s,
            call_deadline=lim.call_deadline_s,
        ),
        limits=Limits(
            max_usd=opts.max_usd if opts and opts.max_usd is not None else lim.max_usd,
            max_tokens=opts.max_tokens if opts and opts.max_tokens is not None else lim.max_tokens,
            deadline=lim.deadline_s,
            max_connections=lim.max_connections,
            requests_per_minute=lim.requests_per_minute,
        ),
        prices=PriceTable(prices),
    )


def _preflight(plan) -> None:
    """Create each distinct agent once before any game: a missing key fails up front."""
    seen = set()
    for _scn, cond, _game, _path, _base in plan:
        for name, backend in cond.backends.items():
            settings = cond.agent_settings.get(name) or {}
            key = (name, backend, tuple(sorted(settings.items())))
            if key in seen:
                continue
            seen.add(key)
            agent = create_agent(backend, name=name, settings=settings)
            check = getattr(agent, "preflight", None)
            if check is not None:
                check()


async def _play_all(plan, runtime, opts: RunOptions, advance):
    """Play the games, `opts.jobs` at a time; return (records in plan order, games played)."""
    from coord.backends.replay import CallStore
    from coord.runner.game import play_game_async
    from coord.runner.resume import record_from_events, transcript_state

    jobs = asyncio.Semaphore(max(1, opts.jobs))
    played = 0

    async def one(scn, cond, game, path, base):
        nonlocal played
        async with jobs:
            signals.check()  # between games: nothing is half-written
            if runtime.stop_reason:
                raise ProviderError(f"not started: {runtime.stop_reason}")
            protocol = load_protocol_for(scn, cond.protocol)
            store = None
            resume_from = None
            if opts.replay is not None:
                recorded = Path(opts.replay) / path.relative_to(base)
                store = CallStore.from_transcript(recorded, strict=True)
            elif opts.resume is not None:
                state, events = transcript_state(path)
                if state == "completed":
                    from coord.transcript import Transcript

                    for e in events:
                        account_existing(runtime, e)
                    advance()
                    return record_from_events(path, Transcript.open(path).header, events)
                if state == "open":
                    resume_from = events
                    store = CallStore(events, strict=False, source=str(path))
                elif state != "absent":  # sealed cancelled / failed: start afresh, reuse calls
                    aside = _aside(path, state)
                    path.rename(aside)
                    store = CallStore(events, strict=False, source=str(aside))
            if store is not None:
                runtime.stores.append(store)
            try:
                record = await play_game_async(
                    scn, game, path, protocol, runtime, store=store, resume_from=resume_from
                )
            except ProviderError as exc:
                runtime.stop_reason = runtime.stop_reason or (
                    f"{cond.name} seed {game.seed}: {exc.message}"
                )
                raise
            played += 1
            advance()
            return record

    try:
        results = await asyncio.gather(*(one(*item) for item in plan), return_exceptions=True)
    finally:
        await runtime.aclose()
    errors = [r for r in results if isinstance(r, BaseException)]
    for kind in (Cancelled, ProviderError, BaseException):
        first = next((e for e in errors if isinstance(e, kind)), None)
        if first is not None:
            raise first
    return list(results), played


def account_existing(runtime, event: dict) -> None:
    from coord.runner.resume import account_event

    if event.get("kind") == "model_call":
        account_event(runtime, event, None)


def _aside(path: Path, status: str) -> Path:
    n = 1
    while True:
        aside = path.with_name(f"{path.name}.{status}-{n}")
        if not aside.exists():
            return aside
        n += 1


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

    from coord.redact import redact

    data = redact(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
