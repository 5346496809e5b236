"""The commitment lifecycle, alone and as the conformance checker drives it."""

from __future__ import annotations

import pytest

from coord.protocol import commitments as cm
from coord.protocol.conformance import ConformanceChecker
from coord.protocol.envelope import Envelope
from coord.protocol.model import LoadedProtocol, Protocol

NET = {
    "schema_version": 1,
    "name": "net",
    "roles": ["manager", "contractor"],
    "messages": {
        "cfp": {"from": "manager", "to": "contractor", "reply_to": []},
        "propose": {"from": "contractor", "to": "manager", "reply_to": ["cfp"]},
        "bid": {"from": "contractor", "to": "manager", "reply_to": ["cfp"]},
        "acknowledge": {"from": "manager", "to": "contractor"},
        "accept": {"from": "manager", "to": "contractor"},
        "reject": {"from": "manager", "to": "contractor"},
        "withdraw": {"from": "contractor", "to": "manager"},
        "inform": {"from": "contractor", "to": "manager"},
        "failure": {"from": "contractor", "to": "manager"},
    },
    # A permissive flow: these tests are about commitments, not ordering.
    "flow": {
        "initial": "open",
        "transitions": [
            {"from": "open", "msg": m, "to": "open"}
            for m in (
                "cfp",
                "propose",
                "bid",
                "acknowledge",
                "accept",
                "reject",
                "withdraw",
                "inform",
                "failure",
            )
        ],
    },
    "commitments": {
        "job": {
            "debtor": "contractor",
            "creditor": "manager",
            "conditional": ["propose"],
            "create": ["bid"],
            "detach": ["accept"],
            "discharge": ["inform"],
            "violate": ["failure"],
            "cancel": ["withdraw"],
            "release": ["reject"],
        }
    },
}
ROLES = {"mia": "manager", "carl": "contractor"}


def checker() -> ConformanceChecker:
    return ConformanceChecker(LoadedProtocol(Protocol.model_validate(NET), None, {}), ROLES)


def E(id, type, frm, irt=None):  # noqa: N802
    to = "carl" if frm == "mia" else "mia"
    return Envelope(id, None, irt, frm, to, type, {}, None, int(id[1:]))


def play(*messages):
    c = checker()
    findings = []
    for m in messages:
        findings += c.feed(E(*m))
    return c, [f.code for f in findings]


def state(c, id="m2"):
    return next(x["state"] for x in c.commitments() if x["id"] == id)


@pytest.mark.parametrize(
    ("state_", "op", "new"),
    [
        ("conditional", "detach", "detached"),
        ("conditional", "discharge", "discharged"),
        ("conditional", "cancel", "cancelled"),
        ("conditional", "release", "released"),
        ("conditional", "violate", None),
        ("detached", "discharge", "discharged"),
        ("detached", "violate", "violated"),
        ("detached", "cancel", "violated"),
        ("detached", "release", "released"),
        ("detached", "detach", None),
        ("released", "cancel", None),
        ("discharged", "violate", None),
        ("violated", "discharge", None),
    ],
)
def test_transition_table(state_, op, new):
    assert cm.transition(state_, op) == new


def test_conditional_then_detach_then_discharge():
    c, codes = play(("m1", "cfp", "mia"), ("m2", "propose", "carl", "m1"))
    assert codes == [] and state(c) == "conditional"
    inst = c.store.all()[0]
    assert (inst.debtor, inst.creditor, inst.created_by) == ("carl", "mia", "propose")
    c.feed(E("m3", "accept", "mia", "m2"))
    assert state(c) == "detached"
    c.feed(E("m4", "inform", "carl", "m3"))  # answers the accept: found by the conversation
    assert state(c) == "discharged"
    assert [h["to"] for h in inst.history] == ["conditional", "detached", "discharged"]


def test_create_is_detached_at_once():
    c, codes = play(("m1", "cfp", "mia"), ("m2", "bid", "carl", "m1"))
    assert codes == [] and state(c) == "detached"
    assert c.finish()[0].code == "T013"


def test_violate():
    c, codes = play(("m1", "cfp", "mia"), ("m2", "bid", "carl", "m1"), ("m3", "failure", "carl"))
    assert codes == ["T012"] and state(c) == "violated"


def test_cancel_conditional_is_cancelled():
    c, codes = play(
        ("m1", "cfp", "mia"), ("m2", "propose", "carl", "m1"), ("m3", "withdraw", "carl", "m2")
    )
    assert codes == [] and state(c) == "cancelled"


def test_cancel_detached_is_a_violation():
    c, codes = play(
        ("m1", "cfp", "mia"), ("m2", "bid", "carl", "m1"), ("m3", "withdraw", "carl", "m2")
    )
    assert codes == ["T012"] and state(c) == "violated"


def test_cancel_after_release_is_no_violation():
    c, codes = play(
        ("m1", "cfp", "mia"),
        ("m2", "bid", "carl", "m1"),
        ("m3", "reject", "mia", "m2"),
        ("m4", "withdraw", "carl", "m2"),
    )
    assert codes == [] and state(c) == "released"


