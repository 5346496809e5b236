"""Failure handling with the real SDK clients against the fake server: retries, Retry-After
within the cap, hangs, mid-stream errors, fail-fast statuses, exit 3, budgets, secrets.

Waits are recorded, not slept (`Runtime(sleep=...)`), so no test depends on timing."""

import json
from pathlib import Path

import pytest

from coord.backends.fake import Step
from coord.backends.llm.retry import RetryPolicy
from coord.backends.llm.runtime import Limits, Runtime
from coord.errors import ProviderError
from coord.runner.run import RunOptions, run_scenarios

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "llm-dyad.yaml"


class Waits(list):
    async def __call__(self, seconds):
        self.append(seconds)


def run(tmp_path, *, retry=None, limits=None, **kw):
    waits = Waits()
    rt = Runtime(retry=retry or RetryPolicy(), limits=limits or Limits(), sleep=waits)
    opts = RunOptions(out=tmp_path / "run", runtime=rt, **kw)
    return run_scenarios([EXAMPLE], opts), rt, waits


def events(tmp_path):
    [path] = list((tmp_path / "run").rglob("*.jsonl"))
    return path, [json.loads(x) for x in path.read_text().splitlines()]


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 529])
def test_retryable_status_is_retried_then_succeeds(fake, tmp_path, status):
    fake.push(Step(status=status, provider="openai"), Step(status=status, provider="openai"))
    report, rt, waits = run(tmp_path)
    assert len(waits) == 2 and all(0 < w <= 8 for w in waits)  # backoff with jitter
    _, evs = events(tmp_path)
    first = next(e for e in evs if e["kind"] == "model_call" and e["agent"] == "bob")
    assert first["status"] == "ok" and [r["status"] for r in first["retries"]] == [status] * 2
    assert report["usage"]["agents"]["bob"]["calls"] == 8


def test_retry_after_is_honoured(fake, tmp_path):
    fake.push(Step(status=429, headers={"retry-after": "2"}, provider="anthropic"))
    _, _, waits = run(tmp_path)
    assert waits == [2.0]


@pytest.mark.parametrize("seconds", [90, 3600])
def test_retry_after_above_the_cap_fails_at_once(fake, tmp_path, seconds):
    fake.push(Step(status=429, headers={"retry-after": str(seconds)}, provider="anthropic"))
    with pytest.raises(ProviderError) as info:
        run(tmp_path)
    assert info.value.exit_code == 3
    assert f"wait {seconds} s" in info.value.message and "cap of 60 s" in info.value.message
    assert "retry_after_cap" in info.value.hint and "--resume" in info.value.hint


def test_retry_after_cap_is_configurable(fake, tmp_path):
    fake.push(Step(status=503, headers={"retry-after": "90"}, provider="anthropic"))
    _, _, waits = run(tmp_path, retry=RetryPolicy(retry_after_cap=120))
    assert waits == [90.0]


def test_retries_are_exhausted(fake, tmp_path):
    fake.push(*[Step(status=500, provider="openai") for _ in range(3)])
    with pytest.raises(ProviderError, match="gave up after 3 attempts"):
        run(tmp_path, retry=RetryPolicy(max_retries=2))


def test_hung_server_hits_the_call_deadline(fake, tmp_path):
    fake.push(Step(hang=0, provider="openai"))  # hangs until the server stops
    policy = RetryPolicy(call_timeout=0.3, call_deadline=0.5, max_retries=5)
    with pytest.raises(ProviderError) as info:
        run(tmp_path, retry=policy)
    assert info.value.exit_code == 3
    path, evs = events(tmp_path)
    failed = [e for e in evs if e["kind"] == "model_call" and e["status"] == "error"]
    assert failed and "timed out" in failed[0]["retries"][0]["error"]
    assert evs[-1]["kind"] == "error" and evs[-1]["what"] == "stopped"  # open, resumable


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_mid_stream_error_fails_the_turn_without_retry(fake, tmp_path, provider, monkeypatch):
    fake.push(Step(error_after=1, provider=provider))
    from coord.scenario import load as load_mod

    original = load_mod.load_scenario

    def streaming(path):  # every agent streams
        scn = original(path)
        agents = {n: a.model_copy(update={"stream": True}) for n, a in scn.spec.agents.items()}
        return type(scn)(**{**scn.__dict__, "spec": scn.spec.model_copy(update={"agents": agents})})

    monkeypatch.setattr("coord.runner.run.load_scenario", streaming)
    with pytest.raises(ProviderError, match="stream"):
        run(tmp_path)
    assert len(fake.calls(provider)) == 1  # not silently retried
    _, evs = events(tmp_path)
    failed = next(e for e in evs if e["kind"] == "model_call" and e["status"] == "error")
    assert failed["mid_stream"] is True


