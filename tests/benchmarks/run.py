"""coord's benchmarks: `python tests/benchmarks/run.py [--quick] [--format json]`.

Every figure is reported next to a baseline measured in the same run, as a ratio, so the
numbers mean the same on a slow or busy machine:

1. start-up: `coord --help` and `coord --version` (fresh processes) against
   `python -c "import typer, pydantic, yaml"`; target ≤ 1.5×. Also lists any heavy module
   (provider SDKs, numpy, networkx, httpx) that start-up imported — there must be none.
2. policy games: agent turns per second on one core, transcripts written, against the
   same games played without transcripts (the cost of recording); target ≥ 2,000 turns/s.
3. oracle: time per paper-sized instance (cache cleared), against an unpruned exhaustive
   pair scan of the same instances; target well under 50 ms.
4. protocol content validation: messages/s through coord's compiled validators against
   plain python-jsonschema on the same schema and messages; target ≥ 100,000/s.
5. replay: `coord replay --format json` on a 1,000,000-event coord transcript and on as
   many LLM-like free-text messages, events/s and peak memory, against a bare `json.loads`
   pass over the same file (`replay.py`; `--replay-events N` to change the size).

Games are played as `coord run` plays them: with the `negotiation` protocol checked live.

Not part of the test suite: timings do not belong in assertions (README "Benchmarks").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("anthropic", "openai", "networkx", "numpy", "httpx", "pandas", "scipy")


def _wall(cmd: list[str], n: int) -> float:
    """Median wall time of `n` fresh runs (after one warm-up for the file cache)."""
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(cmd, capture_output=True, env=env, check=False)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_startup(n: int) -> dict:
    py = sys.executable
    base = _wall([py, "-c", "import typer, pydantic, yaml"], n)
    out = {"baseline_s": base}
    for name, args in (("help", ["--help"]), ("version", ["--version"])):
        t = _wall([py, "-m", "coord", *args], n)
        out[f"{name}_s"] = t
        out[f"{name}_ratio"] = t / base
    probe = subprocess.run(
        [
            py,
            "-c",
            "import sys; from coord.commands.main import app; "
            "print(' '.join(sorted(m for m in sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(probe.stdout.split())
    out["heavy_imports"] = sorted(m for m in HEAVY if m in loaded)
    return out


def _games(seconds: float, record: bool) -> tuple[int, float]:
    """Play conceder/grounded/fair games round-robin for ~`seconds`; return (turns, time)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers import PAPER_EXAMPLE

    from coord.backends.registry import create_agent
    from coord.coordinator.negotiation import NegotiationSession, Settings
    from coord.protocol.load import find_protocol, load_protocol
    from coord.transcript import TranscriptWriter

    protocol = load_protocol(find_protocol("negotiation"))

    pairs = ["policy/conceder", "policy/grounded", "policy/fair", "policy/anchored"]
    turns = 0
    elapsed = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        k = 0
        while elapsed < seconds:
            backend = pairs[k % len(pairs)]
            agents = {n: create_agent(backend, name=n, seed=k) for n in PAPER_EXAMPLE.agents}
            count = [0]
            t = time.perf_counter()
            # the emit closures below run before the next iteration rebinds `count`
            if record:
                with TranscriptWriter.create(Path(tmp) / f"g{k}.jsonl", {"bench": k}) as w:

                    def emit(kind, count=count, **fields):
                        count[0] += kind in ("message", "error")
                        return w.append(kind, **fields)

                    asyncio.run(
                        NegotiationSession(
                            [PAPER_EXAMPLE] * 4, agents, Settings(), emit, protocol
                        ).play()
                    )
            else:

                def emit(kind, count=count, **fields):
                    count[0] += kind in ("message", "error")

                asyncio.run(
                    NegotiationSession(
                        [PAPER_EXAMPLE] * 4, agents, Settings(), emit, protocol
                    ).play()
                )
            elapsed += time.perf_counter() - t
            turns += count[0]
            k += 1
    return turns, elapsed


def bench_games(seconds: float) -> dict:
    t_rec, s_rec = _games(seconds, record=True)
    t_mem, s_mem = _games(seconds, record=False)
    rec, mem = t_rec / s_rec, t_mem / s_mem
    return {
        "turns_per_s": rec,
        "turns_per_s_without_transcript": mem,
        "ratio_vs_no_transcript": rec / mem,
    }


