"""Round rules: purchase validity, run assignment, scoring, metrics (DESIGN §4)."""

from __future__ import annotations

import pytest

from coord.game.negotiation.instance import Project, Synergy, make_instance
from coord.game.negotiation.oracle import solve
from coord.game.negotiation.rules import (
    assign_runs,
    check_projects,
    check_purchase,
    round_metrics,
    score_round,
    score_solo,
)

A = [
    {"name": "a", "requirements": {"r2": 3}, "reward": 9},
    {"name": "b", "requirements": {"r3": 2, "r2": 3}, "reward": 4},
    {"name": "c", "requirements": {"r3": 2, "r1": 1}, "reward": 1},
]
B = [
    {"name": "a", "requirements": {"r3": 3}, "reward": 1},
    {"name": "b", "requirements": {"r1": 1, "r2": 3}, "reward": 9},
    {"name": "c", "requirements": {"r2": 2}, "reward": 4},
]
INST = make_instance("example", [A, B])
ECO = INST.economy


# ---- purchases ---------------------------------------------------------------------


def test_valid_purchases_have_no_errors():
    assert check_purchase(ECO, {"r2": 9}) == []
    assert check_purchase(ECO, {"r1": 3, "r2": 9}) == []  # 16.5 ≤ 18
    assert check_purchase(ECO, {"r1": 0, "r2": 2, "r3": 1}) == []  # a zero is not a type
    assert check_purchase(ECO, {"r2": 4.0}) == []  # integral floats come out of JSON
    assert check_purchase(ECO, {}) == []
    assert check_purchase(ECO, {"r2": 12}) == []  # supply is not checked per agent


@pytest.mark.parametrize(
    "purchase, fragments",
    [
        ({"r4": 1}, ['unknown resource "r4"', "r1, r2, r3"]),
        ({"R2": 1}, ['unknown resource "R2"']),
        ({"r1": 2.5}, ['"r1"', "whole number"]),
        ({"r1": "3"}, ['"r1"', "whole number"]),
        ({"r1": True}, ['"r1"', "whole number"]),
        ({"r1": -1}, ['"r1"', "negative"]),
        ({"r1": 1, "r2": 1, "r3": 1}, ["3 resource types", "at most 2"]),
        ({"r3": 7}, ["costs 21", "budget of 18"]),
        ({"r1": 1, "r2": 12}, ["costs 19", "budget of 18"]),
    ],
)
def test_invalid_purchases_are_explained(purchase, fragments):
    errors = check_purchase(ECO, purchase)
    assert len(errors) == 1, errors
    for fragment in fragments:
        assert fragment in errors[0]


def test_purchase_must_be_a_mapping():
    assert check_purchase(ECO, [("r1", 1)])  # type: ignore[arg-type]


def test_project_requests_are_checked():
    projects = INST.projects[0]
    assert check_projects(projects, {"a": 1, "c": 0}) == []
    (err,) = check_projects(projects, {"z": 1})
    assert 'unknown project "z"' in err and "a, b, c" in err
    (err,) = check_projects(projects, {"b": -2})
    assert "negative" in err
    (err,) = check_projects(projects, {"b": 1.5})
    assert "whole number" in err
    assert check_projects(projects, ["a"])  # type: ignore[arg-type]


# ---- run assignment ----------------------------------------------------------------


def test_greedy_in_project_order_without_a_request():
    bought = ECO.vector({"r2": 6, "r3": 2})
    assert assign_runs(ECO, INST.projects[0], bought) == (2, 0, 0)


def test_requested_runs_first_then_leftovers_greedily():
    bought = ECO.vector({"r2": 6, "r3": 2})
    # b first (r3 2, r2 3), then the leftover r2 3 goes greedily to a.
    assert assign_runs(ECO, INST.projects[0], bought, {"b": 1}) == (1, 1, 0)
    # More than the purchase allows: as far as it goes.
    assert assign_runs(ECO, INST.projects[0], bought, {"b": 5}) == (1, 1, 0)
    # A requested project also takes leftovers in the greedy pass.
    assert assign_runs(ECO, INST.projects[0], bought, {"a": 1}) == (2, 0, 0)
    # Requests are served in project order, not in the order written.
    both = ECO.vector({"r2": 6, "r3": 2})
    assert assign_runs(ECO, INST.projects[0], both, {"b": 1, "a": 2}) == (2, 0, 0)


