"""Resume (kill -9, provider failure, completed run) and offline replay of LLM runs."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


@pytest.mark.slow
def test_kill_9_mid_run_then_resume(coord, fake, tmp_path):
    fake.delay = 0.05
    out = tmp_path / "run"
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "coord", "run", str(EXAMPLE), "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            paths = list(out.rglob("*.jsonl"))
            if paths and len(model_calls(paths[0])) >= 5:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    path = transcript(out)
    recorded = len([c for c in model_calls(path) if c["status"] == "ok"])
    assert 5 <= recorded < CALLS
    with open(path, "ab") as fh:  # and a torn last line, as a crash mid-write leaves
        fh.write(b'{"seq":999,"kind":"mess')
    before = len(fake.calls())
    r = coord("run", "--resume", out, "--format", "json")
    assert r.code == 0, r.err
    repeated = (len(fake.calls()) - before) - (CALLS - recorded)
    assert repeated in (0, 1)  # at most the call in flight
    assert verify(path).ok
    assert len([c for c in model_calls(path) if c["status"] == "ok"]) == CALLS
