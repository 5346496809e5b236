"""Read the paper authors' published scenario pool, and single instances in the same keys.

The pool is one JSON object:

    {"metadata": {"resource_costs": {...}, "resource_supply": {...},
                  "agent_budget": 18, "max_resource_types": 2},
     "0.5": [{"candidate_id": ..., "agent_projects": [[...], [...]],
              "scenario_synergy": null, ...}, ...],
     "0.8": [...], ...}

Bucket keys name the M/C ratio the candidates were drawn for. Top-level keys that are not
lists of candidates, and candidate keys other than those above (oracle statistics and the
like), are ignored: the oracle recomputes what it needs.

Parsed JSON has no line numbers, so every error names the JSON path of the offending
value instead, e.g. `"0.5"[3].agent_projects[1][0].requirements.r9`, and keeps it as data in
`InputError.json_path` (`("0.5", 3, "agent_projects", 1, 0, "requirements", "r9")`).
`load_pool_file` and `load_paper_file` read the file themselves and so can turn that path
into the error's line and column.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from coord.errors import InputError, did_you_mean
from coord.game.negotiation.instance import Economy, Instance, Project, Resource, Synergy
from coord.spec.jsonsafe import load_json, locate, read_text

ECONOMY_KEYS = ("resource_costs", "resource_supply", "agent_budget", "max_resource_types")

# Accepted spellings of the synergy rule's fields, canonical name first.
SYNERGY_KEYS = {
    "resource": ("resource", "resources"),
    "threshold": ("threshold", "min_total", "total_threshold"),
    "bonus": ("bonus", "bonus_per_agent"),
}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


class _Path(str):
    """A JSON path as messages write it, which also keeps its keys for locating the value.

    A str, so that paths print, test empty and concatenate as before; a plain str (such as
    "" or "(top level)") counts as the document itself.
    """

    keys: tuple[str | int, ...] = ()


def _path(text: str, keys: tuple[str | int, ...]) -> _Path:
    path = _Path(text)
    path.keys = keys
    return path


def _keys(path: str) -> tuple[str | int, ...]:
    return path.keys if isinstance(path, _Path) else ()


def _at(path: str, key: str | int) -> _Path:
    """Extend a JSON path: `[3]` for indices, `.name` for plain keys, `["a b"]` otherwise."""
    if isinstance(key, int):
        text = f"{path}[{key}]"
    elif _IDENT.match(key):
        text = f"{path}.{key}" if path else key
    else:
        text = f"{path}[{json.dumps(key)}]" if path else json.dumps(key)
    return _path(text, (*_keys(path), key))


class _Reader:
    """Carries the source name so every error points at the file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str, hint: str | None = None):
        """Raise the error, its `json_path` the keys of `path` (see `load_pool_file`)."""
        text = f"{path}: {message}" if path else message
        exc = InputError(text, file=self.source, hint=hint)
        exc.json_path = _keys(path)
        raise exc

    def mapping(self, value: Any, path: str, what: str) -> dict:
        if not isinstance(value, dict):
            self.fail(path, f"{what} must be an object, not {_kind(value)}")
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"must be a number, not {_kind(value)}")
        if value != value or value in (float("inf"), float("-inf")):
            self.fail(path, "must be a finite number")
        if value < 0:
            self.fail(path, f"must not be negative (got {value})")
        return float(value)

    def count(self, value: Any, path: str, *, minimum: int = 0) -> int:
        ok = not isinstance(value, bool) and (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        )
        if not ok:
            self.fail(path, f"must be a whole number, not {_kind(value)}")
        if value < minimum:
            what = "negative" if minimum == 0 else f"less than {minimum}"
            self.fail(path, f"must not be {what} (got {int(value)})")
        return int(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {json.dumps(value)[:40]}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return {"list": "a list", "dict": "an object"}.get(type(value).__name__, type(value).__name__)


def _economy(r: _Reader, d: dict, path: str) -> Economy:
    """The economy from the four paper keys found in `d` (the pool's metadata, or the top
    level of a single instance)."""
    for key in ECONOMY_KEYS:
        if key not in d:
            r.fail(
                path or "(top level)",
                f"missing {key}",
                hint="the economy needs " + ", ".join(ECONOMY_KEYS),
            )
    costs = r.mapping(d["resource_costs"], _at(path, "resource_costs"), "resource_costs")
    supply = r.mapping(d["resource_supply"], _at(path, "resource_supply"), "resource_supply")
    if not costs:
        r.fail(_at(path, "resource_costs"), "declares no resources")
    resources = []
    for name, cost in costs.items():
        if name not in supply:
            r.fail(
                _at(path, "resource_supply"),
                f'no supply for resource "{name}"',
                hint="resource_costs and resource_supply must name the same resources",
            )
        resources.append(
            Resource(
                name,
                r.number(cost, _at(_at(path, "resource_costs"), name)),
                r.count(supply[name], _at(_at(path, "resource_supply"), name)),
            )
        )
    for name in supply:
        if name not in costs:
            r.fail(
                _at(_at(path, "resource_supply"), name),
                f'resource "{name}" has a supply but no cost',
                hint="resource_costs and resource_supply must name the same resources",
            )
    return Economy(
        resources=tuple(resources),
        budget=r.number(d["agent_budget"], _at(path, "agent_budget")),
        max_types=r.count(d["max_resource_types"], _at(path, "max_resource_types"), minimum=1),
    )


def _synergy(r: _Reader, value: Any, path: str, eco: Economy) -> Synergy | None:
    if value is None:
        return None
    accepted = ", ".join(k for names in SYNERGY_KEYS.values() for k in names)
    hint = f"a synergy rule is null or an object with the keys: {accepted}"
    if not isinstance(value, dict):
        r.fail(path, f"the synergy rule must be null or an object, not {_kind(value)}", hint)
    alias = {k: canon for canon, names in SYNERGY_KEYS.items() for k in names}
    unknown = [k for k in value if k not in alias]
    if unknown:
        r.fail(_at(path, unknown[0]), "unrecognised synergy key", hint)
    found: dict[str, tuple[str, Any]] = {}
    for key, v in value.items():
        canon = alias[key]
        if canon in found:
            r.fail(_at(path, key), f"duplicates {found[canon][0]}", hint)
        found[canon] = (key, v)
    for canon in SYNERGY_KEYS:
        if canon not in found:
            r.fail(path, f"the synergy rule has no {canon}", hint)
    key, res = found["resource"]
    res_path = _at(path, key)
    if isinstance(res, list):
        if len(res) != 1:
            r.fail(res_path, f"must list exactly one resource (got {len(res)})", hint)
        res, res_path = res[0], _at(res_path, 0)
    if not isinstance(res, str) or res not in eco.index:
        r.fail(
            res_path,
            f"unknown resource {json.dumps(res)}{did_you_mean(res, eco.names)}; "
            f"declared: {', '.join(eco.names)}",
        )
    key, thr = found["threshold"]
    threshold = r.count(thr, _at(path, key))
    key, bon = found["bonus"]
    return Synergy(resource=res, threshold=threshold, bonus=r.number(bon, _at(path, key)))


def _project(r: _Reader, value: Any, path: str, eco: Economy) -> Project:
    d = r.mapping(value, path, "a project")
    for key in ("name", "requirements", "reward"):
        if key not in d:
            r.fail(
                path, f"the project has no {key}", hint="a project is {name, requirements, reward}"
            )
    name = d["name"]
    if not isinstance(name, str) or not name.strip():
        r.fail(_at(path, "name"), f"must be a non-empty string, not {_kind(name)}")
    req_path = _at(path, "requirements")
    req = r.mapping(d["requirements"], req_path, "requirements")
    need = {}
    for res, units in req.items():
        if res not in eco.index:
            r.fail(
                _at(req_path, res),
                f'unknown resource "{res}"{did_you_mean(res, eco.names)}; '
                f"declared: {', '.join(eco.names)}",
                hint="declare every resource in resource_costs and resource_supply",
            )
        need[res] = r.count(units, _at(req_path, res))
    if not any(need.values()):
        r.fail(
            req_path,
            f'project "{name}" requires nothing',
            hint="a project must require at least one unit of some resource",
        )
    reward = r.number(d["reward"], _at(path, "reward"))
    return Project(name=name, need=eco.vector(need), reward=reward)


def _projects(r: _Reader, value: Any, path: str, eco: Economy):
    if not isinstance(value, list) or len(value) != 2:
        got = f"{len(value)} lists" if isinstance(value, list) else _kind(value)
        r.fail(path, f"must hold exactly two lists of projects, one per agent (got {got})")
    sides = []
    for s, side in enumerate(value):
        side_path = _at(path, s)
        if not isinstance(side, list) or not side:
            r.fail(side_path, f"must be a non-empty list of projects, not {_kind(side)}")
        projects = tuple(_project(r, p, _at(side_path, k), eco) for k, p in enumerate(side))
        seen: set[str] = set()
        for k, p in enumerate(projects):
            if p.name in seen:
                r.fail(_at(_at(side_path, k), "name"), f'duplicate project name "{p.name}"')
            seen.add(p.name)
        sides.append(projects)
    return tuple(sides)


def _agents(r: _Reader, value: Any, path: str) -> tuple[str, str]:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(a, str) and a for a in value)
        and value[0] != value[1]
    )
    if not ok:
        r.fail(path, "must be a list of two distinct agent names")
    return (value[0], value[1])


