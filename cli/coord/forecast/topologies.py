"""The five coordination configurations as topologies: who speaks, what each one sees.

A topology is an async function `(session, question) -> Result`. It decides only the flow
of information; the agents (`coord.forecast.policies`, or models: `coord.forecast.llm`) decide what
to say. Every agent receives the same prompt blocks (`ForecastView.header` and
`answer_format`) in every configuration, so only the coordination differs.

* `independent_ensemble`: N agents alone; the median of their probabilities.
* `peer_critique_debate`: round 0 alone; R revision rounds, each agent seeing every peer's
  latest estimate and reasoning; the median.
* `orchestrator_specialist`: a planner writes N sub-questions; N specialists report
  evidence on one each, without probabilities; an integrator sees the reports and decides.
* `sequential_pipeline`: researcher → analyst → forecaster, each seeing only the notes of
  the stage before it.
* `consensus_alignment`: round 0 alone; up to R rounds in which each agent sees the group
  and moves towards agreement, stopping once max − min ≤ epsilon; the mean.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from coord.forecast.questions import Question
from coord.forecast.views import Note, Reply


@dataclass
class Result:
    probability: float
    initial: list[float] = field(default_factory=list)  # the agents' first estimates
    final: list[float] = field(default_factory=list)  # their last estimates
    rounds: int = 0  # revision rounds actually played


def spread(ps: list[float]) -> float | None:
    """Population standard deviation of the agents' estimates (None for fewer than 2)."""
    return statistics.pstdev(ps) if len(ps) > 1 else None


class Session:
    """What a topology uses to talk to agents: `ask` builds the view and records the call."""

    def __init__(
        self, ask: Callable[..., Awaitable[Reply]], size: int, rounds: int, epsilon: float
    ) -> None:
        self._ask = ask
        self.size, self.rounds, self.epsilon = size, rounds, epsilon

    async def ask(self, role: str, slot: int, q: Question, **view) -> Reply:
        return await self._ask(role, slot, q, **view)


def _notes(names: list[str], role: str, replies: list[Reply]) -> list[Note]:
    return [Note(n, role, r.text, r.probability, r.evidence) for n, r in zip(names, replies)]


async def _alone(s: Session, q: Question, role: str = "forecaster") -> list[Reply]:
    return [await s.ask(role, i, q) for i in range(s.size)]


async def independent_ensemble(s: Session, q: Question) -> Result:
    ps = [r.probability for r in await _alone(s, q)]
    return Result(statistics.median(ps), ps, ps)


async def peer_critique_debate(s: Session, q: Question) -> Result:
    replies = await _alone(s, q)
    first = [r.probability for r in replies]
    names = [f"forecaster_{i + 1}" for i in range(s.size)]
    for rnd in range(1, s.rounds + 1):
        notes = _notes(names, "forecaster", replies)
        replies = [
            await s.ask(
                "reviser",
                i,
                q,
                round=rnd,
                own=replies[i].probability,
                notes=tuple(n for j, n in enumerate(notes) if j != i),
            )
            for i in range(s.size)
        ]
    last = [r.probability for r in replies]
    return Result(statistics.median(last), first, last, s.rounds)


async def consensus_alignment(s: Session, q: Question) -> Result:
    replies = await _alone(s, q)
    first = [r.probability for r in replies]
    names = [f"forecaster_{i + 1}" for i in range(s.size)]
    played = 0
    for rnd in range(1, s.rounds + 1):
        current = [r.probability for r in replies]
        if max(current) - min(current) <= s.epsilon:
            break
        notes = _notes(names, "forecaster", replies)
        replies = [
            await s.ask(
                "consensus",
                i,
                q,
                round=rnd,
                own=replies[i].probability,
                notes=tuple(n for j, n in enumerate(notes) if j != i),
            )
            for i in range(s.size)
        ]
        played = rnd
    last = [r.probability for r in replies]
    return Result(round(statistics.fmean(last), 6), first, last, played)


async def orchestrator_specialist(s: Session, q: Question) -> Result:
    plan = await s.ask("planner", 0, q, count=s.size)
    subs = plan.extra.get("subs") or [q.text] * s.size
    reports = [
        await s.ask("specialist", i + 1, q, subquestion=subs[i % len(subs)]) for i in range(s.size)
    ]
    names = [f"specialist_{i + 1}" for i in range(s.size)]
    final = await s.ask("integrator", 0, q, notes=tuple(_notes(names, "specialist", reports)))
    return Result(final.probability, [], [final.probability])


async def sequential_pipeline(s: Session, q: Question) -> Result:
    research = await s.ask("researcher", 0, q)
    analysis = await s.ask(
        "analyst",
        1,
        q,
        notes=(Note("researcher", "researcher", research.text, None, research.evidence),),
    )
    final = await s.ask(
        "forecaster",
        2,
        q,
        notes=(Note("analyst", "analyst", analysis.text, None, analysis.evidence),),
    )
    return Result(final.probability, [], [final.probability])


TOPOLOGY_FUNCTIONS = {
    "independent_ensemble": independent_ensemble,
    "peer_critique_debate": peer_critique_debate,
    "orchestrator_specialist": orchestrator_specialist,
    "sequential_pipeline": sequential_pipeline,
    "consensus_alignment": consensus_alignment,
}


def agent_name(topology: str, role: str, slot: int) -> str:
    """The name an agent slot goes by in transcripts (`forecaster_2`, `integrator`, ...)."""
    if role in ("reviser", "consensus", "forecaster") and topology != "sequential_pipeline":
        return f"forecaster_{slot + 1}"
    if role == "specialist":
        return f"specialist_{slot}"
    return role
