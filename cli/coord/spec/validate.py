"""Validate loaded data against a pydantic model and explain failures in plain words.

`parse_model(Model, data, source=path, positions=positions)` returns the model or raises
one `InputError` pointing at the file, line and column of the first problem (in file
order), whose message names the dotted path (`agents.alice.backend`, list items as
`expect[0]`) and says what is wrong: "unknown field 'taalk' (did you mean "talk"?)",
"missing required field 'backend'", "must be one of 'dyad', 'solo', got 'duo'", "must be
≥ 0, got -1", "expected a number, got 'abc'". Several problems are listed one per line,
each with its own line number, up to five, then "(and N more)".

Pointing a validator's error at a nested value — `PathError`
-------------------------------------------------------------
A `ValueError` raised in a `field_validator` or `model_validator` is reported at the value
being validated: the field, or the model's whole mapping. To point deeper, raise
`PathError(path, message)` instead; `path` is relative to that value::

    @model_validator(mode="after")
    def _check(self):
        if res not in self.resources:                    # -> game.instances[0]...requirements.r9
            raise PathError(("instances", i, "projects", agent, j, "requirements", res),
                            f"needs undeclared resource {res!r}")

    @field_validator("expect")
    @classmethod
    def _exprs(cls, exprs):
        ...
        raise PathError((i,), "cannot read expectation")  # -> expect[i]

The message is used as is (pydantic's "Value error, " prefix is dropped for every
`ValueError`). The error points at the value at that path; when that value is a mapping
or a list it points at the key that introduces it instead (pass `at_key=True` / `False`
to choose). A path that does not exist in the file falls back to its nearest ancestor.

Positions come from `coord.spec.yamlsafe.load_yaml`; without them (data from JSON or
code) errors carry the file name and path but no line.
"""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from coord.errors import InputError, did_you_mean
from coord.spec.yamlsafe import Positions

MAX_LISTED = 5
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class PathError(ValueError):
    """A validator's error about a value below the one it validates (see module docstring)."""

    def __init__(self, path: Sequence[str | int], message: str, *, at_key: bool | None = None):
        super().__init__(message)
        self.path = tuple(path)
        self.message = message
        self.at_key = at_key


def parse_model(
    model_cls: type[BaseModel],
    data: object,
    *,
    source: str,
    positions: Positions | None = None,
) -> BaseModel:
    """`model_cls.model_validate(data)`, or one `InputError` explaining every problem."""
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise explain(exc, model_cls, data, source=source, positions=positions) from exc


def schema_of(model_cls: type[BaseModel], *, title: str | None = None) -> dict:
    """The model's JSON Schema (draft 2020-12), with `$schema` and `title` first."""
    schema = model_cls.model_json_schema()
    default_title = schema.pop("title", model_cls.__name__)
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title or default_title, **schema}


