"""The `coord` command: the typer app and the one place errors become exit codes.

Command modules import nothing heavy at module level: `coord --help` must stay as fast
as importing typer itself. Each command parses options, calls one core function and
renders its result (DESIGN §8.1).
"""

from __future__ import annotations

import sys

import typer

from coord import __version__
from coord.commands import _state

app = typer.Typer(
    name="coord",
    help="Declare, enforce, record, measure and debug coordination between LLM agents.\n\n"
    "Start with `coord demo` (offline, no key). Exit codes: 0 ok, 1 findings, 2 bad usage "
    "or input, 3 provider failure, 4 integrity failure, 130/143 interrupted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: typer's rich help pulls in rich.markdown and friends (~60 ms), and
    # start-up must stay within 1.5x of importing typer itself.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coord {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    _state.debug = debug


def _register() -> None:
    from coord.commands import (
        diff,
        fake_server,
        misc,
        protocols,
        rca,
        replay,
        run,
        scenarios,
        score,
        solve,
        validate,
        verify,
    )

    app.command("run")(run.run)
    app.command("demo")(run.demo)
    app.command("solve")(solve.solve)
    app.command("verify")(verify.verify)
    app.command("diff")(diff.diff)
    app.command("validate")(validate.validate)
    app.command("replay")(replay.replay)
    app.command("score")(score.score)
    app.add_typer(protocols.app, name="protocols")
    app.add_typer(scenarios.app, name="scenarios")
    app.add_typer(rca.app, name="rca")
    app.command("policies")(misc.policies)
    app.command("schema")(misc.schema)
    app.command("completions")(misc.completions)
    app.command("fake-server")(fake_server.fake_server)


_register()


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app, map errors to messages and exit codes.

    `argv` None means a real process (`coord ...`, `python -m coord`); tests pass a list.
    """
    try:
        _run(argv)
    finally:
        if argv is None:
            # The interpreter's last act is a full garbage collection over everything still
            # alive: after a model-backed run that is the provider SDKs' many objects, about
            # 0.3 s of exit time (measured). Frozen objects are skipped; the process frees
            # them as it ends. Not in tests, which run many commands in one process.
            import gc

            gc.freeze()


def _run(argv: list[str] | None) -> None:
    from coord.errors import EXIT_SIGINT, EXIT_USAGE, CoordError

    try:
        app(args=argv, prog_name="coord", standalone_mode=False)
    except CoordError as exc:
        if _state.debug:
            import traceback

            traceback.print_exc()
        from coord import console

        console.error(exc.render())
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        sys.exit(EXIT_SIGINT)
    except BrokenPipeError:  # `coord ... | head`: not an error of ours
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no raw traceback
        # typer's (vendored) click usage errors know how to show themselves.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(EXIT_USAGE)
        if _state.debug:
            raise
        from coord.redact import redact_text

        sys.stderr.write(
            redact_text(f"error: internal error: {type(exc).__name__}: {exc}\n")
            + "  hint: rerun with --debug for the traceback, and report it\n"
        )
        sys.exit(70)
    sys.exit(_state.exit_code)
