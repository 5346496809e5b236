"""Benchmark: `coord run --jobs 32` against a fake server adding 200 ms per call.

64 games x 10 model calls each (1 round: 4 talk turns x 2 agents + 2 decisions), played 32
at a time. The ideal (critical path) is 2 waves x 10 sequential calls x 200 ms = 4.0 s;
the figure reported is wall time / ideal (issue 6 target: <= 1.3). Also reports the
per-event overhead of resume (a completed run re-read) and of offline replay.

    python tests/benchmarks/llm_jobs.py [--games 64] [--jobs 32] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = """\
schema_version: 1
name: bench-llm
game:
  rounds: 1
  talk_turns: 4
  instances:
    - projects:
        alice: [{name: a, requirements: {r2: 3}, reward: 9}]
        bob: [{name: b, requirements: {r1: 1, r2: 3}, reward: 9}]
agents:
  alice: {backend: anthropic/claude-haiku-4-5}
  bob: {backend: openai/gpt-4o-mini}
seeds: [1]
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=64)
    ap.add_argument("--jobs", type=int, default=32)
    ap.add_argument("--delay", type=float, default=0.2)
    args = ap.parse_args()
    from coord.backends.fake import FakeServer

    tmp = Path(tempfile.mkdtemp())
    (tmp / "s.yaml").write_text(SCENARIO)
    server = subprocess.Popen(
        [sys.executable, "-m", "coord", "fake-server", "--port", "0", "--delay", str(args.delay)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [server.stderr.readline() for _ in range(2)]
        env = {**os.environ, "NO_COLOR": "1"}
        for line in lines:
            k, v = line.split()[1].split("=", 1)
            env[k] = v
        for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
            env.pop(var, None)

        def run(*extra) -> tuple[float, dict]:
            t = time.perf_counter()
            r = subprocess.run(
                [sys.executable, "-m", "coord", "run", *extra, "--format", "json"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            return time.perf_counter() - t, json.loads(r.stdout)

        out = tmp / "run"
        wall, report = run(
            str(tmp / "s.yaml"),
            "--out",
            str(out),
            "--repeat",
            str(args.games),
            "--jobs",
            str(args.jobs),
        )
        calls = report["usage"]["total"]["calls"]
        per_game = calls // args.games
        waves = -(-args.games // args.jobs)
        ideal = waves * per_game * args.delay
        events = sum(len(p.read_text().splitlines()) for p in out.rglob("*.jsonl"))
        resume_wall, _ = run("--resume", str(out))
        replay_wall, rep = run(
            "--replay", str(out), "--out", str(tmp / "replay"), "--jobs", str(args.jobs)
        )
        startup, _ = run(
            str(tmp / "s.yaml"),
            "--out",
            str(tmp / "empty"),
            "--repeat",
            "1",
            "--condition",
            "default",
            "--seed",
            "1",
        )
        print(
            json.dumps(
                {
                    "games": args.games,
                    "jobs": args.jobs,
                    "delay_s": args.delay,
                    "calls": calls,
                    "wall_s": round(wall, 3),
                    "ideal_s": round(ideal, 3),
                    "ratio": round(wall / ideal, 3),
                    "events": events,
                    "resume_completed_run_s": round(resume_wall, 3),
                    "resume_us_per_event": round(resume_wall / events * 1e6, 1),
                    "replay_s": round(replay_wall, 3),
                    "replay_us_per_event": round(replay_wall / events * 1e6, 1),
                    "replay_network_calls": rep["model_calls"]["network"],
                },
                indent=2,
            )
        )
    finally:
        server.terminate()
        server.wait()
        _ = FakeServer  # imported to fail early when coord is not installed


if __name__ == "__main__":
    main()
