"""Integrity check of a transcript: the hash chain, the sequence, the seal.

`verify` streams the file once in O(1) memory and stops at the first problem, reporting
the line and one sentence saying what is wrong. Problems of integrity (an edited, removed,
reordered, forged, cut or appended line) make a not-ok `VerifyReport`; a file that is not
a coord transcript at all, or one written by a newer coord, is refused with `InputError`
(exit 2) instead, because there is no chain to judge.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from coord.errors import InputError, IntegrityError
from coord.transcript.format import (
    GENESIS,
    KIND_HEADER,
    KIND_SEAL,
    SEAL_STATUSES,
    event_hash,
)
from coord.transcript.reader import check_header, iter_lines, parse_line

_HINT_TAMPERED = (
    "the file changed after coord wrote it; use the original transcript or run the scenario again"
)
_HINTS = {
    "empty": "the file holds no header: it was truncated or never written",
    "torn": "the run stopped in the middle of a write; every line before the torn one is "
    "intact and chained",
    "unsealed": "if the run is still going, wait for it to finish; otherwise it stopped "
    "before sealing (killed or crashed) and the lines present are intact up to here",
    "malformed": _HINT_TAMPERED,
    "edited": _HINT_TAMPERED,
    "reordered": _HINT_TAMPERED,
    "unchained": _HINT_TAMPERED,
    "bad_seal": _HINT_TAMPERED,
    "after_seal": "lines were appended after the seal; the transcript up to the seal may be "
    "intact, but nothing may follow it",
}


@dataclass
class VerifyReport:
    """The result of `verify`.

    ``events`` is the number of lines read, header and seal included (up to and including
    the bad line when there is one). ``first_bad_line`` is 1-based, or None when no single
    line is to blame (an empty file, a missing seal). ``code`` is a stable name for the
    kind of problem (empty, torn, unsealed, malformed, edited, reordered, unchained,
    bad_seal, after_seal) and ``hint`` the next step, both None when ``ok``.
    """

    path: str
    ok: bool
    status: str | None
    events: int
    sealed: bool
    first_bad_line: int | None = None
    problem: str | None = None
    code: str | None = None
    hint: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class ChainCheck:
    """A streaming check of the chain, fed one raw line at a time (shared with the writer's
    `open_for_append`). After each `feed`, ``head`` is the hash of the last good line,
    ``lines`` their number, and ``seal`` the seal event once one was read."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = path
        self.lines = 0
        self.head = GENESIS
        self.header: dict | None = None
        self.seal: dict | None = None
        self.seal_line: int | None = None

    def feed(self, line_no: int, raw: bytes) -> tuple[str, str] | None:
        """Check line ``line_no``; return ``(code, problem)`` or None when it is good.

        Line 1 must be a readable header or `InputError` is raised.
        """
        if self.seal is not None:
            return "after_seal", (
                f"line {line_no} comes after the seal on line {self.seal_line}: "
                "nothing may follow a seal"
            )
        if not raw.endswith(b"\n"):
            return "torn", f"the last line, line {line_no}, is incomplete (torn write)"
        if line_no == 1:
            try:
                event = parse_line(raw, 1, self.path)
            except InputError as e:
                raise InputError(
                    f"not a coord transcript: {e.message}", file=str(self.path), line=1
                ) from None
            check_header(event, self.path)
        else:
            try:
                event = parse_line(raw, line_no, self.path)
            except InputError as e:
                return "malformed", e.message

        claimed = event.pop("hash", None)
        if not isinstance(claimed, str):
            return "edited", f"line {line_no} has no hash"
        if event_hash(event) != claimed:
            return "edited", f"line {line_no} was edited: its hash does not match its content"
        event["hash"] = claimed

        seq, expected = event.get("seq"), line_no - 1
        if seq != expected or isinstance(seq, bool):
            if line_no == 1:
                return "reordered", f"line 1 should have seq 0, found {seq!r}"
            return "reordered", (
                f"line {line_no} does not follow line {line_no - 1}: expected seq {expected}, "
                f"found {seq!r} (a line was removed or reordered)"
            )
        if event.get("prev") != self.head:
            if line_no == 1:
                return "unchained", "prev of line 1 is not the genesis hash"
            return "unchained", (
                f"prev of line {line_no} does not match the hash of line {line_no - 1}"
            )

        kind = event.get("kind")
        if not isinstance(kind, str):
            return "malformed", f"line {line_no} has no kind"
        if kind == KIND_HEADER and line_no != 1:
            return "reordered", f"line {line_no} is a second header"
        if kind == KIND_SEAL:
            problem = self._check_seal(line_no, event)
            if problem:
                return "bad_seal", problem
            self.seal, self.seal_line = event, line_no
        if line_no == 1:
            self.header = event
        self.head = claimed
        self.lines = line_no
        return None

    def _check_seal(self, line_no: int, seal: dict) -> str | None:
        status = seal.get("status")
        if status not in SEAL_STATUSES:
            return f"the seal on line {line_no} has an unknown status {status!r}"
        if seal.get("events") != line_no - 1:
            return f"the seal says {seal.get('events')!r} events but {line_no - 1} were found"
        if seal.get("head") != self.head:
            return f"seal head does not match the hash of line {line_no - 1}"
        return None


def _check_lines(path: str | os.PathLike, lines: Iterable[tuple[int, bytes]]) -> VerifyReport:
    check = ChainCheck(path)
    read = 0
    try:
        for line_no, raw in lines:
            read = line_no
            found = check.feed(line_no, raw)
            if found:
                return _bad(check, path, read, line_no, *found)
    except InputError as e:
        # A line too long to read; on line 1 that means a foreign file (exit 2).
        if e.line is None or e.line <= 1:
            raise
        return _bad(check, path, e.line, e.line, "malformed", e.message)
    if read == 0:
        return _bad(check, path, 0, None, "empty", "the file is empty: it has no header")
    if check.seal is None:
        return _bad(
            check,
            path,
            read,
            None,
            "unsealed",
            f"the transcript ends without a seal after line {read} "
            "(the tail was cut or the run is still writing)",
        )
    return VerifyReport(
        path=str(path), ok=True, status=check.seal.get("status"), events=read, sealed=True
    )


def _bad(check, path, read, line, code, problem) -> VerifyReport:
    seal = check.seal
    return VerifyReport(
        path=str(path),
        ok=False,
        status=seal.get("status") if seal else None,
        events=read,
        sealed=seal is not None,
        first_bad_line=line,
        problem=problem,
        code=code,
        hint=_HINTS[code],
    )


def verify(path: str | os.PathLike) -> VerifyReport:
    """Check the whole chain of ``path``, streaming; stop at the first problem.

    Raises `InputError` when ``path`` is missing, not a coord transcript, or written by a
    newer coord; every other problem is reported in the returned `VerifyReport`.
    """
    return _check_lines(path, iter_lines(path))


def verify_or_raise(path: str | os.PathLike) -> VerifyReport:
    """`verify`, raising `IntegrityError` (exit 4) at the first bad line instead of
    returning a not-ok report."""
    report = verify(path)
    if not report.ok:
        raise IntegrityError(
            report.problem or "the transcript failed verification",
            file=str(path),
            line=report.first_bad_line,
            hint=report.hint,
        )
    return report
