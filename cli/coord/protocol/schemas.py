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
  backreference or lookaround, or have a catastrophic-backtracking shape (see `_regex_risk`).

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
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from coord.errors import InputError
from coord.protocol.model import CompiledSchema

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MAX_PATTERN_CHARS = 4096
MAX_PATTERN_NESTING = 32
MAX_FILES = 64  # schema files one content schema may pull in through `$ref`
_CACHE_SIZE = 512

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

# Schema features on which jsonschema-rs's verdict differs from python-jsonschema's (found by
# the official suite); a schema using one is validated by python-jsonschema alone.
_NEEDS_PYTHON: frozenset[str] = frozenset()

_cache: dict[tuple[str, str], CompiledSchema] = {}


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
        cached = _Checker(root, root_uri, display, base).compile()
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
        self.root = root
        self.base = base
        self.docs: dict[str, _Doc] = {}
        self.problems: list[tuple[str, str, str]] = []  # (file, path, message)
        self._add(root, root_uri, display)

    def fail(self, message: str, path: str, file: str, hint: str | None = None) -> None:
        raise SchemaError(message, path=path, file=file, hint=hint)

    def _add(self, contents: Any, uri: str, display: str) -> _Doc:
        _check_metaschema(contents, display)
        doc = _Doc(contents, uri, display)
        self.docs[uri] = doc
        return doc

    def compile(self) -> CompiledSchema:
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
        return _build(self.root, self.docs, len(self.docs) > 1)

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


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


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


# -- regexes ------------------------------------------------------------------------------


