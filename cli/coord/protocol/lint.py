"""Lint a protocol file: every problem at once, as findings with stable codes (DESIGN §5).

======  ========  ==========================================================================
code    severity  what
======  ========  ==========================================================================
P001    error     the file is unsafe or unreadable YAML, or not a protocol document (wrong
                  shape, unknown field, unsupported `schema_version`)
P002    error     a message's content schema does not compile (invalid JSON Schema, remote or
                  `file://` `$ref`, `$ref` cycle, a regex `pattern` that could hang)
P003    error     an unknown role or message: a message's `from`/`to`, a commitment's
                  `debtor`/`creditor` that is not in `roles`; a `reply_to`, a transition's
                  `msg` or a commitment operation naming a message type not in `messages`
P004    error     a commitment operated on by the wrong role: created (`create`,
                  `conditional`), cancelled or discharged by a message the debtor does not
                  send; released or detached by one the creditor does not send
P005    error     the state machine: `initial` in no transition, a state unreachable from
                  `initial`, a non-terminal state no transition leaves (dead end), a
                  terminal state that transitions leave
P006    warning   a message type no transition uses
======  ========  ==========================================================================

P001 stops the lint (there is no protocol to check further); the other checks all run.
Each finding carries the 1-based line of the offending value and a JSON path into the
protocol (`$.flow.transitions[2].msg`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coord.errors import InputError, did_you_mean
from coord.protocol.envelope import Finding
from coord.protocol.load import SchemaProblem, _json_path, compile_schemas, read_protocol
from coord.protocol.model import LoadedProtocol, Protocol
from coord.spec.yamlsafe import Positions

ERROR = "error"
WARNING = "warning"

# Who must send a message that performs each operation (commitments.PARTY, minus `violate`,
# which either side may report).
_CREATE_OPS = ("create", "conditional")
_BY_DEBTOR = {
    "create": "creates",
    "conditional": "creates",
    "cancel": "cancels",
    "discharge": "discharges",
}
_BY_CREDITOR = {"release": "releases", "detach": "detaches"}
_OPERATIONS = ("create", "conditional", "detach", "discharge", "violate", "cancel", "release")


@dataclass
class LintReport:
    """The findings for one protocol file; `protocol` is set when it could be loaded."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    protocol: LoadedProtocol | None = None

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        errors = sum(f.severity == ERROR for f in self.findings)
        return {
            "path": os.fspath(self.path),
            "kind": "protocol",
            "name": self.protocol.spec.name if self.protocol is not None else None,
            "ok": self.ok,
            "errors": errors,
            "warnings": len(self.findings) - errors,
            "findings": [f.to_dict() for f in self.findings],
        }


def lint_protocol(path: str | os.PathLike) -> LintReport:
    """Check the protocol file at `path`.

    A missing or unreadable file raises `UsageError` (there is nothing to lint); every
    problem in the file itself becomes a finding.
    """
    p = Path(path)
    try:
        spec, data, positions = read_protocol(p)
    except InputError as exc:
        message = exc.message + (f" ({exc.hint})" if exc.hint else "")
        return LintReport(p, [Finding("P001", ERROR, message, line=exc.line, path="$")])

    problems: list[SchemaProblem] = []
    validators = compile_schemas(spec, p, positions, on_problem=problems.append)
    at = _Locator(data, positions)
    findings = [
        Finding("P002", ERROR, prob.message, line=prob.line, path=prob.path) for prob in problems
    ]
    findings += _unknown_names(spec, at)
    findings += _wrong_parties(spec, at)
    findings += _state_machine(spec, at)
    findings += _unused_messages(spec, at)
    findings.sort(key=lambda f: (f.line or 0, f.code))
    protocol = LoadedProtocol(spec, p, validators) if not problems else None
    return LintReport(p, findings, protocol)


class _Locator:
    """Lines and JSON paths of values in the protocol file."""

    def __init__(self, data: Any, positions: Positions) -> None:
        self.data = data
        self.positions = positions

    def item(self, base: tuple, index: int) -> tuple:
        """Path of item `index` of a list field, which the file may give as a single name."""
        node = self.data
        for part in base:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return base
        return base + (index,) if isinstance(node, list) else base

    def finding(
        self, code: str, message: str, path: tuple, *, key: bool = False, severity: str = ERROR
    ) -> Finding:
        known = self.positions.resolve(path)
        if key:
            line, _col = self.positions.key_lookup(known)
        else:
            line, _col = self.positions.lookup(known)
        return Finding(code, severity, message, line=line, path=_json_path(path))


def _named(kind: str, name: str, choices) -> str:
    return f"{kind} '{name}'{did_you_mean(name, choices)}"


# -- P003 ---------------------------------------------------------------------------------


