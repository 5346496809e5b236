"""`coord score`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer


class ScoreFormat(str, Enum):
    text = "text"
    json = "json"


class Binning(str, Enum):
    linspace = "linspace"
    exact = "exact"


class Failed(str, Enum):
    score = "score"
    exclude = "exclude"


def score(
    files: list[Path] = typer.Argument(
        ...,
        metavar="FILE",
        help="Forecasts: coord transcripts of forecast runs, the published trace format "
        "(configName, probability, baseline, outcome, trace.calls[]), or JSON Lines with "
        "probability, outcome and optional baseline, config, category, id, tokens, "
        "cost_usd, failed.",
    ),
    group_by: str = typer.Option(
        "config",
        "--group-by",
        "-g",
        metavar="FIELDS",
        help="Group by config, category, file (comma-separated), or none.",
    ),
    bins: int = typer.Option(
        10, "--bins", metavar="N", help="Equal-width bins for Murphy's REL and RES."
    ),
    binning: Binning = typer.Option(
        Binning.linspace,
        "--binning",
        help="linspace: numpy.linspace edges + digitize, as the published leaderboard (a "
        "forecast of exactly 0.6 falls in the bin below); exact: exact decimal edges.",
    ),
    failed: Failed = typer.Option(
        Failed.score,
        "--failed",
        help="Failed forecasts with a recorded fallback: score them as recorded (the "
        "published convention) or exclude them. Either way they are counted.",
    ),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Count and exclude records with bad values (probability outside [0, 1], "
        "outcome not 0/1) instead of stopping at the first.",
    ),
    markets: Path = typer.Option(
        None,
        "--markets",
        metavar="FILE",
        help="Join categories from this markets file (the dataset's data/markets.jsonl, or a "
        "coord question file) onto forecasts without one. With --group-by category, published "
        "traces use the markets.jsonl beside their traces/ folder by default.",
    ),
    plot: Path = typer.Option(
        None,
        "--plot",
        metavar="DIR",
        help="Also write reliability.svg and frontier.svg into DIR.",
    ),
    fmt: ScoreFormat = typer.Option(ScoreFormat.text, "--format", "-f", help="Report format."),
) -> None:
    """Score forecasts per group: Brier, Murphy's decomposition (UNC, REL, RES and the
    residual of the binned identity), alpha against the baseline with its standard error,
    log loss, tokens and cost per item, and the cost–quality Pareto frontier.

    Unresolved questions and failed forecasts are counted, never silently dropped.
    """
    from coord import console
    from coord.forecast.report import ScoreOptions, parse_group_by, score_files

    opts = ScoreOptions(
        group_by=parse_group_by(group_by),
        bins=bins,
        binning=binning.value,
        failed=failed.value,
        skip_invalid=skip_invalid,
        markets=str(markets) if markets is not None else None,
    )
    if plot is not None:
        from coord.forecast.plots import prepare_dir

        prepare_dir(plot)
    report = score_files(list(files), opts)
    if fmt is ScoreFormat.json:
        console.print_json(report.to_json())
    else:
        from coord.commands.render_forecast import score_table

        score_table(report)
    _notes(report)
    if plot is not None:
        from coord.forecast.plots import write_plots

        for path in write_plots(report.scores, plot):
            console.info(f"wrote {path}")


def _notes(report) -> None:
    """Exclusions, failures and caveats, on stderr (stdout stays machine-readable)."""
    from coord import console

    opts = report.opts
    for s in report.scores:
        parts = [f"{n} {why.replace('_', ' ')}" for why, n in s.excluded.items() if why != "failed"]
        if s.failed:
            how = "excluded" if opts.failed == "exclude" else "scored as recorded"
            parts.append(f"{s.failed} failed forecast{'s' if s.failed > 1 else ''} ({how})")
        if parts or s.notes:
            console.info(f"{s.name}: " + "; ".join(parts + s.notes))
    if report.invalid:
        first = report.invalid[0]
        console.info(
            f"skipped {len(report.invalid)} invalid record(s); first: "
            f"{first.location()}: {first.message}"
        )
    join = report.join
    if join is not None and (join.joined or join.unmatched):
        where = ", ".join(join.sources) or "no markets file"
        text = f"categories: {join.joined} joined from {where}"
        if join.unmatched:
            text += (
                f"; {join.unmatched} item(s) have none (grouped as `(none)`; "
                "--markets FILE names the markets file)"
            )
        console.info(text)
    for where in report.unsealed:
        console.info(f"{where}: not sealed (the run stopped early); scored as far as it goes")
    for where in report.torn:
        console.info(f"{where}: torn last line (the writer was cut off) skipped")
    front = [s.name for s in report.scores if s.pareto]
    if front:
        console.info("cost–quality frontier: " + ", ".join(front))
    console.info(
        f"bins: {opts.bins} equal-width ({opts.binning}); residual = brier − (rel − res + unc)"
    )
