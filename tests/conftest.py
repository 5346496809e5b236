import sys
from pathlib import Path

# tests/helpers.py is imported as `helpers` by the test modules.
sys.path.insert(0, str(Path(__file__).parent))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def scarce_runs(tmp_path_factory):
    """Every condition of the headline scenario, run once for all tests that read them."""
    import os
    import subprocess

    out = tmp_path_factory.mktemp("scarce-runs")
    subprocess.run(
        [sys.executable, "-m", "coord", "run", "negotiation/scarce-0.5", "--out", str(out)],
        check=True,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return out


class Result:
    """What an in-process `coord` call returned: exit code, stdout, stderr."""

    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        import json

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


@pytest.fixture
def fake(monkeypatch):
    """A fake provider server; the environment points both SDKs at it, with no keys."""
    from coord.backends.fake import FakeServer

    with FakeServer() as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_url)
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_url)
        for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
            monkeypatch.delenv(var, raising=False)
        yield server
