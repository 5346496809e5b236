"""Transcripts: the append-only, hash-chained JSONL record of a run (DESIGN §6).

`format` owns the on-disk format; `writer` appends and seals; `reader` streams; `verify`
checks the chain. Everything after a run reads transcripts through this package.
"""

from coord.transcript.format import (
    GENESIS,
    SCHEMA_VERSION,
    SEAL_STATUSES,
    STATUS_CANCELLED,
    STATUS_COMPLETED,
    STATUS_FAILED,
    canonical_json,
    event_hash,
)
from coord.transcript.reader import UPGRADES, Transcript, iter_lines
from coord.transcript.verify import VerifyReport, verify, verify_or_raise
from coord.transcript.writer import TranscriptClosedError, TranscriptWriter, open_for_append

__all__ = [
    "GENESIS",
    "SCHEMA_VERSION",
    "SEAL_STATUSES",
    "STATUS_CANCELLED",
    "STATUS_COMPLETED",
    "STATUS_FAILED",
    "UPGRADES",
    "Transcript",
    "TranscriptClosedError",
    "TranscriptWriter",
    "VerifyReport",
    "canonical_json",
    "event_hash",
    "iter_lines",
    "open_for_append",
    "verify",
    "verify_or_raise",
]
