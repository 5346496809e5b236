"""Conformance: replies without in_reply_to, deadlines at the end of the input, timestamps
and implicit conversations."""

from __future__ import annotations

import copy

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

# -- inferred replies (in_reply_to absent) ----------------------------------------------------


def test_inferred_reply_request_agree_deliver_is_clean():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "agree", "bob", "alice"),
            E("m3", "deliver", "bob", "alice"),
        ]
    )
    assert report.findings == []
    assert report.commitments == [
        {"name": "perform", "state": "discharged", "debtor": "bob", "creditor": "alice", "id": "m2"}
    ]


def test_inferred_reply_uses_the_most_recent_answerable_message():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "ack", "bob", "alice"),
            E("m3", "agree", "bob", "alice"),
            E("m4", "deliver", "bob", "alice"),  # answers m3 (agree), not m1
        ]
    )
    assert report.findings == []
    assert report.commitments[0]["state"] == "discharged"


def test_inferred_reply_stays_in_its_conversation():
    report = run(
        [
            E("m1", "request", "alice", "bob", conv="a"),
            E("m2", "request", "alice", "bob", conv="b"),
            E("m3", "agree", "bob", "alice", conv="a"),
            E("m4", "refuse", "bob", "alice", conv="b"),
            E("m5", "deliver", "bob", "alice", conv="a"),
        ]
    )
    assert report.findings == []
    assert report.commitments[0]["id"] == "m3"
    assert report.commitments[0]["state"] == "discharged"


def test_inferred_reply_still_finds_only_acknowledged():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "ack", "bob", "alice"),
            E("m3", "deliver", "bob", "alice"),
        ]
    )
    assert codes(report) == ["T011"]
    assert "performer only acknowledged m1; no agree" in report.findings[0].message


def test_inferred_reply_t006_when_nothing_precedes():
    report = run([E("m1", "agree", "bob", "alice")])
    t006 = [f for f in report.findings if f.code == "T006"]
    assert [f.message for f in t006] == [
        "`agree` must answer one of request; none precedes it in the default conversation"
        " (and it has no in_reply_to)"
    ]


def test_inferred_reply_contract_net_violation_by_withdraw():
    report = run(
        [
            E("m1", "cfp", "mia", "carl"),
            E("m2", "propose", "carl", "mia"),
            E("m3", "accept", "mia", "carl"),
            E("m4", "withdraw", "carl", "mia"),
        ],
        CONTRACT_NET,
        CN_ROLES,
    )
    assert codes(report) == ["T012"]  # the inferred chain finds the accepted proposal


# -- deadlines at the end of the input ---------------------------------------------------------


def _with_deadline(deadline: dict) -> dict:
    data = copy.deepcopy(REQUEST_COMMIT)
    data["commitments"]["perform"]["deadline"] = deadline
    data["flow"]["transitions"].append({"from": "agreed", "msg": "ack", "to": "agreed"})
    data["messages"]["ack"]["reply_to"] = ["request", "agree"]
    return data


def test_t012_turn_deadline_fully_elapsed_at_end_is_a_violation():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "agree", "bob", "alice", "m1"),
            E("m3", "ack", "bob", "alice", "m2"),
        ],
        _with_deadline({"turns": 1}),
    )
    assert codes(report) == ["T012"]  # not the T013 warning
    finding = report.findings[0]
    assert finding.severity == "error" and finding.message_id == "m2" and finding.line == 2
    assert "within 1 messages" in finding.message and "1 followed" in finding.message
    assert report.commitments[0]["state"] == "violated"
    assert not report.ok


def test_t013_turn_deadline_not_yet_elapsed_at_end():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "agree", "bob", "alice", "m1"),
            E("m3", "ack", "bob", "alice", "m2"),
        ],
        _with_deadline({"turns": 2}),
    )
    assert codes(report) == ["T013"]


def test_t012_seconds_deadline_reported_once_with_elapsed_time():
    report = run(
        [
            E("m1", "request", "alice", "bob", ts="2026-05-01T10:00:00Z"),
            E("m2", "agree", "bob", "alice", "m1", ts="2026-05-01T10:00:05Z"),
            E("m3", "ack", "bob", "alice", "m2", ts="2026-05-01T10:02:00Z"),
        ],
        _with_deadline({"seconds": 60}),
    )
    assert codes(report) == ["T012"]
    message = report.findings[0].message
    assert "within 60 seconds" in message and "115 seconds elapsed" in message


