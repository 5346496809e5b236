"""Small commands: `coord policies`, `coord schema`, `coord completions`."""

from __future__ import annotations

from enum import Enum

import typer


class SchemaName(str, Enum):
    scenario = "scenario"
    forecast_scenario = "forecast-scenario"
    protocol = "protocol"


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def policies(fmt: str = typer.Option("text", "--format", "-f", help="text or json")) -> None:
    """List the built-in agents (`policy/<name>`: offline, deterministic given the seed)."""
    from coord import console
    from coord.backends.policy import POLICIES
    from coord.forecast.policies import FORECASTERS

    rows = [{"backend": f"policy/{n}", "summary": c.summary} for n, c in POLICIES.items()]
    rows += [
        {"backend": f"policy/{n}", "summary": c.summary + " [forecast scenarios]"}
        for n, c in FORECASTERS.items()
    ]
    if fmt == "json":
        console.print_json({"schema_version": 1, "policies": rows})
        return
    console.table(
        None,
        ["backend", "behaviour"],
        [[r["backend"], r["summary"]] for r in rows],
        justify_numbers=False,
    )


def schema(name: SchemaName = typer.Argument(..., help="Which file format.")) -> None:
    """Print the JSON Schema of a file format (point your editor's YAML plugin at it)."""
    from coord import console
    from coord.protocol.model import Protocol
    from coord.scenario.forecast_spec import ForecastScenario
    from coord.scenario.spec import Scenario
    from coord.spec.validate import schema_of

    models = {"scenario": Scenario, "forecast-scenario": ForecastScenario, "protocol": Protocol}
    console.print_json(schema_of(models[name.value]))


def completions(shell: Shell = typer.Argument(..., help="bash, zsh or fish")) -> None:
    """Print the shell completion script (also shipped in `completions/`).

    bash: `coord completions bash > ~/.local/share/bash-completion/completions/coord`
    """
    from coord.commands.completion import script

    typer.echo(script(shell.value), nl=False)