def _brute(instance) -> float:
    from coord.game.negotiation.oracle import pair_rewards, plans

    eco = instance.economy
    best = 0.0
    pa = plans(eco, instance.projects[0])
    pb = plans(eco, instance.projects[1])
    for a in pa:
        for b in pb:
            if all(x + y <= s for x, y, s in zip(a.use, b.use, eco.supply)):
                best = max(best, sum(pair_rewards(eco, a, b)))
    return best


def bench_oracle(count: int) -> dict:
    import random

    from coord.game.negotiation import oracle
    from coord.game.negotiation.instance import make_instance

    rng = random.Random(1)
    insts = []
    for k in range(count):
        sides = []
        for _ in range(2):
            side = []
            for j in range(3):
                res = rng.sample(["r1", "r2", "r3"], rng.choice([1, 2]))
                side.append(
                    {
                        "name": "abc"[j],
                        "reward": rng.randint(1, 10),
                        "requirements": {r: rng.randint(1, 4) for r in res},
                    }
                )
            sides.append(side)
        insts.append(make_instance(f"b{k}", sides))
    fast, slow = [], []
    for inst in insts:
        oracle.plans.cache_clear()
        t = time.perf_counter()
        oracle.compute(inst)
        fast.append(time.perf_counter() - t)
        oracle.plans.cache_clear()
        t = time.perf_counter()
        _brute(inst)
        slow.append(time.perf_counter() - t)
    return {
        "instances": count,
        "median_ms": 1000 * statistics.median(fast),
        "max_ms": 1000 * max(fast),
        "unpruned_median_ms": 1000 * statistics.median(slow),
        "ratio_vs_unpruned": statistics.median(fast) / statistics.median(slow),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--format", choices=["text", "json"], default="text")
    ap.add_argument(
        "--replay-events",
        type=int,
        default=None,
        help="events per replay transcript (default 1,000,000; 100,000 with --quick)",
    )
    args = ap.parse_args(argv)
    n = 5 if args.quick else 15
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    from replay import bench_replay
    from replay import report as replay_report

    events = args.replay_events or (100_000 if args.quick else 1_000_000)
    results = {
        "startup": bench_startup(n),
        "games": bench_games(1.0 if args.quick else 3.0),
        "oracle": bench_oracle(30 if args.quick else 100),
        "schemas": _bench_schemas(0.5 if args.quick else 2.0),
        "replay": bench_replay(events),
    }
    if args.format == "json":
        print(json.dumps({"schema_version": 1, **results}, indent=2))
        return 0
    s, g, o, v = results["startup"], results["games"], results["oracle"], results["schemas"]
    print(f"start-up   baseline (import typer, pydantic, yaml): {s['baseline_s'] * 1000:.0f} ms")
    print(
        f"           coord --help     {s['help_s'] * 1000:.0f} ms  = {s['help_ratio']:.2f}× "
        "baseline (target ≤ 1.5×)"
    )
    print(
        f"           coord --version  {s['version_s'] * 1000:.0f} ms  = "
        f"{s['version_ratio']:.2f}× baseline"
    )
    print(f"           heavy modules imported at start-up: {s['heavy_imports'] or 'none'}")
    print(
        f"games      {g['turns_per_s']:.0f} agent turns/s with transcripts (target ≥ 2,000); "
        f"{g['ratio_vs_no_transcript']:.2f}× the rate without transcripts"
    )
    print(
        f"oracle     median {o['median_ms']:.2f} ms, max {o['max_ms']:.2f} ms per instance "
        f"({o['instances']} paper-sized); {o['ratio_vs_unpruned']:.3f}× the unpruned scan "
        f"({o['unpruned_median_ms']:.1f} ms)"
    )
    print(
        f"schemas    {v['fast_per_s']:,.0f} messages/s validated (target ≥ 100,000); "
        f"{v['ratio']:.0f}× plain python-jsonschema ({v['python_jsonschema_per_s']:,.0f}/s)"
    )
    print(replay_report(results["replay"]))
    return 0


def _bench_schemas(seconds: float) -> dict:
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    from schemas import bench_schemas

    return bench_schemas(seconds)


if __name__ == "__main__":
    sys.exit(main())
