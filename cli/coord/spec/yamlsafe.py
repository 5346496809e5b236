"""Load YAML safely: YAML 1.2 core semantics, source positions, hostile input refused.

`load_yaml(path)` returns plain data (dict / list / str / int / float / bool / None) and a
`Positions` map from a path tuple — mapping keys and list indices, e.g.
`("agents", "alice", "backend")` — to the 1-based `(line, column)` of that value, plus the
position of each mapping key, so errors can point at the exact spot in the file.

Refused with an `InputError` (file, line, column and a hint):

* anchors, aliases and `<<` merge keys (billion-laughs expansion, action at a distance);
* duplicate keys in one mapping (reported at the second one, naming the first's line);
* nesting deeper than `MAX_DEPTH` (64); files over `MAX_FILE_BYTES` (8 MiB) and lines over
  `MAX_LINE_BYTES` (1 MiB), both checked before parsing;
* tags other than the core ones (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`,
  `!!seq`): no `!!python/...`, `!!timestamp`, `!!binary`, `!custom`;
* more than one document, and an empty file or empty document;
* mappings or lists used as mapping keys; `.inf` / `.nan` (and floats that overflow);
* control characters, invalid UTF-8, and syntax errors (PyYAML's mark, made 1-based).

Scalars follow the YAML 1.2 core schema, not PyYAML's 1.1 one: only `true`/`false` (three
spellings each) are booleans — `yes`, `no`, `on`, `off`, `y`, `n` stay strings; `null`,
`~` and an empty value are null; integers are decimal, `0x…` or `0o…`. Stricter than 1.2
where readers disagree: a decimal with a leading zero (`012`), underscores (`1_000`),
sexagesimal (`1:30`) and dates (`2024-01-01`) all stay strings.

Mapping keys are always strings: a scalar key that is not a string (`1: x`, `true: y`)
becomes its source text (`"1"`, `"true"`), so `1:` and `"1":` in one mapping are duplicates.

How: the events of PyYAML's parser (libyaml's when available — it reports the same
character-based marks) are turned into data by an explicit stack, never PyYAML's composer
and constructor, which would expand aliases and recurse once per nesting level. A
`[[[[…` bomb is therefore refused after 65 events, whatever its depth.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence

import yaml
from yaml import events as ev

from coord.errors import InputError, UsageError

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_DEPTH = 64

Path = tuple  # of str (mapping keys) and int (list indices)

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ = (
    _CORE + n for n in ("str", "int", "float", "bool", "null", "map", "seq")
)
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL}

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_DEC = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_INT_DEC_LOOSE = re.compile(r"[-+]?[0-9]+")  # only under an explicit !!int tag
_INT_OCT = re.compile(r"0o[0-7]+")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NON_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
# Plain scalars that cannot be anything but a string start with none of these.
_MAYBE_TYPED = frozenset("~nNtTfF0123456789+-.")

# Characters YAML forbids in a stream (same set as PyYAML's reader; catches lone surrogates).
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


class Positions(Mapping):
    """Where each value of a loaded document sits in its file.

    `positions[path]` is the 1-based `(line, column)` of the value at `path` (a tuple of
    mapping keys and list indices; `()` is the whole document). `key_positions[path]` is
    the position of the mapping key that introduces that value, when there is one.
    """

    def __init__(
        self,
        source: str,
        nodes: dict[Path, tuple[int, int]] | None = None,
        key_positions: dict[Path, tuple[int, int]] | None = None,
    ) -> None:
        self.source = source
        self.nodes = nodes if nodes is not None else {}
        self.key_positions = key_positions if key_positions is not None else {}

    def __getitem__(self, path: Sequence) -> tuple[int, int]:
        return self.nodes[tuple(path)]

    def __iter__(self) -> Iterator[Path]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def resolve(self, path: Sequence) -> Path:
        """The longest prefix of `path` that names a known node (ints also match "1" keys)."""
        known: Path = ()
        for part in path:
            for candidate in (part, str(part)) if isinstance(part, int) else (part,):
                if known + (candidate,) in self.nodes:
                    known += (candidate,)
                    break
            else:
                break
        return known

    def lookup(self, path: Sequence) -> tuple[int, int]:
        """Position of the value at `path`, or of its nearest known ancestor."""
        return self.nodes.get(self.resolve(path), (1, 1))

    def key_lookup(self, path: Sequence) -> tuple[int, int]:
        """Position of the key that introduces `path`; else as `lookup`."""
        known = self.resolve(path)
        if known in self.key_positions:
            return self.key_positions[known]
        return self.nodes.get(known, (1, 1))


def load_yaml(source: str | os.PathLike, *, text: str | None = None) -> tuple[object, Positions]:
    """Read one YAML document from `source` (or from `text`, `source` naming it in errors).

    Returns `(data, positions)`. Raises `InputError` for anything refused (see the module
    docstring) and `UsageError` when the file cannot be read at all.
    """
    display = os.fspath(source)
    if text is None:
        text = _read_text(display)
    elif len(text) > MAX_FILE_BYTES or (
        len(text) * 4 > MAX_FILE_BYTES
        and len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES
    ):
        raise _too_large(display)
    if text.startswith("\ufeff"):
        text = text[1:]
    _precheck(text, display)
    return _parse(text, display, _LOADER)


# -- reading and pre-checks ---------------------------------------------------------------


def _too_large(display: str) -> InputError:
    return InputError(
        f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
        file=display,
        hint="a specification this large is refused as a precaution; split it up",
    )


def _read_text(display: str) -> str:
    try:
        with open(display, "rb") as f:
            if os.fstat(f.fileno()).st_size > MAX_FILE_BYTES:
                raise _too_large(display)
            raw = f.read(MAX_FILE_BYTES + 1)  # bounded even for pipes and special files
    except FileNotFoundError:
        raise UsageError(f"no such file: {display}", hint="check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{display} is a directory, not a YAML file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {display}: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(display)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            hint="save the file as UTF-8",
            file=display,
            line=line,
            column=column,
        ) from None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset, counting breaks as YAML does."""
    line, start = 1, 0
    for m in _LINE_BREAK.finditer(text, 0, offset):
        line, start = line + 1, m.end()
    return line, offset - start + 1


