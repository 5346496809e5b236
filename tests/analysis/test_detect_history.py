"""G1 (history loss) on LLM-like multi-round interchange transcripts and on coord's own runs."""

import json
import os
import subprocess
import sys

import pytest
from helpers import PAPER_GAME

from coord.analysis.detectors import DETECTORS, NAMES, detect
from coord.analysis.exchange import load_exchange

# The paper's worked example: A buys 2 r1 + 4 r3 (two runs of c), B buys 3 r1 + 9 r2 (three
# runs of b), collab_max 29.
HEADER = {"game": PAPER_GAME, "agents": ["A", "B"]}
SHARE_A = [{"name": p["name"], **p} for p in PAPER_GAME["agent_projects"][0]]


def say(rnd, agent, text, **extra):
    return {"round": rnd, "agent": agent, "content": text, **extra}


def buy(rnd, agent, text, **resources):
    return {"round": rnd, "agent": agent, "content": text, "action": {"resources": resources}}


def run(tmp_path, messages):
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [HEADER, *messages]))
    return detect(load_exchange(path), ["G1"])


def found(findings):
    return [(f.round, f.evidence["variant"]) for f in findings]


# A first round that settles on the optimum after B turns down A's greedy opening.
ROUND_1 = [
    say(1, "A", "Hi B, nice to meet you! How about I take nine r2 and you take ten r1?"),
    say(
        1,
        "B",
        "No, that doesn't work for me - r2 is what my best project runs on. Counter: I take "
        "3 r1 and 9 r2, and you take 2 r1 and 4 r3. That gets us 29 together.",
    ),
    say(1, "A", "Sounds good, let's lock it in."),
    buy(1, "B", "Buying my side: three r1 and nine r2.", r1=3, r2=9),
    buy(1, "A", "Buying two r1 and four r3 as agreed.", r1=2, r3=4),
]
ROUND_2_AS_AGREED = [
    say(2, "A", "Same split as last round? You take 3 r1 and 9 r2, I take 2 r1 and 4 r3."),
    say(2, "B", "Yes, deal."),
    buy(2, "B", "Buying.", r1=3, r2=9),
    buy(2, "A", "Buying.", r1=2, r3=4),
]


def test_registered_first_by_default():
    assert DETECTORS[0] == "G1" and NAMES["G1"] == "history loss"


def test_clean_two_rounds_are_not_g1(tmp_path):
    assert run(tmp_path, [*ROUND_1, *ROUND_2_AS_AGREED]) == []


# -- (a) re-proposing a rejected plan ---------------------------------------------------------


def test_rejected_plan_proposed_again_next_round_is_g1(tmp_path):
    round_2 = [
        say(2, "A", "Hello again. How about I take nine r2 and you take ten r1?"),
        say(2, "B", "We did 3 r1 and 9 r2 for me last time, remember?"),
    ]
    findings = run(tmp_path, [*ROUND_1, *round_2])
    assert found(findings) == [(2, "reproposed_rejected_plan")]
    f = findings[0]
    assert f.code == "G1" and f.severity == "warning" and f.name == "history loss"
    assert f.agents == ["A"] and f.turns == [1]
    ev = f.evidence
    assert ev["plan"] == {"A": {"r2": 9}, "B": {"r1": 10}}
    assert ev["rounds"] == [1, 2] and ev["same_round"] is False
    assert ev["earlier_proposal"]["round"] == 1 and ev["earlier_proposal"]["turn"] == 1
    assert ev["rejection"]["turn"] == 2 and ev["rejection"]["agent"] == "B"
    assert ev["rejection"]["how"] == "rejection language ('No')"
    assert ev["reproposal"]["text"].startswith("Hello again")
    assert ev["contradicts_agreement"]["agreed_plan"]["A"] == {"r1": 2, "r3": 4}


