import json
import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import MINIMAL, SCARCE

from coord.resources import bundled_scenarios
from coord.transcript import Transcript, verify


def test_run_bundled_scenario_shows_the_gap(coord, tmp_path):
    r = coord("run", SCARCE, "--out", tmp_path, "--format", "json")
    assert r.code == 0, r.err
    report = r.json()
    assert report["schema_version"] == 1
    c = report["conditions"]
    assert c["oracle"]["joint_efficiency"] >= 0.999
    assert c["grounded"]["joint_efficiency"] >= 0.999 and c["grounded"]["optimal_rate"] == 1
    for failing in ("anchored", "fair", "forgetful", "mislabel", "dyad", "no-talk"):
        assert c[failing]["joint_efficiency"] < c["grounded"]["joint_efficiency"], failing
    gaps = {g["gap"]: g for g in report["gaps"]}
    assert gaps["oracle → dyad"]["delta"] < 0
    assert gaps["no-talk → talk"]["delta"] > 0
    assert {"talk → full transparency", "stable → shifting"} <= set(gaps)
    # one sealed, verifiable transcript per game, and an atomic summary
    run0 = report["runs"][0]
    assert set(run0) == {
        "scenario",
        "condition",
        "seed",
        "repeat",
        "transcript",
        "metrics",
        "expectations",
        "usage",  # per agent: model calls, tokens and cost ({} for built-in policies)
    }
    for run in report["runs"]:
        rep = verify(run["transcript"])
        assert rep.ok and rep.status == "completed", rep.problem
    assert json.loads((tmp_path / "summary.json").read_text())["conditions"] == c
    header = Transcript.open(run0["transcript"]).header
    assert header["scenario"] == "scarce-0.5" and len(header["scenario_hash"]) == 64


def test_text_report_and_exit_code(coord, tmp_path):
    r = coord("run", SCARCE, "--out", tmp_path, "-c", "dyad", "-c", "no-talk")
    assert r.code == 0
    assert "Gap decomposition" in r.out and "no-talk → talk" in r.out


def test_failed_expectation_exits_1_with_junit(coord, scenario, tmp_path):
    path = scenario(
        MINIMAL.replace("bob: {backend: policy/grounded}", "bob: {backend: policy/solo}")
        + 'expect: ["joint_efficiency >= 0.999"]\n'
    )
    r = coord(
        "run", path, "--out", tmp_path / "o", "--format", "junit", "--agent", "alice=policy/solo"
    )
    assert r.code == 1
    assert "<failure" in r.out and 'tests="1"' in r.out


def test_agent_seed_and_repeat_overrides(coord, scenario, tmp_path):
    path = scenario(MINIMAL)
    r = coord(
        "run",
        path,
        "--out",
        tmp_path / "o",
        "--format",
        "json",
        "--agent",
        "bob=policy/fair",
        "--seed",
        "3",
        "--seed",
        "4",
        "--repeat",
        "2",
    )
    assert r.code == 0, r.err
    runs = r.json()["runs"]
    assert [(x["seed"], x["repeat"]) for x in runs] == [(3, 0), (3, 1), (4, 0), (4, 1)]
    header = Transcript.open(runs[0]["transcript"]).header
    assert header["backends"] == {"alice": "policy/grounded", "bob": "policy/fair"}


def test_output_collisions_are_refused_before_anything_runs(coord, scenario, tmp_path):
    path = scenario(MINIMAL)
    r = coord("run", path, path, "--out", tmp_path / "o")
    assert r.code == 2 and "same transcript" in r.err
    assert not (tmp_path / "o").exists()
    assert coord("run", path, "--out", tmp_path / "p").code == 0
    r = coord("run", path, "--out", tmp_path / "p")
    assert r.code == 2 and "already exists" in r.err


def test_several_scenarios_get_their_own_folders_and_summaries(coord, tmp_path):
    r = coord(
        "run",
        "negotiation/ample-1.0",
        "negotiation/contested-0.8",
        "-c",
        "grounded",
        "--out",
        tmp_path,
        "--format",
        "json",
    )
    assert r.code == 0, r.err
    assert set(r.json()["conditions"]) == {"ample-1.0/grounded", "contested-0.8/grounded"}
    own = json.loads((tmp_path / "ample-1.0" / "summary.json").read_text())
    assert {x["scenario"] for x in own["runs"]} == {"ample-1.0"}
    assert (
        json.loads((tmp_path / "summary.json").read_text())["conditions"] == r.json()["conditions"]
    )


def test_bundled_names_resolve(coord, tmp_path):
    r = coord(
        "run", "negotiation/ample-1.0", "--out", tmp_path, "-c", "grounded", "--format", "json"
    )
    assert r.code == 0, r.err


def test_usage_errors_exit_2(coord, scenario, tmp_path):
    path = scenario(MINIMAL)
    for argv, needle in [
        (("run", tmp_path / "nope.yaml"), "no such file"),
        (("run", path, "--agent", "carol=policy/fair"), "no agent 'carol'"),
        (("run", path, "--agent", "bob=policy/fiar"), 'did you mean "fair"'),
        (("run", path, "--agent", "bob"), "NAME=BACKEND"),
        (("run", path, "-c", "dyda"), "no condition"),
        (("run", path, "--format", "xml"), "xml"),
    ]:
        r = coord(*argv)
        assert r.code == 2, (argv, r.err)
        assert needle in r.err, (needle, r.err)
        assert "Traceback" not in r.err


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signals_seal_the_transcript_as_cancelled(scenario, tmp_path, sig, code):
    path = scenario(MINIMAL.replace("rounds: 2", "rounds: 5000"))
    out = tmp_path / "o"
    proc = subprocess.Popen(
        [sys.executable, "-m", "coord", "run", str(path), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 30
    while not list(out.rglob("*.jsonl")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    transcript = next(out.rglob("*.jsonl"))
    rep = verify(transcript)
    assert rep.ok and rep.status == "cancelled"
    assert b"Traceback" not in err


def test_python_dash_m_and_version():
    r = subprocess.run(
        [sys.executable, "-m", "coord", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert r.returncode == 0 and r.stdout.startswith("coord ")


@pytest.mark.parametrize(
    "path",
    [
        p for p in bundled_scenarios() if p.parent.name == "negotiation"
    ],  # forecast: test_run_forecast
    ids=lambda p: p.stem,
)
def test_every_bundled_scenario_runs_and_meets_its_expectations(coord, tmp_path, path):
    r = coord("run", path, "--out", tmp_path, "--format", "json")
    assert r.code == 0, r.err
    report = r.json()
    assert report["expectations"]["failed"] == 0 and report["expectations"]["passed"] > 0
    c = report["conditions"]
    assert c["oracle"]["joint_efficiency"] == pytest.approx(1.0)
    assert c["grounded"]["joint_efficiency"] == pytest.approx(1.0)
    worst = min(m["joint_efficiency"] for m in c.values())
    assert worst < 1.0  # some failure policy shows its failure on every scenario
