"""Every user mistake in a scenario exits 2 with file, line, column and a hint."""

import json
import re

import pytest
from helpers import MINIMAL


def variant(old, new):
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


INSTANCES = MINIMAL[MINIMAL.index("  instances:") : MINIMAL.index("agents:")]
CASES = {
    "malformed yaml": (variant("  rounds: 2", "  rounds: [2"), 5, "invalid yaml"),
    "duplicate key": (variant("  rounds: 2", "  rounds: 2\n  rounds: 3"), 5, "duplicate"),
    "unknown field": (variant("  rounds: 2", "  rouns: 2"), 4, 'did you mean "rounds"'),
    "unknown top field": (MINIMAL + "coordinaton: {talk: false}\n", 14, "coordination"),
    "undeclared resource": (variant("{r2: 3}, reward: 9", "{r9: 3}, reward: 9"), 8, "r9"),
    "negative reward": (variant("reward: 9}\n        bob", "reward: -9}\n        bob"), 8, "≥ 0"),
    "negative requirement": (variant("{r2: 3}, reward: 9", "{r2: -3}, reward: 9"), 8, "≥ 0"),
    "unknown policy": (
        variant("policy/grounded}\n  bob", "policy/grounder}\n  bob"),
        12,
        'did you mean "grounded"',
    ),
    "unknown backend kind": (variant("policy/grounded}\n  bob", "polcy/x}\n  bob"), 12, "kind"),
    "empty instance list": (variant(INSTANCES, "  instances: []\n"), 5, "empty"),
    "no instances": (variant(INSTANCES, ""), 3, "instances"),
    "alias": (MINIMAL + "seeds: &s [1]\nrepeats_: *s\n", 14, "alias"),
    "yaml 1.1 boolean": (MINIMAL + "coordination: {talk: no}\n", 14, "talk"),
    "bad expectation": (
        MINIMAL + 'expect: ["joint_eficiency >= 1"]\n',
        14,
        'did you mean "joint_efficiency"',
    ),
    "three agents": (MINIMAL + "  carol: {backend: policy/fair}\n", 11, "exactly two"),
    "wrong schema version": (variant("schema_version: 1", "schema_version: 7"), 1, "one of 1"),
    "deep nesting": (MINIMAL + "description: " + "[" * 200 + "]" * 200 + "\n", 14, "deep"),
    "not a mapping": ("- just\n- a list\n", 1, "mapping"),
    "empty file": ("", 1, "empty"),
}


def located(r, path, line):
    """Whether the error names `path` with `line` and a column."""
    return re.search(re.escape(f"{path}:{line}:") + r"\d+: error:", r.err) is not None


def without_paths(r, *paths):
    """The error text with the file paths removed (their folders are named after the test)."""
    err = r.err
    for path in paths:
        err = err.replace(str(path), "")
    return err.lower()


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_scenario(name, coord, scenario, tmp_path):
    text, line, needle = CASES[name]
    path = scenario(text)
    r = coord("run", path, "--out", tmp_path / "o")
    assert r.code == 2, (name, r.out, r.err)
    assert str(path) in r.err
    assert located(r, path, line), r.err
    assert needle.lower() in without_paths(r, path), r.err
    assert "Traceback" not in r.err
    assert not (tmp_path / "o").exists()  # nothing half-written


META = {"resource_costs": {"r1": 1}, "resource_supply": {"r1": 1}, "agent_budget": 1}


def test_empty_pool(coord, scenario, tmp_path):
    pool = tmp_path / "pool.json"
    pool.write_text(
        '{"metadata": {\n  "max_resource_types": 1, ' + json.dumps(META)[1:] + ',\n "0.5": []}'
    )
    path = scenario(MINIMAL.replace(INSTANCES, "  pool: {file: pool.json}\n"))
    r = coord("run", path)
    assert r.code == 2, r.err
    assert f"{pool}:3:9: error:" in r.err, r.err  # the empty list of bucket "0.5"
    assert "the pool has no candidates" in without_paths(r, path, pool), r.err
    assert "hint:" in r.err


def test_missing_pool_file_points_at_its_name(coord, scenario):
    path = scenario(MINIMAL.replace(INSTANCES, "  pool:\n    file: nope.json\n"))
    r = coord("run", path)
    assert r.code == 2 and f"{path}:6:11: error: pool file not found" in r.err, r.err
    assert "relative to the scenario file" in r.err


def test_pool_error_points_into_the_pool_file(coord, scenario, tmp_path):
    pool = tmp_path / "pool.json"
    candidate = {"agent_projects": [[{"name": "a", "requirements": {"r1": 1}, "reward": 1}]] * 2}
    doc = {"metadata": {**META, "max_resource_types": 0}, "0.5": [candidate]}
    pool.write_text(json.dumps(doc, indent=2))
    path = scenario(MINIMAL.replace(INSTANCES, "  pool: {file: pool.json, bucket: '0.5'}\n"))
    r = coord("run", path)
    assert r.code == 2, r.err
    assert f"{pool}:10:27: error: metadata.max_resource_types" in r.err, r.err


def test_solve_points_at_an_undeclared_requirement(coord, tmp_path):
    pool = tmp_path / "pool.json"
    pool.write_text(
        "{\n"
        '  "metadata": {"resource_costs": {"r1": 1}, "resource_supply": {"r1": 4},\n'
        '               "agent_budget": 4, "max_resource_types": 1},\n'
        '  "0.5": [\n'
        '    {"candidate_id": 7,\n'
        '     "agent_projects": [\n'
        '       [{"name": "a", "requirements": {"r1": 1}, "reward": 2}],\n'
        '       [{"name": "b", "requirements": {"r1": 1,\n'
        '                                        "r9": 2}, "reward": 3}]]}]}\n'
    )
    r = coord("solve", pool)
    assert r.code == 2, r.err
    assert f"{pool}:9:47: error: " in r.err, r.err
    assert 'requirements.r9: unknown resource "r9"' in r.err
    assert "hint: declare every resource" in r.err


def test_debug_shows_the_traceback(coord, scenario):
    from coord.commands import _state

    path = scenario(variant("  rounds: 2", "  rouns: 2"))
    r = coord("--debug", "run", path)
    assert r.code == 2 and "Traceback" in r.err
    _state.debug = False
