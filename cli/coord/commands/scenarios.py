"""`coord scenarios list | generate`."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Bundled scenarios and the instance generator.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list")
def list_(fmt: str = typer.Option("text", "--format", "-f", help="text or json")) -> None:
    """List the bundled scenarios (run one with `coord run NAME`)."""
    from coord import console
    from coord.resources import bundled_scenarios, data_dir
    from coord.scenario.load import load_scenario

    root = data_dir("scenarios")
    rows = []
    for path in bundled_scenarios():
        spec = load_scenario(path).spec
        rows.append(
            {
                "name": path.relative_to(root).with_suffix("").as_posix(),
                "path": str(path),
                "description": spec.description.strip().split("\n")[0],
                "conditions": list(spec.conditions),
            }
        )
    if fmt == "json":
        console.print_json({"schema_version": 1, "scenarios": rows})
        return
    console.table(
        None,
        ["name", "conditions", "description"],
        [[r["name"], len(r["conditions"]), r["description"]] for r in rows],
        justify_numbers=False,
    )


@app.command("generate")
def generate(
    mc: float = typer.Option(..., "--mc", min=0.05, max=1.0, help="Target M/C ratio."),
    count: int = typer.Option(4, "--count", "-n", min=1, max=1000),
    seed: int = typer.Option(0, "--seed"),
    tolerance: float = typer.Option(0.05, "--tolerance", min=0.0, max=0.5),
    agents: str = typer.Option("alice,bob", "--agents", help="The two agent names."),
) -> None:
    """Generate negotiation instances at a target M/C ratio (the paper's economy) and
    print them as a YAML `instances:` block for a scenario file."""
    from coord.errors import UsageError
    from coord.scenario.generate import instances_yaml

    names = tuple(a.strip() for a in agents.split(","))
    if len(names) != 2 or not all(names) or names[0] == names[1]:
        raise UsageError("--agents takes two different names, e.g. alice,bob")
    typer.echo(instances_yaml(mc, count, seed=seed, tolerance=tolerance, agents=names), nl=False)
