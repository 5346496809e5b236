"""One configuration × one seed over every question: one transcript.

The transcript, `<out>/<condition>/seed<k>.jsonl`, holds a header (`"game": "forecast"`,
the topology, its settings, the forecaster and the shared prompt blocks), then per
question: the agents' `model_call` events (model forecasters: canonical request,
response, validation, usage, cost), a `message` event per agent turn (role, round, text,
probability; simulated forecasters add their simulated usage and nominal cost), and one
`forecast` event — the configuration's probability, the outcome and baseline, the
question's tokens and cost (summed over its model calls, or simulated), agent turns, the
agents' first and last estimates. A question whose agent gave no valid answer after its
re-asks gets a `forecast` event with `failed: true` and no probability, counted by
`coord score`.

Questions are played `jobs` at a time (one at a time by default, so the transcript is in
question order); the agents of a transcript are created once and shared.
"""

from __future__ import annotations

import asyncio
import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coord import __version__, signals
from coord.forecast import topologies
from coord.forecast.policies import SIMULATION_KEYS, create_forecaster, is_model
from coord.forecast.questions import Question
from coord.forecast.scenario import LoadedForecastScenario
from coord.forecast.views import ForecastView, Reply
from coord.scenario.forecast_spec import ConfigurationSpec


def sim_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)  # the simulation's token count: ~4 characters a token


@dataclass
class Tally:
    """What one question cost: agent turns, tokens, USD (None once a call is unpriced)."""

    turns: int = 0
    model_calls: int = 0
    tokens: int = 0
    cost: float | None = 0.0

    def add(self, tokens: int, cost: float | None) -> None:
        self.tokens += tokens
        # Rounded like each call's cost (1e-12 USD), so sums show no float dust.
        self.cost = None if cost is None or self.cost is None else round(self.cost + cost, 12)


def forecaster_params(fc) -> dict[str, Any]:
    """The settings that drive this forecaster, as recorded in the header."""
    if is_model(fc.backend):
        return {k: v for k, v in fc.settings().items() if k not in SIMULATION_KEYS}
    return {k: getattr(fc, k) for k in SIMULATION_KEYS}


def header_of(scn: LoadedForecastScenario, name: str, conf: ConfigurationSpec, seed: int):
    spec = scn.spec
    fc = conf.forecaster or spec.forecaster
    return {
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
        "forecaster": forecaster_params(fc),
        "prompt": spec.prompt.model_dump(),
        "questions": len(scn.questions),
        "started": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    }


async def play(
    scn: LoadedForecastScenario,
    name: str,
    conf: ConfigurationSpec,
    seed: int,
    path: Path,
    runtime,
    *,
    jobs: int = 1,
) -> dict[str, Any]:
    """Run one configuration with one seed over every question; write its transcript."""
    from coord.forecast.llm import ForecastFailed
    from coord.runner.resume import account_event
    from coord.transcript import TranscriptWriter

    spec = scn.spec
    fc = conf.forecaster or spec.forecaster
    model = is_model(fc.backend)
    params = forecaster_params(fc)
    pricing = None if model else spec.pricing
    size = 3 if conf.topology == "sequential_pipeline" else conf.agents
    func = topologies.TOPOLOGY_FUNCTIONS[conf.topology]
    tallies: dict[str, Tally] = {}
    agents: dict[str, Any] = {}

    with TranscriptWriter.create(path, header_of(scn, name, conf, seed)) as writer:

        def emit(kind: str, **fields: Any) -> dict:
            event = writer.append(kind, **fields)
            if kind == "model_call":
                account_event(runtime, fields, None)  # run totals and budgets
                tally = tallies[fields["question_id"]]
                tally.model_calls += 1
                if fields.get("status") == "ok":
                    from coord.backends.llm.common import total_tokens

                    tally.add(total_tokens(fields.get("usage") or {}), fields.get("cost_usd"))
            return event

        def agent(agent_name: str):
            if agent_name not in agents:
                a = create_forecaster(fc.backend, name=agent_name, seed=seed, params=params)
                a.bind(emit=emit, runtime=runtime)
                agents[agent_name] = a
            return agents[agent_name]

        async def ask(role: str, slot: int, q: Question, **view) -> Reply:
            agent_name = topologies.agent_name(conf.topology, role, slot)
            v = ForecastView(
                role=role,
                slot=slot,
                round=view.pop("round", 0),
                question=q,
                header=spec.prompt.header,
                answer_format=spec.prompt.answer_format,
                **view,
            )
            reply = await agent(agent_name).act(v)
            tally = tallies[q.id]
            tally.turns += 1
            extra: dict[str, Any] = {}
            if not model:
                tin, tout = sim_tokens(v.prompt_text()), sim_tokens(reply.text)
                cost = None
                if pricing is not None:
                    cost = (tin * pricing.input_per_mtok + tout * pricing.output_per_mtok) / 1e6
                tally.add(tin + tout, cost)
                usage = {"input_tokens": tin, "output_tokens": tout}
                extra["usage"] = {**usage, "total_tokens": tin + tout, "simulated": True}
                extra["cost_usd"] = cost
            writer.append(
                "message",
                question_id=q.id,
                agent=agent_name,
                role=role,
                round=v.round,
                text=reply.text,
                probability=reply.probability,
                evidence=reply.evidence,
                **extra,
            )
            return reply

        gate = asyncio.Semaphore(max(1, jobs))

        async def one(q: Question) -> tuple[Any, str | None]:
            async with gate:
                signals.check()  # between questions: nothing is half-written
                tallies[q.id] = Tally()
                session = topologies.Session(ask, size, conf.rounds, conf.epsilon)
                try:
                    result, error = await func(session, q), None
                except ForecastFailed as exc:
                    result, error = None, str(exc)
                t = tallies[q.id]
                fields: dict[str, Any] = {
                    "question_id": q.id,
                    "category": q.category,
                    "probability": result.probability if result else None,
                    "outcome": q.outcome,
                    "baseline": q.baseline,
                    "calls": t.turns,
                    "tokens": t.tokens,
                    "cost_usd": None if (pricing is None and not model) else t.cost,
                }
                if model:
                    fields["model_calls"] = t.model_calls
                fields.update(
                    initial=result.initial if result else [],
                    final=result.final if result else [],
                    spread_initial=topologies.spread(result.initial) if result else None,
                    spread_final=topologies.spread(result.final) if result else None,
                    rounds=result.rounds if result else 0,
                    failed=result is None,
                )
                if error:
                    fields["error"] = error
                writer.append("forecast", **fields)
                return result, error

        outcomes = await _all([one(q) for q in scn.questions])
        done = [r for r, _ in outcomes if r is not None]
        summary = {
            "calls_per_item": statistics.fmean(t.turns for t in tallies.values()),
            "spread_initial": _mean([topologies.spread(r.initial) for r in done]),
            "spread_final": _mean([topologies.spread(r.final) for r in done]),
            "rounds_per_item": statistics.fmean(r.rounds for r in done) if done else None,
            "failed": sum(1 for r, _ in outcomes if r is None),
        }
        writer.append("metric", scope="run", metrics=summary)
    return {
        "condition": name,
        "topology": conf.topology,
        "seed": seed,
        "transcript": str(path),
        **summary,
    }


async def _all(coros: list) -> list:
    """Await every question; on the first failure cancel the rest before re-raising, so
    nothing writes to the transcript after it is sealed."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _mean(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return statistics.fmean(vals) if vals else None