def format_path(path: Sequence[str | int]) -> str:
    """`("conditions", "x", "expect", 0)` → `conditions.x.expect[0]`; odd keys quoted."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += ("." if out else "") + part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


# -- turning pydantic errors into problems ------------------------------------------------


@dataclass
class _Problem:
    where: tuple  # data path shown in the message
    message: str
    hint: str | None
    line: int | None
    column: int | None
    union: bool = False  # came from one member of a union: merged with its siblings

    def text(self) -> str:
        shown = format_path(self.where)
        return f"{shown}: {self.message}" if shown else self.message


def explain(
    exc: ValidationError,
    model_cls: type[BaseModel],
    data: object,
    *,
    source: str,
    positions: Positions | None = None,
) -> InputError:
    """The `InputError` for a pydantic `ValidationError` (what `parse_model` raises)."""
    problems: list[_Problem] = []
    for err in exc.errors(include_url=False):
        problem = _problem(err, model_cls, data, positions)
        for seen in problems:
            if seen.where == problem.where and seen.union and problem.union:
                if problem.message not in seen.message:
                    seen.message += f"; or {problem.message}"
                break
            if seen.where == problem.where and seen.message == problem.message:
                break
        else:
            problems.append(problem)
    for p in problems:
        if p.union:
            p.message = "does not match any allowed form: " + p.message
    if positions is not None:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    first = problems[0]
    if len(problems) == 1:
        message = first.text()
    else:
        lines = [f"{len(problems)} problems found:"]
        for p in problems[:MAX_LISTED]:
            lines.append(f"  line {p.line}: {p.text()}" if p.line else f"  - {p.text()}")
        if len(problems) > MAX_LISTED:
            lines.append(f"  (and {len(problems) - MAX_LISTED} more)")
        message = "\n".join(lines)
    return InputError(message, hint=first.hint, file=source, line=first.line, column=first.column)


def _problem(
    err: dict, model_cls: type[BaseModel], data: object, positions: Positions | None
) -> _Problem:
    kind = err["type"]
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    value = err.get("input")
    path, dropped, key_error = _data_path(data, loc, keep_last=kind == "missing")
    where = path
    at_key: bool | None = None
    hint = None

    if kind == "extra_forbidden":
        name = str(path[-1]) if path else str(loc[-1])
        allowed = _allowed_fields(model_cls, loc[:-1])
        message = f"unknown field '{name}'{did_you_mean(name, allowed)}"
        hint = f"allowed here: {', '.join(allowed)}" if allowed else None
        where, at_key = path[:-1], True
    elif kind == "missing":
        name = str(loc[-1])
        message = f"missing required field '{name}'"
        description = _field_description(model_cls, loc)
        hint = f"add `{name}:`" + (f" ({description})" if description else "")
        where = path = path[:-1]
    elif kind in ("literal_error", "enum"):
        allowed = _allowed_values(model_cls, loc)
        shown = ", ".join(_show(v) for v in allowed) if allowed else ctx.get("expected", "?")
        message = f"must be one of {shown}, got {_show(value)}"
        if allowed and isinstance(value, str):
            message += did_you_mean(value, [str(v) for v in allowed])
        hint = "allowed values: " + ", ".join(str(v) for v in allowed) if allowed else None
    elif kind in ("value_error", "assertion_error"):
        error = ctx.get("error")
        message = str(error) if error is not None else _strip_prefix(err["msg"])
        if isinstance(error, PathError):
            path = path + error.path
            where = path
            at_key = error.at_key
    elif kind in _BOUNDS:
        symbol, key = _BOUNDS[kind]
        bound = ctx.get(key)
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)  # "≥ 0", not "≥ 0.0", for a float field
        message = f"must be {symbol} {bound}, got {_show(value)}"
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {_show(value)}"
    elif kind in ("too_short", "too_long"):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        word = "at least" if kind == "too_short" else "at most"
        message = (
            f"must have {word} {bound} item{'s' if bound != 1 else ''}, got "
            f"{ctx.get('actual_length', '?')}"
        )
    elif kind in ("string_too_short", "string_too_long"):
        bound = ctx.get("min_length") if kind == "string_too_short" else ctx.get("max_length")
        word = "at least" if kind == "string_too_short" else "at most"
        message = f"must be {word} {bound} character{'s' if bound != 1 else ''} long"
    elif kind == "string_pattern_mismatch":
        message = f"{_show(value)} does not match the pattern {ctx.get('pattern')}"
    else:
        message = _strip_prefix(err["msg"])
        message = message[:1].lower() + message[1:]
    if key_error and path:
        message = f"key {_show(path[-1])}: {message}"
        where, at_key = path[:-1], True

    line = column = None
    if positions is not None:
        line, column = _position(positions, path, data, at_key)
    union = bool(dropped) and kind not in ("extra_forbidden", "missing", "value_error")
    return _Problem(where, message, hint, line, column, union)


_BOUNDS = {
    "greater_than_equal": ("≥", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("≤", "le"),
    "less_than": ("<", "lt"),
    "multiple_of": ("a multiple of", "multiple_of"),
}

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "dataclass_type": "a mapping (key: value lines)",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "frozen_set_type": "a list",
    "iterable_type": "a list",
    "none_required": "nothing (null)",
}


def _strip_prefix(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


def _show(value: object) -> str:
    """A value as the user wrote it, briefly."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return "'" + text.replace("'", "\\'") + "'"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, enum.Enum):
        return _show(value.value)
    return type(value).__name__


