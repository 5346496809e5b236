"""An agent's `View` as a prompt, and the protocol's content schemas as tools.

The prompt carries exactly what the view allows (its own projects, the partner's only
under full transparency, the history the history mode leaves it, the ledger with ids,
the messages it may send now) and nothing else. It is deterministic text: the same view
gives the same request, byte for byte, which is what resume and replay match on.

Tools: one per message type allowed next, whose input schema is the protocol's content
schema for it (local `$ref`s inlined, `$schema` dropped, as providers want them) plus the
`ref` a reply cites (required for ack / accept / reject).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from coord.coordinator.envelopes import protocol_type
from coord.coordinator.messages import NEEDS_REF, Message, View

SYSTEM = """\
You are {agent}, one of two agents in a negotiation game run by a coordination layer.
Each round, each agent buys resources for its own private projects. A project run needs
fixed units of resources and pays its reward; unspent money is worth nothing. Each agent
has its own budget per round and may buy at most {max_types} resource types. If both
agents together buy more of a resource than the supply, the round is annulled and both
score 0. Before buying you may talk: say things, propose a joint plan, acknowledge,
accept or reject a proposal (by its ledger id, e.g. p2). `ack` only says you saw it and
binds nobody; `accept` makes the plan binding. A `purchase` is your final decision for the
round. Maximise your own total reward over all rounds.

