"""The report of `coord run`: per-condition means, the gap decomposition, JUnit.

The gap decomposition (DESIGN §4) compares conditions of one scenario that differ in
exactly one coordination knob, with the same agents and game: solo → dyad (the
coordination gap itself), no-talk → talk (what communication buys), talk → full
transparency (what information alone buys), stable → shifting (what losing history
costs). Which conditions to compare is derived from their settings, never from names.
"""

from __future__ import annotations

from statistics import fmean
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from coord.runner.conditions import KNOBS, Condition

SUMMARY_METRICS = (
    "joint_efficiency",
    "optimal_rate",
    "annulled_rate",
    "fair_share",
    "min_fair_share",
    "solo_efficiency",
    "drift_events",
    "invalid_messages",
    "agreements",
    "messages",
)

# knob -> (value before, value after, label)
GAPS = {
    "mode": ("solo", "dyad", "oracle → dyad"),
    "talk": (False, True, "no-talk → talk"),
    "full_transparency": (False, True, "talk → full transparency"),
    "history": ("stable", "shifting", "stable → shifting"),
}


def _key(scenario: str, condition: str, multi: bool) -> str:
    return f"{scenario}/{condition}" if multi else condition


def build_report(runs: list[dict[str, Any]], plan: list[tuple[str, Condition]]) -> dict:
    """`plan` lists (scenario name, condition) in run order."""
    multi = len({s for s, _ in plan}) > 1
    conditions: dict[str, dict[str, float]] = {}
    for scenario, cond in plan:
        mine = [r for r in runs if r["scenario"] == scenario and r["condition"] == cond.name]
        key = _key(scenario, cond.name, multi)
        conditions[key] = (
            {m: fmean(r["metrics"][m] for r in mine) for m in SUMMARY_METRICS} if mine else {}
        )
        conditions[key]["games"] = len(mine)
    gaps = []
    for knob, (before, after, label) in GAPS.items():
        for s1, c1 in plan:
            for s2, c2 in plan:
                if s1 != s2 or not _one_knob_apart(c1, c2, knob, before, after):
                    continue
                k1, k2 = _key(s1, c1.name, multi), _key(s2, c2.name, multi)
                v1 = conditions[k1].get("joint_efficiency")
                v2 = conditions[k2].get("joint_efficiency")
                if v1 is None or v2 is None:
                    continue
                gaps.append(
                    {
                        "gap": label,
                        "scenario": s1,
                        "from": c1.name,
                        "to": c2.name,
                        "from_value": v1,
                        "to_value": v2,
                        "delta": v2 - v1,
                    }
                )
    checks = [e for r in runs for e in r["expectations"]]
    return {
        "schema_version": 1,
        "runs": runs,
        "conditions": conditions,
        "gaps": gaps,
        "expectations": {
            "passed": sum(e["ok"] for e in checks),
            "failed": sum(not e["ok"] for e in checks),
        },
    }


def _one_knob_apart(c1: Condition, c2: Condition, knob: str, before, after) -> bool:
    k1, k2 = c1.knobs(), c2.knobs()
    if k1[knob] != before or k2[knob] != after:
        return False
    others_equal = all(k1[k] == k2[k] for k in KNOBS if k != knob)
    same_game = c1.backends == c2.backends and c1.rounds == c2.rounds and c1.projects == c2.projects
    return others_equal and same_game


def failed(report: dict) -> bool:
    return report["expectations"]["failed"] > 0


def to_junit(report: dict) -> str:
    """One test case per expectation per game; a failure carries the measured value."""
    cases = []
    for run in report["runs"]:
        suite = f"{run['scenario']}.{run['condition']}"
        for e in run["expectations"]:
            name = f"seed{run['seed']}-rep{run['repeat']}: {e['expr']}"
            measured = quoteattr(f"measured {e['value']:.6g}")
            body = (
                ""
                if e["ok"]
                else (f"<failure message={measured}>{escape(run['transcript'])}</failure>")
            )
            cases.append(
                f"    <testcase classname={quoteattr(suite)} name={quoteattr(name)}>"
                f"{body}</testcase>"
            )
    failures = report["expectations"]["failed"]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="coord run" tests="{len(cases)}" failures="{failures}">\n'
        f'  <testsuite name="coord run" tests="{len(cases)}" failures="{failures}">\n'
        + "\n".join(cases)
        + ("\n" if cases else "")
        + "  </testsuite>\n</testsuites>\n"
    )