def instance_from_paper_dict(
    d: Any, *, source: str, id: str, agents: tuple[str, str] = ("A", "B"), path: str = ""
) -> Instance:
    """One instance from the paper's keys at the top level of `d`.

    Reads resource_costs, resource_supply, agent_budget, max_resource_types,
    agent_projects and the optional scenario_synergy (and `agents` and
    `resource_aliases`, when present, as `Instance.to_dict` writes them). `path`
    prefixes the JSON paths in error messages (their `json_path` stays relative to `d`).
    """
    r = _Reader(source)
    d = r.mapping(d, path or "(top level)", "an instance")
    eco = _economy(r, d, path)
    if "agent_projects" not in d:
        r.fail(path or "(top level)", "missing agent_projects")
    projects = _projects(r, d["agent_projects"], _at(path, "agent_projects"), eco)
    synergy = _synergy(r, d.get("scenario_synergy"), _at(path, "scenario_synergy"), eco)
    if "agents" in d:
        agents = _agents(r, d["agents"], _at(path, "agents"))
    aliases = _aliases(r, d.get("resource_aliases"), _at(path, "resource_aliases"), eco)
    return Instance(
        id=id,
        economy=dataclasses.replace(eco, synergy=synergy),
        projects=projects,
        agents=tuple(agents),
        meta=(("resource_aliases", aliases),) if aliases else (),
    )


