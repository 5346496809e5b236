"""Resume (kill -9, provider failure, completed run) and offline replay of LLM runs."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from coord.analysis.diff import diff_transcripts
from coord.backends.fake import Step
from coord.transcript import verify

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "llm-dyad.yaml"
CALLS = 16  # model calls of a clean run of EXAMPLE


def transcript(folder):
    [path] = [p for p in Path(folder).rglob("*.jsonl")]
    return path


def model_calls(path):
    return [json.loads(x) for x in Path(path).read_text().splitlines() if '"model_call"' in x]


def test_replay_makes_no_call_and_reproduces_the_transcript(coord, fake, tmp_path):
    first = tmp_path / "first"
    assert coord("run", EXAMPLE, "--out", first).code == 0
    fake.stop()  # nothing is listening any more
    n = len(fake.calls())
    r = coord("run", "--replay", first, "--out", tmp_path / "again", "--format", "json")
    assert r.code == 0, r.err
    assert len(fake.calls()) == n
    assert r.json()["model_calls"] == {"network": 0, "served_from_recordings": CALLS}
    d = diff_transcripts(transcript(first), transcript(tmp_path / "again"))
    assert d.equivalent, d.to_dict()
    assert r.json()["usage"] == json.loads((first / "summary.json").read_text())["usage"]


def test_replay_miss_names_the_first_differing_field(coord, fake, tmp_path):
    scenario = tmp_path / "s.yaml"
    shutil.copy(EXAMPLE, scenario)
    assert coord("run", scenario, "--out", tmp_path / "first").code == 0
    scenario.write_text(scenario.read_text().replace("temperature: 0,", "temperature: 0.5,", 1))
    r = coord("run", "--replay", tmp_path / "first", "--out", tmp_path / "again")
    assert r.code == 2
    assert "never recorded" in r.err and "request.temperature" in r.err
    assert "recorded 0.0, now 0.5" in r.err


def test_replay_backend_plays_one_agent_back(coord, fake, tmp_path):
    assert coord("run", EXAMPLE, "--out", tmp_path / "first").code == 0
    before = len(fake.calls("anthropic"))
    r = coord(
        "run",
        EXAMPLE,
        "--out",
        tmp_path / "b",
        "--agent",
        f"alice=replay/{transcript(tmp_path / 'first')}",
    )
    assert r.code == 0, r.err
    assert len(fake.calls("anthropic")) == before  # alice came from the recording


def test_resume_after_provider_failure_repeats_only_the_failed_call(coord, fake, tmp_path):
    out = tmp_path / "run"
    fake.push(Step(provider="openai"), Step(provider="openai"), Step(provider="openai", status=401))
    r = coord("run", EXAMPLE, "--out", out)
    assert r.code == 3
    failed_at = len(fake.calls())
    r = coord("run", "--resume", out, "--format", "json")
    assert r.code == 0, r.err
    # the 401 call is repeated, nothing answered before it is
    assert len(fake.calls()) - failed_at == CALLS - (failed_at - 1)
    path = transcript(out)
    assert verify(path).ok
    ok = [c for c in model_calls(path) if c["status"] == "ok"]
    assert len(ok) == CALLS
    assert r.json()["usage"]["total"]["calls"] == CALLS


def test_resume_of_a_completed_run_is_a_no_op(coord, fake, tmp_path):
    out = tmp_path / "run"
    assert coord("run", EXAMPLE, "--out", out).code == 0
    n, summary = len(fake.calls()), (out / "summary.json").read_bytes()
    stamp = transcript(out).stat().st_mtime_ns
    r = coord("run", "--resume", out, "--format", "json")
    assert r.code == 0, r.err
    assert len(fake.calls()) == n and r.json()["model_calls"]["network"] == 0
    assert (out / "summary.json").read_bytes() == summary
    assert transcript(out).stat().st_mtime_ns == stamp


def test_kill_9_mid_run_then_resume(coord, fake, tmp_path):
    # Five calls are answered, the sixth hangs: the process is killed with exactly one call
    # in flight, so the test waits on the server, never on the clock.
    fake.push(*[Step() for _ in range(5)], Step(hang=0))
    # Both agents on openai/: the fresh process imports one SDK, not two (most of the
    # test's time is that process starting; it took 7 s when it waited on a clock).
    scenario = tmp_path / "s.yaml"
    scenario.write_text(EXAMPLE.read_text().replace("anthropic/claude-haiku-4-5", "openai/gpt-4o"))
    out = tmp_path / "run"
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "coord", "run", str(scenario), "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # a generous bound, not a measurement
        while len(fake.calls()) < 6 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(fake.calls()) == 6, "the run never reached its sixth call"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    path = transcript(out)
    assert not verify(path).sealed  # killed: never sealed
    assert len([c for c in model_calls(path) if c["status"] == "ok"]) == 5
    with open(path, "ab") as fh:  # and a torn last line, as a crash mid-write leaves
        fh.write(b'{"seq":999,"kind":"mess')
    before = len(fake.calls())
    r = coord("run", "--resume", out, "--format", "json")
    assert r.code == 0, r.err
    # the five answered calls come from the transcript; only the one in flight is repeated
    assert len(fake.calls()) - before == CALLS - 5
    assert fake.calls()[before].body == fake.calls()[5].body
    assert verify(path).ok
    assert len([c for c in model_calls(path) if c["status"] == "ok"]) == CALLS


def _aside_and_fresh(out):
    """(the moved-aside transcript, the new one) of a run with one game."""
    [aside] = [p for p in Path(out).rglob("*.jsonl.*")]
    return aside, transcript(out)


def test_resume_of_a_run_sealed_cancelled(coord, fake, tmp_path, monkeypatch):
    # A real SIGINT arrives while the fifth call is in flight: that call completes, the
    # coordinator stops before asking for the next message and seals the game `cancelled`.
    answer = fake.answer

    def interrupting(provider, body, headers):
        if len(fake.requests) == 4:
            os.kill(os.getpid(), signal.SIGINT)
        return answer(provider, body, headers)

    monkeypatch.setattr(fake, "answer", interrupting)
    out = tmp_path / "run"
    r = coord("run", EXAMPLE, "--out", out)
    assert r.code == 130, r.err
    report = verify(transcript(out))
    assert report.ok and report.status == "cancelled"
    assert len([c for c in model_calls(transcript(out)) if c["status"] == "ok"]) == 5
    monkeypatch.setattr(fake, "answer", answer)

    r = coord("run", "--resume", out, "--format", "json")
    assert r.code == 0, r.err
    # as documented: the cancelled transcript is kept aside, untouched, and the game is
    # played afresh with its five recorded calls served from it
    aside, fresh = _aside_and_fresh(out)
    assert aside.name == "seed1-rep0.jsonl.cancelled-1"
    assert verify(aside).status == "cancelled"
    assert verify(fresh).ok and verify(fresh).status == "completed"
    assert r.json()["model_calls"] == {"network": CALLS - 5, "served_from_recordings": 5}
    assert len(fake.calls()) == 5 + CALLS - 5
    assert len([c for c in model_calls(fresh) if c["status"] == "ok"]) == CALLS


def test_resume_of_a_run_sealed_failed(coord, fake, tmp_path, monkeypatch):
    # An internal error after every call was made: the game is sealed `failed` (exit 70).
    from coord.runner import game as game_mod

    real = game_mod.game_metrics

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(game_mod, "game_metrics", broken)
    out = tmp_path / "run"
    assert coord("run", EXAMPLE, "--out", out).code == 70
    assert verify(transcript(out)).status == "failed"
    monkeypatch.setattr(game_mod, "game_metrics", real)

    r = coord("run", "--resume", out, "--format", "json")
    assert r.code == 0, r.err
    aside, fresh = _aside_and_fresh(out)
    assert aside.name == "seed1-rep0.jsonl.failed-1" and verify(aside).status == "failed"
    assert verify(fresh).status == "completed"
    # every call is reused: the resumed game makes none
    assert r.json()["model_calls"] == {"network": 0, "served_from_recordings": CALLS}
    assert len(fake.calls()) == CALLS
    # resuming again is a no-op: the completed transcript stays, the aside one too
    r = coord("run", "--resume", out, "--format", "json")
    assert r.code == 0 and r.json()["model_calls"]["network"] == 0
    assert _aside_and_fresh(out) == (aside, fresh)