def _regex_risk(pattern: str) -> str | None:
    """Why `pattern` is refused, or None. Conservative: a refusal may be a false alarm
    (the backtracking rule is documented on `_Regex`)."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"is longer than {MAX_PATTERN_CHARS} characters"
    depth = deepest = 0
    escaped = False
    for ch in pattern:  # an upper bound on group nesting, before the recursive parser
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    if deepest > MAX_PATTERN_NESTING:
        return f"nests groups deeper than {MAX_PATTERN_NESTING}"
    try:
        re.compile(pattern)
        parsed = _parser().parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"is not a valid regex ({exc})"
    risk = _Regex(parsed.state.flags).risk(parsed.data, repeated=False)
    if risk:
        return risk
    fast = _rs_matcher(pattern)
    if fast is False:
        return "is not supported by the linear-time regex engine"
    return None


def _parser() -> Any:
    try:
        import re._parser as sre_parse  # Python ≥ 3.11
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    return sre_parse


_MAX_CHAR = 0x10FFFF
_ALL = [(0, _MAX_CHAR)]
_NON_ASCII = [(0x80, _MAX_CHAR)]
_CATEGORY_ASCII = {
    "DIGIT": [(48, 57)],
    "SPACE": [(9, 13), (32, 32)],
    "WORD": [(48, 57), (65, 90), (95, 95), (97, 122)],
}


def _union(*sets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(r for s in sets for r in s):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return out


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, nxt = [], 0
    for lo, hi in _union(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_CHAR:
        out.append((nxt, _MAX_CHAR))
    return out


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(lo1 <= hi2 and lo2 <= hi1 for lo1, hi1 in a for lo2, hi2 in b)


class _Regex:
    r"""Static analysis of a parsed regex: the characters a piece can start with (an
    over-approximation) and whether it can match the empty string.

    `risk` refuses a regex that is ambiguous *inside a repetition* (a group repeated more
    than once: `*`, `+`, `{n,m}` with m > 1, also `{12}`), because there the number of ways
    to match can grow exponentially with the input. Inside a repetition it refuses:

    * a variable-length quantifier (`x+`, `x*`, `x?`, `x{2,5}` …) where the characters its
      body can consume overlap its *follow set*: what can come right after it — the next
      elements up to and including the first mandatory one, then (if all of those are
      optional) the start of the group's next repetition and what follows the group, and so
      on outwards. `(a+)+`, `(.*a){12}`, `(\w+\s?)*`, `(x+x+)+y` are refused; in
      `([\w-]+\.)+` the `[\w-]+` is always followed by a `.` it cannot match, so where
      one repetition ends is never in doubt and matching is linear;
    * a variable-length quantifier of something that can itself match empty (`((a?)?b)*`,
      `((a*)?b)+`): skipping it and taking it empty are two ways to match the same text;
    * alternatives whose first characters overlap (`(a|a?b)*`), more than one that can
      match empty, or one that can match empty while the others start with a character
      of the follow set (`(a|aa)+`, which the parser turns into `a(?:|a)`).

    So every choice inside a repetition is decided by the next character. Conservative:
    character sets are over-approximated (Unicode classes and case folding count as "any
    non-ASCII character"), a quantifier's whole body is compared (not just its first
    characters), and the follow set runs on past the group even where only polynomial,
    not exponential, backtracking could result. Quantifiers outside any repetition
    (`a*a*b`) are not refused: they cost at most polynomial time, and only on the
    Python-`re` fallback.
    """

    _REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")

    def __init__(self, flags: int) -> None:
        self.ignorecase = bool(flags & re.IGNORECASE)

    def risk(self, seq: Any, *, repeated: bool, after: list | None = None) -> str | None:
        """Why `seq` is refused, or None. `after`: the characters that can follow `seq`
        (its follow set); `repeated`: whether `seq` sits inside a repetition."""
        follows = self._follows(seq, after or [])
        for (op, av), follow in zip(seq, follows):
            name = str(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                return "uses a backreference (needs a backtracking engine)"
            if name in ("ASSERT", "ASSERT_NOT"):
                return "uses a lookahead/lookbehind (needs a backtracking engine)"
            if name == "SUBPATTERN":
                if av[1] & re.IGNORECASE:
                    self.ignorecase = True
                risk = self.risk(av[3], repeated=repeated, after=follow)
            elif name == "ATOMIC_GROUP":
                risk = self.risk(av, repeated=repeated, after=follow)
            elif name == "BRANCH":
                if repeated and self._ambiguous(av[1], follow):
                    return (
                        "repeats alternatives that can match the same text (like (a|a)* or "
                        "(a|aa)+): catastrophic backtracking"
                    )
                risk = next(
                    filter(None, (self.risk(b, repeated=repeated, after=follow) for b in av[1])),
                    None,
                )
            elif name in self._REPEATS:
                lo, hi, body = av
                if repeated and lo != hi:
                    if self.first(body)[1]:
                        return (
                            "repeats a group holding a quantifier of something that can match "
                            "empty (like ((a?)?b)*): catastrophic backtracking"
                        )
                    if _overlap(self.chars_of(body), follow):
                        return (
                            "repeats a group in which a variable-length quantifier can also "
                            "match what follows it (like (a+)+ or (.*a){3}): catastrophic "
                            "backtracking"
                        )
                many = hi > 1
                # After one pass through the body: another pass, or whatever follows.
                inner = _union(self.first(body)[0], follow) if many else follow
                risk = self.risk(body, repeated=repeated or many, after=inner)
            else:
                risk = None
            if risk:
                return risk
        return None

    def _follows(self, seq: Any, after: list) -> list[list[tuple[int, int]]]:
        """For each element of `seq`, the characters that can come right after it."""
        out: list[list[tuple[int, int]]] = []
        follow = after
        for item in reversed(list(seq)):
            out.append(follow)
            chars, nullable = self.first([item])
            follow = _union(chars, follow) if nullable else chars
        return out[::-1]

    def _ambiguous(self, branches: list, follow: list) -> bool:
        firsts = [self.first(b) for b in branches]
        nullable = sum(1 for _, n in firsts if n)
        if nullable > 1:
            return True
        if nullable and _overlap(_union(*(c for c, _ in firsts)), follow):
            return True
        return any(_overlap(a[0], b[0]) for i, a in enumerate(firsts) for b in firsts[i + 1 :])

    def chars_of(self, seq: Any) -> list[tuple[int, int]]:
        """Every character any part of `seq` can match (over-approximation)."""
        out: list[list[tuple[int, int]]] = []
        for op, av in seq:
            name = str(op)
            if name in self._REPEATS:
                out.append(self.chars_of(av[2]))
            elif name == "SUBPATTERN":
                out.append(self.chars_of(av[3]))
            elif name == "ATOMIC_GROUP":
                out.append(self.chars_of(av))
            elif name == "BRANCH":
                out.extend(self.chars_of(b) for b in av[1])
            else:
                out.append(self._atom(name, av)[0])
        return _union(*out)

    def first(self, seq: Any) -> tuple[list[tuple[int, int]], bool]:
        """(characters a match of `seq` can start with, whether it can match empty)."""
        sets: list[list[tuple[int, int]]] = []
        for op, av in seq:
            name = str(op)
            if name in self._REPEATS:
                chars, nullable = self.first(av[2])
                nullable = nullable or av[0] == 0
            elif name == "SUBPATTERN":
                chars, nullable = self.first(av[3])
            elif name == "ATOMIC_GROUP":
                chars, nullable = self.first(av)
            elif name == "BRANCH":
                parts = [self.first(b) for b in av[1]]
                chars = _union(*(c for c, _ in parts))
                nullable = any(n for _, n in parts)
            else:
                chars, nullable = self._atom(name, av)
            sets.append(chars)
            if not nullable:
                return _union(*sets), False
        return _union(*sets), True

    def _atom(self, name: str, av: Any) -> tuple[list[tuple[int, int]], bool]:
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            return [], True
        if name == "GROUPREF":
            return _ALL, True
        if name == "IN":
            return self._in(av, over=True), False
        if name == "LITERAL":
            return self._literal(av), False
        if name == "NOT_LITERAL":
            return _complement([(av, av)]) if not self.ignorecase else _ALL, False
        return _ALL, False  # ANY, CATEGORY and anything unforeseen: any character

    def _literal(self, code: int) -> list[tuple[int, int]]:
        if not self.ignorecase:
            return [(code, code)]
        ch = chr(code)
        # Case folding reaches outside ASCII (K ↔ KELVIN SIGN): assume any non-ASCII.
        return _union(
            [(ord(c), ord(c)) for c in {ch, ch.lower(), ch.upper()} if len(c) == 1], _NON_ASCII
        )

    def _in(self, items: list, *, over: bool) -> list[tuple[int, int]]:
        if items and str(items[0][0]) == "NEGATE":
            return _complement(self._in(items[1:], over=not over))
        out: list[list[tuple[int, int]]] = []
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                out.append(self._literal(av) if over else [(av, av)])
            elif name == "RANGE":
                out.append([av] if not (over and self.ignorecase) else _ALL)
            elif name == "CATEGORY":
                out.append(self._category(str(av), over=over))
            elif over:
                out.append(_ALL)
        return _union(*out)

    @staticmethod
    def _category(name: str, *, over: bool) -> list[tuple[int, int]]:
        negated = "_NOT_" in name
        base = name.rsplit("_", 1)[-1]
        ascii_part = _CATEGORY_ASCII.get(base)
        if ascii_part is None:  # line breaks and other rare ones
            return _ALL if over else []
        # Unicode classes reach outside ASCII: over-approximate with all of it, and
        # under-approximate (needed under negation) with the ASCII part only.
        if negated:
            return _complement(ascii_part if over else _union(ascii_part, _NON_ASCII))
        return _union(ascii_part, _NON_ASCII) if over else ascii_part


_rs_patterns: dict[str, Any] = {}


def _rs_matcher(pattern: str) -> Any:
    """A linear-time `is_valid(string)` for `pattern` via jsonschema-rs; None without
    jsonschema-rs, False when its linear engine cannot compile the pattern."""
    matcher = _rs_patterns.get(pattern)
    if matcher is None:
        try:
            import jsonschema_rs
        except ImportError:  # pragma: no cover - jsonschema-rs is a dependency
            return None
        try:
            matcher = jsonschema_rs.Draft202012Validator(
                {"pattern": pattern}, pattern_options=jsonschema_rs.RegexOptions()
            ).is_valid
        except (ValueError, jsonschema_rs.ValidationError):
            matcher = False
        if len(_rs_patterns) >= 4 * _CACHE_SIZE:
            _rs_patterns.clear()
        _rs_patterns[pattern] = matcher
    return matcher


def _search(pattern: str, text: str) -> bool:
    """`re.search(pattern, text)` semantics in linear time (jsonschema-rs when present)."""
    matcher = _rs_matcher(pattern)
    if matcher:
        return matcher(text)
    return re.search(pattern, text) is not None


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


def _rs_available() -> bool:
    try:
        import jsonschema_rs  # noqa: F401
    except ImportError:  # pragma: no cover - jsonschema-rs is a dependency
        return False
    return True


def _draft() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator


_python_cls: Any = None


def _python_class() -> Any:
    """python-jsonschema's draft 2020-12 validator, its regex keywords on `_search`."""
    global _python_cls
    if _python_cls is None:
        from jsonschema import validators

        _python_cls = validators.extend(
            _draft(),
            {
                "pattern": _kw_pattern,
                "patternProperties": _kw_pattern_properties,
                "additionalProperties": _kw_additional_properties,
                "unevaluatedProperties": _kw_unevaluated_properties,
            },
        )
    return _python_cls


