"""Reading the paper's scenario pool and single instances in its keys."""

from __future__ import annotations

import copy
import json

import pytest

from coord.errors import InputError
from coord.game.negotiation.instance import Synergy, make_instance
from coord.game.negotiation.oracle import solve
from coord.game.negotiation.pool import (
    instance_from_paper_dict,
    is_pool,
    load_paper_file,
    load_pool,
    load_pool_file,
)


def project(name, reward, **req):
    return {"name": name, "requirements": req, "reward": reward}


def candidate(cid, synergy=None, **extra):
    return {
        "candidate_id": cid,
        "agent_projects": [
            [project("a", 9, r2=3), project("b", 4, r3=2, r2=3), project("c", 1, r3=2, r1=1)],
            [project("a", 1, r3=3), project("b", 9, r1=1, r2=3), project("c", 4, r2=2)],
        ],
        "scenario_synergy": synergy,
        **extra,
    }


POOL = {
    "metadata": {
        "resource_costs": {"r1": 1.0, "r2": 1.5, "r3": 3.0},
        "resource_supply": {"r1": 10, "r2": 10, "r3": 6},
        "agent_budget": 18,
        "max_resource_types": 2,
        "generated_by": "someone",
    },
    "0.5": [candidate("c0", oracle_stats={"mc": 0.537}), candidate(17)],
    "1.0": [candidate("x", synergy={"resource": "r2", "threshold": 6, "bonus": 3})],
    "notes": "free text is ignored",
    "summary": {"count": 3},
    "history": ["also ignored"],
}
SOURCE = "pool.json"


def pool():
    return copy.deepcopy(POOL)


def test_loads_every_bucket():
    insts = load_pool(pool(), source=SOURCE)
    assert [i.id for i in insts] == ["0.5/c0", "0.5/17", "1.0/x"]
    assert dict(insts[0].meta)["bucket"] == "0.5"
    assert insts[0].economy.supply == (10, 10, 6) and insts[0].economy.budget == 18
    assert insts[0].economy.synergy is None
    assert insts[2].economy.synergy == Synergy("r2", 6, 3.0)
    assert solve(insts[0]).collab_max == 29
    assert insts[0].agents == ("A", "B")


def test_one_bucket_and_agent_names():
    insts = load_pool(pool(), source=SOURCE, bucket="0.5", agents=("Ann", "Bob"))
    assert [i.id for i in insts] == ["0.5/c0", "0.5/17"]
    assert insts[0].agents == ("Ann", "Bob")
    assert [i.id for i in load_pool(pool(), source=SOURCE, bucket="1")] == ["1.0/x"]


def test_unknown_bucket_lists_the_buckets_present():
    with pytest.raises(InputError) as e:
        load_pool(pool(), source=SOURCE, bucket="0.7")
    assert '"0.7"' in e.value.message and '"0.5", "1.0"' in e.value.message
    assert e.value.file == SOURCE and e.value.hint


def test_is_pool():
    assert is_pool(pool())
    assert not is_pool(make_instance("i", [[project("a", 1, r1=1)]] * 2).to_dict())
    assert not is_pool([1, 2]) and not is_pool({"metadata": {}})


def test_synergy_synonyms():
    data = pool()
    data["1.0"][0]["scenario_synergy"] = {
        "resources": ["r2"],
        "min_total": 6,
        "bonus_per_agent": 3,
    }
    assert load_pool(data, source=SOURCE, bucket="1.0")[0].economy.synergy == Synergy("r2", 6, 3.0)
    data["1.0"][0]["scenario_synergy"] = {"resource": "r1", "total_threshold": 2, "bonus": 1}
    assert load_pool(data, source=SOURCE, bucket="1.0")[0].economy.synergy == Synergy("r1", 2, 1.0)


def _set(path, value):
    def mutate(d):
        *head, last = path
        for k in head:
            d = d[k]
        d[last] = value

    return mutate


def _delete(path):
    def mutate(d):
        *head, last = path
        for k in head:
            d = d[k]
        del d[last]

    return mutate


