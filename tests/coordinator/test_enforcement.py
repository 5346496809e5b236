"""Live enforcement: the coordinator checks every message against the protocol."""

import asyncio

import pytest
from helpers import PAPER_EXAMPLE, Scripted, play

from coord.coordinator.messages import Message
from coord.coordinator.negotiation import NegotiationSession, Settings
from coord.protocol.load import find_protocol, load_protocol

NEGOTIATION = load_protocol(find_protocol("negotiation"))
PLAN = {"alice": {"resources": {"r2": 9}}, "bob": {"resources": {"r1": 3, "r3": 6}}}


def run(a, b, **settings):
    events = []
    nothing = Message("purchase", resources={})
    agents = {"alice": Scripted("alice", a, nothing), "bob": Scripted("bob", b, nothing)}
    session = NegotiationSession(
        [PAPER_EXAMPLE],
        agents,
        Settings(**settings),
        lambda k, **f: events.append({"kind": k, **f}),
        protocol=NEGOTIATION,
    )
    asyncio.run(session.play())
    return events, agents, session


def test_bad_content_is_rejected_before_the_ledger():
    bad = Message("propose", plan={"alice": {"resources": {"r2": 9}, "colour": "red"}})
    events, agents, _ = run([bad], [Message("say")])
    err = next(e for e in events if e["kind"] == "error")
    assert any(p.startswith("T003") for p in err["errors"])
    assert not any(e["kind"] == "ledger" for e in events if e.get("op") == "propose")
    assert any(x.startswith("T003") for x in agents["alice"].views[1].errors)


def test_acting_on_an_acknowledgement_is_recorded_and_refused_when_strict():
    script_a = [Message("propose", plan=PLAN)]
    script_b = [Message("ack", ref="p1"), Message("purchase", ref="p1", resources={"r1": 3})]
    events, _, session = run(script_a, script_b)
    found = [e for e in events if e["kind"] == "protocol" and e["code"] == "T011"]
    # bob buys on p1, which he only acknowledged (alice's unreferenced purchase, acting on
    # her own unaccepted proposal, is a second T011)
    bobs = [f for f in found if f["message_id"] == "m4"]
    assert len(bobs) == 1 and "negotiator bob only acknowledged m1" in bobs[0]["message"], found
    assert session.counters["protocol_findings"] >= 1
    events, _, session = run(script_a, script_b, enforce="strict")
    assert any(
        e["kind"] == "error" and any(p.startswith("T011") for p in e["errors"]) for e in events
    )


@pytest.mark.parametrize(
    "policy", ["grounded", "conceder", "fair", "anchored", "solo", "forgetful", "oracle"]
)
def test_built_in_policies_never_send_a_structurally_invalid_message(policy):
    metrics, _, events = play([PAPER_EXAMPLE] * 2, [f"policy/{policy}"] * 2, protocol=NEGOTIATION)
    assert metrics["invalid_messages"] == 0, [e for e in events if e["kind"] == "error"]


def test_mislabel_self_accept_is_a_wrong_party_finding():
    _, _, events = play([PAPER_EXAMPLE], ["policy/mislabel"] * 2, protocol=NEGOTIATION)
    assert any(e["kind"] == "protocol" and e["code"] == "T010" for e in events)
