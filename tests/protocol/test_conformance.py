"""Conformance of envelope streams to a protocol: one test per T-code, and clean runs."""

from __future__ import annotations

import copy

import pytest
from conformance_fixtures import (
    CN_ROLES,
    CONTRACT_NET,
    RC_ROLES,
    REQUEST_COMMIT,
    E,
    codes,
    load,
    run,
)

from coord.protocol.conformance import ConformanceChecker, parse_ts
from coord.protocol.envelope import Envelope

# -- clean transcripts ----------------------------------------------------------------------


def test_request_agree_deliver_is_clean():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "agree", "bob", "alice", "m1"),
            E("m3", "deliver", "bob", "alice", "m2"),
        ]
    )
    assert report.findings == []
    assert report.ok
    assert report.commitments == [
        {"name": "perform", "state": "discharged", "debtor": "bob", "creditor": "alice", "id": "m2"}
    ]


def test_request_ack_agree_deliver_is_clean():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "ack", "bob", "alice", "m1"),
            E("m3", "agree", "bob", "alice", "m1"),
            E("m4", "deliver", "bob", "alice", "m1"),  # answers the request: found by conversation
        ]
    )
    assert report.findings == []
    assert report.commitments[0]["state"] == "discharged"


def test_request_refuse_is_clean():
    report = run([E("m1", "request", "alice", "bob"), E("m2", "refuse", "bob", "alice", "m1")])
    assert report.findings == []
    assert report.commitments == []


def test_contract_net_clean_and_report_dict():
    report = run(
        [
            E("m1", "cfp", "mia", "carl"),
            E("m2", "propose", "carl", "mia", "m1"),
            E("m3", "accept", "mia", "carl", "m2"),
            E("m4", "inform", "carl", "mia", "m3"),
        ],
        CONTRACT_NET,
        CN_ROLES,
    )
    assert report.findings == []
    assert report.to_dict() == {
        "path": "t.jsonl",
        "ok": True,
        "findings": [],
        "commitments": [
            {"name": "job", "state": "discharged", "debtor": "carl", "creditor": "mia", "id": "m2"}
        ],
    }


# -- one test per code ----------------------------------------------------------------------


def test_t001_invalid_envelope_reports_every_defect():
    bad = Envelope(
        None,
        None,
        None,
        None,
        7,
        "request",
        {"task": "x"},
        line=4,
        problems=["`action` must be a JSON object, got str"],
    )
    report = run([bad])
    t001 = [f for f in report.findings if f.code == "T001"]
    assert {f.path for f in t001} >= {"$.id", "$.from", "$.to"}
    assert any("action" in f.message for f in t001)
    assert all(f.line == 4 for f in t001)
    assert not report.ok


def test_t002_unknown_type_with_suggestion():
    report = run([E("m1", "reqest", "alice", "bob")])
    assert codes(report) == ["T002"]
    assert 'did you mean "request"' in report.findings[0].message


def test_t003_every_schema_error_with_its_path():
    content = {"task": 5, "plan": {"alice": {"resources": {"r1": "three", "r2": 2}}}}
    report = run([E("m1", "request", "alice", "bob", content=content)])
    t003 = [f for f in report.findings if f.code == "T003"]
    assert sorted(f.path for f in t003) == ["$.content.plan.alice.resources.r1", "$.content.task"]
    assert codes(report) == ["T003", "T003"]  # content errors do not stop the flow
    assert all(f.message_id == "m1" and f.line == 1 for f in t003)


def test_t004_wrong_sender_role():
    report = run([E("m1", "request", "bob", "alice")])
    t004 = [f for f in report.findings if f.code == "T004"]
    assert len(t004) == 1
    assert "performer" in t004[0].message and "request" in t004[0].message


def test_t004_sender_without_role():
    report = run([E("m1", "request", "zoe", "bob")])
    assert "T004" in codes(report)
    assert "--roles" in report.findings[0].message


def test_t005_wrong_receiver():
    roles = {**RC_ROLES, "carol": "requester"}
    report = run([E("m1", "request", "alice", "carol")], roles=roles)
    assert codes(report) == ["T005"]
    assert "performer" in report.findings[0].message


def test_t005_conversation_mismatch():
    report = run(
        [
            E("m1", "request", "alice", "bob", conv="c1"),
            E("m2", "request", "alice", "bob", conv="c2"),
            E("m3", "agree", "bob", "alice", "m1", conv="c2"),
        ]
    )
    assert "T005" in codes(report)
    t005 = next(f for f in report.findings if f.code == "T005")
    assert "`c1`" in t005.message and "`c2`" in t005.message


