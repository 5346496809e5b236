import copy
import json

import pytest
from helpers import PAPER_GAME

from coord.analysis.detectors import detect
from coord.analysis.exchange import load_exchange
from coord.errors import UsageError

# Both agents want only r1 (5 units each, reward 10): the equal split is the optimum.
SYMMETRIC_GAME = {
    "resource_costs": {"r1": 1.0, "r2": 1.5},
    "resource_supply": {"r1": 10, "r2": 10},
    "agent_budget": 18,
    "max_resource_types": 2,
    "agent_projects": [
        [{"name": "x", "requirements": {"r1": 5}, "reward": 10}],
        [{"name": "y", "requirements": {"r1": 5}, "reward": 10}],
    ],
}


def write(tmp_path, records, name="t.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def codes(findings):
    return [(f.code, f.round) for f in findings]


# -- coord transcripts ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_fair_condition_is_perfunctory_fairness(scarce_runs, seed):
    ex = load_exchange(scarce_runs / "fair" / f"seed{seed}-rep0.jsonl")
    findings = detect(ex)
    assert codes(findings) == [("G3", n) for n in (1, 2, 3, 4)]
    f = findings[0]
    assert f.name == "perfunctory fairness" and f.agents == ["alice", "bob"]
    # the fair policy agrees to an even split of the supply, then buys what it can use of it
    assert f.evidence["variants"] == ["agreed_equal_plan"]
    (plan,) = f.evidence["agreed_plans"]
    assert plan["plan"]["alice"] == plan["plan"]["bob"] == {"r1": 5, "r2": 5, "r3": 3}
    assert f.evidence["efficiency"] < 0.95 and f.evidence["collab_max"] == 29
    assert f.turns == [1]


@pytest.mark.parametrize("seed", [1, 2])
def test_grounded_condition_has_no_findings(scarce_runs, seed):
    ex = load_exchange(scarce_runs / "grounded" / f"seed{seed}-rep0.jsonl")
    assert detect(ex) == []


def test_anchored_condition_is_caught_by_unmoving_proposals(scarce_runs):
    ex = load_exchange(scarce_runs / "anchored" / "seed1-rep0.jsonl")
    # The anchored policy repeats its opening ask all round while the partner counters:
    # G2(b), in every round it annuls. (It concedes one unit per annulled round it
    # remembers, so by round 4 the two asks fit and the round is scored.)
    annulled = {r.number for r in ex.rounds if r.annulled}
    assert annulled >= {1, 2, 3}
    found = detect(ex, ("G2",))
    assert found and all("same proposal" in f.message for f in found)
    assert {f.round for f in found} == annulled
    # Annulled rounds are never G3, whatever was bought.
    assert not [f for f in detect(ex, ("G3",)) if f.round in annulled]

    def repeats(findings):  # G2(a): a repeated joint allocation (not the proposal variant)
        return [f for f in findings if "same proposal" not in f.message]

    # Make round 2 repeat round 1's (annulled) allocation: still not anchoring.
    ex.rounds[1].purchases = copy.deepcopy(ex.rounds[0].purchases)
    assert repeats(detect(ex, ("G2",))) == []
    # Had round 1 been suboptimal but not annulled, the repeat would be G2(a).
    ex.rounds[0].outcome = {**ex.rounds[0].outcome, "annulled": False, "joint_efficiency": 0.6}
    (finding,) = repeats(detect(ex, ("G2",)))
    assert finding.round == 2 and finding.evidence["rounds"] == [1, 2]
    assert finding.evidence["allocation"] == ex.rounds[0].purchases


# -- interchange transcripts ------------------------------------------------------------------


def round_records(n, a_text, a_buy, b_text, b_buy):
    return [
        {"agent": "A", "round": n, "content": a_text, "action": a_buy},
        {"agent": "B", "round": n, "content": b_text, "action": b_buy},
    ]


def test_equal_split_suboptimal_is_g3(tmp_path):
    records = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {
            "agent": "A",
            "round": 1,
            "content": "Hi! r2 looks like the contested resource. "
            "There are 10 units; the fairest thing is 5 each, don't you think?",
        },
        {
            "agent": "B",
            "round": 1,
            "content": "Agreed, 5 r2 each is fair. I'll use mine for "
            "project c (2 units per run) and maybe keep one spare.",
        },
        {"agent": "A", "round": 1, "content": "Great. Submitting: 5 r2.", "action": {"r2": 5}},
        {
            "agent": "B",
            "round": 1,
            "content": "Submitting 5 r2 as well.",
            "action": {"r2": 5, "projects": {"c": 2}},
        },
    ]
    ex = load_exchange(write(tmp_path, records))
    (f,) = detect(ex)
    assert f.code == "G3" and f.round == 1 and f.turns == [3, 4]
    assert f.evidence["variants"] == ["equal_purchases"]
    assert f.evidence["purchases"] == {"A": {"r2": 5}, "B": {"r2": 5}}
    assert f.evidence["efficiency"] == pytest.approx(17 / 29)
    assert f.evidence["collab_max"] == 29
    assert "59%" in f.message


