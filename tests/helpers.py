"""Shared test helpers: play games in memory, without transcripts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from coord.backends.base import Agent
from coord.backends.registry import create_agent
from coord.coordinator.messages import Message
from coord.coordinator.negotiation import NegotiationSession, Settings
from coord.game.negotiation.instance import make_instance
from coord.game.negotiation.metrics import game_metrics

ROOT = Path(__file__).resolve().parents[1]
SCARCE = ROOT / "scenarios" / "negotiation" / "scarce-0.5.yaml"

# The issue's worked example in the paper authors' instance form (v1 27, v2 27, collab_max 29).
PAPER_GAME = {
    "id": "paper-example",
    "resource_costs": {"r1": 1.0, "r2": 1.5, "r3": 3.0},
    "resource_supply": {"r1": 10, "r2": 10, "r3": 6},
    "agent_budget": 18,
    "max_resource_types": 2,
    "agent_projects": [
        [
            {"name": "a", "requirements": {"r2": 3}, "reward": 9},
            {"name": "b", "requirements": {"r3": 2, "r2": 3}, "reward": 4},
            {"name": "c", "requirements": {"r3": 2, "r1": 1}, "reward": 1},
        ],
        [
            {"name": "a", "requirements": {"r3": 3}, "reward": 1},
            {"name": "b", "requirements": {"r1": 1, "r2": 3}, "reward": 9},
            {"name": "c", "requirements": {"r2": 2}, "reward": 4},
        ],
    ],
}

PAPER_EXAMPLE = make_instance(
    "paper-example", PAPER_GAME["agent_projects"], agents=("alice", "bob")
)


def play(rounds, backends, seed=1, protocol=None, **settings):
    """Play one game; return (metrics, round records, events)."""
    events = []

    def emit(kind, **fields):
        events.append({"kind": kind, **fields})

    names = rounds[0].agents
    agents = {n: create_agent(b, name=n, seed=seed) for n, b in zip(names, backends)}
    session = NegotiationSession(list(rounds), agents, Settings(**settings), emit, protocol)
    records = asyncio.run(session.play())
    return game_metrics(records, session.counters), records, events


MINIMAL = """\
schema_version: 1
name: mini
game:
  rounds: 2
  instances:
    - projects:
        alice:
          - {name: a, requirements: {r2: 3}, reward: 9}
        bob:
          - {name: b, requirements: {r1: 1, r2: 3}, reward: 9}
agents:
  alice: {backend: policy/grounded}
  bob: {backend: policy/grounded}
"""


class Scripted(Agent):
    """A test agent that answers from a list (then with `then`) and records its views."""

    def __init__(self, name, script, then=None):
        super().__init__(name, "test/scripted")
        self.script = list(script)
        self.then = then or Message("say", text="...")
        self.views = []

    async def act(self, view):
        self.views.append(view)
        return self.script.pop(0) if self.script else self.then


class Hung(AssertionError):
    """Raised by `no_hang` when the guarded code ran past its limit."""


class no_hang:  # noqa: N801 - reads as a statement: `with no_hang(): ...`
    """Fail the test if the block runs for `limit` seconds: a guard against a hang
    (catastrophic backtracking, quadratic scans, exponential expansion), not a measurement.

    The limit is far above any honest run of the block on a slow, busy machine, so no test
    depends on how fast the machine is; a block that does hang is stopped, not waited out.
    Unix main thread only (SIGALRM); elsewhere it guards nothing.
    """

    def __init__(self, limit: float = 60.0) -> None:
        self.limit = limit

    def __enter__(self):
        import signal
        import threading

        self._armed = hasattr(signal, "setitimer") and (
            threading.current_thread() is threading.main_thread()
        )
        if self._armed:

            def alarm(*_):
                raise Hung(f"still running after {self.limit:g} s: it hangs")

            self._old = signal.signal(signal.SIGALRM, alarm)
            signal.setitimer(signal.ITIMER_REAL, self.limit)
        return self

    def __exit__(self, *exc) -> bool:
        if self._armed:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old)
        return False


# One round of four talk turns between a model-backed pair (10 calls a game); for the
# --jobs test and benchmark, against the loopback fake server.
LLM_DYAD = """\
schema_version: 1
name: llm-dyad
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


# An interchange exchange whose rounds are not contiguous (a message of round 1 after
# round 2 began): it cannot be streamed, so it is read again whole.
OUT_OF_ORDER = [
    {"game": PAPER_GAME, "agents": ["A", "B"]},
    {"agent": "A", "round": 1, "text": "I take 9 r2."},
    {"agent": "A", "round": 2, "text": "hello again"},
    {"agent": "B", "round": 1, "text": "fine"},
]
