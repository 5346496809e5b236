"""`coord replay` on a long transcript: events/s and peak memory, against bare `json.loads`.

The transcript is built from real games: every condition of the bundled `scarce-0.5`
scenario is played (as `coord run` plays them, policy agents, live protocol), and their
rounds are laid end to end, renumbered, into one coord transcript of about N events with
a valid hash chain, as a very long run would write it. So it has the mix a real run has:
messages with free text, ledger, protocol and drift events, outcomes, and the failures each
condition produces (anchoring, equal splits, broken bindings...).

Both measurements run in fresh processes on the same file, one after the other:
- baseline: `json.loads` of every line, nothing else;
- coord: `coord replay FILE --format json > /dev/null`, every detector.
Peak memory is each process's maximum resident set size.

Run alone: `python tests/benchmarks/replay.py [--events N]`; `run.py` includes it.
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

ROOT = Path(__file__).resolve().parents[2]


def _play(out: Path) -> list[Path]:
    subprocess.run(
        [sys.executable, "-m", "coord", "run", "negotiation/scarce-0.5", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return sorted(out.rglob("*.jsonl"))


def _games(paths: list[Path]) -> tuple[dict, list[list[list[dict]]]]:
    """The first header, and each game's rounds as lists of events (header and seal out)."""
    header = None
    games = []
    for path in paths:
        lines = [json.loads(x) for x in path.read_text().splitlines()]
        header = header or lines[0]
        rounds: dict[int, list[dict]] = {}
        for e in lines[1:]:
            if e.get("kind") == "seal" or not isinstance(e.get("round"), int):
                continue
            rounds.setdefault(e["round"], []).append(e)
        games.append([rounds[k] for k in sorted(rounds)])
    return header, games


def build(path: Path, events: int, work: Path) -> int:
    """Write a coord transcript of at least `events` events to `path`; return the count."""
    sys.path.insert(0, str(ROOT / "cli"))
    from coord.transcript.format import encode_event

    header, games = _games(_play(work / "games"))
    plan: list[str] = []
    body: list[tuple[int, dict]] = []  # (source round's instance, event), renumbered later
    count = 0
    n = 0
    while count < events:
        for game in games:
            for rnd in game:
                n += 1
                start = next((e for e in rnd if e.get("kind") == "round_start"), None)
                plan.append(start.get("instance") if start else None)
                for e in rnd:
                    body.append((n, e))
                count += len(rnd)
            if count >= events:
                break
    head = {k: v for k, v in header.items() if k not in ("prev", "hash")}
    head.update(condition="stitched", rounds=plan, seq=0)
    head["prev"] = "0" * 64
    with open(path, "wb") as f:
        line, stored = encode_event(head)
        f.write(line)
        prev = stored["hash"]
        for seq, (number, e) in enumerate(body, start=1):
            event = {k: v for k, v in e.items() if k not in ("prev", "hash")}
            event.update(seq=seq, round=number, prev=prev)
            line, stored = encode_event(event)
            f.write(line)
            prev = stored["hash"]
    return len(body) + 1


def _measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: findings
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024  # KiB on Linux


BASELINE = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    json.loads(line)\n"


def bench_replay(events: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = work / "long.jsonl"
        n = build(path, events, work)
        size = path.stat().st_size
        base_s, base_mb = _measure([sys.executable, "-c", BASELINE, str(path)])
        cmd = [sys.executable, "-m", "coord", "replay", str(path), "--format", "json"]
        coord_s, coord_mb = _measure(cmd)
    return {
        "events": n,
        "file_mb": size / 1e6,
        "json_loads_s": base_s,
        "json_loads_events_per_s": n / base_s,
        "json_loads_peak_mb": base_mb,
        "replay_s": coord_s,
        "replay_events_per_s": n / coord_s,
        "replay_peak_mb": coord_mb,
        "ratio_vs_json_loads": coord_s / base_s,
    }


def report(r: dict) -> str:
    return (
        f"replay     {r['replay_events_per_s']:,.0f} events/s, peak {r['replay_peak_mb']:.0f} MB "
        f"on {r['events']:,} events ({r['file_mb']:.0f} MB) (targets ≥ 50,000/s, < 200 MB); "
        f"{r['ratio_vs_json_loads']:.1f}× a bare json.loads pass "
        f"({r['json_loads_events_per_s']:,.0f} events/s, {r['json_loads_peak_mb']:.0f} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--format", choices=["text", "json"], default="text")
    args = ap.parse_args(argv)
    r = bench_replay(args.events)
    print(json.dumps(r, indent=2) if args.format == "json" else report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
