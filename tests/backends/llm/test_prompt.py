"""`coord.backends.llm.prompt`: a view as prompt text, the protocol's schemas as tools, and
tool calls validated back into messages."""

import copy
import json

import pytest
from helpers import PAPER_EXAMPLE

from coord.backends.llm import anthropic as anthropic_wire
from coord.backends.llm import openai as openai_wire
from coord.backends.llm import prompt
from coord.backends.llm.common import LLMSettings, Prompt
from coord.coordinator.messages import Message, Posted, View
from coord.protocol.load import find_protocol, load_protocol

ALL = ["say", "propose", "ack", "accept", "reject", "purchase"]
PLAN = {"alice": {"resources": {"r2": 3}}, "bob": {"resources": {"r1": 1, "r2": 3}}}


@pytest.fixture(scope="module")
def protocol():
    return load_protocol(find_protocol("negotiation"))


def view(**kw):
    base = dict(
        agent="alice",
        partner="bob",
        round=1,
        rounds=4,
        phase="talk",
        turn=2,
        talk_turns=5,
        talk=True,
        economy=PAPER_EXAMPLE.economy,
        projects=PAPER_EXAMPLE.projects[0],
    )
    return View(**{**base, **kw})


def proposal(by, status="open"):
    return {"id": "p1", "kind": "proposal", "round": 1, "by": by, "plan": PLAN, "status": status}


# -- what the agent may send -----------------------------------------------------------------


def test_allowed_messages():
    assert prompt.allowed(view()) == ["say", "propose", "purchase"]
    # answering a proposal is offered only when the partner has one open
    assert prompt.allowed(view(ledger=[proposal("bob")])) == [
        *("say", "propose", "ack", "accept", "reject", "purchase")
    ]
    assert "accept" not in prompt.allowed(view(ledger=[proposal("alice")]))
    assert "accept" not in prompt.allowed(view(ledger=[proposal("bob", "accepted")]))
    assert prompt.allowed(view(phase="decide")) == ["purchase"]
    assert prompt.allowed(view(talk=False)) == ["purchase"]


# -- the prompt text -------------------------------------------------------------------------


def test_render_shows_the_own_projects_only():
    text = prompt.render(view())
    assert "# You are alice; partner: bob" in text
    assert "round 1 of 4" in text and "Talk turn 2 of 5." in text
    assert '- a: needs {"r2": 3} per run, reward 9 per run' in text
    assert "bob's projects" not in text
    assert "(nothing said yet)" in text
    assert text.endswith("Allowed now: say, propose, purchase.")


def test_render_with_full_transparency_history_ledger_and_errors():
    posted = [
        Posted(1, 1, "bob", Message("propose", plan=PLAN), "p1"),
        Posted(1, 1, "alice", Message("say", text="let me think")),
    ]
    text = prompt.render(
        view(
            partner_projects=PAPER_EXAMPLE.projects[1],
            history=posted,
            ledger=[proposal("bob")],
            errors=["resources.r1: -2 is less than the minimum of 0"],
            partner_locked=True,
        )
    )
    assert "## bob's projects (you may see them)" in text
    assert '- b: needs {"r1": 1, "r2": 3} per run, reward 9 per run' in text
    assert '- r1t1 bob [p1]: {"plan": ' in text  # cited by its ledger id
    assert '- r1t1 alice: {"text": "let me think", "type": "say"}' in text
    assert "## Ledger (the coordinator's record; cite proposals by id)" in text
    assert "bob has locked its purchase for this round." in text
    assert "- resources.r1: -2 is less than the minimum of 0" in text
    assert text.endswith("Allowed now: say, propose, ack, accept, reject, purchase.")


def test_render_standalone_and_decision_phase():
    text = prompt.render(view(rounds=None, phase="decide", attempt=2))
    assert "This is a standalone game." in text
    assert "The talk is over: decide now (attempt 2)." in text


def test_render_is_deterministic():
    # resume and replay match requests byte for byte: the same view, the same text
    assert prompt.render(view(ledger=[proposal("bob")])) == prompt.render(
        view(ledger=[proposal("bob")])
    )


def test_system_prompt():
    base = prompt.system_prompt("alice", 2, None)
    assert base.startswith("You are alice,") and "at most 2 resource types" in base
    assert prompt.system_prompt("alice", 2, "  ") == base
    assert prompt.system_prompt("alice", 2, " Be brief. ") == base + "\n\nBe brief."


# -- tools -----------------------------------------------------------------------------------


def test_tool_schemas_are_self_contained(protocol):
    tools = prompt.tools(protocol, ["say", "propose", "accept", "purchase"])
    assert list(tools) == ["say", "propose", "accept", "purchase"]
    for name, schema in tools.items():
        text = json.dumps(schema)
        assert "$ref" not in text and "$defs" not in text and "$schema" not in text, name
        assert schema["description"] == prompt.DESCRIPTIONS[name]
        assert "ref" in schema["properties"] or name == "say"
    assert "ref" in tools["accept"]["required"]  # answering names what it answers
    assert "ref" not in tools["propose"].get("required", [])
    quantities = tools["purchase"]["properties"]["resources"]
    assert quantities["additionalProperties"] == {"type": "integer", "minimum": 0}


def test_tool_schemas_are_shared_and_never_changed_by_request_building(protocol):
    before = copy.deepcopy(prompt.tools(protocol, ALL))
    conversation = Prompt(
        system="s",
        messages=[{"role": "user", "content": "u"}],
        tools=prompt.tools(protocol, ALL),
    )
    for settings in (
        LLMSettings(provider="anthropic", model="m"),
        LLMSettings(provider="openai", model="m"),
        LLMSettings(provider="openai", model="m", output="json_schema"),
    ):
        module = anthropic_wire if settings.provider == "anthropic" else openai_wire
        body = module.body(settings, conversation)
        json.dumps(body)
    assert prompt.tools(protocol, ALL) == before
    assert prompt.tool_schema(protocol, "say") is prompt.tool_schema(protocol, "say")


# -- validating a tool call -----------------------------------------------------------------


def test_validate_accepts_a_valid_call(protocol):
    msg, errors = prompt.validate(protocol, ["purchase"], "purchase", {"resources": {"r2": 3}})
    assert errors == [] and msg == Message("purchase", resources={"r2": 3})
    msg, _ = prompt.validate(protocol, ["accept"], "accept", {"ref": "p1", "text": "deal"})
    assert msg == Message("accept", ref="p1", text="deal")


@pytest.mark.parametrize(
    "types,name,args,words",
    [
        (["say"], "purchase", {"resources": {}}, "`purchase` is not allowed now; allowed: say"),
        (["say"], "say", "hello", "must be a JSON object"),
        (["purchase"], "purchase", {"resources": {"r1": -2}}, "minimum"),
        (["purchase"], "purchase", {}, "resources"),
        (["accept"], "accept", {"text": "ok"}, "ref"),
    ],
)
def test_validate_explains_what_is_wrong(protocol, types, name, args, words):
    msg, errors = prompt.validate(protocol, types, name, args)
    assert msg is None and errors
    assert any(words in e for e in errors), errors
