"""`lint_protocol`: one test (at least) per P-code, with severity and line."""

import pytest
from helpers import no_hang

from coord.protocol.lint import lint_protocol

BASE = """\
schema_version: 1
name: base
roles: [buyer, seller]
messages:
  offer: {from: seller, to: buyer, reply_to: []}
  take: {from: buyer, to: seller, reply_to: [offer]}
  pay: {from: buyer, to: seller, schema: {type: object}}
  decline: {from: buyer, to: seller, reply_to: [offer]}
  release: {from: seller, to: buyer}
flow:
  initial: open
  terminal: [paid, declined, released]
  transitions:
    - {from: open, msg: offer, to: offered}
    - {from: offered, msg: take, to: taken}
    - {from: offered, msg: decline, to: declined}
    - {from: taken, msg: pay, to: paid}
    - {from: taken, msg: release, to: released}
commitments:
  payment:
    debtor: buyer
    creditor: seller
    create: [take]
    discharge: [pay]
    release: [release]
"""


def lint(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return lint_protocol(path)


def line_of(text, needle, nth=0):
    """1-based line of the `nth` line containing `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth]


def only(report, code):
    found = [f for f in report.findings if f.code == code]
    assert found, [f.to_dict() for f in report.findings]
    return found


def test_base_is_clean(tmp_path):
    report = lint(tmp_path, BASE)
    assert report.findings == [] and report.ok
    assert report.protocol is not None and report.protocol.spec.name == "base"
    doc = report.to_dict()
    assert doc["ok"] and doc["findings"] == [] and doc["name"] == "base"
    assert doc["path"] == str(tmp_path / "p.yaml")


# -- P001 ---------------------------------------------------------------------------------

P001_CASES = {
    "alias": (BASE + "x: &a 1\ny: *a\n", "x: &a", "anchors/aliases"),
    "duplicate": (
        BASE.replace("  pay:", "  take: {from: buyer, to: seller}\n  pay:"),
        "take: {from: buyer, to: seller}",
        "duplicate key 'take'",
    ),
    "unknown-field": (
        BASE.replace("    debtor: buyer", "    detbor: buyer\n    debtor: buyer"),
        "detbor",
        "unknown field 'detbor'",
    ),
    "wrong-type": (BASE.replace("name: base", "name: [base]"), "name:", "expected a string"),
    "nan": (BASE.replace("name: base", "name: base\nweight: .NaN"), "weight", "finite"),
    "version": (
        BASE.replace("schema_version: 1", "schema_version: 7"),
        "schema_version",
        "schema_version 7",
    ),
    "deep": ("a: " + "{b: " * 10_000 + "}" * 10_000 + "\n", "a:", "nesting is deeper"),
    "syntax": (BASE.replace("roles: [buyer, seller]", "roles: [buyer, seller"), None, ""),
    "not-a-mapping": ("just text\n", "just text", "must be a mapping"),
}


@pytest.mark.parametrize("case", sorted(P001_CASES))
def test_p001(tmp_path, case):
    text, needle, words = P001_CASES[case]
    with no_hang():
        report = lint(tmp_path, text)
    assert [f.code for f in report.findings] == ["P001"]
    f = report.findings[0]
    assert f.severity == "error" and words in f.message
    assert f.line == (line_of(text, needle) if needle else f.line) and f.line >= 1
    assert not report.ok and report.protocol is None


def test_p001_50_mb_line(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("schema_version: 1\nname: " + "n" * (50 * 1024 * 1024) + "\n")
    with no_hang():
        report = lint_protocol(path)
    assert [f.code for f in report.findings] == ["P001"]
    assert "larger than" in report.findings[0].message


def test_role_named_no_is_a_string(tmp_path):
    text = BASE.replace("buyer", "no").replace("seller", "on")
    report = lint(tmp_path, text)
    assert report.findings == []
    assert report.protocol.spec.roles == ["no", "on"]


# -- P002 ---------------------------------------------------------------------------------


def test_p002_every_bad_schema_is_reported(tmp_path):
    text = BASE.replace("reply_to: []}", "reply_to: [], schema: {type: 12}}").replace(
        "schema: {type: object}", "schema: {$ref: 'https://example.com/s.json'}"
    )
    report = lint(tmp_path, text)
    found = only(report, "P002")
    assert [f.line for f in found] == [line_of(text, "offer:"), line_of(text, "pay:")]
    assert all(f.severity == "error" for f in found)
    assert "offer" in found[0].message and "pay" in found[1].message
    assert found[0].path.startswith("$.messages.offer.schema")
    assert not report.ok and report.protocol is None


def test_p002_schema_file(tmp_path):
    (tmp_path / "bad.json").write_text('{"type": "object", "required": "x"}')
    text = BASE.replace("schema: {type: object}", "schema: bad.json")
    found = only(lint(tmp_path, text), "P002")
    assert len(found) == 1 and found[0].line == line_of(text, "pay:")
    assert "bad.json" in found[0].message


# -- P003 ---------------------------------------------------------------------------------

P003_CASES = {
    "sender": ("offer: {from: seller,", "offer: {from: sellr,", "role 'sellr'"),
    "receiver": (
        "take: {from: buyer, to: seller,",
        "take: {from: buyer, to: vendor,",
        "role 'vendor'",
    ),
    "reply_to": ("reply_to: [offer]}", "reply_to: [ofer]}", "'ofer'"),
    "transition": ("msg: pay,", "msg: payy,", "'payy'"),
    "debtor": ("debtor: buyer", "debtor: customer", "debtor role 'customer'"),
    "creditor": ("creditor: seller", "creditor: sellers", "creditor role 'sellers'"),
    "operation": ("discharge: [pay]", "discharge: [pay, refund]", "'refund'"),
    "operation-single": ("discharge: [pay]", "discharge: paid", "'paid'"),
}


@pytest.mark.parametrize("case", sorted(P003_CASES))
def test_p003(tmp_path, case):
    old, new, words = P003_CASES[case]
    text = BASE.replace(old, new, 1)
    found = only(lint(tmp_path, text), "P003")
    assert len(found) == 1, [f.to_dict() for f in found]
    assert found[0].severity == "error" and words in found[0].message
    assert found[0].line == line_of(text, new)


def test_p003_did_you_mean_and_path(tmp_path):
    text = BASE.replace("msg: pay,", "msg: payy,")
    (f,) = only(lint(tmp_path, text), "P003")
    assert 'did you mean "pay"' in f.message
    assert f.path == "$.flow.transitions[3].msg"


# -- P004 ---------------------------------------------------------------------------------

P004_CASES = {
    "create": ("create: [take]", "create: [offer]", "creates it", "debtor 'buyer'"),
    "conditional": (
        "create: [take]",
        "conditional: [offer]",
        "conditionally creates",
        "debtor 'buyer'",
    ),
    "cancel": ("release: [release]", "cancel: [release]", "cancels it", "debtor 'buyer'"),
    "release": ("release: [release]", "release: [decline]", "releases it", "creditor 'seller'"),
    "discharge": ("discharge: [pay]", "discharge: [release]", "discharges it", "debtor 'buyer'"),
}


@pytest.mark.parametrize("case", sorted(P004_CASES))
def test_p004(tmp_path, case):
    old, new, verb, party = P004_CASES[case]
    text = BASE.replace(old, new)
    found = only(lint(tmp_path, text), "P004")
    assert len(found) == 1, [f.to_dict() for f in found]
    assert found[0].severity == "error"
    assert verb in found[0].message and party in found[0].message
    assert found[0].line == line_of(text, new)
    assert found[0].path.startswith("$.commitments.payment.")


# -- P005 ---------------------------------------------------------------------------------


def p005(tmp_path, text):
    found = only(lint(tmp_path, text), "P005")
    assert all(f.severity == "error" for f in found)
    return found


def test_p005_unreachable(tmp_path):
    text = BASE.replace(
        "    - {from: taken, msg: pay, to: paid}",
        "    - {from: taken, msg: pay, to: paid}\n    - {from: limbo, msg: pay, to: paid}",
    )
    (f,) = p005(tmp_path, text)
    assert "'limbo' cannot be reached" in f.message and f.line == line_of(text, "from: limbo")


def test_p005_dead_end(tmp_path):
    text = BASE.replace("terminal: [paid, declined, released]", "terminal: [paid, released]")
    (f,) = p005(tmp_path, text)
    assert "'declined' is a dead end" in f.message
    assert f.line == line_of(text, "to: declined")


def test_p005_terminal_with_exits(tmp_path):
    text = BASE.replace("terminal: [paid,", "terminal: [taken, paid,")
    (f,) = p005(tmp_path, text)
    assert "terminal state 'taken' has outgoing transitions" in f.message
    assert f.line == line_of(text, "{from: taken")


def test_p005_initial_missing(tmp_path):
    text = BASE.replace("initial: open", "initial: start")
    found = p005(tmp_path, text)
    assert "initial state 'start' appears in no transition" in found[0].message
    assert found[0].line == line_of(text, "initial: start")


def test_p005_terminal_never_reached(tmp_path):
    text = BASE.replace("terminal: [paid,", "terminal: [payed, paid,")
    (f,) = p005(tmp_path, text)
    assert "terminal state 'payed' appears in no transition" in f.message
    assert f.line == line_of(text, "terminal:") and f.path == "$.flow.terminal[0]"


def test_p005_no_terminal_states_and_a_cycle_is_fine(tmp_path):
    text = BASE.replace("terminal: [paid, declined, released]", "terminal: []").replace(
        "  transitions:\n",
        "  transitions:\n    - {from: [paid, declined, released], msg: offer, to: offered}\n",
    )
    assert lint(tmp_path, text).findings == []


# -- P006 ---------------------------------------------------------------------------------


def test_p006_unused_message_is_a_warning(tmp_path):
    text = BASE.replace(
        "  release: {from: seller", "  haggle: {from: buyer, to: seller}\n  release: {from: seller"
    )
    report = lint(tmp_path, text)
    (f,) = only(report, "P006")
    assert f.severity == "warning" and "'haggle'" in f.message
    assert f.line == line_of(text, "haggle:") and f.path == "$.messages.haggle"
    assert report.ok and report.protocol is not None
    assert report.to_dict()["warnings"] == 1


# -- several at once ----------------------------------------------------------------------


def test_all_problems_are_reported_in_line_order(tmp_path):
    text = (
        BASE.replace("offer: {from: seller,", "offer: {from: sellr,")
        .replace("msg: pay,", "msg: payy,")
        .replace("release: [release]", "release: [take]")
        .replace("terminal: [paid, declined, released]", "terminal: [paid, released]")
    )
    report = lint(tmp_path, text)
    codes = [f.code for f in report.findings]
    assert {"P003", "P004", "P006", "P005"} <= set(codes)
    lines = [f.line for f in report.findings]
    assert lines == sorted(lines)


def test_p002_every_error_in_one_schema(tmp_path):
    text = BASE.replace(
        "  pay: {from: buyer, to: seller, schema: {type: object}}",
        "  pay:\n    from: buyer\n    to: seller\n    schema:\n      type: 12\n      required: x",
    )
    found = only(lint(tmp_path, text), "P002")
    assert [f.path for f in found] == [
        "$.messages.pay.schema.type",
        "$.messages.pay.schema.required",
    ]
    assert [f.line for f in found] == [line_of(text, "type: 12"), line_of(text, "required: x")]
    assert all("pay" in f.message for f in found)
