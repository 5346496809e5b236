"""Text renderings of `coord score` and forecast `coord run` reports.

Plain fixed-width tables written straight to stdout: they never wrap or truncate, whatever
the terminal's width (the score table is wider than 80 columns).
"""

from __future__ import annotations

import sys


def _num(x: float | None, digits: int = 4, sign: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def _pareto(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "-"}[value]


def fixed_table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([cells[0].ljust(widths[0]), *rest]).rstrip()

    text = [line(head), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
    sys.stdout.write("\n".join(text) + "\n")


def score_table(report) -> None:
    """`coord score`: one row per group."""
    head = [
        "group",
        "n",
        "failed",
        "brier",
        "unc",
        "rel",
        "res",
        "resid",
        "alpha",
        "se",
        "logloss",
        "tokens/item",
        "cost/item",
        "pareto",
    ]
    rows = [
        [
            s.name,
            str(s.n),
            str(s.failed),
            _num(s.brier),
            _num(s.unc),
            _num(s.rel),
            _num(s.res),
            _num(s.residual, sign=True),
            _num(s.alpha, sign=True),
            _num(s.alpha_sem),
            _num(s.log_loss),
            _num(s.tokens_per_item, 0),
            _num(s.cost_per_item),
            _pareto(s.pareto),
        ]
        for s in report.scores
    ]
    fixed_table(head, rows)


def forecast_run_summary(report: dict) -> None:
    """Forecast `coord run`: scores per configuration plus what the topology did."""
    from coord import console

    head = [
        "configuration",
        "n",
        "brier",
        "rel",
        "res",
        "alpha",
        "se",
        "tokens/item",
        "cost/item",
        "pareto",
        "spread0",
        "spread",
        "calls",
    ]
    rows = [
        [
            g["name"],
            str(g["n"]),
            _num(g["brier"]),
            _num(g["rel"]),
            _num(g["res"]),
            _num(g["alpha"], sign=True),
            _num(g["alpha_sem"]),
            _num(g["tokens_per_item"], 0),
            _num(g["cost_per_item"]),
            _pareto(g["pareto"]),
            _num(g["spread_initial"], 3),
            _num(g["spread_final"], 3),
            f"{g['calls_per_item']:.1f}",
        ]
        for g in report["groups"]
    ]
    fixed_table(head, rows)
    usage = report.get("usage")
    who = (
        "Tokens and cost are the models' own (`model_call` events)."
        if usage
        else "The forecasters are offline simulations (`coord policies`)."
    )
    console.info(
        "spread0/spread: standard deviation of the agents' estimates before / after "
        "coordination (mean over questions); calls: agent turns per question. " + who
    )
    if usage:
        t = usage["total"]
        console.info(
            f"model usage: {t['calls']} calls, {t['total_tokens']} tokens, "
            f"${t['cost_usd']:.6f}"
            + (f" ({t['unpriced_calls']} calls unpriced)" if t["unpriced_calls"] else "")
        )
    failed = sum(g.get("failed", 0) for g in report["groups"])
    if failed:
        console.info(
            f"{failed} failed forecast(s) (no valid answer after the re-asks): counted in "
            "`failed`, not scored"
        )
    front = [g["name"] for g in report["groups"] if g["pareto"]]
    if front:
        console.info("cost–quality frontier: " + ", ".join(front))
    folders = sorted({r["transcript"].rsplit("/", 2)[0] for r in report["runs"]})
    if folders:
        console.info(f"transcripts: {', '.join(folders)} (score them with `coord score`)")
