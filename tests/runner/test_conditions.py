import pytest
from helpers import MINIMAL

from coord.errors import UsageError
from coord.runner.conditions import (
    check_expectation,
    games,
    parse_agent_overrides,
    resolve,
)
from coord.scenario.load import load_scenario

COND = (
    MINIMAL
    + """\
coordination: {history: stable}
seeds: [1, 2]
repeats: 2
expect: ["joint_efficiency >= 0.5"]
conditions:
  base: {}
  quiet:
    coordination: {talk: false}
    game: {rounds: 3, talk_turns: 0}
  remedy:
    agents: {bob: {backend: policy/fair}}
    expect: ["annulled_rate == 0"]
"""
)


@pytest.fixture
def scn(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text(COND)
    return load_scenario(p)


def test_conditions_merge_overrides(scn):
    base, quiet, remedy = resolve(scn)
    assert (base.name, quiet.name, remedy.name) == ("base", "quiet", "remedy")
    assert quiet.settings.talk is False and quiet.rounds == 3 and quiet.settings.talk_turns == 0
    assert base.settings.talk is True and base.rounds == 2
    assert remedy.backends == {"alice": "policy/grounded", "bob": "policy/fair"}
    assert remedy.expect == ("joint_efficiency >= 0.5", "annulled_rate == 0")


def test_command_line_agents_do_not_override_pinned_conditions(scn):
    over = parse_agent_overrides(["bob=policy/solo"], scn.agents)
    base, _, remedy = resolve(scn, over)
    assert base.backends["bob"] == "policy/solo"
    assert remedy.backends["bob"] == "policy/fair"  # the condition pins bob itself


def test_games_counterbalance_the_first_speaker(scn):
    base = resolve(scn, only=["base"])[0]
    gs = games(scn, base, [1, 2], 2)
    assert [(g.seed, g.repeat) for g in gs] == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert [g.first_speaker for g in gs] == ["bob", "alice", "alice", "bob"]  # seed + repeat
    assert len({g.policy_seed for g in gs}) == 4
    # a game depends on its own (seed, repeat), not on which other seeds run
    alone = games(scn, base, [2], 2)
    assert [(g.first_speaker, g.rounds) for g in alone] == [
        (g.first_speaker, g.rounds) for g in gs[2:]
    ]
    assert len(games(scn, base, [1, 1, 2], 1)) == 2  # repeated seeds run once


def test_unknown_condition_is_a_usage_error(scn):
    with pytest.raises(UsageError, match="did you mean"):
        resolve(scn, only=["remdy"])


@pytest.mark.parametrize(
    "expr,value,ok",
    [
        ("joint_efficiency >= 0.95", 0.95, True),
        ("joint_efficiency >= 0.95", 0.9499, False),
        ("annulled_rate == 0", 0.0, True),
        ("drift_events < 1", 1, False),
        ("optimal_rate != 1", 0.5, True),
    ],
)
def test_check_expectation(expr, value, ok):
    metric = expr.split()[0]
    assert check_expectation(expr, {metric: value}) == (ok, value)
