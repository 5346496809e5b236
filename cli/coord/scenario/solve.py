"""`coord solve`: the exact oracle for every instance in a scenario or a published pool."""

from __future__ import annotations

from pathlib import Path

from coord.errors import InputError
from coord.game.negotiation.instance import Instance


def instances_from_file(path: str | Path, *, bucket: str | None = None) -> list[Instance]:
    """Instances of a coord scenario (YAML) or of the paper authors' pool format (JSON)."""
    from coord.scenario.load import load_negotiation_scenario, read_source

    p, raw = read_source(path)
    head = raw.lstrip()[:1]
    if p.suffix.lower() == ".json" or head in (b"{", b"["):
        from coord.game.negotiation.pool import load_paper_file

        found = load_paper_file(p, bucket=bucket)
        if found is not None:
            return found
        raise InputError(
            "this JSON is neither a scenario pool (`metadata` + buckets of candidates) nor "
            "one instance (`resource_costs`, `resource_supply`, `agent_projects`, ...)",
            file=str(p),
            line=1,
            column=1,
            hint="see `coord solve --help` for the accepted formats",
        )
    return list(load_negotiation_scenario(p).instances)


def solve_file(path: str | Path, *, bucket: str | None = None) -> dict:
    """The `coord solve --format json` document."""
    from coord.game.negotiation.oracle import solve

    return {
        "schema_version": 1,
        "file": str(path),
        "instances": [solve(i).to_dict(i) for i in instances_from_file(path, bucket=bucket)],
    }