@pytest.mark.parametrize(
    ("envelopes", "fragment"),
    [
        (
            [E("m1", "request", "alice", "bob"), E("m2", "agree", "bob", "alice", "m9")],
            "names no earlier message",
        ),
        (
            [
                E("m1", "request", "alice", "bob", conv="a"),
                E("m2", "agree", "bob", "alice", conv="b"),
            ],
            "`agree` must answer one of request; none precedes it in conversation `b`",
        ),
        (
            [E("m1", "request", "alice", "bob"), E("m2", "request", "alice", "bob", "m1")],
            "answers nothing",
        ),
        (
            [
                E("m1", "request", "alice", "bob"),
                E("m2", "agree", "bob", "alice", "m1"),
                E("m3", "deliver", "bob", "alice", "m2"),
                E("m4", "refuse", "bob", "alice", "m3"),
            ],
            "is a `deliver`",
        ),
    ],
    ids=["unknown", "missing", "present-when-none", "wrong-type"],
)
def test_t006_bad_in_reply_to(envelopes, fragment):
    report = run(envelopes)
    assert any(f.code == "T006" and fragment in f.message for f in report.findings)


def test_t006_reply_not_required_extension():
    data = copy.deepcopy(REQUEST_COMMIT)
    data["messages"]["agree"]["reply_required"] = False
    report = run([E("m1", "request", "alice", "bob"), E("m2", "agree", "bob", "alice")], data)
    assert codes(report) == ["T013"]  # no T006; the agreement is still open at the end


def test_t007_out_of_order_names_the_allowed_types():
    report = run([E("m1", "request", "alice", "bob"), E("m2", "deliver", "bob", "alice", "m1")])
    assert codes(report) == ["T007"]
    assert report.findings[0].message == (
        "in state `requested` only ack, agree, refuse may follow; got deliver"
    )
    assert report.findings[0].line == 2 and report.findings[0].message_id == "m2"


def test_t008_duplicate_id():
    report = run([E("m1", "request", "alice", "bob"), E("m1", "agree", "bob", "alice", "m1")])
    assert "T008" in codes(report)
    assert "line 1" in next(f for f in report.findings if f.code == "T008").message


def test_t009_message_after_terminal_state():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "refuse", "bob", "alice", "m1"),
            E("m3", "agree", "bob", "alice", "m1"),
        ]
    )
    assert codes(report) == ["T009"]
    assert "refused" in report.findings[0].message


def test_conversations_are_separate():
    report = run(
        [
            E("m1", "request", "alice", "bob", conv="a"),
            E("m2", "refuse", "bob", "alice", "m1", conv="a"),
            E("m3", "request", "alice", "bob", conv="b"),
            E("m4", "agree", "bob", "alice", "m3", conv="b"),
            E("m5", "deliver", "bob", "alice", "m4"),  # no conversation_id: joins m4's
        ]
    )
    assert report.findings == []


def test_t010_detach_by_another_manager_changes_nothing():
    report = run(
        [
            E("m1", "cfp", "mia", "carl"),
            E("m2", "propose", "carl", "mia", "m1"),
            E("m3", "accept", "max", "carl", "m2"),
        ],
        CONTRACT_NET,
        CN_ROLES,
    )
    assert codes(report) == ["T010"]
    assert "creditor `mia`" in report.findings[0].message
    assert report.commitments[0]["state"] == "expired"  # never detached


def test_t010_creating_by_a_non_debtor_role():
    report = run([E("m1", "request", "alice", "bob"), E("m2", "agree", "alice", "bob", "m1")])
    assert set(codes(report)) == {"T004", "T005", "T010"}
    assert report.commitments == []


def test_t011_deliver_after_only_an_ack():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "ack", "bob", "alice", "m1"),
            E("m3", "deliver", "bob", "alice", "m1"),
        ]
    )
    assert codes(report) == ["T011"]  # not also T007
    assert "performer only acknowledged m1; no agree" in report.findings[0].message
    assert report.findings[0].message_id == "m3"


def test_t011_conditional_commitment_only_acknowledged():
    report = run(
        [
            E("m1", "cfp", "mia", "carl"),
            E("m2", "propose", "carl", "mia", "m1"),
            E("m3", "ack", "mia", "carl", "m2"),
            E("m4", "progress", "carl", "mia", "m2"),
        ],
        CONTRACT_NET,
        CN_ROLES,
    )
    assert codes(report) == ["T011"]
    # two agents play `manager`, so the agent is named too
    assert "manager mia only acknowledged m2; no accept" in report.findings[0].message