def _unknown_names(spec: Protocol, at: _Locator) -> list[Finding]:
    roles, messages = spec.roles, spec.messages
    out: list[Finding] = []
    for name, msg in messages.items():
        for field_name, role in (("from", msg.sender), ("to", msg.receiver)):
            if role not in roles:
                out.append(
                    at.finding(
                        "P003",
                        f"message '{name}': {field_name} {_named('role', role, roles)} is not "
                        "declared in roles",
                        ("messages", name, field_name),
                    )
                )
        for j, target in enumerate(msg.reply_to or []):
            if target not in messages:
                out.append(
                    at.finding(
                        "P003",
                        f"message '{name}': reply_to names unknown "
                        f"{_named('message type', target, messages)}",
                        at.item(("messages", name, "reply_to"), j),
                    )
                )
    for i, t in enumerate(spec.flow.transitions):
        if t.msg not in messages:
            out.append(
                at.finding(
                    "P003",
                    f"transition {'/'.join(t.source)} → {t.target}: unknown "
                    f"{_named('message type', t.msg, messages)}",
                    ("flow", "transitions", i, "msg"),
                )
            )
    for cname, c in spec.commitments.items():
        for field_name, role in (("debtor", c.debtor), ("creditor", c.creditor)):
            if role not in roles:
                out.append(
                    at.finding(
                        "P003",
                        f"commitment '{cname}': {field_name} {_named('role', role, roles)} is "
                        "not declared in roles",
                        ("commitments", cname, field_name),
                    )
                )
        for op in _OPERATIONS:
            for j, mname in enumerate(getattr(c, op)):
                if mname not in messages:
                    out.append(
                        at.finding(
                            "P003",
                            f"commitment '{cname}': {op} names unknown "
                            f"{_named('message type', mname, messages)}",
                            at.item(("commitments", cname, op), j),
                        )
                    )
    return out


# -- P004 ---------------------------------------------------------------------------------


def _wrong_parties(spec: Protocol, at: _Locator) -> list[Finding]:
    out: list[Finding] = []
    for cname, c in spec.commitments.items():
        for op in _OPERATIONS:
            if op in _BY_DEBTOR:
                party, role, verb = "debtor", c.debtor, _BY_DEBTOR[op]
            elif op in _BY_CREDITOR:
                party, role, verb = "creditor", c.creditor, _BY_CREDITOR[op]
            else:
                continue
            if role not in spec.roles:
                continue  # P003 already
            for j, mname in enumerate(getattr(c, op)):
                msg = spec.messages.get(mname)
                if msg is None or msg.sender not in spec.roles or msg.sender == role:
                    continue
                how = "conditionally " if op == "conditional" else ""
                out.append(
                    at.finding(
                        "P004",
                        f"commitment '{cname}': '{mname}' {how}{verb} it, but '{mname}' is "
                        f"sent by '{msg.sender}', not by the {party} '{role}' (only the "
                        f"{party} may {_infinitive(op)} a commitment)",
                        at.item(("commitments", cname, op), j),
                    )
                )
    return out


def _infinitive(op: str) -> str:
    return "create" if op in _CREATE_OPS else op


# -- P005 ---------------------------------------------------------------------------------


def _state_machine(spec: Protocol, at: _Locator) -> list[Finding]:
    import networkx as nx

    flow = spec.flow
    graph = nx.DiGraph()
    where: dict[str, tuple] = {}  # state -> path of its first mention in a transition
    exits: dict[str, tuple] = {}  # state -> path of the first transition leaving it
    for i, t in enumerate(flow.transitions):
        for k, src in enumerate(t.source):
            graph.add_edge(src, t.target)
            src_path = at.item(("flow", "transitions", i, "from"), k)
            where.setdefault(src, src_path)
            exits.setdefault(src, src_path)
        where.setdefault(t.target, ("flow", "transitions", i, "to"))
        graph.add_node(t.target)

    out: list[Finding] = []
    terminal = set(flow.terminal)
    if flow.initial not in graph:
        out.append(
            at.finding(
                "P005",
                f"the initial state '{flow.initial}' appears in no transition"
                f"{did_you_mean(flow.initial, list(graph.nodes))}",
                ("flow", "initial"),
            )
        )
    else:
        reachable = nx.descendants(graph, flow.initial) | {flow.initial}
        for state in graph.nodes:
            if state not in reachable:
                out.append(
                    at.finding(
                        "P005",
                        f"state '{state}' cannot be reached from the initial state "
                        f"'{flow.initial}'",
                        where[state],
                    )
                )
    for j, state in enumerate(flow.terminal):
        if state not in graph and state != flow.initial:
            out.append(
                at.finding(
                    "P005",
                    f"terminal state '{state}' appears in no transition, so it is never "
                    f"reached{did_you_mean(state, list(graph.nodes))}",
                    at.item(("flow", "terminal"), j),
                )
            )
    for state in graph.nodes:
        leaving = graph.out_degree(state)
        if state in terminal and leaving:
            targets = ", ".join(sorted(f"'{s}'" for s in graph.successors(state)))
            out.append(
                at.finding(
                    "P005",
                    f"terminal state '{state}' has outgoing transitions (to {targets})",
                    exits[state],
                )
            )
        elif state not in terminal and not leaving:
            out.append(
                at.finding(
                    "P005",
                    f"state '{state}' is a dead end: no transition leaves it and it is not "
                    "in flow.terminal",
                    where[state],
                )
            )
    return out


# -- P006 ---------------------------------------------------------------------------------


def _unused_messages(spec: Protocol, at: _Locator) -> list[Finding]:
    used = {t.msg for t in spec.flow.transitions}
    return [
        at.finding(
            "P006",
            f"message type '{name}' is used by no transition in flow",
            ("messages", name),
            key=True,
            severity=WARNING,
        )
        for name in spec.messages
        if name not in used
    ]