def test_t012_turn_deadline_message_gives_the_count():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "agree", "bob", "alice", "m1"),
            E("m3", "ack", "bob", "alice", "m2"),
            E("m4", "deliver", "bob", "alice", "m2"),
        ],
        _with_deadline({"turns": 1}),
    )
    assert codes(report) == ["T012"]
    assert "(2 followed the detaching one)" in report.findings[0].message


# -- timestamps --------------------------------------------------------------------------------


def test_t001_unreadable_ts():
    data = copy.deepcopy(REQUEST_COMMIT)
    data["commitments"]["perform"]["deadline"] = {"seconds": 60}
    report = run(
        [
            E("m1", "request", "alice", "bob", ts=1000),
            E("m2", "agree", "bob", "alice", "m1", ts="next tuesday"),
        ],
        data,
    )
    assert codes(report)[0] == "T001"
    finding = report.findings[0]
    assert finding.path == "$.ts" and finding.message_id == "m2" and finding.severity == "error"
    assert "ts 'next tuesday' is not ISO-8601 or epoch seconds" in finding.message
    checker = ConformanceChecker(load(REQUEST_COMMIT), RC_ROLES)
    assert [f.code for f in checker.would_accept(E("m1", "request", "alice", "bob", ts=True))] == [
        "T001"
    ]


def test_epoch_milliseconds_are_converted():
    assert parse_ts(1_700_000_000_000) == 1_700_000_000.0
    assert parse_ts("1700000000500") == 1_700_000_000.5
    assert parse_ts(1_700_000_000) == 1_700_000_000.0
    data = copy.deepcopy(REQUEST_COMMIT)
    data["commitments"]["perform"]["deadline"] = {"seconds": 60}
    report = run(
        [
            E("m1", "request", "alice", "bob", ts=1_700_000_000_000),
            E("m2", "agree", "bob", "alice", "m1", ts=1_700_000_001_000),
            E("m3", "deliver", "bob", "alice", "m2", ts=1_700_000_031_000),  # 30 s later
        ],
        data,
    )
    assert report.findings == []


# -- implicit conversations --------------------------------------------------------------------


def test_new_implicit_conversation_after_a_terminal_state():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "agree", "bob", "alice"),
            E("m3", "deliver", "bob", "alice"),
            E("m4", "request", "alice", "bob"),
            E("m5", "refuse", "bob", "alice"),
            E("m6", "request", "alice", "bob"),
            E("m7", "agree", "bob", "alice", "m6"),
            E("m8", "deliver", "bob", "alice", "m7"),
        ]
    )
    assert report.findings == []
    assert [c["state"] for c in report.commitments] == ["discharged", "discharged"]


def test_implicit_conversation_states_and_would_accept():
    checker = ConformanceChecker(load(REQUEST_COMMIT), RC_ROLES)
    for env in [E("m1", "request", "alice", "bob"), E("m2", "refuse", "bob", "alice")]:
        assert checker.feed(env) == []
    again = E("m3", "request", "alice", "bob")
    assert checker.would_accept(again) == []
    assert checker.state_of() == "refused" and checker.state_of("#conv2") == "start"
    assert checker.feed(again) == []
    assert checker.state_of("#conv2") == "requested"
    assert checker.feed(E("m4", "agree", "bob", "alice")) == []  # answers m3 in #conv2
    assert checker.state_of("#conv2") == "agreed"


def test_t009_non_starter_after_terminal_state_without_in_reply_to():
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "refuse", "bob", "alice"),
            E("m3", "agree", "bob", "alice"),
        ]
    )
    assert codes(report) == ["T009"]


def test_starter_by_initial_transition_opens_a_new_conversation():
    data = copy.deepcopy(REQUEST_COMMIT)
    del data["messages"]["request"]["reply_to"]  # unrestricted: a starter only by the flow
    report = run(
        [
            E("m1", "request", "alice", "bob"),
            E("m2", "refuse", "bob", "alice"),
            E("m3", "request", "alice", "bob"),
            E("m4", "refuse", "bob", "alice", "m1"),  # answers the ended conversation
        ],
        data,
    )
    assert codes(report) == ["T009"]
    assert report.findings[0].message_id == "m4"
