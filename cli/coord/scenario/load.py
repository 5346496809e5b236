"""Read a scenario file: hostile-input-safe YAML → validated spec → game instances."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coord.errors import InputError, UsageError
from coord.game.negotiation.instance import Economy, Instance, Project, Resource, Synergy
from coord.scenario.spec import Scenario

if TYPE_CHECKING:
    from coord.forecast.scenario import LoadedForecastScenario
    from coord.spec.yamlsafe import Positions

KINDS = ("negotiation", "forecast")
SCHEMA_HINT = "`coord schema scenario` prints the format; scenarios/negotiation/ has examples"


@dataclass(frozen=True)
class LoadedScenario:
    spec: Scenario
    path: Path
    content_hash: str  # sha256 of the file's bytes: recorded in every transcript header
    instances: tuple[Instance, ...]

    @property
    def agents(self) -> tuple[str, str]:
        return tuple(self.spec.agents)  # type: ignore[return-value]


def read_source(path: str | Path) -> tuple[Path, bytes]:
    p = Path(path)
    if not p.exists():
        raise UsageError(
            f"no such file: {p}",
            hint="check the path; `coord scenarios list` shows the bundled scenarios",
        )
    if p.is_dir():
        raise UsageError(f"{p} is a directory, not a scenario file")
    return p, p.read_bytes()


def load_scenario(path: str | Path) -> LoadedScenario | LoadedForecastScenario:
    """Load a scenario file; `kind: forecast` gives a `LoadedForecastScenario`."""
    from coord.spec.validate import parse_model
    from coord.spec.yamlsafe import load_yaml

    p, raw = read_source(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", file=str(p), hint="save the file as UTF-8"
        ) from None
    data, positions = load_yaml(str(p), text=text)
    if not isinstance(data, dict):
        raise InputError(
            "a scenario is a YAML mapping (key: value lines)",
            file=str(p),
            line=1,
            column=1,
            hint=SCHEMA_HINT,
        )
    kind = data.get("kind", "negotiation")
    if kind == "forecast":
        from coord.forecast.scenario import load_forecast_scenario

        return load_forecast_scenario(p, raw, data, positions)
    if kind != "negotiation":
        from coord.errors import did_you_mean

        line, column = positions.lookup(("kind",))
        raise InputError(
            f"unknown scenario kind {kind!r}{did_you_mean(str(kind), KINDS)}",
            file=str(p),
            line=line,
            column=column,
            hint=f"kinds: {', '.join(KINDS)}",
        )
    try:
        spec = parse_model(Scenario, data, source=str(p), positions=positions)
    except InputError as exc:
        exc.hint = exc.hint or SCHEMA_HINT
        raise
    instances = _instances(spec, p, positions)
    return LoadedScenario(spec, p, hashlib.sha256(raw).hexdigest(), tuple(instances))


def load_negotiation_scenario(path: str | Path) -> LoadedScenario:
    """`load_scenario` for commands that need a negotiation game (solve, replay)."""
    scn = load_scenario(path)
    if not isinstance(scn, LoadedScenario):
        raise InputError(
            "this is a forecast scenario; a negotiation scenario is needed here",
            file=str(path),
            hint="`coord run` plays forecast scenarios, `coord score` scores their transcripts",
        )
    return scn


def economy_of(spec: Scenario) -> Economy:
    g = spec.game
    syn = g.synergy
    return Economy(
        resources=tuple(Resource(n, r.cost, r.supply) for n, r in g.resources.items()),
        budget=g.budget,
        max_types=g.max_types,
        synergy=Synergy(syn.resource, syn.threshold, syn.bonus) if syn else None,
    )


def _instances(spec: Scenario, path: Path, positions: Positions) -> list[Instance]:
    aliases = {n: tuple(r.aliases) for n, r in spec.game.resources.items() if r.aliases}
    found = _plain_instances(spec, path, positions)
    if not aliases:
        return found
    return [dataclasses.replace(i, meta=(*i.meta, ("resource_aliases", aliases))) for i in found]


def _plain_instances(spec: Scenario, path: Path, positions: Positions) -> list[Instance]:
    names = tuple(spec.agents)
    if spec.game.pool is not None:
        from coord.game.negotiation.pool import load_pool_file

        pool_path = (path.parent / spec.game.pool.file).resolve()
        if not pool_path.is_file():
            line, column = positions.lookup(("game", "pool", "file"))
            problem = "is a directory" if pool_path.is_dir() else "not found"
            raise InputError(
                f"pool file {problem}: {pool_path}",
                file=str(path),
                line=line,
                column=column,
                hint="`game.pool.file` is relative to the scenario file",
            )
        found = load_pool_file(pool_path, bucket=spec.game.pool.bucket, agents=names)
        return found[: spec.game.pool.limit] if spec.game.pool.limit else found
    eco = economy_of(spec)
    out = []
    for i, inst in enumerate(spec.game.instances or []):
        sides = tuple(
            tuple(
                Project(p.name, eco.vector(p.requirements), p.reward) for p in inst.projects[name]
            )
            for name in names
        )
        out.append(
            Instance(
                id=inst.id or f"{spec.name}-{i + 1}", economy=eco, projects=sides, agents=names
            )
        )  # type: ignore[arg-type]
    return out