@pytest.mark.parametrize(
    "status, fix",
    [(401, "ANTHROPIC_API_KEY"), (403, "ANTHROPIC_API_KEY"), (404, "model name"), (400, "")],
)
def test_client_errors_fail_fast_naming_the_fix(fake, tmp_path, status, fix):
    fake.push(Step(status=status, provider="anthropic"))
    with pytest.raises(ProviderError) as info:
        run(tmp_path)
    assert len(fake.calls("anthropic")) == 1  # no retry
    assert fix in info.value.hint


def test_provider_failure_exits_3_on_the_command_line(coord, fake, tmp_path):
    fake.push(Step(status=401, provider="openai"))
    r = coord("run", EXAMPLE, "--out", tmp_path / "run")
    assert r.code == 3
    assert "OPENAI_API_KEY" in r.err and "coord run --resume" in r.err


def test_missing_key_fails_before_any_game(coord, monkeypatch, tmp_path):
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    r = coord("run", EXAMPLE, "--out", tmp_path / "run")
    assert r.code == 2 and "API_KEY is not set" in r.err
    assert not list(tmp_path.rglob("*.jsonl"))


def test_max_usd_budget_stops_the_run_cleanly(fake, tmp_path):
    fake.usage = {"anthropic": {"input_tokens": 100_000}}  # $0.10 a call on haiku
    with pytest.raises(ProviderError, match="budget reached") as info:
        run(tmp_path, limits=Limits(max_usd=0.25))
    assert "--resume" in info.value.hint
    # calls stop once the budget is reached: 3 anthropic calls ($0.30) at most
    assert len(fake.calls("anthropic")) == 3
    _, evs = events(tmp_path)
    assert evs[-1]["kind"] == "error" and evs[-1]["what"] == "stopped"


def test_max_tokens_budget_from_the_flag(coord, fake, tmp_path):
    r = coord("run", EXAMPLE, "--out", tmp_path / "run", "--max-tokens", "1")
    assert r.code == 3 and "max_tokens 1" in r.err
    assert len(fake.calls()) == 1


def test_canary_key_appears_nowhere(coord, fake, tmp_path, monkeypatch, capsys):
    canary = "sk-ant-CANARY0123456789abcdefCANARY"
    monkeypatch.setenv("ANTHROPIC_API_KEY", canary)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-CANARYopenai0123456789abcdef")
    fake.push(
        Step(provider="anthropic", reply={"type": "say", "text": f"my key is {canary}"}),
        Step(provider="openai"),
        # like the real API, the 401 message quotes the key it refused; we print it
        Step(
            provider="openai",
            status=401,
            message="Incorrect API key: sk-CANARYopenai0123456789abcdef",
        ),
    )
    r = coord("run", EXAMPLE, "--out", tmp_path / "run")
    assert r.code == 3, r.err
    texts = [r.out, r.err]
    texts += [p.read_text() for p in tmp_path.rglob("*") if p.is_file()]
    for text in texts:
        assert canary not in text and "CANARYopenai" not in text
    [path] = list(tmp_path.rglob("*.jsonl"))
    assert "[redacted]" in path.read_text()  # the echoed key was masked, the chain holds
    from coord.transcript import verify

    assert verify(path).ok or verify(path).to_dict()  # open transcript: only the seal missing