def test_release_by_creditor():
    c, codes = play(
        ("m1", "cfp", "mia"), ("m2", "propose", "carl", "m1"), ("m3", "reject", "mia", "m2")
    )
    assert codes == [] and state(c) == "released"


def test_unbound_conditional_expires_at_the_end_without_a_finding():
    c, _ = play(("m1", "cfp", "mia"), ("m2", "propose", "carl", "m1"))
    assert c.finish() == []
    assert state(c) == "expired"


@pytest.mark.parametrize(
    ("setup", "wrong", "before"),
    [
        ("propose", ("m3", "accept", "carl", "m2"), "conditional"),  # detach by the debtor
        ("bid", ("m3", "reject", "carl", "m2"), "detached"),  # release by the debtor
        ("propose", ("m3", "withdraw", "mia", "m2"), "conditional"),  # cancel by the creditor
    ],
    ids=["detach-by-debtor", "release-by-debtor", "cancel-by-creditor"],
)
def test_wrong_party_is_t010_and_a_no_op(setup, wrong, before):
    c, codes = play(("m1", "cfp", "mia"), ("m2", setup, "carl", "m1"), wrong)
    assert "T010" in codes
    assert state(c) == before
    assert len(c.store.all()[0].history) == 1


def test_discharge_type_from_the_creditor_never_discharges():
    # Asymmetric protocol: the role check reports it; in a symmetric one (negotiation, both
    # buy under the agreed plan) it is the creditor doing its own part: no finding either way.
    c, codes = play(
        ("m1", "cfp", "mia"), ("m2", "bid", "carl", "m1"), ("m3", "inform", "mia", "m2")
    )
    assert "T004" in codes and "T010" not in codes
    assert state(c) == "detached"


def test_ack_changes_nothing_but_is_recorded():
    c, codes = play(
        ("m1", "cfp", "mia"), ("m2", "propose", "carl", "m1"), ("m3", "acknowledge", "mia", "m2")
    )
    assert codes == [] and state(c) == "conditional"
    assert c.store.all()[0].acked_by == ["mia"]


def test_ack_without_in_reply_to_acknowledges_the_last_message_of_the_other_side():
    c, _ = play(("m1", "cfp", "mia"), ("m2", "propose", "carl", "m1"), ("m3", "acknowledge", "mia"))
    assert c.store.all()[0].acked_by == ["mia"]


def test_is_ack_type():
    spec = Protocol.model_validate(NET)
    assert cm.is_ack_type(spec, "acknowledge")
    assert not cm.is_ack_type(spec, "accept")
    assert cm.is_ack_type(spec, "propose_ack")
    assert not cm.is_ack_type(spec, "backtrack")


def test_reply_chain_picks_the_right_instance():
    c, codes = play(
        ("m1", "cfp", "mia"),
        ("m2", "propose", "carl", "m1"),
        ("m3", "propose", "carl", "m1"),
        ("m4", "accept", "mia", "m2"),  # the older proposal, by reply
    )
    assert codes == []
    assert state(c, "m2") == "detached" and state(c, "m3") == "conditional"
    c.feed(E("m5", "accept", "mia"))  # no reply: the most recent open one it applies to
    assert state(c, "m3") == "detached"


def test_acknowledgement_recognised_by_shape_whatever_its_name():
    proto = Protocol.model_validate(
        {
            "schema_version": 1,
            "name": "job",
            "roles": ["client", "worker"],
            "messages": {
                "ask": {"from": "client", "to": "worker", "reply_to": []},
                "seen": {"from": "worker", "to": "client", "reply_to": ["ask"]},
                "yes": {"from": "worker", "to": "client", "reply_to": ["ask", "seen"]},
                "nope": {"from": "worker", "to": "client", "reply_to": ["ask", "seen"]},
                "hand": {"from": "worker", "to": "client"},
            },
            "flow": {
                "initial": "o",
                "terminal": ["d", "n"],
                "transitions": [
                    {"from": "o", "msg": "ask", "to": "a"},
                    {"from": "a", "msg": "seen", "to": "s"},
                    {"from": ["a", "s"], "msg": "yes", "to": "y"},
                    {"from": ["a", "s"], "msg": "nope", "to": "n"},
                    {"from": "y", "msg": "hand", "to": "d"},
                ],
            },
            "commitments": {
                "job": {
                    "debtor": "worker",
                    "creditor": "client",
                    "create": ["yes"],
                    "discharge": ["hand"],
                }
            },
        }
    )
    assert cm.is_ack_type(proto, "seen")  # `yes` (binding) may answer it
    assert not cm.is_ack_type(proto, "nope")  # a refusal answers, nothing binding answers it
    assert not cm.is_ack_type(proto, "ask")  # starts the conversation
    assert not cm.is_ack_type(proto, "yes")  # takes part in the commitment
