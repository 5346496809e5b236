"""A normalised, game-aware view of one negotiation exchange, for the detectors.

Two sources are read into the same shape:

``coord``
    coord's own transcripts (line 1 is a header with ``"kind": "header"``). The header's
    ``instances`` (the paper's instance form, each with an ``id``) and ``rounds`` (the
    instance id of each round) give each round's `Instance`; ``message`` events become
    turns (``text`` is the message's text, ``action`` its structured rest); purchases come
    from ``purchase`` messages and, authoritatively, from the ``outcome`` events, which also
    give the round's outcome.
``interchange``
    JSON Lines, a JSON array, or ``{"messages": [...]}`` of records ``{agent | speaker |
    name | role, content | text, round?, turn?, type?, id?, in_reply_to?, action?}``, with
    an optional first record ``{"game": {paper-form instance}, "agents": ["a", "b"]}``. A
    turn whose ``action`` looks like a purchase (resource quantities, flat or under
    ``resources``, and optionally ``projects``) is that agent's purchase for its round; the
    last one wins. ``round`` defaults to 1. When the instance is known (the ``game`` record,
    or the caller's) and both purchases are, the outcome is computed with the game's rules
    and the exact oracle.

A JSON Lines file whose last line is incomplete (the writer stopped mid-line) keeps every
complete line and records a warning in `Exchange.warnings`; any other unreadable input is
an `InputError` naming the file and line.

The dataclasses and purchase / proposal helpers live in `exchange_model`, the two loaders
in `exchange_coord` and `exchange_interchange`; this module chooses between them and
re-exports their public names, so ``coord.analysis.exchange`` stays the one import path.
"""

from __future__ import annotations

import os

from coord.analysis.exchange_coord import from_coord_transcript, stream_coord_transcript
from coord.analysis.exchange_interchange import (
    AGENT_KEYS,
    MAX_RECORD_BYTES,
    _head,
    from_interchange,
    stream_interchange,
)
from coord.analysis.exchange_model import (
    COORD,
    INTERCHANGE,
    PROPOSE_TYPES,
    Exchange,
    ExchangeStream,
    OutOfOrder,
    Round,
    Turn,
    allocation_of,
    compute_outcome,
    plan_of,
    purchase_of,
)
from coord.errors import InputError
from coord.game.negotiation.instance import Instance
from coord.spec.jsonsafe import load_jsonl

__all__ = [
    "AGENT_KEYS",
    "COORD",
    "INTERCHANGE",
    "MAX_RECORD_BYTES",
    "PROPOSE_TYPES",
    "Exchange",
    "ExchangeStream",
    "OutOfOrder",
    "Round",
    "Turn",
    "allocation_of",
    "compute_outcome",
    "from_coord_transcript",
    "from_interchange",
    "is_coord_transcript",
    "load_exchange",
    "open_exchange",
    "plan_of",
    "purchase_of",
]


def is_coord_transcript(path: str | os.PathLike) -> bool:
    """Whether line 1 of ``path`` is a coord transcript header."""
    display = os.fspath(path)
    if not _head(display).startswith("{"):
        return False
    lines = load_jsonl(display, max_bytes=MAX_RECORD_BYTES)
    try:
        _, first = next(lines, (0, None))
    except InputError:
        return False
    finally:
        lines.close()
    return isinstance(first, dict) and first.get("kind") == "header"


def load_exchange(
    path: str | os.PathLike, *, scenario_instance: Instance | None = None
) -> Exchange:
    """Read a coord transcript or an interchange transcript (chosen by content), whole.

    ``scenario_instance`` is the game of an interchange transcript without a ``game``
    record (a ``game`` record in the file wins); coord transcripts carry their own.
    """
    return open_exchange(path, scenario_instance=scenario_instance, ordered=False).materialise()


def open_exchange(
    path: str | os.PathLike, *, scenario_instance: Instance | None = None, ordered: bool = True
) -> ExchangeStream:
    """`load_exchange`, round by round: see `ExchangeStream`. With ``ordered`` a file whose
    rounds are not contiguous raises `OutOfOrder` while it is consumed; read it again
    with ``ordered=False``."""
    display = os.fspath(path)
    if not os.path.exists(display):
        raise InputError("no such file", file=display, hint="check the path")
    if os.path.isdir(display):
        raise InputError("is a directory, not a transcript file", file=display)
    if is_coord_transcript(display):
        return stream_coord_transcript(display, ordered=ordered)
    return stream_interchange(display, instance=scenario_instance, ordered=ordered)
