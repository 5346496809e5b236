"""`coord replay`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from coord.commands import _state


class ReplayFormat(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"


class FailOn(str, Enum):
    warning = "warning"
    error = "error"


def replay(
    files: list[Path] = typer.Argument(
        ...,
        metavar="TRANSCRIPT",
        help="coord transcripts, or other tools' (JSON Lines / JSON "
        "array of messages with an optional `game` first line).",
    ),
    detectors: str = typer.Option(
        None, "--detectors", metavar="G2,G3", help="Only these detectors (comma-separated)."
    ),
    scenario: Path = typer.Option(
        None, "--scenario", metavar="FILE", help="The game of a transcript that carries none."
    ),
    protocol: str = typer.Option(
        None, "--protocol", metavar="PROTOCOL", help="Also report conformance findings."
    ),
    metrics: bool = typer.Option(
        False,
        "--metrics",
        help="Add coordination metrics: turns to agreement, proposals per "
        "round, acknowledgement-to-agreement conversion, drift, violations, cost per agent.",
    ),
    timeline: bool = typer.Option(
        False,
        "--timeline",
        help="Every turn: in JSON, add the `timeline` list; in text, do not shorten a "
        "long exchange to the rounds with findings.",
    ),
    fail_on: FailOn = typer.Option(
        FailOn.error, "--fail-on", help="Exit 1 when a finding reaches this severity."
    ),
    jobs: int = typer.Option(
        None,
        "--jobs",
        "-j",
        min=1,
        max=2,
        metavar="N",
        help="2: read each file in a second process while this one diagnoses it; 1: one "
        "process. Default: 2 for files over 16 MB when a second CPU is free.",
    ),
    fmt: ReplayFormat = typer.Option(ReplayFormat.text, "--format", "-f"),
) -> None:
    """Diagnose grounding failures in recorded exchanges: a timeline with findings
    marked inline, then a summary per detector."""
    import sys

    from coord import console
    from coord.analysis.replay import fails, replay_files, to_junit, to_sarif

    chosen = [d.strip() for d in detectors.split(",") if d.strip()] if detectors else None
    if timeline:
        shown = "all"
    else:
        shown = "auto" if fmt is ReplayFormat.text else "none"
    doc = replay_files(
        list(files),
        detectors=chosen,
        scenario=scenario,
        protocol=protocol,
        metrics=metrics,
        timeline=shown,
        progress=console.progress("replay") if console.err().is_terminal else None,
        jobs=jobs,
    )
    if fmt is ReplayFormat.json:
        console.print_json_lines(doc)
    elif fmt is ReplayFormat.sarif:
        console.print_json(to_sarif(doc))
    elif fmt is ReplayFormat.junit:
        sys.stdout.write(to_junit(doc))
    else:
        from coord.commands.render import replay_report

        replay_report(doc)
    if fails(doc, fail_on.value):
        _state.exit_code = 1
