"""`coord run` on a forecast scenario: every condition × seed over every question.

Each (condition, seed) writes one transcript (`coord.forecast.play`). Everything is
checked before the first question is asked: the conditions named, the transcript paths
(never overwritten), the report format, and — for model forecasters — the API keys. The
report scores the transcripts with the same code as `coord score`, and adds what the
topology did: the spread of the agents' estimates before and after coordination, agent
turns and revision rounds per question, failed forecasts; model forecasters add the run's
usage and cost.
"""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path
from typing import Any

from coord import signals
from coord.errors import Cancelled, ProviderError, UsageError, did_you_mean
from coord.forecast.play import play
from coord.forecast.policies import is_model
from coord.forecast.scenario import LoadedForecastScenario

REPORT_SCHEMA_VERSION = 1
NO_RESUME = (
    "forecast runs are not resumable yet: run again into a new --out (the transcripts "
    "written so far are sealed and score as they are)"
)


def run_forecast_scenarios(loaded: list[LoadedForecastScenario], opts) -> dict[str, Any]:
    """Plan every (scenario, condition, seed) first, refuse clashes, then play."""
    from coord.runner.run import default_out, write_atomic

    if opts.report_format == "junit":  # refused before any work, not after the run
        raise UsageError(
            "--format junit reports expectations; forecast runs have none",
            hint="use --format text or json",
        )
    if opts.agents:
        raise UsageError(
            "--agent applies to negotiation scenarios",
            hint="set `forecaster:` in the forecast scenario instead",
        )
    if opts.repeat:
        raise UsageError("--repeat applies to negotiation scenarios; use --seed for more runs")
    if opts.resume is not None or opts.replay is not None:
        raise UsageError("--resume and --replay apply to negotiation runs", hint=NO_RESUME)
    multi = len(loaded) > 1
    plan = []
    for scn in loaded:
        named = scn.spec.conditions
        if opts.conditions:
            for c in opts.conditions:
                if c not in named:
                    raise UsageError(
                        f"no condition {c!r} in {scn.path.name}{did_you_mean(c, named)}",
                        hint=f"conditions: {', '.join(named)}",
                    )
        base = opts.out if opts.out is not None else default_out(scn.spec.name)
        root = base / scn.spec.name if (multi and opts.out is not None) else base
        for name, conf in named.items():
            if opts.conditions and name not in opts.conditions:
                continue
            for seed in dict.fromkeys(opts.seeds or scn.spec.seeds):
                path = root / name / f"seed{seed}.jsonl"
                if path.exists():
                    raise UsageError(
                        f"{path} already exists; coord never overwrites a transcript",
                        hint="choose another --out",
                    )
                plan.append((scn, name, conf, seed, path))
    _preflight(plan)
    runtime = opts.runtime or _runtime(loaded, opts)
    from coord.runner.resume import write_run_file

    # What was asked, as negotiation runs record it: `--resume DIR` then finds the
    # scenarios and says plainly that forecast runs do not resume (yet).
    asked = {"agents": [], "seeds": opts.seeds, "repeat": None, "conditions": opts.conditions}
    roots = {path.parent.parent: [] for *_, path in plan}
    for scn, *_, path in plan:
        roots[path.parent.parent].append(str(scn.path.resolve()))
    for root, scenario_paths in roots.items():
        write_run_file(root, {"scenarios": list(dict.fromkeys(scenario_paths)), **asked})
    advance = opts.progress(len(plan)) if opts.progress else (lambda: None)
    restore = signals.install()
    try:
        runs = asyncio.run(_play_all(plan, runtime, opts.jobs, advance))
    except KeyboardInterrupt:
        raise Cancelled("interrupted") from None
    except ProviderError as exc:
        exc.hint = NO_RESUME if "resume" in (exc.hint or "") else exc.hint
        raise
    finally:
        restore()
    report: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "kind": "forecast",
        "runs": runs,
        "groups": [],
    }
    models = any(is_model((c.forecaster or s.spec.forecaster).backend) for s, _, c, _, _ in plan)
    if models:
        report["usage"] = runtime.summary()
    for name in dict.fromkeys(r["scenario"] for r in runs):
        mine = [r for r in runs if r["scenario"] == name]
        part = _groups(mine, prefix=f"{name}/" if multi else "")
        report["groups"] += part
        root = Path(mine[0]["transcript"]).parent.parent
        write_atomic(root / "summary.json", {**report, "runs": mine, "groups": part})
    return report


def _preflight(plan) -> None:
    """Create each distinct model forecaster once: a missing key fails before any work."""
    from coord.forecast.play import forecaster_params
    from coord.forecast.policies import create_forecaster

    seen = set()
    for scn, _name, conf, _seed, _path in plan:
        fc = conf.forecaster or scn.spec.forecaster
        key = (fc.backend, fc.base_url, fc.api_key_env)
        if not is_model(fc.backend) or key in seen:
            continue
        seen.add(key)
        create_forecaster(
            fc.backend, name="preflight", seed=0, params=forecaster_params(fc)
        ).preflight()


def _runtime(loaded: list[LoadedForecastScenario], opts):
    from coord.runner.run import _runtime as runtime_for

    return runtime_for(loaded, opts)  # limits and prices: the same fields as negotiation


async def _play_all(plan, runtime, jobs: int, advance) -> list[dict[str, Any]]:
    runs = []
    try:
        for scn, name, conf, seed, path in plan:
            signals.check()
            record = await play(scn, name, conf, seed, path, runtime, jobs=jobs)
            runs.append({"scenario": scn.spec.name, **record})
            advance()
    finally:
        await runtime.aclose()
    return runs


def _groups(runs: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Score one scenario's transcripts per condition, plus what each topology did."""
    from coord.forecast.loaders import load_forecasts
    from coord.forecast.report import ScoreOptions, score_forecasts

    scores = score_forecasts(
        load_forecasts([r["transcript"] for r in runs]).forecasts,
        ScoreOptions(group_by=("config",)),
    )
    out = []
    for s in scores:
        mine = [r for r in runs if r["condition"] == s.name]
        out.append(
            {
                **s.to_json(),
                "name": prefix + s.name,
                "topology": mine[0]["topology"],
                "residual": s.residual,
                "spread_initial": _mean([r["spread_initial"] for r in mine]),
                "spread_final": _mean([r["spread_final"] for r in mine]),
                "calls_per_item": statistics.fmean(r["calls_per_item"] for r in mine),
                "rounds_per_item": _mean([r["rounds_per_item"] for r in mine]),
            }
        )
    return out


def _mean(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return statistics.fmean(vals) if vals else None
