"""Logs: streaming readers and template mining (drain3) into per-service evidence.

Readers yield `(epoch seconds, service, message)` one record at a time, so a log file of
any size is read in constant memory; the miner keeps only counts per (service, template,
window) and drain3's bounded cluster table (`MAX_TEMPLATES`, least recently used evicted).

Accepted files:
- CSV with a header naming a time column (`Timestamp`, `time`, ...), a service or pod
  column (`service`, `PodName`, `container_name`, ...) and a message column (`message`,
  `log`, `Log`); a message that is a JSON object with a `log` field (container runtime
  logs, as in Nezha) is unwrapped;
- JSON Lines with the same keys;
- plain lines `TIMESTAMP SERVICE MESSAGE` (an ISO timestamp may have a space before its
  time part). Lines that cannot be read are counted and reported in one warning.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from coord.errors import InputError
from coord.rca.model import LogRecord, service_of
from coord.rca.timeparse import TimeError, TimeReader

MAX_TEMPLATES = 2000
TIME_KEYS = ("timestamp", "time", "ts", "@timestamp", "datetime")
SERVICE_KEYS = ("service", "podname", "pod", "container_name", "container", "app", "source")
MESSAGE_KEYS = ("message", "log", "msg", "content", "text")

_ERROR = re.compile(
    r"(?:error|exception)s?\b|\b(?:fatal|fail|failed|failure|timeout|timed out|refused|"
    r"unavailable|panic|traceback|denied|invalid|5\d\d)\b|\bERR\b|\bWARN(?:ING)?\b",
    re.I,
)
_LEAD_TIME = re.compile(r"^\s*\[?\d{2,4}[-/:]\d{2}[-/:]\d{2}[T ]?[\d:.,]*\]?\s*")
_TRACE = re.compile(r"\b(?:[Tt]race_?[Ii][Dd]|[Ss]pan_?[Ii][Dd])\s*[:=]\s*[0-9a-fA-F-]+")
# One pass: UUIDs, IP addresses, long hex ids, then numbers.
_MASK = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?|\b[0-9a-fA-F]{12,}\b|\d+(?:\.\d+)?"
)
MAX_MESSAGE = 400
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _unwrap(message: str) -> str:
    if message.startswith("{") and '"log"' in message:
        try:
            return str(json.loads(message).get("log", message)).rstrip("\n")
        except (ValueError, AttributeError):
            return message
    return message


def clean(message: str) -> str:
    """The message as the miner sees it: no leading time, trace ids or numbers."""
    text = _TRACE.sub("", _LEAD_TIME.sub("", message[: MAX_MESSAGE + 100]))
    return " ".join(_MASK.sub("<*>", text).split())[:MAX_MESSAGE]


def is_error(text: str) -> bool:
    return _ERROR.search(text) is not None


class LogReader:
    """Streams one log file; counts the lines it had to skip."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.skipped = 0
        self.first_skipped = 0
        self.clock = TimeReader()

    def _skip(self, lineno: int) -> None:
        self.skipped += 1
        self.first_skipped = self.first_skipped or lineno

    def __iter__(self) -> Iterator[LogRecord]:
        try:
            fh = open(self.path, newline="", encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(
                f"cannot read log file {self.path}: {exc.strerror}", file=str(self.path)
            ) from None
        with fh:
            first = fh.readline()
            if not first:
                return
            stripped = first.lstrip()
            if stripped.startswith("{"):
                fh.seek(0)
                yield from self._jsonl(fh)
                return
            header = next(csv.reader([first]))
            low = [h.strip().lower() for h in header]
            t = next((low.index(k) for k in TIME_KEYS if k in low), None)
            m = next((low.index(k) for k in MESSAGE_KEYS if k in low), None)
            if t is not None and m is not None:
                s = next((low.index(k) for k in SERVICE_KEYS if k in low), None)
                yield from self._csv(fh, t, s, m)
                return
            fh.seek(0)
            yield from self._plain(fh)

    def _csv(self, fh, t: int, s: int | None, m: int) -> Iterator[LogRecord]:
        for lineno, row in enumerate(csv.reader(fh), start=2):
            try:
                ts = self.clock.parse(row[t])
                svc = service_of(row[s].strip()) if s is not None else "unknown"
                yield ts, svc, _unwrap(row[m])
            except (TimeError, IndexError):
                self._skip(lineno)

    def _jsonl(self, fh) -> Iterator[LogRecord]:
        for lineno, line in enumerate(fh, start=1):
            try:
                obj = json.loads(line)
                low = {str(k).lower(): v for k, v in obj.items()}
                ts = self.clock.parse(str(next(low[k] for k in TIME_KEYS if k in low)))
                svc = next((str(low[k]) for k in SERVICE_KEYS if k in low), "unknown")
                msg = next(str(low[k]) for k in MESSAGE_KEYS if k in low)
                yield ts, service_of(svc), msg
            except (ValueError, AttributeError, StopIteration, TimeError):
                self._skip(lineno)

    def _plain(self, fh) -> Iterator[LogRecord]:
        for lineno, line in enumerate(fh, start=1):
            parts = line.split(None, 3)
            try:
                if len(parts) >= 4 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", parts[0]):
                    ts = self.clock.parse(parts[0] + " " + parts[1])
                    svc, msg = parts[2], parts[3]
                else:
                    ts = self.clock.parse(parts[0])
                    svc, msg = parts[1], line.split(None, 2)[2]
                yield ts, service_of(svc.strip("[]:")), msg.rstrip("\n")
            except (TimeError, IndexError):
                self._skip(lineno)

    def warnings(self) -> list[str]:
        out = [f"{self.path.name}: {w}" for w in self.clock.warnings]
        if self.skipped:
            out.append(
                f"{self.path.name}: {self.skipped} unreadable log lines skipped "
                f"(first at line {self.first_skipped})"
            )
        return out


def mine(*args, **kwargs):
    """Template mining of a record stream: `coord.rca.logmine.mine` (kept here for callers
    that import it with the readers)."""
    from coord.rca.logmine import mine as _mine

    return _mine(*args, **kwargs)