def test_coming_back_to_a_rejected_plan_in_the_same_round_is_g1(tmp_path):
    messages = [
        say(1, "A", "Proposal: I take nine r2 and you take ten r1."),
        say(1, "B", "I can't accept that, I need r2 for project b."),
        say(1, "A", "OK then: I take 6 r2 and you take 4 r2."),
        say(1, "B", "Still not enough r2 for me. I take 9 r2, you take 6 r3."),
        say(1, "A", "Let's keep it simple: I take nine r2 and you take ten r1."),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [(1, "reproposed_rejected_plan")]
    ev = findings[0].evidence
    assert ev["same_round"] is True and findings[0].turns == [1, 2, 5]
    assert "can't accept" in ev["rejection"]["how"]


def test_structured_reject_then_same_plan_next_round_is_g1(tmp_path):
    plan = {"A": {"r2": 9}, "B": {"r1": 10, "r2": 1}}
    messages = [
        say(1, "A", "Here is my plan.", type="propose", id="p1", action={"plan": plan}),
        say(1, "B", "Rejecting p1, it starves my project b.", type="reject", in_reply_to="p1"),
        say(2, "A", "Here is my plan.", type="propose", id="p2", action={"plan": plan}),
    ]
    findings = run(tmp_path, messages)
    assert found(findings) == [(2, "reproposed_rejected_plan")]
    assert findings[0].evidence["rejection"]["how"] == "a 'reject' message"


def test_accepted_plan_proposed_again_is_not_g1(tmp_path):
    messages = [
        say(1, "A", "How about I take nine r2 and you take ten r1?"),
        say(1, "B", "Sounds good to me."),
        buy(1, "A", "Buying.", r2=9),
        buy(1, "B", "Buying.", r1=10),
        say(2, "A", "How about I take nine r2 and you take ten r1?"),
        say(2, "B", "Sure, same as before."),
    ]
    assert run(tmp_path, messages) == []


def test_holding_one_plan_through_a_round_is_left_to_g2(tmp_path):
    messages = [
        say(1, "A", "Proposal: I take nine r2 and you take ten r1."),
        say(1, "B", "No. I take 9 r2, you take 6 r3."),
        say(1, "A", "Proposal: I take nine r2 and you take ten r1."),
    ]
    assert run(tmp_path, messages) == []


# -- (b) contradicting a standing agreement ---------------------------------------------------


def test_going_beyond_last_rounds_optimal_deal_is_g1(tmp_path):
    round_2 = [
        say(2, "B", "Hi! I'll take 10 r2 and 2 r1, you can have the r3."),
        say(2, "A", "Hmm, okay."),
        buy(2, "B", "Buying.", r1=2, r2=10),
    ]
    findings = run(tmp_path, [*ROUND_1, *round_2])
    assert found(findings) == [(2, "contradicted_standing_agreement")]
    f = findings[0]
    assert f.agents == ["B"] and f.turns == [1]
    ev = f.evidence
    assert ev["agreed_plan"] == {"B": {"r1": 3, "r2": 9}, "A": {"r1": 2, "r3": 4}}
    assert ev["previous_efficiency"] >= 0.99 and ev["rounds"] == [1, 2]
    assert ev["agreed_from"]["turn"] == 2 and ev["agreed_from"]["agent"] == "B"
    assert [(d["agent"], d["resource"], d["stated"], d["actual"]) for d in ev["differences"]] == [
        ("B", "r2", 9, 10)
    ]
    assert ev["deviation"]["kind"] == "states"


def test_buying_beyond_the_standing_deal_without_talk_is_g1(tmp_path):
    round_2 = [
        buy(2, "A", "Submitting my purchase: nine r2.", r2=9),
        buy(2, "B", "Buying.", r1=3, r2=9),
    ]
    findings = run(tmp_path, [*ROUND_1, *round_2])
    assert found(findings) == [(2, "contradicted_standing_agreement")]
    assert findings[0].agents == ["A"] and findings[0].evidence["deviation"]["kind"] == "buys"


def test_renegotiated_change_is_not_g1(tmp_path):
    round_2 = [
        say(2, "B", "Can we change the plan this time? I'll take 10 r2 and 2 r1, you take r3."),
        say(2, "A", "Fine by me, let's try it."),
        buy(2, "B", "Buying.", r1=2, r2=10),
    ]
    assert run(tmp_path, [*ROUND_1, *round_2]) == []


def test_suboptimal_earlier_round_is_no_standing_agreement(tmp_path):
    round_1 = [
        say(1, "A", "How about I take nine r2 and you take ten r1?"),
        say(1, "B", "Okay, deal."),
        buy(1, "A", "Buying.", r2=9),
        buy(1, "B", "Buying.", r1=10),
    ]
    round_2 = [say(2, "B", "I'll take 10 r2 and 2 r1, you can have the r3.")]
    assert run(tmp_path, [*round_1, *round_2]) == []


# -- (c) behaving as if the round were the first ----------------------------------------------


def test_first_round_language_in_round_two_is_g1(tmp_path):
    round_2 = [
        say(2, "A", "Hi there, nice to meet you! What are your projects?"),
        say(2, "B", "We played this already: I take 3 r1 and 9 r2, you take 2 r1 and 4 r3."),
    ]
    findings = run(tmp_path, [*ROUND_1, *round_2])
    assert found(findings) == [(2, "fresh_start_language")]
    f = findings[0]
    assert f.agents == ["A"] and f.turns == [1]
    assert f.evidence["phrase"].lower() == "nice to meet you"
    assert f.evidence["same_instance_rounds"] == [1]
    assert f.evidence["quote"]["text"].startswith("Hi there")


def test_asking_for_known_projects_in_round_two_is_g1(tmp_path):
    round_2 = [say(2, "B", "Before we decide, tell me about your projects - which need r2?")]
    findings = run(tmp_path, [*ROUND_1, *round_2])
    assert found(findings) == [(2, "fresh_start_language")]
    assert findings[0].agents == ["B"]


def test_first_round_language_in_round_one_is_not_g1(tmp_path):
    assert run(tmp_path, ROUND_1) == []  # ROUND_1 opens with "nice to meet you"


def test_history_aware_opening_is_not_g1(tmp_path):
    round_2 = [say(2, "A", "Like in the first round, let's keep last round's split.")]
    assert run(tmp_path, [*ROUND_1, *round_2]) == []


def test_resharing_the_same_projects_is_not_g1(tmp_path):
    share = {"share": SHARE_A}
    messages = [
        say(1, "A", "These are my projects.", type="say", action=share),
        say(1, "B", "Thanks, I take 3 r1 and 9 r2, you take 2 r1 and 4 r3."),
        say(2, "A", "These are my projects.", type="say", action=share),
    ]
    # re-sharing loses nothing; the grounded remedy does it on purpose every round
    assert run(tmp_path, messages) == []


# -- coord's own runs ----------------------------------------------------------------------

ONE_GAME = """\
schema_version: 1
kind: negotiation
name: one-game
description: The paper's example played twice.
agents:
  alice: {backend: policy/grounded}
  bob: {backend: policy/grounded}
game:
  rounds: 2
  talk_turns: 5
  instances:
    - id: paper-example
      projects:
        alice:
          - {name: a, requirements: {r2: 3}, reward: 9}
          - {name: b, requirements: {r3: 2, r2: 3}, reward: 4}
          - {name: c, requirements: {r3: 2, r1: 1}, reward: 1}
        bob:
          - {name: a, requirements: {r3: 3}, reward: 1}
          - {name: b, requirements: {r1: 1, r2: 3}, reward: 9}
          - {name: c, requirements: {r2: 2}, reward: 4}
coordination:
  projects: rotating
seeds: [1]
conditions:
  grounded-shifting:
    coordination: {history: shifting}
"""


def coord_run(*args):
    subprocess.run(
        [sys.executable, "-m", "coord", "run", *args],
        check=True,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_grounded_run_rotating_instances_has_no_g1(scarce_runs, seed):
    ex = load_exchange(scarce_runs / "grounded" / f"seed{seed}-rep0.jsonl")
    assert any(t.action and t.action.get("share") for r in ex.rounds[1:] for t in r.turns)
    assert detect(ex, ["G1"]) == []


def test_grounded_on_one_instance_every_round_is_not_g1(tmp_path):
    scenario = tmp_path / "one.yaml"
    scenario.write_text(ONE_GAME)
    coord_run(str(scenario), "--out", str(tmp_path / "out"))
    ex = load_exchange(tmp_path / "out" / "grounded-shifting" / "seed1-rep0.jsonl")
    assert any(t.action and t.action.get("share") for r in ex.rounds[1:] for t in r.turns)
    assert detect(ex, ["G1"]) == []


# -- (d) proposing afresh a plan already agreed in the round -----------------------------------

AGREED_THEN_REOPENED = [
    say(
        1,
        "B",
        "How about this: I take 3 r1 and 9 r2, and you take 2 r1 and 4 r3? That gets us 29.",
    ),
    say(1, "A", "Sounds good, that works for me."),
    say(1, "B", "Hi again! Let me share my projects first: my best one needs r2."),
    say(
        1,
        "B",
        "I propose that I take 3 r1 and 9 r2, while you take 2 r1 and 4 r3. What do you say?",
    ),
]


def test_agreed_plan_proposed_afresh_in_the_same_round_is_g1(tmp_path):
    findings = run(tmp_path, AGREED_THEN_REOPENED)
    assert found(findings) == [(1, "reproposed_agreed_plan")]
    ev = findings[0].evidence
    assert ev["agreement"]["turn"] == 2 and ev["agreement"]["agent"] == "A"
    assert ev["reproposal"]["turn"] == 4 and ev["plan"] == {
        "B": {"r1": 3, "r2": 9},
        "A": {"r1": 2, "r3": 4},
    }


def test_restating_the_deal_is_not_proposing_it_afresh(tmp_path):
    recap = AGREED_THEN_REOPENED[:2] + [
        say(1, "B", "Great. To recap: I take 3 r1 and 9 r2, and you take 2 r1 and 4 r3."),
        say(1, "B", "As agreed, I take 3 r1 and 9 r2; you take 2 r1 and 4 r3."),
    ]
    assert found(run(tmp_path, recap)) == []


def test_a_plan_proposed_again_after_a_rejection_is_not_forgetting(tmp_path):
    changed_mind = AGREED_THEN_REOPENED[:2] + [
        say(1, "A", "Wait, no - that doesn't work for me after all, my budget is too tight."),
        AGREED_THEN_REOPENED[3],
    ]
    assert found(run(tmp_path, changed_mind)) == []


def test_forgetful_policy_is_caught_by_g1(scarce_runs):
    exchange = load_exchange(scarce_runs / "forgetful" / "seed1-rep0.jsonl")
    findings = detect(exchange, ["G1"])
    assert {f.evidence["variant"] for f in findings} == {"reproposed_agreed_plan"}
    assert {f.round for f in findings} == {r.number for r in exchange.rounds}
    grounded = load_exchange(scarce_runs / "grounded" / "seed1-rep0.jsonl")
    assert detect(grounded, ["G1"]) == []


def test_discourse_markers_are_not_a_fresh_start(tmp_path):
    round_2 = [
        say(
            2, "A", "To begin this round, same split: you take 3 r1 and 9 r2, I take 2 r1 and 4 r3."
        ),
        say(2, "B", "To begin with, yes - deal."),
        *ROUND_2_AS_AGREED[2:],
    ]
    assert found(run(tmp_path, ROUND_1 + round_2)) == []
