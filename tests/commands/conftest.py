import json

import pytest

from coord.commands import _state
from coord.commands.main import run as cli_main


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def coord(capsys, monkeypatch):
    """Run the CLI in-process: coord("run", ...) -> Result(code, stdout, stderr)."""

    def call(*argv):
        _state.exit_code = 0
        _state.debug = False
        monkeypatch.setenv("NO_COLOR", "1")
        try:
            cli_main([str(a) for a in argv])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call


@pytest.fixture
def scenario(tmp_path):
    """Write a scenario variant: scenario(text) -> path."""

    def write(text, name="s.yaml"):
        p = tmp_path / name
        p.write_text(text)
        return p

    return write
