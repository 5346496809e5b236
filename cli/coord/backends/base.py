"""The agent interface: one async method, `act(view) -> message` (DESIGN §2, §8.3).

An agent never sees the game engine or the other agent; it sees the `View` the coordinator
builds for it and answers with one `Message`. Backends differ only in how they produce it:
deterministic algorithms (`policy/...`), model providers, or a recorded transcript.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coord.coordinator.messages import Message, View


class Agent(ABC):
    """One participant. Subclasses implement `act`; the coordinator owns everything else."""

    #: An agent that may read the whole instance (the `oracle` reference policy only).
    privileged: bool = False

    def __init__(self, name: str, backend: str, *, seed: int = 0) -> None:
        self.name = name
        self.backend = backend
        self.seed = seed

    def bind(self, **context: object) -> None:
        """Called by the runner before a game with what model-backed agents need
        (`emit`, `runtime`, `protocol`, `store`); deterministic agents need nothing."""
        return None

    @abstractmethod
    async def act(self, view: View) -> Message:
        """Answer the coordinator's request for the next message."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<{type(self).__name__} {self.name} {self.backend}>"
