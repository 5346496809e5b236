"""Forecast scenario files (`kind: forecast`, schema_version 1): the pydantic models.

A forecast scenario names a question set (JSON Lines), the forecaster every role is played
by, the prompt blocks shared by all configurations (so only the coordination differs),
and named *conditions*: each one coordination configuration — a topology with its size,
rounds and tolerance. `coord run` plays every condition × seed over every question and
writes one transcript per condition and seed; `coord score` reads them.

Negotiation scenarios (`kind: negotiation`, the default) are `coord.scenario.spec`; the
loader picks the model by `kind`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from coord.scenario.spec import (
    FOLDER_NAME,
    AgentSpec,
    LimitsSpec,
    PriceSpec,
    _Model,
    folder_name,
)
from coord.spec.validate import PathError

TOPOLOGIES = {
    "independent_ensemble": "N forecasters alone; the median of their probabilities",
    "peer_critique_debate": "round 0 alone, then R revision rounds seeing every peer's estimate "
    "and reasoning; the median",
    "orchestrator_specialist": "a planner writes sub-questions, specialists report evidence "
    "without probabilities, an integrator decides",
    "sequential_pipeline": "researcher → analyst → forecaster, each seeing only the stage "
    "before it",
    "consensus_alignment": "alone, then up to R rounds towards agreement until the spread is "
    "≤ epsilon; the mean",
}
Topology = Literal[
    "independent_ensemble",
    "peer_critique_debate",
    "orchestrator_specialist",
    "sequential_pipeline",
    "consensus_alignment",
]


class QuestionsSpec(_Model):
    file: str = Field(
        description="JSON Lines of questions, relative to the scenario file: `id`, "
        "`question`, `outcome` (0/1, null if unresolved), and optional `baseline` (market "
        "price in [0, 1]), `category`, `resolution_date`."
    )
    limit: int | None = Field(None, ge=1, description="Use only the first N questions.")


class ForecasterSpec(AgentSpec):
    """Who plays every role. The simulation's settings (bias … relay_loss) apply to
    `policy/market-reader`; the model settings (temperature … reask) to model backends."""

    backend: str = Field(
        "policy/market-reader",
        description="Who plays every role: `policy/market-reader` (an offline simulation; "
        "`coord policies`), `anthropic/<model>` or `openai/<model>` (also any "
        "OpenAI-compatible server through `base_url`).",
    )
    bias: float = Field(0.0, ge=-10, le=10, description="Log-odds added to every estimate.")
    noise: float = Field(
        0.6, ge=0, le=10, description="Standard deviation (log-odds) of one reading of the price."
    )
    sharpness: float = Field(
        1.0,
        gt=0,
        le=10,
        description="Log-odds multiplier: > 1 overconfident, < 1 hedging towards 0.5.",
    )
    conformity: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the way towards the peers an agent moves in a revision round.",
    )
    relay_loss: float = Field(
        0.5,
        ge=0,
        le=10,
        description="Noise added at each hand-off of a pipeline, as a multiple of `noise`.",
    )

    @field_validator("backend")
    @classmethod
    def _known(cls, value: str) -> str:
        from coord.forecast.policies import check_forecaster

        check_forecaster(value)
        return value


class PricingSpec(_Model):
    input_per_mtok: float = Field(ge=0, description="USD per million input tokens.")
    output_per_mtok: float = Field(ge=0, description="USD per million output tokens.")


class PromptSpec(_Model):
    header: str = Field(
        "You are a careful forecaster. Give calibrated probabilities for binary questions.",
        description="The system-prompt block every agent of every configuration receives.",
    )
    answer_format: str = Field(
        "When asked for a probability, give the probability that the question resolves "
        "YES, from 0 to 1, with your reasoning.",
        description="The answer-format block, identical across configurations.",
    )


class ConfigurationSpec(_Model):
    topology: Topology = Field(description="The coordination topology.")
    description: str = ""
    agents: int = Field(
        3,
        ge=1,
        le=50,
        description="Forecasters (ensemble, debate, consensus) or specialists (orchestrator); "
        "ignored by the pipeline (three stages).",
    )
    rounds: int = Field(
        2, ge=0, le=20, description="Revision rounds (debate) or at most this many (consensus)."
    )
    epsilon: float = Field(
        0.05, ge=0, le=1, description="Consensus: stop when max − min probability ≤ epsilon."
    )
    forecaster: ForecasterSpec | None = Field(
        None, description="Use this forecaster instead of the scenario's."
    )


class ForecastScenario(_Model):
    schema_version: Literal[1] = Field(description="Scenario format version (1).")
    kind: Literal["forecast"] = Field(description="`forecast` for forecast scenarios.")
    name: str = Field(min_length=1, description="Short name, used for output folders.")
    description: str = ""
    questions: QuestionsSpec
    forecaster: ForecasterSpec = Field(default_factory=ForecasterSpec)
    prompt: PromptSpec = Field(default_factory=PromptSpec)
    pricing: PricingSpec | None = Field(
        None,
        description="Simulated forecasters only: nominal prices to turn simulated token "
        "counts into cost (none: cost is not recorded and the frontier is not drawn). "
        "Model forecasters are priced by coord's price table and `prices:`.",
    )
    limits: LimitsSpec = Field(
        default_factory=LimitsSpec,
        description="Model forecasters: budgets, deadlines, retries and concurrency of calls.",
    )
    prices: dict[str, PriceSpec] = Field(
        default_factory=dict,
        description="Model prices overriding coord's table (USD per million tokens).",
    )
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    conditions: dict[str, ConfigurationSpec] = Field(
        description="Named configurations, run side by side over the same questions."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return folder_name(name)

    @model_validator(mode="after")
    def _check(self) -> ForecastScenario:
        if not self.conditions:
            raise PathError(("conditions",), "declare at least one configuration")
        for name in self.conditions:
            if not FOLDER_NAME.fullmatch(name):
                raise PathError(("conditions", name), "use letters, digits, '.', '_' or '-'")
        return self
