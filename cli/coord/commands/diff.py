"""`coord diff`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from coord.commands import _state


class DiffFormat(str, Enum):
    text = "text"
    json = "json"


def diff(
    a: Path = typer.Argument(..., metavar="A", help="The first transcript (.jsonl)."),
    b: Path = typer.Argument(..., metavar="B", help="The transcript to compare it with."),
    fmt: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="Report format."),
) -> None:
    """Compare two transcripts: setup differences, the first divergence (volatile fields
    such as timestamps ignored), per-round and game metric deltas, agreements and protocol
    findings in only one of them. Exits 0 when equivalent, 1 when they differ."""
    from coord import console
    from coord.analysis.diff import diff_transcripts, format_text
    from coord.errors import EXIT_FINDINGS

    report = diff_transcripts(a, b).to_dict()
    if fmt is DiffFormat.json:
        console.print_json(report)
    else:
        console.out().print(
            format_text(report).rstrip("\n"), markup=False, emoji=False, soft_wrap=True
        )
    if not report["equivalent"]:
        _state.exit_code = EXIT_FINDINGS
