"""Streaming reader of transcripts.

Nothing here loads a whole transcript: `Transcript.open` reads the first line only,
`Transcript.events` yields one event at a time, and `Transcript.seal` reads the file from
the end. Reading is not verifying — `coord.transcript.verify` checks the hash chain; the
reader only refuses what it cannot safely parse (foreign files, newer versions, huge or
deeply nested lines) with an `InputError` that names the line.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

# 2-3x the standard parser on transcript lines: replay and verify read millions.
from orjson import loads as _fast_loads

from coord.errors import InputError
from coord.transcript.format import (
    KIND_HEADER,
    KIND_SEAL,
    MAX_DEPTH,
    MAX_LINE_BYTES,
    SCHEMA_VERSION,
    too_deep,
)

UPGRADES: dict[int, Callable[[dict], dict]] = {}
"""Upgrade hooks: ``UPGRADES[v]`` turns a version-``v`` event (header and seal included)
into a version ``v + 1`` one. Reading an older transcript applies them in a chain up to
`SCHEMA_VERSION`. Empty while version 1 is the only version there has ever been."""


_TAIL_CHUNK = 64 * 1024
_KIND_AT_START = re.compile(rb'\{"seq":\d+,"kind":"([A-Za-z_]+)"')
_MIB = MAX_LINE_BYTES // (1024 * 1024)


def _open_binary(path: str | os.PathLike):
    """Open ``path`` for reading, turning OS errors into an `InputError` with a hint."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(
            "no such transcript", file=str(path), hint="check the path (transcripts end in .jsonl)"
        ) from None
    except IsADirectoryError:
        raise InputError(
            "is a directory, not a transcript file",
            file=str(path),
            hint="pass the .jsonl file inside it",
        ) from None
    except OSError as e:
        raise InputError(f"cannot read the transcript: {e.strerror}", file=str(path)) from None