def _data_path(data: object, loc: tuple, *, keep_last: bool) -> tuple[tuple, list, bool]:
    """Split pydantic's `loc` into the path through `data` and the parts that are not in it.

    The dropped parts are union member tags (`'int'`, `'list[int]'`, a model name) and
    `'[key]'` (an error about a mapping's key rather than its value).
    """
    path: list = []
    dropped: list = []
    key_error = False
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, Mapping) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, Mapping) and isinstance(part, int) and str(part) in node:
            path.append(str(part))
            node = node[str(part)]
        elif isinstance(node, (list, tuple)) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif part == "[key]":
            key_error = True
        elif keep_last and i == len(loc) - 1:
            path.append(part)
        else:
            dropped.append(part)
    return tuple(path), dropped, key_error


def _value_at(data: object, path: tuple) -> object:
    node = data
    for part in path:
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _position(
    positions: Positions, path: tuple, data: object, at_key: bool | None
) -> tuple[int, int]:
    known = positions.resolve(path)
    if at_key is None:
        at_key = isinstance(_value_at(data, known), (Mapping, list))
    if at_key and known in positions.key_positions:
        return positions.key_positions[known]
    return positions.lookup(known)


# -- walking the model's annotations ------------------------------------------------------


def _expand(tp: object) -> list:
    """Concrete types behind Annotated / Optional / Union."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _expand(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        out = []
        for member in typing.get_args(tp):
            if member is not type(None):
                out.extend(_expand(member))
        return out
    return [tp]


def _is_model(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _field_names(model: type[BaseModel]) -> list[str]:
    names = []
    for name, info in model.model_fields.items():
        names.append(info.alias or name)
    return names


def _step(tp: object, part: object) -> list:
    """Types reached from `tp` by one `loc` part (empty if `tp` cannot take that part)."""
    if _is_model(tp):
        for name, info in tp.model_fields.items():
            if part in (name, info.alias, info.validation_alias):
                return [info.annotation]
        return []
    origin = typing.get_origin(tp) or tp
    args = typing.get_args(tp)
    if isinstance(origin, type) and issubclass(origin, Mapping) and not _is_model(origin):
        return [args[1]] if len(args) == 2 else []
    if origin is tuple and isinstance(part, int):
        if len(args) == 2 and args[1] is Ellipsis:
            return [args[0]]
        return [args[part]] if part < len(args) else []
    if (
        isinstance(origin, type)
        and issubclass(origin, (list, set, frozenset, Sequence))
        and not issubclass(origin, (str, bytes))
        and isinstance(part, int)
    ):
        return [args[0]] if args else []
    return []


def _types_at(model_cls: type, loc: tuple) -> list:
    current = _expand(model_cls)
    for part in loc:
        named = [t for t in current if getattr(t, "__name__", None) == part]
        if named and len(named) < len(current):
            current = named  # a union member's tag
            continue
        reached = [t for tp in current for t in _expand_all(_step(tp, part))]
        if reached:
            current = reached
        # else: a union tag we cannot resolve (e.g. 'list[int]'): stay where we are
    return current


def _expand_all(tps: list) -> list:
    return [t for tp in tps for t in _expand(tp)]


def _allowed_fields(model_cls: type, loc: tuple) -> list[str]:
    out: list[str] = []
    for tp in _types_at(model_cls, loc):
        if _is_model(tp):
            out.extend(n for n in _field_names(tp) if n not in out)
    return out


def _allowed_values(model_cls: type, loc: tuple) -> list:
    out: list = []
    for tp in _types_at(model_cls, loc):
        if typing.get_origin(tp) is typing.Literal:
            out.extend(v for v in typing.get_args(tp) if v not in out)
        elif isinstance(tp, type) and issubclass(tp, enum.Enum):
            out.extend(m.value for m in tp if m.value not in out)
    return out


def _field_description(model_cls: type, loc: tuple) -> str | None:
    for tp in _types_at(model_cls, loc[:-1]):
        if _is_model(tp):
            for name, info in tp.model_fields.items():
                if loc[-1] in (name, info.alias) and info.description:
                    return info.description
    return None
