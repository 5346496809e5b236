"""Load JSON and JSON Lines safely: strict RFC 8259, hostile input refused.

`load_json(path)` returns the decoded value; `load_jsonl(path)` yields `(line_number, value)`
for each non-blank line, reading one line at a time. Refused with an `InputError` (file,
line, column where known, and a hint):

* duplicate keys in one object (naming the key and the line of its second occurrence);
* `NaN`, `Infinity`, `-Infinity`, and numbers that overflow a float (`1e999`) or have more
  digits than Python converts;
* nesting deeper than `max_depth` (200) — measured by a scan *before* decoding, so a
  100 000-deep `[[[[…` costs a few hundred steps and never reaches the recursive decoder;
* files (or, for JSON Lines, single lines) larger than `max_bytes`;
* invalid UTF-8 and syntax errors (with `JSONDecodeError`'s line and column).

A UTF-8 byte order mark at the start is ignored.

Decoded values have no positions, so a check that runs after decoding (a schema, say) names
the offending value by its path; `locate(text, path)` turns such a path back into a line and
column when the error is reported. `read_text(path)` gives the text to pass to both
`load_json(path, text=...)` and `locate`.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator, Sequence

from coord.errors import InputError, UsageError

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 200
_JSON_SPACE = " \t\r\n"

# A JSON string — written as an unrolled loop, and with the closing quote optional so that
# an unterminated string matches to the end instead of failing: a failed match would be
# retried from every later quote, which is quadratic on `"\"\"\"…`. Group 1 marks a key.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"?'
_TOKEN = re.compile(_STRING + r"(\s*:)?|[\[\]{}]", re.S)


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _BadNumber(Exception):
    def __init__(self, literal: str, reason: str, hint: str) -> None:
        self.literal = literal
        self.reason = reason
        self.hint = hint


def load_json(
    source: str | os.PathLike,
    *,
    text: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> object:
    """Decode one JSON document from `source` (or `text`, `source` naming it in errors).

    Raises `InputError` for anything refused (see the module docstring) and `UsageError`
    when the file cannot be read at all.
    """
    display = os.fspath(source)
    if text is None:
        text = read_text(display, max_bytes=max_bytes)
    elif len(text) > max_bytes or (
        len(text) * 4 > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes
    ):
        raise _too_large(display, max_bytes)
    if text.startswith("\ufeff"):
        text = text[1:]
    return _decode_document(text, display, max_depth=max_depth, first_line=1)


def read_text(source: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> str:
    """The text of the file `source` as `load_json` decodes it: UTF-8, without a byte order
    mark, refused (like `load_json`) when larger than `max_bytes` or not UTF-8."""
    display = os.fspath(source)
    text = _decode(_read_bytes(display, max_bytes), display, first_line=1)
    return text[1:] if text.startswith("\ufeff") else text


def load_jsonl(
    source: str | os.PathLike,
    *,
    text: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Iterator[tuple[int, object]]:
    """Yield `(line_number, value)` for each non-blank line of a JSON Lines file.

    Each line gets the guards of `load_json`, with `max_bytes` as the limit per line; the
    file is read a line at a time, so its total size is not limited. Errors carry the
    1-based line number of the offending line.
    """
    display = os.fspath(source)
    if text is not None:
        # Split on "\n" only: U+2028 and friends may appear raw inside JSON strings.
        for number, line in enumerate(text.split("\n"), start=1):
            line = line.rstrip("\r")
            if number == 1 and line.startswith("\ufeff"):
                line = line[1:]
            if len(line) > max_bytes or (
                len(line) * 4 > max_bytes and len(line.encode("utf-8", "surrogatepass")) > max_bytes
            ):
                raise _line_too_long(display, number, max_bytes)
            if line.strip(_JSON_SPACE):
                yield (
                    number,
                    _decode_document(line, display, max_depth=max_depth, first_line=number),
                )
        return
    try:
        f = open(display, "rb")
    except OSError as exc:
        raise _unreadable(display, exc) from None
    with f:
        number = 0
        while True:
            # Bounded read (a hostile file may have no newline at all); +2 leaves room for
            # "\r\n" after a line of exactly max_bytes.
            raw = f.readline(max_bytes + 2)
            if not raw:
                return
            number += 1
            body = raw.rstrip(b"\r\n")
            if len(body) > max_bytes:
                raise _line_too_long(display, number, max_bytes)
            line = _decode(body, display, first_line=number)
            if number == 1 and line.startswith("\ufeff"):
                line = line[1:]
            if line.strip(_JSON_SPACE):
                yield (
                    number,
                    _decode_document(line, display, max_depth=max_depth, first_line=number),
                )


# -- reading ------------------------------------------------------------------------------


def _unreadable(display: str, exc: OSError) -> UsageError:
    if isinstance(exc, FileNotFoundError):
        return UsageError(f"no such file: {display}", hint="check the path")
    if isinstance(exc, IsADirectoryError):
        return UsageError(f"{display} is a directory, not a JSON file")
    return UsageError(f"cannot read {display}: {exc.strerror or exc}")


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _too_large(display: str, max_bytes: int) -> InputError:
    return InputError(
        f"file is larger than {_size(max_bytes)}",
        file=display,
        hint="a file this large is refused as a precaution; split it up",
    )


def _line_too_long(display: str, number: int, max_bytes: int) -> InputError:
    return InputError(
        f"line {number} is longer than {_size(max_bytes)}",
        file=display,
        line=number,
        column=1,
        hint="each JSON Lines record must be smaller",
    )


def _read_bytes(display: str, max_bytes: int) -> bytes:
    try:
        with open(display, "rb") as f:
            if os.fstat(f.fileno()).st_size > max_bytes:
                raise _too_large(display, max_bytes)
            raw = f.read(max_bytes + 1)  # bounded even for pipes and special files
    except OSError as exc:
        raise _unreadable(display, exc) from None
    if len(raw) > max_bytes:
        raise _too_large(display, max_bytes)
    return raw


def _decode(raw: bytes, display: str, *, first_line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = first_line + before.count(b"\n")
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            file=display,
            line=line,
            column=column,
            hint="save the file as UTF-8",
        ) from None


# -- decoding -----------------------------------------------------------------------------


def _line_col(text: str, offset: int, first_line: int) -> tuple[int, int]:
    line = first_line + text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _too_deep_at(text: str, max_depth: int) -> int | None:
    """Offset of the first bracket nested deeper than `max_depth`, else None."""
    if text.count("[") + text.count("{") <= max_depth:
        return None  # cannot be that deep: skip the scan
    depth = 0
    for m in _TOKEN.finditer(text):
        c = text[m.start()]
        if c in "[{":
            depth += 1
            if depth > max_depth:
                return m.start()
        elif c in "]}":
            depth -= 1
    return None


def _duplicate_at(text: str, key: str) -> int | None:
    """Offset of the second occurrence of `key` inside one object, scanning in order."""
    stack: list[set | None] = []  # one set of keys per open object, None for arrays
    for m in _TOKEN.finditer(text):
        c = text[m.start()]
        if c in "{[":
            stack.append(set() if c == "{" else None)
        elif c in "}]":
            if stack:
                stack.pop()
        elif m.group(1) and stack and stack[-1] is not None:
            try:
                name = json.loads(text[m.start() : m.start(1)])
            except ValueError:
                continue
            if name in stack[-1] and name == key:
                return m.start()
            stack[-1].add(name)
    return None


def _literal_at(text: str, literal: str) -> int | None:
    """Offset of the first occurrence of a number or constant literal outside strings."""
    pattern = re.compile(_STRING + r"|(?<![\w.+-])" + re.escape(literal) + r"(?![\w.])", re.S)
    for m in pattern.finditer(text):
        if text[m.start()] != '"':
            return m.start()
    return None


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _constant(name: str) -> float:
    raise _BadNumber(
        name,
        f"{name} is not a finite number",
        "JSON has no infinity or NaN: use an ordinary number or null",
    )


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _BadNumber(
            literal,
            f"{literal} is too large for a number",
            "use a number within the range of a double",
        )
    return value


def _int(literal: str) -> int:
    try:
        return int(literal)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        raise _BadNumber(
            literal, "integer has too many digits", "write it as a string if it is an identifier"
        ) from None


def _decode_document(text: str, display: str, *, max_depth: int, first_line: int) -> object:
    def fail(message: str, offset: int | None, hint: str) -> InputError:
        line = col = None
        if offset is not None:
            line, col = _line_col(text, offset, first_line)
        return InputError(message, hint=hint, file=display, line=line, column=col)

    deep = _too_deep_at(text, max_depth)
    if deep is not None:
        raise fail(f"nesting is deeper than {max_depth} levels", deep, "flatten the structure")
    try:
        return json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_int,
        )
    except _Duplicate as exc:
        where = _duplicate_at(text, exc.key)
        line = "" if where is None else f" on line {_line_col(text, where, first_line)[0]}"
        raise fail(
            f"duplicate key {json.dumps(exc.key)}{line}",
            where,
            "a key may appear once per object; merge the two or rename one",
        ) from None
    except _BadNumber as exc:
        raise fail(exc.reason, _literal_at(text, exc.literal), exc.hint) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}",
            file=display,
            line=exc.lineno + first_line - 1,
            column=exc.colno,
            hint="check the JSON syntax around this point",
        ) from None
    except RecursionError:  # belt and braces: the scan above should have caught it
        raise fail(
            f"nesting is deeper than {max_depth} levels", None, "flatten the structure"
        ) from None


def parse_text(text: str, *, source: str = "<text>", max_depth: int = MAX_DEPTH) -> object:
    """One JSON document held in a string (e.g. a message whose content is JSON), with the
    same refusals as a file (depth, duplicate keys, NaN, huge numbers): `InputError`."""
    return _decode_document(text, source, max_depth=max_depth, first_line=1)


# -- locating a value ---------------------------------------------------------------------

_DECODER = json.JSONDecoder()


def locate(
    text: str, path: Sequence[str | int], *, nearest: bool = False
) -> tuple[int, int] | None:
    """1-based (line, column) where the value at `path` starts in the JSON document `text`.

    `path` holds object keys (str) and array indices (int), outermost first; `()` is the
    whole document. Returns None when the path is not in the document — or, with `nearest`,
    the position of the deepest prefix of `path` that is (None only when `text` holds no
    value at all). Of duplicate keys the first counts. Meant for error reports, so it favours
    simplicity over speed: the values before the target are decoded only to be skipped.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    offset, found = _walk(text, path)
    if offset >= len(text) or (found < len(path) and not nearest):
        return None
    return _line_col(text, offset, 1)


