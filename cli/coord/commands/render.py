"""Text renderings of reports (the JSON documents are the contract; these are views)."""

from __future__ import annotations

from coord import console


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def run_summary(report: dict) -> None:
    rows = []
    for name, m in report["conditions"].items():
        if not m.get("games"):
            continue
        rows.append(
            [
                name,
                m["games"],
                _pct(m["joint_efficiency"]),
                _pct(m["optimal_rate"]),
                _pct(m["annulled_rate"]),
                _pct(m["min_fair_share"]),
                _pct(m["solo_efficiency"]),
                f"{m['drift_events']:.1f}",
            ]
        )
    console.table(
        "Per condition (means over games): joint = joint efficiency, minfair = the "
        "worse-off agent's reward / half the optimum, solo = reward / solo optimum, "
        "drift = ledger drift events",
        ["condition", "games", "joint", "optimal", "annul", "minfair", "solo", "drift"],
        rows,
    )
    if report["gaps"]:
        console.out().print()
        console.table(
            "Gap decomposition (joint efficiency)",
            ["gap", "from", "to", "before", "after", "Δ"],
            [
                [
                    g["gap"],
                    g["from"],
                    g["to"],
                    _pct(g["from_value"]),
                    _pct(g["to_value"]),
                    f"{100 * g['delta']:+.1f}",
                ]
                for g in report["gaps"]
            ],
        )
    exp = report["expectations"]
    if exp["passed"] or exp["failed"]:
        console.out().print()
        console.out().print(
            f"expectations: {exp['passed']} passed, {exp['failed']} failed", markup=False
        )
        shown = 0
        for run in report["runs"]:
            for e in run["expectations"]:
                if not e["ok"] and shown < 10:
                    shown += 1
                    console.out().print(
                        f"  FAILED {run['condition']} seed {run['seed']}: "
                        f"{e['expr']} (measured {e['value']:.4g})",
                        markup=False,
                    )
    _usage_table(report)
    folders = sorted({r["transcript"].rsplit("/", 2)[0] for r in report["runs"]})
    if folders:
        console.info(f"transcripts: {', '.join(folders)}")


def _usage_table(report: dict) -> None:
    """Model usage and cost per agent and in total, when any model call was made (or
    served from a recording); nothing for policy-only runs."""
    usage = report.get("usage") or {}
    total = usage.get("total") or {}
    if not total.get("calls"):
        return

    def row(name: str, u: dict) -> list:
        cost = f"${u['cost_usd']:.6f}" + ("*" if u["unpriced_calls"] else "")
        return [
            name,
            u["calls"],
            f"{u['input_tokens']:,}",
            f"{u['output_tokens']:,}",
            f"{u['cache_read_tokens']:,}",
            f"{u['cache_write_tokens']:,}",
            f"{u['reasoning_tokens']:,}",
            cost,
        ]

    rows = [row(a, u) for a, u in usage.get("agents", {}).items()] + [row("total", total)]
    console.out().print()
    console.table(
        "Model usage in tokens (reasoning is part of output), cost in USD",
        ["agent", "calls", "input", "output", "cache rd", "cache wr", "reasoning", "cost"],
        rows,
    )
    calls = report.get("model_calls") or {}
    if calls.get("served_from_recordings"):
        console.out().print(
            f"model calls: {calls['network']} made, {calls['served_from_recordings']} "
            "served from recordings",
            markup=False,
        )
    if total["unpriced_calls"]:
        console.out().print(
            f"* without {total['unpriced_calls']} calls to models the price table does not "
            "know; add them to `prices:` in the scenario or pass --prices FILE",
            markup=False,
        )


def solve_table(report: dict) -> None:
    rows = []
    for i in report["instances"]:
        plan = "; ".join(
            f"{agent}: " + (", ".join(f"{p}×{n}" for p, n in side["runs"].items()) or "nothing")
            for agent, side in i["optimal_plan"].items()
        )
        rows.append(
            [
                i["id"],
                i["v1"],
                i["v2"],
                i["combined"],
                i["collab_max"],
                f"{i['mc_ratio']:.3f}",
                i["optimal_paths"],
                plan,
            ]
        )
    console.table(
        None,
        ["instance", "v1", "v2", "combined", "collab_max", "M/C", "optimal", "one optimal plan"],
        rows,
    )


def demo_intro() -> None:
    console.info(
        "coord demo — two agents share scarce resources for private projects (arXiv 2605.01750).\n"
        "Alone, each finds its optimum (the `oracle` condition). Paired, typical negotiators\n"
        "anchor, split evenly, lose the thread or mislabel what they agreed, and miss the joint\n"
        "optimum. `grounded` agents — share projects, propose by ledger id, commit explicitly,\n"
        "follow the agreement — close the gap. All agents are built-in policies: no key, no "
        "network."
    )


