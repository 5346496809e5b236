"""Text rendering of `coord rca` reports (rich, on stdout)."""

from __future__ import annotations

from coord import console


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def rca_report(case, doc: dict, top: int) -> None:
    from rich.tree import Tree

    out = console.out()
    truth = f"   truth: {case.truth.service} ({case.truth.fault})" if case.truth else ""
    out.print(
        f"{case.name}: {len(case.services)} services, {len(case.series)} series{truth}",
        markup=False,
    )
    rows = []
    for i, (label, c) in enumerate(zip(doc["ranks"], doc["candidates"]), start=1):
        if i > top:
            break
        rows.append(
            [i, label, c["fault"], _fmt(c["score"]), c["evidence"][0] if c["evidence"] else ""]
        )
    console.table(
        None, ["#", "root cause", "fault", "score", "first evidence"], rows, justify_numbers=False
    )
    first = doc["candidates"][0] if doc["candidates"] else None
    if first:
        chain = Tree(f"evidence for {first['service']}")
        for e in first["evidence"]:
            chain.add(e)
        out.print(chain)
    tree = doc.get("tree")
    if tree and tree.get("agents"):
        sup = tree["supervisor"]
        t = Tree(
            f"search: supervisor {sup['verdict']} (metrics → {sup['metrics_top']}, "
            f"logs → {sup['logs_top']})"
        )
        for agent in tree["agents"]:
            a = t.add(
                f"{agent['agent']} agent: {agent['iterations']} iterations, "
                f"{agent['visits']} visits"
            )
            for child in agent["children"][:top]:
                h = child["hypothesis"]
                node = a.add(
                    f"{h['service']} ({h['fault']}) value {child['value']:.3f} "
                    f"visits {child['visits']} queries {','.join(child['queries'])}"
                )
                if child.get("reflection"):
                    node.add(f"reflection: {child['reflection']}")
        out.print(t)
    u = doc.get("usage") or {}
    console.info(
        f"{doc['seconds']:.3f} s"
        + (
            f", {u.get('evidence_queries', 0)} evidence queries, {u.get('model_calls', 0)} model "
            "calls"
            if u
            else ""
        )
    )


def rca_bench(doc: dict) -> None:
    methods = doc["methods"]
    rows = [
        [
            m,
            _fmt(v["AC@1"]),
            _fmt(v["AC@3"]),
            _fmt(v["Avg@5"]),
            f"{v['seconds_per_case']:.4f}",
            _fmt(v["service_indicator"]["Avg@5"]),
        ]
        for m, v in methods.items()
    ]
    console.table(
        f"{doc['cases']} cases",
        ["method", "AC@1", "AC@3", "Avg@5", "s/case", "Avg@5 (svc+ind)"],
        rows,
    )
    faults = sorted({f for v in methods.values() for f in v["by_fault"]})
    if len(faults) > 1:
        rows = []
        for f in faults:
            row = [f]
            for v in methods.values():
                b = v["by_fault"].get(f)
                row.append(f"{_fmt(b['AC@1'])}/{_fmt(b['Avg@5'])} (n={b['cases']})" if b else "-")
            rows.append(row)
        console.table("by fault: AC@1/Avg@5", ["fault", *methods], rows)
