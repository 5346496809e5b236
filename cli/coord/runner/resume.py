"""Resume and replay of a run folder (`coord run --resume DIR`, `coord run --replay DIR`).

A run folder holds `run.json` (what was asked: scenarios, overrides, seeds, limits), one
transcript per game, and `summary.json`. Resuming plans the same games again and, per game:

- sealed `completed`: its record is read back from the transcript; nothing is played;
- absent: it is played;
- open (not sealed: killed, or stopped on a provider failure or budget): the transcript
  is reopened (a torn last line cut off) and the game is played again from the start with
  every recorded model call served from the transcript; the events it produces are checked
  against the recorded ones and only what is new is appended. So at most the call that was
  in flight is repeated;
- sealed `cancelled` or `failed`: moved aside (`….jsonl.cancelled`) and played afresh,
  its recorded calls reused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coord.errors import CoordError, InputError

RUN_FILE = "run.json"
RUN_SCHEMA_VERSION = 1


class ResumeDiverged(CoordError):
    """Resuming produced an event other than the one recorded (the scenario, its files or
    coord changed since the run)."""


def write_run_file(root: Path, data: dict[str, Any]) -> None:
    from coord.runner.run import write_atomic

    write_atomic(root / RUN_FILE, {"schema_version": RUN_SCHEMA_VERSION, **data})


def read_run_file(root: Path) -> dict[str, Any]:
    path = Path(root) / RUN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{root} is not a coord run folder (no {RUN_FILE})",
            file=str(path),
            hint="pass the folder `coord run` wrote (its --out), e.g. runs/<scenario>/<stamp>",
        ) from None
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read {RUN_FILE}: {e}", file=str(path)) from None
    if data.get("schema_version") != RUN_SCHEMA_VERSION:
        raise InputError(
            f"{RUN_FILE} has schema_version {data.get('schema_version')!r}; this coord reads "
            f"version {RUN_SCHEMA_VERSION}",
            file=str(path),
        )
    return data


def _stop_marker(e: dict) -> bool:
    # Written when a game stopped, and the failed call before it: history, not replayed.
    if e.get("kind") == "error" and e.get("what") == "stopped":
        return True
    return e.get("kind") == "model_call" and e.get("status") == "error"


class Resumer:
    """An `emit` that checks re-played events against the recorded ones, then appends."""

    def __init__(self, writer, recorded: list[dict]) -> None:
        self.writer = writer
        self.expected = [e for e in recorded if not _stop_marker(e)]
        self.i = 0

    def __call__(self, kind: str, **fields: Any):
        if self.i < len(self.expected):
            from coord.analysis.diff import differences, normalize

            want = self.expected[self.i]
            got = json.loads(json.dumps({"kind": kind, **fields}))  # as it would be read back
            a, b = normalize(want), normalize({**got, "seq": 0})
            if a != b:
                path, was, now = differences(a, b, limit=1)[0]
                raise ResumeDiverged(
                    f"cannot resume {self.writer.path}: event {want.get('seq')} differs at "
                    f"{path}: recorded {was!r}, now {now!r}",
                    hint="the scenario, its files or coord changed since the run; start a new run",
                )
            self.i += 1
            return want
        return self.writer.append(kind, **fields)


def transcript_state(path: Path) -> tuple[str, list[dict]]:
    """("absent" | "open" | seal status, events after the header; a torn last line and the
    seal excluded)."""
    from coord.transcript import Transcript

    if not path.exists():
        return "absent", []
    t = Transcript.open(path)
    seal = t.seal  # `events()` stops before the seal and skips a torn last line
    return (seal.get("status", "completed") if seal else "open"), list(t.events())


def record_from_events(path: Path, header: dict, events: list[dict]) -> dict[str, Any]:
    """The run record of a completed game, read back from its transcript."""
    metrics: dict = {}
    expectations: list = []
    usage: dict[str, dict] = {}
    for e in events:
        if e.get("kind") == "metric" and e.get("scope") == "game":
            metrics = e["metrics"]
        elif e.get("kind") == "expectations":
            expectations = e["results"]
        elif e.get("kind") == "model_call":
            account_event(None, e, usage)
    return {
        "scenario": header.get("scenario"),
        "condition": header.get("condition"),
        "seed": header.get("seed"),
        "repeat": header.get("repeat"),
        "transcript": str(path),
        "metrics": metrics,
        "expectations": expectations,
        "usage": usage,
    }


def account_event(runtime, event: dict, game_usage: dict[str, dict] | None) -> None:
    """Count one `model_call` event (answered calls only) into the run and the game."""
    if event.get("status") != "ok":
        return
    usage = event.get("usage") or {}
    cost = event.get("cost_usd")
    agent = event.get("agent")
    if runtime is not None:
        runtime.account(agent, usage, cost)
    if game_usage is not None:
        from coord.backends.llm.runtime import Totals

        t = Totals()
        prev = game_usage.get(agent)
        if prev:
            t.calls, t.cost_usd, t.unpriced_calls = (
                prev["calls"],
                prev["cost_usd"],
                prev["unpriced_calls"],
            )
            t.usage = {k: prev[k] for k in t.usage}
        t.add(usage, cost)
        game_usage[agent] = t.to_dict()