def _precheck(text: str, display: str) -> None:
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        raise InputError(
            f"control character U+{ord(bad.group()):04X} is not allowed in YAML",
            hint='remove it (use an escape such as "\\t" inside a double-quoted string)',
            file=display,
            line=line,
            column=col,
        )
    # Every character splitlines() breaks on but YAML does not is refused above, so the
    # line numbers here are YAML's.
    lines = text.splitlines()
    if lines and max(map(len, lines)) * 4 > MAX_LINE_BYTES:
        for i, line_text in enumerate(lines):
            if len(line_text) * 4 > MAX_LINE_BYTES and len(line_text.encode()) > MAX_LINE_BYTES:
                raise InputError(
                    f"line {i + 1} is longer than {MAX_LINE_BYTES // 1024} KiB",
                    hint="break it up (a block scalar `|` holds long text over many lines)",
                    file=display,
                    line=i + 1,
                    column=1,
                )


# -- parsing ------------------------------------------------------------------------------


class _Unset:
    pass


_NO_KEY = _Unset()


class _Frame:
    __slots__ = ("container", "path", "is_map", "key", "seen")

    def __init__(self, container, path: Path, is_map: bool) -> None:
        self.container = container
        self.path = path
        self.is_map = is_map
        self.key = _NO_KEY
        self.seen: dict[str, int] = {}  # key -> line of its first occurrence


