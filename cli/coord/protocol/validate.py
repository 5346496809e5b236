"""`coord validate`: lint a protocol, or check transcripts' conformance to it.

Returns the report document (`--format json`); the command renders it. Input that cannot
be used at all (a missing file, a protocol with errors when transcripts are to be
checked, a transcript without roles) raises a CoordError (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coord.errors import InputError


def read_input(path: Path, roles: dict[str, str] | None):
    """(envelopes, roles, kind) for a coord transcript or any interchange form."""
    from coord.errors import UsageError

    if str(path) == "-":
        raise UsageError(
            "reading a transcript from standard input is not supported",
            hint="save it to a file and pass the file",
        )
    if not path.exists():
        raise UsageError(f"no such file: {path}")
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    from coord.protocol.inputs import read_envelopes

    return read_envelopes(path, roles=roles)


def validate(
    protocol_ref: str, transcripts: list[Path], *, roles: dict[str, str] | None = None
) -> dict[str, Any]:
    from coord.protocol.lint import lint_protocol
    from coord.protocol.load import find_protocol

    path = find_protocol(protocol_ref)
    lint = lint_protocol(path)
    if not transcripts:
        doc = lint.to_dict()
        return {"schema_version": 1, "protocol": str(path), "files": [doc]}
    if not lint.ok or lint.protocol is None:
        first = next(f for f in lint.findings if f.severity == "error")
        raise InputError(
            f"the protocol has errors ({first.code}: {first.message})",
            file=str(path),
            line=first.line,
            hint=f"run `coord validate {protocol_ref}` to see them all",
        )
    from coord.protocol.conformance import check_conformance

    files = []
    declared = lint.protocol.spec.roles
    for t in transcripts:
        envelopes, file_roles, _kind = read_input(Path(t), roles)
        _check_roles(file_roles, declared, Path(t))
        report = check_conformance(lint.protocol, envelopes, file_roles, source=str(t))
        files.append(report.to_dict(str(t)))
    return {"schema_version": 1, "protocol": str(path), "files": files}


UNUSABLE = ("P001", "P002")  # the protocol cannot be loaded at all: exit 2, not 1


def unusable(doc: dict[str, Any]) -> bool:
    return any(f["code"] in UNUSABLE for file in doc["files"] for f in file["findings"])


def _check_roles(roles: dict[str, str], declared: list[str], path: Path) -> None:
    """A role the protocol does not declare is a typo to fix, not a flood of findings."""
    from coord.errors import UsageError, did_you_mean

    for agent, role in roles.items():
        if role not in declared:
            raise UsageError(
                f"{path}: agent {agent!r} plays role {role!r}, which the protocol does not "
                f"declare{did_you_mean(role, declared)}",
                hint=f"the protocol's roles: {', '.join(declared)} (set them with --roles)",
            )


def has_findings(doc: dict[str, Any], *, strict: bool) -> bool:
    """Errors count; warnings count only with --strict."""
    levels = {"error", "warning"} if strict else {"error"}
    return any(f["severity"] in levels for file in doc["files"] for f in file["findings"])


def file_uri(path: str) -> str:
    """SARIF wants URIs: absolute paths as file:// URIs, relative ones percent-encoded."""
    from urllib.parse import quote

    p = Path(path)
    return p.as_uri() if p.is_absolute() else quote(p.as_posix())


def to_sarif(doc: dict[str, Any]) -> dict[str, Any]:
    """SARIF 2.1.0, one result per finding (for code-scanning dashboards)."""
    from coord import __version__
    from coord.protocol.codes import CODES

    results = []
    for file in doc["files"]:
        for f in file["findings"]:
            region = {"startLine": f["line"]} if f.get("line") else {}
            results.append(
                {
                    "ruleId": f["code"],
                    "level": "error" if f["severity"] == "error" else "warning",
                    "message": {"text": f["message"]},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": file_uri(file["path"])},
                                **({"region": region} if region else {}),
                            }
                        }
                    ],
                    **(
                        {"properties": {"message_id": f["message_id"], "path": f["path"]}}
                        if f.get("message_id") or f.get("path")
                        else {}
                    ),
                }
            )
    rules = [{"id": code, "shortDescription": {"text": text}} for code, text in CODES.items()]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "coord", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
