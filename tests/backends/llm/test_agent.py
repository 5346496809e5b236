"""`coord.backends.llm.agent`: what happens before any call — the provider SDK missing."""

import sys
from pathlib import Path

import pytest

from coord.backends.llm.agent import load_provider
from coord.errors import UsageError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "llm-dyad.yaml"


def without_sdk(monkeypatch, provider):
    """As after a plain `pip install coord`: importing the SDK fails (None in sys.modules
    makes `import provider` raise ModuleNotFoundError, as a missing package does)."""
    monkeypatch.setitem(sys.modules, provider, None)
    monkeypatch.delitem(sys.modules, f"coord.backends.llm.{provider}", raising=False)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_missing_sdk_is_a_usage_error_naming_the_extra(
    coord, fake, tmp_path, monkeypatch, provider
):
    without_sdk(monkeypatch, provider)
    r = coord("run", EXAMPLE, "--out", tmp_path / "run")
    assert r.code == 2, r.err
    assert f"the {provider} SDK is not installed" in r.err
    assert "pip install 'coord[llm]'" in r.err
    assert "internal error" not in r.err and "Traceback" not in r.err
    assert not fake.calls()  # refused before any game started
    assert not list(tmp_path.rglob("*.jsonl"))


def test_missing_sdk_on_replay_is_the_same_usage_error(coord, fake, tmp_path, monkeypatch):
    assert coord("run", EXAMPLE, "--out", tmp_path / "first").code == 0
    without_sdk(monkeypatch, "openai")
    r = coord("run", "--replay", tmp_path / "first", "--out", tmp_path / "again")
    assert r.code == 2, r.err
    assert "pip install 'coord[llm]'" in r.err and "internal error" not in r.err


def test_a_missing_coord_module_is_not_blamed_on_the_extra(monkeypatch):
    # A broken coord install must not be reported as "install the extra".
    monkeypatch.setitem(sys.modules, "coord.backends.llm.openai", None)
    with pytest.raises(ModuleNotFoundError):
        load_provider("openai", "openai/gpt-4o-mini")


def test_load_provider(monkeypatch):
    assert load_provider("anthropic", "anthropic/x").NAME == "anthropic"
    without_sdk(monkeypatch, "openai")
    with pytest.raises(UsageError) as info:
        load_provider("openai", "openai/gpt-4o-mini")
    assert info.value.exit_code == 2
    assert "no module named 'openai'" in info.value.message
    assert "pip install openai" in info.value.hint
