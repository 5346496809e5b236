"""Read a protocol file (`protocols/*.yaml`) into a `LoadedProtocol` (DESIGN §5).

`load_protocol(path)` is for code that needs a usable protocol (the coordinator, the
conformance checker): it reads the YAML with `coord.spec.yamlsafe` (aliases, duplicate
keys, deep nesting, huge lines, `.nan` and YAML-1.1 booleans refused or kept as strings),
validates it against `coord.protocol.model.Protocol`, compiles every message's content
schema once, and raises one `InputError` (exit 2, file and line) when any of that fails.
The semantic checks (unknown roles, unreachable states, ...) are `coord.protocol.lint`'s;
it reports them as findings rather than raising.

`find_protocol(ref)` turns a command-line reference — a path, or the name of a bundled
protocol such as `negotiation` — into a path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coord.errors import CoordError, InputError, UsageError, did_you_mean
from coord.protocol.model import SCHEMA_VERSION, CompiledSchema, LoadedProtocol, Protocol
from coord.spec.yamlsafe import Positions, load_yaml

__all__ = [
    "SchemaProblem",
    "bundled_protocols",
    "compile_schemas",
    "find_protocol",
    "load_protocol",
    "read_protocol",
]


def bundled_protocols() -> list[Path]:
    """The protocol files that ship with coord, sorted by name."""
    from coord.resources import data_dir

    root = data_dir("protocols")
    return sorted(root.glob("*.yaml")) if root.is_dir() else []


def find_protocol(ref: str | os.PathLike) -> Path:
    """A path as given when it exists, else a bundled protocol by name (`negotiation`)."""
    path = Path(ref)
    if path.exists():
        return path
    text = os.fspath(ref)
    stem = text[:-5] if text.endswith(".yaml") else text
    bundled = bundled_protocols()
    for candidate in bundled:
        if stem == candidate.stem:
            return candidate
    names = [p.stem for p in bundled]
    if "/" in text or os.sep in text or text.endswith((".yaml", ".yml")):
        raise UsageError(f"no such file: {text}", hint="check the path")
    raise UsageError(
        f"no protocol '{text}': not a file and not a bundled protocol{did_you_mean(text, names)}",
        hint="bundled protocols: " + ", ".join(names) if names else "give a path to a file",
    )


def read_protocol(path: str | os.PathLike) -> tuple[Protocol, Any, Positions]:
    """(spec, raw data, positions) of a protocol file, or the `InputError` that refuses it.

    A missing or unreadable file is a `UsageError`; everything else wrong with the file as a
    document (unsafe or broken YAML, a field of the wrong shape, an unknown
    `schema_version`) is an `InputError` pointing at its line.
    """
    from coord.spec.validate import parse_model

    source = os.fspath(path)
    data, positions = load_yaml(source)
    if not isinstance(data, dict):
        raise InputError(
            "a protocol file must be a mapping (key: value lines)",
            file=source,
            line=1,
            column=1,
            hint="start with `schema_version: 1`, then name, roles, messages, flow",
        )
    version = data.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version != SCHEMA_VERSION:
        line, column = positions.lookup(("schema_version",))
        newer = version > SCHEMA_VERSION
        raise InputError(
            f"unsupported protocol schema_version {version} (this coord reads {SCHEMA_VERSION})",
            file=source,
            line=line,
            column=column,
            hint="upgrade coord" if newer else f"set `schema_version: {SCHEMA_VERSION}`",
        )
    spec = parse_model(Protocol, data, source=source, positions=positions)
    return spec, data, positions  # type: ignore[return-value]


@dataclass
class SchemaProblem:
    """One message's content schema that does not compile (lint code P002)."""

    message_type: str
    message: str
    line: int | None
    column: int | None
    path: str  # JSON path in the protocol, e.g. $.messages.propose.schema.properties.plan


def compile_schemas(
    spec: Protocol,
    path: Path | None,
    positions: Positions | None = None,
    on_problem: Callable[[SchemaProblem], None] | None = None,
) -> dict[str, CompiledSchema | None]:
    """Compile each message's `schema` once (a file used by several messages, once).

    With `on_problem` every failure is passed to it and the message gets no validator;
    without, the first failure raises an `InputError`.
    """
    validators: dict[str, CompiledSchema | None] = {
        name: None for name, message in spec.messages.items() if message.schema_ is None
    }
    if len(validators) == len(spec.messages):
        return validators  # nothing to compile
    from coord.protocol.schemas import SchemaError, compile_schema

    base_dir = path.parent if path is not None else None
    source = os.fspath(path) if path is not None else "<protocol>"
    by_file: dict[str, CompiledSchema | Exception] = {}
    for name, message in spec.messages.items():
        schema = message.schema_
        if schema is None:
            validators[name] = None
            continue
        result: CompiledSchema | Exception
        if isinstance(schema, str) and schema in by_file:
            result = by_file[schema]
        else:
            try:
                result = compile_schema(schema, base_dir=base_dir, source=source)
            except (SchemaError, CoordError) as exc:  # e.g. a schema file that is missing
                result = exc
            if isinstance(schema, str):
                by_file[schema] = result
        if isinstance(result, Exception):
            problems = _schema_problems(name, schema, result, source, positions)
            if on_problem is None:
                first = problems[0]
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise InputError(
                    first.message + more,
                    file=source,
                    line=first.line,
                    column=first.column,
                    hint=getattr(result, "hint", None) or _SCHEMA_HINT,
                )
            for problem in problems:
                on_problem(problem)
            validators[name] = None
        else:
            validators[name] = result
    return {name: validators[name] for name in spec.messages}  # in the file's order


