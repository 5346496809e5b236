import pytest
from helpers import MINIMAL

from coord.resources import bundled_scenarios, find_scenario
from coord.scenario.load import load_scenario
from coord.scenario.spec import parse_expectation


def test_every_bundled_scenario_loads():
    paths = bundled_scenarios()
    assert len(paths) >= 3
    for p in paths:
        scn = load_scenario(p)
        assert getattr(scn, "instances", None) or getattr(scn, "questions", None)
        assert len(scn.content_hash) == 64


def test_find_scenario_by_bundled_name():
    assert find_scenario("negotiation/scarce-0.5").name == "scarce-0.5.yaml"
    assert find_scenario("ample-1.0").name == "ample-1.0.yaml"


def test_instances_use_the_declared_economy(tmp_path):
    text = MINIMAL.replace(
        "game:\n",
        "game:\n  resources: {wood: {cost: 2, supply: 4}, "
        "r1: {cost: 1, supply: 9}, r2: {cost: 1, supply: 9}}\n  budget: 7\n",
    )
    p = tmp_path / "s.yaml"
    p.write_text(text)
    inst = load_scenario(p).instances[0]
    assert inst.economy.names == ("wood", "r1", "r2") and inst.economy.budget == 7
    assert inst.agents == ("alice", "bob")


def test_pool_reference_is_relative_to_the_scenario(tmp_path):
    from pathlib import Path

    pool = Path(__file__).resolve().parents[1] / "data" / "pool-small.json"
    (tmp_path / "pool.json").write_text(pool.read_text())
    body = MINIMAL[MINIMAL.index("  instances:") : MINIMAL.index("agents:")]
    p = tmp_path / "s.yaml"
    p.write_text(MINIMAL.replace(body, '  pool: {file: pool.json, bucket: "0.5"}\n'))
    insts = load_scenario(p).instances
    assert [i.id for i in insts] == ["0.5/17"] and insts[0].agents == ("alice", "bob")


@pytest.mark.parametrize("bad", ["joint_efficiency", "joint_efficiency => 1", "x >= 1"])
def test_bad_expectations(bad):
    with pytest.raises(ValueError):
        parse_expectation(bad)


def test_duplicate_project_names_are_refused(tmp_path):
    from coord.errors import InputError

    text = MINIMAL.replace(
        "          - {name: a, requirements: {r2: 3}, reward: 9}\n",
        "          - {name: a, requirements: {r2: 3}, reward: 9}\n"
        "          - {name: a, requirements: {r1: 1}, reward: 2}\n",
    )
    p = tmp_path / "s.yaml"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert exc.value.line == 9 and "two projects named 'a'" in exc.value.message


def test_resource_aliases_reach_the_instances_and_the_transcript_form(tmp_path):
    """A theme: `aliases` under a resource names it in free text; the instance carries them
    and writes them in the paper form that transcripts record and `coord replay` reads."""
    from coord.game.negotiation.pool import instance_from_paper_dict

    text = MINIMAL.replace(
        "game:\n",
        "game:\n  resources: {r1: {cost: 1, supply: 9, aliases: [wood, timber]}, "
        "r2: {cost: 1, supply: 9}}\n  budget: 7\n",
    )
    p = tmp_path / "s.yaml"
    p.write_text(text)
    inst = load_scenario(p).instances[0]
    assert inst.resource_aliases == {"r1": ["wood", "timber"]}
    back = instance_from_paper_dict(inst.to_dict(), source="t", id=inst.id)
    assert back.resource_aliases == {"r1": ["wood", "timber"]}


def test_aliases_of_an_undeclared_resource_are_refused():
    from helpers import PAPER_GAME

    from coord.errors import InputError
    from coord.game.negotiation.pool import instance_from_paper_dict

    with pytest.raises(InputError) as e:
        instance_from_paper_dict(
            {**PAPER_GAME, "resource_aliases": {"r9": ["gold"]}}, source="g.json", id="g"
        )
    assert e.value.json_path == ("resource_aliases", "r9") and "not a resource" in str(e.value)