def test_t011_discharge_of_acknowledged_conditional():
    report = run(
        [
            E("m1", "cfp", "mia", "carl"),
            E("m2", "propose", "carl", "mia", "m1"),
            E("m3", "ack", "mia", "carl", "m2"),
            E("m4", "inform", "carl", "mia", "m2"),
        ],
        CONTRACT_NET,
        CN_ROLES,
    )
    assert codes(report) == ["T011"]
    assert report.commitments[0]["state"] == "expired"


def test_t012_failure_is_a_violation():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "agree", "bob", "alice", "m1"),
            E("m3", "failure", "bob", "alice", "m2"),
        ]
    )
    assert codes(report) == ["T012"]
    assert report.commitments[0]["state"] == "violated"


def test_t012_turn_deadline():
    data = copy.deepcopy(REQUEST_COMMIT)
    data["commitments"]["perform"]["deadline"] = {"turns": 1}
    data["flow"]["transitions"].append({"from": "agreed", "msg": "ack", "to": "agreed"})
    data["messages"]["ack"]["reply_to"] = ["request", "agree"]
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "agree", "bob", "alice", "m1"),
            E("m3", "ack", "bob", "alice", "m2"),
            E("m4", "deliver", "bob", "alice", "m2"),
        ],
        data,
    )
    assert codes(report) == ["T012"]
    assert report.findings[0].message_id == "m4"
    assert "within 1 messages" in report.findings[0].message
    assert report.commitments[0]["state"] == "violated"


def test_t012_seconds_deadline_uses_ts():
    data = copy.deepcopy(REQUEST_COMMIT)
    data["commitments"]["perform"]["deadline"] = {"seconds": 60}
    late = run(
        [
            E("m1", "request", "alice", "bob", ts="2026-05-01T10:00:00Z"),
            E("m2", "agree", "bob", "alice", "m1", ts="2026-05-01T10:00:05Z"),
            E("m3", "deliver", "bob", "alice", "m2", ts="2026-05-01T10:02:00Z"),
        ],
        data,
    )
    assert codes(late) == ["T012"]
    in_time = run(
        [
            E("m1", "request", "alice", "bob", ts=1000),
            E("m2", "agree", "bob", "alice", "m1", ts=1005),
            E("m3", "deliver", "bob", "alice", "m2", ts=1060),
        ],
        data,
    )
    assert in_time.findings == []


def test_t012_cancel_of_a_binding_commitment():
    report = run(
        [
            E("m1", "cfp", "mia", "carl"),
            E("m2", "propose", "carl", "mia", "m1"),
            E("m3", "accept", "mia", "carl", "m2"),
            E("m4", "withdraw", "carl", "mia", "m3"),
        ],
        CONTRACT_NET,
        CN_ROLES,
    )
    assert codes(report) == ["T012"]
    assert "cancelling" in report.findings[0].message


def test_t013_open_commitment_is_a_warning():
    report = run([E("m1", "request", "alice", "bob"), E("m2", "agree", "bob", "alice", "m1")])
    assert codes(report) == ["T013"]
    finding = report.findings[0]
    assert finding.severity == "warning" and finding.message_id == "m2" and finding.line == 2
    assert report.ok


# -- the live interface ---------------------------------------------------------------------


def test_would_accept_changes_nothing():
    checker = ConformanceChecker(load(REQUEST_COMMIT), RC_ROLES)
    assert checker.feed(E("m1", "request", "alice", "bob")) == []
    agree = E("m2", "agree", "bob", "alice", "m1")
    assert checker.would_accept(agree) == []
    assert checker.would_accept(agree) == []  # still not a duplicate
    assert checker.commitments() == []
    assert checker.state_of() == "requested"
    assert [f.code for f in checker.would_accept(E("m2", "deliver", "bob", "alice", "m1"))] == [
        "T007"
    ]
    assert checker.feed(agree) == []
    assert checker.commitments()[0]["state"] == "detached"
    failure = E("m3", "failure", "bob", "alice", "m2")
    assert checker.would_accept(failure) == []  # a reported violation is not refused
    assert [f.code for f in checker.feed(failure)] == ["T012"]
    assert checker.finish() == []


def test_parse_ts():
    assert parse_ts(12) == 12.0
    assert parse_ts("12.5") == 12.5
    assert parse_ts("1970-01-01T00:01:00Z") == 60.0
    assert parse_ts("1970-01-01T00:01:00") == 60.0
    assert parse_ts("yesterday") is None
    assert parse_ts(True) is None
