"""Compile message-content JSON Schemas (draft 2020-12) safely, and validate fast.

`compile_schema(schema, base_dir=..., source=...)` returns a `CompiledSchema` or raises
`SchemaError` (lint code P002, with the JSON path inside the schema and the file). A schema is
given inline (a dict or a bool) or as a path relative to the protocol file's folder.

Refused at compile time, before anything else can read or fetch:

* a path outside `base_dir` (absolute, `..`, a URL, or a symlink that leads out);
  schema files go through `coord.spec.jsonsafe` / `yamlsafe` (NaN, duplicate keys, deep
  nesting and huge files are refused there);
* a schema that is not valid against the draft 2020-12 metaschema (every error is listed);
  a `$schema` other than draft 2020-12;
* a `$ref` / `$dynamicRef` that is neither local (`#…`, or a resource embedded in the same
  document by `$id`) nor a relative file inside `base_dir`: `http(s)://`, `file://`, `urn:`
  and absolute paths are refused without being touched. Nothing is ever retrieved: both
  libraries get a registry pre-filled with the documents read here and a retriever that
  raises. Unresolvable references are refused too;
* a `$ref` cycle that consumes no input (`{"$ref": "#"}`, definitions that only refer to
  each other, also through `allOf` / `anyOf` / `not` / `if` …): it would recurse forever;
* regexes (`pattern`, `patternProperties` keys) that are too long, nested too deeply, use a
  backreference or lookaround, or have a catastrophic-backtracking shape (see
  `coord.protocol.regex_safety`).

Validation cannot hang on any input: `is_valid` runs jsonschema-rs with its linear-time
regex engine (`RegexOptions`, Rust's `regex` crate: no backtracking at all), and `errors`
runs python-jsonschema (for its messages) with the regex keywords (`pattern`,
`patternProperties`, `additionalProperties`, `unevaluatedProperties`) re-implemented on that
same linear-time engine — Python's `re` is quadratic even on `a+b`, so it is never used on
instances. Without jsonschema-rs installed both methods fall back to plain python-jsonschema
(and Python's `re`); then only the compile-time regex check protects, which bounds
exponential blow-up but not polynomial slowness on very long strings.

Parity: `tests/protocol/test_official_suite.py` checks that `is_valid` gives python-jsonschema's
verdict on every local case of the official test suite. Where jsonschema-rs disagrees, the
schema is sent to python-jsonschema by feature (`_NEEDS_PYTHON`).

This module compiles and caches; the checks live in `coord.protocol.schema_refs` (files,
`$ref`s, metaschema, cycles), the regex analysis and linear-time matching in
`coord.protocol.regex_safety`, and python-jsonschema's regex keywords on that engine in
`coord.protocol.schema_keywords`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coord.protocol.model import CompiledSchema
from coord.protocol.regex_safety import MAX_PATTERN_CHARS, MAX_PATTERN_NESTING, _regex_risk
from coord.protocol.schema_keywords import _draft, _python_class, _rs_available
from coord.protocol.schema_refs import (
    DRAFT_2020_12,
    MAX_FILES,
    SchemaError,
    _Checker,
    _Doc,
    _load,
    _no_retrieve,
    _schema_file,
)

__all__ = [
    "DRAFT_2020_12",
    "MAX_FILES",
    "MAX_PATTERN_CHARS",
    "MAX_PATTERN_NESTING",
    "SchemaError",
    "_regex_risk",
    "compile_schema",
]

_CACHE_SIZE = 512

# Schema features on which jsonschema-rs's verdict differs from python-jsonschema's (found by
# the official suite); a schema using one is validated by python-jsonschema alone.
_NEEDS_PYTHON: frozenset[str] = frozenset()

_cache: dict[tuple[str, str], CompiledSchema] = {}


# -- public API ---------------------------------------------------------------------------


def compile_schema(
    schema: dict | bool | str, *, base_dir: Path | None, source: str
) -> CompiledSchema:
    """Check `schema` (inline, or a path relative to `base_dir`) and compile it once.

    `source` names the schema in errors (e.g. `protocol.yaml: messages.propose.schema`).
    Identical schemas (same canonical JSON, same `base_dir`) share one compiled object.
    """
    base = Path(base_dir).resolve() if base_dir is not None else None
    if isinstance(schema, str):
        file = _schema_file(schema, base, source)
        root, display, root_uri = _load(file), str(file), file.as_uri()
    else:
        root, display = schema, source
        root_uri = (base.as_uri().rstrip("/") + "/") if base else "file:///coord-no-base-dir/"
    if not isinstance(root, dict | bool):
        raise SchemaError("a schema must be an object or a boolean", file=display)
    try:
        key = (json.dumps(root, sort_keys=True, allow_nan=False), f"{base}|{root_uri}")
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"the schema is not plain JSON: {exc}", file=display) from None
    cached = _cache.get(key)
    if cached is None:
        checker = _Checker(root, root_uri, display, base)
        checker.check()
        cached = _build(root, checker.docs, len(checker.docs) > 1)
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = cached
    return cached


class _Compiled(CompiledSchema):
    """A checked schema: jsonschema-rs for verdicts, python-jsonschema for error details."""

    def __init__(self, fast: Any, python_factory: Callable[[], Any], engine: str) -> None:
        self._fast = fast
        self._python_factory = python_factory
        self._python: Any = None
        self.engine = engine  # "jsonschema-rs" or "python-jsonschema"
        self.is_valid = fast.is_valid if fast is not None else self._python_is_valid

    def _py(self) -> Any:
        if self._python is None:
            self._python = self._python_factory()
        return self._python

    def _python_is_valid(self, instance: Any) -> bool:
        return self._py().is_valid(instance)

    def is_valid(self, instance: Any) -> bool:  # replaced per instance in __init__
        return self._python_is_valid(instance)

    def errors(self, instance: Any) -> list[tuple[str, str]]:
        found = [(e.json_path, e.message) for e in self._py().iter_errors(instance)]
        if not found and self._fast is not None and not self._fast.is_valid(instance):
            # Cannot happen while the two agree (the official suite checks that); never
            # report "invalid" without saying why.
            found = [
                (_rs_path(e.instance_path), e.message) for e in self._fast.iter_errors(instance)
            ]
        return found


def _rs_path(parts: list) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


# -- building the validators --------------------------------------------------------------


def _build(root: Any, docs: dict[str, _Doc], has_files: bool) -> CompiledSchema:
    root_uri = next(iter(docs))
    schema = root
    if has_files and isinstance(root, dict) and "$id" not in root:
        # Relative file refs resolve against the root's URI; give it one explicitly.
        schema = {"$id": root_uri, **root}
    others = [(u, d.contents) for u, d in docs.items() if u != root_uri]

    def python() -> Any:
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        registry = Registry(retrieve=_no_retrieve).with_resources(
            (u, DRAFT202012.create_resource(c)) for u, c in others
        )
        cls = _python_class() if _rs_available() else _draft()
        return cls(schema, registry=registry)

    fast = None
    if _rs_available() and not _uses(root, docs, _NEEDS_PYTHON):
        import jsonschema_rs

        kwargs: dict[str, Any] = {}
        if others:
            kwargs["registry"] = jsonschema_rs.Registry(
                others, draft=jsonschema_rs.Draft202012, retriever=_no_retrieve
            )
        try:
            fast = jsonschema_rs.Draft202012Validator(
                schema,
                validate_formats=False,
                retriever=_no_retrieve,
                pattern_options=jsonschema_rs.RegexOptions(),
                **kwargs,
            )
        except (ValueError, jsonschema_rs.ValidationError) as exc:
            doc = docs[root_uri]
            raise SchemaError(f"cannot be compiled: {exc}", file=doc.display) from None
    return _Compiled(fast, python, "jsonschema-rs" if fast else "python-jsonschema")


def _uses(root: Any, docs: dict[str, _Doc], keywords: frozenset[str]) -> bool:
    if not keywords:
        return False
    text = " ".join(json.dumps(d.contents) for d in docs.values())
    return any(json.dumps(k) + ":" in text for k in keywords)