def test_equal_split_that_is_optimal_is_not_g3(tmp_path):
    records = [
        {"game": SYMMETRIC_GAME, "agents": ["A", "B"]},
        *round_records(
            1,
            "We both need 5 r1. Half each?",
            {"r1": 5},
            "Yes, 5 r1 each covers both of us.",
            {"r1": 5},
        ),
    ]
    ex = load_exchange(write(tmp_path, records))
    assert ex.rounds[0].outcome["optimal"] is True
    assert detect(ex) == []


def test_annulled_equal_split_is_not_g3(tmp_path):
    records = [
        {"game": PAPER_GAME},
        *round_records(1, "I'll take 4 r3.", {"r3": 4}, "Me too, 4 r3.", {"r3": 4}),
    ]
    ex = load_exchange(write(tmp_path, records))
    assert ex.rounds[0].annulled is True
    assert detect(ex) == []


def test_repeat_of_suboptimal_allocation_is_g2(tmp_path):
    # A: 6 r2 -> a x2 = 18; B: 4 r2 -> c x2 = 8; 26 of 29, not annulled.
    records = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        *round_records(
            1,
            "I'll buy 6 r2 for two runs of my 9-point project.",
            {"r2": 6},
            "Then I take the remaining 4 r2 for project c (2 runs x 4).",
            {"r2": 4},
        ),
        *round_records(
            2,
            "Same as last round worked out, 6 r2 again.",
            {"r2": 6},
            "Sure, 4 r2 again for me.",
            {"r2": 4, "projects": {"c": 2}},
        ),
    ]
    ex = load_exchange(write(tmp_path, records))
    assert ex.rounds[0].outcome["joint_efficiency"] == pytest.approx(26 / 29)
    (f,) = detect(ex)
    assert f.code == "G2" and f.name == "anchoring" and f.round == 2
    assert f.evidence["rounds"] == [1, 2]
    assert f.evidence["allocation"] == {"A": {"r2": 6}, "B": {"r2": 4}}
    assert f.evidence["previous_efficiency"] == pytest.approx(26 / 29)


def test_repeat_after_optimal_round_is_not_g2(tmp_path):
    records = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        *round_records(
            1,
            "You take r2, I'll do 2 r1 + 4 r3.",
            {"r1": 2, "r3": 4},
            "Deal: 3 r1 and 9 r2 for me.",
            {"r1": 3, "r2": 9},
        ),
        *round_records(2, "Same again.", {"r1": 2, "r3": 4}, "Same.", {"r1": 3, "r2": 9}),
    ]
    ex = load_exchange(write(tmp_path, records))
    assert ex.rounds[0].outcome["optimal"] is True
    assert detect(ex) == []


def test_unmoving_proposals_despite_counters_is_g2(tmp_path):
    mine = {"A": {"r2": 9}, "B": {"r1": 3, "r2": 1}}
    records = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {
            "agent": "A",
            "type": "propose",
            "id": 1,
            "content": "I take 9 r2.",
            "action": {"plan": mine},
        },
        {
            "agent": "B",
            "type": "propose",
            "id": 2,
            "content": "No, I need 9 r2 myself.",
            "action": {"plan": {"A": {"r2": 1}, "B": {"r1": 3, "r2": 9}}},
        },
        {
            "agent": "A",
            "type": "propose",
            "id": 3,
            "content": "I really need the 9 r2.",
            "action": {"plan": mine},
        },
        {"agent": "B", "type": "reject", "in_reply_to": 3, "content": "Still no."},
        {
            "agent": "A",
            "type": "propose",
            "id": 5,
            "content": "Final: 9 r2 for me.",
            "action": {"plan": mine},
        },
    ]
    ex = load_exchange(write(tmp_path, records))
    (f,) = detect(ex)
    assert f.code == "G2" and f.agents == ["A"] and f.turns == [1, 3, 5]
    assert f.evidence["variant"] == "unmoving_proposal"
    assert f.evidence["pushback_turns"] == [2, 4]


