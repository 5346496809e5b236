"""Resolve a scenario into the conditions and games `coord run` plays.

A condition is the scenario with one set of overrides applied. Without `conditions:` the
scenario runs once, as a condition named `default`. Command-line `--agent NAME=BACKEND`
overrides replace an agent's backend in the base scenario and in every condition that
does not pin that agent itself (a remedy condition such as `grounded` keeps its agents).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coord.coordinator.negotiation import Settings
from coord.errors import UsageError, did_you_mean
from coord.game.negotiation.instance import Instance
from coord.scenario.load import LoadedScenario
from coord.scenario.spec import parse_expectation

# The coordination knobs the gap decomposition compares (DESIGN §4: "Conditions").
KNOBS = ("mode", "talk", "full_transparency", "history")


@dataclass(frozen=True)
class Condition:
    name: str
    description: str
    backends: dict[str, str]
    settings: Settings
    first_speaker: str  # "counterbalance" or an agent name
    projects: str  # fixed | rotating
    rounds: int
    expect: tuple[str, ...]
    protocol: str | None = None  # bundled name or path (relative to the scenario file)
    # agent -> model settings (temperature, max_tokens, ...); backends ignore what they
    # do not use
    agent_settings: dict[str, dict] = field(default_factory=dict, compare=False, hash=False)

    def knobs(self) -> dict[str, object]:
        return {k: getattr(self.settings, k) for k in KNOBS}


@dataclass(frozen=True)
class Game:
    condition: Condition
    index: int  # position of the game within its condition (counterbalancing)
    seed: int
    repeat: int
    rounds: tuple[Instance, ...] = field(repr=False)
    first_speaker: str = ""

    @property
    def policy_seed(self) -> int:
        return self.seed * 1_000_003 + self.repeat


def parse_agent_overrides(values: list[str], agents: tuple[str, ...]) -> dict[str, str]:
    """`["alice=policy/fair"]` → {"alice": "policy/fair"}; UsageError on bad input."""
    from coord.backends.registry import check_backend

    out: dict[str, str] = {}
    for value in values:
        name, sep, backend = value.partition("=")
        if not sep or not name or not backend:
            raise UsageError(f"--agent {value!r}: write NAME=BACKEND, e.g. alice=policy/grounded")
        if name not in agents:
            raise UsageError(
                f"--agent: no agent {name!r} in this scenario{did_you_mean(name, agents)}",
                hint=f"agents: {', '.join(agents)}",
            )
        try:
            check_backend(backend)
        except ValueError as exc:
            raise UsageError(
                f"--agent {value}: {exc}", hint="`coord policies` lists them"
            ) from None
        out[name] = backend
    return out


def resolve(
    scn: LoadedScenario,
    agent_overrides: dict[str, str] | None = None,
    only: list[str] | None = None,
) -> list[Condition]:
    spec = scn.spec
    overrides = agent_overrides or {}
    base_backends = {n: overrides.get(n, a.backend) for n, a in spec.agents.items()}
    named = spec.conditions or {"default": None}
    if only:
        unknown = [c for c in only if c not in named]
        if unknown:
            raise UsageError(
                f"no condition {unknown[0]!r} in {scn.path.name}{did_you_mean(unknown[0], named)}",
                hint=f"conditions: {', '.join(named)}",
            )
        named = {k: v for k, v in named.items() if k in only}
    out = []
    for name, cond in named.items():
        c = spec.coordination
        backends = dict(base_backends)
        agent_settings = {n: a.settings() for n, a in spec.agents.items()}
        game = spec.game
        rounds, talk_turns, attempts = game.rounds, game.talk_turns, game.decide_attempts
        expect = list(spec.expect)
        description = ""
        if cond is not None:
            c = c.model_copy(update=cond.coordination.model_dump(exclude_none=True))
            for agent, a in cond.agents.items():
                backends[agent] = a.backend
                agent_settings[agent] = {**agent_settings[agent], **a.settings()}
            g = cond.game
            rounds = g.rounds or rounds
            talk_turns = talk_turns if g.talk_turns is None else g.talk_turns
            attempts = g.decide_attempts or attempts
            expect += cond.expect
            description = cond.description
        settings = Settings(
            mode=c.mode,
            talk=c.talk,
            history=c.history,
            shifting_agent=c.shifting_agent,
            full_transparency=c.full_transparency,
            enforce=c.enforce,
            talk_turns=talk_turns,
            decide_attempts=attempts,
        )
        out.append(
            Condition(
                name,
                description,
                backends,
                settings,
                c.first_speaker,
                c.projects,
                rounds,
                tuple(expect),
                c.protocol,
                agent_settings,
            )
        )
    return out


def games(scn: LoadedScenario, cond: Condition, seeds: list[int], repeats: int) -> list[Game]:
    """Every game of a condition: seeds × repeats, with instances and first speaker.

    A game is identified by (seed, repeat) alone, so `--seed 2` replays exactly the game
    that seed 2 played in a longer run: the first speaker alternates with seed + repeat
    (counterbalanced across games), and under `projects: fixed` the instance played is
    number (seed + repeat) of the list, cycling.
    """
    names = scn.agents
    pool = scn.instances
    out = []
    for index, (seed, repeat) in enumerate(
        (s, r) for s in dict.fromkeys(seeds) for r in range(repeats)
    ):
        k = seed + repeat
        if cond.projects == "rotating":
            rounds = tuple(pool[r % len(pool)] for r in range(cond.rounds))
        else:
            rounds = (pool[k % len(pool)],) * cond.rounds
        first = names[k % 2] if cond.first_speaker == "counterbalance" else cond.first_speaker
        out.append(Game(cond, index, seed, repeat, rounds, first))
    return out


def check_expectation(expr: str, metrics: dict) -> tuple[bool, float]:
    metric, op, number = parse_expectation(expr)
    value = float(metrics[metric])
    ok = {
        ">=": value >= number - 1e-9,
        "<=": value <= number + 1e-9,
        ">": value > number,
        "<": value < number,
        "==": abs(value - number) <= 1e-9,
        "!=": abs(value - number) > 1e-9,
    }[op]
    return ok, value
