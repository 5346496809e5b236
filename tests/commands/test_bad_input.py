"""Every user mistake in a scenario exits 2 with file, line, column and a hint."""

import pytest
from helpers import MINIMAL


def variant(old, new):
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


CASES = {
    "malformed yaml": (variant("  rounds: 2", "  rounds: [2"), None, ""),
    "duplicate key": (variant("  rounds: 2", "  rounds: 2\n  rounds: 3"), 5, "duplicate"),
    "unknown field": (variant("  rounds: 2", "  rouns: 2"), 4, 'did you mean "rounds"'),
    "unknown top field": (MINIMAL + "coordinaton: {talk: false}\n", 14, "coordination"),
    "undeclared resource": (variant("{r2: 3}, reward: 9", "{r9: 3}, reward: 9"), 8, "r9"),
    "negative reward": (variant("reward: 9}\n        bob", "reward: -9}\n        bob"), 8, "0"),
    "negative requirement": (variant("{r2: 3}, reward: 9", "{r2: -3}, reward: 9"), 8, "≥ 0"),
    "unknown policy": (
        variant("policy/grounded}\n  bob", "policy/grounder}\n  bob"),
        12,
        'did you mean "grounded"',
    ),
    "unknown backend kind": (variant("policy/grounded}\n  bob", "polcy/x}\n  bob"), 12, "kind"),
    "empty instance list": (
        variant(
            MINIMAL[MINIMAL.index("  instances:") : MINIMAL.index("agents:")], "  instances: []\n"
        ),
        None,
        "empty",
    ),
    "no instances": (
        variant(MINIMAL[MINIMAL.index("  instances:") : MINIMAL.index("agents:")], ""),
        None,
        "instances",
    ),
    "alias": (MINIMAL + "seeds: &s [1]\nrepeats_: *s\n", 14, "alias"),
    "yaml 1.1 boolean": (MINIMAL + "coordination: {talk: no}\n", 14, "talk"),
    "bad expectation": (
        MINIMAL + 'expect: ["joint_eficiency >= 1"]\n',
        14,
        'did you mean "joint_efficiency"',
    ),
    "three agents": (MINIMAL + "  carol: {backend: policy/fair}\n", None, "exactly two"),
    "wrong schema version": (variant("schema_version: 1", "schema_version: 7"), 1, "1"),
    "deep nesting": (MINIMAL + "description: " + "[" * 200 + "]" * 200 + "\n", None, "deep"),
    "not a mapping": ("- just\n- a list\n", None, "mapping"),
    "empty file": ("", None, "empty"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_scenario(name, coord, scenario, tmp_path):
    text, line, needle = CASES[name]
    path = scenario(text)
    r = coord("run", path, "--out", tmp_path / "o")
    assert r.code == 2, (name, r.out, r.err)
    assert str(path) in r.err
    if line is not None:
        assert f"{path}:{line}:" in r.err, r.err
    assert needle.lower() in r.err.lower(), r.err
    assert "Traceback" not in r.err
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_empty_pool(coord, scenario, tmp_path):
    (tmp_path / "pool.json").write_text(
        '{"metadata": {"resource_costs": {"r1": 1}, '
        '"resource_supply": {"r1": 1}, "agent_budget": 1, '
        '"max_resource_types": 1}, "0.5": []}'
    )
    body = MINIMAL[MINIMAL.index("  instances:") : MINIMAL.index("agents:")]
    path = scenario(MINIMAL.replace(body, "  pool: {file: pool.json}\n"))
    r = coord("run", path)
    assert r.code == 2 and "empty" in r.err.lower(), r.err


def test_debug_shows_the_traceback(coord, scenario):
    from coord.commands import _state

    path = scenario(variant("  rounds: 2", "  rouns: 2"))
    r = coord("--debug", "run", path)
    assert r.code == 2 and "Traceback" in r.err
    _state.debug = False
