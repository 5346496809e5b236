from coord.coordinator.envelopes import EnvelopeMapper, protocol_type
from coord.coordinator.messages import Message


def test_types_map_onto_the_negotiation_protocol():
    assert protocol_type(Message("purchase", resources={})) == "commit-purchase"
    assert protocol_type(Message("propose", plan={})) == "propose"
    assert protocol_type(Message("propose", plan={}, ref="p1")) == "counter"
    assert protocol_type(Message("ack", ref="p1")) == "ack"


def test_ids_conversations_and_references():
    m = EnvelopeMapper(("alice", "bob"))
    first = m.peek(1, "alice", Message("propose", plan={"alice": {"resources": {"r1": 1}}}))
    assert (first.id, first.conversation_id, first.sender, first.receiver) == (
        "m1",
        "round-1",
        "alice",
        "bob",
    )
    assert first.in_reply_to is None and first.content == {
        "plan": {"alice": {"resources": {"r1": 1}}}
    }
    assert m.peek(1, "alice", Message("say")).id == "m1"  # peeking records nothing
    m.commit(first, "p1")
    answer = m.peek(2, "bob", Message("accept", ref="p1", text="ok"))
    assert (answer.id, answer.in_reply_to, answer.conversation_id) == ("m2", "m1", "round-2")
    assert answer.content == {"text": "ok"}
    assert m.peek(2, "bob", Message("accept", ref="p9")).in_reply_to == "p9"  # kept: reported