_SCHEMA_HINT = (
    "content schemas are JSON Schema (draft 2020-12), inline or a path relative to the "
    "protocol file; $refs stay inside the schema or beside it"
)


def load_protocol(path: str | os.PathLike) -> LoadedProtocol:
    """The protocol at `path`, validated, with its content schemas compiled.

    Raises `InputError` (exit 2) when the file cannot be used: unsafe or broken YAML, not a
    protocol document, or a content schema that does not compile. Run
    `coord.protocol.lint.lint_protocol` for every problem at once, semantic ones included.
    """
    p = Path(path)
    spec, _data, positions = read_protocol(p)
    validators = compile_schemas(spec, p, positions)
    return LoadedProtocol(spec, p, validators)


# -- locating a schema error --------------------------------------------------------------


def _schema_problems(
    name: str, schema: Any, exc: Any, source: str, positions: Positions | None
) -> list[SchemaProblem]:
    """One problem per error the schema compiler found (it lists them all in `errors`)."""
    message = str(getattr(exc, "message", None) or exc)
    errors = getattr(exc, "errors", None)
    if not isinstance(errors, list) or len(errors) < 2:
        return [
            _schema_problem(
                name, schema, getattr(exc, "path", None), message, exc, source, positions
            )
        ]
    # The first error's message carries a prefix ("not a valid ... JSON Schema: ") the list
    # entries lack; give it to each of them.
    first = str(errors[0][1])
    prefix = message[: -len(first)] if first and message.endswith(first) else ""
    return [
        _schema_problem(name, schema, where, prefix + str(text), exc, source, positions)
        for where, text in errors
    ]


def _schema_problem(
    name: str,
    schema: Any,
    err_path: Any,
    text: str,
    exc: Any,
    source: str,
    positions: Positions | None,
) -> SchemaProblem:
    base = ("messages", name, "schema")
    inner = _path_parts(err_path)
    where = _json_path(base + (inner if not isinstance(schema, str) else ()))
    err_file = getattr(exc, "file", None)
    if isinstance(schema, str):
        shown = os.fspath(err_file) if err_file and os.fspath(err_file) != source else schema
        suffix = _json_path(inner)[1:] if inner else ""
        text = f"schema {shown}{(' at $' + suffix) if suffix else ''}: {text}"
        lookup = base
    else:
        lookup = base + inner
        if err_file and os.fspath(err_file) != source:
            text = f"{os.fspath(err_file)}: {text}"
    line = column = None
    if positions is not None:
        known = positions.resolve(lookup)
        if known == base:  # point at the `schema:` key rather than inside its value
            line, column = positions.key_lookup(base)
        else:
            line, column = positions.lookup(known)
    return SchemaProblem(name, f"message '{name}': {text}", line, column, where)


def _path_parts(path: Any) -> tuple:
    """A schema error's location as a tuple of keys / indices, whatever form it came in."""
    if path is None or path == "":
        return ()
    if isinstance(path, (list, tuple)):
        return tuple(path)
    text = str(path)
    if text.startswith("#"):
        text = text[1:]
    if text.startswith("/"):  # a JSON pointer
        parts: list = []
        for raw in text[1:].split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            parts.append(int(part) if part.isdigit() else part)
        return tuple(parts)
    if text.startswith("$"):
        return _parse_dollar(text[1:])
    return tuple(p for p in text.split(".") if p)


def _parse_dollar(text: str) -> tuple:
    import json
    import re

    parts: list = []
    for m in re.finditer(r"\.([^.\[]+)|\[(\d+)\]|\[(\"(?:[^\"\\]|\\.)*\")\]|\['([^']*)'\]", text):
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(int(m.group(2)))
        elif m.group(3) is not None:
            parts.append(json.loads(m.group(3)))
        else:
            parts.append(m.group(4))
    return tuple(parts)


def _json_path(parts: tuple) -> str:
    """`("messages", "a-b", "reply_to", 0)` → `$.messages.a-b.reply_to[0]`."""
    import json
    import re

    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$-]*", part):
            out += "." + part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out
