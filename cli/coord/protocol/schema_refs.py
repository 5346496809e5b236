"""Check a content schema before it is compiled: files, `$ref`s, metaschema, cycles, regexes.

`_Checker(root, root_uri, display, base).check()` reads every schema file the root pulls in
through `$ref` (relative paths inside `base` only, at most `MAX_FILES`), into a registry of
`_Doc`s that both validator libraries are later handed pre-filled, with `_no_retrieve` as
their retriever so nothing is ever fetched. It raises `SchemaError` (P002) listing every
problem: a non-local or unresolvable `$ref`, a file outside the protocol's folder, a
`$schema` other than draft 2020-12, a `$ref` cycle that consumes no input, or a risky regex
(`coord.protocol.regex_safety`). Each document is first checked against the draft 2020-12
metaschema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from coord.errors import InputError
from coord.protocol.regex_safety import _regex_risk, _short

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MAX_FILES = 64  # schema files one content schema may pull in through `$ref`


# Draft 2020-12 keywords holding subschemas: (in place = applies to the same instance).
_IN_PLACE_ONE = ("not", "if", "then", "else")
_IN_PLACE_LIST = ("allOf", "anyOf", "oneOf")
_IN_PLACE_MAP = ("dependentSchemas",)
_CHILD_ONE = (
    "additionalProperties",
    "propertyNames",
    "items",
    "contains",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_CHILD_LIST = ("prefixItems",)
_CHILD_MAP = ("properties", "patternProperties", "$defs", "definitions")
_REFS = ("$ref", "$dynamicRef")


class SchemaError(InputError):
    """A content schema was refused (lint code P002)."""

    code = "P002"

    def __init__(
        self,
        message: str,
        *,
        path: str = "$",
        file: str | None = None,
        hint: str | None = None,
        errors: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message, hint=hint, file=file)
        self.path = path
        self.errors = errors or [(path, message)]  # every problem found, as (path, message)

    def __str__(self) -> str:
        return f"{self.message} (at {self.path})"

    def render(self) -> str:
        text = super().render().replace(f": {self.message}", f": {self}", 1)
        for path, message in self.errors[1:]:
            text += f"\n  also: {message} (at {path})"
        return text


def _key_path(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$-]*", key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key)}]"


# -- files --------------------------------------------------------------------------------


def _schema_file(name: str, base: Path | None, source: str) -> Path:
    """The file a `schema: path` names, refused unless it is a relative path inside base."""
    parts = urlsplit(name)
    if parts.scheme or parts.netloc or name.startswith(("/", "\\")) or Path(name).is_absolute():
        raise SchemaError(
            f"schema path {name!r} must be relative to the protocol file (no URL, no "
            "absolute path)",
            file=source,
        )
    if base is None:
        raise SchemaError(f"schema path {name!r} needs the protocol file's folder", file=source)
    return _inside(base / name, base, name, source, "$")


def _inside(path: Path, base: Path, shown: str, display: str, where: str) -> Path:
    resolved = path.resolve()
    if resolved != base and base not in resolved.parents:
        raise SchemaError(
            f"{shown!r} leads outside the protocol's folder {str(base)!r}",
            path=where,
            file=display,
            hint="schema files must live next to (or below) the protocol file",
        )
    return resolved


def _load(file: Path) -> Any:
    if file.suffix.lower() in (".yaml", ".yml"):
        from coord.spec.yamlsafe import load_yaml

        return load_yaml(file)[0]
    from coord.spec.jsonsafe import load_json

    return load_json(file)


# -- compile-time checks ------------------------------------------------------------------


class _Doc:
    """One schema document (the root, or a file reached through `$ref`)."""

    def __init__(self, contents: Any, uri: str, display: str) -> None:
        self.contents = contents
        self.uri = uri
        self.display = display
        self.paths: dict[int, str] = {}  # id(container) -> JSON path, for messages
        self.bases: dict[int, str] = {}  # id(subschema) -> its base URI
        self.resources: set[str] = {uri}  # URIs of resources embedded by `$id`
        self._index()

    def _index(self) -> None:
        todo: list[tuple[Any, str]] = [(self.contents, "$")]
        while todo:
            node, path = todo.pop()
            if isinstance(node, dict):
                self.paths[id(node)] = path
                todo.extend((v, _key_path(path, k)) for k, v in node.items())
            elif isinstance(node, list):
                self.paths[id(node)] = path
                todo.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
        todo_s: list[tuple[Any, str]] = [(self.contents, self.uri)]
        while todo_s:
            node, base = todo_s.pop()
            if not isinstance(node, dict):
                continue
            if isinstance(node.get("$id"), str):
                base = urldefrag(urljoin(base, node["$id"])).url
                self.resources.add(base)
            self.bases[id(node)] = base
            todo_s.extend((child, base) for child, _, _ in _subschemas(node, "$"))


def _subschemas(node: dict, path: str) -> Iterator[tuple[Any, str, bool]]:
    """(subschema, its path, whether it applies to the same instance) for a schema object."""
    for kw in _IN_PLACE_ONE + _CHILD_ONE:
        if kw in node:
            yield node[kw], _key_path(path, kw), kw in _IN_PLACE_ONE
    for kw in _IN_PLACE_LIST + _CHILD_LIST:
        if isinstance(node.get(kw), list):
            for i, sub in enumerate(node[kw]):
                yield sub, f"{_key_path(path, kw)}[{i}]", kw in _IN_PLACE_LIST
    for kw in _IN_PLACE_MAP + _CHILD_MAP:
        if isinstance(node.get(kw), dict):
            for name, sub in node[kw].items():
                yield sub, _key_path(_key_path(path, kw), name), kw in _IN_PLACE_MAP


class _Refused(Exception):
    """Raised by the retrievers handed to both libraries: nothing is ever fetched."""


def _no_retrieve(uri: str) -> Any:
    raise _Refused(f"retrieving {uri!r} is not allowed")


class _Checker:
    def __init__(self, root: Any, root_uri: str, display: str, base: Path | None) -> None:
        self.base = base
        self.docs: dict[str, _Doc] = {}
        self.problems: list[tuple[str, str, str]] = []  # (file, path, message)
        self._add(root, root_uri, display)

    def _add(self, contents: Any, uri: str, display: str) -> _Doc:
        _check_metaschema(contents, display)
        doc = _Doc(contents, uri, display)
        self.docs[uri] = doc
        return doc

    def check(self) -> None:
        """Read every referenced file; raise `SchemaError` listing every problem found."""
        while True:  # a newly read file may refer to further files: walk again
            registry = self._registry()
            if not self._walk(registry):
                break
        if self.problems:
            file, path, message = self.problems[0]
            raise SchemaError(
                message,
                path=path,
                file=file,
                errors=[(p, m) for _, p, m in self.problems],
                hint="see DESIGN §5: schemas never fetch, regexes cannot hang",
            )

    def _registry(self) -> Any:
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        resources = [(u, DRAFT202012.create_resource(d.contents)) for u, d in self.docs.items()]
        return Registry(retrieve=_no_retrieve).with_resources(resources).crawl()

    def _where(self, node: Any) -> tuple[_Doc, str]:
        for doc in self.docs.values():
            if id(node) in doc.paths:
                return doc, doc.paths[id(node)]
        return next(iter(self.docs.values())), "$"

    def _walk(self, registry: Any) -> bool:
        """Visit every subschema reachable from the root; True when a file was added."""
        from referencing.exceptions import Unresolvable

        root_doc = next(iter(self.docs.values()))
        known = set().union(*(d.resources for d in self.docs.values()))
        seen: set[int] = set()
        graph: dict[int, list[tuple[int, str | None]]] = {}  # in-place edges
        todo: list[tuple[Any, str]] = [(root_doc.contents, root_doc.uri)]
        self.problems = []
        while todo:
            node, base = todo.pop()
            if id(node) in seen or not isinstance(node, dict):
                continue
            seen.add(id(node))
            doc, path = self._where(node)
            base = doc.bases.get(id(node), base)
            edges = graph.setdefault(id(node), [])
            if "$schema" in node and str(node["$schema"]).rstrip("#") != DRAFT_2020_12:
                self.problems.append(
                    (doc.display, _key_path(path, "$schema"), "only draft 2020-12 is supported")
                )
            for kw in _REFS:
                ref = node.get(kw)
                if not isinstance(ref, str):
                    continue
                where = _key_path(path, kw)
                verdict = self._classify(ref, base, known, doc, where)
                if verdict == "added":
                    return True
                if verdict != "ok":
                    self.problems.append((doc.display, where, verdict))
                    continue
                try:
                    resolved = registry.resolver(base).lookup(ref)
                except Unresolvable as exc:
                    self.problems.append(
                        (doc.display, where, f"{kw} {ref!r} cannot be resolved ({exc})")
                    )
                    continue
                target = resolved.contents
                edges.append((id(target), where if doc is root_doc else f"{doc.display}: {where}"))
                todo.append((target, urldefrag(urljoin(base, ref)).url))
            for child, _, in_place in _subschemas(node, path):
                if in_place and isinstance(child, dict):
                    edges.append((id(child), None))
                todo.append((child, base))
            self._check_regexes(node, path, doc)
        cycle = _find_cycle(graph)
        if cycle:
            message = "$ref cycle that never consumes input: " + " → ".join(cycle) + " → …"
            self.problems.append((root_doc.display, cycle[0], message))
        return False

    def _classify(self, ref: str, base: str, known: set[str], doc: _Doc, where: str) -> str:
        parts = urlsplit(ref)
        target = urldefrag(urljoin(base, ref)).url
        if ref.startswith("#") or target in known:
            return "ok"
        if parts.scheme or parts.netloc or ref.startswith(("/", "\\")):
            return (
                f"$ref {ref!r} is not local: remote, file:// and absolute references are "
                "never fetched (use '#/$defs/…' or a relative file inside the protocol folder)"
            )
        if not target.startswith("file:") or self.base is None:
            return f"$ref {ref!r} resolves to {target!r}, which is neither local nor a file here"
        try:
            file = _inside(Path(unquote(urlsplit(target).path)), self.base, ref, doc.display, where)
        except SchemaError as exc:
            return exc.message
        if len(self.docs) >= MAX_FILES:
            return f"more than {MAX_FILES} schema files referenced"
        if not file.is_file():
            return f"$ref {ref!r}: no such schema file {str(file)!r}"
        self._add(_load(file), target, str(file))
        return "added"

    def _check_regexes(self, node: dict, path: str, doc: _Doc) -> None:
        found = []
        if isinstance(node.get("pattern"), str):
            found.append((node["pattern"], _key_path(path, "pattern")))
        if isinstance(node.get("patternProperties"), dict):
            pp = _key_path(path, "patternProperties")
            found.extend((k, _key_path(pp, k)) for k in node["patternProperties"])
        for pattern, where in found:
            risk = _regex_risk(pattern)
            if risk:
                self.problems.append((doc.display, where, f"regex {_short(pattern)} {risk}"))


def _check_metaschema(contents: Any, display: str) -> None:
    from jsonschema import Draft202012Validator

    # No format checker: the metaschema's only checked format is `regex`, which
    # `_regex_risk` checks more strictly (and without Python's recursive parser on hostile
    # nesting).
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    errors = sorted(meta.iter_errors(contents), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        found = [(e.json_path, e.message) for e in errors]
        raise SchemaError(
            f"not a valid draft 2020-12 JSON Schema: {found[0][1]}",
            path=found[0][0],
            file=display,
            errors=found,
        )


def _find_cycle(graph: dict[int, list[tuple[int, str | None]]]) -> list[str] | None:
    """The `$ref` sites of one cycle of in-place edges, or None (iterative DFS)."""
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done
    for start in graph:
        if state.get(start):
            continue
        stack: list[tuple[int, Iterator, str | None]] = [(start, iter(graph[start]), None)]
        state[start] = 1
        while stack:
            node, edges, _ = stack[-1]
            for target, label in edges:
                if state.get(target) == 1:
                    at = [n for n, _, _ in stack].index(target)
                    trail = [lab for _, _, lab in stack[at + 1 :] if lab]
                    return trail + ([label] if label else []) or ["$"]
                if not state.get(target):
                    state[target] = 1
                    stack.append((target, iter(graph.get(target, ())), label))
                    break
            else:
                state[node] = 2
                stack.pop()
    return None
