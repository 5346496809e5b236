"""`coord replay`: diagnose grounding failures in recorded exchanges (issue 5).

One core function, `replay_files`, returns the `--format json` document; renderers for
text, JUnit and SARIF are pure functions over it. Detectors live in
`coord.analysis.detectors`; with `--protocol` the conformance findings (T-codes) of
`coord.protocol` are included as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coord.errors import UsageError

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def replay_files(
    paths: list[Path],
    *,
    detectors: list[str] | None = None,
    scenario: Path | None = None,
    protocol: str | None = None,
    metrics: bool = False,
) -> dict[str, Any]:
    from coord.analysis.detectors import DETECTORS, detect
    from coord.analysis.exchange import load_exchange

    chosen = detectors or list(DETECTORS)
    unknown = [d for d in chosen if d not in DETECTORS]
    if unknown:
        from coord.errors import did_you_mean

        raise UsageError(
            f"unknown detector {unknown[0]!r}{did_you_mean(unknown[0], DETECTORS)}",
            hint=f"detectors so far: {', '.join(DETECTORS)}",
        )
    instance = _scenario_instance(scenario) if scenario else None
    files = []
    for path in paths:
        exchange = load_exchange(path, scenario_instance=instance)
        findings = [f.to_dict() for f in detect(exchange, chosen)]
        if protocol:
            findings += _protocol_findings(protocol, path)
        if metrics:
            from coord.analysis.instrumentation import exchange_metrics

            extra = {"metrics": exchange_metrics(exchange)}
        else:
            extra = {}
        files.append(
            {
                **extra,
                "path": str(path),
                "agents": list(exchange.agents),
                "rounds": [_round_summary(r) for r in exchange.rounds],
                "findings": findings,
                "warnings": list(exchange.warnings),
                "timeline": [_turn(t) for r in exchange.rounds for t in r.turns],
            }
        )
    return {"schema_version": 1, "detectors": chosen, "files": files}


def _scenario_instance(path: Path):
    from coord.scenario.load import load_negotiation_scenario

    scn = load_negotiation_scenario(path)
    return scn.instances[0]  # an interchange transcript names no instance: the first one


def _round_summary(rnd) -> dict[str, Any]:
    out = rnd.outcome or {}
    return {
        "round": rnd.number,
        "joint_efficiency": out.get("joint_efficiency"),
        "annulled": out.get("annulled"),
        "optimal": out.get("optimal"),
    }


def _turn(t) -> dict[str, Any]:
    return {
        "round": t.round,
        "turn": t.turn,
        "agent": t.agent,
        "type": t.type,
        "text": t.text,
        "line": t.line,
    }


def _protocol_findings(protocol: str, path: Path) -> list[dict[str, Any]]:
    from coord.protocol.codes import CODES
    from coord.protocol.validate import validate

    doc = validate(protocol, [path])
    return [
        {
            "code": f["code"],
            "name": CODES.get(f["code"], ""),
            "severity": f["severity"],
            "round": None,
            "turns": [],
            "agents": [],
            "message": f["message"],
            "evidence": {k: f[k] for k in ("line", "message_id", "path") if f.get(k)},
        }
        for f in doc["files"][0]["findings"]
    ]


def fails(doc: dict[str, Any], fail_on: str) -> bool:
    """Whether any finding reaches the `--fail-on` severity."""
    floor = SEVERITY_RANK[fail_on]
    return any(
        SEVERITY_RANK.get(f["severity"], 2) >= floor
        for file in doc["files"]
        for f in file["findings"]
    )


def to_junit(doc: dict[str, Any]) -> str:
    """One test case per detector per file; a case fails when that detector found anything."""
    from xml.sax.saxutils import escape, quoteattr

    cases = []
    failures = 0
    for file in doc["files"]:
        for code in doc["detectors"]:
            mine = [f for f in file["findings"] if f["code"] == code]
            body = ""
            if mine:
                failures += 1
                text = "\n".join(f"round {f['round']}: {f['message']}" for f in mine)
                body = (
                    f"<failure message={quoteattr(f'{len(mine)} finding(s)')}>"
                    f"{escape(text)}</failure>"
                )
            cases.append(
                f"    <testcase classname={quoteattr(file['path'])} "
                f"name={quoteattr(code)}>{body}</testcase>"
            )
    n = len(cases)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="coord replay" tests="{n}" failures="{failures}">\n'
        f'  <testsuite name="coord replay" tests="{n}" failures="{failures}">\n'
        + "".join(c + "\n" for c in cases)
        + "  </testsuite>\n</testsuites>\n"
    )


def to_sarif(doc: dict[str, Any]) -> dict[str, Any]:
    from coord import __version__
    from coord.analysis.detectors import NAMES
    from coord.protocol.validate import file_uri

    results = []
    for file in doc["files"]:
        for f in file["findings"]:
            line = f["evidence"].get("line") if isinstance(f.get("evidence"), dict) else None
            loc: dict[str, Any] = {"artifactLocation": {"uri": file_uri(file["path"])}}
            if isinstance(line, int):
                loc["region"] = {"startLine": line}
            results.append(
                {
                    "ruleId": f["code"],
                    "level": "error" if f["severity"] == "error" else "warning",
                    "message": {"text": f["message"]},
                    "locations": [{"physicalLocation": loc}],
                }
            )
    rules = [{"id": c, "shortDescription": {"text": n}} for c, n in NAMES.items()]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "coord replay", "version": __version__, "rules": rules}
                },
                "results": results,
            }
        ],
    }