P = ("0.5", 1, "agent_projects")
MALFORMED = [
    (_delete(("metadata", "agent_budget")), ["metadata", "missing agent_budget"]),
    (_delete(("metadata",)), ["no metadata"]),
    (_set(("metadata", "resource_costs", "r1"), -1), ["metadata.resource_costs.r1", "negative"]),
    (_set(("metadata", "resource_supply", "r3"), 2.5), ["metadata.resource_supply.r3"]),
    (_delete(("metadata", "resource_supply", "r3")), ['no supply for resource "r3"']),
    (_set(("metadata", "max_resource_types"), 0), ["metadata.max_resource_types"]),
    (_set(("metadata", "agent_budget"), "18"), ["metadata.agent_budget", "number"]),
    (_set((*P, 1, 0, "requirements", "r9"), 1), ['"0.5"[1].agent_projects[1][0].requirements.r9']),
    (_set((*P, 0, 2, "requirements", "r1"), -1), ['"0.5"[1].agent_projects[0][2].requirements.r1']),
    (_set((*P, 0, 1, "reward"), -4), ['"0.5"[1].agent_projects[0][1].reward', "negative"]),
    (_set((*P, 0, 1, "requirements"), {}), ['"0.5"[1].agent_projects[0][1].requirements']),
    (_delete((*P, 1, 2, "reward")), ['"0.5"[1].agent_projects[1][2]', "no reward"]),
    (_set((*P, 1, 2, "name"), "a"), ['"0.5"[1].agent_projects[1][2].name', "duplicate"]),
    (_set(P, [[]]), ['"0.5"[1].agent_projects', "exactly two"]),
    (lambda d: d["0.5"][1]["agent_projects"].append([]), ['"0.5"[1].agent_projects', "got 3"]),
    (_set((*P, 1), []), ['"0.5"[1].agent_projects[1]', "non-empty"]),
    (_delete(("0.5", 0, "agent_projects")), ['"0.5"[0]', "no agent_projects"]),
    (_set(("0.5", 1, "candidate_id"), "c0"), ['"0.5"[1].candidate_id', "duplicate"]),
    (
        _set(("1.0", 0, "scenario_synergy"), {"resource": "r2", "limit": 6, "bonus": 3}),
        ['"1.0"[0].scenario_synergy.limit', "unrecognised"],
    ),
    (
        _set(("1.0", 0, "scenario_synergy"), {"resource": "r7", "threshold": 6, "bonus": 3}),
        ['"1.0"[0].scenario_synergy.resource', 'unknown resource "r7"'],
    ),
    (
        _set(("1.0", 0, "scenario_synergy"), {"resource": "r2", "bonus": 3}),
        ['"1.0"[0].scenario_synergy', "no threshold"],
    ),
    (
        _set(
            ("1.0", 0, "scenario_synergy"), {"resources": ["r1", "r2"], "threshold": 1, "bonus": 1}
        ),
        ['"1.0"[0].scenario_synergy.resources', "exactly one"],
    ),
    (_set(("1.0", 0, "scenario_synergy"), "on"), ['"1.0"[0].scenario_synergy']),
]


@pytest.mark.parametrize("mutate, fragments", MALFORMED)
def test_malformed_pools_name_the_json_path(mutate, fragments):
    data = pool()
    mutate(data)
    with pytest.raises(InputError) as e:
        load_pool(data, source=SOURCE)
    for fragment in fragments:
        assert fragment in e.value.message, e.value.message
    assert e.value.file == SOURCE
    _value_at(data, e.value.json_path)  # the path as data leads to a value that is there


def _value_at(data, keys):
    for key in keys:
        data = data[key]
    return data


def test_unrecognised_synergy_hint_names_the_accepted_keys():
    data = pool()
    data["1.0"][0]["scenario_synergy"] = {"kind": "shared"}
    with pytest.raises(InputError) as e:
        load_pool(data, source=SOURCE)
    for key in ("resource", "threshold", "bonus", "min_total", "bonus_per_agent"):
        assert key in e.value.hint


def test_empty_pool():
    data = pool()
    data["0.5"] = []
    data["1.0"] = []
    with pytest.raises(InputError, match="no candidates"):
        load_pool(data, source=SOURCE)
    with pytest.raises(InputError, match='bucket "0.5" has no candidates'):
        load_pool(data, source=SOURCE, bucket="0.5")


def test_not_an_object():
    with pytest.raises(InputError, match="JSON object"):
        load_pool([POOL], source=SOURCE)


