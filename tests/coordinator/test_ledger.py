import pytest

from coord.coordinator.ledger import Ledger, LedgerError
from coord.coordinator.messages import Message

PLAN = {"alice": {"resources": {"r2": 3}}, "bob": {"resources": {"r1": 3, "r2": 7}}}


def propose(ledger, by="alice", plan=PLAN, round=1):
    events, drift = ledger.record(round, 1, by, Message("propose", plan=plan))
    return events[0]["entry"]["id"]


def test_proposals_get_stable_sequential_ids():
    ledger = Ledger()
    assert propose(ledger) == "p1"
    assert propose(ledger, by="bob") == "p2"
    assert ledger.get("p1").by == "alice"


def test_ack_is_not_agreement():
    ledger = Ledger()
    pid = propose(ledger)
    events, drift = ledger.record(1, 1, "bob", Message("ack", ref=pid))
    assert events[0]["status"] == "open"
    assert ledger.get(pid).acked_by == ["bob"]
    assert ledger.agreement(1, "alice") is None
    assert ledger.agreement(1, "bob") is None
    assert not drift


def test_accept_by_the_other_side_binds_both():
    ledger = Ledger()
    pid = propose(ledger)
    events, drift = ledger.record(1, 2, "bob", Message("accept", ref=pid))
    assert events[0]["binding"] is True
    assert ledger.agreement(1, "alice").id == pid
    assert ledger.agreement(1, "bob").id == pid
    assert ledger.agreement(2, "bob") is None  # agreements are per round


def test_accepting_own_proposal_is_a_referent_drift_and_binds_nobody():
    ledger = Ledger()
    pid = propose(ledger)
    events, drift = ledger.record(1, 2, "alice", Message("accept", ref=pid))
    assert events[0]["binding"] is False
    assert drift and drift[0]["what"] == "referent"
    assert ledger.agreement(1, "alice") is None


def test_unknown_reference_is_refused():
    ledger = Ledger()
    propose(ledger)
    with pytest.raises(LedgerError, match="p9"):
        ledger.record(1, 1, "bob", Message("accept", ref="p9"))


def test_purchase_beyond_the_agreement_is_drift_within_it_is_not():
    ledger = Ledger()
    pid = propose(ledger)
    ledger.record(1, 2, "bob", Message("accept", ref=pid))
    _, ok = ledger.record(1, 3, "bob", Message("purchase", resources={"r1": 3, "r2": 6}))
    assert ok == []
    _, drift = ledger.record(1, 3, "alice", Message("purchase", resources={"r2": 5}))
    assert len(drift) == 1 and drift[0]["ledger"] == {"r2": 3} and drift[0]["said"] == {"r2": 5}


def test_purchase_citing_a_proposal_with_other_numbers_is_drift():
    ledger = Ledger()
    pid = propose(ledger)
    _, drift = ledger.record(1, 2, "bob", Message("purchase", ref=pid, resources={"r3": 2}))
    assert drift and drift[0]["ref"] == pid


def test_restating_a_plan_with_different_numbers_is_drift():
    ledger = Ledger()
    pid = propose(ledger)
    wrong = {"alice": {"resources": {"r2": 4}}, "bob": {"resources": {"r1": 3, "r2": 6}}}
    _, drift = ledger.record(1, 2, "bob", Message("accept", ref=pid, plan=wrong))
    assert drift and drift[0]["what"] == "restatement"
    _, same = ledger.record(1, 2, "bob", Message("ack", ref=pid, plan=PLAN))
    assert same == []


def test_answers_must_target_proposals():
    ledger = Ledger()
    ledger.record(1, 1, "alice", Message("purchase", resources={"r1": 1}))
    with pytest.raises(LedgerError, match="purchase"):
        ledger.record(1, 1, "bob", Message("accept", ref="u1"))
