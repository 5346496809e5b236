"""`coord run` on a forecast scenario: every condition × seed over every question.

Each (condition, seed) writes one transcript, `<out>/<condition>/seed<k>.jsonl`: a header
(`"game": "forecast"`, the topology and its settings), a `message` event per agent call
(role, round, text, probability or evidence, simulated usage and cost), and a `forecast`
event per question (the configuration's probability, the outcome and baseline, tokens,
cost, calls, the agents' first and last estimates). The report scores those transcripts
with the same code as `coord score`, and adds what the topology did: the spread of the
agents' estimates before and after coordination, calls and revision rounds per question.
"""

from __future__ import annotations

import asyncio
import math
import statistics
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coord import __version__, signals
from coord.errors import Cancelled, UsageError, did_you_mean
from coord.forecast import topologies
from coord.forecast.policies import create_forecaster
from coord.forecast.questions import Question
from coord.forecast.scenario import LoadedForecastScenario
from coord.forecast.views import ForecastView, Reply
from coord.scenario.forecast_spec import ConfigurationSpec

REPORT_SCHEMA_VERSION = 1


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4)  # the simulation's token count: ~4 characters a token


def play(
    scn: LoadedForecastScenario, name: str, conf: ConfigurationSpec, seed: int, path: Path
) -> dict[str, Any]:
    """Run one configuration with one seed over every question; write its transcript."""
    from coord.transcript import TranscriptWriter

    spec = scn.spec
    fc = conf.forecaster or spec.forecaster
    params = fc.model_dump(exclude={"backend"})
    pricing = spec.pricing
    header = {
        "coord_version": __version__,
        "game": "forecast",
        "scenario": spec.name,
        "scenario_file": str(scn.path),
        "scenario_hash": scn.content_hash,
        "condition": name,
        "topology": conf.topology,
        "settings": {"agents": conf.agents, "rounds": conf.rounds, "epsilon": conf.epsilon},
        "seed": seed,
        "backends": {"*": fc.backend},
        "forecaster": params,
        "questions": len(scn.questions),
        "started": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    }
    size = 3 if conf.topology == "sequential_pipeline" else conf.agents
    stats = {"calls": 0, "tokens": 0, "cost": 0.0}
    with TranscriptWriter.create(path, header) as writer:

        async def ask(role: str, slot: int, q: Question, **view) -> Reply:
            agent_name = topologies.agent_name(conf.topology, role, slot)
            agent = create_forecaster(fc.backend, name=agent_name, seed=seed, params=params)
            v = ForecastView(
                role=role,
                slot=slot,
                round=view.pop("round", 0),
                question=q,
                header=spec.prompt.header,
                answer_format=spec.prompt.answer_format,
                **view,
            )
            reply = await agent.act(v)
            tin, tout = _tokens(v.prompt_text()), _tokens(reply.text)
            cost = None
            if pricing is not None:
                cost = (tin * pricing.input_per_mtok + tout * pricing.output_per_mtok) / 1e6
            stats["calls"] += 1
            stats["tokens"] += tin + tout
            stats["cost"] += cost or 0.0
            writer.append(
                "message",
                question_id=q.id,
                agent=agent_name,
                role=role,
                round=v.round,
                text=reply.text,
                probability=reply.probability,
                evidence=reply.evidence,
                usage={
                    "input_tokens": tin,
                    "output_tokens": tout,
                    "total_tokens": tin + tout,
                    "simulated": True,
                },
                cost_usd=cost,
            )
            return reply

        session = topologies.Session(ask, size, conf.rounds, conf.epsilon)
        func = topologies.TOPOLOGY_FUNCTIONS[conf.topology]
        spreads: list[tuple[float | None, float | None]] = []
        rounds_played = []
        for q in scn.questions:
            signals.check()  # between questions: nothing is half-written
            before = dict(stats)
            result = asyncio.run(func(session, q))
            s0, s1 = topologies.spread(result.initial), topologies.spread(result.final)
            spreads.append((s0, s1))
            rounds_played.append(result.rounds)
            writer.append(
                "forecast",
                question_id=q.id,
                category=q.category,
                probability=result.probability,
                outcome=q.outcome,
                baseline=q.baseline,
                calls=stats["calls"] - before["calls"],
                tokens=stats["tokens"] - before["tokens"],
                cost_usd=None if pricing is None else stats["cost"] - before["cost"],
                initial=result.initial,
                final=result.final,
                spread_initial=s0,
                spread_final=s1,
                rounds=result.rounds,
                failed=False,
            )
        summary = {
            "calls_per_item": stats["calls"] / len(scn.questions),
            "spread_initial": _mean([a for a, _ in spreads]),
            "spread_final": _mean([b for _, b in spreads]),
            "rounds_per_item": statistics.fmean(rounds_played),
        }
        writer.append("metric", scope="run", metrics=summary)
    return {
        "condition": name,
        "topology": conf.topology,
        "seed": seed,
        "transcript": str(path),
        **summary,
    }


def _mean(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return statistics.fmean(vals) if vals else None


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
    advance = opts.progress(len(plan)) if opts.progress else (lambda: None)
    restore = signals.install()
    runs = []
    try:
        for scn, name, conf, seed, path in plan:
            runs.append({"scenario": scn.spec.name, **play(scn, name, conf, seed, path)})
            advance()
    except KeyboardInterrupt:
        raise Cancelled("interrupted") from None
    finally:
        restore()
    report: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "kind": "forecast",
        "runs": runs,
        "groups": [],
    }
    for name in dict.fromkeys(r["scenario"] for r in runs):
        mine = [r for r in runs if r["scenario"] == name]
        part = _groups(mine, prefix=f"{name}/" if multi else "")
        report["groups"] += part
        root = Path(mine[0]["transcript"]).parent.parent
        write_atomic(root / "summary.json", {**report, "runs": mine, "groups": part})
    return report


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
                "rounds_per_item": statistics.fmean(r["rounds_per_item"] for r in mine),
            }
        )
    return out
