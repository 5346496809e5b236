"""The transcript format, version 1: constants, canonical JSON and hashing.

This module owns the on-disk format (DESIGN §8.4); the writer, reader and verifier only
use what is defined here. A transcript is JSON Lines, one event per line:

* line 1, the header: ``{"schema_version": 1, "kind": "header", "seq": 0, ...caller
  fields..., "prev": GENESIS, "hash": H}`` — ``schema_version`` is the first key so a
  reader can dispatch on it before understanding anything else;
* then events: ``{"seq": n, "kind": "...", ...fields..., "prev": P, "hash": H}``, with
  ``seq`` contiguous from 0 (the header) upwards and ``prev`` the hash of the line before;
* last, the seal: ``{"seq": n, "kind": "seal", "status": ..., "events": n, "head": P,
  "ended": ..., "prev": P, "hash": H}`` where ``events`` counts the lines before the seal
  (header included) and ``head`` repeats the hash of the line before it.

``H`` is the SHA-256 (hex) of the *canonical JSON* of the event without its ``hash`` key.
The hash covers the content, not the bytes of the line: re-indenting a line does not
break the chain, changing any value does. The key order written on the line is for people
(seq and kind first); canonical JSON sorts keys, so the order does not affect the hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

SCHEMA_VERSION = 1
"""The version this module writes, and the newest one it can read."""

GENESIS = "0" * 64
"""The ``prev`` of the header: there is no line before it."""

KIND_HEADER = "header"
KIND_SEAL = "seal"
KIND_ERROR = "error"

STATUS_COMPLETED = "completed"
STATUS_FAILED = "failed"
STATUS_CANCELLED = "cancelled"
SEAL_STATUSES = (STATUS_COMPLETED, STATUS_FAILED, STATUS_CANCELLED)

RESERVED_FIELDS = frozenset({"schema_version", "kind", "seq", "prev", "hash"})
"""Keys the format sets itself; callers may not pass them as event or header fields."""

MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longest line (without its newline) that is written or read: 16 MiB."""

MAX_DEPTH = 200
"""Deepest nesting of arrays and objects that is written or read."""

_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
# The line keeps insertion order (seq and kind first, for people reading it).
_LINE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)

# A JSON string (quotes, escapes and all), written "unrolled" so a long string is matched
# without backtracking; used to blank strings out before counting brackets.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def canonical_json(obj: object) -> bytes:
    """The canonical encoding the hash is computed over (sorted keys, no spaces, UTF-8)."""
    return _CANONICAL.encode(obj).encode("utf-8")


def event_hash(event: dict) -> str:
    """SHA-256 hex of the canonical JSON of ``event`` without its ``hash`` key."""
    if "hash" in event:
        event = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(canonical_json(event)).hexdigest()


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when the JSON text ``raw`` nests arrays/objects deeper than ``limit``.

    Cheap for ordinary lines: the number of opening brackets bounds the depth, and
    ``bytes.count`` runs in C. Only a line with more than ``limit`` brackets is scanned
    exactly, with strings blanked out first (a ``[`` inside a string does not nest).
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b'""', raw).translate(None, _NOT_BRACKETS)
    depth = 0
    for b in brackets:
        if b == 0x5B or b == 0x7B:  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def encode_event(event: dict) -> tuple[bytes, dict]:
    """Hash ``event`` (which has no ``hash`` yet) and return ``(line, stored_event)``.

    ``line`` is the UTF-8 line to append, newline included. ``stored_event`` is the event
    exactly as a reader will parse it back (tuples become lists, and so on), with its
    ``hash``. The hash is computed from that parsed-back form rather than from ``event``
    itself, so that writer and verifier can never disagree: e.g. ``{1: "a", 10: "b",
    2: "c"}`` sorts as integers in memory but as strings once read back.

    Raises ValueError for NaN/Infinity, lone surrogates, lines over ``MAX_LINE_BYTES`` or
    nesting over ``MAX_DEPTH``, and TypeError for values JSON cannot represent — all
    programming errors of the caller, not user input.
    """
    kind = event.get("kind")
    try:
        body = _LINE.encode(event)
    except ValueError as e:  # allow_nan=False
        raise ValueError(
            f"transcript event {kind!r} contains NaN or Infinity, which JSON cannot hold: {e}"
        ) from None
    except TypeError as e:
        raise TypeError(f"transcript event {kind!r} is not JSON-serialisable: {e}") from None
    try:
        body_bytes = body.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(
            f"transcript event {kind!r} contains text that is not valid Unicode "
            f"(a lone surrogate?): {e}"
        ) from None
    if len(body_bytes) + 80 > MAX_LINE_BYTES:  # 80: room for ',"hash":"<64 hex>"'
        raise ValueError(
            f"transcript event {kind!r} is {len(body_bytes)} bytes; the limit is "
            f"{MAX_LINE_BYTES} bytes per line"
        )
    if too_deep(body_bytes):
        raise ValueError(f"transcript event {kind!r} nests deeper than {MAX_DEPTH} levels")
    stored = json.loads(body_bytes)
    digest = hashlib.sha256(canonical_json(stored)).hexdigest()
    stored["hash"] = digest
    # body ends with "}"; splice the hash in as the last key instead of encoding again.
    line = body_bytes[:-1] + b',"hash":"' + digest.encode("ascii") + b'"}\n'
    return line, stored


def utc_now() -> str:
    """The current time as ISO-8601 UTC with milliseconds, e.g. 2026-05-01T12:00:00.000Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
