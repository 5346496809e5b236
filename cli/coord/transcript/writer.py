"""Append-only, hash-chained transcript writer.

Durability: every event is handed to the OS with one ``write`` before `append` returns,
so a crash of the process (an exception, ``kill -9``) loses nothing already appended —
the kernel owns the bytes. Events are not fsynced one by one: an fsync costs a disk
round-trip (milliseconds on many disks), which would cap a run at a few hundred events
per second against the thousands a policy-only run produces. Only a power loss or kernel
crash can lose the unsynced tail, and then the transcript is merely cut short (verify says
so; `open_for_append` drops a torn last line and resumes). The seal is fsynced, so a
transcript reported as sealed is on disk.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from coord.errors import Cancelled, InputError, IntegrityError
from coord.redact import needs_redaction, redact, secret_values
from coord.transcript.format import (
    GENESIS,
    KIND_ERROR,
    KIND_HEADER,
    KIND_SEAL,
    RESERVED_FIELDS,
    SCHEMA_VERSION,
    SEAL_STATUSES,
    STATUS_CANCELLED,
    STATUS_COMPLETED,
    STATUS_FAILED,
    encode_event,
    utc_now,
)
from coord.transcript.reader import Transcript, iter_lines, parse_line, read_last_line
from coord.transcript.verify import ChainCheck

_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows only: no newline translation
_MAX_ERROR_MESSAGE = 10_000  # characters of an exception message kept in an error event


class TranscriptClosedError(RuntimeError):
    """`append` or `seal` on a writer that is already sealed or closed (a programming error)."""


class TranscriptWriter:
    """Writes one transcript: the header, then events, then the seal.

    Create it with `TranscriptWriter.create` (a new file) or `open_for_append` (resume).
    Use it as a context manager to be sure it is sealed: ``completed`` on normal exit,
    ``cancelled`` on KeyboardInterrupt or `Cancelled`, ``failed`` on any other exception
    (after an ``error`` event recording it); the exception is re-raised. Thread-safe:
    appends from several threads are serialised, each getting the next ``seq``.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        fd: int,
        *,
        header: dict | None = None,
        seq: int = -1,
        head: str = GENESIS,
    ) -> None:
        """Low level: wrap an fd open for appending. Prefer `create` / `open_for_append`."""
        self._path = Path(path)
        self._fd: int | None = fd
        self._header = header
        self._seq = seq
        self._head = head
        self._status: str | None = None
        self._lock = threading.Lock()
        self._secrets: list[str] | None = None  # read from the environment once per writer

    @classmethod
    def create(cls, path: str | os.PathLike, header: dict) -> TranscriptWriter:
        """Create ``path`` (and its parent folders) and write the header line.

        ``header`` holds the caller's fields (coord_version, scenario, scenario hash,
        seed, backends, started, ...); ``schema_version``, ``kind``, ``seq``, ``prev`` and
        ``hash`` are added here. An existing file is never overwritten (`InputError`).
        """
        if not isinstance(header, dict):
            raise TypeError(f"header must be a dict, not {type(header).__name__}")
        clash = RESERVED_FIELDS & header.keys()
        if clash:
            raise ValueError(f"header fields {sorted(clash)} are set by the transcript writer")
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _O_BINARY)
        except FileExistsError:
            raise InputError(
                "the transcript file already exists; coord never overwrites a transcript",
                file=str(path),
                hint="choose another --out, or move the old transcript away first",
            ) from None
        except OSError as e:
            raise InputError(
                f"cannot create the transcript: {e.strerror}",
                file=str(path),
                hint="choose another --out in a folder you can write to",
            ) from None
        writer = cls(path, fd)
        try:
            writer._header = writer._write(KIND_HEADER, header)
        except BaseException:
            # Nothing worth keeping was written: leave no half-made file behind.
            writer.close()
            path.unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)  # make the new directory entry itself durable
        return writer

    # -- state ---------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def header(self) -> dict | None:
        """The header event as written (with schema_version, seq, prev and hash)."""
        return self._header

    @property
    def head(self) -> str:
        """The hash of the last line written: the ``prev`` of the next one."""
        return self._head

    @property
    def seq(self) -> int:
        """The ``seq`` of the last line written (0 right after the header)."""
        return self._seq

    @property
    def sealed(self) -> bool:
        return self._status is not None

    @property
    def status(self) -> str | None:
        """The seal status once sealed, else None."""
        return self._status

    # -- writing -------------------------------------------------------------------------

    def append(self, kind: str, /, **fields: object) -> dict:
        """Append one event and hand it to the OS before returning.

        Returns the event as a reader will see it, with ``seq``, ``prev`` and ``hash``.
        ``fields`` must be JSON-serialisable (no NaN/Infinity) and may not use the
        reserved keys ``seq``, ``kind``, ``prev``, ``hash``, ``schema_version``.
        """
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"event kind must be a non-empty string, not {kind!r}")
        if kind in (KIND_HEADER, KIND_SEAL):
            raise ValueError(f"kind {kind!r} is written by the writer itself")
        if RESERVED_FIELDS.isdisjoint(fields):
            return self._write(kind, fields)
        clash = sorted(RESERVED_FIELDS.intersection(fields))
        raise ValueError(f"event fields {clash} are set by the transcript writer")

    def seal(self, status: str = STATUS_COMPLETED) -> dict:
        """Write the seal, fsync and close. Sealing twice is an error."""
        if status not in SEAL_STATUSES:
            raise ValueError(f"seal status must be one of {SEAL_STATUSES}, not {status!r}")
        with self._lock:
            fields = {
                "status": status,
                "events": self._seq + 1,  # lines before the seal, header included
                "head": self._head,
                "ended": utc_now(),
            }
            event = self._write_locked(KIND_SEAL, fields)
            self._status = status
            fd, self._fd = self._fd, None
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return event

    def close(self) -> None:
        """Close without sealing: the transcript stays open for `open_for_append`."""
        with self._lock:
            if self._fd is not None:
                fd, self._fd = self._fd, None
                os.close(fd)

    def _write(self, kind: str, fields: dict) -> dict:
        with self._lock:
            return self._write_locked(kind, fields)

    def _write_locked(self, kind: str, fields: dict) -> dict:
        if self._fd is None:
            state = f"sealed ({self._status})" if self._status else "closed"
            raise TranscriptClosedError(f"transcript {self._path} is already {state}")
        seq = self._seq + 1
        if kind == KIND_HEADER:  # schema_version first, so readers can dispatch on it
            event = {"schema_version": SCHEMA_VERSION, "kind": kind, "seq": seq}
        else:
            event = {"seq": seq, "kind": kind}
        event.update(fields)
        event["prev"] = self._head
        line, stored = self._serialise(event)
        _write_all(self._fd, line)
        self._seq = seq
        self._head = stored["hash"]
        return stored

    def _serialise(self, event: dict) -> tuple[bytes, dict]:
        """Turn one event into its line: the only path from an event to the file.

        Header, events, error events and the seal all pass through here. Secrets are
        redacted here (`coord.redact`), before hashing, so that what is chained is what
        is stored and a redacted transcript still verifies.
        """
        line, stored = encode_event(event)
        if self._secrets is None:
            self._secrets = secret_values()
        text = line.decode("utf-8")
        if needs_redaction(text, self._secrets):
            line, stored = encode_event(redact(event, self._secrets))
        return line, stored

    # -- context manager -----------------------------------------------------------------

    def __enter__(self) -> TranscriptWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._fd is None:  # sealed or closed by the caller already
            return False
        if exc_type is None:
            self.seal(STATUS_COMPLETED)
            return False
        if issubclass(exc_type, (KeyboardInterrupt, Cancelled)):
            status = STATUS_CANCELLED
        else:
            status = STATUS_FAILED
            try:
                message = str(exc)
                if len(message) > _MAX_ERROR_MESSAGE:
                    message = message[:_MAX_ERROR_MESSAGE] + "... (truncated)"
                self.append(KIND_ERROR, type=exc_type.__name__, message=message)
            except Exception:
                pass  # the seal matters more than the error event
        try:
            self.seal(status)
        except Exception as seal_error:
            # Never hide the exception that ended the run behind one about the seal.
            self.close()
            if hasattr(exc, "add_note"):
                exc.add_note(f"coord could not seal the transcript {self._path}: {seal_error}")
        return False

    def __repr__(self) -> str:
        state = self._status or ("open" if self._fd is not None else "closed")
        return f"TranscriptWriter({str(self._path)!r}, seq={self._seq}, {state})"


