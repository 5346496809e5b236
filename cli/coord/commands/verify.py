"""`coord verify`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from coord.commands import _state


class VerifyFormat(str, Enum):
    text = "text"
    json = "json"


def verify(
    files: list[Path] = typer.Argument(
        ..., metavar="TRANSCRIPT", help="Transcripts (.jsonl) to check."
    ),
    fmt: VerifyFormat = typer.Option(VerifyFormat.text, "--format", "-f"),
) -> None:
    """Check transcripts' hash chains and seals: exit 0 intact, 4 if any was edited,
    reordered, truncated or forged (naming the first bad line)."""
    from coord import console
    from coord.errors import EXIT_INTEGRITY, UsageError
    from coord.transcript import verify as check

    reports = []
    for f in files:
        if not f.is_file():
            raise UsageError(f"no such file: {f}")
        reports.append(check(f))
    if fmt is VerifyFormat.json:
        console.print_json({"schema_version": 1, "files": [r.to_dict() for r in reports]})
    else:
        for r in reports:
            if r.ok:
                line = f"ok       {r.path}  ({r.events} lines, {r.status})"
            else:
                at = f":{r.first_bad_line}" if r.first_bad_line else ""
                line = f"BROKEN   {r.path}{at}: {r.problem}"
                if r.hint:
                    line += f"\n         hint: {r.hint}"
            console.out().print(line, markup=False, soft_wrap=True)
    if not all(r.ok for r in reports):
        _state.exit_code = EXIT_INTEGRITY
