"""Deferred stopping: a signal asks a run to stop; the run stops at a safe point.

Raising from a signal handler can interrupt a transcript write half-way (the next line
would then not follow the chain). So SIGINT and SIGTERM only record the request; the
coordinator checks it before asking an agent for its next message and the runner before
each game, where nothing is half-written, and the transcript is sealed as cancelled.
A second Ctrl-C stops at once (the user insists).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from coord.errors import EXIT_SIGINT, EXIT_SIGTERM, Cancelled

_requested: int | None = None


def request(code: int) -> None:
    global _requested
    if _requested == EXIT_SIGINT and code == EXIT_SIGINT:
        raise KeyboardInterrupt  # pressed twice: don't wait for a safe point
    _requested = code


def check() -> None:
    """Raise Cancelled if a stop was requested (call only where nothing is half-done)."""
    if _requested is not None:
        code = _requested
        raise Cancelled("terminated" if code == EXIT_SIGTERM else "interrupted", exit_code=code)


def install() -> Callable[[], None]:
    """Route SIGINT/SIGTERM to `request`; returns a function that restores the old state."""
    global _requested
    _requested = None
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, lambda *_: request(EXIT_SIGINT))
    signal.signal(signal.SIGTERM, lambda *_: request(EXIT_SIGTERM))

    def restore() -> None:
        global _requested
        _requested = None
        for s, handler in old.items():
            signal.signal(s, handler)

    return restore
