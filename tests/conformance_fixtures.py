"""Protocols and helpers shared by the conformance tests (tests/protocol/test_conformance*.py)."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from coord.protocol.conformance import check_conformance
from coord.protocol.envelope import Envelope
from coord.protocol.model import CompiledSchema, LoadedProtocol, Protocol

# -- protocols ------------------------------------------------------------------------------

REQUEST_COMMIT = {
    "schema_version": 1,
    "name": "request-commit",
    "roles": ["requester", "performer"],
    "messages": {
        "request": {
            "from": "requester",
            "to": "performer",
            "reply_to": [],
            "schema": {
                "type": "object",
                "required": ["task"],
                "properties": {
                    "task": {"type": "string"},
                    "plan": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {
                                "resources": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer"},
                                }
                            },
                        },
                    },
                },
            },
        },
        "ack": {"from": "performer", "to": "requester", "reply_to": ["request"]},
        "agree": {"from": "performer", "to": "requester", "reply_to": ["request"]},
        "refuse": {"from": "performer", "to": "requester", "reply_to": ["request"]},
        "deliver": {"from": "performer", "to": "requester", "reply_to": ["agree", "request"]},
        "failure": {"from": "performer", "to": "requester", "reply_to": ["agree", "request"]},
    },
    "flow": {
        "initial": "start",
        "terminal": ["done", "refused", "failed"],
        "transitions": [
            {"from": "start", "msg": "request", "to": "requested"},
            {"from": "requested", "msg": "ack", "to": "acknowledged"},
            {"from": ["requested", "acknowledged"], "msg": "agree", "to": "agreed"},
            {"from": ["requested", "acknowledged"], "msg": "refuse", "to": "refused"},
            {"from": "agreed", "msg": "deliver", "to": "done"},
            {"from": "agreed", "msg": "failure", "to": "failed"},
        ],
    },
    "commitments": {
        "perform": {
            "debtor": "performer",
            "creditor": "requester",
            "create": ["agree"],
            "discharge": ["deliver"],
            "violate": ["failure"],
        }
    },
}

CONTRACT_NET = {
    "schema_version": 1,
    "name": "contract-net",
    "roles": ["manager", "contractor"],
    "messages": {
        "cfp": {"from": "manager", "to": "contractor", "reply_to": []},
        "propose": {"from": "contractor", "to": "manager", "reply_to": ["cfp"]},
        "ack": {"from": "manager", "to": "contractor", "reply_to": ["propose"]},
        "accept": {"from": "manager", "to": "contractor", "reply_to": ["propose"]},
        "reject": {"from": "manager", "to": "contractor", "reply_to": ["propose"]},
        "progress": {"from": "contractor", "to": "manager", "reply_to": ["propose", "accept"]},
        "withdraw": {"from": "contractor", "to": "manager", "reply_to": ["propose", "accept"]},
        "inform": {"from": "contractor", "to": "manager", "reply_to": ["accept", "propose"]},
        "failure": {"from": "contractor", "to": "manager", "reply_to": ["accept"]},
    },
    "flow": {
        "initial": "start",
        "terminal": ["done", "failed", "rejected", "withdrawn"],
        "transitions": [
            {"from": "start", "msg": "cfp", "to": "called"},
            {"from": "called", "msg": "propose", "to": "proposed"},
            {"from": "proposed", "msg": "ack", "to": "proposed"},
            {"from": ["proposed", "accepted"], "msg": "progress", "to": "proposed"},
            {"from": "proposed", "msg": "accept", "to": "accepted"},
            {"from": "proposed", "msg": "reject", "to": "rejected"},
            {"from": ["proposed", "accepted"], "msg": "withdraw", "to": "withdrawn"},
            {"from": "accepted", "msg": "inform", "to": "done"},
            {"from": "accepted", "msg": "failure", "to": "failed"},
        ],
    },
    "commitments": {
        "job": {
            "debtor": "contractor",
            "creditor": "manager",
            "conditional": ["propose"],
            "detach": ["accept"],
            "discharge": ["inform"],
            "violate": ["failure"],
            "cancel": ["withdraw"],
            "release": ["reject"],
        }
    },
}

RC_ROLES = {"alice": "requester", "bob": "performer"}
CN_ROLES = {"mia": "manager", "max": "manager", "carl": "contractor"}


class _Schema(CompiledSchema):
    """Test adapter over jsonschema (the real one is coord.protocol.schemas)."""

    def __init__(self, schema: dict) -> None:
        self._v = Draft202012Validator(schema)

    def is_valid(self, instance) -> bool:
        return self._v.is_valid(instance)

    def errors(self, instance):
        def path(e):
            return "$" + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path
            )

        return [(path(e), e.message) for e in self._v.iter_errors(instance)]


def load(data: dict) -> LoadedProtocol:
    spec = Protocol.model_validate(data)
    validators = {
        name: _Schema(m.schema_) if isinstance(m.schema_, dict) else None
        for name, m in spec.messages.items()
    }
    return LoadedProtocol(spec, None, validators)


def E(id, type, frm, to, irt=None, content=None, conv=None, ts=None, line=None):  # noqa: N802
    if line is None and isinstance(id, str) and re.fullmatch(r"m\d+", id):
        line = int(id[1:])
    if content is None and type == "request":
        content = {"task": "paint"}
    return Envelope(id, conv, irt, frm, to, type, content, ts, line)


def run(envelopes, protocol=REQUEST_COMMIT, roles=RC_ROLES):
    return check_conformance(load(protocol), envelopes, roles, source="t.jsonl")


def codes(report):
    return [f.code for f in report.findings]