def test_single_instance_round_trips_through_to_dict():
    inst = make_instance(
        "one",
        [[project("a", 9, r2=3)], [project("b", 2.5, r1=1, r3=1)]],
        synergy=Synergy("r1", 3, 1.5),
        agents=("Ann", "Bob"),
    )
    back = instance_from_paper_dict(inst.to_dict(), source="t.json", id="one")
    assert back == inst
    assert back.economy.synergy == inst.economy.synergy


def test_single_instance_errors_have_paths():
    d = make_instance("one", [[project("a", 9, r2=3)]] * 2).to_dict()
    d["agent_projects"][1][0]["requirements"]["r5"] = 2
    with pytest.raises(InputError, match=r"agent_projects\[1\]\[0\]\.requirements\.r5"):
        instance_from_paper_dict(d, source="t.json", id="one")
    del d["resource_costs"]
    with pytest.raises(InputError, match="missing resource_costs"):
        instance_from_paper_dict(d, source="t.json", id="one")


# -- files: errors with line and column ----------------------------------------------------


def _write(tmp_path, data, name="pool.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data, indent=2))
    return p


def _where(path, needle, nth=0):
    """1-based (line, column) of the `nth` occurrence of `needle` in the file at `path`."""
    text = path.read_text()
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def test_pool_file_error_points_at_the_value(tmp_path):
    data = pool()
    data["0.5"][1]["agent_projects"][1][0]["requirements"]["r9"] = 1
    p = _write(tmp_path, data)
    with pytest.raises(InputError) as e:
        load_pool_file(p)
    assert '"0.5"[1].agent_projects[1][0].requirements.r9' in e.value.message
    assert e.value.file == str(p)
    # the value 1 after "r9": the file holds one "r9", so its line is the one
    line, column = _where(p, '"r9"')
    assert (e.value.line, e.value.column) == (line, column + len('"r9": '))
    assert e.value.json_path == ("0.5", 1, "agent_projects", 1, 0, "requirements", "r9")


def test_pool_file_error_about_a_missing_key_points_at_its_object(tmp_path):
    data = pool()
    del data["metadata"]["agent_budget"]
    p = _write(tmp_path, data)
    with pytest.raises(InputError, match="missing agent_budget") as e:
        load_pool_file(p)
    line, column = _where(p, '"metadata"')
    assert (e.value.line, e.value.column) == (line, column + len('"metadata": '))


def test_empty_bucket_points_at_its_list(tmp_path):
    data = pool()
    data["0.5"] = []
    data["1.0"] = []
    p = _write(tmp_path, data)
    for bucket, key in [(None, '"0.5"'), ("1.0", '"1.0"')]:
        with pytest.raises(InputError, match="has no candidates") as e:
            load_pool_file(p, bucket=bucket)
        line, column = _where(p, key)
        assert (e.value.line, e.value.column) == (line, column + len(key) + 2)
        assert str(p) not in e.value.message  # no path was added to the message


def test_errors_about_the_whole_pool_point_at_its_start(tmp_path):
    p = tmp_path / "pool.json"
    p.write_text('\n  ["not", "a pool"]')
    with pytest.raises(InputError, match="JSON object") as e:
        load_pool_file(p)
    assert (e.value.line, e.value.column) == (2, 3)


def test_paper_file_reads_a_pool_or_one_instance(tmp_path):
    assert [i.id for i in load_paper_file(_write(tmp_path, pool()), bucket="1.0")] == ["1.0/x"]
    one = make_instance("one", [[project("a", 9, r2=3)]] * 2).to_dict()
    assert [i.id for i in load_paper_file(_write(tmp_path, one, "single.json"))] == ["single"]
    assert load_paper_file(_write(tmp_path, {"hello": 1}, "x.json")) is None


def test_paper_file_single_instance_error_points_at_the_value(tmp_path):
    one = make_instance("one", [[project("a", 9, r2=3)]] * 2).to_dict()
    one["agent_projects"][1][0]["reward"] = -2
    p = _write(tmp_path, one, "single.json")
    with pytest.raises(InputError, match=r"agent_projects\[1\]\[0\]\.reward") as e:
        load_paper_file(p)
    assert (e.value.line, e.value.column) == _where(p, "-2")