def _walk(text: str, path: Sequence[str | int]) -> tuple[int, int]:
    """(offset of the deepest value found along `path`, how many steps of `path` led there)."""
    offset = _skip_space(text, 0)
    for depth, key in enumerate(path):
        child = _child(text, offset, key)
        if child is None:
            return offset, depth
        offset = child
    return offset, len(path)


def _skip_space(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] in _JSON_SPACE:
        offset += 1
    return offset


def _child(text: str, offset: int, key: str | int) -> int | None:
    """Offset of member `key` of the object (or element `key` of the array) at `offset`."""
    try:
        if text.startswith("{", offset) and isinstance(key, str):
            return _member(text, offset, key)
        if text.startswith("[", offset) and isinstance(key, int) and not isinstance(key, bool):
            return _element(text, offset, key)
    except (ValueError, IndexError, RecursionError):  # not valid JSON after all
        pass
    return None


def _next_item(text: str, value: int, close: str) -> int | None:
    """Skip the value at `value` and its comma: the offset of the next item, or None at the
    end of the container."""
    _, end = _DECODER.raw_decode(text, value)
    end = _skip_space(text, end)
    if text[end] != ",":
        if text[end] != close:
            raise ValueError("expected , or " + close)
        return None
    return _skip_space(text, end + 1)


