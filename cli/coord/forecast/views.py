"""What flows between a forecast topology and its agents.

`ForecastView` is everything an agent may know when it answers: the shared prompt blocks,
its role's instructions, the question (with the market price when there is one, as the
market-details tool would give it) and the notes the topology lets it see. `Reply` is its
answer: text, and a probability or an evidence value (log-odds) depending on the role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coord.forecast.questions import Question

ROLE_INSTRUCTIONS = {
    "forecaster": "Estimate the probability that the question resolves YES.",
    "reviser": "Read your peers' estimates and reasoning, then revise your own estimate.",
    "consensus": "Move towards agreement with the group where their arguments hold.",
    "planner": "Break the question into sub-questions for specialists. Give no probability.",
    "specialist": "Report the evidence on your sub-question. Give no probability.",
    "integrator": "Weigh the specialists' reports and the market, then decide.",
    "researcher": "Collect the evidence on the question. Give no probability.",
    "analyst": "Analyse the researcher's notes for the forecaster. Give no probability.",
}


@dataclass(frozen=True)
class Note:
    """A message from another agent that the topology shows to this one."""

    agent: str
    role: str
    text: str
    probability: float | None = None
    evidence: float | None = None


@dataclass(frozen=True)
class ForecastView:
    role: str
    slot: int  # the agent's position in the topology: keys its random draws
    round: int
    question: Question
    header: str
    answer_format: str
    notes: tuple[Note, ...] = ()
    own: float | None = None  # the agent's previous probability (revision rounds)
    subquestion: str | None = None
    count: int = 0  # how many sub-questions a planner writes

    @property
    def instructions(self) -> str:
        return ROLE_INSTRUCTIONS[self.role]

    def prompt_text(self) -> str:
        """The prompt as an LLM backend would receive it (used to count tokens)."""
        parts = [self.header, self.answer_format, self.instructions, self.question.text]
        if self.question.baseline is not None:
            parts.append(f"Market price: {self.question.baseline}")
        if self.subquestion:
            parts.append(self.subquestion)
        parts += [f"{n.agent} ({n.role}): {n.text}" for n in self.notes]
        return "\n\n".join(parts)


@dataclass(frozen=True)
class Reply:
    text: str
    probability: float | None = None
    evidence: float | None = None  # log-odds, for roles that report evidence
    extra: dict = field(default_factory=dict)
