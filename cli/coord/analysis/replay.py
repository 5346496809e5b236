"""`coord replay`: diagnose grounding failures in recorded exchanges (issue 5).

One core function, `replay_files`, returns the `--format json` document; renderers for
text, JUnit and SARIF are pure functions over it. Detectors live in
`coord.analysis.detectors`; with `--protocol` the conformance findings (T-codes) of
`coord.protocol` are included as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


TIMELINE_TURNS = 2_000  # "auto": past this many turns, only rounds with findings are kept


def replay_files(
    paths: list[Path],
    *,
    detectors: list[str] | None = None,
    scenario: Path | None = None,
    protocol: str | None = None,
    metrics: bool = False,
    timeline: str = "none",
    progress=None,
    jobs: int | None = None,
) -> dict[str, Any]:
    """The `--format json` document for ``paths``.

    Each file is read round by round (`exchange.open_exchange`) and diagnosed as it is
    read; the per-round summaries, findings and timeline go to `Spool`s (lists kept as
    JSON lines, on disk past a few MB), so memory does not grow with the transcript. A
    file whose rounds are not contiguous is read again, whole. ``timeline``
    is ``"none"`` (no ``timeline`` key), ``"all"`` (every turn) or ``"auto"`` (every turn
    up to `TIMELINE_TURNS`, then only rounds with findings, with the rest counted in
    ``{"elided": n}`` entries). ``progress`` is a `console.progress` factory: each file
    gets a bar over its lines. ``jobs`` 2 reads each file in a second process while this
    one diagnoses it (`pipeline`); None does so for large files when a second CPU is free.
    """
    from coord.analysis.detectors import DETECTORS
    from coord.analysis.engine import check_codes
    from coord.analysis.exchange import OutOfOrder
    from coord.analysis.pipeline import fewer_collections

    chosen = check_codes(detectors or DETECTORS)  # before any file is read
    instance = _scenario_instance(scenario) if scenario else None
    files = []
    with fewer_collections():
        for path in paths:
            try:
                entry = _replay_one(
                    path, chosen, instance, metrics, timeline, progress, ordered=True, jobs=jobs
                )
            except OutOfOrder:
                entry = _replay_one(
                    path, chosen, instance, metrics, timeline, progress, ordered=False, jobs=jobs
                )
            if protocol:
                entry["findings"] += _protocol_findings(protocol, path)
            files.append(entry)
    return {"schema_version": 1, "detectors": chosen, "files": files}


def _lines(path) -> int:
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def _replay_one(
    path, chosen, instance, metrics, timeline, progress, *, ordered, jobs
) -> dict[str, Any]:
    from coord.analysis.engine import Diagnosis
    from coord.analysis.instrumentation import Meter
    from coord.analysis.pipeline import open_read
    from coord.analysis.spool import Spool

    meter = Meter() if metrics else None
    rounds, findings, turns = Spool(), Spool(), Spool()
    kept = elided = 0
    at = 0
    with open_read(path, instance, ordered=ordered, jobs=jobs) as source:
        diagnosis = Diagnosis(source.agents, source.kind, chosen)
        total = _lines(path) if progress is not None else 0
        advance = progress(total) if progress is not None else None
        for rnd, msgs in source.rounds:
            if advance is not None:
                last = max((t.line for t in rnd.turns if t.line), default=at)
                advance(max(0, last - at))
                at = max(at, last)
            found = diagnosis.feed_read(rnd, msgs)
            findings += [f.to_dict() for f in found]
            rounds.append(_round_summary(rnd))
            if meter is not None:
                meter.add(rnd)
            if timeline == "none":
                continue
            if timeline == "all" or found or kept + len(rnd.turns) <= TIMELINE_TURNS:
                if elided:
                    turns.append({"elided": elided})
                    elided = 0
                turns.extend(_turn(t) for t in rnd.turns)
                kept += len(rnd.turns)
            else:
                elided += 1
    if elided:
        turns.append({"elided": elided})
    if advance is not None:
        advance(max(0, total - at))  # the lines after the last message; closes the bar
    entry: dict[str, Any] = {}
    if meter is not None:
        entry["metrics"] = meter.result(source.kind, source.stats)
    entry.update(
        path=str(path),
        agents=list(source.agents),
        rounds=rounds,
        findings=findings,
        warnings=list(source.warnings),
    )
    if timeline != "none":
        entry["timeline"] = turns
    return entry


def _scenario_instance(path: Path):
    from coord.scenario.load import load_negotiation_scenario

    scn = load_negotiation_scenario(path)
    return scn.instances[0]  # an interchange transcript names no instance: the first one


def _round_summary(rnd) -> dict[str, Any]:
    out = rnd.outcome or {}
    summary = {
        "round": rnd.number,
        "joint_efficiency": out.get("joint_efficiency"),
        "annulled": out.get("annulled"),
        "optimal": out.get("optimal"),
    }
    if out.get("purchases_in_words"):  # scored from "buying now: ..." messages
        summary["purchases_in_words"] = out["purchases_in_words"]
    return summary


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
