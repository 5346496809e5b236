"""python-jsonschema's draft 2020-12 validator with its regex keywords on a linear-time engine.

python-jsonschema gives the readable error messages (`CompiledSchema.errors`), but it
matches `pattern`, `patternProperties`, `additionalProperties` and `unevaluatedProperties`
with Python's `re`, which backtracks (quadratic even on `a+b`). `_python_class()` extends
it with those four keywords re-implemented, same semantics and messages, on
`coord.protocol.regex_safety._search` (jsonschema-rs's linear-time regex engine).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coord.protocol.regex_safety import _search, _short
from coord.protocol.schema_refs import _IN_PLACE_LIST, _REFS


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
