"""Every built-in policy against the phenomenon it models, on every bundled instance."""

import pytest
from helpers import PAPER_EXAMPLE, play

from coord.backends.policy import POLICIES
from coord.game.negotiation.oracle import solve
from coord.resources import bundled_scenarios
from coord.scenario.load import load_scenario

INSTANCES = {
    i.id: i for p in bundled_scenarios() for i in getattr(load_scenario(p), "instances", ())
}  # negotiation scenarios only: forecast scenarios have questions
SCARCE = [i for i in INSTANCES.values() if solve(i).mc_ratio < 0.99]


def test_bundled_scenarios_cover_the_three_mc_levels():
    ratios = sorted(solve(i).mc_ratio for i in INSTANCES.values())
    assert any(abs(r - 0.5) <= 0.05 for r in ratios)
    assert any(abs(r - 0.8) <= 0.05 for r in ratios)
    assert any(r == 1.0 for r in ratios)


@pytest.mark.parametrize("first", ["alice", "bob"])
@pytest.mark.parametrize("history", ["stable", "shifting"])
@pytest.mark.parametrize("iid", sorted(INSTANCES))
def test_grounded_pair_reaches_collab_max_every_round(iid, history, first):
    inst = INSTANCES[iid]
    metrics, records, _ = play(
        [inst] * 2, ["policy/grounded"] * 2, history=history, first_speaker=first
    )
    for r in records:
        assert not r["annulled"]
        assert sum(r["rewards"].values()) == pytest.approx(solve(inst).collab_max)
    assert metrics["drift_events"] == 0 and metrics["invalid_messages"] == 0


@pytest.mark.parametrize("iid", sorted(INSTANCES))
def test_oracle_pair_reaches_collab_max(iid):
    inst = INSTANCES[iid]
    metrics, _, _ = play([inst], ["policy/oracle"] * 2)
    assert metrics["joint_efficiency"] == pytest.approx(1.0)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_every_policy_finds_its_optimum_alone(policy):
    for inst in INSTANCES.values():
        metrics, _, _ = play([inst], [f"policy/{policy}"] * 2, mode="solo")
        assert metrics["joint_efficiency"] == pytest.approx(1.0), inst.id


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_policies_are_deterministic_given_the_seed(policy):
    runs = [play([PAPER_EXAMPLE] * 2, [f"policy/{policy}"] * 2, seed=5)[2] for _ in range(2)]
    assert runs[0] == runs[1]


def pooled(policy, **settings):
    """Metrics of a policy pair over every scarce bundled instance, both speaker orders."""
    totals = {"joint": 0.0, "cmax": 0.0, "annulled": 0, "drift": 0, "rounds": 0}
    for inst in SCARCE:
        for first in ("alice", "bob"):
            m, records, _ = play([inst], [f"policy/{policy}"] * 2, first_speaker=first, **settings)
            totals["joint"] += m["joint_reward"]
            totals["cmax"] += m["collab_max"]
            totals["annulled"] += sum(r["annulled"] for r in records)
            totals["drift"] += m["drift_events"]
            totals["rounds"] += len(records)
    totals["efficiency"] = totals["joint"] / totals["cmax"]
    return totals


def test_solo_pair_over_buys_when_plans_compete():
    t = pooled("solo")
    assert t["annulled"] > 0 and t["efficiency"] < 0.9


def test_anchored_buys_its_ask_without_talk():
    m, records, _ = play([PAPER_EXAMPLE], ["policy/anchored", "policy/solo"], talk=False)
    assert records[0]["purchases"]["alice"] == {"r2": 9}  # its solo plan, not nothing


def test_anchored_pair_annuls_rounds():
    t = pooled("anchored")
    assert t["annulled"] > 0 and t["efficiency"] < 0.9


def test_fair_pair_never_annuls_but_leaves_reward_on_the_table():
    t = pooled("fair")
    assert t["annulled"] == 0
    assert t["efficiency"] < 0.95


def test_forgetful_pair_agrees_then_acts_otherwise():
    t = pooled("forgetful")
    assert t["drift"] > 0  # bought beyond what was agreed
    assert t["efficiency"] < 0.9


def test_mislabel_pair_binds_the_wrong_referents():
    t = pooled("mislabel")
    assert t["drift"] > 0
    assert t["efficiency"] < 0.95


def test_conceder_pair_reaches_deals_below_the_optimum():
    t = pooled("conceder")
    assert t["annulled"] == 0
    assert 0.5 < t["efficiency"] < 1.0


def test_transparency_helps_the_conceder():
    assert (
        pooled("conceder", full_transparency=True)["efficiency"] > pooled("conceder")["efficiency"]
    )


def test_grounded_recovers_a_mislabelling_partner_without_loss():
    # The ledger shows grounded that "accept p1" named the wrong proposal; it never buys on it.
    for inst in SCARCE:
        m, _, events = play([inst], ["policy/grounded", "policy/mislabel"])
        assert not any(e["kind"] == "outcome" and e["annulled"] for e in events)


def test_grounded_never_acts_on_an_acknowledgement():
    from coord.backends.policy.grounded import GroundedPolicy
    from coord.coordinator.messages import Message, Posted, View

    eco = PAPER_EXAMPLE.economy
    plan = {"alice": {"resources": {"r1": 2, "r3": 4}}, "bob": {"resources": {"r1": 3, "r2": 9}}}
    view = View(
        agent="alice",
        partner="bob",
        round=1,
        rounds=1,
        phase="talk",
        turn=2,
        talk_turns=5,
        talk=True,
        economy=eco,
        projects=PAPER_EXAMPLE.projects[0],
        partner_projects=PAPER_EXAMPLE.projects[1],
        history=[
            Posted(1, 1, "alice", Message("propose", plan=plan), "p1"),
            Posted(1, 1, "bob", Message("ack", ref="p1", text="got it")),
        ],
        ledger=[
            {
                "id": "p1",
                "kind": "proposal",
                "round": 1,
                "by": "alice",
                "plan": plan,
                "status": "open",
                "acked_by": ["bob"],
            }
        ],
    )
    import asyncio

    msg = asyncio.run(GroundedPolicy("alice", "policy/grounded").act(view))
    assert msg.type != "purchase"  # only "agreed" binds; "got it" does not
