"""The bundled protocols: each lints clean, and their shapes are the ones promised."""

import shutil

import pytest

from coord.protocol.lint import lint_protocol
from coord.protocol.load import bundled_protocols, find_protocol, load_protocol

# The example of issue 4, exactly as written there.
ISSUE_EXAMPLE = """\
schema_version: 1
name: request-commit
roles: [requester, performer]
messages:
  request: {from: requester, to: performer, schema: schemas/request.json, reply_to: []}
  ack:     {from: performer, to: requester, reply_to: [request]}
  agree:   {from: performer, to: requester, reply_to: [request, ack]}
  refuse:  {from: performer, to: requester, reply_to: [request, ack]}
  deliver: {from: performer, to: requester, schema: {type: object, required: [result]}}
  failure: {from: performer, to: requester}
  cancel:  {from: performer, to: requester}
  release: {from: requester, to: performer}
flow:
  initial: open
  terminal: [done, refused, failed, released, cancelled]
  transitions:
    - {from: open, msg: request, to: requested}
    - {from: requested, msg: ack, to: acknowledged}
    - {from: [requested, acknowledged], msg: agree, to: agreed}
    - {from: [requested, acknowledged], msg: refuse, to: refused}
    - {from: agreed, msg: deliver, to: done}
    - {from: agreed, msg: failure, to: failed}
    - {from: agreed, msg: cancel, to: cancelled}
    - {from: agreed, msg: release, to: released}
commitments:
  deliver_result:
    debtor: performer
    creditor: requester
    create: [agree]
    discharge: [deliver]
    violate: [failure]
    cancel: [cancel]
    release: [release]
    deadline: {turns: 10}
"""

NAMES = ["contract-net", "forecast-aggregation", "negotiation", "request-commit"]


def test_the_bundled_set():
    assert [p.stem for p in bundled_protocols()] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_bundled_protocol_lints_with_zero_findings(name):
    path = find_protocol(name)
    report = lint_protocol(path)
    assert report.findings == [], [f.to_dict() for f in report.findings]
    assert report.ok and report.protocol is not None
    spec = report.protocol.spec
    assert spec.name == name and spec.description
    # every message with a schema got a validator
    for mname, msg in spec.messages.items():
        assert (report.protocol.validators[mname] is None) == (msg.schema_ is None), mname


def test_bundled_schemas_declare_their_dialect():
    import json

    root = find_protocol("negotiation").parent / "schemas"
    files = sorted(root.glob("*.json"))
    assert files
    for f in files:
        doc = json.loads(f.read_text())
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema", f.name
        assert doc.get("additionalProperties") is False, f.name


def test_the_issue_example_loads_as_written(tmp_path):
    bundled = find_protocol("request-commit")
    shutil.copytree(bundled.parent / "schemas", tmp_path / "schemas")
    path = tmp_path / "example.yaml"
    path.write_text(ISSUE_EXAMPLE)
    assert lint_protocol(path).findings == []
    example = load_protocol(path)
    # the bundled file is that example, plus a description
    assert load_protocol(bundled).spec.model_copy(update={"description": ""}) == example.spec
    request = example.validators["request"]
    assert request.is_valid({"task": "summarise", "params": {}})
    assert not request.is_valid({"params": {}})
    assert example.validators["deliver"].is_valid({"result": 1})
    assert not example.validators["deliver"].is_valid({})
    assert example.spec.commitments["deliver_result"].deadline.turns == 10


def test_negotiation_vocabulary():
    spec = load_protocol(find_protocol("negotiation")).spec
    assert spec.roles == ["negotiator"]
    assert list(spec.messages) == [
        "say",
        "propose",
        "counter",
        "ack",
        "accept",
        "reject",
        "withdraw",
        "commit-purchase",
    ]
    for msg in spec.messages.values():
        assert msg.sender == msg.receiver == "negotiator"
    replies = {name: msg.reply_to for name, msg in spec.messages.items()}
    assert replies["say"] is None and replies["propose"] == []
    for name in ("counter", "ack", "accept", "reject", "withdraw", "commit-purchase"):
        assert replies[name] == ["propose", "counter"], name
    assert spec.messages["commit-purchase"].reply_required is False
    assert spec.flow.initial == "open" and spec.flow.terminal == []
    edges = {(s, t.msg, t.target) for t in spec.flow.transitions for s in t.source}
    o, n, a = "open", "negotiating", "agreed"
    expected = {
        (o, "say", o),
        (n, "say", n),
        (a, "say", a),
        (o, "propose", n),
        (n, "propose", n),
        (a, "propose", n),
        (n, "counter", n),
        (a, "counter", n),
        (n, "ack", n),
        (a, "ack", a),
        (n, "reject", n),
        (a, "reject", a),
        (n, "withdraw", n),
        (a, "withdraw", a),
        (n, "accept", a),
        (a, "accept", a),
        (o, "commit-purchase", o),
        (n, "commit-purchase", n),
        (a, "commit-purchase", a),
    }
    assert edges == expected
    (plan,) = spec.commitments.values()
    assert list(spec.commitments) == ["plan"]
    assert (plan.debtor, plan.creditor) == ("negotiator", "negotiator")
    assert plan.conditional == ["propose", "counter"] and plan.detach == ["accept"]
    assert plan.discharge == ["commit-purchase"] and plan.cancel == ["withdraw"]
    assert plan.create == [] and plan.release == [] and plan.violate == []
    assert "ack" in plan.description