def _member(text: str, offset: int, key: str) -> int | None:
    item: int | None = _skip_space(text, offset + 1)
    while item is not None and text[item] == '"':
        name, end = json.decoder.scanstring(text, item + 1)
        colon = _skip_space(text, end)
        if text[colon] != ":":
            raise ValueError("expected :")
        value = _skip_space(text, colon + 1)
        if name == key:
            return value
        item = _next_item(text, value, "}")
    return None


def _element(text: str, offset: int, index: int) -> int | None:
    item: int | None = _skip_space(text, offset + 1)
    if index < 0 or text[item] == "]":
        return None
    for _ in range(index):
        item = _next_item(text, item, "]")
        if item is None:
            return None
    return item


def torn_last_line(display: str) -> int | None:
    """The number of the last line when the file does not end with a newline, else None."""
    newlines = 0
    last = b"\n"
    with open(display, "rb") as f:
        while chunk := f.read(1 << 20):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return None if last == b"\n" else newlines + 1


def element_lines(text: str, prefix: list[str | int], count: int) -> list[int]:
    """1-based line of each element of the array at ``prefix`` in the (valid) document,
    in one pass."""
    start = locate(text, prefix)
    if start is None or count == 0:
        return [start[0] if start else 1] * count
    line_starts = 0
    for _ in range(start[0] - 1):  # offset of the array's "[" from its (line, column)
        line_starts = text.index("\n", line_starts) + 1
    offset = line_starts + start[1] - 1
    decoder = json.JSONDecoder()
    out: list[int] = []
    line, last, pos = start[0], offset, offset + 1
    for _ in range(count):
        while text[pos] in " \t\r\n,":
            pos += 1
        line += text.count("\n", last, pos)
        last = pos
        out.append(line)
        _, pos = decoder.raw_decode(text, pos)
    return out
