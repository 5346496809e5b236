import json

import pytest

from coord.backends.fake import FakeServer


@pytest.fixture
def fake(monkeypatch):
    """A fake provider server; the environment points both SDKs at it, with no keys."""
    with FakeServer() as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_url)
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_url)
        for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
            monkeypatch.delenv(var, raising=False)
        yield server


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def coord(capsys, monkeypatch):
    """Run the CLI in-process: coord("run", ...) -> Result(code, stdout, stderr)."""
    from coord.commands import _state
    from coord.commands.main import run as cli_main

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