def test_project_needing_nothing_gets_no_runs():
    free = (Project("free", (0, 0, 0), 5.0), Project("a", (0, 1, 0), 1.0))
    assert assign_runs(ECO, free, (0, 2, 0), {"free": 3}) == (0, 2)


# ---- scoring -----------------------------------------------------------------------


def test_round_is_annulled_when_combined_purchase_exceeds_supply():
    out = score_round(INST, {"r2": 9}, {"r1": 1, "r2": 3})
    assert out.annulled and out.over == ("r2",)
    assert out.rewards == (0.0, 0.0) and out.runs == ({}, {})
    assert out.purchases == ({"r2": 9}, {"r1": 1, "r2": 3})
    assert out.to_dict()["over"] == ["r2"]


def test_exactly_the_supply_is_fine():
    out = score_round(INST, {"r2": 9}, {"r2": 1, "r3": 6})
    assert not out.annulled
    assert out.runs == ({"a": 3}, {"a": 2})
    assert out.rewards == (27.0, 2.0)
    assert out.to_dict()["rewards"] == [27, 2]


def test_round_uses_requests():
    out = score_round(INST, {"r2": 6, "r3": 2}, {"r1": 2, "r2": 4}, {"b": 1}, {"c": 2})
    assert out.runs == ({"a": 1, "b": 1}, {"c": 2})
    assert out.rewards == (13.0, 8.0)


def test_synergy_is_judged_on_purchases():
    inst = make_instance("s", [A, B], synergy=Synergy("r2", 5, 2.0))
    out = score_round(inst, {"r2": 3}, {"r2": 2})
    assert out.synergy and out.rewards == (9.0 + 2, 4.0 + 2)
    out = score_round(inst, {"r2": 3}, {"r3": 3})  # B buys none of r2: no bonus
    assert not out.synergy and out.rewards == (9.0, 1.0)
    out = score_round(inst, {"r2": 3}, {"r2": 1})  # 4 < threshold 5
    assert not out.synergy


def test_solo_task():
    out = score_solo(INST, 0, {"r2": 9})
    assert out.runs == ({"a": 3}, {}) and out.rewards == (27.0, 0.0)
    out = score_solo(INST, 1, {"r3": 6})
    assert out.runs == ({}, {"a": 2}) and out.rewards == (0.0, 2.0)
    over = score_solo(INST, 0, {"r2": 12})  # within budget, over the supply
    assert over.annulled and over.over == ("r2",) and over.rewards == (0.0, 0.0)


# ---- metrics -----------------------------------------------------------------------


def test_metrics_of_an_optimal_round():
    oracle = solve(INST)
    out = score_round(INST, {"r1": 2, "r3": 4}, {"r1": 3, "r2": 9})
    m = round_metrics(out, oracle)
    assert m["joint_reward"] == 29 and m["collab_max"] == 29
    assert m["joint_efficiency"] == pytest.approx(1.0) and m["optimal"]
    assert not m["annulled"]
    assert m["fair_share"] == pytest.approx([2 / 14.5, 27 / 14.5])
    assert m["solo_efficiency"] == pytest.approx([2 / 27, 1.0])


def test_metrics_of_a_suboptimal_and_an_annulled_round():
    oracle = solve(INST)
    m = round_metrics(score_round(INST, {"r2": 9}, {"r1": 1}), oracle)
    assert m["joint_efficiency"] == pytest.approx(27 / 29) and not m["optimal"]
    m = round_metrics(score_round(INST, {"r2": 9}, {"r2": 9}), oracle)
    assert m["annulled"] and m["joint_efficiency"] == 0 and not m["optimal"]
    assert m["fair_share"] == [0, 0] and m["solo_efficiency"] == [0, 0]


def test_metrics_when_nothing_can_be_earned():
    side = [{"name": "a", "requirements": {"r1": 1}, "reward": 0}]
    inst = make_instance("zero", [side, side])
    oracle = solve(inst)
    assert oracle.collab_max == 0
    m = round_metrics(score_round(inst, {}, {"r1": 1}), oracle)
    assert m["joint_efficiency"] == 1.0 and m["optimal"]
    assert m["fair_share"] == [1.0, 1.0] and m["solo_efficiency"] == [1.0, 1.0]
    m = round_metrics(score_round(inst, {"r1": 6}, {"r1": 6}), oracle)
    assert m["annulled"] and m["joint_efficiency"] == 0.0 and not m["optimal"]
