"""G4 (referential binding), G5 (ack as agreement), G6 (divergent belief) on free-text and
structured exchanges, and on coord's own transcripts."""

import json
import os
import subprocess
import sys

import pytest
from helpers import PAPER_GAME

from coord.analysis.detectors import DETECTORS, detect
from coord.analysis.exchange import load_exchange

TEXT_CODES = ["G4", "G5", "G6"]

# The paper's worked example (v1 27, v2 27, collab_max 29: A buys 2 r1 + 4 r3 for two runs
# of c, B buys 3 r1 + 9 r2 for three runs of b). Only the numbers matter here.
HEADER = {"game": PAPER_GAME, "agents": ["A", "B"]}


def write(tmp_path, messages, name="t.jsonl"):
    path = tmp_path / name
    records = [HEADER, *messages]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def say(agent, text, **extra):
    return {"agent": agent, "content": text, **extra}


def buy(agent, text, **resources):
    return {"agent": agent, "content": text, "action": {"resources": resources}}


def run(tmp_path, messages, codes=TEXT_CODES):
    return detect(load_exchange(write(tmp_path, messages)), codes)


def found(findings):
    return [(f.code, f.round) for f in findings]


# -- G4 (a): agreed, then bought otherwise ----------------------------------------------------

OPENING = [
    say(
        "A",
        "Hi B! My best project needs r2 - three units per run. How about I take nine r2 "
        "and you take the ten r1 plus one r2? You could also grab r3 if that helps you.",
    ),
    say(
        "B",
        "Hmm, r2 is my bottleneck too. Counter: I take 3 r1 and 9 r2, and you take "
        "2 r1 and 4 r3. That gets us to 29 together, I think.",
    ),
]


