"""`coord run` and `coord demo`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from coord.commands import _state


class RunFormat(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"


HEADLINE = "negotiation/scarce-0.5"


def run(
    scenarios: list[str] = typer.Argument(
        None,
        metavar="SCENARIO",
        help="Scenario files, or bundled names (`coord scenarios list`).",
    ),
    out: Path = typer.Option(
        None,
        "--out",
        "-o",
        metavar="DIR",
        help="Transcript folder [default: runs/<scenario>/<timestamp>/].",
    ),
    fmt: RunFormat = typer.Option(RunFormat.text, "--format", "-f", help="Report format."),
    agent: list[str] = typer.Option(
        None,
        "--agent",
        metavar="NAME=BACKEND",
        help="NAME=BACKEND: override an agent's backend (repeatable), e.g. bob=policy/grounded "
        "or alice=openai/gpt-4o-mini.",
    ),
    seed: list[int] = typer.Option(
        None, "--seed", metavar="SEED", help="Seeds to run instead of the file's (repeatable)."
    ),
    repeat: int = typer.Option(None, "--repeat", min=1, metavar="N", help="Repeats per seed."),
    condition: list[str] = typer.Option(
        None, "--condition", "-c", metavar="NAME", help="Run only these conditions (repeatable)."
    ),
    jobs: int = typer.Option(
        1,
        "--jobs",
        "-j",
        min=1,
        metavar="N",
        help="Games played at once (forecast scenarios: questions at once).",
    ),
    max_usd: float = typer.Option(
        None, "--max-usd", min=0, metavar="USD", help="Stop the run at this model cost."
    ),
    max_tokens: int = typer.Option(
        None, "--max-tokens", min=1, metavar="N", help="Stop the run at this many tokens."
    ),
    prices: Path = typer.Option(
        None, "--prices", metavar="FILE", help="Model prices (USD per million tokens) to use."
    ),
    resume: Path = typer.Option(
        None,
        "--resume",
        metavar="DIR",
        help="Continue an interrupted run folder; recorded calls are not repeated.",
    ),
    replay: Path = typer.Option(
        None,
        "--replay",
        metavar="DIR",
        help="Run a run folder again from its recorded model calls, with no network.",
    ),
) -> None:
    """Run every condition × seed × repeat of the scenarios; one transcript per game.

    Prints a summary per condition, the gap decomposition and model usage and cost; exits 1
    when an `expect:` assertion fails, 3 when a provider fails or a budget is reached (the
    run is resumable with --resume).
    """
    from coord import console
    from coord.resources import find_scenario
    from coord.runner.report import failed, to_junit
    from coord.runner.run import RunOptions, run_scenarios

    if not scenarios and resume is None and replay is None:
        from coord.errors import UsageError

        raise UsageError(
            "no scenario given", hint="e.g. `coord run negotiation/scarce-0.5`, or --resume DIR"
        )
    opts = RunOptions(
        out=out,
        agents=list(agent or []),
        seeds=list(seed or []) or None,
        repeat=repeat,
        conditions=list(condition or []) or None,
        progress=console.progress("games"),
        jobs=jobs,
        max_usd=max_usd,
        max_tokens=max_tokens,
        prices=str(prices) if prices else None,
        resume=resume,
        replay=replay,
        report_format=fmt.value,
    )
    report = run_scenarios([find_scenario(s) for s in scenarios or []], opts)
    forecast = report.get("kind") == "forecast"
    if fmt is RunFormat.json:
        console.print_json(report)
    elif fmt is RunFormat.junit:  # (forecast runs refused it before running)
        import sys

        sys.stdout.write(to_junit(report))
    elif forecast:
        from coord.commands.render_forecast import forecast_run_summary

        forecast_run_summary(report)
    else:
        from coord.commands.render import run_summary

        run_summary(report)
    if not forecast and failed(report):
        _state.exit_code = 1


def demo(
    out: Path = typer.Option(
        None,
        "--out",
        "-o",
        metavar="DIR",
        help="Transcript folder [default: runs/<scenario>/<timestamp>/].",
    ),
) -> None:
    """The headline demo, offline: paired agents miss the optimum they find alone, and a
    coordination-layer remedy (`grounded`: share, propose by ledger id, commit) closes the gap."""
    from coord import console
    from coord.commands.render import demo_intro

    demo_intro()
    console.info("")
    run(
        scenarios=[HEADLINE],
        out=out,
        fmt=RunFormat.text,
        agent=None,
        seed=None,
        repeat=None,
        condition=None,
        jobs=1,
        max_usd=None,
        max_tokens=None,
        prices=None,
        resume=None,
        replay=None,
    )