def validate_report(doc: dict) -> None:
    """One line per finding, grouped by file, then a verdict per file."""
    out = console.out()
    for file in doc["files"]:
        for f in file["findings"]:
            loc = file["path"] + (f":{f['line']}" if f.get("line") else "")
            where = f" [{f['message_id']}]" if f.get("message_id") else ""
            path = f" at {f['path']}" if f.get("path") else ""
            out.print(
                f"{loc}: {f['severity']} {f['code']}{where}: {f['message']}{path}",
                markup=False,
                soft_wrap=True,
            )
        errors = sum(f["severity"] == "error" for f in file["findings"])
        warnings = len(file["findings"]) - errors
        verdict = "ok" if not file["findings"] else f"{errors} error(s), {warnings} warning(s)"
        out.print(f"{file['path']}: {verdict}", markup=False, soft_wrap=True)
        states = [c["state"] for c in file.get("commitments", [])]
        if states:
            counts = {s: states.count(s) for s in dict.fromkeys(states)}
            out.print(
                "  commitments: " + ", ".join(f"{n} {s}" for s, n in counts.items()), markup=False
            )


def replay_report(doc: dict) -> None:
    """A timeline per file with findings marked after their round, then a summary."""
    import itertools
    import textwrap

    out = console.out()
    for file in doc["files"]:
        out.print(f"== {file['path']}", markup=False)
        by_round: dict = {}
        for f in file["findings"]:
            by_round.setdefault(f["round"], []).append(f)
        rounds = {r["round"]: r for r in file["rounds"]}
        current = None
        for t in itertools.chain(file["timeline"], [{"round": None}]):
            if t.get("round") != current and current is not None:
                for f in by_round.pop(current, []):
                    line = f"  ! {f['code']} {f['name']} ({f['severity']}): {f['message']}"
                    out.print(textwrap.fill(line, 80, subsequent_indent="      "), markup=False)
            if "elided" in t:
                current = None
                n = t["elided"]
                out.print(f"… {n} round(s) without findings not shown (--timeline)", markup=False)
                continue
            if t["round"] is None:
                break
            if t["round"] != current:
                current = t["round"]
                r = rounds.get(current, {})
                eff = r.get("joint_efficiency")
                state = (
                    ("annulled" if r.get("annulled") else "optimal" if r.get("optimal") else "")
                    if r
                    else ""
                )
                head = f"round {current}" + (
                    f": {100 * eff:.1f}% {state}" if eff is not None else ""
                )
                out.print(head.rstrip(), markup=False)
            text = " ".join(str(t.get("text") or "").split())
            line = f"t{t['turn']} {t['agent']} [{t['type'] or 'say'}] {text}"
            out.print("  " + textwrap.shorten(line, 78, placeholder="…"), markup=False)
        for f in [f for fs in by_round.values() for f in fs]:  # not tied to a round
            out.print(
                textwrap.fill(
                    f"  ! {f['code']} ({f['severity']}): {f['message']}",
                    80,
                    subsequent_indent="      ",
                ),
                markup=False,
            )
        for w in file.get("warnings", []):
            out.print(f"  warning: {w}", markup=False)
        m = file.get("metrics")
        if m:
            mean = m["mean_turns_to_agreement"]
            conv = m["ack_to_agreement"]
            out.print(
                f"  metrics: agreement in {100 * m['agreement_rate']:.0f}% of rounds"
                + (f" after {mean:.1f} turns" if mean is not None else "")
                + f"; {m['proposals_per_round']:.1f} proposals/round"
                + (f"; ack→agreement {100 * conv:.0f}%" if conv is not None else "")
                + (
                    f"; drift {m['drift_events']}, violations {m['violations']}"
                    if m["drift_events"] is not None
                    else ""
                ),
                markup=False,
                soft_wrap=True,
            )
            for agent, c in sorted(m["cost"].items()):
                out.print(
                    f"  cost {agent}: ${c['usd']:.4f}, {c['tokens']:.0f} tokens, "
                    f"{c['calls']:.0f} calls",
                    markup=False,
                )
    counts: dict = {}
    for file in doc["files"]:
        for f in file["findings"]:
            counts[f["code"]] = counts.get(f["code"], 0) + 1
    out.print()
    summary = ", ".join(f"{c} {n}" for c, n in sorted(counts.items())) or "no findings"
    out.print(f"detectors {', '.join(doc['detectors'])}: {summary}", markup=False)