def test_repeated_proposal_without_pushback_is_not_g2(tmp_path):
    plan = {"A": {"r1": 2, "r3": 4}, "B": {"r1": 3, "r2": 9}}
    records = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {"agent": "A", "type": "propose", "content": "Plan?", "action": {"plan": plan}},
        {"agent": "B", "content": "Let me think about it."},
        {"agent": "A", "type": "propose", "content": "Same plan.", "action": {"plan": plan}},
    ]
    assert detect(load_exchange(write(tmp_path, records))) == []


def test_detect_rejects_unknown_codes(tmp_path):
    ex = load_exchange(write(tmp_path, [{"agent": "A", "content": "x"}]))
    with pytest.raises(UsageError):
        detect(ex, ("G9",))


def test_chat_purchases_in_words_are_scored(tmp_path):
    """A chat log without structured actions: the purchases are the words that commit
    ("Buying now: ...", "Final answer: ..."), the round is scored from them, and an equal
    split the optimum beats is G3."""
    from coord.analysis.replay import replay_files

    rows = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {"agent": "A", "text": "How about we split evenly: each of us takes 5 r1 and 5 r2?"},
        {"agent": "B", "text": "Sounds fair, deal."},
        {"agent": "A", "text": "Buying now: 5 r1 and 5 r2."},
        {"agent": "B", "text": "Final answer: 5 r1 and 5 r2."},
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rnd = load_exchange(path).rounds[0]
    assert rnd.purchases == {"A": {"r1": 5, "r2": 5}, "B": {"r1": 5, "r2": 5}}
    assert rnd.outcome["purchases_in_words"] == ["A", "B"] and rnd.efficiency < 0.95
    assert [f.code for f in detect(load_exchange(path), ["G3"])] == ["G3"]
    summary = replay_files([path])["files"][0]["rounds"][0]
    assert summary["purchases_in_words"] == ["A", "B"]


def test_an_offer_to_buy_is_not_a_purchase(tmp_path):
    rows = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {"agent": "A", "text": "I'll buy 5 r1 and 5 r2 if you take the same."},
        {"agent": "B", "text": "Maybe."},
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert load_exchange(path).rounds[0].purchases == {}


def test_anchoring_in_words_is_g2(tmp_path):
    """An agent repeating one plan in plain words through rejections and a counter."""
    rows = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {"agent": "A", "text": "I take 9 r2, you take 3 r1 and 6 r3."},
        {"agent": "B", "text": "No, that doesn't work for me. I need r2 too."},
        {
            "agent": "A",
            "text": "I really think it's best if I take 9 r2 and you take 3 r1 and 6 r3.",
        },
        {"agent": "B", "text": "Counter: I take 3 r1 and 9 r2, you take 2 r1 and 4 r3."},
        {"agent": "A", "text": "My position stands: I take 9 r2; you take 3 r1 and 6 r3."},
        {"agent": "B", "text": "Then we are stuck."},
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (f,) = detect(load_exchange(path), ["G2"])
    assert f.evidence["variant"] == "unmoving_proposal" and f.agents == ["A"]
    assert f.evidence["proposal_turns"] == [1, 3, 5] and f.evidence["pushback_turns"] == [2, 4]


def test_repeating_a_plan_nobody_objected_to_is_not_anchoring(tmp_path):
    rows = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {"agent": "A", "text": "I take 9 r2, you take 3 r1 and 6 r3."},
        {"agent": "B", "text": "Let me check my numbers."},
        {"agent": "A", "text": "To repeat: I take 9 r2, you take 3 r1 and 6 r3."},
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert detect(load_exchange(path), ["G2"]) == []


def test_an_equal_split_agreed_in_words_is_g3(tmp_path):
    rows = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {"agent": "A", "text": "Let's keep it simple and split evenly: 5 r1 and 5 r2 each."},
        {"agent": "B", "text": "Sounds fair, deal."},
        {"agent": "A", "text": "Buying.", "action": {"r1": 5, "r2": 5}},
        {"agent": "B", "text": "Buying.", "action": {"r1": 1, "r2": 5}},
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (f,) = detect(load_exchange(path), ["G3"])
    assert f.evidence["variants"] == ["agreed_equal_plan"]
    assert f.evidence["agreed_plans"][0]["plan"] == {
        "A": {"r1": 5, "r2": 5},
        "B": {"r1": 5, "r2": 5},
    }
