"""Parity with python-jsonschema on the official JSON Schema Test Suite (draft 2020-12).

The suite's files are vendored unchanged in `tests/data/json-schema-test-suite` (see its
PROVENANCE.md). For every case whose schema is local (no remote `$ref`, no foreign `$schema`
— those are refused by design, and `refRemote.json` is all remote), `compile_schema`'s
`is_valid` must give python-jsonschema's verdict (Draft202012Validator, formats not asserted)
for every instance, and `errors()` must be empty exactly when python-jsonschema finds no error.
Parity with python-jsonschema is the requirement, not agreement with the suite's `valid`
(which python-jsonschema itself misses in a few places); both counts are reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coord.protocol.schemas import SchemaError, compile_schema

SUITE = Path(__file__).resolve().parents[1] / "data" / "json-schema-test-suite" / "draft2020-12"
FILES = sorted(SUITE.glob("*.json"))


REMOTE_FILE = "refRemote.json"  # every case fetches from localhost:1234: not even compiled


def _cases():
    for file in FILES:
        if file.name == REMOTE_FILE:
            continue
        for i, case in enumerate(json.loads(file.read_text(encoding="utf-8"))):
            yield pytest.param(case, id=f"{file.stem}[{i}] {case['description'][:60]}")


def _python_validator(schema):
    from jsonschema import Draft202012Validator
    from referencing import Registry

    def refuse(uri):
        raise LookupError(uri)

    return Draft202012Validator(schema, registry=Registry(retrieve=refuse))


def test_suite_is_present():
    assert len(FILES) >= 40, "the vendored official suite is missing"
    assert (SUITE.parent / "LICENSE").is_file() and (SUITE.parent / "PROVENANCE.md").is_file()


def test_parity_with_python_jsonschema(tmp_path, capsys):
    cases = skipped = tests = agree_suite = 0
    mismatches = []
    for param in _cases():
        case = param.values[0]
        cases += 1
        try:
            compiled = compile_schema(case["schema"], base_dir=tmp_path, source=param.id)
        except SchemaError as exc:
            # Refused by design: remote refs, foreign metaschemas. Nothing else may be refused.
            assert (
                "is not local" in exc.message
                or "draft 2020-12" in exc.message
                or ("resolves to" in exc.message)
            ), f"{param.id}: unexpectedly refused: {exc.render()}"
            skipped += 1
            continue
        python = _python_validator(case["schema"])
        for test in case["tests"]:
            tests += 1
            expected = python.is_valid(test["data"])
            fast = compiled.is_valid(test["data"])
            errors = compiled.errors(test["data"])
            if fast != expected or bool(errors) == expected:
                mismatches.append((param.id, test["description"], expected, fast, errors))
            agree_suite += fast == test["valid"]
    remote_file = len(json.loads((SUITE / REMOTE_FILE).read_text(encoding="utf-8")))
    with capsys.disabled():
        print(
            f"\nofficial suite draft2020-12: {cases + remote_file} cases, {remote_file} in "
            f"{REMOTE_FILE} + {skipped} more refused as remote (skipped), "
            f"{tests} instances in parity, {agree_suite} agree with the suite's 'valid'"
        )
    assert not mismatches, "\n".join(map(repr, mismatches))
    assert tests > 1000 and skipped < 40