def _pos(event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


class _EventWalker:
    """Mixin for a PyYAML loader class: build plain data from parser events."""

    _byte_offsets = False  # libyaml reports ReaderError positions in bytes

    def walk(self, display: str) -> tuple[object, Positions]:
        nodes: dict[Path, tuple[int, int]] = {}
        keys: dict[Path, tuple[int, int]] = {}

        def fail(message: str, event, hint: str | None = None) -> InputError:
            line, col = _pos(event)
            return InputError(message, hint=hint, file=display, line=line, column=col)

        get = self.get_event
        get()  # StreamStartEvent
        event = get()
        if isinstance(event, ev.StreamEndEvent):
            raise InputError(
                "file is empty",
                hint="write a YAML mapping (key: value lines)",
                file=display,
                line=1,
                column=1,
            )
        stack: list[_Frame] = []
        root: object = None
        empty = False
        event = get()  # after DocumentStartEvent
        while True:
            if isinstance(event, (ev.MappingEndEvent, ev.SequenceEndEvent)):
                stack.pop()
                if not stack:
                    break
                event = get()
                continue
            if isinstance(event, ev.AliasEvent):
                raise fail(
                    "YAML anchors/aliases are not allowed (they enable billion-laughs "
                    f"expansion); found alias '*{event.anchor}'",
                    event,
                    hint="repeat the value instead",
                )
            if event.anchor is not None:
                raise fail(
                    "YAML anchors/aliases are not allowed (they enable billion-laughs "
                    f"expansion); found anchor '&{event.anchor}'",
                    event,
                    hint="repeat the value instead",
                )
            frame = stack[-1] if stack else None

            if frame is not None and frame.is_map and frame.key is _NO_KEY:
                key = self._key(event, fail)
                path = frame.path + (key,)
                if key in frame.seen:
                    raise fail(
                        f"duplicate key '{key}' (first defined on line {frame.seen[key]})",
                        event,
                        hint="a key may appear once per mapping; merge the two or rename one",
                    )
                frame.seen[key] = event.start_mark.line + 1
                keys[path] = _pos(event)
                frame.key = key
                event = get()
                continue

            if frame is None:
                path = ()
            elif frame.is_map:
                path = frame.path + (frame.key,)
            else:
                path = frame.path + (len(frame.container),)
            nodes[path] = _pos(event)

            if isinstance(event, ev.ScalarEvent):
                value = self._scalar(event, fail)
                if frame is None:
                    empty = event.value == "" and not event.style and event.tag is None
            elif isinstance(event, ev.MappingStartEvent):
                self._check_collection_tag(event, _MAP, fail)
                value = {}
            else:  # SequenceStartEvent
                self._check_collection_tag(event, _SEQ, fail)
                value = []

            if frame is None:
                root = value
            elif frame.is_map:
                frame.container[frame.key] = value
                frame.key = _NO_KEY
            else:
                frame.container.append(value)

            if not isinstance(event, ev.ScalarEvent):
                stack.append(_Frame(value, path, isinstance(value, dict)))
                if len(stack) > MAX_DEPTH:
                    raise fail(
                        f"nesting is deeper than {MAX_DEPTH} levels",
                        event,
                        hint="flatten the structure",
                    )
            elif frame is None:
                break  # the document is a single scalar
            event = get()

        get()  # DocumentEndEvent
        event = get()
        if isinstance(event, ev.DocumentStartEvent):
            raise fail(
                "more than one YAML document in the file (a second one starts here)",
                event,
                hint="keep one document per file: remove the '---' line and what follows",
            )
        if empty:
            raise InputError(
                "file is empty",
                hint="write a YAML mapping (key: value lines)",
                file=display,
                line=1,
                column=1,
            )
        return root, Positions(display, nodes, keys)

    @staticmethod
    def _check_collection_tag(event, expected: str, fail) -> None:
        if event.tag not in (None, "!", expected):
            raise fail(
                f"YAML tag '{_show_tag(event.tag)}' is not allowed here",
                event,
                hint="remove the tag; only plain YAML data is accepted",
            )

    @staticmethod
    def _key(event, fail) -> str:
        if not isinstance(event, ev.ScalarEvent):
            kind = "mapping" if isinstance(event, ev.MappingStartEvent) else "list"
            raise fail(
                f"a {kind} cannot be a mapping key",
                event,
                hint="keys must be plain strings or numbers",
            )
        if event.tag not in (None, "!") and event.tag not in _SCALAR_TAGS:
            raise fail(
                f"YAML tag '{_show_tag(event.tag)}' is not allowed",
                event,
                hint="remove the tag; only plain YAML data is accepted",
            )
        if event.value == "<<" and not event.style and event.tag is None:
            raise fail(
                "YAML merge keys ('<<') are not allowed",
                event,
                hint="write the keys out in full instead of merging them in",
            )
        return event.value  # the source text, whatever the key's type would be

    @staticmethod
    def _scalar(event, fail):
        value, tag = event.value, event.tag
        if tag is None:
            if event.style:  # quoted or block scalar
                return value
            return _resolve_plain(value, event, fail)
        if tag == "!" or tag == _STR:
            return value
        if tag == _NULL:
            if value in _NULLS:
                return None
        elif tag == _BOOL:
            if value in _BOOLS:
                return _BOOLS[value]
        elif tag == _INT:
            if (
                _INT_DEC_LOOSE.fullmatch(value)
                or _INT_HEX.fullmatch(value)
                or _INT_OCT.fullmatch(value)
            ):
                return _to_int(value, event, fail)
        elif tag == _FLOAT:
            if _NON_FINITE.fullmatch(value):
                raise _non_finite(value, event, fail)
            if _FLOAT_RE.fullmatch(value):
                return _to_float(value, event, fail)
        else:
            raise fail(
                f"YAML tag '{_show_tag(tag)}' is not allowed",
                event,
                hint="remove the tag; only plain YAML data is accepted",
            )
        raise fail(
            f"'{value}' is not a valid {_show_tag(tag)}",
            event,
            hint="fix the value or remove the tag",
        )


def _non_finite(value: str, event, fail) -> InputError:
    return fail(
        f"'{value}' is not a finite number",
        event,
        hint="use an ordinary number (infinity and NaN are not accepted)",
    )


def _to_int(value: str, event, fail) -> int:
    try:
        if value.startswith("0x"):
            return int(value[2:], 16)
        if value.startswith("0o"):
            return int(value[2:], 8)
        return int(value, 10)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise fail("integer has too many digits", event, hint="use a smaller number") from None


def _to_float(value: str, event, fail) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise _non_finite(value, event, fail)
    return number


def _resolve_plain(value: str, event, fail):
    """A plain (unquoted, untagged) scalar under the YAML 1.2 core schema (see module doc)."""
    if value and value[0] not in _MAYBE_TYPED:
        return value
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if _INT_DEC.fullmatch(value) or _INT_HEX.fullmatch(value) or _INT_OCT.fullmatch(value):
        return _to_int(value, event, fail)
    if _NON_FINITE.fullmatch(value):
        raise _non_finite(value, event, fail)
    if _FLOAT_RE.fullmatch(value) and any(c in value for c in ".eE"):
        return _to_float(value, event, fail)
    return value


class _PureLoader(_EventWalker, yaml.SafeLoader):
    pass


if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(_EventWalker, yaml.CSafeLoader):
        _byte_offsets = True

    _LOADER: type = _CLoader
else:  # pragma: no cover - depends on how PyYAML was built
    _CLoader = None  # type: ignore[assignment,misc]
    _LOADER = _PureLoader


def _parse(text: str, display: str, loader_cls: type) -> tuple[object, Positions]:
    loader = None
    try:
        loader = loader_cls(text)
        return loader.walk(display)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, display) from None
    except yaml.reader.ReaderError as exc:
        offset = exc.position
        if loader_cls._byte_offsets:
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))
        line, col = _line_col(text, offset)
        raise InputError(
            f"invalid YAML: {exc.reason}",
            file=display,
            line=line,
            column=col,
            hint="remove the character",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(
            f"invalid YAML: {exc}", file=display, hint="check the file's YAML syntax"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, display: str) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    col = mark.column + 1 if mark else None
    problem = exc.problem or exc.context or "syntax error"
    hint = None
    if exc.context and exc.context_mark and exc.problem:
        cm = exc.context_mark
        hint = f"{exc.context}, which starts at line {cm.line + 1}, column {cm.column + 1}"
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        hint = "YAML does not allow tabs for indentation: use spaces"
    if hint is None:
        hint = "check the indentation and quoting around this point"
    return InputError(f"invalid YAML: {problem}", hint=hint, file=display, line=line, column=col)