def _aliases(r: _Reader, value: Any, path: str, eco) -> dict[str, tuple[str, ...]]:
    """``{resource: [other names...]}`` (a theme), every resource a declared one."""
    if value is None:
        return {}
    value = r.mapping(value, path, "resource aliases")
    out: dict[str, tuple[str, ...]] = {}
    for name, names in value.items():
        if name not in eco.names:
            r.fail(_at(path, name), f"{name!r} is not a resource of this game")
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            r.fail(_at(path, name), "must be a list of names")
        out[name] = tuple(names)
    return out


def _is_bucket(value: Any) -> bool:
    """A list of candidate objects (an empty list counts: an empty bucket)."""
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        return False
    return not value or any("agent_projects" in c for c in value)


def is_pool(data: Any) -> bool:
    """Whether `data` looks like a scenario pool (rather than a single instance)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("metadata"), dict)
        and "agent_projects" not in data
        and any(k != "metadata" and _is_bucket(v) for k, v in data.items())
    )


def _same_bucket(key: str, wanted: str) -> bool:
    """Bucket names match as written, or as numbers ("0.50" is bucket "0.5")."""
    if key == wanted:
        return True
    try:
        return float(key) == float(wanted)
    except ValueError:
        return False


def load_pool(
    data: Any, *, source: str, bucket: str | None = None, agents: tuple[str, str] = ("A", "B")
) -> list[Instance]:
    """Every candidate of the pool (or of one bucket) as an instance `"<bucket>/<id>"`."""
    r = _Reader(source)
    hint = 'a pool is {"metadata": {...}, "<bucket>": [candidates...], ...}'
    if not isinstance(data, dict):
        r.fail("", f"a scenario pool must be a JSON object, not {_kind(data)}", hint)
    if "metadata" not in data:
        r.fail("", "the pool has no metadata", hint)
    meta_path = _at("", "metadata")
    meta = r.mapping(data["metadata"], meta_path, "metadata")
    base = _economy(r, meta, meta_path)
    buckets = [(k, v) for k, v in data.items() if k != "metadata" and _is_bucket(v)]
    present = ", ".join(json.dumps(k) for k, _ in buckets) or "none"
    if bucket is not None:
        chosen = [(k, v) for k, v in buckets if _same_bucket(k, str(bucket))]
        if not chosen:
            r.fail(
                "",
                f'no bucket "{bucket}" in the pool; buckets present: {present}',
                hint=f"choose one of: {present}",
            )
        buckets = chosen[:1]
    out: list[Instance] = []
    for key, candidates in buckets:
        seen: set[str] = set()
        for k, cand in enumerate(candidates):
            path = _at(_path(json.dumps(key), (key,)), k)  # a bucket key is always quoted
            cand = r.mapping(cand, path, "a candidate")
            cid = cand.get("candidate_id", k)
            if isinstance(cid, bool) or not isinstance(cid, (str, int)) or cid == "":
                r.fail(_at(path, "candidate_id"), f"must be a string or integer, not {_kind(cid)}")
            cid = str(cid)
            if cid in seen:
                r.fail(_at(path, "candidate_id"), f'duplicate candidate_id "{cid}"')
            seen.add(cid)
            if "agent_projects" not in cand:
                r.fail(path, "the candidate has no agent_projects", hint)
            projects = _projects(r, cand["agent_projects"], _at(path, "agent_projects"), base)
            synergy = _synergy(r, cand.get("scenario_synergy"), _at(path, "scenario_synergy"), base)
            out.append(
                Instance(
                    id=f"{key}/{cid}",
                    economy=dataclasses.replace(base, synergy=synergy),
                    projects=projects,
                    agents=tuple(agents),
                    meta=(("bucket", key), ("candidate_id", cid)),
                )
            )
    if not out:
        where = f'bucket "{bucket}"' if bucket is not None else "the pool"
        # No path in the message, but point at the (first) empty bucket when there is one.
        empty = _path("", (buckets[0][0],) if buckets else ())
        r.fail(empty, f"{where} has no candidates (buckets present: {present})", hint)
    return out


def load_pool_file(
    path: str | os.PathLike, *, bucket: str | None = None, agents: tuple[str, str] = ("A", "B")
) -> list[Instance]:
    """`load_pool` on the JSON file at `path`; errors point at its line and column."""
    source, text, data = _read(path)
    with _located(text):
        return load_pool(data, source=source, bucket=bucket, agents=agents)


def load_paper_file(
    path: str | os.PathLike, *, bucket: str | None = None, agents: tuple[str, str] = ("A", "B")
) -> list[Instance] | None:
    """The instances of a JSON file in the paper's keys: every candidate of a pool (see
    `load_pool`), or the one instance of a file that holds one (its id the file's stem).
    None when the file is neither; errors point at its line and column."""
    source, text, data = _read(path)
    with _located(text):
        if is_pool(data):
            return load_pool(data, source=source, bucket=bucket, agents=agents)
        if isinstance(data, dict) and "agent_projects" in data:
            stem = Path(source).stem
            return [instance_from_paper_dict(data, source=source, id=stem, agents=agents)]
    return None


def _read(path: str | os.PathLike) -> tuple[str, str, Any]:
    """(name for errors, text, decoded value) of a JSON file, read once for both."""
    source = os.fspath(path)
    text = read_text(source)
    return source, text, load_json(source, text=text)


@contextlib.contextmanager
def _located(text: str) -> Iterator[None]:
    """Give an `InputError` raised inside the line and column of its `json_path` in `text`
    (of the deepest part of the path found, should the rest be missing)."""
    try:
        yield
    except InputError as exc:
        json_path = getattr(exc, "json_path", None)
        if json_path is not None and exc.line is None:
            exc.line, exc.column = locate(text, json_path, nearest=True) or (None, None)
        raise
