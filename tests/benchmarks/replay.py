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


# Free-text messages in the manner of LLM negotiators: each is filled with fresh numbers,
# names and phrasing, so (unlike policy agents' fixed sentences) few messages repeat.
_OPENERS = (
    "Thanks for laying that out, {me}.",
    "I've looked at the numbers again.",
    "Okay, here's where I am after going through both project lists.",
    "Appreciate the quick reply!",
    "Let me think about this from a joint perspective.",
    "Hmm, I see what you're going for.",
)
_PROPOSALS = (
    "How about I take {a} {ra} and {b} {rb}, and you take {c} {rc}? That covers my project "
    "{p} and leaves you room for yours.",
    "My proposal: you get {c} units of {rc} plus {b} {rb}; I'll take {a} {ra}. We'd be at "
    "roughly {pct}% of the best joint score by my count.",
    "What if we split it like this: I buy {a} {ra}, you buy {c} {rc} and {b} {rb}. I think "
    "that lets project {p} run {k} times.",
    "Option A: I take {a} {ra}, you take {c} {rc}. Option B: I take {b} {rb}, you take {c} "
    "{rc} and {a} {ra}. Either works for my budget of {budget}.",
)
_REPLIES = (
    "Got it, I'll consider it and get back to you.",
    "Sounds good to me. Deal: you take {a} {ra}, I take {c} {rc}.",
    "No, that doesn't work for me; I need at least {c} {rc} for project {p}.",
    "I can't accept that. Your last offer left me with only {b} {rb}.",
    "Agreed, let's lock it in as proposed.",
    "Noted. Before I commit, can you confirm you only need {a} {ra}?",
    "That's close. If you drop to {b} {rb} I would agree.",
)
_ASIDES = (
    "My budget this round is {budget}.",
    "Project {p} pays {pct} per run on my side.",
    "I can run project {p} at most {k} times.",
    "We reached {pct}% last time, so there is room to improve.",
    "That would leave {budget} of my budget unspent.",
    "",
)
_PURCHASES = (
    "Buying now: {a} {ra} and {b} {rb}.",
    "Submitting my purchase as agreed.",
    "Final answer: {c} {rc}.",
)


