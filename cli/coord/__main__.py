"""`python -m coord` runs the command-line interface."""

from coord.commands.main import run

run()
