"""Scenario files: the pydantic models behind `scenarios/*.yaml` (schema_version 1).

Field descriptions flow into `coord schema scenario` (JSON Schema for editors) and into
error messages, so they are written for the person editing a scenario. Every model forbids
unknown fields: a typo is an error with "did you mean", never a silently ignored key.

A scenario declares one negotiation *game* (economy + instances), two *agents* with
backends, the *coordination* settings, seeds and repeats, and named *conditions*: each a
set of overrides run side by side with the others (oracle / no-talk / dyad / transparency /
shifting / remedy...). `expect:` assertions (`metric op number`) are checked on every game.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coord.game.negotiation.instance import PAPER_BUDGET, PAPER_COSTS, PAPER_MAX_TYPES, PAPER_SUPPLY
from coord.spec.validate import PathError

SCHEMA_VERSION = 1

# Game-level metrics an `expect:` line may test (computed by coord.game.negotiation.metrics).
METRICS = {
    "joint_efficiency": "Σ joint reward / Σ collab_max over the rounds (annulled rounds score 0)",
    "optimal_rate": "share of rounds with joint efficiency ≥ 0.999",
    "annulled_rate": "share of rounds annulled because the purchases exceeded supply",
    "fair_share": "mean over agents of reward / (collab_max / 2)",
    "solo_efficiency": "mean over agents of reward / solo optimum v",
    "min_fair_share": "the lower of the two agents' fair-share efficiencies",
    "drift_events": "messages that restated a ledger entry with different numbers",
    "invalid_messages": "messages the coordinator rejected (invalid purchase, unknown id...)",
    "agreements": "proposals accepted by the other agent",
    "protocol_findings": "commitment findings of the protocol check (T010-T013)",
    "messages": "messages exchanged (talk and decision phases)",
    "joint_reward": "sum of both agents' rewards over the game",
}

_EXPR = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


def parse_expectation(expr: str) -> tuple[str, str, float]:
    """`"joint_efficiency >= 0.95"` → ("joint_efficiency", ">=", 0.95), or ValueError."""
    from coord.errors import did_you_mean

    m = _EXPR.match(expr)
    if not m:
        raise ValueError(
            f"cannot read expectation {expr!r}: write `metric op number`, "
            "e.g. `joint_efficiency >= 0.95` (op is one of >= <= > < == !=)"
        )
    metric, op, number = m.group(1), m.group(2), float(m.group(3))
    if metric not in METRICS:
        raise ValueError(
            f"unknown metric {metric!r} in expectation{did_you_mean(metric, METRICS)}; "
            f"known: {', '.join(sorted(METRICS))}"
        )
    return metric, op, number


FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # scenario and condition names


def folder_name(name: str) -> str:
    """``name`` when it can name an output folder, else a `ValueError` saying what can."""
    if not FOLDER_NAME.fullmatch(name):
        raise ValueError("use letters, digits, '.', '_' or '-' (it names output folders)")
    return name


class _Model(BaseModel):
    # strict: YAML already typed the values; pydantic must not turn "no" into False or
    # "012" into 12 behind the reader's back (YAML 1.1 surprises, DESIGN §5).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ResourceSpec(_Model):
    cost: float = Field(gt=0, description="Price of one unit.")
    supply: int = Field(ge=0, description="Units available per round to both agents together.")
    aliases: list[str] = Field(
        default_factory=list,
        description="Other names of this resource in a theme (e.g. wood, timber): what "
        "agents may call it in free text. Cosmetic for the game; `coord replay` reads them.",
    )


class ProjectSpec(_Model):
    name: str = Field(min_length=1, description="Project name (cosmetic).")
    requirements: dict[str, int] = Field(
        description="Units of each resource one run of the project consumes."
    )
    reward: float = Field(ge=0, description="Reward per run.")

    @field_validator("requirements")
    @classmethod
    def _positive(cls, req: dict[str, int]) -> dict[str, int]:
        for name, units in req.items():
            if units < 0:
                raise PathError((name,), f"requirement of {name!r} must be ≥ 0, got {units}")
        if not any(units > 0 for units in req.values()):
            raise ValueError("a project must require at least one unit of some resource")
        return req


class InstanceSpec(_Model):
    id: str | None = Field(None, description="Instance id (defaults to the scenario name + index).")
    projects: dict[str, list[ProjectSpec]] = Field(
        description="Each agent's private projects, keyed by agent name."
    )


class PoolSpec(_Model):
    file: str = Field(
        description="Path (relative to the scenario file) of a scenario pool JSON in the "
        "format the paper's authors published (metadata + buckets of candidates)."
    )
    bucket: str | None = Field(None, description='Bucket key to use, e.g. "0.5"; default all.')
    limit: int | None = Field(None, ge=1, description="Use at most this many candidates.")


class SynergySpec(_Model):
    resource: str = Field(description="Resource both agents must use for the bonus.")
    threshold: int = Field(ge=1, description="Combined units of it that trigger the bonus.")
    bonus: float = Field(ge=0, description="Flat bonus paid to each agent.")


class GameSpec(_Model):
    resources: dict[str, ResourceSpec] = Field(
        default_factory=lambda: {
            n: ResourceSpec(cost=PAPER_COSTS[n], supply=PAPER_SUPPLY[n]) for n in PAPER_COSTS
        },
        description="Resources with unit cost and supply per round (default: the paper's).",
    )
    budget: float = Field(PAPER_BUDGET, ge=0, description="Budget per agent per round.")
    max_types: int = Field(PAPER_MAX_TYPES, ge=1, description="Max resource types per agent.")
    rounds: int = Field(4, ge=1, le=10_000, description="Rounds per game; scores add up.")
    talk_turns: int = Field(5, ge=0, le=1000, description="Talk turns per round (A then B).")
    decide_attempts: int = Field(
        3, ge=1, le=20, description="Attempts at a valid purchase after talk, else nothing."
    )
    synergy: SynergySpec | None = Field(None, description="Optional synergy rule (off).")
    instances: list[InstanceSpec] | None = Field(
        None, description="The instances (project sets) played, inline."
    )
    pool: PoolSpec | None = Field(None, description="Instances from a published pool file.")

    @model_validator(mode="after")
    def _check(self) -> GameSpec:
        if (self.instances is None) == (self.pool is None):
            raise ValueError("declare exactly one of `instances` (inline) or `pool` (a file)")
        if self.instances is not None and not self.instances:
            raise PathError(("instances",), "the instance list is empty: add at least one")
        if self.synergy and self.synergy.resource not in self.resources:
            raise PathError(
                ("synergy", "resource"),
                f"synergy resource {self.synergy.resource!r} is not declared under `resources`",
            )
        for i, inst in enumerate(self.instances or []):
            for agent, projects in inst.projects.items():
                if not projects:
                    raise PathError(("instances", i, "projects", agent), "no projects listed")
                seen: dict[str, int] = {}
                for j, project in enumerate(projects):
                    if project.name in seen:
                        raise PathError(
                            ("instances", i, "projects", agent, j, "name"),
                            f"{agent} has two projects named {project.name!r} (items "
                            f"{seen[project.name]} and {j}); names identify projects in "
                            "purchases, so they must differ",
                        )
                    seen[project.name] = j
                    for res in project.requirements:
                        if res not in self.resources:
                            from coord.errors import did_you_mean

                            raise PathError(
                                ("instances", i, "projects", agent, j, "requirements", res),
                                f"project {project.name!r} needs undeclared resource {res!r}"
                                f"{did_you_mean(res, self.resources)}; declared: "
                                f"{', '.join(self.resources)}",
                            )
        return self


class AgentSpec(_Model):
    backend: str = Field(
        description="Who plays this agent: `policy/<name>` (built-in, offline; `coord "
        "policies`), `anthropic/<model>`, `openai/<model>` (also any OpenAI-compatible "
        "server through `base_url`), or `replay/<transcript>`."
    )
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int | None = Field(
        None, ge=1, le=1_000_000, description="Most tokens one reply may use (default 1024)."
    )
    system: str | None = Field(None, description="Text added to coord's system prompt.")
    base_url: str | None = Field(
        None,
        description="API base URL (default: ANTHROPIC_BASE_URL / OPENAI_BASE_URL, else the "
        "provider's). E.g. http://localhost:11434/v1 for Ollama.",
    )
    api_key_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the environment variable holding the key (default "
        "ANTHROPIC_API_KEY / OPENAI_API_KEY). Keys never go in scenario files.",
    )
    stream: bool | None = Field(None, description="Stream replies (SSE); default false.")
    output: Literal["tools", "json_schema"] | None = Field(
        None,
        description="Structured output: `tools` (tool / function calls, default) or "
        "`json_schema` (OpenAI response_format, for servers without tool calling).",
    )
    reask: int | None = Field(
        None, ge=0, le=10, description="Re-asks after an invalid reply (default 2)."
    )

    @field_validator("backend")
    @classmethod
    def _known(cls, value: str) -> str:
        from coord.backends.registry import check_backend

        check_backend(value)  # raises ValueError naming the known kinds / policies
        return value

    @field_validator("base_url")
    @classmethod
    def _no_credentials(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is not None and (urlsplit(value).username or urlsplit(value).password):
            raise ValueError(
                "base_url must not carry credentials; put the key in an environment "
                "variable (see `api_key_env`)"
            )
        return value

    def settings(self) -> dict:
        """The model settings that are set (backend excluded)."""
        return self.model_dump(exclude={"backend"}, exclude_none=True)


class PriceSpec(_Model):
    input: float = Field(ge=0, description="USD per million input tokens.")
    output: float = Field(ge=0, description="USD per million output tokens.")
    cache_read: float | None = Field(None, ge=0, description="USD per million cached tokens read.")
    cache_write: float | None = Field(
        None, ge=0, description="USD per million tokens written to the cache."
    )


class LimitsSpec(_Model):
    max_usd: float | None = Field(None, gt=0, description="Stop the run at this cost (USD).")
    max_tokens: int | None = Field(None, ge=1, description="Stop the run at this many tokens.")
    deadline_s: float | None = Field(None, gt=0, description="Wall-time limit for the run.")
    call_timeout_s: float = Field(120, gt=0, description="Timeout of one HTTP attempt.")
    call_deadline_s: float = Field(300, gt=0, description="Limit for one call, retries included.")
    max_retries: int = Field(4, ge=0, le=20, description="Retries of a failed call.")
    retry_after_cap_s: float = Field(
        60, ge=0, description="Longest Retry-After honoured; a longer one fails the call."
    )
    max_connections: int = Field(
        32, ge=1, le=1024, description="Concurrent calls per provider endpoint."
    )
    requests_per_minute: float | None = Field(
        None,
        gt=0,
        description="Requests per minute per provider endpoint (retries included), started "
        "evenly spaced; unset: no limit beyond max_connections.",
    )


class CoordinationSpec(_Model):
    mode: Literal["dyad", "solo"] = Field(
        "dyad",
        description="`dyad`: the two agents negotiate over shared supply. `solo`: the oracle "
        "baseline — each agent plays its own task alone with the whole supply.",
    )
    talk: bool = Field(True, description="Allow talk before purchases (false = no-talk baseline).")
    history: Literal["stable", "shifting"] = Field(
        "stable",
        description="`stable`: both keep their context across rounds. `shifting`: one agent's "
        "context is reset every round and it is told the round is a standalone game.",
    )
    shifting_agent: str | None = Field(
        None, description="Whose context is reset under `shifting` (default: the second agent)."
    )
    full_transparency: bool = Field(False, description="Each agent sees the other's projects.")
    first_speaker: str = Field(
        "counterbalance",
        description="`counterbalance` (alternates across games) or an agent name.",
    )
    protocol: str | None = Field(
        "negotiation",
        description="Commitment protocol every message is checked against before it enters "
        "the ledger: a bundled name (`coord protocols list`) or a path relative to the "
        "scenario file; null turns checking off.",
    )
    enforce: Literal["structural", "strict"] = Field(
        "structural",
        description="`structural`: malformed, out-of-order or misaddressed messages are "
        "rejected; commitment findings (e.g. acting on what was only acknowledged) are "
        "recorded. `strict`: those are rejected too.",
    )
    projects: Literal["fixed", "rotating"] = Field(
        "fixed",
        description="`rotating`: round k plays instance k (cycling). `fixed`: every round of "
        "game g plays instance g (cycling).",
    )


class CoordinationOverride(_Model):
    mode: Literal["dyad", "solo"] | None = None
    talk: bool | None = None
    history: Literal["stable", "shifting"] | None = None
    shifting_agent: str | None = None
    full_transparency: bool | None = None
    first_speaker: str | None = None
    projects: Literal["fixed", "rotating"] | None = None
    protocol: str | None = None
    enforce: Literal["structural", "strict"] | None = None


class GameOverride(_Model):
    rounds: int | None = Field(None, ge=1, le=10_000)
    talk_turns: int | None = Field(None, ge=0, le=1000)
    decide_attempts: int | None = Field(None, ge=1, le=20)


class ConditionSpec(_Model):
    description: str = ""
    game: GameOverride = Field(default_factory=GameOverride)
    agents: dict[str, AgentSpec] = Field(
        default_factory=dict, description="Backends to use instead of the scenario's."
    )
    coordination: CoordinationOverride = Field(default_factory=CoordinationOverride)
    expect: list[str] = Field(default_factory=list, description="Extra expectations.")

    @field_validator("expect")
    @classmethod
    def _exprs(cls, exprs: list[str]) -> list[str]:
        for i, e in enumerate(exprs):
            try:
                parse_expectation(e)
            except ValueError as exc:
                raise PathError((i,), str(exc)) from None
        return exprs


class Scenario(_Model):
    schema_version: Literal[1] = Field(description="Scenario format version (1).")
    kind: Literal["negotiation"] = Field("negotiation", description="The game played.")
    name: str = Field(min_length=1, description="Short name, used for output folders.")
    description: str = ""
    game: GameSpec
    agents: dict[str, AgentSpec] = Field(description="Exactly two agents, by name.")
    coordination: CoordinationSpec = Field(default_factory=CoordinationSpec)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    repeats: int = Field(1, ge=1, le=100_000)
    conditions: dict[str, ConditionSpec] = Field(
        default_factory=dict, description="Named overrides run side by side (default: one)."
    )
    expect: list[str] = Field(default_factory=list, description="Checked on every game.")
    limits: LimitsSpec = Field(
        default_factory=LimitsSpec,
        description="Budgets, deadlines, retries and concurrency of model calls.",
    )
    prices: dict[str, PriceSpec] = Field(
        default_factory=dict,
        description="Model prices overriding coord's table (USD per million tokens).",
    )

    @field_validator("expect")
    @classmethod
    def _exprs(cls, exprs: list[str]) -> list[str]:
        return ConditionSpec._exprs(exprs)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return folder_name(name)

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        names = list(self.agents)
        if len(names) != 2:
            raise PathError(("agents",), f"a negotiation has exactly two agents, got {len(names)}")
        for i, inst in enumerate(self.game.instances or []):
            if set(inst.projects) != set(names):
                raise PathError(
                    ("game", "instances", i, "projects"),
                    f"projects must be given for exactly the agents {names}, "
                    f"got {list(inst.projects)}",
                )
        coords = [("coordination",), *(("conditions", c, "coordination") for c in self.conditions)]
        settings = [self.coordination, *(c.coordination for c in self.conditions.values())]
        for path, c in zip(coords, settings):
            if c.first_speaker not in (None, "counterbalance", *names):
                raise PathError(
                    (*path, "first_speaker"),
                    f"first_speaker must be `counterbalance` or one of {names}",
                )
            if c.shifting_agent not in (None, *names):
                raise PathError((*path, "shifting_agent"), f"not an agent: use one of {names}")
        for cname, cond in self.conditions.items():
            for agent in cond.agents:
                if agent not in names:
                    raise PathError(
                        ("conditions", cname, "agents", agent),
                        f"unknown agent {agent!r}; the scenario's agents are {names}",
                    )
        return self
