"""Shell completion scripts, generated from typer's templates for the `coord` program.

The scripts call back into `coord` (with `_COORD_COMPLETE` set) to complete, so they stay
right as commands change; `completions/` holds them pre-generated and a test keeps those
files identical to what this function prints.
"""

from __future__ import annotations


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    text = get_completion_script(prog_name="coord", complete_var="_COORD_COMPLETE", shell=shell)
    return text if text.endswith("\n") else text + "\n"