def open_for_append(path: str | os.PathLike) -> TranscriptWriter:
    """Reopen an unsealed transcript to continue it (resume).

    A torn last line (no newline, or not parseable) is cut off the file; the chain of what
    remains is verified (`IntegrityError` if broken); the writer continues ``seq`` and
    ``prev`` from the last good line. A sealed transcript is refused (`InputError`).
    """
    path = Path(path)
    transcript = Transcript.open(path)  # refuses foreign files, newer versions, torn header
    if transcript.schema_version != SCHEMA_VERSION:
        raise InputError(
            f"the transcript has schema_version {transcript.schema_version}; this coord "
            f"only continues version {SCHEMA_VERSION} transcripts",
            file=str(path),
            line=1,
            hint="resume it with the coord release that wrote it, or start a new run",
        )
    size = path.stat().st_size
    keep = size
    offset, last = read_last_line(path)
    if offset > 0 and (not last.endswith(b"\n") or not _parses(last, path)):
        keep = offset  # torn write: drop the last line

    check = ChainCheck(path)
    consumed = 0
    for line_no, raw in iter_lines(path):
        if consumed >= keep:
            break
        consumed += len(raw)
        found = check.feed(line_no, raw)
        if found:
            raise IntegrityError(
                f"cannot resume: {found[1]}",
                file=str(path),
                line=line_no,
                hint="the transcript was changed after coord wrote it; start a new run",
            )
    if check.seal is not None:
        raise InputError(
            f"the transcript is already sealed ({check.seal.get('status')}); "
            "a sealed transcript cannot be continued",
            file=str(path),
            line=check.seal_line,
            hint="start a new run with another --out",
        )
    if keep < size:
        with open(path, "r+b") as f:
            f.truncate(keep)
            f.flush()
            os.fsync(f.fileno())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | _O_BINARY)
    except OSError as e:
        raise InputError(
            f"cannot open the transcript for writing: {e.strerror}", file=str(path)
        ) from None
    return TranscriptWriter(path, fd, header=check.header, seq=check.lines - 1, head=check.head)


def _parses(raw: bytes, path: Path) -> bool:
    try:
        parse_line(raw, None, path)
    except InputError:
        return False
    return True


def _write_all(fd: int, data: bytes) -> None:
    # os.write may write less than asked (signals, nearly full disks); loop until done.
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    """fsync a directory so a new entry in it survives a crash (POSIX; no-op elsewhere)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