def iter_lines(path: str | os.PathLike) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_no, raw)`` for every line of ``path``, 1-based.

    ``raw`` includes its trailing newline; a last line without one is a torn write, and
    callers tell by ``raw.endswith(b"\\n")``. A line longer than `MAX_LINE_BYTES` is
    refused (`InputError`) after reading at most that many bytes of it.
    """
    with _open_binary(path) as f:
        line_no = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            line_no += 1
            length = len(raw) - 1 if raw.endswith(b"\n") else len(raw)
            if length > MAX_LINE_BYTES:
                raise InputError(
                    f"line {line_no} is longer than {_MIB} MiB",
                    file=str(path),
                    line=line_no,
                    hint="coord never writes such lines; this file was not written by coord "
                    "or was tampered with",
                )
            yield line_no, raw


def _where(line_no: int | None) -> str:
    return f"line {line_no}" if line_no is not None else "the last line"


def parse_line(raw: bytes, line_no: int | None, path: str | os.PathLike) -> dict:
    """Parse one transcript line into a dict, refusing deep nesting and non-objects."""
    if too_deep(raw):
        raise InputError(
            f"{_where(line_no)} nests deeper than {MAX_DEPTH} levels",
            file=str(path),
            line=line_no,
            hint="coord never writes such lines; this file was not written by coord "
            "or was tampered with",
        )
    try:
        obj = _fast_loads(raw)
    except ValueError:  # orjson is stricter (and terse): the standard parser explains why
        obj = _loads_explained(raw, line_no, path)
    if not isinstance(obj, dict):
        raise InputError(
            f"{_where(line_no)} is not a JSON object (found {_describe(obj)})",
            file=str(path),
            line=line_no,
        )
    return obj


def _loads_explained(raw: bytes, line_no: int | None, path: str | os.PathLike) -> object:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputError(
            f"{_where(line_no)} is not valid JSON: {e.msg}",
            file=str(path),
            line=line_no,
            column=e.colno,
        ) from None
    except ValueError as e:  # UnicodeDecodeError: not UTF-8
        raise InputError(
            f"{_where(line_no)} is not valid UTF-8 JSON: {e}", file=str(path), line=line_no
        ) from None


def _describe(obj: object) -> str:
    """A few words on what a parsed line is, for 'not a transcript' messages."""
    if isinstance(obj, dict):
        if "kind" in obj:
            return f'a JSON object with "kind": {json.dumps(obj["kind"])[:40]}'
        keys = ", ".join(json.dumps(k) for k in list(obj)[:4])
        return f"a JSON object with keys {keys}" if keys else "an empty JSON object"
    names = {list: "a JSON array", str: "a JSON string", bool: "a JSON boolean"}
    if obj is None:
        return "JSON null"
    return names.get(type(obj), "a JSON number")


def check_header(obj: object, path: str | os.PathLike) -> int:
    """Check that ``obj`` (line 1, parsed) is a transcript header coord can read.

    Returns its ``schema_version``. Raises `InputError` for foreign files, newer versions
    and older versions that no upgrade hook covers.
    """
    if not isinstance(obj, dict) or obj.get("kind") != KIND_HEADER:
        raise InputError(
            f"not a coord transcript: line 1 should be a header "
            f'(a JSON object with "kind": "header"), found {_describe(obj)}',
            file=str(path),
            line=1,
            hint="pass a transcript written by `coord run`; transcripts of other tools "
            "are read by `coord replay` through its interchange form",
        )
    version = obj.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(
            f"the transcript header has no valid schema_version (found {version!r})",
            file=str(path),
            line=1,
        )
    if version > SCHEMA_VERSION:
        raise InputError(
            f"the transcript has schema_version {version}; this coord reads versions up to "
            f"{SCHEMA_VERSION}",
            file=str(path),
            line=1,
            hint="upgrade coord (pip install --upgrade coord) to read it",
        )
    if version < SCHEMA_VERSION and any(v not in UPGRADES for v in range(version, SCHEMA_VERSION)):
        raise InputError(
            f"transcript schema_version {version} is no longer supported "
            f"(this coord reads version {SCHEMA_VERSION})",
            file=str(path),
            line=1,
            hint="read it with the coord release that wrote it",
        )
    return version


def _upgrade(event: dict, version: int) -> dict:
    for v in range(version, SCHEMA_VERSION):
        event = UPGRADES[v](event)
    return event


def read_last_line(path: str | os.PathLike) -> tuple[int, bytes] | None:
    """``(offset, raw)`` of the last line of ``path``, reading backwards from the end.

    ``raw`` keeps its newline, if it has one (without, the line is torn). None for an
    empty file. Reads at most `MAX_LINE_BYTES` (plus a chunk) whatever the file size.
    """
    with _open_binary(path) as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return None
        chunks: list[bytes] = []
        pos = size
        skip_final_newline = True  # the newline that ends the last line does not start it
        while pos > 0:
            step = min(_TAIL_CHUNK, pos)
            pos -= step
            f.seek(pos)
            chunk = f.read(step)
            search_end = len(chunk)
            if skip_final_newline:
                skip_final_newline = False
                if chunk.endswith(b"\n"):
                    search_end -= 1
            i = chunk.rfind(b"\n", 0, search_end)
            if i >= 0:
                chunks.append(chunk[i + 1 :])
                start = pos + i + 1
                break
            chunks.append(chunk)
            if size - pos > MAX_LINE_BYTES + 1:
                raise InputError(
                    f"the last line is longer than {_MIB} MiB",
                    file=str(path),
                    hint="coord never writes such lines; this file was not written by coord "
                    "or was tampered with",
                )
        else:
            start = 0
        return start, b"".join(reversed(chunks))


class Transcript:
    """A transcript on disk, read lazily.

    Use `Transcript.open`; the constructor does no I/O. ``header`` is upgraded to the
    current `SCHEMA_VERSION`; ``schema_version`` is the version on disk.
    """

    def __init__(self, path: str | os.PathLike, header: dict, schema_version: int) -> None:
        self._path = Path(path)
        self._header = header
        self.schema_version = schema_version

    @classmethod
    def open(cls, path: str | os.PathLike) -> Transcript:
        """Read and check the header (line 1) of ``path``; nothing else is read."""
        for line_no, raw in iter_lines(path):
            if not raw.endswith(b"\n"):
                raise InputError(
                    "line 1 is incomplete: the transcript header was cut off",
                    file=str(path),
                    line=line_no,
                    hint="the run stopped before its header reached the disk; run it again",
                )
            try:
                obj = parse_line(raw, line_no, path)
            except InputError as e:
                raise InputError(
                    f"not a coord transcript: {e.message}",
                    file=str(path),
                    line=1,
                    column=e.column,
                    hint="pass a transcript written by `coord run`",
                ) from None
            version = check_header(obj, path)
            return cls(path, _upgrade(obj, version), version)
        raise InputError(
            "the file is empty: not a coord transcript (line 1 should be its header)",
            file=str(path),
            line=1,
        )

    @property
    def path(self) -> Path:
        return self._path

    @property
    def header(self) -> dict:
        return self._header

    def events(self, only: frozenset[str] | None = None) -> Iterator[dict]:
        """Yield every event after the header, in order, one line at a time.

        Stops at the seal (not yielded; see `seal`) and skips a torn last line (see
        `torn`). Lines after a seal are not yielded: `verify` reports them as tampering.
        With ``only``, events of other kinds are skipped, and a line that starts the way
        coord writes it (``{"seq":N,"kind":"..."``) is skipped without being parsed: a
        reader that needs a few kinds of a long transcript does not pay for the rest.
        Every yielded event carries ``"_line"``, its line number, when ``only`` is given.
        """
        lines = iter_lines(self._path)
        next(lines, None)  # the header, already read
        for line_no, raw in lines:
            if not raw.endswith(b"\n"):
                return  # torn last line
            if only is not None:
                m = _KIND_AT_START.match(raw)
                if m is not None and m.group(1).decode() not in only and m.group(1) != b"seal":
                    continue
            event = parse_line(raw, line_no, self._path)
            if only is not None:
                if event.get("kind") not in only and event.get("kind") != KIND_SEAL:
                    continue
                event["_line"] = line_no
            if event.get("kind") == KIND_SEAL:
                return
            if self.schema_version != SCHEMA_VERSION:
                event = _upgrade(event, self.schema_version)
            yield event

    @property
    def seal(self) -> dict | None:
        """The seal (last line, if it is complete and a seal), or None; read from the end."""
        last = read_last_line(self._path)
        if last is None:
            return None
        offset, raw = last
        if offset == 0 or not raw.endswith(b"\n"):
            return None  # only the header, or a torn last line
        event = parse_line(raw, None, self._path)
        if event.get("kind") != KIND_SEAL:
            return None
        return _upgrade(event, self.schema_version)

    @property
    def torn(self) -> bool:
        """True when the file does not end with a newline: its last line is incomplete."""
        with _open_binary(self._path) as f:
            if f.seek(0, os.SEEK_END) == 0:
                return False
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"

    def __repr__(self) -> str:
        return f"Transcript({str(self._path)!r}, schema_version={self.schema_version})"
