"""The negotiation game's data: economy, projects, instances (DESIGN §4).

Plain frozen dataclasses, not pydantic: the oracle and the policies call into these on
every turn, they must be hashable (results are cached per instance) and cheap to build.
The scenario spec (`coord.scenario`) validates user input and converts it into these.

Resource and project names are cosmetic; everything is keyed by position internally:
`Economy.resources[i]` is resource i, and a `Project.need` vector is aligned with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

# The paper's economy (arXiv 2605.01750): used as defaults by the spec and the generator.
PAPER_COSTS = {"r1": 1.0, "r2": 1.5, "r3": 3.0}
PAPER_SUPPLY = {"r1": 10, "r2": 10, "r3": 6}
PAPER_BUDGET = 18.0
PAPER_MAX_TYPES = 2


@dataclass(frozen=True)
class Resource:
    name: str
    cost: float
    supply: int


@dataclass(frozen=True)
class Synergy:
    """Optional rule from the paper's engine, default off.

    When both agents use at least one unit of `resource` and their combined use reaches
    `threshold`, each agent receives a flat `bonus` added to its reward.
    """

    resource: str
    threshold: int
    bonus: float


@dataclass(frozen=True)
class Economy:
    resources: tuple[Resource, ...]
    budget: float = PAPER_BUDGET
    max_types: int = PAPER_MAX_TYPES
    synergy: Synergy | None = None

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.resources)

    @cached_property
    def index(self) -> dict[str, int]:
        return {r.name: i for i, r in enumerate(self.resources)}

    @cached_property
    def costs(self) -> tuple[float, ...]:
        return tuple(r.cost for r in self.resources)

    @cached_property
    def supply(self) -> tuple[int, ...]:
        return tuple(r.supply for r in self.resources)

    def vector(self, amounts: Mapping[str, int]) -> tuple[int, ...]:
        """A {name: qty} mapping as a vector aligned with `resources` (missing = 0)."""
        return tuple(int(amounts.get(n, 0)) for n in self.names)

    def mapping(self, vec) -> dict[str, int]:
        """A vector as {name: qty}, keeping only non-zero entries, in resource order."""
        return {n: int(q) for n, q in zip(self.names, vec) if q}

    def cost_of(self, vec) -> float:
        return sum(c * q for c, q in zip(self.costs, vec))


@dataclass(frozen=True)
class Project:
    name: str
    need: tuple[int, ...]  # units of each resource per run, aligned with Economy.resources
    reward: float

    @cached_property
    def types(self) -> frozenset[int]:
        """Indices of the resources this project uses."""
        return frozenset(i for i, q in enumerate(self.need) if q > 0)

    def requirements(self, economy: Economy) -> dict[str, int]:
        return economy.mapping(self.need)


@dataclass(frozen=True)
class Instance:
    """One round's game: the economy and each agent's three (or more) private projects."""

    id: str
    economy: Economy
    projects: tuple[tuple[Project, ...], tuple[Project, ...]]
    agents: tuple[str, str] = ("A", "B")
    meta: tuple[tuple[str, object], ...] = field(default=(), compare=False)

    def side(self, agent: str) -> int:
        """0 or 1 for an agent name."""
        return self.agents.index(agent)

    def projects_of(self, agent: str) -> tuple[Project, ...]:
        return self.projects[self.side(agent)]

    @property
    def resource_aliases(self) -> dict[str, list[str]]:
        """Other names of resources in a theme ({"r1": ["wood", "timber"]}); cosmetic, as
        all names are (DESIGN §4), but what free text written under the theme uses."""
        value = dict(self.meta).get("resource_aliases")
        return {k: list(v) for k, v in value.items()} if isinstance(value, dict) else {}

    def to_dict(self) -> dict:
        """The paper's instance form (as `coord solve` and transcripts record it)."""
        eco = self.economy
        return {
            "id": self.id,
            "resource_costs": {r.name: r.cost for r in eco.resources},
            "resource_supply": {r.name: r.supply for r in eco.resources},
            "agent_budget": eco.budget,
            "max_resource_types": eco.max_types,
            "agents": list(self.agents),
            "agent_projects": [
                [
                    {"name": p.name, "requirements": p.requirements(eco), "reward": p.reward}
                    for p in side
                ]
                for side in self.projects
            ],
            "scenario_synergy": (
                None
                if eco.synergy is None
                else {
                    "resource": eco.synergy.resource,
                    "threshold": eco.synergy.threshold,
                    "bonus": eco.synergy.bonus,
                }
            ),
            **({"resource_aliases": aliases} if (aliases := self.resource_aliases) else {}),
        }


def make_instance(
    id: str,
    projects: tuple[list[dict], list[dict]] | list[list[dict]],
    *,
    costs: Mapping[str, float] = PAPER_COSTS,
    supply: Mapping[str, int] = PAPER_SUPPLY,
    budget: float = PAPER_BUDGET,
    max_types: int = PAPER_MAX_TYPES,
    synergy: Synergy | None = None,
    agents: tuple[str, str] = ("A", "B"),
) -> Instance:
    """Build an instance from plain dicts (`{name, requirements, reward}`), unvalidated.

    Validation with file/line errors is the spec's job; this is for code and tests.
    """
    eco = Economy(
        resources=tuple(Resource(n, float(costs[n]), int(supply[n])) for n in costs),
        budget=float(budget),
        max_types=int(max_types),
        synergy=synergy,
    )
    sides = tuple(
        tuple(Project(p["name"], eco.vector(p["requirements"]), float(p["reward"])) for p in side)
        for side in projects
    )
    return Instance(id=id, economy=eco, projects=sides, agents=tuple(agents))