PLAN = {"alice": {"resources": {"r2": 9}, "projects": {"a": 3}}, "bob": {"resources": {}}}
SHARE = [{"name": "a", "requirements": {"r2": 3}, "reward": 9.0}]


@pytest.mark.parametrize(
    "mtype,content,valid",
    [
        ("say", {}, True),
        ("say", {"text": "hi", "share": SHARE}, True),
        ("say", {"share": [{"name": "a", "requirements": {"r2": -1}, "reward": 1}]}, False),
        ("say", {"plan": PLAN}, False),
        ("propose", {"plan": PLAN, "text": "deal?", "share": SHARE}, True),
        ("propose", {"text": "no plan"}, False),
        ("propose", {"plan": {"alice": {"resources": {"r2": 9}, "colour": "red"}}}, False),
        ("propose", {"plan": {"alice": {"resources": {"r2": 1.5}}}}, False),
        ("counter", {"plan": PLAN}, True),
        ("ack", {"text": "seen"}, True),
        ("ack", {"plan": PLAN}, False),
        ("accept", {}, True),
        ("accept", {"plan": PLAN, "text": "yes"}, True),
        ("reject", {"text": "no"}, True),
        ("withdraw", {}, True),
        ("commit-purchase", {"resources": {"r1": 3}, "projects": {"a": 1}, "text": "t"}, True),
        ("commit-purchase", {"projects": {"a": 1}}, False),
        ("commit-purchase", {"resources": {"r1": -3}}, False),
    ],
)
def test_negotiation_content_schemas(mtype, content, valid):
    validators = load_protocol(find_protocol("negotiation")).validators
    assert validators[mtype].is_valid(content) is valid


@pytest.mark.parametrize(
    "name,mtype,content,valid",
    [
        ("contract-net", "cfp", {"task": "paint", "deadline": "2030-01-01"}, True),
        ("contract-net", "cfp", {"task": "paint"}, False),
        ("contract-net", "propose", {"price": 12.5}, True),
        ("contract-net", "propose", {"price": -1}, False),
        ("contract-net", "inform-done", {"result": {"ok": True}}, True),
        ("forecast-aggregation", "estimate", {"probability": 0.3, "rationale": "base"}, True),
        ("forecast-aggregation", "estimate", {"probability": 1.3, "rationale": "x"}, False),
        ("forecast-aggregation", "revise", {"probability": 0.4, "rationale": "c"}, True),
        ("forecast-aggregation", "critique", {"target": "m2", "text": "too high"}, True),
        ("forecast-aggregation", "aggregate", {"probability": 0.35, "method": "median"}, True),
        ("forecast-aggregation", "aggregate", {"probability": 0.35, "method": "mode"}, False),
    ],
)
def test_other_content_schemas(name, mtype, content, valid):
    validators = load_protocol(find_protocol(name)).validators
    assert validators[mtype].is_valid(content) is valid


def test_contract_net_and_forecast_commitments():
    cnet = load_protocol(find_protocol("contract-net")).spec
    task = cnet.commitments["perform_task"]
    assert (task.debtor, task.creditor) == ("contractor", "manager")
    assert task.conditional == ["propose"] and task.detach == ["accept-proposal"]
    assert task.discharge == ["inform-done"] and task.violate == ["failure"]
    assert set(cnet.flow.terminal) == {"done", "failed", "refused", "rejected"}
    fagg = load_protocol(find_protocol("forecast-aggregation")).spec
    assert fagg.roles == ["aggregator", "forecaster", "critic"]
    assert fagg.flow.terminal == ["aggregated"]
    final = fagg.commitments["report_final"]
    assert final.debtor == "aggregator" and final.create == ["request-estimates"]
    assert final.discharge == ["aggregate"]
