"""`coord rca CASE | bench DIR | synth OUT`: root cause analysis over logs and metrics.

`coord rca CASE` is the default subcommand (`coord rca analyze CASE` is the same), so a
case folder named like a subcommand needs a path prefix (`./bench`).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from typer.core import TyperGroup


class _DefaultGroup(TyperGroup):
    """Routes `coord rca X ...` to `analyze` unless X is a subcommand or an option."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["analyze", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultGroup,
    help="Root cause analysis over metrics, logs and a call graph: rank the faulty service "
    "and fault type (`coord rca CASE`), benchmark methods on real incidents "
    "(`coord rca bench DIR`), generate synthetic incidents (`coord rca synth OUT`).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class Fmt(str, Enum):
    text = "text"
    json = "json"


class Method(str, Enum):
    lats = "lats"
    baro = "baro"
    nsigma = "nsigma"
    random = "random"


@app.command("analyze")
def analyze(
    case: Path = typer.Argument(
        None,
        metavar="CASE",
        help="A case folder (RCAEval, normal/anomalous pair, or Nezha with --case).",
    ),
    method: Method = typer.Option(Method.lats, "--method", "-m", help="Ranking method."),
    pick: str = typer.Option(
        None,
        "--case",
        metavar="N",
        help="Which case of a Nezha folder (1-based, or its inject time).",
    ),
    metrics: Path = typer.Option(
        None,
        "--metrics",
        metavar="CSV",
        help="Metrics CSV: wide (time, <service>_<metric>...) or "
        "long (timestamp, service, metric, value).",
    ),
    logs: list[Path] = typer.Option(
        None,
        "--logs",
        metavar="FILE",
        help="Log file (CSV, JSON Lines or plain `TIME SERVICE MESSAGE` lines); repeatable.",
    ),
    topology: Path = typer.Option(
        None,
        "--topology",
        metavar="FILE",
        help="Call graph: CSV edge list (caller,callee) or YAML.",
    ),
    inject_time: str = typer.Option(
        None,
        "--inject-time",
        metavar="TIME",
        help="Fault start (epoch or ISO 8601); default: the case's, else change-point detection.",
    ),
    backend: str = typer.Option(
        None,
        "--backend",
        metavar="KIND/MODEL",
        help="lats: a model (anthropic/<model>, openai/<model>) proposes expansions and "
        "writes reflections; default: the built-in, offline policy.",
    ),
    llm_calls: int = typer.Option(
        16, "--llm-calls", min=1, max=10000, help="lats --backend: at most this many calls."
    ),
    llm_tokens: int = typer.Option(
        50000, "--llm-tokens", min=1, help="lats --backend: at most this many tokens."
    ),
    budget: int = typer.Option(
        64, "--budget", min=1, max=10000, help="lats: search iterations per agent."
    ),
    top: int = typer.Option(5, "--top", min=1, help="Candidates shown in text output."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random method."),
    fmt: Fmt = typer.Option(Fmt.text, "--format", "-f"),
) -> None:
    """Rank root causes of one incident: services with fault type, score and evidence
    chain, and (lats) the search tree."""
    import time

    from coord import console
    from coord.errors import UsageError
    from coord.rca.load import iter_cases, load_generic
    from coord.rca.methods import METHODS
    from coord.rca.report import case_report

    if backend and method is not Method.lats:
        raise UsageError("--backend advises the lats search", hint="use it with --method lats")
    loose = metrics is not None or bool(logs)
    if case is not None and loose:
        raise UsageError("give either CASE or --metrics/--logs, not both")
    started = time.perf_counter()
    if case is None:
        if not loose:
            raise UsageError("nothing to analyse", hint="give a CASE folder or --metrics/--logs")
        c = load_generic(metrics, list(logs or []), topology, inject_time)
    else:
        if not case.exists():
            raise UsageError(f"no such case folder: {case}")
        from coord.rca.load import layout_of

        if layout_of(case) == "nezha" and pick is None:
            from coord.rca.nezha import case_count

            raise UsageError(
                f"{case} holds {case_count(case)} cases",
                hint="pick one with --case N, or run `coord rca bench` on it",
            )
        c = next(iter(iter_cases(case, pick)))
        if inject_time is not None:
            raise UsageError(
                "--inject-time applies to --metrics/--logs input",
                hint="a case folder carries its own inject time",
            )
        if topology is not None:
            from coord.rca.graph import read_topology

            c.edges = read_topology(topology)
    fn = METHODS[method.value]
    if method is Method.lats:
        opts = {"backend": backend, "llm_calls": llm_calls, "llm_tokens": llm_tokens}
        ranking = fn(c, seed=seed, budget=budget, **opts)
    else:
        ranking = fn(c, seed=seed)
    doc = case_report(ranking, time.perf_counter() - started)
    for w in c.warnings:  # after the run: log readers add theirs while streaming
        console.info(f"warning: {w}")
    if fmt is Fmt.json:
        console.print_json(doc)
        return
    from coord.commands.rca_render import rca_report

    rca_report(c, doc, top)


@app.command("bench")
def bench(
    root: Path = typer.Argument(..., metavar="DIR", help="Folder of cases (searched below)."),
    methods: str = typer.Option(
        "lats,baro,nsigma,random", "--methods", metavar="M1,M2", help="Methods to compare."
    ),
    seed: int = typer.Option(0, "--seed"),
    fmt: Fmt = typer.Option(Fmt.text, "--format", "-f"),
) -> None:
    """Benchmark methods on every case under DIR: AC@1, AC@3, Avg@5 and seconds per
    case, side by side and per fault type."""
    from coord import console
    from coord.rca.bench import parse_methods, run_bench

    names = parse_methods(methods)
    doc = run_bench(
        root,
        names,
        seed=seed,
        warn=lambda m: console.info(f"warning: {m}"),
        progress=console.progress("rca bench"),
    )
    if fmt is Fmt.json:
        console.print_json(doc)
        return
    from coord.commands.rca_render import rca_bench

    rca_bench(doc)


class System(str, Enum):
    sock_shop = "sock-shop"
    online_boutique = "online-boutique"
    train_ticket = "train-ticket"


@app.command("synth")
def synth(
    out: Path = typer.Argument(..., metavar="OUT", help="Folder to write the cases into."),
    system: System = typer.Option(
        System.online_boutique, "--system", help="Which real call graph to simulate."
    ),
    cases: int = typer.Option(24, "--cases", min=1, max=10000, help="How many incidents."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same bytes."),
    faults: str = typer.Option(
        "cpu,mem,disk,delay,loss,code",
        "--faults",
        metavar="F1,F2",
        help="Fault types, used in turn.",
    ),
) -> None:
    """Write synthetic incidents in the RCAEval layout (data.csv, inject_time.txt, logs.csv,
    dependency.csv under <service>_<fault>/<rep>/), deterministic per seed."""
    from coord import console
    from coord.errors import UsageError
    from coord.rca.synth import FAULTS
    from coord.rca.synth import synth as write

    names = [f.strip() for f in faults.split(",") if f.strip()]
    bad = [f for f in names if f not in FAULTS]
    if bad or not names:
        raise UsageError(
            f"unknown fault {bad[0]!r}" if bad else "--faults is empty",
            hint="faults: " + ",".join(FAULTS),
        )
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty", hint="give a new or empty folder")
    advance = console.progress("rca synth")(cases)
    folders = write(out, system.value, cases, seed, tuple(names), progress=advance)
    console.info(f"wrote {len(folders)} cases of {system.value} under {out}")