def test_sounds_good_then_bought_otherwise_is_g4(tmp_path):
    messages = [
        *OPENING,
        say("A", "Sounds good, let's lock it in."),
        say("B", "Great, buying my side now."),
        buy("A", "Submitting my purchase.", r2=9),
        buy("B", "Here is mine.", r1=3, r2=9),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [("G4", 1)]
    f = findings[0]
    assert f.severity == "error" and f.name == "referential binding"
    ev = f.evidence
    assert ev["variant"] == "agreed_then_bought_otherwise"
    assert ev["agreement"]["phrase"] == "Sounds good" and ev["agreement"]["turn"] == 3
    # "Sounds good" has no amounts: the deal is the partner's latest plan (turn 2)
    assert ev["agreed_from"]["turn"] == 2 and ev["agreed_from"]["how"] == "partner's latest plan"
    assert ev["agreed"] == {"B": {"r1": 3, "r2": 9}, "A": {"r1": 2, "r3": 4}}
    assert ev["purchases"]["A"] == {"r2": 9}
    assert ev["largest"] == {
        "agent": "A",
        "resource": "r2",
        "stated": 0,
        "actual": 9,
        "relative": 0.9,
    }
    assert ev["annulled"] is True and ev["efficiency"] == 0
    assert f.agents == ["A"] and 3 in f.turns and 5 in f.turns


def test_purchase_matching_sounds_good_is_not_g4(tmp_path):
    messages = [
        *OPENING,
        say("A", "Sounds good, let's lock it in."),
        buy("B", "Buying my side.", r1=3, r2=9),
        buy("A", "And mine: two r1 and four r3.", r1=2, r3=4),
    ]
    assert run(tmp_path, messages) == []


def test_agreement_with_amounts_is_read_from_the_agreeing_message(tmp_path):
    messages = [
        *OPENING,
        say("A", "Deal. So you get three r1 and nine r2, and I get two r1 plus four r3."),
        buy("B", "ok", r1=3, r2=9),
        buy("A", "ok", r1=3, r3=3),  # one r1 more than agreed: a 1-unit excess counts
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [("G4", 1)]
    ev = findings[0].evidence
    assert ev["agreed_from"]["how"] == "agreeing message"
    over = {"agent": "A", "resource": "r1", "stated": 2, "actual": 3, "relative": 0.1}
    assert ev["over"] == [over]
    under = {"agent": "A", "resource": "r3", "stated": 4, "actual": 3, "relative": 0.1667}
    assert ev["differences"] == [over, under]
    assert ev["annulled"] is False


def test_buying_only_what_ones_projects_use_of_the_allotment_is_not_g4(tmp_path):
    # A's projects (project c: 1 r1 + 2 r3, twice) use 2 of the 3 r1 it was allotted
    messages = [
        *OPENING,
        say("A", "Deal. So you get three r1 and nine r2, and I get three r1 plus four r3."),
        buy("B", "ok", r1=3, r2=9),
        buy("A", "I only need two r1 after all.", r1=2, r3=4),
    ]
    assert run(tmp_path, messages) == []


def test_buying_less_than_the_allotment_and_earning_less_is_g4(tmp_path):
    # 1 r1 + 2 r3 runs project c once; the allotted 2 r1 + 4 r3 would run it twice
    messages = [
        *OPENING,
        say("A", "Deal. So you get three r1 and nine r2, and I get two r1 plus four r3."),
        buy("B", "ok", r1=3, r2=9),
        buy("A", "Buying my side.", r1=1, r3=2),
    ]
    (f,) = run(tmp_path, messages)
    assert f.code == "G4" and f.agents == ["A"] and f.evidence["over"] == []
    assert {(d["resource"], d["stated"], d["actual"]) for d in f.evidence["short"]} == {
        ("r1", 2, 1),
        ("r3", 4, 2),
    }


def test_talk_that_moved_on_after_agreement_is_not_g4(tmp_path):
    messages = [
        *OPENING,
        say("A", "Sounds good."),
        say("B", "Actually, wait: I take 10 r1 and you take 9 r2. Better for both of us."),
        buy("A", "Buying.", r2=9),
        buy("B", "Buying.", r1=10),
    ]
    assert [f for f in run(tmp_path, messages) if f.code == "G4"] == []


def test_structured_accept_then_other_purchase_is_g4(tmp_path):
    plan = {"A": {"r2": 9}, "B": {"r1": 10, "r2": 1}}
    messages = [
        say("A", "Proposal p1 attached.", type="propose", id="p1", action={"plan": plan}),
        say("B", "Accepting.", type="accept", id="m2", in_reply_to="p1"),
        buy("A", "Buying as agreed.", r2=9),
        buy("B", "Buying.", r1=3, r2=9),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [("G4", 1)]
    ev = findings[0].evidence
    assert ev["agreed"] == plan and ev["agreed_from"]["how"] == "cited"
    assert ev["largest"]["resource"] == "r2" and ev["largest"]["agent"] == "B"


# -- G4 (b): the cited proposal is not the one restated ---------------------------------------


def test_miscited_option_is_g4(tmp_path):
    messages = [
        say(
            "A",
            "Two ideas. Option A: I take 9 r2, you take 10 r1 and 1 r2. "
            "Option B: I take 2 r1 and 4 r3, you take 3 r1 and 9 r2.",
        ),
        say("B", "Option A works for me: I take three r1 and nine r2, you take 2 r1, 4 r3."),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [("G4", 1)]
    ev = findings[0].evidence
    assert ev["variant"] == "miscited_proposal"
    assert ev["cited"]["option"] == "A" and ev["matches"]["option"] == "B"
    assert ev["distance_match"] == 0 and ev["distance_cited"] > 0


def test_miscited_proposal_id_is_g4(tmp_path):
    messages = [
        say("A", "Proposal 1: I take 9 r2, you take 10 r1 and 1 r2."),
        say("B", "Counter: I take 3 r1 and 9 r2, you take 2 r1 and 4 r3."),
        say("A", "Fine, I accept proposal #1 - you take 3 r1 and 9 r2 and I take 2 r1, 4 r3."),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [("G4", 1)]
    ev = findings[0].evidence
    assert ev["cited_as"] == "p1"
    assert ev["cited"]["turn"] == 1 and ev["matches"]["turn"] == 2


def test_correctly_cited_last_offer_is_not_g4(tmp_path):
    messages = [
        say("A", "I take 9 r2, you take 10 r1 and 1 r2."),
        say("B", "Counter: I take 3 r1 and 9 r2, you take 2 r1 and 4 r3."),
        say("A", "I accept your last offer: you take 3 r1 and 9 r2, I take 2 r1 and 4 r3."),
    ]
    assert run(tmp_path, messages) == []


# -- G5 ack as agreement ----------------------------------------------------------------------


def test_ack_then_proposer_buys_is_g5(tmp_path):
    messages = [
        say("A", "Here's my plan: I take nine r2, you take ten r1 and one r2."),
        say("B", "Got it, thanks for the proposal. I'll think about it."),
        buy("A", "Great, locking in my nine r2 then.", r2=9),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [("G5", 1)]
    f = findings[0]
    assert f.severity == "error" and f.name == "ack as agreement"
    assert f.agents == ["A", "B"] and f.turns == [1, 2, 3]
    ev = f.evidence
    assert ev["ack"]["phrase"] == "Got it"
    assert ev["proposal"]["plan"] == {"A": {"r2": 9}, "B": {"r1": 10, "r2": 1}}
    assert ev["acted"]["purchase"] == {"r2": 9}


def test_structured_ack_then_deal_talk_is_g5(tmp_path):
    plan = {"A": {"r2": 9}, "B": {"r1": 10, "r2": 1}}
    messages = [
        say("A", "Proposal.", type="propose", id="p1", action={"plan": plan}),
        say("B", "Seen.", type="ack", in_reply_to="p1"),
        say("A", "Perfect, we have a deal then."),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [("G5", 1)]
    assert findings[0].evidence["ack"]["type"] == "ack"


def test_ack_then_explicit_agreement_is_not_g5(tmp_path):
    messages = [
        say("A", "Here's my plan: I take nine r2, you take ten r1 and one r2."),
        say("B", "Noted, let me check my numbers."),
        say("B", "OK, I checked. Deal!"),
        buy("A", "Locking in my nine r2.", r2=9),
        buy("B", "And my ten r1 plus one r2.", r1=10, r2=1),
    ]
    assert run(tmp_path, messages) == []


# -- G6 divergent belief ----------------------------------------------------------------------


def test_conflicting_deal_statements_are_g6(tmp_path):
    messages = [
        say("A", "What if I take nine r2 and you take ten r1 plus one r2?"),
        say("B", "Deal: you take 9 r2 and I take 10 r1 and 1 r2."),
        say("A", "Agreed - I take six r2, you take ten r1 and four r2."),
    ]
    findings = run(tmp_path, messages, ["G6"])
    assert found(findings) == [("G6", 1)]
    f = findings[0]
    assert f.severity == "error" and f.name == "divergent belief" and f.turns == [2, 3]
    diffs = {(d["agent"], d["resource"]): (d["A"], d["B"]) for d in f.evidence["differences"]}
    assert diffs == {("A", "r2"): (6, 9), ("B", "r2"): (4, 1)}


def test_identical_deal_statements_are_not_g6(tmp_path):
    messages = [
        say("A", "What if I take nine r2 and you take ten r1 plus one r2?"),
        say("B", "Deal: you take 9 r2 and I take 10 r1 and 1 r2."),
        say("A", "Agreed - I take nine r2, you take ten r1 and one r2."),
        buy("A", "Buying.", r2=9),
        buy("B", "Buying.", r1=10, r2=1),
    ]
    assert run(tmp_path, messages) == []


def test_structured_accepts_of_different_plans_are_g6(tmp_path):
    p1 = {"A": {"r2": 9}, "B": {"r1": 10, "r2": 1}}
    p2 = {"A": {"r1": 2, "r3": 4}, "B": {"r1": 3, "r2": 9}}
    messages = [
        say("A", "Plan one.", type="propose", id="p1", action={"plan": p1}),
        say("B", "Plan two.", type="propose", id="p2", action={"plan": p2}),
        say("A", "Taking yours.", type="accept", in_reply_to="p2"),
        say("B", "Taking yours.", type="accept", in_reply_to="p1"),
    ]
    findings = run(tmp_path, messages, ["G6"])
    assert found(findings) == [("G6", 1)]
    assert {s["how"] for s in findings[0].evidence["statements"].values()} == {"accept"}


# -- registry and coord transcripts -----------------------------------------------------------


def test_registered_by_default():
    assert {"G4", "G5", "G6"} <= set(DETECTORS)


@pytest.mark.parametrize("seed", [1, 2])
def test_grounded_has_no_text_findings(scarce_runs, seed):
    ex = load_exchange(scarce_runs / "grounded" / f"seed{seed}-rep0.jsonl")
    assert detect(ex, TEXT_CODES) == []


@pytest.mark.parametrize("condition", ["mislabel", "forgetful"])
@pytest.mark.parametrize("seed", [1, 2])
def test_mislabel_and_forgetful_agree_then_buy_otherwise(scarce_runs, condition, seed):
    ex = load_exchange(scarce_runs / condition / f"seed{seed}-rep0.jsonl")
    g4 = [f for f in detect(ex, TEXT_CODES) if f.code == "G4"]
    assert g4, f"{condition}: no G4"
    for f in g4:
        assert f.evidence["variant"] == "agreed_then_bought_otherwise"
        assert f.evidence["differences"] and "annulled" in f.evidence
    assert any(f.evidence["annulled"] for f in g4)


def test_replay_runs_text_detectors_by_default(scarce_runs):
    proc = subprocess.run(
        [sys.executable, "-m", "coord", "replay", "--format", "json"]
        + [str(scarce_runs / "forgetful" / "seed1-rep0.jsonl")],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    report = json.loads(proc.stdout)
    assert "G4" in report["detectors"]
    assert "G4" in {f["code"] for f in report["files"][0]["findings"]}


# -- themes: resources called by other names ---------------------------------------------------

THEMED = {**PAPER_GAME, "resource_aliases": {"r1": ["wood"], "r2": ["stone"], "r3": ["gold"]}}


def test_themed_names_are_read_as_their_resources(tmp_path):
    """Agents told a theme talk of stone and gold, not r2 and r3; the game record (or the
    scenario's `aliases`) maps the names back, so the agreement is placed and its breach
    found."""
    path = tmp_path / "themed.jsonl"
    rows = [
        {"game": THEMED, "agents": ["A", "B"]},
        say("A", "Proposal: I take two wood and four gold; you take three wood and nine stone."),
        say("B", "Sounds good, that works for me."),
        buy("A", "Buying my part.", r1=2, r3=4),
        buy("B", "Buying mine.", r1=3, r2=9, r3=2),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    findings = detect(load_exchange(path), ["G4"])
    assert found(findings) == [("G4", 1)]
    ev = findings[0].evidence
    assert ev["agreed"] == {"A": {"r1": 2, "r3": 4}, "B": {"r1": 3, "r2": 9}}
    assert ev["largest"]["resource"] == "r3" and ev["largest"]["agent"] == "B"


def test_without_the_theme_the_same_talk_states_no_plan(tmp_path):
    rows = [
        HEADER,
        say("A", "Proposal: I take two wood and four gold; you take three wood and nine stone."),
        say("B", "Sounds good, that works for me."),
        buy("A", "Buying my part.", r1=2, r3=4),
        buy("B", "Buying mine.", r1=3, r2=9, r3=2),
    ]
    path = tmp_path / "plain.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert found(detect(load_exchange(path), ["G4"])) == []


def test_an_ack_that_counters_is_an_answer_not_g5(tmp_path):
    messages = [
        say("A", "If you took 9 r2, I could take 3 r1 and 6 r3. Thoughts?"),
        say(
            "B",
            "Interesting, I'll think about it. What about I take 3 r1 and 9 r2, and you "
            "take 2 r1 and 4 r3?",
        ),
        say("A", "Got it - and yes, deal."),
        buy("A", "Buying.", r1=2, r3=4),
        buy("B", "Buying.", r1=3, r2=9),
    ]
    assert found(run(tmp_path, messages)) == []


def test_a_proposer_that_agrees_to_another_plan_has_moved_on(tmp_path):
    messages = [
        say("A", "How about I take 3 r1 and 6 r3, and you take 9 r2?"),
        say("B", "Noted, I'll consider it."),
        say("B", "Actually: I take 3 r1 and 9 r2, you take 2 r1 and 4 r3."),
        say("A", "Fine, sounds good."),
        buy("A", "Buying my part.", r1=2, r3=4),
        buy("B", "Buying mine.", r1=3, r2=9),
    ]
    assert found(run(tmp_path, messages)) == []


def test_a_proposer_that_proposes_another_plan_has_moved_on(tmp_path):
    messages = [
        say("A", "I need at least 9 r2 for my best project, which pays 9 per run."),
        say("B", "Understood. My best project also needs r2; I need 9 r2 too."),
        say("A", "Then let's each take 5 r2."),
        say("B", "OK."),
        buy("A", "Buying.", r2=5),
        buy("B", "Buying.", r2=5),
    ]
    assert [f.code for f in run(tmp_path, messages)] == []


# -- probing with exchanges written as LLM negotiators write (regressions) --------------------


def test_confirming_the_partners_acceptance_of_ones_counter_is_not_g4(tmp_path):
    """'We're agreed' after the partner accepted one's counter-offer confirms the counter,
    not the partner's first plan (which was rejected)."""
    messages = [
        say("A", "Opening offer: nine r2 to me, six r3 to you."),
        say("B", "That won't work for me. Counter: I take 3 r1 + 9 r2; you take 2 r1 + 4 r3."),
        say("A", "Fine by me - that works."),
        say("B", "Excellent, we're agreed then."),
        buy("A", "Buying.", r1=2, r3=4),
        buy("B", "Buying.", r1=3, r2=9),
    ]
    assert run(tmp_path, messages) == []


def test_choosing_an_option_while_restating_another_is_g4(tmp_path):
    messages = [
        say(
            "A",
            "Two ideas.\n1. **Option A** - I get 9 r2 and you get 6 r3.\n"
            "2. **Option B** - I get 2 r1 and 4 r3, you get 3 r1 and 9 r2.\nYour call!",
        ),
        say("B", "Option B, please: you get nine r2 and I get six r3."),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [("G4", 1)]
    assert findings[0].evidence["variant"] != "agreed_then_bought_otherwise"


def test_recaps_of_different_deals_are_g6(tmp_path):
    messages = [
        say("A", "Could we do 9 r2 for me and 6 r3 for you? Or you 3 r1 + 9 r2, me 4 r3."),
        say("B", "So the deal is: you take 4 r3 and 2 r1, I take 3 r1 and 9 r2."),
        say("A", "Just to confirm our deal: I get 9 r2 and you get 6 r3."),
    ]
    assert found(run(tmp_path, messages)) == [("G6", 1)]
