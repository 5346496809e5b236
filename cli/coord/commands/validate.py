"""`coord validate`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from coord.commands import _state


class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"


def _roles(value: str | None) -> dict[str, str] | None:
    from coord.errors import UsageError

    if not value:
        return None
    out = {}
    for part in value.split(","):
        agent, sep, role = part.strip().partition("=")
        if not sep or not agent or not role:
            raise UsageError(f"--roles {value!r}: write AGENT=ROLE,AGENT=ROLE")
        if agent in out and out[agent] != role:
            raise UsageError(f"--roles gives {agent!r} two roles ({out[agent]}, {role})")
        out[agent] = role
    return out


def validate(
    protocol: str = typer.Argument(
        ..., metavar="PROTOCOL", help="A protocol file or a bundled name (`coord protocols list`)."
    ),
    transcripts: list[Path] = typer.Argument(
        None,
        metavar="TRANSCRIPT",
        help="Transcripts to check against it (coord's, JSON "
        "Lines / JSON array of messages, or chat lists). None: lint the protocol.",
    ),
    roles: str = typer.Option(
        None,
        "--roles",
        metavar="AGENT=ROLE,...",
        help="Which agent plays which role (overrides the transcript's `roles` header).",
    ),
    fmt: ValidateFormat = typer.Option(ValidateFormat.text, "--format", "-f"),
    strict: bool = typer.Option(False, "--strict", help="Warnings also exit 1."),
) -> None:
    """Lint a protocol (P-codes), or check transcripts' conformance to it (T-codes).

    Exit 0 clean, 1 findings (errors; warnings too with --strict), 2 unusable input
    (including a protocol that cannot be loaded: P001 unsafe YAML, P002 hostile schema).
    """
    from coord import console
    from coord.errors import EXIT_USAGE
    from coord.protocol.validate import has_findings, to_sarif, unusable
    from coord.protocol.validate import validate as check

    doc = check(protocol, list(transcripts or []), roles=_roles(roles))
    if fmt is ValidateFormat.json:
        console.print_json(doc)
    elif fmt is ValidateFormat.sarif:
        console.print_json(to_sarif(doc))
    else:
        from coord.commands.render import validate_report

        validate_report(doc)
    if unusable(doc):  # unsafe YAML or a hostile schema: rejected input
        _state.exit_code = EXIT_USAGE
    elif has_findings(doc, strict=strict):
        _state.exit_code = 1
