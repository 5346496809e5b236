import pytest

from coord.game.negotiation.instance import make_instance
from coord.game.negotiation.metrics import game_metrics, solo_round_metrics
from coord.game.negotiation.oracle import solve
from coord.game.negotiation.rules import score_solo

INST = make_instance(
    "ex",
    [
        [{"name": "a", "requirements": {"r2": 3}, "reward": 9}],
        [{"name": "b", "requirements": {"r1": 1, "r2": 3}, "reward": 9}],
    ],
)


def test_solo_task_metrics():
    oracle = solve(INST)
    a = score_solo(INST, 0, {"r2": 6})
    b = score_solo(INST, 1, {"r1": 3, "r2": 9})
    m = solo_round_metrics((a.rewards[0], b.rewards[1]), oracle, [a.annulled, b.annulled])
    assert m["solo_efficiency"] == [pytest.approx(18 / 27), 1.0]
    assert m["joint_efficiency"] == pytest.approx(45 / 54) and not m["optimal"]
    over = score_solo(INST, 0, {"r2": 12})  # more than the whole supply, even alone
    assert over.annulled and over.rewards[0] == 0
    m = solo_round_metrics((0, b.rewards[1]), oracle, [True, False])
    assert m["annulled"] and m["joint_efficiency"] == pytest.approx(27 / 54)


def record(rewards, cmax, v, annulled=False):
    eff = 0.0 if annulled else sum(rewards) / cmax
    return {
        "rewards": dict(zip("AB", rewards)),
        "collab_max": cmax,
        "v": dict(zip("AB", v)),
        "annulled": annulled,
        "mode": "dyad",
        "metrics": {"optimal": eff >= 0.999},
    }


def test_game_metrics_pool_rounds_as_ratios_of_sums():
    recs = [record((10, 10), 20, (15, 15)), record((0, 0), 60, (40, 40), annulled=True)]
    m = game_metrics(recs, {"drift_events": 2})
    assert m["joint_efficiency"] == pytest.approx(20 / 80)  # not the mean of 1.0 and 0.0
    assert m["optimal_rate"] == 0.5 and m["annulled_rate"] == 0.5
    assert m["fair_share"] == pytest.approx(10 / 40)
    assert m["solo_efficiency"] == pytest.approx(10 / 55)
    assert m["drift_events"] == 2 and m["messages"] == 0
