"""Recorded model calls, served by canonical request hash (resume and replay, DESIGN §6).

`CallStore` indexes the `model_call` events of a transcript by (agent, request hash); each
recording is served once, in recorded order. Only calls that got an answer are served: a
call that failed is repeated (it was the one in flight).

- resume: a miss is fine, the call goes to the provider;
- replay (`strict`): a miss fails loudly, naming the first field where the request differs
  from the nearest recording of the same agent.

`replay/<transcript>` as a backend plays the named agent's recorded calls back through
the same LLM agent that made them, so the prompt it builds is checked against the
recording request by request.
"""

from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from coord.errors import CoordError, InputError

#: Fields of a model_call event that are not recomputed when it is served from a recording.
_EVENT_META = frozenset({"seq", "kind", "prev", "hash"})


class ReplayMiss(CoordError):
    """A replayed run asked for a call that was never recorded (exit 2: the recording does
    not match this scenario, agent settings or coord version)."""


class CallStore:
    def __init__(self, events: list[dict], *, strict: bool, source: str = "") -> None:
        self.strict = strict
        self.source = source
        self.served = 0
        self._by_key: dict[tuple[str, str], deque[dict]] = defaultdict(deque)
        self._by_agent: dict[str, list[dict]] = defaultdict(list)
        for e in events:
            if e.get("kind") != "model_call" or e.get("status") != "ok":
                continue
            self._by_key[(e.get("agent"), e.get("request_hash"))].append(e)
            self._by_agent[e.get("agent")].append(e)

    @classmethod
    def from_transcript(cls, path: str | Path, *, strict: bool) -> CallStore:
        from coord.transcript import Transcript

        return cls(list(Transcript.open(path).events()), strict=strict, source=str(path))

    def __len__(self) -> int:
        return sum(len(q) for q in self._by_key.values())

    def take(self, agent: str, request_hash: str, request: dict) -> dict | None:
        """The recorded event for this request (fields only), or None / ReplayMiss."""
        queue = self._by_key.get((agent, request_hash))
        if queue:
            self.served += 1
            event = queue.popleft()
            return {k: v for k, v in event.items() if k not in _EVENT_META}
        if self.strict:
            raise self.miss(agent, request)
        return None

    def miss(self, agent: str, request: dict) -> ReplayMiss:
        from coord.analysis.diff import differences

        recorded = self._by_agent.get(agent, [])
        where = f" in {self.source}" if self.source else ""
        if not recorded:
            return ReplayMiss(
                f"replay: no recorded call of agent {agent!r}{where}",
                hint="replay a run made with the same scenario and agents",
            )
        best = min(recorded, key=lambda e: len(differences(e.get("request"), request, limit=50)))
        path, was, now = differences(best.get("request"), request, limit=1)[0]
        return ReplayMiss(
            f"replay: agent {agent!r} made a call that was never recorded{where}; nearest "
            f"recording (line {best.get('seq', 0) + 1}) differs first at request.{path}: "
            f"recorded {_short(was)}, now {_short(now)}",
            hint="the scenario, agent settings or coord version changed since the recording",
        )


def _short(value: Any, width: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def replay_agent(model: str, *, name: str, seed: int, settings: dict | None = None):
    """`replay/<transcript>`: the agent `name` as recorded in that transcript."""
    from coord.backends.registry import create_agent
    from coord.transcript import Transcript

    path = Path(model)
    if not path.is_file():
        raise InputError(
            "replay: no such transcript",
            file=model,
            hint="write replay/<path to a transcript .jsonl>",
        )
    header = Transcript.open(path).header
    backend = (header.get("backends") or {}).get(name)
    if backend is None:
        raise InputError(
            f"replay: agent {name!r} is not in this transcript "
            f"(agents: {', '.join(header.get('backends') or {})})",
            file=model,
            line=1,
        )
    recorded_settings = (header.get("agent_settings") or {}).get(name) or {}
    agent = create_agent(backend, name=name, seed=seed, settings=recorded_settings)
    agent.store = CallStore.from_transcript(path, strict=True)
    agent.backend = f"replay/{model}"
    return agent
