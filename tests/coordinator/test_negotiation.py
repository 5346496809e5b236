"""The coordination layer's round mechanics, with scripted agents."""

import asyncio

from helpers import PAPER_EXAMPLE, Scripted

from coord.coordinator.messages import Message
from coord.coordinator.negotiation import NegotiationSession, Settings


def run(a_script, b_script, rounds=1, **settings):
    events = []
    a, b = Scripted("alice", a_script), Scripted("bob", b_script)
    session = NegotiationSession(
        [PAPER_EXAMPLE] * rounds,
        {"alice": a, "bob": b},
        Settings(**settings),
        lambda k, **f: events.append({"kind": k, **f}),
    )
    records = asyncio.run(session.play())
    return records, events, a, b, session


def buy(**res):
    return Message("purchase", resources=res)


def test_turn_order_and_purchase_locks_the_decision():
    records, events, a, b, _ = run([buy(r2=9)], [Message("say"), buy(r1=3, r3=4)])
    speakers = [(e["turn"], e["agent"]) for e in events if e["kind"] == "message"]
    assert speakers == [(1, "alice"), (1, "bob"), (2, "bob")]  # alice locked after turn 1
    assert len(a.views) == 1
    assert b.views[1].partner_locked is True
    # the partner learns that a decision was locked, not what was bought
    seen = [p.message for p in b.views[1].history if p.agent == "alice"]
    assert seen[0].type == "purchase" and seen[0].resources is None
    leaked = [e for e in b.views[1].ledger if e["by"] == "alice"]
    assert leaked and all("resources" not in e and "projects" not in e for e in leaked)


def test_annulment_when_purchases_exceed_supply():
    records, *_ = run([buy(r2=9)], [buy(r1=3, r2=9)])
    assert records[0]["annulled"] and records[0]["over"] == ["r2"]
    assert records[0]["rewards"] == {"alice": 0, "bob": 0}


def test_decision_phase_retries_then_buys_nothing():
    bad = Message("purchase", resources={"r1": 1, "r2": 1, "r3": 1})  # 3 types
    records, events, a, b, session = run(
        [Message("say")] * 5 + [bad, Message("say"), bad], [buy(r1=3, r2=9)]
    )
    errors = [e for e in events if e["kind"] == "error" and e["agent"] == "alice"]
    assert len(errors) == 3
    assert a.views[-1].phase == "decide" and a.views[-1].attempt == 3
    assert a.views[-1].errors  # the agent is told why its last attempt was refused
    assert any(e["kind"] == "decision" and e["fallback"] == "nothing" for e in events)
    assert records[0]["purchases"]["alice"] == {}
    assert session.counters["invalid_messages"] == 3


def test_no_talk_goes_straight_to_decisions():
    records, events, a, b, _ = run([buy(r2=9)], [buy(r1=3, r3=6)], talk=False)
    assert all(v.phase == "decide" for v in a.views + b.views)
    assert records[0]["rewards"]["alice"] == 27


def test_shifting_resets_one_agent_each_round():
    script = [Message("say", text="hi")] * 6 + [buy()]
    _, _, a, b, _ = run(script * 2, script * 2, rounds=2, history="shifting")
    a_round2 = [v for v in a.views if v.round == 2][0]
    b_round2 = [v for v in b.views if v.round == 2][0]
    assert a_round2.rounds == 2 and a_round2.outcomes  # alice keeps her context
    assert b_round2.rounds is None and b_round2.standalone  # bob is told it is standalone
    assert not b_round2.outcomes
    assert all(p.round == 2 for p in b_round2.history)


def test_transparency_shows_partner_projects():
    _, _, a, _, _ = run([buy()], [buy()], full_transparency=True)
    assert a.views[0].partner_projects == PAPER_EXAMPLE.projects[1]
    _, _, a, _, _ = run([buy()], [buy()])
    assert a.views[0].partner_projects is None


def test_solo_mode_scores_each_agent_alone():
    records, *_ = run([buy(r2=9)], [buy(r1=3, r2=9)], mode="solo")
    assert records[0]["annulled"] is False  # alone, each has the whole supply
    assert records[0]["metrics"]["joint_efficiency"] == 1.0


def test_unknown_reference_is_rejected_with_a_reason():
    _, events, a, _, _ = run([Message("accept", ref="p7"), buy()], [buy()])
    err = [e for e in events if e["kind"] == "error"][0]
    assert "p7" in err["errors"][0]
    assert a.views[1].errors == err["errors"]


def test_first_speaker_setting():
    _, events, *_ = run([buy()], [buy()], first_speaker="bob")
    assert [e["agent"] for e in events if e["kind"] == "message"][0] == "bob"