Answer every request with exactly one tool call: the message you send."""

DESCRIPTIONS = {
    "say": "Say something to the other agent; `share` discloses your own projects.",
    "propose": "Propose a joint plan: what each agent buys (and runs); `ref` counters a proposal.",
    "ack": "Acknowledge proposal `ref` (seen; binds nobody).",
    "accept": "Accept proposal `ref`: its plan becomes binding for both.",
    "reject": "Reject proposal `ref`.",
    "purchase": "Your final purchase for this round: resources (and optionally project runs).",
}


def system_prompt(agent: str, max_types: int, extra: str | None) -> str:
    text = SYSTEM.format(agent=agent, max_types=max_types)
    return text + ("\n\n" + extra.strip() if extra and extra.strip() else "")


def allowed(view: View) -> list[str]:
    """The message types the agent may send now."""
    if view.phase == "decide" or not view.talk:
        return ["purchase"]
    types = ["say", "propose"]
    if any(
        e.get("kind") == "proposal" and e.get("status") == "open" and e.get("by") != view.agent
        for e in view.ledger
    ):
        types += ["ack", "accept", "reject"]
    return types + ["purchase"]


def render(view: View) -> str:
    eco = view.economy
    lines = []
    where = "a standalone game" if view.standalone else f"round {view.round} of {view.rounds}"
    lines.append(f"# You are {view.agent}; partner: {view.partner or '(none: you play alone)'}")
    lines.append(f"This is {where}. Phase: {view.phase}.")
    if view.phase == "talk":
        lines.append(f"Talk turn {view.turn} of {view.talk_turns}.")
    else:
        lines.append(f"The talk is over: decide now (attempt {view.attempt}).")
    lines.append("")
    lines.append(f"## Economy (budget {eco.budget:g} per agent, at most {eco.max_types} types)")
    for r in eco.resources:
        lines.append(f"- {r.name}: cost {r.cost:g} per unit, supply {r.supply} per round")
    lines.append("")
    lines.append("## Your projects (private)")
    lines += [_project(p, eco) for p in view.projects]
    if view.partner_projects is not None:
        lines.append("")
        lines.append(f"## {view.partner}'s projects (you may see them)")
        lines += [_project(p, eco) for p in view.partner_projects]
    if view.outcomes:
        lines.append("")
        lines.append("## Past rounds")
        for o in view.outcomes:
            lines.append(
                f"- round {o['round']}: purchases {_j(o['purchases'])}, annulled "
                f"{str(o['annulled']).lower()}, your runs {_j(o['runs'])}, reward {o['reward']:g}"
            )
    if view.ledger:
        lines.append("")
        lines.append("## Ledger (the coordinator's record; cite proposals by id)")
        lines += [f"- {_j(e)}" for e in view.ledger]
    lines.append("")
    lines.append("## Conversation")
    if view.history:
        for p in view.history:
            tag = f" [{p.ledger_id}]" if p.ledger_id else ""
            lines.append(f"- r{p.round}t{p.turn} {p.agent}{tag}: {_j(p.message.to_dict())}")
    else:
        lines.append("(nothing said yet)")
    if view.partner_locked:
        lines.append(f"{view.partner} has locked its purchase for this round.")
    if view.errors:
        lines.append("")
        lines.append("## Your last message was rejected")
        lines += [f"- {e}" for e in view.errors]
    lines.append("")
    lines.append("Allowed now: " + ", ".join(allowed(view)) + ".")
    return "\n".join(lines)


def _project(p, eco) -> str:
    return f"- {p.name}: needs {_j(p.requirements(eco))} per run, reward {p.reward:g} per run"


def _j(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(", ", ": "), ensure_ascii=False)


# -- tools ---------------------------------------------------------------------------------


def tools(protocol, types: list[str]) -> dict[str, dict]:
    return {t: tool_schema(protocol, t) for t in types}


_SCHEMAS: dict[tuple[int, str], tuple[Any, dict]] = {}


def tool_schema(protocol, mtype: str) -> dict:
    """The input schema of tool `mtype`, built once per protocol.

    The dict is shared by every request that offers the tool (no copy: copying it for each
    of a run's calls was a measurable part of a call's CPU time), so it is read-only:
    provider modules build their request bodies around it and never change it in place.
    """
    key = (id(protocol), mtype)
    hit = _SCHEMAS.get(key)
    if hit is None or hit[0] is not protocol:  # (the protocol kept: its id stays unique)
        hit = _SCHEMAS[key] = (protocol, _tool_schema(protocol, mtype))
    return hit[1]


def _tool_schema(protocol, mtype: str) -> dict:
    ptype = protocol_type(Message(type=mtype))
    schema = inline_refs(raw_schema(protocol, ptype))
    schema.pop("$schema", None)
    schema.pop("title", None)
    schema["description"] = DESCRIPTIONS.get(mtype, schema.get("description", mtype))
    props = dict(schema.get("properties", {}))
    required = list(schema.get("required", []))
    if mtype in NEEDS_REF or mtype in ("propose", "purchase"):
        props["ref"] = {
            "type": "string",
            "description": "Ledger id of the proposal this answers or carries out, e.g. p2.",
        }
        if mtype in NEEDS_REF:
            required.append("ref")
    schema["properties"] = props
    if required:
        schema["required"] = required
    return schema


def raw_schema(protocol, ptype: str) -> dict:
    """The content schema of protocol message `ptype` as a dict (files read once)."""
    spec = protocol.spec.messages[ptype].schema_
    if isinstance(spec, dict):
        return copy.deepcopy(spec)
    if spec in (None, True):
        return {"type": "object"}
    path = protocol.path.parent / spec
    return json.loads(path.read_text(encoding="utf-8"))


def inline_refs(schema: dict) -> dict:
    """Replace `{"$ref": "#/$defs/x"}` by the definition (the protocol's schemas use only
    local, acyclic refs; `coord.protocol.schema_refs` refused anything else at load)."""
    defs = schema.get("$defs", {})

    def walk(node: Any, depth: int = 0) -> Any:
        if depth > 32:
            raise ValueError("schema $refs nest too deep to inline")
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                target = walk(defs[ref.split("/")[-1]], depth + 1)
                rest = {k: walk(v, depth) for k, v in node.items() if k != "$ref"}
                return {**target, **rest}
            return {k: walk(v, depth) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v, depth) for v in node]
        return node

    return walk(schema)


def validate(protocol, types: list[str], name: str, args: Any) -> tuple[Message | None, list[str]]:
    """A tool call as a `Message`, or the errors to re-ask with."""
    if name not in types:
        return None, [f"`{name}` is not allowed now; allowed: {', '.join(types)}"]
    if not isinstance(args, dict):
        return None, [f"the input of `{name}` must be a JSON object, got: {str(args)[:200]}"]
    content = {k: v for k, v in args.items() if k != "ref"}
    errors = []
    validator = protocol.validators.get(protocol_type(Message(type=name, ref=args.get("ref"))))
    if validator is not None:
        errors += [f"{path}: {msg}" for path, msg in validator.errors(content)]
    if errors:
        return None, errors
    try:
        return Message.from_dict({"type": name, **args}), []
    except ValueError as exc:
        return None, [str(exc)]
