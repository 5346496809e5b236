"""`Spool`: a list that keeps its items as JSON lines, on disk once it outgrows memory.

A replay of a long transcript produces a finding or a round summary every few events;
held as Python objects they would be most of its memory. A spool holds each item as one
compact JSON line in a `tempfile.SpooledTemporaryFile` (in memory up to `MEMORY` bytes,
then a temporary file that is deleted when the spool is), and gives them back in order.
`coord.console.print_json_lines` writes a document holding spools without decoding them.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

MEMORY = 8 * 1024 * 1024
BATCH = 256  # items encoded before one write to the file (a write per item costs more)


def _dumps(item: Any) -> bytes:
    """Compact UTF-8 JSON (orjson: a replay spools a finding or a round every few events)."""
    return orjson.dumps(item, option=orjson.OPT_NON_STR_KEYS)


class Spool:
    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=MEMORY, mode="w+b")
        self._n = 0
        self._pending: list[bytes] = []  # encoded lines not written yet
        self.extend(items)

    def append(self, item: Any) -> None:
        self._pending.append(_dumps(item))
        self._n += 1
        if len(self._pending) >= BATCH:
            self._flush()

    def extend(self, items: Iterable[Any]) -> None:
        for item in items:
            self.append(item)

    def _flush(self) -> None:
        if self._pending:
            self._file.seek(0, 2)  # a reader may have left the position anywhere
            self._file.write(b"\n".join(self._pending) + b"\n")
            self._pending.clear()

    def __iadd__(self, items: Iterable[Any]) -> Spool:
        self.extend(items)
        return self

    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def json_lines(self) -> Iterator[bytes]:
        """Each item's JSON, without its newline."""
        self._flush()
        self._file.seek(0)
        for line in self._file:
            yield line.rstrip(b"\n")

    def __iter__(self) -> Iterator[Any]:
        for line in self.json_lines():
            yield json.loads(line)

    def __getitem__(self, index: int) -> Any:
        """By position, reading from the start (for tests and small spools)."""
        n = index + self._n if index < 0 else index
        if not 0 <= n < self._n:
            raise IndexError(index)
        for k, item in enumerate(self):
            if k == n:
                return item
        raise IndexError(index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Spool, list)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spool({self._n} items)"
