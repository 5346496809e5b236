"""`coord solve`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer


class SolveFormat(str, Enum):
    text = "text"
    json = "json"


def solve(
    file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="A coord scenario (YAML), a scenario pool in the "
        "paper authors' JSON format, or one instance in that form.",
    ),
    bucket: str = typer.Option(
        None, "--bucket", metavar="KEY", help='Only this bucket of a pool, e.g. "0.5".'
    ),
    fmt: SolveFormat = typer.Option(SolveFormat.text, "--format", "-f"),
) -> None:
    """Exact oracle per instance: v1, v2, combined, collab_max, M/C, optimal plans."""
    from coord import console
    from coord.resources import find_scenario
    from coord.scenario.solve import solve_file

    report = solve_file(find_scenario(str(file)), bucket=bucket)
    if fmt is SolveFormat.json:
        console.print_json(report)
        return
    from coord.commands.render import solve_table

    solve_table(report)
