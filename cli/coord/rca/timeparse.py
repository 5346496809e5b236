"""Timestamps of the layouts coord reads, as UTC epoch seconds (floats).

Accepted: epoch numbers in seconds, milliseconds, microseconds or nanoseconds (told apart by
magnitude); ISO 8601 (`2023-01-30T11:50:59.97Z`, `+08:00` offsets, a space instead of `T`,
fractions of any length); Go's `time.String()` form that Nezha writes
(`2022-08-22 03:51:19.607158889 +0000 UTC m=+0.11`). A timestamp without a zone is taken as
UTC; a file that mixes zoned and zone-less timestamps gets one warning saying so
(`TimeReader.warnings`), since the zone-less ones may be local time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?(?:\s+[A-Z]{2,5})?(?:\s+m=[+-][\d.]+)?\s*$"
)


class TimeError(ValueError):
    """A timestamp that cannot be read."""


def parse_number(value: float) -> float:
    """Epoch seconds from a number in s, ms, µs or ns."""
    a = abs(value)
    if a >= 1e17:
        return value / 1e9
    if a >= 1e14:
        return value / 1e6
    if a >= 1e11:
        return value / 1e3
    return value


class TimeReader:
    """Parses the timestamps of one file and remembers whether zones were mixed."""

    def __init__(self) -> None:
        self.zoned = 0
        self.naive = 0

    @property
    def warnings(self) -> list[str]:
        if self.zoned and self.naive:
            return [
                f"mixed time zones: {self.naive} timestamps without a zone were taken as UTC "
                f"beside {self.zoned} with one"
            ]
        return []

    def parse(self, text: str) -> float:
        s = text.strip()
        if not s:
            raise TimeError("empty timestamp")
        try:
            return parse_number(float(s))
        except ValueError:
            pass
        m = _ISO.match(s)
        if not m:
            raise TimeError(f"unreadable timestamp {s[:40]!r}")
        y, mo, d, h, mi, sec, frac, zone = m.groups()
        try:
            dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec or 0))
        except ValueError as exc:
            raise TimeError(f"impossible date {s[:40]!r}: {exc}") from None
        offset = 0.0
        if zone is None:
            self.naive += 1
        else:
            self.zoned += 1
            if zone != "Z":
                z = zone.replace(":", "")
                sign = -1 if z[0] == "-" else 1
                offset = sign * (int(z[1:3]) * 3600 + int(z[3:5]) * 60)
        base = dt.replace(tzinfo=timezone.utc).timestamp() - offset
        return base + (float("0." + frac) if frac else 0.0)


def parse_time(text: str) -> float:
    """One timestamp as UTC epoch seconds (zone-less taken as UTC); `TimeError` if bad."""
    return TimeReader().parse(text)


def iso(ts: float) -> str:
    """Epoch seconds as an ISO 8601 UTC string (for messages and reports)."""
    dt = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=ts)
    return dt.isoformat().replace("+00:00", "Z")