# The four keywords python-jsonschema evaluates with `re.search`, with the same semantics and
# messages, on `_search` instead. (`_resolver` is python-jsonschema's own way to follow a
# `$ref` from a keyword; it has no public equivalent.)


def _error(message: str) -> Any:
    from jsonschema.exceptions import ValidationError

    return ValidationError(message)


def _kw_pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield _error(f"{_short(instance)} does not match {pattern!r}")


def _kw_pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _extras_msg(extras: list) -> str:
    verb = "was" if len(extras) == 1 else "were"
    return ", ".join(repr(e) for e in extras) + " " + verb


def _kw_additional_properties(validator, additional, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = {
        key
        for key in instance
        if key not in properties and not any(_search(p, key) for p in patterns)
    }
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(e) for e in sorted(extras))
            regexes = ", ".join(repr(p) for p in sorted(patterns))
            yield _error(f"{joined} {verb} not match any of the regexes: {regexes}")
        else:
            listed = _extras_msg(sorted(extras, key=str))
            yield _error(f"Additional properties are not allowed ({listed} unexpected)")


def _kw_unevaluated_properties(validator, unevaluated, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    evaluated = _evaluated_keys(validator, instance, schema)
    bad = [
        key
        for key in instance
        if key not in evaluated
        and next(validator.descend(instance[key], unevaluated, path=key), None) is not None
    ]
    if bad:
        if unevaluated is False:
            listed = _extras_msg(sorted(bad, key=str))
            yield _error(f"Unevaluated properties are not allowed ({listed} unexpected)")
        else:
            yield _error(
                "Unevaluated properties are not valid under the given schema "
                f"({_extras_msg(bad)} unevaluated and invalid)"
            )


def _evaluated_keys(validator, instance: dict, schema: Any) -> set:
    """The keys of `instance` that `schema` evaluates successfully, as for
    `unevaluatedProperties` (draft 2020-12 §11.3), in-place applicators included."""
    if not isinstance(schema, dict):
        return set()
    keys: set = set()
    for kw in _REFS:
        if kw in schema:
            resolved = validator._resolver.lookup(schema[kw])
            sub = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
            keys |= _evaluated_keys(sub, instance, resolved.contents)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        keys |= properties.keys() & instance.keys()
    for kw in ("additionalProperties", "unevaluatedProperties"):
        if kw in schema:
            keys |= {k for k, v in instance.items() if _ok(validator.descend(v, schema[kw]))}
    for pattern in schema.get("patternProperties", {}):
        keys |= {k for k in instance if _search(pattern, k)}
    for name, sub in schema.get("dependentSchemas", {}).items():
        if name in instance:
            keys |= _evaluated_keys(validator, instance, sub)
    for kw in _IN_PLACE_LIST:
        for sub in schema.get(kw, []):
            if _ok(validator.descend(instance, sub)):
                keys |= _evaluated_keys(validator, instance, sub)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys |= _evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                keys |= _evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            keys |= _evaluated_keys(validator, instance, schema["else"])
    return keys


def _ok(errors: Iterator) -> bool:
    return next(errors, None) is None
