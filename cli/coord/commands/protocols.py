"""`coord protocols list`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Bundled commitment protocols.", no_args_is_help=True, rich_markup_mode=None)


@app.command("list")
def list_(fmt: str = typer.Option("text", "--format", "-f", help="text or json")) -> None:
    """List the bundled protocols (check one with `coord validate NAME`)."""
    from coord import console
    from coord.protocol.load import bundled_protocols, load_protocol

    rows = []
    for path in bundled_protocols():
        spec = load_protocol(path).spec
        rows.append(
            {
                "name": spec.name,
                "path": str(path),
                "roles": spec.roles,
                "messages": list(spec.messages),
                "commitments": list(spec.commitments),
                "description": spec.description.strip().split("\n")[0],
            }
        )
    if fmt == "json":
        console.print_json({"schema_version": 1, "protocols": rows})
        return
    console.table(
        None,
        ["name", "roles", "messages", "description"],
        [[r["name"], ", ".join(r["roles"]), len(r["messages"]), r["description"]] for r in rows],
        justify_numbers=False,
    )
