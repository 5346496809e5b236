"""Benchmark: `coord run --jobs 32` against a fake server adding 200 ms per call.

64 games x 10 model calls each (1 round: 4 talk turns x 2 agents + 2 decisions), played 32
at a time. The ideal (critical path) is 2 waves x 10 sequential calls x 200 ms = 4.0 s
(issue 6 target: wall time <= 1.3 x ideal). Each trial is one `coord run` process; the
figures, all from that same trial:

- `wall_s`: the process from spawn to exit, as a user waits for it (`ratio`);
- `startup_s`: the part of it spent importing Python, coord and both provider SDKs, timed
  inside the process (the SDK imports are most of it, and are paid once per process
  whatever the number of games), and `run_s` = wall - startup (`run_ratio`);
- `games_s`: first game start to last game end, read from the transcripts' header and
  seal timestamps (`games_ratio`): the concurrency itself, with nothing subtracted.

The median trial is reported with every trial's ratios. Then, in this process (SDKs
already imported, so no start-up is counted): resuming a completed run, resuming the same
run with every transcript unsealed (each game re-played from its recorded calls, every
event checked against the recording) and an offline replay, each per transcript event.

    python tests/benchmarks/llm_jobs.py [--games 64] [--jobs 32] [--delay 0.2] [--trials 3]

Not part of the test suite: timings do not belong in assertions. On a busy machine (other
processes on the same cores) the ratios grow; the machine's load average is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for helpers
from helpers import LLM_DYAD  # noqa: E402

SCENARIO = LLM_DYAD

# What `coord run` with these two backends imports anyway, imported up front and timed,
# then the CLI runs as `python -m coord` would.
LAUNCH = """\
import sys, time
t = time.perf_counter()
import coord.commands.main, coord.runner.run
import coord.backends.llm.anthropic, coord.backends.llm.openai
sys.stderr.write(f"startup_s={time.perf_counter() - t}\\n")
sys.argv[0] = "coord"
coord.commands.main.run()
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=64)
    ap.add_argument("--jobs", type=int, default=32)
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--trials", type=int, default=3)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp())
    (tmp / "s.yaml").write_text(SCENARIO)
    server = subprocess.Popen(
        [sys.executable, "-m", "coord", "fake-server", "--port", "0", "--delay", str(args.delay)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        env = {**os.environ, "NO_COLOR": "1"}
        for line in [server.stderr.readline() for _ in range(2)]:
            k, v = line.split()[1].split("=", 1)
            env[k] = v
        for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
            env.pop(var, None)
        trials = [_trial(tmp / f"run{i}", tmp / "s.yaml", env, args) for i in range(args.trials)]
        best = sorted(trials, key=lambda t: t["ratio"])[len(trials) // 2]
        out = Path(best.pop("out"))
        for t in trials:
            t.pop("out", None)
        os.environ.update(env)
        per_event = _resume_replay(out, tmp, args.jobs)
    finally:
        server.terminate()
        server.wait()
    print(
        json.dumps(
            {
                "games": args.games,
                "jobs": args.jobs,
                "delay_s": args.delay,
                "cpus": os.cpu_count(),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "median_trial": best,
                "trials": [
                    {k: t[k] for k in ("ratio", "run_ratio", "games_ratio")} for t in trials
                ],
                **per_event,
            },
            indent=2,
        )
    )
    shutil.rmtree(tmp, ignore_errors=True)


def _trial(out: Path, scenario: Path, env: dict, args) -> dict:
    t = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-c", LAUNCH, "run", str(scenario), "--out", str(out)]
        + ["--repeat", str(args.games), "--jobs", str(args.jobs), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"coord run failed ({r.returncode}):\n{r.stderr}")
    startup = float(r.stderr.split("startup_s=", 1)[1].split()[0])
    report = json.loads(r.stdout)
    calls = report["usage"]["total"]["calls"]
    waves = -(-args.games // args.jobs)
    ideal = waves * (calls // args.games) * args.delay
    starts, ends = [], []
    for path in out.rglob("*.jsonl"):
        lines = path.read_text().splitlines()
        starts.append(datetime.fromisoformat(json.loads(lines[0])["started"]))
        ends.append(datetime.fromisoformat(json.loads(lines[-1])["ended"]))
    games = (max(ends) - min(starts)).total_seconds()
    return {
        "calls": calls,
        "ideal_s": round(ideal, 3),
        "wall_s": round(wall, 3),
        "ratio": round(wall / ideal, 3),
        "startup_s": round(startup, 3),
        "run_s": round(wall - startup, 3),
        "run_ratio": round((wall - startup) / ideal, 3),
        "games_s": round(games, 3),
        "games_ratio": round(games / ideal, 3),
        "out": str(out),
    }


def _resume_replay(out: Path, tmp: Path, jobs: int) -> dict:
    """Per-event cost of resume and replay, in this process (start-up not counted)."""
    import coord.backends.llm.anthropic  # noqa: F401 - imported before timing, as start-up
    import coord.backends.llm.openai  # noqa: F401
    from coord.runner.run import RunOptions, run_scenarios

    events = sum(len(p.read_text().splitlines()) for p in out.rglob("*.jsonl"))

    def timed(opts: RunOptions) -> tuple[float, dict]:
        t = time.perf_counter()
        report = run_scenarios([], opts)
        return time.perf_counter() - t, report

    done, _ = timed(RunOptions(resume=out))
    # Unseal every transcript (drop the seal line): resume then re-plays each game with
    # every call served from its recording and each event compared with the recorded one.
    unsealed = tmp / "unsealed"
    shutil.copytree(out, unsealed)
    for path in unsealed.rglob("*.jsonl"):
        lines = path.read_bytes().splitlines(keepends=True)
        path.write_bytes(b"".join(lines[:-1]))
    reopened, rep_resume = timed(RunOptions(resume=unsealed, jobs=jobs))
    replayed, rep_replay = timed(RunOptions(replay=out, out=tmp / "replay", jobs=jobs))
    return {
        "events": events,
        "resume_completed_s": round(done, 3),
        "resume_completed_us_per_event": round(done / events * 1e6, 1),
        "resume_unsealed_s": round(reopened, 3),
        "resume_unsealed_us_per_event": round(reopened / events * 1e6, 1),
        "resume_network_calls": rep_resume["model_calls"]["network"],
        "replay_s": round(replayed, 3),
        "replay_us_per_event": round(replayed / events * 1e6, 1),
        "replay_network_calls": rep_replay["model_calls"]["network"],
    }


if __name__ == "__main__":
    main()