def build_chat(path: Path, events: int, seed: int = 7) -> int:
    """Write an interchange transcript of `events` messages (JSON Lines, `game` first) whose
    texts read like LLM negotiators' and rarely repeat (about nine in ten are distinct)."""
    import random

    rng = random.Random(seed)
    game = {
        "resource_costs": {"r1": 1.0, "r2": 1.5, "r3": 3.0},
        "resource_supply": {"r1": 10, "r2": 10, "r3": 6},
        "agent_budget": 18,
        "max_resource_types": 2,
        "agent_projects": [
            [
                {"name": "a", "requirements": {"r2": 3}, "reward": 9},
                {"name": "b", "requirements": {"r3": 2, "r2": 3}, "reward": 4},
            ],
            [
                {"name": "a", "requirements": {"r3": 3}, "reward": 1},
                {"name": "b", "requirements": {"r1": 1, "r2": 3}, "reward": 9},
            ],
        ],
    }
    agents = ("ann", "bo")
    with open(path, "w") as f:
        f.write(json.dumps({"game": game, "agents": list(agents)}) + "\n")
        n = rnd = 0
        while n < events:
            rnd += 1
            talk = rng.randint(4, 10)
            for turn in range(talk + 2):
                agent = agents[turn % 2]
                fill = {
                    "me": agents[1 - turn % 2],
                    "a": rng.randint(0, 10),
                    "b": rng.randint(0, 10),
                    "c": rng.randint(0, 6),
                    "ra": rng.choice(("r1", "r2")),
                    "rb": rng.choice(("r2", "r3")),
                    "rc": rng.choice(("r1", "r3")),
                    "p": rng.choice("ab"),
                    "k": rng.randint(1, 3),
                    "pct": rng.randint(60, 99),
                    "budget": rng.randint(12, 20),
                }
                row = {"agent": agent, "round": rnd, "turn": turn // 2 + 1}
                if turn >= talk:
                    row["text"] = rng.choice(_PURCHASES).format(**fill)
                    row["type"] = "purchase"
                    row["action"] = {fill["ra"]: fill["a"]} if fill["a"] else {fill["rc"]: 1}
                else:
                    body = rng.choice(_PROPOSALS if turn % 2 == 0 else _REPLIES)
                    parts = (rng.choice(_OPENERS), body, rng.choice(_ASIDES))
                    row["text"] = " ".join(p.format(**fill) for p in parts if p)
                f.write(json.dumps(row) + "\n")
                n += 1
                if n >= events:
                    break
    return n + 1


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _hwm_kb(pid: int) -> int | None:
    """A process's peak resident set (VmHWM), KiB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _measure(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) of the process, and the sum of the peak RSS of it and
    every process it started (`coord replay` may read in a second process): each
    process's VmHWM, polled every 20 ms while it runs (Linux; elsewhere the process's own)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[int, int] = {}
    poll = os.path.isdir("/proc")
    while True:
        done, status, usage = os.wait4(proc.pid, os.WNOHANG if poll else 0)
        if done:
            break
        for pid in _tree(proc.pid):
            kb = _hwm_kb(pid)
            if kb is not None:
                peaks[pid] = max(peaks.get(pid, 0), kb)
        time.sleep(0.02)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: findings
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    own = usage.ru_maxrss / 1024  # KiB on Linux
    peaks[proc.pid] = max(peaks.get(proc.pid, 0), usage.ru_maxrss)
    return wall, own, sum(peaks.values()) / 1024


BASELINE = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    json.loads(line)\n"


def _pair(path: Path) -> dict:
    n = sum(1 for _ in open(path, "rb"))
    base_s, base_mb, _ = _measure([sys.executable, "-c", BASELINE, str(path)])
    cmd = [sys.executable, "-m", "coord", "replay", str(path), "--format", "json"]
    coord_s, coord_mb, all_mb = _measure(cmd)
    return {
        "events": n,
        "file_mb": path.stat().st_size / 1e6,
        "json_loads_s": base_s,
        "json_loads_events_per_s": n / base_s,
        "json_loads_peak_mb": base_mb,
        "replay_s": coord_s,
        "replay_events_per_s": n / coord_s,
        "replay_peak_mb": coord_mb,
        "replay_peak_mb_all_processes": all_mb,
        "ratio_vs_json_loads": coord_s / base_s,
    }


def bench_replay(events: int, kinds: tuple[str, ...] = ("coord", "chat")) -> dict:
    """Both transcripts: coord's own (policy games) and LLM-like free text (interchange).

    The files are written by a child process: a forked child's peak RSS starts from its
    parent's, so the parent that measures must stay small."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for kind in kinds:
            cmd = [sys.executable, __file__, "--build", kind, str(work), "--events", str(events)]
            subprocess.run(cmd, check=True, capture_output=True)
        if hasattr(os, "sync"):
            os.sync()  # the files just written are on disk, not flushed during a measurement
        return {kind: _pair(work / f"{kind}.jsonl") for kind in kinds}


def report(results: dict) -> str:
    lines = []
    for name, what in (("coord", "coord transcript"), ("chat", "LLM-like free text")):
        if name not in results:
            continue
        r = results[name]
        lines.append(
            f"replay     {what}: {r['replay_events_per_s']:,.0f} events/s, peak "
            f"{r['replay_peak_mb_all_processes']:.0f} MB over its processes "
            f"({r['replay_peak_mb']:.0f} MB the main one) on {r['events']:,} events "
            f"({r['file_mb']:.0f} MB) (targets ≥ 50,000/s, < 200 MB); "
            f"{r['ratio_vs_json_loads']:.1f}× a bare json.loads pass "
            f"({r['json_loads_events_per_s']:,.0f} events/s, {r['json_loads_peak_mb']:.0f} MB)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--format", choices=["text", "json"], default="text")
    ap.add_argument("--only", choices=["coord", "chat"], help="one transcript kind")
    ap.add_argument("--file", type=Path, help="measure this transcript instead of building one")
    ap.add_argument("--build", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.build:  # the child process of bench_replay that writes one file
        kind, folder = args.build[0], Path(args.build[1])
        if kind == "coord":
            build(folder / "coord.jsonl", args.events, folder)
        else:
            build_chat(folder / "chat.jsonl", args.events)
        return 0
    if args.file:
        r = {args.only or "coord": _pair(args.file)}
        print(json.dumps(r, indent=2) if args.format == "json" else report(r))
        return 0
    r = bench_replay(args.events, (args.only,) if args.only else ("coord", "chat"))
    print(json.dumps(r, indent=2) if args.format == "json" else report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
